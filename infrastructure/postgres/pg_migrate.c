/*
 * The migrations runner. Holds pg_advisory_lock on a fixed key for the whole
 * run so that concurrent runners apply each file once; the second runner
 * then finds everything recorded and applies nothing. A migration file is
 * trusted SQL from the release (never input) and runs through the simple
 * query protocol because it holds several statements.
 */
#include "pg_migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATE_LOCK_KEY "7206381742006"  /* arbitrary, fixed for the service */
#define NAME_MAX_LEN 128
#define CHECKSUM_HEX_LEN 64

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
static enum os_status read_file(const char *dir, const char *name, char **out,
				size_t *len, struct os_error *err)
{
	char path[4096];
	FILE *f;
	char *buf = NULL;
	size_t n;
	enum os_status st = OS_OK;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		return os_fail(err, OS_EINVAL, NULL, "cannot open migration %s", name);
	buf = malloc(PG_MIGRATE_FILE_MAX + 1);
	if (buf == NULL) {
		st = os_fail(err, OS_ENOMEM, NULL, "out of memory");
		goto out;
	}
	n = fread(buf, 1, PG_MIGRATE_FILE_MAX + 1, f);
	if (ferror(f) || n > PG_MIGRATE_FILE_MAX) {
		st = os_fail(err, OS_EINVAL, NULL, "migration %s unreadable or over %d bytes",
			     name, PG_MIGRATE_FILE_MAX);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return st;
}

static void sha256_hex(const char *data, size_t len, char hex[CHECKSUM_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	unsigned int i;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[CHECKSUM_HEX_LEN] = '\0';
}

static enum os_status exec_simple(PGconn *c, const char *sql, const char *what,
				  struct os_error *err)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType rs = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	enum os_status st = OS_OK;

	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
		st = os_fail(err, PQstatus(c) == CONNECTION_OK ? OS_EIO : OS_EUNAVAIL, NULL,
			     "%s: %s", what, PQerrorMessage(c));
	PQclear(r);
	return st;
}

static const char *const create_table_sql =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version text PRIMARY KEY,"
	" checksum text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now())";

/* The recorded checksum of version into hex, or "" when not applied. */
static enum os_status recorded_checksum(PGconn *c, const char *version,
					char hex[CHECKSUM_HEX_LEN + 1], struct os_error *err)
{
	const char *params[1] = { version };
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

static enum os_status record(PGconn *c, const char *version, const char *hex,
			     struct os_error *err)
{
	const char *params[2] = { version, hex };
	PGresult *r = PQexecParams(c, "INSERT INTO schema_migrations (version, checksum) "
				      "VALUES ($1, $2)", 2, NULL, params, NULL, NULL, 0);
	enum os_status st = OS_OK;

	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
		st = os_fail(err, OS_EIO, NULL, "recording %s: %s", version, PQerrorMessage(c));
	PQclear(r);
	return st;
}

/* Applies one file in its own transaction. */
static enum os_status apply_one(PGconn *c, const char *name, const char *sql,
				const char *hex, struct os_error *err)
{
	enum os_status st = exec_simple(c, "BEGIN", "begin", err);

	if (st != OS_OK)
		return st;
	st = exec_simple(c, sql, name, err);
	if (st == OS_OK)
		st = record(c, name, hex, err);
	if (st == OS_OK)
		return exec_simple(c, "COMMIT", "commit", err);
	(void)exec_simple(c, "ROLLBACK", "rollback", NULL);
	return st;
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
				     "(recorded sha256 %.12s, file %.12s)", name, old, hex);
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

enum os_status pg_migrate(const char *conninfo, const char *dir, int *applied,
			  struct os_error *err)
{
	const char *keys[] = { "connect_timeout", "dbname", NULL };
	const char *vals[] = { "5", conninfo, NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	enum os_status st;
	int count = 0;

	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		st = os_fail(err, OS_EUNAVAIL, NULL, "database unreachable: %s",
			     c ? PQerrorMessage(c) : "out of memory");
		goto out;
	}
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
