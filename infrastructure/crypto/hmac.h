/*
 * HMAC-SHA256 over OpenSSL libcrypto and the check of the payment
 * callback's X-Signature header.
 */
#ifndef OS_CRYPTO_HMAC_H
#define OS_CRYPTO_HMAC_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_SHA256_HEX_LEN 64

/* Writes the lowercase hex HMAC-SHA256 of msg under key, NUL-terminated. */
void crypto_hmac_sha256_hex(const char *key, size_t key_len, const void *msg, size_t len,
			    char out[CRYPTO_SHA256_HEX_LEN + 1]);

/*
 * True when header (not NUL-terminated, header_len bytes) is exactly
 * "sha256=<hex>" and hex is the HMAC-SHA256 of body under secret. Hex may be
 * either case. The digest comparison takes constant time (CRYPTO_memcmp), so
 * the answer's timing reveals nothing about the expected digest.
 */
bool crypto_signature_ok(const char *secret, const void *body, size_t len, const char *header,
			 size_t header_len);

#endif
