/*
 * SHA-256 (FIPS 180-4) in plain C, for the pure layers: the idempotency
 * fingerprint of a create request is hashed in the use case, which may not
 * reach for a crypto library. Streaming: init, update any number of times,
 * final.
 */
#ifndef OS_SHA256_H
#define OS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN	  64

struct sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t block[64];
	size_t used; /* bytes waiting in block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Writes the digest; c must be initialised again before reuse. */
void sha256_final(struct sha256 *c, uint8_t out[SHA256_DIGEST_LEN]);
/* Lowercase hex of the digest, NUL-terminated. */
void sha256_final_hex(struct sha256 *c, char out[SHA256_HEX_LEN + 1]);

#endif
