/*
 * mock_xml.c: XPath checks of XML documents for the adapter tests (see
 * mock_xml.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/mock_xml.h"

#include <libxml/xpath.h>
#include <stdio.h>
#include <string.h>

/* string(expr) in doc, xmlFree'd by the caller; NULL when XPath fails. */
static xmlChar *
xml_string(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o;
	char e[512];
	xmlChar *s = NULL;

	snprintf(e, sizeof(e), "string(%s)", expr);
	o = xmlXPathEvalExpression((const xmlChar *)e, ctx);
	if (o != NULL && o->stringval != NULL)
		s = xmlStrdup(o->stringval);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return s;
}

long
mock_xml_count(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o;
	char e[512];
	long n = -1;

	snprintf(e, sizeof(e), "count(%s)", expr);
	o = xmlXPathEvalExpression((const xmlChar *)e, ctx);
	if (o != NULL)
		n = (long)o->floatval;
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return n;
}

void
mock_xml_assert(xmlDocPtr doc, const char *expr, const char *want)
{
	xmlChar *s = xml_string(doc, expr);

	if (s == NULL || strcmp((const char *)s, want) != 0) {
		fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", expr,
		        s != NULL ? (const char *)s : "(null)", want);
		xmlFree(s);
		fail();
	}
	xmlFree(s);
}

void
mock_xml_assert_children(xmlDocPtr doc, const char *expr, const char *want)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	char got[512] = "";
	size_t used = 0;
	xmlNodePtr c;

	assert_non_null(o);
	assert_non_null(o->nodesetval);
	assert_int_equal(o->nodesetval->nodeNr, 1);
	for (c = o->nodesetval->nodeTab[0]->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s",
		                         used > 0 ? "," : "", (const char *)c->name);
		assert_true(used < sizeof(got));
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	assert_string_equal(got, want);
}
