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
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[32];
	size_t i;

	hmac_raw(key, key_len, msg, len, mac);
	for (i = 0; i < sizeof(mac); i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 0xf];
	}
	out[CRYPTO_SHA256_HEX_LEN] = '\0';
}

/* Decodes exactly 64 hex digits into 32 bytes; false on a bad digit. */
static bool unhex32(const char *s, unsigned char out[32])
{
	size_t i;

	for (i = 0; i < 32; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
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
	if (!unhex32(header + SIG_PREFIX_LEN, got))
		return false;
	hmac_raw(secret, strlen(secret), body, len, want);
	return CRYPTO_memcmp(want, got, sizeof(want)) == 0;
}
