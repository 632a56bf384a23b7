/*
 * Money as an integer number of cents. Text form is a decimal string with two
 * places ("350.00"); no double ever holds an amount.
 */
#ifndef OS_MONEY_H
#define OS_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "domain/status.h"

/* The largest amount numeric(19,2) can hold, in cents. */
#define MONEY_MAX_CENTS INT64_C(99999999999999999)
/* Room for "-" + 17 digits + "." + 2 digits + NUL. */
#define MONEY_STR_MAX 24

/*
 * Parses a non-negative decimal amount: digits, then optionally "." and one or
 * two digits ("350", "350.5", "350.50"). No sign, no exponent, no spaces.
 * *cents is written only on success; OS_EINVAL on bad text or overflow.
 */
enum os_status money_parse(const char *s, size_t len, int64_t *cents);

/* Writes cents as "D.CC" with a NUL; returns the length, or 0 if cap is too
 * small (cap >= MONEY_STR_MAX always suffices). */
size_t money_format(int64_t cents, char *buf, size_t cap);

/* *out = a * qty or a + b; OS_EINVAL on overflow past MONEY_MAX_CENTS or on a
 * negative operand. *out is written only on success. */
enum os_status money_mul(int64_t cents, int64_t qty, int64_t *out);
enum os_status money_add(int64_t a, int64_t b, int64_t *out);

#endif
