/* Bounded JSON parsing shared by the HTTP clients. */
#include "http_json.h"

#include <stdbool.h>
#include <string.h>

#include "domain/utf8.h"

/* Nesting depth of text, counting brackets outside strings; stops early
 * once max_depth is passed. */
static bool http_json_depth_ok(const char *text, size_t len, int max_depth)
{
	bool in_string = false, escaped = false;
	int depth = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"')
			in_string = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		if (depth > max_depth)
			return false;
	}
	return true;
}

enum os_status http_json_parse(const char *text, size_t len, size_t max_len, int max_depth,
			       yajl_val *out, struct os_error *err)
{
	char msg[128];
	yajl_val v;

	if (len > max_len)
		return os_fail(err, OS_EINVAL, NULL, "JSON larger than %zu bytes", max_len);
	if (!utf8_json_text_ok(text, len))
		return os_fail(err, OS_EINVAL, NULL,
			       "JSON is not strict UTF-8 (overlong, surrogate or NUL, also escaped)");
	if (!http_json_depth_ok(text, len, max_depth))
		return os_fail(err, OS_EINVAL, NULL, "JSON nested deeper than %d", max_depth);
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
