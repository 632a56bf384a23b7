/*
 * The answer envelope; see envelope_json.h. The data value is the caller's,
 * so the envelope's own object is opened and closed here as fixed text
 * around it.
 */
#include "infrastructure/http/envelope_json.h"

#include <string.h>

#include "app/json_write.h"

void order_json_envelope_begin(struct sbuf *sb)
{
	sbuf_adds(sb, "{\"data\":");
}

/* "meta":{"request_id"?, <extra>?} after the data value. */
static void write_meta(struct sbuf *sb, const char *request_id, const char *extra)
{
	bool has_id = request_id && request_id[0];

	sbuf_adds(sb, ",\"meta\":{");
	if (has_id) {
		json_write_quoted(sb, "request_id", strlen("request_id"));
		sbuf_add(sb, ":", 1);
		json_write_quoted(sb, request_id, strlen(request_id));
	}
	if (extra && extra[0]) {
		if (has_id)
			sbuf_add(sb, ",", 1);
		sbuf_adds(sb, extra);
	}
	sbuf_add(sb, "}", 1);
}

void order_json_envelope_end(struct sbuf *sb, const char *request_id, const char *meta_extra)
{
	write_meta(sb, request_id, meta_extra);
	sbuf_adds(sb, ",\"errors\":[]}");
}

void order_json_error_object(struct sbuf *sb, const char *code, const char *message,
			     const char *field, const char *detail)
{
	struct json_writer w;

	json_write_init(&w, sb);
	json_write_object(&w, NULL);
	json_write_str(&w, "code", code ? code : "internal");
	json_write_str(&w, "message", message ? message : "");
	if (field && field[0])
		json_write_str(&w, "field", field);
	if (detail && detail[0])
		json_write_str(&w, "detail", detail);
	json_write_end(&w);
}

void order_json_error_envelope(struct sbuf *sb, const char *request_id, const char *code,
			       const char *message, const char *field, const char *detail)
{
	sbuf_adds(sb, "{\"data\":null");
	write_meta(sb, request_id, NULL);
	sbuf_adds(sb, ",\"errors\":[");
	order_json_error_object(sb, code, message, field, detail);
	sbuf_adds(sb, "]}");
}
