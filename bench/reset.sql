-- Empties the order and outbox tables between phases so that every phase
-- starts from the same table sizes.
TRUNCATE orders, order_items, order_status_history, outbox, inbox;
VACUUM ANALYZE;
