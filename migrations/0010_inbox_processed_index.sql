-- Processed inbox rows are purged after INBOX_RETENTION_SECONDS (DESIGN §6):
-- the inbox applier deletes the oldest in bounded batches. This index holds
-- exactly the processed rows in the order they are purged, so a pass finds
-- the rows past retention without walking the ones still kept.
CREATE INDEX inbox_processed_idx ON inbox (processed_at) WHERE status = 'processed';
