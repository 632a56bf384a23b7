/* The form encoding of URL query values. */
#include "domain/url.h"

#include "domain/hex.h"

bool url_unescape(const char *s, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;

	if (cap == 0)
		return false; /* not even the terminator fits */
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%') {
			int hi = i + 2 < len ? hex_digit(s[i + 1]) : -1;
			int lo = i + 2 < len ? hex_digit(s[i + 2]) : -1;

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return false;
			ch = (char)(hi << 4 | lo);
			i += 2;
		}
		if (ch == '\0' || o + 1 >= cap)
			return false;
		out[o++] = ch;
	}
	out[o] = '\0';
	return true;
}
