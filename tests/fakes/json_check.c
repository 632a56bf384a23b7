/*
 * A strict, small JSON syntax checker, so tests can prove that the payloads
 * the use cases build parse, not only that they contain the right text.
 * Recursion is bounded by JSON_CHECK_DEPTH.
 */
#include <string.h>

#include "tests/fakes/fakes.h"

#define JSON_CHECK_DEPTH 32

struct cursor {
	const char *p;
};

static bool value(struct cursor *c, int depth);

static void skip_ws(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r')
		c->p++;
}

static bool is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool string(struct cursor *c)
{
	int i;

	if (*c->p != '"')
		return false;
	for (c->p++; *c->p != '"'; c->p++) {
		if ((unsigned char)*c->p < 0x20)
			return false;
		if (*c->p != '\\')
			continue;
		c->p++;
		if (*c->p == 'u') {
			for (i = 1; i <= 4; i++) {
				if (!is_hex(c->p[i]))
					return false;
			}
			c->p += 4;
		} else if (*c->p == '\0' || strchr("\"\\/bfnrt", *c->p) == NULL) {
			return false;
		}
	}
	c->p++;
	return true;
}

static bool number(struct cursor *c)
{
	const char *start = c->p;

	if (*c->p == '-')
		c->p++;
	while (*c->p >= '0' && *c->p <= '9')
		c->p++;
	if (*c->p == '.') {
		c->p++;
		while (*c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	return c->p > start && c->p[-1] != '-' && c->p[-1] != '.';
}

static bool literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(c->p, word, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* Members or elements up to close; keyed says object. */
static bool members(struct cursor *c, char close, bool keyed, int depth)
{
	c->p++;
	skip_ws(c);
	if (*c->p == close) {
		c->p++;
		return true;
	}
	for (;;) {
		skip_ws(c);
		if (keyed) {
			if (!string(c))
				return false;
			skip_ws(c);
			if (*c->p++ != ':')
				return false;
		}
		if (!value(c, depth + 1))
			return false;
		skip_ws(c);
		if (*c->p == close) {
			c->p++;
			return true;
		}
		if (*c->p++ != ',')
			return false;
	}
}

static bool value(struct cursor *c, int depth)
{
	if (depth > JSON_CHECK_DEPTH)
		return false;
	skip_ws(c);
	switch (*c->p) {
	case '{': return members(c, '}', true, depth);
	case '[': return members(c, ']', false, depth);
	case '"': return string(c);
	case 't': return literal(c, "true");
	case 'f': return literal(c, "false");
	case 'n': return literal(c, "null");
	default: return number(c);
	}
}

bool fake_json_valid(const char *s)
{
	struct cursor c = {s};

	if (s == NULL || !value(&c, 0))
		return false;
	skip_ws(&c);
	return *c.p == '\0';
}
