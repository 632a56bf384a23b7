/*
 * An order repository in memory. It keeps what a transaction would have
 * written (orders, history, copies of the outbox messages) so tests can
 * check both the answers and the side effects, and it releases each change
 * the way the real store does. Every port call holds the repository's
 * mutex (enter .. leave), as a transaction would hold its rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fakes/fakes.h"

/* Locks r (whatever it answers) and answers its failure knob; leave()
 * unlocks. */
static enum os_status enter(struct fake_repo *r, struct os_error *err)
{
	pthread_mutex_lock(&r->lock);
	if (r->fail_with != OS_OK)
		return os_fail(err, r->fail_with, NULL, "fake repo failure");
	return OS_OK;
}

static enum os_status leave(struct fake_repo *r, enum os_status st)
{
	pthread_mutex_unlock(&r->lock);
	return st;
}

static char *dup_or_null(const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	p = malloc(n);
	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

static enum os_status keep_msgs(struct fake_repo *r, const struct outbox_msg *msgs, size_t n,
				struct os_error *err)
{
	size_t i;

	if (r->msg_count + n > FAKE_REPO_MSGS)
		return os_fail(err, OS_EIO, NULL, "fake repo: message store full");
	for (i = 0; i < n; i++) {
		struct fake_msg *m = &r->msgs[r->msg_count++];

		m->event_id = msgs[i].event_id;
		m->aggregate_id = msgs[i].aggregate_id;
		snprintf(m->type, sizeof(m->type), "%s", msgs[i].type);
		snprintf(m->destination, sizeof(m->destination), "%s", msgs[i].destination);
		m->payload = dup_or_null(msgs[i].payload);
		m->headers = dup_or_null(msgs[i].headers);
	}
	return OS_OK;
}

struct fake_order *fake_repo_find(struct fake_repo *r, const struct uuid *id)
{
	size_t i;

	for (i = 0; i < r->count; i++) {
		if (uuid_equal(&r->orders[i].order.id, id))
			return &r->orders[i];
	}
	return NULL;
}

static struct fake_order *find_key(struct fake_repo *r, const struct uuid *key)
{
	size_t i;

	for (i = 0; i < r->count; i++) {
		if (uuid_equal(&r->orders[i].order.idempotency_key, key))
			return &r->orders[i];
	}
	return NULL;
}

struct fake_order *fake_repo_put(struct fake_repo *r, const struct order *o, const char *fp)
{
	struct fake_order *fo;

	if (r->count == FAKE_REPO_ORDERS)
		return NULL;
	fo = &r->orders[r->count++];
	memset(fo, 0, sizeof(*fo));
	fo->order = *o;
	snprintf(fo->fingerprint, sizeof(fo->fingerprint), "%s", fp ? fp : "");
	fo->history_count = 1;
	fo->history[0].to = ORDER_NEW;
	snprintf(fo->history[0].reason, sizeof(fo->history[0].reason), "order created");
	fo->history[0].at_us = o->created_at_us;
	return fo;
}

void fake_repo_arm_race(struct fake_repo *r, const struct order *o, const char *fp)
{
	memset(&r->race_order, 0, sizeof(r->race_order));
	r->race_order.order = *o;
	snprintf(r->race_order.fingerprint, sizeof(r->race_order.fingerprint), "%s", fp);
	r->race_armed = true;
}

const struct fake_msg *fake_repo_msg(const struct fake_repo *r, const char *type,
				     const char *destination)
{
	size_t i;

	for (i = 0; i < r->msg_count; i++) {
		if (strcmp(r->msgs[i].type, type) == 0 &&
		    (destination == NULL || strcmp(r->msgs[i].destination, destination) == 0))
			return &r->msgs[i];
	}
	return NULL;
}

static void answer_existing(const struct fake_order *fo, struct order *out, char *fp, size_t fp_cap)
{
	*out = fo->order;
	snprintf(fp, fp_cap, "%s", fo->fingerprint);
}

static struct fake_order *find_ref(struct fake_repo *r, const char *ref)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		if (r->orders[i].order.external_ref[0] != '\0' &&
		    strcmp(r->orders[i].order.external_ref, ref) == 0)
			return &r->orders[i];
	return NULL;
}

static enum os_status create_locked(struct fake_repo *r, const struct order_insert *c,
				    struct order *out, bool *created, char *fp, size_t fp_cap,
				    struct os_error *err)
{
	struct fake_order *fo;
	enum os_status st;

	r->last_reserve_stock = c->reserve_stock;
	if (r->race_armed) {
		r->race_armed = false;
		fake_repo_put(r, &r->race_order.order, r->race_order.fingerprint);
	}
	fo = find_key(r, &c->order.idempotency_key);
	if (fo == NULL && c->order.external_ref[0] != '\0')
		fo = find_ref(r, c->order.external_ref);
	if (fo != NULL) {
		answer_existing(fo, out, fp, fp_cap);
		*created = false;
		return OS_OK;
	}
	/* As the real statement: an existing key answers before any line. */
	if (c->reserve_stock && r->stale_prices > 0) {
		r->stale_prices--;
		return os_fail(err, OS_EAGAIN, "items[0]." ORDER_REPO_PRICE_FIELD,
			       "price changed (fake)");
	}
	st = keep_msgs(r, c->msgs, c->msg_count, err);
	if (st != OS_OK)
		return st;
	fo = fake_repo_put(r, &c->order, c->fingerprint);
	if (fo == NULL)
		return os_fail(err, OS_EIO, NULL, "fake repo full");
	snprintf(fo->history[0].reason, sizeof(fo->history[0].reason), "%s", c->reason);
	r->commits++;
	*out = fo->order;
	*created = true;
	return OS_OK;
}

static enum os_status fake_create(void *ctx, const struct order_insert *c, struct order *out,
				  bool *created, char *fp, size_t fp_cap, struct os_error *err)
{
	struct fake_repo *r = ctx;
	enum os_status st = enter(r, err);

	r->creates++;
	if (st == OS_OK)
		st = create_locked(r, c, out, created, fp, fp_cap, err);
	return leave(r, st);
}

/* enter(), then finds order id: OS_OK with *fo set, or why not (locked
 * either way, leave() unlocks). */
static enum os_status enter_order(struct fake_repo *r, const struct uuid *id,
				  struct fake_order **fo, struct os_error *err)
{
	enum os_status st = enter(r, err);

	*fo = st == OS_OK ? fake_repo_find(r, id) : NULL;
	if (st == OS_OK && *fo == NULL)
		st = os_fail(err, OS_ENOTFOUND, "id", "no such order");
	return st;
}

/* A find's answer, fo found (or not) after enter() said st; unlocks. */
static enum os_status answer_found(struct fake_repo *r, enum os_status st,
				   const struct fake_order *fo, struct order *out, char *fp,
				   size_t fp_cap, struct os_error *err)
{
	if (st == OS_OK && fo == NULL)
		st = os_fail(err, OS_ENOTFOUND, NULL, "no such order (fake)");
	if (st == OS_OK)
		answer_existing(fo, out, fp, fp_cap);
	return leave(r, st);
}

static enum os_status fake_find_by_ref(void *ctx, const char *ref, struct order *out, char *fp,
				       size_t fp_cap, struct os_error *err)
{
	struct fake_repo *r = ctx;
	enum os_status st = enter(r, err);

	return answer_found(r, st, st == OS_OK ? find_ref(r, ref) : NULL, out, fp, fp_cap, err);
}

static enum os_status fake_find_by_key(void *ctx, const struct uuid *key, struct order *out,
				       char *fp, size_t fp_cap, struct os_error *err)
{
	struct fake_repo *r = ctx;
	enum os_status st = enter(r, err);

	return answer_found(r, st, st == OS_OK ? find_key(r, key) : NULL, out, fp, fp_cap, err);
}

static enum os_status fake_get(void *ctx, const struct uuid *id, struct order *out,
			       struct os_error *err)
{
	struct fake_repo *r = ctx;
	struct fake_order *fo;
	enum os_status st = enter_order(r, id, &fo, err);

	if (fo != NULL)
		*out = fo->order;
	return leave(r, st);
}

static bool matches(const struct order_filter *f, const struct order *o)
{
	if (f->user_id != NULL && strcmp(f->user_id, o->user_id) != 0)
		return false;
	return !f->has_status || f->status == o->status;
}

static enum os_status fake_list(void *ctx, const struct order_filter *f, struct order *out,
				size_t *n, struct os_error *err)
{
	struct fake_repo *r = ctx;
	size_t i, got = 0;
	enum os_status st = enter(r, err);

	if (st != OS_OK)
		return leave(r, st);
	r->last_filter = *f;
	for (i = r->count; i > 0 && got < f->limit; i--) {
		if (matches(f, &r->orders[i - 1].order))
			out[got++] = r->orders[i - 1].order;
	}
	*n = got;
	return leave(r, OS_OK);
}

static enum os_status fake_history(void *ctx, const struct uuid *id,
				   struct order_history_entry *out, size_t cap, size_t *n,
				   struct os_error *err)
{
	struct fake_repo *r = ctx;
	struct fake_order *fo;
	size_t i;
	enum os_status st = enter_order(r, id, &fo, err);

	for (i = 0; fo != NULL && i < fo->history_count && i < cap; i++)
		out[i] = fo->history[i];
	if (fo != NULL)
		*n = i;
	return leave(r, st);
}

static bool refunded_before(const struct fake_repo *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->refund_count; i++)
		if (strcmp(r->refund_keys[i], key) == 0)
			return true;
	return false;
}

static void add_history(struct fake_order *fo, enum order_status from, enum order_status to,
			const char *reason, int64_t at_us)
{
	struct order_history_entry *h;

	if (fo->history_count == FAKE_REPO_HISTORY)
		return;
	h = &fo->history[fo->history_count++];
	h->has_from = true;
	h->from = from;
	h->to = to;
	snprintf(h->reason, sizeof(h->reason), "%s", reason);
	h->at_us = at_us;
}

/* The money part of ch after its transition, as pg_order_write_change. */
static enum os_status write_money(struct fake_repo *r, struct fake_order *fo,
				  const struct order_change *ch, struct os_error *err)
{
	const struct order_money *m = &ch->money;
	enum os_status st = OS_OK;

	if (m->capture_payment_id[0] != '\0' && fo->captured_payment_id[0] == '\0')
		snprintf(fo->captured_payment_id, sizeof(fo->captured_payment_id), "%s",
			 m->capture_payment_id);
	if (m->withdraw_payment) {
		fo->withdrawals++;
		if (fo->payment_delivered && m->payment_cancel.payload != NULL)
			st = keep_msgs(r, &m->payment_cancel, 1, err);
	}
	if (st != OS_OK || !m->refund || refunded_before(r, m->refund_payment_id))
		return st;
	if (r->refund_count == FAKE_REPO_MSGS)
		return os_fail(err, OS_EIO, NULL, "fake repo: refund store full");
	st = keep_msgs(r, m->refund_msgs, m->refund_msg_count, err);
	if (st != OS_OK)
		return st;
	snprintf(r->refund_keys[r->refund_count++], sizeof(r->refund_keys[0]), "%s",
		 m->refund_payment_id);
	add_history(fo, ch->to, ch->to, m->refund_reason, ch->at_us);
	return OS_OK;
}

/* Writes an applied change as the real store would, then releases it. A
 * change to the order's own status writes only its money part. */
static enum os_status write_change(struct fake_repo *r, struct fake_order *fo,
				   struct order_change *ch, struct os_error *err)
{
	enum os_status st;

	if (ch->to != fo->order.status) {
		st = keep_msgs(r, ch->msgs, ch->msg_count, err);
		if (st != OS_OK)
			return st;
		add_history(fo, fo->order.status, ch->to, ch->reason, ch->at_us);
		fo->order.status = ch->to;
		fo->order.updated_at_us = ch->at_us;
		fo->order.version++;
		if (ch->release_stock)
			r->stock_releases++;
	}
	st = write_money(r, fo, ch, err);
	if (st != OS_OK)
		return st;
	r->commits++;
	return OS_OK;
}

/* Hands a decide or mutate function what the real store reads with the
 * order's lock. */
void fake_repo_prepare_change(const struct fake_order *fo, struct order_change *ch)
{
	memset(ch, 0, sizeof(*ch));
	snprintf(ch->money.captured_payment_id, sizeof(ch->money.captured_payment_id), "%s",
		 fo->captured_payment_id);
}

/* Writes ch for fo (a decide function's true); for tests of the inbox. */
enum os_status fake_repo_write(struct fake_repo *r, struct fake_order *fo, struct order_change *ch,
			       struct os_error *err)
{
	return write_change(r, fo, ch, err);
}

/* Calls fn on fo like a locked update; *verdict receives its answer. */
static enum os_status mutate_one(struct fake_repo *r, struct fake_order *fo, order_mutate_fn *fn,
				 void *arg, enum order_verdict *verdict, struct os_error *err)
{
	struct order_change ch;
	struct order current = fo->order;
	enum os_status st = OS_OK;

	fake_repo_prepare_change(fo, &ch);
	*verdict = fn(arg, &current, &ch);
	if (*verdict == ORDER_APPLY)
		st = write_change(r, fo, &ch, err);
	else if (ch.msg_count != 0)
		r->untouched_violations++;
	order_change_release(&ch);
	return st;
}

static enum os_status fake_update(void *ctx, const struct uuid *id, order_mutate_fn *fn, void *arg,
				  enum order_verdict *verdict, struct os_error *err)
{
	struct fake_repo *r = ctx;
	struct fake_order *fo;
	enum os_status st = enter_order(r, id, &fo, err);

	if (fo != NULL)
		st = mutate_one(r, fo, fn, arg, verdict, err);
	return leave(r, st);
}

static enum os_status expire_locked(struct fake_repo *r, int64_t created_before_us, size_t max,
				    order_mutate_fn *fn, void *arg, size_t *changed,
				    struct os_error *err)
{
	size_t i, seen = 0, n = 0;

	for (i = 0; i < r->count && seen < max; i++) {
		struct fake_order *fo = &r->orders[i];
		enum order_verdict v;
		enum os_status st;

		if (fo->order.status != ORDER_NEW || fo->order.created_at_us >= created_before_us)
			continue;
		seen++;
		st = mutate_one(r, fo, fn, arg, &v, err);
		if (st != OS_OK)
			return st;
		if (v == ORDER_APPLY)
			n++;
	}
	*changed = n;
	return OS_OK;
}

static enum os_status fake_expire(void *ctx, int64_t created_before_us, size_t max,
				  order_mutate_fn *fn, void *arg, size_t *changed,
				  struct os_error *err)
{
	struct fake_repo *r = ctx;
	enum os_status st = enter(r, err);

	r->expire_calls++;
	r->last_expire_before_us = created_before_us;
	r->last_expire_max = max;
	if (st == OS_OK)
		st = expire_locked(r, created_before_us, max, fn, arg, changed, err);
	return leave(r, st);
}

static const struct order_repo_ops fake_repo_ops = {
    .create = fake_create,
    .find_by_key = fake_find_by_key,
    .find_by_ref = fake_find_by_ref,
    .get = fake_get,
    .list = fake_list,
    .history = fake_history,
    .update = fake_update,
    .expire = fake_expire,
};

struct fake_repo *fake_repo_new(void)
{
	struct fake_repo *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->fail_with = OS_OK;
	pthread_mutex_init(&r->lock, NULL);
	r->repo = (struct order_repo){.ops = &fake_repo_ops, .ctx = r};
	return r;
}

void fake_repo_free(struct fake_repo *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->msg_count; i++) {
		free(r->msgs[i].payload);
		free(r->msgs[i].headers);
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
}
