-- Event delivery: per-app subscriptions (webhook URL or long connection) and one delivery row per
-- (app, event record). `fanout_seq` is the last event_records.seq already turned into deliveries
-- for the app: fan-out is idempotent and durable, so a crash between a change's commit and its
-- fan-out loses nothing.
CREATE TABLE event_subscriptions (
    app_id              TEXT PRIMARY KEY REFERENCES apps (app_id),
    url                 TEXT,
    verification_token  TEXT NOT NULL,
    encrypt_key         TEXT NOT NULL,
    event_types         TEXT NOT NULL,
    fanout_seq          BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE event_deliveries (
    id               BIGINT PRIMARY KEY,
    app_id           TEXT NOT NULL,
    seq              BIGINT NOT NULL,
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_ms  BIGINT NOT NULL,
    claimed_by       TEXT,
    claimed_until_ms BIGINT,
    last_error       TEXT,
    channel          TEXT,
    created_ms       BIGINT NOT NULL,
    delivered_ms     BIGINT,
    UNIQUE (app_id, seq)
);
CREATE INDEX event_deliveries_due ON event_deliveries (state, next_attempt_ms);
