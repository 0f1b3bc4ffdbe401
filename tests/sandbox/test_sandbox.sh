#!/usr/bin/env bash
# test_sandbox.sh BINARY: the sandbox's self-test, over loopback only.
#
# Starts connector-sandbox on port 0 with the demo seed, --generate 10 and a
# fresh RSA key, then checks each interface of README.md: LWA, searchOrders
# paging and validation, getOrder, includedData, faults, the rate limiter,
# NetSuite OAuth 2.0 (a PS256 JWT signed here with the openssl CLI), TBA
# (signed here with python's hmac, independently of the server's code),
# records, SuiteQL, the concurrency limit, stats, token expiry under
# --time-scale, and a clean SIGTERM with --state-dump.
# Expected values come from the seed and the README, never from the server.
# Last line: "N passed, N failed"; exit status non-zero on any failure.
set -u

BIN=${1:?usage: test_sandbox.sh path/to/connector-sandbox}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SEED=${SC_TESTDATA:-$ROOT/tests/data}/sandbox-seed.json
VECTORS=${SC_SHARED:-$ROOT/../shared}/specs/netsuite/oauth1-test-vectors.json
TMP=$(mktemp -d)
PID=
PID2=
PASS=0
FAIL=0

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	[ -n "$PID2" ] && kill "$PID2" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

check() {   # check NAME COMMAND...: one test line
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		PASS=$((PASS + 1))
		echo "ok   $name"
	else
		FAIL=$((FAIL + 1))
		echo "FAIL $name"
		echo "     status=$(cat "$TMP/status" 2>/dev/null) body=$(head -c 300 "$TMP/body" 2>/dev/null)"
	fi
}

# req METHOD URL [curl args]: status -> $TMP/status, body, headers; curl's exit -> $TMP/curlrc
req() {
	local m=$1 u=$2
	shift 2
	curl -s -X "$m" -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' "$@" "$u" >"$TMP/status" 2>/dev/null
	echo $? >"$TMP/curlrc"
}

status_is() { [ "$(cat "$TMP/status")" = "$1" ]; }
# js EXPR: EXPR (python, d = the JSON body) is true
js() { python3 -c 'import json,sys; from decimal import Decimal as D; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$TMP/body" "$1"; }
header_is() { grep -qi "^$1: $2"$'\r'"\?$" "$TMP/headers"; }
has_header() { grep -qi "^$1:" "$TMP/headers"; }
curlrc_is() { [ "$(cat "$TMP/curlrc")" = "$1" ]; }

start() {   # start OUTFILE ARGS...: run the sandbox, wait for its first line;
	# sets LAST_PID and LAST_PORT (empty when it did not come up)
	local out=$1
	shift
	"$BIN" --listen 127.0.0.1:0 --seed "$SEED" "$@" >"$out" 2>"$out.err" &
	LAST_PID=$!
	for _ in $(seq 1 200); do
		grep -q '^listening ' "$out" 2>/dev/null && break
		sleep 0.05
	done
	LAST_PORT=$(sed -n '1s/^listening 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$out")
}

# ---- start ----------------------------------------------------------------

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/key.pem" 2>/dev/null
openssl pkey -in "$TMP/key.pem" -pubout -out "$TMP/pub.pem" 2>/dev/null
start "$TMP/out" --generate 10 --netsuite-public-key "$TMP/pub.pem" --state-dump "$TMP/dump.json"
PID=$LAST_PID
PORT=$LAST_PORT
B=http://127.0.0.1:$PORT
check "the first stdout line is 'listening 127.0.0.1:PORT'" test -n "$PORT"
[ -n "$PORT" ] || { echo "$(cat "$TMP/out.err")"; echo "$PASS passed, $((FAIL)) failed"; exit 1; }

if [ -f "$VECTORS" ]; then
	check "the TBA verifier reproduces every oauth1 test vector" "$BIN" --check-tba-vectors "$VECTORS"
fi

# Seed values (demo fixtures, not secrets).
SEEDV() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$SEED" "$1"; }
LWA_ID=$(SEEDV 'd["auth"]["amazon"]["client_id"]')
LWA_SECRET=$(SEEDV 'd["auth"]["amazon"]["client_secret"]')
LWA_REFRESH=$(SEEDV 'd["auth"]["amazon"]["refresh_token"]')
NS_ACCOUNT=$(SEEDV 'd["auth"]["netsuite"]["account"]')
NS_CLIENT=$(SEEDV 'd["auth"]["netsuite"]["client_id"]')
NS_CERT=$(SEEDV 'd["auth"]["netsuite"]["certificate_id"]')
export NS_CK=$(SEEDV 'd["auth"]["netsuite"]["consumer_key"]')
export NS_CS=$(SEEDV 'd["auth"]["netsuite"]["consumer_secret"]')
export NS_TK=$(SEEDV 'd["auth"]["netsuite"]["token_id"]')
export NS_TS=$(SEEDV 'd["auth"]["netsuite"]["token_secret"]')
export NS_ACCOUNT

# ---- Amazon: LWA ----------------------------------------------------------

lwa() { req POST "$B/auth/o2/token" --data-urlencode grant_type=refresh_token \
	--data-urlencode "refresh_token=$1" --data-urlencode "client_id=$LWA_ID" \
	--data-urlencode "client_secret=$2"; }
lwa "$LWA_REFRESH" "$LWA_SECRET"
check "LWA answers 200 with a bearer Atza| token for 3600 s" \
	js 'd["token_type"]=="bearer" and d["expires_in"]==3600 and d["access_token"].startswith("Atza|")'
AMZ=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$TMP/body")
lwa "$LWA_REFRESH" "wrong-secret"
check "LWA with a wrong client secret is 400 invalid_client" \
	js 'd["error"]=="invalid_client" and d["error_description"]=="Client authentication failed"'
check "  ... with status 400" status_is 400

# ---- Amazon: searchOrders ------------------------------------------------------

MP=ATVPDKIKX0DER,A2EUQ1WTGCTBG2,A1F83G8C2ARO7P,A1PA6795UKMFR9,A1VC38T7YXB528
AFTER=$(date -u -d '-30 days' +%Y-%m-%dT%H:%M:%SZ)
Q="lastUpdatedAfter=$AFTER&marketplaceIds=$MP&maxResultsPerPage=4&includedData=PROCEEDS,BUYER"
req GET "$B/orders/2026-01-01/orders?$Q"
check "searchOrders without x-amz-access-token is 403 Unauthorized" \
	js 'd=={"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied."}]}'

# Page through everything with 4 per page.
: >"$TMP/ids"
TOKEN=
PAGES=0
PAGE_OK=1
while :; do
	if [ -n "$TOKEN" ]; then
		req GET "$B/orders/2026-01-01/orders?$Q" -G --data-urlencode "paginationToken=$TOKEN" -H "x-amz-access-token: $AMZ"
	else
		req GET "$B/orders/2026-01-01/orders?$Q" -H "x-amz-access-token: $AMZ"
	fi
	PAGES=$((PAGES + 1))
	status_is 200 || { PAGE_OK=0; break; }
	js 'len(d["orders"]) <= 4 and "lastUpdatedBefore" in d' || PAGE_OK=0
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for o in d["orders"]: print(o["lastUpdatedTime"], o["orderId"])' "$TMP/body" >>"$TMP/ids"
	[ $PAGES = 1 ] && cp "$TMP/body" "$TMP/page1.json" && cp "$TMP/headers" "$TMP/page1.headers"
	TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("pagination",{}).get("nextToken",""))' "$TMP/body")
	[ -z "$TOKEN" ] && break
	[ $PAGES -gt 10 ] && { PAGE_OK=0; break; }
	LASTTOKEN=$TOKEN
done
check "searchOrders pages of 4 return 200 with lastUpdatedBefore" test $PAGE_OK = 1
check "paging returns all 13 orders (3 seeded + 10 generated) in 4 pages" \
	test "$(wc -l <"$TMP/ids")" = 13 -a $PAGES = 4
check "every order comes once" test "$(cut -d' ' -f2 "$TMP/ids" | sort -u | wc -l)" = 13
check "orders come sorted by (lastUpdatedTime, orderId)" cmp -s "$TMP/ids" <(LC_ALL=C sort "$TMP/ids")
check "the seeded EUR, JPY and unmapped orders are among them" \
	bash -c "grep -q 302-4711001-0000001 '$TMP/ids' && grep -q 503-4711002-0000002 '$TMP/ids' && grep -q 111-4711003-0000003 '$TMP/ids'"
check "the last page has no pagination" js '"pagination" not in d'
cp "$TMP/page1.headers" "$TMP/headers"
check "a success carries x-amzn-RateLimit-Limit: 0.0056" header_is x-amzn-RateLimit-Limit 0.0056
check "a success carries x-amzn-RequestId" has_header x-amzn-RequestId
cp "$TMP/page1.json" "$TMP/body"
check "includedData=PROCEEDS,BUYER gives proceeds and buyer, not recipient" \
	js 'all("proceeds" in o and "buyer" in o and "recipient" not in o and "fulfillment" not in o for o in d["orders"])'

req GET "$B/orders/2026-01-01/orders?$Q" -G --data-urlencode "paginationToken=$LASTTOKEN" \
	--data-urlencode maxResultsPerPage=5 -H "x-amz-access-token: $AMZ"
check "a paginationToken with other parameters changed is 400 InvalidInput" \
	js 'd["errors"][0]["code"]=="InvalidInput"'
req GET "$B/orders/2026-01-01/orders?lastUpdatedAfter=$AFTER" -H "x-amz-access-token: $AMZ"
check "searchOrders without marketplaceIds is 400 InvalidInput" js 'd["errors"][0]["code"]=="InvalidInput"'
req GET "$B/orders/2026-01-01/orders?lastUpdatedAfter=$AFTER&createdAfter=$AFTER&marketplaceIds=$MP" -H "x-amz-access-token: $AMZ"
check "createdAfter and lastUpdatedAfter together is 400 InvalidInput" status_is 400
req GET "$B/orders/2026-01-01/orders?lastUpdatedAfter=$AFTER&marketplaceIds=$MP&maxResultsPerPage=101" -H "x-amz-access-token: $AMZ"
check "maxResultsPerPage=101 is 400 InvalidInput" status_is 400
req GET "$B/orders/2026-01-01/orders?lastUpdatedAfter=2026-13-45T00:00:00Z&marketplaceIds=$MP" -H "x-amz-access-token: $AMZ"
check "an impossible date is 400 InvalidInput" status_is 400

req GET "$B/orders/2026-01-01/orders?lastUpdatedAfter=$AFTER&marketplaceIds=$MP&includedData=PROCEEDS" -H "x-amz-access-token: $AMZ"
check "every grandTotal equals its breakdowns and its items' proceedsTotal, exactly" js '
all(D(o["proceeds"]["grandTotal"]["amount"]) == sum(D(b["subtotal"]["amount"]) for b in o["proceeds"]["breakdowns"])
    == sum(D(i["proceeds"]["proceedsTotal"]["amount"]) for i in o["orderItems"]) for o in d["orders"])'
check "JPY amounts have no decimals, the others exactly two" js '
all(("." not in b["subtotal"]["amount"]) if b["subtotal"]["currencyCode"]=="JPY" else len(b["subtotal"]["amount"].split(".")[1])==2
    for o in d["orders"] for b in o["proceeds"]["breakdowns"])'
check "generated orders use SKU-0001..SKU-0040 and are older than 1 h" python3 -c '
import json,sys,datetime
d=json.load(open(sys.argv[1])); now=datetime.datetime.now(datetime.timezone.utc)
gen=[o for o in d["orders"] if o["orderId"][0]=="9"]
ok=len(gen)==10 and all(i["product"]["sellerSku"] in ["SKU-%04d"%k for k in range(1,41)] for o in gen for i in o["orderItems"])
ok=ok and all(now-datetime.datetime.fromisoformat(o["lastUpdatedTime"].replace("Z","+00:00"))>datetime.timedelta(hours=1) for o in d["orders"])
sys.exit(0 if ok else 1)' "$TMP/body"

# ---- Amazon: getOrder and faults ------------------------------------------------------

req GET "$B/orders/2026-01-01/orders/503-4711002-0000002?includedData=PROCEEDS" -H "x-amz-access-token: $AMZ"
check "getOrder returns the JPY order with grandTotal 3778" \
	js 'd["order"]["orderId"]=="503-4711002-0000002" and d["order"]["proceeds"]["grandTotal"]=={"amount":"3778","currencyCode":"JPY"}'
check "getOrder carries x-amzn-RateLimit-Limit: 0.5" header_is x-amzn-RateLimit-Limit 0.5
req GET "$B/orders/2026-01-01/orders/999-0000000-0000000" -H "x-amz-access-token: $AMZ"
check "getOrder of an unknown order is 404 NotFound" \
	js 'd=={"errors":[{"code":"NotFound","message":"Order not found"}]}'

fault() { req POST "$B/_sandbox/faults" -H 'Content-Type: application/json' -d "$1"; }
fault '{"method":"GET","path":"/orders/2026-01-01/orders/*","count":1,"status":429,"retry_after":7,"action":"status"}'
check "a fault is accepted" status_is 201
req GET "$B/orders/2026-01-01/orders/503-4711002-0000002" -H "x-amz-access-token: $AMZ"
check "a scripted 429 answers QuotaExceeded" js 'd["errors"][0]["code"]=="QuotaExceeded"'
check "  ... with Retry-After: 7" header_is Retry-After 7
req GET "$B/orders/2026-01-01/orders/503-4711002-0000002" -H "x-amz-access-token: $AMZ"
check "the request after a count=1 fault succeeds" status_is 200

fault '{"path":"/orders/2026-01-01/orders/*","action":"drop","skip":1,"count":1}'
req GET "$B/orders/2026-01-01/orders/503-4711002-0000002" -H "x-amz-access-token: $AMZ"
check "skip=1 lets the first matching request pass" status_is 200
req GET "$B/orders/2026-01-01/orders/503-4711002-0000002" -H "x-amz-access-token: $AMZ"
check "a drop fault closes the connection without a response (curl 52)" curlrc_is 52
fault '{"path":"/orders/2026-01-01/orders/503-4711002-0000002","action":"truncate"}'
req GET "$B/orders/2026-01-01/orders/503-4711002-0000002" -H "x-amz-access-token: $AMZ"
check "a truncate fault sends less than Content-Length (curl 18)" curlrc_is 18
fault '{"path":"/orders/2026-01-01/orders/503-4711002-0000002","action":"malformed"}'
req GET "$B/orders/2026-01-01/orders/503-4711002-0000002" -H "x-amz-access-token: $AMZ"
check "a malformed fault answers 200 with a body that is not JSON" \
	bash -c "[ \"\$(cat '$TMP/status')\" = 200 ] && ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$TMP/body'"
fault '{"path":"/orders/2026-01-01/orders/503-4711002-0000002","action":"delay","delay_ms":400}'
T0=$(date +%s%N)
req GET "$B/orders/2026-01-01/orders/503-4711002-0000002" -H "x-amz-access-token: $AMZ"
T1=$(date +%s%N)
check "a delay fault answers normally after delay_ms" test "$(cat "$TMP/status")" = 200 -a $(((T1 - T0) / 1000000)) -ge 400
fault '{"path":"/orders/*","status":503}'
req DELETE "$B/_sandbox/faults"
req GET "$B/orders/2026-01-01/orders/503-4711002-0000002" -H "x-amz-access-token: $AMZ"
check "DELETE /_sandbox/faults clears pending faults" status_is 200

# The real limiter: searchOrders has a burst of 20 and refills at 0.0056/s.
N429=0
for _ in $(seq 1 21); do
	req GET "$B/orders/2026-01-01/orders?lastUpdatedAfter=$AFTER&marketplaceIds=$MP" -H "x-amz-access-token: $AMZ"
	status_is 429 && { N429=1; break; }
done
check "searchOrders past its burst of 20 is 429 QuotaExceeded" js 'd["errors"][0]["code"]=="QuotaExceeded"'
check "  ... without x-amzn-RateLimit-Limit" bash -c "! grep -qi '^x-amzn-RateLimit-Limit' '$TMP/headers'"

# ---- NetSuite: OAuth 2.0 ----------------------------------------------------------------

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
jwt() {   # jwt KID ISS AUD [EXP_OFFSET]
	local now hdr pl
	now=$(date +%s)
	hdr=$(printf '{"alg":"PS256","typ":"JWT","kid":"%s"}' "$1" | b64url)
	pl=$(printf '{"iss":"%s","scope":["restlets","rest_webservices"],"aud":"%s","iat":%d,"exp":%d}' \
		"$2" "$3" "$now" $((now + ${4:-3600})) | b64url)
	printf '%s.%s' "$hdr" "$pl" >"$TMP/jwt.in"
	printf '%s.%s.%s' "$hdr" "$pl" "$(openssl dgst -sha256 -sigopt rsa_padding_mode:pss \
		-sigopt rsa_pss_saltlen:digest -sign "$TMP/key.pem" "$TMP/jwt.in" | b64url)"
}
nstoken() { req POST "$B/services/rest/auth/oauth2/v1/token" --data-urlencode grant_type=client_credentials \
	--data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
	--data-urlencode "client_assertion=$1"; }
AUD="$B/services/rest/auth/oauth2/v1/token"
nstoken "$(jwt "$NS_CERT" "$NS_CLIENT" "$AUD")"
check "a PS256 client assertion gets a bearer token, expires_in \"3600\"" \
	js 'd["token_type"]=="bearer" and d["expires_in"]=="3600" and len(d["access_token"])>20'
NSB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$TMP/body")
nstoken "$(jwt "$NS_CERT" "$NS_CLIENT" "http://example.com/services/rest/auth/oauth2/v1/token")"
check "an assertion for another aud is 400 invalid_grant" js 'd["error"]=="invalid_grant"'
nstoken "$(jwt "not-the-certificate" "$NS_CLIENT" "$AUD")"
check "an assertion with an unknown kid is 400 invalid_client" js 'd["error"]=="invalid_client"'
nstoken "$(jwt "$NS_CERT" "$NS_CLIENT" "$AUD" 7200)"
check "exp more than 3600 s after iat is refused" status_is 400
T=$(jwt "$NS_CERT" "$NS_CLIENT" "$AUD")
nstoken "${T%?}$( [ "${T: -1}" = A ] && echo B || echo A)"
check "a tampered signature is refused" status_is 400

req GET "$B/services/rest/record/v1/customer/77" -H "Authorization: Bearer $NSB"
check "the bearer token reads customer 77" js 'd["id"]=="77" and d["entityId"]=="Amazon Marketplace"'
req GET "$B/services/rest/record/v1/customer/77"
check "no Authorization is 401 INVALID_LOGIN" \
	js 'd["status"]==401 and d["title"]=="Unauthorized" and d["o:errorDetails"][0]["o:errorCode"]=="INVALID_LOGIN"'

# ---- NetSuite: TBA, signed here -----------------------------------------------------------

# tba METHOD URL [NONCE [SECRET]]: the Authorization header, RFC 5849 with HMAC-SHA256.
tba() {
	python3 - "$@" <<'PY'
import base64, hashlib, hmac, os, sys, time, urllib.parse as up
method, url = sys.argv[1], sys.argv[2]
nonce = sys.argv[3] if len(sys.argv) > 3 else base64.b16encode(os.urandom(10)).decode()
cs = sys.argv[4] if len(sys.argv) > 4 else os.environ["NS_CS"]
q = lambda s: up.quote(s, safe="-._~")
u = up.urlsplit(url)
oauth = {"oauth_consumer_key": os.environ["NS_CK"], "oauth_token": os.environ["NS_TK"],
         "oauth_signature_method": "HMAC-SHA256", "oauth_timestamp": str(int(time.time())),
         "oauth_nonce": nonce, "oauth_version": "1.0"}
params = list(oauth.items()) + up.parse_qsl(u.query, keep_blank_values=True)
norm = "&".join("%s=%s" % kv for kv in sorted((q(k), q(v)) for k, v in params))
base = "&".join([method.upper(), q("%s://%s%s" % (u.scheme, u.netloc.lower(), u.path)), q(norm)])
key = q(cs) + "&" + q(os.environ["NS_TS"])
sig = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()
print('OAuth realm="%s", ' % os.environ["NS_ACCOUNT"] +
      ", ".join('%s="%s"' % (k, q(v)) for k, v in list(oauth.items()) + [("oauth_signature", sig)]))
PY
}
QL="$B/services/rest/query/v1/suiteql?limit=1000&offset=0"
AUTHZ=$(tba POST "$QL" nonce-fixed-0001)
req POST "$QL" -H "Authorization: $AUTHZ" -H 'Prefer: transient' -H 'Content-Type: application/json' \
	-d "{\"q\":\"select ID, itemid from ITEM where itemid in ('SKU-0001', 'SKU-0040', 'NOPE')\"}"
check "a TBA-signed SuiteQL item lookup returns the two known SKUs" \
	js 'sorted((i["itemid"],i["id"]) for i in d["items"])==[("SKU-0001","501"),("SKU-0040","540")] and d["count"]==2 and d["hasMore"]==False and d["totalResults"]==2'
req POST "$QL" -H "Authorization: $AUTHZ" -H 'Prefer: transient' -H 'Content-Type: application/json' \
	-d '{"q":"SELECT id, symbol FROM currency"}'
check "the same nonce twice is 401 INVALID_LOGIN" js 'd["o:errorDetails"][0]["o:errorCode"]=="INVALID_LOGIN"'
req POST "$QL" -H "Authorization: $(tba POST "$QL" "" wrong-consumer-secret)" -H 'Prefer: transient' \
	-H 'Content-Type: application/json' -d '{"q":"SELECT id, symbol FROM currency"}'
check "a signature made with the wrong secret is 401" status_is 401
req POST "$QL" -H "Authorization: $(tba POST "$B/services/rest/query/v1/suiteql?limit=5&offset=0")" \
	-H 'Prefer: transient' -H 'Content-Type: application/json' -d '{"q":"SELECT id, symbol FROM currency"}'
check "query parameters are signed (signed limit=5, sent limit=1000: 401)" status_is 401
QL2="$B/services/rest/query/v1/suiteql?limit=2&offset=0"
req POST "$QL2" -H "Authorization: $(tba POST "$QL2")" -H 'Prefer: transient' \
	-H 'Content-Type: application/json' -d '{"q":"SELECT id, symbol FROM currency"}'
check "SuiteQL currency, limit=2: 2 of 5 rows and hasMore" \
	js 'd["count"]==2 and d["hasMore"]==True and d["totalResults"]==5 and d["items"][0]["links"]==[]'
req POST "$QL" -H "Authorization: Bearer $NSB" -H 'Content-Type: application/json' -d '{"q":"SELECT id, symbol FROM currency"}'
check "SuiteQL without Prefer: transient is 400" status_is 400

# ---- NetSuite: records ------------------------------------------------------------------------

SO='{"externalId":"AMZ-ORD-302-4711001-0000001","entity":{"id":"77"},"tranDate":"2026-11-20","currency":{"id":"4"},"memo":"Amazon 302-4711001-0000001","item":{"items":[{"item":{"id":"501"},"quantity":2,"rate":19.99,"amount":39.98},{"item":{"id":"502"},"quantity":1,"rate":12.5,"amount":12.50},{"item":{"id":"9001"},"quantity":1,"amount":4.49},{"item":{"id":"9002"},"quantity":1,"amount":-4.00}]}}'
EID="$B/services/rest/record/v1/salesOrder/eid:AMZ-ORD-302-4711001-0000001"
req PUT "$EID" -H "Authorization: Bearer $NSB" -H 'Content-Type: application/json' -d "$SO"
check "PUT eid: creates a salesOrder: 204" status_is 204
LOC1=$(grep -i '^Location:' "$TMP/headers" | tr -d '\r' | cut -d' ' -f2)
check "  ... with Location http://127.0.0.1:PORT/services/rest/record/v1/salesOrder/ID" \
	bash -c "[[ '$LOC1' =~ ^$B/services/rest/record/v1/salesOrder/[0-9]+$ ]]"
req PUT "$EID" -H "Authorization: Bearer $NSB" -H 'Content-Type: application/json' -d "$SO"
LOC2=$(grep -i '^Location:' "$TMP/headers" | tr -d '\r' | cut -d' ' -f2)
check "the same PUT again answers the same Location" test "$(cat "$TMP/status")" = 204 -a "$LOC1" = "$LOC2"
req GET "$B/_sandbox/netsuite/records/salesOrder"
check "two upserts leave one record" js 'len([r for r in d if r["externalId"]=="AMZ-ORD-302-4711001-0000001"])==1'
req GET "$EID" -H "Authorization: Bearer $NSB"
check "GET eid: total is 39.98+12.50+4.49-4.00 = 52.97 exactly, sublist as links" \
	js 'str(d["total"])=="52.97" and "items" not in d["item"] and d["item"]["links"][0]["rel"]=="self" and d["entity"]["id"]=="77" and "lastModifiedDate" in d'
req GET "$LOC1?expandSubResources=true" -H "Authorization: Bearer $NSB"
check "GET by id with expandSubResources=true has the 4 lines" \
	js 'len(d["item"]["items"])==4 and d["externalId"]=="AMZ-ORD-302-4711001-0000001"'
BAD=$(echo "$SO" | sed 's/"id":"502"/"id":"999"/')
req PUT "$B/services/rest/record/v1/salesOrder/eid:AMZ-ORD-BAD" -H "Authorization: Bearer $NSB" \
	-H 'Content-Type: application/json' -d "$BAD"
check "an unknown item is 400 INVALID_KEY_OR_REF at item.items[1].item" \
	js 'd["status"]==400 and d["o:errorDetails"][0]=={"detail":"Invalid Field Value 999 for the following field: item","o:errorCode":"INVALID_KEY_OR_REF","o:errorPath":"item.items[1].item"}'
req PUT "$B/services/rest/record/v1/salesOrder/eid:AMZ-ORD-BAD2" -H "Authorization: Bearer $NSB" \
	-H 'Content-Type: application/json' -d "$(echo "$SO" | sed 's/"id":"77"/"id":"78"/')"
check "an unknown entity is 400 INVALID_KEY_OR_REF at entity" js 'd["o:errorDetails"][0]["o:errorPath"]=="entity"'
req POST "$B/services/rest/record/v1/salesOrder" -H "Authorization: Bearer $NSB" -H 'Content-Type: application/json' -d "$SO"
check "POST with an existing externalId is 400 DUP_RCRD" js 'd["o:errorDetails"][0]["o:errorCode"]=="DUP_RCRD"'
req GET "$B/services/rest/record/v1/salesOrder/eid:NO-SUCH" -H "Authorization: Bearer $NSB"
check "GET of an unknown eid is 404 NONEXISTENT_ID" js 'd["o:errorDetails"][0]["o:errorCode"]=="NONEXISTENT_ID"'
req POST "$QL" -H "Authorization: Bearer $NSB" -H 'Prefer: transient' -H 'Content-Type: application/json' \
	-d "{\"q\":\"SELECT id, externalid, type FROM transaction WHERE externalid IN ('AMZ-ORD-302-4711001-0000001')\"}"
check "SuiteQL finds the transaction by externalid" \
	js 'len(d["items"])==1 and d["items"][0]["type"]=="SalesOrd" and "'"$LOC1"'".endswith("/"+d["items"][0]["id"])'

# ---- NetSuite: concurrency --------------------------------------------------------------------

fault '{"path":"/services/rest/record/v1/customer/77","action":"delay","delay_ms":700,"count":8}'
for i in $(seq 1 8); do
	curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $NSB" \
		"$B/services/rest/record/v1/customer/77" >"$TMP/conc.$i" &
done
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null
sleep 0.2
check "8 simultaneous requests with a limit of 5: 5 served, 3 refused with 429" \
	test "$(cat "$TMP"/conc.* | grep -c 200)" = 5 -a "$(cat "$TMP"/conc.* | grep -c 429)" = 3
req DELETE "$B/_sandbox/faults"

req GET "$B/_sandbox/stats"
check "stats count requests, throttles, writes and max_in_flight" \
	js 'd["requests"]["searchOrders"]>=20 and d["throttled"]["searchOrders"]>=1 and d["throttled"]["recordGet"]==3 and d["max_in_flight"]==5 and d["writes"]==2 and d["in_flight"]==0'

# ---- a second instance: --time-scale and --limits off ------------------------------------------

start "$TMP/out2" --time-scale 3600 --limits off
PID2=$LAST_PID
PORT2=$LAST_PORT
B2=http://127.0.0.1:$PORT2
req POST "$B2/auth/o2/token" --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$LWA_REFRESH" \
	--data-urlencode "client_id=$LWA_ID" --data-urlencode "client_secret=$LWA_SECRET"
AMZ2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$TMP/body")
OK=1
for _ in $(seq 1 25); do
	req GET "$B2/orders/2026-01-01/orders?lastUpdatedAfter=$AFTER&marketplaceIds=$MP" -H "x-amz-access-token: $AMZ2"
	status_is 200 || OK=0
done
check "--limits off: 25 searchOrders in a row all succeed" test $OK = 1
sleep 1.3
req GET "$B2/orders/2026-01-01/orders/503-4711002-0000002" -H "x-amz-access-token: $AMZ2"
check "--time-scale 3600: an LWA token expires after 1 s" status_is 403
kill "$PID2"
wait "$PID2" 2>/dev/null
PID2=

# ---- shutdown ---------------------------------------------------------------------------------------

kill -TERM "$PID"
wait "$PID"
RC=$?
PID=
check "SIGTERM stops the sandbox with status 0 (no leaks under ASan)" test $RC = 0
check "--state-dump writes the stored records" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if [r["externalId"] for r in d["netsuite"]["records"]["salesOrder"]]==["AMZ-ORD-302-4711001-0000001"] else 1)' "$TMP/dump.json"
if grep -q -e "$LWA_SECRET" -e "$NS_CS" -e "$NS_TS" "$TMP/out.err"; then LEAK=1; else LEAK=0; fi
check "no seeded secret appears in the sandbox's log" test $LEAK = 0

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
