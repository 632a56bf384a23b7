-- A backlog of :n pending outbox rows for destination :'dest', one aggregate
-- per row, with payloads shaped like the service's own (~300 bytes): the
-- order.created envelope for a Kafka topic, the payment request for
-- `payments`, the notification for `notifications`. Run with
--   psql -v n=100000 -v dest=order.events -v callback=http://... -f outbox_backlog.sql
INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, destination, headers)
SELECT gen_random_uuid(), 'order', b.agg, b.type, b.payload, :'dest',
       jsonb_build_object('request_id', 'bench-' || b.g)
FROM (
    SELECT a.g, a.agg,
           CASE :'dest' WHEN 'payments' THEN 'payment.requested' ELSE 'order.created' END AS type,
           CASE :'dest'
           WHEN 'payments' THEN jsonb_build_object(
               'order_id', a.agg, 'amount', (g % 900 + 100) || '.00', 'currency', 'RUB',
               'user_id', 'user-' || g % 1000, 'idempotency_key', gen_random_uuid(),
               'callback_url', :'callback')
           WHEN 'notifications' THEN jsonb_build_object(
               'message', 'Order ' || a.agg || ' was created', 'idempotency_key', gen_random_uuid(),
               'order_id', a.agg, 'user_id', 'user-' || g % 1000, 'event_type', 'order.created')
           ELSE jsonb_build_object(
               'event_id', gen_random_uuid(), 'event_type', 'order.created', 'order_id', a.agg,
               'occurred_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'user_id', 'user-' || g % 1000, 'status', 'new',
               'amount', (g % 900 + 100) || '.00', 'currency', 'RUB',
               'items', jsonb_build_array(jsonb_build_object(
                   'item_id', 'sku-' || g % 10, 'name', 'Item ' || g % 10,
                   'quantity', 1 + g % 3, 'unit_price', (g % 900 + 100) || '.00')))
           END AS payload
    -- A volatile target list keeps this subquery from being pulled up, so
    -- each row gets one aggregate id however often it is referenced.
    FROM (SELECT g, gen_random_uuid() AS agg FROM generate_series(1, :n) AS g) AS a
) AS b;
