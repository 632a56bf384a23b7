/*
 * Encoding of a dead letter (GET /api/v1/ops/dead-letters) through the
 * writer (app/json_write.h); check sbuf_ok once at the end.
 */
#ifndef OS_DEAD_LETTER_JSON_H
#define OS_DEAD_LETTER_JSON_H

#include "app/admin_port.h"
#include "app/sbuf.h"

/* {"id", "message_id", "type", "where", "order_id" (null without one),
 * "attempts", "error", "at"} */
void order_json_dead_letter(struct sbuf *sb, const struct dead_letter *d);

#endif
