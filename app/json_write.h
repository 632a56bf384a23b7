/*
 * The one JSON writer, on an sbuf: every encoder of app/ and
 * infrastructure/ (outbox payloads, API answers, logs) and the simulator
 * write JSON through it. A struct json_writer tracks the open containers
 * and puts the commas; the caller names each member (key NULL for an array
 * element or the top value).
 *
 * One failure policy: anything that cannot be written as asked (an amount
 * or a time that does not format, nesting past JSON_WRITE_DEPTH_MAX, a
 * container closed that is not open, the sbuf's ceiling) marks the sbuf
 * failed, and the caller checks once at the end with json_write_ok() or
 * sbuf_ok(). Absent values are written as null only where the caller asks
 * for null. Integers (quantities, counts, ids) are int64 everywhere.
 */
#ifndef OS_JSON_WRITE_H
#define OS_JSON_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/sbuf.h"
#include "domain/uuid.h"

#define JSON_WRITE_DEPTH_MAX 32

struct json_writer {
	struct sbuf *sb;
	int depth;	  /* open containers */
	uint64_t members; /* bit d: the container at depth d holds a value already */
	uint64_t arrays;  /* bit d: the container at depth d is an array */
};

/* Starts writing one JSON value at the end of sb (borrowed). */
void json_write_init(struct json_writer *w, struct sbuf *sb);
/* True when nothing failed and every container is closed. */
bool json_write_ok(const struct json_writer *w);

/* Opens an object or an array as member key (NULL: an element, or the top
 * value); closed by json_write_end. */
void json_write_object(struct json_writer *w, const char *key);
void json_write_array(struct json_writer *w, const char *key);
void json_write_end(struct json_writer *w);

/* Scalars, each as member key (NULL: an element, or the top value). */
void json_write_str(struct json_writer *w, const char *key, const char *s);
void json_write_strn(struct json_writer *w, const char *key, const char *s, size_t len);
/* s as a string, or null when s is NULL or "". */
void json_write_str_or_null(struct json_writer *w, const char *key, const char *s);
void json_write_null(struct json_writer *w, const char *key);
void json_write_bool(struct json_writer *w, const char *key, bool v);
void json_write_int(struct json_writer *w, const char *key, int64_t v);
/* An amount as a decimal string "12.50" (DESIGN §4). */
void json_write_money(struct json_writer *w, const char *key, int64_t cents);
/* A time (unix microseconds) as an RFC 3339 string in UTC. */
void json_write_time(struct json_writer *w, const char *key, int64_t unix_us);
void json_write_uuid(struct json_writer *w, const char *key, const struct uuid *u);
/* A value already encoded as JSON (len bytes), copied as it is. */
void json_write_raw(struct json_writer *w, const char *key, const char *json, size_t len);

/* The low level the writer is built on, for text that is not a whole value
 * (a log line's prefix): s as a JSON string literal, quotes included, with
 * quote, backslash and control characters escaped; bytes >= 0x80 are copied
 * (callers pass valid UTF-8). */
void json_write_quoted(struct sbuf *sb, const char *s, size_t len);

#endif
