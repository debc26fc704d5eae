#ifndef CEWSXML_SHIM_H
#define CEWSXML_SHIM_H
// Debian's libxml2 is built with ICU; a module that sees ICU's headers and Foundation's can fail a
// clean build ("'UErrorCode' has different definitions"). Hide ICU before the other headers.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>

/// xmlFree is a global function-pointer variable, which Swift 6 rejects; call it through here.
static inline void cews_xml_free(void *p) { if (p) xmlFree(p); }

/// Parses a buffer with no network access, no entity substitution, no DTD loading.
static inline xmlDocPtr cews_xml_read_memory(const char *buffer, int size, int huge) {
    int options = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOBLANKS;
    (void)huge;
    return xmlReadMemory(buffer, size, "request.xml", NULL, options);
}
#endif
