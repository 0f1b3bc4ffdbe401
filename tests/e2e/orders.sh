#!/usr/bin/env bash
# orders.sh BUILD_DIR: Amazon orders into NetSuite, end to end against the
# sandbox: exactly one record per order, totals to the cent, a second run
# writes nothing, a change becomes an update of the same record, an unknown
# SKU fails alone and syncs once it is mapped.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
source "$(dirname "$0")/sandbox_env.sh"
source "$(dirname "$0")/lib.sh"
trap sandbox_stop EXIT
# Time runs 60x faster on both sides: Amazon shows a change only 2 minutes
# after it happened (lastUpdatedBefore = now - 2 min); here that is 2 s.
sandbox_start --generate 60 --time-scale 60 || exit 1
conf="$WORK/connector.conf"
sed 's/^\[connector\]/[connector]\ntime_scale = 60/' "$ROOT/conf/sandbox.conf" > "$conf"
unmapped=$(python3 -c 'import json,sys
for o in json.load(open(sys.argv[1]))["amazon"]["orders"]:
    if any(i["product"].get("sellerSku") == "SKU-UNMAPPED-1" for i in o["orderItems"]):
        print(o["orderId"])' "$SEED")

run_connector out code -c "$conf" sync
echo "$out" | tail -5
check "first sync exits 2: one order has an unknown SKU" [ "$code" = 2 ]
check "the summary counts one failure" contains "$out" "1 failed"
check "every other order is in NetSuite once, total equal to the cent" $CHECK match "$unmapped"
run_connector fout fcode -c "$conf" failures
check "failures names the order and the unknown SKU" contains "$fout" "order $unmapped"
check "failures says which SKU" contains "$fout" "SKU-UNMAPPED-1"

writes=$($CHECK writes)
run_connector out code -c "$conf" sync
check "second sync exits 0" [ "$code" = 0 ]
check "second sync says there is nothing to write" contains "$out" "nothing to write"
check "second sync wrote nothing to NetSuite" [ "$($CHECK writes)" = "$writes" ]

printf '\n[sku_map]\nSKU-UNMAPPED-1 = SKU-0001\n' >> "$conf"
run_connector out code -c "$conf" sync
check "after mapping the SKU, sync exits 0" [ "$code" = 0 ]
check "the failed order was retried" contains "$out" "1 retried"
run_connector fout fcode -c "$conf" failures
check "failures is empty again" contains "$fout" "no failures"
check "now every order is in NetSuite once, to the cent" $CHECK match

order=$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["amazon"]["orders"][0]["orderId"])' "$SEED")
before=$($CHECK record "AMZ-ORD-$order" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
count=$($CHECK count salesOrder)
qty=$($CHECK bump-line "$order")
sleep 3   # past Amazon's 2 minutes (scaled)
run_connector out code -c "$conf" sync
check "a changed order syncs with exit 0" [ "$code" = 0 ]
check "it is counted as one update" contains "$out" "1 updated"
after=$($CHECK record "AMZ-ORD-$order")
check "the same NetSuite record was updated" [ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$after")" = "$before" ]
check "no record was added" [ "$($CHECK count salesOrder)" = "$count" ]
check "the line carries the new quantity" [ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["item"]["items"][0]["quantity"])' "$after")" = "$qty" ]
check "totals still match to the cent" $CHECK match

run_connector sout scode -c "$conf" status "$order"
check "status shows the order synced with its NetSuite id" contains "$sout" "salesOrder $before"
finish
