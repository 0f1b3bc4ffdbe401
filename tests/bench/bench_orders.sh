#!/usr/bin/env bash
# bench_orders.sh [BUILD_DIR [SIZE...]]: the orders benchmark. Prints its figures.
#
#   BUILD_DIR  a Release build holding bin/connector and bin/connector-sandbox
#              (default build-bench, under the repository unless it exists
#              relative to the current directory; configured and built when
#              the programs are missing).
#   SIZE...    part 1 sizes, in generated orders (default 10000 100000).
#
# Part 1, throughput (sandbox limits off): per size N a fresh sandbox
#   (--generate N: N + 3 seed orders), a fresh state, one `connector sync`;
#   wall time, orders/s, connector CPU (user + sys) per order, peak RSS.
#   Checks: exit 0, NetSuite holds exactly N + 3 salesOrder records (the
#   sandbox's /_sandbox/stats record count), CPU < 100 us per order, peak RSS
#   of the largest run within 10 % of the smallest run's.
# Part 2, Amazon's documented limits on, time-scaled: sandbox --generate
#   BENCH_RATE_ORDERS (2000) --time-scale BENCH_TIME_SCALE (3000), connector
#   time_scale the same and page_size 10; searchOrders allows a burst of 20
#   then 0.0056 x S pages/s. Checks: pages fetched >= 90 % of the 20 +
#   0.0056 x S x T the bucket allows in the run's wall time T (not capped at
#   the pages there are: that would score every complete run 100 %), no 429
#   becomes a failure (exit 0, 0 failed), every order in NetSuite.
#
# Environment: BENCH_RATE_ORDERS, BENCH_TIME_SCALE, BENCH_TIMEOUT (seconds per
# connector run, default 600), BENCH_SKIP_RATE=1 skips part 2.
# Last line: "N passed, N failed"; exit status 1 if any check failed.
# Not a ctest test: benchmarks are not unit tests.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
HELPER="$HERE/bench_orders.py"

build_arg=${1:-build-bench}
[ $# -gt 0 ] && shift
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000 100000)
RATE_ORDERS=${BENCH_RATE_ORDERS:-2000}
SCALE=${BENCH_TIME_SCALE:-3000}
TIMEOUT=${BENCH_TIMEOUT:-600}
SEARCH_RATE=0.0056   # searchOrders: documented rate (requests/s) and burst
SEARCH_BURST=20
PAGE_SIZE=10

case "$build_arg" in
  /*) BUILD=$build_arg ;;
  *) if [ -d "$build_arg" ]; then BUILD=$(cd "$build_arg" && pwd); else BUILD="$ROOT/$build_arg"; fi ;;
esac
for n in "${SIZES[@]}" "$RATE_ORDERS"; do
  case "$n" in ''|*[!0-9]*) echo "bench_orders: not a number of orders: '$n'" >&2; exit 2 ;; esac
done

if [ ! -x "$BUILD/bin/connector" ] || [ ! -x "$BUILD/bin/connector-sandbox" ]; then
  echo "bench_orders: building a Release build in $BUILD" >&2
  { cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF &&
    cmake --build "$BUILD" -j"$(nproc)" --target connector connector-sandbox; } >&2 || {
    echo "bench_orders: build failed" >&2; exit 2; }
fi

# shellcheck source=tests/e2e/sandbox_env.sh disable=SC1091
source "$ROOT/tests/e2e/sandbox_env.sh"

RESULTS=
RUN_PID=
cleanup() {
  if [ -n "$RUN_PID" ]; then
    kill -TERM "$RUN_PID" 2>/dev/null || true
    wait "$RUN_PID" 2>/dev/null || true
    RUN_PID=
  fi
  sandbox_stop
  if [ -n "$RESULTS" ]; then rm -rf "$RESULTS"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
RESULTS=$(mktemp -d)

PASSED=0
FAILED=0
tally() {   # tally TEXT: print it, count its PASS/FAIL lines
  [ -n "$1" ] && printf '%s\n' "$1"
  PASSED=$((PASSED + $(grep -c '^PASS' <<<"$1")))
  FAILED=$((FAILED + $(grep -c '^FAIL' <<<"$1")))
}
fail() { tally "FAIL  $*"; }

# make_conf [KEY=VALUE under [connector]]... : $WORK/connector.conf from conf/sandbox.conf.
make_conf() {
  local extra="log_level = warn" kv
  for kv in "$@"; do extra="$extra\n$kv"; done
  sed "s/^\[connector\]/[connector]\n$extra/; s/^concurrency = .*/concurrency = 5/" \
      "$ROOT/conf/sandbox.conf" > "$WORK/connector.conf"
  printf '\n[sku_map]\nSKU-UNMAPPED-1 = SKU-0001\n' >> "$WORK/connector.conf"
}

# run_sync LABEL ORDERS: one measured `connector sync`; result in $RESULTS/LABEL.json.
run_sync() {
  python3 "$HELPER" run --bin "$BUILD/bin/connector" --conf "$WORK/connector.conf" \
      --dir "$RESULTS" --label "$1" --orders "$2" --timeout "$TIMEOUT" &
  RUN_PID=$!
  wait "$RUN_PID"
  local rc=$?
  RUN_PID=
  if [ "$rc" -ne 0 ] || [ ! -f "$RESULTS/$1.json" ]; then
    fail "$1: the measurement itself failed (rc $rc)"; return 1
  fi
  # a connector that did not exit 0: show what it said
  if ! python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["exit"] != 0)' "$RESULTS/$1.json"; then
    echo "  connector output ($1):"; tail -n 5 "$RESULTS/$1.out" "$RESULTS/$1.err" | sed 's/^/    /'
  fi
  cp "$WORK/sandbox.err" "$RESULTS/$1.sandbox.err" 2>/dev/null || true
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && ! git -C "$ROOT" diff --quiet HEAD -- . ':(exclude)tests/bench' 2>/dev/null; then
  commit="$commit+uncommitted"
fi
built=$(date -u -r "$BUILD/bin/connector" '+%H:%M:%S UTC' 2>/dev/null || echo '?')
echo "bench_orders $(date -u '+%Y-%m-%d %H:%M:%S UTC') | nproc $(nproc) | ${cpu:-unknown CPU} |" \
     "commit $commit | $BUILD (connector built $built)"

echo
echo "== Part 1: throughput, sandbox limits off, one sync from a fresh state (orders = generated + 3 seed)"
jsons=()
for n in "${SIZES[@]}"; do
  if ! sandbox_start --generate "$n" --limits off; then
    fail "$n: the sandbox did not start"; sandbox_stop; continue
  fi
  make_conf
  orders=$((n + 3))
  run_sync "p1-$orders" "$orders" && jsons+=("$RESULTS/p1-$orders.json")
  sandbox_stop
done
if [ ${#jsons[@]} -gt 0 ]; then
  tally "$(python3 "$HELPER" throughput "${jsons[@]}")"
fi

if [ "${BENCH_SKIP_RATE:-0}" != 1 ]; then
  echo
  echo "== Part 2: Amazon's limits on, time scale $SCALE: $RATE_ORDERS + 3 orders, page_size $PAGE_SIZE," \
       "searchOrders burst $SEARCH_BURST then $SEARCH_RATE x $SCALE pages/s"
  if sandbox_start --generate "$RATE_ORDERS" --time-scale "$SCALE"; then
    make_conf "time_scale = $SCALE"
    sed -i "s/^\[marketplace\]/[marketplace]\npage_size = $PAGE_SIZE/" "$WORK/connector.conf"
    orders=$((RATE_ORDERS + 3))
    if run_sync "p2-$orders" "$orders"; then
      tally "$(python3 "$HELPER" ratelimit --scale "$SCALE" --rate "$SEARCH_RATE" \
               --burst "$SEARCH_BURST" --page-size "$PAGE_SIZE" "$RESULTS/p2-$orders.json")"
    fi
  else
    fail "part 2: the sandbox did not start"
  fi
  sandbox_stop
fi

echo
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
