//! `auth/v3`: access tokens for self-built apps.

use serde::{Deserialize, Serialize};

/// Body of `tenant_access_token/internal` and `app_access_token/internal`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InternalTokenRequest {
    /// The app's id, `cli_` + 16 hex digits.
    #[serde(default)]
    pub app_id: Option<String>,
    /// The app's secret.
    #[serde(default)]
    pub app_secret: Option<String>,
}

/// Response of `tenant_access_token/internal`: flat, token fields at the top level.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantAccessTokenResponse {
    /// 0 on success.
    pub code: i64,
    /// "ok" on success.
    pub msg: String,
    /// The token, `t-…`.
    #[serde(default)]
    pub tenant_access_token: String,
    /// Seconds the token remains valid.
    #[serde(default)]
    pub expire: i64,
}

/// Response of `app_access_token/internal`: flat, carrying both tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppAccessTokenResponse {
    /// 0 on success.
    pub code: i64,
    /// "ok" on success.
    pub msg: String,
    /// The app token, `a-…`.
    #[serde(default)]
    pub app_access_token: String,
    /// The tenant token, `t-…` (the official page lists it here too).
    #[serde(default)]
    pub tenant_access_token: String,
    /// Seconds the app token remains valid.
    #[serde(default)]
    pub expire: i64,
}
