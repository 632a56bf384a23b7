/* The routing sink: split a batch by destination, send each part through its
 * sink, put the verdicts back in place. */
#include "app/outbox_router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sends the rows of route i; idx maps the part's rows back to the batch. */
static enum os_status send_part(const struct outbox_route *route, const struct outbox_batch *b,
				struct outbox_result *results, struct outbox_row *rows,
				struct outbox_result *part_results, size_t *idx,
				struct os_error *err)
{
	struct outbox_batch part = {0, b->count, rows};
	enum os_status st;
	size_t i;

	for (i = 0; i < b->count; i++) {
		if (strcmp(b->rows[i].destination, route->destination) != 0)
			continue;
		idx[part.count] = i;
		rows[part.count++] = b->rows[i];
	}
	if (part.count == 0)
		return OS_OK;
	/* A row its sink says nothing of is retried, never taken as sent. */
	outbox_results_retry(part_results, part.count, "no delivery verdict");
	st = outbox_sink_send(&route->sink, &part, part_results, err);
	if (st != OS_OK)
		return st;
	for (i = 0; i < part.count; i++)
		results[idx[i]] = part_results[i];
	return OS_OK;
}

static bool routed(const struct outbox_router *r, const char *destination)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		if (strcmp(r->routes[i].destination, destination) == 0)
			return true;
	return false;
}

static enum os_status router_send(void *ctx, const struct outbox_batch *b,
				  struct outbox_result *results, struct os_error *err)
{
	struct outbox_router *r = ctx;
	struct outbox_row *rows = calloc(b->count ? b->count : 1, sizeof(*rows));
	struct outbox_result *part = calloc(b->count ? b->count : 1, sizeof(*part));
	size_t *idx = calloc(b->count ? b->count : 1, sizeof(*idx));
	enum os_status st = OS_OK;
	size_t i;

	if (rows == NULL || part == NULL || idx == NULL) {
		st = os_fail(err, OS_ENOMEM, NULL, "out of memory routing a batch");
		goto out;
	}
	for (i = 0; i < b->count; i++) {
		if (routed(r, b->rows[i].destination))
			continue;
		results[i].delivery = OUTBOX_PERMANENT;
		snprintf(results[i].error, sizeof(results[i].error), "no sink for destination %s",
			 b->rows[i].destination);
	}
	for (i = 0; st == OS_OK && i < r->count; i++)
		st = send_part(&r->routes[i], b, results, rows, part, idx, err);
out:
	free(rows);
	free(part);
	free(idx);
	return st;
}

static const struct outbox_sink_ops router_ops = {.send = router_send};

void outbox_router_sink(struct outbox_router *r, struct outbox_sink *out)
{
	out->ops = &router_ops;
	out->ctx = r;
}
