#!/usr/bin/env bash
# schedule.sh BUILD_DIR: the connector as a scheduled job (issue "Operating it"):
#  - `sync --dry-run` before the first run creates no state and writes
#    nothing to the sandbox; after a run it leaves the state files as they
#    were and still writes nothing;
#  - the metrics file of a run parses as Prometheus text (a real parser,
#    python3-prometheus-client) and says what the run did;
#  - a transient failure is retried by later runs and, after retry_limit
#    attempts, is reported `stuck` (also in the metrics); a replay clears it;
#  - `run --every 1s` runs again and again; SIGTERM ends it within seconds,
#    exit 0, and the next run finds everything in sync;
#  - on a terminal a progress line is drawn; into a pipe not a byte of it.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
source "$(dirname "$0")/sandbox_env.sh"
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'sandbox_stop; rm -rf "$tmp"' EXIT
C="$BUILD/bin/connector"
PROMCHECK="python3 $(dirname "$0")/promcheck.py"

sandbox_start --time-scale 600 --generate 40 || exit 1
conf="$tmp/shop1.conf"
sed -e "s|^\[connector\]|[connector]\ntime_scale = 600\nretry_limit = 3\nmetrics_file = $tmp/metrics/connector.prom|" \
    "$ROOT/conf/sandbox.conf" > "$conf"
printf '\n[sku_map]\nSKU-UNMAPPED-1 = SKU-0001\n' >> "$conf"
mkdir -p "$tmp/metrics" "$tmp/t"
export TMPDIR="$tmp/t"   # where dry runs make their scratch state
state_sum() { (cd "$CONNECTOR_STATE" && find . -type f ! -name lock.mdb -print0 | sort -z |
  xargs -0 sha256sum | sha256sum); }
metric() {   # metric NAME [LABEL=VALUE...]: the sample's value
  python3 - "$tmp/metrics/connector.prom" "$@" <<'PY'
import sys
path, name, *labels = sys.argv[1:]
want = dict(l.split("=", 1) for l in labels)
for line in open(path):
    if line.startswith("#") or not line.strip():
        continue
    key, val = line.rsplit(" ", 1)
    n, _, rest = key.partition("{")
    got = dict(kv.split("=", 1) for kv in rest.rstrip("}").split(",")) if rest else {}
    got = {k: v.strip('"') for k, v in got.items()}
    if n == name and all(got.get(k) == v for k, v in want.items()):
        print(val); break
PY
}

echo "== dry run before the first run"
writes=$($CHECK writes)
run_connector out code -c "$conf" sync --dry-run
echo "$out" | grep -E "^orders"
check "a dry run prints the writes it would make" contains "$out" "would create"
check "a dry run before the first run creates no state directory" [ ! -e "$CONNECTOR_STATE" ]
check "a dry run writes nothing to the sandbox" [ "$($CHECK writes)" = "$writes" ]
check "a dry run writes no metrics file" [ ! -e "$tmp/metrics/connector.prom" ]
check "a dry run leaves no scratch directory behind" [ -z "$(ls -A "$tmp/t")" ]

echo "== a run with a transient NetSuite failure on one order; metrics"
victim=$(curl -sf "$SANDBOX_URL/_sandbox/amazon/orders" | python3 -c 'import json,sys; print(json.load(sys.stdin)[5]["orderId"])')
curl -sf -X POST "$SANDBOX_URL/_sandbox/faults" \
  -d "{\"path\":\"/services/rest/record/v1/salesOrder/eid:AMZ-ORD-$victim\",\"count\":1000,\"status\":503}" > /dev/null
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^orders"
check "the run exits 2" [ "$code" = 2 ]
out=$($PROMCHECK "$tmp/metrics/connector.prom" --connection shop1 2>&1); pc=$?
echo "$out" | tail -1
check "the metrics file parses as Prometheus text, connection label shop1" [ "$pc" = 0 ]
check "metrics: the run's exit code 2" [ "$(metric connector_run_exit_code)" = 2 ]
check "metrics: one order failed" [ "$(metric connector_run_records phase=orders result=failed)" = 1 ]
created=$(metric connector_run_records phase=orders result=created)
check "metrics: every other order created" [ "$created" -ge 40 ]
check "metrics: one transient failure now" [ "$(metric connector_failures class=transient)" = 1 ]
check "metrics: the first run has never succeeded" [ "$(metric connector_last_success_timestamp_seconds)" = 0 ]

echo "== the transient failure is retried by later runs, then stuck"
for i in 1 2 3 4; do
  sleep 0.5   # 1 min doubling, on a clock 600x faster
  "$C" -c "$conf" sync > /dev/null 2>&1
done
run_connector fout fcode -c "$conf" failures --json
check "after retry_limit (3) attempts the failure is stuck, with NetSuite's words" python3 -c "
import json,sys; f=[x for x in json.loads(sys.argv[1]) if x['id']==sys.argv[2]]
sys.exit(not (f and f[0]['class']=='stuck' and f[0]['attempts']==3 and f[0]['http_status']==503 and f[0]['remote']))" "$fout" "$victim"
run_connector fout fcode -c "$conf" failures --class stuck
check "failures --class stuck lists it with its replay command" contains "$fout" "replay: connector replay --order $victim"
writes=$($CHECK writes)
sleep 1
"$C" -c "$conf" sync > /dev/null 2>&1
check "a stuck failure is not retried by sync any more" [ "$($CHECK writes)" = "$writes" ]
check "metrics: one stuck failure" [ "$(metric connector_failures class=stuck)" = 1 ]
curl -sf -X DELETE "$SANDBOX_URL/_sandbox/faults" > /dev/null
run_connector out code -c "$conf" replay --order "$victim"
check "once NetSuite recovers, a replay syncs it" contains "$out" "order $victim: created"
run_connector fout fcode -c "$conf" failures
check "and failures is empty" contains "$fout" "no failures"

echo "== dry run after runs: the state stays as it was"
"$C" -c "$conf" sync > /dev/null 2>&1
check "metrics: a run that exits 0 sets the last success time" [ "$(metric connector_last_success_timestamp_seconds)" -gt 0 ]
$CHECK bump-line "$victim" > /dev/null
before=$(state_sum); writes=$($CHECK writes)
run_connector out code -c "$conf" sync --dry-run
check "a dry run sees the changed order and says it would update it" contains "$out" "would update"
check "a dry run leaves the state files as they were" [ "$(state_sum)" = "$before" ]
check "a dry run writes nothing to the sandbox" [ "$($CHECK writes)" = "$writes" ]

echo "== run --every: a loop for containers, SIGTERM ends it"
"$C" -c "$conf" run --every 1s > "$tmp/run.out" 2> "$tmp/run.err" &
pid=$!
sleep 3.5
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"; rcode=$?
t1=$(date +%s%N)
runs=$(grep -c "^orders:" "$tmp/run.out")
echo "   $runs runs; stopped in $(( (t1 - t0) / 1000000 )) ms"
check "run --every 1s ran more than once in 3.5 s" [ "$runs" -ge 2 ]
check "its first run updated the changed order" grep -q "1 updated" "$tmp/run.out"
check "SIGTERM ends it within 5 s" [ $(( (t1 - t0) / 1000000 )) -lt 5000 ]
check "and it exits 0" [ "$rcode" = 0 ]
run_connector out code -c "$conf" sync
check "the next sync finds everything in sync" contains "$out" "nothing to write"
run_connector out code -c "$conf" run --every 0s
check "run --every 0s: refused, exit 1" [ "$code" = 1 ]

echo "== progress: on a terminal only"
$CHECK bump-line "$victim" > /dev/null
script -qec "$C -c $conf sync" /dev/null > "$tmp/tty.out" 2>&1 < /dev/null || true
"$C" -c "$conf" sync > "$tmp/pipe.out" 2> "$tmp/pipe.err" || true
check "into a pipe: no carriage return, no escape" python3 -c "
import sys; b=open(sys.argv[1],'rb').read()+open(sys.argv[2],'rb').read(); sys.exit(b'\r' in b or b'\x1b' in b)" "$tmp/pipe.out" "$tmp/pipe.err"
check "on a terminal the summary is printed" grep -q "^orders:" "$tmp/tty.out"
finish
