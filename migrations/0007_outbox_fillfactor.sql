-- Every outbox row is written once and updated once or twice (sent, retried,
-- dead). With full pages the new version of a row lands on another page:
-- PostgreSQL then logs a lock of the old version as well as the update and
-- dirties two pages. Half-full pages keep the new version beside the old one,
-- where the next visit prunes the old. Measured by bench/run.sh (phase 2,
-- docs/BENCHMARKS.md). Applies to pages written from now on.
ALTER TABLE outbox SET (fillfactor = 50);
