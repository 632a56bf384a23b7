/*
 * Process-wide metrics in the Prometheus text format: counters, gauges and
 * latency histograms, each series named by a metric name and a label set.
 * The table of series is fixed in size (METRICS_SERIES_MAX); a series that
 * does not fit is dropped and counted in metrics_series_dropped_total, so
 * hostile label values can never grow memory. Every function is thread-safe.
 *
 * Label sets are Prometheus label text without braces, e.g.
 *   route="/api/v1/orders",status="201"
 * built with metrics_labels(), which escapes the values.
 */
#ifndef OS_METRICS_H
#define OS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/sbuf.h"

#define METRICS_SERIES_MAX   512
#define METRICS_NAME_MAX     63
#define METRICS_LABELS_MAX   255
#define METRICS_FAMILIES_MAX 64

enum metrics_kind {
	METRICS_COUNTER = 0,
	METRICS_GAUGE,
	METRICS_HISTOGRAM,
};

/* Declares a family's type and help text (help is borrowed: a literal).
 * Optional: an undeclared family renders with its name as help and the
 * kind of its first use. A later declaration of the same name is ignored. */
void metrics_describe(const char *name, enum metrics_kind kind, const char *help);

/* Creates the series (name, labels) at 0 unless it exists, so that a
 * figure nothing has happened to yet reads 0 instead of being absent
 * (alerts and dashboards then need no absent()). */
void metrics_series_touch(const char *name, const char *labels, enum metrics_kind kind);

/* Adds v (>= 0) to a counter. labels may be NULL or "". */
void metrics_counter_add(const char *name, const char *labels, int64_t v);

/* Sets a gauge. */
void metrics_gauge_set(const char *name, const char *labels, int64_t v);

/* Records one observation of a duration in microseconds into a histogram
 * with buckets from 100 us to 10 s (rendered in seconds). */
void metrics_histogram_observe(const char *name, const char *labels, int64_t micros);

/*
 * Builds label text from NULL-terminated key/value pairs into buf:
 *   metrics_labels(buf, sizeof(buf), "route", r, "status", "201", NULL);
 * Values are escaped (\\, \", \n). Returns false when it does not fit (buf
 * then holds ""), so a caller never records a truncated label set.
 */
bool metrics_labels(char *buf, size_t cap, ...);

/* Appends every series to out, grouped by family with # HELP and # TYPE,
 * then the process figures (metrics_process.h). */
void metrics_render(struct sbuf *out);

/* Forgets every series and declaration (tests). */
void metrics_reset(void);

/* The label value of an HTTP method: one of GET, POST, PUT, DELETE, PATCH,
 * HEAD, OPTIONS, else "other" (a client cannot add label values). */
const char *metrics_method_label(const char *method);

/* What the HTTP API records per request: http_requests_total{route,method,
 * status} and http_request_duration_seconds{route,method}. route is the
 * route pattern ("/api/v1/orders/{id}"), never the raw path, and method
 * goes through metrics_method_label(), to bound the series. */
void metrics_http_request(const char *route, const char *method, int status, int64_t micros);

/* The counter of refund requests (DESIGN §5), for whoever writes one. */
#define METRICS_REFUNDS_REQUESTED "refunds_requested_total"

/* orders_created_total. */
void metrics_order_created(void);

/* refunds_requested_total: n more payment.refund rows committed to the
 * outbox (call after the commit). */
void metrics_refunds_requested(size_t n);

/* Creates the order counters at 0 (processes that create orders or refunds
 * call it at start). */
void metrics_orders_init(void);

#endif
