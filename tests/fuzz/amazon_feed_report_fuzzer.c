/*
 * amazon_feed_report_fuzzer.c: the bytes as a feed processing report
 * (amazon__processing_report_parse), and as a gzip'ed one (amazon__gunzip,
 * then the parser on what came out). Parse, free, return 0: ASan/UBSan
 * report the rest.
 */
#include <stdint.h>
#include <stdlib.h>

#include "adapters/adapter.h"
#include "adapters/amazon/amazon_int.h"
#include "connector/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct submission_result *res = NULL;
	struct sc_error err;
	struct buf plain;
	size_t n = 0;

	sc_error_clear(&err);
	(void)amazon__processing_report_parse(&res, &n, (const char *)data, size, &err);
	free(res);
	res = NULL;

	if (amazon__gunzip(&plain, (const char *)data, size, 16u * 1024 * 1024,
	                   &err) == 0) {
		(void)amazon__processing_report_parse(&res, &n, buf_cstr(&plain),
		                                      plain.len, &err);
		free(res);
		buf_free(&plain);
	}
	return 0;
}
