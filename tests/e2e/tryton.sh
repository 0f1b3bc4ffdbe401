#!/usr/bin/env bash
# tryton.sh BUILD_DIR: the Tryton adapter end to end against a real trytond
# (Debian's tryton-* packages, SQLite) and the sandbox marketplace (issue 6):
#  - a closed fiscal year: the sale is made, posting its invoice fails with
#    Tryton's own message (`connector failures`); reopened, the next sync
#    finishes that sale;
#  - 53 marketplace orders (50 generated, the seed's 3), the sync killed with
#    kill -9 halfway and run again: exactly one confirmed sale per order with
#    the buyer's party, the products and quantities, the total to the cent
#    and a posted invoice; the order whose product Tryton lacks fails naming
#    it; a second sync writes nothing to Tryton;
#  - a full and a partial refund: credit notes for exactly the refunded
#    amounts, each line linked to the sale's invoice;
#  - a reconciled settlement: one posted statement whose lines sum to the
#    deposit, one line per order (party = the order's, paying its invoice)
#    and one per fee category;
#  - a credit note a person makes in Tryton reaches Amazon once; an order
#    changed after its sale was confirmed is a failure saying so;
#  - a customer shipment the warehouse marks done in Tryton (the tracking
#    number typed into its Reference, the carrier from [erp]
#    shipping_carrier) is one confirmShipment with the order's items,
#    quantities and tracking number, sent once; a shipment a person cancels,
#    ignoring the sale's shipment exception, is one cancellation of the
#    order's items, sent once, and Amazon's cancelled order is no failure;
#  - all of it, setup included, in under 3 minutes.
# It installs nothing: without the Debian packages it says so and passes
# (CI installs them from .ci/packages). The prepared database is cached under
# BUILD_DIR/tryton-cache and copied for each run.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
T0=$(date +%s)
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SETUP="$REPO/../shared/tryton/setup.py"
PREPARE="$REPO/tests/tryton/prepare.py"
PY=/usr/bin/python3     # Debian's: the trytond and proteus modules live there

missing=""
for c in trytond trytond-admin; do command -v "$c" > /dev/null 2>&1 || missing="$missing $c"; done
if [ ! -x "$PY" ] || ! "$PY" -c 'import proteus, trytond.modules.sale, trytond.modules.account_statement' 2> /dev/null; then
  missing="$missing proteus/tryton-modules"
fi
if [ -n "$missing" ]; then
  echo "SKIP: Tryton's Debian packages are not installed (missing:$missing);" \
       "apt-get install the tryton-* lines of .ci/packages to run this test"
  exit 77   # ctest reports it skipped (SKIP_RETURN_CODE), never passed
fi
if [ ! -f "$SETUP" ]; then
  echo "FAIL: $SETUP not found (the clone must sit next to shared/)"
  exit 1
fi

TW=$(mktemp -d)
TPID=
cleanup() {
  if [ -n "$TPID" ]; then kill "$TPID" 2> /dev/null; wait "$TPID" 2> /dev/null; fi
  [ "$(type -t sandbox_stop)" = function ] && sandbox_stop
  rm -rf "$TW"
}
trap cleanup EXIT

# ---- the database: trytond-admin, setup.py, prepare.py (cached) -----------
export TRYTON_PASSWORD=tryton-e2e-admin    # the test database's own, loopback only
export TRYTON_DATABASE=ci
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$TW/db"
cat > "$TW/trytond.conf" <<EOF
[database]
uri = sqlite://
path = $TW/db
[web]
listen = 127.0.0.1:$PORT
[session]
timeout = 3600
EOF
CACHE="$BUILD/tryton-cache"
key=$(cat "$SETUP" "$PREPARE" | md5sum | cut -d' ' -f1)-$(trytond --version 2>&1 | tr -dc '0-9.')
if [ -f "$CACHE/ci.sqlite" ] && [ "$(cat "$CACHE/key" 2> /dev/null)" = "$key" ]; then
  cp "$CACHE/ci.sqlite" "$TW/db/ci.sqlite"
  echo "== database: the cached copy ($CACHE)"
else
  echo "== database: trytond-admin, setup.py, prepare.py"
  touch "$TW/db/ci.sqlite"
  (umask 077; printf '%s\n' "$TRYTON_PASSWORD" > "$TW/adminpass")
  if ! TRYTONPASSFILE="$TW/adminpass" trytond-admin -c "$TW/trytond.conf" -d ci -u sale account_statement \
        --activate-dependencies --email admin@example.invalid > "$TW/admin.log" 2>&1 ||
     ! "$PY" "$SETUP" "$TW/trytond.conf" ci > "$TW/setup.log" 2>&1 ||
     ! "$PY" "$PREPARE" "$TW/trytond.conf" ci > "$TW/prepare.log" 2>&1; then
    echo "FAIL: could not make the database:"; tail -5 "$TW"/*.log
    exit 1
  fi
  grep -h "done\|prepared" "$TW/setup.log" "$TW/prepare.log"
  mkdir -p "$CACHE" && cp "$TW/db/ci.sqlite" "$CACHE/ci.sqlite.tmp" &&
    mv "$CACHE/ci.sqlite.tmp" "$CACHE/ci.sqlite" && echo "$key" > "$CACHE/key"
fi
echo "   ready after $(( $(date +%s) - T0 )) s"

/usr/bin/trytond -c "$TW/trytond.conf" > "$TW/trytond.log" 2>&1 &
TPID=$!
export TRYTON_URL="http://127.0.0.1:$PORT" TRYTON_CONF_DIR="$REPO/tests/tryton"
TC="python3 $REPO/tests/tryton/check.py"
$TC wait || { tail -5 "$TW/trytond.log"; exit 1; }

# ---- the sandbox: the seed's settlement report dated today ----------------
python3 - "$REPO/tests/data/sandbox-seed.json" "$REPO/tests/data/settlement/sandbox-demo.tsv" \
    "$TW/seed.json" <<'PY'
import datetime, json, sys
seed = json.load(open(sys.argv[1]))
text = open(sys.argv[2], encoding="utf-8").read()
today = datetime.datetime.now(datetime.timezone.utc).date()
for old, days in (("2026-11-22", 0), ("2026-11-20", 2), ("2026-11-06", 16)):
    text = text.replace(old, str(today - datetime.timedelta(days=days)))
rep = seed["amazon"]["settlement_reports"][0]
rep.pop("file")
rep["content"] = text     # deposited today: inside Tryton's open fiscal year
json.dump(seed, open(sys.argv[3], "w"))
PY
SEED="$TW/seed.json"
source "$REPO/tests/e2e/sandbox_env.sh"
source "$REPO/tests/e2e/lib.sh"
sandbox_start --generate 50 --time-scale 60 || exit 1
conf="$WORK/connector.conf"
sed -e 's/^\[connector\]/[connector]\ntime_scale = 60/' \
    -e 's/^type = tryton$/type = tryton\nshipping_carrier = UPS Ground/' "$REPO/conf/tryton.conf" > "$conf"
unmapped=111-4711003-0000003    # the seed's order whose SKU Tryton does not have
full=302-4711001-0000001        # the seed's full refund (EUR 80.80), settlement 24416911431
part=503-4711002-0000002        # the seed's partial refund (JPY 1490 + 149 tax of 3778)
sleep 2                         # the orders are past Amazon's lag (2 min, scaled)

echo "== a closed fiscal year"
$TC fiscalyear close > /dev/null
run_connector out code -c "$conf" --state "$TW/fy-state" replay --order "$full"
check "replaying an order into a closed fiscal year fails (exit 2)" [ "$code" = 2 ]
run_connector fout fcode -c "$conf" --state "$TW/fy-state" failures --json
check "the failure carries Tryton's own message" python3 -c "
import json,sys; f=[x for x in json.loads(sys.argv[1]) if x['id']==sys.argv[2]]
sys.exit(not (f and f[0]['remote'].startswith('To continue, you must create a period for the date')))" "$fout" "$full"
python3 -c "import json,sys; print('     ', json.loads(sys.argv[1])[0]['remote'])" "$fout"
check "the sale was made all the same, once" [ "$($TC sale-count "$full")" = 1 ]
$TC fiscalyear reopen > /dev/null

echo "== orders: the sync killed with -9 halfway, then run again"
"$BUILD/bin/connector" -c "$conf" sync > "$TW/sync1.log" 2>&1 &
CPID=$!
n=0
for i in $(seq 1 600); do
  n=$($TC sale-count-all 2> /dev/null || echo 0)
  [ "$n" -ge 20 ] && break
  kill -0 "$CPID" 2> /dev/null || break
  sleep 0.2
done
killed=no
kill -9 "$CPID" 2> /dev/null && killed=yes
wait "$CPID" 2> /dev/null
check "the connector was killed by -9 in the middle of the sync ($n sales so far)" [ "$killed" = yes ]
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^(orders|refunds|settlements|  )" | head -8
check "the second run exits 2: one order's product is not in Tryton" [ "$code" = 2 ]
check "every other order has exactly one confirmed sale: party, products, quantities, total to the cent, invoice posted" \
  $TC sales-match "$unmapped"
check "no sale for the order whose product is missing" [ "$($TC sale-count "$unmapped")" = 0 ]
run_connector fout fcode -c "$conf" failures
check "failures names that order and the product Tryton lacks" \
  contains "$fout" "order $unmapped line 1 (SKU SKU-UNMAPPED-1): Tryton has no product with code SKU-UNMAPPED-1"

echo "== a second sync writes nothing"
before=$($TC fingerprint)
run_connector out code -c "$conf" sync
check "the second sync says there is nothing to write" contains "$out" "nothing to write"
check "and Tryton holds exactly what it held" [ "$($TC fingerprint)" = "$before" ]

echo "== refunds"
check "the full refund is one posted credit note of the order's total, 80.80, linked to the invoice" \
  $TC credit "$full" 80.80
check "the partial refund is one posted credit note of 1639 (JPY 1490 + 149 tax), linked to the invoice" \
  $TC credit "$part" 1639

echo "== the settlement"
# The seed's report (tests/data/settlement/sandbox-demo.tsv), by hand: order
# 302-4711001-0000001's charges 39.98 + 7.60 + 4.49 - 4.00 + 12.50 + 2.38 +
# 15.00 + 2.85 = 80.80; fees: its commissions -6.00 - 1.88 - 2.25 and the
# subscription fee -39.00 = -49.13; 80.80 - 49.13 = the deposit 31.67.
check "settlement 24416911431 is one posted statement whose lines sum to the deposit 31.67: one line for order 302-4711001-0000001 (80.80, its sale's party, paying its invoice) and one for the fees (-49.13)" \
  $TC statement AMZ-STL-24416911431 31.67 order:302-4711001-0000001=80.80 fees=-49.13
run_connector sout scode -c "$conf" settlements --json
check "the connector shows it posted" python3 -c "
import json,sys; d={x['settlement_id']:x for x in json.loads(sys.argv[1])}
sys.exit(not (d['24416911431']['status']=='posted'))" "$sout"

# A second report, made from what the sandbox holds: three EUR orders A, B
# and C (their grandTotal, which their sales' invoices total: sales-match),
# rows of A apart from each other, their commissions, C paid 0.50 more than
# its invoice (so no invoice fits: its line stays open on the buyer's
# receivable), the full refund of $full (-80.80, its commission back less
# Amazon's refund commission) and a storage fee. Expected lines by hand:
# order A = grandTotal A, order B = grandTotal B (each paying its invoice),
# order C = grandTotal C + 0.50 (paying none), order $full = -80.80 (paying
# its credit note), fees = every ItemFees row and the storage fee.
want=$(python3 - "$full" "$TW/stl2.json" <<'PY'
import datetime, decimal, json, os, sys, urllib.request
D = decimal.Decimal
full, out = sys.argv[1], sys.argv[2]
orders = json.load(urllib.request.urlopen(os.environ["SANDBOX_URL"] + "/_sandbox/amazon/orders"))
eur = [(o["orderId"], D(o["proceeds"]["grandTotal"]["amount"])) for o in orders
       if o["orderId"].startswith("9") and o["proceeds"]["grandTotal"]["currencyCode"] == "EUR"]
if len(eur) < 3:
    sys.exit("fewer than three EUR orders in the sandbox")
(a, ta), (b, tb), (c, tc) = eur[0], eur[1], eur[2]
comm_b = -(tb * D("0.15")).quantize(D("0.01"))
rows = [("Order", a, "ItemPrice", "Principal", ta - D("1.00")),
        ("Order", b, "ItemPrice", "Principal", tb),
        ("Order", b, "ItemFees", "Commission", comm_b),
        ("Order", a, "ItemPrice", "Shipping", D("1.00")),
        ("Order", a, "ItemFees", "Commission", D("-1.50")),
        ("Order", c, "ItemPrice", "Principal", tc),
        ("Order", c, "ItemPrice", "GiftWrap", D("0.50")),
        ("Refund", full, "ItemPrice", "Principal", D("-67.48")),
        ("Refund", full, "ItemPrice", "Tax", D("-12.83")),
        ("Refund", full, "ItemPrice", "Shipping", D("-4.49")),
        ("Refund", full, "Promotion", "Principal", D("4.00")),
        ("Refund", full, "ItemFees", "Commission", D("10.13")),
        ("Refund", full, "ItemFees", "RefundCommission", D("-2.03")),
        ("other-transaction", "", "other-transaction", "Storage Fee", D("-5.00"))]
total = sum(r[4] for r in rows)
fees = comm_b + D("-1.50") + D("10.13") + D("-2.03") + D("-5.00")
today = datetime.datetime.now(datetime.timezone.utc).date()
day = lambda n: str(today - datetime.timedelta(days=n))
cols = ["settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
        "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
        "adjustment-id", "shipment-id", "marketplace-name", "amount-type", "amount-description",
        "amount", "fulfillment-id", "posted-date", "posted-date-time", "order-item-code",
        "merchant-order-item-id", "merchant-adjustment-item-id", "sku", "quantity-purchased",
        "promotion-id"]
de = lambda d: str(d).replace(".", ",")
def row(**kv):
    return "\t".join(kv.get(c.replace("-", "_"), "") for c in cols)
lines = ["\t".join(cols),
         row(settlement_id="24416911432", settlement_start_date=day(14) + " 10:00:00 UTC",
             settlement_end_date=day(1) + " 10:00:00 UTC",
             deposit_date=day(0) + " 10:00:00 UTC", total_amount=de(total), currency="EUR")]
for t, oid, at, ad, amt in rows:
    lines.append(row(settlement_id="24416911432", transaction_type=t, order_id=oid,
                     marketplace_name="Amazon.de", amount_type=at, amount_description=ad,
                     amount=de(amt), posted_date=day(2),
                     posted_date_time=day(2) + " 09:30:05 UTC"))
json.dump({"reports": [{"reportId": "51393019618", "dataStartTime": day(14) + "T10:00:00Z",
                        "dataEndTime": day(1) + "T10:00:00Z",
                        "marketplaceIds": ["A1PA6795UKMFR9"],
                        "content": "\n".join(lines) + "\n"}]}, open(out, "w"))
print(total, "order:%s=%s" % (a, ta), "order:%s=%s" % (b, tb),
      "unpaid:%s=%s" % (c, tc + D("0.50")), "order:%s=-80.80" % full, "fees=%s" % fees)
PY
) || { echo "FAIL: $want"; exit 1; }
curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/settlement-reports" -d @"$TW/stl2.json" > /dev/null
run_connector out code -c "$conf" sync
check "a settlement of three orders, a refund and fees is one posted statement: a line per order (its sale's party, paying its invoice, for the refund its credit note, for the overpaid order none), one for the fees, summing to the deposit ($want)" \
  $TC statement AMZ-STL-24416911432 $want

echo "== a credit note made in Tryton goes to Amazon once"
order=$(curl -sf "$SANDBOX_URL/_sandbox/amazon/orders" | python3 -c '
import json,sys
print([o["orderId"] for o in json.load(sys.stdin) if o["orderId"].startswith("9") and
       o["proceeds"]["grandTotal"]["currencyCode"]=="USD"][0])')
amount=$($TC wizard-credit "$order")
run_connector out code -c "$conf" sync
sleep 3   # the feed's processing time (scaled)
run_connector out code -c "$conf" sync
feeds=$(curl -sf "$SANDBOX_URL/_sandbox/amazon/feeds")
check "one feed message for order $order, USD $amount, reason GeneralAdjustment" python3 -c "
import json,sys,decimal,xml.etree.ElementTree as ET
feeds=json.loads(sys.argv[1]); m=[x for f in feeds for x in f.get('messages',[])]
doc=ET.fromstring(feeds[0]['document'])
a=doc.find('.//Amount'); r=doc.find('.//AdjustmentReason')
sys.exit(not (len(m)==1 and m[0]['amazonOrderId']==sys.argv[2] and
              decimal.Decimal(a.text)==decimal.Decimal(sys.argv[3]) and r.text=='GeneralAdjustment'))" \
  "$feeds" "$order" "$amount"
"$BUILD/bin/connector" -c "$conf" sync > /dev/null 2>&1
check "the connector's own credit notes never went back, and nothing went twice" [ "$(curl -sf "$SANDBOX_URL/_sandbox/amazon/feeds" | python3 -c 'import json,sys; print(sum(len(f.get("messages",[])) for f in json.load(sys.stdin)))')" = 1 ]

echo "== an order changed after its sale was confirmed"
bumped=$(curl -sf "$SANDBOX_URL/_sandbox/amazon/orders" | python3 -c '
import json,sys; print([o["orderId"] for o in json.load(sys.stdin) if o["orderId"].startswith("9")][1])')
$CHECK bump-line "$bumped" > /dev/null
sleep 3   # past Amazon's lag (scaled)
run_connector out code -c "$conf" sync
run_connector fout fcode -c "$conf" failures
check "it is a failure: the sale is processing in Tryton, which allows no change" \
  contains "$fout" "which allows no change"
check "the sale was left as it was, still one" [ "$($TC sale-count "$bumped")" = 1 ]

echo "== a shipment and a cancellation made in Tryton go to Amazon once each"
# new_order ID SKU:QTY...: an unshipped, merchant-fulfilled Amazon.com order
# (Orders 2026-01-01), 10.00 a unit, no tax, made an hour ago
new_order() {
  python3 - "$@" <<'PY' | curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/orders" -d @- > /dev/null
import datetime, json, sys
oid, *lines = sys.argv[1:]
money = lambda a: {"amount": "%.2f" % a, "currencyCode": "USD"}
items, total = [], 0
for n, spec in enumerate(lines):
    sku, qty = spec.split(":"); qty = int(qty); sub = 10 * qty; total += sub
    items.append({"orderItemId": "%s%02d" % (oid.replace("-", "")[-12:], n), "quantityOrdered": qty,
                  "product": {"asin": "B0TRY%05d" % n, "title": "Item " + sku, "sellerSku": sku,
                              "price": {"unitPrice": money(10)}},
                  "proceeds": {"proceedsTotal": money(sub),
                               "breakdowns": [{"type": "ITEM", "subtotal": money(sub)}]},
                  "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": qty}})
made = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
print(json.dumps({"orders": [{
    "orderId": oid, "createdTime": made.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER",
                     "marketplaceName": "Amazon.com"},
    "buyer": {"buyerName": "Ship Test", "buyerEmail": "ship-%s@marketplace.amazon.com" % oid},
    "recipient": {"deliveryAddress": {"name": "Ship Test", "addressLine1": "1 Main St",
                  "city": "Seattle", "stateOrRegion": "WA", "postalCode": "98109",
                  "countryCode": "US", "addressType": "RESIDENTIAL"}},
    "proceeds": {"grandTotal": money(total), "breakdowns": [{"type": "ITEM", "subtotal": money(total)}]},
    "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT",
                    "fulfillmentServiceLevel": "STANDARD"},
    "orderItems": items}]}))
PY
}
count_for() {   # count_for shipments|cancellations ORDER
  curl -sf "$SANDBOX_URL/_sandbox/amazon/$1" |
    python3 -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s["orderId"]==sys.argv[1]))' "$2"; }
item_id() {     # item_id ORDER SKU
  curl -sf "$SANDBOX_URL/_sandbox/amazon/orders/$1" |
    python3 -c 'import json,sys; print(next(i["orderItemId"] for i in json.load(sys.stdin)["orderItems"] if i["product"]["sellerSku"]==sys.argv[1]))' "$2"; }
S1=114-7770001-0000001; C1=114-7770002-0000002
new_order $S1 SKU-0001:3 SKU-0002:1
new_order $C1 SKU-0003:2 SKU-0004:1
sleep 3   # searchOrders ends 2 minutes (2 s at this time scale) before now
run_connector out code -c "$conf" sync
check "both orders became confirmed sales, shipments waiting" \
  [ "$($TC sale-count $S1)$($TC sale-count $C1)" = 11 ]
shipment=$($TC ship $S1 1Z999AA10123456784)
echo "     shipment $shipment of $S1 done in Tryton, Reference 1Z999AA10123456784"
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^shipments"
check "the shipment done in Tryton is one confirmShipment" [ "$(count_for shipments $S1)" = 1 ]
body=$(curl -sf "$SANDBOX_URL/_sandbox/amazon/shipments")
check "with the order's items and quantities (SKU-0001 x3, SKU-0002 x1), the shipment's id, UPS and the tracking number from its Reference" python3 -c "
import json,sys; s=[x for x in json.loads(sys.argv[1]) if x['orderId']==sys.argv[2]][0]['body']
p=s['packageDetail']; got=sorted((i['orderItemId'],i['quantity']) for i in p['orderItems'])
sys.exit(not (got==sorted([(sys.argv[4],3),(sys.argv[5],1)]) and p['packageReferenceId']==sys.argv[3]
              and p['carrierCode']=='UPS' and p['shippingMethod']=='UPS Ground'
              and p['trackingNumber']=='1Z999AA10123456784' and s['marketplaceId']=='ATVPDKIKX0DER'))" \
  "$body" $S1 "$shipment" "$(item_id $S1 SKU-0001)" "$(item_id $S1 SKU-0002)"
for i in 1 2 3; do "$BUILD/bin/connector" -c "$conf" sync > /dev/null 2>&1; done
check "three more syncs send nothing more" [ "$(count_for shipments $S1)" = 1 ]
check "Amazon shows the order shipped" [ "$(curl -sf "$SANDBOX_URL/_sandbox/amazon/orders/$S1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fulfillment"]["fulfillmentStatus"])')" = SHIPPED ]
$TC cancel-shipment $C1 > /dev/null
run_connector out code -c "$conf" sync
sleep 3   # the feed's processing time (scaled)
for i in 1 2 3; do "$BUILD/bin/connector" -c "$conf" sync > /dev/null 2>&1; done
check "the shipment cancelled in Tryton (its exception ignored) is one cancellation on Amazon" \
  [ "$(count_for cancellations $C1)" = 1 ]
can=$(curl -sf "$SANDBOX_URL/_sandbox/amazon/cancellations")
check "for every item and quantity (SKU-0003 x2, SKU-0004 x1)" python3 -c "
import json,sys; c=[x for x in json.loads(sys.argv[1]) if x['orderId']==sys.argv[2]][0]
sys.exit(not (sorted((i['orderItemId'],i['quantity']) for i in c['items'])==sorted([(sys.argv[3],2),(sys.argv[4],1)])))" \
  "$can" $C1 "$(item_id $C1 SKU-0003)" "$(item_id $C1 SKU-0004)"
check "Amazon shows the order cancelled" [ "$(curl -sf "$SANDBOX_URL/_sandbox/amazon/orders/$C1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fulfillment"]["fulfillmentStatus"])')" = CANCELLED ]
run_connector fout fcode -c "$conf" failures
check "neither order is a failure (Amazon's cancelled order is the echo of Tryton's)" \
  python3 -c "import sys; sys.exit(sys.argv[2] in sys.argv[1] or sys.argv[3] in sys.argv[1])" "$fout" $S1 $C1

elapsed=$(( $(date +%s) - T0 ))
check "the whole test, setup included, took ${elapsed} s (under 180)" [ "$elapsed" -lt 180 ]
finish
