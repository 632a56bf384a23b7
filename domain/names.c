/* Lookups in tables of names. */
#include "domain/names.h"

#include <string.h>

int names_index(const char *const *names, size_t count, const char *s, size_t len)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < count; i++)
		if (names[i] != NULL && strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return (int)i;
	return -1;
}
