/* The project-wide status codes and their error detail. */
#include "domain/status.h"

#include <stdio.h>
#include <string.h>

const char *os_status_name(enum os_status st)
{
	switch (st) {
	case OS_OK: return "ok";
	case OS_EINVAL: return "invalid";
	case OS_ENOTFOUND: return "not_found";
	case OS_ECONFLICT: return "conflict";
	case OS_EMISMATCH: return "mismatch";
	case OS_EDENIED: return "denied";
	case OS_ETOOBIG: return "too_big";
	case OS_EUNAVAIL: return "unavailable";
	case OS_EAGAIN: return "again";
	case OS_ENOMEM: return "no_memory";
	case OS_EIO: return "io";
	}
	return "unknown";
}

void os_error_clear(struct os_error *err)
{
	if (err == NULL)
		return;
	err->message[0] = '\0';
	err->field[0] = '\0';
}

enum os_status os_fail(struct os_error *err, enum os_status st, const char *field, const char *fmt,
		       ...)
{
	va_list ap;

	if (err == NULL)
		return st;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	return st;
}
