#!/usr/bin/env bash
# settlements.sh BUILD_DIR: settlement reports reconciled to the cent, end to
# end (issue "Settlement reports"):
#  - a V2 settlement with orders, refunds, fees, a reserve and a
#    reimbursement reconciles to zero; `settle --file --json` prints exactly
#    the documented object;
#  - the same with one amount changed by one cent is unbalanced by exactly
#    0.01 and nothing is posted;
#  - EU (1.234,56; DD.MM.YYYY) and JPY files reconcile; a truncated last
#    line, a missing column, a non-numeric amount, mixed currencies are
#    rejected with the line and why (exit 1); an XML file with an external
#    entity or a DTD is rejected, never fetched;
#  - through `sync` against the sandbox: the settlement report is fetched,
#    reconciled and posted as one journal entry whose lines sum to zero and
#    whose bank line equals the deposit; one that contains an order that
#    failed waits, and posts once the order is fixed, never twice.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
source "$(dirname "$0")/sandbox_env.sh"
source "$(dirname "$0")/lib.sh"
trap sandbox_stop EXIT
DATA="$ROOT/tests/data/settlement"
C="$BUILD/bin/connector"
tmp=$(mktemp -d); trap 'sandbox_stop; rm -rf "$tmp"' EXIT

echo "== settle --file, no conf"
out=$("$C" settle --file "$DATA/v2_usd.tsv" --json 2>&1); code=$?
check "a hand-built USD settlement reconciles: balance 0.00" python3 -c "
import json,sys; d=json.loads(sys.argv[1]); sys.exit(not (d['balance']=='0.00'))" "$out"
check "the JSON object has exactly the documented keys" python3 -c "
import json,sys; d=json.loads(sys.argv[1])
want={'settlement_id','currency','start_date','end_date','deposit_date','total_amount','totals','balance','status','missing_orders','lines'}
sys.exit(not (set(d)==want and set(d['totals'])=={'charges','refunds','fees','adjustments'}))" "$out"
check "with a fresh state every order is missing: waiting_for_orders, sorted" python3 -c "
import json,sys; d=json.loads(sys.argv[1]); m=d['missing_orders']
sys.exit(not (d['status']=='waiting_for_orders' and m==sorted(m) and len(m)>0))" "$out"
check "totals add up to the deposit" python3 -c "
import json,sys,decimal as D; d=json.loads(sys.argv[1]); t=d['totals']
sys.exit(not (sum(D.Decimal(t[k]) for k in t)==D.Decimal(d['total_amount'])))" "$out"

total=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['total_amount'])" "$out")
python3 - "$DATA/v2_usd.tsv" "$tmp/cent.tsv" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
hdr = lines[0].split("\t"); ai = hdr.index("amount")
for i in range(2, len(lines)):
    f = lines[i].split("\t")
    if len(f) > ai and f[ai]:
        from decimal import Decimal
        f[ai] = str(Decimal(f[ai]) + Decimal("0.01")); lines[i] = "\t".join(f); break
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(lines))
PY
out=$("$C" settle --file "$tmp/cent.tsv" --json 2>&1); code=$?
check "one cent more: unbalanced with a balance of exactly 0.01, exit 2" python3 -c "
import json,sys; d=json.loads(sys.argv[1]); sys.exit(not (d['status']=='unbalanced' and d['balance']=='0.01'))" "$out"
check "one cent more: exit 2" [ "$code" = 2 ]

for f in v2_eur_de.tsv v2_jpy.tsv v2_bom_crlf.tsv xml_usd.xml; do
  out=$("$C" settle --file "$DATA/$f" --json 2>&1)
  check "$f reconciles (balance zero)" python3 -c "
import json,sys,decimal as D; d=json.loads(sys.argv[1]); sys.exit(D.Decimal(d['balance'])!=0)" "$out"
done
out=$("$C" settle --file "$DATA/v2_jpy.tsv" --json 2>&1)
check "JPY amounts have no decimals" python3 -c "
import json,sys; d=json.loads(sys.argv[1]); sys.exit('.' in d['total_amount'])" "$out"

reject() {   # reject NAME FILE TEXT
  local err code=0
  err=$("$C" settle --file "$2" 2>&1 >/dev/null) || code=$?
  check "$1: rejected, exit 1" [ "$code" = 1 ]
  check "$1: stderr says '$3'" contains "$err" "$3"
  echo "     $err" | head -2
}
python3 - "$DATA/v2_usd.tsv" "$tmp" <<'PY'
import sys
src, out = sys.argv[1], sys.argv[2]
t = open(src, encoding="utf-8").read().rstrip("\n")
lines = t.split("\n"); hdr = lines[0].split("\t")
# a truncated last line: cut inside its fields, no newline
last = lines[-1].split("\t")
open(out + "/truncated.tsv", "w").write("\n".join(lines[:-1] + ["\t".join(last[:5])]))
# a missing column
i = hdr.index("amount-type")
open(out + "/missing_col.tsv", "w").write("\n".join("\t".join(l.split("\t")[:i] + l.split("\t")[i+1:]) for l in lines) + "\n")
# a non-numeric amount on line 4
ai = hdr.index("amount"); l4 = lines[3].split("\t"); l4[ai] = "12,3,4"; lines2 = lines[:]; lines2[3] = "\t".join(l4)
open(out + "/nonnum.tsv", "w").write("\n".join(lines2) + "\n")
# mixed currencies: a detail row in EUR
ci = hdr.index("currency"); l5 = lines[4].split("\t"); l5[ci] = "EUR"; lines3 = lines[:]; lines3[4] = "\t".join(l5)
open(out + "/mixed.tsv", "w").write("\n".join(lines3) + "\n")
PY
reject "a truncated last line" "$tmp/truncated.tsv" "line $(wc -l < "$tmp/truncated.tsv" | awk '{print $1+1}')"
reject "a missing column" "$tmp/missing_col.tsv" "amount-type"
reject "a non-numeric amount" "$tmp/nonnum.tsv" "line 4"
reject "mixed currencies" "$tmp/mixed.tsv" "line 5"
cat > "$tmp/xxe.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE AmazonEnvelope [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<AmazonEnvelope><Message><SettlementReport><SettlementData><AmazonSettlementID>&x;</AmazonSettlementID></SettlementData></SettlementReport></Message></AmazonEnvelope>
XML
err=$("$C" settle --file "$tmp/xxe.xml" 2>&1); code=$?
check "an XML file with an external entity is rejected" [ "$code" = 1 ]
check "and nothing of the entity's target was read" bash -c "! grep -q 'root:' <<<'$err'"

echo "== through sync against the sandbox"
sandbox_start --time-scale 60 || exit 1
conf="$tmp/connector.conf"
sed -e 's/^\[connector\]/[connector]\ntime_scale = 60/' "$ROOT/conf/sandbox.conf" > "$conf"
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^(orders|settlements)"
run_connector sout scode -c "$conf" settlements --json
check "the sandbox's settlement report was fetched and posted" python3 -c "
import json,sys; d=json.loads(sys.argv[1]); sys.exit(not (d and all(x['status']=='posted' for x in d)))" "$sout"
je=$(curl -sf "$SANDBOX_URL/_sandbox/netsuite/records/journalEntry")
check "one journal entry per settlement, under AMZ-STL-{id}" python3 -c "
import json,sys; j=json.loads(sys.argv[1]); s=json.loads(sys.argv[2])
ids={'AMZ-STL-'+x['settlement_id'] for x in s}
sys.exit(not (len(j)==len(s) and {x['externalId'] for x in j}==ids))" "$je" "$sout"
check "its lines sum to zero and the bank line equals the deposit" python3 -c "
import json,sys,decimal as D; j=json.loads(sys.argv[1])[0]; s=json.loads(sys.argv[2])[0]
lines=j['line']['items']
dr=sum(D.Decimal(str(l.get('debit',0))) for l in lines); cr=sum(D.Decimal(str(l.get('credit',0))) for l in lines)
dep=D.Decimal(s['total_amount'])
sys.exit(not (dr==cr and any(D.Decimal(str(l.get('debit',0)))==dep or D.Decimal(str(l.get('credit',0)))==-dep for l in lines)))" "$je" "$sout"
writes=$($CHECK writes)
run_connector out code -c "$conf" sync
check "a second sync posts nothing again" [ "$($CHECK writes)" = "$writes" ]

echo "== a settlement with an order that failed waits, then posts once it is fixed"
bad=$(sandbox_seed_value amazon.orders.2.orderId)      # its SKU is unknown to NetSuite
python3 - "$bad" <<'PY' | curl -sf -X POST "$SANDBOX_URL/_sandbox/amazon/settlement-reports" -d @- > /dev/null
import json, sys
oid = sys.argv[1]
cols = ["settlement-id","settlement-start-date","settlement-end-date","deposit-date","total-amount",
        "currency","transaction-type","order-id","merchant-order-id","adjustment-id","shipment-id",
        "marketplace-name","amount-type","amount-description","amount","fulfillment-id","posted-date",
        "posted-date-time","order-item-code","merchant-order-item-id","merchant-adjustment-item-id",
        "sku","quantity-purchased","promotion-id"]
def row(**kv):
    return "\t".join(kv.get(c.replace("-", "_"), "") for c in cols)
rows = ["\t".join(cols),
        row(settlement_id="55500011122", settlement_start_date="2026-11-06 00:00:00 UTC",
            settlement_end_date="2026-11-20 00:00:00 UTC", deposit_date="2026-11-22 00:00:00 UTC",
            total_amount="19.74", currency="USD"),
        row(transaction_type="Order", order_id=oid, marketplace_name="Amazon.com",
            amount_type="ItemPrice", amount_description="Principal", amount="27.05",
            posted_date="11/10/26", sku="SKU-UNMAPPED-1", quantity_purchased="1"),
        row(transaction_type="Order", order_id=oid, marketplace_name="Amazon.com",
            amount_type="ItemFees", amount_description="Commission", amount="-4.06",
            posted_date="11/10/26", sku="SKU-UNMAPPED-1"),
        # a partial refund, its returned commission
        row(transaction_type="Refund", order_id=oid, adjustment_id="amzn1.adj.1",
            marketplace_name="Amazon.com", amount_type="ItemPrice",
            amount_description="Principal", amount="-5.00", posted_date="11/12/26",
            sku="SKU-UNMAPPED-1"),
        row(transaction_type="Refund", order_id=oid, adjustment_id="amzn1.adj.1",
            marketplace_name="Amazon.com", amount_type="ItemFees",
            amount_description="RefundCommission", amount="0.75", posted_date="11/12/26",
            sku="SKU-UNMAPPED-1"),
        # the reserve held back and released, a reimbursement
        row(transaction_type="other-transaction", amount_type="other-transaction",
            amount_description="Current Reserve Amount", amount="-10.00", posted_date="11/20/26"),
        row(transaction_type="other-transaction", amount_type="other-transaction",
            amount_description="Previous Reserve Amount Balance", amount="8.00",
            posted_date="11/06/26"),
        row(transaction_type="other-transaction", amount_type="other-transaction",
            amount_description="REVERSAL_REIMBURSEMENT", amount="3.00", posted_date="11/15/26",
            sku="SKU-UNMAPPED-1")]
print(json.dumps({"reports": [{"reportId": "60000000001", "createdTime": "2026-11-21T10:00:00Z",
      "dataStartTime": "2026-11-06T00:00:00Z", "dataEndTime": "2026-11-20T00:00:00Z",
      "content": "\n".join(rows) + "\n"}]}))
PY
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^settlements"
run_connector sout scode -c "$conf" settlements --json
check "the settlement waits for the failed order" python3 -c "
import json,sys; d={x['settlement_id']:x for x in json.loads(sys.argv[1])}
x=d.get('55500011122'); sys.exit(not (x and x['status']=='waiting_for_orders' and x['missing_orders']==[sys.argv[2]]))" "$sout" "$bad"
check "nothing was posted for it" [ "$(curl -sf "$SANDBOX_URL/_sandbox/netsuite/records/journalEntry" | python3 -c 'import json,sys; print(sum(1 for j in json.load(sys.stdin) if j["externalId"]=="AMZ-STL-55500011122"))')" = 0 ]
printf '\n[sku_map]\nSKU-UNMAPPED-1 = SKU-0001\n' >> "$conf"
run_connector out code -c "$conf" sync
echo "$out" | grep -E "^(orders|settlements)"
run_connector sout scode -c "$conf" settlements --json
check "once the order syncs, the settlement posts in the same run" python3 -c "
import json,sys; d={x['settlement_id']:x for x in json.loads(sys.argv[1])}
sys.exit(not (d['55500011122']['status']=='posted'))" "$sout"
for i in 1 2; do "$BUILD/bin/connector" -c "$conf" sync > /dev/null 2>&1; done
check "it is posted exactly once" [ "$(curl -sf "$SANDBOX_URL/_sandbox/netsuite/records/journalEntry" | python3 -c 'import json,sys; print(sum(1 for j in json.load(sys.stdin) if j["externalId"]=="AMZ-STL-55500011122"))')" = 1 ]
je=$(curl -sf "$SANDBOX_URL/_sandbox/netsuite/records/journalEntry")
check "with orders, a refund, fees, a reserve and a reimbursement: lines sum to zero, the bank line is the deposit 19.74" python3 -c "
import json,sys,decimal as D
j=[x for x in json.loads(sys.argv[1]) if x['externalId']=='AMZ-STL-55500011122'][0]
lines=j['line']['items']
dr=sum(D.Decimal(str(l.get('debit',0))) for l in lines); cr=sum(D.Decimal(str(l.get('credit',0))) for l in lines)
bank=[l for l in lines if str(l['account'].get('id'))=='115']
sys.exit(not (dr==cr and len(bank)==1 and D.Decimal(str(bank[0].get('debit',0)))==D.Decimal('19.74')))" "$je"
run_connector sout scode -c "$conf" settlements --json
check "its totals: charges 27.05, refunds -5.00, fees -3.31, adjustments 1.00" python3 -c "
import json,sys; d={x['settlement_id']:x for x in json.loads(sys.argv[1])}['55500011122']['totals']
sys.exit(not (d=={'charges':'27.05','refunds':'-5.00','fees':'-3.31','adjustments':'1.00'}))" "$sout"
finish
