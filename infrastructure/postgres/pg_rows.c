/* Rows of a statement into an array, one decode function per adapter. */
#include "infrastructure/postgres/pg_rows.h"

#include <stdint.h>
#include <stdlib.h>

enum os_status pg_rows_decode(const PGresult *r, const struct pg_rows *rows, size_t *n,
			      struct os_error *err)
{
	int count = PQntuples(r);
	int i;

	if (count < 0 || (size_t)count > rows->cap)
		count = (int)rows->cap;
	for (i = 0; i < count; i++) {
		if (rows->decode(r, i, (char *)rows->out + (size_t)i * rows->size) != OS_OK)
			return os_fail(err, OS_EIO, NULL, "%s: unreadable row", rows->what);
	}
	*n = (size_t)count;
	return OS_OK;
}

enum os_status pg_exec_rows(struct pg_session *s, const struct pg_stmt *st,
			    const struct pg_params *p, const struct pg_rows *rows, size_t *n,
			    struct os_error *err)
{
	PGresult *r = NULL;
	enum os_status status = pg_exec(s, st, p, &r, err);

	if (status == OS_OK)
		status = pg_rows_decode(r, rows, n, err);
	PQclear(r);
	return status;
}

enum os_status pg_exec_purge(struct pg_session *s, const struct pg_stmt *st, int64_t before_us,
			     size_t max, size_t *deleted, struct os_error *err)
{
	char before[24], lim[24];
	struct pg_params p;
	PGresult *r = NULL;
	enum os_status rc;

	pg_params_init(&p);
	pg_params_text(&p, pg_i64_text(before_us, before, sizeof(before)));
	pg_params_text(&p, pg_i64_text((int64_t)max, lim, sizeof(lim)));
	rc = pg_exec(s, st, &p, &r, err);
	if (rc == OS_OK)
		*deleted = (size_t)strtoull(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return rc;
}
