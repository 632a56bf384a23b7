/*
 * The text of settings files: trimming and the "key=value" split.
 */
#include "infrastructure/config/conf_text.h"

#include <string.h>

char *conf_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
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
