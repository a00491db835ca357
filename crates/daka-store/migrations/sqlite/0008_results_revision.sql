-- A person's results revision: bumped in the transaction of every write to the person's stored
-- results (and of a termination), so a reader holding rendered results can tell with one column
-- whether they are still current, in this process or any other sharing the database.
ALTER TABLE people ADD COLUMN results_rev BIGINT NOT NULL DEFAULT 0;
