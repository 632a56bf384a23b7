/*
 * The admin port over a list of dead letters per kind: list pages them by
 * id, retry puts them back to pending (removes them here) except the
 * refused ones, which stay dead and are counted; ping and stats answer the
 * knobs.
 */
#include <stdio.h>
#include <string.h>

#include "tests/fakes/fakes.h"

static enum os_status fake_list(void *ctx, enum admin_kind kind, int64_t after, size_t limit,
				struct dead_letter *out, size_t *n, struct os_error *err)
{
	struct fake_admin *f = ctx;
	size_t i, got = 0;

	(void)err;
	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->count && got < limit; i++)
		if (f->dead[i].kind == kind && f->dead[i].row.id > after)
			out[got++] = f->dead[i].row;
	pthread_mutex_unlock(&f->lock);
	*n = got;
	return OS_OK;
}

/* Puts row i back to pending: it leaves the dead list. */
static void revive(struct fake_admin *f, size_t i)
{
	memmove(&f->dead[i], &f->dead[i + 1], (f->count - i - 1) * sizeof(f->dead[0]));
	f->count--;
	f->retried++;
}

static enum os_status retry_locked(struct fake_admin *f, enum admin_kind kind, int64_t id,
				   struct admin_retry_result *out, struct os_error *err)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < f->count) {
		if (f->dead[i].kind != kind || (id != 0 && f->dead[i].row.id != id)) {
			i++;
		} else if (f->dead[i].refused && id != 0) {
			return os_fail(err, OS_ECONFLICT, "id",
				       "row %lld is the payment request of an order that left new",
				       (long long)id);
		} else if (f->dead[i].refused) {
			out->refused++;
			i++;
		} else {
			revive(f, i);
			out->retried++;
		}
	}
	if (id != 0 && out->retried == 0)
		return os_fail(err, OS_ENOTFOUND, "id", "no such dead letter");
	return OS_OK;
}

static enum os_status fake_retry(void *ctx, enum admin_kind kind, int64_t id,
				 struct admin_retry_result *out, struct os_error *err)
{
	struct fake_admin *f = ctx;
	enum os_status st;

	pthread_mutex_lock(&f->lock);
	st = retry_locked(f, kind, id, out, err);
	pthread_mutex_unlock(&f->lock);
	return st;
}

static enum os_status fake_ping(void *ctx, struct os_error *err)
{
	struct fake_admin *f = ctx;
	enum os_status st;

	pthread_mutex_lock(&f->lock);
	st = f->ping_with;
	pthread_mutex_unlock(&f->lock);
	if (st != OS_OK)
		return os_fail(err, st, NULL, "database down (fake)");
	return OS_OK;
}

static enum os_status fake_stats(void *ctx, struct queue_stats *out, struct os_error *err)
{
	struct fake_admin *f = ctx;

	(void)err;
	pthread_mutex_lock(&f->lock);
	*out = f->stats;
	pthread_mutex_unlock(&f->lock);
	return OS_OK;
}

static const struct admin_ops fake_admin_ops = {
    .list = fake_list,
    .retry = fake_retry,
    .ping = fake_ping,
    .stats = fake_stats,
};

void fake_admin_init(struct fake_admin *f)
{
	fake_clear(f, sizeof(*f), &f->lock);
	f->ping_with = OS_OK;
	f->admin = (struct admin){.ops = &fake_admin_ops, .ctx = f};
}

struct dead_letter *fake_admin_add(struct fake_admin *f, enum admin_kind kind, int64_t id,
				   bool refused)
{
	struct dead_letter *d;

	if (f->count == FAKE_ADMIN_MAX)
		return NULL;
	f->dead[f->count].kind = kind;
	f->dead[f->count].refused = refused;
	d = &f->dead[f->count++].row;
	memset(d, 0, sizeof(*d));
	d->id = id;
	snprintf(d->message_id, sizeof(d->message_id), "msg-%lld", (long long)id);
	snprintf(d->type, sizeof(d->type), "payment.requested");
	snprintf(d->where, sizeof(d->where), "payments");
	d->attempts = 10;
	snprintf(d->error, sizeof(d->error), "HTTP 400");
	return d;
}
