/* Whole files named by settings; see conf_file.h. */
#include "infrastructure/config/conf_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* "FIELD: path: what", or "path: what" without a field. */
static enum os_status refuse(struct os_error *err, enum os_status st, const char *field,
			     const char *path, const char *what)
{
	if (field == NULL)
		return os_fail(err, st, NULL, "%.200s: %s", path, what);
	return os_fail(err, st, field, "%s: %.200s: %s", field, path, what);
}

enum os_status conf_file_read(const char *path, size_t max, const char *field, char **out,
			      size_t *len, struct os_error *err)
{
	char limit[64];
	struct stat sb;
	enum os_status st = OS_OK;
	char *buf = NULL;
	size_t size, n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return refuse(err, OS_EINVAL, field, path, strerror(errno));
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		st = refuse(err, OS_EINVAL, field, path, "not a regular file");
		goto out;
	}
	if ((unsigned long long)sb.st_size > max) {
		snprintf(limit, sizeof(limit), "larger than %zu bytes", max);
		st = refuse(err, OS_EINVAL, field, path, limit);
		goto out;
	}
	size = (size_t)sb.st_size;
	buf = malloc(size + 1);
	if (buf == NULL) {
		st = refuse(err, OS_ENOMEM, field, path, "out of memory");
		goto out;
	}
	n = fread(buf, 1, size, f);
	if (ferror(f)) {
		st = refuse(err, OS_EIO, field, path, "cannot be read");
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return st;
}
