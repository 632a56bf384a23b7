/*
 * The door of every route (DESIGN §4): which listener serves it, the bearer
 * token and role it needs, and the token-bucket rate limit per principal
 * (per client address on routes without a token). Pure memory work: the
 * credentials were loaded at start (infrastructure/auth).
 */
#include "infrastructure/http/api_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "app/sys.h"
#include "infrastructure/auth/ratelimit.h"
#include "infrastructure/crypto/hmac.h"

static bool admin_route(enum api_access a)
{
	return a == API_ADMIN || a == API_ADMIN_OPEN;
}

/* Without an admin listener (admin_port 0: tests, embedding) the admin
 * routes are served on the one listener there is. */
bool api_route_here(const struct api_call *c, enum api_access access)
{
	if (c->env->opts->admin_port == 0)
		return true;
	return admin_route(access) == c->on_admin;
}

bool api_may_act_for(const struct api_call *c, const char *user_id)
{
	if (c->who.role != AUTH_ROLE_CLIENT)
		return true;
	return user_id != NULL && strcmp(user_id, c->who.user_id) == 0;
}

/* "ip:<address>" of the peer, "ip:?" when unknown. */
static void peer_key(const struct api_call *c, char *out, size_t cap)
{
	struct sockaddr_storage sa;
	char text[INET6_ADDRSTRLEN] = "?";
	h2o_conn_t *conn = c->req->conn;
	socklen_t len = 0;

	memset(&sa, 0, sizeof(sa));
	if (conn && conn->callbacks && conn->callbacks->get_peername)
		len = conn->callbacks->get_peername(conn, (struct sockaddr *)&sa);
	if (len > 0 && sa.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, text, sizeof(text));
	else if (len > 0 && sa.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, text, sizeof(text));
	snprintf(out, cap, "ip:%s", text);
}

static void add_number_header(struct api_call *c, const char *name, long long v)
{
	char text[24];
	int n = snprintf(text, sizeof(text), "%lld", v);

	api_add_header(c, name, text, (size_t)n);
}

/* The IETF draft's headers (draft-ietf-httpapi-ratelimit-headers-08):
 * the policy (quota q per window w seconds) and the current state
 * (r requests remaining, t seconds until the bucket is full, or until the
 * next request is allowed when refused). */
static void add_rate_headers(struct api_call *c, const struct ratelimit *rl,
			     const struct ratelimit_verdict *v)
{
	char text[96];
	int n;

	n = snprintf(text, sizeof(text), "\"default\";q=%lld;w=60", (long long)rl->per_minute);
	api_add_header(c, "ratelimit-policy", text, (size_t)n);
	n = snprintf(text, sizeof(text), "\"default\";r=%lld;t=%lld", (long long)v->remaining,
		     (long long)(v->allowed ? v->reset_s : v->retry_after_s));
	api_add_header(c, "ratelimit", text, (size_t)n);
}

/* Takes one request from key's bucket; answers 429 and returns false when
 * it is empty. */
static bool rate_ok(struct api_call *c, const char *key)
{
	struct ratelimit *rl = c->env->opts->limits;
	struct ratelimit_verdict v;

	if (!ratelimit_enabled(rl))
		return true;
	ratelimit_take(rl, key, sys_mono_us(), &v);
	add_rate_headers(c, rl, &v);
	if (v.allowed)
		return true;
	add_number_header(c, "retry-after", (long long)v.retry_after_s);
	api_reply_error(c, 429, "too many requests: retry after the Retry-After seconds", NULL,
			"rate_limited");
	return false;
}

static void unauthorized(struct api_call *c, bool had_token, const struct os_error *err)
{
	static const char plain[] = "Bearer realm=\"order-service\"";
	static const char bad[] = "Bearer realm=\"order-service\", error=\"invalid_token\"";

	if (had_token)
		api_add_header(c, "www-authenticate", bad, sizeof(bad) - 1);
	else
		api_add_header(c, "www-authenticate", plain, sizeof(plain) - 1);
	api_reply_error(c, 401, err->message[0] ? err->message : "authentication required", NULL,
			"unauthorized");
}

static bool role_ok(enum api_access access, enum auth_role r)
{
	switch (access) {
	case API_SERVICE: return r == AUTH_ROLE_SERVICE || r == AUTH_ROLE_ADMIN;
	case API_ADMIN: return r == AUTH_ROLE_ADMIN;
	default: return r != AUTH_ROLE_NONE;
	}
}

bool api_signed_body(struct api_call *c, const char *secret, bool allow_unsigned,
		     const char *header, const char *field, const char **body, size_t *len)
{
	const char *sig;
	size_t sig_len = 0;

	*body = api_call_body(c, len);
	if (secret == NULL || secret[0] == '\0') {
		if (allow_unsigned)
			return true;
	} else {
		sig = api_call_header(c, header, &sig_len);
		if (sig != NULL &&
		    crypto_signature_ok(secret, *body ? *body : "", *len, sig, sig_len))
			return true;
	}
	api_reply_error(c, 401, "missing or invalid signature", field,
			"expected sha256=<hex HMAC-SHA256 of the body>");
	return false;
}

bool api_guard(struct api_call *c, enum api_access access)
{
	const struct auth *a = c->env->opts->auth;
	struct os_error err;
	const char *h;
	size_t len = 0;
	char key[RATELIMIT_KEY_MAX + 1];

	memset(&c->who, 0, sizeof(c->who));
	if (access == API_PROBE || access == API_ADMIN_OPEN)
		return true;
	if (access == API_OPEN) {
		peer_key(c, key, sizeof(key));
		return rate_ok(c, key);
	}
	if (a == NULL) { /* no authentication configured at all: tests, embedding */
		c->who.role = AUTH_ROLE_ADMIN;
		return true;
	}
	os_error_clear(&err);
	h = api_call_header(c, "authorization", &len);
	if (auth_check(a, h, len, (int64_t)time(NULL), &c->who, &err) != OS_OK) {
		/* Failed attempts spend the caller address's bucket: guessing
		 * tokens is limited like any unauthenticated call. */
		peer_key(c, key, sizeof(key));
		if (rate_ok(c, key))
			unauthorized(c, h != NULL, &err);
		return false;
	}
	if (!role_ok(access, c->who.role)) {
		api_reply_error(c, 403, "this route needs another role", NULL, "forbidden");
		return false;
	}
	return rate_ok(c, c->who.id);
}
