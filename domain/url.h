/*
 * The form encoding of URL query values ("+" a space, "%XX" a byte), shared
 * by the API's query parameters and order-sim's.
 */
#ifndef OS_URL_H
#define OS_URL_H

#include <stdbool.h>
#include <stddef.h>

/* Decodes s[0..len) into out (cap bytes with the NUL); false if an escape is
 * malformed, the result would hold a NUL, or it does not fit. */
bool url_unescape(const char *s, size_t len, char *out, size_t cap);

#endif
