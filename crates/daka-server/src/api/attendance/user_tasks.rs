//! `user_tasks/query`: attendance results.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use daka_engine::SideOutcome;
use daka_store::apps::Caller;
use daka_store::people::{IdKind, Person};
use daka_store::punches::PunchView;
use daka_store::results::{day_date, last_stored_day, DayResult};
use daka_types::attendance::user_tasks::*;
use daka_types::Envelope;
use serde::Serialize;
use serde_json::value::RawValue;

use super::user_flows::flow_wire;
use super::{id_kind, user_ids};
use crate::error::{ApiError, ApiResult};
use crate::extract::{attendance_body, Params};
use crate::results_cache::{RenderedDay, RenderedTasks, TasksKey};
use crate::state::AppState;

/// Longest range one query may span, in days (Feishu documents none).
pub const MAX_QUERY_DAYS: i64 = 366;

fn day_field(field: &str, v: Option<i64>) -> ApiResult<i32> {
    let v = v.ok_or_else(|| ApiError::Invalid(format!("{field} is required")))?;
    day_date(v)
        .and_then(|_| i32::try_from(v).ok())
        .ok_or_else(|| ApiError::Invalid(format!("{field} must be a date as yyyyMMdd, got {v}")))
}

fn side_wire(
    side: &SideOutcome,
    punches: &HashMap<i64, PunchView>,
    kind: IdKind,
) -> (String, Option<daka_types::attendance::user_flows::UserFlow>) {
    match side.record_id {
        None => (String::new(), None),
        Some(id) => {
            let flow = punches.get(&id).map(|v| {
                let mut f = flow_wire(v, kind);
                f.check_result = Some(if side.serious_late { "SeriousLate" } else { side.result.as_str() }.to_owned());
                f
            });
            (id.to_string(), flow)
        }
    }
}

fn task_wire(
    r: &DayResult,
    user_id: &str,
    name: &str,
    overtime: bool,
    punches: &HashMap<i64, PunchView>,
    kind: IdKind,
) -> UserTask {
    let records = r
        .records
        .iter()
        .filter(|rec| overtime || rec.task_shift_type == 0)
        .map(|rec| {
            let (check_in_record_id, check_in_record) = side_wire(&rec.check_in, punches, kind);
            let (check_out_record_id, check_out_record) = side_wire(&rec.check_out, punches, kind);
            TaskResult {
                check_in_record_id,
                check_in_record,
                check_out_record_id,
                check_out_record,
                check_in_result: rec.check_in.result.as_str().to_owned(),
                check_out_result: rec.check_out.result.as_str().to_owned(),
                check_in_result_supplement: rec.check_in.supplement.as_str().to_owned(),
                check_out_result_supplement: rec.check_out.supplement.as_str().to_owned(),
                check_in_shift_time: rec.shift_on.to_string(),
                check_out_shift_time: rec.shift_off.to_string(),
                task_shift_type: i32::from(rec.task_shift_type),
            }
        })
        .collect();
    UserTask {
        result_id: r.result_id.map(|id| id.to_string()).unwrap_or_default(),
        user_id: user_id.to_owned(),
        employee_name: name.to_owned(),
        day: i64::from(r.day),
        group_id: r.group_id.clone(),
        shift_id: r.shift_id.clone(),
        records,
    }
}

/// The wire JSON of one day's result.
fn render(
    r: &DayResult,
    person: &Person,
    overtime: bool,
    punches: &HashMap<i64, PunchView>,
    kind: IdKind,
) -> ApiResult<Box<RawValue>> {
    let task = task_wire(r, person.id_of(kind), &person.name, overtime, punches, kind);
    serde_json::value::to_raw_value(&task).map_err(|e| ApiError::Internal(format!("rendering a result: {e}")))
}

/// The punches that `results` chose, by record id (one query).
async fn chosen_punches<'a>(
    state: &AppState,
    tenant_id: i64,
    results: impl Iterator<Item = &'a DayResult>,
) -> ApiResult<HashMap<i64, PunchView>> {
    let ids: Vec<i64> = results
        .flat_map(|r| r.records.iter().flat_map(|rec| [rec.check_in.record_id, rec.check_out.record_id]))
        .flatten()
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let found = state.store.punches_by_ids(tenant_id, &ids).await?;
    Ok(found.into_iter().map(|v| (v.punch.record_id, v)).collect())
}

/// The answer's data: rendered entries in request order, then the id lists.
#[derive(Serialize)]
struct RenderedData<'a> {
    user_task_results: Vec<&'a RawValue>,
    invalid_user_ids: Vec<String>,
    unauthorized_user_ids: Vec<String>,
}

/// `POST /user_tasks/query`: one result per person and day; ids naming nobody are listed in
/// `invalid_user_ids` when `ignore_invalid_users` is true, otherwise they fail the request.
///
/// Stored days are answered from [`crate::results_cache`] where the person's results revision
/// shows the rendering current; the others are read (and brought up to date) from the store,
/// rendered and kept. Days after the stored horizon are evaluated on every request.
pub async fn query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Response> {
    let kind = id_kind(params.employee_type()?);
    let ignore_invalid = params.bool("ignore_invalid_users")?.unwrap_or(false);
    let include_terminated = params.bool("include_terminated_user")?.unwrap_or(false);
    let req: QueryUserTaskRequest = attendance_body(&body)?;
    let ids = user_ids(req.user_ids, 50)?;
    let from = day_field("check_date_from", req.check_date_from)?;
    let to = day_field("check_date_to", req.check_date_to)?;
    let (Some(first), Some(last)) = (day_date(i64::from(from)), day_date(i64::from(to))) else {
        return Err(ApiError::Invalid("check_date_from/check_date_to are not valid dates".into()));
    };
    if first > last {
        return Err(ApiError::Invalid("check_date_from must not be after check_date_to".into()));
    }
    if (last - first).get_days() >= MAX_QUERY_DAYS as i32 {
        return Err(ApiError::Invalid(format!("check_date_from..check_date_to spans more than {MAX_QUERY_DAYS} days")));
    }
    let overtime = req.need_overtime_result.unwrap_or(false);
    let now = state.now();
    let (found, invalid) = super::people_named(&state, caller.tenant_id, kind, &ids, include_terminated).await?;
    if !invalid.is_empty() && !ignore_invalid {
        return Err(daka_store::Error::UnknownUsers(invalid).into());
    }
    let key = |p: &Person| TasksKey { person_id: p.id, kind, overtime };
    let stored_to = to.min(last_stored_day(now));
    let mut people: Vec<Person> = Vec::with_capacity(found.len());
    for (_, person) in &found {
        if !people.iter().any(|p| p.id == person.id) {
            people.push(person.clone());
        }
    }
    let mut stored: HashMap<i64, Arc<RenderedTasks>> = HashMap::new();
    let mut missing: Vec<Person> = Vec::new();
    for person in people.iter().filter(|_| from <= stored_to) {
        match state.results.get(&key(person), person.results_rev, from, stored_to, now) {
            Some(hit) => {
                stored.insert(person.id, hit);
            }
            None => missing.push(person.clone()),
        }
    }
    if !missing.is_empty() {
        let mut fresh = state.store.stored_results(&missing, from, stored_to, now).await?;
        let punches = chosen_punches(&state, caller.tenant_id, fresh.values().flatten()).await?;
        for person in &missing {
            let days = fresh
                .remove(&person.id)
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    let task = render(r, person, overtime, &punches, kind)?;
                    Ok(RenderedDay { day: r.day, changes_at: r.changes_at, task })
                })
                .collect::<ApiResult<Vec<_>>>()?;
            let tasks = RenderedTasks::new(person.results_rev, from, stored_to, days);
            stored.insert(person.id, state.results.insert(key(person), tasks));
        }
    }
    let mut projected: HashMap<i64, Vec<Box<RawValue>>> = HashMap::new();
    if to > stored_to {
        let results = state.store.projected_results(&people, from, to, now).await?;
        let punches = chosen_punches(&state, caller.tenant_id, results.values().flatten()).await?;
        for person in &people {
            for r in results.get(&person.id).into_iter().flatten() {
                projected.entry(person.id).or_default().push(render(r, person, overtime, &punches, kind)?);
            }
        }
    }
    let mut user_task_results: Vec<&RawValue> = Vec::new();
    for (_, person) in &found {
        if let Some(tasks) = stored.get(&person.id) {
            user_task_results.extend(tasks.between(from, stored_to).iter().map(|d| &*d.task));
        }
        user_task_results.extend(projected.get(&person.id).into_iter().flatten().map(|t| &**t));
    }
    let data = RenderedData { user_task_results, invalid_user_ids: invalid, unauthorized_user_ids: vec![] };
    let body = serde_json::to_vec(&Envelope::success(data))
        .map_err(|e| ApiError::Internal(format!("rendering results: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response())
}
