//! `groups`: create/overwrite, delete, get, search, list, list members.
//!
//! Changes apply from tomorrow in the group's time zone, or today with `effect_now`; a new group
//! applies to earlier days too (see `daka_store::groups`). `group_type` 1 is accepted as fixed
//! and returned as 0. `operator_id` is accepted and not checked.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use daka_store::apps::Caller;
use daka_types::attendance::groups::*;
use daka_types::envelope::Empty;
use daka_types::Envelope;

use super::id_kind;
use super::shifts::page_size;
use crate::error::{ApiError, ApiResult};
use crate::extract::{attendance_body, Params};
use crate::state::AppState;

/// Checks `dept_type` when given: only `open_id` is supported.
fn dept_type(params: &Params) -> ApiResult<()> {
    match params.get("dept_type") {
        None | Some("") | Some("open_id") => Ok(()),
        Some(v) => Err(ApiError::Invalid(format!("dept_type must be open_id, got {v:?}"))),
    }
}

fn group_id(raw: &str) -> ApiResult<i64> {
    raw.trim().parse::<i64>().map_err(|_| ApiError::Generic("rule not exist".into()))
}

/// `POST /groups?employee_type&dept_type`: creates a group, or overwrites the one `group_id`
/// names.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<CreateGroupData>>> {
    let kind = id_kind(params.employee_type()?);
    dept_type(&params)?;
    let req: CreateGroupRequest = attendance_body(&body)?;
    let group = req.group.ok_or_else(|| ApiError::Invalid("group is required".into()))?;
    let view = state.store.save_group(caller.tenant_id, kind, group, state.now()).await?;
    Ok(Json(Envelope::success(CreateGroupData { group: view.to_wire(kind) })))
}

/// `DELETE /groups/:group_id`: the members are in no group from today on.
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Envelope<Empty>>> {
    state.store.delete_group(caller.tenant_id, group_id(&id)?, state.now()).await?;
    Ok(Json(Envelope::success(Empty {})))
}

/// `GET /groups/:group_id?employee_type&dept_type`: the latest rules and current members.
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Envelope<Group>>> {
    let kind = id_kind(params.employee_type()?);
    dept_type(&params)?;
    let view = state
        .store
        .group(caller.tenant_id, group_id(&id)?)
        .await?
        .ok_or_else(|| ApiError::Generic("rule not exist".into()))?;
    Ok(Json(Envelope::success(view.to_wire(kind))))
}

/// `POST /groups/search`: name contains `group_name` (equals it with `exactly_matched`), most
/// recently modified first, at most 10.
pub async fn search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Envelope<GroupListData>>> {
    let req: SearchGroupRequest = attendance_body(&body)?;
    let name =
        req.group_name.filter(|n| !n.is_empty()).ok_or_else(|| ApiError::Invalid("group_name is required".into()))?;
    let list = state.store.search_groups(caller.tenant_id, &name, req.exactly_matched.unwrap_or(false)).await?;
    Ok(Json(Envelope::success(GroupListData { group_list: list, page_token: None, has_more: None })))
}

/// `GET /groups?page_size&page_token`.
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Json<Envelope<GroupListData>>> {
    let size = page_size(&params)?;
    let page = state.store.list_groups(caller.tenant_id, size, params.get("page_token")).await?;
    Ok(Json(Envelope::success(GroupListData {
        group_list: page.items,
        has_more: Some(page.next.is_some()),
        page_token: page.next,
    })))
}

/// `GET /groups/:group_id/list_user?employee_type&dept_type&member_clock_type&page_size&page_token`:
/// current members (0 all, 1 must punch, 2 need not punch). `department_ids` come from the
/// person's contact `department_ids`.
pub async fn list_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Envelope<ListGroupUserData>>> {
    let kind = id_kind(params.employee_type()?);
    dept_type(&params)?;
    let clock_type = match params.get("member_clock_type").map(str::trim) {
        None | Some("") => 0,
        Some(v) => v
            .parse::<i32>()
            .ok()
            .filter(|t| (0..=2).contains(t))
            .ok_or_else(|| ApiError::Invalid(format!("member_clock_type must be 0, 1 or 2, got {v:?}")))?,
    };
    let size = page_size(&params)?;
    let page = state
        .store
        .list_group_users(caller.tenant_id, group_id(&id)?, clock_type, size, params.get("page_token"))
        .await?
        .ok_or_else(|| ApiError::Generic("rule not exist".into()))?;
    let users = page
        .items
        .iter()
        .map(|p| UserBase {
            user_id: p.id_of(kind).to_owned(),
            department_ids: p
                .attrs
                .get("department_ids")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|d| d.as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
        })
        .collect();
    Ok(Json(Envelope::success(ListGroupUserData { users, has_more: page.next.is_some(), page_token: page.next })))
}
