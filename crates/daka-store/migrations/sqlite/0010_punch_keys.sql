-- Only punches with an idempotency key are in the key index: `daka import` recognises a time
-- clock's repeats by person, instant and device and stores no key, so its punches (and API
-- punches sent without a key) cost no index entry.
DROP INDEX punches_idempotent;
CREATE UNIQUE INDEX punches_idempotent ON punches (tenant_id, idempotent_id) WHERE idempotent_id IS NOT NULL;
