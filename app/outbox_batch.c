/* Lifetime of a relay's batch of claimed outbox rows and the default of
 * their results (outbox_port.h). */
#include <stdlib.h>
#include <string.h>

#include "app/outbox_port.h"

enum os_status outbox_batch_init(struct outbox_batch *b, size_t capacity)
{
	if (capacity == 0 || capacity > OUTBOX_BATCH_MAX)
		return OS_EINVAL;
	b->rows = calloc(capacity, sizeof(*b->rows));
	if (b->rows == NULL)
		return OS_ENOMEM;
	b->count = 0;
	b->capacity = capacity;
	return OS_OK;
}

void outbox_batch_clear(struct outbox_batch *b)
{
	size_t i;

	for (i = 0; i < b->count; i++) {
		free(b->rows[i].payload);
		free(b->rows[i].headers);
		b->rows[i].payload = NULL;
		b->rows[i].headers = NULL;
	}
	b->count = 0;
}

void outbox_batch_release(struct outbox_batch *b)
{
	outbox_batch_clear(b);
	free(b->rows);
	b->rows = NULL;
	b->capacity = 0;
}

void outbox_results_retry(struct outbox_result *results, size_t n, const char *note)
{
	size_t i, len = strnlen(note, OUTBOX_ERROR_MAX);

	/* Once per row of every batch: a copy, not a format. */
	for (i = 0; i < n; i++) {
		results[i].delivery = OUTBOX_RETRY;
		results[i].fate = OUTBOX_FATE_RETRY;
		results[i].next_attempt_us = 0;
		results[i].retry_after_us = 0;
		memcpy(results[i].error, note, len);
		results[i].error[len] = '\0';
	}
}
