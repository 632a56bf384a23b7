/*
 * Authentication set-up and the per-request check: the keys file, the
 * Authorization header, the API-key lookup. JWTs are in auth_jwt.c.
 */
#include "infrastructure/auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "domain/hex.h"
#include "domain/names.h"
#include "domain/sha256.h"
#include "infrastructure/config/conf_file.h"

static const char *const role_names[] = {
    [AUTH_ROLE_NONE] = "none",
    [AUTH_ROLE_CLIENT] = "client",
    [AUTH_ROLE_SERVICE] = "service",
    [AUTH_ROLE_ADMIN] = "admin",
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Next blank-separated field of [*p, end); false when there is none. */
static bool next_field(const char **p, const char *end, const char **f, size_t *flen)
{
	const char *s = *p;

	while (s < end && is_blank(*s))
		s++;
	if (s == end)
		return false;
	*f = s;
	while (s < end && !is_blank(*s))
		s++;
	*flen = (size_t)(s - *f);
	*p = s;
	return true;
}

/* A role a key may hold: any but "none". */
static bool parse_role(const char *s, size_t len, enum auth_role *out)
{
	int i = names_index(role_names, NAMES_COUNT(role_names), s, len);

	if (i <= (int)AUTH_ROLE_NONE)
		return false;
	*out = (enum auth_role)i;
	return true;
}

/* One non-comment line into *k; lineno for the message. */
static enum os_status parse_line(const char *s, const char *end, int lineno, struct auth_key *k,
				 struct os_error *err)
{
	const char *f = NULL;
	size_t flen = 0;

	memset(k, 0, sizeof(*k));
	if (memchr(s, '\0', (size_t)(end - s)) != NULL)
		return os_fail(err, OS_EINVAL, "API_KEYS_FILE", "API_KEYS_FILE line %d: NUL byte",
			       lineno);
	if (!next_field(&s, end, &f, &flen) || flen != 64 || !hex_decode(f, 32, k->hash))
		return os_fail(err, OS_EINVAL, "API_KEYS_FILE",
			       "API_KEYS_FILE line %d: expected the 64 hex digits of the key's "
			       "SHA-256, then a role",
			       lineno);
	if (!next_field(&s, end, &f, &flen) || !parse_role(f, flen, &k->role))
		return os_fail(err, OS_EINVAL, "API_KEYS_FILE",
			       "API_KEYS_FILE line %d: role must be client, service or admin",
			       lineno);
	if (next_field(&s, end, &f, &flen)) {
		if (order_check_ident(f, flen, ORDER_USER_ID_MAX) != OS_OK)
			return os_fail(err, OS_EINVAL, "API_KEYS_FILE",
				       "API_KEYS_FILE line %d: user_id must be 1..%d printable "
				       "ASCII characters",
				       lineno, ORDER_USER_ID_MAX);
		memcpy(k->user_id, f, flen);
	}
	if (next_field(&s, end, &f, &flen))
		return os_fail(err, OS_EINVAL, "API_KEYS_FILE",
			       "API_KEYS_FILE line %d: unexpected text after the user_id", lineno);
	if (k->role == AUTH_ROLE_CLIENT && k->user_id[0] == '\0')
		return os_fail(err, OS_EINVAL, "API_KEYS_FILE",
			       "API_KEYS_FILE line %d: a client key needs a user_id", lineno);
	return OS_OK;
}

static bool blank_or_comment(const char *s, const char *end)
{
	while (s < end && is_blank(*s))
		s++;
	return s == end || *s == '#';
}

enum os_status auth_keys_parse(const char *text, size_t len, struct auth_key *keys, size_t cap,
			       size_t *n, struct os_error *err)
{
	const char *p = text, *end = text + len;
	size_t count = 0, i;
	int lineno = 0;
	enum os_status st;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;

		lineno++;
		if (!blank_or_comment(p, le)) {
			if (count == cap)
				return os_fail(err, OS_EINVAL, "API_KEYS_FILE",
					       "API_KEYS_FILE: more than %zu keys", cap);
			st = parse_line(p, le, lineno, &keys[count], err);
			if (st != OS_OK)
				return st;
			for (i = 0; i < count; i++)
				if (memcmp(keys[i].hash, keys[count].hash, 32) == 0)
					return os_fail(err, OS_EINVAL, "API_KEYS_FILE",
						       "API_KEYS_FILE line %d: the same key as an "
						       "earlier line",
						       lineno);
			count++;
		}
		p = nl ? nl + 1 : end;
	}
	*n = count;
	return OS_OK;
}

static enum os_status load_keys(struct auth *a, const char *path, struct os_error *err)
{
	char *text = NULL;
	size_t len = 0, n = 0;
	enum os_status st;

	a->keys = calloc(AUTH_KEYS_MAX, sizeof(*a->keys));
	if (a->keys == NULL)
		return os_fail(err, OS_ENOMEM, "", "out of memory");
	st = conf_file_read(path, AUTH_KEYS_FILE_MAX, "API_KEYS_FILE", &text, &len, err);
	if (st != OS_OK)
		return st;
	st = auth_keys_parse(text, len, a->keys, AUTH_KEYS_MAX, &n, err);
	free(text);
	a->key_count = n;
	return st;
}

static enum os_status copy_claim(char *dst, const char *v, const char *setting,
				 struct os_error *err)
{
	if (v == NULL)
		return OS_OK;
	if (strlen(v) > AUTH_CLAIM_MAX)
		return os_fail(err, OS_EINVAL, setting, "%s: longer than %d bytes", setting,
			       AUTH_CLAIM_MAX);
	snprintf(dst, AUTH_CLAIM_MAX + 1, "%s", v);
	return OS_OK;
}

static enum os_status load_jwt(struct auth *a, const struct auth_settings *s, struct os_error *err)
{
	bool secret = s->jwt_secret && s->jwt_secret[0];
	bool pub = s->jwt_public_key_file && s->jwt_public_key_file[0];
	char *pem = NULL;
	size_t len = 0;
	enum os_status st;

	if (secret && pub)
		return os_fail(err, OS_EINVAL, "JWT_SECRET",
			       "JWT_SECRET and JWT_PUBLIC_KEY_FILE: set one of them, not both");
	if (secret) {
		len = strlen(s->jwt_secret);
		if (len < 32)
			return os_fail(err, OS_EINVAL, "JWT_SECRET",
				       "JWT_SECRET: at least 32 bytes for HS256");
		a->jwt_key = malloc(len + 1);
		if (a->jwt_key == NULL)
			return os_fail(err, OS_ENOMEM, "", "out of memory");
		memcpy(a->jwt_key, s->jwt_secret, len + 1);
		a->jwt_key_len = len;
		a->jwt = AUTH_JWT_HMAC;
	} else if (pub) {
		st = conf_file_read(s->jwt_public_key_file, 64 * 1024, "JWT_PUBLIC_KEY_FILE", &pem,
				    &len, err);
		if (st != OS_OK)
			return st;
		if (strstr(pem, "-----BEGIN PUBLIC KEY-----") == NULL) {
			free(pem);
			return os_fail(
			    err, OS_EINVAL, "JWT_PUBLIC_KEY_FILE",
			    "JWT_PUBLIC_KEY_FILE: expected a PEM public key (BEGIN PUBLIC KEY)");
		}
		a->jwt_key = (unsigned char *)pem;
		a->jwt_key_len = len;
		a->jwt = AUTH_JWT_PUBLIC_KEY;
	}
	if ((st = copy_claim(a->issuer, s->jwt_issuer, "JWT_ISSUER", err)) ||
	    (st = copy_claim(a->audience, s->jwt_audience, "JWT_AUDIENCE", err)))
		return st;
	/* Without both, a token the same key signed for another service (one
	 * identity provider's key serves many) would pass here (DESIGN §4). */
	if (a->jwt != AUTH_JWT_NONE && (a->issuer[0] == '\0' || a->audience[0] == '\0'))
		return os_fail(err, OS_EINVAL, a->issuer[0] ? "JWT_AUDIENCE" : "JWT_ISSUER",
			       "JWT_ISSUER and JWT_AUDIENCE are required with %s: the iss and aud "
			       "every token must have",
			       secret ? "JWT_SECRET" : "JWT_PUBLIC_KEY_FILE");
	return OS_OK;
}

enum os_status auth_init(struct auth *out, const struct auth_settings *s, struct os_error *err)
{
	struct auth a;
	enum os_status st = OS_OK;

	memset(&a, 0, sizeof(a));
	a.off = s->off;
	if (s->keys_file && s->keys_file[0] && (st = load_keys(&a, s->keys_file, err)) != OS_OK)
		goto out;
	if ((st = load_jwt(&a, s, err)) != OS_OK)
		goto out;
	if (!a.off && a.key_count == 0 && a.jwt == AUTH_JWT_NONE) {
		st = os_fail(err, OS_EINVAL, "API_KEYS_FILE",
			     "API_KEYS_FILE, JWT_SECRET or JWT_PUBLIC_KEY_FILE must give at least "
			     "one credential (or AUTH_MODE=off for local experiments)");
		goto out;
	}
	*out = a;
	return OS_OK;
out:
	auth_release(&a);
	return st;
}

void auth_release(struct auth *a)
{
	free(a->keys);
	a->keys = NULL;
	a->key_count = 0;
	if (a->jwt_key)
		OPENSSL_cleanse(a->jwt_key, a->jwt_key_len);
	free(a->jwt_key);
	a->jwt_key = NULL;
	a->jwt_key_len = 0;
}

static bool token68_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

enum os_status auth_bearer_token(const char *header, size_t len, const char **tok, size_t *tok_len)
{
	size_t i = 6;

	if (header == NULL || len < 8 || strncasecmp(header, "Bearer", 6) != 0 || header[6] != ' ')
		return OS_EDENIED;
	while (i < len && header[i] == ' ')
		i++;
	while (len > i && header[len - 1] == ' ')
		len--;
	if (i == len || len - i > AUTH_TOKEN_MAX)
		return OS_EDENIED;
	*tok = header + i;
	*tok_len = len - i;
	for (; i < len; i++)
		if (!token68_char(header[i]))
			return OS_EDENIED;
	return OS_OK;
}

/* Every key is compared, in constant time, so the timing tells nothing
 * about which keys exist. */
static enum os_status check_key(const struct auth *a, const char *tok, size_t len,
				struct auth_principal *out, struct os_error *err)
{
	uint8_t h[SHA256_DIGEST_LEN];
	const struct auth_key *found = NULL;
	struct sha256 c;
	char prefix[17];
	size_t i;

	sha256_init(&c);
	sha256_update(&c, tok, len);
	sha256_final(&c, h);
	for (i = 0; i < a->key_count; i++)
		if (CRYPTO_memcmp(h, a->keys[i].hash, 32) == 0)
			found = &a->keys[i];
	if (found == NULL)
		return os_fail(err, OS_EDENIED, "", "unknown API key");
	memset(out, 0, sizeof(*out));
	out->role = found->role;
	memcpy(out->user_id, found->user_id, sizeof(out->user_id));
	hex_encode(found->hash, 8, prefix);
	snprintf(out->id, sizeof(out->id), "key:%s", prefix);
	return OS_OK;
}

enum os_status auth_check(const struct auth *a, const char *header, size_t len, int64_t now_s,
			  struct auth_principal *out, struct os_error *err)
{
	const char *tok = NULL;
	size_t tok_len = 0, dots = 0, i;

	if (a->off) {
		memset(out, 0, sizeof(*out));
		out->role = AUTH_ROLE_SERVICE;
		snprintf(out->id, sizeof(out->id), "auth-off");
		return OS_OK;
	}
	if (header == NULL)
		return os_fail(err, OS_EDENIED, "", "missing bearer token");
	if (auth_bearer_token(header, len, &tok, &tok_len) != OS_OK)
		return os_fail(err, OS_EDENIED, "", "malformed Authorization header");
	for (i = 0; i < tok_len; i++)
		dots += tok[i] == '.';
	if (dots == 2)
		return auth_jwt_verify(a, tok, tok_len, now_s, out, err);
	return check_key(a, tok, tok_len, out, err);
}
