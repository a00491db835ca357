//! `auth/v3`: `tenant_access_token/internal` and `app_access_token/internal`.

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use daka_store::apps::TokenKind;
use daka_types::auth::{AppAccessTokenResponse, InternalTokenRequest, TenantAccessTokenResponse};

use crate::error::{ApiError, ApiResult};
use crate::extract::decode;
use crate::state::AppState;

fn credentials(body: &[u8]) -> ApiResult<(String, String)> {
    let req: InternalTokenRequest = decode(body).map_err(ApiError::TokenParam)?;
    let app_id =
        req.app_id.filter(|s| !s.is_empty()).ok_or_else(|| ApiError::TokenParam("app_id is required".into()))?;
    let secret = req
        .app_secret
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::TokenParam("app_secret is required".into()))?;
    Ok((app_id, secret))
}

/// `POST /open-apis/auth/v3/tenant_access_token/internal`. The body is JSON whatever the
/// Content-Type header says (the Python SDK sends none).
pub async fn tenant_access_token(
    State(state): State<AppState>,
    body: Bytes,
) -> ApiResult<Json<TenantAccessTokenResponse>> {
    let (app_id, secret) = credentials(&body)?;
    let t = state.store.issue_token(&app_id, &secret, TokenKind::Tenant, state.now()).await?;
    Ok(Json(TenantAccessTokenResponse { code: 0, msg: "ok".into(), tenant_access_token: t.token, expire: t.expire }))
}

/// `POST /open-apis/auth/v3/app_access_token/internal`: the app token and, as the official page
/// lists, the tenant token.
pub async fn app_access_token(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<AppAccessTokenResponse>> {
    let (app_id, secret) = credentials(&body)?;
    let now = state.now();
    let app = state.store.issue_token(&app_id, &secret, TokenKind::App, now).await?;
    let tenant = state.store.issue_token(&app_id, &secret, TokenKind::Tenant, now).await?;
    Ok(Json(AppAccessTokenResponse {
        code: 0,
        msg: "ok".into(),
        app_access_token: app.token,
        tenant_access_token: tenant.token,
        expire: app.expire,
    }))
}
