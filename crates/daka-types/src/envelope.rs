//! The `{code, msg, data}` envelope every open API response is wrapped in.

use serde::{Deserialize, Serialize};

/// A Feishu response envelope: `code` 0 means success.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// Business code: 0 on success.
    pub code: i64,
    /// Human-readable message ("success" when `code` is 0).
    #[serde(default)]
    pub msg: String,
    /// The payload; absent on most errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

impl<T> Envelope<T> {
    /// A successful envelope around `data`.
    pub fn success(data: T) -> Self {
        Envelope { code: 0, msg: "success".into(), data: Some(data) }
    }
}

/// An empty `data` object (`{}`), for endpoints that return nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Empty {}
