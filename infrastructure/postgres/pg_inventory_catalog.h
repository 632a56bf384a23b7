/* The catalog port (app/catalog.h) over the `inventory` table (reads, no lock). */
#ifndef OS_PG_INVENTORY_CATALOG_H
#define OS_PG_INVENTORY_CATALOG_H

#include "app/catalog.h"
#include "infrastructure/postgres/pg_session.h"

/* Fills *out with a port over session s (borrowed; one thread at a time). */
void pg_inventory_catalog_init(struct catalog *out, struct pg_session *s);

#endif
