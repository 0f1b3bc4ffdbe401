#!/usr/bin/env bash
# demo.sh BUILD_DIR: the README's first command. Starts the sandbox with
# demo data (Amazon orders in five marketplaces, a NetSuite account), runs
# `connector sync` against it twice, shows what NetSuite holds, stops.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
source "$(dirname "$0")/sandbox_env.sh"
trap sandbox_stop EXIT
sandbox_start --generate 60

conf="$ROOT/conf/sandbox.conf"
echo "== sandbox at $SANDBOX_URL; state in $CONNECTOR_STATE"
echo "== connector sync (first run)"
"$BUILD/connector" -c "$conf" sync
echo "== NetSuite now holds $(sandbox_count salesOrder) sales orders"
echo "== connector sync (second run: nothing changed on Amazon)"
"$BUILD/connector" -c "$conf" sync
order=$(curl -sf "$SANDBOX_URL/_sandbox/netsuite/records/salesOrder" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["otherRefNum"])')
echo "== connector status $order"
"$BUILD/connector" -c "$conf" status "$order"
