/*
 * A scratch database per test: created on the server named by DATABASE_URL,
 * migrated with the repository's migrations/, dropped at the end.
 */
#ifndef OS_TESTDB_H
#define OS_TESTDB_H

#include <stddef.h>

#include "../../domain/status.h"

#define TESTDB_URL_MAX 1024

/*
 * Creates database t_<pid>_<n> (a stale one of the same name, left by a
 * crashed run of a process with our pid, is dropped first), runs pg_migrate
 * with OS_SOURCE_DIR "/migrations", and writes its conninfo into url_out
 * (cap bytes; TESTDB_URL_MAX suffices). Errors are printed on stderr.
 */
enum os_status testdb_create(char *url_out, size_t cap);

/* Drops the database of url (made by testdb_create), closing its
 * connections. Safe to call with "" or NULL. */
void testdb_drop(const char *url);

#endif
