/* The metrics' text for tests; see metrics_text.h. */
#include "tests/support/metrics_text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/sbuf.h"
#include "infrastructure/metrics/metrics.h"

static char rendered[1 << 20];

const char *metrics_text(void)
{
	struct sbuf sb;

	sbuf_init(&sb, sizeof(rendered) - 1);
	metrics_render(&sb);
	assert_true(sbuf_ok(&sb));
	memcpy(rendered, sb.buf, sb.len);
	rendered[sb.len] = '\0';
	sbuf_release(&sb);
	return rendered;
}
