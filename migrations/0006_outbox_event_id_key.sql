-- The event id becomes the outbox's primary key and seq keeps only the
-- partial indexes (pending by destination, dead). A full index on seq let the
-- planner answer the claim's "ORDER BY seq" by walking every sent row from
-- the oldest whenever pending rows looked plentiful (a backlog), which made
-- a draining relay slower the longer the outbox's retention. Rows are marked
-- and purged by id and sent_at; seq still orders them.
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_id_key;
ALTER TABLE outbox ADD PRIMARY KEY (id);
