/*
 * Decimal integers as people and PostgreSQL write them: the one reader of
 * a whole number from text, for query parameters, settings, command
 * arguments, catalog answers and database columns.
 */
#ifndef OS_DECIMAL_H
#define OS_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads s[0..len) as an optional '-' and then one or more digits 0-9,
 * nothing else: no blanks, no '+', no "-0". Writes the value to *out and
 * returns true when it lies within lo..hi; returns false, leaving *out
 * alone, for anything else, a value outside int64 included. s need not be
 * NUL-terminated. */
bool decimal_parse(const char *s, size_t len, int64_t lo, int64_t hi, int64_t *out);

#endif
