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
-- The same holds for the orders: a running service's table holds the orders
-- of its past, and the foreign-key checks of every create (order_items and
-- order_status_history reference orders) are planned on its statistics. On
-- an empty table a generic plan of that check is a sequential scan, kept by
-- the session for as long as the table's statistics stay those of an empty
-- table: the API's sessions run generic plans (pg_session.c), so every
-- create would scan all the orders the run has written so far (measured in
-- docs/BENCHMARKS.md). 50,000 delivered orders of two days ago, one line and
-- one status row each; run.sh counts a run's orders as those of the last day.
INSERT INTO orders (id, user_id, status, amount_cents, currency, idempotency_key,
                    request_fingerprint, created_at, updated_at, version, source)
SELECT gen_random_uuid(), 'history-' || g % 1000, 'delivered', 101, 'RUB', gen_random_uuid(),
       'sha256:history', now() - interval '2 days', now() - interval '2 days', 4, 'api'
FROM generate_series(1, 50000) AS g;
INSERT INTO order_items (order_id, line, item_id, name, quantity, unit_price_cents)
SELECT id, 1, 'item-1', 'Bench item 1', 1, 101 FROM orders;
INSERT INTO order_status_history (order_id, from_status, to_status, reason, at)
SELECT id, NULL, 'new', 'order created', created_at FROM orders;
VACUUM ANALYZE;
