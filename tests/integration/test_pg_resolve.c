/*
 * The session's host name lookup (infrastructure/postgres/pg_session.c):
 * a connection made on a fiber must not stop its loop while the name is
 * resolved. getaddrinfo is replaced in this program: the name
 * db-slow.test takes 300 ms and then stands for the test database's own
 * host, db-none.test does not exist, anything else is the C library's.
 * A timer on the loop keeps firing meanwhile, the lookup runs on another
 * thread, and the session then works on the resolved address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dlfcn.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "infrastructure/io/io_loop.h"
#include "infrastructure/postgres/pg_internal.h"
#include "tests/support/testdb.h"

#define SLOW_MS 300

static pthread_t main_thread;
static char real_host[256];
static atomic_int slow_lookups, slow_on_main;

typedef int getaddrinfo_fn(const char *, const char *, const struct addrinfo *, struct addrinfo **);

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	static getaddrinfo_fn *real;

	if (real == NULL) {
		void *sym = dlsym(RTLD_NEXT, "getaddrinfo");

		memcpy(&real, &sym, sizeof(real)); /* ISO C: no cast to a function */
	}
	if (node != NULL && strcmp(node, "db-none.test") == 0)
		return EAI_NONAME;
	if (node != NULL && strcmp(node, "db-slow.test") == 0) {
		atomic_fetch_add(&slow_lookups, 1);
		if (pthread_equal(pthread_self(), main_thread))
			atomic_fetch_add(&slow_on_main, 1);
		usleep(SLOW_MS * 1000);
		node = real_host;
	}
	return real(node, service, hints, res);
}

/* The test database's conninfo with its host replaced by name. */
static void url_with_host(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s host='%s'", testdb_url(), name);
}

static int setup(void **state)
{
	PQconninfoOption *o, *opts;

	main_thread = pthread_self();
	if (testdb_group_setup(state) != 0)
		return -1;
	opts = PQconninfoParse(testdb_url(), NULL);
	for (o = opts; o != NULL && o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "host") == 0 && o->val != NULL)
			snprintf(real_host, sizeof(real_host), "%s", o->val);
		/* hostaddr would bypass every lookup, the one tested here too */
		if (strcmp(o->keyword, "hostaddr") == 0 && o->val != NULL && o->val[0] != '\0')
			real_host[0] = '\0';
	}
	PQconninfoFree(opts);
	if (real_host[0] == '\0' || real_host[0] == '/') {
		fprintf(stderr, "test_pg_resolve: DATABASE_URL needs a TCP host\n");
		return -1;
	}
	return 0;
}

static void run_until_idle(struct io_loop *l, int64_t limit_ms)
{
	int64_t end = io_now_ms() + limit_ms;
	struct pollfd p = { .fd = io_loop_fd(l), .events = POLLIN };

	while (io_loop_fibers(l) > 0 && io_now_ms() < end) {
		(void)poll(&p, 1, io_loop_wait_ms(l, 50));
		io_loop_dispatch(l);
	}
}

struct ticker {
	struct io_timer t;
	int ticks;
};

static void on_tick(struct io_timer *t)
{
	struct ticker *k = (struct ticker *)t;

	k->ticks++;
	io_timer_start(t, io_now_ms() + 10);
}

struct user {
	struct pg_session *s;
	enum os_status st;
	struct os_error err;
	int64_t done_ms;
};

static void ping_body(void *arg)
{
	struct user *u = arg;

	os_error_clear(&u->err);
	u->st = pg_session_ping(u->s, &u->err);
	u->done_ms = io_now_ms();
}

/* Pings through a pool of one on conninfo url from a fiber with deadline
 * (0 = none) while a timer ticks every 10 ms; returns the ticks. */
static int ping_on_loop(const char *url, int64_t deadline, struct user *u)
{
	struct io_loop *l = io_loop_new(256, 4);
	struct ticker k = { .t = { .cb = on_tick } };

	assert_non_null(l);
	*u = (struct user){ .st = OS_EIO };
	assert_int_equal(pg_session_open_pool(url, 1, &u->s, NULL), OS_OK);
	io_timer_start(&k.t, io_now_ms() + 10);
	assert_int_equal(io_fiber_start(l, ping_body, u, deadline, NULL), OS_OK);
	run_until_idle(l, 5000);
	io_timer_stop(&k.t);
	pg_session_free(u->s);
	io_loop_free(l);
	return k.ticks;
}

/* The slow lookup runs off the loop: the timer keeps firing, and the
 * connection then works on the address it gave. */
static void test_lookup_does_not_block_the_loop(void **state)
{
	char url[TESTDB_URL_MAX + 64];
	struct user u;
	int64_t t0 = io_now_ms();
	int ticks;

	(void)state;
	atomic_store(&slow_lookups, 0);
	atomic_store(&slow_on_main, 0);
	url_with_host("db-slow.test", url, sizeof(url));
	ticks = ping_on_loop(url, 0, &u);
	assert_int_equal(u.st, OS_OK);
	assert_true(u.done_ms - t0 >= SLOW_MS);
	assert_int_equal(atomic_load(&slow_lookups), 1);
	assert_int_equal(atomic_load(&slow_on_main), 0);
	/* 300 ms of lookup: about 30 ticks when the loop is free. */
	assert_true(ticks >= SLOW_MS / 10 / 2);
}

/* The fiber's deadline ends the wait for the lookup, not the lookup's end. */
static void test_lookup_deadline(void **state)
{
	char url[TESTDB_URL_MAX + 64];
	struct user u;
	int64_t t0 = io_now_ms();

	(void)state;
	url_with_host("db-slow.test", url, sizeof(url));
	(void)ping_on_loop(url, t0 + 100, &u);
	assert_int_equal(u.st, OS_EUNAVAIL);
	assert_true(u.done_ms - t0 < SLOW_MS - 50);
	/* The abandoned lookup finishes on its own and frees what it holds. */
	usleep((SLOW_MS + 100) * 1000);
}

/* An unknown name: unavailable, with the name in the message. */
static void test_unknown_name(void **state)
{
	char url[TESTDB_URL_MAX + 64];
	struct user u;

	(void)state;
	url_with_host("db-none.test", url, sizeof(url));
	(void)ping_on_loop(url, 0, &u);
	assert_int_equal(u.st, OS_EUNAVAIL);
}

/* Off a fiber (the workers) the lookup runs in place. */
static void test_lookup_off_fiber(void **state)
{
	char url[TESTDB_URL_MAX + 64];
	struct pg_session *s = NULL;
	struct os_error err;

	(void)state;
	atomic_store(&slow_on_main, 0);
	url_with_host("db-slow.test", url, sizeof(url));
	os_error_clear(&err);
	assert_int_equal(pg_session_open(url, &s, &err), OS_OK);
	assert_int_equal(pg_session_ping(s, &err), OS_OK);
	assert_int_equal(atomic_load(&slow_on_main), 1);
	pg_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_does_not_block_the_loop),
		cmocka_unit_test(test_lookup_deadline),
		cmocka_unit_test(test_unknown_name),
		cmocka_unit_test(test_lookup_off_fiber),
	};

	return cmocka_run_group_tests(tests, setup, testdb_group_teardown);
}
