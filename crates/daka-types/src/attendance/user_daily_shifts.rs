//! `user_daily_shifts`: schedules (排班) of scheduling groups and temporary shifts.

use serde::{Deserialize, Serialize};

use super::groups::opt_i32_lenient;
use crate::lenient::{opt_bool, opt_string_or_int};

/// One person-day of a schedule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDailyShift {
    /// The scheduling group.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The shift; `"0"` = rest.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub shift_id: Option<String>,
    /// Month, `yyyyMM`.
    #[serde(default, deserialize_with = "opt_i32_lenient", skip_serializing_if = "Option::is_none")]
    pub month: Option<i32>,
    /// The person, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Day of the month, 1–31.
    #[serde(default, deserialize_with = "opt_i32_lenient", skip_serializing_if = "Option::is_none")]
    pub day_no: Option<i32>,
    /// True clears the day's schedule (takes precedence over `shift_id`).
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub is_clear_schedule: Option<bool>,
}

/// Body of `POST /user_daily_shifts/batch_create`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BatchCreateUserDailyShiftRequest {
    /// At most 50 entries.
    #[serde(default)]
    pub user_daily_shifts: Option<Vec<UserDailyShift>>,
    /// Operator, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
}

/// `data` of `batch_create` and `query`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserDailyShiftData {
    /// The entries.
    #[serde(default)]
    pub user_daily_shifts: Vec<UserDailyShift>,
}

/// Body of `POST /user_daily_shifts/query`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryUserDailyShiftRequest {
    /// At most 50 ids, as `employee_type` says.
    #[serde(default)]
    pub user_ids: Option<Vec<String>>,
    /// First day, `yyyyMMdd`.
    #[serde(default, deserialize_with = "opt_i32_lenient")]
    pub check_date_from: Option<i32>,
    /// Last day, `yyyyMMdd` (at most 30 days after `check_date_from`).
    #[serde(default, deserialize_with = "opt_i32_lenient")]
    pub check_date_to: Option<i32>,
}

/// `{on_time, off_time}` of a temporary shift.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PunchTimeSimpleRule {
    /// On-duty clock string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_time: Option<String>,
    /// Off-duty clock string (`"26:00"` = next day 02:00).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off_time: Option<String>,
}

/// One person-day temporary shift.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserTmpDailyShift {
    /// The person's group.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The person, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The day, `yyyyMMdd`.
    #[serde(default, deserialize_with = "opt_i32_lenient", skip_serializing_if = "Option::is_none")]
    pub date: Option<i32>,
    /// Name of the temporary shift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_name: Option<String>,
    /// 0–6 on/off pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punch_time_simple_rules: Option<Vec<PunchTimeSimpleRule>>,
}

/// Body of `POST /user_daily_shifts/batch_create_temp`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BatchCreateTempRequest {
    /// 0–50 entries.
    #[serde(default)]
    pub user_tmp_daily_shifts: Option<Vec<UserTmpDailyShift>>,
    /// Operator, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
}

/// `data` of `batch_create_temp`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BatchCreateTempData {
    /// The stored entries.
    #[serde(default)]
    pub user_tmp_daily_shifts: Vec<UserTmpDailyShift>,
}
