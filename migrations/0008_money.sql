-- No money stranded (DESIGN §5, §6).
--
-- A cancelled order's payment request that was never delivered is withdrawn:
-- outbox status 'cancelled' (never sent, not a dead letter).
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sent', 'dead', 'cancelled'));

-- A payment service may report one payment several times under one key with
-- different statuses (pending, then succeeded): the inbox keeps one row per
-- (key, status), so the later status is not lost as a duplicate.
ALTER TABLE inbox DROP CONSTRAINT IF EXISTS inbox_source_message_id_key;
ALTER TABLE inbox ADD CONSTRAINT inbox_source_message_id_type_key
    UNIQUE (source, message_id, type);
-- The payment id a callback reports ('' for shipping events and rows older
-- than this migration).
ALTER TABLE inbox ADD COLUMN payment_id text NOT NULL DEFAULT '';

-- The payment that paid an order (one per order; a second distinct payment
-- is refunded).
CREATE TABLE order_payments (
    order_id     uuid        PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    payment_id   text        NOT NULL CHECK (length(payment_id) BETWEEN 1 AND 128),
    amount_cents bigint      NOT NULL CHECK (amount_cents >= 0),
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- One refund request per payment id: the refund's idempotency. Its outbox
-- rows (payment.refund, order.refund_requested) and history row are written
-- only when this row is.
CREATE TABLE refunds (
    payment_id   text        PRIMARY KEY CHECK (length(payment_id) BETWEEN 1 AND 160),
    order_id     uuid        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    amount_cents bigint      NOT NULL CHECK (amount_cents >= 0),
    reason       text        NOT NULL,
    requested_at timestamptz NOT NULL
);
CREATE INDEX refunds_order_idx ON refunds (order_id);

-- Orders paid before this migration: their payment id from the processed
-- callback that paid them, when the inbox still holds it. A body that does
-- not read as a JSON object with a short string id is skipped, one row at a
-- time, so that no stored body can fail the migration.
DO $$
DECLARE
    r record;
    pid text;
BEGIN
    FOR r IN SELECT DISTINCT ON (o.id) o.id, o.amount_cents, i.payload
             FROM orders o
             JOIN inbox i ON i.order_id = o.id AND i.source = 'payments'
                 AND i.type = 'payment.succeeded' AND i.status = 'processed'
             WHERE o.status IN ('paid', 'shipped', 'delivered')
             ORDER BY o.id, i.id
    LOOP
        BEGIN
            pid := convert_from(r.payload, 'UTF8')::jsonb ->> 'id';
        EXCEPTION WHEN others THEN
            pid := NULL;
        END;
        IF pid IS NOT NULL AND length(pid) BETWEEN 1 AND 128 THEN
            INSERT INTO order_payments (order_id, payment_id, amount_cents)
            VALUES (r.id, pid, r.amount_cents) ON CONFLICT (order_id) DO NOTHING;
        END IF;
    END LOOP;
END
$$;

-- Cancelling an order looks up its payment requests whatever their status
-- (withdraw the undelivered, cancel the delivered): one entry per order.
CREATE INDEX outbox_payment_request_idx ON outbox (aggregateid)
    WHERE type = 'payment.requested';

-- Withdrawn rows are purged after the retention of sent rows, by age.
CREATE INDEX outbox_cancelled_idx ON outbox (created_at) WHERE status = 'cancelled';

-- Payment requests still queued for orders that already left new are
-- withdrawn now, as a cancellation from here on would have done.
UPDATE outbox SET status = 'cancelled', last_error = 'withdrawn: the order is no longer new'
WHERE type = 'payment.requested' AND status = 'pending'
    AND aggregateid IN (SELECT id FROM orders WHERE status <> 'new');
