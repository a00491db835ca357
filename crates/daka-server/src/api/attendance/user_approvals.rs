//! `user_approvals`: write approved leaves, outs, trips and overtime works; query them.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::{Extension, Json};
use daka_store::approvals::{ApprovalKind, NewApproval, StoredApproval};
use daka_store::apps::Caller;
use daka_store::people::{IdKind, Person};
use daka_types::attendance::user_approvals::*;
use daka_types::Envelope;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::user_ids;
use super::user_task_remedys::day_field;
use crate::error::{ApiError, ApiResult};
use crate::extract::{attendance_body, Params};
use crate::state::AppState;

/// Longest span of one query: `check_date_to` at most this many days after `check_date_from`.
pub const MAX_QUERY_SPAN_DAYS: i64 = 30;

/// `employee_type` of the approval endpoints: `employee_id`, `employee_no` or `open_id`.
fn approval_id_kind(params: &Params) -> ApiResult<IdKind> {
    match params.get("employee_type") {
        None | Some("") => Err(ApiError::Invalid("employee_type is required".into())),
        Some("employee_id") => Ok(IdKind::UserId),
        Some("employee_no") => Ok(IdKind::EmployeeNo),
        Some("open_id") => Ok(IdKind::OpenId),
        Some(other) => {
            Err(ApiError::Invalid(format!("employee_type must be employee_id, employee_no or open_id, got {other:?}")))
        }
    }
}

fn require<T>(field: &str, v: &Option<T>) -> ApiResult<()> {
    match v {
        Some(_) => Ok(()),
        None => Err(ApiError::Invalid(format!("{field} is required"))),
    }
}

fn in_range(field: &str, v: Option<i32>, lo: i32, hi: i32) -> ApiResult<()> {
    match v {
        Some(x) if !(lo..=hi).contains(&x) => Err(ApiError::Invalid(format!("{field} must be {lo} to {hi}, got {x}"))),
        _ => Ok(()),
    }
}

fn new_item<T: Serialize>(
    kind: ApprovalKind,
    field: String,
    item: &T,
    start: &Option<String>,
    end: &Option<String>,
    key: &Option<String>,
) -> ApiResult<NewApproval> {
    let mut body = serde_json::to_value(item).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Value::Object(m) = &mut body {
        m.remove("approval_id");
    }
    Ok(NewApproval {
        kind,
        start_time: start.clone().unwrap_or_default(),
        end_time: end.clone().unwrap_or_default(),
        idempotent_id: key.clone().filter(|k| !k.is_empty()),
        body,
        field,
    })
}

fn items_of(a: &UserApproval) -> ApiResult<Vec<NewApproval>> {
    let mut out = Vec::new();
    for (i, l) in a.leaves.iter().flatten().enumerate() {
        let f = format!("user_approval.leaves[{i}]");
        for (name, present) in [
            ("unit", l.unit.is_some()),
            ("interval", l.interval.is_some()),
            ("start_time", l.start_time.is_some()),
            ("end_time", l.end_time.is_some()),
            ("i18n_names", l.i18n_names.is_some()),
            ("default_locale", l.default_locale.is_some()),
            ("reason", l.reason.is_some()),
        ] {
            if !present {
                return Err(ApiError::Invalid(format!("{f}.{name} is required")));
            }
        }
        in_range(&format!("{f}.unit"), l.unit, 1, 4)?;
        out.push(new_item(ApprovalKind::Leave, f, l, &l.start_time, &l.end_time, &l.idempotent_id)?);
    }
    for (i, o) in a.outs.iter().flatten().enumerate() {
        let f = format!("user_approval.outs[{i}]");
        for (name, present) in [
            ("uniq_id", o.uniq_id.is_some()),
            ("unit", o.unit.is_some()),
            ("interval", o.interval.is_some()),
            ("start_time", o.start_time.is_some()),
            ("end_time", o.end_time.is_some()),
            ("i18n_names", o.i18n_names.is_some()),
            ("default_locale", o.default_locale.is_some()),
            ("reason", o.reason.is_some()),
        ] {
            if !present {
                return Err(ApiError::Invalid(format!("{f}.{name} is required")));
            }
        }
        in_range(&format!("{f}.unit"), o.unit, 1, 4)?;
        out.push(new_item(ApprovalKind::Out, f, o, &o.start_time, &o.end_time, &o.idempotent_id)?);
    }
    for (i, t) in a.trips.iter().flatten().enumerate() {
        let f = format!("user_approval.trips[{i}]");
        require(&format!("{f}.start_time"), &t.start_time)?;
        require(&format!("{f}.end_time"), &t.end_time)?;
        require(&format!("{f}.reason"), &t.reason)?;
        out.push(new_item(ApprovalKind::Trip, f, t, &t.start_time, &t.end_time, &t.idempotent_id)?);
    }
    for (i, w) in a.overtime_works.iter().flatten().enumerate() {
        let f = format!("user_approval.overtime_works[{i}]");
        require(&format!("{f}.duration"), &w.duration)?;
        require(&format!("{f}.unit"), &w.unit)?;
        require(&format!("{f}.category"), &w.category)?;
        require(&format!("{f}.type"), &w.r#type)?;
        require(&format!("{f}.start_time"), &w.start_time)?;
        require(&format!("{f}.end_time"), &w.end_time)?;
        in_range(&format!("{f}.unit"), w.unit, 1, 4)?;
        in_range(&format!("{f}.category"), w.category, 1, 3)?;
        in_range(&format!("{f}.type"), w.r#type, 0, 3)?;
        out.push(new_item(ApprovalKind::Overtime, f, w, &w.start_time, &w.end_time, &w.idempotent_id)?);
    }
    Ok(out)
}

fn decode<T: DeserializeOwned>(a: &StoredApproval) -> ApiResult<T> {
    let mut body = a.body.clone();
    if let Value::Object(m) = &mut body {
        m.insert("approval_id".into(), Value::String(a.approval_id.to_string()));
    }
    serde_json::from_value(body).map_err(|e| ApiError::Internal(format!("approval {}: {e}", a.approval_id)))
}

/// Builds one `user_approval` from stored items.
fn approval_wire(user_id: &str, date: String, time_zone: String, items: &[StoredApproval]) -> ApiResult<UserApproval> {
    let mut out = UserApproval {
        user_id: Some(user_id.to_owned()),
        date: Some(date),
        time_zone: Some(time_zone),
        leaves: Some(Vec::new()),
        outs: Some(Vec::new()),
        trips: Some(Vec::new()),
        overtime_works: Some(Vec::new()),
    };
    for a in items {
        match a.kind {
            ApprovalKind::Leave => out.leaves.get_or_insert_default().push(decode(a)?),
            ApprovalKind::Out => out.outs.get_or_insert_default().push(decode(a)?),
            ApprovalKind::Trip => out.trips.get_or_insert_default().push(decode(a)?),
            ApprovalKind::Overtime => out.overtime_works.get_or_insert_default().push(decode(a)?),
        }
    }
    Ok(out)
}

/// `POST /user_approvals`: writes every item approved (status 2), append-only; a repeated
/// `idempotent_id` returns the stored item. Times are read in the person's group time zone
/// (Asia/Shanghai without a group); trips are whole days.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<CreateUserApprovalData>>> {
    let kind = approval_id_kind(&params)?;
    let req: CreateUserApprovalRequest = attendance_body(&body)?;
    let a = req.user_approval.ok_or_else(|| ApiError::Invalid("user_approval is required".into()))?;
    let user_id = a
        .user_id
        .clone()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ApiError::Invalid("user_approval.user_id is required".into()))?;
    let date_raw = a.date.clone().ok_or_else(|| ApiError::Invalid("user_approval.date is required".into()))?;
    let date = date_raw
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|d| day_field("user_approval.date", Some(d)).ok())
        .ok_or_else(|| ApiError::Invalid(format!("user_approval.date must be \"yyyyMMdd\", got {date_raw:?}")))?;
    let items = items_of(&a)?;
    if items.is_empty() {
        return Err(ApiError::Invalid(
            "user_approval must contain at least one of leaves, outs, trips, overtime_works".into(),
        ));
    }
    let (person, tz, stored) =
        state.store.create_approvals(caller.tenant_id, kind, &user_id, date, items, state.now()).await?;
    let mut wire = approval_wire(person.id_of(kind), date_raw.trim().to_owned(), tz, &stored)?;
    if a.leaves.is_none() {
        wire.leaves = None;
    }
    if a.outs.is_none() {
        wire.outs = None;
    }
    if a.trips.is_none() {
        wire.trips = None;
    }
    if a.overtime_works.is_none() {
        wire.overtime_works = None;
    }
    Ok(Json(Envelope::success(CreateUserApprovalData { user_approval: wire })))
}

/// "Tomorrow" for the `check_date_from` limit: the day after today in Asia/Shanghai.
fn tomorrow(now: i64) -> i32 {
    let tz = daka_store::shifts::zone(daka_store::plan::DEFAULT_TIME_ZONE);
    daka_store::shifts::add_days(daka_store::shifts::today_in(&tz, now), 1)
}

/// `POST /user_approvals/query`: approvals overlapping `check_date_from..=check_date_to` (at
/// most 30 days apart, `check_date_from` at most tomorrow) with the status (default 2), one
/// `user_approval` per person and approval date.
pub async fn query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<QueryUserApprovalData>>> {
    let kind = approval_id_kind(&params)?;
    let req: QueryUserApprovalRequest = attendance_body(&body)?;
    let ids = user_ids(req.user_ids, 50)?;
    let from = day_field("check_date_from", req.check_date_from)?;
    let to = day_field("check_date_to", req.check_date_to)?;
    let (Some(first), Some(last)) =
        (daka_store::results::day_date(i64::from(from)), daka_store::results::day_date(i64::from(to)))
    else {
        return Err(ApiError::Invalid("check_date_from/check_date_to are not valid dates".into()));
    };
    if first > last {
        return Err(ApiError::Invalid("check_date_from must not be after check_date_to".into()));
    }
    if i64::from((last - first).get_days()) > MAX_QUERY_SPAN_DAYS {
        return Err(ApiError::Invalid(format!(
            "check_date_to must be at most {MAX_QUERY_SPAN_DAYS} days after check_date_from"
        )));
    }
    let now = state.now();
    if from > tomorrow(now) {
        return Err(ApiError::Invalid(format!("check_date_from must not be after tomorrow ({})", tomorrow(now))));
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
    let mut people: Vec<(String, Person)> = Vec::new();
    let mut unknown = Vec::new();
    for id in &ids {
        match state.store.person_current(caller.tenant_id, kind, id).await? {
            Some(p) => people.push((id.clone(), p)),
            None => unknown.push(id.clone()),
        }
    }
    if !unknown.is_empty() {
        return Err(daka_store::Error::UnknownUsers(unknown).into());
    }
    let person_ids: Vec<i64> = people.iter().map(|(_, p)| p.id).collect();
    let found = state.store.approvals_of(&person_ids, from, to, status).await?;
    let mut user_approvals = Vec::new();
    for (id, person) in &people {
        let mut by_day: BTreeMap<(i32, String), Vec<StoredApproval>> = BTreeMap::new();
        for a in found.iter().filter(|a| a.person_id == person.id) {
            by_day.entry((a.approval_date, a.time_zone.clone())).or_default().push(a.clone());
        }
        for ((date, tz), items) in by_day {
            user_approvals.push(approval_wire(id, date.to_string(), tz, &items)?);
        }
    }
    Ok(Json(Envelope::success(QueryUserApprovalData { user_approvals })))
}
