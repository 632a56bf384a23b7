/*
 * The payment service's call back to the order service: a signed JSON POST
 * with libcurl. Each calling thread keeps one curl handle so that repeated
 * callbacks reuse their connection.
 */
#ifndef SIM_CALLBACK_H
#define SIM_CALLBACK_H

#include <stddef.h>

#include "domain/status.h"

#define SIM_SIGNATURE_HEX 64

/* Writes the lowercase hex HMAC-SHA256 of body under secret, NUL-terminated. */
void sim_callback_sign(const char *secret, const char *body, size_t len,
		       char out[SIM_SIGNATURE_HEX + 1]);

/*
 * POSTs body (len bytes of JSON) to url with X-Signature: sha256=<hex> unless
 * secret is "". *http_status gets the answer's status (0 when none came).
 * OS_OK on 2xx; OS_EAGAIN otherwise (detail in err).
 */
enum os_status sim_callback_post(const char *url, const char *secret, const char *body, size_t len,
				 long *http_status, struct os_error *err);

/* Sets up libcurl; call once before threads. */
void sim_callback_global_init(void);

#endif
