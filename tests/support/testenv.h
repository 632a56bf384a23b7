/*
 * Shared helpers of the integration tests: where the servers are (set by
 * scripts/test.sh) and a scratch database per test program.
 */
#ifndef OS_TESTENV_H
#define OS_TESTENV_H

/* The environment variable's value, or the test is skipped (exit 77 is not
 * used: a missing server is a failure of the test setup). */
const char *testenv_require(const char *name);

#endif
