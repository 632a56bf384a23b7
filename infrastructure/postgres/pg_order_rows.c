/*
 * Reading and writing order rows for the repository and the inbox store.
 * A status change is one data-modifying statement: the order update, the
 * history row, the outbox rows (unnest of arrays), the stock release (rows
 * locked in item_id order, like the reservation, so the two never deadlock)
 * and one pg_notify per destination, which PostgreSQL delivers at commit.
 * The money part of a change (DESIGN §5) follows in the same transaction,
 * one statement per request it makes: the payment recorded, the payment
 * request withdrawn or cancelled, a refund (once per payment id).
 */
#include "infrastructure/postgres/pg_order_rows.h"

#include <string.h>

#define PG_MSG_ARRAY_MAX (4u * 1024u * 1024u) /* bytes of one array parameter */

/*
 * The last column is the payment that paid the order (NULL if none); the
 * one before it is true when the lock waited for a transaction that changed
 * the order. Then the order's columns are that transaction's, but the
 * payment is read as of the statement's start, before that transaction
 * committed (READ COMMITTED re-reads only the locked row): the payment that
 * transaction recorded would be missing. lock_read runs the statement
 * again then, the lock held and a new snapshot taken.
 */
static const struct pg_stmt stmt_lock = {
    "order_lock",
    "SELECT " PG_ORDER_COLS ", o.version <> (SELECT v.version FROM orders v WHERE v.id = o.id), "
    "(SELECT p.payment_id FROM order_payments p WHERE p.order_id = o.id) "
    "FROM orders o LEFT JOIN order_items i ON i.order_id = o.id "
    "WHERE o.id = $1::uuid ORDER BY i.line FOR UPDATE OF o",
    1,
};

/*
 * Records the payment that paid the order. When no transition comes with
 * it ($5: an order paid before payments were recorded adopts it), the
 * order's version moves too: a change waiting for this order's lock must
 * see that it changed (lock_read) and read the payment, or it would take a
 * second payment for the order's own and leave it unrecorded and unrefunded.
 */
static const struct pg_stmt stmt_capture = {
    "order_capture",
    "WITH c AS (INSERT INTO order_payments (order_id, payment_id, amount_cents, recorded_at) "
    "VALUES ($1::uuid, $2, $3::bigint, " PG_TS(
	"$4") ") ON CONFLICT (order_id) DO NOTHING "
	      "RETURNING order_id) "
	      "UPDATE orders SET version = version + 1 WHERE id IN (SELECT order_id FROM c) AND "
	      "$5::bool",
    5,
};

/*
 * Withdraws the order's payment requests that no relay holds (pending or
 * dead: never to be sent) and writes the payment.cancel ($2..$6) unless
 * every request of the order was withdrawn before any attempt. So a cancel
 * follows a request that was sent, one a relay is sending right now (it
 * stays pending until the relay is done, and holds the cancel back behind
 * it), one whose earlier attempt may have reached the service (a timeout),
 * and one already purged. Every CTE sees the rows as they were before the
 * statement: live leaves out the rows w withdraws.
 */
static const struct pg_stmt stmt_withdraw = {
    "order_withdraw_payment",
    "WITH w AS (UPDATE outbox SET status = 'cancelled', "
    "last_error = 'withdrawn: the order was cancelled' WHERE id IN (SELECT id FROM outbox "
    "WHERE aggregateid = $1::uuid AND type = '" OUTBOX_TYPE_PAYMENT_REQUEST "' "
    "AND status IN ('pending', 'dead') FOR UPDATE SKIP LOCKED) RETURNING id, attempts), "
    "live AS (SELECT 1 FROM outbox WHERE aggregateid = $1::uuid "
    "AND type = '" OUTBOX_TYPE_PAYMENT_REQUEST "' AND status IN ('pending', 'sent') "
    "AND id NOT IN (SELECT id FROM w) LIMIT 1), "
    "x AS (" PG_OUTBOX_INSERT "SELECT $2::uuid, 'order', $1::uuid, $3, $4::jsonb, $5, "
    "coalesce($6::jsonb, '{}'::jsonb) WHERE $3 <> '' AND (NOT EXISTS (SELECT 1 FROM w) "
    "OR EXISTS (SELECT 1 FROM w WHERE attempts > 0) OR EXISTS (SELECT 1 FROM live)) "
    "RETURNING destination), "
    "nt AS (SELECT pg_notify('outbox', destination) FROM x) "
    "SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM x), (SELECT count(*) FROM nt)",
    6,
};

/* A refund, once per payment id: its record gates its history row ($6 the
 * order's status after the change) and its outbox rows. */
static const struct pg_stmt stmt_refund = {
    "order_refund",
    "WITH r AS (INSERT INTO refunds (payment_id, order_id, amount_cents, reason, requested_at) "
    "VALUES ($2, $1::uuid, $3::bigint, $4, " PG_TS(
	"$5") ") ON CONFLICT (payment_id) "
	      "DO NOTHING RETURNING order_id), "
	      "h AS (INSERT INTO order_status_history (order_id, from_status, to_status, reason, "
	      "at) "
	      "SELECT order_id, $6, $6, $4, " PG_TS("$5") " FROM r), " PG_OUTBOX_CTE(
		  "r", "$7", "$8", "$9", "$10", "$11",
		  "$12") "SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM nt)",
    12,
};

static const struct pg_stmt stmt_change = {
    "order_change",
    "WITH u AS (UPDATE orders SET status = $2, updated_at = " PG_TS(
	"$4") ", "
	      "version = version + 1 WHERE id = $1::uuid RETURNING id), "
	      "h AS (INSERT INTO order_status_history (order_id, from_status, to_status, reason, "
	      "at) "
	      "SELECT id, $3, $2, $5, " PG_TS(
		  "$4") " FROM u), "
			"give AS (SELECT item_id, sum(quantity)::bigint AS qty FROM order_items "
			"WHERE $6::bool AND order_id = $1::uuid GROUP BY item_id), "
			"lk AS (SELECT v.item_id FROM inventory v WHERE v.item_id IN (SELECT "
			"item_id FROM give) "
			"ORDER BY v.item_id FOR UPDATE), "
			"r AS (UPDATE inventory v SET available_qty = v.available_qty + g.qty FROM "
			"give g "
			"WHERE v.item_id = g.item_id AND v.item_id IN (SELECT item_id FROM lk) "
			"AND EXISTS (SELECT 1 FROM u) RETURNING 1), " PG_OUTBOX_CTE(
			    "u", "$7", "$8", "$9", "$10", "$11",
			    "$12") "SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM nt), "
				   "(SELECT count(*) FROM r)",
    12,
};

static void arrays_init(struct pg_msg_arrays *a)
{
	sbuf_init(&a->ids, PG_MSG_ARRAY_MAX);
	sbuf_init(&a->aggs, PG_MSG_ARRAY_MAX);
	sbuf_init(&a->types, PG_MSG_ARRAY_MAX);
	sbuf_init(&a->dests, PG_MSG_ARRAY_MAX);
	sbuf_init(&a->payloads, PG_MSG_ARRAY_MAX);
	sbuf_init(&a->headers, PG_MSG_ARRAY_MAX);
}

void pg_msg_arrays_release(struct pg_msg_arrays *a)
{
	sbuf_release(&a->ids);
	sbuf_release(&a->aggs);
	sbuf_release(&a->types);
	sbuf_release(&a->dests);
	sbuf_release(&a->payloads);
	sbuf_release(&a->headers);
}

static bool arrays_ok(const struct pg_msg_arrays *a)
{
	return sbuf_ok(&a->ids) && sbuf_ok(&a->aggs) && sbuf_ok(&a->types) && sbuf_ok(&a->dests) &&
	       sbuf_ok(&a->payloads) && sbuf_ok(&a->headers);
}

enum os_status pg_msg_arrays_build(struct pg_msg_arrays *a, const struct outbox_msg *msgs, size_t n,
				   struct os_error *err)
{
	char id[UUID_STR_LEN + 1];
	char agg[UUID_STR_LEN + 1];
	size_t i;

	arrays_init(a);
	pg_array_begin(&a->ids);
	pg_array_begin(&a->aggs);
	pg_array_begin(&a->types);
	pg_array_begin(&a->dests);
	pg_array_begin(&a->payloads);
	pg_array_begin(&a->headers);
	for (i = 0; i < n; i++) {
		uuid_format(&msgs[i].event_id, id);
		uuid_format(&msgs[i].aggregate_id, agg);
		pg_array_elem(&a->ids, id);
		pg_array_elem(&a->aggs, agg);
		pg_array_elem(&a->types, msgs[i].type);
		pg_array_elem(&a->dests, msgs[i].destination);
		pg_array_elem(&a->payloads, msgs[i].payload ? msgs[i].payload : "{}");
		if (msgs[i].headers != NULL)
			pg_array_elem(&a->headers, msgs[i].headers);
		else
			pg_array_elem_null(&a->headers);
	}
	pg_array_end(&a->ids);
	pg_array_end(&a->aggs);
	pg_array_end(&a->types);
	pg_array_end(&a->dests);
	pg_array_end(&a->payloads);
	pg_array_end(&a->headers);
	if (!arrays_ok(a))
		return os_fail(err, OS_ETOOBIG, NULL, "outbox messages too large");
	return OS_OK;
}

void pg_msg_arrays_params(const struct pg_msg_arrays *a, struct pg_params *p)
{
	pg_params_text(p, a->ids.buf);
	pg_params_text(p, a->aggs.buf);
	pg_params_text(p, a->types.buf);
	pg_params_text(p, a->dests.buf);
	pg_params_text(p, a->payloads.buf);
	pg_params_text(p, a->headers.buf);
}

static enum os_status decode_status(const PGresult *r, int row, int col, enum order_status *out)
{
	const char *v = PQgetvalue(r, row, col);

	if (pg_col_null(r, row, col))
		return OS_EIO;
	return order_status_parse(v, strlen(v), out) == OS_OK ? OS_OK : OS_EIO;
}

/* A nullable text column into buf ("" for NULL). */
static enum os_status decode_opt_str(const PGresult *r, int row, int col, char *buf, size_t cap)
{
	if (pg_col_null(r, row, col)) {
		buf[0] = '\0';
		return OS_OK;
	}
	return pg_col_str(r, row, col, buf, cap);
}

/* Customer, address, external reference and source (migration 0009). */
static enum os_status decode_extras(const PGresult *r, int row, struct order *o)
{
	const int c = PG_ORDER_COL_CUSTOMER;
	const char *src = PQgetvalue(r, row, c + 4);
	enum os_status st;

	st = decode_opt_str(r, row, c, o->customer.name, sizeof(o->customer.name));
	if (st == OS_OK)
		st = decode_opt_str(r, row, c + 1, o->customer.email, sizeof(o->customer.email));
	if (st == OS_OK)
		st =
		    decode_opt_str(r, row, c + 2, o->shipping_address, sizeof(o->shipping_address));
	if (st == OS_OK)
		st = decode_opt_str(r, row, c + 3, o->external_ref, sizeof(o->external_ref));
	if (st == OS_OK && order_source_parse(src, strlen(src), &o->source) != OS_OK)
		st = OS_EIO;
	return st;
}

static enum os_status decode_head(const PGresult *r, int row, struct order *o)
{
	const struct pg_col_dst cols[] = {
	    {PG_COL_UUID, 0, &o->id, 0},
	    {PG_COL_STR, 1, o->user_id, sizeof(o->user_id)},
	    {PG_COL_I64, 3, &o->amount_cents, 0},
	    {PG_COL_STR, 4, o->currency, sizeof(o->currency)},
	    {PG_COL_UUID, 5, &o->idempotency_key, 0},
	    {PG_COL_I64, 7, &o->created_at_us, 0},
	    {PG_COL_I64, 8, &o->updated_at_us, 0},
	    {PG_COL_I32, 9, &o->version, 0},
	};
	enum os_status st = pg_cols_decode(r, row, cols, sizeof(cols) / sizeof(cols[0]));

	if (st == OS_OK)
		st = decode_status(r, row, 2, &o->status);
	if (st == OS_OK)
		st = decode_extras(r, row, o);
	o->item_count = 0;
	return st;
}

static enum os_status decode_line(const PGresult *r, int row, struct order_item *it)
{
	const struct pg_col_dst cols[] = {
	    {PG_COL_STR, 10, it->item_id, sizeof(it->item_id)},
	    {PG_COL_STR, 11, it->name, sizeof(it->name)},
	    {PG_COL_I32, 12, &it->quantity, 0},
	    {PG_COL_I64, 13, &it->unit_price_cents, 0},
	};

	return pg_cols_decode(r, row, cols, sizeof(cols) / sizeof(cols[0]));
}

static enum os_status decode_item(const PGresult *r, int row, struct order *o)
{
	enum os_status st;

	if (pg_col_null(r, row, 10))
		return OS_OK; /* an order without lines (LEFT JOIN) */
	if (o->item_count == ORDER_MAX_ITEMS)
		return OS_EIO;
	st = decode_line(r, row, &o->items[o->item_count]);
	if (st == OS_OK)
		o->item_count++;
	return st;
}

static bool same_order(const PGresult *r, int a, int b)
{
	return strcmp(PQgetvalue(r, a, 0), PQgetvalue(r, b, 0)) == 0;
}

enum os_status pg_orders_decode(const PGresult *r, struct order *out, size_t cap, size_t *n,
				char *fp, size_t fp_cap)
{
	int rows = PQntuples(r);
	size_t count = 0;
	enum os_status st = OS_OK;
	int i;

	if (fp != NULL && rows > 0 &&
	    pg_col_str(r, 0, PG_ORDER_COL_FINGERPRINT, fp, fp_cap) != OS_OK)
		return OS_EIO;
	for (i = 0; st == OS_OK && i < rows; i++) {
		if (i == 0 || !same_order(r, i - 1, i)) {
			if (count == cap)
				return OS_EIO;
			st = decode_head(r, i, &out[count++]);
		}
		if (st == OS_OK)
			st = decode_item(r, i, &out[count - 1]);
	}
	if (st == OS_OK)
		*n = count;
	return st;
}

/* The lock's last column: the paying payment id, "" when NULL. */
static enum os_status decode_captured(const PGresult *r, char *captured, size_t cap)
{
	int col = PQnfields(r) - 1;

	if (PQntuples(r) == 0 || pg_col_null(r, 0, col)) {
		captured[0] = '\0';
		return OS_OK;
	}
	return pg_col_str(r, 0, col, captured, cap);
}

/* Whether the lock's rows were read across a concurrent change (the
 * column before the last; stmt_lock). */
static bool lock_waited(const PGresult *r)
{
	int col = PQnfields(r) - 2;

	return PQntuples(r) > 0 && col >= 0 && !pg_col_null(r, 0, col) &&
	       PQgetvalue(r, 0, col)[0] == 't';
}

/* Runs stmt_lock into *r, and once more when that run waited for a change
 * (lock_waited): the second run holds the lock, so nothing can have changed
 * the order under it. */
static enum os_status lock_read(struct pg_session *s, const struct pg_params *p, PGresult **r,
				struct os_error *err)
{
	enum os_status st;
	int run;

	for (run = 0; run < 2; run++) {
		PQclear(*r);
		*r = NULL;
		st = pg_exec(s, &stmt_lock, p, r, err);
		if (st != OS_OK || !lock_waited(*r))
			return st;
	}
	return os_fail(err, OS_EIO, NULL, "the order changed while locked");
}

enum os_status pg_order_lock(struct pg_session *s, const struct uuid *id, struct order *out,
			     char *captured, size_t captured_cap, bool *found, struct os_error *err)
{
	char text[UUID_STR_LEN + 1];
	struct pg_params p;
	PGresult *r = NULL;
	size_t n = 0;
	enum os_status st;

	uuid_format(id, text);
	pg_params_init(&p);
	pg_params_text(&p, text);
	st = lock_read(s, &p, &r, err);
	if (st != OS_OK) {
		PQclear(r);
		return st;
	}
	if (pg_orders_decode(r, out, 1, &n, NULL, 0) != OS_OK ||
	    decode_captured(r, captured, captured_cap) != OS_OK)
		st = os_fail(err, OS_EIO, NULL, "order %s: unreadable row", text);
	else
		*found = n == 1;
	PQclear(r);
	return st;
}

static enum os_status write_capture(struct pg_session *s, const char *id, const struct order *cur,
				    const struct order_change *ch, struct os_error *err)
{
	char amount[24], at[24];
	struct pg_params p;

	pg_params_init(&p);
	pg_params_text(&p, id);
	pg_params_text(&p, ch->money.capture_payment_id);
	pg_params_text(&p, pg_i64_text(cur->amount_cents, amount, sizeof(amount)));
	pg_params_text(&p, pg_i64_text(ch->at_us, at, sizeof(at)));
	pg_params_text(&p, ch->to == cur->status ? "true" : "false");
	return pg_exec_cmd(s, &stmt_capture, &p, err);
}

static enum os_status write_withdraw(struct pg_session *s, const char *id,
				     const struct order_change *ch, struct os_error *err)
{
	const struct outbox_msg *m = &ch->money.payment_cancel;
	char event_id[UUID_STR_LEN + 1] = "00000000-0000-0000-0000-000000000000";
	bool cancel = m->payload != NULL;
	struct pg_params p;

	if (cancel)
		uuid_format(&m->event_id, event_id);
	pg_params_init(&p);
	pg_params_text(&p, id);
	pg_params_text(&p, event_id);
	pg_params_text(&p, cancel ? m->type : "");
	pg_params_text(&p, cancel ? m->payload : "{}");
	pg_params_text(&p, cancel ? m->destination : "");
	pg_params_text(&p, cancel ? m->headers : NULL);
	return pg_exec_cmd(s, &stmt_withdraw, &p, err);
}

static enum os_status write_refund(struct pg_session *s, const char *id,
				   const struct order_change *ch, bool *refunded,
				   struct os_error *err)
{
	const struct order_money *m = &ch->money;
	char amount[24], at[24];
	struct pg_msg_arrays a;
	struct pg_params p;
	PGresult *r = NULL;
	enum os_status st;

	st = pg_msg_arrays_build(&a, m->refund_msgs, m->refund_msg_count, err);
	if (st != OS_OK)
		goto out;
	pg_params_init(&p);
	pg_params_text(&p, id);
	pg_params_text(&p, m->refund_payment_id);
	pg_params_text(&p, pg_i64_text(m->refund_amount_cents, amount, sizeof(amount)));
	pg_params_text(&p, m->refund_reason);
	pg_params_text(&p, pg_i64_text(ch->at_us, at, sizeof(at)));
	pg_params_text(&p, order_status_name(ch->to));
	pg_msg_arrays_params(&a, &p);
	st = pg_exec(s, &stmt_refund, &p, &r, err);
	if (st == OS_OK)
		*refunded = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == '1';
out:
	PQclear(r);
	pg_msg_arrays_release(&a);
	return st;
}

/* The money part of ch, after its transition (if any). */
static enum os_status write_money(struct pg_session *s, const char *id, const struct order *cur,
				  const struct order_change *ch, bool *refunded,
				  struct os_error *err)
{
	enum os_status st = OS_OK;

	if (ch->money.capture_payment_id[0] != '\0')
		st = write_capture(s, id, cur, ch, err);
	if (st == OS_OK && ch->money.withdraw_payment)
		st = write_withdraw(s, id, ch, err);
	if (st == OS_OK && ch->money.refund)
		st = write_refund(s, id, ch, refunded, err);
	return st;
}

static enum os_status write_transition(struct pg_session *s, const char *id,
				       const struct order *cur, const struct order_change *ch,
				       struct os_error *err)
{
	char at[24];
	struct pg_msg_arrays a;
	struct pg_params p;
	enum os_status st;

	st = pg_msg_arrays_build(&a, ch->msgs, ch->msg_count, err);
	if (st != OS_OK)
		goto out;
	pg_params_init(&p);
	pg_params_text(&p, id);
	pg_params_text(&p, order_status_name(ch->to));
	pg_params_text(&p, order_status_name(cur->status));
	pg_params_text(&p, pg_i64_text(ch->at_us, at, sizeof(at)));
	pg_params_text(&p, ch->reason);
	pg_params_text(&p, ch->release_stock ? "true" : "false");
	pg_msg_arrays_params(&a, &p);
	st = pg_exec_cmd(s, &stmt_change, &p, err);
out:
	pg_msg_arrays_release(&a);
	return st;
}

enum os_status pg_order_write_change(struct pg_session *s, const struct order *cur,
				     const struct order_change *ch, bool *refunded,
				     struct os_error *err)
{
	char id[UUID_STR_LEN + 1];
	bool ref = false;
	enum os_status st = OS_OK;

	uuid_format(&cur->id, id);
	if (ch->to != cur->status)
		st = write_transition(s, id, cur, ch, err);
	if (st == OS_OK)
		st = write_money(s, id, cur, ch, &ref, err);
	if (st == OS_OK && refunded != NULL)
		*refunded = ref;
	return st;
}
