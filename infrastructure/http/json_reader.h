/*
 * A bounded streaming JSON reader over yajl's callback parser, shared by the
 * decoders of order_json.c. The reader keeps a stack of open containers
 * (at most ORDER_JSON_DEPTH_MAX deep), counts keys (at most
 * ORDER_JSON_KEYS_MAX), and hands every value to a schema that knows what
 * the route expects at that place. Values the schema does not know are
 * skipped, containers included, within the same bounds.
 */
#ifndef OS_JSON_READER_H
#define OS_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/status.h"

#define JSON_READER_DEPTH_MAX 8
#define JSON_READER_KEYS_MAX  256

enum json_type {
	JSON_NULL = 0,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_MAP,
	JSON_ARRAY,
};

/* Role 0 marks a container whose contents are skipped. */
#define JSON_ROLE_SKIP 0

/* One open container. key is the schema's id of the current key of a map
 * (-1: unknown key), seen a bit per known key id (< 32), count the number of
 * elements or keys so far. */
struct json_frame {
	int role;
	bool is_map;
	int key;
	uint32_t seen;
	size_t count;
};

struct json_reader;

/*
 * What a decoder supplies. All three return false after recording an error
 * with json_reader_fail (the parse then stops).
 *  key:   maps a key of a map of role f->role to an id >= 0 (< 32), or -1
 *         for an unknown key; the reader rejects a repeated known key.
 *  value: a value in parent (NULL at the top). For a container, *role
 *         receives the role to push (JSON_ROLE_SKIP to skip its contents).
 *         s/len carry the text of numbers and strings (not NUL-terminated).
 *  close: a container of role f->role (never a skipped one) just ended;
 *         may be NULL.
 * key_path writes the field path of key id in frame f into buf (for
 * duplicate-key errors).
 */
struct json_schema {
	int (*key)(const struct json_frame *f, const char *k, size_t len);
	bool (*value)(struct json_reader *r, const struct json_frame *parent, enum json_type t,
		      const char *s, size_t len, int *role);
	bool (*close)(struct json_reader *r, const struct json_frame *f);
	void (*key_path)(struct json_reader *r, const struct json_frame *f, int key, char *buf,
			 size_t cap);
};

struct json_reader {
	const struct json_schema *schema;
	void *target; /* the decoder's state */
	struct os_error *err;
	enum os_status st; /* first failure, OS_OK so far */
	struct json_frame stack[JSON_READER_DEPTH_MAX];
	int depth;
	size_t keys;
};

/* Parses body (len bytes, not NUL-terminated) as exactly one JSON value.
 * OS_EINVAL (field "" for syntax, depth and key-count errors) or what the
 * schema recorded. An empty body is OS_EINVAL. */
enum os_status json_reader_parse(const struct json_schema *schema, void *target, const char *body,
				 size_t len, struct os_error *err);

/* Records the first failure of a parse; returns false for `return
 * json_reader_fail(...)`. */
bool json_reader_fail(struct json_reader *r, enum os_status st, const char *field,
		      const char *message);

/* The innermost open frame of a role, or NULL. */
const struct json_frame *json_reader_find(const struct json_reader *r, int role);

/* Helpers for schemas. */
const char *json_type_name(enum json_type t);
/* Parses a JSON number's text as an integer into *out; false if it is not
 * one or does not fit in int64. As in JSON Schema, a number whose value is
 * whole is an integer whatever its spelling: "310", "310.0", "3.1e2". */
bool json_integer(const char *s, size_t len, int64_t *out);
/* Copies a string value of at most max bytes and no NUL byte into out
 * (max + 1 bytes); false otherwise. */
bool json_copy_string(const char *s, size_t len, char *out, size_t max);
/* Fails r with "must be <want>, not <type of got>" for field; returns false. */
bool json_reader_want(struct json_reader *r, const char *field, const char *want,
		      enum json_type got);
/* A string value of at most max bytes without NUL, copied into out (max + 1
 * bytes); otherwise fails r naming field and returns false. */
bool json_reader_string(struct json_reader *r, const char *field, enum json_type t, const char *s,
			size_t len, char *out, size_t max);

#endif
