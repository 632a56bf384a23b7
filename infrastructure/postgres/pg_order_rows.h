/*
 * Order rows shared by the order repository and the inbox store: reading
 * orders with their items, locking one, and writing a status change (the
 * order row, its history row, its outbox rows, the NOTIFY and a stock
 * release) as one statement inside the caller's transaction.
 */
#ifndef OS_PG_ORDER_ROWS_H
#define OS_PG_ORDER_ROWS_H

#include <stdbool.h>
#include <stddef.h>

#include "app/order_change.h"
#include "domain/order.h"
#include "infrastructure/postgres/pg_exec.h"

/* Columns every order-reading statement selects, o = orders, i = order_items
 * (LEFT JOIN, ordered by o then i.line). */
#define PG_ORDER_COLS                                                                              \
	"o.id::text, o.user_id, o.status, o.amount_cents, o.currency, "                            \
	"o.idempotency_key::text, o.request_fingerprint, " PG_US("o.created_at") ", " PG_US(       \
	    "o.updated_at") ", o.version, i.item_id, i.name, i.quantity, "                         \
			    "i.unit_price_cents, o.customer_name, o.customer_email, "              \
			    "o.shipping_address, "                                                 \
			    "o.external_ref, o.source"
#define PG_ORDER_COL_FINGERPRINT 6
#define PG_ORDER_COL_CUSTOMER	 14 /* then email, address, external_ref, source */

/* The columns an order's outbox row is written with, in the order every
 * writer selects them: id, 'order', aggregate id, type, payload (jsonb),
 * destination, headers (jsonb, '{}' when NULL). */
#define PG_OUTBOX_INSERT                                                                           \
	"INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, destination, "         \
	"headers) "

/* CTE x (the outbox rows of a change, parameters a..f as built by
 * pg_msg_arrays_params), only when CTE `gate` returned a row. */
#define PG_OUTBOX_ROWS_CTE(gate, a, b, c, d, e, f)                                                 \
	"x AS (" PG_OUTBOX_INSERT "SELECT m.id, 'order', m.agg, m.type, m.payload::jsonb, "        \
	"m.dest, coalesce(m.headers::jsonb, '{}'::jsonb) FROM unnest(" a "::uuid[], " b            \
	"::uuid[], " c "::text[], " d "::text[], " e "::text[], " f "::text[]) "                   \
	"WITH ORDINALITY AS m(id, agg, type, dest, payload, headers, n) "                          \
	"WHERE EXISTS (SELECT 1 FROM " gate ") ORDER BY m.n) "

/* As PG_OUTBOX_ROWS_CTE plus nt, one NOTIFY per destination in the writing
 * transaction. PostgreSQL serialises the commits of transactions that
 * NOTIFY (a database-wide lock held through the commit's WAL flush), so the
 * hot path (order create) uses PG_OUTBOX_ROWS_CTE and pg_notify_soon. */
#define PG_OUTBOX_CTE(gate, a, b, c, d, e, f)                                                      \
	PG_OUTBOX_ROWS_CTE(gate, a, b, c, d, e, f)                                                 \
	", "                                                                                       \
	"nt AS (SELECT pg_notify('outbox', d.dest) FROM (SELECT DISTINCT dest FROM "               \
	"unnest(" d "::text[]) AS t(dest)) d WHERE EXISTS (SELECT 1 FROM " gate ")) "

/* Outbox rows of a change as arrays, for one INSERT ... unnest. */
struct pg_msg_arrays {
	struct sbuf ids, aggs, types, dests, payloads, headers;
};

/* Builds the arrays of msgs[0..n). OS_ETOOBIG past the bound, else OS_OK.
 * Release with pg_msg_arrays_release in any case. */
enum os_status pg_msg_arrays_build(struct pg_msg_arrays *a, const struct outbox_msg *msgs, size_t n,
				   struct os_error *err);
void pg_msg_arrays_release(struct pg_msg_arrays *a);
/* Appends the six arrays as parameters (borrowed from a). */
void pg_msg_arrays_params(const struct pg_msg_arrays *a, struct pg_params *p);

/*
 * Groups the rows of r (PG_ORDER_COLS, one per item) into orders: out[0..*n),
 * at most cap. fp (cap fp_cap, may be NULL) receives the first order's
 * fingerprint. OS_EIO on a value that does not fit.
 */
enum os_status pg_orders_decode(const PGresult *r, struct order *out, size_t cap, size_t *n,
				char *fp, size_t fp_cap);

/* Reads order id with FOR UPDATE inside the caller's transaction, and the
 * payment that paid it into captured (cap bytes; "" if none). *found is
 * false (and *out untouched) when there is no such order. */
enum os_status pg_order_lock(struct pg_session *s, const struct uuid *id, struct order *out,
			     char *captured, size_t captured_cap, bool *found,
			     struct os_error *err);

/*
 * Writes ch for cur (locked by the caller) inside the caller's transaction:
 * the transition when ch->to differs from cur->status, then the money part
 * (payment recorded, payment request withdrawn or cancelled, refund).
 * *refunded (may be NULL) says whether a refund was written: false when the
 * payment had one already.
 */
enum os_status pg_order_write_change(struct pg_session *s, const struct order *cur,
				     const struct order_change *ch, bool *refunded,
				     struct os_error *err);

#endif
