//! `attendance/v1` wire models, one module per upstream resource.

pub mod approval_infos;
pub mod groups;
pub mod shifts;
pub mod user_approvals;
pub mod user_daily_shifts;
pub mod user_flows;
pub mod user_task_remedys;
pub mod user_tasks;

use serde::{Deserialize, Serialize};

/// Which id `user_id`, `creator_id` and `user_ids` carry (the `employee_type` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmployeeType {
    /// The contact `user_id` (飞书管理后台 user ID).
    EmployeeId,
    /// The staff number (工号).
    EmployeeNo,
}

impl EmployeeType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EmployeeType::EmployeeId => "employee_id",
            EmployeeType::EmployeeNo => "employee_no",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "employee_id" => Some(EmployeeType::EmployeeId),
            "employee_no" => Some(EmployeeType::EmployeeNo),
            _ => None,
        }
    }
}
