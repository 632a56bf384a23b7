/* Bounded growable strings. */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbuf_init(struct sbuf *sb, size_t max)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->max = max;
	sb->failed = false;
}

void sbuf_release(struct sbuf *sb)
{
	free(sb->buf);
	sbuf_init(sb, sb->max);
}

void sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
	sb->failed = false;
}

bool sbuf_ok(const struct sbuf *sb)
{
	return !sb->failed;
}

/* Makes room for extra more bytes plus a NUL; false (and failed) if not. */
static bool grow(struct sbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (sb->failed)
		return false;
	if (extra > sb->max - sb->len) {
		sb->failed = true;
		return false;
	}
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	if (cap > sb->max + 1)
		cap = sb->max + 1;
	p = realloc(sb->buf, cap);
	if (p == NULL) {
		sb->failed = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void sbuf_add(struct sbuf *sb, const char *s, size_t len)
{
	if (!grow(sb, len))
		return;
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sbuf_adds(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, s, strlen(s));
}

void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		sbuf_add(sb, small, (size_t)n);
		return;
	}
	if (!grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sbuf_add_json_str(struct sbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	sbuf_add(sb, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sbuf_add(sb, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			char two[2] = { '\\', (char)c };
			sbuf_add(sb, two, 2);
		} else if (c == '\n') {
			sbuf_add(sb, "\\n", 2);
		} else if (c == '\t') {
			sbuf_add(sb, "\\t", 2);
		} else if (c == '\r') {
			sbuf_add(sb, "\\r", 2);
		} else {
			sbuf_add(sb, esc, sizeof(esc));
		}
	}
	sbuf_add(sb, s + run, len - run);
	sbuf_add(sb, "\"", 1);
}

void sbuf_add_json_key(struct sbuf *sb, const char *key, bool first)
{
	if (!first)
		sbuf_add(sb, ",", 1);
	sbuf_add_json_str(sb, key, strlen(key));
	sbuf_add(sb, ":", 1);
}

char *sbuf_detach(struct sbuf *sb, size_t *len)
{
	char *p;

	if (sb->failed) {
		sbuf_release(sb);
		return NULL;
	}
	if (sb->buf == NULL) {
		/* Nothing was appended: hand out a real, terminated "". */
		if (!grow(sb, 0))
			return NULL;
		sb->buf[0] = '\0';
	}
	p = sb->buf;
	if (len)
		*len = sb->len;
	sbuf_init(sb, sb->max);
	return p;
}
