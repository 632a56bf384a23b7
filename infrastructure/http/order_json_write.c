/*
 * Encoders of the responses: the order representation of DESIGN §4, history
 * entries, dead letters and the {"data", "meta", "errors"} envelope.
 */
#include "order_json.h"

#include <string.h>

#include "app/timefmt.h"
#include "domain/money.h"

static void add_str(struct sbuf *sb, const char *key, bool first, const char *v)
{
	sbuf_add_json_key(sb, key, first);
	sbuf_add_json_str(sb, v, strlen(v));
}

static void add_money(struct sbuf *sb, const char *key, int64_t cents)
{
	char buf[MONEY_STR_MAX];

	money_format(cents, buf, sizeof(buf));
	add_str(sb, key, false, buf);
}

static void add_time(struct sbuf *sb, const char *key, int64_t us)
{
	char buf[TIMEFMT_RFC3339_MAX];

	if (timefmt_rfc3339(us, buf, sizeof(buf)) == 0) {
		sbuf_add_json_key(sb, key, false);
		sbuf_adds(sb, "null");
		return;
	}
	add_str(sb, key, false, buf);
}

static void add_uuid(struct sbuf *sb, const char *key, bool first, const struct uuid *u)
{
	char buf[UUID_STR_LEN + 1];

	uuid_format(u, buf);
	add_str(sb, key, first, buf);
}

static void add_item(struct sbuf *sb, const struct order_item *it, bool first)
{
	if (!first)
		sbuf_add(sb, ",", 1);
	sbuf_add(sb, "{", 1);
	add_str(sb, "item_id", true, it->item_id);
	add_str(sb, "name", false, it->name);
	sbuf_add_json_key(sb, "quantity", false);
	sbuf_addf(sb, "%d", (int)it->quantity);
	add_money(sb, "unit_price", it->unit_price_cents);
	sbuf_add(sb, "}", 1);
}

static void add_origin(struct sbuf *sb, const struct order *o);

void order_json_order(struct sbuf *sb, const struct order *o)
{
	size_t i, n = o->item_count < ORDER_MAX_ITEMS ? o->item_count : ORDER_MAX_ITEMS;

	sbuf_add(sb, "{", 1);
	add_uuid(sb, "id", true, &o->id);
	add_str(sb, "user_id", false, o->user_id);
	add_str(sb, "status", false, order_status_name(o->status));
	add_money(sb, "amount", o->amount_cents);
	add_str(sb, "currency", false, o->currency);
	sbuf_add_json_key(sb, "items", false);
	sbuf_add(sb, "[", 1);
	for (i = 0; i < n; i++)
		add_item(sb, &o->items[i], i == 0);
	sbuf_add(sb, "]", 1);
	add_origin(sb, o);
	add_time(sb, "created_at", o->created_at_us);
	add_time(sb, "updated_at", o->updated_at_us);
	sbuf_add(sb, "}", 1);
}

static void add_opt_str(struct sbuf *sb, const char *key, const char *v)
{
	if (v[0] != '\0') {
		add_str(sb, key, false, v);
		return;
	}
	sbuf_add_json_key(sb, key, false);
	sbuf_adds(sb, "null");
}

/* customer, shipping_address, external_ref (null when absent) and source. */
static void add_origin(struct sbuf *sb, const struct order *o)
{
	sbuf_add_json_key(sb, "customer", false);
	if (order_has_customer(o)) {
		sbuf_add(sb, "{", 1);
		add_str(sb, "name", true, o->customer.name);
		add_str(sb, "email", false, o->customer.email);
		sbuf_add(sb, "}", 1);
	} else {
		sbuf_adds(sb, "null");
	}
	add_opt_str(sb, "shipping_address", o->shipping_address);
	add_opt_str(sb, "external_ref", o->external_ref);
	add_str(sb, "source", false, order_source_name(o->source));
}

void order_json_events(struct sbuf *sb, const struct order_event_row *e, size_t n)
{
	size_t i;

	sbuf_add(sb, "[", 1);
	for (i = 0; i < n; i++) {
		sbuf_adds(sb, i ? ",{" : "{");
		add_uuid(sb, "event_id", true, &e[i].event_id);
		add_str(sb, "type", false, e[i].type);
		add_str(sb, "destination", false, e[i].destination);
		add_str(sb, "status", false, e[i].status);
		sbuf_add_json_key(sb, "attempts", false);
		sbuf_addf(sb, "%d", (int)e[i].attempts);
		add_time(sb, "created_at", e[i].created_at_us);
		if (e[i].has_sent_at) {
			add_time(sb, "sent_at", e[i].sent_at_us);
		} else {
			sbuf_add_json_key(sb, "sent_at", false);
			sbuf_adds(sb, "null");
		}
		sbuf_add(sb, "}", 1);
	}
	sbuf_add(sb, "]", 1);
}

void order_json_history(struct sbuf *sb, const struct order_history_entry *h, size_t n)
{
	size_t i;

	sbuf_add(sb, "[", 1);
	for (i = 0; i < n; i++) {
		sbuf_adds(sb, i ? ",{" : "{");
		sbuf_add_json_key(sb, "from", true);
		if (h[i].has_from)
			sbuf_add_json_str(sb, order_status_name(h[i].from),
					  strlen(order_status_name(h[i].from)));
		else
			sbuf_adds(sb, "null");
		add_str(sb, "to", false, order_status_name(h[i].to));
		add_str(sb, "reason", false, h[i].reason);
		add_time(sb, "at", h[i].at_us);
		sbuf_add(sb, "}", 1);
	}
	sbuf_add(sb, "]", 1);
}

void order_json_dead_letter(struct sbuf *sb, const struct dead_letter *d)
{
	sbuf_addf(sb, "{\"id\":%lld", (long long)d->id);
	add_str(sb, "message_id", false, d->message_id);
	add_str(sb, "type", false, d->type);
	add_str(sb, "where", false, d->where);
	if (d->has_order_id) {
		add_uuid(sb, "order_id", false, &d->order_id);
	} else {
		sbuf_add_json_key(sb, "order_id", false);
		sbuf_adds(sb, "null");
	}
	sbuf_add_json_key(sb, "attempts", false);
	sbuf_addf(sb, "%d", (int)d->attempts);
	add_str(sb, "error", false, d->error);
	add_time(sb, "at", d->at_us);
	sbuf_add(sb, "}", 1);
}

void order_json_envelope_begin(struct sbuf *sb)
{
	sbuf_adds(sb, "{\"data\":");
}

static void add_meta(struct sbuf *sb, const char *request_id, const char *extra)
{
	bool first = true;

	sbuf_adds(sb, ",\"meta\":{");
	if (request_id && request_id[0]) {
		add_str(sb, "request_id", true, request_id);
		first = false;
	}
	if (extra && extra[0]) {
		if (!first)
			sbuf_add(sb, ",", 1);
		sbuf_adds(sb, extra);
	}
	sbuf_add(sb, "}", 1);
}

void order_json_envelope_end(struct sbuf *sb, const char *request_id, const char *meta_extra)
{
	add_meta(sb, request_id, meta_extra);
	sbuf_adds(sb, ",\"errors\":[]}");
}

void order_json_error_object(struct sbuf *sb, const char *code, const char *message,
			     const char *field, const char *detail)
{
	sbuf_add(sb, "{", 1);
	add_str(sb, "code", true, code ? code : "internal");
	add_str(sb, "message", false, message ? message : "");
	if (field && field[0])
		add_str(sb, "field", false, field);
	if (detail && detail[0])
		add_str(sb, "detail", false, detail);
	sbuf_add(sb, "}", 1);
}

void order_json_error_envelope(struct sbuf *sb, const char *request_id, const char *code,
			       const char *message, const char *field, const char *detail)
{
	sbuf_adds(sb, "{\"data\":null");
	add_meta(sb, request_id, NULL);
	sbuf_adds(sb, ",\"errors\":[");
	order_json_error_object(sb, code, message, field, detail);
	sbuf_adds(sb, "]}");
}
