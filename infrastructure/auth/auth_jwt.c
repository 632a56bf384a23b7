/*
 * JWT verification with libjwt: the signature under the configured key,
 * then the algorithm (only the family of the configured key: an HS256 token
 * "signed" with the text of a public key must not pass), then the claims
 * (exp required, nbf, iss, aud), then sub and role.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "infrastructure/auth/auth.h"
#include "infrastructure/json/json_tree.h"

#define JWT_LEEWAY_S 30 /* clock skew allowed on exp and nbf */

static bool alg_allowed(enum auth_jwt_kind kind, jwt_alg_t alg)
{
	switch (alg) {
	case JWT_ALG_HS256:
	case JWT_ALG_HS384:
	case JWT_ALG_HS512: return kind == AUTH_JWT_HMAC;
	case JWT_ALG_RS256:
	case JWT_ALG_RS384:
	case JWT_ALG_RS512:
	case JWT_ALG_ES256:
	case JWT_ALG_ES384:
	case JWT_ALG_ES512: return kind == AUTH_JWT_PUBLIC_KEY;
	default: return false;
	}
}

/* NumericDates beyond this many seconds (about 31 million years) from the
 * epoch are refused rather than converted. */
#define JWT_TIME_MAX_S 1e15

/*
 * A NumericDate claim (RFC 7519 §2: a JSON number of seconds since the
 * epoch, fractions allowed): 1 present, *out its seconds (a fraction
 * rounded down, or up when up: each towards the stricter reading); 0
 * absent; -1 present but not such a number (a string, a boolean, ...).
 */
static int time_claim(jwt_t *j, const char *name, bool up, int64_t *out)
{
	char *json = jwt_get_grants_json(j, name);
	struct os_error err;
	yajl_val v = NULL;
	int rc = -1;

	if (json == NULL)
		return 0;
	if (json_tree_parse(&json_limits_api, json, strlen(json), &v, &err) != OS_OK)
		v = NULL;
	free(json);
	if (v != NULL && YAJL_IS_INTEGER(v)) {
		*out = (int64_t)YAJL_GET_INTEGER(v);
		rc = 1;
	} else if (v != NULL && YAJL_IS_DOUBLE(v) && isfinite(YAJL_GET_DOUBLE(v)) &&
		   fabs(YAJL_GET_DOUBLE(v)) <= JWT_TIME_MAX_S) {
		double d = YAJL_GET_DOUBLE(v);

		*out = (int64_t)(up ? ceil(d) : floor(d));
		rc = 1;
	}
	yajl_tree_free(v);
	return rc;
}

/* aud is a string or an array of strings (RFC 7519 §4.1.3). */
static bool audience_ok(jwt_t *j, const char *want)
{
	const char *s = jwt_get_grant(j, "aud");
	struct os_error err;
	yajl_val v = NULL;
	char *json;
	bool ok = false;
	size_t i;

	if (s != NULL)
		return strcmp(s, want) == 0;
	json = jwt_get_grants_json(j, "aud");
	if (json == NULL)
		return false;
	if (json_tree_parse(&json_limits_api, json, strlen(json), &v, &err) != OS_OK)
		v = NULL;
	free(json);
	if (v != NULL && YAJL_IS_ARRAY(v)) {
		for (i = 0; i < v->u.array.len && !ok; i++) {
			yajl_val e = v->u.array.values[i];

			ok = YAJL_IS_STRING(e) && strcmp(e->u.string, want) == 0;
		}
	}
	yajl_tree_free(v);
	return ok;
}

/* exp (required) and nbf (when present), each with JWT_LEEWAY_S of clock
 * skew; compared without arithmetic on the claims, which may be huge. */
static enum os_status check_times(jwt_t *j, int64_t now_s, struct os_error *err)
{
	int64_t exp = 0, nbf = 0;
	int rc;

	rc = time_claim(j, "exp", false, &exp);
	if (rc != 1)
		return os_fail(err, OS_EDENIED, "", "token without a valid exp");
	if (exp <= now_s - JWT_LEEWAY_S)
		return os_fail(err, OS_EDENIED, "", "token expired");
	rc = time_claim(j, "nbf", true, &nbf);
	if (rc < 0)
		return os_fail(err, OS_EDENIED, "", "token with an invalid nbf");
	if (rc == 1 && nbf > now_s + JWT_LEEWAY_S)
		return os_fail(err, OS_EDENIED, "", "token not valid yet");
	return OS_OK;
}

static enum os_status check_subject(jwt_t *j, struct auth_principal *out, struct os_error *err)
{
	const char *sub = jwt_get_grant(j, "sub");
	const char *role = jwt_get_grant(j, "role");
	char *other;

	if (sub == NULL || order_check_ident(sub, strlen(sub), ORDER_USER_ID_MAX) != OS_OK)
		return os_fail(err, OS_EDENIED, "", "token without a valid sub");
	memset(out, 0, sizeof(*out));
	out->role = AUTH_ROLE_CLIENT;
	if (role == NULL) {
		other = jwt_get_grants_json(j, "role");
		if (other != NULL) {
			free(other);
			return os_fail(err, OS_EDENIED, "", "role claim must be a string");
		}
	} else if (strcmp(role, "service") == 0) {
		out->role = AUTH_ROLE_SERVICE;
	} else if (strcmp(role, "admin") == 0) {
		out->role = AUTH_ROLE_ADMIN;
	} else if (strcmp(role, "client") != 0) {
		return os_fail(err, OS_EDENIED, "", "role claim must be client, service or admin");
	}
	memcpy(out->user_id, sub, strlen(sub) + 1);
	snprintf(out->id, sizeof(out->id), "jwt:%s", sub);
	return OS_OK;
}

static enum os_status check_claims(const struct auth *a, jwt_t *j, int64_t now_s,
				   struct auth_principal *out, struct os_error *err)
{
	const char *iss;
	enum os_status st;

	if (!alg_allowed(a->jwt, jwt_get_alg(j)))
		return os_fail(err, OS_EDENIED, "", "token algorithm not accepted");
	st = check_times(j, now_s, err);
	if (st != OS_OK)
		return st;
	iss = jwt_get_grant(j, "iss");
	if (a->issuer[0] && (iss == NULL || strcmp(iss, a->issuer) != 0))
		return os_fail(err, OS_EDENIED, "", "token issuer not accepted");
	if (a->audience[0] && !audience_ok(j, a->audience))
		return os_fail(err, OS_EDENIED, "", "token audience not accepted");
	return check_subject(j, out, err);
}

enum os_status auth_jwt_verify(const struct auth *a, const char *token, size_t len, int64_t now_s,
			       struct auth_principal *out, struct os_error *err)
{
	char text[AUTH_TOKEN_MAX + 1];
	struct auth_principal p;
	jwt_t *j = NULL;
	enum os_status st;

	if (a->jwt == AUTH_JWT_NONE)
		return os_fail(err, OS_EDENIED, "", "JWTs are not accepted here");
	if (len > AUTH_TOKEN_MAX)
		return os_fail(err, OS_EDENIED, "", "token too long");
	memcpy(text, token, len);
	text[len] = '\0';
	if (jwt_decode(&j, text, a->jwt_key, (int)a->jwt_key_len) != 0 || j == NULL)
		return os_fail(err, OS_EDENIED, "", "token signature or format not valid");
	st = check_claims(a, j, now_s, &p, err);
	jwt_free(j);
	if (st == OS_OK)
		*out = p;
	return st;
}
