-- Id generator node numbers: every process that opens the database takes the next row here and
-- uses `id % 1024` as the 10 node bits of the ids it generates, so processes sharing one database
-- never generate the same id (unless 1024 processes started while one of them still runs).
CREATE TABLE nodes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_ms  BIGINT NOT NULL
);
