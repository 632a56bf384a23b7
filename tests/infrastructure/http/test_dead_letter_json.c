/* A dead letter as the admin API shows it
 * (infrastructure/http/dead_letter_json.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/http/dead_letter_json.h"
#include "tests/support/test_main.h"

static void test_encode_dead_letter(void **state)
{
	struct dead_letter d;
	struct sbuf sb;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.id = 42;
	snprintf(d.message_id, sizeof(d.message_id), "m");
	snprintf(d.type, sizeof(d.type), "payment.requested");
	snprintf(d.where, sizeof(d.where), "payments");
	d.attempts = 10;
	snprintf(d.error, sizeof(d.error), "HTTP 400");
	sbuf_init(&sb, 4096);
	order_json_dead_letter(&sb, &d);
	assert_string_equal(sb.buf,
			    "{\"id\":42,\"message_id\":\"m\",\"type\":\"payment.requested\","
			    "\"where\":\"payments\",\"order_id\":null,\"attempts\":10,"
			    "\"error\":\"HTTP 400\",\"at\":\"1970-01-01T00:00:00.000Z\"}");
	sbuf_release(&sb);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_encode_dead_letter),
};

TEST_MAIN(tests, NULL, NULL);
