//! Imports 1,000 punches for 120 people and reads their month of results.
//!
//! Against Feishu/Lark (people must already exist; their user ids in `DAKA_USER_IDS`,
//! comma-separated):
//!
//! ```text
//! DAKA_BASE_URL=https://open.feishu.cn DAKA_APP_ID=cli_… DAKA_APP_SECRET=… DAKA_USER_IDS=a,b,c \
//!     cargo run -p daka-client --example import_and_report
//! ```
//!
//! Without `DAKA_BASE_URL` it starts a daka server in-process on a temporary SQLite database and
//! creates the 120 people through the contact API first.

use std::collections::BTreeMap;

use daka_client::attendance::{punch, UserTaskQuery};
use daka_client::contact::{new_user, UserIdType};
use daka_client::model::TaskResultExt;
use daka_client::{Client, Day, EmployeeType};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, ids, _server) = match std::env::var("DAKA_BASE_URL") {
        Ok(base) => {
            let client = Client::builder()
                .base_url(base)
                .app_id(std::env::var("DAKA_APP_ID")?)
                .app_secret(std::env::var("DAKA_APP_SECRET")?)
                .build()?;
            let ids: Vec<String> = std::env::var("DAKA_USER_IDS")?.split(',').map(str::to_owned).collect();
            (client, ids, None)
        }
        Err(_) => {
            let server = local::start().await?;
            let client = Client::builder()
                .base_url(server.base_url.clone())
                .app_id(local::APP_ID)
                .app_secret(local::APP_SECRET)
                .build()?;
            let mut ids = Vec::new();
            for i in 0..120 {
                let id = format!("emp{i:03}");
                client.contact().users().create(&new_user(&id, format!("Employee {i}")), UserIdType::UserId).await?;
                ids.push(id);
            }
            println!("started daka at {} and created {} people", server.base_url, ids.len());
            (client, ids, Some(server))
        }
    };

    // 1,000 punches: on at ~09:00 and off at ~18:00 (+08:00) on the workdays of January 2024.
    let month = Day::new(2024, 1, 1).expect("valid day");
    let mut records = Vec::new();
    'days: for offset in 0..31 {
        let day = month.add_days(offset).expect("valid day");
        if day.days_since_epoch().rem_euclid(7) >= 2 && day.days_since_epoch().rem_euclid(7) <= 3 {
            continue; // 1970-01-01 was a Thursday: rem 2 = Saturday, 3 = Sunday
        }
        let midnight = day.midnight_at_offset(8 * 3600);
        for (i, id) in ids.iter().enumerate() {
            for (kind, at) in [("on", 9 * 3600 - 600 + (i as i64 % 20) * 60), ("off", 18 * 3600 + 120)] {
                if records.len() == 1000 {
                    break 'days;
                }
                let mut r = punch(id, midnight.add_seconds(at), "HQ");
                r.idempotent_id = Some(format!("{id}-{day}-{kind}"));
                records.push(r);
            }
        }
    }
    let started = std::time::Instant::now();
    let imported = client.attendance().user_flows().batch_create(EmployeeType::EmployeeId, records).await?;
    println!(
        "imported {} punches in {:.1?} ({} partial failures)",
        imported.flow_records.len(),
        started.elapsed(),
        imported.failures.len()
    );

    let query = UserTaskQuery::new(ids.clone(), month, month.last_of_month()).ignore_invalid_users(true);
    let results = client.attendance().user_tasks().query(EmployeeType::EmployeeId, query).await?;
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    for task in &results.user_task_results {
        for rec in &task.records {
            *tally.entry(format!("on:{}", rec.check_in())).or_default() += 1;
            *tally.entry(format!("off:{}", rec.check_out())).or_default() += 1;
        }
    }
    println!("{} person-days of results for {} people in January 2024", results.user_task_results.len(), ids.len());
    for (k, n) in tally {
        println!("  {k:<20} {n}");
    }
    if !results.invalid_user_ids.is_empty() {
        println!("invalid ids: {:?}", results.invalid_user_ids);
    }
    Ok(())
}

/// An in-process daka server (only used when no `DAKA_BASE_URL` is given).
mod local {
    use daka_server::ratelimit::RateLimiter;
    use daka_server::{AppState, Bootstrap, Clock};

    pub const APP_ID: &str = "cli_00000000000e4a11";
    pub const APP_SECRET: &str = "example-secret";

    pub struct Local {
        pub base_url: String,
        _dir: tempfile::TempDir,
    }

    pub async fn start() -> Result<Local, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store =
            daka_store::Store::open(&format!("sqlite://{}?mode=rwc", dir.path().join("daka.db").display())).await?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
        daka_server::bootstrap(
            &store,
            &Bootstrap { app_id: Some(APP_ID.into()), app_secret: Some(APP_SECRET.into()) },
            now,
        )
        .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let app = daka_server::app(AppState::new(store, Clock::System, RateLimiter::new(Some(50))));
        tokio::spawn(daka_server::serve(listener, app, std::future::pending()));
        Ok(Local { base_url, _dir: dir })
    }
}
