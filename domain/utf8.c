/* Strict UTF-8 and JSON-escape checks; see utf8.h. */
#include "domain/utf8.h"

#include <stdint.h>

#include "domain/hex.h"

/* Length of the sequence starting at s[0] (1..4) when it is well formed
 * and fits in n bytes, else 0. Second-byte ranges per RFC 3629 §4 exclude
 * overlongs (E0 A0.., F0 90..), surrogates (ED ..9F) and > U+10FFFF. */
static size_t sequence(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c < 0x80)
		return c == 0 ? 0 : 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = sequence(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* The code unit of "\uXXXX" at s (6 bytes available), or -1. */
static long escape_unit(const char *s)
{
	long v = 0;
	int i, d;

	if (s[0] != '\\' || s[1] != 'u')
		return -1;
	for (i = 2; i < 6; i++) {
		d = hex_digit(s[i]);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

bool utf8_json_text_ok(const char *s, size_t len)
{
	size_t i = 0;
	long u, low;

	if (!utf8_valid(s, len))
		return false;
	while (i < len) {
		if (s[i] != '\\') {
			i++;
			continue;
		}
		if (i + 1 < len && s[i + 1] != 'u') {
			i += 2; /* \" \\ \/ \n ...: the next byte is not an escape start */
			continue;
		}
		if (i + 6 > len || (u = escape_unit(s + i)) < 0)
			return false; /* a broken escape: not JSON either */
		i += 6;
		if (u == 0 || (u >= 0xDC00 && u <= 0xDFFF))
			return false;
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 6 > len || (low = escape_unit(s + i)) < 0xDC00 || low > 0xDFFF)
				return false;
			i += 6;
		}
	}
	return true;
}

size_t utf8_cut(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = len, need;

	while (i > 0 && len - i < 3 && (p[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0 || p[i - 1] < 0xC0)
		return len; /* ends after ASCII or a whole sequence */
	need = p[i - 1] >= 0xF0 ? 4 : p[i - 1] >= 0xE0 ? 3 : 2;
	return len - (i - 1) < need ? i - 1 : len;
}
