/* The operator port (app/admin_port.h) over the outbox and inbox tables. */
#ifndef OS_PG_ADMIN_H
#define OS_PG_ADMIN_H

#include "app/admin_port.h"
#include "infrastructure/postgres/pg_session.h"

/* Fills *out with a port over session s (borrowed; one thread at a time). */
void pg_admin_init(struct admin *out, struct pg_session *s);

#endif
