-- Remedies (补卡) and approvals (leave, out, trip, overtime).

CREATE TABLE remedies (
    approval_id     BIGINT PRIMARY KEY,
    tenant_id       BIGINT NOT NULL REFERENCES tenants (id),
    person_id       BIGINT NOT NULL REFERENCES people (id),
    remedy_date     INTEGER NOT NULL,
    punch_no        INTEGER NOT NULL,
    work_type       INTEGER NOT NULL,
    remedy_at       BIGINT NOT NULL,
    time_zone       TEXT NOT NULL,
    reason          TEXT NOT NULL,
    status          INTEGER NOT NULL,
    punch_record_id BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX remedies_by_person_day ON remedies (person_id, remedy_date);
CREATE INDEX remedies_by_tenant_time ON remedies (tenant_id, remedy_at);

CREATE TABLE approvals (
    approval_id   BIGINT PRIMARY KEY,
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id),
    person_id     BIGINT NOT NULL REFERENCES people (id),
    kind          TEXT NOT NULL,
    approval_date INTEGER NOT NULL,
    start_at      BIGINT NOT NULL,
    end_at        BIGINT NOT NULL,
    status        INTEGER NOT NULL,
    time_zone     TEXT NOT NULL,
    idempotent_id TEXT,
    body          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX approvals_by_person_time ON approvals (person_id, start_at);
CREATE UNIQUE INDEX approvals_idempotent ON approvals (tenant_id, kind, idempotent_id);
