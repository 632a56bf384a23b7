/*
 * Statements on a session, for the postgres adapters only (defined in
 * pg_session.c): execution with transparent reconnect, transactions,
 * savepoints, LISTEN/wait and NOTIFY. The values they carry are pg_values.h.
 */
#ifndef OS_PG_EXEC_H
#define OS_PG_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "domain/status.h"
#include "infrastructure/postgres/pg_session.h"
#include "infrastructure/postgres/pg_values.h"

/*
 * Executes st (preparing it first on this connection if needed). On OS_OK
 * *out is a result the caller frees with PQclear (tuples or command ok):
 * outside a transaction, OS_OK means st committed (an error at its commit,
 * e.g. a deferred constraint, is its error). Outside a transaction a lost
 * connection is reset and the statement tried once more (st is idempotent
 * or guarded by keys, so running it twice is harmless); inside one the
 * error is returned (the transaction is gone). Errors: OS_EUNAVAIL
 * (connection; lost after st was sent, whether it committed is unknown),
 * OS_EAGAIN (deadlock, serialization), OS_ECONFLICT (check or unique
 * violation), OS_EIO (anything else).
 */
enum os_status pg_exec(struct pg_session *s, const struct pg_stmt *st, const struct pg_params *p,
		       PGresult **out, struct os_error *err);

/* As pg_exec for a statement that running twice would apply twice (a
 * stock delta): once sent, it is not tried again on a fresh connection. */
enum os_status pg_exec_once(struct pg_session *s, const struct pg_stmt *st,
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

#endif
