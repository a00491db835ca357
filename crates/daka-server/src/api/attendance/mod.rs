//! `attendance/v1`, one module per upstream resource.

pub mod approval_infos;
pub mod groups;
pub mod shifts;
pub mod user_approvals;
pub mod user_daily_shifts;
pub mod user_flows;
pub mod user_task_remedys;
pub mod user_tasks;

use daka_store::people::IdKind;
use daka_types::attendance::EmployeeType;

/// The person attribute an `employee_type` names.
pub fn id_kind(t: EmployeeType) -> IdKind {
    match t {
        EmployeeType::EmployeeId => IdKind::UserId,
        EmployeeType::EmployeeNo => IdKind::EmployeeNo,
    }
}

/// Checks a `user_ids` list: present, at most `max` entries.
pub fn user_ids(ids: Option<Vec<String>>, max: usize) -> Result<Vec<String>, crate::error::ApiError> {
    let ids = ids.ok_or_else(|| crate::error::ApiError::Invalid("user_ids is required".into()))?;
    if ids.len() > max {
        return Err(crate::error::ApiError::Invalid(format!(
            "user_ids has {} entries, at most {max} are allowed",
            ids.len()
        )));
    }
    Ok(ids)
}

/// Parses a required instant field (a string of Unix seconds).
pub fn instant(field: &str, value: Option<&str>) -> Result<i64, crate::error::ApiError> {
    let v = value.ok_or_else(|| crate::error::ApiError::Invalid(format!("{field} is required")))?;
    v.trim()
        .parse::<i64>()
        .ok()
        .filter(|t| (0..=253_402_300_799).contains(t))
        .ok_or_else(|| crate::error::ApiError::Invalid(format!("{field} must be a string of Unix seconds, got {v:?}")))
}
