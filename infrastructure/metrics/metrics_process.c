/* process_* figures from /proc/self/stat, /proc/self/fd and /proc/stat. */
#include "infrastructure/metrics/metrics_process.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "infrastructure/metrics/metrics.h"

#ifndef OS_VERSION
#define OS_VERSION "unknown"
#endif
#ifndef OS_COMMIT
#define OS_COMMIT "unknown"
#endif

const char *metrics_build_version(void)
{
	return OS_VERSION;
}

const char *metrics_build_commit(void)
{
	return OS_COMMIT;
}

/* Seconds since the epoch at which the machine booted, or -1. */
static long long boot_time(void)
{
	char line[256];
	long long t = -1;
	FILE *f = fopen("/proc/stat", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "btime %lld", &t) == 1)
			break;
	fclose(f);
	return t;
}

/* Fields 14 (utime), 15 (stime), 22 (starttime), 23 (vsize), 24 (rss) of
 * /proc/self/stat; the command name (field 2) may hold spaces and
 * parentheses, so parsing starts after its last ')'. */
static void read_stat(struct metrics_process *p)
{
	char buf[1024];
	unsigned long long utime, stime, start, vsize;
	long long rss;
	long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	long long btime;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n;
	char *s;

	if (f == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	s = strrchr(buf, ')');
	if (s == NULL || ticks <= 0 || page <= 0)
		return;
	/* After ')': state (3), then fields 4..13 skipped, 14, 15, 16..21
	 * skipped, 22, 23, 24. */
	if (sscanf(s + 1,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d"
		   " %llu %llu %lld",
		   &utime, &stime, &start, &vsize, &rss) != 5)
		return;
	p->cpu_seconds = (double)(utime + stime) / (double)ticks;
	p->virtual_bytes = (int64_t)vsize;
	p->resident_bytes = (int64_t)rss * page;
	btime = boot_time();
	if (btime >= 0)
		p->start_time_seconds = (double)btime + (double)start / (double)ticks;
}

static int64_t count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int64_t n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

void metrics_process_read(struct metrics_process *out)
{
	struct rlimit rl;

	out->cpu_seconds = -1;
	out->start_time_seconds = -1;
	out->resident_bytes = -1;
	out->virtual_bytes = -1;
	read_stat(out);
	out->open_fds = count_fds();
	out->max_fds = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		out->max_fds = (int64_t)rl.rlim_cur;
}

static void add_int(struct sbuf *out, const char *name, const char *kind, const char *help,
		    int64_t v)
{
	if (v < 0)
		return;
	sbuf_addf(out, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, kind, name,
		  (long long)v);
}

static void add_seconds(struct sbuf *out, const char *name, const char *kind, const char *help,
			double v)
{
	if (v < 0)
		return;
	sbuf_addf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.2f\n", name, help, name, kind, name, v);
}

void metrics_process_render(struct sbuf *out)
{
	struct metrics_process p;
	char labels[METRICS_LABELS_MAX + 1];

	metrics_process_read(&p);
	add_seconds(out, "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.", p.cpu_seconds);
	add_int(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
		p.resident_bytes);
	add_int(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
		p.virtual_bytes);
	add_int(out, "process_open_fds", "gauge", "Number of open file descriptors.", p.open_fds);
	add_int(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
		p.max_fds);
	add_seconds(out, "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds.", p.start_time_seconds);
	if (metrics_labels(labels, sizeof(labels), "version", metrics_build_version(), "commit",
			   metrics_build_commit(), NULL))
		sbuf_addf(out,
			  "# HELP order_service_build_info The version and commit of this build.\n"
			  "# TYPE order_service_build_info gauge\norder_service_build_info{%s} 1\n",
			  labels);
}
