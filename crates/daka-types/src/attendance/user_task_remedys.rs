//! `user_task_remedys`: remedy (补卡) applications and the remedies a person may still make.

use serde::{Deserialize, Serialize};

use crate::lenient::{opt_bool, opt_string_or_int};

/// A remedy application (`user_task_remedy`). On create `user_id`, `remedy_date`, `punch_no`,
/// `work_type`, `remedy_time` and `reason` are required; the other fields are output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserTaskRemedy {
    /// The person, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Attendance day of the remedied punch, `yyyyMMdd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy_date: Option<i64>,
    /// Which on/off pair, 0-based (free groups: 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punch_no: Option<i32>,
    /// 1 on, 2 off (free groups: 0 on create = whichever side needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_type: Option<i32>,
    /// Id to pass to `approval_infos/process`.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
    /// The punch time asked for, `yyyy-MM-dd HH:mm` in the group's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy_time: Option<String>,
    /// 0 pending, 1 rejected, 2 approved, 3 cancelled, 4 withdrawn after approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The remedy instant, Unix seconds (ignored on input).
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The group's time zone at the remedy time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// When the application was made, Unix seconds.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// When its status last changed, Unix seconds.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
}

/// `data` of `POST /user_task_remedys`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateUserTaskRemedyData {
    /// The stored application, with its `approval_id`.
    #[serde(default)]
    pub user_remedy: UserTaskRemedy,
}

/// Body of `POST /user_task_remedys/query`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryUserTaskRemedyRequest {
    /// At most 50 ids, as `employee_type` says.
    #[serde(default)]
    pub user_ids: Option<Vec<String>>,
    /// Start instant, Unix seconds (inclusive).
    #[serde(default, deserialize_with = "opt_string_or_int")]
    pub check_time_from: Option<String>,
    /// End instant, Unix seconds (inclusive).
    #[serde(default, deserialize_with = "opt_string_or_int")]
    pub check_time_to: Option<String>,
    /// `PeriodTime` (default; the only one daka supports).
    #[serde(default)]
    pub check_date_type: Option<String>,
    /// Status filter, default 2 (approved).
    #[serde(default)]
    pub status: Option<i32>,
}

/// `data` of `user_task_remedys/query`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryUserTaskRemedyData {
    /// Matching applications, by remedy time.
    #[serde(default)]
    pub user_remedys: Vec<UserTaskRemedy>,
}

/// Body of `POST /user_task_remedys/query_user_allowed_remedys`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryUserAllowedRemedysRequest {
    /// The person, as `employee_type` says.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Attendance day, `yyyyMMdd`.
    #[serde(default)]
    pub remedy_date: Option<i64>,
}

/// One side that may still be remedied.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserAllowedRemedy {
    /// The person, as `employee_type` says.
    #[serde(default)]
    pub user_id: String,
    /// Attendance day, `yyyyMMdd`.
    #[serde(default)]
    pub remedy_date: i64,
    /// A free group's day: any time inside the window may be chosen.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub is_free_punch: Option<bool>,
    /// Which on/off pair, 0-based.
    #[serde(default)]
    pub punch_no: i32,
    /// 1 on, 2 off.
    #[serde(default)]
    pub work_type: i32,
    /// The side's current result: `Early`, `Late`, `Lack` (or `Normal` when the group allows it).
    #[serde(default)]
    pub punch_status: String,
    /// The scheduled time, `yyyy-MM-dd HH:mm`.
    #[serde(default)]
    pub normal_punch_time: String,
    /// Earliest remedy time, `yyyy-MM-dd HH:mm`.
    #[serde(default)]
    pub remedy_start_time: String,
    /// Latest remedy time, `yyyy-MM-dd HH:mm`.
    #[serde(default)]
    pub remedy_end_time: String,
}

/// `data` of `query_user_allowed_remedys`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryUserAllowedRemedysData {
    /// One entry per side that may be remedied.
    #[serde(default)]
    pub user_allowed_remedys: Vec<UserAllowedRemedy>,
}
