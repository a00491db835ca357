//! `approval_infos/process`: status changes of remedies and approvals.

use serde::{Deserialize, Serialize};

use crate::lenient::opt_string_or_int;

/// Body of `POST /approval_infos/process`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProcessApprovalInfoRequest {
    /// The approval's id.
    #[serde(default, deserialize_with = "opt_string_or_int")]
    pub approval_id: Option<String>,
    /// `leave`, `out`, `overtime`, `trip` or `remedy`.
    #[serde(default)]
    pub approval_type: Option<String>,
    /// 1 rejected, 2 approved, 4 withdrawn / revoked.
    #[serde(default)]
    pub status: Option<i32>,
}

/// An approval's new status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApprovalInfo {
    /// The approval's id.
    #[serde(default)]
    pub approval_id: String,
    /// Its type.
    #[serde(default)]
    pub approval_type: String,
    /// 0 pending, 1 rejected, 2 approved, 3 cancelled, 4 withdrawn.
    #[serde(default)]
    pub status: i32,
}

/// `data` of `approval_infos/process`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProcessApprovalInfoData {
    /// The approval after the change.
    #[serde(default)]
    pub approval_info: ApprovalInfo,
}
