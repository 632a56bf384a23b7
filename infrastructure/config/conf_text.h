/*
 * The text of settings, for the readers of the environment and its file
 * (config.c) and of the Kafka settings and properties file
 * (kafka_security.c): a variable's value, blanks around keys and values, and
 * the "key=value" split, both in place.
 */
#ifndef OS_CONF_TEXT_H
#define OS_CONF_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/status.h"

/* The value of the variable name or, when that is unset or empty, of alias
 * (NULL for none); NULL when neither has a value. */
const char *conf_env(const char *name, const char *alias);

/* Copies conf_env(name, alias) into dst (cap bytes, NUL-terminated); leaves
 * dst alone when there is none. OS_EINVAL naming the variable, not its value,
 * when the value is longer than cap - 1 bytes. */
enum os_status conf_env_str(char *dst, size_t cap, const char *name, const char *alias,
			    struct os_error *err);

/* Cuts the blanks (space, tab, CR, LF) at both ends of s, in place; returns
 * the first character that is not one. */
char *conf_trim(char *s);

/* Splits s at its first '=' into *key and *val, each trimmed, in place;
 * false (s untouched) when there is no '='. */
bool conf_split(char *s, char **key, char **val);

#endif
