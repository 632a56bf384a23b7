/*
 * Fuzz target for the query-string reader of the HTTP API
 * (api_call_query): the input is the request target ("/path?query"); every
 * parameter the list route reads is looked up and checked as the route
 * checks it. It must never crash or read past the target, and a found
 * value must be NUL-terminated within its buffer and hold no NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/order.h"
#include "domain/uuid.h"
#include "infrastructure/http/api_call.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lookup(const struct api_call *c, const char *key, size_t cap)
{
	char out[128];
	int q;

	memset(out, 'x', sizeof(out));
	q = api_call_query(c, key, out, cap);
	if (q < -1 || q > 1)
		abort();
	if (q == 1) {
		if (memchr(out, '\0', cap) == NULL)
			abort();
		(void)order_check_ident(out, strlen(out), ORDER_USER_ID_MAX);
		(void)uuid_parse(out, strlen(out), &(struct uuid){0});
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	h2o_req_t req;
	struct api_call c;
	char *target = malloc(size ? size : 1);
	const char *qm;

	if (target == NULL)
		return 0;
	memcpy(target, data, size);
	memset(&req, 0, sizeof(req));
	memset(&c, 0, sizeof(c));
	req.path = h2o_iovec_init(target, size);
	qm = memchr(target, '?', size);
	req.query_at = qm ? (size_t)(qm - target) : SIZE_MAX;
	c.req = &req;
	lookup(&c, "user_id", ORDER_USER_ID_MAX + 1);
	lookup(&c, "status", 44);
	lookup(&c, "limit", 44);
	lookup(&c, "after", 44);
	lookup(&c, "kind", 16);
	lookup(&c, "", 8);
	free(target);
	return 0;
}
