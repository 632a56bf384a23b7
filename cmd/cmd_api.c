/*
 * `order-service api`: the HTTP API's wiring. Each event loop gets its own
 * pool of database sessions, its catalog (HTTP or the local inventory)
 * behind a cache, and the use cases over them; credentials, rate limits
 * and the documentation are read before the API binds.
 */
#include <stdlib.h>
#include <string.h>

#include "app/catalog_cache.h"
#include "cmd/cmd.h"
#include "cmd/observers.h"
#include "infrastructure/auth/auth.h"
#include "infrastructure/auth/ratelimit.h"
#include "infrastructure/crypto/sys_real.h"
#include "infrastructure/http/api_docs.h"
#include "infrastructure/http/api_server.h"
#include "infrastructure/httpclient/http_catalog.h"
#include "infrastructure/log/log.h"
#include "infrastructure/metrics/metrics_server.h"
#include "infrastructure/postgres/pg_admin.h"
#include "infrastructure/postgres/pg_inbox.h"
#include "infrastructure/postgres/pg_inventory.h"
#include "infrastructure/postgres/pg_inventory_catalog.h"
#include "infrastructure/postgres/pg_order_repo.h"
#include "infrastructure/postgres/pg_session.h"

struct api_slot {
	struct pg_session *session;
	bool http_catalog;
	struct catalog_cache cache; /* in front of the thread's catalog */
};

/* What the loops' init and fini see: the configuration and one slot per
 * loop thread. */
struct api_wiring {
	const struct config *cfg;
	const struct order_settings *settings;
	struct api_slot *slots;
};

/* DB_POOL_SIZE split across the loops, at least one session each. */
static size_t api_pool_share(const struct config *cfg, int index)
{
	int n = cfg->db_pool_size / cfg->api_threads;

	if (index < cfg->db_pool_size % cfg->api_threads)
		n++;
	return n < 1 ? 1 : n > 64 ? 64 : (size_t)n;
}

static enum os_status api_thread_init(void *arg, int index, struct api_thread_ctx *out,
				      struct os_error *err)
{
	const struct api_wiring *w = arg;
	const struct config *cfg = w->cfg;
	struct api_slot *slot = &w->slots[index];
	struct api_thread_ctx ctx;
	enum os_status st;

	memset(&ctx, 0, sizeof(ctx));
	st = pg_session_open_pool(cfg->database_url, api_pool_share(cfg, index), &slot->session,
				  err);
	if (st != OS_OK)
		return st;
	pg_order_repo_init(&ctx.svc.repo, slot->session);
	pg_inbox_writer_init(&ctx.inbox, slot->session);
	pg_admin_init(&ctx.admin, slot->session);
	pg_inventory_init(&ctx.inventory, slot->session);
	crypto_sys_init(&ctx.svc.sys);
	ctx.svc.settings = w->settings;
	if (w->settings->local_inventory) {
		pg_inventory_catalog_init(&ctx.svc.catalog, slot->session);
	} else {
		struct http_catalog_options co = {.base_url = cfg->catalog_url,
						  .timeout_ms = cfg->timeout_read_ms};

		st = http_catalog_open(&co, &ctx.svc.catalog, err);
		if (st != OS_OK) {
			pg_session_free(slot->session);
			slot->session = NULL;
			return st;
		}
		slot->http_catalog = true;
	}
	catalog_cache_init(&slot->cache, ctx.svc.catalog, ctx.svc.sys,
			   (int64_t)cfg->catalog_cache_ms * 1000);
	ctx.svc.catalog = catalog_cache_port(&slot->cache);
	*out = ctx;
	return OS_OK;
}

static void api_thread_fini(void *arg, struct api_thread_ctx *ctx)
{
	const struct api_wiring *w = arg;
	struct api_slot *slot;
	size_t i;

	for (i = 0; i < (size_t)w->cfg->api_threads; i++) {
		slot = &w->slots[i];
		if (slot->session == NULL || ctx->svc.repo.ctx != (void *)slot->session)
			continue;
		if (slot->http_catalog)
			http_catalog_close(&slot->cache.inner);
		pg_session_free(slot->session);
		slot->session = NULL;
	}
}

/* ----------------------------------------------------------- api security */

static struct auth api_auth;
static struct ratelimit api_limits;

/*
 * Credentials, rate limits, the admin listener and the callback secret
 * (DESIGN §4): everything is read and checked here, before the API binds;
 * a bad setting stops the start with one line. Secrets are never logged.
 */
static enum os_status api_security(const struct config *cfg, struct api_options *o,
				   struct os_error *err)
{
	struct auth_settings as = {.off = cfg->auth_off,
				   .keys_file = cfg->api_keys_file,
				   .jwt_secret = cfg->jwt_secret,
				   .jwt_public_key_file = cfg->jwt_public_key_file,
				   .jwt_issuer = cfg->jwt_issuer,
				   .jwt_audience = cfg->jwt_audience};
	enum os_status st;

	/* Both sockets use SO_REUSEPORT: on one port the kernel would hand
	 * public connections to the admin listener. */
	if (cfg->admin_port == cfg->app_port)
		return os_fail(err, OS_EINVAL, "ADMIN_PORT",
			       "ADMIN_PORT must differ from APP_PORT (%d)", cfg->app_port);
	if (cfg->callback_secret[0] == '\0' && !cfg->callback_allow_unsigned)
		return os_fail(
		    err, OS_EINVAL, "PAYMENTS_CALLBACK_SECRET",
		    "PAYMENTS_CALLBACK_SECRET (or PAYMENTS_CALLBACK_SECRET_FILE) must be "
		    "set; PAYMENTS_CALLBACK_ALLOW_UNSIGNED=true accepts unsigned callbacks");
	if (cfg->callback_secret[0] == '\0')
		log_kv(LOG_WARN,
		       "payment callbacks are accepted unsigned "
		       "(PAYMENTS_CALLBACK_ALLOW_UNSIGNED=true): anyone can mark orders paid",
		       NULL);
	st = auth_init(&api_auth, &as, err);
	if (st != OS_OK)
		return st;
	if (cfg->auth_off)
		log_kv(LOG_WARN,
		       "authentication is off (AUTH_MODE=off): every caller acts as a "
		       "service; for local experiments only",
		       NULL);
	if (!ratelimit_init(&api_limits, cfg->rate_limit_per_minute, cfg->rate_limit_burst)) {
		auth_release(&api_auth);
		return os_fail(err, OS_ENOMEM, "", "out of memory");
	}
	o->auth = &api_auth;
	o->limits = &api_limits;
	o->admin_host = cfg->admin_host;
	o->admin_port = cfg->admin_port;
	return OS_OK;
}

/* The documentation routes' files, read once before the loops start. The
 * API serves without them (those routes answer 503), so a missing file is a
 * warning, not a reason to stay down. */
static void load_docs(void)
{
	char dir[4096];
	struct os_error err;

	os_error_clear(&err);
	if (api_docs_find_dir(dir, sizeof(dir)) == NULL) {
		log_kv(LOG_WARN, "documentation not found; /api/docs answers 503", "hint",
		       "set DOCS_DIR", NULL);
		return;
	}
	if (api_docs_load(dir, &err) != OS_OK)
		log_kv(LOG_WARN, "documentation incomplete", "dir", dir, "error", err.message,
		       NULL);
	else
		log_kv(LOG_DEBUG, "documentation loaded", "dir", dir, NULL);
}

/* The gauges outlive cmd_api: the metrics endpoint's thread lives as long
 * as the process. */
static struct cmd_queue_gauges api_gauges;

int cmd_api(const struct config *cfg, const struct order_settings *settings)
{
	struct api_options o = {.host = "0.0.0.0",
				.port = cfg->app_port,
				.threads = cfg->api_threads,
				.max_body_bytes = (size_t)cfg->max_body_bytes,
				.callback_secret = cfg->callback_secret,
				.ingress_secret = cfg->ingress_secret,
				.request_timeout_ms = cfg->request_timeout_ms};
	struct api_wiring w = {.cfg = cfg, .settings = settings, .slots = NULL};
	struct os_error err;
	enum os_status st;

	os_error_clear(&err);
	if (cmd_require(cfg->database_url, "DATABASE_URL", &err) != OS_OK ||
	    api_security(cfg, &o, &err) != OS_OK)
		return cmd_fail_line("configuration", &err);
	if (cfg->ingress_secret[0] == '\0')
		log_kv(LOG_INFO,
		       "ingress webhook refuses every delivery: INGRESS_WEBHOOK_SECRET "
		       "is not set",
		       NULL);
	cmd_api_metrics_init(cfg);
	api_gauges.database_url = cfg->database_url;
	if (cfg->metrics_port > 0 &&
	    metrics_server_start(cfg->metrics_port, cmd_queue_gauges_refresh, &api_gauges, &err) !=
		OS_OK)
		return cmd_fail_line("metrics endpoint", &err);
	w.slots = calloc((size_t)cfg->api_threads, sizeof(*w.slots));
	if (w.slots == NULL)
		return 1;
	load_docs();
	cmd_stop_api_on_signal();
	if (cmd_stop_requested) {
		free(w.slots);
		return 0;
	}
	st = api_server_run(&o, api_thread_init, api_thread_fini, &w, &err);
	api_docs_release();
	free(w.slots);
	ratelimit_release(&api_limits);
	auth_release(&api_auth);
	if (st != OS_OK)
		return cmd_fail_line("api stopped", &err);
	log_kv(LOG_INFO, "api stopped", NULL);
	return 0;
}
