/*
 * Schema migrations: plain SQL files named NNNN_name.sql in one folder,
 * applied in name order, each in its own transaction, and recorded in
 * schema_migrations with their SHA-256 checksum. A file whose checksum
 * differs from the recorded one is refused. Several processes may run the
 * migrations at once: a session advisory lock serialises them.
 */
#ifndef OS_PG_MIGRATE_H
#define OS_PG_MIGRATE_H

#include "domain/status.h"

#define PG_MIGRATE_FILES_MAX 256
#define PG_MIGRATE_FILE_MAX  (1024 * 1024) /* bytes of one migration file */

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

/* Where one migration stands, as `migrate status` reports it. */
enum pg_migration_state {
	PG_MIGRATION_APPLIED = 0, /* recorded, and the file's checksum matches */
	PG_MIGRATION_CHANGED,	  /* recorded, but the file differs: migrate refuses */
	PG_MIGRATION_NO_FILE,	  /* recorded, but the file is not in dir */
	PG_MIGRATION_PENDING,	  /* a file not recorded: migrate would apply it */
};

struct pg_migration {
	char version[128]; /* the file name, e.g. 0001_orders.sql */
	enum pg_migration_state state;
	char applied_at[32]; /* RFC 3339 UTC, "" when pending */
};

/* Called once per migration, in version order. */
typedef void pg_migration_fn(void *ctx, const struct pg_migration *m);

/*
 * Reports every migration of dir and every recorded one to each(), in
 * version order, without changing anything: the session is read-only and
 * a database never migrated has everything pending. Errors as for
 * pg_migrate(); OS_EINVAL also when over PG_MIGRATE_FILES_MAX versions are
 * recorded.
 */
enum os_status pg_migrate_status(const char *conninfo, const char *dir, pg_migration_fn *each,
				 void *ctx, struct os_error *err);

#endif
