/*
 * The inbox over PostgreSQL (app/inbox_port.h): the writer records a message
 * once per (source, message_id) and wakes the appliers; the store applies a
 * batch of due rows in one transaction, locking each row's order in a
 * consistent order (order_id, id) and writing changes with the same code as
 * the order repository.
 *
 * One bad row must not hold the inbox hostage. Each row runs inside its own
 * savepoint: when the row's statements fail (a constraint its change breaks,
 * an order row that cannot be read) only that row is rolled back and is
 * retried later with backoff, then rejected with the error once it has used
 * up its attempts; the rest of the batch commits. A row whose columns break
 * their bounds is rejected as unreadable. What is not the row's fault (the
 * connection, a deadlock, memory) still aborts the whole batch, so nothing
 * is ever half-written.
 */
#include "infrastructure/postgres/pg_inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/inbox_port.h"
#include "infrastructure/metrics/metrics.h"
#include "infrastructure/postgres/pg_order_rows.h"
#include "infrastructure/postgres/pg_rows.h"

#define PG_INBOX_BATCH_MAX 500
#define PG_FATE_ARRAY_MAX  (512u * 1024u)
/* A row whose own statements keep failing is rejected on this attempt; the
 * delays in between double from the base up to the ceiling. */
#define PG_INBOX_FAILED_ATTEMPTS_MAX  20
#define PG_INBOX_FAILED_DELAY_BASE_US INT64_C(1000000)
#define PG_INBOX_FAILED_DELAY_MAX_US  (INT64_C(300) * 1000000)

static const struct pg_stmt stmt_record = {
    "inbox_record",
    "WITH i AS (INSERT INTO inbox (source, message_id, type, order_id, payload, "
    "request_id, status, error, payment_id) VALUES ($1, $2, $3, $4::uuid, $5::bytea, $6, "
    "$7, $8, $9) ON CONFLICT (source, message_id, type) DO NOTHING RETURNING status), "
    "n AS (SELECT pg_notify('inbox', '') FROM i WHERE status = 'pending') "
    "SELECT (SELECT count(*) FROM i), (SELECT count(*) FROM n)",
    9,
};

static const struct pg_stmt stmt_claim = {
    "inbox_claim",
    "SELECT id, source, message_id, type, order_id::text, attempts, " PG_US(
	"received_at") ", request_id, payment_id FROM inbox WHERE status = 'pending' "
		       "AND next_attempt_at <= now() ORDER BY order_id, id LIMIT $1 FOR UPDATE "
		       "SKIP LOCKED",
    1,
};

/* attempts counts every handling that did not process the row (deferred,
 * failed or rejected), capped so that a hostile value cannot overflow. */
static const struct pg_stmt stmt_fates = {
    "inbox_fates",
    "UPDATE inbox b SET status = f.status, "
    "attempts = least(b.attempts, 2147483646) + "
    "CASE WHEN f.status = 'processed' THEN 0 ELSE 1 END, "
    "next_attempt_at = CASE WHEN f.status = 'pending' THEN " PG_TS(
	"f.next") " ELSE b.next_attempt_at END, error = nullif(f.error, ''), "
		  "processed_at = CASE WHEN f.status = 'processed' THEN clock_timestamp() END "
		  "FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) "
		  "AS f(id, status, next, error) WHERE b.id = f.id",
    4,
};

/* At most $2 processed rows whose processing ended before $1 (microseconds),
 * oldest first (inbox_processed_idx), passing over rows another session
 * holds. */
static const struct pg_stmt stmt_purge = {
    "inbox_purge",
    "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE status = 'processed' "
    "AND processed_at < " PG_TS("$1") " ORDER BY processed_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
    2,
};

static enum os_status inbox_record(void *ctx, const struct inbox_msg *m, bool *inserted,
				   struct os_error *err)
{
	char order_id[UUID_STR_LEN + 1];
	struct pg_params p;
	PGresult *r = NULL;
	size_t len = m->payload_len > INBOX_PAYLOAD_MAX ? INBOX_PAYLOAD_MAX : m->payload_len;
	enum os_status st;

	pg_params_init(&p);
	pg_params_text(&p, m->source);
	pg_params_text(&p, m->message_id);
	pg_params_text(&p, m->type);
	if (m->has_order_id)
		uuid_format(&m->order_id, order_id);
	pg_params_text(&p, m->has_order_id ? order_id : NULL);
	pg_params_binary(&p, m->payload ? m->payload : "", m->payload ? len : 0);
	pg_params_text(&p, m->request_id);
	pg_params_text(&p, m->rejected ? "rejected" : "pending");
	pg_params_text(&p, m->rejected ? m->error : NULL);
	pg_params_text(&p, m->payment_id);
	st = pg_exec(ctx, &stmt_record, &p, &r, err);
	if (st == OS_OK)
		*inserted = PQgetvalue(r, 0, 0)[0] == '1';
	PQclear(r);
	return st;
}

static enum os_status decode_row(const PGresult *r, int i, struct inbox_row *row)
{
	if (pg_col_i64(r, i, 0, &row->id) != OS_OK ||
	    pg_col_str(r, i, 1, row->source, sizeof(row->source)) != OS_OK ||
	    pg_col_str(r, i, 2, row->message_id, sizeof(row->message_id)) != OS_OK ||
	    pg_col_str(r, i, 3, row->type, sizeof(row->type)) != OS_OK ||
	    pg_col_i32(r, i, 5, &row->attempts) != OS_OK ||
	    pg_col_i64(r, i, 6, &row->received_at_us) != OS_OK ||
	    pg_col_str(r, i, 7, row->request_id, sizeof(row->request_id)) != OS_OK ||
	    pg_col_str(r, i, 8, row->payment_id, sizeof(row->payment_id)) != OS_OK)
		return OS_EIO;
	row->has_order_id = !pg_col_null(r, i, 4);
	if (row->has_order_id && pg_col_uuid(r, i, 4, &row->order_id) != OS_OK)
		return OS_EIO;
	return OS_OK;
}

/* The claimed rows and the fate decided for each. */
struct inbox_work {
	size_t count;
	struct inbox_row rows[PG_INBOX_BATCH_MAX];
	bool unreadable[PG_INBOX_BATCH_MAX]; /* a column broke its bound: rejected */
	struct inbox_outcome outcomes[PG_INBOX_BATCH_MAX];
	struct order order;
	struct order_change change;
	bool refunded[PG_INBOX_BATCH_MAX]; /* the row's change wrote a refund */
};

static enum os_status claim(struct pg_session *s, size_t max, struct inbox_work *w,
			    struct os_error *err)
{
	char lim[24];
	struct pg_params p;
	PGresult *r = NULL;
	enum os_status st;
	int i;

	pg_params_init(&p);
	pg_params_text(&p, pg_i64_text((int64_t)max, lim, sizeof(lim)));
	st = pg_exec(s, &stmt_claim, &p, &r, err);
	/* Only the id must be readable (it is an identity column); any other
	 * value that does not fit makes that one row unreadable, not the batch. */
	for (i = 0; st == OS_OK && i < PQntuples(r) && (size_t)i < max; i++) {
		if (pg_col_i64(r, i, 0, &w->rows[i].id) != OS_OK)
			st = os_fail(err, OS_EIO, NULL, "inbox: unreadable row id");
		else
			w->unreadable[i] = decode_row(r, i, &w->rows[i]) != OS_OK;
	}
	if (st == OS_OK)
		w->count = (size_t)i;
	PQclear(r);
	return st;
}

/* Locks row i's order, asks fn, writes the change it asks for. */
static enum os_status apply_one(struct pg_session *s, struct inbox_work *w, size_t i,
				inbox_decide_fn *fn, void *arg, struct os_error *err)
{
	const struct inbox_row *row = &w->rows[i];
	struct inbox_outcome *out = &w->outcomes[i];
	bool found = false;
	bool write;
	enum os_status st = OS_OK;

	memset(out, 0, sizeof(*out));
	memset(&w->change, 0, sizeof(w->change));
	w->refunded[i] = false;
	if (row->has_order_id)
		st =
		    pg_order_lock(s, &row->order_id, &w->order, w->change.money.captured_payment_id,
				  sizeof(w->change.money.captured_payment_id), &found, err);
	if (st != OS_OK)
		return st;
	write = fn(arg, row, found ? &w->order : NULL, &w->change, out);
	if (write && found)
		st = pg_order_write_change(s, &w->order, &w->change, &w->refunded[i], err);
	order_change_release(&w->change);
	return st;
}

static int64_t wall_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The fate of a row whose own statements failed with why: retried after
 * a doubling delay, rejected on the last allowed attempt. */
static void fail_row(const struct inbox_row *row, struct inbox_outcome *out, const char *why)
{
	int64_t delay = PG_INBOX_FAILED_DELAY_BASE_US;
	int32_t i;

	memset(out, 0, sizeof(*out));
	snprintf(out->note, sizeof(out->note), "%s", why);
	if (row->attempts >= PG_INBOX_FAILED_ATTEMPTS_MAX - 1) {
		out->fate = INBOX_REJECTED;
		return;
	}
	for (i = 0; i < row->attempts && delay < PG_INBOX_FAILED_DELAY_MAX_US; i++)
		delay *= 2;
	if (delay > PG_INBOX_FAILED_DELAY_MAX_US)
		delay = PG_INBOX_FAILED_DELAY_MAX_US;
	out->fate = INBOX_DEFER;
	out->retry_at_us = wall_now_us() + delay;
}

/* Runs apply_one for row i inside a savepoint; a row fault rolls back the
 * row alone and becomes its fate. Other failures are returned. */
static enum os_status apply_guarded(struct pg_session *s, struct inbox_work *w, size_t i,
				    inbox_decide_fn *fn, void *arg, struct os_error *err)
{
	struct os_error row_err;
	enum os_status st = pg_savepoint(s, err);

	if (st != OS_OK)
		return st;
	os_error_clear(&row_err);
	st = apply_one(s, w, i, fn, arg, &row_err);
	if (st == OS_OK)
		return pg_savepoint_release(s, err);
	if (!pg_row_fault(st))
		return os_fail(err, st, NULL, "%s", row_err.message);
	fail_row(&w->rows[i], &w->outcomes[i], row_err.message);
	w->refunded[i] = false;
	return pg_savepoint_undo(s, err);
}

static enum os_status apply_all(struct pg_session *s, struct inbox_work *w, inbox_decide_fn *fn,
				void *arg, struct os_error *err)
{
	enum os_status st = OS_OK;
	size_t i;

	for (i = 0; st == OS_OK && i < w->count; i++) {
		if (!w->unreadable[i]) {
			st = apply_guarded(s, w, i, fn, arg, err);
			continue;
		}
		memset(&w->outcomes[i], 0, sizeof(w->outcomes[i]));
		w->outcomes[i].fate = INBOX_REJECTED;
		snprintf(w->outcomes[i].note, sizeof(w->outcomes[i].note),
			 "unreadable inbox row: a column breaks its bound");
	}
	return st;
}

static bool fates_build(const struct inbox_work *w, struct sbuf a[4])
{
	static const char *const names[] = {"processed", "pending", "rejected"};
	char num[24];
	size_t i, k;

	for (k = 0; k < 4; k++) {
		sbuf_init(&a[k], PG_FATE_ARRAY_MAX);
		pg_array_begin(&a[k]);
	}
	for (i = 0; i < w->count; i++) {
		const struct inbox_outcome *o = &w->outcomes[i];

		pg_array_elem(&a[0], pg_i64_text(w->rows[i].id, num, sizeof(num)));
		pg_array_elem(&a[1], names[o->fate <= INBOX_REJECTED ? o->fate : INBOX_REJECTED]);
		pg_array_elem(&a[2], pg_i64_text(o->retry_at_us, num, sizeof(num)));
		pg_array_elem_text(&a[3], o->note);
	}
	for (k = 0; k < 4; k++)
		pg_array_end(&a[k]);
	return sbuf_ok(&a[0]) && sbuf_ok(&a[1]) && sbuf_ok(&a[2]) && sbuf_ok(&a[3]);
}

static enum os_status write_fates(struct pg_session *s, const struct inbox_work *w,
				  struct os_error *err)
{
	struct sbuf a[4];
	struct pg_params p;
	enum os_status st;
	size_t k;

	if (!fates_build(w, a)) {
		st = os_fail(err, OS_ENOMEM, NULL, "out of memory");
		goto out;
	}
	pg_params_init(&p);
	for (k = 0; k < 4; k++)
		pg_params_text(&p, a[k].buf);
	st = pg_exec_cmd(s, &stmt_fates, &p, err);
out:
	for (k = 0; k < 4; k++)
		sbuf_release(&a[k]);
	return st;
}

static size_t count_true(const bool *v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += v[i];
	return k;
}

static enum os_status inbox_apply_batch(void *ctx, size_t max, inbox_decide_fn *fn, void *arg,
					size_t *n, struct os_error *err)
{
	struct pg_session *s = ctx;
	struct inbox_work *w = calloc(1, sizeof(*w));
	enum os_status st;

	if (w == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	if (max == 0 || max > PG_INBOX_BATCH_MAX)
		max = PG_INBOX_BATCH_MAX;
	st = pg_begin(s, err);
	if (st != OS_OK)
		goto out;
	st = claim(s, max, w, err);
	if (st == OS_OK)
		st = apply_all(s, w, fn, arg, err);
	if (st == OS_OK && w->count > 0)
		st = write_fates(s, w, err);
	if (st == OS_OK)
		st = pg_commit(s, err);
	pg_rollback(s);
	if (st == OS_OK)
		*n = w->count;
	if (st == OS_OK)
		metrics_refunds_requested(count_true(w->refunded, w->count));
out:
	free(w);
	return st;
}

static enum os_status inbox_wait(void *ctx, int timeout_ms, struct os_error *err)
{
	return pg_wait(ctx, "inbox", timeout_ms, err);
}

static enum os_status inbox_purge(void *ctx, int64_t processed_before_us, size_t max,
				  size_t *deleted, struct os_error *err)
{
	return pg_exec_purge(ctx, &stmt_purge, processed_before_us, max, deleted, err);
}

static const struct inbox_writer_ops pg_inbox_writer_ops = {
    .record = inbox_record,
};

static const struct inbox_store_ops pg_inbox_store_ops = {
    .apply_batch = inbox_apply_batch,
    .wait = inbox_wait,
    .purge = inbox_purge,
};

void pg_inbox_writer_init(struct inbox_writer *out, struct pg_session *s)
{
	out->ops = &pg_inbox_writer_ops;
	out->ctx = s;
}

void pg_inbox_store_init(struct inbox_store *out, struct pg_session *s)
{
	out->ops = &pg_inbox_store_ops;
	out->ctx = s;
}
