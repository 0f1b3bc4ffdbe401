#!/usr/bin/env bash
# badinput.sh BUILD_DIR: a conf with a typo, a missing secret, a world-readable
# secret, an unreachable endpoint, an unknown adapter: one clear line each,
# exit 1, and nothing written anywhere.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
source "$(dirname "$0")/sandbox_env.sh"
source "$(dirname "$0")/lib.sh"
trap sandbox_stop EXIT
sandbox_start || exit 1
good="$ROOT/conf/sandbox.conf"

expect_refusal() {   # expect_refusal NAME CONF EXPECTED_TEXT [STATE_MUST_NOT_EXIST [UNSET_VAR]]
  local name=$1 conf=$2 text=$3 stdout stderr code=0
  stdout=$(env ${5:+-u "$5"} "$BUILD/bin/connector" -c "$conf" sync 2> "$WORK/err") || code=$?
  stderr=$(cat "$WORK/err")
  check "$name: exit 1" [ "$code" = 1 ]
  check "$name: one line on stderr saying why" [ "$(grep -c '^connector: ' <<<"$stderr")" = 1 ]
  check "$name: the line says '$text'" contains "$stderr" "$text"
  check "$name: nothing written to NetSuite" [ "$($CHECK writes)" = 0 ]
  if [ -n "${4:-}" ]; then
    check "$name: no state directory created" [ ! -e "$CONNECTOR_STATE" ]
  fi
  echo "     $(grep '^connector: ' <<<"$stderr")"
}

sed 's/^marketplace_ids = /marketplace_idz = /' "$good" > "$WORK/typo.conf"
line=$(grep -n '^marketplace_idz' "$WORK/typo.conf" | cut -d: -f1)
expect_refusal "a typo in a key" "$WORK/typo.conf" "typo.conf:$line: [marketplace] unknown key \`marketplace_idz\`" yes

expect_refusal "a missing secret" "$good" "environment variable SANDBOX_LWA_CLIENT_SECRET is not set" yes SANDBOX_LWA_CLIENT_SECRET

sed "s|^client_secret = .*|client_secret = $SANDBOX_LWA_CLIENT_SECRET|" "$good" > "$WORK/readable.conf"
chmod 644 "$WORK/readable.conf"
expect_refusal "a world-readable secret" "$WORK/readable.conf" "mode 0644 lets group or others read the secret \`client_secret\`" yes
check "the refusal does not print the secret" bash -c "! '$BUILD/bin/connector' -c '$WORK/readable.conf' sync 2>&1 | grep -qF -- '$SANDBOX_LWA_CLIENT_SECRET'"

sed 's/^type = netsuite/type = netsweet/' "$good" > "$WORK/adapter.conf"
expect_refusal "an unknown adapter" "$WORK/adapter.conf" "unknown ERP \`netsweet\` (known: netsuite, tryton)" yes

sed 's|^endpoint = .*|endpoint = http://127.0.0.1:9|; s|^token_url = .*|token_url = http://127.0.0.1:9/auth/o2/token|' "$good" > "$WORK/unreachable.conf"
printf '\n' >> "$WORK/unreachable.conf"
sed -i 's/^\[connector\]/[connector]\nhttp_retries = 1/' "$WORK/unreachable.conf"
expect_refusal "an unreachable endpoint" "$WORK/unreachable.conf" "127.0.0.1:9"
finish
