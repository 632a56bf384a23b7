/* Bounded ring of recorded JSON entries. */
#include "tools/order-sim/sim_journal.h"

#include <stdlib.h>
#include <string.h>

struct sim_journal_entry {
	char *order_id; /* NULL when the entry had none */
	char *json;
	size_t len;
};

enum os_status sim_journal_init(struct sim_journal *j, size_t max_entries, size_t max_bytes)
{
	j->ring = calloc(max_entries, sizeof(*j->ring));
	if (j->ring == NULL)
		return OS_ENOMEM;
	pthread_mutex_init(&j->lock, NULL);
	j->max_entries = max_entries;
	j->max_bytes = max_bytes;
	j->head = 0;
	j->count = 0;
	j->bytes = 0;
	return OS_OK;
}

static void drop_oldest(struct sim_journal *j)
{
	struct sim_journal_entry *e = &j->ring[j->head];

	j->bytes -= e->len;
	free(e->order_id);
	free(e->json);
	memset(e, 0, sizeof(*e));
	j->head = (j->head + 1) % j->max_entries;
	j->count--;
}

void sim_journal_clear(struct sim_journal *j)
{
	pthread_mutex_lock(&j->lock);
	while (j->count > 0)
		drop_oldest(j);
	pthread_mutex_unlock(&j->lock);
}

void sim_journal_release(struct sim_journal *j)
{
	if (j->ring == NULL)
		return;
	sim_journal_clear(j);
	free(j->ring);
	j->ring = NULL;
	pthread_mutex_destroy(&j->lock);
}

enum os_status sim_journal_add(struct sim_journal *j, const char *order_id, const char *json,
			       size_t len)
{
	struct sim_journal_entry e = {NULL, NULL, len};

	if (len > j->max_bytes)
		return OS_ETOOBIG;
	e.json = malloc(len + 1);
	e.order_id = order_id ? strdup(order_id) : NULL;
	if (e.json == NULL || (order_id && e.order_id == NULL)) {
		free(e.json);
		free(e.order_id);
		return OS_ENOMEM;
	}
	memcpy(e.json, json, len);
	e.json[len] = '\0';
	pthread_mutex_lock(&j->lock);
	while (j->count > 0 && (j->count == j->max_entries || j->bytes + len > j->max_bytes))
		drop_oldest(j);
	j->ring[(j->head + j->count) % j->max_entries] = e;
	j->count++;
	j->bytes += len;
	pthread_mutex_unlock(&j->lock);
	return OS_OK;
}

void sim_journal_list(struct sim_journal *j, const char *order_id, struct sbuf *out)
{
	bool first = true;
	size_t i;

	sbuf_adds(out, "[");
	pthread_mutex_lock(&j->lock);
	for (i = 0; i < j->count; i++) {
		const struct sim_journal_entry *e = &j->ring[(j->head + i) % j->max_entries];

		if (order_id && (e->order_id == NULL || strcmp(order_id, e->order_id) != 0))
			continue;
		if (!first)
			sbuf_adds(out, ",");
		sbuf_add(out, e->json, e->len);
		first = false;
	}
	pthread_mutex_unlock(&j->lock);
	sbuf_adds(out, "]");
}
