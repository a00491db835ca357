//! `contact/v3/users`: create, get and delete (the person leaves; their data is kept).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use daka_store::apps::Caller;
use daka_store::people::{IdKind, NewPerson, Person};
use daka_types::contact::{User, UserData, UserStatus};
use daka_types::envelope::Empty;
use daka_types::Envelope;

use crate::error::{ApiError, ApiResult};
use crate::extract::{decode, Params};
use crate::state::AppState;

fn id_kind(params: &Params) -> ApiResult<IdKind> {
    match params.get("user_id_type").unwrap_or("open_id") {
        "open_id" | "" => Ok(IdKind::OpenId),
        "user_id" => Ok(IdKind::UserId),
        "union_id" => Ok(IdKind::UnionId),
        other => Err(ApiError::ContactInvalid(format!("user_id_type {other:?} must be open_id, union_id or user_id"))),
    }
}

/// The wire form of a person.
pub fn user_wire(p: &Person) -> User {
    User {
        user_id: Some(p.user_id.clone()),
        open_id: Some(p.open_id.clone()),
        union_id: Some(p.union_id.clone()),
        name: Some(p.name.clone()),
        employee_no: p.employee_no.clone(),
        join_time: p.join_time,
        status: Some(UserStatus {
            is_resigned: p.left_at.is_some(),
            is_activated: p.left_at.is_none(),
            ..UserStatus::default()
        }),
        extra: p.attrs.clone(),
    }
}

/// `POST /open-apis/contact/v3/users`.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<UserData>>> {
    id_kind(&params)?;
    let user: User = decode(&body).map_err(ApiError::ContactInvalid)?;
    let name = user
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::ContactInvalid("name is required".into()))?;
    let new = NewPerson {
        user_id: user.user_id,
        name,
        employee_no: user.employee_no,
        join_time: user.join_time,
        attrs: user.extra,
    };
    let person = state.store.create_person(caller.tenant_id, new, state.now()).await.map_err(ApiError::contact)?;
    Ok(Json(Envelope::success(UserData { user: user_wire(&person) })))
}

async fn find(state: &AppState, caller: &Caller, kind: IdKind, id: &str) -> ApiResult<Person> {
    state
        .store
        .person_current(caller.tenant_id, kind, id)
        .await
        .map_err(ApiError::contact)?
        .ok_or_else(|| ApiError::ContactNotFound(format!("user {id} not found")))
}

/// `GET /open-apis/contact/v3/users/:user_id`.
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(user_id): Path<String>,
    params: Params,
) -> ApiResult<Json<Envelope<UserData>>> {
    let person = find(&state, &caller, id_kind(&params)?, &user_id).await?;
    Ok(Json(Envelope::success(UserData { user: user_wire(&person) })))
}

/// `DELETE /open-apis/contact/v3/users/:user_id`: the person leaves now. The body the SDK may
/// send (data transfer options) is accepted and ignored.
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(user_id): Path<String>,
    params: Params,
) -> ApiResult<Json<Envelope<Empty>>> {
    let kind = id_kind(&params)?;
    let person = find(&state, &caller, kind, &user_id).await?;
    state
        .store
        .terminate_person(caller.tenant_id, kind, person.id_of(kind), state.now())
        .await
        .map_err(ApiError::contact)?;
    Ok(Json(Envelope::success(Empty {})))
}
