/*
 * The process figures every order-service process exports beside its own
 * metrics, read from /proc/self at render time (the names client libraries
 * use, so standard dashboards work): process_cpu_seconds_total,
 * process_resident_memory_bytes, process_virtual_memory_bytes,
 * process_open_fds, process_max_fds, process_start_time_seconds, and
 * order_service_build_info{version,commit} 1.
 */
#ifndef OS_METRICS_PROCESS_H
#define OS_METRICS_PROCESS_H

#include "app/sbuf.h"

/* What /proc/self says now; a field that cannot be read is -1. */
struct metrics_process {
	double cpu_seconds;
	double start_time_seconds; /* since the epoch */
	int64_t resident_bytes;
	int64_t virtual_bytes;
	int64_t open_fds;
	int64_t max_fds;
};

void metrics_process_read(struct metrics_process *out);

/* The version and commit this binary was built from ("unknown" when the
 * build had no git checkout). */
const char *metrics_build_version(void);
const char *metrics_build_commit(void);

/* Appends the figures above in the Prometheus text format (a field that
 * could not be read is left out). */
void metrics_process_render(struct sbuf *out);

#endif
