/* Command line and environment of order-sim. */
#include "tools/order-sim/sim_config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_kind { OPT_STR, OPT_INT, OPT_RATE, OPT_U64 };

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t offset;
	size_t size; /* of the string field */
};

/* clang-format off */
#define OPT_S(n, f) { n, OPT_STR, offsetof(struct sim_config, f), sizeof(((struct sim_config *)0)->f) }
#define OPT_I(n, f) { n, OPT_INT, offsetof(struct sim_config, f), 0 }
#define OPT_R(n, f) { n, OPT_RATE, offsetof(struct sim_config, f), 0 }

static const struct opt opts[] = {
	OPT_S("host", host),
	OPT_I("port", port),
	OPT_S("kafka", kafka),
	OPT_S("callback-secret", secret),
	OPT_I("payment-delay-ms", payment_delay_ms),
	OPT_R("payment-fail-rate", payment_fail_ppm),
	OPT_R("payment-error-rate", payment_error_ppm),
	OPT_R("payment-timeout-rate", payment_timeout_ppm),
	OPT_I("payment-latency-ms", payment_latency_ms),
	OPT_I("catalog-latency-ms", catalog_latency_ms),
	OPT_I("shipping-delay-ms", shipping_delay_ms),
	OPT_R("shipping-fail-rate", shipping_fail_ppm),
	OPT_S("topic-requests", topic_requests),
	OPT_S("topic-events", topic_events),
	OPT_S("group", group),
	{ "seed", OPT_U64, offsetof(struct sim_config, seed), 0 },
};
/* clang-format on */

enum os_status sim_config_parse_rate(const char *s, uint32_t *ppm)
{
	uint32_t whole, frac = 0, scale = SIM_PPM / 10;
	const char *p = s;

	if (*p != '0' && *p != '1')
		return OS_EINVAL;
	whole = (uint32_t)(*p++ - '0');
	if (*p == '.') {
		p++;
		if (*p == '\0')
			return OS_EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale == 0)
				return OS_EINVAL;
			frac += (uint32_t)(*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p != '\0' || (whole == 1 && frac != 0))
		return OS_EINVAL;
	*ppm = whole * SIM_PPM + frac;
	return OS_OK;
}

static enum os_status set_opt(struct sim_config *cfg, const struct opt *o, const char *v,
			      struct os_error *err)
{
	char *base = (char *)cfg + o->offset, *end;
	long long n;

	switch (o->kind) {
	case OPT_STR:
		if (strlen(v) >= o->size)
			return os_fail(err, OS_EINVAL, o->name, "--%s: value too long", o->name);
		memcpy(base, v, strlen(v) + 1);
		return OS_OK;
	case OPT_RATE:
		if (sim_config_parse_rate(v, (uint32_t *)(void *)base) != OS_OK)
			return os_fail(err, OS_EINVAL, o->name, "--%s: want a fraction 0..1",
				       o->name);
		return OS_OK;
	case OPT_INT:
	case OPT_U64: break;
	}
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0)
		return os_fail(err, OS_EINVAL, o->name, "--%s: want a non-negative integer",
			       o->name);
	if (o->kind == OPT_U64) {
		*(uint64_t *)(void *)base = (uint64_t)n;
		return OS_OK;
	}
	if (n > 3600000 || (base == (char *)&cfg->port && n > 65535))
		return os_fail(err, OS_EINVAL, o->name, "--%s: value out of range", o->name);
	*(int *)(void *)base = (int)n;
	return OS_OK;
}

static void set_defaults(struct sim_config *cfg)
{
	const char *k, *s;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->host, sizeof(cfg->host), "127.0.0.1");
	cfg->port = 8081;
	cfg->payment_delay_ms = 50;
	cfg->shipping_delay_ms = 50;
	snprintf(cfg->topic_requests, sizeof(cfg->topic_requests), "shipping.requests");
	snprintf(cfg->topic_events, sizeof(cfg->topic_events), "shipping.events");
	snprintf(cfg->group, sizeof(cfg->group), "order-sim-shipping");
	k = getenv("KAFKA_BOOTSTRAP_SERVERS");
	if (k == NULL || *k == '\0')
		k = getenv("KAFKA_BOOTSTRAP");
	if (k != NULL)
		snprintf(cfg->kafka, sizeof(cfg->kafka), "%s", k);
	s = getenv("PAYMENTS_CALLBACK_SECRET");
	if (s != NULL)
		snprintf(cfg->secret, sizeof(cfg->secret), "%s", s);
}

static const struct opt *find_opt(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (strlen(opts[i].name) == len && memcmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

enum os_status sim_config_load(struct sim_config *cfg, int argc, char **argv, struct os_error *err)
{
	enum os_status st;
	int i;

	set_defaults(cfg);
	st = kafka_security_from_env(&cfg->kafka_security, err);
	if (st != OS_OK)
		return st;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *v;
		const struct opt *o;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cfg->help = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0)
			return os_fail(err, OS_EINVAL, a, "unexpected argument '%s'", a);
		a += 2;
		eq = strchr(a, '=');
		o = find_opt(a, eq ? (size_t)(eq - a) : strlen(a));
		if (o == NULL)
			return os_fail(err, OS_EINVAL, a, "unknown option --%s", a);
		if (eq != NULL)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			return os_fail(err, OS_EINVAL, o->name, "--%s needs a value", o->name);
		st = set_opt(cfg, o, v, err);
		if (st != OS_OK)
			return st;
	}
	return OS_OK;
}

void sim_config_usage(void)
{
	printf("usage: order-sim [--host 127.0.0.1] [--port 8081] [--kafka BOOTSTRAP]\n"
	       "  [--callback-secret S] [--payment-delay-ms 50] [--payment-fail-rate 0.0]\n"
	       "  [--payment-error-rate 0.0] [--payment-timeout-rate 0.0]\n"
	       "  [--payment-latency-ms 0] [--shipping-delay-ms 50] [--shipping-fail-rate 0.0]\n"
	       "  [--catalog-latency-ms 0]\n"
	       "  [--topic-requests shipping.requests] [--topic-events shipping.events]\n"
	       "  [--group order-sim-shipping] [--seed N]\n"
	       "environment: KAFKA_BOOTSTRAP_SERVERS, PAYMENTS_CALLBACK_SECRET\n");
}
