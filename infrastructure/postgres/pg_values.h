/*
 * The small conversions the postgres adapters share (pg_values.c): named
 * statements and their parameters, result columns, text-array literals.
 * Timestamps travel as Unix microseconds (bigint), uuids as text.
 */
#ifndef OS_PG_VALUES_H
#define OS_PG_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "app/sbuf.h"
#include "domain/status.h"
#include "domain/uuid.h"

/* SQL fragments: microseconds <-> timestamptz. */
#define PG_TS(p) "(timestamptz 'epoch' + (" p ")::bigint * interval '1 microsecond')"
#define PG_US(c) "(extract(epoch FROM " c ") * 1000000)::bigint"

#define PG_PARAMS_MAX 32

/* A named, parameterised statement; defined static const by each adapter and
 * prepared on first use on each connection. */
struct pg_stmt {
	const char *name;
	const char *sql;
	int nparams;
};

/*
 * Parameters of one execution. Text unless a length is given with
 * binary = true (bytea). NULL value = SQL NULL. Values are borrowed.
 */
struct pg_params {
	int n;
	const char *values[PG_PARAMS_MAX];
	int lengths[PG_PARAMS_MAX];
	int formats[PG_PARAMS_MAX];
};

void pg_params_init(struct pg_params *p);
void pg_params_text(struct pg_params *p, const char *v);
void pg_params_binary(struct pg_params *p, const char *v, size_t len);

/* Result columns. Each fails with OS_EIO on NULL, bad text or overflow. */
enum os_status pg_col_i64(const PGresult *r, int row, int col, int64_t *out);
enum os_status pg_col_i32(const PGresult *r, int row, int col, int32_t *out);
enum os_status pg_col_uuid(const PGresult *r, int row, int col, struct uuid *out);
/* Copies into buf (cap bytes with NUL); OS_EIO when it does not fit. */
enum os_status pg_col_str(const PGresult *r, int row, int col, char *buf, size_t cap);
bool pg_col_null(const PGresult *r, int row, int col);

/* One column of a row and the field it is decoded into (cap: the bytes of
 * a PG_COL_STR field). */
enum pg_col_kind { PG_COL_I64, PG_COL_I32, PG_COL_UUID, PG_COL_STR };
struct pg_col_dst {
	enum pg_col_kind kind;
	int col;
	void *out;
	size_t cap;
};

/* Decodes the n columns in order with the pg_col_* above; stops at the
 * first that fails and returns its status. */
enum os_status pg_cols_decode(const PGresult *r, int row, const struct pg_col_dst *cols, size_t n);

/* Appends elements to a text-array literal built in sb: call begin, then
 * elem / elem_null for each, then end. Quotes and backslashes are escaped. */
void pg_array_begin(struct sbuf *sb);
void pg_array_elem(struct sbuf *sb, const char *v);
void pg_array_elem_null(struct sbuf *sb);
/* As pg_array_elem for free text (error notes): a byte that is not part of
 * well-formed UTF-8 (say a multibyte character cut by truncation) becomes
 * '?', so the server never refuses the whole array for one bad note. */
void pg_array_elem_text(struct sbuf *sb, const char *v);
void pg_array_end(struct sbuf *sb);

/* Decimal text of v into buf (at least 24 bytes). */
const char *pg_i64_text(int64_t v, char *buf, size_t cap);

#endif
