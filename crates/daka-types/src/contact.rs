//! `contact/v3/users`: the subset daka serves so the official SDKs can manage people.

use serde::{Deserialize, Serialize};

/// A contact user. Only `user_id`, `open_id`, `union_id`, `name`, `employee_no` and `join_time`
/// carry meaning for daka; every other field the SDK sends is kept and echoed back.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct User {
    /// Tenant-scoped user id (= attendance `employee_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// App-scoped id, `ou_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// Developer-scoped id, `on_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub union_id: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Staff number (工号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_no: Option<String>,
    /// Start of employment, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_time: Option<i64>,
    /// Employment status, filled on responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
    /// Every other field, kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The `status` object of a contact user.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserStatus {
    /// Frozen.
    #[serde(default)]
    pub is_frozen: bool,
    /// Has left the company.
    #[serde(default)]
    pub is_resigned: bool,
    /// Activated.
    #[serde(default)]
    pub is_activated: bool,
    /// Quit voluntarily.
    #[serde(default)]
    pub is_exited: bool,
    /// Not yet joined.
    #[serde(default)]
    pub is_unjoin: bool,
}

/// `data` of create and get: `{"user": …}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserData {
    /// The user.
    #[serde(default)]
    pub user: User,
}
