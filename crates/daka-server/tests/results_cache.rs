//! `user_tasks/query` answers from rendered results kept between requests: two servers share one
//! database, one keeps answering a person's month while the other changes it, and every answer
//! is what the database holds.

mod common;

use common::{Server, TempDir};
use serde_json::{json, Value};

const USERS: &str = "/open-apis/contact/v3/users?user_id_type=user_id";
const SHIFTS: &str = "/open-apis/attendance/v1/shifts?employee_type=employee_id";
const GROUPS: &str = "/open-apis/attendance/v1/groups?employee_type=employee_id&dept_type=open_id";
const IMPORT: &str = "/open-apis/attendance/v1/user_flows/batch_create?employee_type=employee_id";
const DELETE: &str = "/open-apis/attendance/v1/user_flows/batch_del";
const TASKS: &str = "/open-apis/attendance/v1/user_tasks/query?employee_type=employee_id";

/// An instant in Asia/Shanghai, Unix seconds.
fn shanghai(local: &str) -> i64 {
    format!("{local}+08:00[Asia/Shanghai]").parse::<jiff::Zoned>().expect("instant").timestamp().as_second()
}

async fn ok(s: &Server, token: &str, path: &str, body: Value) -> Value {
    let r = s.call(token, "POST", path, Some(&body)).await;
    let v = r.json();
    assert_eq!(v["code"], 0, "{path}: {}", r.body);
    v
}

/// Monday 2026-01-05 .. Sunday 2026-01-11 for `user`: one entry per day.
async fn week(s: &Server, token: &str, users: &[&str]) -> Vec<Value> {
    let body = json!({"user_ids": users, "check_date_from": 20260105, "check_date_to": 20260111});
    let v = ok(s, token, TASKS, body).await;
    v["data"]["user_task_results"].as_array().expect("results").clone()
}

fn monday_in(tasks: &[Value], user: &str) -> (String, Value) {
    let mon = tasks.iter().find(|t| t["day"] == 20260105 && t["user_id"] == user).expect("Monday");
    let rec = &mon["records"][0];
    (rec["check_in_result"].as_str().expect("result").to_owned(), rec["check_in_record"].clone())
}

#[tokio::test]
async fn answers_follow_changes_made_through_another_server() {
    let dir = TempDir::new("results-cache");
    let reader = Server::start(&dir.db_url(), None).await;
    let writer = Server::start(&dir.db_url(), None).await;
    let token = reader.token().await;
    for user in ["rc1", "rc2"] {
        ok(&reader, &token, USERS, json!({"user_id": user, "name": format!("name of {user}")})).await;
    }
    let rule = json!({"on_time": "9:00", "off_time": "18:00", "late_minutes_as_late": 5,
        "late_minutes_as_lack": 60, "on_advance_minutes": 120, "early_minutes_as_early": 5,
        "early_minutes_as_lack": 60, "off_delay_minutes": 240});
    let shift = ok(&reader, &token, SHIFTS, json!({"shift_name": "9-18", "punch_times": 1, "punch_time_rule": [rule]}))
        .await["data"]["shift"]["shift_id"]
        .as_str()
        .expect("shift id")
        .to_owned();
    let group = json!({"group": {"group_name": "office", "time_zone": "Asia/Shanghai", "group_type": 0,
        "bind_user_ids": ["rc1", "rc2"], "group_leader_ids": ["rc1"], "calendar_id": 0, "effect_now": true,
        "punch_day_shift_ids": [&shift, &shift, &shift, &shift, &shift, "0", "0"]}});
    ok(&reader, &token, GROUPS, group).await;

    // Without punches Monday is Lack; asking again gives the very same answer.
    let first = week(&reader, &token, &["rc1", "rc2"]).await;
    assert_eq!(first.len(), 14);
    assert_eq!(monday_in(&first, "rc1").0, "Lack");
    assert_eq!(first.iter().find(|t| t["user_id"] == "rc1").expect("rc1")["employee_name"], "name of rc1");
    assert_eq!(week(&reader, &token, &["rc1", "rc2"]).await, first);

    // A punch through the other server: the reader's next answer has it.
    let at = shanghai("2026-01-05T09:12:00");
    let flow = json!({"user_id": "rc1", "creator_id": "rc1", "location_name": "门口", "comment": "in",
        "check_time": at.to_string()});
    let created = ok(&writer, &token, IMPORT, json!({"flow_records": [flow]})).await;
    let record_id = created["data"]["flow_records"][0]["record_id"].as_str().expect("record id").to_owned();
    let after = week(&reader, &token, &["rc1", "rc2"]).await;
    let (result, record) = monday_in(&after, "rc1");
    assert_eq!(result, "Late");
    assert_eq!(record["record_id"], record_id.as_str());
    assert_eq!(record["check_time"], at.to_string());
    assert_eq!(record["check_result"], "Late");
    // The other person's days are untouched, and the order of people and days is the request's.
    let users: Vec<&str> = after.iter().map(|t| t["user_id"].as_str().expect("user")).collect();
    assert_eq!(users, [vec!["rc1"; 7], vec!["rc2"; 7]].concat());
    assert_eq!(after[7..], first[7..]);
    // A part of the range, and the people in the other order.
    let part = ok(
        &reader,
        &token,
        TASKS,
        json!({"user_ids": ["rc2", "rc1"], "check_date_from": 20260105,
        "check_date_to": 20260106}),
    )
    .await["data"]["user_task_results"]
        .as_array()
        .expect("results")
        .clone();
    let keys: Vec<(String, i64)> = part
        .iter()
        .map(|t| (t["user_id"].as_str().expect("user").to_owned(), t["day"].as_i64().expect("day")))
        .collect();
    let want = [("rc2", 20260105), ("rc2", 20260106), ("rc1", 20260105), ("rc1", 20260106)];
    assert_eq!(keys, want.map(|(u, d)| (u.to_owned(), d)));
    assert_eq!(monday_in(&part, "rc1").0, "Late");

    // Deleting it through the other server: Lack again, with no record.
    ok(&writer, &token, DELETE, json!({"record_ids": [record_id]})).await;
    let (result, record) = monday_in(&week(&reader, &token, &["rc1", "rc2"]).await, "rc1");
    assert_eq!(result, "Lack");
    assert!(record.is_null(), "{record}");

    writer.shutdown().await;
    reader.shutdown().await;
}

#[tokio::test]
async fn each_id_kind_gets_its_own_ids() {
    let dir = TempDir::new("results-cache-kinds");
    let s = Server::start(&dir.db_url(), None).await;
    let token = s.token().await;
    ok(&s, &token, USERS, json!({"user_id": "rk1", "name": "rk1", "employee_no": "E-007"})).await;
    let by_employee_id = week(&s, &token, &["rk1"]).await;
    assert_eq!(by_employee_id.len(), 7);
    assert!(by_employee_id.iter().all(|t| t["user_id"] == "rk1"));
    let body = json!({"user_ids": ["E-007"], "check_date_from": 20260105, "check_date_to": 20260111});
    let path = "/open-apis/attendance/v1/user_tasks/query?employee_type=employee_no";
    let by_number = ok(&s, &token, path, body).await["data"]["user_task_results"].as_array().expect("r").clone();
    assert_eq!(by_number.len(), 7);
    assert!(by_number.iter().all(|t| t["user_id"] == "E-007"), "{by_number:?}");
    assert_eq!(week(&s, &token, &["rk1"]).await, by_employee_id);
    s.shutdown().await;
}
