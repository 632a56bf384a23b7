/*
 * The operator port over PostgreSQL (app/admin_port.h): dead outbox rows and
 * rejected inbox rows, listed by id and put back to pending (with a NOTIFY
 * so the workers look at once), readiness, and queue depths for /metrics.
 */
#include "infrastructure/postgres/pg_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/admin_port.h"
#include "infrastructure/postgres/pg_exec.h"
#include "infrastructure/postgres/pg_rows.h"

static const struct pg_stmt stmt_list_outbox = {
    "admin_list_outbox",
    "SELECT seq, id::text, type, destination, aggregateid::text, attempts, "
    "coalesce(last_error, ''), " PG_US(
	"created_at") " FROM outbox "
		      "WHERE status = 'dead' AND seq > $1 ORDER BY seq LIMIT $2",
    2,
};

static const struct pg_stmt stmt_list_inbox = {
    "admin_list_inbox",
    "SELECT id, message_id, type, source, order_id::text, attempts, "
    "coalesce(error, ''), " PG_US(
	"received_at") " FROM inbox "
		       "WHERE status = 'rejected' AND id > $1 ORDER BY id LIMIT $2",
    2,
};

/*
 * Dead rows to retry, except payment requests of orders no longer new
 * (DESIGN §5: never sent again once the order left new). The orders of dead
 * payment requests are read locked (ord): a cancel still being committed is
 * waited for and its status read (a plain read saw the order as new, and
 * the request went back to be sent for a cancelled order). The last
 * columns describe the first refused row for the error of a single retry.
 */
static const struct pg_stmt stmt_retry_outbox = {
    "admin_retry_outbox",
    "WITH ord AS (SELECT r.id, r.status FROM orders r WHERE r.id IN (SELECT q.aggregateid "
    "FROM outbox q WHERE q.status = 'dead' AND q.type = '" OUTBOX_TYPE_PAYMENT_REQUEST "' "
    "AND ($1::bigint = 0 OR q.seq = $1::bigint)) FOR SHARE OF r), "
    "c AS (SELECT o.id, o.seq, o.aggregateid, ord.status AS order_status, "
    "(o.type = '" OUTBOX_TYPE_PAYMENT_REQUEST "' AND ord.status IS DISTINCT FROM 'new') "
    "AS refused FROM outbox o LEFT JOIN ord ON ord.id = o.aggregateid "
    "WHERE o.status = 'dead' AND ($1::bigint = 0 OR o.seq = $1::bigint) FOR UPDATE OF o), "
    "u AS (UPDATE outbox SET status = 'pending', attempts = 0, "
    "next_attempt_at = now(), last_error = NULL WHERE id IN (SELECT id FROM c WHERE NOT refused) "
    "RETURNING destination), "
    "n AS (SELECT pg_notify('outbox', d) FROM (SELECT DISTINCT destination AS d FROM u) x), "
    "f AS (SELECT aggregateid::text AS agg, coalesce(order_status, 'gone') AS st FROM c "
    "WHERE refused ORDER BY seq LIMIT 1) "
    "SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM n), "
    "(SELECT count(*) FROM c WHERE refused), (SELECT agg FROM f), (SELECT st FROM f)",
    1,
};

static const struct pg_stmt stmt_retry_inbox = {
    "admin_retry_inbox",
    "WITH u AS (UPDATE inbox SET status = 'pending', attempts = 0, "
    "next_attempt_at = now(), error = NULL WHERE status = 'rejected' "
    "AND ($1::bigint = 0 OR id = $1::bigint) RETURNING 1), "
    "n AS (SELECT pg_notify('inbox', '') WHERE EXISTS (SELECT 1 FROM u)) "
    "SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM n), 0, NULL, NULL",
    1,
};

static const struct pg_stmt stmt_stats_outbox = {
    "admin_stats_outbox",
    "SELECT destination, count(*) FILTER (WHERE status = 'pending'), "
    "coalesce((extract(epoch FROM now() - min(created_at) FILTER "
    "(WHERE status = 'pending')) * 1000)::bigint, 0), "
    "count(*) FILTER (WHERE status = 'dead') FROM outbox "
    "WHERE status IN ('pending', 'dead') GROUP BY destination ORDER BY destination LIMIT $1",
    1,
};

static const struct pg_stmt stmt_stats_inbox = {
    "admin_stats_inbox",
    "SELECT count(*) FILTER (WHERE status = 'pending'), "
    "coalesce((extract(epoch FROM now() - min(received_at) FILTER "
    "(WHERE status = 'pending')) * 1000)::bigint, 0), "
    "count(*) FILTER (WHERE status = 'rejected') FROM inbox "
    "WHERE status IN ('pending', 'rejected')",
    0,
};

/*
 * A text column cut to what fits in buf (cap with the NUL), never inside a
 * UTF-8 character: a dead row is listed whatever it holds (a type or error
 * longer than our buffers, which a later version or a hand-made row may
 * have), since listing dead rows is how an operator finds out about them.
 */
static void col_text_cut(const PGresult *r, int row, int col, char *buf, size_t cap)
{
	const char *v = PQgetvalue(r, row, col);
	size_t len = (size_t)PQgetlength(r, row, col);

	if (len >= cap) {
		len = cap - 1;
		while (len > 0 && ((unsigned char)v[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(buf, v, len);
	buf[len] = '\0';
}

static enum os_status decode_dead(const PGresult *r, int i, void *row)
{
	struct dead_letter *d = row;

	memset(d, 0, sizeof(*d));
	if (pg_col_i64(r, i, 0, &d->id) != OS_OK || pg_col_i32(r, i, 5, &d->attempts) != OS_OK ||
	    pg_col_i64(r, i, 7, &d->at_us) != OS_OK)
		return OS_EIO;
	col_text_cut(r, i, 1, d->message_id, sizeof(d->message_id));
	col_text_cut(r, i, 2, d->type, sizeof(d->type));
	col_text_cut(r, i, 3, d->where, sizeof(d->where));
	col_text_cut(r, i, 6, d->error, sizeof(d->error));
	d->has_order_id = !pg_col_null(r, i, 4);
	if (d->has_order_id && pg_col_uuid(r, i, 4, &d->order_id) != OS_OK)
		return OS_EIO;
	return OS_OK;
}

static enum os_status admin_list_rows(void *ctx, enum admin_kind kind, int64_t after_id,
				      size_t limit, struct dead_letter *out, size_t *n,
				      struct os_error *err)
{
	struct pg_rows rows = {decode_dead, out, sizeof(*out), limit, "admin"};
	char after[24];
	char lim[24];
	struct pg_params p;

	if (limit == 0 || limit > ADMIN_LIST_MAX)
		return os_fail(err, OS_EINVAL, "limit", "must be 1..%d", ADMIN_LIST_MAX);
	pg_params_init(&p);
	pg_params_text(&p, pg_i64_text(after_id, after, sizeof(after)));
	pg_params_text(&p, pg_i64_text((int64_t)limit, lim, sizeof(lim)));
	return pg_exec_rows(ctx, kind == ADMIN_OUTBOX ? &stmt_list_outbox : &stmt_list_inbox, &p,
			    &rows, n, err);
}

/* The answer to a retry of one row that was refused. */
static enum os_status refused_error(const PGresult *r, int64_t id, struct os_error *err)
{
	return os_fail(err, OS_ECONFLICT, "id",
		       "row %lld is the payment request of order %.36s, which is %.16s: a payment "
		       "request is only sent again while its order is new",
		       (long long)id, PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4));
}

static enum os_status admin_retry_rows(void *ctx, enum admin_kind kind, int64_t id,
				       struct admin_retry_result *out, struct os_error *err)
{
	char num[24];
	struct pg_params p;
	PGresult *r = NULL;
	int64_t count = 0, refused = 0;
	enum os_status st;

	pg_params_init(&p);
	pg_params_text(&p, pg_i64_text(id, num, sizeof(num)));
	st = pg_exec(ctx, kind == ADMIN_OUTBOX ? &stmt_retry_outbox : &stmt_retry_inbox, &p, &r,
		     err);
	if (st == OS_OK &&
	    (pg_col_i64(r, 0, 0, &count) != OS_OK || pg_col_i64(r, 0, 2, &refused) != OS_OK))
		st = os_fail(err, OS_EIO, NULL, "admin: unreadable count");
	if (st == OS_OK && id != 0 && refused > 0)
		st = refused_error(r, id, err);
	if (st == OS_OK && id != 0 && count == 0)
		st = os_fail(err, OS_ENOTFOUND, "id", "no such row to retry");
	if (st == OS_OK) {
		out->retried = (size_t)count;
		out->refused = (size_t)refused;
	}
	PQclear(r);
	return st;
}

static enum os_status admin_ping_db(void *ctx, struct os_error *err)
{
	return pg_session_ping(ctx, err);
}

static enum os_status decode_queue(const PGresult *r, int row, void *out)
{
	struct outbox_queue_stats *q = out;

	if (pg_col_str(r, row, 0, q->destination, sizeof(q->destination)) != OS_OK ||
	    pg_col_i64(r, row, 1, &q->pending) != OS_OK ||
	    pg_col_i64(r, row, 2, &q->oldest_pending_age_ms) != OS_OK ||
	    pg_col_i64(r, row, 3, &q->dead) != OS_OK)
		return OS_EIO;
	return OS_OK;
}

static enum os_status stats_outbox(struct pg_session *s, struct queue_stats *q,
				   struct os_error *err)
{
	struct pg_rows rows = {decode_queue, q->outbox, sizeof(q->outbox[0]),
			       ADMIN_STATS_DESTINATIONS, "stats"};
	char lim[24];
	struct pg_params p;

	pg_params_init(&p);
	pg_params_text(&p, pg_i64_text(ADMIN_STATS_DESTINATIONS, lim, sizeof(lim)));
	return pg_exec_rows(s, &stmt_stats_outbox, &p, &rows, &q->destination_count, err);
}

static enum os_status stats_inbox(struct pg_session *s, struct queue_stats *q, struct os_error *err)
{
	PGresult *r = NULL;
	enum os_status st = pg_exec(s, &stmt_stats_inbox, NULL, &r, err);

	if (st == OS_OK && (pg_col_i64(r, 0, 0, &q->inbox_pending) != OS_OK ||
			    pg_col_i64(r, 0, 1, &q->inbox_oldest_pending_age_ms) != OS_OK ||
			    pg_col_i64(r, 0, 2, &q->inbox_rejected) != OS_OK))
		st = os_fail(err, OS_EIO, NULL, "stats: unreadable inbox row");
	PQclear(r);
	return st;
}

static enum os_status admin_stats_read(void *ctx, struct queue_stats *out, struct os_error *err)
{
	struct queue_stats *q = calloc(1, sizeof(*q));
	enum os_status st;

	if (q == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	st = stats_outbox(ctx, q, err);
	if (st == OS_OK)
		st = stats_inbox(ctx, q, err);
	if (st == OS_OK)
		*out = *q;
	free(q);
	return st;
}

static const struct admin_ops pg_admin_ops = {
    .list = admin_list_rows,
    .retry = admin_retry_rows,
    .ping = admin_ping_db,
    .stats = admin_stats_read,
};

void pg_admin_init(struct admin *out, struct pg_session *s)
{
	out->ops = &pg_admin_ops;
	out->ctx = s;
}
