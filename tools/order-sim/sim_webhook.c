/* The simulated egress-webhook receiver. */
#include "tools/order-sim/sim_webhook.h"

#include <string.h>

#include "app/json_write.h"
#include "app/timefmt.h"
#include "tools/order-sim/sim_json.h"
#include "tools/order-sim/sim_rand.h"

#define RECORD_MAX   100000
#define RECORD_BYTES ((size_t)64 * 1024 * 1024)
#define HEADER_MAX   256
#define FAIL_MAX     1000

enum os_status sim_webhook_init(struct sim_webhook *w)
{
	memset(w, 0, sizeof(*w));
	atomic_init(&w->fail_next, 0);
	return sim_journal_init(&w->received, RECORD_MAX, RECORD_BYTES);
}

void sim_webhook_release(struct sim_webhook *w)
{
	sim_journal_release(&w->received);
}

void sim_webhook_reset(struct sim_webhook *w)
{
	sim_journal_clear(&w->received);
	atomic_store(&w->fail_next, 0);
}

static void describe(const struct sim_request *req, yajl_val tree, int status, struct sbuf *sb)
{
	char sig[HEADER_MAX] = "", key[HEADER_MAX] = "";
	struct json_writer w;

	sim_request_header(req, "x-signature", sig, sizeof(sig));
	sim_request_header(req, "idempotency-key", key, sizeof(key));
	json_write_init(&w, sb);
	json_write_object(&w, NULL);
	json_write_time(&w, "received_at", sim_now_us());
	json_write_int(&w, "http_status", status);
	json_write_str_or_null(&w, "order_id", json_tree_string(tree, "order_id"));
	json_write_str_or_null(&w, "event", json_tree_string(tree, "event"));
	json_write_str_or_null(&w, "signature", sig);
	json_write_str_or_null(&w, "idempotency_key", key);
	json_write_strn(&w, "raw", req->body ? req->body : "", req->body_len);
	sim_json_write(&w, "body", tree);
	json_write_end(&w);
}

/* Takes one of the requests still to fail; true when this one fails. */
static bool take_failure(struct sim_webhook *w)
{
	long n = atomic_load(&w->fail_next);

	while (n > 0)
		if (atomic_compare_exchange_weak(&w->fail_next, &n, n - 1))
			return true;
	return false;
}

void sim_webhook_post(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_webhook *w = ctx;
	yajl_val tree = NULL;
	struct sbuf sb;
	enum os_status st;
	int status;

	st = json_tree_parse(&json_limits_sim, req->body, req->body_len, &tree, NULL);
	if (st != OS_OK || !YAJL_IS_OBJECT(tree)) {
		sim_reply_error(rep, st == OS_ETOOBIG ? 413 : 400, "body must be a JSON object");
		goto out;
	}
	status = take_failure(w) ? 503 : 200;
	sbuf_init(&sb, RECORD_BYTES);
	describe(req, tree, status, &sb);
	if (sbuf_ok(&sb))
		sim_journal_add(&w->received, json_tree_string(tree, "order_id"), sb.buf, sb.len);
	sbuf_release(&sb);
	if (status != 200) {
		sim_reply_error(rep, status, "injected failure");
		goto out;
	}
	sbuf_init(&sb, 64);
	sbuf_adds(&sb, "{\"ok\":true}");
	sim_reply_json(rep, 200, &sb);
out:
	yajl_tree_free(tree);
}

void sim_webhook_list(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_webhook *w = ctx;
	char order_id[HEADER_MAX];
	bool filter = sim_request_query(req, "order_id", order_id, sizeof(order_id));
	struct sbuf sb;

	sbuf_init(&sb, RECORD_BYTES + 4096);
	sbuf_adds(&sb, "{\"data\":");
	sim_journal_list(&w->received, filter ? order_id : NULL, &sb);
	sbuf_adds(&sb, "}");
	sim_reply_json(rep, 200, &sb);
}

void sim_webhook_fail(void *ctx, const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_webhook *w = ctx;
	yajl_val tree = NULL, v;
	struct sbuf sb;

	if (json_tree_parse(&json_limits_sim, req->body, req->body_len, &tree, NULL) != OS_OK ||
	    (v = yajl_tree_get(tree, (const char *[]){"count", NULL}, yajl_t_number)) == NULL ||
	    !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0 || YAJL_GET_INTEGER(v) > FAIL_MAX) {
		sim_reply_error(rep, 400, "body must be {\"count\": 0..1000}");
		goto out;
	}
	atomic_store(&w->fail_next, (long)YAJL_GET_INTEGER(v));
	sbuf_init(&sb, 64);
	sbuf_addf(&sb, "{\"fail_next\":%ld}", (long)YAJL_GET_INTEGER(v));
	sim_reply_json(rep, 200, &sb);
out:
	yajl_tree_free(tree);
}
