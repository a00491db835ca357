//! `shifts`: create/edit, delete, get, query by name, list.
//!
//! `no_need_on` / `no_need_off` are returned with the meaning they have on create (true = no
//! punch needed): daka does not apply the read-side inversion the Feishu read pages describe,
//! so a shift round-trips unchanged. A duplicate `shift_name` answers 1220600 "the object
//! already exists".

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use daka_store::apps::Caller;
use daka_store::shifts::RuleError;
use daka_types::attendance::shifts::*;
use daka_types::envelope::Empty;
use daka_types::Envelope;

use crate::error::{ApiError, ApiResult};
use crate::extract::{attendance_body, Params};
use crate::state::AppState;

impl From<RuleError> for ApiError {
    fn from(e: RuleError) -> Self {
        match e {
            RuleError::Store(e) => ApiError::from(e),
            RuleError::DefaultShift => ApiError::DefaultShift,
            other => ApiError::Generic(other.to_string()),
        }
    }
}

/// `page_size` (1–50, default 10).
pub fn page_size(params: &Params) -> ApiResult<usize> {
    match params.get("page_size").map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(10),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=50).contains(n))
            .ok_or_else(|| ApiError::Invalid(format!("page_size must be 1 to 50, got {v:?}"))),
    }
}

/// Checks an optional `employee_type` (it only names ids of unused fields here).
fn optional_employee_type(params: &Params) -> ApiResult<()> {
    match params.get("employee_type") {
        None | Some("") => Ok(()),
        Some(_) => params.employee_type().map(|_| ()),
    }
}

fn shift_id(raw: &str) -> ApiResult<i64> {
    raw.trim().parse::<i64>().map_err(|_| ApiError::Invalid(format!("shift_id {raw:?} is not a shift id")))
}

/// `POST /shifts`: creates a shift, or edits the one `id` names (from today on).
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<CreateShiftData>>> {
    optional_employee_type(&params)?;
    let shift: Shift = attendance_body(&body)?;
    let shift = state.store.save_shift(caller.tenant_id, shift, state.now()).await?;
    Ok(Json(Envelope::success(CreateShiftData { shift })))
}

/// `DELETE /shifts/:shift_id`.
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Envelope<Empty>>> {
    state.store.delete_shift(caller.tenant_id, shift_id(&id)?, state.now()).await?;
    Ok(Json(Envelope::success(Empty {})))
}

/// `GET /shifts/:shift_id` (`9` is the default shift).
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Envelope<Shift>>> {
    let shift = state
        .store
        .shift(caller.tenant_id, shift_id(&id)?)
        .await?
        .ok_or_else(|| ApiError::Generic("shift does not exist".into()))?;
    Ok(Json(Envelope::success(shift)))
}

/// `POST /shifts/query?shift_name=`.
pub async fn query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Json<Envelope<Shift>>> {
    let name = params
        .get("shift_name")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::Invalid("shift_name is required".into()))?;
    let shift = state
        .store
        .shift_by_name(caller.tenant_id, name)
        .await?
        .ok_or_else(|| ApiError::Generic("shift does not exist".into()))?;
    Ok(Json(Envelope::success(shift)))
}

/// `GET /shifts?page_size&page_token`.
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Json<Envelope<ListShiftData>>> {
    let size = page_size(&params)?;
    let page = state.store.list_shifts(caller.tenant_id, size, params.get("page_token")).await?;
    Ok(Json(Envelope::success(ListShiftData {
        shift_list: page.items,
        has_more: page.next.is_some(),
        page_token: page.next,
    })))
}
