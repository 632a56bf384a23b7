/* A fixed table of metric series behind one mutex, rendered on demand. */
#include "infrastructure/metrics/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "infrastructure/metrics/metrics_process.h"

/* Bucket upper bounds in microseconds and their rendering in seconds. The
 * sub-millisecond ones matter: most API answers and relay batches are
 * faster than 1 ms, and a histogram whose first bucket is 1 ms cannot show
 * a p50 or p99 below it. */
static const int64_t bucket_us[] = {100,     250,     500,     1000,	2500,	5000,
				    10000,   25000,   50000,   100000,	250000, 500000,
				    1000000, 2500000, 5000000, 10000000};
static const char *const bucket_le[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
					"0.01",	  "0.025",   "0.05",   "0.1",	"0.25",	  "0.5",
					"1",	  "2.5",     "5",      "10"};
#define BUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

struct family {
	char name[METRICS_NAME_MAX + 1];
	enum metrics_kind kind;
	const char *help;
};

struct series {
	size_t family; /* index into families */
	char labels[METRICS_LABELS_MAX + 1];
	int64_t value;		  /* counter, gauge; histogram: count */
	int64_t sum_us;		  /* histogram */
	int64_t buckets[BUCKETS]; /* histogram, not cumulative */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct family families[METRICS_FAMILIES_MAX];
static size_t family_count;
static struct series table[METRICS_SERIES_MAX];
static size_t series_count;
static int64_t dropped;

/* Index of the family called name, declared on first use; SIZE_MAX when the
 * name is unusable or the family table is full. Caller holds lock. */
static size_t family_find(const char *name, enum metrics_kind kind, const char *help)
{
	size_t i, len = strlen(name);

	for (i = 0; i < family_count; i++)
		if (strcmp(families[i].name, name) == 0)
			return i;
	if (len == 0 || len > METRICS_NAME_MAX || family_count == METRICS_FAMILIES_MAX)
		return SIZE_MAX;
	memcpy(families[family_count].name, name, len + 1);
	families[family_count].kind = kind;
	families[family_count].help = help;
	return family_count++;
}

/* The series (name, labels) of this kind, created on first use; NULL when
 * it cannot exist (kind clash, tables full, oversize labels). Caller holds
 * lock. */
static struct series *series_find(const char *name, const char *labels, enum metrics_kind kind)
{
	size_t f, i, llen;

	if (labels == NULL)
		labels = "";
	llen = strlen(labels);
	f = family_find(name, kind, NULL);
	if (f == SIZE_MAX || families[f].kind != kind || llen > METRICS_LABELS_MAX)
		goto drop;
	for (i = 0; i < series_count; i++)
		if (table[i].family == f && strcmp(table[i].labels, labels) == 0)
			return &table[i];
	if (series_count == METRICS_SERIES_MAX)
		goto drop;
	memset(&table[series_count], 0, sizeof(table[0]));
	table[series_count].family = f;
	memcpy(table[series_count].labels, labels, llen + 1);
	return &table[series_count++];
drop:
	dropped++;
	return NULL;
}

void metrics_describe(const char *name, enum metrics_kind kind, const char *help)
{
	pthread_mutex_lock(&lock);
	size_t f = family_find(name, kind, help);
	if (f != SIZE_MAX && families[f].help == NULL)
		families[f].help = help;
	pthread_mutex_unlock(&lock);
}

void metrics_series_touch(const char *name, const char *labels, enum metrics_kind kind)
{
	pthread_mutex_lock(&lock);
	(void)series_find(name, labels, kind);
	pthread_mutex_unlock(&lock);
}

void metrics_counter_add(const char *name, const char *labels, int64_t v)
{
	struct series *s;

	if (v < 0)
		return;
	pthread_mutex_lock(&lock);
	s = series_find(name, labels, METRICS_COUNTER);
	if (s && s->value <= INT64_MAX - v)
		s->value += v;
	pthread_mutex_unlock(&lock);
}

void metrics_gauge_set(const char *name, const char *labels, int64_t v)
{
	struct series *s;

	pthread_mutex_lock(&lock);
	s = series_find(name, labels, METRICS_GAUGE);
	if (s)
		s->value = v;
	pthread_mutex_unlock(&lock);
}

void metrics_histogram_observe(const char *name, const char *labels, int64_t micros)
{
	struct series *s;
	size_t b;

	if (micros < 0)
		micros = 0;
	pthread_mutex_lock(&lock);
	s = series_find(name, labels, METRICS_HISTOGRAM);
	if (s) {
		for (b = 0; b < BUCKETS && micros > bucket_us[b]; b++)
			;
		if (b < BUCKETS)
			s->buckets[b]++;
		s->value++;
		if (s->sum_us <= INT64_MAX - micros)
			s->sum_us += micros;
	}
	pthread_mutex_unlock(&lock);
}

/* Appends v with Prometheus label-value escaping; false if it overflows. */
static bool label_escape(char *buf, size_t cap, size_t *at, const char *v)
{
	for (; *v; v++) {
		const char *rep = NULL;
		char one[2] = {*v, '\0'};
		size_t n;

		if (*v == '\\')
			rep = "\\\\";
		else if (*v == '"')
			rep = "\\\"";
		else if (*v == '\n')
			rep = "\\n";
		else
			rep = one;
		n = strlen(rep);
		if (*at + n >= cap)
			return false;
		memcpy(buf + *at, rep, n);
		*at += n;
	}
	return true;
}

bool metrics_labels(char *buf, size_t cap, ...)
{
	va_list ap;
	const char *k;
	size_t at = 0;
	bool ok = cap > 0;

	va_start(ap, cap);
	while (ok && (k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		int n = snprintf(buf + at, cap - at, "%s%s=\"", at ? "," : "", k);

		ok = n > 0 && (size_t)n < cap - at;
		if (!ok)
			break;
		at += (size_t)n;
		ok = label_escape(buf, cap, &at, v ? v : "") && at + 1 < cap;
		if (ok)
			buf[at++] = '"';
	}
	va_end(ap);
	if (cap > 0)
		buf[ok ? at : 0] = '\0';
	return ok;
}

static const char *kind_name(enum metrics_kind k)
{
	switch (k) {
	case METRICS_COUNTER: return "counter";
	case METRICS_GAUGE: return "gauge";
	case METRICS_HISTOGRAM: return "histogram";
	}
	return "untyped";
}

/* name{labels,extra} with the separators Prometheus wants for empty sets. */
static void add_series_name(struct sbuf *out, const char *name, const char *suffix,
			    const char *labels, const char *extra)
{
	bool any = labels[0] || extra[0];

	sbuf_addf(out, "%s%s%s%s%s%s%s", name, suffix, any ? "{" : "", labels,
		  labels[0] && extra[0] ? "," : "", extra, any ? "}" : "");
}

static void render_histogram(struct sbuf *out, const char *name, const struct series *s)
{
	char le[32];
	int64_t cum = 0;
	size_t b;

	for (b = 0; b < BUCKETS; b++) {
		cum += s->buckets[b];
		snprintf(le, sizeof(le), "le=\"%s\"", bucket_le[b]);
		add_series_name(out, name, "_bucket", s->labels, le);
		sbuf_addf(out, " %lld\n", (long long)cum);
	}
	add_series_name(out, name, "_bucket", s->labels, "le=\"+Inf\"");
	sbuf_addf(out, " %lld\n", (long long)s->value);
	add_series_name(out, name, "_sum", s->labels, "");
	sbuf_addf(out, " %lld.%06lld\n", (long long)(s->sum_us / 1000000),
		  (long long)(s->sum_us % 1000000));
	add_series_name(out, name, "_count", s->labels, "");
	sbuf_addf(out, " %lld\n", (long long)s->value);
}

static void render_family(struct sbuf *out, size_t f)
{
	const struct family *fam = &families[f];
	size_t i;

	sbuf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help ? fam->help : fam->name,
		  fam->name, kind_name(fam->kind));
	for (i = 0; i < series_count; i++) {
		if (table[i].family != f)
			continue;
		if (fam->kind == METRICS_HISTOGRAM) {
			render_histogram(out, fam->name, &table[i]);
			continue;
		}
		add_series_name(out, fam->name, "", table[i].labels, "");
		sbuf_addf(out, " %lld\n", (long long)table[i].value);
	}
}

void metrics_render(struct sbuf *out)
{
	size_t f;

	pthread_mutex_lock(&lock);
	for (f = 0; f < family_count; f++)
		render_family(out, f);
	metrics_process_render(out);
	sbuf_addf(out,
		  "# HELP metrics_series_dropped_total Series not recorded because a table was "
		  "full.\n# TYPE metrics_series_dropped_total counter\n"
		  "metrics_series_dropped_total %lld\n",
		  (long long)dropped);
	pthread_mutex_unlock(&lock);
}

void metrics_reset(void)
{
	pthread_mutex_lock(&lock);
	family_count = 0;
	series_count = 0;
	dropped = 0;
	pthread_mutex_unlock(&lock);
}

const char *metrics_method_label(const char *method)
{
	static const char *const known[] = {"GET",   "POST", "PUT",    "DELETE",
					    "PATCH", "HEAD", "OPTIONS"};
	size_t i;

	for (i = 0; method != NULL && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(method, known[i]) == 0)
			return known[i];
	return "other";
}

void metrics_http_request(const char *route, const char *method, int status, int64_t micros)
{
	char labels[METRICS_LABELS_MAX + 1], code[16];
	const char *m = metrics_method_label(method);

	metrics_describe("http_requests_total", METRICS_COUNTER,
			 "HTTP requests by route, method and status.");
	metrics_describe("http_request_duration_seconds", METRICS_HISTOGRAM,
			 "HTTP request latency by route and method.");
	/* A status outside 100..599 is not HTTP: one label value for all. */
	if (status >= 100 && status <= 599)
		snprintf(code, sizeof(code), "%d", status);
	else
		snprintf(code, sizeof(code), "other");
	if (metrics_labels(labels, sizeof(labels), "route", route, "method", m, "status", code,
			   NULL))
		metrics_counter_add("http_requests_total", labels, 1);
	if (metrics_labels(labels, sizeof(labels), "route", route, "method", m, NULL))
		metrics_histogram_observe("http_request_duration_seconds", labels, micros);
}

static void describe_orders(void)
{
	metrics_describe("orders_created_total", METRICS_COUNTER, "Orders created (not replays).");
	metrics_describe(METRICS_REFUNDS_REQUESTED, METRICS_COUNTER,
			 "Refund requests written to the outbox (payment.refund).");
}

void metrics_order_created(void)
{
	describe_orders();
	metrics_counter_add("orders_created_total", NULL, 1);
}

void metrics_refunds_requested(size_t n)
{
	if (n == 0) /* every inbox batch reports; most write no refund */
		return;
	describe_orders();
	metrics_counter_add(METRICS_REFUNDS_REQUESTED, NULL, (int64_t)n);
}

void metrics_orders_init(void)
{
	describe_orders();
	metrics_series_touch("orders_created_total", NULL, METRICS_COUNTER);
	metrics_series_touch(METRICS_REFUNDS_REQUESTED, NULL, METRICS_COUNTER);
}
