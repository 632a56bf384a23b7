/* Structured log lines: JSON objects or text, one write(2) each. */
#include "infrastructure/log/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "app/json_write.h"
#include "app/sbuf.h"
#include "app/timefmt.h"
#include "domain/utf8.h"

#define LOG_LINE_MAX 8192

static enum log_level min_level = LOG_INFO;
static bool as_json = true;
static char component_name[48] = "order-service";

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_setup(enum log_level min, bool json, const char *component)
{
	min_level = min;
	as_json = json;
	if (component)
		snprintf(component_name, sizeof(component_name), "%s", component);
}

bool log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	if (s == NULL)
		return false;
	if (strcasecmp(s, "warning") == 0) {
		*out = LOG_WARN;
		return true;
	}
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

static void format_ts(char *buf, size_t cap)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	if (timefmt_rfc3339((int64_t)tv.tv_sec * 1000000 + tv.tv_usec, buf, cap) == 0)
		snprintf(buf, cap, "-");
}

/* The longest value a line carries, before escaping. A line whose escaped
 * values overflow LOG_LINE_MAX is built again with values cut to
 * VALUE_MAX_SHORT, then without the caller's pairs and with a note: never
 * dropped. */
#define VALUE_MAX	1024
#define VALUE_MAX_SHORT 128

/* value cut to max bytes without splitting a character, or the marker of
 * text that is not strict UTF-8 (DESIGN §4: no bad byte reaches a log). */
static const char *log_text(const char *value, size_t max, size_t *len)
{
	size_t n = strnlen(value, max + 1);

	if (n > max)
		n = utf8_cut(value, max);
	if (!utf8_valid(value, n)) {
		value = "(not valid UTF-8)";
		n = strlen(value);
	}
	*len = n;
	return value;
}

/* Text for the text form: control characters (C0, DEL, C1) and the
 * backslash escaped, so a value can neither end the line nor reach a
 * terminal as a control sequence. */
static void text_add(struct sbuf *sb, const char *s, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool c1 = c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] < 0xA0;

		if (c >= 0x20 && c != 0x7F && c != '\\' && !c1)
			continue;
		sbuf_add(sb, s + start, i - start);
		if (c == '\n')
			sbuf_adds(sb, "\\n");
		else if (c == '\r')
			sbuf_adds(sb, "\\r");
		else if (c == '\t')
			sbuf_adds(sb, "\\t");
		else if (c == '\\')
			sbuf_adds(sb, "\\\\");
		else if (c1)
			sbuf_addf(sb, "\\u%04x", (unsigned char)s[++i]);
		else
			sbuf_addf(sb, "\\x%02x", c);
		start = i + 1;
	}
	sbuf_add(sb, s + start, len - start);
}

/* key=value in text, or a member through w in JSON. */
static void add_pair(struct json_writer *w, const char *key, const char *value, size_t max)
{
	size_t vlen;

	value = log_text(value, max, &vlen);
	if (as_json) {
		json_write_strn(w, key, value, vlen);
	} else {
		sbuf_addf(w->sb, " %s=", key);
		text_add(w->sb, value, vlen);
	}
}

/* One line into sb: values cut to max bytes; ap NULL leaves the caller's
 * pairs out and says so. */
static void build(struct sbuf *sb, enum log_level lvl, const char *msg, va_list *ap, size_t max)
{
	struct json_writer w;
	const char *key;
	char ts[40];
	size_t len;

	format_ts(ts, sizeof(ts));
	sbuf_reset(sb);
	json_write_init(&w, sb);
	if (as_json) {
		json_write_object(&w, NULL);
		json_write_str(&w, "ts", ts);
		json_write_str(&w, "level", level_names[lvl]);
		add_pair(&w, "msg", msg, max);
		add_pair(&w, "component", component_name, max);
	} else {
		sbuf_addf(sb, "%s %-5s [%s] ", ts, level_names[lvl], component_name);
		msg = log_text(msg, max, &len);
		text_add(sb, msg, len);
	}
	while (ap != NULL && (key = va_arg(*ap, const char *)) != NULL) {
		const char *value = va_arg(*ap, const char *);

		if (value != NULL && value[0] != '\0')
			add_pair(&w, key, value, max);
	}
	if (ap == NULL)
		add_pair(&w, "log", "line cut: its values did not fit", max);
	if (as_json)
		json_write_end(&w);
	sbuf_adds(sb, "\n");
}

static void emit(enum log_level lvl, const char *msg, va_list ap)
{
	struct sbuf sb;
	va_list first, again;

	sbuf_init(&sb, LOG_LINE_MAX);
	va_copy(first, ap);
	va_copy(again, ap);
	build(&sb, lvl, msg, &first, VALUE_MAX);
	if (!sbuf_ok(&sb))
		build(&sb, lvl, msg, &again, VALUE_MAX_SHORT);
	if (!sbuf_ok(&sb))
		build(&sb, lvl, msg, NULL, VALUE_MAX_SHORT);
	va_end(again);
	va_end(first);
	if (sbuf_ok(&sb)) {
		ssize_t rc = write(STDERR_FILENO, sb.buf, sb.len);
		(void)rc;
	}
	sbuf_release(&sb);
}

void log_kv(enum log_level lvl, const char *msg, ...)
{
	va_list ap;

	if (lvl < min_level)
		return;
	va_start(ap, msg);
	emit(lvl, msg, ap);
	va_end(ap);
}

static void emit_plain(enum log_level lvl, const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	emit(lvl, msg, ap);
	va_end(ap);
}

void log_msgf(enum log_level lvl, const char *fmt, ...)
{
	char msg[VALUE_MAX + 1];
	va_list ap;
	int n;

	if (lvl < min_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(msg)) /* cut: not inside a character */
		msg[utf8_cut(msg, sizeof(msg) - 1)] = '\0';
	emit_plain(lvl, msg, NULL);
}
