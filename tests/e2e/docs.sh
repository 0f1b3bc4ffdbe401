#!/usr/bin/env bash
# docs.sh BUILD_DIR: every conf key the program accepts (its own key tables,
# printed by `connector keys`) is documented in conf/connector.conf.example
# and in the README, and the example passes check-config.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib.sh"
example="$ROOT/conf/connector.conf.example"
keys=$("$BUILD/bin/connector" keys | awk '/^  [a-z_]+ +(required|optional)/ {print $1}' | sort -u)
check "connector keys lists keys" [ -n "$keys" ]
for k in $keys; do
  check "$k is in connector.conf.example" grep -qE "^#?$k = " "$example"
  check "$k is in the README" grep -qF "\`$k\`" "$ROOT/README.md"
done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
umask 077
sed "s|^state_dir = .*|state_dir = $work/state|; s|^private_key_file = .*|private_key_file = $work/key.pem|" "$example" > "$work/c.conf"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/key.pem" 2>/dev/null
out=$(AMAZON_LWA_CLIENT_SECRET=x-secret-value AMAZON_LWA_REFRESH_TOKEN=Atzr-value "$BUILD/bin/connector" -c "$work/c.conf" check-config 2>&1)
check "the example conf passes check-config ($out)" contains "$out" ": ok (marketplace amazon, erp netsuite"
finish
