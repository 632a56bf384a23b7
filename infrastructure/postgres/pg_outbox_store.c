/*
 * The outbox store over PostgreSQL (app/outbox_port.h). A claim opens a
 * transaction and locks its rows FOR UPDATE SKIP LOCKED; the transaction
 * stays open until complete (one statement marks the whole batch, then
 * COMMIT) or release (ROLLBACK). A relay that dies loses nothing: its locks
 * go with its connection and the rows are claimable again.
 *
 * Rows are data from the database and are not trusted: a row whose columns
 * break their bounds (a type too long, a payload over the limit) would fail
 * every claim and stall the relay, so the claim marks it dead on the spot
 * (committed at once, visible to operators) and hands out the others.
 */
#include "infrastructure/postgres/pg_outbox_store.h"

#include <stdlib.h>
#include <string.h>

#include "app/outbox_port.h"
#include "infrastructure/log/log.h"
#include "infrastructure/postgres/pg_exec.h"
#include "infrastructure/postgres/pg_rows.h"

#define PG_OUTBOX_ARRAY_MAX   (1024u * 1024u)
#define PG_OUTBOX_PAYLOAD_MAX (1024 * 1024) /* bytes of one payload handed out */
#define PG_OUTBOX_HEADERS_MAX (16 * 1024)
#define PG_OUTBOX_UNREADABLE  "unreadable outbox row: a column breaks its bound"

/*
 * One index range scan per destination (outbox_pending_idx: destination,
 * seq), merged by seq: a backlog of another destination (a payment service
 * that is down) never slows this relay's claim. The outer LIMIT may leave a
 * few locked rows unreturned; they are let go with the transaction.
 */
static const struct pg_stmt stmt_claim = {
    "outbox_claim",
    "SELECT c.seq, c.id, c.aggregateid, c.type, c.destination, c.payload, c.headers, "
    "c.attempts, c.created_us, c.ctid FROM unnest($1::text[]) AS d(dest) CROSS JOIN LATERAL ("
    "SELECT o.seq, o.id::text AS id, o.aggregateid::text AS aggregateid, o.type, "
    "o.destination, o.payload::text AS payload, o.headers::text AS headers, o.attempts, "
    "o.ctid::text AS ctid, " PG_US(
	"o.created_at") " AS created_us FROM outbox o "
			"WHERE o.status = 'pending' AND o.destination = d.dest "
			"AND o.next_attempt_at <= now() AND NOT EXISTS (SELECT 1 FROM outbox e "
			"WHERE e.status = 'pending' AND e.aggregateid = o.aggregateid "
			"AND e.destination = o.destination AND e.seq < o.seq) "
			"ORDER BY o.seq LIMIT $2 FOR UPDATE OF o SKIP LOCKED) c "
			"ORDER BY c.seq LIMIT $2",
    2,
};

/*
 * Sent rows are found by their ctid, which the claim returned: the claim's
 * locks keep each row where it is until this transaction ends, and a TID
 * scan spares a descent of the event-id index per row (a fifth of the
 * database's time in a drain went to index descents).
 *
 * A payment request that failed while its order was cancelled (the
 * cancellation found it held by this relay, so could not withdraw it) is
 * withdrawn here instead of being retried: never sent after the order left
 * new. The orders of failed requests are read locked (ord): a cancel still
 * being committed is waited for and its status read, where a plain read
 * would see the order as new and put the request back to be sent again.
 * Nobody who holds an order waits for an outbox row (they pass over the
 * rows a relay holds), so the wait cannot close a circle. Rows are found by
 * their event id alone (the claim's locks keep them pending): a status
 * condition here lets the planner prefer scanning every pending row over
 * the primary key. The counts let complete check that every row was found.
 */
static const struct pg_stmt stmt_complete = {
    "outbox_complete",
    "WITH sent AS (UPDATE outbox SET status = 'sent', sent_at = clock_timestamp() "
    "WHERE ctid = ANY($1::tid[]) RETURNING 1), "
    "ord AS (SELECT r.id, r.status FROM orders r WHERE r.id IN (SELECT q.aggregateid "
    "FROM outbox q WHERE q.id = ANY($2::uuid[]) AND q.type = '" OUTBOX_TYPE_PAYMENT_REQUEST "') "
    "FOR SHARE OF r), "
    "failed AS (UPDATE outbox o SET status = CASE WHEN o.type = '" OUTBOX_TYPE_PAYMENT_REQUEST "' "
    "AND EXISTS (SELECT 1 FROM ord WHERE ord.id = o.aggregateid AND ord.status <> 'new') "
    "THEN 'cancelled' WHEN f.dead THEN 'dead' ELSE 'pending' END, "
    "attempts = least(o.attempts, 2147483646) + 1, "
    "next_attempt_at = " PG_TS(
	"f.next") ", last_error = f.error "
		  "FROM unnest($2::uuid[], $3::bool[], $4::bigint[], $5::text[]) "
		  "AS f(id, dead, next, error) WHERE o.id = f.id RETURNING 1) "
		  "SELECT (SELECT count(*) FROM sent), (SELECT count(*) FROM failed)",
    5,
};

static const struct pg_stmt stmt_bury = {
    "outbox_bury",
    "UPDATE outbox SET status = 'dead', attempts = least(attempts, 2147483646) + 1, "
    "last_error = $2 "
    "WHERE id = ANY($1::uuid[])",
    2,
};

/* Deletes at most $2 rows of the status whose timestamp column at is before
 * $1 (microseconds), oldest first, passing over rows another session holds. */
#define OUTBOX_PURGE_SQL(status, at)                                                               \
	"DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status = '" status "' "       \
	"AND " at " < " PG_TS("$1") " ORDER BY " at " LIMIT $2 FOR UPDATE SKIP LOCKED)"

static const struct pg_stmt stmt_purge = {"outbox_purge", OUTBOX_PURGE_SQL("sent", "sent_at"), 2};

/* Withdrawn rows (never sent) go after the same retention, by age. */
static const struct pg_stmt stmt_purge_cancelled = {"outbox_purge_cancelled",
						    OUTBOX_PURGE_SQL("cancelled", "created_at"), 2};

static char *dup_col(const PGresult *r, int row, int col, size_t *len)
{
	size_t n = (size_t)PQgetlength(r, row, col);
	char *p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, PQgetvalue(r, row, col), n);
	p[n] = '\0';
	*len = n;
	return p;
}

/* OS_EIO when a value breaks its bound, OS_ENOMEM when a copy fails. */
static enum os_status decode_row(const PGresult *r, int i, struct outbox_row *row)
{
	if (PQgetlength(r, i, 5) > PG_OUTBOX_PAYLOAD_MAX ||
	    PQgetlength(r, i, 6) > PG_OUTBOX_HEADERS_MAX)
		return OS_EIO;
	if (pg_col_str(r, i, 9, row->claim_ref, sizeof(row->claim_ref)) != OS_OK ||
	    pg_col_i64(r, i, 0, &row->seq) != OS_OK ||
	    pg_col_uuid(r, i, 1, &row->event_id) != OS_OK ||
	    pg_col_uuid(r, i, 2, &row->aggregate_id) != OS_OK ||
	    pg_col_str(r, i, 3, row->type, sizeof(row->type)) != OS_OK ||
	    pg_col_str(r, i, 4, row->destination, sizeof(row->destination)) != OS_OK ||
	    pg_col_i32(r, i, 7, &row->attempts) != OS_OK ||
	    pg_col_i64(r, i, 8, &row->created_at_us) != OS_OK)
		return OS_EIO;
	row->payload = dup_col(r, i, 5, &row->payload_len);
	row->headers = dup_col(r, i, 6, &row->headers_len);
	return row->payload && row->headers ? OS_OK : OS_ENOMEM;
}

/* Frees what a failed decode_row may have copied into its slot. */
static void forget_row(struct outbox_row *row)
{
	free(row->payload);
	free(row->headers);
	row->payload = NULL;
	row->headers = NULL;
}

/*
 * Decodes the rows of r into b (readable ones only, in order) and appends the
 * event id of each unreadable one to the array literal bad (*nbad counts
 * them). The id is the uuid primary key: if even it is unreadable, the batch
 * fails.
 */
static enum os_status decode_batch(const PGresult *r, struct outbox_batch *b, struct sbuf *bad,
				   size_t *nbad, struct os_error *err)
{
	char id[UUID_STR_LEN + 1];
	struct uuid u;
	enum os_status st;
	int i;

	for (i = 0; i < PQntuples(r) && (size_t)i < b->capacity; i++) {
		if (pg_col_uuid(r, i, 1, &u) != OS_OK) {
			outbox_batch_clear(b);
			return os_fail(err, OS_EIO, NULL, "outbox: unreadable event id");
		}
		st = decode_row(r, i, &b->rows[b->count]);
		if (st == OS_OK) {
			b->count++;
			continue;
		}
		forget_row(&b->rows[b->count]);
		if (st == OS_ENOMEM) {
			outbox_batch_clear(b);
			return os_fail(err, OS_ENOMEM, NULL, "out of memory");
		}
		uuid_format(&u, id);
		pg_array_elem(bad, id);
		(*nbad)++;
	}
	return OS_OK;
}

/* Marks the rows of the array literal bad dead, inside the claim. */
static enum os_status bury(struct pg_session *s, const struct sbuf *bad, size_t nbad,
			   struct os_error *err)
{
	char num[24];
	struct pg_params p;

	if (!sbuf_ok(bad))
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	log_kv(LOG_WARN, "outbox rows unreadable, marked dead", "count",
	       pg_i64_text((int64_t)nbad, num, sizeof(num)), NULL);
	pg_params_init(&p);
	pg_params_text(&p, bad->buf);
	pg_params_text(&p, PG_OUTBOX_UNREADABLE);
	return pg_exec_cmd(s, &stmt_bury, &p, err);
}

/* Runs the claim statement inside the open transaction and fills b. */
static enum os_status claim_rows(struct pg_session *s, const struct sbuf *dests, size_t max,
				 struct outbox_batch *b, size_t *nbad, struct os_error *err)
{
	char lim[24];
	struct pg_params p;
	struct sbuf bad;
	PGresult *r = NULL;
	enum os_status st;

	sbuf_init(&bad, PG_OUTBOX_ARRAY_MAX);
	pg_array_begin(&bad);
	pg_params_init(&p);
	pg_params_text(&p, dests->buf);
	pg_params_text(&p, pg_i64_text((int64_t)max, lim, sizeof(lim)));
	st = pg_exec(s, &stmt_claim, &p, &r, err);
	if (st == OS_OK)
		st = decode_batch(r, b, &bad, nbad, err);
	pg_array_end(&bad);
	if (st == OS_OK && *nbad > 0)
		st = bury(s, &bad, *nbad, err);
	if (st != OS_OK)
		outbox_batch_clear(b);
	PQclear(r);
	sbuf_release(&bad);
	return st;
}

static enum os_status filter_param(const struct outbox_filter *f, struct sbuf *sb,
				   struct os_error *err)
{
	size_t i;

	pg_array_begin(sb);
	for (i = 0; i < f->count && i < OUTBOX_DESTINATIONS_MAX; i++)
		pg_array_elem(sb, f->destinations[i]);
	pg_array_end(sb);
	return sbuf_ok(sb) ? OS_OK : os_fail(err, OS_ENOMEM, NULL, "out of memory");
}

static enum os_status outbox_claim(void *ctx, const struct outbox_filter *f, size_t max,
				   struct outbox_batch *b, struct os_error *err)
{
	struct pg_session *s = ctx;
	struct sbuf dests;
	size_t nbad;
	enum os_status st;
	int pass;

	outbox_batch_clear(b);
	if (max > b->capacity)
		max = b->capacity;
	sbuf_init(&dests, 4096);
	st = filter_param(f, &dests, err);
	/* Dead marks must outlive a release of the batch: when a pass finds
	 * unreadable rows, it commits their marks and the next pass claims
	 * afresh. After two such passes the batch is empty until next time. */
	for (pass = 0; st == OS_OK && pass < 2; pass++) {
		nbad = 0;
		st = pg_begin(s, err);
		if (st == OS_OK)
			st = claim_rows(s, &dests, max, b, &nbad, err);
		if (st != OS_OK || nbad == 0)
			break;
		outbox_batch_clear(b);
		st = pg_commit(s, err);
	}
	/* An empty batch holds nothing. */
	if (st != OS_OK || b->count == 0)
		pg_rollback(s);
	sbuf_release(&dests);
	return st;
}

/* Arrays for the complete statement. */
struct fate_arrays {
	struct sbuf sent, seqs, dead, next, errors; /* sent: ctids; seqs: event ids of the unsent */
	size_t nsent, nfailed;
};

static void fates_release(struct fate_arrays *a)
{
	sbuf_release(&a->sent);
	sbuf_release(&a->seqs);
	sbuf_release(&a->dead);
	sbuf_release(&a->next);
	sbuf_release(&a->errors);
}

static bool fates_build(struct fate_arrays *a, const struct outbox_batch *b,
			const struct outbox_result *res)
{
	char num[24], id[UUID_STR_LEN + 1];
	size_t i;

	sbuf_init(&a->sent, PG_OUTBOX_ARRAY_MAX);
	sbuf_init(&a->seqs, PG_OUTBOX_ARRAY_MAX);
	sbuf_init(&a->dead, PG_OUTBOX_ARRAY_MAX);
	sbuf_init(&a->next, PG_OUTBOX_ARRAY_MAX);
	sbuf_init(&a->errors, PG_OUTBOX_ARRAY_MAX);
	pg_array_begin(&a->sent);
	pg_array_begin(&a->seqs);
	pg_array_begin(&a->dead);
	pg_array_begin(&a->next);
	pg_array_begin(&a->errors);
	a->nsent = a->nfailed = 0;
	for (i = 0; i < b->count; i++) {
		if (res[i].fate == OUTBOX_FATE_SENT) {
			pg_array_elem(&a->sent, b->rows[i].claim_ref);
			a->nsent++;
			continue;
		}
		uuid_format(&b->rows[i].event_id, id);
		pg_array_elem(&a->seqs, id);
		a->nfailed++;
		pg_array_elem(&a->dead, res[i].fate == OUTBOX_FATE_DEAD ? "t" : "f");
		pg_array_elem(&a->next, pg_i64_text(res[i].next_attempt_us, num, sizeof(num)));
		pg_array_elem_text(&a->errors, res[i].error);
	}
	pg_array_end(&a->sent);
	pg_array_end(&a->seqs);
	pg_array_end(&a->dead);
	pg_array_end(&a->next);
	pg_array_end(&a->errors);
	return sbuf_ok(&a->sent) && sbuf_ok(&a->seqs) && sbuf_ok(&a->dead) && sbuf_ok(&a->next) &&
	       sbuf_ok(&a->errors);
}

/* Every row must have been marked as claimed; anything else rolls the
 * batch back (its rows are delivered again) rather than record half. */
static enum os_status check_counts(const PGresult *r, const struct fate_arrays *a,
				   struct os_error *err)
{
	int64_t sent, failed;

	if (PQntuples(r) != 1 || pg_col_i64(r, 0, 0, &sent) != OS_OK ||
	    pg_col_i64(r, 0, 1, &failed) != OS_OK)
		return os_fail(err, OS_EIO, NULL, "outbox: unreadable completion counts");
	if ((size_t)sent != a->nsent || (size_t)failed != a->nfailed)
		return os_fail(
		    err, OS_EIO, NULL,
		    "outbox: %lld of %zu sent and %lld of %zu failed rows found as claimed",
		    (long long)sent, a->nsent, (long long)failed, a->nfailed);
	return OS_OK;
}

static enum os_status outbox_complete(void *ctx, const struct outbox_batch *b,
				      const struct outbox_result *results, struct os_error *err)
{
	struct pg_session *s = ctx;
	struct fate_arrays a;
	struct pg_params p;
	PGresult *r = NULL;
	enum os_status st = OS_OK;

	if (b->count == 0)
		return OS_OK;
	/* The claim's transaction went with a lost connection: nothing can be
	 * recorded, and the rows will be handed out again. Saying OK here would
	 * count them as done. */
	if (!pg_in_tx(s))
		return os_fail(err, OS_EUNAVAIL, NULL, "outbox: claim lost with the connection");
	if (!fates_build(&a, b, results)) {
		st = os_fail(err, OS_ENOMEM, NULL, "out of memory");
		goto out;
	}
	pg_params_init(&p);
	pg_params_text(&p, a.sent.buf);
	pg_params_text(&p, a.seqs.buf);
	pg_params_text(&p, a.dead.buf);
	pg_params_text(&p, a.next.buf);
	pg_params_text(&p, a.errors.buf);
	st = pg_exec(s, &stmt_complete, &p, &r, err);
	if (st == OS_OK)
		st = check_counts(r, &a, err);
	if (st == OS_OK)
		st = pg_commit(s, err);
out:
	PQclear(r);
	pg_rollback(s);
	fates_release(&a);
	return st;
}

static void outbox_release(void *ctx)
{
	pg_rollback(ctx);
}

static enum os_status outbox_wait(void *ctx, int timeout_ms, struct os_error *err)
{
	return pg_wait(ctx, "outbox", timeout_ms, err);
}

/* Sent rows first; withdrawn ones fill what is left of max. */
static enum os_status outbox_purge(void *ctx, int64_t sent_before_us, size_t max, size_t *deleted,
				   struct os_error *err)
{
	size_t sent = 0, cancelled = 0;
	enum os_status st;

	st = pg_exec_purge(ctx, &stmt_purge, sent_before_us, max, &sent, err);
	if (st == OS_OK && sent < max)
		st = pg_exec_purge(ctx, &stmt_purge_cancelled, sent_before_us, max - sent,
				   &cancelled, err);
	if (st == OS_OK)
		*deleted = sent + cancelled;
	return st;
}

static const struct outbox_store_ops pg_outbox_store_ops = {
    .claim = outbox_claim,
    .complete = outbox_complete,
    .release = outbox_release,
    .wait = outbox_wait,
    .purge = outbox_purge,
};

void pg_outbox_store_init(struct outbox_store *out, struct pg_session *s)
{
	out->ops = &pg_outbox_store_ops;
	out->ctx = s;
}
