//! The one error type of the crate.

use std::fmt;

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Token-invalid codes on which the cached token is dropped and the call retried once.
pub const TOKEN_INVALID_CODES: [i64; 3] = [99_991_663, 99_991_664, 99_991_671];

/// The rate-limit code (`request trigger frequency limit`).
pub const RATE_LIMITED: i64 = 99_991_400;

/// An answer of the open platform with a non-zero `code`.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The Feishu business code, e.g. `1220001` or `99991663`.
    pub code: i64,
    /// The message the platform sent.
    pub msg: String,
    /// The request's log id (`X-Tt-Logid`, else `error.log_id`), to quote to Feishu support.
    pub log_id: Option<String>,
    /// HTTP status of the answer.
    pub status: u16,
    /// The optional `error` object (field/permission violations, troubleshooter link).
    pub error: Option<serde_json::Value>,
    /// Which operation was called, e.g. `user_flows.batch_create`.
    pub endpoint: &'static str,
}

/// A body that could not be decoded as the documented response.
#[derive(Debug, Clone)]
pub struct DecodeError {
    /// Which operation was called.
    pub endpoint: &'static str,
    /// HTTP status of the answer.
    pub status: u16,
    /// The request's log id, if the answer carried one.
    pub log_id: Option<String>,
    /// What did not decode.
    pub message: String,
    /// The start of the body (at most 512 bytes), for diagnosis.
    pub body: String,
}

/// Every way a call can fail.
///
/// Use [`Error::is_api`] / [`Error::code`] for answers of the platform, [`Error::is_transport`]
/// for network failures, [`Error::is_decode`] for answers that were not the documented shape.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The platform answered with a non-zero `code`.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request did not complete (connect, TLS, timeout, reading the body).
    #[error("transport error calling {endpoint}: {source}")]
    Transport {
        /// Which operation was called.
        endpoint: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The answer was not the documented JSON.
    #[error("{0}")]
    Decode(Box<DecodeError>),
    /// The arguments were rejected before anything was sent.
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// A webhook request was refused (bad signature, token, ciphertext or body).
    #[error("webhook request refused: {0}")]
    Webhook(String),
    /// The long connection failed: the WebSocket could not be opened or was lost for good, or an
    /// event it carried did not decode.
    #[error("long connection: {0}")]
    LongConnection(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: code {} ({}), HTTP {}", self.endpoint, self.code, self.msg, self.status)?;
        if let Some(id) = &self.log_id {
            write!(f, ", log_id {id}")?;
        }
        Ok(())
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not decode the answer of {} (HTTP {}): {}", self.endpoint, self.status, self.message)?;
        if let Some(id) = &self.log_id {
            write!(f, ", log_id {id}")?;
        }
        Ok(())
    }
}

impl Error {
    /// True for an answer of the platform with a non-zero `code`.
    pub fn is_api(&self) -> bool {
        matches!(self, Error::Api(_))
    }

    /// True for a network failure.
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport { .. })
    }

    /// True for an answer that did not decode.
    pub fn is_decode(&self) -> bool {
        matches!(self, Error::Decode(_))
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The Feishu `code` of an API error.
    pub fn code(&self) -> Option<i64> {
        self.as_api().map(|e| e.code)
    }

    /// The Feishu `msg` of an API error.
    pub fn msg(&self) -> Option<&str> {
        self.as_api().map(|e| e.msg.as_str())
    }

    /// The log id of the failing request, when the answer carried one.
    pub fn log_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.log_id.as_deref(),
            Error::Decode(e) => e.log_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::Transport { source, .. } => source.status().map(|s| s.as_u16()),
            _ => None,
        }
    }

    /// True when the platform refused the access token (99991663 / 99991664 / 99991671).
    pub fn is_token_invalid(&self) -> bool {
        self.code().is_some_and(|c| TOKEN_INVALID_CODES.contains(&c))
    }

    /// True when the call was rate limited (HTTP 429 or code 99991400) and retries ran out.
    pub fn is_rate_limited(&self) -> bool {
        self.code() == Some(RATE_LIMITED) || self.status() == Some(429)
    }
}
