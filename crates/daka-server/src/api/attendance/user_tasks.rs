//! `user_tasks/query`: attendance results.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::{Extension, Json};
use daka_engine::SideOutcome;
use daka_store::apps::Caller;
use daka_store::people::IdKind;
use daka_store::punches::PunchView;
use daka_store::results::{day_date, DayResult};
use daka_types::attendance::user_tasks::*;
use daka_types::Envelope;

use super::user_flows::flow_wire;
use super::{id_kind, user_ids};
use crate::error::{ApiError, ApiResult};
use crate::extract::{attendance_body, Params};
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

/// `POST /user_tasks/query`: one result per person and day; ids naming nobody are listed in
/// `invalid_user_ids` when `ignore_invalid_users` is true, otherwise they fail the request.
pub async fn query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<QueryUserTaskData>>> {
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
    let people: Vec<_> = found.iter().map(|(_, p)| p.clone()).collect();
    let mut by_person = state.store.results_for_many(&people, from, to, now).await?;
    let mut results = Vec::new();
    for (id, person) in &found {
        for r in by_person.remove(&person.id).unwrap_or_default() {
            results.push((id, person, r));
        }
    }
    let record_ids: Vec<i64> = results
        .iter()
        .flat_map(|(_, _, r)| r.records.iter().flat_map(|rec| [rec.check_in.record_id, rec.check_out.record_id]))
        .flatten()
        .collect();
    let punches: HashMap<i64, PunchView> = state
        .store
        .punches_by_ids(caller.tenant_id, &record_ids)
        .await?
        .into_iter()
        .map(|v| (v.punch.record_id, v))
        .collect();
    let user_task_results =
        results.iter().map(|(id, person, r)| task_wire(r, id, &person.name, overtime, &punches, kind)).collect();
    Ok(Json(Envelope::success(QueryUserTaskData {
        user_task_results,
        invalid_user_ids: invalid,
        unauthorized_user_ids: vec![],
    })))
}
