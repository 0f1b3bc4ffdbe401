#!/usr/bin/env bash
# refunds.sh BUILD_DIR: refunds in both directions, end to end against the
# sandbox (issue "Refunds in both directions"):
#  - a full refund of an order posted as a cash sale -> one cash refund made
#    from it; a partial refund of an invoiced order -> a credit memo for
#    exactly the refunded line and amount; each linked (createdFrom);
#  - changing the rules changes the type of the next refunds, and
#    `mapping explain` says why;
#  - a cash refund entered in NetSuite reaches Amazon as one feed message
#    with the right amount and reason; a feed error is reported against that
#    refund; refunds the connector made are never sent back; three more runs
#    write nothing;
#  - a refund whose order failed waits, then goes through once it is fixed;
#  - a bad rules file: FILE:LINE, exit 1, nothing written.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
source "$(dirname "$0")/sandbox_env.sh"
source "$(dirname "$0")/lib.sh"
trap sandbox_stop EXIT
# 60x time: Amazon shows changes 2 s after they happen, feeds process in ~1 s
sandbox_start --time-scale 60 || exit 1
conf="$WORK/connector.conf"
rules="$WORK/refund-rules.conf"
cat > "$rules" <<'RULES'
[rule cash sales are refunded in cash]
posted_as = cashSale
create = cashRefund

[default]
salesOrder = creditMemo
cashSale = cashRefund
invoice = creditMemo

[to_marketplace]
cashRefund = GeneralAdjustment
RULES
sed -e 's/^\[connector\]/[connector]\ntime_scale = 60\nrefund_rules = ${REFUND_RULES}/' \
    -e 's/^order_record_type = .*/order_record_type = cashSale/' \
    "$ROOT/conf/sandbox.conf" > "$conf"
export REFUND_RULES="$rules"
nsrecords() { curl -sf "$SANDBOX_URL/_sandbox/netsuite/records/$1"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
order_full=$(sandbox_seed_value amazon.orders.0.orderId)       # full refund in the seed
order_part=$(sandbox_seed_value amazon.orders.1.orderId)       # partial refund in the seed
order_bad=$(sandbox_seed_value amazon.orders.2.orderId)        # unknown SKU

echo "== first sync: orders as cash sales, the seed's refunds"
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^(orders|refunds)"
check "orders and refunds phases ran (exit 2: one order has an unknown SKU)" [ "$code" = 2 ]
cr=$(nsrecords cashRefund)
check "two cash refunds were created (one per refunded order)" [ "$(jq_py 'print(len(d))' <<<"$cr")" = 2 ]
check "the full refund is a cash refund made from the order's cash sale" jq_py "
cs={r['id']:r for r in json.load(open('/dev/fd/3'))}
r=[x for x in d if x['externalId'].startswith('AMZ-RFD-$order_full-')]
assert len(r)==1, r
src=r[0]['createdFrom']['id']; assert cs[src]['externalId']=='AMZ-ORD-$order_full', (src,)
" <<<"$cr" 3< <(nsrecords cashSale)
check "the full refund's total equals the order's total" jq_py "
o=[x for x in json.load(open('/dev/fd/3')) if x['orderId']=='$order_full'][0]
r=[x for x in d if x['externalId'].startswith('AMZ-RFD-$order_full-')][0]
import decimal
assert decimal.Decimal(str(r['total']))==decimal.Decimal(o['proceeds']['grandTotal']['amount']), (r['total'],)
" <<<"$cr" 3< <(curl -sf "$SANDBOX_URL/_sandbox/amazon/orders")
run_connector sout scode -c "$conf" status "$order_full"
check "status shows the order's refund with its NetSuite record" contains "$sout" "cashRefund"

echo "== an invoiced order and its partial refund"
sed -i 's/^order_record_type = .*/order_record_type = invoice/' "$conf"
new_order=$(curl -sf "$SANDBOX_URL/_sandbox/amazon/orders/$order_part" | python3 -c '
import json,sys; o=json.load(sys.stdin); o["orderId"]="999-0000777-0000001"; o.pop("lastUpdatedTime",None)
print(json.dumps({"orders":[o]}))' | curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/orders" -d @- > /dev/null && echo 999-0000777-0000001)
sleep 3
run_connector out code -c "$conf" sync
check "the new order was posted as an invoice" [ "$(nsrecords invoice | jq_py "print(sum(1 for x in d if x['externalId']=='AMZ-ORD-$new_order'))")" = 1 ]
# a partial refund of its first line, as Amazon's Finances API would show it
python3 - "$new_order" <<'PY' | curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/financial-events" -d @- > /dev/null
import json, os, sys, urllib.request
oid = sys.argv[1]
o = json.load(urllib.request.urlopen(os.environ["SANDBOX_URL"] + "/_sandbox/amazon/orders/" + oid))
it = o["orderItems"][0]
cur = it["product"]["price"]["unitPrice"]["currencyCode"]
unit = it["product"]["price"]["unitPrice"]["amount"]
ev = {"AmazonOrderId": oid, "MarketplaceName": "Amazon.com",
      "ShipmentItemAdjustmentList": [{"SellerSKU": it["product"]["sellerSku"],
          "OrderItemId": it["orderItemId"], "OrderAdjustmentItemId": "77700000000001",
          "QuantityShipped": 1,
          "ItemChargeAdjustmentList": [{"ChargeType": "Principal",
              "ChargeAmount": {"CurrencyCode": cur, "CurrencyAmount": "-" + unit}}]}]}
print(json.dumps({"events": [{"type": "refund", "event": ev}], "refund_events": [ev]}))
PY
sleep 3
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^refunds"
cm=$(nsrecords creditMemo)
check "the partial refund of the invoiced order is one credit memo" [ "$(jq_py "print(sum(1 for x in d if x['externalId'].startswith('AMZ-RFD-$new_order-')))" <<<"$cm")" = 1 ]
check "it holds exactly the refunded line: quantity 1, the unit price" jq_py "
r=[x for x in d if x['externalId'].startswith('AMZ-RFD-$new_order-')][0]
items=r['item']['items']; assert len(items)==1 and items[0]['quantity']==1, items
" <<<"$cm"
run_connector eout ecode -c "$conf" mapping explain "$new_order"
check "mapping explain says the default for invoices decided" contains "$eout" "default"

echo "== the rules change: invoiced refunds become customer refunds"
cat > "$rules" <<'RULES'
[rule cash sales are refunded in cash]
posted_as = cashSale
create = cashRefund

[rule invoiced money back is a customer refund]
posted_as = invoice, salesOrder
create = customerRefund

[default]
salesOrder = creditMemo
cashSale = cashRefund
invoice = creditMemo

[to_marketplace]
cashRefund = GeneralAdjustment
RULES
run_connector eout ecode -c "$conf" mapping explain "$new_order"
check "mapping explain now names the new rule" contains "$eout" "invoiced money back is a customer refund"

echo "== a cash refund entered in NetSuite by a person goes to Amazon once"
cs_id=$(nsrecords cashSale | jq_py "print([x['id'] for x in d if x['externalId']=='AMZ-ORD-$order_part'][0])")
item_id=$(nsrecords cashSale | jq_py "print([x for x in d if x['externalId']=='AMZ-ORD-$order_part'][0]['item']['items'][0]['item']['id'])")
curl -sf -X POST "$SANDBOX_URL/_sandbox/netsuite/refund" -d "{\"type\":\"cashRefund\",\"from\":{\"type\":\"cashSale\",\"id\":\"$cs_id\"},\"items\":[{\"item\":{\"id\":\"$item_id\"},\"quantity\":1,\"amount\":5.00}],\"memo\":\"goodwill\"}" > /dev/null
sleep 1
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^refunds"
sleep 3   # the feed's processing time (scaled)
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^refunds"
feeds=$(curl -sf "$SANDBOX_URL/_sandbox/amazon/feeds")
check "exactly one feed message reached Amazon, for that order" jq_py "
m=[msg for f in d for msg in f.get('messages',[])]
assert len(m)==1 and m[0].get('amazonOrderId')=='$order_part', m
" <<<"$feeds"
# the order is in JPY: 5.00 entered in NetSuite is 5 yen, written without decimals
check "it carries the amount (JPY 5) and the reason from [to_marketplace]" python3 -c "
import json,sys,xml.etree.ElementTree as ET
doc=ET.fromstring(json.load(sys.stdin)[0]['document'])
a=doc.find('.//Amount'); r=doc.find('.//AdjustmentReason')
sys.exit(not (a.text=='5' and a.get('currency')=='JPY' and r.text=='GeneralAdjustment'))" <<<"$feeds"
check "the refunds the connector made were not sent back (echo)" jq_py "
m=[msg for f in d for msg in f.get('messages',[])]; assert len(m)==1
" <<<"$feeds"
writes=$($CHECK writes)
for i in 1 2 3; do "$BUILD/bin/connector" -c "$conf" sync > /dev/null 2>&1; done
check "three more runs write nothing to NetSuite" [ "$($CHECK writes)" = "$writes" ]
check "Amazon's record of the refund sent from NetSuite was not booked again" [ "$(nsrecords cashRefund | jq_py "print(sum(1 for x in d if (x.get('externalId') or '').startswith('AMZ-RFD-$order_part-')))")" = 1 ]
check "and send nothing more to Amazon" [ "$(curl -sf "$SANDBOX_URL/_sandbox/amazon/feeds" | jq_py 'print(sum(len(f.get("messages",[])) for f in d))')" = 1 ]

echo "== Amazon rejects a refund sent from NetSuite: the error lands on that refund"
curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/feed-errors" -d "{\"order_id\":\"$order_full\",\"code\":\"18050\",\"description\":\"The refund amount exceeds what can be refunded for this item.\"}" > /dev/null
cs_full=$(nsrecords cashSale | jq_py "print([x['id'] for x in d if x['externalId']=='AMZ-ORD-$order_full'][0])")
item_full=$(nsrecords cashSale | jq_py "print([x for x in d if x['externalId']=='AMZ-ORD-$order_full'][0]['item']['items'][0]['item']['id'])")
user_refund=$(curl -sf -X POST "$SANDBOX_URL/_sandbox/netsuite/refund" -d "{\"type\":\"cashRefund\",\"from\":{\"type\":\"cashSale\",\"id\":\"$cs_full\"},\"items\":[{\"item\":{\"id\":\"$item_full\"},\"quantity\":1,\"amount\":1.00}]}" | jq_py 'print(d["id"])')
sleep 1
"$BUILD/bin/connector" -c "$conf" sync > /dev/null 2>&1
sleep 3
run_connector out code -c "$conf" sync
check "the run with the rejection exits 2" [ "$code" = 2 ]
run_connector fout fcode -c "$conf" failures --json
check "failures shows the rejected refund with Amazon's code and words" python3 -c "
import json,sys; f=[x for x in json.loads(sys.argv[1]) if x['id']==sys.argv[2]]
sys.exit(not (f and '18050' in f[0]['remote'] and 'exceeds' in f[0]['remote']))" "$fout" "$user_refund"
feedmsgs() { curl -sf "$SANDBOX_URL/_sandbox/amazon/feeds" | jq_py "print(sum(1 for f in d for m in f.get('messages',[]) if m.get('amazonOrderId')=='$order_full'))"; }
before=$(feedmsgs)
run_connector out code -c "$conf" replay --failed --phase refunds_back
echo "$out" | grep -E "^refund made"
sleep 3
check "replay --failed --phase refunds_back sends the rejected refund again, once" [ "$(feedmsgs)" = $((before + 1)) ]
run_connector out code -c "$conf" sync
run_connector fout fcode -c "$conf" failures --json --phase refunds_back
# the order was refunded in full already: the sandbox's Amazon refuses it on its own now
check "Amazon's answer to the replayed refund lands on it, word for word (18032, nothing left to refund)" python3 -c "
import json,sys; f=[x for x in json.loads(sys.argv[1]) if x['id']==sys.argv[2]]
sys.exit(not (f and '18032' in f[0]['remote'] and 'left to refund' in f[0]['remote']))" "$fout" "$user_refund"
for i in 1 2 3; do "$BUILD/bin/connector" -c "$conf" sync > /dev/null 2>&1; done
check "three more syncs send it no more" [ "$(feedmsgs)" = $((before + 1)) ]

echo "== a malformed refund event is a failure of its own; the others go through"
python3 - "$order_full" <<'PY' | curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/financial-events" -d @- > /dev/null
import json, sys
oid = sys.argv[1]
bad = {"AmazonOrderId": oid, "MarketplaceName": "Amazon.de",
       "ShipmentItemAdjustmentList": [{"SellerSKU": "SKU-0001", "OrderAdjustmentItemId": "77700000000009",
           "QuantityShipped": 1,
           "ItemChargeAdjustmentList": [
               {"ChargeType": "Principal", "ChargeAmount": {"CurrencyCode": "EUR", "CurrencyAmount": "-1.00"}},
               {"ChargeType": "Tax", "ChargeAmount": {"CurrencyCode": "USD", "CurrencyAmount": "-0.19"}}]}]}
print(json.dumps({"events": [{"type": "refund", "event": bad}]}))
PY
sleep 3
run_connector out code -c "$conf" sync
run_connector fout fcode -c "$conf" failures --json
check "the malformed event is a failure naming it" python3 -c "
import json,sys; f=[x for x in json.loads(sys.argv[1]) if '77700000000009' in x['id']]
sys.exit(not (f and f[0]['class']=='permanent'))" "$fout"

echo "== a refund that would take an order past what was charged fails with the figures"
python3 - "$new_order" <<'PY' | curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/financial-events" -d @- > /dev/null
import decimal, json, os, sys, urllib.request
oid = sys.argv[1]
o = json.load(urllib.request.urlopen(os.environ["SANDBOX_URL"] + "/_sandbox/amazon/orders/" + oid))
it = o["orderItems"][0]
cur = o["proceeds"]["grandTotal"]["currencyCode"]
too_much = decimal.Decimal(o["proceeds"]["grandTotal"]["amount"])   # plus what was refunded already
ev = {"AmazonOrderId": oid, "MarketplaceName": "Amazon.com",
      "ShipmentItemAdjustmentList": [{"SellerSKU": it["product"]["sellerSku"],
          "OrderItemId": it["orderItemId"], "OrderAdjustmentItemId": "77700000000005",
          "QuantityShipped": 1,
          "ItemChargeAdjustmentList": [{"ChargeType": "Principal",
              "ChargeAmount": {"CurrencyCode": cur, "CurrencyAmount": str(-too_much)}}]}]}
print(json.dumps({"events": [{"type": "refund", "event": ev}]}))
PY
sleep 3
run_connector out code -c "$conf" sync
run_connector fout fcode -c "$conf" failures --json
check "the over-refund is a failure with the figures" python3 -c "
import json,sys; f=[x for x in json.loads(sys.argv[1]) if x['id'].endswith('/77700000000005')]
sys.exit(not (f and 'past what was charged' in f[0]['message'] and 'charged' in f[0]['message']))" "$fout"
check "and nothing was created for it in NetSuite" [ "$(for t in creditMemo customerRefund cashRefund; do nsrecords $t; done | python3 -c 'import sys; print(sys.stdin.read().count("77700000000005"))')" = 0 ]

echo "== a refund of an order that failed waits, then goes through"
python3 - "$order_bad" <<'PY' | curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/financial-events" -d @- > /dev/null
import json, os, sys, urllib.request
oid = sys.argv[1]
o = json.load(urllib.request.urlopen(os.environ["SANDBOX_URL"] + "/_sandbox/amazon/orders/" + oid))
it = o["orderItems"][0]
cur = it["product"]["price"]["unitPrice"]["currencyCode"]
ev = {"AmazonOrderId": oid, "MarketplaceName": "Amazon.com",
      "ShipmentItemAdjustmentList": [{"SellerSKU": it["product"]["sellerSku"],
          "OrderItemId": it["orderItemId"], "OrderAdjustmentItemId": "77700000000002",
          "QuantityShipped": 1,
          "ItemChargeAdjustmentList": [{"ChargeType": "Principal",
              "ChargeAmount": {"CurrencyCode": cur, "CurrencyAmount": "-" + it["product"]["price"]["unitPrice"]["amount"]}}]}]}
print(json.dumps({"events": [{"type": "refund", "event": ev}], "refund_events": [ev]}))
PY
sleep 3
run_connector out code -c "$conf" sync
check "the refund of the failed order waits for it" contains "$out" "1 waiting for their order"
run_connector sout scode -c "$conf" status "$order_bad"
check "status says the refund is waiting" contains "$sout" "waiting"
printf '\n[sku_map]\nSKU-UNMAPPED-1 = SKU-0001\n' >> "$conf"
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^(orders|refunds)"
# the order was posted as an invoice (the conf changed above), and the new
# rule makes invoiced refunds customer refunds: the changed rules decide
check "once the order syncs, its refund goes through in the same run" [ "$(nsrecords customerRefund | jq_py "print(sum(1 for x in d if (x.get('externalId') or '').startswith('AMZ-RFD-$order_bad-')))")" = 1 ]
check "the changed rules made it a customer refund, not a credit memo" [ "$(nsrecords creditMemo | jq_py "print(sum(1 for x in d if (x.get('externalId') or '') .startswith('AMZ-RFD-$order_bad-') and not x['externalId'].endswith('-CM')))")" = 0 ]

echo "== a bad rules file"
writes=$($CHECK writes)
printf '[rule x]\ncreate = cashRefnd\n[default]\nsalesOrder = creditMemo\ncashSale = cashRefund\ninvoice = creditMemo\n' > "$rules"
run_connector out code -c "$conf" sync
check "a bad rules file: exit 1" [ "$code" = 1 ]
check "a bad rules file: FILE:LINE and the valid names" contains "$out" "refund-rules.conf:2:"
check "a bad rules file: nothing written" [ "$($CHECK writes)" = "$writes" ]

echo "== a refund whose goods came back (Amazon's returns report) becomes a return authorization"
cat > "$rules" <<'RULES'
[rule returns need an authorization]
kind = return
reason = CustomerReturn
create = returnAuthorization

[rule cash sales are refunded in cash]
posted_as = cashSale
create = cashRefund

[default]
salesOrder = creditMemo
cashSale = cashRefund
invoice = creditMemo

[to_marketplace]
cashRefund = GeneralAdjustment
RULES
ret_order=999-0000777-0000003
ret_wait=999-0000777-0000004
# two new orders (copies of the partial-refund order), posted as invoices (the conf's type now)
curl -sf "$SANDBOX_URL/_sandbox/amazon/orders/$order_part" | python3 -c '
import json,sys; o=json.load(sys.stdin); o.pop("lastUpdatedTime",None); out=[]
for oid in sys.argv[1:]:
    c=dict(o); c["orderId"]=oid; out.append(c)
print(json.dumps({"orders":out}))' "$ret_order" "$ret_wait" |
  curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/orders" -d @- > /dev/null
sleep 3
"$BUILD/bin/connector" -c "$conf" sync > /dev/null 2>&1
check "the orders to be returned were posted as invoices" [ "$(nsrecords invoice | jq_py "print(sum(1 for x in d if x['externalId'] in ('AMZ-ORD-$ret_order','AMZ-ORD-$ret_wait')))")" = 2 ]
# returned_refund ORDER ADJ_ID [SANDBOX_EXTRA]: Amazon's FBA returns report gets
# a row for the order's first line, and Finances its refund (one unit)
returned_refund() {
python3 - "$@" <<'PY'
import json, os, sys, urllib.request
oid, adj = sys.argv[1], sys.argv[2]
extra = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
base = os.environ["SANDBOX_URL"] + "/_sandbox/amazon/"
o = json.load(urllib.request.urlopen(base + "orders/" + oid))
it = o["orderItems"][0]
price = it["product"]["price"]["unitPrice"]
ret = dict(extra, returns=[{"order_id": oid, "sku": it["product"]["sellerSku"], "quantity": 1,
                            "reason": "DEFECTIVE", "disposition": "CUSTOMER_DAMAGED", "type": "fba"}])
urllib.request.urlopen(urllib.request.Request(base + "returns", json.dumps(ret).encode(), method="POST"))
ev = {"AmazonOrderId": oid, "MarketplaceName": "Amazon.co.jp",
      "ShipmentItemAdjustmentList": [{"SellerSKU": it["product"]["sellerSku"],
          "OrderItemId": it["orderItemId"], "OrderAdjustmentItemId": adj, "QuantityShipped": 1,
          "ItemChargeAdjustmentList": [{"ChargeType": "Principal",
              "ChargeAmount": {"CurrencyCode": price["currencyCode"], "CurrencyAmount": "-" + price["amount"]}}]}]}
urllib.request.urlopen(urllib.request.Request(base + "financial-events",
    json.dumps({"events": [{"type": "refund", "event": ev}]}).encode(), method="POST"))
PY
}
returned_refund "$ret_order" 77700000000010
sleep 3
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^refunds"
ra=$(nsrecords returnAuthorization)
check "the returned refund is one return authorization" [ "$(jq_py "print(sum(1 for x in d if x['externalId'].startswith('AMZ-RFD-$ret_order-')))" <<<"$ra")" = 1 ]
check "made from the order's invoice (createdFrom), with the returned line" jq_py "
inv={r['id']:r for r in json.load(open('/dev/fd/3'))}
r=[x for x in d if x['externalId'].startswith('AMZ-RFD-$ret_order-')][0]
assert inv[r['createdFrom']['id']]['externalId']=='AMZ-ORD-$ret_order', r['createdFrom']
items=r['item']['items']; assert len(items)==1 and items[0]['quantity']==1, items
" <<<"$ra" 3< <(nsrecords invoice)
check "and no credit memo for it" [ "$(nsrecords creditMemo | jq_py "print(sum(1 for x in d if (x.get('externalId') or '').startswith('AMZ-RFD-$ret_order-')))")" = 0 ]
check "the connector asked Amazon for both returns reports, every marketplace, 30 days before the refund until now" python3 -c "
import json, sys, datetime as dt
t = lambda s: dt.datetime.fromisoformat(s.replace('Z', '+00:00'))
reps = json.load(sys.stdin)['reports']
now = dt.datetime.now(dt.timezone.utc)
types = {r['request']['reportType'] for r in reps}
assert types == {'GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA', 'GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE'}, types
last = reps[-1]['request']
assert last['marketplaceIds'] == sys.argv[1].split(','), last
ev = [e for e in json.load(open(sys.argv[2])) if e['ShipmentItemAdjustmentList'][0].get('OrderAdjustmentItemId') == '77700000000010']
posted = t(ev[0]['PostedDate'])
assert t(last['dataStartTime']) <= posted - dt.timedelta(days=30) and posted <= t(last['dataEndTime']) <= now, (last, posted)
assert set(last) == {'reportType', 'marketplaceIds', 'dataStartTime', 'dataEndTime'}, last
" "$(sed -n 's/^marketplace_ids = //p' "$conf")" <(curl -sf "$SANDBOX_URL/_sandbox/amazon/financial-events") < <(curl -sf "$SANDBOX_URL/_sandbox/amazon/returns")
run_connector eout ecode -c "$conf" mapping explain "$ret_order"
echo "$eout" | grep -E "^(Refund|Decision)"
check "mapping explain: the refund is a return with reason CustomerReturn" contains "$eout" "Refund: kind return, reason CustomerReturn, order posted as invoice"
check "mapping explain: the return rule decided" contains "$eout" 'Decision: create returnAuthorization (rule "returns need an authorization"'

echo "== Amazon cannot make the returns report: the refunds wait, then go through"
returned_refund "$ret_wait" 77700000000011 '{"reportStatus":"FATAL","reportType":"GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"}'
sleep 3
run_connector out code -c "$conf" sync
echo "$out" | grep -E "refunds.page_failed" | cut -c1-240
check "the run fails the refunds page, naming the FATAL report and why the refunds wait" \
  bash -c 'contains() { grep -qF -- "$2" <<<"$1"; }; contains "$1" "processingStatus FATAL" && contains "$1" "booked as a plain refund" && [ "$2" != 0 ]' _ "$out" "$code"
check "nothing was booked for that refund meanwhile" [ "$(for t in returnAuthorization creditMemo customerRefund cashRefund; do nsrecords $t; done | python3 -c 'import sys; print(sys.stdin.read().count("AMZ-RFD-'"$ret_wait"'-"))')" = 0 ]
run_connector out code -c "$conf" sync
check "the next run books it as a return authorization" [ "$(nsrecords returnAuthorization | jq_py "print(sum(1 for x in d if x['externalId'].startswith('AMZ-RFD-$ret_wait-')))")" = 1 ]
run_connector out code -c "$conf" sync
check "and a further run writes nothing more" [ "$(nsrecords returnAuthorization | jq_py "print(len(d))")" = 2 ]

echo "== goods reported returned only after their refund was booked: said, not a failure"
ret_late=999-0000777-0000005
curl -sf "$SANDBOX_URL/_sandbox/amazon/orders/$order_part" | python3 -c '
import json,sys; o=json.load(sys.stdin); o.pop("lastUpdatedTime",None); o["orderId"]=sys.argv[1]
print(json.dumps({"orders":[o]}))' "$ret_late" |
  curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/orders" -d @- > /dev/null
sleep 3
"$BUILD/bin/connector" -c "$conf" sync > /dev/null 2>&1
# the refund alone first (no returns report row yet)
python3 - "$ret_late" <<'PY'
import json, os, sys, urllib.request
oid = sys.argv[1]
base = os.environ["SANDBOX_URL"] + "/_sandbox/amazon/"
it = json.load(urllib.request.urlopen(base + "orders/" + oid))["orderItems"][0]
price = it["product"]["price"]["unitPrice"]
ev = {"AmazonOrderId": oid, "MarketplaceName": "Amazon.co.jp",
      "ShipmentItemAdjustmentList": [{"SellerSKU": it["product"]["sellerSku"],
          "OrderItemId": it["orderItemId"], "OrderAdjustmentItemId": "77700000000012", "QuantityShipped": 1,
          "ItemChargeAdjustmentList": [{"ChargeType": "Principal",
              "ChargeAmount": {"CurrencyCode": price["currencyCode"], "CurrencyAmount": "-" + price["amount"]}}]}]}
urllib.request.urlopen(urllib.request.Request(base + "financial-events",
    json.dumps({"events": [{"type": "refund", "event": ev}]}).encode(), method="POST"))
PY
sleep 3
run_connector out code -c "$conf" sync
check "booked as a credit memo while Amazon knows of no return" [ "$(nsrecords creditMemo | jq_py "print(sum(1 for x in d if x['externalId'].startswith('AMZ-RFD-$ret_late-')))")" = 1 ]
python3 - "$ret_late" <<'PY'
import json, os, sys, urllib.request
oid = sys.argv[1]
base = os.environ["SANDBOX_URL"] + "/_sandbox/amazon/"
o = json.load(urllib.request.urlopen(base + "orders/" + oid))
ret = {"returns": [{"order_id": oid, "sku": o["orderItems"][0]["product"]["sellerSku"], "quantity": 1,
                    "reason": "DEFECTIVE", "disposition": "CUSTOMER_DAMAGED", "type": "fba"}]}
urllib.request.urlopen(urllib.request.Request(base + "returns", json.dumps(ret).encode(), method="POST"))
PY
sleep 3   # the report ends two (time-scaled) minutes before now
run_connector out code -c "$conf" --log-format json sync
check "the next run re-reads it as a return and says so (refund.return_after_booking)" contains "$out" '"event":"refund.return_after_booking"'
run_connector fout fcode -c "$conf" failures --json
check "without a failure for it" python3 -c "
import json,sys; sys.exit(any(sys.argv[2] in x['id'] for x in json.loads(sys.argv[1])))" "$fout" "$ret_late"
check "and without a second document for it" [ "$(for t in returnAuthorization creditMemo customerRefund cashRefund; do nsrecords $t; done | python3 -c 'import sys; print(sys.stdin.read().count("AMZ-RFD-'"$ret_late"'-"))')" = 1 ]
finish
