/*
 * The text of settings files, for the readers of the environment file
 * (config.c) and of the Kafka properties file (kafka_security.c): blanks
 * around keys and values, and the "key=value" split, both in place.
 */
#ifndef OS_CONF_TEXT_H
#define OS_CONF_TEXT_H

#include <stdbool.h>

/* Cuts the blanks (space, tab, CR, LF) at both ends of s, in place; returns
 * the first character that is not one. */
char *conf_trim(char *s);

/* Splits s at its first '=' into *key and *val, each trimmed, in place;
 * false (s untouched) when there is no '='. */
bool conf_split(char *s, char **key, char **val);

#endif
