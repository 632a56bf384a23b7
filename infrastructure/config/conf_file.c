/* Whole files named by settings; see conf_file.h. */
#include "infrastructure/config/conf_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	FILE *f;
	/* O_NONBLOCK: a FIFO or a device named here must not hold the start
	 * waiting; it is refused below, and reading a regular file ignores it. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return refuse(err, OS_EINVAL, field, path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return refuse(err, OS_EINVAL, field, path, "not a regular file");
	}
	f = fdopen(fd, "rb");
	if (f == NULL) {
		close(fd);
		return refuse(err, OS_ENOMEM, field, path, "out of memory");
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

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum os_status conf_file_secret(const char *path, const char *field, char *dst, size_t cap,
				struct os_error *err)
{
	char limit[64];
	char *text = NULL;
	size_t len = 0;
	enum os_status st = conf_file_read(path, CONF_SECRET_FILE_MAX, field, &text, &len, err);

	if (st != OS_OK)
		return st;
	while (len > 0 && is_blank(text[len - 1]))
		len--;
	if (len == 0) {
		st = refuse(err, OS_EINVAL, field, path, "empty");
	} else if (len >= cap) {
		snprintf(limit, sizeof(limit), "the secret is longer than %zu bytes", cap - 1);
		st = refuse(err, OS_EINVAL, field, path, limit);
	} else if (memchr(text, '\0', len) != NULL || memchr(text, '\n', len) != NULL ||
		   memchr(text, '\r', len) != NULL) {
		st = refuse(err, OS_EINVAL, field, path, "the secret must be one line of text");
	} else {
		memcpy(dst, text, len);
		dst[len] = '\0';
	}
	memset(text, 0, len);
	free(text);
	return st;
}
