/* Re-emission of a parsed value through the service's JSON writer. */
#include "tools/order-sim/sim_json.h"

#include <string.h>

#include "app/json_write.h"

/* v as member key (NULL: an element or the top). Depth is bounded by
 * json_tree_parse's limits, so the recursion is too. */
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

void sim_json_write(struct json_writer *w, const char *key, yajl_val v)
{
	emit(w, key, v);
}
