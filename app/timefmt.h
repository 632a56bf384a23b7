/* Times as RFC 3339 UTC text with milliseconds: "2026-11-22T10:15:30.123Z". */
#ifndef OS_TIMEFMT_H
#define OS_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_RFC3339_MAX 32

/* Formats Unix microseconds; returns the length, or 0 (nothing usable in
 * buf) when cap is too small or the time has no RFC 3339 form here: before
 * 1970, or past the year 9999 (RFC 3339 years have four digits). */
size_t timefmt_rfc3339(int64_t unix_us, char *buf, size_t cap);

#endif
