#!/usr/bin/env bash
# lock.sh BUILD_DIR: two runs on one state never overlap; SIGTERM stops a
# run within seconds, and the next run completes with nothing lost or doubled.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
source "$(dirname "$0")/sandbox_env.sh"
source "$(dirname "$0")/lib.sh"
trap sandbox_stop EXIT
# Amazon's searchOrders limit (burst 20, then one page per 3 minutes), 10x
# faster, and one order per page: past 20 pages the first run waits 18 s for
# each page, so it is certainly still busy when we look.
sandbox_start --generate 40 --time-scale 10 || exit 1
conf="$WORK/connector.conf"
sed 's/^marketplace_ids = /page_size = 1\nmarketplace_ids = /; s/^\[connector\]/[connector]\ntime_scale = 10/' \
    "$ROOT/conf/sandbox.conf" > "$conf"
printf '\n[sku_map]\nSKU-UNMAPPED-1 = SKU-0001\n' >> "$conf"

"$BUILD/bin/connector" -c "$conf" sync > "$WORK/first.log" 2>&1 &
first=$!
sleep 3
t0=$(date +%s%N)
run_connector out code -c "$conf" sync
t1=$(date +%s%N)
check "a second run exits 0 at once" [ "$code" = 0 ]
check "it says another run holds the lock, since when and which pid" contains "$out" "another run holds the lock since"
check "it names the holder's pid" contains "$out" "(pid $first)"
check "it took under 2 seconds" [ $(( (t1 - t0) / 1000000 )) -lt 2000 ]

t0=$(date +%s%N)
kill -TERM "$first"
wait "$first"; fcode=$?
t1=$(date +%s%N)
check "SIGTERM stops the first run within 5 seconds" [ $(( (t1 - t0) / 1000000 )) -lt 5000 ]
check "the stopped run exits 2 and says it was stopped" [ "$fcode" = 2 ]
check "its summary says so" grep -q "stopped by a signal" "$WORK/first.log"

# The rest with a fast clock: the next run completes what the first began.
sed -i 's/^page_size = 1$/page_size = 100/' "$conf"
run_connector out code -c "$conf" sync
check "the next run completes" [ "$code" = 0 ]
check "every order is in NetSuite exactly once, to the cent" $CHECK match
sed -n 1,400p "$WORK/first.log" | grep -v "order.created" | tail -5
echo "$out" | tail -3
finish
