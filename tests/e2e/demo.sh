#!/usr/bin/env bash
# demo.sh BUILD_DIR: the README's first command. Starts the sandbox with demo
# data (63 Amazon orders in five marketplaces and currencies, one of them with
# a SKU NetSuite does not know, two refunds; a NetSuite account), then shows a
# day in the life: sync (orders, refunds as the example rules say, and a
# settlement report reconciled to the cent and posted as a journal), see
# what failed and why, map the SKU and replay that order, a run with nothing
# to do, a shipment entered in NetSuite confirmed to Amazon, one order's
# status with its refund. Stops the sandbox at the end.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
source "$(dirname "$0")/sandbox_env.sh"
trap sandbox_stop EXIT
sandbox_start --generate 60
conf="$WORK/connector.conf"
sed "s|^\[connector\]|[connector]\nlog_level = warn\nrefund_rules = $ROOT/conf/refund-rules.conf.example|" \
    "$ROOT/conf/sandbox.conf" > "$conf"
connector() { "$BUILD/bin/connector" -c "$conf" "$@"; }

echo "== sandbox at $SANDBOX_URL, state in $CONNECTOR_STATE"
echo
echo "== connector sync"
code=0; connector sync || code=$?
echo "(exit code $code)"
echo
echo "== connector failures"
connector failures
echo
bad=$(sandbox_seed_value amazon.orders.2.orderId)
echo "== NetSuite now holds $(sandbox_count salesOrder) sales orders; mapping the SKU and replaying the order"
printf '\n[sku_map]\nSKU-UNMAPPED-1 = SKU-0001\n' >> "$conf"
connector replay --order "$bad"
echo
echo "== connector sync (nothing changed on Amazon since)"
connector sync
echo
merchant=$(sandbox_seed_value amazon.orders.1.orderId)
echo "== the warehouse ships order $merchant in NetSuite (UPS, tracking 1Z999AA10123456784); connector sync"
curl -sf -X POST "$SANDBOX_URL/_sandbox/netsuite/fulfillment" \
  -d "{\"order\":\"$merchant\",\"shipMethod\":\"UPS Ground\",\"tracking\":\"1Z999AA10123456784\"}" > /dev/null
connector sync
echo "   Amazon received $(curl -sf "$SANDBOX_URL/_sandbox/amazon/shipments" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') shipment confirmation(s)"
echo
order=$(sandbox_seed_value amazon.orders.0.orderId 2>/dev/null || true)
[ -n "$order" ] || order=$(curl -sf "$SANDBOX_URL/_sandbox/netsuite/records/salesOrder" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["otherRefNum"])')
echo "== connector status $order"
connector status "$order"
echo
echo "== connector settlements"
connector settlements
echo
echo "== connector mapping explain $order"
connector mapping explain "$order"
echo
echo "== NetSuite holds $(sandbox_count salesOrder) sales orders, one per Amazon order, and $(sandbox_count customerRefund) customer refunds made from their invoices"
