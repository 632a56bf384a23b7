/*
 * The migrations runner against a real PostgreSQL: a second run is a no-op,
 * an applied file that changed is refused by name, and two runners at once
 * apply each file once, a file whose table is busy waits in bounded tries
 * (the service's work on it goes on). `migrate status` reports applied, changed, missing
 * and pending files in order and changes nothing.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "infrastructure/postgres/pg_migrate.h"
#include "tests/support/test_main.h"
#include "tests/support/testdb.h"

#define MIGRATIONS OS_SOURCE_DIR "/migrations"

static int count_rows(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r = PQexec(c, sql);
	int n = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return n;
}

static int setup(void **state)
{
	static char url[TESTDB_URL_MAX];

	if (testdb_create(url, sizeof(url)) != OS_OK)
		return -1;
	*state = url;
	return 0;
}

static int teardown(void **state)
{
	testdb_drop(*state);
	return 0;
}

static void second_run_is_noop(void **state)
{
	const char *url = *state;
	struct os_error err;
	int applied = -1;

	assert_int_equal(pg_migrate(url, MIGRATIONS, &applied, &err), OS_OK);
	assert_int_equal(applied, 0);
	assert_true(count_rows(url, "SELECT count(*) FROM schema_migrations") >= 2);
}

/* Writes text into the file name of dir, at its end (mode "a") or in place
 * of it ("w"). */
static void write_file(const char *dir, const char *name, const char *mode, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, mode);
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Copies the migrations into a temp folder and edits 0001_orders.sql
 * there. */
static void copy_with_edited_release(char *dir, size_t cap)
{
	char cmd[1024];

	snprintf(dir, cap, "/tmp/os_migr_%ld", (long)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -r %s %s", dir, MIGRATIONS, dir);
	assert_int_equal(system(cmd), 0);
	/* A released file edited afterwards. */
	write_file(dir, "0001_orders.sql", "a", "\n-- edited after release\n");
}

static void remove_copy(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void changed_file_is_refused(void **state)
{
	const char *url = *state;
	struct os_error err;
	char dir[256];
	int applied = -1;

	copy_with_edited_release(dir, sizeof(dir));
	assert_int_equal(pg_migrate(url, dir, &applied, &err), OS_ECONFLICT);
	assert_non_null(strstr(err.message, "0001_orders.sql"));
	assert_int_equal(applied, -1);
	remove_copy(dir);
}

struct runner {
	const char *url;
	int applied;
	enum os_status st;
};

static void *run_migrate(void *arg)
{
	struct runner *r = arg;
	struct os_error err;

	r->st = pg_migrate(r->url, MIGRATIONS, &r->applied, &err);
	return NULL;
}

static void concurrent_runs_apply_once(void **state)
{
	char url[TESTDB_URL_MAX];
	struct runner r[2];
	pthread_t t[2];
	int i;
	int n;

	(void)state;
	/* A fresh, empty database: create one and wipe what testdb applied. */
	assert_int_equal(testdb_create(url, sizeof(url)), OS_OK);
	assert_int_equal(count_rows(url, "SELECT count(*) FROM (SELECT 1 FROM pg_class "
					 "WHERE relname = 'orders') x"),
			 1);
	{
		PGconn *c = PQconnectdb(url);
		PGresult *res = PQexec(c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");

		assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
		PQclear(res);
		PQfinish(c);
	}
	for (i = 0; i < 2; i++) {
		r[i].url = url;
		r[i].applied = -1;
		assert_int_equal(pthread_create(&t[i], NULL, run_migrate, &r[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(r[0].st, OS_OK);
	assert_int_equal(r[1].st, OS_OK);
	n = count_rows(url, "SELECT count(*) FROM schema_migrations");
	assert_true(n >= 2);
	assert_int_equal(r[0].applied + r[1].applied, n);
	assert_true(r[0].applied == 0 || r[1].applied == 0);
	testdb_drop(url);
}

struct dir_runner {
	const char *url, *dir;
	enum os_status st;
};

static void *run_migrate_dir(void *arg)
{
	struct dir_runner *r = arg;
	struct os_error err;
	int applied = 0;

	r->st = pg_migrate(r->url, r->dir, &applied, &err);
	return NULL;
}

/*
 * A migration whose table another session holds (a relay delivering its
 * claim) waits for the lock in bounded tries: between them the service's
 * own work on the table goes on, and the file is applied once the holder
 * is done. (Its ALTER used to wait without end, and every later reader and
 * writer of the table queued behind it: here a reader that the holder
 * outlives.)
 */
static void busy_table_does_not_stop_the_service(void **state)
{
	const char *url = *state;
	struct dir_runner r = {url, NULL, OS_EIO};
	char dir[64];
	PGconn *holder, *reader;
	PGresult *res;
	pthread_t t;
	int i;

	snprintf(dir, sizeof(dir), "/tmp/os_migr_busy_%ld", (long)getpid());
	remove_copy(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file(dir, "9001_busy.sql", "w", "ALTER TABLE busy_t ADD COLUMN x int;\n");
	PQfinish(testdb_exec_open(url, "CREATE TABLE busy_t (id int)"));
	holder = testdb_exec_open(url, "BEGIN; SELECT count(*) FROM busy_t");
	assert_non_null(holder);
	r.dir = dir;
	assert_int_equal(pthread_create(&t, NULL, run_migrate_dir, &r), 0);
	for (i = 0; i < 500 && count_rows(url, "SELECT count(*) FROM pg_locks WHERE NOT granted "
					       "AND relation = 'busy_t'::regclass") == 0;
	     i++)
		usleep(10000);
	/* the migration is waiting for the holder; a reader still gets through */
	reader =
	    testdb_exec_open(url, "SET statement_timeout = '10s'; SELECT count(*) FROM busy_t");
	assert_non_null(reader);
	PQfinish(reader);
	res = PQexec(holder, "COMMIT");
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(holder);
	pthread_join(t, NULL);
	assert_int_equal(r.st, OS_OK);
	assert_int_equal(count_rows(url, "SELECT count(*) FROM information_schema.columns "
					 "WHERE table_name = 'busy_t' AND column_name = 'x'"),
			 1);
	PQfinish(testdb_exec_open(url,
				  "DELETE FROM schema_migrations WHERE version = '9001_busy.sql'; "
				  "DROP TABLE busy_t"));
	remove_copy(dir);
}

static void missing_folder_is_invalid(void **state)
{
	struct os_error err;

	assert_int_equal(pg_migrate(*state, "/nonexistent/migrations", NULL, &err), OS_EINVAL);
}

struct status_seen {
	size_t count;
	struct pg_migration rows[64];
};

static void collect(void *ctx, const struct pg_migration *m)
{
	struct status_seen *s = ctx;

	if (s->count < 64)
		s->rows[s->count] = *m;
	s->count++;
}

static const struct pg_migration *find(const struct status_seen *s, const char *version)
{
	size_t i;

	for (i = 0; i < s->count && i < 64; i++)
		if (strcmp(s->rows[i].version, version) == 0)
			return &s->rows[i];
	return NULL;
}

static void status_of_migrated_database(void **state)
{
	struct status_seen seen = {0};
	struct os_error err;
	size_t i;
	int files = count_rows(*state, "SELECT count(*) FROM schema_migrations");

	assert_int_equal(pg_migrate_status(*state, MIGRATIONS, collect, &seen, &err), OS_OK);
	assert_int_equal(seen.count, files);
	for (i = 0; i < seen.count; i++) {
		assert_int_equal(seen.rows[i].state, PG_MIGRATION_APPLIED);
		assert_int_equal(strlen(seen.rows[i].applied_at), 20); /* 2026-11-29T18:20:23Z */
		assert_int_equal(seen.rows[i].applied_at[19], 'Z');
		if (i > 0)
			assert_true(strcmp(seen.rows[i - 1].version, seen.rows[i].version) < 0);
	}
	assert_string_equal(seen.rows[0].version, "0001_orders.sql");
}

static void status_reports_changes_and_changes_nothing(void **state)
{
	const char *url = *state;
	struct status_seen seen = {0};
	const struct pg_migration *m;
	struct os_error err;
	char dir[256], path[512];
	int before = count_rows(url, "SELECT count(*) FROM schema_migrations");

	copy_with_edited_release(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/0002_outbox_inbox.sql", dir);
	assert_int_equal(unlink(path), 0);
	write_file(dir, "9999_status_probe.sql", "w", "CREATE TABLE status_probe (id int);\n");

	assert_int_equal(pg_migrate_status(url, dir, collect, &seen, &err), OS_OK);
	assert_int_equal(seen.count, before + 1);
	m = find(&seen, "0001_orders.sql");
	assert_non_null(m);
	assert_int_equal(m->state, PG_MIGRATION_CHANGED);
	m = find(&seen, "0002_outbox_inbox.sql");
	assert_non_null(m);
	assert_int_equal(m->state, PG_MIGRATION_NO_FILE);
	assert_true(m->applied_at[0] != '\0');
	m = find(&seen, "0003_outbox_claim_index.sql");
	assert_non_null(m);
	assert_int_equal(m->state, PG_MIGRATION_APPLIED);
	m = &seen.rows[seen.count - 1];
	assert_string_equal(m->version, "9999_status_probe.sql");
	assert_int_equal(m->state, PG_MIGRATION_PENDING);
	assert_string_equal(m->applied_at, "");
	/* Nothing applied, nothing recorded. */
	assert_int_equal(count_rows(url, "SELECT count(*) FROM schema_migrations"), before);
	assert_int_equal(count_rows(url, "SELECT count(*) FROM pg_class "
					 "WHERE relname = 'status_probe'"),
			 0);
	remove_copy(dir);
}

static void status_of_empty_database(void **state)
{
	struct status_seen seen = {0};
	char url[TESTDB_URL_MAX];
	struct os_error err;
	size_t i;

	(void)state;
	assert_int_equal(testdb_create(url, sizeof(url)), OS_OK);
	{
		PGconn *c = PQconnectdb(url);
		PGresult *res = PQexec(c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");

		assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
		PQclear(res);
		PQfinish(c);
	}
	assert_int_equal(pg_migrate_status(url, MIGRATIONS, collect, &seen, &err), OS_OK);
	assert_true(seen.count >= 2);
	for (i = 0; i < seen.count; i++)
		assert_int_equal(seen.rows[i].state, PG_MIGRATION_PENDING);
	/* Not even the bookkeeping table was created. */
	assert_int_equal(count_rows(url, "SELECT count(*) FROM pg_class "
					 "WHERE relname = 'schema_migrations'"),
			 0);
	assert_int_equal(pg_migrate_status(url, "/nonexistent/migrations", collect, &seen, &err),
			 OS_EINVAL);
	testdb_drop(url);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(second_run_is_noop),
    cmocka_unit_test(changed_file_is_refused),
    cmocka_unit_test(concurrent_runs_apply_once),
    cmocka_unit_test(busy_table_does_not_stop_the_service),
    cmocka_unit_test(missing_folder_is_invalid),
    cmocka_unit_test(status_of_migrated_database),
    cmocka_unit_test(status_reports_changes_and_changes_nothing),
    cmocka_unit_test(status_of_empty_database),
};

TEST_MAIN(tests, setup, teardown);
