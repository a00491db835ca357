//! The models against the official examples: the JSON blocks of the documentation pages in
//! `tests/seeds/` (verbatim copies of `shared/seeds/` 000–003, kept in the repository so a clean
//! clone tests on its own) are decoded into the client's types. Nothing here is derived from the
//! client's own output.

use std::path::PathBuf;

use daka_client::events::{AttendanceEvent, Webhook, WebhookOutcome};
use daka_client::model::{CheckResult, Supplement, TaskResultExt, UserFlowExt, UserTaskExt};
use daka_client::types::attendance::user_flows::UserFlow;
use daka_client::types::attendance::user_task_remedys::QueryUserTaskRemedyData;
use daka_client::types::attendance::user_tasks::{QueryUserTaskData, QueryUserTaskRequest};
use daka_client::types::Envelope;
use daka_client::{Day, Instant};

/// The ```json blocks of the seed file whose name starts with `prefix`.
fn json_blocks(prefix: &str) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/seeds");
    let file = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no seed {prefix}_* in {}", dir.display()));
    let text = std::fs::read_to_string(file.path()).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```json") => current = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => blocks.push(current.take().unwrap()),
            (Some(buf), _) => {
                buf.push_str(line);
                buf.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn seed_000_get_user_flow_response() {
    let blocks = json_blocks("000");
    let response = blocks.iter().find(|b| b.contains("\"code\"")).expect("response example");
    let env: Envelope<UserFlow> = serde_json::from_str(response).unwrap();
    assert_eq!(env.code, 0);
    let flow = env.data.unwrap();
    assert_eq!(flow.user_id.as_deref(), Some("abd754f7"));
    assert_eq!(flow.creator_id.as_deref(), Some("abd754f7"));
    assert_eq!(flow.location_name.as_deref(), Some("西溪八方城"));
    assert_eq!(flow.check_instant(), Some(Instant::from_unix(1_611_476_284)));
    assert_eq!(flow.record_id.as_deref(), Some("6709359313699356941"));
    assert_eq!(flow.is_field, Some(true));
    assert_eq!(flow.r#type, Some(7));
    assert_eq!(flow.photo_urls.as_ref().unwrap().len(), 1);
    assert_eq!(flow.result(), Some(CheckResult::Invalid));
    assert_eq!(flow.external_id.as_deref(), Some("record_123"));
    assert_eq!(flow.idempotent_id.as_deref(), Some("****_***"));
}

#[test]
fn seed_001_user_tasks_query_request_and_response() {
    let blocks = json_blocks("001");
    let request = blocks.iter().find(|b| b.contains("check_date_from") && !b.contains("\"code\"")).unwrap();
    let req: QueryUserTaskRequest = serde_json::from_str(request).unwrap();
    assert_eq!(req.check_date_from.and_then(Day::from_yyyymmdd), Day::new(2019, 8, 17));
    assert_eq!(req.check_date_to, Some(20190820));
    assert_eq!(req.need_overtime_result, Some(true));

    let response = blocks.iter().find(|b| b.contains("user_task_results")).unwrap();
    let env: Envelope<QueryUserTaskData> = serde_json::from_str(response).unwrap();
    let data = env.data.unwrap();
    assert_eq!(data.invalid_user_ids, ["abd754f7"]);
    assert_eq!(data.unauthorized_user_ids, ["abd754f7"]);
    let task = &data.user_task_results[0];
    assert_eq!(task.result_id, "6709359313699356941");
    assert_eq!(task.employee_name, "张三");
    assert_eq!(task.day(), Day::new(2019, 8, 19));
    assert_eq!(task.group_id, "6737202939523236110");
    assert!(!task.in_no_group());
    let rec = &task.records[0];
    assert_eq!(rec.check_in_record_id, "6709359313699356941");
    assert_eq!(rec.check_out_record_id, "6709359313699356942");
    assert_eq!(rec.check_in(), CheckResult::SystemCheck);
    assert_eq!(rec.check_out_supplement(), Supplement::None);
    assert_eq!(rec.check_in_shift_time(), Some(Instant::from_unix(1_609_722_000)));
    assert_eq!(rec.check_out_shift_time(), Some(Instant::from_unix(1_609_754_400)));
    assert_eq!(rec.task_shift_type, 0);
    assert_eq!(rec.check_in_record.as_ref().unwrap().location_name.as_deref(), Some("西溪八方城"));
}

#[test]
fn seed_002_remedy_query_response() {
    let blocks = json_blocks("002");
    let response = blocks.iter().find(|b| b.contains("user_remedys")).unwrap();
    let env: Envelope<QueryUserTaskRemedyData> = serde_json::from_str(response).unwrap();
    let r = &env.data.unwrap().user_remedys[0];
    assert_eq!(r.user_id.as_deref(), Some("abd754f7"));
    assert_eq!(r.remedy_date, Some(20210701));
    assert_eq!(r.punch_no, Some(0));
    assert_eq!(r.work_type, Some(1));
    assert_eq!(r.approval_id.as_deref(), Some("6737202939523236113"));
    assert_eq!(r.remedy_time.as_deref(), Some("2021-07-01 08:00"));
    assert_eq!(r.status, Some(2));
    assert_eq!(r.time_zone.as_deref(), Some("Asia/Shanghai"));
}

#[test]
fn seed_003_user_flow_created_event_through_the_webhook() {
    let blocks = json_blocks("003");
    let example = &blocks[0];
    let token = "wz5vVgAqJ0cghdfdjdVuxeyTt8hvYHBg";

    // Plaintext delivery (no encrypt key configured).
    let hook = Webhook::new(Some(token.into()), None);
    let outcome = hook.handle(&http::HeaderMap::new(), example.as_bytes()).unwrap();
    let WebhookOutcome::Event(event) = outcome else { panic!("{outcome:?}") };
    assert_eq!(event.header.event_id, "41fae5c12837ead344eced982fbde395");
    assert_eq!(event.header.app_id, "cli_a0c203e66cf8100c");
    assert_eq!(event.header.tenant_key, "2fce678eb60d1651");
    let AttendanceEvent::UserFlowCreated(flow) = &event.event else { panic!("{:?}", event.event) };
    assert_eq!(flow.employee_id, "2b68933a");
    assert_eq!(flow.employee_no, "");
    assert_eq!(flow.check_time, Some(Instant::from_unix(1_615_381_916)));
    assert_eq!(flow.record_id, "6938012269578125316");
    assert_eq!(flow.ssid, "ByteDance Inc");
    assert_eq!(flow.bssid, "b0:b8:67:62:18:73");
    assert!((flow.longitude.unwrap() - 120.040_043_570_743_7).abs() < 1e-9);
    assert!((flow.latitude.unwrap() - 30.292_450_309_088_5).abs() < 1e-9);
    assert!(!flow.is_field && !flow.is_wifi);
    assert_eq!(flow.r#type, 0);
    assert_eq!(flow.risk_result, 0);

    // The platform re-pushes: the repeat is recognised.
    let again = hook.handle(&http::HeaderMap::new(), example.as_bytes()).unwrap();
    assert_eq!(again, WebhookOutcome::Duplicate("41fae5c12837ead344eced982fbde395".into()));

    // A wrong verification token is refused.
    let strict = Webhook::new(Some("other".into()), None);
    assert!(strict.handle(&http::HeaderMap::new(), example.as_bytes()).is_err());
}

#[test]
fn seed_003_encrypted_and_signed_delivery() {
    let example = &json_blocks("003")[0];
    let compact = serde_json::to_string(&serde_json::from_str::<serde_json::Value>(example).unwrap()).unwrap();
    let key = "encrypt-key";
    let body =
        serde_json::json!({ "encrypt": daka_client::events::encrypt(key, [3; 16], compact.as_bytes()) }).to_string();
    let mut headers = http::HeaderMap::new();
    headers.insert("X-Lark-Request-Timestamp", "1615381917".parse().unwrap());
    headers.insert("X-Lark-Request-Nonce", "nonce-1".parse().unwrap());
    let sig = daka_client::events::signature("1615381917", "nonce-1", key, body.as_bytes());
    headers.insert("X-Lark-Signature", sig.parse().unwrap());
    let hook = Webhook::new(Some("wz5vVgAqJ0cghdfdjdVuxeyTt8hvYHBg".into()), Some(key.into()));
    assert!(matches!(hook.handle(&headers, body.as_bytes()).unwrap(), WebhookOutcome::Event(_)));

    // Tampered signature.
    let hook = Webhook::new(None, Some(key.into()));
    headers.insert("X-Lark-Signature", "00".repeat(32).parse().unwrap());
    assert!(hook.handle(&headers, body.as_bytes()).is_err());
}

#[test]
fn url_verification_is_answered_with_the_challenge() {
    // The documented challenge request (feishu-platform.md §4.3).
    let body = br#"{"challenge":"ajls384kdjx98XX","token":"xxxxxx","type":"url_verification"}"#;
    let hook = Webhook::new(Some("xxxxxx".into()), None);
    let out = hook.handle(&http::HeaderMap::new(), body).unwrap();
    assert_eq!(out, WebhookOutcome::Challenge("ajls384kdjx98XX".into()));
    assert_eq!(out.response_body(), br#"{"challenge":"ajls384kdjx98XX"}"#);
    assert!(Webhook::new(Some("other".into()), None).handle(&http::HeaderMap::new(), body).is_err());
}

#[test]
fn user_task_updated_event_with_numeric_index() {
    // Shape of the documented example (spec §9.2): `index` a number, `task_id` and `time_zone`
    // present though not in the field table.
    let body = br#"{"schema":"2.0","header":{"event_id":"e1","event_type":"attendance.user_task.updated_v1","create_time":"1","token":"","app_id":"cli_x","tenant_key":"t"},
      "event":{"employee_id":"2b68933a","employee_no":"","group_id":"6737202939523236110","shift_id":"6753520403404030215","date":20190819,
      "task_id":"6709359313699356941","time_zone":"Asia/Shanghai",
      "status_changes":[{"index":1,"work_type":"on","before_status":"Todo","current_status":"Normal","before_supplement":"None","current_supplement":"None"},
                        {"index":"2","work_type":"off","before_status":"","current_status":"Brand-new","before_supplement":"None","current_supplement":"Travel"}]}}"#;
    let out = Webhook::new(None, None).handle(&http::HeaderMap::new(), body).unwrap();
    let WebhookOutcome::Event(e) = out else { panic!() };
    let AttendanceEvent::UserTaskUpdated(t) = &e.event else { panic!() };
    assert_eq!(t.date, Day::new(2019, 8, 19));
    assert_eq!(t.status_changes[0].current_status, CheckResult::Normal);
    assert_eq!(t.status_changes[1].index, 2);
    assert_eq!(t.status_changes[1].before_status, CheckResult::Empty);
    assert_eq!(t.status_changes[1].current_status, CheckResult::Unknown("Brand-new".into()));
    assert_eq!(t.status_changes[1].current_supplement, Supplement::Travel);
}
