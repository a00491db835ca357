//! The one place where every failure becomes a Feishu code, an HTTP status and a message.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Code of a response, kept as a response extension for metrics.
#[derive(Debug, Clone, Copy)]
pub struct FeishuCode(pub i64);

/// Every failure the API reports.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No `Authorization: Bearer` header (99991661).
    #[error("Missing access token for authorization. Please make a request with token attached.")]
    MissingToken,
    /// Unknown or expired token (99991663).
    #[error("Invalid access token for authorization. Please make a request with token attached.")]
    InvalidToken,
    /// The app lacks every scope the endpoint accepts (99991672).
    #[error("Access denied. One of the following scopes is required: [{}].", .0.join(", "))]
    ScopeDenied(&'static [&'static str]),
    /// Over the rate limit (99991400, HTTP 429).
    #[error("request trigger frequency limit")]
    RateLimited {
        /// Requests allowed per window.
        limit: u32,
        /// Seconds until the window resets.
        reset: u64,
    },
    /// No such endpoint.
    #[error("404 page not found: no such API endpoint")]
    UnknownPath,
    /// Endpoint exists but not for this method.
    #[error("405 method not allowed")]
    MethodNotAllowed,
    /// Token endpoint: wrong app id or secret (10014).
    #[error("app secret invalid")]
    BadCredentials,
    /// Token endpoint: malformed request (10003).
    #[error("{0}")]
    TokenParam(String),
    /// Attendance: invalid parameter, message names the field (1220001).
    #[error("{0}")]
    Invalid(String),
    /// Attendance: `employee_type` not employee_id/employee_no (1220003).
    #[error("user_id type is not employee_id or employee_no")]
    EmployeeType,
    /// Attendance: ids naming nobody (1220004).
    #[error("{0}")]
    UnknownUsers(String),
    /// Attendance: one of the documented 1220600 generic messages.
    #[error("{0}")]
    Generic(String),
    /// Shifts: the default shift cannot be changed or deleted (1226003).
    #[error("default shift are not allowed to change.")]
    DefaultShift,
    /// Remedy: nothing abnormal to remedy (1226501).
    #[error("{0}")]
    NoNeedRemedy(String),
    /// Remedy: the group does not allow it (1226502).
    #[error("{0}")]
    NotAllowedRemedy(String),
    /// Remedy: the remedy date is too far back (1226503).
    #[error("{0}")]
    RemedyBeyondRange(String),
    /// Remedy: the period's remedies are used up (1226504).
    #[error("{0}")]
    NoRemedyTimeLeft(String),
    /// Contact: field validation failed (99992402).
    #[error("field validation failed: {0}")]
    ContactInvalid(String),
    /// Contact: an id is taken by an employed person (41012).
    #[error("{0}")]
    ContactConflict(String),
    /// Contact: no such user (41050).
    #[error("{0}")]
    ContactNotFound(String),
    /// Anything else (1225000, HTTP 500); details are logged, not returned.
    #[error("internal server error")]
    Internal(String),
}

impl ApiError {
    /// Feishu code and HTTP status.
    pub fn code_and_status(&self) -> (i64, StatusCode) {
        use ApiError::*;
        match self {
            MissingToken => (99991661, StatusCode::BAD_REQUEST),
            InvalidToken => (99991663, StatusCode::BAD_REQUEST),
            ScopeDenied(_) => (99991672, StatusCode::BAD_REQUEST),
            RateLimited { .. } => (99991400, StatusCode::TOO_MANY_REQUESTS),
            UnknownPath => (404, StatusCode::NOT_FOUND),
            MethodNotAllowed => (405, StatusCode::METHOD_NOT_ALLOWED),
            BadCredentials => (10014, StatusCode::BAD_REQUEST),
            TokenParam(_) => (10003, StatusCode::BAD_REQUEST),
            Invalid(_) => (1220001, StatusCode::BAD_REQUEST),
            EmployeeType => (1220003, StatusCode::BAD_REQUEST),
            UnknownUsers(_) => (1220004, StatusCode::BAD_REQUEST),
            Generic(_) => (1220600, StatusCode::BAD_REQUEST),
            DefaultShift => (1226003, StatusCode::BAD_REQUEST),
            NoNeedRemedy(_) => (1226501, StatusCode::BAD_REQUEST),
            NotAllowedRemedy(_) => (1226502, StatusCode::BAD_REQUEST),
            RemedyBeyondRange(_) => (1226503, StatusCode::BAD_REQUEST),
            NoRemedyTimeLeft(_) => (1226504, StatusCode::BAD_REQUEST),
            ContactInvalid(_) => (99992402, StatusCode::BAD_REQUEST),
            ContactConflict(_) => (41012, StatusCode::BAD_REQUEST),
            ContactNotFound(_) => (41050, StatusCode::BAD_REQUEST),
            Internal(_) => (1225000, StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// Maps a store failure of a contact operation.
    pub fn contact(e: daka_store::Error) -> ApiError {
        use daka_store::Error as S;
        match e {
            S::Invalid(m) => ApiError::ContactInvalid(m),
            S::Conflict { field, value } => ApiError::ContactConflict(format!("{field} {value} already exists")),
            S::NotFound(what) => ApiError::ContactNotFound(format!("{what} not found")),
            other => ApiError::from(other),
        }
    }
}

impl From<daka_store::Error> for ApiError {
    fn from(e: daka_store::Error) -> Self {
        use daka_store::Error as S;
        match e {
            S::Invalid(m) => ApiError::Invalid(m),
            S::UnknownUsers(ids) => ApiError::UnknownUsers(format!(
                "user_id is not exist or does not have permission: [{}]",
                ids.join(", ")
            )),
            S::Conflict { .. } => ApiError::Generic("the object already exists".into()),
            S::NotFound(_) => ApiError::Generic("rule does not exist".into()),
            S::BadCredentials => ApiError::BadCredentials,
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, status) = self.code_and_status();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let msg = self.to_string();
        let body = match &self {
            ApiError::ScopeDenied(scopes) => json!({
                "code": code,
                "msg": msg,
                "error": {
                    "message": "Refer to the documentation to fix the error",
                    "permission_violations": scopes.iter().map(|s| json!({"type": "action_scope_required", "subject": s})).collect::<Vec<_>>(),
                },
            }),
            _ => json!({ "code": code, "msg": msg }),
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if let ApiError::RateLimited { limit, reset } = self {
            let headers = resp.headers_mut();
            headers.insert("x-ogw-ratelimit-limit", HeaderValue::from(limit));
            headers.insert("x-ogw-ratelimit-reset", HeaderValue::from(reset));
        }
        resp.extensions_mut().insert(FeishuCode(code));
        resp
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
