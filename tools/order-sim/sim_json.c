/* Bounded JSON parsing and re-emission over yajl's tree API. */
#include "sim_json.h"

#include <stdlib.h>
#include <string.h>

/* Deepest nesting of arrays and objects, skipping string contents; stops
 * counting once past limit. */
static size_t max_depth(const char *s, size_t len, size_t limit)
{
	size_t i, depth = 0, deepest = 0;
	int in_str = 0;

	for (i = 0; i < len && deepest <= limit; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{')
			deepest = ++depth > deepest ? depth : deepest;
		else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return deepest;
}

enum os_status sim_json_parse(const char *text, size_t len, yajl_val *out, struct os_error *err)
{
	char msg[128];
	char *copy;
	yajl_val v;

	if (len > SIM_JSON_MAX_BYTES)
		return os_fail(err, OS_ETOOBIG, NULL, "body larger than %d bytes",
			       SIM_JSON_MAX_BYTES);
	if (max_depth(text, len, SIM_JSON_MAX_DEPTH) > SIM_JSON_MAX_DEPTH)
		return os_fail(err, OS_EINVAL, NULL, "JSON nested too deeply");
	if (len > 0 && memchr(text, '\0', len) != NULL)
		return os_fail(err, OS_EINVAL, NULL, "NUL byte in body");
	copy = malloc(len + 1);
	if (copy == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	if (len > 0)
		memcpy(copy, text, len);
	copy[len] = '\0';
	msg[0] = '\0';
	v = yajl_tree_parse(copy, msg, sizeof(msg));
	free(copy);
	if (v == NULL)
		return os_fail(err, OS_EINVAL, NULL, "invalid JSON");
	*out = v;
	return OS_OK;
}

yajl_val sim_json_get(yajl_val obj, const char *key)
{
	size_t i;

	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

const char *sim_json_str(yajl_val obj, const char *key)
{
	yajl_val v = sim_json_get(obj, key);

	return YAJL_IS_STRING(v) ? v->u.string : NULL;
}

static void emit_object(struct sbuf *sb, yajl_val v)
{
	size_t i;

	sbuf_adds(sb, "{");
	for (i = 0; i < v->u.object.len; i++) {
		sbuf_add_json_key(sb, v->u.object.keys[i], i == 0);
		sim_json_emit(sb, v->u.object.values[i]);
	}
	sbuf_adds(sb, "}");
}

static void emit_array(struct sbuf *sb, yajl_val v)
{
	size_t i;

	sbuf_adds(sb, "[");
	for (i = 0; i < v->u.array.len; i++) {
		if (i > 0)
			sbuf_adds(sb, ",");
		sim_json_emit(sb, v->u.array.values[i]);
	}
	sbuf_adds(sb, "]");
}

/* Depth is bounded by sim_json_parse, so the recursion is too. */
void sim_json_emit(struct sbuf *sb, yajl_val v)
{
	if (v == NULL || YAJL_IS_NULL(v))
		sbuf_adds(sb, "null");
	else if (YAJL_IS_STRING(v))
		sbuf_add_json_str(sb, v->u.string, strlen(v->u.string));
	else if (YAJL_IS_NUMBER(v))
		sbuf_adds(sb, v->u.number.r);
	else if (YAJL_IS_TRUE(v))
		sbuf_adds(sb, "true");
	else if (YAJL_IS_FALSE(v))
		sbuf_adds(sb, "false");
	else if (YAJL_IS_OBJECT(v))
		emit_object(sb, v);
	else
		emit_array(sb, v);
}
