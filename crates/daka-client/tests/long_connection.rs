//! The long-connection client against a real daka server started in-process (its
//! `/callback/ws/endpoint`, its WebSocket and its delivery worker; no mocks): punches imported
//! through the SDK come back as typed events, acknowledged the way the server expects.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::{fast_events, office, people, Daka, APP_ID};
use daka_client::attendance::punch;
use daka_client::events::{AttendanceEvent, Event, LongConnection, USER_FLOW_CREATED, USER_TASK_UPDATED};
use daka_client::model::CheckResult;
use daka_client::{Client, Day, EmployeeType, Instant};
use daka_server::events::{ClientConfig, EventsConfig};
use futures_util::StreamExt;

const EMP: EmployeeType = EmployeeType::EmployeeId;

/// 2024-01-15 09:00 +08:00.
const JAN15_0900: i64 = 1_705_280_400;

/// On at 08:55 and off at 18:05 on 2024-01-15 for each person; returns record id → person.
async fn import_day(client: &Client, ids: &[String], day_offset: i64) -> HashMap<String, String> {
    let mut records = Vec::new();
    for id in ids {
        let base = JAN15_0900 + day_offset * 86_400;
        records.push(punch(id, Instant::from_unix(base - 300), "HQ"));
        records.push(punch(id, Instant::from_unix(base + 9 * 3600 + 300), "HQ"));
    }
    let created = client.attendance().user_flows().batch_create(EMP, records).await.expect("import");
    assert!(created.failures.is_empty(), "{:?}", created.failures);
    created.flow_records.into_iter().map(|f| (f.record_id.expect("record id"), f.user_id.expect("user id"))).collect()
}

/// Events until `done` says so, at most `within`.
async fn receive_until(
    events: &mut LongConnection,
    within: Duration,
    mut done: impl FnMut(&[Event]) -> bool,
) -> Vec<Event> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while !done(&got) {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(Ok(event))) => got.push(event),
            Ok(Some(Err(e))) => panic!("long connection error: {e}"),
            Ok(None) => panic!("long connection ended after {} events", got.len()),
            Err(_) => break,
        }
    }
    got
}

fn flows(events: &[Event]) -> HashMap<String, &daka_client::events::UserFlowCreated> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            AttendanceEvent::UserFlowCreated(f) => Some((f.record_id.clone(), f)),
            _ => None,
        })
        .collect()
}

/// The result of each side of each person-day after the events, in order: (person, day,
/// work_type) → current status.
fn task_results(events: &[Event]) -> HashMap<(String, Option<Day>, String), CheckResult> {
    let mut out = HashMap::new();
    for e in events {
        if let AttendanceEvent::UserTaskUpdated(t) = &e.event {
            for c in &t.status_changes {
                out.insert((t.employee_id.clone(), t.date, c.work_type.clone()), c.current_status.clone());
            }
        }
    }
    out
}

/// Whether the events leave both sides of `person`'s `day` Normal (punches at 08:55 and 18:05
/// in the 9:00–18:00 office group).
fn normal_day(events: &[Event], person: &str, day: Option<Day>) -> bool {
    let r = task_results(events);
    ["on", "off"].iter().all(|side| r.get(&(person.to_owned(), day, (*side).to_owned())) == Some(&CheckResult::Normal))
}

async fn wait_connected(daka: &Daka, n: usize) {
    for _ in 0..100 {
        if daka.events.hub().connections() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {n} live long connections, have {}", daka.events.hub().connections());
}

/// Takes events until the server has more than `known` deliveries and every one is `delivered`
/// over `ws` (acknowledged with code 200); returns the events taken.
async fn take_until_all_delivered(daka: &Daka, events: &mut LongConnection, known: usize) -> Vec<Event> {
    let mut got = Vec::new();
    let mut last = Vec::new();
    for _ in 0..200 {
        last = daka.store.deliveries(false, 10_000).await.expect("deliveries");
        if last.len() > known && last.iter().all(|d| d.state == "delivered") {
            assert!(last.iter().all(|d| d.channel.as_deref() == Some("ws")), "{last:?}");
            return got;
        }
        got.extend(receive_until(events, Duration::from_millis(100), |_| false).await);
    }
    panic!("deliveries not all delivered: {last:?}");
}

#[tokio::test]
async fn punches_imported_through_the_sdk_arrive_as_typed_events_once_each_and_acknowledged() {
    let daka = Daka::start(None).await;
    let client = daka.client();
    let ids = people(&client, 3).await;
    office(&client, &ids).await;
    let mut events = LongConnection::connect(&client).await.expect("connect");
    wait_connected(&daka, 1).await;

    let records = import_day(&client, &ids, 0).await;
    assert_eq!(records.len(), 6);
    let jan15 = Day::new(2024, 1, 15);
    let got = take_until_all_delivered(&daka, &mut events, 0).await;
    let by_record = flows(&got);
    for (record_id, person) in &records {
        let flow = by_record.get(record_id).unwrap_or_else(|| panic!("no user_flow.created_v1 for {record_id}"));
        assert_eq!(&flow.employee_id, person);
        assert_eq!(flow.location_name, "HQ");
        let at = flow.check_time.expect("check_time").unix();
        assert!(at == JAN15_0900 - 300 || at == JAN15_0900 + 9 * 3600 + 300, "{flow:?}");
    }
    for id in &ids {
        assert!(normal_day(&got, id, jan15), "user_task.updated_v1 to Normal for {id}: {got:?}");
    }
    for e in &got {
        assert_eq!(e.header.app_id, APP_ID);
        assert!(!e.header.event_id.is_empty());
        assert!(e.header.create_time.len() == 13 && e.header.create_time.bytes().all(|b| b.is_ascii_digit()));
        match &e.event {
            AttendanceEvent::UserFlowCreated(_) => assert_eq!(e.header.event_type, USER_FLOW_CREATED),
            AttendanceEvent::UserTaskUpdated(t) => {
                assert_eq!(e.header.event_type, USER_TASK_UPDATED);
                assert!(!t.status_changes.is_empty(), "{t:?}");
                for c in &t.status_changes {
                    assert!(c.work_type == "on" || c.work_type == "off", "{c:?}");
                    assert!(
                        c.before_status != c.current_status || c.before_supplement != c.current_supplement,
                        "an update event names a change: {c:?}"
                    );
                    assert_ne!(c.current_status, CheckResult::Unknown(String::new()));
                }
            }
            other => panic!("unexpected event {other:?}"),
        }
    }
    let unique: HashSet<&str> = got.iter().map(|e| e.header.event_id.as_str()).collect();
    assert_eq!(unique.len(), got.len(), "each event is yielded once");

    // Every delivery was acknowledged at its first push: nothing is pushed again.
    let deliveries = daka.store.deliveries(false, 10_000).await.expect("deliveries");
    assert_eq!(deliveries.len(), got.len());
    assert!(deliveries.iter().all(|d| d.attempts == 1), "{deliveries:?}");
}

#[tokio::test]
async fn the_client_reconnects_after_the_server_drops_the_connection() {
    let daka = Daka::start(None).await;
    let client = daka.client();
    let ids = people(&client, 1).await;
    office(&client, &ids).await;
    let mut events = LongConnection::connect(&client).await.expect("connect");
    wait_connected(&daka, 1).await;
    let first = import_day(&client, &ids, 0).await;
    let before = take_until_all_delivered(&daka, &mut events, 0).await;
    assert!(first.keys().all(|r| flows(&before).contains_key(r)));

    // The server shuts down (closing the WebSocket with 1001) and comes back on the same port
    // over the same database.
    let addr = daka.addr;
    let dir = daka.stop().await;
    let listener = tokio::net::TcpListener::bind(addr).await.expect("rebind");
    let daka = Daka::start_on(listener, dir, None).await;
    wait_connected(&daka, 1).await;

    let second = import_day(&client, &ids, 1).await;
    let after = take_until_all_delivered(&daka, &mut events, before.len()).await;
    let f = flows(&after);
    assert!(second.keys().all(|r| f.contains_key(r)), "events after the reconnect: {after:?}");
    assert!(!first.keys().any(|r| f.contains_key(r)), "events taken before the drop are not yielded again");
    assert!(normal_day(&after, &ids[0], Day::new(2024, 1, 16)), "{after:?}");
}

#[tokio::test]
async fn an_event_is_acknowledged_only_once_the_program_takes_it() {
    let daka = Daka::start(None).await;
    let client = daka.client();
    let ids = people(&client, 1).await;
    let mut events = LongConnection::connect(&client).await.expect("connect");
    wait_connected(&daka, 1).await;
    let records = import_day(&client, &ids, 0).await;

    // Nobody takes the events: the first push times out after 3 s, the re-push 1 s later is left
    // unanswered too, and nothing is marked delivered meanwhile.
    let mut pending = Vec::new();
    for _ in 0..100 {
        pending = daka.store.deliveries(false, 100).await.expect("deliveries");
        assert!(pending.iter().all(|d| d.state == "pending"), "{pending:?}");
        if !pending.is_empty() && pending.iter().all(|d| d.attempts >= 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!pending.is_empty() && pending.iter().all(|d| d.attempts >= 2), "{pending:?}");
    assert!(pending.iter().all(|d| d.last_error.as_deref().is_some_and(|e| e.contains("ACK"))), "{pending:?}");

    // Taken now: each event once, and the next re-push of each is acknowledged.
    let got = take_until_all_delivered(&daka, &mut events, 0).await;
    assert!(records.keys().all(|r| flows(&got).contains_key(r)));
    let unique: HashSet<&str> = got.iter().map(|e| e.header.event_id.as_str()).collect();
    assert_eq!(unique.len(), got.len(), "re-pushes are not yielded again");
    assert_eq!(unique.len(), pending.len());
    let more = receive_until(&mut events, Duration::from_secs(1), |_| false).await;
    assert!(more.is_empty(), "{more:?}");
}

#[tokio::test]
async fn wrong_credentials_fail_the_connect_with_the_discovery_code() {
    let daka = Daka::start(None).await;
    let bad = Client::builder()
        .base_url(daka.base_url())
        .app_id("cli_ffffffffffffffff")
        .app_secret("wrong")
        .build()
        .expect("client");
    let err = LongConnection::connect(&bad).await.expect_err("refused");
    let api = err.as_api().unwrap_or_else(|| panic!("an API error: {err:?}"));
    assert_eq!(api.endpoint, "callback.ws.endpoint");
    assert_eq!(api.code, 514, "auth failed: {err}");
    assert_eq!(daka.events.hub().connections(), 0);
}

#[tokio::test]
async fn dropping_the_connection_closes_it_on_the_server() {
    let daka = Daka::start(None).await;
    let client = daka.client();
    let events = LongConnection::builder(&client).buffer(16).dedupe_capacity(100).connect().await.expect("connect");
    wait_connected(&daka, 1).await;
    drop(events);
    wait_connected(&daka, 0).await;
}

#[tokio::test]
async fn the_stream_ends_with_an_error_once_the_reconnect_count_is_used_up() {
    let config = EventsConfig {
        client_config: ClientConfig {
            reconnect_count: 2,
            reconnect_interval: 1,
            reconnect_nonce: 1,
            ping_interval: 30,
        },
        ..fast_events()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let daka = Daka::start_with(listener, tempfile::tempdir().expect("dir"), None, config).await;
    let client = daka.client();
    let mut events = LongConnection::connect(&client).await.expect("connect");
    wait_connected(&daka, 1).await;
    let _dir = daka.stop().await;
    let end = tokio::time::timeout(Duration::from_secs(15), events.next()).await.expect("gave up in time");
    let err = end.expect("an item").expect_err("an error");
    assert!(matches!(err, daka_client::Error::LongConnection(_)), "{err:?}");
    assert!(err.to_string().contains("2 reconnect attempts"), "{err}");
    assert!(events.next().await.is_none(), "the stream ends after the error");
}
