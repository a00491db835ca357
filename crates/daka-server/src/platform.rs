//! Open-platform mechanics applied to every request: log ids, exact headers, metrics, bearer
//! auth, scopes and rate limits.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::endpoint;
use crate::error::{ApiError, FeishuCode};
use crate::state::AppState;

/// A Feishu-style log id: `yyyyMMddHHmmss` and 20 upper-case hex digits.
fn log_id() -> String {
    let now = jiff::Timestamp::now().strftime("%Y%m%d%H%M%S");
    let mut bytes = [0u8; 10];
    rand::fill(&mut bytes[..]);
    format!("{now}{}", hex::encode_upper(bytes))
}

/// Outermost layer: `X-Tt-Logid` and `Content-Type: application/json; charset=utf-8` on every
/// response, and request metrics.
pub async fn envelope(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let endpoint =
        req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let mut resp = next.run(req).await;
    let code =
        resp.extensions().get::<FeishuCode>().map(|c| c.0).unwrap_or(if resp.status().is_success() { 0 } else { -1 });
    state.metrics.observe(&endpoint, &method, code, started.elapsed().as_secs_f64());
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&log_id()) {
        headers.insert("x-tt-logid", v);
    }
    let is_text =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/"));
    if !is_text {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    }
    resp
}

/// Route layer: for endpoints in the endpoint table, checks the bearer token, the app's scopes
/// and the rate limit, then hands the [`daka_store::apps::Caller`] to the handler.
pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(path) = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()) else {
        return next.run(req).await;
    };
    let Some(ep) = endpoint(req.method(), &path) else {
        return next.run(req).await;
    };
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let Some(token) = token else { return ApiError::MissingToken.into_response() };
    let caller = match state.caller(&token).await {
        Ok(Some(c)) => c,
        Ok(None) => return ApiError::InvalidToken.into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    if !ep.scopes.iter().any(|s| caller.scopes.iter().any(|have| have == s)) {
        return ApiError::ScopeDenied(ep.scopes).into_response();
    }
    if let Err(e) = state.limiter.check(&caller.app_id, ep.name, ep.rate_cap) {
        return e.into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// Answer for paths no endpoint serves: JSON, never HTML.
pub async fn unknown_path() -> Response {
    ApiError::UnknownPath.into_response()
}

/// Answer for a known path with the wrong method.
pub async fn wrong_method() -> Response {
    ApiError::MethodNotAllowed.into_response()
}

/// `GET /healthz`.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match sqlx_ping(&state).await {
        Ok(()) => (StatusCode::OK, axum::Json(serde_json::json!({"status": "ok"}))).into_response(),
        Err(e) => {
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(serde_json::json!({"status": "unavailable", "error": e})))
                .into_response()
        }
    }
}

async fn sqlx_ping(state: &AppState) -> Result<(), String> {
    state.store.ping().await.map_err(|e| e.to_string())
}

/// `GET /metrics`, Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut resp = state.metrics.render().into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    resp
}
