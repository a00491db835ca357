//! daka's pure attendance rules engine.
//!
//! A person's resolved plan for one attendance day, their punches, approvals and pending
//! remedies go in; Feishu-compatible `task_result` records and a structured explanation come
//! out. No IO, no clock of its own, deterministic. Times are unix seconds; clock times are
//! minutes after local midnight of the attendance day in the group's time zone.
//!
//! Entry points:
//! - [`evaluate`]: records + [`Explanation`] (for `daka explain`, APIs that show why).
//! - [`evaluate_into`] / [`evaluate_records`]: the same records without the explanation
//!   (the bulk path; allocation-free into a reused vector).
//! - [`punch_range`], [`days_touched_by`], [`day_edges`]: what to load and what to recompute.
//! - [`validate_shift`], [`parse_clock`], [`format_clock`], [`local_instant`], [`cn_calendar`].
//!
//! The rules are documented with worked examples in `docs/RULES.md`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod calendar;
mod clock;
mod eval;
mod explain;
mod model;
mod validate;

pub use calendar::{cn_calendar, cn_calendar_entries, CalendarDay, CalendarEntry};
pub use clock::{format_clock, local_instant, parse_clock, ClockError, MAX_CLOCK_MINUTE};
pub use eval::{day_edges, days_touched_by, evaluate, evaluate_into, evaluate_records, punch_range};
pub use explain::{
    Explanation, NoNeedReason, PlanSummary, PunchNote, Reason, RecordExplanation, SideExplanation, SupplementReason,
    Window, WindowRef,
};
pub use model::*;
pub use validate::{validate_shift, FieldError, MAX_OFF_DELAY, MAX_ON_ADVANCE};
