/*
 * The order repository over PostgreSQL (app/order_repo.h). Creating an order
 * is one data-modifying statement in autocommit: stock rows locked in
 * item_id order and checked (the stock, and the price each line was priced
 * at: the caller's catalog answer may be cached), the order inserted ON
 * CONFLICT DO NOTHING only when every line passes, then stock, items,
 * history, outbox rows and the NOTIFYs, all gated on the insert. One round trip on the hot path; a
 * second only to read an existing order back.
 *
 * The stale-order sweep cancels each order inside a savepoint: an order
 * whose change fails on its own data is skipped (and logged) instead of
 * failing every sweep, since the sweep would meet it first again each time.
 */
#include "infrastructure/postgres/pg_order_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/order_repo.h"
#include "infrastructure/log/log.h"
#include "infrastructure/metrics/metrics.h"
#include "infrastructure/postgres/pg_order_rows.h"
#include "infrastructure/postgres/pg_rows.h"

#define PG_ITEM_ARRAY_MAX (256u * 1024u)
#define PG_UUID_MAX_TEXT  "ffffffff-ffff-ffff-ffff-ffffffffffff"

static const struct pg_stmt stmt_create = {
    "order_create",
    "WITH lines AS (SELECT * FROM unnest($11::text[], $12::text[], $13::int[], "
    "$14::bigint[]) WITH ORDINALITY AS l(item_id, name, qty, price, line)), "
    "req AS (SELECT item_id, sum(qty)::bigint AS qty FROM lines WHERE $10::bool "
    "GROUP BY item_id), "
    /* = ANY($11) keeps the generic plan on the primary key (the API's
     * sessions run generic plans: no planning per create). */
    "lk AS (SELECT v.item_id, v.available_qty, v.price_cents FROM inventory v "
    "WHERE $10::bool AND v.item_id = ANY ($11::text[]) ORDER BY v.item_id FOR UPDATE), "
    /* The first failing line, unknown items and short stock before changed
     * prices (those are final; a price is retried). */
    "bad AS (SELECT l.line, CASE WHEN lk.item_id IS NULL THEN 'u' "
    "WHEN lk.available_qty < req.qty THEN 's' ELSE 'p' END AS why FROM lines l "
    "JOIN req USING (item_id) LEFT JOIN lk USING (item_id) "
    "WHERE lk.item_id IS NULL OR lk.available_qty < req.qty OR lk.price_cents <> l.price "
    "ORDER BY lk.item_id IS NOT NULL AND lk.available_qty >= req.qty, l.line LIMIT 1), "
    "o AS (INSERT INTO orders (id, user_id, status, amount_cents, currency, "
    "idempotency_key, request_fingerprint, created_at, updated_at, version, "
    "customer_name, customer_email, shipping_address, external_ref, source) "
    "SELECT $1::uuid, $2, 'new', $3::bigint, $4, $5::uuid, $6, " PG_TS("$7") ", " PG_TS(
	"$8") ", 1, $21, $22, $23, $24, $25 WHERE NOT EXISTS (SELECT 1 FROM bad) "
	      "ON CONFLICT DO NOTHING RETURNING id), "
	      "s AS (UPDATE inventory v SET available_qty = v.available_qty - req.qty FROM req "
	      "WHERE v.item_id = req.item_id AND v.item_id = ANY ($11::text[]) "
	      "AND v.item_id IN (SELECT item_id FROM lk) "
	      "AND EXISTS (SELECT 1 FROM o) RETURNING 1), "
	      "i AS (INSERT INTO order_items (order_id, line, item_id, name, quantity, "
	      "unit_price_cents) SELECT o.id, l.line, l.item_id, l.name, l.qty, l.price "
	      "FROM o, lines l), "
	      "h AS (INSERT INTO order_status_history (order_id, from_status, to_status, reason, "
	      "at) "
	      "SELECT o.id, NULL, 'new', $9, " PG_TS("$7") " FROM o), " PG_OUTBOX_ROWS_CTE(
		  "o", "$15", "$16", "$17", "$18", "$19",
		  "$20") " "
			 "SELECT (SELECT count(*) FROM o), (SELECT line FROM bad), (SELECT why "
			 "FROM bad), "
			 "0::bigint, (SELECT count(*) FROM s)",
    25,
};

static const struct pg_stmt stmt_by_key = {
    "order_by_key",
    "SELECT " PG_ORDER_COLS " FROM orders o LEFT JOIN order_items i ON i.order_id = o.id "
    "WHERE o.idempotency_key = $1::uuid ORDER BY i.line",
    1,
};

static const struct pg_stmt stmt_by_ref = {
    "order_by_ref",
    "SELECT " PG_ORDER_COLS " FROM orders o LEFT JOIN order_items i ON i.order_id = o.id "
    "WHERE o.external_ref = $1 ORDER BY i.line",
    1,
};

static const struct pg_stmt stmt_get = {
    "order_get",
    "SELECT " PG_ORDER_COLS " FROM orders o LEFT JOIN order_items i ON i.order_id = o.id "
    "WHERE o.id = $1::uuid ORDER BY i.line",
    1,
};

/* One statement per filter shape, so each keeps an index-friendly plan. */
#define PG_LIST(name, where, np)                                                                   \
	{                                                                                          \
		name,                                                                              \
		    "WITH page AS (SELECT * FROM orders WHERE id < $1::uuid " where                \
		    " ORDER BY id DESC LIMIT $2) SELECT " PG_ORDER_COLS " FROM page o "            \
		    "LEFT JOIN order_items i ON i.order_id = o.id ORDER BY o.id DESC, i.line",     \
		    np                                                                             \
	}

static const struct pg_stmt stmt_list[4] = {
    PG_LIST("order_list", "", 2),
    PG_LIST("order_list_u", "AND user_id = $3", 3),
    PG_LIST("order_list_s", "AND status = $3", 3),
    PG_LIST("order_list_us", "AND user_id = $3 AND status = $4", 4),
};

static const struct pg_stmt stmt_history = {
    "order_history",
    "SELECT from_status, to_status, reason, " PG_US(
	"at") " FROM order_status_history "
	      "WHERE order_id = $1::uuid ORDER BY id LIMIT $2",
    2,
};

/* No row: no order. One row with a NULL id: an order without messages. */
static const struct pg_stmt stmt_events = {
    "order_events",
    "SELECT x.id::text, x.type, x.destination, x.status, x.attempts, " PG_US(
	"x.created_at") ", " PG_US("x.sent_at") " FROM orders o LEFT JOIN LATERAL "
						"(SELECT * FROM outbox WHERE aggregateid = o.id "
						"ORDER BY seq LIMIT $2) x ON true "
						"WHERE o.id = $1::uuid ORDER BY x.seq",
    2,
};

static const struct pg_stmt stmt_stale = {
    "order_stale",
    "SELECT id::text FROM orders WHERE status = 'new' AND created_at < " PG_TS(
	"$1") " ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED",
    2,
};

/* Item lines as four arrays. */
struct item_arrays {
	struct sbuf ids, names, qtys, prices;
};

static void items_release(struct item_arrays *a)
{
	sbuf_release(&a->ids);
	sbuf_release(&a->names);
	sbuf_release(&a->qtys);
	sbuf_release(&a->prices);
}

static enum os_status items_build(struct item_arrays *a, const struct order *o,
				  struct os_error *err)
{
	char num[24];
	size_t i;

	sbuf_init(&a->ids, PG_ITEM_ARRAY_MAX);
	sbuf_init(&a->names, PG_ITEM_ARRAY_MAX);
	sbuf_init(&a->qtys, PG_ITEM_ARRAY_MAX);
	sbuf_init(&a->prices, PG_ITEM_ARRAY_MAX);
	pg_array_begin(&a->ids);
	pg_array_begin(&a->names);
	pg_array_begin(&a->qtys);
	pg_array_begin(&a->prices);
	for (i = 0; i < o->item_count && i < ORDER_MAX_ITEMS; i++) {
		pg_array_elem(&a->ids, o->items[i].item_id);
		pg_array_elem(&a->names, o->items[i].name);
		pg_array_elem(&a->qtys, pg_i64_text(o->items[i].quantity, num, sizeof(num)));
		pg_array_elem(&a->prices,
			      pg_i64_text(o->items[i].unit_price_cents, num, sizeof(num)));
	}
	pg_array_end(&a->ids);
	pg_array_end(&a->names);
	pg_array_end(&a->qtys);
	pg_array_end(&a->prices);
	if (!sbuf_ok(&a->ids) || !sbuf_ok(&a->names) || !sbuf_ok(&a->qtys) || !sbuf_ok(&a->prices))
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	return OS_OK;
}

/* Reads one order by stmt (id, key or external reference, as text);
 * OS_ENOTFOUND when absent. */
static enum os_status read_one_text(struct pg_session *s, const struct pg_stmt *stmt,
				    const char *text, struct order *out, char *fp, size_t fp_cap,
				    struct os_error *err)
{
	struct pg_params p;
	PGresult *r = NULL;
	struct order *o = malloc(sizeof(*o));
	size_t n = 0;
	enum os_status st;

	if (o == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	pg_params_init(&p);
	pg_params_text(&p, text);
	st = pg_exec(s, stmt, &p, &r, err);
	if (st != OS_OK)
		goto out;
	if (pg_orders_decode(r, o, 1, &n, fp, fp_cap) != OS_OK)
		st = os_fail(err, OS_EIO, NULL, "order %s: unreadable row", text);
	else if (n == 0)
		st = os_fail(err, OS_ENOTFOUND, NULL, "no order %s", text);
	else
		memcpy(out, o, sizeof(*o));
out:
	PQclear(r);
	free(o);
	return st;
}

static enum os_status read_one(struct pg_session *s, const struct pg_stmt *stmt,
			       const struct uuid *id, struct order *out, char *fp, size_t fp_cap,
			       struct os_error *err)
{
	char text[UUID_STR_LEN + 1];

	uuid_format(id, text);
	return read_one_text(s, stmt, text, out, fp, fp_cap, err);
}

static enum os_status repo_find_by_ref(void *ctx, const char *ref, struct order *out, char *fp,
				       size_t fp_cap, struct os_error *err)
{
	return read_one_text(ctx, &stmt_by_ref, ref, out, fp, fp_cap, err);
}

static enum os_status repo_find_by_key(void *ctx, const struct uuid *key, struct order *out,
				       char *fp, size_t fp_cap, struct os_error *err)
{
	return read_one(ctx, &stmt_by_key, key, out, fp, fp_cap, err);
}

static enum os_status repo_get(void *ctx, const struct uuid *id, struct order *out,
			       struct os_error *err)
{
	return read_one(ctx, &stmt_get, id, out, NULL, 0, err);
}

/* Parameters 1..14 of stmt_create; text buffers live in nums. */
static void create_params(const struct order_insert *c, const struct item_arrays *ia,
			  char nums[3][24], char ids[2][UUID_STR_LEN + 1], struct pg_params *p)
{
	const struct order *o = &c->order;

	uuid_format(&o->id, ids[0]);
	uuid_format(&o->idempotency_key, ids[1]);
	pg_params_init(p);
	pg_params_text(p, ids[0]);
	pg_params_text(p, o->user_id);
	pg_params_text(p, pg_i64_text(o->amount_cents, nums[0], 24));
	pg_params_text(p, o->currency);
	pg_params_text(p, ids[1]);
	pg_params_text(p, c->fingerprint);
	pg_params_text(p, pg_i64_text(o->created_at_us, nums[1], 24));
	pg_params_text(p, pg_i64_text(o->updated_at_us, nums[2], 24));
	pg_params_text(p, c->reason);
	pg_params_text(p, c->reserve_stock ? "true" : "false");
	pg_params_text(p, ia->ids.buf);
	pg_params_text(p, ia->names.buf);
	pg_params_text(p, ia->qtys.buf);
	pg_params_text(p, ia->prices.buf);
}

static const char *or_null(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

/* Parameters 21..25 of stmt_create: customer, address, reference, source. */
static void create_params_extra(const struct order *o, struct pg_params *p)
{
	pg_params_text(p, or_null(o->customer.name));
	pg_params_text(p, or_null(o->customer.email));
	pg_params_text(p, or_null(o->shipping_address));
	pg_params_text(p, or_null(o->external_ref));
	pg_params_text(p, order_source_name(o->source));
}

/* The outcome of the create statement. */
struct create_result {
	bool inserted;
	int bad_line; /* 1-based first failing line; 0 if none */
	char bad_why; /* 'u' unknown item, 's' short of stock, 'p' price changed */
};

static enum os_status run_create(struct pg_session *s, const struct order_insert *c,
				 struct create_result *res, struct os_error *err)
{
	struct item_arrays ia;
	struct pg_msg_arrays ma;
	char nums[3][24];
	char ids[2][UUID_STR_LEN + 1];
	struct pg_params p;
	PGresult *r = NULL;
	int64_t v = 0;
	enum os_status st;

	st = items_build(&ia, &c->order, err);
	if (st == OS_OK)
		st = pg_msg_arrays_build(&ma, c->msgs, c->msg_count, err);
	else
		memset(&ma, 0, sizeof(ma));
	if (st != OS_OK)
		goto out;
	create_params(c, &ia, nums, ids, &p);
	pg_msg_arrays_params(&ma, &p);
	create_params_extra(&c->order, &p);
	st = pg_exec(s, &stmt_create, &p, &r, err);
	if (st != OS_OK)
		goto out;
	if (pg_col_i64(r, 0, 0, &v) != OS_OK) {
		st = os_fail(err, OS_EIO, NULL, "create: unreadable result");
		goto out;
	}
	res->inserted = v == 1;
	res->bad_line = 0;
	res->bad_why = '\0';
	if (!pg_col_null(r, 0, 1) && pg_col_i64(r, 0, 1, &v) == OS_OK && v > 0 &&
	    v <= ORDER_MAX_ITEMS) {
		res->bad_line = (int)v;
		res->bad_why = PQgetvalue(r, 0, 2)[0];
	}
out:
	PQclear(r);
	items_release(&ia);
	pg_msg_arrays_release(&ma);
	return st;
}

/* The answer for the first failing line (order_repo_create's contract). */
static enum os_status line_error(const struct create_result *res, struct os_error *err)
{
	char field[OS_ERROR_FIELD_MAX];
	int i = res->bad_line - 1;

	if (res->bad_why == 'u') {
		snprintf(field, sizeof(field), "items[%d].item_id", i);
		return os_fail(err, OS_ENOTFOUND, field, "unknown item");
	}
	if (res->bad_why == 'p') {
		snprintf(field, sizeof(field), "items[%d]." ORDER_REPO_PRICE_FIELD, i);
		return os_fail(err, OS_EAGAIN, field, "the item's price changed");
	}
	snprintf(field, sizeof(field), "items[%d].quantity", i);
	return os_fail(err, OS_ECONFLICT, field, "not enough stock");
}

/* Wakes the relays of the order's outbox rows. */
static void notify_destinations(struct pg_session *s, const struct order_insert *c)
{
	const char *dests[OUTBOX_MAX_PER_CHANGE];
	size_t i, n = c->msg_count < OUTBOX_MAX_PER_CHANGE ? c->msg_count : OUTBOX_MAX_PER_CHANGE;

	for (i = 0; i < n; i++)
		dests[i] = c->msgs[i].destination;
	pg_notify_soon(s, "outbox", dests, n);
}

static enum os_status repo_create(void *ctx, const struct order_insert *c, struct order *out,
				  bool *created, char *fp, size_t fp_cap, struct os_error *err)
{
	struct pg_session *s = ctx;
	struct create_result res;
	enum os_status st = run_create(s, c, &res, err);

	if (st == OS_ECONFLICT) /* the stock CHECK caught a race the lock missed */
		return os_fail(err, OS_ECONFLICT, "items", "not enough stock");
	if (st != OS_OK)
		return st;
	if (res.inserted) {
		/* The relays learn of the rows after the commit (see
		 * PG_OUTBOX_CTE for why not inside it). */
		notify_destinations(s, c);
		memcpy(out, &c->order, sizeof(*out));
		out->status = ORDER_NEW;
		out->version = 1;
		snprintf(fp, fp_cap, "%s", c->fingerprint);
		*created = true;
		return OS_OK;
	}
	/* Not written: either the key exists (maybe committed by a concurrent
	 * request while we waited) or the stock said no. A fresh read decides. */
	st = repo_find_by_key(ctx, &c->order.idempotency_key, out, fp, fp_cap, err);
	if (st == OS_ENOTFOUND && c->order.external_ref[0] != '\0')
		st = repo_find_by_ref(ctx, c->order.external_ref, out, fp, fp_cap, err);
	if (st == OS_OK) {
		*created = false;
		return OS_OK;
	}
	if (st == OS_ENOTFOUND && res.bad_line > 0)
		return line_error(&res, err);
	if (st == OS_ENOTFOUND)
		return os_fail(err, OS_EAGAIN, NULL, "idempotency key vanished; retry");
	return st;
}

static const struct pg_stmt *list_stmt(const struct order_filter *f)
{
	return &stmt_list[(f->user_id ? 1 : 0) + (f->has_status ? 2 : 0)];
}

static enum os_status repo_list(void *ctx, const struct order_filter *f, struct order *out,
				size_t *n, struct os_error *err)
{
	char after[UUID_STR_LEN + 1] = PG_UUID_MAX_TEXT;
	char limit[24];
	struct pg_params p;
	PGresult *r = NULL;
	size_t count = 0;
	enum os_status st;

	if (f->limit == 0 || f->limit > ORDER_LIST_MAX)
		return os_fail(err, OS_EINVAL, "limit", "must be 1..%d", ORDER_LIST_MAX);
	if (f->has_after)
		uuid_format(&f->after, after);
	pg_params_init(&p);
	pg_params_text(&p, after);
	pg_params_text(&p, pg_i64_text((int64_t)f->limit, limit, sizeof(limit)));
	if (f->user_id)
		pg_params_text(&p, f->user_id);
	if (f->has_status)
		pg_params_text(&p, order_status_name(f->status));
	st = pg_exec(ctx, list_stmt(f), &p, &r, err);
	if (st != OS_OK)
		return st;
	if (pg_orders_decode(r, out, f->limit, &count, NULL, 0) != OS_OK)
		st = os_fail(err, OS_EIO, NULL, "list: unreadable row");
	else
		*n = count;
	PQclear(r);
	return st;
}

static enum os_status decode_history(const PGresult *r, int row, void *entry)
{
	struct order_history_entry *e = entry;
	const char *from = PQgetvalue(r, row, 0);
	const char *to = PQgetvalue(r, row, 1);

	e->has_from = !pg_col_null(r, row, 0);
	if (e->has_from && order_status_parse(from, strlen(from), &e->from) != OS_OK)
		return OS_EIO;
	if (order_status_parse(to, strlen(to), &e->to) != OS_OK)
		return OS_EIO;
	if (pg_col_str(r, row, 2, e->reason, sizeof(e->reason)) != OS_OK)
		return OS_EIO;
	return pg_col_i64(r, row, 3, &e->at_us);
}

static enum os_status repo_history(void *ctx, const struct uuid *id,
				   struct order_history_entry *out, size_t cap, size_t *n,
				   struct os_error *err)
{
	struct pg_rows rows = {decode_history, out, sizeof(*out), cap, "history"};
	char text[UUID_STR_LEN + 1];
	char lim[24];
	struct pg_params p;
	size_t count = 0;
	enum os_status st;

	uuid_format(id, text);
	pg_params_init(&p);
	pg_params_text(&p, text);
	pg_params_text(&p, pg_i64_text((int64_t)cap, lim, sizeof(lim)));
	st = pg_exec_rows(ctx, &stmt_history, &p, &rows, &count, err);
	/* Every order has its creation row: no rows means no order. */
	if (st == OS_OK && count == 0)
		st = os_fail(err, OS_ENOTFOUND, NULL, "no order %s", text);
	if (st == OS_OK)
		*n = count;
	return st;
}

static enum os_status decode_event(const PGresult *r, int row, struct order_event_row *e)
{
	const struct pg_col_dst cols[] = {
	    {PG_COL_UUID, 0, &e->event_id, 0},
	    {PG_COL_STR, 1, e->type, sizeof(e->type)},
	    {PG_COL_STR, 2, e->destination, sizeof(e->destination)},
	    {PG_COL_STR, 3, e->status, sizeof(e->status)},
	    {PG_COL_I32, 4, &e->attempts, 0},
	    {PG_COL_I64, 5, &e->created_at_us, 0},
	};
	enum os_status st = pg_cols_decode(r, row, cols, sizeof(cols) / sizeof(cols[0]));

	e->has_sent_at = !pg_col_null(r, row, 6);
	e->sent_at_us = 0;
	if (st == OS_OK && e->has_sent_at)
		st = pg_col_i64(r, row, 6, &e->sent_at_us);
	return st;
}

static enum os_status repo_events(void *ctx, const struct uuid *id, struct order_event_row *out,
				  size_t cap, size_t *n, struct os_error *err)
{
	char text[UUID_STR_LEN + 1];
	char lim[24];
	struct pg_params p;
	PGresult *r = NULL;
	size_t count = 0;
	enum os_status st;
	int i;

	uuid_format(id, text);
	pg_params_init(&p);
	pg_params_text(&p, text);
	pg_params_text(&p, pg_i64_text((int64_t)cap, lim, sizeof(lim)));
	st = pg_exec(ctx, &stmt_events, &p, &r, err);
	if (st != OS_OK)
		return st;
	if (PQntuples(r) == 0)
		st = os_fail(err, OS_ENOTFOUND, NULL, "no order %s", text);
	for (i = 0; st == OS_OK && i < PQntuples(r) && count < cap; i++) {
		if (pg_col_null(r, i, 0))
			continue;
		if (decode_event(r, i, &out[count++]) != OS_OK)
			st = os_fail(err, OS_EIO, NULL, "events: unreadable row");
	}
	if (st == OS_OK)
		*n = count;
	PQclear(r);
	return st;
}

/* Inside the caller's transaction: locks id, asks fn, writes an APPLY
 * (*refunded: whether it wrote a refund). */
static enum os_status mutate_locked(struct pg_session *s, const struct uuid *id,
				    order_mutate_fn *fn, void *arg, enum order_verdict *verdict,
				    bool *refunded, struct os_error *err)
{
	struct order *cur = malloc(sizeof(*cur));
	struct order_change *ch = calloc(1, sizeof(*ch));
	bool found = false;
	enum os_status st = OS_ENOMEM;

	if (cur == NULL || ch == NULL) {
		os_fail(err, OS_ENOMEM, NULL, "out of memory");
		goto out;
	}
	st = pg_order_lock(s, id, cur, ch->money.captured_payment_id,
			   sizeof(ch->money.captured_payment_id), &found, err);
	if (st == OS_OK && !found)
		st = os_fail(err, OS_ENOTFOUND, NULL, "no such order");
	if (st != OS_OK)
		goto out;
	*verdict = fn(arg, cur, ch);
	if (*verdict == ORDER_APPLY) {
		st = pg_order_write_change(s, cur, ch, refunded, err);
		order_change_release(ch);
	}
out:
	free(cur);
	free(ch);
	return st;
}

static enum os_status repo_update(void *ctx, const struct uuid *id, order_mutate_fn *fn, void *arg,
				  enum order_verdict *verdict, struct os_error *err)
{
	struct pg_session *s = ctx;
	enum order_verdict v = ORDER_DUPLICATE;
	bool refunded = false;
	enum os_status st = pg_begin(s, err);

	if (st != OS_OK)
		return st;
	st = mutate_locked(s, id, fn, arg, &v, &refunded, err);
	if (st == OS_OK)
		st = pg_commit(s, err);
	else
		pg_rollback(s);
	if (st == OS_OK)
		*verdict = v;
	if (st == OS_OK && refunded)
		metrics_refunds_requested(1);
	return st;
}

static enum os_status decode_id(const PGresult *r, int row, void *id)
{
	return pg_col_uuid(r, row, 0, id);
}

/* Locks up to max stale new orders; ids[0..*n). */
static enum os_status lock_stale(struct pg_session *s, int64_t before_us, size_t max,
				 struct uuid *ids, size_t *n, struct os_error *err)
{
	struct pg_rows rows = {decode_id, ids, sizeof(*ids), max, "expire"};
	char before[24];
	char lim[24];
	struct pg_params p;

	pg_params_init(&p);
	pg_params_text(&p, pg_i64_text(before_us, before, sizeof(before)));
	pg_params_text(&p, pg_i64_text((int64_t)max, lim, sizeof(lim)));
	return pg_exec_rows(s, &stmt_stale, &p, &rows, n, err);
}

#define PG_EXPIRE_MAX 500

/* mutate_locked for one stale order inside a savepoint. A failure of the
 * order's own leaves it as it was (*applied false); others are returned. */
static enum os_status expire_one(struct pg_session *s, const struct uuid *id, order_mutate_fn *fn,
				 void *arg, bool *applied, bool *refunded, struct os_error *err)
{
	char text[UUID_STR_LEN + 1];
	struct os_error own;
	enum order_verdict v = ORDER_DUPLICATE;
	enum os_status st = pg_savepoint(s, err);

	if (st != OS_OK)
		return st;
	os_error_clear(&own);
	st = mutate_locked(s, id, fn, arg, &v, refunded, &own);
	if (st == OS_OK) {
		*applied = v == ORDER_APPLY;
		return pg_savepoint_release(s, err);
	}
	if (!pg_row_fault(st))
		return os_fail(err, st, NULL, "%s", own.message);
	uuid_format(id, text);
	log_kv(LOG_WARN, "stale order not cancelled", "order_id", text, "detail", own.message,
	       NULL);
	*applied = false;
	return pg_savepoint_undo(s, err);
}

static enum os_status repo_expire(void *ctx, int64_t created_before_us, size_t max,
				  order_mutate_fn *fn, void *arg, size_t *changed,
				  struct os_error *err)
{
	struct pg_session *s = ctx;
	struct uuid *ids;
	bool applied = false, refunded;
	size_t n = 0, done = 0, refunds = 0, i;
	enum os_status st;

	if (max == 0 || max > PG_EXPIRE_MAX)
		max = PG_EXPIRE_MAX;
	ids = calloc(max, sizeof(*ids));
	if (ids == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	st = pg_begin(s, err);
	if (st == OS_OK)
		st = lock_stale(s, created_before_us, max, ids, &n, err);
	for (i = 0; st == OS_OK && i < n; i++) {
		refunded = false;
		st = expire_one(s, &ids[i], fn, arg, &applied, &refunded, err);
		done += st == OS_OK && applied;
		refunds += st == OS_OK && applied && refunded;
	}
	if (st == OS_OK)
		st = pg_commit(s, err);
	else
		pg_rollback(s);
	if (st == OS_OK)
		*changed = done;
	if (st == OS_OK)
		metrics_refunds_requested(refunds);
	free(ids);
	return st;
}

static const struct order_repo_ops pg_order_repo_ops = {
    .create = repo_create,
    .find_by_key = repo_find_by_key,
    .find_by_ref = repo_find_by_ref,
    .events = repo_events,
    .get = repo_get,
    .list = repo_list,
    .history = repo_history,
    .update = repo_update,
    .expire = repo_expire,
};

void pg_order_repo_init(struct order_repo *out, struct pg_session *s)
{
	out->ops = &pg_order_repo_ops;
	out->ctx = s;
}
