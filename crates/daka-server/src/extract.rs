//! Decoding requests the way the official SDKs send them: JSON bodies without a Content-Type
//! header, booleans in the query as `true` or `True`.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use daka_types::attendance::EmployeeType;
use daka_types::lenient::parse_bool;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Decodes a JSON body (an empty body counts as `{}`); the error names the offending field path.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            format!("request body is not valid: {inner}")
        } else {
            format!("{path}: {inner}")
        }
    })
}

/// Decodes an attendance request body (failures are 1220001).
pub fn attendance_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    decode(body).map_err(ApiError::Invalid)
}

/// Query-string parameters.
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state).await.unwrap_or(RawQuery(None));
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::Invalid(format!("query string is not valid: {e}")))?;
        Ok(Params(pairs.into_iter().collect()))
    }
}

impl Params {
    /// A parameter's raw value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// An optional boolean parameter (`true`, `True`, `false`, `False`, `1`, `0`).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => parse_bool(v)
                .map(Some)
                .ok_or_else(|| ApiError::Invalid(format!("{name} must be true or false, got {v:?}"))),
        }
    }

    /// The required attendance `employee_type`.
    pub fn employee_type(&self) -> Result<EmployeeType, ApiError> {
        match self.get("employee_type") {
            None | Some("") => Err(ApiError::Invalid("employee_type is required".into())),
            Some(v) => EmployeeType::parse(v).ok_or(ApiError::EmployeeType),
        }
    }
}
