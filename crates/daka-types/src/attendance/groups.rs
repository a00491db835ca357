//! `groups`: attendance groups (考勤组).
//!
//! Wire-name quirks (spec §1.5): `rest_clockIn_need_approval`, `clockIn_need_photo` and
//! `scope_group_list.custom_field_ID` are emitted with the documented spellings and also accepted
//! in the Python SDK's snake_case spellings.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::lenient::{opt_bool, opt_string_or_int};

/// Accepts an integer or a string of digits (days `yyyyMMdd`, months `yyyyMM`).
pub fn opt_i32_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IntOrStr {
        I(i64),
        S(String),
    }
    match Option::<IntOrStr>::deserialize(d)? {
        None => Ok(None),
        Some(IntOrStr::I(i)) => {
            i32::try_from(i).map(Some).map_err(|_| de::Error::custom(format!("{i} is out of range")))
        }
        Some(IntOrStr::S(s)) => {
            s.trim().parse::<i32>().map(Some).map_err(|_| de::Error::custom(format!("invalid integer {s:?}")))
        }
    }
}

/// `free_punch_cfg.punch_day`: seven digits Mon..Sun, 1 = work. Accepted as a string
/// (`"0111110"`) or an integer (`111110`, leading zeros restored); emitted as an integer like the
/// SDK models declare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PunchDay(pub String);

impl PunchDay {
    /// Whether the weekday (0 = Monday … 6 = Sunday) is a working day; `None` if malformed.
    pub fn works_on(&self, weekday_from_monday: usize) -> Option<bool> {
        match self.0.as_bytes().get(weekday_from_monday) {
            Some(b'1') => Some(true),
            Some(b'0') => Some(false),
            _ => None,
        }
    }

    /// Whether the value is exactly seven 0/1 digits.
    pub fn is_valid(&self) -> bool {
        self.0.len() == 7 && self.0.bytes().all(|b| b == b'0' || b == b'1')
    }
}

impl Serialize for PunchDay {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<i64>() {
            Ok(n) => s.serialize_i64(n),
            Err(_) => s.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for PunchDay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum IntOrStr {
            I(i64),
            S(String),
        }
        Ok(match IntOrStr::deserialize(d)? {
            IntOrStr::I(i) => PunchDay(format!("{i:07}")),
            IntOrStr::S(s) => PunchDay(s.trim().to_owned()),
        })
    }
}

/// A punch machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// Serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_sn: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_name: Option<String>,
}

/// A punch location.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Id (output).
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_name: Option<String>,
    /// 1 GPS, 2 Wi-Fi, 8 IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_type: Option<i32>,
    /// Latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Wi-Fi name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssid: Option<String>,
    /// Wi-Fi MAC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bssid: Option<String>,
    /// 1 AMap, 2 Google.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_type: Option<i32>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Extra information (e.g. carrier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// GPS range in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps_range: Option<i32>,
}

/// Free-group (自由班制) settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FreePunchCfg {
    /// Earliest punch, a clock string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_start_time: Option<String>,
    /// Latest punch, a clock string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_end_time: Option<String>,
    /// Working weekdays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punch_day: Option<PunchDay>,
    /// A workday without punches is Lack.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub work_day_no_punch_as_lack: Option<bool>,
    /// Working days must reach `work_hours`.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub work_hours_demand: Option<bool>,
    /// Required minutes per day, 0–1440.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_hours: Option<i32>,
    /// SDK-only clock settings, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_clock_setting: Option<serde_json::Value>,
}

/// A special date with its shift.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PunchSpecialDateShift {
    /// The date, `yyyyMMdd`.
    #[serde(default, deserialize_with = "opt_i32_lenient", skip_serializing_if = "Option::is_none")]
    pub punch_day: Option<i32>,
    /// The shift to use (`"0"` = rest).
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub shift_id: Option<String>,
}

/// `scope_group_list.right` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeRight {
    /// Key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `punch_member.scope_group_list` (a single object on the wire).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeGroup {
    /// 1 dept, 2 person, 3 region, 4 employee type, … 100 custom field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_value_type: Option<i32>,
    /// 1 include, 2 exclude, 3 eq, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_type: Option<i32>,
    /// Values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right: Option<Vec<ScopeRight>>,
    /// Department or person ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_ids: Option<Vec<String>>,
    /// Custom field id (also accepted as `custom_field_id`).
    #[serde(default, rename = "custom_field_ID", alias = "custom_field_id", skip_serializing_if = "Option::is_none")]
    pub custom_field_id: Option<String>,
    /// `"Employment"` or `"Person"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_field_obj_type: Option<String>,
}

/// A scope rule (`need_punch_members` / `no_need_punch_members` entry).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PunchMember {
    /// 0 none, 1 all, 2 custom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_scope_type: Option<i32>,
    /// The rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_group_list: Option<ScopeGroup>,
}

/// An attendance group (考勤组). Creating requires `group_name`, `time_zone`,
/// `group_leader_ids`, `group_type`, `punch_day_shift_ids` and `calendar_id`; passing `group_id`
/// overwrites that group (every field, except that `locations` are only appended).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// 考勤组 ID (output; pass it to overwrite).
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// IANA time zone; cannot change after creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Departments whose members must punch (stored, not expanded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_dept_ids: Option<Vec<String>>,
    /// Offline field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except_dept_ids: Option<Vec<String>>,
    /// Members who must punch, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_user_ids: Option<Vec<String>>,
    /// Offline field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except_user_ids: Option<Vec<String>>,
    /// 主负责人, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_leader_ids: Option<Vec<String>>,
    /// 子负责人, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_group_leader_ids: Option<Vec<String>>,
    /// Field (外勤) punches allowed.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub allow_out_punch: Option<bool>,
    /// Field punches need approval.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub out_punch_need_approval: Option<bool>,
    /// Field punches need post approval.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub out_punch_need_post_approval: Option<bool>,
    /// Field punches need a remark.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub out_punch_need_remark: Option<bool>,
    /// Field punches need a photo.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub out_punch_need_photo: Option<bool>,
    /// Field punches may hide the address.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub out_punch_allowed_hide_addr: Option<bool>,
    /// Field punches may adjust the address.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub out_punch_allowed_adjust_addr: Option<bool>,
    /// Adjust range in metres (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjust_range: Option<i32>,
    /// PC punches allowed.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub allow_pc_punch: Option<bool>,
    /// Remedies (补卡) allowed.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub allow_remedy: Option<bool>,
    /// Limit the number of remedies per period.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub remedy_limit: Option<bool>,
    /// Remedies per period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy_limit_count: Option<i32>,
    /// Only allow remedies within `remedy_date_num` days.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub remedy_date_limit: Option<bool>,
    /// Days within which remedies are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy_date_num: Option<i32>,
    /// Lack may be remedied.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub allow_remedy_type_lack: Option<bool>,
    /// Late may be remedied.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub allow_remedy_type_late: Option<bool>,
    /// Early may be remedied.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub allow_remedy_type_early: Option<bool>,
    /// Normal may be remedied.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub allow_remedy_type_normal: Option<bool>,
    /// Show cumulative time.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub show_cumulative_time: Option<bool>,
    /// Show overtime.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub show_over_time: Option<bool>,
    /// Hide staff punch details.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub hide_staff_punch_time: Option<bool>,
    /// Face recognition punches.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub face_punch: Option<bool>,
    /// 1 every punch, 2 on suspected cheating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_punch_cfg: Option<i32>,
    /// Action liveness check.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub face_live_need_action: Option<bool>,
    /// Allow a photo when face recognition fails.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub face_downgrade: Option<bool>,
    /// Allow replacing the base picture.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub replace_basic_pic: Option<bool>,
    /// Punch machines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machines: Option<Vec<Machine>>,
    /// GPS range in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps_range: Option<i32>,
    /// Punch locations; append-only on overwrite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<Location>>,
    /// 0 (or 1) fixed, 2 scheduling, 3 free; daka returns 0 for fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_type: Option<i32>,
    /// Fixed groups: exactly 7 shift ids Mon..Sun, `"0"` = rest; otherwise `[]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punch_day_shift_ids: Option<Vec<String>>,
    /// Free-group settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_punch_cfg: Option<FreePunchCfg>,
    /// 0 none, 1 China mainland, 2–5 other countries (stored; daka has no data, treated as none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_id: Option<i32>,
    /// Special dates that must be punched, with their shift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_punch_special_days: Option<Vec<PunchSpecialDateShift>>,
    /// Special dates that need no punching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_need_punch_special_days: Option<Vec<PunchSpecialDateShift>>,
    /// Free groups: a workday without punches is Lack.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub work_day_no_punch_as_lack: Option<bool>,
    /// Input: the change applies from today instead of tomorrow.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub effect_now: Option<bool>,
    /// 1 natural month, 2 custom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy_period_type: Option<i32>,
    /// Custom period start day, 0–28.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy_period_custom_date: Option<i32>,
    /// Bitmask: 1 GPS, 2 Wi-Fi, 4 machine, 8 IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punch_type: Option<i32>,
    /// Output: when the rules take effect, Unix seconds.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub effect_time: Option<String>,
    /// Output: when the fixed shifts take effect, Unix seconds.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub fixshift_effect_time: Option<String>,
    /// Output: when the member change takes effect, Unix seconds.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub member_effect_time: Option<String>,
    /// Rest-day punches need approval (also accepted as `rest_clock_in_need_approval`).
    #[serde(
        default,
        rename = "rest_clockIn_need_approval",
        alias = "rest_clock_in_need_approval",
        deserialize_with = "opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub rest_clock_in_need_approval: Option<bool>,
    /// Every punch needs a photo (also accepted as `clock_in_need_photo`).
    #[serde(
        default,
        rename = "clockIn_need_photo",
        alias = "clock_in_need_photo",
        deserialize_with = "opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub clock_in_need_photo: Option<bool>,
    /// Hire/termination-day exemptions, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_status_change: Option<serde_json::Value>,
    /// Leaving for or returning from leave needs a punch.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub leave_need_punch: Option<bool>,
    /// Leave punch rules, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_need_punch_cfg: Option<serde_json::Value>,
    /// 0 no, 1 at shift times, 2 before leaving / after returning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_out_need_punch: Option<i32>,
    /// Out punch rules, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_out_need_punch_cfg: Option<serde_json::Value>,
    /// 0 no, 1 at shift times, 2 before leaving / after returning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travel_need_punch: Option<i32>,
    /// Trip punch rules, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travel_need_punch_cfg: Option<serde_json::Value>,
    /// Must-punch scope rules (used when `bind_*` ids are absent; stored, not evaluated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_punch_members: Option<Vec<PunchMember>>,
    /// Need-not-punch scope rules (stored, not evaluated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_need_punch_members: Option<Vec<PunchMember>>,
    /// Move conflicting members automatically.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub save_auto_changes: Option<bool>,
    /// Org changes join automatically.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub org_change_auto_adjust: Option<bool>,
    /// Departments whose members need not punch (stored, not expanded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_default_dept_ids: Option<Vec<String>>,
    /// Members who need not punch, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_default_user_ids: Option<Vec<String>>,
    /// Overtime punch settings, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overtime_clock_cfg: Option<serde_json::Value>,
    /// Custom holiday calendar id (`daka calendars`).
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub new_calendar_id: Option<String>,
    /// Punch applications allowed when the location is inaccurate.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub allow_apply_punch: Option<bool>,
    /// Abnormal punch settings, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_in_abnormal_settings: Option<serde_json::Value>,
    /// Hide the clock-in rule.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub hide_clock_in_rule: Option<bool>,
    /// Anti-cheat settings, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anti_cheat_punch_config: Option<serde_json::Value>,
}

/// Body of `POST /groups`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateGroupRequest {
    /// The group.
    #[serde(default)]
    pub group: Option<Group>,
    /// Operator, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
}

/// `data` of `POST /groups`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateGroupData {
    /// The stored group.
    #[serde(default)]
    pub group: Group,
}

/// `{group_id, group_name}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMeta {
    /// Id.
    #[serde(default)]
    pub group_id: String,
    /// Name.
    #[serde(default)]
    pub group_name: String,
}

/// Body of `POST /groups/search`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SearchGroupRequest {
    /// Name to look for.
    #[serde(default)]
    pub group_name: Option<String>,
    /// True: exact name match; false/absent: name contains it.
    #[serde(default, deserialize_with = "opt_bool")]
    pub exactly_matched: Option<bool>,
}

/// `data` of `POST /groups/search` (and of `GET /groups`, with paging).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupListData {
    /// Groups.
    #[serde(default)]
    pub group_list: Vec<GroupMeta>,
    /// Token of the next page (only when `has_more`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// Whether more pages follow (`GET /groups` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
}

/// `{user_id, department_ids}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserBase {
    /// The member, as `employee_type` says.
    #[serde(default)]
    pub user_id: String,
    /// The member's departments (direct department first).
    #[serde(default)]
    pub department_ids: Vec<String>,
}

/// `data` of `GET /groups/:group_id/list_user`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ListGroupUserData {
    /// Members.
    #[serde(default)]
    pub users: Vec<UserBase>,
    /// Token of the next page (only when `has_more`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// Whether more pages follow.
    #[serde(default)]
    pub has_more: bool,
}
