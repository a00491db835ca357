//! `shifts`: shift definitions (班次).
//!
//! Clock strings (`on_time`, `off_time`, rest and overtime times) are `H:MM` local to the group's
//! time zone; times on the next day add 24 hours (`"26:00"`). daka accepts `"9:00"`, `"09:00"`
//! and the full-width colon `"9：00"` and always emits the unpadded form (`"9:00"`).
//!
//! `no_need_on` / `no_need_off` keep the meaning they have on create (true = no punch needed) in
//! every response: daka does **not** apply the read-side inversion the get/query/list pages
//! describe (spec §2.9, §10 item 3), so a shift round-trips unchanged.

use serde::{Deserialize, Serialize};

use crate::lenient::{opt_bool, opt_string_or_int};

/// One on/off pair of a shift (`punch_time_rule`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PunchTimeRule {
    /// 上班时间, e.g. `"9:00"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_time: Option<String>,
    /// 下班时间, e.g. `"18:00"`; next day adds 24 h (`"26:00"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off_time: Option<String>,
    /// Late by more than this many minutes → Late.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_minutes_as_late: Option<i32>,
    /// Late by more than this many minutes → Lack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_minutes_as_lack: Option<i32>,
    /// The on-duty punch may be made this many minutes before `on_time` (≤ 720).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_advance_minutes: Option<i32>,
    /// Early by more than this many minutes → Early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_minutes_as_early: Option<i32>,
    /// Early by more than this many minutes → Lack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_minutes_as_lack: Option<i32>,
    /// The off-duty punch may be made this many minutes after `off_time` (≤ 960).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off_delay_minutes: Option<i32>,
    /// Late by more than this many minutes → serious late.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_minutes_as_serious_late: Option<i32>,
    /// True: no on-duty punch needed (must be false for the first rule). Not inverted on read.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub no_need_on: Option<bool>,
    /// True: no off-duty punch needed. Not inverted on read.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub no_need_off: Option<bool>,
}

/// `flexible_rule` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlexibleRule {
    /// 下班最多可早走 (minutes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flexible_early_minutes: Option<i32>,
    /// 上班最多可晚到 (minutes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flexible_late_minutes: Option<i32>,
}

/// `late_off_late_on_rule` entry (晚走晚到).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateOffLateOnRule {
    /// Leaving late by this many minutes …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_off_minutes: Option<i32>,
    /// … lets the employee arrive late by this many minutes the next day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_on_minutes: Option<i32>,
}

/// `rest_time_rule` / `overtime_rest_time_rule` entry (休息规则).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestRule {
    /// Break start, a clock string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_begin_time: Option<String>,
    /// Break end, a clock string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_end_time: Option<String>,
}

/// `overtime_rule` entry (加班时段).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OvertimeRule {
    /// Overtime start, a clock string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_overtime: Option<String>,
    /// Overtime end, a clock string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off_overtime: Option<String>,
}

/// `shift_middle_time_rule` (半天分割).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftMiddleTimeRule {
    /// 0 midpoint incl. rest, 1 midpoint excl. rest, 2 at rest time, 3 fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_time_type: Option<i32>,
    /// The fixed split time when `middle_time_type` is 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_middle_time: Option<String>,
}

/// `shift_attendance_time_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShiftAttendanceTimeConfig {
    /// 0–3, default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendance_time: Option<f64>,
    /// 0–3, default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_attendance_time: Option<f64>,
    /// 0–3, default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off_attendance_time: Option<f64>,
}

/// `late_off_late_on_setting`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateOffLateOnSetting {
    /// 当日晚走 base: 0 flexible (default), 1 fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_off_base_on_time_type: Option<i32>,
    /// 次日晚到 base: 0 fixed (default), 1 flexible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_on_base_on_time_type: Option<i32>,
}

/// `rest_time_flexible_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestTimeFlexibleConfig {
    /// Whether the break is flexible.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub need_flexible: Option<bool>,
    /// 休息弹性向后弹的分钟数.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_mins: Option<i32>,
}

/// A shift (班次). On create `shift_name`, `punch_times` and `punch_time_rule` are required;
/// passing `id` edits that shift.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    /// The shift's id (output).
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub shift_id: Option<String>,
    /// Name, unique within the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_name: Option<String>,
    /// Historical field; `punch_time_rule` decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punch_times: Option<i32>,
    /// 班次负责人 (unused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_shift_leader_ids: Option<Vec<String>>,
    /// Flexible shift.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub is_flexible: Option<bool>,
    /// Flexible minutes for both directions, used when `flexible_rule` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flexible_minutes: Option<i32>,
    /// Flexible allowance per direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flexible_rule: Option<Vec<FlexibleRule>>,
    /// Shift level: no off-duty punch needed (the last pair).
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub no_need_off: Option<bool>,
    /// The on/off pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punch_time_rule: Option<Vec<PunchTimeRule>>,
    /// 晚走晚到 tiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_off_late_on_rule: Option<Vec<LateOffLateOnRule>>,
    /// Breaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_time_rule: Option<Vec<RestRule>>,
    /// Overtime periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overtime_rule: Option<Vec<OvertimeRule>>,
    /// 1 workday (default), 2 rest day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_type: Option<i32>,
    /// Breaks outside the shift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overtime_rest_time_rule: Option<Vec<RestRule>>,
    /// Shift-level serious-late threshold (wins over the pair's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_minutes_as_serious_late: Option<i32>,
    /// 半天分割.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_middle_time_rule: Option<ShiftMiddleTimeRule>,
    /// Attendance-time weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_attendance_time_config: Option<ShiftAttendanceTimeConfig>,
    /// 晚走晚到 bases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_off_late_on_setting: Option<LateOffLateOnSetting>,
    /// Input only: the id of the shift to edit.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Flexible breaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_time_flexible_configs: Option<Vec<RestTimeFlexibleConfig>>,
}

/// `data` of `POST /shifts`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateShiftData {
    /// The stored shift.
    #[serde(default)]
    pub shift: Shift,
}

/// `data` of `GET /shifts`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ListShiftData {
    /// This page of shifts.
    #[serde(default)]
    pub shift_list: Vec<Shift>,
    /// Token of the next page (only when `has_more`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// Whether more pages follow.
    #[serde(default)]
    pub has_more: bool,
}
