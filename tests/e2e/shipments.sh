#!/usr/bin/env bash
# shipments.sh BUILD_DIR: orders back to the marketplace (issue "Operating it"):
#  - a shipment entered in NetSuite reaches Amazon as one confirmShipment
#    with the right items, quantities, carrier and tracking number; a partial
#    shipment and then the rest make two calls; three more syncs make none;
#  - a cancellation before shipment (lines closed in NetSuite) makes one feed
#    message; Amazon's order shows it cancelled; it is never sent again;
#  - an order Amazon fulfils itself (FBA) gets no confirmation; an order
#    Amazon cancelled itself is not echoed back as a cancellation;
#  - `sync --dry-run` says what it would send and sends nothing;
#  - a transient fault on confirmShipment is retried by the next run and
#    sends once; a refusal is a failure with Amazon's words.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
source "$(dirname "$0")/sandbox_env.sh"
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'sandbox_stop; rm -rf "$tmp"' EXIT
C="$BUILD/bin/connector"

sandbox_start --time-scale 60 --feed-delay-ms 200 || exit 1
conf="$tmp/connector.conf"
sed -e "s|^\[connector\]|[connector]\ntime_scale = 60|" "$ROOT/conf/sandbox.conf" > "$conf"
printf '\n[sku_map]\nSKU-UNMAPPED-1 = SKU-0001\n' >> "$conf"

# new_order ID BY SKU:QTY...: an unshipped order of 10.00 a unit, no tax
new_order() {
  python3 - "$@" <<'PY' | curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/orders" -d @- > /dev/null
import json, sys
oid, by, *lines = sys.argv[1:]
money = lambda a: {"amount": "%.2f" % a, "currencyCode": "USD"}
items, total = [], 0
for n, spec in enumerate(lines):
    sku, qty = spec.split(":"); qty = int(qty); sub = 10 * qty; total += sub
    items.append({"orderItemId": "%s%02d" % (oid.replace("-", "")[-12:], n), "quantityOrdered": qty,
                  "product": {"asin": "B0SHIP%04d" % n, "title": "Item " + sku, "sellerSku": sku,
                              "price": {"unitPrice": money(10)}},
                  "proceeds": {"proceedsTotal": money(sub),
                               "breakdowns": [{"type": "ITEM", "subtotal": money(sub)}]},
                  "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": qty}})
print(json.dumps({"orders": [{
    "orderId": oid, "createdTime": "2026-11-21T08:00:00Z",
    "salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER",
                     "marketplaceName": "Amazon.com"},
    "buyer": {"buyerName": "Ship Test", "buyerEmail": "ship@marketplace.amazon.com"},
    "recipient": {"deliveryAddress": {"name": "Ship Test", "addressLine1": "1 Main St",
                  "city": "Seattle", "stateOrRegion": "WA", "postalCode": "98109",
                  "countryCode": "US", "addressType": "RESIDENTIAL"}},
    "proceeds": {"grandTotal": money(total), "breakdowns": [{"type": "ITEM", "subtotal": money(total)}]},
    "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": by,
                    "fulfillmentServiceLevel": "STANDARD"},
    "orderItems": items}]}))
PY
}
ns_fulfill() { curl -sf -X POST "$SANDBOX_URL/_sandbox/netsuite/fulfillment" -d "$1"; }
ns_cancel() { curl -sf -X POST "$SANDBOX_URL/_sandbox/netsuite/cancel" -d "$1"; }
shipments() {   # shipments ORDER: confirmShipment calls Amazon accepted for it
  curl -sf "$SANDBOX_URL/_sandbox/amazon/shipments" |
    python3 -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s["orderId"]==sys.argv[1]))' "$1"; }
cancellations() {
  curl -sf "$SANDBOX_URL/_sandbox/amazon/cancellations" |
    python3 -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s["orderId"]==sys.argv[1]))' "$1"; }
item_id() {   # item_id ORDER SKU
  curl -sf "$SANDBOX_URL/_sandbox/amazon/orders/$1" |
    python3 -c 'import json,sys; print(next(i["orderItemId"] for i in json.load(sys.stdin)["orderItems"] if i["product"]["sellerSku"]==sys.argv[1]))' "$2"; }

S1=114-5550001-0000001; C1=114-5550002-0000002; C2=114-5550003-0000003; F1=114-5550004-0000004
new_order $S1 MERCHANT SKU-0001:3 SKU-0002:1
new_order $C1 MERCHANT SKU-0003:2 SKU-0004:1
new_order $C2 MERCHANT SKU-0005:1
new_order $F1 AMAZON SKU-0006:1
sleep 3   # searchOrders ends 2 minutes (2 s at this time scale) before now
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^(orders|shipments)"
check "the orders sync first" [ "$code" = 0 ]

echo "== a partial shipment, then the rest"
ns_fulfill "{\"order\":\"$S1\",\"lines\":[{\"sku\":\"SKU-0001\",\"qty\":2}],\"shipMethod\":\"UPS Ground\",\"tracking\":\"1Z999AA10123456784\"}" > /dev/null
run_connector out code -c "$conf" sync --dry-run
echo "$out" | grep -E "^would confirm"
check "dry run: says it would confirm the shipment" contains "$out" "would confirm to the marketplace the shipment of order $S1: SKU-0001 x2"
check "dry run: nothing sent" [ "$(shipments $S1)" = 0 ]
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^shipments"
check "the partial shipment: one confirmShipment" [ "$(shipments $S1)" = 1 ]
body=$(curl -sf "$SANDBOX_URL/_sandbox/amazon/shipments")
check "with the item and quantity shipped, UPS and the tracking number" python3 -c "
import json,sys; s=[x for x in json.loads(sys.argv[1]) if x['orderId']==sys.argv[2]][0]['body']
p=s['packageDetail']
sys.exit(not (p['orderItems']==[{'orderItemId':sys.argv[3],'quantity':2}] and p['carrierCode']=='UPS'
              and p['trackingNumber']=='1Z999AA10123456784' and s['marketplaceId']=='ATVPDKIKX0DER'))" "$body" $S1 "$(item_id $S1 SKU-0001)"
for i in 1 2 3; do "$C" -c "$conf" sync > /dev/null 2>&1; done
check "three more syncs send nothing more" [ "$(shipments $S1)" = 1 ]
ns_fulfill "{\"order\":\"$S1\",\"shipMethod\":\"FedEx Home Delivery\",\"tracking\":\"794600000001\"}" > /dev/null
run_connector out code -c "$conf" sync
check "the rest: a second confirmShipment" [ "$(shipments $S1)" = 2 ]
body=$(curl -sf "$SANDBOX_URL/_sandbox/amazon/shipments")
check "with only the lines still open: SKU-0001 x1 and SKU-0002 x1, FedEx" python3 -c "
import json,sys; s=[x for x in json.loads(sys.argv[1]) if x['orderId']==sys.argv[2]][1]['body']['packageDetail']
got=sorted((i['orderItemId'],i['quantity']) for i in s['orderItems'])
sys.exit(not (got==sorted([(sys.argv[3],1),(sys.argv[4],1)]) and s['carrierCode']=='FedEx'))" "$body" $S1 "$(item_id $S1 SKU-0001)" "$(item_id $S1 SKU-0002)"
run_connector sout scode -c "$conf" status $S1
echo "$sout" | grep "to the marketplace"
check "status lists both shipments as synced" [ "$(grep -c "^  shipment .*: synced: confirmed" <<<"$sout")" = 2 ]
check "Amazon now shows the order shipped" [ "$(curl -sf "$SANDBOX_URL/_sandbox/amazon/orders/$S1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fulfillment"]["fulfillmentStatus"])')" = SHIPPED ]

echo "== a cancellation before shipment"
ns_cancel "{\"order\":\"$C1\"}" > /dev/null
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^shipments"
sleep 1
for i in 1 2 3; do "$C" -c "$conf" sync > /dev/null 2>&1; done
check "one cancellation reached Amazon" [ "$(cancellations $C1)" = 1 ]
can=$(curl -sf "$SANDBOX_URL/_sandbox/amazon/cancellations")
check "for every line and quantity, with the conf's reason" python3 -c "
import json,sys; c=[x for x in json.loads(sys.argv[1]) if x['orderId']==sys.argv[2]][0]
got=sorted((i['orderItemId'],i['quantity'],i['reason']) for i in c['items'])
sys.exit(not (got==sorted([(sys.argv[3],2,'NoInventory'),(sys.argv[4],1,'NoInventory')])))" "$can" $C1 "$(item_id $C1 SKU-0003)" "$(item_id $C1 SKU-0004)"
check "the feed holds exactly one message for it" [ "$(curl -sf "$SANDBOX_URL/_sandbox/amazon/feeds" | python3 -c 'import json,sys; print(sum(1 for f in json.load(sys.stdin) for m in f["messages"] if m.get("amazonOrderId")==sys.argv[1]))' $C1)" = 1 ]
run_connector sout scode -c "$conf" failures
check "no failures" contains "$sout" "no failures"

echo "== no echo: Amazon's own cancellation, an order Amazon fulfils"
$CHECK set-order $C2 '{"fulfillment":{"fulfillmentStatus":"CANCELLED","fulfilledBy":"MERCHANT","fulfillmentServiceLevel":"STANDARD"}}'
"$C" -c "$conf" sync > /dev/null 2>&1
ns_cancel "{\"order\":\"$C2\"}" > /dev/null   # as the ERP would record Amazon's cancellation
"$C" -c "$conf" sync > /dev/null 2>&1; sleep 1; "$C" -c "$conf" sync > /dev/null 2>&1
check "an order Amazon cancelled itself is not cancelled again" [ "$(cancellations $C2)" = 0 ]
check "not even a feed message is sent for it" [ "$(curl -sf "$SANDBOX_URL/_sandbox/amazon/feeds" | python3 -c 'import json,sys; print(sum(1 for f in json.load(sys.stdin) for m in f["messages"] if m.get("amazonOrderId")==sys.argv[1]))' $C2)" = 0 ]
ns_fulfill "{\"order\":\"$F1\",\"shipMethod\":\"UPS Ground\",\"tracking\":\"1Z000\"}" > /dev/null
"$C" -c "$conf" sync > /dev/null 2>&1
check "an order Amazon fulfils gets no confirmShipment" [ "$(shipments $F1)" = 0 ]
run_connector sout scode -c "$conf" failures
check "and neither is a failure" contains "$sout" "no failures"

echo "== faults on confirmShipment"
S2=114-5550005-0000005; S3=114-5550006-0000006
new_order $S2 MERCHANT SKU-0007:1
new_order $S3 MERCHANT SKU-0008:1
sleep 3
"$C" -c "$conf" sync > /dev/null 2>&1
curl -sf -X POST "$SANDBOX_URL/_sandbox/faults" -d "{\"method\":\"POST\",\"path\":\"/orders/v0/orders/$S2/shipmentConfirmation\",\"count\":20,\"status\":503}" > /dev/null
ns_fulfill "{\"order\":\"$S2\",\"shipMethod\":\"USPS Priority Mail\",\"tracking\":\"9400100000000000000000\"}" > /dev/null
run_connector out code -c "$conf" sync
check "a 503 on confirmShipment: the run exits 2" [ "$code" = 2 ]
check "nothing confirmed yet" [ "$(shipments $S2)" = 0 ]
curl -sf -X DELETE "$SANDBOX_URL/_sandbox/faults" > /dev/null
sleep 1
run_connector out code -c "$conf" sync
check "once Amazon recovers, the next run confirms it, once" [ "$(shipments $S2)" = 1 ]
"$C" -c "$conf" sync > /dev/null 2>&1
check "and only once" [ "$(shipments $S2)" = 1 ]
curl -sf -X POST "$SANDBOX_URL/_sandbox/faults" -d "{\"method\":\"POST\",\"path\":\"/orders/v0/orders/$S3/shipmentConfirmation\",\"count\":1,\"status\":400}" > /dev/null
ns_fulfill "{\"order\":\"$S3\",\"shipMethod\":\"UPS Ground\",\"tracking\":\"1Z111\"}" > /dev/null
run_connector out code -c "$conf" sync
run_connector fout fcode -c "$conf" failures --json --phase shipments
check "a refused confirmation is a permanent failure with Amazon's words" python3 -c "
import json,sys; f=json.loads(sys.argv[1])
sys.exit(not (len(f)==1 and f[0]['class']=='permanent' and f[0]['http_status']==400 and f[0]['remote']))" "$fout"
check "failures names its replay command" python3 -c "
import json,sys; f=json.loads(sys.argv[1]); sys.exit(f[0]['replay']!='connector replay --failed --phase shipments')" "$fout"
run_connector out code -c "$conf" replay --failed --phase shipments
echo "$out" | grep -E "^shipment"
check "replay --failed --phase shipments sends the refused shipment again: accepted, exit 0" [ "$code" = 0 ]
check "replay says so" contains "$out" "shipment $(python3 -c "import json,sys; print(json.loads(sys.argv[1])[0]['id'])" "$fout") of order $S3: sent again: accepted"
check "Amazon got exactly one confirmShipment for it" [ "$(shipments $S3)" = 1 ]
run_connector fout fcode -c "$conf" failures --phase shipments
check "and its failure is gone" contains "$fout" "no failures"
run_connector out code -c "$conf" sync
check "the next sync sends nothing more" [ "$(shipments $S3)" = 1 ]

echo "== a fulfillment NetSuite cannot give us is a failure, not a silent skip"
S4=114-5550007-0000007
new_order $S4 MERCHANT SKU-0009:1
sleep 3
"$C" -c "$conf" sync > /dev/null 2>&1
fid=$(ns_fulfill "{\"order\":\"$S4\",\"shipMethod\":\"UPS Ground\",\"tracking\":\"1Z222\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sf -X POST "$SANDBOX_URL/_sandbox/faults" -d "{\"method\":\"GET\",\"path\":\"/services/rest/record/v1/itemFulfillment/$fid\",\"count\":1,\"action\":\"malformed\"}" > /dev/null
run_connector out code -c "$conf" sync
run_connector fout fcode -c "$conf" failures --json --phase erp_changes
check "an unreadable fulfillment: exit 2 and a failure naming the record" python3 -c "
import json,sys; f=json.loads(sys.argv[1])
sys.exit(not (sys.argv[3]=='2' and len(f)==1 and f[0]['id']==sys.argv[2] and f[0]['kind']=='erp_change'))" "$fout" "$fid" "$code"
run_connector out code -c "$conf" sync
check "read again in the poll's overlap: confirmed once" [ "$(shipments $S4)" = 1 ]
run_connector fout fcode -c "$conf" failures --phase erp_changes
check "and its failure is gone" contains "$fout" "no failures"
finish
