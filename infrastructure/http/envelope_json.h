/*
 * The {"data", "meta", "errors"} envelope of every API answer and its error
 * objects, through the writer (app/json_write.h); check sbuf_ok once at the
 * end.
 */
#ifndef OS_ENVELOPE_JSON_H
#define OS_ENVELOPE_JSON_H

#include "app/sbuf.h"

/* {"data": — then the caller appends the data value. */
void order_json_envelope_begin(struct sbuf *sb);
/* ,"meta":{"request_id":..., <meta_extra>},"errors":[]} — meta_extra is
 * extra members ("\"next_after\":\"...\""), or NULL. */
void order_json_envelope_end(struct sbuf *sb, const char *request_id, const char *meta_extra);
/* A whole error envelope: {"data":null,"meta":{...},"errors":[{"code",
 * "message", "field"?, "detail"?}]}. code is a stable word
 * (api_call.h); field and detail may be NULL or "". */
void order_json_error_envelope(struct sbuf *sb, const char *request_id, const char *code,
			       const char *message, const char *field, const char *detail);
/* One error object {"code", "message", "field"?, "detail"?}. */
void order_json_error_object(struct sbuf *sb, const char *code, const char *message,
			     const char *field, const char *detail);

#endif
