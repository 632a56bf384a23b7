/*
 * The fiber loop (infrastructure/io/io_loop.c) and the pooled PostgreSQL
 * session on it (infrastructure/postgres/pg_session.c): fibers that park,
 * wake, wait for fds and hit their deadlines; cancellation; and a pool of
 * one connection shared by several fibers that queue FIFO, time out while
 * queued, and never block the loop (a timer keeps firing meanwhile) —
 * against the real PostgreSQL of the test stack; and the HTTP catalog's
 * curl multi on the loop against a loopback server that answers slowly.
 *
 * The session's host name lookup, too: a connection made on a fiber must
 * not stop its loop while the name is resolved. getaddrinfo is replaced in
 * this program: the name db-slow.test takes 300 ms and then stands for the
 * test database's own host, db-none.test does not exist, anything else is
 * the C library's. A timer on the loop keeps firing meanwhile, the lookup
 * runs on another thread, and the session then works on the address.
 */
#include <dlfcn.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "app/catalog.h"
#include "infrastructure/httpclient/http_catalog.h"
#include "infrastructure/io/io_loop.h"
#include "infrastructure/postgres/pg_exec.h"
#include "infrastructure/postgres/pg_inventory_catalog.h"
#include "tests/support/fake_http.h"
#include "tests/support/test_main.h"
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

static int group_setup(void **state)
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
		fprintf(stderr, "test_io_loop: DATABASE_URL needs a TCP host\n");
		return -1;
	}
	return 0;
}

/* Runs l until no fiber is left or limit_ms passed. */
static void run_until_idle(struct io_loop *l, int64_t limit_ms)
{
	int64_t end = io_now_ms() + limit_ms;
	struct pollfd p = {.fd = io_loop_fd(l), .events = POLLIN};

	while (io_loop_fibers(l) > 0 && io_now_ms() < end) {
		(void)poll(&p, 1, io_loop_wait_ms(l, 50));
		io_loop_dispatch(l);
	}
}

/* ------------------------------------------------------------- fibers */

struct parker {
	enum os_status st;
	int order;
	int *counter;
	bool finished;
};

static void park_body(void *arg)
{
	struct parker *p = arg;

	p->st = io_park(0);
	p->order = (*p->counter)++;
	p->finished = true;
}

static void test_park_wake_in_order(void **state)
{
	struct io_loop *l = io_loop_new(64, 8);
	struct io_fiber *f[3];
	struct parker p[3];
	int counter = 0, i;

	(void)state;
	assert_non_null(l);
	for (i = 0; i < 3; i++) {
		p[i] = (struct parker){.st = OS_EIO, .counter = &counter};
		assert_int_equal(io_fiber_start(l, park_body, &p[i], 0, &f[i]), OS_OK);
		assert_false(p[i].finished);
	}
	assert_int_equal(io_loop_fibers(l), 3);
	io_wake(f[2]);
	io_wake(f[0]);
	io_loop_dispatch(l);
	assert_true(p[2].finished && p[0].finished);
	assert_false(p[1].finished);
	assert_int_equal(p[2].order, 0);
	assert_int_equal(p[0].order, 1);
	io_wake(f[1]);
	run_until_idle(l, 1000);
	assert_int_equal(p[1].st, OS_OK);
	assert_int_equal(io_loop_fibers(l), 0);
	io_loop_free(l);
}

static void test_deadline_and_limit(void **state)
{
	struct io_loop *l = io_loop_new(64, 1);
	struct parker p = {.st = OS_OK}, q;
	int counter = 0;
	int64_t t0 = io_now_ms();

	(void)state;
	p.counter = &counter;
	q = p;
	assert_int_equal(io_fiber_start(l, park_body, &p, io_now_ms() + 50, NULL), OS_OK);
	/* max_fibers is 1: the second one is refused, not queued. */
	assert_int_equal(io_fiber_start(l, park_body, &q, 0, NULL), OS_EAGAIN);
	run_until_idle(l, 2000);
	assert_true(p.finished);
	assert_int_equal(p.st, OS_EUNAVAIL);
	assert_true(io_now_ms() - t0 >= 45);
	io_loop_free(l);
}

static void test_cancel_runs_to_end(void **state)
{
	struct io_loop *l = io_loop_new(64, 4);
	struct parker p = {.st = OS_OK};
	struct io_fiber *f;
	int counter = 0;

	(void)state;
	p.counter = &counter;
	assert_int_equal(io_fiber_start(l, park_body, &p, 0, &f), OS_OK);
	io_fiber_cancel(f);
	assert_true(p.finished);
	assert_int_equal(p.st, OS_EUNAVAIL);
	assert_int_equal(io_loop_fibers(l), 0);
	io_loop_free(l);
}

struct piper {
	int fd;
	enum os_status st;
	char got;
};

static void pipe_body(void *arg)
{
	struct piper *p = arg;

	p->st = io_wait_fd(p->fd, IO_IN, 0);
	if (p->st == OS_OK && read(p->fd, &p->got, 1) != 1)
		p->st = OS_EIO;
}

static void test_wait_fd(void **state)
{
	struct io_loop *l = io_loop_new(64, 4);
	struct piper p = {.st = OS_EIO};
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	p.fd = fds[0];
	assert_int_equal(io_fiber_start(l, pipe_body, &p, io_now_ms() + 5000, NULL), OS_OK);
	io_loop_dispatch(l);
	assert_int_equal(io_loop_fibers(l), 1); /* nothing to read yet */
	assert_int_equal(write(fds[1], "x", 1), 1);
	run_until_idle(l, 1000);
	assert_int_equal(p.st, OS_OK);
	assert_int_equal(p.got, 'x');
	close(fds[0]);
	close(fds[1]);
	io_loop_free(l);
}

/* Two watched pipes, both readable, so one epoll batch holds both: the first
 * callback stops watching the other (as curl does when it closes a
 * connection beside the one it serves), whose owner may then free it. The
 * other's event, still in the batch, must not be delivered. */
struct pair_watch {
	struct io_watch watch; /* first */
	int fd;
	struct pair_watch *other;
	int calls;
};

static void pair_cb(struct io_watch *w, int events)
{
	struct pair_watch *p = (struct pair_watch *)w;

	(void)events;
	p->calls++;
	io_watch_set(&p->other->watch, p->other->fd, 0);
	io_watch_set(&p->watch, p->fd, 0);
}

static void test_watch_removed_within_batch(void **state)
{
	struct io_loop *l = io_loop_new(64, 4);
	struct pair_watch a = {.watch.cb = pair_cb}, b = {.watch.cb = pair_cb};
	int pa[2], pb[2];

	(void)state;
	assert_int_equal(pipe(pa), 0);
	assert_int_equal(pipe(pb), 0);
	a.fd = pa[0];
	b.fd = pb[0];
	a.other = &b;
	b.other = &a;
	assert_int_equal(io_watch_set(&a.watch, a.fd, IO_IN), OS_OK);
	assert_int_equal(io_watch_set(&b.watch, b.fd, IO_IN), OS_OK);
	assert_int_equal(write(pa[1], "x", 1), 1);
	assert_int_equal(write(pb[1], "y", 1), 1);
	io_loop_dispatch(l);
	assert_int_equal(a.calls + b.calls, 1);
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
	io_loop_free(l);
}

/* ---------------------------------------------------------- the pool */

static struct pg_session *notify_session;

static const struct pg_stmt stmt_sleep = {"t_sleep", "SELECT pg_sleep(0.2)", 0};

struct pool_user {
	struct pg_session *s;
	enum os_status st;
	int64_t done_ms;
};

/* One transaction holding the pool's only connection for 200 ms. */
static void pool_body(void *arg)
{
	struct pool_user *u = arg;
	struct os_error err;

	os_error_clear(&err);
	u->st = pg_begin(u->s, &err);
	if (u->st == OS_OK)
		u->st = pg_exec_cmd(u->s, &stmt_sleep, NULL, &err);
	if (u->st == OS_OK)
		u->st = pg_commit(u->s, &err);
	else
		pg_rollback(u->s);
	u->done_ms = io_now_ms();
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

static void test_pool_queues_without_blocking(void **state)
{
	struct io_loop *l = io_loop_new(256, 8);
	struct pg_session *s = NULL;
	struct pool_user u[3];
	struct ticker k = {.t = {.cb = on_tick}};
	size_t lent, waiting, i;
	int64_t t0 = io_now_ms();

	(void)state;
	assert_int_equal(pg_session_open_pool(testdb_url(), 1, &s, NULL), OS_OK);
	io_timer_start(&k.t, io_now_ms() + 10);
	for (i = 0; i < 3; i++) {
		u[i] = (struct pool_user){.s = s, .st = OS_EIO};
		/* The last one's deadline passes while it waits in the queue. */
		assert_int_equal(io_fiber_start(l, pool_body, &u[i], i == 2 ? t0 + 300 : 0, NULL),
				 OS_OK);
	}
	pg_session_stats(s, &lent, &waiting);
	assert_int_equal(lent, 1);
	assert_int_equal(waiting, 2);
	run_until_idle(l, 5000);
	io_timer_stop(&k.t);
	assert_int_equal(u[0].st, OS_OK);
	assert_int_equal(u[1].st, OS_OK);
	assert_int_equal(u[2].st, OS_EUNAVAIL);
	assert_true(u[0].done_ms <= u[1].done_ms); /* FIFO */
	assert_true(u[1].done_ms - t0 >= 390);
	/* The loop kept turning while the database worked. */
	assert_true(k.ticks >= 20);
	pg_session_stats(s, &lent, &waiting);
	assert_int_equal(lent, 0);
	assert_int_equal(waiting, 0);
	pg_session_free(s);
	io_loop_free(l);
}

/* A deadline in the middle of a statement closes the connection; the
 * next user gets a fresh one. */
static void test_pool_deadline_mid_statement(void **state)
{
	struct io_loop *l = io_loop_new(256, 8);
	struct pg_session *s = NULL;
	struct pool_user a = {.st = OS_EIO}, b = {.st = OS_EIO};

	(void)state;
	assert_int_equal(pg_session_open_pool(testdb_url(), 1, &s, NULL), OS_OK);
	a.s = b.s = s;
	assert_int_equal(io_fiber_start(l, pool_body, &a, io_now_ms() + 100, NULL), OS_OK);
	run_until_idle(l, 5000);
	assert_int_equal(a.st, OS_EUNAVAIL);
	assert_int_equal(io_fiber_start(l, pool_body, &b, 0, NULL), OS_OK);
	run_until_idle(l, 5000);
	assert_int_equal(b.st, OS_OK);
	pg_session_free(s);
	io_loop_free(l);
}

/* A fiber that, as a create after its commit, asks to wake dest's relays. */
static void notify_body(void *arg)
{
	const char *dest = arg;

	pg_notify_soon(notify_session, "outbox", &dest, 1);
}

/* Turns l for ms milliseconds, timers included. */
static void run_for(struct io_loop *l, int64_t ms)
{
	int64_t end = io_now_ms() + ms;
	struct pollfd p = {.fd = io_loop_fd(l), .events = POLLIN};

	while (io_now_ms() < end) {
		(void)poll(&p, 1, io_loop_wait_ms(l, 5));
		io_loop_dispatch(l);
	}
}

/* Notifications listener got after a round trip: count, and in *pids the
 * number of distinct sending backends. */
static int notifications(PGconn *listener, int *pids)
{
	PGnotify *n;
	int got = 0, last = 0;

	*pids = 0;
	PQclear(PQexec(listener, "SELECT 1"));
	while ((n = PQnotifies(listener)) != NULL) {
		got++;
		*pids += n->be_pid != last;
		last = n->be_pid;
		PQfreemem(n);
	}
	return got;
}

/* The NOTIFYs of many creates on a loop: no create waits for them, they
 * go in one transaction a short window later, and none is lost. */
static void test_notify_batched_off_the_request(void **state)
{
	static const char *const dests[] = {"payments", "notifications", "order.events"};
	struct io_loop *l = io_loop_new(256, 16);
	PGconn *listener = PQconnectdb(testdb_url());
	int i, pids = 0;

	(void)state;
	assert_int_equal(PQstatus(listener), CONNECTION_OK);
	PQclear(PQexec(listener, "LISTEN outbox"));
	assert_int_equal(pg_session_open_pool(testdb_url(), 2, &notify_session, NULL), OS_OK);
	for (i = 0; i < 12; i++)
		assert_int_equal(io_fiber_start(l, notify_body, (void *)dests[i % 3], 0, NULL),
				 OS_OK);
	/* Every fiber ran to its end at once: nobody waited for the database. */
	assert_int_equal(io_loop_fibers(l), 0);
	assert_int_equal(notifications(listener, &pids), 0);
	run_for(l, 300);
	/* One transaction: each destination once (12 transactions would have
	 * sent 12). */
	assert_int_equal(notifications(listener, &pids), 3);
	assert_int_equal(pids, 1);
	/* A later one is not lost. */
	assert_int_equal(io_fiber_start(l, notify_body, (void *)dests[0], 0, NULL), OS_OK);
	run_for(l, 300);
	assert_int_equal(notifications(listener, &pids), 1);
	pg_session_free(notify_session);
	notify_session = NULL;
	PQfinish(listener);
	io_loop_free(l);
}

/* The local catalog answers all lines in one statement, a repeated item
 * on every one of its lines, an unknown one as not found. */
static void test_inventory_many(void **state)
{
	static const char *const ids[4] = {"inv-b", "inv-nope", "inv-a", "inv-b"};
	struct pg_session *s = testdb_session();
	struct catalog cat;
	struct catalog_item it[4];
	enum os_status st[4];
	struct os_error err;

	(void)state;
	assert_true(testdb_exec("INSERT INTO inventory VALUES ('inv-a', 'A', 100, 5), "
				"('inv-b', 'B', 250, 7) ON CONFLICT DO NOTHING"));
	pg_inventory_catalog_init(&cat, s);
	os_error_clear(&err);
	catalog_get_many(&cat, ids, 4, it, st, &err);
	assert_int_equal(st[0], OS_OK);
	assert_int_equal(it[0].price_cents, 250);
	assert_int_equal(st[1], OS_ENOTFOUND);
	assert_string_equal(err.field, "item_id");
	assert_int_equal(st[2], OS_OK);
	assert_string_equal(it[2].name, "A");
	assert_int_equal(st[3], OS_OK);
	assert_int_equal(it[3].available_qty, 7);
	pg_session_free(s);
}

/* What one transaction of a pooled session did to inventory: the local
 * catalog's read of three items, then the transaction's own scan counts. */
struct plan_probe {
	struct pg_session *s;
	enum os_status st;
	int64_t seq_scans, idx_scans;
};

static const struct pg_stmt stmt_xact_scans = {
    "t_xact_scans",
    "SELECT seq_scan, coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables "
    "WHERE relname = 'inventory'",
    0,
};

static void plan_body(void *arg)
{
	static const char *const ids[3] = {"inv-a", "inv-b", "inv-c"};
	struct plan_probe *p = arg;
	struct catalog cat;
	struct catalog_item it[3];
	enum os_status st[3];
	PGresult *r = NULL;

	pg_inventory_catalog_init(&cat, p->s);
	p->st = pg_begin(p->s, NULL);
	if (p->st != OS_OK)
		return;
	catalog_get_many(&cat, ids, 3, it, st, NULL);
	p->st = st[0] != OS_OK ? st[0] : pg_exec(p->s, &stmt_xact_scans, NULL, &r, NULL);
	if (p->st == OS_OK && (pg_col_i64(r, 0, 0, &p->seq_scans) != OS_OK ||
			       pg_col_i64(r, 0, 1, &p->idx_scans) != OS_OK))
		p->st = OS_EIO;
	PQclear(r);
	pg_rollback(p->s);
}

/* The API's sessions run generic plans, made once per session from the
 * statistics of that moment. On a table of a few pages a scan of every
 * row looks cheaper than the key's index, and such a plan would scan the
 * whole catalog on every create until the next ANALYZE of the table. The
 * pool's sessions therefore plan key lookups on the index. */
static void test_pool_plans_lookups_on_the_key(void **state)
{
	struct io_loop *l = io_loop_new(256, 8);
	struct plan_probe p = {.st = OS_EIO, .seq_scans = -1, .idx_scans = -1};

	(void)state;
	assert_true(
	    testdb_exec("INSERT INTO inventory VALUES ('inv-a', 'A', 100, 5), "
			"('inv-b', 'B', 250, 7), ('inv-c', 'C', 300, 9) ON CONFLICT DO NOTHING"));
	assert_true(testdb_exec("VACUUM ANALYZE inventory"));
	assert_int_equal(pg_session_open_pool(testdb_url(), 1, &p.s, NULL), OS_OK);
	assert_int_equal(io_fiber_start(l, plan_body, &p, 0, NULL), OS_OK);
	run_until_idle(l, 5000);
	assert_int_equal(p.st, OS_OK);
	assert_int_equal(p.seq_scans, 0);
	assert_true(p.idx_scans > 0);
	pg_session_free(p.s);
	io_loop_free(l);
}

/* Every session tells the server to end a transaction left idle past the
 * longest batch delivery and to probe an idle TCP connection, so a relay
 * that froze, or whose host went, cannot hold its claimed rows for hours. */
static const struct pg_stmt stmt_bounds = {
    "t_bounds",
    "SELECT current_setting('idle_in_transaction_session_timeout'), "
    "current_setting('tcp_keepalives_idle'), current_setting('tcp_keepalives_count'), "
    "inet_server_addr() IS NOT NULL, current_setting('client_connection_check_interval')",
    0,
};

static void test_sessions_bound_idle_transactions(void **state)
{
	struct pg_session *s = testdb_session();
	PGresult *r = NULL;

	(void)state;
	assert_int_equal(pg_exec(s, &stmt_bounds, NULL, &r, NULL), OS_OK);
	assert_int_equal(PQntuples(r), 1);
	assert_string_equal(PQgetvalue(r, 0, 0), "15min");
	assert_string_equal(PQgetvalue(r, 0, 4), "1s"); /* a caller gone ends its statement */
	if (PQgetvalue(r, 0, 3)[0] == 't') {		/* over TCP: the probes apply */
		assert_string_equal(PQgetvalue(r, 0, 1), "30");
		assert_string_equal(PQgetvalue(r, 0, 2), "3");
	}
	PQclear(r);
	pg_session_free(s);
}

static const struct pg_stmt stmt_slow = {"t_slow", "SELECT pg_sleep(1)", 0};
static const struct pg_stmt stmt_one = {"t_one", "SELECT 1", 0};

/* A statement the statement timeout ends is worth another try (the API
 * answers 503 with Retry-After), not an internal error, and the session
 * goes on with its prepared statements. */
static void test_statement_timeout_is_transient(void **state)
{
	struct pg_session *s;
	struct os_error err;

	(void)state;
	pg_session_set_statement_timeout(200);
	s = testdb_session();
	pg_session_set_statement_timeout(0);
	assert_int_equal(pg_exec_cmd(s, &stmt_one, NULL, &err), OS_OK);
	os_error_clear(&err);
	assert_int_equal(pg_exec_cmd(s, &stmt_slow, NULL, &err), OS_EAGAIN);
	assert_non_null(strstr(err.message, "statement timeout"));
	assert_int_equal(pg_exec_cmd(s, &stmt_one, NULL, &err), OS_OK);
	pg_session_free(s);
}

/* ------------------------------------------------------- the catalog */

struct lookup {
	struct catalog *cat;
	enum os_status st[3];
	struct catalog_item items[3];
	int64_t took_ms;
};

static void lookup_body(void *arg)
{
	static const char *const ids[3] = {"sku-1", "sku-2", "sku-3"};
	struct lookup *k = arg;
	int64_t t0 = io_now_ms();

	catalog_get_many(k->cat, ids, 3, k->items, k->st, NULL);
	k->took_ms = io_now_ms() - t0;
}

static struct fake_http *slow_catalog(struct catalog *cat, int delay_ms)
{
	struct fake_http *srv = fake_http_start(NULL, NULL);
	struct http_catalog_options o = {NULL, 5000};
	char url[128];

	assert_non_null(srv);
	fake_http_respond(srv, 200,
			  "{\"id\":\"x\",\"name\":\"Mug\",\"price\":\"12.50\",\"available_qty\":7}",
			  delay_ms);
	snprintf(url, sizeof(url), "%s/items", fake_http_url(srv));
	o.base_url = url;
	assert_int_equal(http_catalog_open(&o, cat, NULL), OS_OK);
	return srv;
}

/* Three lines answered in 200 ms each take about 200 ms together, and the
 * loop keeps turning meanwhile. */
static void test_catalog_lines_at_once(void **state)
{
	struct io_loop *l = io_loop_new(256, 8);
	struct catalog cat;
	struct fake_http *srv = slow_catalog(&cat, 200);
	struct lookup k = {.cat = &cat};
	struct ticker t = {.t = {.cb = on_tick}};
	int i;

	(void)state;
	io_timer_start(&t.t, io_now_ms() + 10);
	assert_int_equal(io_fiber_start(l, lookup_body, &k, 0, NULL), OS_OK);
	run_until_idle(l, 5000);
	io_timer_stop(&t.t);
	for (i = 0; i < 3; i++) {
		assert_int_equal(k.st[i], OS_OK);
		assert_int_equal(k.items[i].price_cents, 1250);
	}
	assert_true(k.took_ms >= 190);
	assert_true(k.took_ms < 550); /* one after another: 600 */
	assert_true(t.ticks >= 10);
	assert_int_equal(fake_http_request_count(srv), 3);
	http_catalog_close(&cat);
	fake_http_stop(srv);
	io_loop_free(l);
}

/* Past the fiber's deadline the lookups fail as unavailable at once. */
static void test_catalog_deadline(void **state)
{
	struct io_loop *l = io_loop_new(256, 8);
	struct catalog cat;
	struct fake_http *srv = slow_catalog(&cat, 3000);
	struct lookup k = {.cat = &cat};

	(void)state;
	assert_int_equal(io_fiber_start(l, lookup_body, &k, io_now_ms() + 150, NULL), OS_OK);
	run_until_idle(l, 5000);
	assert_int_equal(k.st[0], OS_EUNAVAIL);
	assert_int_equal(k.st[2], OS_EUNAVAIL);
	assert_true(k.took_ms < 1000);
	http_catalog_close(&cat);
	fake_http_stop(srv);
	io_loop_free(l);
}

/* ------------------------------------------- host name lookup */

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
	struct ticker k = {.t = {.cb = on_tick}};

	assert_non_null(l);
	*u = (struct user){.st = OS_EIO};
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

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_park_wake_in_order),
    cmocka_unit_test(test_deadline_and_limit),
    cmocka_unit_test(test_cancel_runs_to_end),
    cmocka_unit_test(test_wait_fd),
    cmocka_unit_test(test_watch_removed_within_batch),
    cmocka_unit_test(test_pool_queues_without_blocking),
    cmocka_unit_test(test_pool_deadline_mid_statement),
    cmocka_unit_test(test_notify_batched_off_the_request),
    cmocka_unit_test(test_inventory_many),
    cmocka_unit_test(test_pool_plans_lookups_on_the_key),
    cmocka_unit_test(test_sessions_bound_idle_transactions),
    cmocka_unit_test(test_statement_timeout_is_transient),
    cmocka_unit_test(test_catalog_lines_at_once),
    cmocka_unit_test(test_catalog_deadline),
    cmocka_unit_test(test_lookup_does_not_block_the_loop),
    cmocka_unit_test(test_lookup_deadline),
    cmocka_unit_test(test_unknown_name),
    cmocka_unit_test(test_lookup_off_fiber),
};

TEST_MAIN(tests, group_setup, testdb_group_teardown);
