//! A fresh store per test: a temporary SQLite file, or — when `DAKA_TEST_DATABASE_URL` names a
//! PostgreSQL server (as `scripts/test` sets it) — a new database created on that server.

use daka_store::Store;
use daka_types::attendance::shifts::{PunchTimeRule, Shift};
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

/// A 9:00–18:00 shift: late after 5 minutes, Lack after 60; on window from 07:00, off window
/// until 22:00.
pub fn nine_to_six() -> Shift {
    Shift {
        shift_name: Some("9-18".into()),
        punch_times: Some(1),
        punch_time_rule: Some(vec![PunchTimeRule {
            on_time: Some("9:00".into()),
            off_time: Some("18:00".into()),
            late_minutes_as_late: Some(5),
            late_minutes_as_lack: Some(60),
            on_advance_minutes: Some(120),
            early_minutes_as_early: Some(5),
            early_minutes_as_lack: Some(60),
            off_delay_minutes: Some(240),
            ..PunchTimeRule::default()
        }]),
        ..Shift::default()
    }
}

/// Subscribes a new app of `tenant_id` to `event_types` (every type when empty): event records
/// are only written for types some app of the tenant receives.
pub async fn subscribe(store: &Store, tenant_id: i64, event_types: &[&str]) {
    let app = store.create_app(tenant_id, "events", &[], None, None, 0).await.expect("app");
    let spec = daka_store::subscriptions::SubscriptionSpec {
        event_types: event_types.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    };
    store.set_subscription(&app.app.app_id, &spec, 0).await.expect("subscription");
}
