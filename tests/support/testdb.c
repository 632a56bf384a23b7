/*
 * Scratch databases for the integration tests. CREATE/DROP DATABASE take no
 * parameters, so the name is built here from our pid and a counter only.
 */
#include "testdb.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../infrastructure/postgres/pg_migrate.h"
#include "testenv.h"

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
		    strncmp(o->val, "t_", 2) != 0 || strspn(o->val + 2, "0123456789_") !=
		    strlen(o->val + 2) || strlen(o->val) > 60)
			continue;
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", o->val);
		(void)admin_exec(sql);
	}
	PQfreemem(msg);
	PQconninfoFree(opts);
}
