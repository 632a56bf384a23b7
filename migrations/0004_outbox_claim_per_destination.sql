-- The claim now scans outbox_pending_idx (destination, seq) once per
-- destination. The single (seq) index of 0003 tempted the planner into one
-- scan over every pending row, so a backlog of one destination (a payment
-- service that is down) slowed the relays of all the others.
DROP INDEX IF EXISTS outbox_pending_seq_idx;
