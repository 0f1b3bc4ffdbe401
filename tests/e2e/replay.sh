#!/usr/bin/env bash
# replay.sh BUILD_DIR: failures and replay by order id, as a user lives with
# them (issue "Operating it"):
#  - the Webgility scenario: an order fails on an unknown SKU; the settlement
#    that contains it waits; the user maps the SKU and runs
#    `connector replay --order ID`; the order syncs, its waiting refund goes
#    through and the settlement posts in that same command; `failures` is
#    empty afterwards;
#  - `failures` groups by phase and class, filters by --class/--phase, and
#    names the replay command of each;
#  - a replay of a synced order writes nothing; of an id the marketplace does
#    not know says so and exits 2; `replay --failed` replays what failed;
#  - `replay --dry-run` prints what it would do and writes nothing anywhere:
#    the sandbox's write count and the state files are unchanged.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
source "$(dirname "$0")/sandbox_env.sh"
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'sandbox_stop; rm -rf "$tmp"' EXIT
C="$BUILD/bin/connector"

sandbox_start --time-scale 60 || exit 1
conf="$tmp/connector.conf"
sed -e "s|^\[connector\]|[connector]\ntime_scale = 60\nrefund_rules = $ROOT/conf/refund-rules.conf.example|" \
    "$ROOT/conf/sandbox.conf" > "$conf"
bad=$(sandbox_seed_value amazon.orders.2.orderId)        # its SKU is unknown to NetSuite
good=$(sandbox_seed_value amazon.orders.0.orderId)
journals() { curl -sf "$SANDBOX_URL/_sandbox/netsuite/records/journalEntry" |
  python3 -c 'import json,sys; print(sum(1 for j in json.load(sys.stdin) if j["externalId"]==sys.argv[1]))' "$1"; }
state_sum() { (cd "$CONNECTOR_STATE" && find . -type f ! -name lock.mdb -print0 | sort -z |
  xargs -0 sha256sum | sha256sum); }

echo "== an order fails on an unknown SKU; its settlement and its refund wait"
python3 "$(dirname "$0")/settlement_report.py" "$bad" 55500099999 60000000099 |
  curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/settlement-reports" -d @- > /dev/null
python3 - "$bad" <<'PY' | curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/financial-events" -d @- > /dev/null
import json, os, sys, urllib.request
oid = sys.argv[1]
o = json.load(urllib.request.urlopen(os.environ["SANDBOX_URL"] + "/_sandbox/amazon/orders/" + oid))
it = o["orderItems"][0]
cur = it["product"]["price"]["unitPrice"]["currencyCode"]
ev = {"AmazonOrderId": oid, "MarketplaceName": "Amazon.com",
      "ShipmentItemAdjustmentList": [{"SellerSKU": it["product"]["sellerSku"],
          "OrderItemId": it["orderItemId"], "OrderAdjustmentItemId": "88800000000001",
          "QuantityShipped": 1,
          "ItemChargeAdjustmentList": [{"ChargeType": "Principal",
              "ChargeAmount": {"CurrencyCode": cur, "CurrencyAmount": "-5.00"}}]}]}
print(json.dumps({"events": [{"type": "refund", "event": ev}]}))
PY
sleep 3
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^(orders|refunds|settlements)"
check "the first sync exits 2 (one order failed)" [ "$code" = 2 ]
run_connector sout scode -c "$conf" settlements --json
check "the settlement waits for the failed order" python3 -c "
import json,sys; d={x['settlement_id']:x for x in json.loads(sys.argv[1])}
x=d.get('55500099999'); sys.exit(not (x and x['status']=='waiting_for_orders' and x['missing_orders']==[sys.argv[2]]))" "$sout" "$bad"
check "nothing was posted for it" [ "$(journals AMZ-STL-55500099999)" = 0 ]

echo "== failures: grouped, filtered, each with its replay command"
run_connector fout fcode -c "$conf" failures
echo "$fout" | head -8
check "failures groups the failed order under 'orders, permanent'" contains "$fout" "orders, permanent (1):"
check "failures names the command that replays it" contains "$fout" "replay: connector replay --order $bad"
run_connector fout fcode -c "$conf" failures --json --class permanent --phase orders
check "failures --json --class permanent --phase orders: exactly that order, with its replay command" python3 -c "
import json,sys; f=json.loads(sys.argv[1])
sys.exit(not (len(f)==1 and f[0]['id']==sys.argv[2] and f[0]['class']=='permanent' and
              f[0]['replay']=='connector replay --order '+sys.argv[2] and 'SKU-UNMAPPED-1' in f[0]['message']))" "$fout" "$bad"
run_connector fout fcode -c "$conf" failures --class transient
check "failures --class transient: none" contains "$fout" "no failures (transient)"
run_connector fout fcode -c "$conf" failures --class bogus
check "failures --class bogus: exit 1 naming the classes" [ "$fcode" = 1 ]
check "failures --class bogus: exit 1 naming the classes (2)" contains "$fout" "transient, permanent or stuck"

echo "== replays that must change nothing"
writes=$($CHECK writes)
run_connector out code -c "$conf" replay --order "$good"
echo "$out"
check "a replay of a synced order: unchanged, exit 0" [ "$code" = 0 ]
check "a replay of a synced order: unchanged, exit 0 (2)" contains "$out" "order $good: unchanged"
check "a replay of a synced order writes nothing to NetSuite" [ "$($CHECK writes)" = "$writes" ]
run_connector out code -c "$conf" replay --order 999-0000000-0000000
echo "$out"
check "a replay of an id Amazon does not know says so" contains "$out" "amazon does not know order 999-0000000-0000000"
check "and exits 2" [ "$code" = 2 ]
run_connector out code -c "$conf" replay --failed --phase orders
echo "$out" | tail -2
check "replay --failed with the SKU still unmapped: it fails again, exit 2" [ "$code" = 2 ]
check "replay --failed with the SKU still unmapped: it fails again, exit 2 (2)" contains "$out" "order $bad: failed"
run_connector fout fcode -c "$conf" failures --json
check "the failure counts the replay as an attempt" python3 -c "
import json,sys; f=[x for x in json.loads(sys.argv[1]) if x['id']==sys.argv[2]]
sys.exit(not (f and f[0]['attempts']==2))" "$fout" "$bad"

echo "== the user maps the SKU; a dry run first"
printf '\n[sku_map]\nSKU-UNMAPPED-1 = SKU-0001\n' >> "$conf"
before=$(state_sum)
writes=$($CHECK writes)
run_connector out code -c "$conf" replay --order "$bad" --dry-run
echo "$out"
check "replay --dry-run says what it would write" contains "$out" "would create"
check "replay --dry-run says it would post the settlement" contains "$out" "would post 1"
check "replay --dry-run writes nothing to NetSuite" [ "$($CHECK writes)" = "$writes" ]
check "replay --dry-run leaves the state files as they were" [ "$(state_sum)" = "$before" ]
check "replay --dry-run posts nothing" [ "$(journals AMZ-STL-55500099999)" = 0 ]

echo "== replay --order: the order syncs and the settlement posts in the same command"
run_connector out code -c "$conf" replay --order "$bad"
echo "$out"
check "replay: the order is created, exit 0" [ "$code" = 0 ]
check "replay: the order is created, exit 0 (2)" contains "$out" "order $bad: created AMZ-ORD-$bad"
check "replay: its waiting refund went through" contains "$out" "1 created"
check "replay: the settlement moved from waiting to posted" contains "$out" "settlement 55500099999: waiting_for_orders -> posted"
check "exactly one journal for the settlement" [ "$(journals AMZ-STL-55500099999)" = 1 ]
check "exactly one NetSuite order for it" [ "$($CHECK count salesOrder)" = "$(curl -sf "$SANDBOX_URL/_sandbox/netsuite/records/salesOrder" | python3 -c 'import json,sys; print(len({x["externalId"] for x in json.load(sys.stdin)}))')" ]
run_connector fout fcode -c "$conf" failures
check "failures is empty afterwards" contains "$fout" "no failures"
run_connector out code -c "$conf" replay --order "$bad"
check "a second replay: unchanged" contains "$out" "order $bad: unchanged"
check "a second replay: still one journal" [ "$(journals AMZ-STL-55500099999)" = 1 ]
run_connector out code -c "$conf" sync
check "the next sync writes nothing" contains "$out" "nothing to write"
finish
