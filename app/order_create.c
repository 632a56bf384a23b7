/*
 * The course of a create, shared by order_create and order_ingress_create.
 */
#include "app/order_create.h"

#include <stdio.h>
#include <stdlib.h>

#include "app/order_messages.h"

/* The insert of w->c, priced again once when the repository says a price
 * changed since it was read (way->reprice). */
static enum os_status insert(struct order_service *svc, const struct order_create_way *way,
			     const void *req, struct order_create_work *w, bool *inserted,
			     struct os_error *err)
{
	char field[OS_ERROR_FIELD_MAX];
	enum os_status st;

	st = order_repo_create(&svc->repo, &w->c, &w->found, inserted, w->found_fp,
			       sizeof(w->found_fp), err);
	if (way->reprice == NULL || !order_repo_price_changed(st, err))
		return st;
	st = way->reprice(svc, req, w, err);
	if (st != OS_OK)
		return st;
	st = order_repo_create(&svc->repo, &w->c, &w->found, inserted, w->found_fp,
			       sizeof(w->found_fp), err);
	if (!order_repo_price_changed(st, err))
		return st;
	snprintf(field, sizeof(field), "%s", err->field);
	return os_fail(err, OS_EAGAIN, field, "the item's price changed while ordering; retry");
}

void order_create_header(struct order_service *svc, enum order_source source,
			 const struct order_customer *customer, const char *shipping_address,
			 struct order *o)
{
	sys_new_uuid(&svc->sys, &o->id);
	o->status = ORDER_NEW;
	snprintf(o->currency, sizeof(o->currency), "%s", svc->settings->currency);
	o->created_at_us = sys_now_us(&svc->sys);
	o->updated_at_us = o->created_at_us;
	o->version = 1;
	o->source = source;
	o->customer = *customer;
	snprintf(o->shipping_address, sizeof(o->shipping_address), "%s", shipping_address);
}

enum os_status order_create_complete(struct order_service *svc, const struct order_trace *trace,
				     const char *reason, bool reserve_stock,
				     struct order_create_work *w, struct os_error *err)
{
	struct order_msg_ctx mctx = {svc->settings, &svc->sys, trace->request_id,
				     trace->traceparent};
	struct order_insert *c = &w->c;

	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", w->fp);
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	c->reserve_stock = reserve_stock;
	return order_messages_created(&mctx, &c->order, c->msgs, OUTBOX_MAX_PER_CHANGE,
				      &c->msg_count, err);
}

enum os_status order_create_by(struct order_service *svc, const struct order_create_way *way,
			       const void *req, struct order *out, bool *created,
			       struct os_error *err)
{
	struct order_create_work *w;
	bool answered = false, inserted = false;
	enum os_status st;

	st = way->check(req, err);
	if (st != OS_OK)
		return st;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	st = way->prepare(svc, req, w, out, created, &answered, err);
	if (st != OS_OK || answered)
		goto out;
	st = insert(svc, way, req, w, &inserted, err);
	if (st != OS_OK)
		goto out;
	if (!inserted) {
		/* The key exists: a replay, or a concurrent request won the race. */
		st = way->replay(w, req, out, created, err);
		goto out;
	}
	*out = w->found;
	*created = true;
out:
	order_insert_release(&w->c);
	free(w);
	return st;
}
