/*
 * The ingress webhook use case. The order is built from the shop's own lines
 * and prices, checked against the shop's total, and handed to the repository
 * with the same first messages as an order made through the API. A replay is
 * recognised by the external reference before anything is built; a race
 * between two deliveries of one reference is settled by the database's
 * unique index, and the loser answers as a replay.
 */
#include "app/order_ingress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/order_create.h"
#include "domain/money.h"

#define INGRESS_REASON	     "order received from the shop platform"
#define INGRESS_USER_DEFAULT "webhook"

static enum os_status check_line(const struct order_ingress_line *l, size_t i, struct os_error *err)
{
	char field[OS_ERROR_FIELD_MAX];
	size_t name_len = strnlen(l->name, sizeof(l->name));

	snprintf(field, sizeof(field), "items[%zu].sku", i);
	if (order_check_item_id(l->sku, strnlen(l->sku, sizeof(l->sku))) != OS_OK)
		return os_fail(err, OS_EINVAL, field,
			       "must be 1 to %d letters, digits or -_.:", ORDER_ITEM_ID_MAX);
	snprintf(field, sizeof(field), "items[%zu].name", i);
	if (name_len == 0 ||
	    order_check_text(l->name, name_len, ORDER_ITEM_NAME_MAX, false) != OS_OK)
		return os_fail(err, OS_EINVAL, field,
			       "must be 1 to %d bytes without control characters",
			       ORDER_ITEM_NAME_MAX);
	snprintf(field, sizeof(field), "items[%zu].quantity", i);
	if (l->quantity < 1 || l->quantity > ORDER_MAX_QUANTITY)
		return os_fail(err, OS_EINVAL, field, "must be from 1 to %d", ORDER_MAX_QUANTITY);
	snprintf(field, sizeof(field), "items[%zu].unit_price", i);
	if (l->unit_price_cents < 0)
		return os_fail(err, OS_EINVAL, field, "must not be negative");
	return OS_OK;
}

static enum os_status check_request(const void *arg, struct os_error *err)
{
	const struct order_ingress_request *req = arg;
	const struct order_customer *c = &req->customer;
	enum os_status st;
	size_t i;

	if (order_check_ident(req->external_ref,
			      strnlen(req->external_ref, sizeof(req->external_ref)),
			      ORDER_EXTERNAL_REF_MAX) != OS_OK)
		return os_fail(err, OS_EINVAL, "order_id", "must be 1 to %d printable characters",
			       ORDER_EXTERNAL_REF_MAX);
	if (c->name[0] == '\0' && c->email[0] == '\0')
		return os_fail(err, OS_EINVAL, "customer", "is required");
	st = order_check_contact(c, req->shipping_address, err);
	if (st != OS_OK)
		return st;
	if (req->line_count < 1 || req->line_count > ORDER_MAX_ITEMS)
		return os_fail(err, OS_EINVAL, "items", "must hold 1 to %d items", ORDER_MAX_ITEMS);
	for (i = 0; i < req->line_count; i++) {
		st = check_line(&req->lines[i], i, err);
		if (st != OS_OK)
			return st;
	}
	if (req->body_digest[0] == '\0')
		return os_fail(err, OS_EINVAL, NULL, "no body digest");
	return OS_OK;
}

/* The shop's lines into o; the total must be their sum to the cent. */
static enum os_status price_lines(const struct order_ingress_request *req, struct order *o,
				  struct os_error *err)
{
	char want[MONEY_STR_MAX], got[MONEY_STR_MAX];
	size_t i;

	for (i = 0; i < req->line_count; i++) {
		struct order_item *it = &o->items[i];

		snprintf(it->item_id, sizeof(it->item_id), "%s", req->lines[i].sku);
		snprintf(it->name, sizeof(it->name), "%s", req->lines[i].name);
		it->quantity = (int32_t)req->lines[i].quantity;
		it->unit_price_cents = req->lines[i].unit_price_cents;
	}
	o->item_count = req->line_count;
	if (order_total(o, &o->amount_cents) != OS_OK)
		return os_fail(err, OS_EINVAL, "items", "the order total is too large");
	if (o->amount_cents == req->total_cents)
		return OS_OK;
	money_format(o->amount_cents, want, sizeof(want));
	money_format(req->total_cents, got, sizeof(got));
	return os_fail(err, OS_EINVAL, "total", "is %s but the lines add up to %s", got, want);
}

static void fill_order(struct order_service *svc, const struct order_ingress_request *req,
		       struct order *o)
{
	size_t email_len = strlen(req->customer.email);

	order_create_header(svc, ORDER_SOURCE_WEBHOOK, &req->customer, req->shipping_address, o);
	sys_new_uuid(&svc->sys, &o->idempotency_key);
	if (order_check_ident(req->customer.email, email_len, ORDER_USER_ID_MAX) == OS_OK) {
		memcpy(o->user_id, req->customer.email, email_len); /* fits: checked above */
		o->user_id[email_len] = '\0';
	} else
		snprintf(o->user_id, sizeof(o->user_id), "%s", INGRESS_USER_DEFAULT);
	snprintf(o->external_ref, sizeof(o->external_ref), "%s", req->external_ref);
}

static enum os_status replay(const struct order_create_work *w, const void *req, struct order *out,
			     bool *created, struct os_error *err)
{
	(void)req; /* the fingerprints tell the bodies apart */
	if (strcmp(w->found_fp, w->fp) != 0)
		return os_fail(err, OS_EMISMATCH, "order_id",
			       "order %s was received before with a different body",
			       w->found.external_ref);
	*out = w->found;
	*created = false;
	return OS_OK;
}

static enum os_status build(struct order_service *svc, const struct order_ingress_request *req,
			    struct order_create_work *w, struct os_error *err)
{
	enum os_status st;

	st = price_lines(req, &w->c.order, err);
	if (st != OS_OK)
		return st;
	fill_order(svc, req, &w->c.order);
	/* No stock reserved: the shop sold it from its own stock. */
	return order_create_complete(svc, &req->trace, INGRESS_REASON, false, w, err);
}

/* A reference seen before answers from its order without pricing again. */
static enum os_status prepare(struct order_service *svc, const void *arg,
			      struct order_create_work *w, struct order *out, bool *created,
			      bool *answered, struct os_error *err)
{
	const struct order_ingress_request *req = arg;
	enum os_status st;

	snprintf(w->fp, sizeof(w->fp), "webhook|%s", req->body_digest);
	st = order_repo_find_by_ref(&svc->repo, req->external_ref, &w->found, w->found_fp,
				    sizeof(w->found_fp), err);
	if (st == OS_OK) {
		*answered = true;
		return replay(w, req, out, created, err);
	}
	if (st != OS_ENOTFOUND)
		return st;
	return build(svc, req, w, err);
}

/* A webhook order reserves no stock, so its prices are never checked. */
static const struct order_create_way create_by_ref = {check_request, prepare, replay, NULL};

enum os_status order_ingress_create(struct order_service *svc,
				    const struct order_ingress_request *req, struct order *out,
				    bool *created, struct os_error *err)
{
	return order_create_by(svc, &create_by_ref, req, out, created, err);
}
