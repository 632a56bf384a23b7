/*
 * Tables of names: the one way a spelled name becomes an enum value (order
 * status and source, payment status, role, admin kind, JSON key). A table is
 * an array of strings indexed by the enum's values, written with designated
 * initialisers, so one table serves both directions.
 */
#ifndef OS_NAMES_H
#define OS_NAMES_H

#include <stddef.h>

/* The number of entries of a table (an array, not a pointer). */
#define NAMES_COUNT(table) (sizeof(table) / sizeof((table)[0]))

/*
 * The index of the entry of names[0..count) spelled exactly s[0..len), or -1
 * (also for a NULL s). s need not be terminated and may hold NULs (which match
 * nothing); NULL entries (gaps in a table) match nothing.
 */
int names_index(const char *const *names, size_t count, const char *s, size_t len);

#endif
