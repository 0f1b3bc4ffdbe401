"""sandbox_check.py: read both sides of the sandbox, for the end-to-end tests.

Amazon orders and NetSuite records are read through the sandbox's
inspection API, which neither needs auth nor counts against rate limits.
Amounts are compared as exact decimals (decimal.Decimal), never floats.

usage: python3 sandbox_check.py COMMAND [ARGS]   (SANDBOX_URL and the
SANDBOX_LWA_* variables set by sandbox_env.sh)
  match [SKIP_ID...] every Amazon order that is not pending has exactly one
                     NetSuite salesOrder whose total equals its grandTotal;
                     prints "N orders match" or the differences, exit 1
  count TYPE         number of stored NetSuite records of TYPE
  writes             the sandbox's count of NetSuite writes
  record EXTID       one salesOrder as JSON
  set-order ID JSON  merge JSON into Amazon order ID and store it back
  bump-line ID       ship order ID and add a unit to its first line; prints the new qty
"""
import decimal
import json
import os
import sys
import urllib.parse
import urllib.request

URL = os.environ["SANDBOX_URL"]


def get(path, headers=None):
    req = urllib.request.Request(URL + path, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def post(path, body, form=False, method="POST"):
    if form:
        data = urllib.parse.urlencode(body).encode()
        ctype = "application/x-www-form-urlencoded"
    else:
        data = json.dumps(body).encode()
        ctype = "application/json"
    req = urllib.request.Request(URL + path, data=data, method=method,
                                 headers={"Content-Type": ctype})
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def amazon_orders():
    """Every order the sandbox holds, with all data sets, read through its
    inspection API (no auth, no rate limit: tests must not spend the
    connector's searchOrders budget)."""
    return get("/_sandbox/amazon/orders")


def records(rtype):
    return get("/_sandbox/netsuite/records/" + rtype)


def bump_line(order_id):
    """Ship order_id and add one unit to its first line, totals kept exact."""
    order = next(o for o in amazon_orders() if o["orderId"] == order_id)
    item = order["orderItems"][0]
    unit = decimal.Decimal(item["product"]["price"]["unitPrice"]["amount"])

    def add(money):
        money["amount"] = str(decimal.Decimal(money["amount"]) + unit)

    item["quantityOrdered"] += 1
    for b in item["proceeds"]["breakdowns"]:
        if b["type"] == "ITEM":
            add(b["subtotal"])
    add(item["proceeds"]["proceedsTotal"])
    for b in order["proceeds"].get("breakdowns", []):
        if b["type"] == "ITEM":
            add(b["subtotal"])
    add(order["proceeds"]["grandTotal"])
    order["fulfillment"]["fulfillmentStatus"] = "SHIPPED"
    order.pop("lastUpdatedTime", None)
    post("/_sandbox/amazon/orders", {"orders": [order]})
    print(item["quantityOrdered"])


def match(skip=()):
    every = amazon_orders()
    orders = [o for o in every if o["orderId"] not in skip]
    recs = records("salesOrder")
    by_ext = {}
    for r in recs:
        by_ext.setdefault(r.get("externalId"), []).append(r)
    bad = []
    n = 0
    for o in orders:
        status = o.get("fulfillment", {}).get("fulfillmentStatus", "")
        if status in ("PENDING", "PENDING_AVAILABILITY"):
            continue
        ext = "AMZ-ORD-" + o["orderId"]
        got = by_ext.get(ext, [])
        if len(got) != 1:
            bad.append("%s: %d NetSuite records" % (o["orderId"], len(got)))
            continue
        want = decimal.Decimal(o["proceeds"]["grandTotal"]["amount"])
        have = decimal.Decimal(str(got[0].get("total")))
        if want != have:
            bad.append("%s: Amazon %s, NetSuite %s" % (o["orderId"], want, have))
        n += 1
    known = {"AMZ-ORD-" + o["orderId"] for o in every}
    extra = [e for e in by_ext if e not in known]
    if extra:
        bad.append("NetSuite records with no Amazon order: %s" % extra[:5])
    if bad:
        print("\n".join(bad[:20]))
        print("%d mismatches" % len(bad))
        return 1
    print("%d orders match" % n)
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "match":
        return match(set(argv[2:]))
    if cmd == "bump-line":
        bump_line(argv[2])
        return 0
    if cmd == "count":
        print(len(records(argv[2])))
    elif cmd == "writes":
        print(get("/_sandbox/stats").get("writes", 0))
    elif cmd == "record":
        for r in records("salesOrder"):
            if r.get("externalId") == argv[2]:
                print(json.dumps(r))
                return 0
        return 1
    elif cmd == "set-order":
        order = next(o for o in amazon_orders() if o["orderId"] == argv[2])
        order.update(json.loads(argv[3]))
        order.pop("lastUpdatedTime", None)
        post("/_sandbox/amazon/orders", {"orders": [order]})
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
