/* HMAC-SHA256 and the payment callback's signature check, on OpenSSL libcrypto. */
#include "infrastructure/crypto/hmac.h"

#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "domain/hex.h"

#define SIG_PREFIX     "sha256="
#define SIG_PREFIX_LEN (sizeof(SIG_PREFIX) - 1)

static void hmac_raw(const char *key, size_t key_len, const void *msg, size_t len,
		     unsigned char out[32])
{
	unsigned int n = 32;

	if (key_len > INT32_MAX ||
	    HMAC(EVP_sha256(), key, (int)key_len, msg, len, out, &n) == NULL) {
		/* Only an OpenSSL internal failure gets here: never match. */
		memset(out, 0, 32);
	}
}

void crypto_hmac_sha256_hex(const char *key, size_t key_len, const void *msg, size_t len,
			    char out[CRYPTO_SHA256_HEX_LEN + 1])
{
	unsigned char mac[32];

	hmac_raw(key, key_len, msg, len, mac);
	hex_encode(mac, sizeof(mac), out);
}

bool crypto_signature_ok(const char *secret, const void *body, size_t len, const char *header,
			 size_t header_len)
{
	unsigned char want[32], got[32];

	if (secret == NULL || header == NULL)
		return false;
	if (header_len != SIG_PREFIX_LEN + CRYPTO_SHA256_HEX_LEN)
		return false;
	if (memcmp(header, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
		return false;
	if (!hex_decode(header + SIG_PREFIX_LEN, sizeof(got), got))
		return false;
	hmac_raw(secret, strlen(secret), body, len, want);
	return CRYPTO_memcmp(want, got, sizeof(want)) == 0;
}
