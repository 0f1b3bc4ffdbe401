#!/usr/bin/env python3
"""settlement_gen.py ROWS OUT: write a V2 settlement flat file (docs/AMAZON.md §5)
of exactly ROWS detail rows to OUT, for bench_settlement.sh.

The 24 columns of AMAZON.md §5 in their documented order; line 2 is the
summary row whose total-amount is the exact sum of every detail amount (so
a reconciling reader must balance); detail rows repeat the settlement id.
Rows come in orders (Principal, Tax, Shipping, Commission, FBA fee, some
with a promotion), refunds (Principal, Tax, Commission, RefundCommission)
and, every 500 rows, an other-transaction (storage fee, reserve,
reimbursement, subscription). Amounts "%d.%02d" USD; posted-date "MM/DD/YY",
posted-date-time "YYYY-MM-DD HH:MM:SS UTC". Deterministic (fixed seed).
Prints the byte count and the total on stderr.
"""
import os
import random
import shutil
import sys

COLUMNS = ("settlement-id settlement-start-date settlement-end-date deposit-date total-amount "
           "currency transaction-type order-id merchant-order-id adjustment-id shipment-id "
           "marketplace-name amount-type amount-description amount fulfillment-id posted-date "
           "posted-date-time order-item-code merchant-order-item-id merchant-adjustment-item-id "
           "sku quantity-purchased promotion-id").split()
SID = "24387593011"


def money(cents):
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return "%s%d.%02d" % (sign, cents // 100, cents % 100)


def main():
    rows, out = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(20261122)
    total = 0
    n = 0
    seq = 0
    day0 = 1
    chunks = []
    body = out + ".body"
    with open(body, "w", newline="\n", encoding="utf-8") as f:
        def row(ttype, oid, adj, ship, atype, adesc, cents, day, sec, item, sku, qty):
            nonlocal total, n
            if n >= rows:
                return ""        # exactly `rows` rows, even mid-order
            total += cents
            n += 1
            hh, mm, ss = sec // 3600, sec // 60 % 60, sec % 60
            return "\t".join((SID, "", "", "", "", "", ttype, oid, "", adj, ship, "Amazon.com",
                              atype, adesc, money(cents), "AFN", "11/%02d/26" % day,
                              "2026-11-%02d %02d:%02d:%02d UTC" % (day, hh, mm, ss), item, "",
                              "", sku, str(qty), "")) + "\n"
        while n < rows:
            seq += 1
            day = day0 + (seq * 13 // 1000) % 14
            sec = rnd.randrange(86400)
            oid = "11%d-%07d-%07d" % (seq % 8, rnd.randrange(10**7), seq % 10**7)
            sku = "SKU-%05d" % rnd.randrange(20000)
            item = "%014d" % rnd.randrange(10**14)
            qty = rnd.choice((1, 1, 1, 2, 3))
            r = rnd.random()
            if seq % 100 == 0:
                kind = rnd.randrange(4)
                if kind == 0:
                    chunks.append(row("other-transaction", "", "", "", "other-transaction",
                                      "Storage Fee", -rnd.randrange(100, 50000), day, sec, "",
                                      "", 0))
                elif kind == 1:
                    chunks.append(row("other-transaction", "", "", "", "other-transaction",
                                      "Current Reserve Amount", -rnd.randrange(100, 90000), day,
                                      sec, "", "", 0))
                    chunks.append(row("other-transaction", "", "", "", "other-transaction",
                                      "Previous Reserve Amount Balance",
                                      rnd.randrange(100, 90000), day, sec, "", "", 0))
                elif kind == 2:
                    chunks.append(row("other-transaction", "", "", "", "FBA Inventory Reimbursement",
                                      "REVERSAL_REIMBURSEMENT", rnd.randrange(100, 9000), day, sec,
                                      "", sku, qty))
                else:
                    chunks.append(row("other-transaction", "", "", "", "other-transaction",
                                      "Subscription Fee", -3999, day, sec, "", "", 0))
            elif r < 0.85:
                price = rnd.randrange(499, 19999) * qty
                ship = "D%08dX" % rnd.randrange(10**8)
                chunks.append(row("Order", oid, "", ship, "ItemPrice", "Principal", price, day, sec,
                                  item, sku, qty))
                chunks.append(row("Order", oid, "", ship, "ItemPrice", "Tax", price * 8 // 100, day,
                                  sec, item, sku, qty))
                chunks.append(row("Order", oid, "", ship, "ItemPrice", "Shipping", 499, day, sec,
                                  item, sku, qty))
                chunks.append(row("Order", oid, "", ship, "ItemFees", "Commission",
                                  -(price * 15 // 100), day, sec, item, sku, qty))
                chunks.append(row("Order", oid, "", ship, "ItemFees", "FBAPerUnitFulfillmentFee",
                                  -322 * qty, day, sec, item, sku, qty))
                if rnd.random() < 0.2:
                    chunks.append(row("Order", oid, "", ship, "Promotion", "Principal",
                                      -rnd.randrange(100, 1000), day, sec, item, sku, qty))
            else:
                price = rnd.randrange(499, 19999)
                adj = "amzn1:crow:%016x" % rnd.randrange(16**16)
                chunks.append(row("Refund", oid, adj, "", "ItemPrice", "Principal", -price, day,
                                  sec, item, sku, 1))
                chunks.append(row("Refund", oid, adj, "", "ItemPrice", "Tax", -(price * 8 // 100),
                                  day, sec, item, sku, 1))
                chunks.append(row("Refund", oid, adj, "", "ItemFees", "Commission",
                                  price * 15 // 100, day, sec, item, sku, 1))
                chunks.append(row("Refund", oid, adj, "", "ItemFees", "RefundCommission",
                                  -(price * 3 // 100), day, sec, item, sku, 1))
            if len(chunks) >= 4096:
                f.write("".join(chunks))
                chunks = []
        f.write("".join(chunks))
    # header and summary (its total is known only now), then the rows
    summary = "\t".join((SID, "2026-11-01 00:00:00 UTC", "2026-11-15 00:00:00 UTC",
                         "2026-11-17 00:00:00 UTC", money(total), "USD") + ("",) * 18)
    with open(out, "w", newline="\n", encoding="utf-8") as f:
        f.write("\t".join(COLUMNS) + "\n" + summary + "\n")
        with open(body, encoding="utf-8") as b:
            shutil.copyfileobj(b, f, 1 << 20)
    os.unlink(body)
    print("%d detail rows, %d bytes, total-amount %s USD" % (n, os.path.getsize(out), money(total)),
          file=sys.stderr)

if __name__ == "__main__":
    main()
