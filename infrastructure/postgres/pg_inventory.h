/* The inventory port (app/inventory.h) over the `inventory` table. */
#ifndef OS_PG_INVENTORY_H
#define OS_PG_INVENTORY_H

#include "app/inventory.h"
#include "infrastructure/postgres/pg_session.h"

/* Fills *out with a port over session s (borrowed; one thread at a time). */
void pg_inventory_init(struct inventory *out, struct pg_session *s);

#endif
