-- Computed attendance results, one row per person and attendance day.
CREATE TABLE results (
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
);
CREATE INDEX results_by_changes_at ON results (changes_at);
