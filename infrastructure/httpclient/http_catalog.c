/*
 * The HTTP catalog client. Every answer is hostile until checked: bounded
 * size, bounded depth, exact types, price parsed from the number's own text
 * (never through a double). Anything but a clean 200 or a 404 is "catalog
 * unavailable", so that a broken catalog never reads as an unknown item.
 *
 * On an API fiber the requests go through one curl multi handle per
 * catalog (one catalog per loop), whose sockets and timer are watched by
 * the loop (infrastructure/io): the fiber waits, the loop does not, and the
 * lines of one order are asked for at once. Elsewhere a blocking easy
 * handle does the same work.
 */
#include "infrastructure/httpclient/http_catalog.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "domain/decimal.h"
#include "domain/money.h"
#include "infrastructure/httpclient/http_curl.h"
#include "infrastructure/io/io_loop.h"
#include "infrastructure/json/json_tree.h"

#define CATALOG_DEFAULT_TIMEOUT_MS 2000
#define CATALOG_QTY_DIGITS_MAX	   18
#define CATALOG_PARALLEL_MAX	   16 /* transfers of one batch at once */
#define CATALOG_IDLE_MAX	   32 /* transfers kept for reuse */

struct http_catalog;

/* One GET: its easy handle and its answer. Reused across lookups. */
struct catalog_xfer {
	struct http_catalog *owner;
	CURL *easy;
	struct io_fiber *fiber; /* waiting for it (multi mode) */
	bool running, done;
	CURLcode rc;
	char body[HTTP_CATALOG_BODY_MAX + 1];
	size_t body_len;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
	struct catalog_xfer *next_idle;
};

/* A socket of the multi handle, watched by the loop. */
struct catalog_sock {
	struct io_watch watch; /* first */
	struct http_catalog *c;
	curl_socket_t fd;
};

struct http_catalog {
	struct curl_slist *headers;
	char *base_url; /* the configured URL without its trailing slashes, then '/' */
	int timeout_ms;
	CURLM *multi; /* made on the loop's thread at first use */
	struct io_timer timer;
	struct catalog_xfer *idle;
	size_t idle_count;
};

/* Collects the answer; refusing the excess ends the transfer early. */
static size_t catalog_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct catalog_xfer *c = arg;
	size_t n = size * nmemb;

	if (n > HTTP_CATALOG_BODY_MAX - c->body_len) {
		c->too_big = true;
		return 0;
	}
	memcpy(c->body + c->body_len, p, n);
	c->body_len += n;
	return n;
}

static enum os_status catalog_build_url(struct http_catalog *c, CURL *easy, const char *item_id,
					char *url, struct os_error *err)
{
	char *esc = curl_easy_escape(easy, item_id, 0);
	int n;

	if (esc == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "cannot escape item id");
	n = snprintf(url, HTTP_CATALOG_URL_MAX, "%s%s", c->base_url, esc);
	curl_free(esc);
	if (n < 0 || n >= HTTP_CATALOG_URL_MAX)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog URL too long");
	return OS_OK;
}

/* What a finished transfer came to; on OS_OK *status is the HTTP status
 * and x->body the answer. */
static enum os_status catalog_outcome(struct http_catalog *c, struct catalog_xfer *x, CURLcode rc,
				      long *status, struct os_error *err)
{
	if (x->too_big)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog answer larger than %d bytes",
			       HTTP_CATALOG_BODY_MAX);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog timeout after %d ms",
			       c->timeout_ms);
	if (rc != CURLE_OK)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog unreachable: %s",
			       x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
	x->body[x->body_len] = '\0';
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, status);
	return OS_OK;
}

static void xfer_reset(struct catalog_xfer *x)
{
	x->body_len = 0;
	x->too_big = false;
	x->errbuf[0] = '\0';
	x->done = false;
	x->running = false;
	x->rc = CURLE_OK;
}

/* ------------------------------------------------------ multi on the loop */

static void multi_check_done(struct http_catalog *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
		struct catalog_xfer *x = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x == NULL)
			continue;
		x->rc = m->data.result;
		x->done = true;
		if (x->fiber)
			io_wake(x->fiber);
	}
}

static void multi_on_socket(struct io_watch *w, int events)
{
	struct catalog_sock *cs = (struct catalog_sock *)w;
	struct http_catalog *c = cs->c;
	int running = 0, flags = 0;

	if (events & IO_IN)
		flags |= CURL_CSELECT_IN;
	if (events & IO_OUT)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, cs->fd, flags, &running);
	multi_check_done(c);
}

static void multi_on_timer(struct io_timer *t)
{
	struct http_catalog *c =
	    (struct http_catalog *)((char *)t - offsetof(struct http_catalog, timer));
	int running = 0;

	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	multi_check_done(c);
}

/* CURLMOPT_SOCKETFUNCTION: curl says which socket it wants watched. */
static int multi_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http_catalog *c = userp;
	struct catalog_sock *cs = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (cs != NULL) {
			io_watch_set(&cs->watch, fd, 0);
			curl_multi_assign(c->multi, fd, NULL);
			free(cs);
		}
		return 0;
	}
	if (cs == NULL) {
		cs = calloc(1, sizeof(*cs));
		if (cs == NULL)
			return -1;
		cs->watch.cb = multi_on_socket;
		cs->c = c;
		cs->fd = fd;
		curl_multi_assign(c->multi, fd, cs);
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= IO_IN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= IO_OUT;
	return io_watch_set(&cs->watch, fd, events) == OS_OK ? 0 : -1;
}

/* CURLMOPT_TIMERFUNCTION: curl's next timeout; acted on from the loop. */
static int multi_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_catalog *c = userp;

	(void)multi;
	if (timeout_ms < 0)
		io_timer_stop(&c->timer);
	else
		io_timer_start(&c->timer, io_now_ms() + timeout_ms);
	return 0;
}

static enum os_status multi_setup(struct http_catalog *c, struct os_error *err)
{
	if (c->multi != NULL)
		return OS_OK;
	c->multi = curl_multi_init();
	if (c->multi == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "cannot create a curl multi handle");
	c->timer.cb = multi_on_timer;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, multi_socket_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
	return OS_OK;
}

/* ------------------------------------------------------------- transfers */

static struct catalog_xfer *xfer_take(struct http_catalog *c)
{
	struct catalog_xfer *x = c->idle;

	if (x != NULL) {
		c->idle = x->next_idle;
		c->idle_count--;
		xfer_reset(x);
		return x;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	x->owner = c;
	x->easy =
	    http_curl_easy((long)c->timeout_ms, (long)c->timeout_ms, catalog_write, x, x->errbuf);
	if (x->easy == NULL) {
		free(x);
		return NULL;
	}
	curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, c->headers);
	xfer_reset(x);
	return x;
}

static void xfer_free(struct catalog_xfer *x)
{
	curl_easy_cleanup(x->easy);
	free(x);
}

static void xfer_put(struct http_catalog *c, struct catalog_xfer *x)
{
	if (x->running)
		curl_multi_remove_handle(c->multi, x->easy);
	x->running = false;
	x->fiber = NULL;
	if (c->idle_count >= CATALOG_IDLE_MAX) {
		xfer_free(x);
		return;
	}
	x->next_idle = c->idle;
	c->idle = x;
	c->idle_count++;
}

/* Starts the GET of item_id on x: in the multi (fiber) or not at all
 * (blocking mode runs it in catalog_finish). */
static enum os_status xfer_start(struct http_catalog *c, struct catalog_xfer *x,
				 const char *item_id, bool fiber, struct os_error *err)
{
	char url[HTTP_CATALOG_URL_MAX];
	enum os_status st = catalog_build_url(c, x->easy, item_id, url, err);

	if (st != OS_OK)
		return st;
	curl_easy_setopt(x->easy, CURLOPT_URL, url);
	if (!fiber)
		return OS_OK;
	x->fiber = io_fiber_self();
	if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog: cannot start a transfer");
	x->running = true;
	return OS_OK;
}

/* Waits for the started transfers xs[0..n) (fiber) until each is done or
 * the fiber's deadline passes. */
static void xfers_wait(struct catalog_xfer **xs, size_t n)
{
	size_t i;

	for (;;) {
		bool all = true;

		for (i = 0; i < n; i++)
			all = all && (xs[i] == NULL || !xs[i]->running || xs[i]->done);
		if (all || io_park(0) != OS_OK)
			return;
	}
}

/* The text of v when it is a string (or a number, when !string) of 1..max
 * bytes; NULL otherwise. */
static const char *catalog_text(yajl_val v, bool string, size_t max, size_t *len)
{
	const char *s;

	if (string ? !YAJL_IS_STRING(v) : !YAJL_IS_NUMBER(v))
		return NULL;
	s = string ? YAJL_GET_STRING(v) : YAJL_GET_NUMBER(v);
	*len = strlen(s);
	return *len == 0 || *len > max ? NULL : s;
}

/* A non-negative integer from the number's text: digits only. */
static bool catalog_parse_qty(yajl_val v, int64_t *out)
{
	size_t len;
	const char *s = catalog_text(v, false, CATALOG_QTY_DIGITS_MAX, &len);

	return s != NULL && decimal_parse(s, len, 0, INT64_MAX, out);
}

/* Price as "350.00" or 350.00: either way the text goes to money_parse. */
static bool catalog_parse_price(yajl_val v, int64_t *out)
{
	const char *s;

	if (YAJL_IS_STRING(v))
		s = YAJL_GET_STRING(v);
	else if (YAJL_IS_NUMBER(v))
		s = YAJL_GET_NUMBER(v);
	else
		return false;
	return money_parse(s, strlen(s), out) == OS_OK;
}

static bool catalog_parse_name(yajl_val v, char *out)
{
	size_t i, len;
	const char *s = catalog_text(v, true, ORDER_ITEM_NAME_MAX, &len);

	if (s == NULL)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	memcpy(out, s, len + 1);
	return true;
}

static enum os_status catalog_decode(const struct catalog_xfer *c, struct catalog_item *out,
				     struct os_error *err)
{
	return http_catalog_decode(c->body, c->body_len, out, err);
}

enum os_status http_catalog_decode(const char *body, size_t len, struct catalog_item *out,
				   struct os_error *err)
{
	struct catalog_item item;
	struct os_error perr;
	enum os_status st;
	yajl_val root = NULL, id;

	os_error_clear(&perr);
	st = json_tree_parse(&json_limits_catalog, body, len, &root, &perr);
	if (st != OS_OK) {
		st = os_fail(err, OS_EUNAVAIL, NULL, "catalog answer: %s", perr.message);
		goto out;
	}
	st = OS_EUNAVAIL;
	id = json_tree_member(root, "id");
	if (!YAJL_IS_STRING(id) && !YAJL_IS_INTEGER(id)) {
		os_fail(err, st, NULL, "catalog answer: id missing or not a string");
		goto out;
	}
	if (!catalog_parse_name(json_tree_member(root, "name"), item.name)) {
		os_fail(err, st, NULL, "catalog answer: bad name");
		goto out;
	}
	if (!catalog_parse_price(json_tree_member(root, "price"), &item.price_cents)) {
		os_fail(err, st, NULL, "catalog answer: bad price");
		goto out;
	}
	if (!catalog_parse_qty(json_tree_member(root, "available_qty"), &item.available_qty)) {
		os_fail(err, st, NULL, "catalog answer: bad available_qty");
		goto out;
	}
	*out = item;
	st = OS_OK;
out:
	yajl_tree_free(root);
	return st;
}

/* The answer of a finished (or abandoned) transfer for item_id. */
static enum os_status xfer_result(struct http_catalog *c, struct catalog_xfer *x,
				  const char *item_id, bool fiber, struct catalog_item *out,
				  struct os_error *err)
{
	enum os_status st;
	long status = 0;

	if (fiber && !x->done)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog: no answer before the deadline");
	st = catalog_outcome(c, x, x->rc, &status, err);
	if (st != OS_OK)
		return st;
	if (status == 404)
		return os_fail(err, OS_ENOTFOUND, "item_id", "item %s not found", item_id);
	if (status != 200)
		return os_fail(err, OS_EUNAVAIL, NULL, "catalog answered HTTP %ld", status);
	return catalog_decode(x, out, err);
}

/* Multi mode on a fiber, blocking easy transfers elsewhere. */
static enum os_status catalog_mode(struct http_catalog *c, struct os_error *err)
{
	if (!io_in_fiber())
		return OS_OK;
	return multi_setup(c, err);
}

/*
 * Looks up ids[0..n) with at most CATALOG_PARALLEL_MAX transfers at once
 * (one at a time when blocking). err gets the first failure's detail.
 */
static void catalog_http_get_many(void *ctx, const char *const *ids, size_t n,
				  struct catalog_item *out, enum os_status *st,
				  struct os_error *err)
{
	struct http_catalog *c = ctx;
	struct catalog_xfer *xs[CATALOG_PARALLEL_MAX];
	struct os_error sub;
	bool failed = false, fiber;
	size_t base, i, k;

	os_error_clear(&sub);
	if (catalog_mode(c, &sub) != OS_OK) {
		for (i = 0; i < n; i++)
			st[i] = OS_EUNAVAIL;
		if (err)
			*err = sub;
		return;
	}
	fiber = io_in_fiber();
	for (base = 0; base < n; base += k) {
		k = n - base < CATALOG_PARALLEL_MAX ? n - base : CATALOG_PARALLEL_MAX;
		if (!fiber)
			k = 1;
		for (i = 0; i < k; i++) {
			os_error_clear(&sub);
			xs[i] = xfer_take(c);
			st[base + i] = xs[i] ? xfer_start(c, xs[i], ids[base + i], fiber, &sub)
					     : os_fail(&sub, OS_ENOMEM, NULL, "out of memory");
			if (xs[i] != NULL && st[base + i] == OS_OK && !fiber)
				xs[i]->rc = curl_easy_perform(xs[i]->easy);
			if (st[base + i] != OS_OK && !failed && err)
				*err = sub;
			failed = failed || st[base + i] != OS_OK;
		}
		if (fiber)
			xfers_wait(xs, k);
		for (i = 0; i < k; i++) {
			if (xs[i] == NULL)
				continue;
			if (st[base + i] == OS_OK) {
				os_error_clear(&sub);
				st[base + i] = xfer_result(c, xs[i], ids[base + i], fiber,
							   &out[base + i], &sub);
				if (st[base + i] != OS_OK && !failed && err)
					*err = sub;
				failed = failed || st[base + i] != OS_OK;
			}
			xfer_put(c, xs[i]);
		}
	}
}

static enum os_status catalog_http_get(void *ctx, const char *item_id, struct catalog_item *out,
				       struct os_error *err)
{
	enum os_status st = OS_EIO;

	catalog_http_get_many(ctx, &item_id, 1, out, &st, err);
	return st;
}

static const struct catalog_ops http_catalog_ops = {
    .get = catalog_http_get,
    .get_many = catalog_http_get_many,
};

static void catalog_free(struct http_catalog *c)
{
	struct catalog_xfer *x;

	if (c == NULL)
		return;
	while ((x = c->idle) != NULL) {
		c->idle = x->next_idle;
		xfer_free(x);
	}
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	curl_slist_free_all(c->headers);
	free(c->base_url);
	free(c);
}

enum os_status http_catalog_open(const struct http_catalog_options *o, struct catalog *out,
				 struct os_error *err)
{
	struct http_catalog *c;
	enum os_status st;

	st = http_curl_client_start(o->base_url, "CATALOG_SERVICE_API_URL", "catalog", err);
	if (st != OS_OK)
		return st;
	c = calloc(1, sizeof(*c));
	if (c != NULL) {
		c->base_url = http_curl_url_join(o->base_url, "/");
		c->headers = curl_slist_append(NULL, "Accept: application/json");
	}
	if (c == NULL || c->base_url == NULL || c->headers == NULL) {
		catalog_free(c);
		return os_fail(err, OS_ENOMEM, NULL, "cannot allocate the catalog client");
	}
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : CATALOG_DEFAULT_TIMEOUT_MS;
	out->ops = &http_catalog_ops;
	out->ctx = c;
	return OS_OK;
}

void http_catalog_close(struct catalog *c)
{
	catalog_free(c->ctx);
	c->ctx = NULL;
}
