/*
 * The operator's commands: `migrate` (apply or list the migrations) and
 * `outbox|inbox list|retry` (the dead-lettered rows). Each opens one
 * session, does its work and exits with a status scripts can test.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "domain/decimal.h"
#include "infrastructure/log/log.h"
#include "infrastructure/postgres/pg_admin.h"
#include "infrastructure/postgres/pg_migrate.h"
#include "infrastructure/postgres/pg_session.h"

#define DEFAULT_MIGRATIONS_DIR	 "migrations"
#define INSTALLED_MIGRATIONS_DIR "/usr/local/share/order-service/migrations"

/* ---------------------------------------------------------------- migrate */

/* The words after `migrate` or `migrate status`: none, or `--dir DIR`.
 * *explicit_dir is DIR or NULL. False for anything else: a typo of a
 * command that changes the database must not run it. */
static bool migrate_args(int argc, char **argv, const char **explicit_dir)
{
	*explicit_dir = NULL;
	if (argc == 0)
		return true;
	if (argc == 2 && strcmp(argv[0], "--dir") == 0 && argv[1][0] != '\0') {
		*explicit_dir = argv[1];
		return true;
	}
	return false;
}

static const char *migrations_dir(const char *explicit_dir)
{
	const char *env = getenv("MIGRATIONS_DIR");
	FILE *probe;

	if (explicit_dir != NULL)
		return explicit_dir;
	if (env != NULL && env[0] != '\0')
		return env;
	probe = fopen(DEFAULT_MIGRATIONS_DIR "/0001_orders.sql", "r");
	if (probe != NULL) {
		fclose(probe);
		return DEFAULT_MIGRATIONS_DIR;
	}
	return INSTALLED_MIGRATIONS_DIR;
}

struct migrate_tally {
	int applied, pending, changed;
};

static void print_migration(void *ctx, const struct pg_migration *m)
{
	static const char *const states[] = {"applied", "changed", "no-file", "pending"};
	static const char *const sums[] = {"ok", "changed", "-", "-"};
	struct migrate_tally *t = ctx;

	printf("%-40s %-8s %-8s %s\n", m->version, states[m->state], sums[m->state],
	       m->applied_at[0] ? m->applied_at : "-");
	if (m->state == PG_MIGRATION_PENDING)
		t->pending++;
	else if (m->state == PG_MIGRATION_APPLIED)
		t->applied++;
	else
		t->changed++;
}

/* `migrate status`: changes nothing; the exit status says what `migrate`
 * would do (0 nothing, 3 apply, 4 refuse). */
static int cmd_migrate_status(const struct config *cfg, const char *dir)
{
	struct migrate_tally t = {0, 0, 0};
	struct os_error err;

	os_error_clear(&err);
	if (cmd_require(cfg->database_url, "DATABASE_URL", &err) != OS_OK)
		return cmd_fail_line("configuration", &err);
	printf("%-40s %-8s %-8s %s\n", "VERSION", "STATE", "CHECKSUM", "APPLIED_AT");
	if (pg_migrate_status(cfg->database_url, dir, print_migration, &t, &err) != OS_OK)
		return cmd_fail_line("migrate status failed", &err);
	printf("migrate status: %d applied, %d pending, %d changed or missing (%s)\n", t.applied,
	       t.pending, t.changed, dir);
	return t.changed > 0 ? 4 : t.pending > 0 ? 3 : 0;
}

int cmd_migrate(const struct config *cfg, int argc, char **argv)
{
	bool status = argc >= 1 && strcmp(argv[0], "status") == 0;
	const char *explicit_dir, *dir;
	struct os_error err;
	int applied = 0;

	if (!migrate_args(status ? argc - 1 : argc, status ? argv + 1 : argv, &explicit_dir)) {
		fprintf(stderr,
			"order-service: usage: order-service migrate [status] [--dir DIR]\n");
		return 2;
	}
	dir = migrations_dir(explicit_dir);
	if (status)
		return cmd_migrate_status(cfg, dir);
	os_error_clear(&err);
	if (cmd_require(cfg->database_url, "DATABASE_URL", &err) != OS_OK)
		return cmd_fail_line("configuration", &err);
	if (pg_migrate(cfg->database_url, dir, &applied, &err) != OS_OK)
		return cmd_fail_line("migrate failed", &err);
	log_kv(LOG_INFO, "migrations applied", "dir", dir, NULL);
	printf("migrate: %d migration(s) applied from %s\n", applied, dir);
	return 0;
}

/* ---------------------------------------------------------- dead letters */

static int admin_list_cmd(const struct admin *a, enum admin_kind kind)
{
	struct dead_letter rows[ADMIN_LIST_MAX];
	struct os_error err;
	int64_t after = 0;
	size_t n, i;

	os_error_clear(&err);
	do {
		if (admin_list(a, kind, after, ADMIN_LIST_MAX, rows, &n, &err) != OS_OK)
			return cmd_fail_line("list", &err);
		for (i = 0; i < n; i++) {
			printf("%lld\t%s\t%s\t%s\tattempts=%d\t%s\n", (long long)rows[i].id,
			       rows[i].message_id, rows[i].type, rows[i].where, rows[i].attempts,
			       rows[i].error);
			after = rows[i].id;
		}
	} while (n == ADMIN_LIST_MAX);
	return 0;
}

static int admin_retry_cmd(const struct admin *a, enum admin_kind kind, const char *which)
{
	struct admin_retry_result res = {0, 0};
	struct os_error err;
	int64_t id = 0;

	os_error_clear(&err);
	if (strcmp(which, "all") != 0) {
		if (!decimal_parse(which, strlen(which), 1, INT64_MAX, &id)) {
			fprintf(stderr, "order-service: expected a row id or \"all\", got \"%s\"\n",
				which);
			return 2;
		}
	}
	if (admin_retry_counted(a, kind, id, &res, &err) != OS_OK) {
		fprintf(stderr, "order-service: retry: %s\n", err.message);
		return 1;
	}
	printf("%zu row(s) back to pending\n", res.retried);
	if (res.refused > 0)
		printf("%zu payment request(s) left dead: their orders are no longer new, and a "
		       "payment request is never sent again once its order left new\n",
		       res.refused);
	return 0;
}

int cmd_admin(const struct config *cfg, enum admin_kind kind, int argc, char **argv)
{
	struct pg_session *session = NULL;
	struct os_error err;
	struct admin a;
	int rc;

	os_error_clear(&err);
	if (argc < 1 || (strcmp(argv[0], "retry") == 0 && argc < 2))
		return cmd_usage(stderr);
	if (cmd_require(cfg->database_url, "DATABASE_URL", &err) != OS_OK)
		return cmd_fail_line("configuration", &err);
	if (pg_session_open(cfg->database_url, &session, &err) != OS_OK)
		return cmd_fail_line("database", &err);
	pg_admin_init(&a, session);
	if (strcmp(argv[0], "list") == 0)
		rc = admin_list_cmd(&a, kind);
	else if (strcmp(argv[0], "retry") == 0)
		rc = admin_retry_cmd(&a, kind, argv[1]);
	else
		rc = cmd_usage(stderr);
	pg_session_free(session);
	return rc;
}
