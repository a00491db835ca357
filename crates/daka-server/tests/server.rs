//! The real app in-process on port 0 over a fresh SQLite file: platform mechanics as the SDKs see
//! them on the wire, and graceful shutdown (in-flight requests complete; acknowledged imports are
//! there after a restart on the same database).

mod common;

use std::time::Duration;

use common::{head, read_response, request, Server, TempDir, APP_ID, APP_SECRET};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const TOKEN: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const USERS: &str = "/open-apis/contact/v3/users?user_id_type=user_id";
const IMPORT: &str = "/open-apis/attendance/v1/user_flows/batch_create?employee_type=employee_id";
const QUERY: &str = "/open-apis/attendance/v1/user_flows/query?employee_type=employee_id";
/// 2024-01-15T01:00:00Z.
const T0: i64 = 1_705_280_400;

fn flow(user_id: &str, t: i64) -> Value {
    json!({"user_id": user_id, "creator_id": user_id, "location_name": "门口", "check_time": t.to_string(),
           "comment": "in"})
}

async fn add_user(s: &Server, token: &str, user_id: &str) {
    let r = s.call(token, "POST", USERS, Some(&json!({"user_id": user_id, "name": user_id}))).await;
    assert_eq!(r.json()["code"], 0, "{}", r.body);
}

fn is_log_id(v: &str) -> bool {
    v.len() > 14 && v[..14].bytes().all(|b| b.is_ascii_digit()) && v[14..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[tokio::test]
async fn token_endpoint_takes_json_without_content_type_and_reuses_the_token() {
    let dir = TempDir::new("token");
    let s = Server::start(&dir.db_url(), None).await;
    let body = json!({"app_id": APP_ID, "app_secret": APP_SECRET}).to_string();
    let first = request(s.addr, "POST", TOKEN, &[], Some(&body)).await;
    assert_eq!(first.status, 200);
    let b1 = first.json();
    assert_eq!(b1["code"], 0);
    assert_eq!(b1["expire"], 7200);
    assert!(b1["tenant_access_token"].as_str().unwrap().starts_with("t-"));
    assert!(b1.get("data").is_none(), "token fields are at the top level");
    let b2 = request(s.addr, "POST", TOKEN, &[], Some(&body)).await.json();
    assert_eq!(b2["tenant_access_token"], b1["tenant_access_token"]);
    let bad = json!({"app_id": APP_ID, "app_secret": "wrong-wrong"}).to_string();
    assert_eq!(request(s.addr, "POST", TOKEN, &[], Some(&bad)).await.json()["code"], 10014);
    s.shutdown().await;
}

#[tokio::test]
async fn every_response_has_exact_case_json_headers_and_a_log_id() {
    let dir = TempDir::new("headers");
    let s = Server::start(&dir.db_url(), None).await;
    let token = s.token().await;
    let auth = format!("Bearer {token}");
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, Option<String>, u16);
    let cases: Vec<Case> = vec![
        ("POST", TOKEN, vec![], Some(json!({"app_id": APP_ID, "app_secret": APP_SECRET}).to_string()), 200),
        ("GET", "/open-apis/no/such/path", vec![], None, 404),
        ("GET", "/open-apis/attendance/v1/user_flows/1?employee_type=employee_id", vec![], None, 400),
        ("POST", QUERY, vec![("Authorization", auth.as_str())], Some("{}".into()), 400),
    ];
    for (method, path, headers, body, status) in cases {
        let r = request(s.addr, method, path, &headers, body.as_deref()).await;
        assert_eq!(r.status, status, "{path}: {}", r.body);
        assert_eq!(r.header("Content-Type"), Some("application/json; charset=utf-8"), "{path}: {:?}", r.headers);
        let log_id = r.header("X-Tt-Logid").unwrap_or_else(|| panic!("{path}: no X-Tt-Logid in {:?}", r.headers));
        assert!(is_log_id(log_id), "{log_id}");
        assert!(r.json()["code"].is_i64(), "{}", r.body);
    }
    let r = request(s.addr, "GET", "/open-apis/no/such/path", &[], None).await;
    assert_eq!(r.json()["code"], 404);
    s.shutdown().await;
}

#[tokio::test]
async fn missing_and_invalid_tokens() {
    let dir = TempDir::new("auth");
    let s = Server::start(&dir.db_url(), None).await;
    let path = "/open-apis/attendance/v1/user_flows/1?employee_type=employee_id";
    let r = request(s.addr, "GET", path, &[], None).await;
    assert_eq!((r.status, r.json()["code"].as_i64()), (400, Some(99991661)));
    let r = request(s.addr, "GET", path, &[("Authorization", "Bearer t-nonsense")], None).await;
    assert_eq!((r.status, r.json()["code"].as_i64()), (400, Some(99991663)));
    s.shutdown().await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_ogw_headers() {
    let dir = TempDir::new("rate");
    let s = Server::start(&dir.db_url(), Some(2)).await;
    let token = s.token().await;
    let body = json!({"user_ids": ["nobody"], "check_time_from": "1", "check_time_to": "2"});
    let mut limited = None;
    for _ in 0..8 {
        let r = s.call(&token, "POST", QUERY, Some(&body)).await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("8 quick calls at 2/s are limited");
    assert_eq!(r.json()["code"], 99991400);
    assert_eq!(r.json()["msg"], "request trigger frequency limit");
    let header = |name: &str| r.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    assert_eq!(header("x-ogw-ratelimit-limit").as_deref(), Some("2"));
    assert!(header("x-ogw-ratelimit-reset").and_then(|v| v.parse::<u64>().ok()).is_some());
    assert_eq!(r.header("Content-Type"), Some("application/json; charset=utf-8"));
    s.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_the_request_in_flight_and_keeps_it() {
    let dir = TempDir::new("graceful");
    let s = Server::start(&dir.db_url(), None).await;
    let token = s.token().await;
    add_user(&s, &token, "alice").await;

    // A request whose body is only half sent when shutdown begins.
    let body = json!({"flow_records": [flow("alice", T0)]}).to_string();
    let (first, second) = body.as_bytes().split_at(body.len() / 2);
    let auth = format!("Bearer {token}");
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    stream.write_all(head("POST", IMPORT, &[("Authorization", &auth)], Some(body.len())).as_bytes()).await.unwrap();
    stream.write_all(first).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let addr = s.addr;
    let mut s = s;
    s.signal_shutdown();
    // No new connections once shutdown has begun.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(tokio::time::Instant::now() < deadline, "the listener should close");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    stream.write_all(second).await.unwrap();
    let r = read_response(&mut stream).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["code"], 0, "{}", r.body);
    let record_id = r.json()["data"]["flow_records"][0]["record_id"].as_str().unwrap().to_owned();
    s.shutdown().await;

    // Same database, new process-equivalent: the acknowledged record is there.
    let s = Server::start(&dir.db_url(), None).await;
    let token = s.token().await;
    let r = s
        .call(
            &token,
            "GET",
            &format!("/open-apis/attendance/v1/user_flows/{record_id}?employee_type=employee_id"),
            None,
        )
        .await;
    assert_eq!(r.json()["code"], 0, "{}", r.body);
    assert_eq!(r.json()["data"]["user_id"], "alice");
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_imports_survive_shutdown_under_load() {
    let dir = TempDir::new("load");
    let s = Server::start(&dir.db_url(), None).await;
    let token = s.token().await;
    for i in 0..4 {
        add_user(&s, &token, &format!("worker{i}")).await;
    }
    let addr = s.addr;
    let mut tasks = Vec::new();
    for i in 0..40i64 {
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(2 * i as u64)).await;
            let body = json!({"flow_records": [flow(&format!("worker{}", i % 4), T0 + i)]}).to_string();
            let auth = format!("Bearer {token}");
            let mut stream = TcpStream::connect(addr).await.ok()?;
            let head = head("POST", IMPORT, &[("Authorization", &auth)], Some(body.len()));
            stream.write_all(head.as_bytes()).await.ok()?;
            stream.write_all(body.as_bytes()).await.ok()?;
            let mut raw = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut raw).await.ok()?;
            if raw.is_empty() {
                return None;
            }
            let r = common::parse(&raw);
            (r.json()["code"] == 0)
                .then(|| r.json()["data"]["flow_records"][0]["record_id"].as_str().unwrap().to_owned())
        }));
    }
    tokio::time::sleep(Duration::from_millis(30)).await;
    s.shutdown().await;
    let mut acknowledged = Vec::new();
    for t in tasks {
        if let Some(id) = t.await.unwrap() {
            acknowledged.push(id);
        }
    }
    assert!(!acknowledged.is_empty(), "some imports finished before shutdown");

    let s = Server::start(&dir.db_url(), None).await;
    let token = s.token().await;
    let ids: Vec<String> = (0..4).map(|i| format!("worker{i}")).collect();
    let r = s
        .call(
            &token,
            "POST",
            QUERY,
            Some(&json!({"user_ids": ids, "check_time_from": "0", "check_time_to": "9999999999"})),
        )
        .await;
    assert_eq!(r.json()["code"], 0, "{}", r.body);
    let stored: Vec<String> = r.json()["data"]["user_flow_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["record_id"].as_str().unwrap().to_owned())
        .collect();
    for id in &acknowledged {
        assert!(stored.contains(id), "acknowledged record {id} lost across restart");
    }
    s.shutdown().await;
}
