/*
 * Conversions between C values and statement parameters or result columns,
 * and text-array literals for batched statements (unnest of arrays keeps a
 * whole batch in one statement). Every column read is checked: a value that
 * does not fit its C home is an error, never a truncation.
 */
#include "infrastructure/postgres/pg_values.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/decimal.h"

void pg_params_init(struct pg_params *p)
{
	memset(p, 0, sizeof(*p));
}

void pg_params_text(struct pg_params *p, const char *v)
{
	if (p->n == PG_PARAMS_MAX)
		abort(); /* a statement with more parameters is a programming error */
	p->values[p->n] = v;
	p->lengths[p->n] = 0;
	p->formats[p->n] = 0;
	p->n++;
}

void pg_params_binary(struct pg_params *p, const char *v, size_t len)
{
	if (p->n == PG_PARAMS_MAX || len > INT_MAX)
		abort();
	p->values[p->n] = v;
	p->lengths[p->n] = (int)len;
	p->formats[p->n] = 1;
	p->n++;
}

const char *pg_i64_text(int64_t v, char *buf, size_t cap)
{
	snprintf(buf, cap, "%lld", (long long)v);
	return buf;
}

bool pg_col_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) != 0;
}

enum os_status pg_col_i64(const PGresult *r, int row, int col, int64_t *out)
{
	const char *s;

	if (pg_col_null(r, row, col))
		return OS_EIO;
	/* PostgreSQL's text of an integer: an optional '-', then digits. */
	s = PQgetvalue(r, row, col);
	return decimal_parse(s, strlen(s), INT64_MIN, INT64_MAX, out) ? OS_OK : OS_EIO;
}

enum os_status pg_col_i32(const PGresult *r, int row, int col, int32_t *out)
{
	int64_t v;

	if (pg_col_i64(r, row, col, &v) != OS_OK || v < INT32_MIN || v > INT32_MAX)
		return OS_EIO;
	*out = (int32_t)v;
	return OS_OK;
}

enum os_status pg_col_uuid(const PGresult *r, int row, int col, struct uuid *out)
{
	if (pg_col_null(r, row, col))
		return OS_EIO;
	return uuid_parse(PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col), out) == OS_OK
		   ? OS_OK
		   : OS_EIO;
}

enum os_status pg_col_str(const PGresult *r, int row, int col, char *buf, size_t cap)
{
	size_t len;

	if (pg_col_null(r, row, col))
		return OS_EIO;
	len = (size_t)PQgetlength(r, row, col);
	if (len >= cap)
		return OS_EIO;
	memcpy(buf, PQgetvalue(r, row, col), len);
	buf[len] = '\0';
	return OS_OK;
}

enum os_status pg_cols_decode(const PGresult *r, int row, const struct pg_col_dst *cols, size_t n)
{
	enum os_status st = OS_OK;
	size_t i;

	for (i = 0; i < n && st == OS_OK; i++) {
		const struct pg_col_dst *c = &cols[i];

		switch (c->kind) {
		case PG_COL_I64: st = pg_col_i64(r, row, c->col, c->out); break;
		case PG_COL_I32: st = pg_col_i32(r, row, c->col, c->out); break;
		case PG_COL_UUID: st = pg_col_uuid(r, row, c->col, c->out); break;
		case PG_COL_STR: st = pg_col_str(r, row, c->col, c->out, c->cap); break;
		}
	}
	return st;
}

void pg_array_begin(struct sbuf *sb)
{
	sbuf_reset(sb);
	sbuf_add(sb, "{", 1);
}

static void separate(struct sbuf *sb)
{
	if (sb->len > 1)
		sbuf_add(sb, ",", 1);
}

/* Appends v[0..len) with quotes and backslashes escaped. */
static void add_escaped(struct sbuf *sb, const char *v, size_t len)
{
	const char *end = v + len;
	size_t run;

	while (v < end) {
		run = strcspn(v, "\"\\");
		if (run > (size_t)(end - v))
			run = (size_t)(end - v);
		sbuf_add(sb, v, run);
		v += run;
		if (v == end)
			break;
		sbuf_add(sb, "\\", 1);
		sbuf_add(sb, v, 1);
		v++;
	}
}

void pg_array_elem(struct sbuf *sb, const char *v)
{
	separate(sb);
	sbuf_add(sb, "\"", 1);
	add_escaped(sb, v, strlen(v));
	sbuf_add(sb, "\"", 1);
}

static bool is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Length of the well-formed UTF-8 sequence at s (1..4), 0 when it is not
 * one. s is NUL-terminated, so a short sequence stops at the NUL. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return is_cont(s[1]) ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F))
			return 0;
		return is_cont(s[1]) && is_cont(s[2]) ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
			return 0;
		return is_cont(s[1]) && is_cont(s[2]) && is_cont(s[3]) ? 4 : 0;
	}
	return 0;
}

void pg_array_elem_text(struct sbuf *sb, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	const unsigned char *run = p;
	size_t n;

	separate(sb);
	sbuf_add(sb, "\"", 1);
	while (*p != '\0') {
		n = utf8_seq_len(p);
		if (n > 0) {
			p += n;
			continue;
		}
		add_escaped(sb, (const char *)run, (size_t)(p - run));
		sbuf_add(sb, "?", 1);
		run = ++p;
	}
	add_escaped(sb, (const char *)run, (size_t)(p - run));
	sbuf_add(sb, "\"", 1);
}

void pg_array_elem_null(struct sbuf *sb)
{
	separate(sb);
	sbuf_add(sb, "NULL", 4);
}

void pg_array_end(struct sbuf *sb)
{
	sbuf_add(sb, "}", 1);
}
