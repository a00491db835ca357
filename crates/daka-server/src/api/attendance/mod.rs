//! `attendance/v1`, one module per upstream resource.

pub mod approval_infos;
pub mod groups;
pub mod shifts;
pub mod user_approvals;
pub mod user_daily_shifts;
pub mod user_flows;
pub mod user_task_remedys;
pub mod user_tasks;

use daka_store::people::{IdKind, Person};

use crate::error::ApiResult;
use crate::state::AppState;
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

/// The people each id names — its current holder, or every holder with `include_terminated` —
/// in request order with the id that named them, and the ids that name nobody.
pub async fn people_named(
    state: &AppState,
    tenant_id: i64,
    kind: IdKind,
    ids: &[String],
    include_terminated: bool,
) -> ApiResult<(Vec<(String, Person)>, Vec<String>)> {
    let named = state.store.people_for_ids(tenant_id, kind, ids, include_terminated).await?;
    let mut found = Vec::new();
    let mut unknown = Vec::new();
    for id in ids {
        match named.get(id) {
            Some(people) => found.extend(people.iter().map(|p| (id.clone(), p.clone()))),
            None => unknown.push(id.clone()),
        }
    }
    Ok((found, unknown))
}

/// As [`people_named`], but an id naming nobody fails the request (1220004).
pub async fn known_people(
    state: &AppState,
    tenant_id: i64,
    kind: IdKind,
    ids: &[String],
    include_terminated: bool,
) -> ApiResult<Vec<Person>> {
    let (found, unknown) = people_named(state, tenant_id, kind, ids, include_terminated).await?;
    if !unknown.is_empty() {
        return Err(daka_store::Error::UnknownUsers(unknown).into());
    }
    Ok(found.into_iter().map(|(_, p)| p).collect())
}
