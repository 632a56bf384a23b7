/*
 * One status type for the whole project. Every function that can fail returns
 * an enum os_status (0 = OS_OK) and, when the caller passes one, writes the
 * human-readable reason into a struct os_error. The HTTP layer maps the codes
 * to status codes; nothing else interprets the message text.
 */
#ifndef OS_STATUS_H
#define OS_STATUS_H

#include <stdarg.h>
#include <stddef.h>

enum os_status {
	OS_OK = 0,
	OS_EINVAL,    /* input breaks a rule (HTTP 400/422) */
	OS_ENOTFOUND, /* the thing does not exist (404) */
	OS_ECONFLICT, /* state or stock forbids it (409) */
	OS_EMISMATCH, /* idempotency key reused with another body (422) */
	OS_EDENIED,   /* authentication failed (401) */
	OS_ETOOBIG,   /* a size bound was exceeded (413) */
	OS_EUNAVAIL,  /* a dependency is unreachable or failing (503) */
	OS_EAGAIN,    /* transient failure, the same call may succeed later */
	OS_ENOMEM,    /* allocation failed */
	OS_EIO,	      /* unexpected failure of an adapter (500) */
};

#define OS_ERROR_MESSAGE_MAX 256
#define OS_ERROR_FIELD_MAX   64

/* Detail of a failure: a message for humans and, for input errors, the name of
 * the offending field (dotted path such as "items[2].quantity", or ""). */
struct os_error {
	char message[OS_ERROR_MESSAGE_MAX];
	char field[OS_ERROR_FIELD_MAX];
};

/* Stable lowercase name of a status ("ok", "invalid", ...). */
const char *os_status_name(enum os_status st);

/* Clears err (NULL is allowed). */
void os_error_clear(struct os_error *err);

/*
 * Fills err (NULL is allowed: then nothing is written) and returns st, so
 * that `return os_fail(err, OS_EINVAL, "quantity", "must be > 0");` reads as
 * one step. field may be NULL. The message is truncated to fit.
 */
enum os_status os_fail(struct os_error *err, enum os_status st, const char *field, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));

#endif
