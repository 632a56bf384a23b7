/* Times as RFC 3339 UTC text with milliseconds: "2026-11-22T10:15:30.123Z". */
#ifndef OS_TIMEFMT_H
#define OS_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_RFC3339_MAX 32

/* Formats Unix microseconds; returns the length, 0 if cap is too small. */
size_t timefmt_rfc3339(int64_t unix_us, char *buf, size_t cap);

#endif
