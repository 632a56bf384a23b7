-- Brings the order and outbox tables to the same state before every phase:
-- no orders, and an outbox that holds what a running service's outbox holds
-- for its retention period, 50,000 rows already sent, with fresh planner
-- statistics. An empty outbox with the statistics of an empty table is not
-- a state a running service is in, and it steers the planner away from the
-- claim's partial index (see docs/BENCHMARKS.md).
TRUNCATE orders, order_items, order_status_history, order_payments, refunds, outbox, inbox;
INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, destination, headers,
                    status, attempts, created_at, sent_at)
SELECT gen_random_uuid(), 'order', gen_random_uuid(), 'order.created',
       jsonb_build_object('event_type', 'order.created', 'n', g), d.dest, '{}',
       'sent', 0, now() - interval '1 hour', now() - interval '1 hour'
FROM generate_series(1, 12500) g,
     unnest(ARRAY['order.events', 'shipping.requests', 'payments', 'notifications']) AS d(dest);
VACUUM ANALYZE;
