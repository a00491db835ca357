//! `user_daily_shifts` entries are validated as a whole before anything is stored: the first
//! bad field fails the request with 1220001 and its name, entry index included.

mod common;

use common::{Server, TempDir};
use serde_json::{json, Value};

const SCHEDULES: &str = "/open-apis/attendance/v1/user_daily_shifts/batch_create?employee_type=employee_id";
const TEMP: &str = "/open-apis/attendance/v1/user_daily_shifts/batch_create_temp?employee_type=employee_id";

async fn refused(s: &Server, token: &str, path: &str, body: Value) -> String {
    let r = s.call(token, "POST", path, Some(&body)).await;
    let v = r.json();
    assert_eq!(v["code"], 1220001, "{}", r.body);
    v["msg"].as_str().expect("msg").to_owned()
}

#[tokio::test]
async fn a_bad_entry_is_named_by_its_index_and_field() {
    let dir = TempDir::new("schedules");
    let s = Server::start(&dir.db_url(), None).await;
    let token = s.token().await;
    let good = json!({"user_id": "u1", "group_id": "7", "shift_id": "8", "month": 202601, "day_no": 5});
    let no_user = json!({"group_id": "7", "shift_id": "8", "month": 202601, "day_no": 5});
    let msg = refused(&s, &token, SCHEDULES, json!({"user_daily_shifts": [good, no_user]})).await;
    assert_eq!(msg, "user_daily_shifts[1].user_id is required");
    let bad_group = json!({"user_id": "u1", "group_id": "seven", "shift_id": "8", "month": 202601, "day_no": 5});
    let msg = refused(&s, &token, SCHEDULES, json!({"user_daily_shifts": [bad_group]})).await;
    assert_eq!(msg, "user_daily_shifts[0].group_id \"seven\" is not an id");
    let no_group = json!({"user_id": "u1", "date": 20260105, "shift_name": "t",
        "punch_time_simple_rules": [{"on_time": "9:00", "off_time": "18:00"}]});
    let msg = refused(&s, &token, TEMP, json!({"user_tmp_daily_shifts": [no_group]})).await;
    assert_eq!(msg, "user_tmp_daily_shifts[0].group_id is required");
    s.shutdown().await;
}
