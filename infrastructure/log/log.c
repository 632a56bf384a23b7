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

/* key=value in text, or a member through w in JSON. */
static void add_pair(struct json_writer *w, const char *key, const char *value)
{
	struct sbuf *sb = w->sb;
	size_t vlen = strlen(value);

	if (vlen > 1024) {
		vlen = 1024;
		/* Cut before a continuation byte, not inside a character. */
		while (vlen > 0 && ((unsigned char)value[vlen] & 0xC0) == 0x80)
			vlen--;
	}
	/* The strict UTF-8 check of DESIGN §4: no bad byte reaches a log. */
	if (!utf8_valid(value, vlen)) {
		value = "(not valid UTF-8)";
		vlen = strlen(value);
	}
	if (as_json) {
		json_write_strn(w, key, value, vlen);
	} else {
		sbuf_addf(sb, " %s=", key);
		sbuf_add(sb, value, vlen);
	}
}

static void emit(enum log_level lvl, const char *msg, va_list ap)
{
	struct json_writer w;
	char ts[40];
	struct sbuf sb;
	const char *key;

	format_ts(ts, sizeof(ts));
	sbuf_init(&sb, LOG_LINE_MAX);
	json_write_init(&w, &sb);
	if (as_json) {
		json_write_object(&w, NULL);
		json_write_str(&w, "ts", ts);
		json_write_str(&w, "level", level_names[lvl]);
		add_pair(&w, "msg", msg);
		add_pair(&w, "component", component_name);
	} else {
		sbuf_addf(&sb, "%s %-5s [%s] %s", ts, level_names[lvl], component_name, msg);
	}
	while ((key = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);

		if (value != NULL && value[0] != '\0')
			add_pair(&w, key, value);
	}
	if (as_json)
		json_write_end(&w);
	sbuf_adds(&sb, "\n");
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
	char msg[1024];
	va_list ap;

	if (lvl < min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit_plain(lvl, msg, NULL);
}
