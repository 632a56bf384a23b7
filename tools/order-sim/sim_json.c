/* Bounded JSON parsing (the one reader checks, yajl builds the tree) and
 * re-emission through the one writer. */
#include "sim_json.h"

#include <stdlib.h>
#include <string.h>

#include "app/json_write.h"
#include "infrastructure/json/json_reader.h"

enum os_status sim_json_parse(const char *text, size_t len, yajl_val *out, struct os_error *err)
{
	char msg[128];
	char *copy;
	yajl_val v;

	enum os_status st = json_reader_check(&json_limits_peer, text, len, err);

	if (st != OS_OK)
		return st;
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

/* v as member key (NULL: an element or the top). Depth is bounded by
 * sim_json_parse, so the recursion is too. */
static void emit(struct json_writer *w, const char *key, yajl_val v)
{
	size_t i;

	if (v == NULL || YAJL_IS_NULL(v)) {
		json_write_null(w, key);
	} else if (YAJL_IS_STRING(v)) {
		json_write_str(w, key, v->u.string);
	} else if (YAJL_IS_NUMBER(v)) {
		json_write_raw(w, key, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		json_write_bool(w, key, YAJL_IS_TRUE(v));
	} else if (YAJL_IS_OBJECT(v)) {
		json_write_object(w, key);
		for (i = 0; i < v->u.object.len; i++)
			emit(w, v->u.object.keys[i], v->u.object.values[i]);
		json_write_end(w);
	} else {
		json_write_array(w, key);
		for (i = 0; i < v->u.array.len; i++)
			emit(w, NULL, v->u.array.values[i]);
		json_write_end(w);
	}
}

void sim_json_emit(struct sbuf *sb, yajl_val v)
{
	struct json_writer w;

	json_write_init(&w, sb);
	emit(&w, NULL, v);
}
