/*
 * Schema migrations: plain SQL files named NNNN_name.sql in one folder,
 * applied in name order, each in its own transaction, and recorded in
 * schema_migrations with their SHA-256 checksum. A file whose checksum
 * differs from the recorded one is refused. Several processes may run the
 * migrations at once: a session advisory lock serialises them.
 */
#ifndef OS_PG_MIGRATE_H
#define OS_PG_MIGRATE_H

#include "../../domain/status.h"

#define PG_MIGRATE_FILES_MAX 256
#define PG_MIGRATE_FILE_MAX (1024 * 1024) /* bytes of one migration file */

/*
 * Applies the pending migrations of dir to the database at conninfo.
 * *applied (may be NULL) receives how many were applied now.
 * OS_ECONFLICT (message names the file) when an applied file was changed;
 * OS_EUNAVAIL when the database is unreachable; OS_EINVAL when dir cannot be
 * read or a file breaks the bounds; OS_EIO when a migration fails (its
 * transaction is rolled back, earlier ones stay).
 */
enum os_status pg_migrate(const char *conninfo, const char *dir, int *applied,
			  struct os_error *err);

#endif
