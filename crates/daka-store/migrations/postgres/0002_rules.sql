-- (PostgreSQL) Attendance rules: shifts, groups, memberships, schedules, custom holiday calendars.
-- Rules are versioned by the attendance day (INTEGER yyyyMMdd) from which they apply;
-- effective_from / from_day 0 means "since always". Instants are Unix seconds.

CREATE TABLE shifts (
    id         BIGINT PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    temp       INTEGER NOT NULL,
    deleted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX shifts_by_name ON shifts (tenant_id, name);

CREATE TABLE shift_versions (
    shift_id       BIGINT NOT NULL REFERENCES shifts (id),
    effective_from INTEGER NOT NULL,
    wire           TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (shift_id, effective_from)
);

CREATE TABLE attendance_groups (
    id          BIGINT PRIMARY KEY,
    tenant_id   BIGINT NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    group_type  INTEGER NOT NULL,
    time_zone   TEXT NOT NULL,
    deleted_at  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX attendance_groups_by_tenant ON attendance_groups (tenant_id, updated_at);

CREATE TABLE group_versions (
    group_id       BIGINT NOT NULL REFERENCES attendance_groups (id),
    effective_from INTEGER NOT NULL,
    wire           TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (group_id, effective_from)
);

-- Shifts the latest version of each live group refers to (weekly pattern and special days).
CREATE TABLE group_shift_refs (
    group_id BIGINT NOT NULL REFERENCES attendance_groups (id),
    shift_id BIGINT NOT NULL,
    PRIMARY KEY (group_id, shift_id)
);
CREATE INDEX group_shift_refs_by_shift ON group_shift_refs (shift_id);

CREATE TABLE memberships (
    id         BIGINT PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    person_id  BIGINT NOT NULL REFERENCES people (id),
    group_id   BIGINT NOT NULL REFERENCES attendance_groups (id),
    need_punch INTEGER NOT NULL,
    from_day   INTEGER NOT NULL,
    to_day     INTEGER,
    created_at BIGINT NOT NULL
);
CREATE INDEX memberships_by_person ON memberships (person_id, from_day);
CREATE INDEX memberships_by_group ON memberships (group_id, from_day);

CREATE TABLE schedules (
    person_id  BIGINT NOT NULL REFERENCES people (id),
    day        INTEGER NOT NULL,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    group_id   BIGINT NOT NULL,
    shift_id   BIGINT NOT NULL,
    temp_pairs TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, day)
);
CREATE INDEX schedules_by_group ON schedules (group_id, day);
CREATE INDEX schedules_by_shift ON schedules (shift_id, day);

CREATE TABLE calendars (
    id         BIGINT PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE calendar_days (
    calendar_id BIGINT NOT NULL REFERENCES calendars (id),
    day         INTEGER NOT NULL,
    holiday     INTEGER NOT NULL,
    PRIMARY KEY (calendar_id, day)
);
