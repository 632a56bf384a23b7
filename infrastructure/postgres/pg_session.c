/*
 * The session: a libpq connection that reconnects before an operation when
 * it finds itself broken, prepares named statements lazily per connection,
 * and maps libpq failures onto the project's status codes. Everything is
 * blocking with bounded timeouts; one thread uses a session at a time.
 */
#include "pg_internal.h"

#include "../log/log.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_PREPARED_MAX 64
#define PG_LISTEN_MAX 4
#define PG_CONNECT_TIMEOUT "3"

struct pg_session {
	char *conninfo;
	PGconn *conn;
	bool in_tx;
	size_t prepared_count;
	const struct pg_stmt *prepared[PG_PREPARED_MAX];
	size_t listen_count;
	const char *listening[PG_LISTEN_MAX];
};

/* Server notices and libpq's own messages go to the log, not raw stderr. */
static void notice_to_log(void *arg, const char *message)
{
	(void)arg;
	log_kv(LOG_WARN, "postgres notice", "detail", message, NULL);
}

/* Async commit rides in the startup options, so PQreset keeps it. */
static PGconn *connect_now(const char *conninfo, bool async_commit)
{
	/* connect_timeout first: an expanded conninfo that sets it wins. */
	const char *keys[] = { "connect_timeout", "options", "dbname", NULL };
	const char *vals[] = { PG_CONNECT_TIMEOUT,
			       async_commit ? "-c synchronous_commit=off" : "", conninfo, NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	if (c != NULL)
		PQsetNoticeProcessor(c, notice_to_log, NULL);
	return c;
}

static void forget_connection_state(struct pg_session *s)
{
	s->prepared_count = 0;
	s->listen_count = 0;
	s->in_tx = false;
}

/* Makes sure the connection is usable: one PQreset if it is not. */
static enum os_status ensure_connected(struct pg_session *s, struct os_error *err)
{
	if (PQstatus(s->conn) == CONNECTION_OK)
		return OS_OK;
	forget_connection_state(s);
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK)
		return os_fail(err, OS_EUNAVAIL, NULL, "database unreachable: %s",
			       PQerrorMessage(s->conn));
	return OS_OK;
}

static enum os_status session_open(const char *conninfo, bool async_commit,
				   struct pg_session **out, struct os_error *err)
{
	struct pg_session *s = calloc(1, sizeof(*s));
	enum os_status st = OS_ENOMEM;

	if (s == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	s->conninfo = strdup(conninfo);
	if (s->conninfo == NULL)
		goto out;
	s->conn = connect_now(s->conninfo, async_commit);
	if (s->conn == NULL)
		goto out;
	if (PQstatus(s->conn) != CONNECTION_OK) {
		st = os_fail(err, OS_EUNAVAIL, NULL, "database unreachable: %s",
			     PQerrorMessage(s->conn));
		goto out;
	}
	*out = s;
	s = NULL;
	st = OS_OK;
out:
	if (st == OS_ENOMEM)
		os_fail(err, OS_ENOMEM, NULL, "out of memory");
	pg_session_free(s);
	return st;
}

enum os_status pg_session_open(const char *conninfo, struct pg_session **out,
			       struct os_error *err)
{
	return session_open(conninfo, false, out, err);
}

enum os_status pg_session_open_async_commit(const char *conninfo, struct pg_session **out,
					    struct os_error *err)
{
	return session_open(conninfo, true, out, err);
}

void pg_session_free(struct pg_session *s)
{
	if (s == NULL)
		return;
	if (s->conn != NULL)
		PQfinish(s->conn);
	free(s->conninfo);
	free(s);
}

/* Classifies a failed result (or a NULL one) into a status with detail. */
static enum os_status fail_from(struct pg_session *s, const PGresult *r, const char *what,
				struct os_error *err)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(s->conn);
	enum os_status st = OS_EIO;

	if (PQstatus(s->conn) != CONNECTION_OK || state == NULL ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		st = OS_EUNAVAIL;
	else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		st = OS_EAGAIN;
	else if (strcmp(state, "23505") == 0 || strcmp(state, "23514") == 0)
		st = OS_ECONFLICT;
	if (st == OS_EUNAVAIL)
		forget_connection_state(s);
	return os_fail(err, st, NULL, "%s: %s", what, msg && msg[0] ? msg : "no detail");
}

static bool is_prepared(const struct pg_session *s, const struct pg_stmt *st)
{
	size_t i;

	for (i = 0; i < s->prepared_count; i++)
		if (s->prepared[i] == st)
			return true;
	return false;
}

static enum os_status prepare(struct pg_session *s, const struct pg_stmt *st,
			      struct os_error *err)
{
	PGresult *r;
	enum os_status rc = OS_OK;

	if (is_prepared(s, st))
		return OS_OK;
	if (s->prepared_count == PG_PREPARED_MAX)
		return os_fail(err, OS_EIO, NULL, "too many prepared statements");
	r = PQprepare(s->conn, st->name, st->sql, st->nparams, NULL);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = fail_from(s, r, st->name, err);
	else
		s->prepared[s->prepared_count++] = st;
	PQclear(r);
	return rc;
}

static enum os_status exec_once(struct pg_session *s, const struct pg_stmt *st,
				const struct pg_params *p, PGresult **out, struct os_error *err)
{
	PGresult *r;
	ExecStatusType rs;
	enum os_status rc;

	rc = ensure_connected(s, err);
	if (rc != OS_OK)
		return rc;
	rc = prepare(s, st, err);
	if (rc != OS_OK)
		return rc;
	r = PQexecPrepared(s->conn, st->name, p ? p->n : 0, p ? p->values : NULL,
			   p ? p->lengths : NULL, p ? p->formats : NULL, 0);
	rs = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
		rc = fail_from(s, r, st->name, err);
		PQclear(r);
		return rc;
	}
	*out = r;
	return OS_OK;
}

enum os_status pg_exec(struct pg_session *s, const struct pg_stmt *st,
		       const struct pg_params *p, PGresult **out, struct os_error *err)
{
	bool in_tx = s->in_tx;
	enum os_status rc = exec_once(s, st, p, out, err);

	/* Outside a transaction nothing is lost by one more try on a fresh
	 * connection: our statements are idempotent or guarded by keys. */
	if (rc == OS_EUNAVAIL && !in_tx && PQstatus(s->conn) != CONNECTION_OK)
		rc = exec_once(s, st, p, out, err);
	return rc;
}

enum os_status pg_exec_cmd(struct pg_session *s, const struct pg_stmt *st,
			   const struct pg_params *p, struct os_error *err)
{
	PGresult *r = NULL;
	enum os_status rc = pg_exec(s, st, p, &r, err);

	PQclear(r);
	return rc;
}

static const struct pg_stmt stmt_begin = { "os_begin", "BEGIN", 0 };
static const struct pg_stmt stmt_commit = { "os_commit", "COMMIT", 0 };
static const struct pg_stmt stmt_rollback = { "os_rollback", "ROLLBACK", 0 };
static const struct pg_stmt stmt_ping = { "os_ping", "SELECT 1", 0 };
static const struct pg_stmt stmt_savepoint = { "os_savepoint", "SAVEPOINT os_work", 0 };
static const struct pg_stmt stmt_release = { "os_release", "RELEASE SAVEPOINT os_work", 0 };
static const struct pg_stmt stmt_rollback_to = {
	"os_rollback_to",
	"ROLLBACK TO SAVEPOINT os_work",
	0,
};

enum os_status pg_begin(struct pg_session *s, struct os_error *err)
{
	enum os_status rc = pg_exec_cmd(s, &stmt_begin, NULL, err);

	if (rc == OS_OK)
		s->in_tx = true;
	return rc;
}

enum os_status pg_commit(struct pg_session *s, struct os_error *err)
{
	enum os_status rc = pg_exec_cmd(s, &stmt_commit, NULL, err);

	s->in_tx = false;
	return rc;
}

void pg_rollback(struct pg_session *s)
{
	if (!s->in_tx)
		return;
	if (PQstatus(s->conn) == CONNECTION_OK)
		(void)pg_exec_cmd(s, &stmt_rollback, NULL, NULL);
	s->in_tx = false;
}

bool pg_in_tx(const struct pg_session *s)
{
	return s->in_tx;
}

enum os_status pg_savepoint(struct pg_session *s, struct os_error *err)
{
	return pg_exec_cmd(s, &stmt_savepoint, NULL, err);
}

enum os_status pg_savepoint_release(struct pg_session *s, struct os_error *err)
{
	return pg_exec_cmd(s, &stmt_release, NULL, err);
}

/* ROLLBACK TO keeps the savepoint; releasing it too keeps the next
 * pg_savepoint from nesting inside it. */
enum os_status pg_savepoint_undo(struct pg_session *s, struct os_error *err)
{
	enum os_status rc = pg_exec_cmd(s, &stmt_rollback_to, NULL, err);

	return rc == OS_OK ? pg_savepoint_release(s, err) : rc;
}

bool pg_row_fault(enum os_status st)
{
	return st != OS_OK && st != OS_EUNAVAIL && st != OS_EAGAIN && st != OS_ENOMEM;
}

enum os_status pg_session_ping(struct pg_session *s, struct os_error *err)
{
	enum os_status rc = pg_exec_cmd(s, &stmt_ping, NULL, err);

	/* Readiness only asks "does it answer": any failure is unavailability. */
	return rc == OS_OK ? OS_OK : OS_EUNAVAIL;
}

static bool is_listening(const struct pg_session *s, const char *channel)
{
	size_t i;

	for (i = 0; i < s->listen_count; i++)
		if (strcmp(s->listening[i], channel) == 0)
			return true;
	return false;
}

/* LISTEN takes an identifier, not a parameter; channel is one of our own
 * constants, never input. */
static enum os_status listen_on(struct pg_session *s, const char *channel,
				struct os_error *err)
{
	char sql[64];
	PGresult *r;
	enum os_status rc = OS_OK;

	if (is_listening(s, channel))
		return OS_OK;
	if (s->listen_count == PG_LISTEN_MAX)
		return os_fail(err, OS_EIO, NULL, "too many channels");
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	r = PQexec(s->conn, sql);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = fail_from(s, r, "listen", err);
	else
		s->listening[s->listen_count++] = channel;
	PQclear(r);
	return rc;
}

/* Takes every queued notification; true when one was for channel. */
static bool drain_notifies(struct pg_session *s, const char *channel)
{
	PGnotify *n;
	bool hit = false;

	while ((n = PQnotifies(s->conn)) != NULL) {
		if (strcmp(n->relname, channel) == 0)
			hit = true;
		PQfreemem(n);
	}
	return hit;
}

enum os_status pg_wait(struct pg_session *s, const char *channel, int timeout_ms,
		       struct os_error *err)
{
	struct pollfd pfd;
	enum os_status rc = ensure_connected(s, err);

	if (rc == OS_OK)
		rc = listen_on(s, channel, err);
	if (rc != OS_OK)
		return rc;
	if (drain_notifies(s, channel))
		return OS_OK;
	pfd.fd = PQsocket(s->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, timeout_ms) < 0)
		return errno == EINTR ? OS_OK : os_fail(err, OS_EIO, NULL, "poll failed");
	if (pfd.revents == 0)
		return OS_OK;
	if (!PQconsumeInput(s->conn) || PQstatus(s->conn) != CONNECTION_OK) {
		forget_connection_state(s);
		return os_fail(err, OS_EUNAVAIL, NULL, "database connection lost: %s",
			       PQerrorMessage(s->conn));
	}
	(void)drain_notifies(s, channel);
	return OS_OK;
}
