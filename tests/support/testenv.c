/* Environment of the integration tests. */
#include "tests/support/testenv.h"

#include <stdio.h>
#include <stdlib.h>

const char *testenv_require(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0') {
		fprintf(stderr, "%s is not set: run the tests through scripts/test.sh\n", name);
		exit(1);
	}
	return v;
}
