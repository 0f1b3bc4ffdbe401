#!/usr/bin/env bash
# crash.sh BUILD_DIR [ROUNDS]: kill -9 `connector sync` at random moments of a
# 500-order run, then run it again: exactly one NetSuite record per order,
# every order synced. ROUNDS defaults to 20.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
ROUNDS=${2:-20}
source "$(dirname "$0")/sandbox_env.sh"
source "$(dirname "$0")/lib.sh"
KEYDIR=$(mktemp -d)
trap 'sandbox_stop; rm -rf "$KEYDIR"' EXIT

prepare() {
  sandbox_start --generate 500 --limits off || exit 1
  conf="$WORK/connector.conf"
  { sed 's/^concurrency = .*/concurrency = 4/' "$ROOT/conf/sandbox.conf"
    printf '\n[sku_map]\nSKU-UNMAPPED-1 = SKU-0001\n'; } > "$conf"
}

# How long does an uninterrupted run take here?
prepare
t0=$(date +%s%N)
"$BUILD/bin/connector" -c "$conf" sync > /dev/null 2>&1
t1=$(date +%s%N)
full_ms=$(( (t1 - t0) / 1000000 ))
echo "an uninterrupted 500-order sync takes ${full_ms} ms"
check "the uninterrupted run syncs every order" $CHECK match
sandbox_stop

resumed=0
for round in $(seq 1 "$ROUNDS"); do
  prepare
  # spread over the run: round r dies somewhere in the r-th slice of it
  slice=$(( (full_ms > 50 ? full_ms : 50) / ROUNDS + 1 ))
  kill_ms=$(( (round - 1) * slice + RANDOM % slice ))
  "$BUILD/bin/connector" -c "$conf" sync > "$WORK/run1.log" 2>&1 &
  pid=$!
  sleep "$(printf '0.%03d' "$kill_ms")"
  [ "$kill_ms" -ge 1000 ] && sleep $((kill_ms / 1000))
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rerun_ok=0
  for attempt in 1 2 3; do
    if "$BUILD/bin/connector" -c "$conf" sync > "$WORK/run2.log" 2>&1; then rerun_ok=1; break; fi
  done
  check "round $round (killed at ${kill_ms} ms): the rerun completes" [ "$rerun_ok" = 1 ]
  if grep -q "interrupted write" "$WORK/run2.log"; then resumed=$((resumed + 1)); fi
  check "round $round: one record per order, every order synced, totals equal" $CHECK match
  sandbox_stop
done
echo "$resumed of $ROUNDS reruns found intents of writes the kill interrupted, and resolved them"
check "at least one kill landed between an intent and its commit" [ "$resumed" -gt 0 ]
finish
