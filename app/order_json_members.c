/* An order's lines and customer as JSON members; see order_json_members.h. */
#include "app/order_json_members.h"

void order_json_items(struct json_writer *w, const struct order *o, bool priced)
{
	size_t i, n = o->item_count < ORDER_MAX_ITEMS ? o->item_count : ORDER_MAX_ITEMS;

	json_write_array(w, "items");
	for (i = 0; i < n; i++) {
		const struct order_item *it = &o->items[i];

		json_write_object(w, NULL);
		json_write_str(w, "item_id", it->item_id);
		if (priced)
			json_write_str(w, "name", it->name);
		json_write_int(w, "quantity", it->quantity);
		if (priced)
			json_write_money(w, "unit_price", it->unit_price_cents);
		json_write_end(w);
	}
	json_write_end(w);
}

void order_json_customer(struct json_writer *w, const struct order *o, bool null_if_none)
{
	if (!order_has_customer(o)) {
		if (null_if_none)
			json_write_null(w, "customer");
		return;
	}
	json_write_object(w, "customer");
	json_write_str(w, "name", o->customer.name);
	json_write_str(w, "email", o->customer.email);
	json_write_end(w);
}
