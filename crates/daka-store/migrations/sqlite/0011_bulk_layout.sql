-- A layout for loading punches and results in bulk, one b-tree entry fewer per row:
-- `punches.record_id` becomes the table's rowid (`INTEGER PRIMARY KEY`; `BIGINT PRIMARY KEY` is
-- a separate unique index in SQLite), `results` is clustered by its key (`WITHOUT ROWID`), and
-- only results that still change with the clock (`changes_at`) are in the index the sweeper
-- reads. Ids, columns and queries are unchanged; nothing references either table.
CREATE TABLE punches_v2 (
    record_id      INTEGER PRIMARY KEY,
    tenant_id      BIGINT NOT NULL REFERENCES tenants (id),
    person_id      BIGINT NOT NULL REFERENCES people (id),
    creator_id     BIGINT NOT NULL REFERENCES people (id),
    check_time     BIGINT NOT NULL,
    kind           INTEGER NOT NULL,
    location_name  TEXT NOT NULL,
    comment        TEXT NOT NULL,
    ssid           TEXT,
    bssid          TEXT,
    is_field       INTEGER NOT NULL,
    is_wifi        INTEGER NOT NULL,
    photo_urls     TEXT NOT NULL,
    device_id      TEXT,
    external_id    TEXT,
    idempotent_id  TEXT,
    longitude      DOUBLE PRECISION,
    latitude       DOUBLE PRECISION,
    imported       INTEGER NOT NULL,
    created_at     BIGINT NOT NULL
);
INSERT INTO punches_v2 SELECT record_id, tenant_id, person_id, creator_id, check_time, kind, location_name, comment,
    ssid, bssid, is_field, is_wifi, photo_urls, device_id, external_id, idempotent_id, longitude, latitude, imported,
    created_at FROM punches ORDER BY record_id;
DROP TABLE punches;
ALTER TABLE punches_v2 RENAME TO punches;
CREATE INDEX punches_by_person_time ON punches (person_id, check_time);
CREATE UNIQUE INDEX punches_idempotent ON punches (tenant_id, idempotent_id) WHERE idempotent_id IS NOT NULL;

CREATE TABLE results_v2 (
    person_id  BIGINT NOT NULL REFERENCES people (id),
    day        INTEGER NOT NULL,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    result_id  BIGINT NOT NULL,
    group_id   TEXT NOT NULL,
    shift_id   TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    records    TEXT NOT NULL,
    changes_at BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, day)
) WITHOUT ROWID;
INSERT INTO results_v2 SELECT person_id, day, tenant_id, result_id, group_id, shift_id, time_zone, records,
    changes_at, updated_at FROM results ORDER BY person_id, day;
DROP TABLE results;
ALTER TABLE results_v2 RENAME TO results;
CREATE INDEX results_by_changes_at ON results (changes_at) WHERE changes_at IS NOT NULL;
