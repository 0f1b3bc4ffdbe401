# sandbox_env.sh: start connector-sandbox for a demo or a test, and export
# what conf/sandbox.conf reads. Source it; then call sandbox_start.
#
#   BUILD=build-dir; source tests/e2e/sandbox_env.sh; sandbox_start [sandbox args...]
#
# Sets WORK (a temporary directory, removed by sandbox_stop), SANDBOX_URL,
# SANDBOX_PID, CONNECTOR_STATE and the credentials of the seed.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SEED=${SEED:-$ROOT/tests/data/sandbox-seed.json}

sandbox_seed_value() {   # sandbox_seed_value auth.amazon.client_id
  python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$SEED" "$1"
}

sandbox_start() {
  WORK=$(mktemp -d)
  if [ -n "${KEYDIR:-}" ] && [ -f "$KEYDIR/ns-key.pem" ]; then
    cp "$KEYDIR/ns-key.pem" "$KEYDIR/ns-pub.pem" "$WORK/"
  else
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/ns-key.pem" 2>/dev/null
    openssl pkey -in "$WORK/ns-key.pem" -pubout -out "$WORK/ns-pub.pem"
    if [ -n "${KEYDIR:-}" ]; then cp "$WORK/ns-key.pem" "$WORK/ns-pub.pem" "$KEYDIR/"; fi
  fi
  chmod 600 "$WORK/ns-key.pem"
  "$BUILD/bin/connector-sandbox" --listen 127.0.0.1:0 --seed "$SEED" \
      --netsuite-public-key "$WORK/ns-pub.pem" "$@" > "$WORK/sandbox.out" 2> "$WORK/sandbox.err" &
  SANDBOX_PID=$!
  local i line=""
  for i in $(seq 1 100); do
    line=$(head -n 1 "$WORK/sandbox.out" 2>/dev/null || true)
    [ -n "$line" ] && break
    sleep 0.1
  done
  case "$line" in
    "listening "*) ;;
    *) echo "sandbox did not start: $(cat "$WORK/sandbox.err")" >&2; return 1 ;;
  esac
  export SANDBOX_URL="http://${line#listening }"
  export CONNECTOR_STATE="$WORK/state"
  export SANDBOX_CONF_DIR="$ROOT/conf"
  export SANDBOX_LWA_CLIENT_ID=$(sandbox_seed_value auth.amazon.client_id)
  export SANDBOX_LWA_CLIENT_SECRET=$(sandbox_seed_value auth.amazon.client_secret)
  export SANDBOX_LWA_REFRESH_TOKEN=$(sandbox_seed_value auth.amazon.refresh_token)
  export SANDBOX_NS_CLIENT_ID=$(sandbox_seed_value auth.netsuite.client_id)
  export SANDBOX_NS_CERTIFICATE_ID=$(sandbox_seed_value auth.netsuite.certificate_id)
  export SANDBOX_NS_KEY_FILE="$WORK/ns-key.pem"
}

sandbox_stop() {
  if [ -n "${SANDBOX_PID:-}" ]; then
    kill "$SANDBOX_PID" 2>/dev/null || true
    wait "$SANDBOX_PID" 2>/dev/null || true
    SANDBOX_PID=
  fi
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
  WORK=
}

sandbox_count() {   # sandbox_count salesOrder -> number of stored records
  curl -sf "$SANDBOX_URL/_sandbox/netsuite/records/$1" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
