"""settlement_report.py ORDER_ID SETTLEMENT_ID REPORT_ID: the body of
POST /_sandbox/amazon/settlement-reports for a V2 settlement of one order
(a sale of 27.05 with its commission, a partial refund of 5.00 with its
returned commission); deposit 27.05 - 4.06 - 5.00 + 0.75 = 18.74."""
import json
import sys

oid, sid, rid = sys.argv[1:4]
cols = ["settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
        "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
        "adjustment-id", "shipment-id", "marketplace-name", "amount-type", "amount-description",
        "amount", "fulfillment-id", "posted-date", "posted-date-time", "order-item-code",
        "merchant-order-item-id", "merchant-adjustment-item-id", "sku", "quantity-purchased",
        "promotion-id"]


def row(**kv):
    return "\t".join(kv.get(c.replace("-", "_"), "") for c in cols)


rows = ["\t".join(cols),
        row(settlement_id=sid, settlement_start_date="2026-11-06 00:00:00 UTC",
            settlement_end_date="2026-11-20 00:00:00 UTC", deposit_date="2026-11-22 00:00:00 UTC",
            total_amount="18.74", currency="USD"),
        row(transaction_type="Order", order_id=oid, marketplace_name="Amazon.com",
            amount_type="ItemPrice", amount_description="Principal", amount="27.05",
            posted_date="11/10/26", sku="SKU-UNMAPPED-1", quantity_purchased="1"),
        row(transaction_type="Order", order_id=oid, marketplace_name="Amazon.com",
            amount_type="ItemFees", amount_description="Commission", amount="-4.06",
            posted_date="11/10/26", sku="SKU-UNMAPPED-1"),
        row(transaction_type="Refund", order_id=oid, adjustment_id="amzn1.adj.9",
            marketplace_name="Amazon.com", amount_type="ItemPrice",
            amount_description="Principal", amount="-5.00", posted_date="11/12/26",
            sku="SKU-UNMAPPED-1"),
        row(transaction_type="Refund", order_id=oid, adjustment_id="amzn1.adj.9",
            marketplace_name="Amazon.com", amount_type="ItemFees",
            amount_description="RefundCommission", amount="0.75", posted_date="11/12/26",
            sku="SKU-UNMAPPED-1")]
print(json.dumps({"reports": [{"reportId": rid, "createdTime": "2026-11-21T10:00:00Z",
                               "dataStartTime": "2026-11-06T00:00:00Z",
                               "dataEndTime": "2026-11-20T00:00:00Z",
                               "content": "\n".join(rows) + "\n"}]}))
