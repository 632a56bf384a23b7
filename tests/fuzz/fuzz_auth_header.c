/*
 * Fuzz target for authentication: the input is an Authorization header
 * value checked against API keys and an HS256 secret, and against an ES256
 * public key (JWT parsing and verification by libjwt, then our claims); the
 * same bytes are parsed as an API keys file, and are signed here as the
 * claims of an HS256 JWT so that the claim checks (exp, nbf, iss, aud, sub,
 * role) see any JSON, not only what survives a signature. Nothing may
 * crash, and a success must carry a role and, for a client, a user.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "infrastructure/auth/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A public key only: the matching private key was thrown away. */
static const char ec_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEVmXO52id686btwyFT+wdJheAfQCL\n"
    "itd/VfxYHrcVxo4FSnQ27Yx2/I6ZRpURH/qmwUrYveWRKu6TBw6XI+cMzw==\n"
    "-----END PUBLIC KEY-----\n";

#define FUZZ_SECRET "fuzz-secret-0123456789abcdef0123456789"

static struct auth hmac_auth, ec_auth;
static struct auth_key keys[8];

static void setup(void)
{
	static bool done;
	static const char secret[] = FUZZ_SECRET;

	if (done)
		return;
	done = true;
	memset(keys, 0, sizeof(keys));
	/* "fuzz-key" is a client of user "u1" */
	SHA256((const unsigned char *)"fuzz-key", 8, keys[0].hash);
	keys[0].role = AUTH_ROLE_CLIENT;
	memcpy(keys[0].user_id, "u1", 3);
	hmac_auth.keys = keys;
	hmac_auth.key_count = 1;
	hmac_auth.jwt = AUTH_JWT_HMAC;
	hmac_auth.jwt_key = (unsigned char *)(uintptr_t)secret;
	hmac_auth.jwt_key_len = sizeof(secret) - 1;
	memcpy(hmac_auth.issuer, "iss", 4);
	memcpy(hmac_auth.audience, "aud", 4);
	ec_auth.jwt = AUTH_JWT_PUBLIC_KEY;
	ec_auth.jwt_key = (unsigned char *)(uintptr_t)ec_public_pem;
	ec_auth.jwt_key_len = sizeof(ec_public_pem) - 1;
}

static void check(const struct auth *a, const char *h, size_t len)
{
	struct auth_principal p;
	struct os_error err;

	if (auth_check(a, h, len, 1700000000, &p, &err) != OS_OK)
		return;
	if (p.role == AUTH_ROLE_NONE || memchr(p.id, '\0', sizeof(p.id)) == NULL)
		abort();
	if (p.role == AUTH_ROLE_CLIENT && p.user_id[0] == '\0')
		abort();
}

/* base64url without padding of len bytes at in; returns the length. */
static size_t b64url(const unsigned char *in, size_t len, char *out)
{
	int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	size_t i;

	while (n > 0 && out[n - 1] == '=')
		n--;
	for (i = 0; i < (size_t)n; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	out[n] = '\0';
	return (size_t)n;
}

/* "Bearer " + an HS256 JWT whose claims are the input bytes, correctly
 * signed with the HMAC auth's secret. */
static void check_signed_claims(const uint8_t *data, size_t size)
{
	static const char head[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char tok[AUTH_TOKEN_MAX + 64];
	unsigned char mac[32];
	unsigned int mac_len = 0;
	size_t at;

	if (size > 2048)
		return;
	at = (size_t)snprintf(tok, sizeof(tok), "Bearer ");
	at += b64url((const unsigned char *)head, sizeof(head) - 1, tok + at);
	tok[at++] = '.';
	at += b64url(data, size, tok + at);
	HMAC(EVP_sha256(), FUZZ_SECRET, (int)(sizeof(FUZZ_SECRET) - 1), (unsigned char *)tok + 7,
	     at - 7, mac, &mac_len);
	tok[at++] = '.';
	at += b64url(mac, mac_len, tok + at);
	check(&hmac_auth, tok, at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_key parsed[4];
	struct os_error err;
	char *h = malloc(size ? size : 1);
	size_t n;

	if (h == NULL)
		return 0;
	setup();
	memcpy(h, data, size);
	check(&hmac_auth, h, size);
	check(&ec_auth, h, size);
	check_signed_claims(data, size);
	if (auth_keys_parse(h, size, parsed, 4, &n, &err) == OS_OK && n > 4)
		abort();
	free(h);
	return 0;
}
