-- The outbox and the inbox are queues: most of their rows change status
-- within milliseconds of being written. The relay's claim plan depends on the
-- planner knowing that pending rows are few; with the default thresholds
-- (20% of the table) statistics and visibility lag far behind a busy queue.
ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0.01,
                        autovacuum_analyze_scale_factor = 0.01);
ALTER TABLE inbox SET (autovacuum_vacuum_scale_factor = 0.01,
                       autovacuum_analyze_scale_factor = 0.01);
