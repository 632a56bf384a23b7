/*
 * The one strict UTF-8 check (DESIGN §4, §12) every external string passes
 * before it reaches the database or a log: well-formed UTF-8 as RFC 3629
 * defines it (no overlong forms, no surrogates U+D800..U+DFFF, nothing
 * above U+10FFFF, no truncated sequences) and no NUL. PostgreSQL refuses
 * what fails it, and a log line would carry it to every reader.
 */
#ifndef OS_UTF8_H
#define OS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is strict UTF-8 without a NUL byte. */
bool utf8_valid(const char *s, size_t len);

/*
 * True when the JSON text s[0..len) is strict UTF-8 (utf8_valid) and its
 * \u escapes decode to strict UTF-8 too: no "\u0000" and no surrogate
 * escape outside a high+low pair ("\ud800" alone is refused; yajl would
 * turn it into "?"). Syntax is yajl's business; this only looks at bytes
 * and escapes, so it runs before any decoder sees the text.
 */
bool utf8_json_text_ok(const char *s, size_t len);

/*
 * The length of the longest prefix of the UTF-8 text s[0..len) that does not
 * end inside a sequence: len, or less when a sequence starts in the last
 * three bytes and needs more bytes than remain. Cuts text to a byte bound
 * (a field's maximum) without breaking a character.
 */
size_t utf8_cut(const char *s, size_t len);

#endif
