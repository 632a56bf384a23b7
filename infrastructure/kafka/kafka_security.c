/*
 * Kafka security settings from the environment, and the reader of the
 * librdkafka properties file. Every message names a variable or a file and
 * line, never a value that could be a secret.
 */
#include "infrastructure/kafka/kafka_security.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "infrastructure/config/conf_file.h"
#include "infrastructure/config/conf_text.h"

/* One of the names (case-insensitive), stored as librdkafka spells it. */
static enum os_status pick(char *dst, size_t cap, const char *name, const char *const *names,
			   const char *choices, struct os_error *err)
{
	const char *v = conf_env(name, NULL);
	size_t i;

	if (v == NULL)
		return OS_OK;
	for (i = 0; names[i] != NULL; i++) {
		if (strcasecmp(v, names[i]) == 0) {
			snprintf(dst, cap, "%s", names[i]);
			return OS_OK;
		}
	}
	return os_fail(err, OS_EINVAL, name, "%s: must be %s, got \"%.30s\"", name, choices, v);
}

static enum os_status read_password(struct kafka_security *s, struct os_error *err)
{
	const char *file = conf_env("KAFKA_SASL_PASSWORD_FILE", NULL);

	if (file != NULL && conf_env("KAFKA_SASL_PASSWORD", NULL) != NULL)
		return os_fail(
		    err, OS_EINVAL, "KAFKA_SASL_PASSWORD",
		    "KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE: set one, not both");
	if (file != NULL)
		return conf_file_secret(file, "KAFKA_SASL_PASSWORD_FILE", s->sasl_password,
					sizeof(s->sasl_password), err);
	return conf_env_str(s->sasl_password, sizeof(s->sasl_password), "KAFKA_SASL_PASSWORD", NULL,
			    err);
}

/* Credentials need a SASL protocol, and a SASL protocol with a username or
 * password needs both; a properties file may supply what is missing. */
static enum os_status check_sasl(struct kafka_security *s, struct os_error *err)
{
	int creds = s->sasl_username[0] != '\0' || s->sasl_password[0] != '\0';
	int sasl = strncmp(s->protocol, "SASL_", 5) == 0;

	if ((creds || s->sasl_mechanism[0] != '\0') && s->protocol[0] != '\0' && !sasl)
		return os_fail(err, OS_EINVAL, "KAFKA_SECURITY_PROTOCOL",
			       "KAFKA_SECURITY_PROTOCOL: SASL settings are given, so it must be "
			       "sasl_plaintext or sasl_ssl, not %s",
			       s->protocol);
	if (creds && s->protocol[0] == '\0' && s->properties_file[0] == '\0')
		return os_fail(err, OS_EINVAL, "KAFKA_SECURITY_PROTOCOL",
			       "KAFKA_SECURITY_PROTOCOL: SASL credentials are given, so set it to "
			       "sasl_plaintext or sasl_ssl");
	if (creds && (s->sasl_username[0] == '\0' || s->sasl_password[0] == '\0'))
		return os_fail(err, OS_EINVAL, "KAFKA_SASL_USERNAME",
			       "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: give both or neither");
	if (sasl && !creds && s->properties_file[0] == '\0')
		return os_fail(err, OS_EINVAL, "KAFKA_SASL_USERNAME",
			       "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: required with %s",
			       s->protocol);
	if (creds && s->sasl_mechanism[0] == '\0')
		snprintf(s->sasl_mechanism, sizeof(s->sasl_mechanism), "PLAIN");
	return OS_OK;
}

enum os_status kafka_security_from_env(struct kafka_security *out, struct os_error *err)
{
	static const char *const protocols[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL",
						NULL};
	static const char *const mechanisms[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", NULL};
	struct kafka_security s;
	enum os_status st;

	memset(&s, 0, sizeof(s));
	if ((st = pick(s.protocol, sizeof(s.protocol), "KAFKA_SECURITY_PROTOCOL", protocols,
		       "plaintext, ssl, sasl_plaintext or sasl_ssl", err)) ||
	    (st = pick(s.sasl_mechanism, sizeof(s.sasl_mechanism), "KAFKA_SASL_MECHANISM",
		       mechanisms, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", err)) ||
	    (st = conf_env_str(s.sasl_username, sizeof(s.sasl_username), "KAFKA_SASL_USERNAME",
			       NULL, err)) ||
	    (st = read_password(&s, err)) ||
	    (st = conf_env_str(s.ssl_ca_location, sizeof(s.ssl_ca_location),
			       "KAFKA_SSL_CA_LOCATION", NULL, err)) ||
	    (st = conf_env_str(s.properties_file, sizeof(s.properties_file),
			       "KAFKA_PROPERTIES_FILE", NULL, err)) ||
	    (st = check_sasl(&s, err)))
		goto out;
	/* Read now, so that a bad file stops the process at start. */
	if (s.properties_file[0] != '\0' &&
	    (st = kafka_properties_read(s.properties_file, NULL, NULL, err)) != OS_OK)
		goto out;
	*out = s;
out:
	/* The copy on the stack held the password. */
	memset(&s, 0, sizeof(s));
	return st;
}

bool kafka_security_is_set(const struct kafka_security *s)
{
	return s != NULL && (s->protocol[0] != '\0' || s->sasl_mechanism[0] != '\0' ||
			     s->sasl_username[0] != '\0' || s->ssl_ca_location[0] != '\0' ||
			     s->properties_file[0] != '\0');
}

/* One line of the file: OS_OK for a property (handed to fn), a comment or a
 * blank; the failure names the line, never its text. */
static enum os_status property_line(char *line, const char *path, int lineno, kafka_property_fn *fn,
				    void *ctx, struct os_error *err)
{
	char *s = conf_trim(line), *key, *val;

	if (*s == '\0' || *s == '#' || *s == '!')
		return OS_OK;
	if (!conf_split(s, &key, &val))
		return os_fail(err, OS_EINVAL, "KAFKA_PROPERTIES_FILE",
			       "KAFKA_PROPERTIES_FILE: %.200s:%d: expected key=value", path,
			       lineno);
	if (*key == '\0')
		return os_fail(err, OS_EINVAL, "KAFKA_PROPERTIES_FILE",
			       "KAFKA_PROPERTIES_FILE: %.200s:%d: the key is empty", path, lineno);
	return fn != NULL ? fn(ctx, key, val, err) : OS_OK;
}

enum os_status kafka_properties_read(const char *path, kafka_property_fn *fn, void *ctx,
				     struct os_error *err)
{
	char line[KAFKA_PROPERTIES_LINE_MAX + 2];
	FILE *f = fopen(path, "r");
	enum os_status st = OS_OK;
	int lineno = 0;

	if (f == NULL)
		return os_fail(err, OS_EINVAL, "KAFKA_PROPERTIES_FILE",
			       "KAFKA_PROPERTIES_FILE: cannot read %.200s: %s", path,
			       strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		lineno++;
		if (lineno > KAFKA_PROPERTIES_LINES_MAX) {
			st = os_fail(err, OS_EINVAL, "KAFKA_PROPERTIES_FILE",
				     "KAFKA_PROPERTIES_FILE: %.200s: more than %d lines", path,
				     KAFKA_PROPERTIES_LINES_MAX);
			break;
		}
		if (len > KAFKA_PROPERTIES_LINE_MAX && line[len - 1] != '\n') {
			st = os_fail(err, OS_EINVAL, "KAFKA_PROPERTIES_FILE",
				     "KAFKA_PROPERTIES_FILE: %.200s:%d: longer than %d bytes", path,
				     lineno, KAFKA_PROPERTIES_LINE_MAX);
			break;
		}
		if ((st = property_line(line, path, lineno, fn, ctx, err)) != OS_OK)
			break;
	}
	if (st == OS_OK && ferror(f))
		st = os_fail(err, OS_EINVAL, "KAFKA_PROPERTIES_FILE",
			     "KAFKA_PROPERTIES_FILE: %.200s: read error", path);
	memset(line, 0, sizeof(line));
	fclose(f);
	return st;
}
