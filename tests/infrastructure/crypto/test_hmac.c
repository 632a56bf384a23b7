/*
 * HMAC-SHA256 and the payment callback's signature check
 * (infrastructure/crypto/hmac.c): the RFC 4231 test vectors in lowercase
 * hex, and the "sha256=<hex>" header accepted in either case of hex and
 * refused for any other prefix, length, digit, body or secret.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/crypto/hmac.h"
#include "tests/support/test_main.h"

#define LIT(s) s, sizeof(s) - 1

/* RFC 4231 section 4.3, test case 2: key "Jefe". */
#define JEFE_DATA "what do ya want for nothing?"
#define JEFE_HEX  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

/* RFC 4231 section 4, HMAC-SHA-256. Test case 5 publishes only the first
 * 128 bits of the MAC; the others the whole of it. */
static void test_rfc4231(void **state)
{
	static const struct {
		const char *key;
		size_t key_len;
		const char *data;
		size_t data_len;
		const char *mac;
	} cases[] = {
	    {LIT("\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b"
		 "\x0b"),
	     LIT("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
	    {LIT("Jefe"), LIT(JEFE_DATA), JEFE_HEX},
	    {LIT("\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
		 "\xaa"),
	     LIT("\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
		 "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
		 "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"),
	     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
	    {LIT("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13"
		 "\x14\x15\x16\x17\x18\x19"),
	     LIT("\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
		 "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
		 "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"),
	     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
	    {LIT("\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c"
		 "\x0c"),
	     LIT("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"},
	    {NULL, 131, LIT("Test Using Larger Than Block-Size Key - Hash Key First"),
	     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
	    {NULL, 131,
	     LIT("This is a test using a larger than block-size key and a larger than block-size "
		 "data. The key needs to be hashed before being used by the HMAC algorithm."),
	     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
	};
	char key_aa[131];
	size_t i;

	(void)state;
	memset(key_aa, 0xaa, sizeof(key_aa)); /* test cases 6 and 7: 131 bytes of 0xaa */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *key = cases[i].key ? cases[i].key : key_aa;
		char out[CRYPTO_SHA256_HEX_LEN + 1];

		memset(out, 'Z', sizeof(out));
		crypto_hmac_sha256_hex(key, cases[i].key_len, cases[i].data, cases[i].data_len,
				       out);
		if (strlen(out) != CRYPTO_SHA256_HEX_LEN ||
		    strncmp(out, cases[i].mac, strlen(cases[i].mac)) != 0)
			fail_msg("case %zu: got %s, want %s", i + 1, out, cases[i].mac);
		if (strspn(out, "0123456789abcdef") != CRYPTO_SHA256_HEX_LEN)
			fail_msg("case %zu: %s is not lowercase hex", i + 1, out);
	}
}

/* An empty key and an empty message are a MAC like any other. */
static void test_empty(void **state)
{
	char out[CRYPTO_SHA256_HEX_LEN + 1];

	(void)state;
	crypto_hmac_sha256_hex("", 0, "", 0, out);
	assert_string_equal(out,
			    "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
	assert_true(crypto_signature_ok(
	    "", "", 0,
	    LIT("sha256=b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")));
}

static void test_signature_accepted(void **state)
{
	static const char *const headers[] = {
	    ("sha256=" JEFE_HEX),
	    "sha256=5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843",
	    "sha256=5bDCc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (!crypto_signature_ok("Jefe", LIT(JEFE_DATA), headers[i], strlen(headers[i])))
			fail_msg("case %zu: \"%s\" refused", i, headers[i]);
}

/* Only header_len bytes are the header: what follows them does not count. */
static void test_signature_header_len(void **state)
{
	static const char header[] = "sha256=" JEFE_HEX "trailing junk";
	const size_t n = 7 + CRYPTO_SHA256_HEX_LEN;

	(void)state;
	assert_true(crypto_signature_ok("Jefe", LIT(JEFE_DATA), header, n));
	assert_false(crypto_signature_ok("Jefe", LIT(JEFE_DATA), header, n - 1));
	assert_false(crypto_signature_ok("Jefe", LIT(JEFE_DATA), header, n + 1));
	assert_false(crypto_signature_ok("Jefe", LIT(JEFE_DATA), header, 0));
}

static void test_signature_refused(void **state)
{
	static const struct {
		const char *secret;
		const char *body;
		const char *header;
	} cases[] = {
	    /* the digest: one digit changed, the first or the last */
	    {"Jefe", JEFE_DATA,
	     "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3842"},
	    {"Jefe", JEFE_DATA,
	     "sha256=6bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	    /* the body or the secret differs by one byte */
	    {"Jefe", "what do ya want for nothing!", "sha256=" JEFE_HEX},
	    {"Jefe", "what do ya want for nothing", "sha256=" JEFE_HEX},
	    {"jefe", JEFE_DATA, "sha256=" JEFE_HEX},
	    {"Jefe ", JEFE_DATA, "sha256=" JEFE_HEX},
	    {"", JEFE_DATA, "sha256=" JEFE_HEX},
	    /* the prefix */
	    {"Jefe", JEFE_DATA, JEFE_HEX},
	    {"Jefe", JEFE_DATA, "SHA256=" JEFE_HEX},
	    {"Jefe", JEFE_DATA, "sha256:" JEFE_HEX},
	    {"Jefe", JEFE_DATA, "sha256 =" JEFE_HEX},
	    {"Jefe", JEFE_DATA, " sha256=" JEFE_HEX},
	    {"Jefe", JEFE_DATA, "sha1=" JEFE_HEX},
	    {"Jefe", JEFE_DATA, "sha512=" JEFE_HEX},
	    {"Jefe", JEFE_DATA, "=" JEFE_HEX},
	    /* the length of the hex */
	    {"Jefe", JEFE_DATA,
	     "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec384"},
	    {"Jefe", JEFE_DATA, "sha256=" JEFE_HEX "0"},
	    {"Jefe", JEFE_DATA, "sha256=" JEFE_HEX " "},
	    {"Jefe", JEFE_DATA, "sha256=" JEFE_HEX "\n"},
	    {"Jefe", JEFE_DATA, "sha256="},
	    {"Jefe", JEFE_DATA, ""},
	    /* a digit that is not hex, at either end of the hex */
	    {"Jefe", JEFE_DATA,
	     "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec384g"},
	    {"Jefe", JEFE_DATA,
	     "sha256= bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	    {"Jefe", JEFE_DATA,
	     "sha256=0x5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec38"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (crypto_signature_ok(cases[i].secret, cases[i].body, strlen(cases[i].body),
					cases[i].header, strlen(cases[i].header)))
			fail_msg("case %zu: \"%s\" accepted", i, cases[i].header);
}

static void test_signature_null(void **state)
{
	static const char header[] = "sha256=" JEFE_HEX;

	(void)state;
	assert_false(crypto_signature_ok(NULL, LIT(JEFE_DATA), LIT(header)));
	assert_false(crypto_signature_ok("Jefe", LIT(JEFE_DATA), NULL, sizeof(header) - 1));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rfc4231),
    cmocka_unit_test(test_empty),
    cmocka_unit_test(test_signature_accepted),
    cmocka_unit_test(test_signature_header_len),
    cmocka_unit_test(test_signature_refused),
    cmocka_unit_test(test_signature_null),
};

TEST_MAIN(tests, NULL, NULL);
