-- The transactional outbox and inbox (DESIGN §6, §7, §8).

-- Column names follow Debezium's outbox event router (id, aggregatetype,
-- aggregateid, type, payload) so a CDC relay could read the same table.
CREATE TABLE outbox (
    seq             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              uuid        NOT NULL UNIQUE,
    aggregatetype   text        NOT NULL,
    aggregateid     uuid        NOT NULL,
    type            text        NOT NULL,
    payload         jsonb       NOT NULL,
    destination     text        NOT NULL,
    headers         jsonb       NOT NULL DEFAULT '{}',
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text        NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz NULL
);
-- The relay's claim: pending rows of a destination, oldest first.
CREATE INDEX outbox_pending_idx ON outbox (destination, seq) WHERE status = 'pending';
-- Per-aggregate order: "is there an earlier pending row of this aggregate?"
CREATE INDEX outbox_pending_aggregate_idx ON outbox (aggregateid, destination, seq) WHERE status = 'pending';
CREATE INDEX outbox_sent_idx ON outbox (sent_at) WHERE status = 'sent';
CREATE INDEX outbox_dead_idx ON outbox (seq) WHERE status = 'dead';

CREATE TABLE inbox (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source          text        NOT NULL,
    message_id      text        NOT NULL,
    type            text        NOT NULL,
    order_id        uuid        NULL,
    payload         bytea       NOT NULL,
    request_id      text        NOT NULL DEFAULT '',
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'rejected')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    error           text        NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    processed_at    timestamptz NULL,
    UNIQUE (source, message_id)
);
CREATE INDEX inbox_pending_idx ON inbox (next_attempt_at, order_id) WHERE status = 'pending';
CREATE INDEX inbox_rejected_idx ON inbox (id) WHERE status = 'rejected';
