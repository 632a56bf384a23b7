-- Full lifecycle latency: from the order's creation (created_at, status
-- new) to its `delivered` history row, for the orders of the lifecycle phase.
-- Output: "orders|delivered|cancelled|p50_ms|p99_ms|max_ms".
WITH d AS (
    SELECT o.status, extract(epoch FROM h.at - o.created_at) * 1000 AS ms
    FROM orders o
    LEFT JOIN order_status_history h ON h.order_id = o.id AND h.to_status = 'delivered'
)
SELECT count(*), count(ms), count(*) FILTER (WHERE status = 'cancelled'),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1),
       round(max(ms)::numeric, 1)
FROM d;
