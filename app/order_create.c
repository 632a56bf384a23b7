/*
 * The course of a create, shared by order_create and order_ingress_create.
 */
#include "app/order_create.h"

#include <stdlib.h>

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
	st = order_repo_create(&svc->repo, &w->c, &w->found, &inserted, w->found_fp,
			       sizeof(w->found_fp), err);
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
