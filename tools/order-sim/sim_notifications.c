/* The simulated notification service. */
#include "tools/order-sim/sim_notifications.h"

#include <string.h>

#include "app/json_write.h"
#include "app/timefmt.h"
#include "tools/order-sim/sim_json.h"
#include "tools/order-sim/sim_rand.h"

#define RECORD_MAX   100000
#define RECORD_BYTES ((size_t)256 * 1024 * 1024)
#define KEYS_MAX     100000
#define ID_MAX	     128

enum os_status sim_notifications_init(struct sim_notifications *n)
{
	memset(n, 0, sizeof(*n));
	atomic_init(&n->duplicates, 0);
	if (sim_journal_init(&n->received, RECORD_MAX, RECORD_BYTES) != OS_OK ||
	    sim_map_init(&n->keys, KEYS_MAX) != OS_OK) {
		sim_notifications_release(n);
		return OS_ENOMEM;
	}
	return OS_OK;
}

void sim_notifications_release(struct sim_notifications *n)
{
	sim_journal_release(&n->received);
	sim_map_release(&n->keys);
}

void sim_notifications_reset(struct sim_notifications *n)
{
	sim_journal_clear(&n->received);
	sim_map_clear(&n->keys);
	atomic_store(&n->duplicates, 0);
}

static void describe(const struct sim_request *req, yajl_val tree, const char *key, struct sbuf *sb)
{
	char api_key[256] = "";
	struct json_writer w;

	sim_request_header(req, "x-api-key", api_key, sizeof(api_key));
	json_write_init(&w, sb);
	json_write_object(&w, NULL);
	json_write_time(&w, "received_at", sim_now_us());
	json_write_str_or_null(&w, "order_id", json_tree_string(tree, "order_id"));
	json_write_str(&w, "idempotency_key", key);
	json_write_object(&w, "headers");
	json_write_str(&w, "x-api-key", api_key);
	json_write_str(&w, "idempotency-key", key);
	json_write_end(&w);
	sim_json_write(&w, "body", tree);
	json_write_end(&w);
}

static void accepted(struct sim_reply *rep)
{
	struct sbuf sb;

	sbuf_init(&sb, 64);
	sbuf_adds(&sb, "{\"status\":\"accepted\"}");
	sim_reply_json(rep, 202, &sb);
}

void sim_notifications_post(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_notifications *n = ctx;
	char key[ID_MAX + 1] = "";
	yajl_val tree = NULL;
	struct sbuf sb;
	enum os_status st;

	st = json_tree_parse(&json_limits_sim, req->body, req->body_len, &tree, NULL);
	if (st != OS_OK || !YAJL_IS_OBJECT(tree)) {
		sim_reply_error(rep, st == OS_ETOOBIG ? 413 : 400, "body must be a JSON object");
		goto out;
	}
	if (!sim_request_header(req, "idempotency-key", key, sizeof(key)) || key[0] == '\0') {
		const char *k = json_tree_string(tree, "idempotency_key");

		if (k != NULL && strlen(k) < sizeof(key))
			memcpy(key, k, strlen(k) + 1);
	}
	if (key[0] != '\0' && sim_map_add(&n->keys, key, "") == OS_ECONFLICT) {
		atomic_fetch_add(&n->duplicates, 1);
		accepted(rep);
		goto out;
	}
	sbuf_init(&sb, RECORD_BYTES);
	describe(req, tree, key, &sb);
	if (sbuf_ok(&sb))
		sim_journal_add(&n->received, json_tree_string(tree, "order_id"), sb.buf, sb.len);
	sbuf_release(&sb);
	accepted(rep);
out:
	yajl_tree_free(tree);
}

void sim_notifications_list(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_notifications *n = ctx;
	char order_id[ID_MAX + 1];
	bool filter = sim_request_query(req, "order_id", order_id, sizeof(order_id));
	struct sbuf sb;

	sbuf_init(&sb, RECORD_BYTES + 4096);
	sbuf_adds(&sb, "{\"data\":");
	sim_journal_list(&n->received, filter ? order_id : NULL, &sb);
	sbuf_addf(&sb, ",\"duplicates\":%lu}", atomic_load(&n->duplicates));
	sim_reply_json(rep, 200, &sb);
}
