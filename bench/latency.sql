-- Commit-to-Kafka latency of the order.created events of the latency phase.
-- bench_recv holds what the kcat consumer saw: the Kafka key (the order id),
-- the message's CreateTime (set by the relay's producer at produce time, ms)
-- and the wall-clock time the consumer printed it (us). The commit time is
-- exact: pg_xact_commit_timestamp() of the order row, which nothing updates
-- during this phase (track_commit_timestamp is on in the benchmark cluster).
-- Output: one row per measure, "name|count|p50_ms|p99_ms|max_ms".
WITH m AS (
    SELECT extract(epoch FROM pg_xact_commit_timestamp(o.xmin)) * 1000 AS commit_ms,
           r.kafka_ms, r.recv_us / 1000.0 AS recv_ms,
           extract(epoch FROM x.sent_at) * 1000 AS sent_ms
    FROM bench_recv r
    JOIN orders o ON o.id = r.key
    JOIN outbox x ON x.aggregateid = o.id AND x.destination = 'order.events'
), d AS (
    SELECT 'commit -> produced (Kafka CreateTime)' AS name, 1 AS k, kafka_ms - commit_ms AS ms FROM m
    UNION ALL
    SELECT 'commit -> broker ack, row marked sent', 2, sent_ms - commit_ms FROM m
    UNION ALL
    SELECT 'commit -> received by a consumer', 3, recv_ms - commit_ms FROM m
)
SELECT name, count(*),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2),
       round(max(ms)::numeric, 2)
FROM d GROUP BY name, k ORDER BY k;
