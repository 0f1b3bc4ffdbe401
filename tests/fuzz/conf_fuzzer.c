/* conf_fuzzer.c: the conf parser and validator on arbitrary text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connector/conf.h"
#include "mapping/sku_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL;
	struct sku_map *m = NULL;
	struct sc_error err;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	sc_error_clear(&err);
	if (conf_load_string(&c, text, "fuzz.conf", &err) == 0) {
		const struct conf_section *s = conf_section(c, "marketplace");
		long v;

		(void)conf_get(s, "endpoint");
		(void)conf_get_long(conf_section(c, "connector"), "http_retries", &v, &err);
		if (sku_map_load(&m, conf_section(c, "sku_map"), &err) == 0)
			(void)sku_map_lookup(m, "SKU-1");
		sku_map_free(m);
		conf_free(c);
	}
	free(text);
	return 0;
}
