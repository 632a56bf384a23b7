/* RFC 3339 formatting of Unix microseconds (UTC, milliseconds). */
#include "app/timefmt.h"

#include <stdio.h>
#include <time.h>

size_t timefmt_rfc3339(int64_t unix_us, char *buf, size_t cap)
{
	time_t secs = (time_t)(unix_us / 1000000);
	int64_t ms = (unix_us % 1000000) / 1000;
	struct tm tm;
	int n;

	if (unix_us < 0 || gmtime_r(&secs, &tm) == NULL || tm.tm_year + 1900 > 9999)
		return 0;
	n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}
