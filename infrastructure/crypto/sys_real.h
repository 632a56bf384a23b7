/*
 * The real system port of app/sys.h: CLOCK_REALTIME and OpenSSL
 * RAND_bytes.
 */
#ifndef OS_CRYPTO_SYS_REAL_H
#define OS_CRYPTO_SYS_REAL_H

#include "app/sys.h"

/* Fills *out with the process-wide real sys port: CLOCK_REALTIME in
 * microseconds and OpenSSL RAND_bytes (aborts if no randomness is
 * available). The port has no state; *out may be copied freely. */
void crypto_sys_init(struct sys *out);

#endif
