/*
 * A growable string with a ceiling fixed at init (like git's strbuf, with
 * curl's dynbuf maximum). Used to build SQL parameters, and JSON through app/json_write.h.
 * After a failed append the buffer is marked failed and ignores further
 * appends; check once at the end with sbuf_ok().
 */
#ifndef OS_SBUF_H
#define OS_SBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbuf {
	char *buf; /* NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;  /* largest len allowed */
	bool failed; /* an append hit max or ran out of memory */
};

/* Sets up an empty buffer that may grow to max bytes; allocates nothing. */
void sbuf_init(struct sbuf *sb, size_t max);
/* Frees the contents; sb may be reused after sbuf_init. */
void sbuf_release(struct sbuf *sb);
/* Empties without freeing. Clears the failed flag. */
void sbuf_reset(struct sbuf *sb);
bool sbuf_ok(const struct sbuf *sb);

void sbuf_add(struct sbuf *sb, const char *s, size_t len);
void sbuf_adds(struct sbuf *sb, const char *s);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Marks the buffer failed: what it holds is not what the caller meant (a
 * value could not be formatted). */
void sbuf_fail(struct sbuf *sb);

/* Hands the buffer to the caller (free() it) and resets sb to empty.
 * Returns NULL if the buffer failed (and releases it). Never returns NULL for
 * an empty successful buffer: returns "". */
char *sbuf_detach(struct sbuf *sb, size_t *len);

#endif
