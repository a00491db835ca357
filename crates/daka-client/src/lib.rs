//! # daka-client
//!
//! A typed async client for the Feishu/Lark **Attendance v1** open API that works unchanged
//! against `https://open.feishu.cn`, `https://open.larksuite.com` and a
//! [daka](https://github.com/) server: only the base URL and the credentials differ.
//!
//! * Operations grouped like the API: [`Client::attendance`] → `user_flows()`, `user_tasks()`,
//!   `shifts()`, `groups()`, `user_daily_shifts()`; [`Client::contact`] → `users()`.
//! * Wire models shared with the daka server ([`types`]): exact field names, unknown fields
//!   tolerated; [`Day`] and [`Instant`] so a day cannot be sent as an instant or vice versa;
//!   `employee_type` always sent.
//! * `tenant_access_token` fetched on demand, cached per (base URL, app), refreshed 5 minutes
//!   early, fetched once under concurrency, and dropped and refetched once on 99991663 /
//!   99991664 / 99991671.
//! * 429 / 99991400 honoured using `x-ogw-ratelimit-reset`; 5xx and connection errors retried
//!   with bounded exponential backoff ([`RetryPolicy`]); requests paced to 50/s per endpoint.
//! * Inputs over the per-call limits are split and merged; paginated lists are streams.
//! * One [`Error`] keeping `code`, `msg`, `log_id` and HTTP status.
//! * [`events`]: a framework-agnostic webhook receiver (challenge, signature, decryption,
//!   token check, dedupe) yielding typed [`events::AttendanceEvent`]s, with an axum adapter
//!   behind the `axum` feature; and [`events::LongConnection`], the long-connection
//!   (WebSocket, `pbbp2`) client of the official SDKs, as a stream of the same events.
//!
//! ```no_run
//! use daka_client::{attendance::{punch, UserTaskQuery}, Client, Day, EmployeeType, Instant};
//!
//! # async fn demo() -> daka_client::Result<()> {
//! let client = Client::builder()
//!     .base_url("http://127.0.0.1:8080") // or daka_client::FEISHU / daka_client::LARK
//!     .app_id("cli_a0c203e66cf8100c")
//!     .app_secret("…")
//!     .build()?;
//! let flows = client.attendance().user_flows();
//! let stored = flows
//!     .batch_create(EmployeeType::EmployeeId, [punch("2b68933a", Instant::from_unix(1705280400), "HQ")])
//!     .await?;
//! let jan = UserTaskQuery::new(["2b68933a"], Day::new(2024, 1, 1).unwrap(), Day::new(2024, 1, 31).unwrap());
//! let results = client.attendance().user_tasks().query(EmployeeType::EmployeeId, jan).await?;
//! # let _ = (stored, results);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod attendance;
mod client;
pub mod contact;
mod error;
pub mod events;
pub mod model;
mod ratelimit;
mod token;

pub use client::{Client, ClientBuilder, RetryPolicy, FEISHU, LARK};
pub use daka_types as types;
pub use daka_types::attendance::EmployeeType;
pub use daka_types::day::{Day, Instant};
pub use error::{ApiError, DecodeError, Error, Result, RATE_LIMITED, TOKEN_INVALID_CODES};
