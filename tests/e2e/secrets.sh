#!/usr/bin/env bash
# secrets.sh BUILD_DIR: no secret ever appears in logs (text or JSON, debug
# level), errors or command output, including when requests fail.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
source "$(dirname "$0")/sandbox_env.sh"
source "$(dirname "$0")/lib.sh"
trap sandbox_stop EXIT
sandbox_start --generate 20 || exit 1
conf="$WORK/connector.conf"
sed 's/^\[connector\]/[connector]\nlog_level = debug/' "$ROOT/conf/sandbox.conf" > "$conf"
# faults so that error paths log too: a refused token once, a NetSuite 500
curl -sf -X POST "$SANDBOX_URL/_sandbox/faults" -d '{"path":"/auth/o2/token","count":1,"status":500}' > /dev/null
curl -sf -X POST "$SANDBOX_URL/_sandbox/faults" -d '{"path":"/services/rest/record/v1/salesOrder/*","count":2,"status":500}' > /dev/null

all="$WORK/all.log"
{ "$BUILD/bin/connector" -c "$conf" sync
  "$BUILD/bin/connector" -c "$conf" --log-format json sync
  "$BUILD/bin/connector" -c "$conf" failures
  "$BUILD/bin/connector" -c "$conf" failures --json
  "$BUILD/bin/connector" -c "$conf" check-config; } > "$all" 2>&1
check "the runs logged something at debug level" grep -q "http" "$all"
key_body=$(grep -v -- '-----' "$SANDBOX_NS_KEY_FILE" | head -n 2 | tail -n 1)
for secret in "$SANDBOX_LWA_CLIENT_SECRET" "$SANDBOX_LWA_REFRESH_TOKEN" "$key_body"; do
  check "no secret (${#secret} characters) in any output" bash -c "! grep -qF -- '$secret' '$all'"
done
# Tokens the sandbox issued: listed by its stats, must never be printed.
tokens=$(curl -sf "$SANDBOX_URL/_sandbox/stats" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin).get("issued_tokens", [])))')
n=0
while IFS= read -r t; do
  [ -z "$t" ] && continue
  n=$((n + 1))
  check "issued access token $n never printed" bash -c "! grep -qF -- '$t' '$all'"
done <<<"$tokens"
check "the sandbox reported the tokens it issued" [ "$n" -gt 0 ]
finish
