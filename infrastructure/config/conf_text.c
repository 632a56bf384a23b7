/*
 * The text of settings: variables, trimming and the "key=value" split.
 */
#include "infrastructure/config/conf_text.h"

#include <stdlib.h>
#include <string.h>

const char *conf_env(const char *name, const char *alias)
{
	const char *v = getenv(name);

	if ((v == NULL || *v == '\0') && alias != NULL)
		v = getenv(alias);
	return (v != NULL && *v != '\0') ? v : NULL;
}

enum os_status conf_env_str(char *dst, size_t cap, const char *name, const char *alias,
			    struct os_error *err)
{
	const char *v = conf_env(name, alias);
	size_t len;

	if (v == NULL)
		return OS_OK;
	len = strlen(v);
	if (len >= cap)
		return os_fail(err, OS_EINVAL, name, "%s: longer than %zu bytes", name, cap - 1);
	memcpy(dst, v, len + 1);
	return OS_OK;
}

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
