//! `user_flows`: punch records (打卡流水).

use serde::{Deserialize, Serialize};

use crate::lenient::{opt_bool, opt_string_or_int};

/// A punch record (`user_flow`). On import `user_id`, `creator_id`, `location_name`,
/// `check_time` and `comment` are required; `record_id`, `device_id` and `check_result` are
/// ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserFlow {
    /// The person, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Who created the record, as `employee_type` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<String>,
    /// Where the punch was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_name: Option<String>,
    /// Instant of the punch, a string of Unix seconds.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub check_time: Option<String>,
    /// Free-text remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The record's id, a 19-digit decimal string.
    #[serde(default, deserialize_with = "opt_string_or_int", skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// Wi-Fi SSID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssid: Option<String>,
    /// Wi-Fi MAC address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bssid: Option<String>,
    /// A field (外勤) punch.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub is_field: Option<bool>,
    /// A Wi-Fi punch.
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub is_wifi: Option<bool>,
    /// How the record came to be (0 user, 1 manager, 2 remedy, … 7 open-platform import).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<i32>,
    /// Photo URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_urls: Option<Vec<String>>,
    /// Punch device id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Result of the punch; only informative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_result: Option<String>,
    /// The caller's own id of the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Idempotency key: a retried record with the same key returns the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_id: Option<String>,
    /// Longitude (SDK-only field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Latitude (SDK-only field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
}

/// Body of `POST /user_flows/batch_create`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BatchCreateUserFlowRequest {
    /// At most 50 records.
    #[serde(default)]
    pub flow_records: Option<Vec<UserFlow>>,
}

/// `data` of `batch_create`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BatchCreateUserFlowData {
    /// The stored records, each with its `record_id`.
    #[serde(default)]
    pub flow_records: Vec<UserFlow>,
}

/// Body of `POST /user_flows/query`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryUserFlowRequest {
    /// At most 50 ids, as `employee_type` says.
    #[serde(default)]
    pub user_ids: Option<Vec<String>>,
    /// Start instant, Unix seconds (inclusive).
    #[serde(default, deserialize_with = "opt_string_or_int")]
    pub check_time_from: Option<String>,
    /// End instant, Unix seconds (inclusive).
    #[serde(default, deserialize_with = "opt_string_or_int")]
    pub check_time_to: Option<String>,
}

/// `data` of `user_flows/query`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryUserFlowData {
    /// Matching records, by check time.
    #[serde(default)]
    pub user_flow_results: Vec<UserFlow>,
}

/// Body of `POST /user_flows/batch_del`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BatchDelUserFlowRequest {
    /// 1–10 record ids.
    #[serde(default)]
    pub record_ids: Option<Vec<String>>,
}

/// `data` of `batch_del`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BatchDelUserFlowData {
    /// Deleted ids.
    #[serde(default)]
    pub success_record_ids: Vec<String>,
    /// Ids not deleted; `msg` says why for each.
    #[serde(default)]
    pub fail_record_ids: Vec<String>,
}
