//! A fresh store per test: a temporary SQLite file, or — when `DAKA_TEST_DATABASE_URL` names a
//! PostgreSQL server (as `scripts/test` sets it) — a new database created on that server.

use daka_store::Store;
use sqlx::{Connection, Executor};

/// A fresh, migrated store and the temporary directory that holds it (kept alive by the caller).
pub async fn fresh_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match std::env::var("DAKA_TEST_DATABASE_URL") {
        Ok(admin) if admin.starts_with("postgres") => {
            sqlx::any::install_default_drivers();
            let name = format!("daka_store_test_{:016x}", rand::random::<u64>());
            let mut conn = sqlx::AnyConnection::connect(&admin).await.expect("connect to PostgreSQL");
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create database");
            conn.close().await.expect("close");
            match admin.rfind('/') {
                Some(slash) if slash > "postgres://".len() => format!("{}/{name}", &admin[..slash]),
                _ => format!("{admin}/{name}"),
            }
        }
        _ => format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display()),
    };
    let store = Store::open(&url).await.expect("open store");
    (dir, store)
}
