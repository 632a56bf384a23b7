/*
 * Whole files that settings name, read once at start: the API keys file,
 * the JWT public key, the migrations and the documentation pages. One
 * reader, bounded, with one set of answers; a message names the setting and
 * the path, never anything the file holds.
 */
#ifndef OS_CONF_FILE_H
#define OS_CONF_FILE_H

#include <stddef.h>

#include "domain/status.h"

/* Reads the regular file at path, of at most max bytes, into a new
 * NUL-terminated buffer: *out (the caller frees it) and *len (without the
 * NUL), written only on success. OS_EINVAL when it cannot be opened (no
 * such file, no permission), is not a regular file or is larger than max:
 * the setting is wrong; OS_EIO when reading fails; OS_ENOMEM. err's field
 * is field (may be NULL). */
enum os_status conf_file_read(const char *path, size_t max, const char *field, char **out,
			      size_t *len, struct os_error *err);

/* The largest secret file read: the secret and any blanks after it. */
#define CONF_SECRET_FILE_MAX 4096

/* A secret kept in a file (NAME_FILE beside NAME, KAFKA_SASL_PASSWORD_FILE):
 * the file's text without the blanks and line ends after it (editors and
 * secret stores end files with one). It must be one line of 1 to cap - 1
 * bytes without NUL; copied into dst, NUL-terminated, only then. OS_EINVAL
 * otherwise, naming field and the path, never the secret. */
enum os_status conf_file_secret(const char *path, const char *field, char *dst, size_t cap,
				struct os_error *err);

#endif
