/*
 * What the postgres adapters share and nobody else sees: named statements,
 * execution with transparent reconnect, transactions, LISTEN/wait, and the
 * small conversions between C values and statement parameters or result
 * columns. Timestamps travel as Unix microseconds (bigint), uuids as text.
 */
#ifndef OS_PG_INTERNAL_H
#define OS_PG_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../app/sbuf.h"
#include "../../domain/status.h"
#include "../../domain/uuid.h"
#include "pg_session.h"

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

/*
 * Executes st (preparing it first on this connection if needed). On OS_OK
 * *out is a result the caller frees with PQclear (tuples or command ok).
 * Outside a transaction a lost connection is reset and the statement tried
 * once more; inside one the error is returned (the transaction is gone).
 * Errors: OS_EUNAVAIL (connection), OS_EAGAIN (deadlock, serialization),
 * OS_ECONFLICT (check or unique violation), OS_EIO (anything else).
 */
enum os_status pg_exec(struct pg_session *s, const struct pg_stmt *st,
		       const struct pg_params *p, PGresult **out, struct os_error *err);

/* As pg_exec for a statement whose rows are not wanted. */
enum os_status pg_exec_cmd(struct pg_session *s, const struct pg_stmt *st,
			   const struct pg_params *p, struct os_error *err);

/* BEGIN / COMMIT; a failed COMMIT leaves no transaction. rollback never fails
 * visibly (a lost connection has rolled back already). */
enum os_status pg_begin(struct pg_session *s, struct os_error *err);
enum os_status pg_commit(struct pg_session *s, struct os_error *err);
void pg_rollback(struct pg_session *s);
bool pg_in_tx(const struct pg_session *s);

/*
 * One savepoint (a fixed name, not nested) inside the caller's transaction,
 * for work that may fail on its own without taking the rest along:
 * pg_savepoint before it, pg_savepoint_release after it succeeded, and
 * pg_savepoint_undo (rollback to it and release it) after pg_row_fault said
 * the failure was the work's own.
 */
enum os_status pg_savepoint(struct pg_session *s, struct os_error *err);
enum os_status pg_savepoint_release(struct pg_session *s, struct os_error *err);
enum os_status pg_savepoint_undo(struct pg_session *s, struct os_error *err);
/* True for failures that belong to the statement's data (a constraint, a
 * value that does not fit, a change too large), false for those of the
 * connection, a deadlock or memory, which end the whole transaction. */
bool pg_row_fault(enum os_status st);

/*
 * LISTENs on channel (once per connection; again after a reconnect), then
 * waits up to timeout_ms for a notification on it, draining all that came.
 * OS_OK on a notification, on timeout and on EINTR; OS_EUNAVAIL when the
 * connection is lost or cannot be made. channel is a fixed identifier.
 */
enum os_status pg_wait(struct pg_session *s, const char *channel, int timeout_ms,
		       struct os_error *err);

/*
 * NOTIFY channel with each payload of payloads[0..n) after a commit, in a
 * transaction of its own that does not wait for its WAL flush (a wake-up
 * needs no durability). On a fiber it returns at once: the session's
 * loop sends what its fibers asked for within a 2 ms window on a fiber of
 * its own, one transaction per window at most. Elsewhere it sends in
 * place. The channel is a fixed identifier; one channel
 * per session; at most PG_NOTIFY_MAX distinct payloads (64 bytes) wait at
 * once, others are dropped. Failures are ignored: the listeners poll too.
 */
#define PG_NOTIFY_MAX 8
void pg_notify_soon(struct pg_session *s, const char *channel, const char *const *payloads,
		    size_t n);

/* Result columns. Each fails with OS_EIO on NULL, bad text or overflow. */
enum os_status pg_col_i64(const PGresult *r, int row, int col, int64_t *out);
enum os_status pg_col_i32(const PGresult *r, int row, int col, int32_t *out);
enum os_status pg_col_uuid(const PGresult *r, int row, int col, struct uuid *out);
/* Copies into buf (cap bytes with NUL); OS_EIO when it does not fit. */
enum os_status pg_col_str(const PGresult *r, int row, int col, char *buf, size_t cap);
bool pg_col_null(const PGresult *r, int row, int col);

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
