//! `user_flows`: import, get, query and delete punch records.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use daka_store::apps::Caller;
use daka_store::people::{IdKind, Person};
use daka_store::punches::{PunchImport, PunchView, Repeats};
use daka_types::attendance::user_flows::*;
use daka_types::Envelope;

use super::{id_kind, instant, known_people, user_ids};
use crate::error::{ApiError, ApiResult};
use crate::extract::{attendance_body, Params};
use crate::state::AppState;

/// Punches before this instant (2022-01-01T00:00:00Z) cannot be imported.
pub const EARLIEST_IMPORT: i64 = 1_640_995_200;
/// Most records one `batch_create` takes.
pub const MAX_FLOW_RECORDS: usize = 50;
/// Most ids one `batch_del` takes.
pub const MAX_DELETE: usize = 10;

/// The wire form of a stored punch, ids as `kind` says.
pub fn flow_wire(v: &PunchView, kind: IdKind) -> UserFlow {
    let p = &v.punch;
    UserFlow {
        user_id: Some(v.person.id_of(kind).to_owned()),
        creator_id: Some(v.creator.id_of(kind).to_owned()),
        location_name: Some(p.location_name.clone()),
        check_time: Some(p.check_time.to_string()),
        comment: Some(p.comment.clone()),
        record_id: Some(p.record_id.to_string()),
        ssid: Some(p.ssid.clone().unwrap_or_default()),
        bssid: Some(p.bssid.clone().unwrap_or_default()),
        is_field: Some(p.is_field),
        is_wifi: Some(p.is_wifi),
        r#type: Some(p.kind),
        photo_urls: Some(p.photo_urls.clone()),
        device_id: Some(p.device_id.clone().unwrap_or_default()),
        check_result: None,
        external_id: Some(p.external_id.clone().unwrap_or_default()),
        idempotent_id: Some(p.idempotent_id.clone().unwrap_or_default()),
        longitude: p.longitude,
        latitude: p.latitude,
    }
}

fn required(i: usize, field: &str, v: Option<String>) -> ApiResult<String> {
    v.ok_or_else(|| ApiError::Invalid(format!("flow_records[{i}].{field} is required")))
}

fn to_import(i: usize, r: UserFlow) -> ApiResult<PunchImport> {
    let user_id = required(i, "user_id", r.user_id)?;
    let creator_id = required(i, "creator_id", r.creator_id)?;
    let location_name = required(i, "location_name", r.location_name)?;
    let comment = required(i, "comment", r.comment)?;
    let check_time = instant(&format!("flow_records[{i}].check_time"), r.check_time.as_deref())?;
    if check_time < EARLIEST_IMPORT {
        return Err(ApiError::Invalid(format!(
            "flow_records[{i}].check_time {check_time} is before 2022-01-01: only later punches can be imported"
        )));
    }
    if user_id.is_empty() || creator_id.is_empty() {
        return Err(ApiError::Invalid(format!("flow_records[{i}].user_id and creator_id must not be empty")));
    }
    let kind = r.r#type.unwrap_or(0);
    if !(0..=7).contains(&kind) {
        return Err(ApiError::Invalid(format!("flow_records[{i}].type must be 0 to 7, got {kind}")));
    }
    Ok(PunchImport {
        user_id,
        creator_id,
        check_time,
        kind,
        location_name,
        comment,
        ssid: r.ssid.filter(|s| !s.is_empty()),
        bssid: r.bssid.filter(|s| !s.is_empty()),
        is_field: r.is_field.unwrap_or(false),
        is_wifi: r.is_wifi.unwrap_or(false),
        photo_urls: r.photo_urls.unwrap_or_default(),
        device_id: r.device_id.filter(|s| !s.is_empty()),
        external_id: r.external_id.filter(|s| !s.is_empty()),
        idempotent_id: r.idempotent_id.filter(|s| !s.is_empty()),
        longitude: r.longitude,
        latitude: r.latitude,
    })
}

/// `POST /user_flows/batch_create`. Structural errors reject the whole request; records whose
/// ids name nobody employed at their check time fail individually and are listed in `msg` as
/// `[user_id-creator_id, …]` (all failing: 1220004).
pub async fn batch_create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<BatchCreateUserFlowData>>> {
    let kind = id_kind(params.employee_type()?);
    let req: BatchCreateUserFlowRequest = attendance_body(&body)?;
    let records = req.flow_records.ok_or_else(|| ApiError::Invalid("flow_records is required".into()))?;
    if records.is_empty() {
        return Err(ApiError::Invalid("flow_records must not be empty".into()));
    }
    if records.len() > MAX_FLOW_RECORDS {
        return Err(ApiError::Generic("operate too much flow".into()));
    }
    let imports = records.into_iter().enumerate().map(|(i, r)| to_import(i, r)).collect::<ApiResult<Vec<_>>>()?;
    let outcome = state.store.import_punches(caller.tenant_id, kind, imports, Repeats::ByKey, state.now()).await?;
    let data = BatchCreateUserFlowData { flow_records: outcome.stored.iter().map(|v| flow_wire(v, kind)).collect() };
    let mut env = Envelope::success(data);
    if !outcome.failed.is_empty() {
        env.msg =
            format!("[{}]", outcome.failed.iter().map(|(u, c)| format!("{u}-{c}")).collect::<Vec<_>>().join(", "));
    }
    Ok(Json(env))
}

/// `GET /user_flows/:user_flow_id`.
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Envelope<UserFlow>>> {
    let kind = id_kind(params.employee_type()?);
    let record_id =
        id.parse::<i64>().map_err(|_| ApiError::Invalid(format!("user_flow_id {id:?} is not a record id")))?;
    let view = state
        .store
        .punch(caller.tenant_id, record_id)
        .await?
        .ok_or_else(|| ApiError::Generic("rule does not exist".into()))?;
    Ok(Json(Envelope::success(flow_wire(&view, kind))))
}

/// `POST /user_flows/query`: every punch of the people with `check_time_from <= check_time <=
/// check_time_to`, by check time.
pub async fn query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<QueryUserFlowData>>> {
    let kind = id_kind(params.employee_type()?);
    let include_terminated = params.bool("include_terminated_user")?.unwrap_or(false);
    let req: QueryUserFlowRequest = attendance_body(&body)?;
    let ids = user_ids(req.user_ids, 50)?;
    let from = instant("check_time_from", req.check_time_from.as_deref())?;
    let to = instant("check_time_to", req.check_time_to.as_deref())?;
    if from > to {
        return Err(ApiError::Invalid("check_time_from must not be after check_time_to".into()));
    }
    let people = known_people(&state, caller.tenant_id, kind, &ids, include_terminated).await?;
    let person_ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let punches = state.store.punches_of(&person_ids, from, to).await?;
    let mut named: HashMap<i64, Arc<Person>> = people.into_iter().map(|p| (p.id, Arc::new(p))).collect();
    let creators: Vec<i64> = punches.iter().map(|p| p.creator_id).filter(|c| !named.contains_key(c)).collect();
    for creator in state.store.people_with_ids(&creators).await? {
        named.insert(creator.id, Arc::new(creator));
    }
    let mut results = Vec::with_capacity(punches.len());
    for punch in punches {
        if let (Some(person), Some(creator)) = (named.get(&punch.person_id), named.get(&punch.creator_id)) {
            let view = PunchView { person: person.clone(), creator: creator.clone(), punch };
            results.push(flow_wire(&view, kind));
        }
    }
    Ok(Json(Envelope::success(QueryUserFlowData { user_flow_results: results })))
}

/// `POST /user_flows/batch_del`: deletes 1–10 imported records; `msg` maps each refused id to
/// the reason.
pub async fn batch_del(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Envelope<BatchDelUserFlowData>>> {
    let req: BatchDelUserFlowRequest = attendance_body(&body)?;
    let ids = req.record_ids.ok_or_else(|| ApiError::Invalid("record_ids is required".into()))?;
    if ids.is_empty() || ids.len() > MAX_DELETE {
        return Err(ApiError::Invalid(format!("record_ids must have 1 to {MAX_DELETE} entries, got {}", ids.len())));
    }
    let (deleted, failed) = state.store.delete_punches(caller.tenant_id, &ids, state.now()).await?;
    let mut env = Envelope::success(BatchDelUserFlowData {
        success_record_ids: deleted,
        fail_record_ids: failed.iter().map(|(id, _)| id.clone()).collect(),
    });
    if !failed.is_empty() {
        let reasons: serde_json::Map<String, serde_json::Value> =
            failed.into_iter().map(|(id, why)| (id, serde_json::Value::String(why))).collect();
        env.msg = serde_json::Value::Object(reasons).to_string();
    }
    Ok(Json(env))
}
