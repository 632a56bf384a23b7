/*
 * The text of settings files: trimming and the "key=value" split.
 */
#include "infrastructure/config/conf_text.h"

#include <string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *conf_trim(char *s)
{
	char *end;

	while (is_blank(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_blank(end[-1]))
		*--end = '\0';
	return s;
}

bool conf_split(char *s, char **key, char **val)
{
	char *eq = strchr(s, '=');

	if (eq == NULL)
		return false;
	*eq = '\0';
	*key = conf_trim(s);
	*val = conf_trim(eq + 1);
	return true;
}
