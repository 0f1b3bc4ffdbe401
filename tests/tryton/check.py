"""check.py: read (and poke) a real Tryton through its own JSON-RPC, for
tests/e2e/tryton.sh. Standard library only; amounts as decimal.Decimal.

usage: python3 check.py COMMAND [ARGS]   (TRYTON_URL, TRYTON_DATABASE,
TRYTON_PASSWORD set by tryton.sh; SANDBOX_URL for the Amazon side)
  wait                    until the server answers common.server.version (30 s)
  fiscalyear close|reopen the fiscal year of today (reopen: and its periods)
  sales-match SKIP_ID...  every Amazon order but the SKIP_IDs has exactly one
                          confirmed sale: reference = the order id, a party
                          AMZ-CUS-... named as the buyer, at the ship-to
                          city, the products (SKU = code) and quantities of
                          the order's lines, total_amount = grandTotal
                          exactly, its invoice posted; no other sales
  sale-count ORDER_ID     number of sales whose reference is ORDER_ID
  sale-count-all          number of sales
  fingerprint             counts and newest create/write dates of what the
                          connector writes (equal fingerprints: nothing written)
  credit ORDER_ID AMOUNT  exactly one customer credit note of the connector
                          for the order, posted, total -AMOUNT, every line's
                          origin a line of the sale's invoice; prints its id
  statement NAME DEPOSIT [order:ID=AMOUNT | unpaid:ID=AMOUNT | CATEGORY=AMOUNT]...
                          exactly one statement NAME, posted, end balance and
                          the sum of its lines = DEPOSIT; with the expected
                          lines given, exactly those: per order ID one line
                          "order ID" of AMOUNT whose party is the party of the
                          order's sale, on that party's receivable, paying the
                          sale's invoice (AMOUNT > 0) or the connector's credit
                          note of the order (AMOUNT < 0), now paid; unpaid:
                          the same line paying no invoice (the sale's stays
                          posted, not paid); per CATEGORY one line
                          "CATEGORY" of AMOUNT; prints its lines
  wizard-credit ORDER_ID  a person credits one unit of the first line of the
                          order's invoice with Tryton's credit wizard, posts
                          it; prints the amount credited
  ship ORDER_ID REFERENCE the warehouse ships the order's sale as a person does
                          in Tryton's client: its customer shipment (waiting)
                          back to draft, REFERENCE typed into its Reference,
                          then wait, assign (forced: no stock is kept), pick,
                          pack, done; prints the shipment's id
  cancel-shipment ORDER_ID
                          a person cancels the sale's customer shipment and
                          handles the sale's shipment exception ignoring every
                          cancelled move (nothing recreated); prints the
                          sale's id
Exit 1 with the differences when a check does not hold.
"""
import base64
import decimal
import json
import os
import sys
import time
import urllib.error
import urllib.request

D = decimal.Decimal
URL = os.environ.get("TRYTON_URL", "").rstrip("/")
DB = os.environ.get("TRYTON_DATABASE", "")


class Tryton:
    def __init__(self):
        self.id = 0
        self.auth = None
        self.ctx = {}
        uid, session = self.call("common.db.login",
                                 ["admin", {"password": os.environ["TRYTON_PASSWORD"]}, "en"],
                                 ctx=False)
        self.auth = "Session " + base64.b64encode(
            ("admin:%d:%s" % (uid, session)).encode()).decode()
        self.ctx = self.call("model.res.user.get_preferences", [True, {}], ctx=False)

    def call(self, method, params, ctx=True, extra=None):
        self.id += 1
        c = dict(self.ctx, **(extra or {}))
        body = {"id": self.id, "method": method, "params": params + ([c] if ctx else [])}
        headers = {"Content-Type": "application/json"}
        if self.auth:
            headers["Authorization"] = self.auth
        req = urllib.request.Request(URL + "/" + DB + "/", data=json.dumps(body).encode(),
                                     headers=headers)
        with urllib.request.urlopen(req, timeout=60) as r:
            d = json.load(r, parse_float=D)
        if d.get("error"):
            raise RuntimeError("Tryton %s: %s" % (method, json.dumps(d["error"])[:400]))
        return d["result"]

    def search_read(self, model, domain, fields, order=None):
        return self.call("model.%s.search_read" % model,
                         [domain, 0, None, order or [["id", "ASC"]], fields])

    def read(self, model, ids, fields):
        return self.call("model.%s.read" % model, [ids, fields])


def dec(v):
    if isinstance(v, dict) and v.get("__class__") == "Decimal":
        return D(v["decimal"])
    return D(str(v))


def today():
    t = time.gmtime()
    return {"__class__": "date", "year": t.tm_year, "month": t.tm_mon, "day": t.tm_mday}


def amazon_orders():
    with urllib.request.urlopen(os.environ["SANDBOX_URL"] + "/_sandbox/amazon/orders",
                                timeout=30) as r:
        return json.load(r)


def fail(problems):
    for p in problems[:20]:
        print(p)
    if len(problems) > 20:
        print("... and %d more" % (len(problems) - 20))
    sys.exit(1)


def cmd_wait():
    for _ in range(300):
        try:
            req = urllib.request.Request(URL + "/", data=json.dumps(
                {"id": 0, "method": "common.server.version", "params": []}).encode(),
                headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=2) as r:
                print("trytond", json.load(r)["result"])
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    fail(["trytond did not answer on %s" % URL])


def cmd_fiscalyear(what):
    t = Tryton()
    d = today()
    fy = t.search_read("account.fiscalyear",
                       [["start_date", "<=", d], ["end_date", ">=", d]], ["state"])
    if len(fy) != 1:
        fail(["no single fiscal year for today: %r" % fy])
    if what == "close":
        t.call("model.account.fiscalyear.close", [[fy[0]["id"]]])
    else:
        t.call("model.account.fiscalyear.reopen", [[fy[0]["id"]]])
        periods = t.call("model.account.period.search",
                         [[["fiscalyear", "=", fy[0]["id"]]], 0, None, None])
        t.call("model.account.period.reopen", [periods])
    print("fiscal year", fy[0]["id"], t.read("account.fiscalyear", [fy[0]["id"]], ["state"])[0]["state"])


def cmd_sales_match(skip):
    t = Tryton()
    problems = []
    orders = [o for o in amazon_orders() if o["orderId"] not in skip]
    sales = t.search_read("sale.sale", [], ["reference", "state", "total_amount", "currency.code",
                                             "party", "shipment_address", "lines", "invoices"])
    by_ref = {}
    for s in sales:
        by_ref.setdefault(s["reference"], []).append(s)
    refs = {o["orderId"] for o in orders}
    for ref in by_ref:
        if ref not in refs:
            problems.append("sale(s) %s for %s, which is not an order to sync" %
                            ([s["id"] for s in by_ref[ref]], ref))
    parties = {p["id"]: p for p in t.search_read("party.party", [], ["name", "code"])}
    addresses = {a["id"]: a for a in t.search_read("party.address", [], ["city", "party"])}
    lines = {l["id"]: l for l in t.search_read("sale.line", [], ["product.code", "quantity", "sale"])}
    invoices = {i["id"]: i for i in t.search_read("account.invoice", [["type", "=", "out"]],
                                                   ["state", "total_amount"])}
    for o in orders:
        oid = o["orderId"]
        got = by_ref.get(oid, [])
        if len(got) != 1:
            problems.append("order %s: %d sales" % (oid, len(got)))
            continue
        s = got[0]
        if s["state"] not in ("processing", "done"):
            problems.append("order %s: sale %d is %s, not confirmed" % (oid, s["id"], s["state"]))
        total = D(o["proceeds"]["grandTotal"]["amount"])
        if dec(s["total_amount"]) != total or s["currency."]["code"] != \
                o["proceeds"]["grandTotal"]["currencyCode"]:
            problems.append("order %s: sale total %s %s, Amazon %s %s" % (
                oid, dec(s["total_amount"]), s["currency."]["code"], total,
                o["proceeds"]["grandTotal"]["currencyCode"]))
        party = parties[s["party"]]
        buyer = (o.get("buyer") or {}).get("buyerName") or \
            o["recipient"]["deliveryAddress"].get("name")
        if not party["code"].startswith("AMZ-CUS-") or party["name"] != buyer:
            problems.append("order %s: party %s %r, buyer %r" % (oid, party["code"],
                                                                  party["name"], buyer))
        city = o["recipient"]["deliveryAddress"].get("city")
        addr = addresses.get(s["shipment_address"])
        if addr is None or addr["city"] != city or addr["party"] != party["id"]:
            problems.append("order %s: ships to %r, Amazon %r" % (oid, addr, city))
        want = sorted((i["product"]["sellerSku"], i["quantityOrdered"]) for i in o["orderItems"])
        have = sorted((lines[l]["product."]["code"], int(lines[l]["quantity"]))
                      for l in s["lines"]
                      if not lines[l]["product."]["code"].startswith("MKT-"))
        if want != have:
            problems.append("order %s: lines %s, Amazon %s" % (oid, have, want))
        inv = [invoices[i] for i in s["invoices"] if i in invoices]
        if len(inv) != 1 or inv[0]["state"] not in ("posted", "paid") or \
                dec(inv[0]["total_amount"]) != total:
            problems.append("order %s: invoices %s" % (oid, inv))
    if problems:
        fail(problems)
    print("%d orders match %d sales" % (len(orders), len(sales)))


def cmd_sale_count(ref):
    print(len(Tryton().call("model.sale.sale.search", [[["reference", "=", ref]], 0, None, None])))


def cmd_fingerprint():
    t = Tryton()
    out = []
    for model in ("sale.sale", "sale.line", "party.party", "party.address", "account.invoice",
                  "account.invoice.line", "account.statement", "account.statement.line",
                  "account.move"):
        recs = t.search_read(model, [], ["create_date", "write_date"])
        newest = max([tuple((r["write_date"] or r["create_date"])[k] for k in
                            ("year", "month", "day", "hour", "minute", "second", "microsecond"))
                      for r in recs] or [()])
        out.append("%s %d %s" % (model, len(recs), ".".join(str(x) for x in newest)))
    print(" | ".join(out))


def invoice_lines_of_sale(t, order_id):
    sale = t.search_read("sale.sale", [["reference", "=", order_id]], ["invoices"])
    if len(sale) != 1:
        fail(["order %s: %d sales" % (order_id, len(sale))])
    lines = t.search_read("account.invoice.line", [["invoice", "in", sale[0]["invoices"]]],
                          ["invoice", "product", "quantity"])
    return sale[0], lines


def cmd_credit(order_id, amount):
    t = Tryton()
    sale, inv_lines = invoice_lines_of_sale(t, order_id)
    notes = t.search_read("account.invoice",
                          [["type", "=", "out"], ["reference", "like", "AMZ-RFD-%s-%%" % order_id]],
                          ["state", "total_amount", "lines", "reference"])
    problems = []
    if len(notes) != 1:
        fail(["order %s: %d credit notes of the connector" % (order_id, len(notes))])
    n = notes[0]
    if n["state"] != "posted" or dec(n["total_amount"]) != -D(amount):
        problems.append("credit note %d: %s, total %s, refunded %s" % (
            n["id"], n["state"], dec(n["total_amount"]), amount))
    own = {l["id"] for l in inv_lines}
    for l in t.read("account.invoice.line", n["lines"], ["origin", "quantity", "amount"]):
        o = l["origin"] or ""
        if not o.startswith("account.invoice.line,") or int(o.split(",")[1]) not in own:
            problems.append("credit line %d: origin %r is not a line of sale %d's invoice" % (
                l["id"], o, sale["id"]))
    if problems:
        fail(problems)
    print("credit note", n["id"], "total", dec(n["total_amount"]))


def cmd_statement(name, deposit, expected):
    t = Tryton()
    st = t.search_read("account.statement", [["name", "=", name]],
                       ["state", "end_balance", "start_balance", "lines"])
    if len(st) != 1:
        fail(["%d statements named %s" % (len(st), name)])
    s = st[0]
    lines = t.read("account.statement.line", s["lines"],
                   ["amount", "description", "account", "account.name", "party", "invoice"])
    total = sum((dec(l["amount"]) for l in lines), D(0))
    print("; ".join("%s %s on %s%s" % (l["description"], dec(l["amount"]), l["account."]["name"],
                                       " paying invoice %d" % l["invoice"] if l["invoice"] else "")
                    for l in lines))
    problems = []
    if s["state"] != "posted" or dec(s["end_balance"]) != D(deposit) or total != D(deposit) \
            or dec(s["start_balance"]) != 0:
        problems.append("statement %d: %s, end balance %s, lines sum %s, deposit %s" % (
            s["id"], s["state"], dec(s["end_balance"]), total, deposit))
    by_desc = {}
    for l in lines:
        by_desc.setdefault(l["description"], []).append(l)
    for want in expected:
        key, amount = want.rsplit("=", 1)
        kind, _, oid = key.partition(":")
        desc = "order " + oid if kind in ("order", "unpaid") else key
        got = by_desc.pop(desc, [])
        if len(got) != 1 or dec(got[0]["amount"]) != D(amount):
            problems.append("line %r: want one of %s, have %s" % (
                desc, amount, [str(dec(l["amount"])) for l in got]))
            continue
        if kind not in ("order", "unpaid"):
            continue
        l = got[0]
        sale = t.search_read("sale.sale", [["reference", "=", oid]], ["party", "invoices"])
        if len(sale) != 1:
            problems.append("%s: %d sales" % (desc, len(sale)))
            continue
        if kind == "unpaid":
            inv = t.read("account.invoice", sale[0]["invoices"], ["state", "account"])
            if l["party"] != sale[0]["party"] or l["invoice"] or len(inv) != 1 or \
                    inv[0]["state"] != "posted" or inv[0]["account"] != l["account"]:
                problems.append("%s: party %s (the sale's %s), pays invoice %s, on account %s; "
                                "the sale's invoices %s" % (desc, l["party"], sale[0]["party"],
                                                            l["invoice"], l["account"], inv))
            continue
        if D(amount) > 0:
            ids = sale[0]["invoices"]
        else:
            ids = t.call("model.account.invoice.search", [[
                ["type", "=", "out"],
                ["reference", "like", "AMZ-RFD-%s-%%" % oid]], 0, None, None])
        inv = {i["id"]: i for i in t.read("account.invoice", ids, ["state", "account"])}
        if l["party"] != sale[0]["party"]:
            problems.append("%s: party %s, the sale's %s" % (desc, l["party"], sale[0]["party"]))
        if l["invoice"] not in inv:
            problems.append("%s: pays invoice %s, the order's are %s" % (desc, l["invoice"], ids))
        elif inv[l["invoice"]]["state"] != "paid" or inv[l["invoice"]]["account"] != l["account"]:
            problems.append("%s: invoice %s is %s on account %s, the line on %s" % (
                desc, l["invoice"], inv[l["invoice"]]["state"], inv[l["invoice"]]["account"],
                l["account"]))
    if expected and by_desc:
        problems.append("lines not expected: %s" % sorted(by_desc))
    if problems:
        fail(problems)


def cmd_wizard_credit(order_id):
    t = Tryton()
    sale, lines = invoice_lines_of_sale(t, order_id)
    inv = sale["invoices"][0]
    ctx = {"active_model": "account.invoice", "active_id": inv, "active_ids": [inv]}
    sid = t.call("wizard.account.invoice.credit.create", [])[0]
    t.call("wizard.account.invoice.credit.execute", [sid, {}, "start"], extra=ctx)
    r = t.call("wizard.account.invoice.credit.execute",
               [sid, {"start": {"with_refund": False, "invoice_date": None}}, "credit"],
               extra=ctx)
    t.call("wizard.account.invoice.credit.delete", [sid], extra=ctx)
    credit = r["actions"][0][1]["res_id"][0]
    clines = t.read("account.invoice", [credit], ["lines"])[0]["lines"]
    t.call("model.account.invoice.line.delete", [clines[1:]])
    t.call("model.account.invoice.line.write", [clines[:1], {"quantity": -1}])
    t.call("model.account.invoice.post", [[credit]])
    print(-dec(t.read("account.invoice", [credit], ["total_amount"])[0]["total_amount"]))


def sale_of(t, order_id):
    sale = t.search_read("sale.sale", [["reference", "=", order_id]],
                         ["shipments", "shipment_state", "state"])
    if len(sale) != 1:
        fail(["order %s: %d sales" % (order_id, len(sale))])
    return sale[0]


def cmd_ship(order_id, reference):
    t = Tryton()
    sale = sale_of(t, order_id)
    ships = t.read("stock.shipment.out", sale["shipments"], ["state"])
    waiting = [s["id"] for s in ships if s["state"] == "waiting"]
    if len(waiting) != 1:
        fail(["order %s: shipments %s, not one waiting" % (order_id, ships)])
    sid = waiting
    M = "model.stock.shipment.out."
    t.call(M + "draft", [sid])          # Reference is editable in draft only
    t.call(M + "write", [sid, {"reference": reference}])
    t.call(M + "wait", [sid])
    if not t.call(M + "assign_try", [sid]):
        t.call(M + "assign_force", [sid])
    for button in ("pick", "pack", "done"):
        t.call(M + button, [sid])
    got = t.read("stock.shipment.out", sid, ["state", "reference"])[0]
    if got["state"] != "done" or got["reference"] != reference:
        fail(["shipment %d: %s" % (sid[0], got)])
    print(sid[0])


def cmd_cancel_shipment(order_id):
    t = Tryton()
    sale = sale_of(t, order_id)
    t.call("model.stock.shipment.out.cancel", [sale["shipments"]])
    ctx = {"active_model": "sale.sale", "active_id": sale["id"], "active_ids": [sale["id"]]}
    W = "wizard.sale.handle.shipment.exception."
    sid = t.call(W + "create", [])[0]
    r = t.call(W + "execute", [sid, {}, "ask"], extra=ctx)
    moves = r["view"]["defaults"]["domain_moves"]
    t.call(W + "execute", [sid, {"ask": {"recreate_moves": [], "domain_moves": moves}}, "handle"],
           extra=ctx)
    t.call(W + "delete", [sid], extra=ctx)
    lines = t.search_read("sale.line", [["sale", "=", sale["id"]]], ["moves_ignored"])
    ignored = sorted(m for l in lines for m in l["moves_ignored"])
    if not moves or ignored != sorted(moves):
        fail(["sale %d: moves %s cancelled, %s ignored" % (sale["id"], moves, ignored)])
    print(sale["id"])


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    cmd, args = sys.argv[1], sys.argv[2:]
    {"wait": lambda: cmd_wait(),
     "fiscalyear": lambda: cmd_fiscalyear(args[0]),
     "sales-match": lambda: cmd_sales_match(set(args)),
     "sale-count": lambda: cmd_sale_count(args[0]),
     "sale-count-all": lambda: print(len(Tryton().call("model.sale.sale.search",
                                                       [[], 0, None, None]))),
     "fingerprint": lambda: cmd_fingerprint(),
     "credit": lambda: cmd_credit(args[0], args[1]),
     "statement": lambda: cmd_statement(args[0], args[1], args[2:]),
     "wizard-credit": lambda: cmd_wizard_credit(args[0]),
     "ship": lambda: cmd_ship(args[0], args[1]),
     "cancel-shipment": lambda: cmd_cancel_shipment(args[0])}[cmd]()


if __name__ == "__main__":
    main()
