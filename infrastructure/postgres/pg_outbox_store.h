/* The relays' outbox store (app/outbox_port.h) over the `outbox` table. */
#ifndef OS_PG_OUTBOX_STORE_H
#define OS_PG_OUTBOX_STORE_H

#include "app/outbox_port.h"
#include "infrastructure/postgres/pg_session.h"

/* Fills *out with a port over session s (borrowed; one thread at a time).
 * claim holds an open transaction until complete or release. */
void pg_outbox_store_init(struct outbox_store *out, struct pg_session *s);

#endif
