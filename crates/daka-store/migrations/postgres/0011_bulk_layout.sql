-- Only results that still change with the clock (`changes_at`) are in the index the sweeper
-- reads (the embedded database's migration 0011 also changes its tables' layout; PostgreSQL's
-- already keys `punches` and `results` by their primary keys).
DROP INDEX results_by_changes_at;
CREATE INDEX results_by_changes_at ON results (changes_at) WHERE changes_at IS NOT NULL;
