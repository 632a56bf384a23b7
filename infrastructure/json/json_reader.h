/*
 * The one JSON reader: a bounded streaming parse over yajl's callback
 * parser, used by every decoder (API bodies, shipping events, the HTTP
 * clients' answers, the simulator). Its bounds are declared once per kind of
 * input in a struct json_limits: size of the text, nesting depth, bytes of
 * one string or key, keys of one object, elements of one array. The text is
 * checked for strict UTF-8 (domain/utf8.c: no overlong form, surrogate or
 * NUL, also as a \u escape) before yajl sees it. The reader keeps a stack of
 * open containers and hands every value to a schema that knows what the
 * route expects at that place. Values the schema does not know are skipped,
 * containers included, within the same bounds.
 */
#ifndef OS_JSON_READER_H
#define OS_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/status.h"
#include "domain/uuid.h"

/* The deepest nesting any limits may allow (the size of the frame stack). */
#define JSON_READER_DEPTH_MAX 32

/* What one kind of input may hold. depth is at most JSON_READER_DEPTH_MAX. */
struct json_limits {
	size_t bytes;	     /* the whole text */
	int depth;	     /* open containers at once */
	size_t string_bytes; /* one string value or key, once unescaped */
	size_t keys;	     /* keys of one object */
	size_t elements;     /* elements of one array */
	/* Strict UTF-8 is left to the decoder of each part: a bulk body's
	 * elements are refused one by one, not the whole body. */
	bool utf8_by_part;
};

/* The request bodies of the HTTP API (one create, cancel, callback,
 * webhook or inventory body; a bulk array is one level deeper). */
extern const struct json_limits json_limits_api;
/* A bulk create body: an array of at most 100 create bodies, each checked
 * (UTF-8 included) by the create decoder. */
extern const struct json_limits json_limits_bulk;
/* A message from Kafka (a shipping event). */
extern const struct json_limits json_limits_message;
/* The catalog service's answer to one item (at most
 * JSON_CATALOG_BYTES_MAX bytes, the client's receive buffer). */
#define JSON_CATALOG_BYTES_MAX 65536
extern const struct json_limits json_limits_catalog;
/* An outbox row's headers {"request_id", "traceparent"} (a flat object). */
extern const struct json_limits json_limits_headers;
/* A request to order-sim (the service's outbox payloads and callbacks). */
extern const struct json_limits json_limits_sim;

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
struct json_flat;

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
	int (*key)(struct json_reader *r, const struct json_frame *f, const char *k, size_t len);
	bool (*value)(struct json_reader *r, const struct json_frame *parent, enum json_type t,
		      const char *s, size_t len, int *role);
	bool (*close)(struct json_reader *r, const struct json_frame *f);
	void (*key_path)(struct json_reader *r, const struct json_frame *f, int key, char *buf,
			 size_t cap);
};

struct json_reader {
	const struct json_schema *schema; /* NULL: every value is skipped */
	const struct json_limits *limits;
	const struct json_flat *flat; /* set by json_reader_parse_flat */
	uint32_t flat_seen;	      /* the flat object's keys, at its close */
	void *handle;		      /* the yajl parser, for json_reader_offset */
	void *target;		      /* the decoder's state */
	struct os_error *err;
	enum os_status st; /* first failure, OS_OK so far */
	struct json_frame stack[JSON_READER_DEPTH_MAX];
	int depth;
};

/* Parses body (len bytes, not NUL-terminated) as exactly one JSON value
 * within lim. OS_ETOOBIG past lim->bytes, OS_EINVAL (field "" for syntax,
 * UTF-8 and bound errors) or what the schema recorded. An empty body is
 * OS_EINVAL. schema NULL only checks the text. */
enum os_status json_reader_parse(const struct json_schema *schema, const struct json_limits *lim,
				 void *target, const char *body, size_t len, struct os_error *err);

/* Checks that text is one JSON value within lim, as json_reader_parse with
 * no schema: the guard in front of yajl's tree parser, which recurses. */
enum os_status json_reader_check(const struct json_limits *lim, const char *text, size_t len,
				 struct os_error *err);

/* Bytes of the body consumed so far; inside a callback of a container's
 * start or end, the offset just past its bracket. */
size_t json_reader_offset(const struct json_reader *r);

/*
 * A flat object: one JSON object whose known keys (names[0..count), at most
 * 32) carry scalars or are refused by field; other keys are skipped, nested
 * values included. field receives each known key's value (t, s, len as in
 * the schema's value) and returns false after json_reader_fail. A known key
 * in required that is missing fails with "is required", naming the first in
 * names' order; a repeated known key fails with "duplicate key".
 */
struct json_flat {
	const char *const *names;
	size_t count;
	uint32_t required; /* a bit per index into names */
	bool (*field)(struct json_reader *r, int key, enum json_type t, const char *s, size_t len);
};

/* Parses body as the flat object flat within lim; target is r->target in
 * field. A body that is not an object is OS_EINVAL, field "". */
enum os_status json_reader_parse_flat(const struct json_flat *flat, const struct json_limits *lim,
				      void *target, const char *body, size_t len,
				      struct os_error *err);

/* Records the first failure of a parse; returns false for `return
 * json_reader_fail(...)`. */
bool json_reader_fail(struct json_reader *r, enum os_status st, const char *field,
		      const char *message);

/* At the close of frame f: the first key id of required (lowest first)
 * missing from f->seen fails with "is required", named by the schema's
 * key_path; true when none is missing. */
bool json_reader_require(struct json_reader *r, const struct json_frame *f, uint32_t required);

/* Helpers for schemas. */
const char *json_type_name(enum json_type t);
/* Parses a JSON number's text as an integer into *out; false if it is not
 * one or does not fit in int64. As in JSON Schema, a number whose value is
 * whole is an integer whatever its spelling: "310", "310.0", "3.1e2". */
bool json_number_int64(const char *s, size_t len, int64_t *out);
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
/* Opens the container value of field: t must be want (JSON_MAP or
 * JSON_ARRAY), or JSON_NULL when null_ok (then nothing opens); *role gets
 * role. Otherwise fails r naming field. */
bool json_reader_open(struct json_reader *r, const char *field, enum json_type want, bool null_ok,
		      enum json_type t, int role, int *out_role);
/* Opens the top-level value, which must be an object: *role gets role.
 * Otherwise fails r with field "" ("must be a JSON object"). */
bool json_reader_open_root(struct json_reader *r, enum json_type t, int role, int *out_role);
/* Opens the next element of the array field, which must be an object
 * (otherwise fails r naming "field[*count]"), and counts it in *count;
 * fails r naming field when the array already held max of them. */
bool json_reader_open_entry(struct json_reader *r, const char *field, size_t *count, size_t max,
			    enum json_type t, int role, int *out_role);
/* An integer value (json_number_int64) into *out; otherwise fails r naming field. */
bool json_reader_int(struct json_reader *r, const char *field, enum json_type t, const char *s,
		     size_t len, int64_t *out);
/* A canonical UUID string into *out; otherwise fails r naming field. */
bool json_reader_uuid(struct json_reader *r, const char *field, enum json_type t, const char *s,
		      size_t len, struct uuid *out);
/* An amount of money into *cents: a decimal string "350.00" or, when
 * number_ok, a number, with at most two decimals, read from its text (never
 * a double); otherwise fails r naming field. */
bool json_reader_money(struct json_reader *r, const char *field, bool number_ok, enum json_type t,
		       const char *s, size_t len, int64_t *cents);

#endif
