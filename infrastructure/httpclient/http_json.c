/* Bounded JSON trees for the HTTP clients: the one reader checks, yajl
 * builds. */
#include "http_json.h"

#include <string.h>

#include "infrastructure/json/json_reader.h"

enum os_status http_json_parse(const char *text, size_t len, size_t max_len, int max_depth,
			       yajl_val *out, struct os_error *err)
{
	struct json_limits lim = json_limits_peer;
	enum os_status st;
	char msg[128];
	yajl_val v;

	lim.bytes = max_len;
	lim.depth = max_depth;
	st = json_reader_check(&lim, text, len, err);
	if (st != OS_OK)
		return st;
	msg[0] = '\0';
	v = yajl_tree_parse(text, msg, sizeof(msg));
	if (v == NULL)
		return os_fail(err, OS_EINVAL, NULL, "invalid JSON: %.100s",
			       msg[0] ? msg : "parse error");
	*out = v;
	return OS_OK;
}

yajl_val http_json_member(yajl_val v, const char *key)
{
	size_t i;

	if (!YAJL_IS_OBJECT(v))
		return NULL;
	for (i = 0; i < v->u.object.len; i++)
		if (strcmp(v->u.object.keys[i], key) == 0)
			return v->u.object.values[i];
	return NULL;
}
