/* The JSON writer on sbuf; see json_write.h. */
#include "app/json_write.h"

#include <inttypes.h>
#include <string.h>

#include "app/timefmt.h"
#include "domain/money.h"

void json_write_init(struct json_writer *w, struct sbuf *sb)
{
	w->sb = sb;
	w->depth = 0;
	w->members = 0;
	w->arrays = 0;
}

bool json_write_ok(const struct json_writer *w)
{
	return sbuf_ok(w->sb) && w->depth == 0;
}

void json_write_quoted(struct sbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	sbuf_add(sb, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sbuf_add(sb, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			char two[2] = {'\\', (char)c};

			sbuf_add(sb, two, 2);
		} else if (c == '\n') {
			sbuf_add(sb, "\\n", 2);
		} else if (c == '\t') {
			sbuf_add(sb, "\\t", 2);
		} else if (c == '\r') {
			sbuf_add(sb, "\\r", 2);
		} else {
			sbuf_add(sb, esc, sizeof(esc));
		}
	}
	sbuf_add(sb, s + run, len - run);
	sbuf_add(sb, "\"", 1);
}

/* The comma and "key": before a value; a key inside an array, or none
 * inside an object, is a caller's error and fails the buffer. */
static void member(struct json_writer *w, const char *key)
{
	uint64_t bit = UINT64_C(1) << w->depth;
	bool in_array = (w->arrays & bit) != 0;

	if (w->depth > 0 && (key != NULL) == in_array) {
		sbuf_fail(w->sb);
		return;
	}
	if (w->depth == 0 && key != NULL) {
		sbuf_fail(w->sb);
		return;
	}
	if (w->members & bit)
		sbuf_add(w->sb, ",", 1);
	w->members |= bit;
	if (key == NULL)
		return;
	json_write_quoted(w->sb, key, strlen(key));
	sbuf_add(w->sb, ":", 1);
}

static void open_container(struct json_writer *w, const char *key, bool array)
{
	uint64_t bit;

	member(w, key);
	if (w->depth == JSON_WRITE_DEPTH_MAX) {
		sbuf_fail(w->sb);
		return;
	}
	sbuf_add(w->sb, array ? "[" : "{", 1);
	bit = UINT64_C(1) << ++w->depth;
	w->members &= ~bit;
	if (array)
		w->arrays |= bit;
	else
		w->arrays &= ~bit;
}

void json_write_object(struct json_writer *w, const char *key)
{
	open_container(w, key, false);
}

void json_write_array(struct json_writer *w, const char *key)
{
	open_container(w, key, true);
}

void json_write_end(struct json_writer *w)
{
	if (w->depth == 0) {
		sbuf_fail(w->sb);
		return;
	}
	sbuf_add(w->sb, (w->arrays & (UINT64_C(1) << w->depth)) ? "]" : "}", 1);
	w->depth--;
}

void json_write_strn(struct json_writer *w, const char *key, const char *s, size_t len)
{
	member(w, key);
	json_write_quoted(w->sb, s, len);
}

void json_write_str(struct json_writer *w, const char *key, const char *s)
{
	json_write_strn(w, key, s, strlen(s));
}

void json_write_str_or_null(struct json_writer *w, const char *key, const char *s)
{
	if (s == NULL || s[0] == '\0')
		json_write_null(w, key);
	else
		json_write_str(w, key, s);
}

void json_write_raw(struct json_writer *w, const char *key, const char *json, size_t len)
{
	member(w, key);
	sbuf_add(w->sb, json, len);
}

void json_write_null(struct json_writer *w, const char *key)
{
	json_write_raw(w, key, "null", 4);
}

void json_write_bool(struct json_writer *w, const char *key, bool v)
{
	json_write_raw(w, key, v ? "true" : "false", v ? 4 : 5);
}

void json_write_int(struct json_writer *w, const char *key, int64_t v)
{
	member(w, key);
	sbuf_addf(w->sb, "%" PRId64, v);
}

/* The string a formatter wrote into text (len bytes; 0 when it failed, which
 * fails the writer's buffer). */
static void formatted_str(struct json_writer *w, const char *key, const char *text, size_t len)
{
	if (len == 0) {
		sbuf_fail(w->sb);
		return;
	}
	json_write_str(w, key, text);
}

void json_write_money(struct json_writer *w, const char *key, int64_t cents)
{
	char text[MONEY_STR_MAX];

	formatted_str(w, key, text, money_format(cents, text, sizeof(text)));
}

void json_write_time(struct json_writer *w, const char *key, int64_t unix_us)
{
	char text[TIMEFMT_RFC3339_MAX];

	formatted_str(w, key, text, timefmt_rfc3339(unix_us, text, sizeof(text)));
}

void json_write_uuid(struct json_writer *w, const char *key, const struct uuid *u)
{
	char text[UUID_STR_LEN + 1];

	uuid_format(u, text);
	json_write_str(w, key, text);
}
