/*
 * Bearer authentication of the HTTP API (DESIGN §4): API keys listed hashed
 * in API_KEYS_FILE and JWTs (libjwt; HS256 with a shared secret, RS256 or
 * ES256 with a public key; iss, aud, exp and nbf checked). Everything is read
 * and parsed once at start (auth_init); a request's check (auth_check) is
 * pure computation on memory, no I/O, so it may run on an event loop.
 *
 * A token with two dots is a JWT, anything else an API key. An API key is
 * looked up by its SHA-256; the file holds "sha256-hex role [user_id]" per
 * line ('#' comments and blank lines allowed). A JWT names its user in
 * "sub" and its role in the "role" claim (absent: client).
 */
#ifndef OS_AUTH_H
#define OS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/order.h"
#include "domain/status.h"

#define AUTH_KEYS_MAX	   1024
#define AUTH_TOKEN_MAX	   4096 /* bytes of a bearer token */
#define AUTH_KEYS_FILE_MAX (1u << 20)
#define AUTH_CLAIM_MAX	   256 /* JWT_ISSUER, JWT_AUDIENCE */
#define AUTH_PRINCIPAL_MAX 80  /* "key:" + 16 hex, or "jwt:" + sub */

enum auth_role {
	AUTH_ROLE_NONE = 0, /* unauthenticated */
	AUTH_ROLE_CLIENT,   /* acts as one user */
	AUTH_ROLE_SERVICE,  /* acts for any user */
	AUTH_ROLE_ADMIN,    /* a service that may also operate the outbox */
};

/* Who a request acts as. user_id is "" unless role is client (a service
 * key may carry one, it is kept but not enforced). id names the credential
 * for rate limits and logs without revealing it. */
struct auth_principal {
	enum auth_role role;
	char user_id[ORDER_USER_ID_MAX + 1];
	char id[AUTH_PRINCIPAL_MAX + 1];
};

struct auth_key {
	uint8_t hash[32];
	enum auth_role role;
	char user_id[ORDER_USER_ID_MAX + 1];
};

enum auth_jwt_kind { AUTH_JWT_NONE = 0, AUTH_JWT_HMAC, AUTH_JWT_PUBLIC_KEY };

/* What auth_init reads. Strings may be NULL or "". */
struct auth_settings {
	bool off;			 /* AUTH_MODE=off: every request is a service */
	const char *keys_file;		 /* API_KEYS_FILE */
	const char *jwt_secret;		 /* JWT_SECRET (HS256) */
	const char *jwt_public_key_file; /* JWT_PUBLIC_KEY_FILE (RS256/ES256 PEM) */
	const char *jwt_issuer;		 /* JWT_ISSUER: required "iss" when set */
	const char *jwt_audience;	 /* JWT_AUDIENCE: required in "aud" when set */
};

/* Read-only after auth_init; shared by every thread. */
struct auth {
	bool off;
	struct auth_key *keys; /* owned */
	size_t key_count;
	enum auth_jwt_kind jwt;
	unsigned char *jwt_key; /* owned: the secret or the PEM text */
	size_t jwt_key_len;
	char issuer[AUTH_CLAIM_MAX + 1];
	char audience[AUTH_CLAIM_MAX + 1];
};

/*
 * Reads the keys file and the JWT key, parses and checks them. On failure
 * err holds one line naming the setting (and the line of the keys file);
 * *a is written only on success. Having no credential at all (no keys, no
 * JWT key) with off unset is an error: nobody could call the API.
 */
enum os_status auth_init(struct auth *a, const struct auth_settings *s, struct os_error *err);

/* Frees what auth_init allocated. */
void auth_release(struct auth *a);

/*
 * Parses the text of a keys file (len bytes) into keys (at most cap);
 * *n receives the count. Pure: the fuzz target calls it on any bytes.
 */
enum os_status auth_keys_parse(const char *text, size_t len, struct auth_key *keys, size_t cap,
			       size_t *n, struct os_error *err);

/*
 * Extracts the token of an Authorization header value ("Bearer <token>",
 * scheme case-insensitive, token68 characters, at most AUTH_TOKEN_MAX) into
 * *tok / *tok_len (pointing into header). OS_EDENIED when malformed.
 */
enum os_status auth_bearer_token(const char *header, size_t len, const char **tok, size_t *tok_len);

/*
 * Authenticates an Authorization header value (NULL: absent) at wall-clock
 * time now_s (seconds since the epoch). OS_OK fills *out; OS_EDENIED with a
 * short reason in err (never the token) otherwise. With auth off every call
 * succeeds as a service.
 */
enum os_status auth_check(const struct auth *a, const char *header, size_t len, int64_t now_s,
			  struct auth_principal *out, struct os_error *err);

/* Internal: JWT verification (auth_jwt.c). */
enum os_status auth_jwt_verify(const struct auth *a, const char *token, size_t len, int64_t now_s,
			       struct auth_principal *out, struct os_error *err);

#endif
