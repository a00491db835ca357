//! `user_approvals`: approved leaves, outs, trips and overtime works written by a third-party
//! approval system, and their query.

use serde::{Deserialize, Serialize};

use crate::lenient::opt_string_or_int;

/// Localized names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct I18nNames {
    /// Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ch: Option<String>,
    /// English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    /// Japanese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ja: Option<String>,
}

/// A place of a trip.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionPlace {
    /// `l1`–`l4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_level: Option<String>,
    /// Region id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_id: Option<String>,
}

/// A leave (`user_leave`). Times are `yyyy-MM-dd HH:mm:ss` in the person's group time zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserLeave {
    /// Output: the approval's id.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
    /// Leave type id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniq_id: Option<String>,
    /// 1 day, 2 hour, 3 half-day, 4 half-hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<i32>,
    /// Length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
    /// Start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// End.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Leave type names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub i18n_names: Option<I18nNames>,
    /// `ch`, `en` or `ja`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_locale: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approve_pass_time: Option<String>,
    /// When it was applied for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approve_apply_time: Option<String>,
    /// Idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_id: Option<String>,
    /// Per-day time ranges (SDK-only; kept as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_detail_range_objs: Option<serde_json::Value>,
}

/// An out (`user_out`, 外出).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserOut {
    /// Output: the approval's id.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
    /// Out type id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniq_id: Option<String>,
    /// 1 day, 2 hour, 3 half-day, 4 half-hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<i32>,
    /// Length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
    /// Start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// End.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Out type names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub i18n_names: Option<I18nNames>,
    /// `ch`, `en` or `ja`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_locale: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approve_pass_time: Option<String>,
    /// When it was applied for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approve_apply_time: Option<String>,
    /// Idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_id: Option<String>,
    /// System-generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct_process_id: Option<Vec<String>>,
    /// System-generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_process_id: Option<Vec<String>>,
    /// System-generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<Vec<String>>,
}

/// A business trip (`user_trip`): whole days only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserTrip {
    /// Output: the approval's id.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
    /// Start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// End.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approve_pass_time: Option<String>,
    /// When it was applied for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approve_apply_time: Option<String>,
    /// Idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_id: Option<String>,
    /// System-generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct_process_id: Option<Vec<String>>,
    /// System-generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_process_id: Option<Vec<String>>,
    /// System-generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<Vec<String>>,
    /// Where from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departure: Option<RegionPlace>,
    /// Where to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destinations: Option<Vec<RegionPlace>>,
    /// 1 plane, 2 train, 3 car, 4 high-speed rail, 5 ship, 6 other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transportation: Option<Vec<i32>>,
    /// 1 one-way, 2 round trip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trip_type: Option<i32>,
    /// Remarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

/// Overtime work (`user_overtime_work`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserOvertimeWork {
    /// Output: the approval's id.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
    /// Duration, in `unit`s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// 1 day, 2 hour, 3 half-day, 4 half-hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<i32>,
    /// 1 workday, 2 rest day, 3 holiday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<i32>,
    /// 0 record only, 1 time off in lieu, 2 overtime pay, 3 linked to the overtime rule.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<i32>,
    /// Start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// End.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_id: Option<String>,
    /// System-generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct_process_id: Option<Vec<String>>,
    /// System-generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_process_id: Option<Vec<String>>,
    /// System-generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<Vec<String>>,
}

/// A person's approvals on one day (`user_approval`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserApproval {
    /// The person, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Attendance day the approvals belong to, `"yyyyMMdd"`.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Outs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outs: Option<Vec<UserOut>>,
    /// Leaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaves: Option<Vec<UserLeave>>,
    /// Overtime works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overtime_works: Option<Vec<UserOvertimeWork>>,
    /// Trips.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trips: Option<Vec<UserTrip>>,
    /// Output: the time zone of the times (ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// Body of `POST /user_approvals`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateUserApprovalRequest {
    /// What to write.
    #[serde(default)]
    pub user_approval: Option<UserApproval>,
}

/// `data` of `POST /user_approvals`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateUserApprovalData {
    /// What was written, with `approval_id`s.
    #[serde(default)]
    pub user_approval: UserApproval,
}

/// Body of `POST /user_approvals/query`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryUserApprovalRequest {
    /// Ids, as `employee_type` says.
    #[serde(default)]
    pub user_ids: Option<Vec<String>>,
    /// First day, `yyyyMMdd`; at most tomorrow.
    #[serde(default)]
    pub check_date_from: Option<i64>,
    /// Last day, `yyyyMMdd`; at most 30 days after `check_date_from`.
    #[serde(default)]
    pub check_date_to: Option<i64>,
    /// `PeriodTime` (default; the only one daka supports).
    #[serde(default)]
    pub check_date_type: Option<String>,
    /// Status filter, default 2.
    #[serde(default)]
    pub status: Option<i32>,
    /// Not open upstream; ignored.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub check_time_from: Option<String>,
    /// Not open upstream; ignored.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub check_time_to: Option<String>,
}

/// `data` of `user_approvals/query`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryUserApprovalData {
    /// One entry per person and approval day.
    #[serde(default)]
    pub user_approvals: Vec<UserApproval>,
}
