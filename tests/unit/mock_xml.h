/*
 * mock_xml.h: XPath checks of the XML documents the adapter tests build or
 * a mock records (Amazon feeds). They are cmocka assertions: call them from
 * the test thread only, never from a mock's handler (see mock_http.h).
 * The document stays the caller's.
 */
#ifndef SC_MOCK_XML_H
#define SC_MOCK_XML_H

#include <libxml/tree.h>

/* count(expr) in doc; -1 when XPath fails. */
long mock_xml_count(xmlDocPtr doc, const char *expr);
/* Fails the test unless string(expr) in doc is `want` (says both on stderr). */
void mock_xml_assert(xmlDocPtr doc, const char *expr, const char *want);
/* Fails the test unless `expr` is one node whose element children's names,
 * joined by ',', are `want`. */
void mock_xml_assert_children(xmlDocPtr doc, const char *expr, const char *want);

#endif
