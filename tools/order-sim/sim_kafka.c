/* Producer, consumer and CloudEvents publishing over librdkafka. */
#include "tools/order-sim/sim_kafka.h"

#include <string.h>

#include "app/timefmt.h"
#include "infrastructure/kafka/kafka_conf.h"
#include "tools/order-sim/sim_rand.h"

static enum os_status set_all(rd_kafka_conf_t *conf, const char *const *kv, struct os_error *err)
{
	char msg[256];

	for (; kv[0] != NULL; kv += 2)
		if (rd_kafka_conf_set(conf, kv[0], kv[1], msg, sizeof(msg)) != RD_KAFKA_CONF_OK)
			return os_fail(err, OS_EINVAL, kv[0], "kafka %s: %s", kv[0], msg);
	return OS_OK;
}

static enum os_status create(rd_kafka_type_t type, rd_kafka_conf_t *conf, rd_kafka_t **out,
			     struct os_error *err)
{
	char msg[256];
	rd_kafka_t *rk = rd_kafka_new(type, conf, msg, sizeof(msg));

	if (rk == NULL) {
		rd_kafka_conf_destroy(conf);
		return os_fail(err, OS_EUNAVAIL, "kafka", "rd_kafka_new: %s", msg);
	}
	*out = rk;
	return OS_OK;
}

enum os_status sim_kafka_producer_new(const char *bootstrap, const struct kafka_security *sec,
				      sim_kafka_delivered_fn *delivered, void *ctx,
				      rd_kafka_t **out, struct os_error *err)
{
	const char *const kv[] = {
	    "bootstrap.servers", bootstrap, "enable.idempotence",   "true", "acks", "all",
	    "linger.ms",	 "2",	    "socket.nagle.disable", "true", NULL};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	if (set_all(conf, kv, err) != OS_OK || kafka_conf_apply_security(conf, sec, err) != OS_OK) {
		rd_kafka_conf_destroy(conf);
		return OS_EINVAL;
	}
	rd_kafka_conf_set_opaque(conf, ctx);
	rd_kafka_conf_set_dr_msg_cb(conf, delivered);
	return create(RD_KAFKA_PRODUCER, conf, out, err);
}

enum os_status sim_kafka_consumer_new(const char *bootstrap, const struct kafka_security *sec,
				      const char *group, const char *topic, rd_kafka_t **out,
				      struct os_error *err)
{
	const char *const kv[] = {"bootstrap.servers",
				  bootstrap,
				  "group.id",
				  group,
				  "auto.offset.reset",
				  "earliest",
				  "enable.auto.commit",
				  "true",
				  "fetch.wait.max.ms",
				  "10",
				  "socket.nagle.disable",
				  "true",
				  NULL};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *topics;
	rd_kafka_resp_err_t rc;
	rd_kafka_t *rk = NULL;

	if (set_all(conf, kv, err) != OS_OK || kafka_conf_apply_security(conf, sec, err) != OS_OK) {
		rd_kafka_conf_destroy(conf);
		return OS_EINVAL;
	}
	if (create(RD_KAFKA_CONSUMER, conf, &rk, err) != OS_OK)
		return OS_EUNAVAIL;
	rd_kafka_poll_set_consumer(rk);
	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
	rc = rd_kafka_subscribe(rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_destroy(rk);
		return os_fail(err, OS_EUNAVAIL, "kafka", "subscribe %s: %s", topic,
			       rd_kafka_err2str(rc));
	}
	*out = rk;
	return OS_OK;
}

/* CloudEvents binary-mode headers (DESIGN §8). */
static rd_kafka_headers_t *ce_headers(const char *event_id, const char *event_type)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(6);
	char now[TIMEFMT_RFC3339_MAX];

	timefmt_rfc3339(sim_now_us(), now, sizeof(now));
	rd_kafka_header_add(h, "ce_specversion", -1, "1.0", -1);
	rd_kafka_header_add(h, "ce_id", -1, event_id, -1);
	rd_kafka_header_add(h, "ce_type", -1, event_type, -1);
	rd_kafka_header_add(h, "ce_source", -1, "order-sim/shipping", -1);
	rd_kafka_header_add(h, "ce_time", -1, now, -1);
	rd_kafka_header_add(h, "content-type", -1, "application/json", -1);
	return h;
}

enum os_status sim_kafka_publish(rd_kafka_t *rk, const char *topic, const char *key,
				 const char *value, size_t len, const char *event_id,
				 const char *event_type, void *opaque, struct os_error *err)
{
	rd_kafka_headers_t *h = event_type ? ce_headers(event_id, event_type) : NULL;
	rd_kafka_resp_err_t rc;
	rd_kafka_error_t *error;
	/* The array form of rd_kafka_producev: its RD_KAFKA_V_* macros are
	 * GNU statement expressions, refused by clang -Wpedantic. */
	rd_kafka_vu_t vu[6];

	memset(vu, 0, sizeof(vu));
	vu[0].vtype = RD_KAFKA_VTYPE_TOPIC;
	vu[0].u.cstr = topic;
	vu[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
	vu[1].u.i = RD_KAFKA_MSG_F_COPY;
	vu[2].vtype = RD_KAFKA_VTYPE_KEY;
	vu[2].u.mem.ptr = (void *)(uintptr_t)key;
	vu[2].u.mem.size = key ? strlen(key) : 0;
	vu[3].vtype = RD_KAFKA_VTYPE_VALUE;
	vu[3].u.mem.ptr = (void *)(uintptr_t)value;
	vu[3].u.mem.size = len;
	vu[4].vtype = RD_KAFKA_VTYPE_OPAQUE;
	vu[4].u.ptr = opaque;
	vu[5].vtype = RD_KAFKA_VTYPE_HEADERS;
	vu[5].u.headers = h;
	error = rd_kafka_produceva(rk, vu, h ? 6 : 5);
	rc = error ? rd_kafka_error_code(error) : RD_KAFKA_RESP_ERR_NO_ERROR;
	if (error)
		rd_kafka_error_destroy(error);
	if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
		/* The headers are ours until a produce succeeds. */
		if (h)
			rd_kafka_headers_destroy(h);
		return os_fail(err, OS_EAGAIN, "kafka", "produce: %s", rd_kafka_err2str(rc));
	}
	return OS_OK;
}
