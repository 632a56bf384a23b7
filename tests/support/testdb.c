/*
 * Scratch databases for the integration tests. CREATE/DROP DATABASE take no
 * parameters, so the name is built here from our pid and a counter only.
 */
#include "tests/support/testdb.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "app/order_repo.h"
#include "domain/uuid.h"
#include "infrastructure/postgres/pg_migrate.h"
#include "infrastructure/postgres/pg_session.h"
#include "tests/support/testenv.h"

static unsigned testdb_counter;

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int admin_exec(const char *sql)
{
	PGconn *c = PQconnectdb(testenv_require("DATABASE_URL"));
	PGresult *r;
	int ok;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "testdb: %s", PQerrorMessage(c));
		PQfinish(c);
		return 0;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "testdb: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok;
}

/* Appends key='value' with quotes and backslashes escaped. */
static int add_param(char *out, size_t cap, size_t *len, const char *key, const char *val)
{
	int n = snprintf(out + *len, cap - *len, "%s%s='", *len ? " " : "", key);

	if (n < 0 || (size_t)n >= cap - *len)
		return 0;
	*len += (size_t)n;
	for (; *val; val++) {
		if (*len + 3 >= cap)
			return 0;
		if (*val == '\'' || *val == '\\')
			out[(*len)++] = '\\';
		out[(*len)++] = *val;
	}
	out[(*len)++] = '\'';
	out[*len] = '\0';
	return 1;
}

/* The admin conninfo with dbname replaced by name. */
static int build_url(const char *name, char *out, size_t cap)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(testenv_require("DATABASE_URL"), &msg);
	PQconninfoOption *o;
	size_t len = 0;
	int ok = opts != NULL && cap > 0;

	if (ok)
		out[0] = '\0';
	for (o = opts; ok && o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "dbname") == 0 || o->val == NULL || o->val[0] == '\0')
			continue;
		ok = add_param(out, cap, &len, o->keyword, o->val);
	}
	if (ok)
		ok = add_param(out, cap, &len, "dbname", name);
	PQfreemem(msg);
	PQconninfoFree(opts);
	return ok;
}

enum os_status testdb_create(char *url_out, size_t cap)
{
	char name[64];
	char sql[160];
	struct os_error err;
	enum os_status st;

	snprintf(name, sizeof(name), "t_%ld_%u", (long)getpid(), testdb_counter++);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	if (!admin_exec(sql))
		return OS_EUNAVAIL;
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	if (!admin_exec(sql))
		return OS_EUNAVAIL;
	if (!build_url(name, url_out, cap)) {
		fprintf(stderr, "testdb: cannot build the conninfo of %s\n", name);
		return OS_EINVAL;
	}
	st = pg_migrate(url_out, OS_SOURCE_DIR "/migrations", NULL, &err);
	if (st != OS_OK)
		fprintf(stderr, "testdb: migrate %s: %s\n", name, err.message);
	return st;
}

void testdb_drop(const char *url)
{
	char *msg = NULL;
	PQconninfoOption *opts;
	PQconninfoOption *o;
	char sql[160];

	if (url == NULL || url[0] == '\0')
		return;
	opts = PQconninfoParse(url, &msg);
	for (o = opts; o != NULL && o->keyword != NULL; o++) {
		/* Only our own names: t_ followed by digits and underscores. */
		if (strcmp(o->keyword, "dbname") != 0 || o->val == NULL ||
		    strncmp(o->val, "t_", 2) != 0 ||
		    strspn(o->val + 2, "0123456789_") != strlen(o->val + 2) || strlen(o->val) > 60)
			continue;
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", o->val);
		(void)admin_exec(sql);
	}
	PQfreemem(msg);
	PQconninfoFree(opts);
}

static char group_url[TESTDB_URL_MAX];

int testdb_group_setup(void **state)
{
	(void)state;
	return testdb_create(group_url, sizeof(group_url)) == OS_OK ? 0 : -1;
}

int testdb_group_teardown(void **state)
{
	(void)state;
	testdb_drop(group_url);
	group_url[0] = '\0';
	return 0;
}

const char *testdb_url(void)
{
	return group_url;
}

/* Runs sql; the result when its status is one of the expected, else NULL. */
static PGresult *run(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return NULL;
}

bool testdb_exec(const char *sql)
{
	PGconn *c = PQconnectdb(group_url);
	PGresult *r = run(c, sql);

	PQclear(r);
	PQfinish(c);
	return r != NULL;
}

int64_t testdb_scalar(const char *sql)
{
	PGconn *c = PQconnectdb(group_url);
	PGresult *r = run(c, sql);
	int64_t n = -1;

	if (r != NULL && PQntuples(r) >= 1 && !PQgetisnull(r, 0, 0))
		n = atoll(PQgetvalue(r, 0, 0));
	else if (r != NULL)
		fprintf(stderr, "%s: no value\n", sql);
	PQclear(r);
	PQfinish(c);
	return n;
}

int64_t testdb_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void testdb_new_uuid(struct uuid *u)
{
	static unsigned counter;
	uint8_t rnd[10] = {0};
	unsigned n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
	long pid = (long)getpid();

	memcpy(rnd, &n, sizeof(n));
	memcpy(rnd + 4, &pid, 4);
	uuid_v7(u, testdb_now_us() / 1000, rnd);
}

void testdb_add_msg(struct order_insert *c, const char *type, const char *dest)
{
	struct outbox_msg *m = &c->msgs[c->msg_count++];

	testdb_new_uuid(&m->event_id);
	m->aggregate_id = c->order.id;
	snprintf(m->type, sizeof(m->type), "%s", type);
	snprintf(m->destination, sizeof(m->destination), "%s", dest);
	m->payload = strdup("{\"event\": \"x\", \"quote\": \"a\\\"b\"}");
	m->headers = strcmp(dest, "payments") == 0 ? NULL : strdup("{\"request_id\": \"r-1\"}");
}

struct pg_session *testdb_session(void)
{
	struct pg_session *s = NULL;
	struct os_error err;

	if (pg_session_open(group_url, &s, &err) != OS_OK)
		fail_msg("cannot open a session: %s", err.message);
	return s;
}

struct pg_conn *testdb_exec_open(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r = PQexec(c, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	PQclear(r);
	if (!ok) {
		fprintf(stderr, "testdb: %s: %s", sql, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

struct pg_conn *testdb_exec_uncommitted(const char *sql)
{
	size_t cap = strlen(sql) + sizeof("BEGIN; ");
	char *text = malloc(cap);
	struct pg_conn *c;

	if (text == NULL)
		return NULL;
	snprintf(text, cap, "BEGIN; %s", sql);
	c = testdb_exec_open(group_url, text);
	free(text);
	return c;
}

struct pg_conn *testdb_pay_uncommitted(const struct uuid *id, const char *payment_id, int64_t cents)
{
	char text[UUID_STR_LEN + 1], sql[512];

	uuid_format(id, text);
	snprintf(sql, sizeof(sql),
		 "UPDATE orders SET status = 'paid', version = version + 1 WHERE id = '%s'; "
		 "INSERT INTO order_payments (order_id, payment_id, amount_cents) "
		 "VALUES ('%s', '%s', %lld)",
		 text, text, payment_id, (long long)cents);
	return testdb_exec_uncommitted(sql);
}

struct pg_conn *testdb_lock_order(const struct uuid *id)
{
	char text[UUID_STR_LEN + 1], sql[256];

	uuid_format(id, text);
	snprintf(sql, sizeof(sql), "SELECT 1 FROM orders WHERE id = '%s' FOR UPDATE", text);
	return testdb_exec_uncommitted(sql);
}

bool testdb_wait_for_waiters(int n)
{
	static const char waiting[] =
	    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
	    "WHERE NOT l.granted AND a.datname = current_database()";
	int i;

	for (i = 0; i < 500 && testdb_scalar(waiting) < n; i++)
		usleep(10000);
	if (testdb_scalar(waiting) >= n)
		return true;
	fprintf(stderr, "testdb: fewer than %d sessions waited for a lock\n", n);
	return false;
}

bool testdb_commit_after_waiter(struct pg_conn *c)
{
	PGresult *r;
	bool ok = testdb_wait_for_waiters(1);

	r = PQexec(c, "COMMIT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "testdb: commit: %s", PQerrorMessage(c));
		ok = false;
	}
	PQclear(r);
	PQfinish(c);
	return ok;
}

bool testdb_fail_at_commit(const char *table, bool kill)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "CREATE SEQUENCE IF NOT EXISTS testdb_commit_tries; "
		 "CREATE OR REPLACE FUNCTION testdb_fail_at_commit() RETURNS trigger "
		 "LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('testdb_commit_tries'); %s; "
		 "RETURN NULL; END $$",
		 kill ? "PERFORM pg_terminate_backend(pg_backend_pid())"
		      : "RAISE EXCEPTION 'refused at commit (testdb)'");
	if (!testdb_exec(sql))
		return false;
	snprintf(sql, sizeof(sql),
		 "CREATE CONSTRAINT TRIGGER testdb_fail_at_commit AFTER INSERT OR UPDATE ON %s "
		 "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "
		 "testdb_fail_at_commit()",
		 table);
	return testdb_exec(sql);
}

bool testdb_no_fail_at_commit(const char *table)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SET client_min_messages = warning; DROP TRIGGER IF EXISTS testdb_fail_at_commit "
		 "ON %s; "
		 "DROP SEQUENCE IF EXISTS testdb_commit_tries",
		 table);
	return testdb_exec(sql);
}

int64_t testdb_commit_tries(void)
{
	return testdb_scalar("SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
			     "FROM testdb_commit_tries");
}
