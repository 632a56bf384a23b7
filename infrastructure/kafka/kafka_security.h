/*
 * How every Kafka client of the service reaches a secured cluster (DESIGN §9):
 * the security protocol, SASL mechanism and credentials, the CA of the
 * brokers' certificates, and a file of further librdkafka properties passed
 * through as they are. Read from the environment and checked once at start;
 * kafka_conf_apply_security (kafka_conf.h) puts them on a client's
 * configuration. No librdkafka here, so that the configuration module can
 * hold these settings.
 *
 * The password is a secret: nothing in this module or in kafka_conf ever
 * writes it, or a line of the properties file, to a log or an error.
 */
#ifndef OS_KAFKA_SECURITY_H
#define OS_KAFKA_SECURITY_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/status.h"

#define KAFKA_SECURITY_STR_MAX 512
/* The longest line of KAFKA_PROPERTIES_FILE, and how many lines it may have. */
#define KAFKA_PROPERTIES_LINE_MAX  4096
#define KAFKA_PROPERTIES_LINES_MAX 256

struct kafka_security {
	char protocol[16];	 /* KAFKA_SECURITY_PROTOCOL as librdkafka spells it
				    (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL); "" = unset */
	char sasl_mechanism[16]; /* KAFKA_SASL_MECHANISM: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512;
				    PLAIN when SASL credentials are given without one */
	char sasl_username[256]; /* KAFKA_SASL_USERNAME */
	char
	    sasl_password[256]; /* KAFKA_SASL_PASSWORD or the content of KAFKA_SASL_PASSWORD_FILE */
	char
	    ssl_ca_location[KAFKA_SECURITY_STR_MAX + 1]; /* KAFKA_SSL_CA_LOCATION: CA file or dir */
	char properties_file[KAFKA_SECURITY_STR_MAX + 1]; /* KAFKA_PROPERTIES_FILE */
};

/*
 * Reads the variables above into *out and checks them: a known protocol and
 * mechanism, not both KAFKA_SASL_PASSWORD and its _FILE, credentials only
 * with a SASL protocol and both of them with one, and a properties file that
 * exists and reads as properties. On failure err names the variable in one
 * line ("KAFKA_SECURITY_PROTOCOL: must be plaintext, ssl, sasl_plaintext or
 * sasl_ssl, got \"tls\""); *out is written only on success.
 */
enum os_status kafka_security_from_env(struct kafka_security *out, struct os_error *err);

/* True when any setting is given (a client then needs kafka_conf_apply_security). */
bool kafka_security_is_set(const struct kafka_security *s);

/*
 * Called once for each property of a properties file, in file order. key and
 * value are NUL-terminated, trimmed, and valid only during the call.
 * Returns OS_OK to go on; anything else stops the read with that status
 * (err filled by the callback).
 */
typedef enum os_status kafka_property_fn(void *ctx, const char *key, const char *value,
					 struct os_error *err);

/*
 * Reads a librdkafka properties file: "key=value" lines (blanks around both
 * trimmed, the value may hold "=" and be empty), blank lines, and comments
 * starting with "#" or "!". A line without "=", with an empty key, longer
 * than KAFKA_PROPERTIES_LINE_MAX, or past KAFKA_PROPERTIES_LINES_MAX lines
 * fails with "KAFKA_PROPERTIES_FILE: <path>:<line>: <why>" — never the
 * line's text, which may hold a password. fn may be NULL to only check.
 */
enum os_status kafka_properties_read(const char *path, kafka_property_fn *fn, void *ctx,
				     struct os_error *err);

#endif
