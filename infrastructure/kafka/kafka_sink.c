/*
 * Kafka outbox sink. One send() produces the whole batch without waiting,
 * then serves delivery reports until each row has its verdict or the
 * delivery timeout passes. Reports are matched to rows by a per-message tag
 * (batch generation, row index), so a report that arrives after its send()
 * gave up (the row then counted as RETRY) is recognised and ignored.
 */
#include "infrastructure/kafka/kafka_sink.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "app/sys.h"
#include "app/timefmt.h"
#include "infrastructure/json/json_tree.h"
#include "infrastructure/kafka/kafka_conf.h"
#include "infrastructure/log/log.h"

#define SINK_WARM_UP_MS	     5000 /* longest wait for the first metadata at open */
#define SINK_BOOTSTRAP_MAX   1024
#define SINK_SOURCE_MAX	     128
#define SINK_TRACEPARENT_MAX 128
#define SINK_REQUEST_ID_MAX  64
#define SINK_GRACE_MS	     2000 /* after the producer's own message timeout */
#define SINK_TAG_INDEX_BITS  16
#define SINK_TAG_GEN_MASK    0x7fffu

struct kafka_sink {
	rd_kafka_t *rk; /* NULL after a fatal error: recreated on next send */
	char bootstrap[SINK_BOOTSTRAP_MAX];
	int linger_ms;
	int timeout_ms;
	char ce_source[SINK_SOURCE_MAX];
	struct kafka_security security; /* applied to every producer created */
	uint32_t gen;			/* batch generation, part of each message tag */
	struct outbox_result *results;	/* of the send() in progress, else NULL */
	size_t count;
	size_t pending; /* reports still expected for this send() */
};

static void *tag_of(uint32_t gen, size_t index)
{
	return (void *)(((uintptr_t)(gen & SINK_TAG_GEN_MASK) << SINK_TAG_INDEX_BITS) | index);
}

/* Errors after which the same message can never be accepted. Anything else
 * (timeouts, leader changes, unknown topic, broker down) may pass later. */
static enum outbox_delivery verdict_of(rd_kafka_resp_err_t e)
{
	switch (e) {
	case RD_KAFKA_RESP_ERR_NO_ERROR: return OUTBOX_SENT;
	case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
	case RD_KAFKA_RESP_ERR_INVALID_MSG:
	case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
	case RD_KAFKA_RESP_ERR_INVALID_RECORD:
	case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
	case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
	case RD_KAFKA_RESP_ERR__INVALID_ARG: return OUTBOX_PERMANENT;
	default: return OUTBOX_RETRY;
	}
}

static void set_result(struct outbox_result *r, rd_kafka_resp_err_t e)
{
	r->delivery = verdict_of(e);
	if (r->delivery == OUTBOX_SENT)
		r->error[0] = '\0';
	else
		snprintf(r->error, sizeof(r->error), "kafka: %s", rd_kafka_err2str(e));
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kafka_sink *s = opaque;
	uintptr_t tag = (uintptr_t)m->_private;
	size_t index = (size_t)(tag & ((1u << SINK_TAG_INDEX_BITS) - 1));
	uint32_t gen = (uint32_t)(tag >> SINK_TAG_INDEX_BITS);

	(void)rk;
	if (s->results == NULL || gen != (s->gen & SINK_TAG_GEN_MASK) || index >= s->count)
		return; /* a late report of an earlier send(): that row was a RETRY */
	set_result(&s->results[index], m->err);
	if (s->pending > 0)
		s->pending--;
}

static enum os_status create_producer(struct kafka_sink *s, struct os_error *err)
{
	rd_kafka_conf_t *conf = NULL;
	char why[512];
	enum os_status st;

	st = kafka_conf_new(s->bootstrap, &conf, err);
	if (st != OS_OK)
		return st;
	if ((st = kafka_conf_set(conf, "enable.idempotence", "true", err)) != OS_OK ||
	    (st = kafka_conf_set(conf, "acks", "all", err)) != OS_OK ||
	    (st = kafka_conf_set_int(conf, "linger.ms", s->linger_ms, err)) != OS_OK ||
	    (st = kafka_conf_set_int(conf, "message.timeout.ms", s->timeout_ms, err)) != OS_OK ||
	    (st = kafka_conf_set(conf, "batch.num.messages", "10000", err)) != OS_OK ||
	    (st = kafka_conf_set(conf, "compression.codec", "lz4", err)) != OS_OK ||
	    (st = kafka_conf_set(conf, "queue.buffering.max.messages", "100000", err)) != OS_OK ||
	    (st = kafka_conf_apply_security(conf, &s->security, err)) != OS_OK)
		goto out;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, s);
	s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (s->rk == NULL) {
		st = os_fail(err, OS_EIO, NULL, "kafka producer: %s", why);
		goto out;
	}
	conf = NULL; /* rd_kafka_new took it */
out:
	if (conf != NULL)
		rd_kafka_conf_destroy(conf);
	return st;
}

/* Copies the string value of key in the row's headers JSON object, if it is
 * a string that fits and holds only printable ASCII; else leaves out empty. */
static void header_value(yajl_val root, const char *key, char *out, size_t cap)
{
	const char *text = json_tree_string(root, key);
	size_t i, len;

	out[0] = '\0';
	if (text == NULL)
		return;
	len = strlen(text);
	if (len == 0 || len >= cap)
		return;
	for (i = 0; i < len; i++)
		if (text[i] < 0x20 || text[i] > 0x7e)
			return;
	memcpy(out, text, len + 1);
}

/* traceparent and request id from the row's headers JSON ("{}" if none).
 * A malformed or oversized object only loses the tracing headers. */
static void row_trace(const struct outbox_row *r, char *traceparent, char *request_id)
{
	yajl_val root;

	traceparent[0] = '\0';
	request_id[0] = '\0';
	if (r->headers == NULL ||
	    json_tree_parse(&json_limits_headers, r->headers, r->headers_len, &root, NULL) != OS_OK)
		return;
	header_value(root, "traceparent", traceparent, SINK_TRACEPARENT_MAX + 1);
	header_value(root, "request_id", request_id, SINK_REQUEST_ID_MAX + 1);
	yajl_tree_free(root);
}

static void add_header(rd_kafka_headers_t *h, const char *name, const char *value)
{
	rd_kafka_header_add(h, name, -1, value, -1);
}

/* The CloudEvents binary-mode headers of one row; owned by the caller until
 * a successful produce hands them to librdkafka. */
static rd_kafka_headers_t *row_headers(const struct kafka_sink *s, const struct outbox_row *r)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(8);
	char id[UUID_STR_LEN + 1];
	char subject[UUID_STR_LEN + 1];
	char when[TIMEFMT_RFC3339_MAX];
	char traceparent[SINK_TRACEPARENT_MAX + 1];
	char request_id[SINK_REQUEST_ID_MAX + 1];

	uuid_format(&r->event_id, id);
	uuid_format(&r->aggregate_id, subject);
	if (timefmt_rfc3339(r->created_at_us, when, sizeof(when)) == 0)
		when[0] = '\0';
	row_trace(r, traceparent, request_id);
	add_header(h, "ce_specversion", "1.0");
	add_header(h, "ce_id", id);
	add_header(h, "ce_type", r->type);
	add_header(h, "ce_source", s->ce_source);
	if (when[0] != '\0')
		add_header(h, "ce_time", when);
	add_header(h, "ce_subject", subject);
	add_header(h, "content-type", "application/json");
	if (traceparent[0] != '\0')
		add_header(h, "traceparent", traceparent);
	if (request_id[0] != '\0')
		add_header(h, "x-request-id", request_id);
	return h;
}

/*
 * Queues row index of the batch. Returns true when a delivery report will
 * come for it; false when the verdict is already in *res. A full local
 * queue is waited out (serving reports) until deadline.
 */
static bool produce_row(struct kafka_sink *s, const struct outbox_row *r, size_t index,
			int64_t deadline, struct outbox_result *res)
{
	char key[UUID_STR_LEN + 1];
	rd_kafka_headers_t *h = row_headers(s, r);
	rd_kafka_error_t *error;
	rd_kafka_resp_err_t e;
	/* rd_kafka_produceva rather than the RD_KAFKA_V_* macros of
	 * rd_kafka_producev: those are GNU statement expressions, which
	 * clang -Wpedantic (the fuzz build) refuses. */
	rd_kafka_vu_t vu[6];

	uuid_format(&r->aggregate_id, key);
	memset(vu, 0, sizeof(vu));
	vu[0].vtype = RD_KAFKA_VTYPE_TOPIC;
	vu[0].u.cstr = r->destination;
	vu[1].vtype = RD_KAFKA_VTYPE_KEY;
	vu[1].u.mem.ptr = key;
	vu[1].u.mem.size = UUID_STR_LEN;
	vu[2].vtype = RD_KAFKA_VTYPE_VALUE;
	vu[2].u.mem.ptr = r->payload;
	vu[2].u.mem.size = r->payload_len;
	vu[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
	vu[3].u.i = RD_KAFKA_MSG_F_COPY;
	vu[4].vtype = RD_KAFKA_VTYPE_HEADERS;
	vu[4].u.headers = h;
	vu[5].vtype = RD_KAFKA_VTYPE_OPAQUE;
	vu[5].u.ptr = tag_of(s->gen, index);
	for (;;) {
		error = rd_kafka_produceva(s->rk, vu, sizeof(vu) / sizeof(vu[0]));
		e = error ? rd_kafka_error_code(error) : RD_KAFKA_RESP_ERR_NO_ERROR;
		if (error)
			rd_kafka_error_destroy(error);
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || sys_mono_ms() >= deadline)
			break;
		rd_kafka_poll(s->rk, 10);
	}
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
		return true; /* h belongs to the message now */
	rd_kafka_headers_destroy(h);
	set_result(res, e);
	return false;
}

/* Serves reports until none is pending or the deadline passes. */
static void await_reports(struct kafka_sink *s, int64_t deadline)
{
	int64_t left;

	while (s->pending > 0 && (left = deadline - sys_mono_ms()) > 0)
		rd_kafka_poll(s->rk, left > 100 ? 100 : (int)left);
}

/* After a fatal producer error (idempotence state lost) the handle is
 * useless: drop it so that the next send starts a fresh producer. */
static void check_fatal(struct kafka_sink *s)
{
	char why[512];
	rd_kafka_resp_err_t e = rd_kafka_fatal_error(s->rk, why, sizeof(why));

	if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	log_kv(LOG_ERROR, "kafka producer failed fatally, recreating it", "error", why, NULL);
	rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_destroy(s->rk);
	s->rk = NULL;
}

static enum os_status sink_send(void *ctx, const struct outbox_batch *b,
				struct outbox_result *results, struct os_error *err)
{
	struct kafka_sink *s = ctx;
	int64_t deadline = sys_mono_ms() + s->timeout_ms + SINK_GRACE_MS;
	enum os_status st;
	size_t i;

	if (b->count >= (1u << SINK_TAG_INDEX_BITS))
		return os_fail(err, OS_EINVAL, NULL, "kafka sink: batch of %zu rows is too big",
			       b->count);
	if (s->rk == NULL && (st = create_producer(s, err)) != OS_OK)
		return st;
	rd_kafka_poll(s->rk, 0); /* late reports of earlier batches */
	outbox_results_retry(results, b->count, "kafka: no delivery report within the timeout");
	s->gen++;
	s->results = results;
	s->count = b->count;
	s->pending = 0;
	for (i = 0; i < b->count; i++)
		if (produce_row(s, &b->rows[i], i, deadline, &results[i]))
			s->pending++;
	await_reports(s, deadline);
	s->results = NULL;
	s->count = 0;
	s->pending = 0;
	check_fatal(s);
	return OS_OK;
}

/* librdkafka connects lazily, on the first message: the first batch would
 * pay for the connection (hundreds of ms). Asking for metadata connects now.
 * A broker that does not answer yet is not an error: sends retry later. */
static void warm_up(struct kafka_sink *s)
{
	const struct rd_kafka_metadata *md = NULL;

	if (rd_kafka_metadata(s->rk, 1, NULL, &md, SINK_WARM_UP_MS) == RD_KAFKA_RESP_ERR_NO_ERROR)
		rd_kafka_metadata_destroy(md);
	else
		log_kv(LOG_WARN, "kafka: brokers not reachable yet", "bootstrap", s->bootstrap,
		       NULL);
}

static const struct outbox_sink_ops kafka_sink_ops = {
    .send = sink_send,
};

enum os_status kafka_sink_open(const struct kafka_sink_options *o, struct outbox_sink *out,
			       struct os_error *err)
{
	struct kafka_sink *s;
	enum os_status st;
	size_t len = o->bootstrap != NULL ? strlen(o->bootstrap) : 0;

	if (len == 0 || len >= SINK_BOOTSTRAP_MAX)
		return os_fail(err, OS_EINVAL, "bootstrap",
			       "kafka bootstrap servers missing or too long");
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return os_fail(err, OS_ENOMEM, NULL, "kafka sink: out of memory");
	memcpy(s->bootstrap, o->bootstrap, len + 1);
	s->linger_ms = o->linger_ms < 0 ? 1 : o->linger_ms;
	s->timeout_ms = o->delivery_timeout_ms <= 0 ? 10000 : o->delivery_timeout_ms;
	snprintf(s->ce_source, sizeof(s->ce_source), "%s",
		 o->ce_source != NULL ? o->ce_source : "/order-service");
	if (o->security != NULL)
		s->security = *o->security;
	st = create_producer(s, err);
	if (st != OS_OK) {
		memset(&s->security, 0, sizeof(s->security));
		free(s);
		return st;
	}
	warm_up(s);
	out->ops = &kafka_sink_ops;
	out->ctx = s;
	return OS_OK;
}

void kafka_sink_close(struct outbox_sink *sink)
{
	struct kafka_sink *s = sink->ctx;

	if (s == NULL)
		return;
	if (s->rk != NULL) {
		if (rd_kafka_flush(s->rk, s->timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
			log_kv(LOG_WARN, "kafka producer closed with undelivered messages", NULL);
		rd_kafka_destroy(s->rk);
	}
	memset(&s->security, 0, sizeof(s->security));
	free(s);
	sink->ctx = NULL;
}
