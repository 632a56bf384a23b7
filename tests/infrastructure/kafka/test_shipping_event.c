/*
 * The shipping event decoder (infrastructure/kafka/shipping_event.c), called
 * directly: the accepted shapes (each type, keys in any order, other keys
 * and nested values ignored) and what a success writes, then each refusal
 * with its status and field, out left untouched: null and empty values, not
 * an object, a missing, empty, non-string, repeated or oversized field, an
 * id that is not printable, an unknown type, an order id that is not a
 * UUID, bad UTF-8, and the message limits (size, depth).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "infrastructure/kafka/shipping_event.h"
#include "tests/support/test_main.h"

#define LIT(s) s, sizeof(s) - 1

#define ORDER "0b9f3c4e-1d2a-4c5b-8e6f-7a8b9c0d1e2f"

static const uint8_t order_bytes[16] = {0x0b, 0x9f, 0x3c, 0x4e, 0x1d, 0x2a, 0x4c, 0x5b,
					0x8e, 0x6f, 0x7a, 0x8b, 0x9c, 0x0d, 0x1e, 0x2f};

/* An inbox_msg whose every byte is 0xa5 but for the fields a caller sets
 * before decoding, so that any write shows. */
static void msg_fill(struct inbox_msg *m)
{
	memset(m, 0xa5, sizeof(*m));
	snprintf(m->source, sizeof(m->source), "%s", INBOX_SOURCE_SHIPPING);
	snprintf(m->request_id, sizeof(m->request_id), "req-7");
	m->payment_id[0] = '\0';
	m->has_order_id = false;
	m->rejected = false;
}

/* Decodes json[0..len) and checks what a success writes, and nothing else. */
static void decode_ok(size_t i, const char *json, size_t len, const char *id, const char *type)
{
	struct inbox_msg m, before;
	struct os_error err;
	enum os_status st;

	msg_fill(&m);
	memcpy(&before, &m, sizeof(m));
	st = shipping_event_decode(json, len, &m, &err);
	if (st != OS_OK)
		fail_msg("case %zu: %s (%s at \"%s\")", i, os_status_name(st), err.message,
			 err.field);
	if (strcmp(m.message_id, id) != 0 || strcmp(m.type, type) != 0)
		fail_msg("case %zu: got id \"%s\" type \"%s\"", i, m.message_id, m.type);
	if (!m.has_order_id || memcmp(m.order_id.b, order_bytes, 16) != 0)
		fail_msg("case %zu: order id not decoded", i);
	if (m.payload != json || m.payload_len != len)
		fail_msg("case %zu: payload does not point at the value", i);
	/* Left alone: */
	if (memcmp(m.source, before.source, sizeof(m.source)) != 0 || m.rejected ||
	    memcmp(m.error, before.error, sizeof(m.error)) != 0 ||
	    strcmp(m.request_id, "req-7") != 0 || m.payment_id[0] != '\0')
		fail_msg("case %zu: a field it does not own was written", i);
}

/* Decodes json[0..len) expecting st with err.field == field, out untouched. */
static void decode_refused(size_t i, const char *json, size_t len, enum os_status st,
			   const char *field)
{
	struct inbox_msg m, before;
	struct os_error err;
	enum os_status got;

	msg_fill(&m);
	memcpy(&before, &m, sizeof(m));
	os_error_clear(&err);
	got = shipping_event_decode(json, len, &m, &err);
	if (got != st)
		fail_msg("case %zu: got %s, want %s (%s)", i, os_status_name(got),
			 os_status_name(st), err.message);
	if (strcmp(err.field, field) != 0)
		fail_msg("case %zu: field \"%s\", want \"%s\" (%s)", i, err.field, field,
			 err.message);
	if (err.message[0] == '\0')
		fail_msg("case %zu: no reason given", i);
	if (memcmp(&m, &before, sizeof(m)) != 0)
		fail_msg("case %zu: out was written", i);
}

static void test_accepted(void **state)
{
	static const struct {
		const char *json;
		const char *id, *type;
	} cases[] = {
	    {"{\"event_id\":\"ev-1\",\"event_type\":\"order.shipped\",\"order_id\":\"" ORDER
	     "\",\"occurred_at\":\"2024-05-01T10:00:00Z\"}",
	     "ev-1", "order.shipped"},
	    {"{\"event_id\":\"ev-2\",\"event_type\":\"order.delivered\",\"order_id\":\"" ORDER
	     "\",\"occurred_at\":\"2024-05-02T10:00:00Z\"}",
	     "ev-2", "order.delivered"},
	    {"{\"event_id\":\"ev-3\",\"event_type\":\"shipping.failed\",\"order_id\":\"" ORDER
	     "\",\"occurred_at\":\"2024-05-02T10:00:00Z\"}",
	     "ev-3", "shipping.failed"},
	    /* keys in another order, blanks around everything */
	    {" \n{ \"occurred_at\" : \"t\" ,\t\"order_id\":\"" ORDER
	     "\", \"event_type\": \"order.shipped\", \"event_id\": \"x\" }\r\n ",
	     "x", "order.shipped"},
	    /* other keys, nested values and nulls are ignored */
	    {"{\"carrier\":{\"name\":\"dhl\",\"legs\":[1,{\"event_id\":7},[]]},\"event_id\":\"ev-"
	     "4\","
	     "\"event_type\":\"order.shipped\",\"tracking\":null,\"order_id\":\"" ORDER
	     "\",\"occurred_at\":\"2024-05-01T10:00:00Z\",\"late\":false,\"n\":1.5e3}",
	     "ev-4", "order.shipped"},
	    /* the order id in upper case; an id of printable punctuation */
	    {"{\"event_id\":\"shp:2024/05#1~!\",\"event_type\":\"order.shipped\",\"order_id\":"
	     "\"0B9F3C4E-1D2A-4C5B-8E6F-7A8B9C0D1E2F\",\"occurred_at\":\"t\"}",
	     "shp:2024/05#1~!", "order.shipped"},
	    /* escapes are decoded before the checks */
	    {"{\"event_id\":\"ev\\u002d5\\/a\",\"event_type\":\"order\\u002eshipped\",\"order_id\":"
	     "\"" ORDER "\",\"occurred_at\":\"t\"}",
	     "ev-5/a", "order.shipped"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		decode_ok(i, cases[i].json, strlen(cases[i].json), cases[i].id, cases[i].type);
}

/* Only len bytes are the value: a valid event followed by junk. */
static void test_reads_len_bytes(void **state)
{
	static const char text[] = "{\"event_id\":\"e\",\"event_type\":\"order.shipped\","
				   "\"order_id\":\"" ORDER "\",\"occurred_at\":\"t\"}garbage";

	(void)state;
	decode_ok(0, text, sizeof(text) - 1 - 7, "e", "order.shipped");
	decode_refused(1, text, sizeof(text) - 1, OS_EINVAL, "");
	decode_refused(2, text, sizeof(text) - 1 - 8, OS_EINVAL, "");
}

#define REST_TYPE  "\"event_type\":\"order.shipped\""
#define REST_ORDER "\"order_id\":\"" ORDER "\""
#define REST_AT	   "\"occurred_at\":\"t\""

static void test_refused(void **state)
{
	static const struct {
		const char *json;
		size_t len;
		const char *field;
	} cases[] = {
	    /* not one JSON object */
	    {LIT("not json"), ""},
	    {LIT("[]"), ""},
	    {LIT("\"event\""), ""},
	    {LIT("null"), ""},
	    {LIT("{"), ""},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE "," REST_ORDER "," REST_AT "}{}"), ""},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE "," REST_ORDER "," REST_AT ",}"), ""},
	    {LIT("{'event_id':'e'}"), ""},
	    /* a missing field: the first missing one in the order of the header */
	    {LIT("{}"), "event_id"},
	    {LIT("{" REST_TYPE "," REST_ORDER "," REST_AT "}"), "event_id"},
	    {LIT("{\"event_id\":\"e\"," REST_ORDER "," REST_AT "}"), "event_type"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE "," REST_AT "}"), "order_id"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE "," REST_ORDER "}"), "occurred_at"},
	    {LIT("{\"Event_id\":\"e\"," REST_TYPE "," REST_ORDER "," REST_AT "}"), "event_id"},
	    /* a field that is not a string */
	    {LIT("{\"event_id\":7," REST_TYPE "," REST_ORDER "," REST_AT "}"), "event_id"},
	    {LIT("{\"event_id\":null," REST_TYPE "," REST_ORDER "," REST_AT "}"), "event_id"},
	    {LIT("{\"event_id\":\"e\",\"event_type\":{}," REST_ORDER "," REST_AT "}"),
	     "event_type"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE ",\"order_id\":[\"" ORDER "\"]," REST_AT "}"),
	     "order_id"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE "," REST_ORDER ",\"occurred_at\":true}"),
	     "occurred_at"},
	    /* an empty string */
	    {LIT("{\"event_id\":\"\"," REST_TYPE "," REST_ORDER "," REST_AT "}"), "event_id"},
	    {LIT("{\"event_id\":\"e\",\"event_type\":\"\"," REST_ORDER "," REST_AT "}"),
	     "event_type"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE ",\"order_id\":\"\"," REST_AT "}"), "order_id"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE "," REST_ORDER ",\"occurred_at\":\"\"}"),
	     "occurred_at"},
	    /* a repeated field */
	    {LIT("{\"event_id\":\"e\",\"event_id\":\"f\"," REST_TYPE "," REST_ORDER "," REST_AT
		 "}"),
	     "event_id"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE "," REST_ORDER "," REST_AT "," REST_TYPE "}"),
	     "event_type"},
	    /* an event id that is not printable ASCII */
	    {LIT("{\"event_id\":\"ev 1\"," REST_TYPE "," REST_ORDER "," REST_AT "}"), "event_id"},
	    {LIT("{\"event_id\":\"ev\\t1\"," REST_TYPE "," REST_ORDER "," REST_AT "}"), "event_id"},
	    {LIT("{\"event_id\":\"ev\\u007f\"," REST_TYPE "," REST_ORDER "," REST_AT "}"),
	     "event_id"},
	    {LIT("{\"event_id\":\"caf\xc3\xa9\"," REST_TYPE "," REST_ORDER "," REST_AT "}"),
	     "event_id"},
	    /* a type that is not a shipping event's */
	    {LIT("{\"event_id\":\"e\",\"event_type\":\"order.created\"," REST_ORDER "," REST_AT
		 "}"),
	     "event_type"},
	    {LIT("{\"event_id\":\"e\",\"event_type\":\"Order.Shipped\"," REST_ORDER "," REST_AT
		 "}"),
	     "event_type"},
	    {LIT("{\"event_id\":\"e\",\"event_type\":\"order.shipped \"," REST_ORDER "," REST_AT
		 "}"),
	     "event_type"},
	    {LIT("{\"event_id\":\"e\",\"event_type\":\"payment.succeeded\"," REST_ORDER "," REST_AT
		 "}"),
	     "event_type"},
	    {LIT("{\"event_id\":\"e\",\"event_type\":\"order.shipped.and.delivered.and.then.some."
		 "more.words\"," REST_ORDER "," REST_AT "}"),
	     "event_type"},
	    /* an order id that is not a UUID */
	    {LIT("{\"event_id\":\"e\"," REST_TYPE ",\"order_id\":\"42\"," REST_AT "}"), "order_id"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE
		 ",\"order_id\":\"0b9f3c4e1d2a4c5b8e6f7a8b9c0d1e2f\"," REST_AT "}"),
	     "order_id"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE
		 ",\"order_id\":\"0b9f3c4e-1d2a-4c5b-8e6f-7a8b9c0d1e2g\"," REST_AT "}"),
	     "order_id"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE
		 ",\"order_id\":\"0b9f3c4e-1d2a-4c5b-8e6f-7a8b9c0d1e2\"," REST_AT "}"),
	     "order_id"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE ",\"order_id\":\"" ORDER "0\"," REST_AT "}"),
	     "order_id"},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE ",\"order_id\":\"{" ORDER "}\"," REST_AT "}"),
	     "order_id"},
	    /* not strict UTF-8, also where nothing is read */
	    {LIT("{\"event_id\":\"e\xff\"," REST_TYPE "," REST_ORDER "," REST_AT "}"), ""},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE "," REST_ORDER "," REST_AT
		 ",\"x\":\"\xc0\xaf\"}"),
	     ""},
	    {LIT("{\"event_id\":\"e\\u0000\"," REST_TYPE "," REST_ORDER "," REST_AT "}"), ""},
	    {LIT("{\"event_id\":\"e\"," REST_TYPE "," REST_ORDER "," REST_AT ",\"x\":\"\\ud800\"}"),
	     ""},
	    {LIT("{\"event_id\":\"e\0\"," REST_TYPE "," REST_ORDER "," REST_AT "}"), ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		decode_refused(i, cases[i].json, cases[i].len, OS_EINVAL, cases[i].field);
}

static void test_null_and_empty(void **state)
{
	(void)state;
	decode_refused(0, NULL, 0, OS_EINVAL, "");
	decode_refused(1, NULL, 10, OS_EINVAL, "");
	decode_refused(2, "{}", 0, OS_EINVAL, "");
	decode_refused(3, LIT(" "), OS_EINVAL, "");
}

/* An order.delivered event of these fields into buf. */
static void event_with(char *buf, size_t cap, const char *id, const char *order, const char *at)
{
	int n =
	    snprintf(buf, cap,
		     "{\"event_id\":\"%s\",\"event_type\":\"order.delivered\",\"order_id\":\"%s\","
		     "\"occurred_at\":\"%s\"}",
		     id, order, at);

	assert_true(n > 0 && (size_t)n < cap);
}

/* event_id holds INBOX_MESSAGE_ID_MAX bytes, occurred_at 40, order_id a
 * UUID's 36; one more is refused naming the field. */
static void test_field_caps(void **state)
{
	char id[INBOX_MESSAGE_ID_MAX + 2], at[42], text[512];

	(void)state;
	memset(id, 'i', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	memset(at, '9', sizeof(at) - 1);
	at[sizeof(at) - 1] = '\0';

	id[INBOX_MESSAGE_ID_MAX] = '\0';
	event_with(text, sizeof(text), id, ORDER, "t");
	decode_ok(0, text, strlen(text), id, "order.delivered");
	id[INBOX_MESSAGE_ID_MAX] = 'i';
	event_with(text, sizeof(text), id, ORDER, "t");
	decode_refused(1, text, strlen(text), OS_EINVAL, "event_id");

	at[40] = '\0';
	event_with(text, sizeof(text), "e", ORDER, at);
	decode_ok(2, text, strlen(text), "e", "order.delivered");
	at[40] = '9';
	event_with(text, sizeof(text), "e", ORDER, at);
	decode_refused(3, text, strlen(text), OS_EINVAL, "occurred_at");

	event_with(text, sizeof(text), "e", ORDER "f", "t");
	decode_refused(4, text, strlen(text), OS_EINVAL, "order_id");
}

/* The whole value holds INBOX_PAYLOAD_MAX bytes; one more is too big. */
static void test_size(void **state)
{
	static const char head[] = "{\"event_id\":\"e\",\"event_type\":\"order.shipped\","
				   "\"order_id\":\"" ORDER "\",\"occurred_at\":\"t\",\"pad\":\"";
	char *text = test_malloc(INBOX_PAYLOAD_MAX + 2);
	size_t n = INBOX_PAYLOAD_MAX;

	(void)state;
	memcpy(text, head, sizeof(head) - 1);
	memset(text + sizeof(head) - 1, 'p', n - (sizeof(head) - 1) - 2);
	memcpy(text + n - 2, "\"}", 2);
	decode_ok(0, text, n, "e", "order.shipped");

	memset(text + n - 2, 'p', 1);
	memcpy(text + n - 1, "\"}", 2);
	decode_refused(1, text, n + 1, OS_ETOOBIG, "");
	test_free(text);
}

/* An ignored key's value nested to the message's depth of 32 (the event
 * itself is the first level) is skipped; one level more is refused. */
static void test_depth(void **state)
{
	static const char head[] = "{\"event_id\":\"e\",\"event_type\":\"order.shipped\","
				   "\"order_id\":\"" ORDER "\",\"occurred_at\":\"t\",\"deep\":";
	char text[sizeof(head) + 2 * 32 + 1];
	size_t arrays, i;

	(void)state;
	for (arrays = 31; arrays <= 32; arrays++) {
		size_t n = sizeof(head) - 1;

		memcpy(text, head, n);
		for (i = 0; i < arrays; i++)
			text[n++] = '[';
		for (i = 0; i < arrays; i++)
			text[n++] = ']';
		text[n++] = '}';
		if (arrays == 31)
			decode_ok(0, text, n, "e", "order.shipped");
		else
			decode_refused(1, text, n, OS_EINVAL, "");
	}
}

static const struct CMUnitTest tests[] = {
    /* what is accepted */
    cmocka_unit_test(test_accepted),
    cmocka_unit_test(test_reads_len_bytes),
    /* what is refused */
    cmocka_unit_test(test_refused),
    cmocka_unit_test(test_null_and_empty),
    cmocka_unit_test(test_field_caps),
    cmocka_unit_test(test_size),
    cmocka_unit_test(test_depth),
};

TEST_MAIN(tests, NULL, NULL);
