/*
 * Kafka shipping-events source. Each polled message's next offset is stored
 * (enable.auto.offset.store=false) when it is handed out, and commit()
 * commits the stored offsets synchronously: so what is committed is exactly
 * what the caller has seen and recorded. The message is held until the next
 * poll or commit because the inbox message borrows its value.
 */
#include "infrastructure/kafka/kafka_source.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "infrastructure/kafka/kafka_conf.h"
#include "infrastructure/kafka/shipping_event.h"
#include "infrastructure/log/log.h"

#define SOURCE_TOPIC_ID_MAX   80 /* of the topic name in a positional message id */
#define SOURCE_REQUEST_ID_MAX 64

struct kafka_source {
	rd_kafka_t *rk;
	rd_kafka_message_t *held; /* last message handed out, until next poll/commit */
};

static void drop_held(struct kafka_source *s)
{
	if (s->held != NULL)
		rd_kafka_message_destroy(s->held);
	s->held = NULL;
}

static enum os_status configure(const struct kafka_source_options *o, rd_kafka_conf_t *conf,
				struct os_error *err)
{
	enum os_status st;

	if ((st = kafka_conf_set(conf, "group.id", o->group_id, err)) != OS_OK ||
	    (st = kafka_conf_set(conf, "enable.auto.commit", "false", err)) != OS_OK ||
	    (st = kafka_conf_set(conf, "enable.auto.offset.store", "false", err)) != OS_OK ||
	    (st = kafka_conf_set(conf, "auto.offset.reset", "earliest", err)) != OS_OK ||
	    (st = kafka_conf_set(conf, "enable.partition.eof", "false", err)) != OS_OK ||
	    /* Shipping events move orders: hand them over within milliseconds
	     * rather than after the broker's default half-second fetch wait. */
	    (st = kafka_conf_set(conf, "fetch.wait.max.ms", "10", err)) != OS_OK)
		return st;
	if (o->session_timeout_ms <= 0)
		return OS_OK;
	/* The heartbeat must come well within the session timeout. */
	if ((st = kafka_conf_set_int(conf, "session.timeout.ms", o->session_timeout_ms, err)) !=
		OS_OK ||
	    (st = kafka_conf_set_int(conf, "heartbeat.interval.ms",
				     o->session_timeout_ms / 3 > 0 ? o->session_timeout_ms / 3 : 1,
				     err)) != OS_OK)
		return st;
	return OS_OK;
}

static enum os_status subscribe(rd_kafka_t *rk, const char *topic, struct os_error *err)
{
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_resp_err_t e;

	rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
	e = rd_kafka_subscribe(rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		return os_fail(err, OS_EIO, "topic", "kafka subscribe %s: %s", topic,
			       rd_kafka_err2str(e));
	return OS_OK;
}

/* The x-request-id header when it is short printable ASCII, else "". */
static void request_id_of(const rd_kafka_message_t *m, char *out, size_t cap)
{
	rd_kafka_headers_t *h = NULL;
	const void *v = NULL;
	size_t len = 0, i;
	const unsigned char *c;

	out[0] = '\0';
	if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    rd_kafka_header_get_last(h, "x-request-id", &v, &len) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    v == NULL || len == 0 || len >= cap)
		return;
	c = v;
	for (i = 0; i < len; i++)
		if (c[i] < 0x21 || c[i] > 0x7e)
			return;
	memcpy(out, v, len);
	out[len] = '\0';
}

/* A malformed message: recorded as rejected under an id unique to its
 * position, so that a replay of the same position deduplicates. */
static void reject(const rd_kafka_message_t *m, const struct os_error *why, struct inbox_msg *out)
{
	size_t keep = m->len < INBOX_PAYLOAD_MAX ? m->len : INBOX_PAYLOAD_MAX;

	snprintf(out->message_id, sizeof(out->message_id), "kafka:%.*s/%" PRId32 "/%" PRId64,
		 SOURCE_TOPIC_ID_MAX, rd_kafka_topic_name(m->rkt), m->partition, m->offset);
	snprintf(out->type, sizeof(out->type), "%s", INBOX_TYPE_MALFORMED);
	snprintf(out->error, sizeof(out->error), "%s", why->message);
	out->rejected = true;
	out->has_order_id = false;
	out->payload = m->payload != NULL ? m->payload : "";
	out->payload_len = m->payload != NULL ? keep : 0;
}

static void decode(const rd_kafka_message_t *m, struct inbox_msg *out)
{
	struct os_error why;

	memset(out, 0, sizeof(*out));
	snprintf(out->source, sizeof(out->source), "%s", INBOX_SOURCE_SHIPPING);
	request_id_of(m, out->request_id, sizeof(out->request_id));
	os_error_clear(&why);
	if (shipping_event_decode(m->payload, m->len, out, &why) != OS_OK)
		reject(m, &why, out);
}

/* Marks m as seen: its next offset is what commit() will commit. */
static void store_position(rd_kafka_t *rk, const rd_kafka_message_t *m)
{
	rd_kafka_topic_partition_list_t *pos = rd_kafka_topic_partition_list_new(1);
	rd_kafka_resp_err_t e;

	rd_kafka_topic_partition_list_add(pos, rd_kafka_topic_name(m->rkt), m->partition)->offset =
	    m->offset + 1;
	e = rd_kafka_offsets_store(rk, pos);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) /* revoked meanwhile: another member replays it */
		log_kv(LOG_WARN, "kafka offset not stored", "error", rd_kafka_err2str(e), NULL);
	rd_kafka_topic_partition_list_destroy(pos);
}

static enum os_status source_poll(void *ctx, int timeout_ms, struct inbox_msg *out, bool *got,
				  struct os_error *err)
{
	struct kafka_source *s = ctx;
	rd_kafka_message_t *m;

	(void)err;
	drop_held(s);
	m = rd_kafka_consumer_poll(s->rk, timeout_ms);
	*got = false;
	if (m == NULL)
		return OS_OK;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			log_kv(LOG_WARN, "kafka consumer error", "error",
			       rd_kafka_message_errstr(m), NULL);
		rd_kafka_message_destroy(m);
		return OS_OK;
	}
	decode(m, out);
	store_position(s->rk, m);
	s->held = m;
	*got = true;
	return OS_OK;
}

static enum os_status source_commit(void *ctx, struct os_error *err)
{
	struct kafka_source *s = ctx;
	rd_kafka_resp_err_t e;

	drop_held(s);
	e = rd_kafka_commit(s->rk, NULL, 0);
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR__NO_OFFSET)
		return OS_OK;
	return os_fail(err, OS_EUNAVAIL, NULL, "kafka commit: %s", rd_kafka_err2str(e));
}

static const struct message_source_ops kafka_source_ops = {
    .poll = source_poll,
    .commit = source_commit,
};

static bool option_ok(const char *v)
{
	return v != NULL && v[0] != '\0' && strlen(v) < 1024;
}

enum os_status kafka_source_open(const struct kafka_source_options *o, struct message_source *out,
				 struct os_error *err)
{
	struct kafka_source *s = NULL;
	rd_kafka_conf_t *conf = NULL;
	char why[512];
	enum os_status st;

	if (!option_ok(o->bootstrap) || !option_ok(o->group_id) || !option_ok(o->topic))
		return os_fail(err, OS_EINVAL, NULL,
			       "kafka source: bootstrap, group and topic are required");
	if ((st = kafka_conf_new(o->bootstrap, &conf, err)) != OS_OK ||
	    (st = configure(o, conf, err)) != OS_OK ||
	    (st = kafka_conf_apply_security(conf, o->security, err)) != OS_OK)
		goto out;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		st = os_fail(err, OS_ENOMEM, NULL, "kafka source: out of memory");
		goto out;
	}
	s->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
	if (s->rk == NULL) {
		st = os_fail(err, OS_EIO, NULL, "kafka consumer: %s", why);
		goto out;
	}
	conf = NULL; /* rd_kafka_new took it */
	rd_kafka_poll_set_consumer(s->rk);
	if ((st = subscribe(s->rk, o->topic, err)) != OS_OK)
		goto out;
	out->ops = &kafka_source_ops;
	out->ctx = s;
	s = NULL;
out:
	if (conf != NULL)
		rd_kafka_conf_destroy(conf);
	if (s != NULL && s->rk != NULL)
		rd_kafka_destroy(s->rk);
	free(s);
	return st;
}

void kafka_source_close(struct message_source *src)
{
	struct kafka_source *s = src->ctx;

	if (s == NULL)
		return;
	drop_held(s);
	rd_kafka_consumer_close(s->rk);
	rd_kafka_destroy(s->rk);
	free(s);
	src->ctx = NULL;
}
