/*
 * Reading a statement's rows into an array (pg_rows.c): keyset pages,
 * histories, batches of ids. Each row is decoded by the adapter's own
 * function; a row that does not decode fails the whole read.
 */
#ifndef OS_PG_ROWS_H
#define OS_PG_ROWS_H

#include <stddef.h>

#include <libpq-fe.h>

#include "infrastructure/postgres/pg_exec.h"

/* Decodes row `row` of r into the element at out; OS_OK or OS_EIO. */
typedef enum os_status pg_row_fn(const PGresult *r, int row, void *out);

/* Where the rows go: out holds cap elements of size bytes each; what names
 * the rows in an error ("inventory: unreadable row"). */
struct pg_rows {
	pg_row_fn *decode;
	void *out;
	size_t size;
	size_t cap;
	const char *what;
};

/* Decodes the rows of r, at most rows->cap, into rows->out[0..*n). On a row
 * that does not decode: OS_EIO, and *n is not written. */
enum os_status pg_rows_decode(const PGresult *r, const struct pg_rows *rows, size_t *n,
			      struct os_error *err);

/* pg_exec of st with p, then pg_rows_decode of its rows; frees the result. */
enum os_status pg_exec_rows(struct pg_session *s, const struct pg_stmt *st,
			    const struct pg_params *p, const struct pg_rows *rows, size_t *n,
			    struct os_error *err);

/* Runs a purge: st deletes at most $2 rows older than $1 (Unix
 * microseconds); *deleted counts the rows it deleted. */
enum os_status pg_exec_purge(struct pg_session *s, const struct pg_stmt *st, int64_t before_us,
			     size_t max, size_t *deleted, struct os_error *err);

#endif
