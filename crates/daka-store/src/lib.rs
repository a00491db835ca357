//! daka's storage: one transaction per change, portable SQL for SQLite (embedded, the default)
//! and PostgreSQL (scale-out), one module per aggregate.
//!
//! The store is where daka's domain operations live: it resolves ids to people, validates what
//! only the database can check, writes the change together with the results and event records it
//! causes, and reports failures as [`Error`] values that the server maps to Feishu codes.

pub mod approvals;
pub mod apps;
mod bulk;
pub mod bulk_load;
pub mod calendars;
mod db;
pub mod deliveries;
mod error;
mod evaluation;
pub mod events;
pub mod groups;
pub mod ids;
pub mod people;
pub mod plan;
pub mod punches;
pub mod remedies;
pub mod results;
pub mod schedules;
pub mod shifts;
pub mod subscriptions;

pub use db::{Backend, Store, WalProgress, WriteTx};
pub use error::{Error, Result};
