/*
 * The session: libpq connections driven asynchronously (PQsendQueryPrepared,
 * PQconsumeInput, PQconnectPoll) through io_wait_fd, so that on an API fiber
 * a query waits on the loop and elsewhere (the workers) it polls. A plain
 * session owns one connection; a pooled one (the API's, one per loop) owns
 * a few and lends one to a fiber for one statement or one transaction,
 * queueing the others FIFO. A broken connection is reconnected before its
 * next use; a connection whose query outlived its fiber's deadline is
 * closed (its transaction, if any, rolled back by the server).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "infrastructure/io/io_loop.h"
#include "infrastructure/log/log.h"
#include "infrastructure/postgres/pg_exec.h"

#define PG_PREPARED_MAX	      64
#define PG_LISTEN_MAX	      4
#define PG_CONNECT_TIMEOUT_MS 3000
#define PG_POOL_MAX	      64
#define PG_WAITERS_MAX	      4096
#define PG_NOTIFY_WINDOW_MS   2 /* commits whose NOTIFY share one transaction */
#define PG_NOTIFY_DEADLINE_MS 1000

struct pg_link {
	PGconn *conn; /* NULL: not connected */
	bool in_tx;
	bool lent;
	struct io_fiber *owner; /* pooled: who holds it */
	size_t prepared_count;
	const struct pg_stmt *prepared[PG_PREPARED_MAX];
	size_t listen_count;
	const char *listening[PG_LISTEN_MAX];
};

/* A fiber waiting for a connection of a pooled session. */
struct pg_waiter {
	struct io_fiber *fiber;
	struct pg_link *got;
	struct pg_waiter *next;
};

struct pg_session {
	char *conninfo;
	bool async_commit;
	bool pooled;
	size_t nlinks;
	struct pg_link links[PG_POOL_MAX];
	struct pg_waiter *wait_head, *wait_tail;
	size_t waiting;
	/* pg_notify_soon: payloads waiting for the next notification, and
	 * on a loop the timer that starts the fiber sending them. */
	bool notify_busy;
	size_t notify_count;
	char notify_payload[PG_NOTIFY_MAX][65];
	const char *notify_channel;
	struct io_timer notify_timer;
};

static int statement_timeout_ms;

void pg_session_set_statement_timeout(int ms)
{
	statement_timeout_ms = ms > 0 ? ms : 0;
}

/* Server notices and libpq's own messages go to the log, not raw stderr. */
static void notice_to_log(void *arg, const char *message)
{
	(void)arg;
	log_kv(LOG_WARN, "postgres notice", "detail", message, NULL);
}

static void forget_connection_state(struct pg_link *l)
{
	l->prepared_count = 0;
	l->listen_count = 0;
	l->in_tx = false;
}

static void link_close(struct pg_link *l)
{
	if (l->conn != NULL)
		PQfinish(l->conn);
	l->conn = NULL;
	forget_connection_state(l);
}

/* Waits for the connection's socket; false when the wait failed (deadline,
 * cancelled) and the connection was closed. */
static enum os_status link_wait(struct pg_link *l, int events, int64_t deadline_ms,
				const char *what, struct os_error *err)
{
	enum os_status st = io_wait_fd(PQsocket(l->conn), events, deadline_ms);

	if (st == OS_OK)
		return OS_OK;
	link_close(l);
	return os_fail(err, OS_EUNAVAIL, NULL, "%s: %s", what,
		       st == OS_EUNAVAIL ? "timed out" : "cannot wait for the database");
}

/*
 * What bounds a session the server cannot see end: a relay holds its claim
 * (row locks) in a transaction while it delivers the batch. A relay that
 * freezes, or whose host or network goes, would hold those rows (and every
 * later row of their orders) until the server noticed: never for a frozen
 * process, about two hours for a dead host under the usual kernel
 * keepalive. The server ends a transaction idle for longer than the
 * longest delivery of a batch, and probes an idle connection every few
 * seconds; the rows go back to pending for another relay (at least once:
 * a batch that was in fact delivered is delivered again).
 */
#define PG_IDLE_IN_TX_TIMEOUT_MS (15 * 60 * 1000)
/* A statement whose caller gave up (an API request past its deadline closes
 * the connection) is ended by the server within this many ms, rather than
 * running on, holding a backend and perhaps committing a write its caller
 * was told had failed. */
#define PG_CLIENT_CHECK_MS 1000
#define PG_KEEPALIVE_OPTIONS                                                                       \
	" -c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3"

/* Startup options: async commit, the statement timeout and the bounds
 * above ride in them, so every connection (and reconnection) has them. */
static void startup_options(const struct pg_session *s, char *buf, size_t cap)
{
	/* The API's statements are written for generic plans (index lookups on
	 * keys); planning a custom plan for every execution was 39 % of the
	 * database's CPU per create. A generic plan is made once per session,
	 * from the statistics of that moment: on a table of a few pages (a
	 * catalog of 1,000 items) a scan of every row looks cheaper than the
	 * key's index, and the session would then scan the whole table on every
	 * create until the plan is made again (the next ANALYZE of the table).
	 * Scans are priced out, not forbidden: a statement with no index to use
	 * still runs. */
	int n = snprintf(buf, cap, "%s",
			 s->async_commit ? "-c synchronous_commit=off"
			 : s->pooled ? "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off"
				     : "");

	if (statement_timeout_ms > 0 && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, "%s-c statement_timeout=%d",
			      n > 0 ? " " : "", statement_timeout_ms);
	if (n >= 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n,
			 " -c idle_in_transaction_session_timeout=%d -c "
			 "client_connection_check_interval=%d" PG_KEEPALIVE_OPTIONS,
			 PG_IDLE_IN_TX_TIMEOUT_MS, PG_CLIENT_CHECK_MS);
}

/*
 * Host names of the conninfo are resolved here rather than by libpq, whose
 * PQconnectStart calls getaddrinfo on the caller's thread: on a fiber that
 * would stop the whole loop for as long as the name server takes. On a
 * fiber the lookup runs on a short-lived thread of its own and the fiber
 * waits on an eventfd; elsewhere (the workers) it runs in place. libpq then
 * connects to the numeric addresses (hostaddr), each its own entry of the
 * host list so that it still tries them in turn, with host kept for TLS and
 * the password file.
 */
#define PG_RESOLVE_ADDRS 8 /* addresses kept per host name */
#define PG_RESOLVE_HOSTS 8 /* host names of one conninfo */

struct pg_resolve {
	atomic_int refs; /* the waiting fiber's and the thread's */
	int efd;
	char host[256];
	int rc;
	size_t n;
	char addr[PG_RESOLVE_ADDRS][INET6_ADDRSTRLEN];
};

static void resolve_run(struct pg_resolve *r)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL, *a;
	size_t i;

	r->rc = getaddrinfo(r->host, NULL, &hints, &res);
	for (a = r->rc == 0 ? res : NULL; a != NULL && r->n < PG_RESOLVE_ADDRS; a = a->ai_next) {
		if (getnameinfo(a->ai_addr, a->ai_addrlen, r->addr[r->n], sizeof(r->addr[0]), NULL,
				0, NI_NUMERICHOST) != 0)
			continue;
		for (i = 0; i < r->n && strcmp(r->addr[i], r->addr[r->n]) != 0; i++)
			;
		if (i == r->n)
			r->n++;
	}
	if (res != NULL)
		freeaddrinfo(res);
}

static void resolve_put(struct pg_resolve *r)
{
	if (atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	close(r->efd);
	free(r);
}

static void *resolve_thread(void *arg)
{
	struct pg_resolve *r = arg;
	uint64_t one = 1;

	resolve_run(r);
	if (write(r->efd, &one, sizeof(one)) < 0)
		log_kv(LOG_WARN, "database name lookup: cannot signal", NULL);
	resolve_put(r); /* frees r when the fiber has given up waiting */
	return NULL;
}

/* Starts r's lookup on a detached thread that takes no signals. */
static bool resolve_spawn(struct pg_resolve *r)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	bool ok;

	if (pthread_attr_init(&attr) != 0)
		return false;
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	(void)pthread_attr_setstacksize(&attr, 256u * 1024u);
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	ok = pthread_create(&t, &attr, resolve_thread, r) == 0;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return ok;
}

/* Resolves host into *r (allocated; free it) without blocking a loop. */
static enum os_status resolve_host(const char *host, int64_t deadline, struct pg_resolve **out,
				   struct os_error *err)
{
	struct pg_resolve *r = calloc(1, sizeof(*r));
	enum os_status st = OS_OK;
	uint64_t v;

	*out = NULL;
	if (r == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	snprintf(r->host, sizeof(r->host), "%s", host);
	if (!io_in_fiber()) {
		resolve_run(r);
		*out = r;
		return OS_OK;
	}
	r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	atomic_init(&r->refs, 2);
	if (r->efd < 0 || !resolve_spawn(r)) {
		if (r->efd >= 0)
			close(r->efd);
		free(r);
		return os_fail(err, OS_EUNAVAIL, NULL, "database unreachable: cannot resolve %s",
			       host);
	}
	while (st == OS_OK && read(r->efd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		st = io_wait_fd(r->efd, IO_IN, deadline);
	if (st != OS_OK) {
		resolve_put(r);
		return os_fail(err, OS_EUNAVAIL, NULL, "database unreachable: resolving %s %s",
			       host, st == OS_EUNAVAIL ? "timed out" : "failed");
	}
	/* The thread wrote its result before signalling; it may still hold
	 * its reference for a moment, so the copy out is ours to free. */
	*out = malloc(sizeof(*r));
	if (*out != NULL)
		memcpy(*out, r, sizeof(*r));
	resolve_put(r);
	return *out != NULL ? OS_OK : os_fail(err, OS_ENOMEM, NULL, "out of memory");
}

/* True when libpq will not look host up: empty, a socket path or a
 * numeric address. */
static bool host_is_literal(const char *h)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return h[0] == '\0' || h[0] == '/' || h[0] == '@' || inet_pton(AF_INET, h, buf) == 1 ||
	       inet_pton(AF_INET6, h, buf) == 1;
}

/* The connection's host, hostaddr and port lists with every host name of
 * the conninfo replaced by its addresses. */
struct pg_target {
	bool rewritten; /* false: libpq gets the conninfo as it is */
	struct sbuf host, hostaddr, port;
};

static const char *conninfo_value(const PQconninfoOption *o, const char *key)
{
	for (; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, key) == 0)
			return o->val != NULL ? o->val : "";
	return "";
}

/* The n-th element (0-based) of comma-separated list into buf, "" past
 * its end. */
static void list_elem(const char *list, size_t n, char *buf, size_t cap)
{
	size_t len;

	for (; n > 0 && list != NULL; n--) {
		list = strchr(list, ',');
		list = list != NULL ? list + 1 : NULL;
	}
	len = list != NULL ? strcspn(list, ",") : 0;
	if (len >= cap)
		len = cap - 1;
	memcpy(buf, list != NULL ? list : "", len);
	buf[len] = '\0';
}

static void target_add(struct pg_target *t, const char *host, const char *addr, const char *port,
		       bool first)
{
	if (!first) {
		sbuf_adds(&t->host, ",");
		sbuf_adds(&t->hostaddr, ",");
		sbuf_adds(&t->port, ",");
	}
	sbuf_adds(&t->host, host);
	sbuf_adds(&t->hostaddr, addr);
	sbuf_adds(&t->port, port);
}

static void target_release(struct pg_target *t)
{
	sbuf_release(&t->host);
	sbuf_release(&t->hostaddr);
	sbuf_release(&t->port);
}

static enum os_status target_build(const char *conninfo, int64_t deadline, struct pg_target *t,
				   struct os_error *err)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	const char *hosts, *ports;
	char h[256], port[32];
	struct pg_resolve *r;
	size_t i, j, nhosts = 1, entries = 0;
	bool names = false;
	enum os_status st = OS_OK;

	memset(t, 0, sizeof(*t));
	sbuf_init(&t->host, 16384);
	sbuf_init(&t->hostaddr, 16384);
	sbuf_init(&t->port, 16384);
	if (opts == NULL) /* libpq reports the malformed conninfo itself */
		return OS_OK;
	hosts = conninfo_value(opts, "host");
	ports = conninfo_value(opts, "port");
	for (i = 0; hosts[i] != '\0'; i++)
		nhosts += hosts[i] == ',';
	for (i = 0; i < nhosts && i < PG_RESOLVE_HOSTS; i++) {
		list_elem(hosts, i, h, sizeof(h));
		names = names || !host_is_literal(h);
	}
	if (!names || conninfo_value(opts, "hostaddr")[0] != '\0' || nhosts > PG_RESOLVE_HOSTS)
		goto out;
	for (i = 0; i < nhosts && st == OS_OK; i++) {
		list_elem(hosts, i, h, sizeof(h));
		/* One port for all hosts, or one per host. */
		list_elem(ports, strchr(ports, ',') != NULL ? i : 0, port, sizeof(port));
		if (host_is_literal(h)) {
			target_add(t, h, "", port, entries++ == 0);
			continue;
		}
		st = resolve_host(h, deadline, &r, err);
		for (j = 0; st == OS_OK && j < r->n; j++)
			target_add(t, h, r->addr[j], port, entries++ == 0);
		if (st == OS_OK && r->n == 0)
			log_kv(LOG_WARN, "database host name not resolved", "host", h, "detail",
			       gai_strerror(r->rc), NULL);
		free(r);
	}
	if (st == OS_OK && entries == 0)
		st = os_fail(err, OS_EUNAVAIL, NULL, "database unreachable: cannot resolve %s",
			     hosts);
	else if (st == OS_OK && !(sbuf_ok(&t->host) && sbuf_ok(&t->hostaddr) && sbuf_ok(&t->port)))
		st = os_fail(err, OS_ENOMEM, NULL, "out of memory");
	t->rewritten = st == OS_OK;
out:
	PQconninfoFree(opts);
	return st;
}

/* Connects l without blocking: PQconnectPoll driven by io_wait_fd. */
static enum os_status link_connect(struct pg_session *s, struct pg_link *l, struct os_error *err)
{
	/* connect_timeout and the keepalives first: an expanded conninfo that
	 * sets them wins; the resolved host lists last, so that they win over
	 * the conninfo's. The keepalives let this side notice a server that is
	 * gone while it waits. */
	const char *keys[] = {"connect_timeout",
			      "keepalives_idle",
			      "keepalives_interval",
			      "keepalives_count",
			      "options",
			      "dbname",
			      "host",
			      "hostaddr",
			      "port",
			      NULL};
	char options[320];
	const char *vals[] = {"3", "30", "10", "3", options, s->conninfo, NULL, NULL, NULL, NULL};
	int64_t deadline = io_now_ms() + PG_CONNECT_TIMEOUT_MS;
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	struct pg_target t;
	enum os_status st;

	if (l->conn != NULL && PQstatus(l->conn) == CONNECTION_OK)
		return OS_OK;
	link_close(l);
	startup_options(s, options, sizeof(options));
	st = target_build(s->conninfo, deadline, &t, err);
	if (st != OS_OK) {
		target_release(&t);
		return st;
	}
	if (t.rewritten) {
		vals[6] = t.host.buf;
		vals[7] = t.hostaddr.buf;
		vals[8] = t.port.buf;
	}
	l->conn = PQconnectStartParams(keys, vals, 1);
	target_release(&t);
	if (l->conn == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	PQsetNoticeProcessor(l->conn, notice_to_log, NULL);
	if (PQstatus(l->conn) == CONNECTION_BAD)
		goto bad;
	while (ps != PGRES_POLLING_OK) {
		if (ps == PGRES_POLLING_FAILED)
			goto bad;
		st = link_wait(l, ps == PGRES_POLLING_READING ? IO_IN : IO_OUT, deadline,
			       "database unreachable", err);
		if (st != OS_OK)
			return st;
		ps = PQconnectPoll(l->conn);
	}
	if (PQsetnonblocking(l->conn, 1) != 0)
		goto bad;
	return OS_OK;
bad:
	st = os_fail(err, OS_EUNAVAIL, NULL, "database unreachable: %s", PQerrorMessage(l->conn));
	link_close(l);
	return st;
}

static enum os_status session_new(const char *conninfo, bool async_commit, size_t nlinks,
				  struct pg_session **out, struct os_error *err)
{
	struct pg_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	s->conninfo = strdup(conninfo);
	if (s->conninfo == NULL) {
		free(s);
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	}
	s->async_commit = async_commit;
	s->nlinks = nlinks;
	*out = s;
	return OS_OK;
}

static enum os_status session_open(const char *conninfo, bool async_commit, struct pg_session **out,
				   struct os_error *err)
{
	struct pg_session *s = NULL;
	enum os_status st = session_new(conninfo, async_commit, 1, &s, err);

	if (st != OS_OK)
		return st;
	st = link_connect(s, &s->links[0], err);
	if (st != OS_OK) {
		pg_session_free(s);
		return st;
	}
	*out = s;
	return OS_OK;
}

enum os_status pg_session_open(const char *conninfo, struct pg_session **out, struct os_error *err)
{
	return session_open(conninfo, false, out, err);
}

enum os_status pg_session_open_async_commit(const char *conninfo, struct pg_session **out,
					    struct os_error *err)
{
	return session_open(conninfo, true, out, err);
}

enum os_status pg_session_open_pool(const char *conninfo, size_t size, struct pg_session **out,
				    struct os_error *err)
{
	struct pg_session *s = NULL;
	enum os_status st;

	if (size < 1 || size > PG_POOL_MAX)
		return os_fail(err, OS_EINVAL, "DB_POOL_SIZE", "must be 1..%d per loop",
			       PG_POOL_MAX);
	st = session_new(conninfo, false, size, &s, err);
	if (st != OS_OK)
		return st;
	s->pooled = true;
	*out = s;
	return OS_OK;
}

void pg_session_free(struct pg_session *s)
{
	size_t i;

	if (s == NULL)
		return;
	/* Notifications still waiting are dropped: the relays poll as well. */
	if (s->notify_timer.at_ms != 0)
		io_timer_stop(&s->notify_timer);
	for (i = 0; i < s->nlinks; i++)
		link_close(&s->links[i]);
	free(s->conninfo);
	free(s);
}

void pg_session_stats(const struct pg_session *s, size_t *lent, size_t *waiting)
{
	size_t i, n = 0;

	for (i = 0; i < s->nlinks; i++)
		n += s->links[i].lent;
	*lent = n;
	*waiting = s->waiting;
}

/* ------------------------------------------------------------ the pool */

/* The link the running fiber holds (a transaction), or NULL. */
static struct pg_link *held_link(struct pg_session *s)
{
	struct io_fiber *me = io_fiber_self();
	size_t i;

	if (!s->pooled)
		return &s->links[0];
	for (i = 0; i < s->nlinks; i++)
		if (s->links[i].lent && s->links[i].owner == me)
			return &s->links[i];
	return NULL;
}

static struct pg_link *free_link(struct pg_session *s)
{
	size_t i;

	/* A connected one first: reconnecting is the slow path. */
	for (i = 0; i < s->nlinks; i++)
		if (!s->links[i].lent && s->links[i].conn != NULL)
			return &s->links[i];
	for (i = 0; i < s->nlinks; i++)
		if (!s->links[i].lent)
			return &s->links[i];
	return NULL;
}

static void waiter_remove(struct pg_session *s, struct pg_waiter *w)
{
	struct pg_waiter **pp;

	for (pp = &s->wait_head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			s->waiting--;
			break;
		}
	}
	s->wait_tail = NULL;
	for (w = s->wait_head; w != NULL; w = w->next)
		s->wait_tail = w;
}

/* Hands l back: to the first waiter, or to the free set. A link that
 * still has a transaction (its holder gave up) is closed first. */
static void link_release(struct pg_session *s, struct pg_link *l)
{
	struct pg_waiter *w = s->wait_head;

	if (!s->pooled)
		return;
	if (l->in_tx)
		link_close(l);
	if (w == NULL) {
		l->lent = false;
		l->owner = NULL;
		return;
	}
	s->wait_head = w->next;
	if (s->wait_head == NULL)
		s->wait_tail = NULL;
	s->waiting--;
	w->got = l;
	l->owner = w->fiber;
	io_wake(w->fiber);
}

/* Lends a link to the running fiber, queueing FIFO behind earlier ones
 * (bounded by the fiber's deadline). */
static enum os_status link_acquire(struct pg_session *s, struct pg_link **out, struct os_error *err)
{
	struct pg_waiter w = {.fiber = io_fiber_self()};
	struct pg_link *l = s->wait_head == NULL ? free_link(s) : NULL;

	if (l != NULL) {
		l->lent = true;
		l->owner = w.fiber;
		*out = l;
		return OS_OK;
	}
	if (w.fiber == NULL || s->waiting >= PG_WAITERS_MAX)
		return os_fail(err, OS_EUNAVAIL, NULL, "no database session free");
	if (s->wait_tail)
		s->wait_tail->next = &w;
	else
		s->wait_head = &w;
	s->wait_tail = &w;
	s->waiting++;
	(void)io_park(0);
	if (w.got == NULL) {
		waiter_remove(s, &w);
		return os_fail(err, OS_EUNAVAIL, NULL, "timed out waiting for a database session");
	}
	*out = w.got;
	return OS_OK;
}

/* ---------------------------------------------------------- statements */

/* Classifies a failed result (or a NULL one) into a status with detail. */
static enum os_status fail_from(struct pg_link *l, const PGresult *r, const char *what,
				struct os_error *err)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : l->conn ? PQerrorMessage(l->conn) : NULL;
	enum os_status st = OS_EIO;

	if (l->conn == NULL || PQstatus(l->conn) != CONNECTION_OK || state == NULL ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		st = OS_EUNAVAIL;
	else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
		 strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0 ||
		 strncmp(state, "53", 2) == 0)
		/* Deadlock, serialization; a statement or lock timeout; the
		 * server out of a resource: worth another try (the API answers
		 * 503 with Retry-After), not an internal error. */
		st = OS_EAGAIN;
	else if (strcmp(state, "23505") == 0 || strcmp(state, "23514") == 0)
		st = OS_ECONFLICT;
	if (st == OS_EUNAVAIL)
		forget_connection_state(l);
	return os_fail(err, st, NULL, "%s: %s", what, msg && msg[0] ? msg : "no detail");
}

/* Sends what libpq buffered. */
static enum os_status link_flush(struct pg_link *l, const char *what, struct os_error *err)
{
	int rc;
	enum os_status st;

	while ((rc = PQflush(l->conn)) == 1) {
		st = link_wait(l, IO_IN | IO_OUT, 0, what, err);
		if (st != OS_OK)
			return st;
		if (!PQconsumeInput(l->conn))
			return fail_from(l, NULL, what, err);
	}
	return rc == 0 ? OS_OK : fail_from(l, NULL, what, err);
}

static bool result_ok(const PGresult *r)
{
	ExecStatusType rs = PQresultStatus(r);

	return rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK;
}

/*
 * Reads the results of the statement sent, to the end. The first is kept in
 * *out, unless a later one is an error: outside a transaction a statement
 * commits after its own result (at the Sync), so an error then (a deferred
 * constraint, a commit that failed) is the statement's outcome. A
 * connection lost before the end leaves the outcome unknown: OS_EUNAVAIL,
 * never a success the server may not have committed.
 */
static enum os_status link_results(struct pg_link *l, const char *what, PGresult **out,
				   struct os_error *err)
{
	PGresult *keep = NULL, *r;
	enum os_status st = link_flush(l, what, err);

	if (st != OS_OK)
		return st;
	for (;;) {
		while (PQisBusy(l->conn)) {
			st = link_wait(l, IO_IN, 0, what, err);
			if (st != OS_OK)
				goto fail;
			if (!PQconsumeInput(l->conn))
				goto lost;
		}
		r = PQgetResult(l->conn);
		if (r == NULL)
			break;
		if (keep == NULL || (result_ok(keep) && !result_ok(r))) {
			PQclear(keep);
			keep = r;
		} else {
			PQclear(r);
		}
		if (PQstatus(l->conn) != CONNECTION_OK)
			goto lost;
	}
	*out = keep;
	return OS_OK;
lost:
	st = fail_from(l, keep != NULL && !result_ok(keep) ? keep : NULL, what, err);
fail:
	PQclear(keep);
	return st;
}

/* Runs one sent statement to its result; *out on success (out NULL: the
 * result is cleared). */
static enum os_status link_finish(struct pg_link *l, bool sent, const char *what, PGresult **out,
				  struct os_error *err)
{
	PGresult *r = NULL;
	ExecStatusType rs;
	enum os_status st;

	if (!sent)
		return fail_from(l, NULL, what, err);
	st = link_results(l, what, &r, err);
	if (st != OS_OK)
		return st;
	rs = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
		st = fail_from(l, r, what, err);
		PQclear(r);
		return st;
	}
	if (out != NULL)
		*out = r;
	else
		PQclear(r);
	return OS_OK;
}

static bool is_prepared(const struct pg_link *l, const struct pg_stmt *st)
{
	size_t i;

	for (i = 0; i < l->prepared_count; i++)
		if (l->prepared[i] == st)
			return true;
	return false;
}

static enum os_status prepare(struct pg_link *l, const struct pg_stmt *st, struct os_error *err)
{
	enum os_status rc;

	if (is_prepared(l, st))
		return OS_OK;
	if (l->prepared_count == PG_PREPARED_MAX)
		return os_fail(err, OS_EIO, NULL, "too many prepared statements");
	rc = link_finish(l, PQsendPrepare(l->conn, st->name, st->sql, st->nparams, NULL) == 1,
			 st->name, NULL, err);
	if (rc == OS_OK)
		l->prepared[l->prepared_count++] = st;
	return rc;
}

/* Runs st once on l (connecting it first when it has no connection);
 * *sent tells whether the statement itself was handed to the server. */
static enum os_status exec_once(struct pg_session *s, struct pg_link *l, const struct pg_stmt *st,
				const struct pg_params *p, PGresult **out, bool *sent,
				struct os_error *err)
{
	enum os_status rc;

	if (l->conn == NULL || PQstatus(l->conn) != CONNECTION_OK) {
		/* A transaction does not survive its connection. */
		if (l->in_tx)
			return os_fail(err, OS_EUNAVAIL, NULL, "database connection lost");
		rc = link_connect(s, l, err);
		if (rc != OS_OK)
			return rc;
	}
	rc = prepare(l, st, err);
	if (rc != OS_OK)
		return rc;
	*sent = PQsendQueryPrepared(l->conn, st->name, p ? p->n : 0, p ? p->values : NULL,
				    p ? p->lengths : NULL, p ? p->formats : NULL, 0) == 1;
	return link_finish(l, *sent, st->name, out, err);
}

/* Runs st on l. Outside a transaction, a connection lost on the way is
 * made again and st run once more when that loses nothing: st never
 * reached the server, or running it twice is harmless (twice_ok). */
static enum os_status link_exec(struct pg_session *s, struct pg_link *l, const struct pg_stmt *st,
				const struct pg_params *p, bool twice_ok, PGresult **out,
				struct os_error *err)
{
	bool in_tx = l->in_tx, sent = false;
	enum os_status rc = exec_once(s, l, st, p, out, &sent, err);

	if (rc == OS_EUNAVAIL && !in_tx && (!sent || twice_ok) && !io_fiber_expired() &&
	    (l->conn == NULL || PQstatus(l->conn) != CONNECTION_OK))
		rc = exec_once(s, l, st, p, out, &sent, err);
	return rc;
}

static enum os_status session_exec(struct pg_session *s, const struct pg_stmt *st,
				   const struct pg_params *p, bool twice_ok, PGresult **out,
				   struct os_error *err)
{
	struct pg_link *l = held_link(s);
	enum os_status rc;

	if (l != NULL)
		return link_exec(s, l, st, p, twice_ok, out, err);
	/* Pooled, outside a transaction: a connection for this statement. */
	rc = link_acquire(s, &l, err);
	if (rc != OS_OK)
		return rc;
	rc = link_exec(s, l, st, p, twice_ok, out, err);
	link_release(s, l);
	return rc;
}

enum os_status pg_exec(struct pg_session *s, const struct pg_stmt *st, const struct pg_params *p,
		       PGresult **out, struct os_error *err)
{
	return session_exec(s, st, p, true, out, err);
}

enum os_status pg_exec_once(struct pg_session *s, const struct pg_stmt *st,
			    const struct pg_params *p, PGresult **out, struct os_error *err)
{
	return session_exec(s, st, p, false, out, err);
}

enum os_status pg_exec_cmd(struct pg_session *s, const struct pg_stmt *st,
			   const struct pg_params *p, struct os_error *err)
{
	PGresult *r = NULL;
	enum os_status rc = pg_exec(s, st, p, &r, err);

	PQclear(r);
	return rc;
}

static const struct pg_stmt stmt_begin = {"os_begin", "BEGIN", 0};
static const struct pg_stmt stmt_commit = {"os_commit", "COMMIT", 0};
static const struct pg_stmt stmt_rollback = {"os_rollback", "ROLLBACK", 0};
static const struct pg_stmt stmt_ping = {"os_ping", "SELECT 1", 0};
static const struct pg_stmt stmt_savepoint = {"os_savepoint", "SAVEPOINT os_work", 0};
static const struct pg_stmt stmt_release = {"os_release", "RELEASE SAVEPOINT os_work", 0};
static const struct pg_stmt stmt_rollback_to = {
    "os_rollback_to",
    "ROLLBACK TO SAVEPOINT os_work",
    0,
};

/* A pooled session lends the connection for the whole transaction: from
 * BEGIN to COMMIT or ROLLBACK it is the fiber's. */
enum os_status pg_begin(struct pg_session *s, struct os_error *err)
{
	struct pg_link *l = held_link(s);
	PGresult *r = NULL;
	enum os_status rc;

	if (l == NULL) {
		rc = link_acquire(s, &l, err);
		if (rc != OS_OK)
			return rc;
	}
	rc = link_exec(s, l, &stmt_begin, NULL, true, &r, err);
	PQclear(r);
	if (rc == OS_OK) {
		l->in_tx = true;
		return OS_OK;
	}
	link_release(s, l);
	return rc;
}

enum os_status pg_commit(struct pg_session *s, struct os_error *err)
{
	struct pg_link *l = held_link(s);
	enum os_status rc;

	if (l == NULL)
		return os_fail(err, OS_EIO, NULL, "commit without a transaction");
	rc = pg_exec_cmd(s, &stmt_commit, NULL, err);
	l->in_tx = false;
	link_release(s, l);
	return rc;
}

void pg_rollback(struct pg_session *s)
{
	struct pg_link *l = held_link(s);

	if (l == NULL)
		return;
	if (l->in_tx && l->conn != NULL && PQstatus(l->conn) == CONNECTION_OK)
		(void)pg_exec_cmd(s, &stmt_rollback, NULL, NULL);
	l->in_tx = false;
	link_release(s, l);
}

bool pg_in_tx(const struct pg_session *s)
{
	struct pg_link *l = held_link((struct pg_session *)s);

	return l != NULL && l->in_tx;
}

enum os_status pg_savepoint(struct pg_session *s, struct os_error *err)
{
	return pg_exec_cmd(s, &stmt_savepoint, NULL, err);
}

enum os_status pg_savepoint_release(struct pg_session *s, struct os_error *err)
{
	return pg_exec_cmd(s, &stmt_release, NULL, err);
}

/* ROLLBACK TO keeps the savepoint; releasing it too keeps the next
 * pg_savepoint from nesting inside it. */
enum os_status pg_savepoint_undo(struct pg_session *s, struct os_error *err)
{
	enum os_status rc = pg_exec_cmd(s, &stmt_rollback_to, NULL, err);

	return rc == OS_OK ? pg_savepoint_release(s, err) : rc;
}

bool pg_row_fault(enum os_status st)
{
	return st != OS_OK && st != OS_EUNAVAIL && st != OS_EAGAIN && st != OS_ENOMEM;
}

enum os_status pg_session_ping(struct pg_session *s, struct os_error *err)
{
	enum os_status rc = pg_exec_cmd(s, &stmt_ping, NULL, err);

	/* Readiness only asks "does it answer": any failure is unavailability. */
	return rc == OS_OK ? OS_OK : OS_EUNAVAIL;
}

static bool is_listening(const struct pg_link *l, const char *channel)
{
	size_t i;

	for (i = 0; i < l->listen_count; i++)
		if (strcmp(l->listening[i], channel) == 0)
			return true;
	return false;
}

/* LISTEN takes an identifier, not a parameter; channel is one of our own
 * constants, never input. */
static enum os_status listen_on(struct pg_link *l, const char *channel, struct os_error *err)
{
	char sql[64];
	enum os_status rc;

	if (is_listening(l, channel))
		return OS_OK;
	if (l->listen_count == PG_LISTEN_MAX)
		return os_fail(err, OS_EIO, NULL, "too many channels");
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	rc = link_finish(l, PQsendQuery(l->conn, sql) == 1, "listen", NULL, err);
	if (rc == OS_OK)
		l->listening[l->listen_count++] = channel;
	return rc;
}

/* Takes every queued notification; true when one was for channel. */
static bool drain_notifies(struct pg_link *l, const char *channel)
{
	PGnotify *n;
	bool hit = false;

	while ((n = PQnotifies(l->conn)) != NULL) {
		if (strcmp(n->relname, channel) == 0)
			hit = true;
		PQfreemem(n);
	}
	return hit;
}

/* Plain sessions only (the workers): a pooled one has no connection of its
 * own to listen on. */
enum os_status pg_wait(struct pg_session *s, const char *channel, int timeout_ms,
		       struct os_error *err)
{
	struct pg_link *l = &s->links[0];
	struct pollfd pfd;
	enum os_status rc = OS_OK;

	if (s->pooled)
		return os_fail(err, OS_EINVAL, NULL, "pg_wait on a pooled session");
	if (l->conn == NULL || PQstatus(l->conn) != CONNECTION_OK)
		rc = link_connect(s, l, err);
	if (rc == OS_OK)
		rc = listen_on(l, channel, err);
	if (rc != OS_OK)
		return rc;
	if (drain_notifies(l, channel))
		return OS_OK;
	pfd.fd = PQsocket(l->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, timeout_ms) < 0)
		return errno == EINTR ? OS_OK : os_fail(err, OS_EIO, NULL, "poll failed");
	if (pfd.revents == 0)
		return OS_OK;
	if (!PQconsumeInput(l->conn) || PQstatus(l->conn) != CONNECTION_OK) {
		forget_connection_state(l);
		return os_fail(err, OS_EUNAVAIL, NULL, "database connection lost: %s",
			       PQerrorMessage(l->conn));
	}
	(void)drain_notifies(l, channel);
	return OS_OK;
}

static const struct pg_stmt stmt_notify = {
    "os_notify",
    "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, d) "
    "FROM unnest($2::text[]) AS d",
    2,
};

static void notify_add(struct pg_session *s, const char *payload)
{
	size_t i;

	if (strlen(payload) >= sizeof(s->notify_payload[0]))
		return;
	for (i = 0; i < s->notify_count; i++)
		if (strcmp(s->notify_payload[i], payload) == 0)
			return;
	if (s->notify_count < PG_NOTIFY_MAX)
		snprintf(s->notify_payload[s->notify_count++], sizeof(s->notify_payload[0]), "%s",
			 payload);
}

/* Sends the waiting payloads as one statement and forgets them. */
static void notify_send(struct pg_session *s, const char *channel)
{
	struct pg_params p;
	struct sbuf arr;
	size_t i;

	sbuf_init(&arr, 4096);
	pg_array_begin(&arr);
	for (i = 0; i < s->notify_count; i++)
		pg_array_elem(&arr, s->notify_payload[i]);
	pg_array_end(&arr);
	s->notify_count = 0;
	pg_params_init(&p);
	pg_params_text(&p, channel);
	pg_params_text(&p, arr.buf);
	if (sbuf_ok(&arr))
		(void)pg_exec_cmd(s, &stmt_notify, &p, NULL);
	sbuf_release(&arr);
}

/* Runs on a fiber of its own: sends what waits; what arrives meanwhile
 * goes a window later, so a loop sends at most one per window. */
static void notify_fiber(void *arg)
{
	struct pg_session *s = arg;

	notify_send(s, s->notify_channel);
	s->notify_busy = false;
	if (s->notify_count > 0)
		io_timer_start(&s->notify_timer, io_now_ms() + PG_NOTIFY_WINDOW_MS);
}

/* The window has passed: a fiber sends the batch, so that no request waits
 * for it. Without a free fiber, it tries again a window later. */
static void notify_due(struct io_timer *t)
{
	struct pg_session *s =
	    (struct pg_session *)((char *)t - offsetof(struct pg_session, notify_timer));

	s->notify_busy = true;
	if (io_fiber_start(io_loop_current(), notify_fiber, s, io_now_ms() + PG_NOTIFY_DEADLINE_MS,
			   NULL) != OS_OK) {
		s->notify_busy = false;
		io_timer_start(t, io_now_ms() + PG_NOTIFY_WINDOW_MS);
	}
}

void pg_notify_soon(struct pg_session *s, const char *channel, const char *const *payloads,
		    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		notify_add(s, payloads[i]);
	s->notify_channel = channel;
	if (s->notify_busy || s->notify_timer.at_ms != 0 || s->notify_count == 0)
		return; /* the batch on its way or due soon takes these too */
	if (io_in_fiber()) {
		/* One transaction per loop and window rather than one per
		 * commit, off the request's path. */
		s->notify_timer.cb = notify_due;
		io_timer_start(&s->notify_timer, io_now_ms() + PG_NOTIFY_WINDOW_MS);
		return;
	}
	s->notify_busy = true;
	for (i = 0; i < 3 && s->notify_count > 0; i++)
		notify_send(s, channel);
	s->notify_busy = false;
}
