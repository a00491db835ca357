//! `user_tasks`: attendance results (打卡结果).

use serde::{Deserialize, Serialize};

use super::user_flows::UserFlow;
use crate::lenient::opt_bool;

/// Body of `POST /user_tasks/query`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryUserTaskRequest {
    /// At most 50 ids, as `employee_type` says.
    #[serde(default)]
    pub user_ids: Option<Vec<String>>,
    /// First attendance day, `yyyyMMdd`.
    #[serde(default)]
    pub check_date_from: Option<i64>,
    /// Last attendance day, `yyyyMMdd` (inclusive).
    #[serde(default)]
    pub check_date_to: Option<i64>,
    /// Also return overtime segments (`task_shift_type` 1).
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub need_overtime_result: Option<bool>,
}

/// `data` of `user_tasks/query`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryUserTaskData {
    /// One entry per person and day.
    #[serde(default)]
    pub user_task_results: Vec<UserTask>,
    /// Requested ids that name nobody.
    #[serde(default)]
    pub invalid_user_ids: Vec<String>,
    /// Requested ids the caller may not see.
    #[serde(default)]
    pub unauthorized_user_ids: Vec<String>,
}

/// A person's attendance result for one day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserTask {
    /// Result id.
    #[serde(default)]
    pub result_id: String,
    /// The person, as `employee_type` says.
    #[serde(default)]
    pub user_id: String,
    /// The person's name.
    #[serde(default)]
    pub employee_name: String,
    /// Attendance day, `yyyyMMdd`.
    #[serde(default)]
    pub day: i64,
    /// Attendance group ("1": in no group).
    #[serde(default)]
    pub group_id: String,
    /// Shift ("0": rest day, "9": default shift).
    #[serde(default)]
    pub shift_id: String,
    /// One record per on/off pair, then overtime segments.
    #[serde(default)]
    pub records: Vec<TaskResult>,
}

/// The result of one on/off pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    /// Deciding check-in punch id ("" when none).
    #[serde(default)]
    pub check_in_record_id: String,
    /// Deciding check-in punch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_in_record: Option<UserFlow>,
    /// Deciding check-out punch id ("" when none).
    #[serde(default)]
    pub check_out_record_id: String,
    /// Deciding check-out punch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_out_record: Option<UserFlow>,
    /// `NoNeedCheck`, `Normal`, `Early`, `Late`, `Lack`, `Todo` (kept as sent when unknown).
    #[serde(default)]
    pub check_in_result: String,
    /// As `check_in_result`.
    #[serde(default)]
    pub check_out_result: String,
    /// `None`, `CardReplacement`, `Leave`, … (kept as sent when unknown).
    #[serde(default)]
    pub check_in_result_supplement: String,
    /// As `check_in_result_supplement`.
    #[serde(default)]
    pub check_out_result_supplement: String,
    /// Scheduled on instant, Unix seconds.
    #[serde(default)]
    pub check_in_shift_time: String,
    /// Scheduled off instant, Unix seconds.
    #[serde(default)]
    pub check_out_shift_time: String,
    /// 0 normal, 1 overtime segment.
    #[serde(default)]
    pub task_shift_type: i32,
}
