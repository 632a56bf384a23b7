/*
 * The payment callback route: verify the X-Signature HMAC of the raw body
 * (when a secret is configured), decode, and hand the callback to the use
 * case, which checks it against the order and records it in the inbox. The
 * answer comes at once; the inbox worker applies the payment later.
 */
#include "infrastructure/http/api_callback.h"

#include <string.h>

#include "app/payment_callback.h"
#include "infrastructure/http/api_guard.h"
#include "infrastructure/http/callback_json.h"
#include "infrastructure/http/envelope_json.h"

/* True when no secret is configured or the signature matches. */
static void reply_recorded(struct api_call *c, bool inserted)
{
	api_reply_data(c, 200, api_json_text,
		       inserted ? "{\"recorded\":true}" : "{\"recorded\":false}", NULL);
}

void api_callback_payment(struct api_call *c)
{
	struct payment_callback cb;
	struct os_error err;
	const char *body;
	size_t len;
	bool inserted = false;
	enum os_status st;

	/* No secret configured: callbacks are accepted unsigned. */
	if (!api_signed_body(c, c->env->opts->callback_secret, true, "x-signature", "X-Signature",
			     &body, &len))
		return;
	os_error_clear(&err);
	st = order_json_decode_callback(body, len, &cb, &err);
	if (api_replied_failure(c, st, &err, true))
		return;
	cb.raw = body;
	cb.raw_len = len;
	memcpy(cb.request_id, c->trace.request_id, sizeof(cb.request_id));
	st = payment_callback_accept(&c->env->app->svc, &c->env->app->inbox, &cb, &inserted, &err);
	if (api_replied_failure(c, st, &err, false))
		return;
	reply_recorded(c, inserted);
}
