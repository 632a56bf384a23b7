/*
 * Log lines (infrastructure/log/log.c), read back from a pipe put in place
 * of stderr: level names parsed in any case and anything else refused; a
 * JSON line is one object on one line with ts, level, msg, component and
 * the non-empty pairs, and hostile text (quotes, backslashes, newlines,
 * control bytes, a forged member, ill-formed UTF-8) comes back as the same
 * string or as "(not valid UTF-8)", never as a second line or a broken
 * object; long values are cut at 1024 bytes without splitting a character,
 * a formatted message too, and a line too long for its bound is cut, never
 * lost; the text form, with control characters escaped; levels below the
 * threshold write nothing.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "infrastructure/json/json_reader.h"
#include "infrastructure/json/json_tree.h"
#include "infrastructure/log/log.h"
#include "tests/support/test_main.h"

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

/* What one or two log lines can need, one object without nesting. */
static const struct json_limits line_limits = {
    .bytes = 16384, .depth = 1, .string_bytes = 8192, .keys = 16, .elements = 1};

static int saved_stderr = -1;
static int pipe_rd = -1;

/* Puts a pipe in place of fd 2 until capture_end. */
static void capture_begin(void)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0); /* never block the test */
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_int_equal(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
	close(fds[1]);
	pipe_rd = fds[0];
}

/* Puts stderr back and reads what was written since capture_begin into buf
 * (NUL-terminated); returns its length. */
static size_t capture_end(char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	assert_int_equal(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	while ((n = read(pipe_rd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(pipe_rd);
	pipe_rd = -1;
	assert_true(len < cap - 1); /* the whole output fitted */
	buf[len] = '\0';
	return len;
}

/* Undoes a capture a failed assertion left in place. */
static int restore_stderr(void **state)
{
	(void)state;
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
	if (pipe_rd >= 0) {
		close(pipe_rd);
		pipe_rd = -1;
	}
	return 0;
}

/* True when ts is RFC 3339 UTC with milliseconds ("2026-11-22T10:15:30.123Z"). */
static bool ts_shape(const char *ts)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t i;

	if (strlen(ts) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? (ts[i] < '0' || ts[i] > '9') : ts[i] != shape[i])
			return false;
	}
	return true;
}

/*
 * Checks that line[0..len) is exactly one line (a single '\n', at its end,
 * and no other byte below 0x20) holding one JSON object with a ts of the
 * right shape, the level and component given and keys members in all;
 * returns its tree (yajl_tree_free it).
 */
static yajl_val json_line(const char *line, size_t len, const char *level, const char *component,
			  size_t keys)
{
	struct os_error err;
	yajl_val v = NULL;
	size_t i;

	if (len == 0 || line[len - 1] != '\n')
		fail_msg("not one line: \"%s\"", line);
	for (i = 0; i + 1 < len; i++) {
		if ((unsigned char)line[i] < 0x20)
			fail_msg("byte 0x%02x at %zu inside the line: %s", (unsigned char)line[i],
				 i, line);
	}
	os_error_clear(&err);
	if (json_tree_parse(&line_limits, line, len - 1, &v, &err) != OS_OK)
		fail_msg("not JSON (%s): %s", err.message, line);
	if (!YAJL_IS_OBJECT(v) || v->u.object.len != keys)
		fail_msg("not an object of %zu members: %s", keys, line);
	if (json_tree_string(v, "ts") == NULL || !ts_shape(json_tree_string(v, "ts")))
		fail_msg("bad ts: %s", line);
	assert_string_equal(json_tree_string(v, "level"), level);
	assert_string_equal(json_tree_string(v, "component"), component);
	return v;
}

static void test_level_parse(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		enum log_level want;
	} cases[] = {
	    {"debug", true, LOG_DEBUG},
	    {"info", true, LOG_INFO},
	    {"warn", true, LOG_WARN},
	    {"warning", true, LOG_WARN},
	    {"error", true, LOG_ERROR},
	    {"DEBUG", true, LOG_DEBUG},
	    {"Info", true, LOG_INFO},
	    {"WARNING", true, LOG_WARN},
	    {"wArN", true, LOG_WARN},
	    {"eRRoR", true, LOG_ERROR},
	    {"", false, 0},
	    {"verbose", false, 0},
	    {"trace", false, 0},
	    {"fatal", false, 0},
	    {"err", false, 0},
	    {"errors", false, 0},
	    {"warnings", false, 0},
	    {"inf", false, 0},
	    {" info", false, 0},
	    {"info ", false, 0},
	    {"info\n", false, 0},
	    {"0", false, 0},
	    {"3", false, 0},
	    {"de bug", false, 0},
	    {"d\xC3\xA9"
	     "bug",
	     false, 0},
	    {NULL, false, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NCASES(cases); i++) {
		enum log_level got = (enum log_level)99; /* a refusal leaves it alone */
		bool ok = log_level_parse(cases[i].s, &got);

		if (ok != cases[i].ok)
			fail_msg("case %zu (\"%s\"): %s", i, cases[i].s ? cases[i].s : "NULL",
				 ok ? "accepted" : "refused");
		if ((int)got != (ok ? (int)cases[i].want : 99))
			fail_msg("case %zu: level %d", i, (int)got);
	}
}

static void test_json_line_fields(void **state)
{
	char out[16384];
	size_t len;
	yajl_val v;

	(void)state;
	log_setup(LOG_DEBUG, true, "test-comp");
	capture_begin();
	log_kv(LOG_INFO, "order created", "order_id", "o-1", "request_id", "r-1", NULL);
	len = capture_end(out, sizeof(out));
	assert_memory_equal(out, "{\"ts\":\"", 7); /* ts leads */
	v = json_line(out, len, "info", "test-comp", 6);
	assert_string_equal(json_tree_string(v, "msg"), "order created");
	assert_string_equal(json_tree_string(v, "order_id"), "o-1");
	assert_string_equal(json_tree_string(v, "request_id"), "r-1");
	yajl_tree_free(v);

	/* NULL and empty values leave their pairs out */
	capture_begin();
	log_kv(LOG_WARN, "m", "a", "", "b", NULL, "c", "x", "d", "", NULL);
	len = capture_end(out, sizeof(out));
	v = json_line(out, len, "warn", "test-comp", 5);
	assert_string_equal(json_tree_string(v, "c"), "x");
	assert_null(json_tree_member(v, "a"));
	assert_null(json_tree_member(v, "b"));
	yajl_tree_free(v);

	capture_begin();
	log_msgf(LOG_ERROR, "stock of %s is %d", "sku-1", -3);
	len = capture_end(out, sizeof(out));
	v = json_line(out, len, "error", "test-comp", 4);
	assert_string_equal(json_tree_string(v, "msg"), "stock of sku-1 is -3");
	yajl_tree_free(v);
}

static void test_levels_below_threshold(void **state)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	char out[16384];
	int min, lvl;

	(void)state;
	for (min = LOG_DEBUG; min <= LOG_ERROR; min++) {
		log_setup((enum log_level)min, true, "lv");
		for (lvl = LOG_DEBUG; lvl <= LOG_ERROR; lvl++) {
			char *second;
			size_t len;
			yajl_val v;

			capture_begin();
			log_kv((enum log_level)lvl, "kv", "k", "v", NULL);
			log_msgf((enum log_level)lvl, "f%d", lvl);
			len = capture_end(out, sizeof(out));
			if (lvl < min) {
				if (len != 0)
					fail_msg("min %d, level %d wrote: %s", min, lvl, out);
				continue;
			}
			second = strchr(out, '\n');
			if (second == NULL)
				fail_msg("min %d, level %d: %zu bytes, no line", min, lvl, len);
			second++;
			v = json_line(out, (size_t)(second - out), names[lvl], "lv", 5);
			yajl_tree_free(v);
			v = json_line(second, len - (size_t)(second - out), names[lvl], "lv", 4);
			yajl_tree_free(v);
		}
	}
}

static void test_json_hostile_values(void **state)
{
	static const char bad_utf8[] = "(not valid UTF-8)";
	static const struct {
		const char *v;
		const char *want; /* NULL: v itself */
	} cases[] = {
	    {"say \"hi\"", NULL},
	    {"C:\\dir\\", NULL},
	    {"\\", NULL},
	    {"\\\"", NULL},
	    {"line1\nline2", NULL},
	    {"\r\n{\"ts\":\"x\"}\n", NULL}, /* a forged second line */
	    {"cr\rtab\tff\fbs\b", NULL},
	    {"\x01\x02\x1b[31m\x1f", NULL},
	    {"\x7f", NULL},
	    {"\",\"level\":\"error", NULL}, /* a forged member */
	    {"x\"}\n{\"msg\":\"y", NULL},
	    {"\\u0000 \\n", NULL}, /* escapes as plain text */
	    {"</script>", NULL},
	    {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", NULL},
	    {"sep\xE2\x80\xA8par\xE2\x80\xA9", NULL}, /* U+2028, U+2029 */
	    {"\xFF", bad_utf8},
	    {"caf\xC3", bad_utf8},	    /* a character cut short */
	    {"\xC0\xAF", bad_utf8},	    /* overlong '/' */
	    {"\xE0\x80\xA2", bad_utf8},	    /* overlong '"' */
	    {"\xED\xA0\x80", bad_utf8},	    /* a surrogate */
	    {"\xF4\x90\x80\x80", bad_utf8}, /* past U+10FFFF */
	    {"\x80quote\"", bad_utf8},
	};
	char out[16384];
	size_t i;

	(void)state;
	log_setup(LOG_DEBUG, true, "test-comp");
	for (i = 0; i < NCASES(cases); i++) {
		const char *want = cases[i].want ? cases[i].want : cases[i].v;
		size_t len;
		yajl_val v;

		/* the same text as message and as a value */
		capture_begin();
		log_kv(LOG_INFO, cases[i].v, "note", cases[i].v, "after", "end", NULL);
		len = capture_end(out, sizeof(out));
		v = json_line(out, len, "info", "test-comp", 6);
		if (strcmp(json_tree_string(v, "msg"), want) != 0 ||
		    strcmp(json_tree_string(v, "note"), want) != 0)
			fail_msg("case %zu: %s", i, out);
		assert_string_equal(json_tree_string(v, "after"), "end");
		yajl_tree_free(v);
	}
}

/* A hostile component name is escaped like any value. */
static void test_json_hostile_component(void **state)
{
	char out[16384];
	size_t len;
	yajl_val v;

	(void)state;
	log_setup(LOG_DEBUG, true, "co\"mp\n\\");
	capture_begin();
	log_kv(LOG_ERROR, "m", NULL);
	len = capture_end(out, sizeof(out));
	v = json_line(out, len, "error", "co\"mp\n\\", 4);
	yajl_tree_free(v);
}

/* Values are cut at 1024 bytes, before a character the cut would split. */
static void test_json_long_values(void **state)
{
	static const struct {
		size_t as;	  /* that many 'a' */
		const char *tail; /* then this */
		size_t want;	  /* the value logged: that many 'a' */
	} cases[] = {
	    {1024, "", 1024},
	    {1025, "", 1024},
	    {5000, "", 1024},
	    {1024, "\xC3\xA9", 1024},	  /* starts at the cut: left out */
	    {1023, "\xC3\xA9", 1023},	  /* straddles the cut: left out whole */
	    {1022, "\xE2\x82\xAC", 1022}, /* three bytes over it */
	    {1021, "\xF0\x9F\x98\x80", 1021},
	};
	char out[16384];
	char value[5100];
	size_t i;

	(void)state;
	log_setup(LOG_DEBUG, true, "c");
	for (i = 0; i < NCASES(cases); i++) {
		const char *got;
		size_t len;
		yajl_val v;

		memset(value, 'a', cases[i].as);
		memcpy(value + cases[i].as, cases[i].tail, strlen(cases[i].tail) + 1);
		capture_begin();
		log_kv(LOG_INFO, value, "v", value, NULL);
		len = capture_end(out, sizeof(out));
		v = json_line(out, len, "info", "c", 5);
		got = json_tree_string(v, "v");
		if (strlen(got) != cases[i].want || strspn(got, "a") != cases[i].want ||
		    strcmp(json_tree_string(v, "msg"), got) != 0)
			fail_msg("case %zu: value of %zu bytes logged", i, strlen(got));
		yajl_tree_free(v);
	}
}

static void test_text_lines(void **state)
{
	static const struct {
		enum log_level lvl;
		const char *msg, *value;
		const char *want; /* after the timestamp and its space */
	} cases[] = {
	    {LOG_DEBUG, "tick", "1", "debug [api] tick k=1\n"},
	    {LOG_INFO, "order created", "o-1", "info  [api] order created k=o-1\n"},
	    {LOG_WARN, "slow", "a b", "warn  [api] slow k=a b\n"},
	    {LOG_ERROR, "failed", "x\"y", "error [api] failed k=x\"y\n"},
	    {LOG_INFO, "empty", "", "info  [api] empty\n"},
	    {LOG_INFO, "bad", "\xC3(", "info  [api] bad k=(not valid UTF-8)\n"},
	    /* Control characters and the backslash are escaped: no second line,
	     * no terminal sequence, in the message or a value. */
	    {LOG_INFO, "m\rx\ny\x1b[31m", "a\nfake line",
	     "info  [api] m\\rx\\ny\\x1b[31m k=a\\nfake line\n"},
	    {LOG_INFO, "tab", "a\tb\\c\x7f", "info  [api] tab k=a\\tb\\\\c\\x7f\n"},
	    {LOG_INFO, "c1",
	     "\xC2\x9B"
	     "2J \xC2\xA0",
	     "info  [api] c1 k=\\u009b2J \xC2\xA0\n"},
	    {LOG_INFO, "bad msg \xC3(", "v", "info  [api] (not valid UTF-8) k=v\n"},
	};
	char out[16384];
	size_t i;

	(void)state;
	log_setup(LOG_DEBUG, false, "api");
	for (i = 0; i < NCASES(cases); i++) {
		char ts[32];
		size_t len;

		capture_begin();
		log_kv(cases[i].lvl, cases[i].msg, "k", cases[i].value, NULL);
		len = capture_end(out, sizeof(out));
		if (len < 25 || out[24] != ' ')
			fail_msg("case %zu: %s", i, out);
		memcpy(ts, out, 24);
		ts[24] = '\0';
		if (!ts_shape(ts) || strcmp(out + 25, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"<ts> %s\"", i, out, cases[i].want);
	}
	log_setup(LOG_WARN, false, "api");
	capture_begin();
	log_kv(LOG_INFO, "hidden", NULL);
	log_msgf(LOG_DEBUG, "hidden");
	assert_int_equal(capture_end(out, sizeof(out)), 0);
}

/* A formatted message over 1024 bytes is cut before a character, not
 * inside one (which would make the whole message "not valid UTF-8"). */
static void test_formatted_message_cut(void **state)
{
	char long_msg[2001], out[16384];
	const char *got;
	size_t i, len;
	yajl_val v;

	(void)state;
	for (i = 0; i < 1000; i++)
		memcpy(long_msg + 2 * i, "\xC3\xA9", 2);
	long_msg[2000] = '\0';
	log_setup(LOG_DEBUG, true, "c");
	capture_begin();
	log_msgf(LOG_INFO, "%s", long_msg);
	len = capture_end(out, sizeof(out));
	v = json_line(out, len, "info", "c", 4);
	got = json_tree_string(v, "msg");
	assert_int_equal(strlen(got), 1024);
	assert_memory_equal(got, long_msg, 1024);
	yajl_tree_free(v);
}

/* A line whose escaped values overflow the line's bound is written with
 * its values cut to 128 bytes, and with too many pairs even for that,
 * without them and with a note: a line is never lost. */
static void test_long_line_is_cut_not_lost(void **state)
{
	static char ctl[1025], a[1025];
	char out[16384];
	size_t len;
	yajl_val v;

	(void)state;
	memset(ctl, 0x01, 1024); /* each byte escapes to 6: \u0001 */
	memset(a, 'a', 1024);
	log_setup(LOG_DEBUG, true, "c");
	capture_begin();
	log_kv(LOG_WARN, ctl, "k", ctl, NULL);
	len = capture_end(out, sizeof(out));
	v = json_line(out, len, "warn", "c", 5);
	assert_int_equal(strlen(json_tree_string(v, "msg")), 128);
	assert_int_equal(strspn(json_tree_string(v, "k"), "\x01"), 128);
	assert_int_equal(strlen(json_tree_string(v, "k")), 128);
	yajl_tree_free(v);

	capture_begin();
	log_kv(LOG_WARN, "m", "k1", a, "k2", a, "k3", a, "k4", a, "k5", a, "k6", a, "k7", a, "k8",
	       a, NULL);
	len = capture_end(out, sizeof(out));
	v = json_line(out, len, "warn", "c", 12);
	assert_int_equal(strlen(json_tree_string(v, "k1")), 128);
	assert_int_equal(strlen(json_tree_string(v, "k8")), 128);
	yajl_tree_free(v);

	capture_begin();
	log_kv(LOG_WARN, "m", "k1", ctl, "k2", ctl, "k3", ctl, "k4", ctl, "k5", ctl, "k6", ctl,
	       "k7", ctl, "k8", ctl, "k9", ctl, "k10", ctl, "k11", ctl, NULL);
	len = capture_end(out, sizeof(out));
	v = json_line(out, len, "warn", "c", 5);
	assert_string_equal(json_tree_string(v, "msg"), "m");
	assert_string_equal(json_tree_string(v, "log"), "line cut: its values did not fit");
	assert_null(json_tree_string(v, "k1"));
	yajl_tree_free(v);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_level_parse),
    cmocka_unit_test_teardown(test_json_line_fields, restore_stderr),
    cmocka_unit_test_teardown(test_levels_below_threshold, restore_stderr),
    cmocka_unit_test_teardown(test_json_hostile_values, restore_stderr),
    cmocka_unit_test_teardown(test_json_hostile_component, restore_stderr),
    cmocka_unit_test_teardown(test_json_long_values, restore_stderr),
    cmocka_unit_test_teardown(test_text_lines, restore_stderr),
    cmocka_unit_test_teardown(test_formatted_message_cut, restore_stderr),
    cmocka_unit_test_teardown(test_long_line_is_cut_not_lost, restore_stderr),
};

TEST_MAIN(tests, NULL, NULL);
