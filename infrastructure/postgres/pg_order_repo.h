/* The order repository port (app/order_repo.h) over the orders tables. */
#ifndef OS_PG_ORDER_REPO_H
#define OS_PG_ORDER_REPO_H

#include "app/order_repo.h"
#include "infrastructure/postgres/pg_session.h"

/* Fills *out with a port over session s (borrowed; one thread at a time). */
void pg_order_repo_init(struct order_repo *out, struct pg_session *s);

#endif
