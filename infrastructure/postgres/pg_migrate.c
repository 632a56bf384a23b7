/*
 * The migrations runner. Holds pg_advisory_lock on a fixed key for the whole
 * run so that concurrent runners apply each file once; the second runner
 * then finds everything recorded and applies nothing. A migration file is
 * trusted SQL from the release (never input) and runs through the simple
 * query protocol because it holds several statements.
 */
#include "infrastructure/postgres/pg_migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "domain/sha256.h"
#include "infrastructure/config/conf_file.h"

#define MIGRATE_LOCK_KEY "7206381742006" /* arbitrary, fixed for the service */
/*
 * A migration's statements wait at most this long for a table lock; then
 * the file is rolled back and tried again after a pause, until
 * MIGRATE_BUSY_MAX_S have passed. A lock request that waits makes every
 * later request on the table wait behind it: run against a live service (a
 * relay's claim holds its rows while it delivers), an unbounded wait for an
 * ALTER TABLE would stop the API's writes to that table for as long.
 */
#define MIGRATE_LOCK_TIMEOUT_MS 1000
#define MIGRATE_BUSY_MAX_S	600
#define NAME_MAX_LEN		128
#define CHECKSUM_HEX_LEN	SHA256_HEX_LEN

struct migration_list {
	size_t count;
	char names[PG_MIGRATE_FILES_MAX][NAME_MAX_LEN];
};

/* NNNN_something.sql: four digits, an underscore, a name, ".sql". */
static int is_migration_name(const char *n)
{
	size_t len = strlen(n);
	int i;

	if (len < 10 || len >= NAME_MAX_LEN || strcmp(n + len - 4, ".sql") != 0 || n[4] != '_')
		return 0;
	for (i = 0; i < 4; i++)
		if (!isdigit((unsigned char)n[i]))
			return 0;
	return 1;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static enum os_status list_dir(const char *dir, struct migration_list *l, struct os_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	enum os_status st = OS_OK;

	if (d == NULL)
		return os_fail(err, OS_EINVAL, NULL, "cannot read migrations folder %s", dir);
	l->count = 0;
	while ((e = readdir(d)) != NULL) {
		if (!is_migration_name(e->d_name))
			continue;
		if (l->count == PG_MIGRATE_FILES_MAX) {
			st = os_fail(err, OS_EINVAL, NULL, "too many migration files in %s", dir);
			goto out;
		}
		/* is_migration_name bounded the length. */
		memcpy(l->names[l->count++], e->d_name, strlen(e->d_name) + 1);
	}
	qsort(l->names, l->count, NAME_MAX_LEN, cmp_names);
out:
	closedir(d);
	return st;
}

/* Reads dir/name whole (bounded) into a new NUL-terminated buffer. */
static enum os_status read_file(const char *dir, const char *name, char **out, size_t *len,
				struct os_error *err)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return os_fail(err, OS_EINVAL, NULL, "migration path too long: %.200s", dir);
	return conf_file_read(path, PG_MIGRATE_FILE_MAX, NULL, out, len, err);
}

static void sha256_hex(const char *data, size_t len, char hex[CHECKSUM_HEX_LEN + 1])
{
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final_hex(&c, hex);
}

static enum os_status exec_simple(PGconn *c, const char *sql, const char *what,
				  struct os_error *err)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType rs = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	enum os_status st = OS_OK;

	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
		const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

		st = PQstatus(c) != CONNECTION_OK	    ? OS_EUNAVAIL
		     : state && strcmp(state, "55P03") == 0 ? OS_EAGAIN /* lock_timeout */
							    : OS_EIO;
		os_fail(err, st, NULL, "%s: %s", what, PQerrorMessage(c));
	}
	PQclear(r);
	return st;
}

static const char *const create_table_sql = "CREATE TABLE IF NOT EXISTS schema_migrations ("
					    " version text PRIMARY KEY,"
					    " checksum text NOT NULL,"
					    " applied_at timestamptz NOT NULL DEFAULT now())";

/* The recorded checksum of version into hex, or "" when not applied. */
static enum os_status recorded_checksum(PGconn *c, const char *version,
					char hex[CHECKSUM_HEX_LEN + 1], struct os_error *err)
{
	const char *params[1] = {version};
	PGresult *r = PQexecParams(c, "SELECT checksum FROM schema_migrations WHERE version = $1",
				   1, NULL, params, NULL, NULL, 0);
	enum os_status st = OS_OK;

	if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK)
		st = os_fail(err, PQstatus(c) == CONNECTION_OK ? OS_EIO : OS_EUNAVAIL, NULL,
			     "reading schema_migrations: %s", PQerrorMessage(c));
	else if (PQntuples(r) == 0)
		hex[0] = '\0';
	else
		snprintf(hex, CHECKSUM_HEX_LEN + 1, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return st;
}

static enum os_status record(PGconn *c, const char *version, const char *hex, struct os_error *err)
{
	const char *params[2] = {version, hex};
	PGresult *r = PQexecParams(c,
				   "INSERT INTO schema_migrations (version, checksum) "
				   "VALUES ($1, $2)",
				   2, NULL, params, NULL, NULL, 0);
	enum os_status st = OS_OK;

	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
		st = os_fail(err, OS_EIO, NULL, "recording %s: %s", version, PQerrorMessage(c));
	PQclear(r);
	return st;
}

/* Applies one file in its own transaction, each lock waited for at most
 * MIGRATE_LOCK_TIMEOUT_MS (OS_EAGAIN then, nothing applied). */
static enum os_status apply_once(PGconn *c, const char *name, const char *sql, const char *hex,
				 struct os_error *err)
{
	char set[64];
	enum os_status st = exec_simple(c, "BEGIN", "begin", err);

	if (st != OS_OK)
		return st;
	snprintf(set, sizeof(set), "SET LOCAL lock_timeout = %d", MIGRATE_LOCK_TIMEOUT_MS);
	st = exec_simple(c, set, "lock_timeout", err);
	if (st == OS_OK)
		st = exec_simple(c, sql, name, err);
	if (st == OS_OK)
		st = record(c, name, hex, err);
	if (st == OS_OK)
		return exec_simple(c, "COMMIT", "commit", err);
	(void)exec_simple(c, "ROLLBACK", "rollback", NULL);
	return st;
}

/* apply_once until it gets its locks: between tries, a pause (0.5 s
 * doubling to 2 s) in which the service's own work on those tables goes
 * on; after MIGRATE_BUSY_MAX_S, the file is given up with an error. */
static enum os_status apply_one(PGconn *c, const char *name, const char *sql, const char *hex,
				struct os_error *err)
{
	time_t start = time(NULL);
	useconds_t pause_us = 500000;
	enum os_status st;

	for (;;) {
		st = apply_once(c, name, sql, hex, err);
		if (st != OS_EAGAIN)
			return st;
		if (time(NULL) - start >= MIGRATE_BUSY_MAX_S)
			return os_fail(err, OS_EUNAVAIL, NULL,
				       "%s: its tables stayed locked by other sessions for %d s "
				       "(the service's relays, a long transaction); try again",
				       name, MIGRATE_BUSY_MAX_S);
		usleep(pause_us);
		if (pause_us < 2000000)
			pause_us *= 2;
	}
}

/* Checks or applies one file; *done is set when it was applied now. */
static enum os_status migrate_one(PGconn *c, const char *dir, const char *name, int *done,
				  struct os_error *err)
{
	char *sql = NULL;
	size_t len = 0;
	char hex[CHECKSUM_HEX_LEN + 1];
	char old[CHECKSUM_HEX_LEN + 1];
	enum os_status st;

	st = read_file(dir, name, &sql, &len, err);
	if (st != OS_OK)
		return st;
	sha256_hex(sql, len, hex);
	st = recorded_checksum(c, name, old, err);
	if (st != OS_OK)
		goto out;
	if (old[0] != '\0') {
		if (strcmp(old, hex) != 0)
			st = os_fail(err, OS_ECONFLICT, NULL,
				     "migration %s was changed after it was applied "
				     "(recorded sha256 %.12s, file %.12s)",
				     name, old, hex);
		goto out;
	}
	st = apply_one(c, name, sql, hex, err);
	if (st == OS_OK)
		*done = 1;
out:
	free(sql);
	return st;
}

static enum os_status run_locked(PGconn *c, const char *dir, int *count, struct os_error *err)
{
	struct migration_list *l = malloc(sizeof(*l));
	enum os_status st;
	size_t i;
	int done;

	if (l == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	st = list_dir(dir, l, err);
	if (st == OS_OK)
		st = exec_simple(c, create_table_sql, "schema_migrations", err);
	for (i = 0; st == OS_OK && i < l->count; i++) {
		done = 0;
		st = migrate_one(c, dir, l->names[i], &done, err);
		*count += done;
	}
	free(l);
	return st;
}

/* A connection with a 5 s connect timeout, or OS_EUNAVAIL. */
static enum os_status connect_db(const char *conninfo, PGconn **out, struct os_error *err)
{
	const char *keys[] = {"connect_timeout", "dbname", NULL};
	const char *vals[] = {"5", conninfo, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		enum os_status st = os_fail(err, OS_EUNAVAIL, NULL, "database unreachable: %s",
					    c ? PQerrorMessage(c) : "out of memory");

		PQfinish(c);
		return st;
	}
	*out = c;
	return OS_OK;
}

enum os_status pg_migrate(const char *conninfo, const char *dir, int *applied, struct os_error *err)
{
	PGconn *c = NULL;
	enum os_status st;
	int count = 0;

	st = connect_db(conninfo, &c, err);
	if (st != OS_OK)
		return st;
	/* Quiet the NOTICEs of IF NOT EXISTS: they are expected. */
	st = exec_simple(c, "SET client_min_messages = warning", "settings", err);
	if (st == OS_OK)
		st = exec_simple(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "lock", err);
	if (st != OS_OK)
		goto out;
	st = run_locked(c, dir, &count, err);
	(void)exec_simple(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", "unlock", NULL);
	if (st == OS_OK && applied != NULL)
		*applied = count;
out:
	PQfinish(c);
	return st;
}

/* ------------------------------------------------------------ status */

struct recorded {
	size_t count;
	struct {
		char version[NAME_MAX_LEN];
		char checksum[CHECKSUM_HEX_LEN + 1];
		char applied_at[32];
	} rows[PG_MIGRATE_FILES_MAX];
};

/* The recorded migrations in version order; none when the table does not
 * exist yet (to_regclass answers NULL instead of failing). */
static enum os_status read_recorded(PGconn *c, struct recorded *r, struct os_error *err)
{
	static const char *const sql =
	    "SELECT version, checksum, "
	    " to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	    " FROM schema_migrations ORDER BY version";
	PGresult *res = NULL;
	enum os_status st = OS_OK;
	int i, n;

	r->count = 0;
	res = PQexec(c, "SELECT to_regclass('schema_migrations') IS NOT NULL");
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		st = os_fail(err, OS_EIO, NULL, "reading schema_migrations: %s", PQerrorMessage(c));
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		goto out;
	PQclear(res);
	res = PQexec(c, sql);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		st = os_fail(err, OS_EIO, NULL, "reading schema_migrations: %s", PQerrorMessage(c));
		goto out;
	}
	n = PQntuples(res);
	if (n > PG_MIGRATE_FILES_MAX) {
		st = os_fail(err, OS_EINVAL, NULL, "over %d recorded migrations",
			     PG_MIGRATE_FILES_MAX);
		goto out;
	}
	for (i = 0; i < n; i++) {
		snprintf(r->rows[i].version, NAME_MAX_LEN, "%s", PQgetvalue(res, i, 0));
		snprintf(r->rows[i].checksum, CHECKSUM_HEX_LEN + 1, "%s", PQgetvalue(res, i, 1));
		snprintf(r->rows[i].applied_at, sizeof(r->rows[i].applied_at), "%s",
			 PQgetvalue(res, i, 2));
	}
	r->count = (size_t)n;
out:
	PQclear(res);
	return st;
}

/* The file's state against its recorded checksum (old = "" when none). */
static enum os_status file_state(const char *dir, const char *name, const char *old,
				 enum pg_migration_state *out, struct os_error *err)
{
	char hex[CHECKSUM_HEX_LEN + 1];
	char *sql = NULL;
	size_t len = 0;
	enum os_status st = read_file(dir, name, &sql, &len, err);

	if (st != OS_OK)
		return st;
	sha256_hex(sql, len, hex);
	free(sql);
	if (old[0] == '\0')
		*out = PG_MIGRATION_PENDING;
	else
		*out = strcmp(old, hex) == 0 ? PG_MIGRATION_APPLIED : PG_MIGRATION_CHANGED;
	return OS_OK;
}

/* Walks the sorted files and the sorted records together. */
static enum os_status report(const char *dir, const struct migration_list *files,
			     const struct recorded *rec, pg_migration_fn *each, void *ctx,
			     struct os_error *err)
{
	size_t f = 0, r = 0;
	struct pg_migration m;
	enum os_status st;
	int cmp;

	while (f < files->count || r < rec->count) {
		memset(&m, 0, sizeof(m));
		if (f == files->count)
			cmp = 1;
		else if (r == rec->count)
			cmp = -1;
		else
			cmp = strcmp(files->names[f], rec->rows[r].version);
		if (cmp > 0) {
			snprintf(m.version, sizeof(m.version), "%s", rec->rows[r].version);
			snprintf(m.applied_at, sizeof(m.applied_at), "%s", rec->rows[r].applied_at);
			m.state = PG_MIGRATION_NO_FILE;
			r++;
		} else {
			st = file_state(dir, files->names[f], cmp == 0 ? rec->rows[r].checksum : "",
					&m.state, err);
			if (st != OS_OK)
				return st;
			snprintf(m.version, sizeof(m.version), "%s", files->names[f]);
			if (cmp == 0)
				snprintf(m.applied_at, sizeof(m.applied_at), "%s",
					 rec->rows[r++].applied_at);
			f++;
		}
		each(ctx, &m);
	}
	return OS_OK;
}

enum os_status pg_migrate_status(const char *conninfo, const char *dir, pg_migration_fn *each,
				 void *ctx, struct os_error *err)
{
	struct migration_list *files = malloc(sizeof(*files));
	struct recorded *rec = malloc(sizeof(*rec));
	PGconn *c = NULL;
	enum os_status st;

	if (files == NULL || rec == NULL) {
		st = os_fail(err, OS_ENOMEM, NULL, "out of memory");
		goto out;
	}
	st = list_dir(dir, files, err);
	if (st == OS_OK)
		st = connect_db(conninfo, &c, err);
	/* Read-only: a status must never change the database. */
	if (st == OS_OK)
		st = exec_simple(c, "SET default_transaction_read_only = on", "settings", err);
	if (st == OS_OK)
		st = read_recorded(c, rec, err);
	if (st == OS_OK)
		st = report(dir, files, rec, each, ctx, err);
out:
	PQfinish(c);
	free(rec);
	free(files);
	return st;
}
