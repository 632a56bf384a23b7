/*
 * The ingress webhook route (DESIGN §4): POST /webhooks/orders/create from a
 * shop platform. The X-Webhook-Signature HMAC of the raw body is checked
 * first (constant time, INGRESS_WEBHOOK_SECRET; without a secret every
 * delivery is refused), then the body is decoded and handed to the ingress
 * use case. A digest of the raw body travels with it: a redelivery of the
 * same bytes is a replay (200), other bytes under the same shop order id
 * are refused (422).
 */
#include "infrastructure/http/api_webhook.h"

#include <stdlib.h>
#include <string.h>

#include "app/order_ingress.h"
#include "infrastructure/crypto/hmac.h"
#include "infrastructure/http/api_guard.h"
#include "infrastructure/http/envelope_json.h"
#include "infrastructure/http/ingress_json.h"
#include "infrastructure/metrics/metrics.h"

/* A fixed key: the digest only has to tell bodies apart, and must not change
 * when the shop's secret is rotated. */
#define INGRESS_DIGEST_KEY "order-service/ingress-body"

/* False when no secret is configured: the webhook is refused. */
static void write_created(struct sbuf *sb, const void *o)
{
	ingress_json_answer(sb, o);
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

	if (!api_signed_body(c, c->env->opts->ingress_secret, false, "x-webhook-signature",
			     "X-Webhook-Signature", &body, &len))
		return;
	os_error_clear(&err);
	req = malloc(sizeof(*req));
	if (req == NULL) {
		api_reply_error(c, 500, "internal error", NULL, NULL);
		return;
	}
	st = ingress_json_decode(body, len, req, &err);
	if (api_replied_failure(c, st, &err, true))
		goto out;
	crypto_hmac_sha256_hex(INGRESS_DIGEST_KEY, strlen(INGRESS_DIGEST_KEY), body, len,
			       req->body_digest);
	req->trace = c->trace;
	st = order_ingress_create(&c->env->app->svc, req, o, &created, &err);
	if (api_replied_failure(c, st, &err, false))
		goto out;
	if (created)
		metrics_order_created();
	api_reply_data(c, created ? 201 : 200, write_created, o, NULL);
out:
	free(req);
}
