/*
 * A bounded, thread-safe record of what the simulator received or sent
 * (payment requests, callbacks, notifications, Kafka messages), each entry a
 * JSON object tagged with its order id. When either bound is reached the
 * oldest entries go, so a long benchmark cannot exhaust memory.
 */
#ifndef SIM_JOURNAL_H
#define SIM_JOURNAL_H

#include <pthread.h>
#include <stddef.h>

#include "app/sbuf.h"
#include "domain/status.h"

struct sim_journal_entry;

struct sim_journal {
	pthread_mutex_t lock;
	struct sim_journal_entry *ring; /* max_entries slots */
	size_t max_entries;
	size_t max_bytes;
	size_t head; /* oldest */
	size_t count;
	size_t bytes;
};

/* Sets up an empty journal; allocates the ring. */
enum os_status sim_journal_init(struct sim_journal *j, size_t max_entries, size_t max_bytes);
/* Frees every entry and the ring. */
void sim_journal_release(struct sim_journal *j);
/* Drops every entry. */
void sim_journal_clear(struct sim_journal *j);

/* Records a copy of json (len bytes, one JSON value) under order_id (may be
 * NULL). Oldest entries are dropped to stay within the bounds. */
enum os_status sim_journal_add(struct sim_journal *j, const char *order_id, const char *json,
			       size_t len);

/* Appends "[...]" with the entries for order_id (NULL: all), oldest first. */
void sim_journal_list(struct sim_journal *j, const char *order_id, struct sbuf *out);

#endif
