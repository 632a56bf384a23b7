/* The inbox writer and the applier's store (app/inbox_port.h) over the `inbox` table. */
#ifndef OS_PG_INBOX_H
#define OS_PG_INBOX_H

#include "app/inbox_port.h"
#include "infrastructure/postgres/pg_session.h"

/* Fill *out with a port over session s (borrowed; one thread at a time).
 * The store's apply_batch gives each row a savepoint: a row whose own
 * statements fail is retried with backoff and rejected with the error on its
 * 20th attempt, without holding back the rest of the batch. */
void pg_inbox_writer_init(struct inbox_writer *out, struct pg_session *s);
void pg_inbox_store_init(struct inbox_store *out, struct pg_session *s);

#endif
