//! `user_task_remedys`: create remedy (补卡) applications, query them, and list the sides a
//! person may still remedy.

use axum::body::Bytes;
use axum::extract::State;
use axum::{Extension, Json};
use daka_store::apps::Caller;
use daka_store::people::{IdKind, Person};
use daka_store::remedies::{NewRemedy, Remedy, RemedyError};
use daka_store::results::day_date;
use daka_types::attendance::user_task_remedys::*;
use daka_types::Envelope;

use super::{id_kind, instant, user_ids};
use crate::error::{ApiError, ApiResult};
use crate::extract::{attendance_body, Params};
use crate::state::AppState;

impl From<RemedyError> for ApiError {
    fn from(e: RemedyError) -> Self {
        let msg = e.to_string();
        match e {
            RemedyError::Store(s) => ApiError::from(s),
            RemedyError::NoNeedRemedy(_) => ApiError::NoNeedRemedy(msg),
            RemedyError::NotAllowed(_) => ApiError::NotAllowedRemedy(msg),
            RemedyError::BeyondRange(_) => ApiError::RemedyBeyondRange(msg),
            RemedyError::NoTimeLeft(_) => ApiError::NoRemedyTimeLeft(msg),
        }
    }
}

/// Checks a required `yyyyMMdd` day field.
pub fn day_field(field: &str, v: Option<i64>) -> ApiResult<i32> {
    let v = v.ok_or_else(|| ApiError::Invalid(format!("{field} is required")))?;
    day_date(v)
        .and_then(|_| i32::try_from(v).ok())
        .ok_or_else(|| ApiError::Invalid(format!("{field} must be a date as yyyyMMdd, got {v}")))
}

/// The wire form of a stored remedy.
pub fn remedy_wire(r: &Remedy, person: &Person, kind: IdKind) -> UserTaskRemedy {
    UserTaskRemedy {
        user_id: Some(person.id_of(kind).to_owned()),
        remedy_date: Some(i64::from(r.remedy_date)),
        punch_no: Some(r.punch_no),
        work_type: Some(r.work_type),
        approval_id: Some(r.approval_id.to_string()),
        remedy_time: Some(r.remedy_time()),
        status: Some(r.status),
        reason: Some(r.reason.clone()),
        time: Some(r.remedy_at.to_string()),
        time_zone: Some(r.time_zone.clone()),
        create_time: Some(r.created_at.to_string()),
        update_time: Some(r.updated_at.to_string()),
    }
}

/// `POST /user_task_remedys`: a pending remedy application (status 0) after the group's remedy
/// policy checks (1226501–1226504); `remedy_time` outside the side's remedy window is 1220001.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<CreateUserTaskRemedyData>>> {
    let kind = id_kind(params.employee_type()?);
    let req: UserTaskRemedy = attendance_body(&body)?;
    let user_id =
        req.user_id.filter(|u| !u.is_empty()).ok_or_else(|| ApiError::Invalid("user_id is required".into()))?;
    let remedy_date = day_field("remedy_date", req.remedy_date)?;
    let punch_no = req.punch_no.ok_or_else(|| ApiError::Invalid("punch_no is required".into()))?;
    if punch_no < 0 {
        return Err(ApiError::Invalid(format!("punch_no must be 0 (1st on/off pair) or more, got {punch_no}")));
    }
    let work_type = req.work_type.ok_or_else(|| ApiError::Invalid("work_type is required".into()))?;
    if !(0..=2).contains(&work_type) {
        return Err(ApiError::Invalid(format!("work_type must be 1 (on) or 2 (off), got {work_type}")));
    }
    let remedy_time = req.remedy_time.ok_or_else(|| ApiError::Invalid("remedy_time is required".into()))?;
    let reason = req.reason.ok_or_else(|| ApiError::Invalid("reason is required".into()))?;
    let new = NewRemedy { user_id, remedy_date, punch_no, work_type, remedy_time, reason };
    let (remedy, person) = state.store.create_remedy(caller.tenant_id, kind, new, state.now()).await?;
    Ok(Json(Envelope::success(CreateUserTaskRemedyData { user_remedy: remedy_wire(&remedy, &person, kind) })))
}

/// `POST /user_task_remedys/query`: remedies whose remedy time lies in
/// `[check_time_from, check_time_to]` (PeriodTime) with the given status (default 2).
pub async fn query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<QueryUserTaskRemedyData>>> {
    let kind = id_kind(params.employee_type()?);
    let req: QueryUserTaskRemedyRequest = attendance_body(&body)?;
    let ids = user_ids(req.user_ids, 50)?;
    let from = instant("check_time_from", req.check_time_from.as_deref())?;
    let to = instant("check_time_to", req.check_time_to.as_deref())?;
    if from > to {
        return Err(ApiError::Invalid("check_time_from must not be after check_time_to".into()));
    }
    match req.check_date_type.as_deref() {
        None | Some("") | Some("PeriodTime") => {}
        Some(other) => {
            return Err(ApiError::Invalid(format!("check_date_type {other:?} is not supported: only PeriodTime is")))
        }
    }
    let status = req.status.unwrap_or(2);
    if !(0..=4).contains(&status) {
        return Err(ApiError::Invalid(format!("status must be 0 to 4, got {status}")));
    }
    let people = super::known_people(&state, caller.tenant_id, kind, &ids, false).await?;
    let person_ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let remedies = state.store.remedies_of(&person_ids, from, to, status).await?;
    let user_remedys = remedies
        .iter()
        .filter_map(|r| people.iter().find(|p| p.id == r.person_id).map(|p| remedy_wire(r, p, kind)))
        .collect();
    Ok(Json(Envelope::success(QueryUserTaskRemedyData { user_remedys })))
}

/// `POST /user_task_remedys/query_user_allowed_remedys`: one entry per side that may still be
/// remedied, with the exact range of remedy times that would not give Lack.
pub async fn query_user_allowed_remedys(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<QueryUserAllowedRemedysData>>> {
    let kind = id_kind(params.employee_type()?);
    let req: QueryUserAllowedRemedysRequest = attendance_body(&body)?;
    let user_id =
        req.user_id.filter(|u| !u.is_empty()).ok_or_else(|| ApiError::Invalid("user_id is required".into()))?;
    let day = day_field("remedy_date", req.remedy_date)?;
    let person = state
        .store
        .person_current(caller.tenant_id, kind, &user_id)
        .await?
        .ok_or_else(|| ApiError::from(daka_store::Error::UnknownUsers(vec![user_id.clone()])))?;
    let allowed = state.store.allowed_remedies(&person, day, state.now()).await?;
    let user_allowed_remedys = allowed
        .iter()
        .map(|a| UserAllowedRemedy {
            user_id: user_id.clone(),
            remedy_date: i64::from(day),
            is_free_punch: Some(a.is_free_punch),
            punch_no: a.punch_no,
            work_type: a.work_type,
            punch_status: a.punch_status.as_str().to_owned(),
            normal_punch_time: a.format(a.normal_at),
            remedy_start_time: a.format(a.start_at),
            remedy_end_time: a.format(a.end_at),
        })
        .collect();
    Ok(Json(Envelope::success(QueryUserAllowedRemedysData { user_allowed_remedys })))
}
