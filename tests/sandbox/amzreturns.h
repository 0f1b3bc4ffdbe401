/*
 * amzreturns.h: Amazon's returns reports in the sandbox (amzreturns.c):
 * the returns it knows (seed `amazon.returns`, POST /_sandbox/amazon/returns)
 * and the reports createReport makes of them
 * (GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA,
 * GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE). The interface is README.md.
 *
 * A requested report is an ordinary report of reports.c (listed, read with
 * getReport, its document served gzip and Cp1252 as a settlement's); this
 * module builds its text when it is requested and moves its status along
 * as getReport reads it. State is the module's own, guarded by sb->lock.
 */
#ifndef SBX_AMZRETURNS_H
#define SBX_AMZRETURNS_H

#include <json-c/json.h>
#include <stdint.h>

#include "tests/sandbox/sandbox.h"

#define SBX_RETURNS_FBA_TYPE "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"
#define SBX_RETURNS_MERCHANT_TYPE "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"

/* 1 when `type` is one of the two returns report types. */
int sbx_returns_is_type(const char *type);

/* Add the returns of array `rows` ([{"order_id","sku","quantity"?,
 * "return_date"?,"reason"?,"type"?: "fba"|"merchant", ...}]): return_date
 * (default now) moved by shift_ms (rebase_times). Caller holds the lock
 * (or runs before the server starts). 0, or SC_EINVALID / SC_ENOMEM with
 * err naming the row (rows before it are kept). */
int sbx_returns_add(struct sbx *sb, json_object *rows, int64_t shift_ms, char *err, size_t errn);

/* createReport of a returns type: `body` is the parsed request (borrowed).
 * Validates it, builds the report of the returns inside
 * [dataStartTime, dataEndTime] and answers 202 {"reportId"}. Takes the lock. */
void sbx_returns_create_report(struct sbx *sb, const struct sbx_req *rq, json_object *body,
                               struct sbx_reply *rp);

/* getReport is about to show `r`: a requested returns report is IN_QUEUE
 * at the first read, IN_PROGRESS at the second, and from the third on its
 * end status (DONE with its document, CANCELLED, FATAL). Caller holds the
 * lock. */
void sbx_returns_advance(struct sbx *sb, struct sbx_report *r);

/* GET (doc NULL) and POST /_sandbox/amazon/returns. Takes the lock. */
void sbx_returns_control(struct sbx *sb, json_object *doc, struct sbx_reply *rp);

#endif
