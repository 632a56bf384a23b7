/*
 * Authentication without a server (infrastructure/auth/auth.c with
 * auth_jwt.c): the keys file parser, the Authorization header, API-key
 * look-up, HS256 JWTs made here with libjwt (claims, algorithm family,
 * expiry).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jwt.h>

#include "infrastructure/auth/auth.h"
#include "tests/support/test_main.h"

#define SECRET "unit-test-secret-0123456789abcdef0123"

static void sha256_hex(const char *s, char out[65])
{
	FILE *p;
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | sha256sum", s);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, 65, p));
	pclose(p);
}

static enum os_status parse(const char *text, struct auth_key *k, size_t *n, struct os_error *e)
{
	return auth_keys_parse(text, strlen(text), k, 8, n, e);
}

static void test_keys_file(void **state)
{
	struct auth_key k[8];
	struct os_error e;
	char text[512], h[65];
	size_t n = 0;

	(void)state;
	sha256_hex("a", h);
	snprintf(text, sizeof(text), "# comment\n\n  %s service\n%s admin\t\n", h, h);
	/* the same key twice */
	assert_int_equal(parse(text, k, &n, &e), OS_EINVAL);
	assert_non_null(strstr(e.message, "line 4"));
	snprintf(text, sizeof(text), "# comment\n\n  %s service\n%s client alice\n", h,
		 "7b4a4d8d3b1f4d8e1b7f1f9c1c2f0f7e1c0a5d8e6f3b2a1c9d8e7f6a5b4c3d2e");
	assert_int_equal(parse(text, k, &n, &e), OS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(k[0].role, AUTH_ROLE_SERVICE);
	assert_int_equal(k[1].role, AUTH_ROLE_CLIENT);
	assert_string_equal(k[1].user_id, "alice");
	assert_int_equal(parse("abc service\n", k, &n, &e), OS_EINVAL);
	assert_non_null(strstr(e.message, "API_KEYS_FILE line 1"));
	snprintf(text, sizeof(text), "%s root\n", h);
	assert_int_equal(parse(text, k, &n, &e), OS_EINVAL);
	snprintf(text, sizeof(text), "%s client\n", h);
	assert_int_equal(parse(text, k, &n, &e), OS_EINVAL); /* client without user */
	snprintf(text, sizeof(text), "%s client a b\n", h);
	assert_int_equal(parse(text, k, &n, &e), OS_EINVAL);
	snprintf(text, sizeof(text), "%s client \xc3\xa9\n", h);
	assert_int_equal(parse(text, k, &n, &e), OS_EINVAL);
	assert_int_equal(auth_keys_parse("x\0y", 3, k, 8, &n, &e), OS_EINVAL);
}

static void test_bearer(void **state)
{
	const char *t = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(auth_bearer_token("Bearer abc", 10, &t, &len), OS_OK);
	assert_int_equal(len, 3);
	assert_int_equal(auth_bearer_token("bearer   abc  ", 14, &t, &len), OS_OK);
	assert_int_equal(len, 3);
	assert_int_equal(auth_bearer_token("Basic abc", 9, &t, &len), OS_EDENIED);
	assert_int_equal(auth_bearer_token("Bearer", 6, &t, &len), OS_EDENIED);
	assert_int_equal(auth_bearer_token("Bearer a b", 10, &t, &len), OS_EDENIED);
	assert_int_equal(auth_bearer_token("Bearer a\"b", 10, &t, &len), OS_EDENIED);
	assert_int_equal(auth_bearer_token("Bearerabc", 9, &t, &len), OS_EDENIED);
}

/* An auth with the key "svc-key" (service), "alice-key" (client alice) and
 * the HS256 secret, iss "iss-1", aud "aud-1". */
static void make_auth(struct auth *a, const char *dir)
{
	struct auth_settings s = {
	    .jwt_secret = SECRET, .jwt_issuer = "iss-1", .jwt_audience = "aud-1"};
	struct os_error e;
	char path[256], h1[65], h2[65];
	FILE *f;

	sha256_hex("svc-key", h1);
	sha256_hex("alice-key", h2);
	snprintf(path, sizeof(path), "%s/keys", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s service\n%s client alice\n", h1, h2);
	fclose(f);
	s.keys_file = path;
	assert_int_equal(auth_init(a, &s, &e), OS_OK);
}

static char *token(jwt_alg_t alg, const char *key, const char *sub, const char *role, long exp,
		   const char *iss, const char *aud)
{
	jwt_t *j = NULL;
	char *out;

	assert_int_equal(jwt_new(&j), 0);
	if (sub)
		jwt_add_grant(j, "sub", sub);
	if (role)
		jwt_add_grant(j, "role", role);
	if (exp)
		jwt_add_grant_int(j, "exp", exp);
	if (iss)
		jwt_add_grant(j, "iss", iss);
	if (aud && aud[0] == '[') { /* an array of audiences, given as JSON */
		char grants[2048];

		snprintf(grants, sizeof(grants), "{\"aud\":%s}", aud);
		assert_int_equal(jwt_add_grants_json(j, grants), 0);
	} else if (aud) {
		jwt_add_grant(j, "aud", aud);
	}
	assert_int_equal(
	    jwt_set_alg(j, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0), 0);
	out = jwt_encode_str(j);
	jwt_free(j);
	assert_non_null(out);
	return out;
}

static enum os_status check(const struct auth *a, const char *tok, struct auth_principal *p)
{
	char h[4200];
	struct os_error e;

	snprintf(h, sizeof(h), "Bearer %s", tok);
	return auth_check(a, h, strlen(h), (int64_t)time(NULL), p, &e);
}

static void test_keys_and_jwt(void **state)
{
	/* Tokens signed with the secret: the claims each must have. exp is from
	 * now (0: none). */
	static const struct {
		const char *sub, *role;
		long exp;
		const char *iss, *aud;
		enum os_status want;
	} claims[] = {
	    {"bob", NULL, -60, "iss-1", "aud-1", OS_EDENIED}, /* expired past the leeway */
	    {"bob", NULL, 0, "iss-1", "aud-1", OS_EDENIED},   /* no exp */
	    {"bob", NULL, 60, "iss-2", "aud-1", OS_EDENIED},
	    {"bob", NULL, 60, "iss-1", "aud-2", OS_EDENIED},
	    {NULL, NULL, 60, "iss-1", "aud-1", OS_EDENIED}, /* no sub */
	    {"bob", "root", 60, "iss-1", "aud-1", OS_EDENIED},
	    /* aud as an array (RFC 7519 4.1.3): one of its strings must be ours. */
	    {"bob", NULL, 60, "iss-1", "[\"x\",1,\"aud-1\"]", OS_OK},
	    {"bob", NULL, 60, "iss-1", "[\"x\",[\"aud-1\"]]", OS_EDENIED},
	    {"bob", NULL, 60, "iss-1", "[]", OS_EDENIED},
	};
	size_t i;
	char dir[] = "/tmp/test_auth.XXXXXX", path[300];
	long now = (long)time(NULL);
	struct auth_principal p;
	struct auth a;
	char *t;
	struct os_error e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	make_auth(&a, dir);
	assert_int_equal(check(&a, "svc-key", &p), OS_OK);
	assert_int_equal(p.role, AUTH_ROLE_SERVICE);
	assert_int_equal(strncmp(p.id, "key:", 4), 0);
	assert_int_equal(check(&a, "alice-key", &p), OS_OK);
	assert_int_equal(p.role, AUTH_ROLE_CLIENT);
	assert_string_equal(p.user_id, "alice");
	assert_int_equal(check(&a, "nobody", &p), OS_EDENIED);
	assert_int_equal(auth_check(&a, NULL, 0, now, &p, &e), OS_EDENIED);

	t = token(JWT_ALG_HS256, SECRET, "bob", NULL, now + 60, "iss-1", "aud-1");
	assert_int_equal(check(&a, t, &p), OS_OK);
	assert_int_equal(p.role, AUTH_ROLE_CLIENT);
	assert_string_equal(p.user_id, "bob");
	free(t);
	t = token(JWT_ALG_HS256, SECRET, "svc", "admin", now + 60, "iss-1", "aud-1");
	assert_int_equal(check(&a, t, &p), OS_OK);
	assert_int_equal(p.role, AUTH_ROLE_ADMIN);
	free(t);
	for (i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
		long exp = claims[i].exp == 0 ? 0 : now + claims[i].exp;

		t = token(JWT_ALG_HS256, SECRET, claims[i].sub, claims[i].role, exp, claims[i].iss,
			  claims[i].aud);
		if (check(&a, t, &p) != claims[i].want)
			fail_msg("claims case %zu: not %s", i, os_status_name(claims[i].want));
		free(t);
	}
	{ /* past the JSON module's bounds (256 elements): refused, not walked */
		char many[2048];
		size_t at = 0;
		int k;

		many[at++] = '[';
		for (k = 0; k < 300; k++)
			at += (size_t)snprintf(many + at, sizeof(many) - at, "\"a\",");
		snprintf(many + at, sizeof(many) - at, "\"aud-1\"]");
		t = token(JWT_ALG_HS256, SECRET, "bob", NULL, now + 60, "iss-1", many);
		assert_int_equal(check(&a, t, &p), OS_EDENIED);
		free(t);
	}
	t = token(JWT_ALG_HS512, SECRET "x", "bob", NULL, now + 60, "iss-1", "aud-1");
	assert_int_equal(check(&a, t, &p), OS_EDENIED); /* another secret */
	free(t);
	t = token(JWT_ALG_NONE, NULL, "bob", "service", now + 60, "iss-1", "aud-1");
	assert_int_equal(check(&a, t, &p), OS_EDENIED);
	free(t);
	auth_release(&a);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

/* A token for bob (iss-1, aud-1) whose exp and nbf are the JSON texts given
 * (NULL: no such claim). */
static char *timed_token(const char *exp, const char *nbf)
{
	char grants[256];
	jwt_t *j = NULL;
	char *out;

	snprintf(grants, sizeof(grants),
		 "{\"sub\":\"bob\",\"iss\":\"iss-1\",\"aud\":\"aud-1\"%s%s%s%s}",
		 exp ? ",\"exp\":" : "", exp ? exp : "", nbf ? ",\"nbf\":" : "", nbf ? nbf : "");
	assert_int_equal(jwt_new(&j), 0);
	assert_int_equal(jwt_add_grants_json(j, grants), 0);
	assert_int_equal(
	    jwt_set_alg(j, JWT_ALG_HS256, (const unsigned char *)SECRET, (int)strlen(SECRET)), 0);
	out = jwt_encode_str(j);
	jwt_free(j);
	assert_non_null(out);
	return out;
}

/* exp and nbf are NumericDates (RFC 7519 §2): JSON numbers, fractions
 * allowed; anything else in them refuses the token. Times are seconds from
 * now (the leeway is 30 s). */
static void test_time_claims(void **state)
{
	static const struct {
		const char *exp, *nbf; /* "%lld" stands for now + the offset after it */
		long exp_off, nbf_off;
		enum os_status want;
	} cases[] = {
	    {"%lld", NULL, 600, 0, OS_OK},
	    {"%lld.5", NULL, 600, 0, OS_OK}, /* a fraction */
	    {"%lld", NULL, -31, 0, OS_EDENIED},
	    {"%lld", NULL, -29, 0, OS_OK},	    /* within the leeway */
	    {"\"%lld\"", NULL, 600, 0, OS_EDENIED}, /* a string */
	    {"true", NULL, 0, 0, OS_EDENIED},
	    {"null", NULL, 0, 0, OS_EDENIED},
	    {"9223372036854775807", NULL, 0, 0, OS_OK}, /* far off: no overflow */
	    {"1e300", NULL, 0, 0, OS_EDENIED},		/* out of any calendar */
	    {"-9223372036854775808", NULL, 0, 0, OS_EDENIED},
	    {"%lld", "%lld", 600, 100000, OS_EDENIED}, /* not valid yet */
	    {"%lld", "%lld.5", 600, 100000, OS_EDENIED},
	    {"%lld", "%lld", 600, 29, OS_OK},	     /* within the leeway */
	    {"%lld", "%lld.5", 600, 30, OS_EDENIED}, /* rounded up: 31 s ahead */
	    {"%lld", "%lld", 600, -100, OS_OK},
	    {"%lld", "\"%lld\"", 600, 100000, OS_EDENIED}, /* a string */
	    {"%lld", "true", 600, 0, OS_EDENIED},
	    {"%lld", "{}", 600, 0, OS_EDENIED},
	    {"%lld", "-9223372036854775807", 600, 0, OS_OK}, /* long ago: no overflow */
	};
	char dir[] = "/tmp/test_auth.XXXXXX", path[300], exp[64], nbf[64];
	long long now = (long long)time(NULL);
	struct auth_principal p;
	struct auth a;
	size_t i;
	char *t;

	(void)state;
	assert_non_null(mkdtemp(dir));
	make_auth(&a, dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(exp, sizeof(exp), cases[i].exp, now + cases[i].exp_off);
		if (cases[i].nbf)
			snprintf(nbf, sizeof(nbf), cases[i].nbf, now + cases[i].nbf_off);
		t = timed_token(exp, cases[i].nbf ? nbf : NULL);
		if (check(&a, t, &p) != cases[i].want)
			fail_msg("case %zu (exp %s, nbf %s): not %s", i, exp,
				 cases[i].nbf ? nbf : "-", os_status_name(cases[i].want));
		free(t);
	}
	auth_release(&a);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

static void test_init_rules(void **state)
{
	struct auth_settings none = {0}, both = {.jwt_secret = SECRET, .jwt_public_key_file = "/x"};
	struct auth_settings weak = {.jwt_secret = "short"}, off = {.off = true};
	struct auth_settings missing = {.keys_file = "/nonexistent/keys"};
	struct auth_settings no_iss = {.jwt_secret = SECRET, .jwt_audience = "aud-1"};
	struct auth_settings no_aud = {.jwt_secret = SECRET, .jwt_issuer = "iss-1"};
	struct auth_principal p;
	struct auth a;
	struct os_error e;

	(void)state;
	assert_int_equal(auth_init(&a, &none, &e), OS_EINVAL);
	assert_int_equal(auth_init(&a, &both, &e), OS_EINVAL);
	assert_int_equal(auth_init(&a, &weak, &e), OS_EINVAL);
	assert_int_equal(auth_init(&a, &missing, &e), OS_EINVAL);
	assert_non_null(strstr(e.message, "API_KEYS_FILE"));
	/* a JWT key needs the iss and aud its tokens must have */
	assert_int_equal(auth_init(&a, &no_iss, &e), OS_EINVAL);
	assert_string_equal(e.field, "JWT_ISSUER");
	assert_int_equal(auth_init(&a, &no_aud, &e), OS_EINVAL);
	assert_string_equal(e.field, "JWT_AUDIENCE");
	assert_non_null(strstr(e.message, "required with JWT_SECRET"));
	assert_int_equal(auth_init(&a, &off, &e), OS_OK);
	assert_int_equal(auth_check(&a, NULL, 0, 0, &p, &e), OS_OK);
	assert_int_equal(p.role, AUTH_ROLE_SERVICE);
	auth_release(&a);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_keys_file),	 cmocka_unit_test(test_bearer),
    cmocka_unit_test(test_keys_and_jwt), cmocka_unit_test(test_time_claims),
    cmocka_unit_test(test_init_rules),
};

TEST_MAIN(tests, NULL, NULL);
