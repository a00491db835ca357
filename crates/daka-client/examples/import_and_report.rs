//! Imports 1,000 punches for 120 people, reads their month of results and receives the
//! resulting events over the long connection.
//!
//! Against Feishu/Lark (people must already exist and be in attendance groups; their user ids in
//! `DAKA_USER_IDS`, comma-separated; the app subscribed to the two attendance events in
//! long-connection mode):
//!
//! ```text
//! DAKA_BASE_URL=https://open.feishu.cn DAKA_APP_ID=cli_… DAKA_APP_SECRET=… DAKA_USER_IDS=a,b,c \
//!     cargo run -p daka-client --example import_and_report
//! ```
//!
//! Without `DAKA_BASE_URL` it starts a daka server in-process on a temporary SQLite database and
//! creates the 120 people and a 9:00–18:00 office group for them through the API first.

use std::collections::BTreeMap;
use std::time::Duration;

use daka_client::attendance::{punch, UserTaskQuery};
use daka_client::contact::{new_user, UserIdType};
use daka_client::events::{AttendanceEvent, LongConnection};
use daka_client::model::TaskResultExt;
use daka_client::types::attendance::groups::Group;
use daka_client::types::attendance::shifts::{PunchTimeRule, Shift};
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
            office(&client, &ids).await?;
            println!("started daka at {} and created {} people in an office group", server.base_url, ids.len());
            (client, ids, Some(server))
        }
    };

    // Events: open the long connection before importing, and count what arrives.
    let mut events = LongConnection::connect(&client).await?;
    let receiver = tokio::spawn(async move {
        let (mut flows, mut results) = (0usize, 0usize);
        loop {
            // Stop after 5 quiet seconds once events came, or 30 s without any.
            let quiet = if flows + results == 0 { Duration::from_secs(30) } else { Duration::from_secs(5) };
            match tokio::time::timeout(quiet, events.recv()).await {
                Ok(Some(Ok(event))) => match event.event {
                    AttendanceEvent::UserFlowCreated(_) => flows += 1,
                    AttendanceEvent::UserTaskUpdated(_) => results += 1,
                    _ => {}
                },
                Ok(Some(Err(e))) => eprintln!("event: {e}"),
                Ok(None) | Err(_) => break,
            }
        }
        (flows, results)
    });

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

    let (flows, changes) = receiver.await?;
    println!("received {flows} attendance.user_flow.created_v1 and {changes} attendance.user_task.updated_v1 events");
    Ok(())
}

/// A shift 9:00–18:00 and a fixed group working it Monday to Friday, with `members`.
async fn office(client: &Client, members: &[String]) -> daka_client::Result<()> {
    let rule = PunchTimeRule {
        on_time: Some("9:00".into()),
        off_time: Some("18:00".into()),
        late_minutes_as_late: Some(1),
        late_minutes_as_lack: Some(120),
        on_advance_minutes: Some(120),
        early_minutes_as_early: Some(1),
        early_minutes_as_lack: Some(120),
        off_delay_minutes: Some(240),
        ..PunchTimeRule::default()
    };
    let shift = Shift {
        shift_name: Some("Office 9-18".into()),
        punch_times: Some(1),
        punch_time_rule: Some(vec![rule]),
        ..Shift::default()
    };
    let shift_id = client.attendance().shifts().create(&shift, None).await?.shift_id.unwrap_or_default();
    let mut week = vec![shift_id; 5];
    week.extend(["0".to_owned(), "0".to_owned()]);
    let group = Group {
        group_name: Some("Office".into()),
        time_zone: Some("Asia/Shanghai".into()),
        group_type: Some(0),
        bind_user_ids: Some(members.to_vec()),
        group_leader_ids: Some(members.iter().take(1).cloned().collect()),
        punch_day_shift_ids: Some(week),
        calendar_id: Some(0),
        ..Group::default()
    };
    client.attendance().groups().create(EmployeeType::EmployeeId, group, None).await?;
    Ok(())
}

/// An in-process daka server with its event delivery, as `daka serve` runs it (only used when
/// no `DAKA_BASE_URL` is given).
mod local {
    use daka_server::events::{Events, EventsConfig};
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
        let events = Events::new(store.clone(), EventsConfig::default());
        events.spawn_worker();
        let app =
            daka_server::app(AppState::new(store, Clock::System, RateLimiter::new(Some(50)))).merge(events.router());
        tokio::spawn(daka_server::serve(listener, app, std::future::pending()));
        Ok(Local { base_url, _dir: dir })
    }
}
