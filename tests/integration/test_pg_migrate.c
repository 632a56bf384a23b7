/*
 * The migrations runner against a real PostgreSQL: a second run is a no-op,
 * an applied file that changed is refused by name, and two runners at once
 * apply each file once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "infrastructure/postgres/pg_migrate.h"
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

/* Copies the migrations into a temp folder so one can be edited. */
static void copy_migrations(char *dir, size_t cap)
{
	char cmd[1024];

	snprintf(dir, cap, "/tmp/os_migr_%ld", (long)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -r %s %s", dir, MIGRATIONS, dir);
	assert_int_equal(system(cmd), 0);
}

static void changed_file_is_refused(void **state)
{
	const char *url = *state;
	struct os_error err;
	char dir[256];
	char path[512];
	char cmd[600];
	FILE *f;
	int applied = -1;

	copy_migrations(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/0001_orders.sql", dir);
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("\n-- edited after release\n", f);
	fclose(f);
	assert_int_equal(pg_migrate(url, dir, &applied, &err), OS_ECONFLICT);
	assert_non_null(strstr(err.message, "0001_orders.sql"));
	assert_int_equal(applied, -1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
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
				    "WHERE relname = 'orders') x"), 1);
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

static void missing_folder_is_invalid(void **state)
{
	struct os_error err;

	assert_int_equal(pg_migrate(*state, "/nonexistent/migrations", NULL, &err), OS_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(second_run_is_noop),
		cmocka_unit_test(changed_file_is_refused),
		cmocka_unit_test(concurrent_runs_apply_once),
		cmocka_unit_test(missing_folder_is_invalid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
