//! [`Client`], its builder, and the request path every operation shares: pacing, token,
//! retries, envelope decoding.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::{ApiError, DecodeError, Error, Result, RATE_LIMITED, TOKEN_INVALID_CODES};
use crate::ratelimit::Pacer;
use crate::token::{self, Cached, Slot};

/// Base URL of Feishu (China).
pub const FEISHU: &str = "https://open.feishu.cn";
/// Base URL of Lark (international).
pub const LARK: &str = "https://open.larksuite.com";

/// How failed requests are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt for 5xx answers, connection errors and rate limits
    /// (default 3). 0 disables retrying; a token refresh retry is separate and always on.
    pub max_retries: u32,
    /// Backoff before the first retry (default 200 ms); doubles each retry.
    pub initial_backoff: Duration,
    /// Longest backoff between two attempts (default 5 s).
    pub max_backoff: Duration,
    /// Longest wait the client accepts from `x-ogw-ratelimit-reset` (default 60 s); a longer
    /// reset fails the call with the 99991400 error instead of sleeping.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all (token refresh still happens).
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }

    /// Backoff before retry number `attempt` (0-based), with ±25 % jitter.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.initial_backoff.saturating_mul(1u32 << attempt.min(16)).min(self.max_backoff);
        let jitter = jitter_fraction();
        base.mul_f64(0.75 + 0.5 * jitter)
    }
}

/// A cheap pseudo-random number in [0, 1) for jitter (not for anything secret).
pub(crate) fn jitter_fraction() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let mut x = STATE.fetch_add(u64::from(nanos) | 1, Ordering::Relaxed);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Builds a [`Client`]. `app_id` and `app_secret` are required; everything else has defaults.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    app_id: Option<String>,
    app_secret: Option<String>,
    retry: RetryPolicy,
    rate_limit: Option<u32>,
    endpoint_limits: HashMap<String, Option<u32>>,
    timeout: Duration,
    connect_timeout: Duration,
    refresh_early: Duration,
    concurrency: usize,
    http: Option<reqwest::Client>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: FEISHU.to_owned(),
            app_id: None,
            app_secret: None,
            retry: RetryPolicy::default(),
            rate_limit: Some(50),
            // The one endpoint documented below the 50/s default.
            endpoint_limits: HashMap::from([("user_flows.batch_del".to_owned(), Some(10))]),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            refresh_early: Duration::from_secs(300),
            concurrency: 4,
            http: None,
        }
    }
}

impl ClientBuilder {
    /// The open-platform base URL: [`FEISHU`] (default), [`LARK`], or a daka server such as
    /// `http://127.0.0.1:8080`. A trailing `/` and a trailing `/open-apis` are ignored.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        let mut url: String = url.into();
        while url.ends_with('/') {
            url.pop();
        }
        if let Some(stripped) = url.strip_suffix("/open-apis") {
            url = stripped.to_owned();
        }
        self.base_url = url;
        self
    }

    /// The app id (`cli_…`).
    pub fn app_id(mut self, id: impl Into<String>) -> Self {
        self.app_id = Some(id.into());
        self
    }

    /// The app secret.
    pub fn app_secret(mut self, secret: impl Into<String>) -> Self {
        self.app_secret = Some(secret.into());
        self
    }

    /// Retry policy for 5xx, connection errors and rate limits.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Client-side pacing: at most `per_second` requests per second to each endpoint (default
    /// 50, the documented limit); `None` disables pacing.
    pub fn rate_limit(mut self, per_second: Option<u32>) -> Self {
        self.rate_limit = per_second;
        self
    }

    /// Pacing for one endpoint, named as in errors (e.g. `"user_flows.batch_del"`, default 10/s).
    pub fn endpoint_rate_limit(mut self, endpoint: impl Into<String>, per_second: Option<u32>) -> Self {
        self.endpoint_limits.insert(endpoint.into(), per_second);
        self
    }

    /// Timeout of one HTTP request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long before its expiry a cached token is replaced (default 5 min; never earlier than
    /// half the token's lifetime).
    pub fn refresh_early(mut self, early: Duration) -> Self {
        self.refresh_early = early;
        self
    }

    /// How many requests one split operation (an import of 1,000 records, a query of 500 people)
    /// keeps in flight at once (default 4; at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Uses a preconfigured `reqwest::Client` (proxies, custom roots); timeouts set here are
    /// then ignored.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Builds the client. Fails when the credentials are missing or the base URL is not an
    /// absolute http(s) URL.
    pub fn build(self) -> Result<Client> {
        let app_id =
            self.app_id.filter(|s| !s.is_empty()).ok_or_else(|| Error::Invalid("app_id is required".into()))?;
        let app_secret =
            self.app_secret.filter(|s| !s.is_empty()).ok_or_else(|| Error::Invalid("app_secret is required".into()))?;
        let parsed = url::Url::parse(&self.base_url)
            .map_err(|e| Error::Invalid(format!("base_url {:?}: {e}", self.base_url)))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Invalid(format!("base_url {:?} must be http or https", self.base_url)));
        }
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .connect_timeout(self.connect_timeout)
                .user_agent(concat!("daka-client/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::Invalid(format!("HTTP client: {e}")))?,
        };
        let token = token::slot(&self.base_url, &app_id);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url: self.base_url,
                app_id,
                app_secret,
                retry: self.retry,
                pacer: Pacer::new(self.rate_limit, self.endpoint_limits),
                refresh_early: self.refresh_early,
                concurrency: self.concurrency,
                token,
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: String,
    app_id: String,
    app_secret: String,
    retry: RetryPolicy,
    pacer: Pacer,
    refresh_early: Duration,
    concurrency: usize,
    token: Arc<Slot>,
}

/// The client. Cheap to clone (an `Arc` inside); share one per app.
///
/// ```no_run
/// # async fn demo() -> daka_client::Result<()> {
/// use daka_client::{Client, Day, EmployeeType};
/// let client = Client::builder()
///     .base_url("https://open.feishu.cn")
///     .app_id("cli_a0c203e66cf8100c")
///     .app_secret("secret")
///     .build()?;
/// let results = client
///     .attendance()
///     .user_tasks()
///     .query(
///         EmployeeType::EmployeeId,
///         daka_client::attendance::UserTaskQuery::new(
///             ["2b68933a"],
///             Day::new(2024, 1, 1).unwrap(),
///             Day::new(2024, 1, 31).unwrap(),
///         ),
///     )
///     .await?;
/// println!("{} person-days", results.user_task_results.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// One HTTP call of an operation.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) method: Method,
    /// Path after the base URL, starting with `/open-apis/`.
    pub(crate) path: String,
    /// Operation name: pacing key and error label.
    pub(crate) endpoint: &'static str,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<serde_json::Value>,
}

impl Call {
    pub(crate) fn new(method: Method, path: impl Into<String>, endpoint: &'static str) -> Self {
        Call { method, path: path.into(), endpoint, query: Vec::new(), body: None }
    }

    pub(crate) fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    pub(crate) fn query_opt(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    pub(crate) fn body(mut self, body: &impl serde::Serialize) -> Result<Self> {
        self.body = Some(serde_json::to_value(body).map_err(|e| Error::Invalid(format!("request body: {e}")))?);
        Ok(self)
    }
}

/// A successful answer: `data` decoded, plus the envelope's `msg` (batch endpoints report
/// partial failures there) and the log id.
#[derive(Debug, Clone)]
pub(crate) struct Answer<T> {
    pub(crate) data: T,
    pub(crate) msg: String,
    #[allow(dead_code)]
    pub(crate) log_id: Option<String>,
}

#[derive(Deserialize)]
struct RawEnvelope {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct DataOf<T> {
    #[serde(default = "Option::default")]
    data: Option<T>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    tenant_access_token: String,
    #[serde(default)]
    expire: i64,
}

/// What one HTTP exchange produced.
struct Exchange {
    status: StatusCode,
    log_id: Option<String>,
    body: Bytes,
    envelope: RawEnvelope,
}

pub(crate) fn snippet(body: &[u8]) -> String {
    let end = body.len().min(512);
    String::from_utf8_lossy(&body[..end]).into_owned()
}

impl Client {
    /// A builder with Feishu as the base URL.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    pub(crate) fn app_secret(&self) -> &str {
        &self.inner.app_secret
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn concurrency(&self) -> usize {
        self.inner.concurrency
    }

    /// The current `tenant_access_token`, from the cache or fetched (one fetch at a time per
    /// base URL and app, however many tasks ask).
    pub async fn tenant_access_token(&self) -> Result<String> {
        let mut state = self.inner.token.state.lock().await;
        if let Some(c) = state.as_ref() {
            if std::time::Instant::now() < c.refresh_at {
                return Ok(c.value.clone());
            }
        }
        let fetched = self.fetch_token().await?;
        let value = fetched.value.clone();
        *state = Some(fetched);
        Ok(value)
    }

    /// Drops the cached token (the next call fetches a new one).
    pub async fn invalidate_token(&self) {
        *self.inner.token.state.lock().await = None;
    }

    async fn fetch_token(&self) -> Result<Cached> {
        const ENDPOINT: &str = "auth.tenant_access_token";
        let body = serde_json::json!({"app_id": self.inner.app_id, "app_secret": self.inner.app_secret});
        let started = std::time::Instant::now();
        let ex = self
            .exchange(ENDPOINT, || {
                self.inner
                    .http
                    .post(format!("{}/open-apis/auth/v3/tenant_access_token/internal", self.inner.base_url))
                    .json(&body)
            })
            .await?;
        let answer: TokenAnswer = serde_json::from_slice(&ex.body).map_err(|e| {
            Error::Decode(Box::new(DecodeError {
                endpoint: ENDPOINT,
                status: ex.status.as_u16(),
                log_id: ex.log_id.clone(),
                message: e.to_string(),
                body: snippet(&ex.body),
            }))
        })?;
        if answer.tenant_access_token.is_empty() {
            return Err(Error::Decode(Box::new(DecodeError {
                endpoint: ENDPOINT,
                status: ex.status.as_u16(),
                log_id: ex.log_id,
                message: "no tenant_access_token in a successful answer".into(),
                body: snippet(&ex.body),
            })));
        }
        let refresh_at = token::refresh_at(started, answer.expire, self.inner.refresh_early);
        Ok(Cached { value: answer.tenant_access_token, refresh_at })
    }

    /// Sends one request built by `build` (rebuilt for each attempt) with pacing and retries on
    /// connection errors, 5xx and rate limits. Returns the exchange when `code` is 0 and the
    /// status is a success, else the API or decode error.
    async fn exchange(&self, endpoint: &'static str, build: impl Fn() -> reqwest::RequestBuilder) -> Result<Exchange> {
        let policy = &self.inner.retry;
        let mut attempt = 0u32;
        loop {
            self.inner.pacer.acquire(endpoint).await;
            let sent = build().send().await;
            let resp = match sent {
                Ok(r) => r,
                Err(e) => {
                    if attempt < policy.max_retries && (e.is_connect() || e.is_timeout() || e.is_request()) {
                        tracing::debug!(endpoint, error = %e, attempt, "request failed, retrying");
                        tokio::time::sleep(policy.backoff(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(Error::Transport { endpoint, source: e });
                }
            };
            let status = resp.status();
            let headers = resp.headers();
            let log_id = headers
                .get("x-tt-logid")
                .or_else(|| headers.get("x-request-id"))
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let reset = headers
                .get("x-ogw-ratelimit-reset")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64);
            let body = match resp.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    if attempt < policy.max_retries {
                        tokio::time::sleep(policy.backoff(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(Error::Transport { endpoint, source: e });
                }
            };
            let envelope = match serde_json::from_slice::<RawEnvelope>(&body) {
                Ok(env) => env,
                Err(e) => {
                    if (status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS)
                        && attempt < policy.max_retries
                    {
                        tokio::time::sleep(reset.unwrap_or_else(|| policy.backoff(attempt))).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(Error::Decode(Box::new(DecodeError {
                        endpoint,
                        status: status.as_u16(),
                        log_id,
                        message: format!("not a JSON envelope: {e}"),
                        body: snippet(&body),
                    })));
                }
            };
            let code = envelope.code.unwrap_or(if status.is_success() { 0 } else { -1 });
            if code == 0 && status.is_success() {
                return Ok(Exchange { status, log_id, body, envelope });
            }
            let rate_limited = code == RATE_LIMITED || status == StatusCode::TOO_MANY_REQUESTS;
            if attempt < policy.max_retries {
                if rate_limited {
                    let wait = reset.unwrap_or_else(|| policy.backoff(attempt));
                    if wait <= policy.max_rate_limit_wait {
                        tracing::debug!(endpoint, ?wait, attempt, "rate limited, waiting for the window to reset");
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                } else if status.is_server_error() {
                    tracing::debug!(endpoint, %status, attempt, "server error, retrying");
                    tokio::time::sleep(policy.backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
            }
            let log_id = log_id.or_else(|| {
                envelope.error.as_ref().and_then(|e| e.get("log_id")).and_then(|v| v.as_str()).map(str::to_owned)
            });
            return Err(Error::Api(Box::new(ApiError {
                code,
                msg: envelope.msg.unwrap_or_default(),
                log_id,
                status: status.as_u16(),
                error: envelope.error,
                endpoint,
            })));
        }
    }

    /// Performs `call` with the tenant token; on a token-invalid code drops the token and tries
    /// once more with a fresh one.
    pub(crate) async fn call<T: DeserializeOwned + Default>(&self, call: &Call) -> Result<Answer<T>> {
        let mut refreshed = false;
        loop {
            let token = self.tenant_access_token().await?;
            let url = format!("{}{}", self.inner.base_url, call.path);
            let result = self
                .exchange(call.endpoint, || {
                    let mut rb = self.inner.http.request(call.method.clone(), &url).bearer_auth(&token);
                    if !call.query.is_empty() {
                        rb = rb.query(&call.query);
                    }
                    if let Some(body) = &call.body {
                        rb = rb.json(body);
                    }
                    rb
                })
                .await;
            let ex = match result {
                Err(e) if !refreshed && e.code().is_some_and(|c| TOKEN_INVALID_CODES.contains(&c)) => {
                    tracing::debug!(endpoint = call.endpoint, code = e.code(), "token refused, refreshing");
                    self.inner.token.invalidate(&token).await;
                    refreshed = true;
                    continue;
                }
                other => other?,
            };
            let data = serde_json::from_slice::<DataOf<T>>(&ex.body).map_err(|e| {
                Error::Decode(Box::new(DecodeError {
                    endpoint: call.endpoint,
                    status: ex.status.as_u16(),
                    log_id: ex.log_id.clone(),
                    message: e.to_string(),
                    body: snippet(&ex.body),
                }))
            })?;
            return Ok(Answer {
                data: data.data.unwrap_or_default(),
                msg: ex.envelope.msg.unwrap_or_default(),
                log_id: ex.log_id,
            });
        }
    }

    /// The attendance API (`/open-apis/attendance/v1`).
    pub fn attendance(&self) -> crate::attendance::Attendance<'_> {
        crate::attendance::Attendance { client: self }
    }

    /// The contact API subset (`/open-apis/contact/v3`).
    pub fn contact(&self) -> crate::contact::Contact<'_> {
        crate::contact::Contact { client: self }
    }
}
