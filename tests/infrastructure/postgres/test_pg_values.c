/*
 * The postgres adapters' conversions (infrastructure/postgres/pg_values.c),
 * without a server: results are built client-side with libpq. Column reads
 * accept what fits and refuse NULL, junk and overflow with the output left
 * alone; a column list decodes in order and stops at the first refusal; the
 * parameter builder records text, SQL NULL and binary values up to
 * PG_PARAMS_MAX and aborts past it; text-array literals follow PostgreSQL's
 * quoting rules (checked both as text and by decoding them back) and free
 * text loses only its ill-formed UTF-8 bytes; pg_i64_text at both ends.
 */
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "app/sbuf.h"
#include "infrastructure/postgres/pg_values.h"
#include "tests/support/test_main.h"

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

/* A result of nrows rows of ncols text columns; cells row by row, a NULL
 * cell is SQL NULL. The caller PQclears it. */
static PGresult *result_new(int nrows, int ncols, const char *const *cells)
{
	PGresAttDesc attrs[8];
	char names[8][16]; /* "c" and a column number */
	PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	int row, col;

	assert_non_null(r);
	assert_true(ncols <= 8);
	memset(attrs, 0, sizeof(attrs));
	for (col = 0; col < ncols; col++) {
		snprintf(names[col], sizeof(names[col]), "c%d", col);
		attrs[col].name = names[col];
		attrs[col].format = 0;
	}
	assert_int_equal(PQsetResultAttrs(r, ncols, attrs), 1);
	for (row = 0; row < nrows; row++) {
		for (col = 0; col < ncols; col++) {
			const char *v = cells[row * ncols + col];
			char copy[128];

			if (v == NULL) {
				assert_int_equal(PQsetvalue(r, row, col, NULL, -1), 1);
				continue;
			}
			assert_true(strlen(v) < sizeof(copy));
			memcpy(copy, v, strlen(v) + 1);
			assert_int_equal(PQsetvalue(r, row, col, copy, (int)strlen(v)), 1);
		}
	}
	return r;
}

/* One row, one column holding v (NULL: SQL NULL). */
static PGresult *one(const char *v)
{
	return result_new(1, 1, &v);
}

static void test_col_i64(void **state)
{
	static const struct {
		const char *text; /* NULL: SQL NULL */
		enum os_status st;
		int64_t want;
	} cases[] = {
	    {"0", OS_OK, 0},
	    {"42", OS_OK, 42},
	    {"-1", OS_OK, -1},
	    {"1700000000000000", OS_OK, INT64_C(1700000000000000)},
	    {"9223372036854775807", OS_OK, INT64_MAX},
	    {"-9223372036854775808", OS_OK, INT64_MIN},
	    {"9223372036854775808", OS_EIO, 0},	 /* one past the top */
	    {"-9223372036854775809", OS_EIO, 0}, /* one past the bottom */
	    {"99999999999999999999", OS_EIO, 0},
	    {"", OS_EIO, 0},
	    {"-", OS_EIO, 0},
	    {"abc", OS_EIO, 0},
	    {"12abc", OS_EIO, 0},
	    {"12 ", OS_EIO, 0},
	    {" 12", OS_EIO, 0}, /* strtoll would take these three */
	    {"+12", OS_EIO, 0},
	    {"\n12", OS_EIO, 0},
	    {"--1", OS_EIO, 0},
	    {"1.5", OS_EIO, 0},
	    {"1e3", OS_EIO, 0},
	    {"0x10", OS_EIO, 0},
	    {"t", OS_EIO, 0},
	    {NULL, OS_EIO, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NCASES(cases); i++) {
		PGresult *r = one(cases[i].text);
		int64_t got = 777; /* a refusal leaves it alone */
		enum os_status st = pg_col_i64(r, 0, 0, &got);

		if (st != cases[i].st)
			fail_msg("case %zu (%s): status %s", i,
				 cases[i].text ? cases[i].text : "NULL", os_status_name(st));
		if (got != (st == OS_OK ? cases[i].want : 777))
			fail_msg("case %zu: got %lld", i, (long long)got);
		PQclear(r);
	}
}

static void test_col_i32(void **state)
{
	static const struct {
		const char *text;
		enum os_status st;
		int32_t want;
	} cases[] = {
	    {"0", OS_OK, 0},
	    {"-17", OS_OK, -17},
	    {"2147483647", OS_OK, INT32_MAX},
	    {"-2147483648", OS_OK, INT32_MIN},
	    {"2147483648", OS_EIO, 0},
	    {"-2147483649", OS_EIO, 0},
	    {"4294967296", OS_EIO, 0}, /* would wrap to 0 */
	    {"9223372036854775807", OS_EIO, 0},
	    {"9223372036854775808", OS_EIO, 0},
	    {"", OS_EIO, 0},
	    {"7x", OS_EIO, 0},
	    {NULL, OS_EIO, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NCASES(cases); i++) {
		PGresult *r = one(cases[i].text);
		int32_t got = 777;
		enum os_status st = pg_col_i32(r, 0, 0, &got);

		if (st != cases[i].st)
			fail_msg("case %zu (%s): status %s", i,
				 cases[i].text ? cases[i].text : "NULL", os_status_name(st));
		if (got != (st == OS_OK ? cases[i].want : 777))
			fail_msg("case %zu: got %d", i, (int)got);
		PQclear(r);
	}
}

static void test_col_uuid(void **state)
{
	static const uint8_t want[16] = {0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb, 0x46, 0x9f,
					 0xa1, 0x65, 0x70, 0x86, 0x77, 0x28, 0x95, 0x0e};
	static const struct {
		const char *text;
		enum os_status st;
	} cases[] = {
	    {"0f8fad5b-d9cb-469f-a165-70867728950e", OS_OK},
	    {"0F8FAD5B-D9CB-469F-A165-70867728950E", OS_OK}, /* either case */
	    {"", OS_EIO},
	    {"0f8fad5b-d9cb-469f-a165-70867728950", OS_EIO},   /* one digit short */
	    {"0f8fad5b-d9cb-469f-a165-70867728950e0", OS_EIO}, /* one too many */
	    {"0f8fad5bd9cb469fa16570867728950e", OS_EIO},      /* no dashes */
	    {"{0f8fad5b-d9cb-469f-a165-70867728950e}", OS_EIO},
	    {"0f8fad5b-d9cb-469f-a165-70867728950g", OS_EIO},
	    {"0f8fad5b_d9cb_469f_a165_70867728950e", OS_EIO},
	    {NULL, OS_EIO},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NCASES(cases); i++) {
		PGresult *r = one(cases[i].text);
		struct uuid got;
		enum os_status st;

		memset(&got, 0xAA, sizeof(got));
		st = pg_col_uuid(r, 0, 0, &got);
		if (st != cases[i].st)
			fail_msg("case %zu (%s): status %s", i,
				 cases[i].text ? cases[i].text : "NULL", os_status_name(st));
		if (st == OS_OK)
			assert_memory_equal(got.b, want, 16);
		else
			assert_int_equal(got.b[0], 0xAA);
		PQclear(r);
	}
}

static void test_col_str(void **state)
{
	static const struct {
		const char *text;
		size_t cap;
		enum os_status st;
	} cases[] = {
	    {"abc", 4, OS_OK},				    /* exactly fits with its NUL */
	    {"abc", 64, OS_OK},		{"abc", 3, OS_EIO}, /* no room for the NUL */
	    {"abc", 1, OS_EIO},		{"abc", 0, OS_EIO}, {"", 1, OS_OK}, {"", 0, OS_EIO},
	    {"caf\xC3\xA9", 6, OS_OK}, /* bytes, not characters */
	    {"caf\xC3\xA9", 5, OS_EIO}, {NULL, 64, OS_EIO},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NCASES(cases); i++) {
		PGresult *r = one(cases[i].text);
		char buf[65];
		enum os_status st;

		memset(buf, 'z', sizeof(buf));
		st = pg_col_str(r, 0, 0, buf, cases[i].cap);
		if (st != cases[i].st)
			fail_msg("case %zu (\"%s\", cap %zu): status %s", i,
				 cases[i].text ? cases[i].text : "NULL", cases[i].cap,
				 os_status_name(st));
		if (st == OS_OK)
			assert_string_equal(buf, cases[i].text);
		else
			assert_int_equal(buf[0], 'z'); /* nothing written */
		assert_int_equal(buf[sizeof(buf) - 1], 'z');
		PQclear(r);
	}
}

static void test_col_null(void **state)
{
	static const char *const cells[] = {NULL, "", "NULL", "0"};
	PGresult *r = result_new(1, 4, cells);

	(void)state;
	assert_true(pg_col_null(r, 0, 0));
	assert_false(pg_col_null(r, 0, 1)); /* an empty string is a value */
	assert_false(pg_col_null(r, 0, 2));
	assert_false(pg_col_null(r, 0, 3));
	PQclear(r);
}

/* The fields a row decodes into. */
struct row {
	int64_t id;
	int32_t qty;
	struct uuid uid;
	char name[8];
};

static void row_clear(struct row *w)
{
	memset(w, 0, sizeof(*w));
	w->id = -7;
	w->qty = -7;
	memcpy(w->name, "old", 4);
}

/* Columns read in another order than the result holds them: name (3), qty
 * (1), id (0), uid (2). */
static void decode_list(struct row *w, struct pg_col_dst cols[4])
{
	cols[0] = (struct pg_col_dst){PG_COL_STR, 3, w->name, sizeof(w->name)};
	cols[1] = (struct pg_col_dst){PG_COL_I32, 1, &w->qty, 0};
	cols[2] = (struct pg_col_dst){PG_COL_I64, 0, &w->id, 0};
	cols[3] = (struct pg_col_dst){PG_COL_UUID, 2, &w->uid, 0};
}

static void test_cols_decode(void **state)
{
	static const char *const cells[] = {
	    "1",  "2",	"00000000-0000-0000-0000-000000000001", "first",
	    "10", "20", "ffffffff-ffff-ffff-ffff-fffffffffffe", "second",
	};
	PGresult *r = result_new(2, 4, cells);
	struct pg_col_dst cols[4];
	struct row w;

	(void)state;
	decode_list(&w, cols);
	row_clear(&w);
	assert_int_equal(pg_cols_decode(r, 1, cols, 4), OS_OK);
	assert_int_equal(w.id, 10);
	assert_int_equal(w.qty, 20);
	assert_int_equal(w.uid.b[0], 0xff);
	assert_int_equal(w.uid.b[15], 0xfe);
	assert_string_equal(w.name, "second");

	row_clear(&w);
	assert_int_equal(pg_cols_decode(r, 0, cols, 4), OS_OK);
	assert_int_equal(w.id, 1);
	assert_int_equal(w.qty, 2);
	assert_int_equal(w.uid.b[15], 0x01);
	assert_string_equal(w.name, "first");

	row_clear(&w);
	assert_int_equal(pg_cols_decode(r, 0, cols, 0), OS_OK); /* nothing to do */
	assert_int_equal(w.id, -7);
	assert_string_equal(w.name, "old");
	PQclear(r);
}

/* A refusal in the second column: the first is decoded, the rest left. */
static void test_cols_decode_stops(void **state)
{
	static const struct {
		const char *qty;  /* column 1, read second */
		const char *name; /* column 3, read first */
		enum os_status st;
		bool name_read, qty_read;
	} cases[] = {
	    {"5", "abcdefg", OS_OK, true, true},
	    {"5", "abcdefgh", OS_EIO, false, false},  /* past the name's cap of 8 */
	    {"2147483648", "n", OS_EIO, true, false}, /* qty overflows */
	    {NULL, "n", OS_EIO, true, false},
	    {"x", "n", OS_EIO, true, false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NCASES(cases); i++) {
		const char *cells[] = {"3", cases[i].qty, "00000000-0000-0000-0000-000000000009",
				       cases[i].name};
		PGresult *r = result_new(1, 4, cells);
		struct pg_col_dst cols[4];
		struct row w;
		enum os_status st;

		decode_list(&w, cols);
		row_clear(&w);
		st = pg_cols_decode(r, 0, cols, 4);
		if (st != cases[i].st)
			fail_msg("case %zu: status %s", i, os_status_name(st));
		if ((strcmp(w.name, "old") != 0) != cases[i].name_read ||
		    (w.qty != -7) != cases[i].qty_read)
			fail_msg("case %zu: name \"%s\", qty %d", i, w.name, (int)w.qty);
		if (st != OS_OK && (w.id != -7 || w.uid.b[15] != 0))
			fail_msg("case %zu: a column after the refusal was read", i);
		PQclear(r);
	}
}

static void test_params(void **state)
{
	static const char bin[] = {'\0', '\x01', '\xff'};
	const char *text = "42";
	struct pg_params p;

	(void)state;
	memset(&p, 0x55, sizeof(p));
	pg_params_init(&p);
	assert_int_equal(p.n, 0);
	pg_params_text(&p, text);
	pg_params_text(&p, NULL); /* SQL NULL */
	pg_params_binary(&p, bin, sizeof(bin));
	pg_params_binary(&p, bin, 0);
	assert_int_equal(p.n, 4);
	assert_ptr_equal(p.values[0], text); /* borrowed, not copied */
	assert_null(p.values[1]);
	assert_ptr_equal(p.values[2], bin);
	assert_int_equal(p.formats[0], 0);
	assert_int_equal(p.formats[1], 0);
	assert_int_equal(p.formats[2], 1);
	assert_int_equal(p.formats[3], 1);
	assert_int_equal(p.lengths[0], 0);
	assert_int_equal(p.lengths[2], 3);
	assert_int_equal(p.lengths[3], 0);

	pg_params_init(&p);
	while (p.n < PG_PARAMS_MAX)
		pg_params_text(&p, text);
	assert_int_equal(p.n, PG_PARAMS_MAX);
	assert_ptr_equal(p.values[PG_PARAMS_MAX - 1], text);
}

/* Runs add(p) on a full (or any) parameter list in a child process and
 * answers whether it died of SIGABRT. */
static bool aborts(void (*add)(struct pg_params *p), int n)
{
	struct rlimit nocore = {0, 0};
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct pg_params p;

		setrlimit(RLIMIT_CORE, &nocore);
		signal(SIGABRT, SIG_DFL);
		pg_params_init(&p);
		while (p.n < n)
			pg_params_text(&p, "v");
		add(&p);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void add_text(struct pg_params *p)
{
	pg_params_text(p, "one more");
}

static void add_binary(struct pg_params *p)
{
	pg_params_binary(p, "b", 1);
}

static void add_huge_binary(struct pg_params *p)
{
	pg_params_binary(p, "b", (size_t)INT_MAX + 1);
}

static void test_params_overflow_aborts(void **state)
{
	(void)state;
	assert_false(aborts(add_text, PG_PARAMS_MAX - 1)); /* the last one fits */
	assert_true(aborts(add_text, PG_PARAMS_MAX));
	assert_true(aborts(add_binary, PG_PARAMS_MAX));
	assert_true(aborts(add_huge_binary, 0)); /* a length an int cannot carry */
}

/* An element to append: text (pg_array_elem), free text
 * (pg_array_elem_text) or NULL. */
enum elem_kind { END = 0, ELEM, TEXT, NUL };
struct elem {
	enum elem_kind kind;
	const char *v;
};

static void build(struct sbuf *sb, const struct elem *e)
{
	pg_array_begin(sb);
	for (; e->kind != END; e++) {
		if (e->kind == ELEM)
			pg_array_elem(sb, e->v);
		else if (e->kind == TEXT)
			pg_array_elem_text(sb, e->v);
		else
			pg_array_elem_null(sb);
	}
	pg_array_end(sb);
}

/*
 * Decodes a one-dimensional array literal by PostgreSQL's rules (array_in,
 * "Array Value Input"): elements between braces, separated by commas; a
 * double-quoted element is taken literally except that a backslash takes
 * the next byte as it is; an unquoted NULL (any case) is a null. Only the
 * quoted and NULL forms the builder writes are accepted. Each element
 * becomes out[i] (NULL for a null); false on anything else.
 */
static bool decode(const char *s, char out[][64], bool isnull[], size_t max, size_t *n)
{
	size_t k;

	*n = 0;
	if (*s++ != '{')
		return false;
	if (*s == '}')
		return s[1] == '\0';
	for (;;) {
		if (*n == max)
			return false;
		isnull[*n] = strncasecmp(s, "NULL", 4) == 0 && (s[4] == ',' || s[4] == '}');
		if (isnull[*n]) {
			s += 4;
		} else {
			if (*s++ != '"')
				return false;
			for (k = 0; *s != '"'; k++) {
				if (*s == '\\')
					s++;
				if (*s == '\0' || k == 63)
					return false;
				out[*n][k] = *s++;
			}
			out[*n][k] = '\0';
			s++;
		}
		(*n)++;
		if (*s == '}')
			return s[1] == '\0';
		if (*s++ != ',')
			return false;
	}
}

static void test_array_literal(void **state)
{
	static const struct {
		struct elem in[5];
		const char *want;
	} cases[] = {
	    {{{END, NULL}}, "{}"},
	    {{{ELEM, "a"}}, "{\"a\"}"},
	    {{{ELEM, "a"}, {ELEM, "b"}, {ELEM, "c"}}, "{\"a\",\"b\",\"c\"}"},
	    {{{ELEM, ""}}, "{\"\"}"},
	    {{{NUL, NULL}}, "{NULL}"},
	    {{{ELEM, "NULL"}}, "{\"NULL\"}"}, /* the word, quoted, is not a null */
	    {{{ELEM, "null"}, {NUL, NULL}}, "{\"null\",NULL}"},
	    {{{NUL, NULL}, {ELEM, "x"}, {NUL, NULL}}, "{NULL,\"x\",NULL}"},
	    {{{NUL, NULL}, {NUL, NULL}}, "{NULL,NULL}"},
	    {{{ELEM, "say \"hi\""}}, "{\"say \\\"hi\\\"\"}"},
	    {{{ELEM, "C:\\dir\\"}}, "{\"C:\\\\dir\\\\\"}"},
	    {{{ELEM, "\\\""}}, "{\"\\\\\\\"\"}"},
	    {{{ELEM, "\""}, {ELEM, "\\"}}, "{\"\\\"\",\"\\\\\"}"},
	    {{{ELEM, "a,b"}, {ELEM, "{x}"}, {ELEM, " pad "}}, "{\"a,b\",\"{x}\",\" pad \"}"},
	    {{{ELEM, "line\nnext\ttab"}}, "{\"line\nnext\ttab\"}"},
	    {{{ELEM, "'; DROP TABLE x; --"}}, "{\"'; DROP TABLE x; --\"}"},
	    {{{TEXT, "note"}, {NUL, NULL}, {TEXT, "\"q\""}}, "{\"note\",NULL,\"\\\"q\\\"\"}"},
	};
	struct sbuf sb;
	size_t i;

	(void)state;
	sbuf_init(&sb, 4096);
	sbuf_adds(&sb, "left over"); /* begin starts afresh */
	for (i = 0; i < NCASES(cases); i++) {
		char out[5][64];
		bool isnull[5];
		size_t n, j;

		build(&sb, cases[i].in);
		assert_true(sbuf_ok(&sb));
		if (strcmp(sb.buf, cases[i].want) != 0)
			fail_msg("case %zu: got %s, want %s", i, sb.buf, cases[i].want);
		if (!decode(sb.buf, out, isnull, 5, &n))
			fail_msg("case %zu: %s is not an array literal", i, sb.buf);
		for (j = 0; cases[i].in[j].kind != END; j++) {
			bool was_null = cases[i].in[j].kind == NUL;

			if (j >= n || isnull[j] != was_null ||
			    (!was_null && strcmp(out[j], cases[i].in[j].v) != 0))
				fail_msg("case %zu: element %zu does not decode back", i, j);
		}
		assert_int_equal(n, j);
	}
	sbuf_release(&sb);
}

/* Free text keeps well-formed UTF-8 and turns each byte of anything else
 * into '?'. */
static void test_array_elem_text_utf8(void **state)
{
	static const struct {
		const char *in;
		const char *want; /* the element as it decodes back */
	} cases[] = {
	    {"plain", "plain"},
	    {"", ""},
	    {"\xC2\x80", "\xC2\x80"},		      /* U+0080 */
	    {"\xE2\x82\xAC 5", "\xE2\x82\xAC 5"},     /* U+20AC */
	    {"\xED\x9F\xBF", "\xED\x9F\xBF"},	      /* U+D7FF */
	    {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"}, /* U+1F600 */
	    {"\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"}, /* U+10FFFF */
	    {"caf\xC3", "caf?"},		      /* cut after its lead byte */
	    {"caf\xC3 ok", "caf? ok"},
	    {"\xE2\x82", "??"}, /* cut three-byte sequence */
	    {"\xF0\x9F\x98", "???"},
	    {"\xC0\xAF", "??"}, /* overlong '/' */
	    {"\xC1\xBF", "??"},
	    {"\xE0\x80\xAF", "???"},	  /* overlong, three bytes */
	    {"\xF0\x80\x80\xAF", "????"}, /* overlong, four bytes */
	    {"\xED\xA0\x80", "???"},	  /* surrogate U+D800 */
	    {"\xF4\x90\x80\x80", "????"}, /* above U+10FFFF */
	    {"\xF5\x80\x80\x80", "????"},
	    {"\x80", "?"}, /* lone continuation */
	    {"\xFE\xFF", "??"},
	    {"a\xFF\"b\\", "a?\"b\\"}, /* escaping around a bad byte */
	    {"\xC3\xA9\xC3", "\xC3\xA9?"},
	};
	struct sbuf sb;
	size_t i;

	(void)state;
	sbuf_init(&sb, 4096);
	for (i = 0; i < NCASES(cases); i++) {
		const struct elem in[] = {{TEXT, cases[i].in}, {END, NULL}};
		char out[1][64];
		bool isnull[1];
		size_t n;

		build(&sb, in);
		if (!sbuf_ok(&sb) || !decode(sb.buf, out, isnull, 1, &n) || n != 1 || isnull[0])
			fail_msg("case %zu: %s is not a one-element array", i, sb.buf);
		if (strcmp(out[0], cases[i].want) != 0)
			fail_msg("case %zu: decodes to \"%s\", want \"%s\"", i, out[0],
				 cases[i].want);
	}
	sbuf_release(&sb);
}

static void test_i64_text(void **state)
{
	static const struct {
		int64_t v;
		const char *want;
	} cases[] = {
	    {0, "0"},
	    {7, "7"},
	    {-1, "-1"},
	    {INT64_C(1700000000000000), "1700000000000000"},
	    {INT64_MAX, "9223372036854775807"},
	    {INT64_MIN, "-9223372036854775808"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NCASES(cases); i++) {
		char buf[24];
		const char *got = pg_i64_text(cases[i].v, buf, sizeof(buf));

		assert_ptr_equal(got, buf);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got %s, want %s", i, got, cases[i].want);
	}
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_col_i64),
    cmocka_unit_test(test_col_i32),
    cmocka_unit_test(test_col_uuid),
    cmocka_unit_test(test_col_str),
    cmocka_unit_test(test_col_null),
    cmocka_unit_test(test_cols_decode),
    cmocka_unit_test(test_cols_decode_stops),
    cmocka_unit_test(test_params),
    cmocka_unit_test(test_params_overflow_aborts),
    cmocka_unit_test(test_array_literal),
    cmocka_unit_test(test_array_elem_text_utf8),
    cmocka_unit_test(test_i64_text),
};

TEST_MAIN(tests, NULL, NULL);
