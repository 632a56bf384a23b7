/*
 * A PostgreSQL session: one libpq connection (or a small pool of them, see
 * pg_session_open_pool), used by one thread at a time, that survives a
 * server restart. Its I/O waits through infrastructure/io: on an API fiber
 * they never block the loop. Before each operation a broken connection
 * is reset once (bounded by connect_timeout); while the server is away the
 * operations return OS_EUNAVAIL and work again once it is back. Prepared
 * statements are prepared lazily, once per connection.
 *
 * The adapters implement the app ports over a session (pg_order_repo.h,
 * pg_outbox_store.h, pg_inbox.h, pg_admin.h, pg_inventory.h,
 * pg_inventory_catalog.h). Each init sets the port's ops and ctx = s; the
 * session stays the caller's and must outlive the port. Ports sharing one
 * session must be used from one thread.
 */
#ifndef OS_PG_SESSION_H
#define OS_PG_SESSION_H

#include "domain/status.h"

struct pg_session;

/*
 * Connects to conninfo (URL or key=value; a connect_timeout in it wins over
 * the default of a few seconds). On OS_OK *out is a new session owned by the
 * caller (pg_session_free). OS_EUNAVAIL when the server cannot be reached.
 */
enum os_status pg_session_open(const char *conninfo, struct pg_session **out, struct os_error *err);

/*
 * As pg_session_open, with synchronous_commit off: a commit returns before
 * its WAL is on disk, so a crash may lose the last few commits. Only for
 * sessions whose commits may be lost without breaking a promise: the outbox
 * relay's "sent" marks (a lost mark means the row is sent again, and
 * delivery is at least once anyway). Never for orders or the inbox.
 */
enum os_status pg_session_open_async_commit(const char *conninfo, struct pg_session **out,
					    struct os_error *err);

/*
 * A pooled session for the fibers of one API loop (infrastructure/io): up
 * to size connections (1..64), made on first use and remade when broken,
 * each lent to one fiber for one statement, or from BEGIN to COMMIT or
 * ROLLBACK; fibers that find none free wait in FIFO order until their
 * deadline (then OS_EUNAVAIL). Nothing connects here, so the API starts
 * while the database is away. Used from the loop's thread only.
 */
enum os_status pg_session_open_pool(const char *conninfo, size_t size, struct pg_session **out,
				    struct os_error *err);

/* Connections of s lent right now, and fibers waiting for one. */
void pg_session_stats(const struct pg_session *s, size_t *lent, size_t *waiting);

/* statement_timeout (ms, 0 = none) of every connection made afterwards, by
 * every session of the process. Call once at start-up. */
void pg_session_set_statement_timeout(int ms);

/* Closes the connection (an open transaction is rolled back by the server)
 * and frees s. NULL is allowed. */
void pg_session_free(struct pg_session *s);

/* SELECT 1. OS_OK, or OS_EUNAVAIL when the database does not answer. */
enum os_status pg_session_ping(struct pg_session *s, struct os_error *err);

#endif
