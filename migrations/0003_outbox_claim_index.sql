-- The relay's claim asks for several destinations at once (the Kafka relay
-- takes order.events and shipping.requests) ordered by seq. With only the
-- (destination, seq) index PostgreSQL walks the primary key past every sent
-- row; this index holds exactly the pending rows in claim order.
CREATE INDEX outbox_pending_seq_idx ON outbox (seq) WHERE status = 'pending';
