/*
 * The ingress webhook route (DESIGN §4): POST /webhooks/orders/create from a
 * shop platform. The X-Webhook-Signature HMAC of the raw body is checked
 * first (constant time, INGRESS_WEBHOOK_SECRET; without a secret every
 * delivery is refused), then the body is decoded and handed to the ingress
 * use case. A digest of the raw body travels with it: a redelivery of the
 * same bytes is a replay (200), other bytes under the same shop order id
 * are refused (422).
 */
#include <stdlib.h>
#include <string.h>

#include "api_routes.h"
#include "app/order_ingress.h"
#include "infrastructure/crypto/crypto.h"
#include "infrastructure/metrics/metrics.h"
#include "ingress_json.h"
#include "envelope_json.h"

/* A fixed key: the digest only has to tell bodies apart, and must not change
 * when the shop's secret is rotated. */
#define INGRESS_DIGEST_KEY "order-service/ingress-body"

static bool signed_ok(struct api_call *c, const char *body, size_t len)
{
	const char *secret = c->env->opts->ingress_secret;
	const char *sig;
	size_t sig_len = 0;

	if (secret == NULL || secret[0] == '\0')
		return false;
	sig = api_call_header(c, "x-webhook-signature", &sig_len);
	return sig != NULL && crypto_signature_ok(secret, body ? body : "", len, sig, sig_len);
}

static void reply_created(struct api_call *c, int status, const struct order *o)
{
	struct sbuf sb;

	sbuf_init(&sb, 4096);
	order_json_envelope_begin(&sb);
	ingress_json_answer(&sb, o);
	order_json_envelope_end(&sb, c->trace.request_id, NULL);
	api_reply(c, status, &sb, "application/json");
	sbuf_release(&sb);
}

void api_webhook_order_create(struct api_call *c)
{
	struct order_ingress_request *req = NULL;
	struct order *o = &c->env->orders[0];
	struct os_error err;
	const char *body;
	bool created = false;
	size_t len;
	enum os_status st;

	body = api_call_body(c, &len);
	if (!signed_ok(c, body, len)) {
		api_reply_error(c, 401, "missing or invalid signature", "X-Webhook-Signature",
				"expected sha256=<hex HMAC-SHA256 of the body>");
		return;
	}
	os_error_clear(&err);
	req = malloc(sizeof(*req));
	if (req == NULL) {
		api_reply_error(c, 500, "internal error", NULL, NULL);
		return;
	}
	st = ingress_json_decode(body, len, req, &err);
	if (st != OS_OK) {
		api_reply_status(c, st, &err, true);
		goto out;
	}
	crypto_hmac_sha256_hex(INGRESS_DIGEST_KEY, strlen(INGRESS_DIGEST_KEY), body, len,
			       req->body_digest);
	req->trace = c->trace;
	st = order_ingress_create(&c->env->app->svc, req, o, &created, &err);
	if (st != OS_OK) {
		api_reply_status(c, st, &err, false);
		goto out;
	}
	if (created)
		metrics_order_created();
	reply_created(c, created ? 201 : 200, o);
out:
	free(req);
}
