/* The order, its history and its events as JSON; see order_view_json.h. */
#include "infrastructure/http/order_view_json.h"

#include "app/json_write.h"
#include "app/order_json_members.h"

/* customer, shipping_address, external_ref (null when absent) and source. */
static void write_origin(struct json_writer *w, const struct order *o)
{
	order_json_customer(w, o, true);
	json_write_str_or_null(w, "shipping_address", o->shipping_address);
	json_write_str_or_null(w, "external_ref", o->external_ref);
	json_write_str(w, "source", order_source_name(o->source));
}

void order_json_order(struct sbuf *sb, const struct order *o)
{
	struct json_writer w;

	json_write_init(&w, sb);
	json_write_object(&w, NULL);
	json_write_uuid(&w, "id", &o->id);
	json_write_str(&w, "user_id", o->user_id);
	json_write_str(&w, "status", order_status_name(o->status));
	json_write_money(&w, "amount", o->amount_cents);
	json_write_str(&w, "currency", o->currency);
	order_json_items(&w, o, true);
	write_origin(&w, o);
	json_write_time(&w, "created_at", o->created_at_us);
	json_write_time(&w, "updated_at", o->updated_at_us);
	json_write_end(&w);
}

/* sb gets a JSON array of the n rows (size bytes each) at rows, each an
 * object written by write_row. */
static void write_rows(struct sbuf *sb, const void *rows, size_t size, size_t n,
		       void (*write_row)(struct json_writer *w, const void *row))
{
	struct json_writer w;
	size_t i;

	json_write_init(&w, sb);
	json_write_array(&w, NULL);
	for (i = 0; i < n; i++) {
		json_write_object(&w, NULL);
		write_row(&w, (const char *)rows + i * size);
		json_write_end(&w);
	}
	json_write_end(&w);
}

static void write_event(struct json_writer *w, const void *row)
{
	const struct order_event_row *e = row;

	json_write_uuid(w, "event_id", &e->event_id);
	json_write_str(w, "type", e->type);
	json_write_str(w, "destination", e->destination);
	json_write_str(w, "status", e->status);
	json_write_int(w, "attempts", e->attempts);
	json_write_time(w, "created_at", e->created_at_us);
	if (e->has_sent_at)
		json_write_time(w, "sent_at", e->sent_at_us);
	else
		json_write_null(w, "sent_at");
}

void order_json_events(struct sbuf *sb, const struct order_event_row *e, size_t n)
{
	write_rows(sb, e, sizeof(*e), n, write_event);
}

static void write_history_entry(struct json_writer *w, const void *row)
{
	const struct order_history_entry *h = row;

	if (h->has_from)
		json_write_str(w, "from", order_status_name(h->from));
	else
		json_write_null(w, "from");
	json_write_str(w, "to", order_status_name(h->to));
	json_write_str(w, "reason", h->reason);
	json_write_time(w, "at", h->at_us);
}

void order_json_history(struct sbuf *sb, const struct order_history_entry *h, size_t n)
{
	write_rows(sb, h, sizeof(*h), n, write_history_entry);
}
