/* A dead letter as JSON; see dead_letter_json.h. */
#include "infrastructure/http/dead_letter_json.h"

#include "app/json_write.h"

void order_json_dead_letter(struct sbuf *sb, const struct dead_letter *d)
{
	struct json_writer w;

	json_write_init(&w, sb);
	json_write_object(&w, NULL);
	json_write_int(&w, "id", d->id);
	json_write_str(&w, "message_id", d->message_id);
	json_write_str(&w, "type", d->type);
	json_write_str(&w, "where", d->where);
	if (d->has_order_id)
		json_write_uuid(&w, "order_id", &d->order_id);
	else
		json_write_null(&w, "order_id");
	json_write_int(&w, "attempts", d->attempts);
	json_write_str(&w, "error", d->error);
	json_write_time(&w, "at", d->at_us);
	json_write_end(&w);
}
