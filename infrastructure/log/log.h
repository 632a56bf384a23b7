/*
 * Structured logging: one JSON object per line on stderr (LOG_FORMAT=json,
 * the default) or a readable text line (LOG_FORMAT=text). Every line has ts,
 * level, msg, component; callers add key/value string pairs, such as
 * request_id, order_id and event_id. Thread-safe: a line is written with one
 * write(2).
 */
#ifndef OS_LOG_H
#define OS_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_DEBUG = 0,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
};

/* Sets the threshold, format and component name ("api", "outbox-kafka", ...).
 * Call once at start, before threads. component is copied. */
void log_setup(enum log_level min, bool json, const char *component);

/* Parses "debug"/"info"/"warn"/"warning"/"error" (any case). */
bool log_level_parse(const char *s, enum log_level *out);

/*
 * Logs msg with NULL-terminated key/value pairs of strings:
 *   log_kv(LOG_INFO, "order created", "order_id", id, "request_id", rid, NULL);
 * A NULL or empty value omits its pair. Text that is not strict UTF-8 is
 * replaced; the rest is escaped (JSON, or in the text form its control
 * characters and backslash), so a value never ends the line. The line is
 * bounded: values are cut at 1024 bytes, at 128 when the line would still
 * be too long, and past that the pairs are left out with a note; a line is
 * never dropped.
 */
void log_kv(enum log_level lvl, const char *msg, ...);

/* printf-style message without extra fields, cut at 1024 bytes before a
 * character. */
void log_msgf(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
