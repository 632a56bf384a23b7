/*
 * SHA-256 of domain/sha256.c against the FIPS 180-4 examples and the NIST
 * one-million-'a' vector, fed in one piece and in uneven pieces (so every
 * block boundary and padding case is crossed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/sha256.h"
#include "tests/support/test_main.h"

static void hex_of(const char *msg, size_t len, size_t piece, char out[SHA256_HEX_LEN + 1])
{
	struct sha256 c;
	size_t off, n;

	sha256_init(&c);
	for (off = 0; off < len; off += n) {
		n = len - off < piece ? len - off : piece;
		sha256_update(&c, msg + off, n);
	}
	sha256_final_hex(&c, out);
}

static void test_vectors(void **state)
{
	static const struct {
		const char *msg;
		const char *hex;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
	     "klmnopqrlmnopqrsmnopqrstnopqrstu",
	     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
	};
	static const size_t pieces[] = {1, 3, 55, 56, 63, 64, 65, 1000};
	char out[SHA256_HEX_LEN + 1];
	size_t i, p;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
			hex_of(v[i].msg, strlen(v[i].msg), pieces[p], out);
			assert_string_equal(out, v[i].hex);
		}
}

static void test_million_a(void **state)
{
	static char a[1000000];
	char out[SHA256_HEX_LEN + 1];

	(void)state;
	memset(a, 'a', sizeof(a));
	hex_of(a, sizeof(a), 4093, out);
	assert_string_equal(out,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_vectors),
    cmocka_unit_test(test_million_a),
};

TEST_MAIN(tests, NULL, NULL);
