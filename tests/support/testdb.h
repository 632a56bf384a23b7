/*
 * A scratch database per test: created on the server named by DATABASE_URL,
 * migrated with the repository's migrations/, dropped at the end.
 */
#ifndef OS_TESTDB_H
#define OS_TESTDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/status.h"

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

/*
 * cmocka group fixtures for a program whose tests share one scratch
 * database: setup creates it (testdb_url() is then its conninfo), teardown
 * drops it. state is not used.
 */
int testdb_group_setup(void **state);
int testdb_group_teardown(void **state);
const char *testdb_url(void);

/* Runs sql on the group's database over a connection of its own; true
 * when it succeeded (errors are printed on stderr). */
bool testdb_exec(const char *sql);

/* The first column of the first row of sql as an integer, or -1 (printed
 * on stderr) when the query fails or returns no row. */
int64_t testdb_scalar(const char *sql);

struct pg_session;

/* A new session on the group's database; fails the running test when it
 * cannot connect. pg_session_free it. */
struct pg_session *testdb_session(void);

/* Unix microseconds of the wall clock, as the adapters exchange them. */
int64_t testdb_now_us(void);

struct uuid;
struct order_insert;

/* A fresh UUIDv7 at the wall clock, distinct across calls (a counter) and
 * across concurrent test processes (the pid). Thread-safe. */
void testdb_new_uuid(struct uuid *u);

/* Appends to c an outbox message of type for dest with a fresh event id, a
 * JSON payload with an escaped quote, and headers (a request id) except
 * for "payments"; the strings are malloc'ed, order_insert_release frees
 * them. */
void testdb_add_msg(struct order_insert *c, const char *type, const char *dest);

/*
 * Pays order id on a connection of its own, in a transaction left open:
 * the order becomes paid (version + 1) and payment_id its payment of cents.
 * The order's row stays locked until testdb_commit_after_waiter. NULL (the
 * error printed on stderr) when that failed. (struct pg_conn is libpq's
 * PGconn.)
 */
struct pg_conn;
struct pg_conn *testdb_pay_uncommitted(const struct uuid *id, const char *payment_id,
				       int64_t cents);

/* Runs sql (any statements) on a new connection of url and keeps the
 * connection open (PQfinish closes it). NULL (printed on stderr) when it
 * failed. */
struct pg_conn *testdb_exec_open(const char *url, const char *sql);

/* Runs sql on a connection of its own, in a transaction left open until
 * testdb_commit_after_waiter. NULL (printed on stderr) when it failed. */
struct pg_conn *testdb_exec_uncommitted(const char *sql);

/* Locks order id's row (FOR UPDATE, changing nothing) on a connection of
 * its own, in a transaction left open until testdb_commit_after_waiter.
 * NULL (printed on stderr) when that failed. */
struct pg_conn *testdb_lock_order(const struct uuid *id);

/* Waits (up to 5 s) until at least n sessions of the group's database wait
 * for a lock. False (printed on stderr) when fewer did. */
bool testdb_wait_for_waiters(int n);

/* testdb_wait_for_waiters(1), then commits c's transaction and closes c.
 * False (printed on stderr) when no session waited or the commit failed. */
bool testdb_commit_after_waiter(struct pg_conn *c);

/*
 * Makes every transaction that writes a row of table fail at its commit,
 * after its statements succeeded: with kill, its backend ends there (the
 * connection is lost), else an error is raised. testdb_commit_tries counts
 * the commits tried since; testdb_no_fail_at_commit undoes both (and does
 * nothing when there is nothing to undo).
 */
bool testdb_fail_at_commit(const char *table, bool kill);
bool testdb_no_fail_at_commit(const char *table);
int64_t testdb_commit_tries(void);

#endif
