/* yajl trees behind the one reader's check; see json_tree.h. */
#include "infrastructure/json/json_tree.h"

#include <stdlib.h>
#include <string.h>

enum os_status json_tree_parse(const struct json_limits *lim, const char *text, size_t len,
			       yajl_val *out, struct os_error *err)
{
	enum os_status st = json_reader_check(lim, text, len, err);
	char msg[128];
	char *copy;
	yajl_val v;

	if (st != OS_OK)
		return st;
	/* yajl's tree parser wants a NUL-terminated text. */
	copy = malloc(len + 1);
	if (copy == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	msg[0] = '\0';
	v = yajl_tree_parse(copy, msg, sizeof(msg));
	free(copy);
	if (v == NULL)
		return os_fail(err, OS_EINVAL, NULL, "invalid JSON: %.100s",
			       msg[0] ? msg : "parse error");
	*out = v;
	return OS_OK;
}

yajl_val json_tree_member(yajl_val v, const char *key)
{
	size_t i;

	if (!YAJL_IS_OBJECT(v))
		return NULL;
	for (i = 0; i < v->u.object.len; i++)
		if (strcmp(v->u.object.keys[i], key) == 0)
			return v->u.object.values[i];
	return NULL;
}

const char *json_tree_string(yajl_val v, const char *key)
{
	yajl_val m = json_tree_member(v, key);

	return YAJL_IS_STRING(m) ? m->u.string : NULL;
}
