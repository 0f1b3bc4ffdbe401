/*
 * sku_map.h: marketplace SKU -> ERP item, from the [sku_map] conf section.
 *
 * Pure after load: lookups do no I/O and no allocation. Keys are the
 * marketplace's seller SKUs exactly as it sends them (case-sensitive); values
 * are what the ERP adapter resolves (NetSuite itemid, Tryton product code).
 */
#ifndef SC_SKU_MAP_H
#define SC_SKU_MAP_H

#include <stddef.h>

#include "connector/conf.h"
#include "connector/error.h"

struct sku_map;

/* Build from a conf section (NULL section: an empty map). Empty values are
 * SC_EINVALID "FILE:LINE: [sku_map] X: empty ERP item". */
int sku_map_load(struct sku_map **out, const struct conf_section *s, struct sc_error *err);
/* The ERP item for `sku`, borrowed; NULL when unmapped. */
const char *sku_map_lookup(const struct sku_map *m, const char *sku);
size_t sku_map_count(const struct sku_map *m);
void sku_map_free(struct sku_map *m);

#endif
