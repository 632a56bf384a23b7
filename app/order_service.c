/*
 * The order use cases. Creation validates the request, prices it from the
 * catalog (outside any transaction), then hands the repository one complete
 * change: the order, its fingerprint and its outbox messages. Transitions go
 * through the repository's locked update with the state machine deciding.
 */
#include "app/order_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/order_create.h"
#include "app/order_messages.h"
#include "app/order_transition.h"
#include "domain/order_state.h"
#include "domain/sha256.h"

#define LIST_DEFAULT	      20
#define CANCEL_REASON_DEFAULT "cancelled by request"
#define EXPIRE_REASON	      "payment not received within the deadline"
#define CREATE_REASON	      "order created"

static enum os_status check_line(const struct order_create_request *req, size_t i,
				 struct os_error *err)
{
	const struct order_line_request *l = &req->lines[i];
	char field[OS_ERROR_FIELD_MAX];
	size_t j;

	snprintf(field, sizeof(field), "items[%zu].item_id", i);
	if (order_check_item_id(l->item_id, strnlen(l->item_id, sizeof(l->item_id))) != OS_OK)
		return os_fail(err, OS_EINVAL, field,
			       "must be 1 to %d characters of A-Z a-z 0-9 . _ : - (not . or ..)",
			       ORDER_ITEM_ID_MAX);
	for (j = 0; j < i; j++) {
		if (strcmp(req->lines[j].item_id, l->item_id) == 0)
			return os_fail(err, OS_EINVAL, field, "item %s appears twice in the order",
				       l->item_id);
	}
	snprintf(field, sizeof(field), "items[%zu].quantity", i);
	if (l->quantity < 1 || l->quantity > ORDER_MAX_QUANTITY)
		return os_fail(err, OS_EINVAL, field, "must be from 1 to %d", ORDER_MAX_QUANTITY);
	return OS_OK;
}

enum os_status order_check_contact(const struct order_customer *c, const char *address,
				   struct os_error *err)
{
	size_t name_len = strnlen(c->name, sizeof(c->name));
	size_t email_len = strnlen(c->email, sizeof(c->email));

	if ((name_len > 0 || email_len > 0) &&
	    (name_len == 0 ||
	     order_check_text(c->name, name_len, ORDER_CUSTOMER_NAME_MAX, false) != OS_OK))
		return os_fail(err, OS_EINVAL, "customer.name",
			       "must be 1 to %d bytes without control characters",
			       ORDER_CUSTOMER_NAME_MAX);
	if ((name_len > 0 || email_len > 0) &&
	    order_check_email(c->email, email_len, ORDER_CUSTOMER_EMAIL_MAX) != OS_OK)
		return os_fail(err, OS_EINVAL, "customer.email",
			       "must be an e-mail address of at most %d bytes",
			       ORDER_CUSTOMER_EMAIL_MAX);
	if (order_check_text(address, strnlen(address, ORDER_ADDRESS_MAX + 1), ORDER_ADDRESS_MAX,
			     true) != OS_OK)
		return os_fail(err, OS_EINVAL, "shipping_address",
			       "must be at most %d bytes without control characters other than "
			       "newlines",
			       ORDER_ADDRESS_MAX);
	return OS_OK;
}

/* Every business rule of a create body, naming the first field that breaks one. */
static enum os_status check_request(const void *arg, struct os_error *err)
{
	const struct order_create_request *req = arg;
	size_t i;
	enum os_status st;

	if (order_check_ident(req->user_id, strnlen(req->user_id, sizeof(req->user_id)),
			      ORDER_USER_ID_MAX) != OS_OK)
		return os_fail(err, OS_EINVAL, "user_id", "must be 1 to %d printable characters",
			       ORDER_USER_ID_MAX);
	if (uuid_is_nil(&req->idempotency_key))
		return os_fail(err, OS_EINVAL, "idempotency_key", "must be a non-nil UUID");
	if (req->line_count < 1 || req->line_count > ORDER_MAX_ITEMS)
		return os_fail(err, OS_EINVAL, "items", "must hold 1 to %d items", ORDER_MAX_ITEMS);
	for (i = 0; i < req->line_count; i++) {
		st = check_line(req, i, err);
		if (st != OS_OK)
			return st;
	}
	return order_check_contact(&req->customer, req->shipping_address, err);
}

#define FINGERPRINT_PREFIX "sha256:"
#define FINGERPRINT_DOMAIN "order-create/2"

/* One field of the canonical encoding: "<byte length>:<bytes>", so that no
 * field's bytes can pass for a separator or a neighbour's. */
static void fp_field(struct sha256 *c, const char *s)
{
	char len[24];
	size_t n = strlen(s);
	int k = snprintf(len, sizeof(len), "%zu:", n);

	sha256_update(c, len, (size_t)k);
	sha256_update(c, s, n);
}

/* "sha256:<hex>" of the canonical encoding of what "the same body" means
 * for an idempotent replay: user, line count, then item and quantity of each
 * line in request order, then the customer's name and e-mail and the
 * shipping address ("" when not given). Fits ORDER_FINGERPRINT_MAX. */
static void fingerprint(const struct order_create_request *req, char *buf, size_t cap)
{
	char num[24], hex[SHA256_HEX_LEN + 1];
	struct sha256 c;
	size_t i;

	sha256_init(&c);
	fp_field(&c, FINGERPRINT_DOMAIN);
	fp_field(&c, req->user_id);
	snprintf(num, sizeof(num), "%zu", req->line_count);
	fp_field(&c, num);
	for (i = 0; i < req->line_count; i++) {
		fp_field(&c, req->lines[i].item_id);
		snprintf(num, sizeof(num), "%lld", (long long)req->lines[i].quantity);
		fp_field(&c, num);
	}
	fp_field(&c, req->customer.name);
	fp_field(&c, req->customer.email);
	fp_field(&c, req->shipping_address);
	sha256_final_hex(&c, hex);
	snprintf(buf, cap, "%s%s", FINGERPRINT_PREFIX, hex);
}

/* An order stored before fingerprints were hashed kept "user|item:qty|..."
 * text, in which a '|' or ':' inside a field reads as a separator. Such an
 * order is compared with the request itself, line by line. */
static bool same_as_stored(const struct order *o, const struct order_create_request *req)
{
	size_t i;

	if (strcmp(o->user_id, req->user_id) != 0 || o->item_count != req->line_count)
		return false;
	for (i = 0; i < req->line_count; i++)
		if (strcmp(o->items[i].item_id, req->lines[i].item_id) != 0 ||
		    o->items[i].quantity != req->lines[i].quantity)
			return false;
	return true;
}

static bool same_request(const struct order *found, const char *found_fp, const char *fp,
			 const struct order_create_request *req)
{
	if (strncmp(found_fp, FINGERPRINT_PREFIX, strlen(FINGERPRINT_PREFIX)) == 0)
		return strcmp(found_fp, fp) == 0;
	return same_as_stored(found, req);
}

/* The answer for a key that exists already: a replay or a mismatch. */
static enum os_status replay(const struct order_create_work *w, const void *arg, struct order *out,
			     bool *created, struct os_error *err)
{
	if (!same_request(&w->found, w->found_fp, w->fp, arg))
		return os_fail(err, OS_EMISMATCH, "idempotency_key",
			       "idempotency key was used with a different request");
	*out = w->found;
	*created = false;
	return OS_OK;
}

/* Prices line i into item from its catalog answer (st, ci; sub the
 * detail of a failure). */
static enum os_status price_line(const struct order_line_request *l, size_t i, enum os_status st,
				 const struct catalog_item *ci, const struct os_error *sub,
				 bool check_stock, struct order_item *item, struct os_error *err)
{
	char field[OS_ERROR_FIELD_MAX];

	snprintf(field, sizeof(field), "items[%zu].item_id", i);
	if (st == OS_ENOTFOUND)
		return os_fail(err, OS_ENOTFOUND, field, "item %s does not exist", l->item_id);
	if (st != OS_OK)
		return os_fail(err, st == OS_EUNAVAIL ? OS_EUNAVAIL : OS_EIO, NULL, "catalog: %s",
			       sub->message);
	if (ci->price_cents < 0 || ci->available_qty < 0)
		return os_fail(err, OS_EUNAVAIL, NULL,
			       "catalog: item %s has a negative price or stock", l->item_id);
	snprintf(field, sizeof(field), "items[%zu].quantity", i);
	/* The local inventory's stock is checked and taken by the create
	 * transaction itself; a cached figure may be older than a restock. */
	if (check_stock && ci->available_qty < l->quantity)
		return os_fail(err, OS_ECONFLICT, field, "only %lld of item %s in stock",
			       (long long)ci->available_qty, l->item_id);
	memset(item, 0, sizeof(*item));
	snprintf(item->item_id, sizeof(item->item_id), "%s", l->item_id);
	snprintf(item->name, sizeof(item->name), "%.*s", ORDER_ITEM_NAME_MAX, ci->name);
	item->quantity = (int32_t)l->quantity;
	item->unit_price_cents = ci->price_cents;
	return OS_OK;
}

/* Looks every line up at once (the catalog may ask concurrently), then
 * prices them in order: the first failing line decides the error. */
static enum os_status price_lines(struct order_service *svc, const struct order_create_request *req,
				  struct order *o, struct os_error *err)
{
	const char *ids[ORDER_MAX_ITEMS];
	struct catalog_item ci[ORDER_MAX_ITEMS];
	enum os_status st[ORDER_MAX_ITEMS], rc;
	struct os_error sub;
	size_t i, n = req->line_count;

	for (i = 0; i < n; i++)
		ids[i] = req->lines[i].item_id;
	os_error_clear(&sub);
	catalog_get_many(&svc->catalog, ids, n, ci, st, &sub);
	for (i = 0; i < n; i++) {
		rc = price_line(&req->lines[i], i, st[i], &ci[i], &sub,
				!svc->settings->local_inventory, &o->items[i], err);
		if (rc != OS_OK)
			return rc;
	}
	return OS_OK;
}

/* Fills c->order from the request and the catalog. */
static enum os_status build_order(struct order_service *svc, const struct order_create_request *req,
				  struct order *o, struct os_error *err)
{
	enum os_status st;

	memset(o, 0, sizeof(*o));
	st = price_lines(svc, req, o, err);
	if (st != OS_OK)
		return st;
	o->item_count = req->line_count;
	if (order_total(o, &o->amount_cents) != OS_OK)
		return os_fail(err, OS_EINVAL, "items", "the order total is too large");
	order_create_header(svc, ORDER_SOURCE_API, &req->customer, req->shipping_address, o);
	snprintf(o->user_id, sizeof(o->user_id), "%s", req->user_id);
	o->idempotency_key = req->idempotency_key;
	return OS_OK;
}

/* Fills w->c: the new order priced from the catalog, and its messages,
 * which the caller releases with order_insert_release. */
static enum os_status prepare_create(struct order_service *svc,
				     const struct order_create_request *req,
				     struct order_create_work *w, struct os_error *err)
{
	enum os_status st;

	st = build_order(svc, req, &w->c.order, err);
	if (st != OS_OK)
		return st;
	return order_create_complete(svc, &req->trace, CREATE_REASON,
				     svc->settings->local_inventory, w, err);
}

/*
 * The hot path is one repository call: a new key goes straight to the
 * create, whose insert settles races on the key. The key is looked up first
 * only when pricing failed (unknown item, no stock, catalog down), so that a
 * replay of an order that exists still answers 200 (or 422 for another body)
 * rather than the catalog's error.
 */
static enum os_status prepare(struct order_service *svc, const void *arg,
			      struct order_create_work *w, struct order *out, bool *created,
			      bool *answered, struct os_error *err)
{
	const struct order_create_request *req = arg;
	struct os_error lookup_err;
	enum os_status st;

	fingerprint(req, w->fp, sizeof(w->fp));
	st = prepare_create(svc, req, w, err);
	if (st != OS_ENOTFOUND && st != OS_ECONFLICT && st != OS_EUNAVAIL && st != OS_EINVAL)
		return st;
	*answered = true;
	if (order_repo_find_by_key(&svc->repo, &req->idempotency_key, &w->found, w->found_fp,
				   sizeof(w->found_fp), &lookup_err) == OS_OK)
		return replay(w, req, out, created, err);
	return st;
}

/*
 * The local inventory's create statement refuses a line whose price is not
 * the locked row's: the catalog answer came from a cache and the price has
 * changed since. The order's items are forgotten and priced again from the
 * catalog itself (order_create_by writes once more).
 */
static enum os_status reprice(struct order_service *svc, const void *request,
			      struct order_create_work *w, struct os_error *err)
{
	const struct order_create_request *req = request;
	const char *ids[ORDER_MAX_ITEMS];
	size_t i;

	for (i = 0; i < req->line_count; i++)
		ids[i] = req->lines[i].item_id;
	catalog_forget(&svc->catalog, ids, req->line_count);
	order_insert_release(&w->c);
	memset(&w->c, 0, sizeof(w->c));
	return prepare_create(svc, req, w, err);
}

static const struct order_create_way create_by_key = {check_request, prepare, replay, reprice};

enum os_status order_create(struct order_service *svc, const struct order_create_request *req,
			    struct order *out, bool *created, struct os_error *err)
{
	return order_create_by(svc, &create_by_key, req, out, created, err);
}

enum os_status order_get(struct order_service *svc, const struct uuid *id, struct order *out,
			 struct os_error *err)
{
	if (id == NULL)
		return os_fail(err, OS_EINVAL, "id", "missing order id");
	return order_repo_get(&svc->repo, id, out, err);
}

enum os_status order_list(struct order_service *svc, struct order_filter *f, struct order *out,
			  size_t *n, struct os_error *err)
{
	if (f->user_id != NULL &&
	    order_check_ident(f->user_id, strlen(f->user_id), ORDER_USER_ID_MAX) != OS_OK)
		return os_fail(err, OS_EINVAL, "user_id", "must be 1 to %d printable characters",
			       ORDER_USER_ID_MAX);
	if (f->limit == 0)
		f->limit = LIST_DEFAULT;
	if (f->limit > ORDER_LIST_MAX)
		f->limit = ORDER_LIST_MAX;
	return order_repo_list(&svc->repo, f, out, n, err);
}

/* The arguments of a read of an order's rows into out[0..cap). */
static enum os_status check_read(const struct uuid *id, size_t cap, const char *what,
				 struct os_error *err)
{
	if (id == NULL)
		return os_fail(err, OS_EINVAL, "id", "missing order id");
	if (cap == 0)
		return os_fail(err, OS_EINVAL, NULL, "no room for %s", what);
	return OS_OK;
}

enum os_status order_history(struct order_service *svc, const struct uuid *id,
			     struct order_history_entry *out, size_t cap, size_t *n,
			     struct os_error *err)
{
	enum os_status st = check_read(id, cap, "history entries", err);

	return st != OS_OK ? st : order_repo_history(&svc->repo, id, out, cap, n, err);
}

enum os_status order_events(struct order_service *svc, const struct uuid *id,
			    struct order_event_row *out, size_t cap, size_t *n,
			    struct os_error *err)
{
	enum os_status st = check_read(id, cap, "events", err);

	if (st != OS_OK)
		return st;
	if (cap > ORDER_EVENTS_MAX)
		cap = ORDER_EVENTS_MAX;
	return order_repo_events(&svc->repo, id, out, cap, n, err);
}

/* What a transition callback needs, and what it reports back. */
struct transition {
	struct order_service *svc;
	enum order_event event;
	const char *reason;
	const char *request_id;
	const char *traceparent;
	enum order_status seen; /* the status the callback found */
	enum os_status st;	/* a failure inside the callback */
	struct os_error err;
};

/* order_mutate_fn: decides t->event and, to apply it, fills the change. A
 * failure to build the messages is reported as a rejection with t->st set,
 * so that nothing is written. */
static enum order_verdict transition_mutate(void *arg, const struct order *current,
					    struct order_change *change)
{
	struct transition *t = arg;
	struct order_msg_ctx mctx = {t->svc->settings, &t->svc->sys, t->request_id, t->traceparent};
	enum order_status to = current->status;
	enum order_verdict v;
	enum os_status st;

	t->seen = current->status;
	v = order_decide(current->status, t->event, &to);
	if (v != ORDER_APPLY)
		return v;
	st = order_transition_build(&mctx, current, to, t->reason, false, sys_now_us(&t->svc->sys),
				    change, &t->err);
	if (st != OS_OK) {
		t->st = st;
		return ORDER_REJECT;
	}
	return ORDER_APPLY;
}

static void transition_init(struct transition *t, struct order_service *svc, enum order_event ev,
			    const char *reason)
{
	memset(t, 0, sizeof(*t));
	t->svc = svc;
	t->event = ev;
	t->reason = reason;
	t->request_id = "";
	t->traceparent = "";
	t->st = OS_OK;
}

enum os_status order_cancel(struct order_service *svc, const struct uuid *id, const char *reason,
			    const struct order_trace *trace, struct order *out,
			    struct os_error *err)
{
	struct transition t;
	enum order_verdict v = ORDER_REJECT;
	enum os_status st;

	if (reason == NULL || reason[0] == '\0')
		reason = CANCEL_REASON_DEFAULT;
	if (strlen(reason) > ORDER_REASON_MAX)
		return os_fail(err, OS_EINVAL, "reason", "must be at most %d bytes",
			       ORDER_REASON_MAX);
	transition_init(&t, svc, ORDER_EV_CANCEL_REQUESTED, reason);
	if (trace != NULL) {
		t.request_id = trace->request_id;
		t.traceparent = trace->traceparent;
	}
	st = order_repo_update(&svc->repo, id, transition_mutate, &t, &v, err);
	if (st != OS_OK)
		return st;
	if (t.st != OS_OK)
		return os_fail(err, t.st, t.err.field, "%s", t.err.message);
	if (v == ORDER_REJECT || v == ORDER_EARLY)
		return os_fail(err, OS_ECONFLICT, NULL,
			       "order is %s and can no longer be cancelled",
			       order_status_name(t.seen));
	return order_repo_get(&svc->repo, id, out, err);
}

enum os_status order_expire_stale(struct order_service *svc, int64_t older_than_us, size_t max,
				  size_t *n, struct os_error *err)
{
	struct transition t;
	size_t changed = 0;
	enum os_status st;

	transition_init(&t, svc, ORDER_EV_EXPIRED, EXPIRE_REASON);
	st =
	    order_repo_expire(&svc->repo, older_than_us, max, transition_mutate, &t, &changed, err);
	if (st != OS_OK)
		return st;
	if (t.st != OS_OK)
		return os_fail(err, t.st, t.err.field, "%s", t.err.message);
	*n = changed;
	return OS_OK;
}
