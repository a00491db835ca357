-- A layout for loading punches, results and event records in bulk, fewer b-tree entries per
-- row: `punches.record_id` and `event_records.seq` become their tables' rowids (`INTEGER PRIMARY
-- KEY`; `BIGINT PRIMARY KEY` is a separate unique index in SQLite), `results` is clustered by its
-- key (`WITHOUT ROWID`), only results that still change with the clock (`changes_at`) are in the
-- index the sweeper reads, and an event id (its record's seq and random digits, never looked up)
-- has no index of its own. Ids, columns and queries are unchanged; nothing references these
-- tables.
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

CREATE TABLE event_records_v2 (
    seq         INTEGER PRIMARY KEY,
    tenant_id   BIGINT NOT NULL REFERENCES tenants (id),
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    payload     TEXT NOT NULL
);
INSERT INTO event_records_v2 SELECT seq, tenant_id, event_id, event_type, created_ms, payload FROM event_records
    ORDER BY seq;
DROP TABLE event_records;
ALTER TABLE event_records_v2 RENAME TO event_records;
CREATE INDEX event_records_by_tenant ON event_records (tenant_id, seq);
