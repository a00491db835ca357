-- Only results that still change with the clock (`changes_at`) are in the index the sweeper
-- reads, and an event id (its record's seq and random digits, never looked up) has no index of
-- its own (the embedded database's migration 0011 also changes its tables' layout; PostgreSQL's
-- already keys `punches`, `results` and `event_records` by their primary keys).
DROP INDEX results_by_changes_at;
CREATE INDEX results_by_changes_at ON results (changes_at) WHERE changes_at IS NOT NULL;
ALTER TABLE event_records DROP CONSTRAINT event_records_event_id_key;
