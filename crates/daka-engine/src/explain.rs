//! Structured, printable explanation of one evaluation.

use crate::clock::{fmt_minute, fmt_second};
use crate::model::{AbsenceKind, CheckResult, PunchSource, Side, Supplement};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a day was evaluated the way it was. `Display` prints a multi-line text with times in
/// the plan's time zone (used by `daka explain`); serde gives the same data as JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Explanation {
    /// The attendance day.
    pub day: Date,
    /// IANA name of the plan's time zone (or the offset for fixed zones).
    pub time_zone: String,
    /// What kind of day it was.
    pub plan: PlanSummary,
    /// Whether the person has to punch at all.
    pub need_punch: bool,
    /// The evaluation instant.
    pub now: i64,
    /// Punches counted at or before this instant belong to the previous day.
    pub previous_day_boundary: Option<i64>,
    /// Punches counted after this instant belong to the next day.
    pub next_day_boundary: Option<i64>,
    /// Every punch given, sorted by time, with the windows it fell in.
    pub punches: Vec<PunchNote>,
    /// One entry per output record, same order.
    pub records: Vec<RecordExplanation>,
    /// Free-text remarks (e.g. an unvalidated shift).
    pub notes: Vec<String>,
    #[serde(skip)]
    pub(crate) tz: Option<TimeZone>,
}

impl PartialEq for Explanation {
    fn eq(&self, o: &Self) -> bool {
        self.day == o.day
            && self.time_zone == o.time_zone
            && self.plan == o.plan
            && self.need_punch == o.need_punch
            && self.now == o.now
            && self.previous_day_boundary == o.previous_day_boundary
            && self.next_day_boundary == o.next_day_boundary
            && self.punches == o.punches
            && self.records == o.records
            && self.notes == o.notes
    }
}

/// The kind of day, as seen by the explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanSummary {
    /// A fixed/scheduled shift.
    Work {
        /// `shift_id`.
        shift_id: String,
        /// `shift_name`.
        shift_name: String,
    },
    /// A rest day.
    Rest,
    /// Not in any attendance group.
    NoGroup,
    /// A free-group working day.
    Free,
}

/// A window of one side: punches whose counted minute `c` satisfies `from <= c < until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// First instant a counted punch may have (inclusive).
    pub from: i64,
    /// Counted punches must be strictly before this instant.
    pub until: i64,
    /// From this instant on, a missing punch is `Lack` instead of `Todo`.
    pub closes_at: i64,
}

/// Where one window of the explanation lives: output record index and side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowRef {
    /// Index into `Explanation::records`.
    pub record: usize,
    /// Which side's window.
    pub side: Side,
}

/// One input punch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PunchNote {
    /// `record_id`.
    pub record_id: i64,
    /// Actual instant.
    pub at: i64,
    /// The start of its local minute: the value compared with windows and thresholds.
    pub counted_at: i64,
    /// Feishu `type`.
    pub source: PunchSource,
    /// `is_field`.
    pub is_field: bool,
    /// Windows it fell in (empty: outside every window, ignored).
    pub fell_in: Vec<WindowRef>,
}

/// One output record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordExplanation {
    /// "pair 1", "overtime 1", "rest day", "free day", ...
    pub label: String,
    /// 0 normal, 1 overtime.
    pub task_shift_type: u8,
    /// Scheduled on instant.
    pub shift_on: i64,
    /// Scheduled off instant.
    pub shift_off: i64,
    /// The on side.
    pub on: SideExplanation,
    /// The off side.
    pub off: SideExplanation,
}

/// How one side was decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideExplanation {
    /// The window searched (None for rest days).
    pub window: Option<Window>,
    /// The deciding punch's record id.
    pub chosen: Option<i64>,
    /// The deciding punch's counted minute.
    pub chosen_at: Option<i64>,
    /// Which rule or threshold decided the base result.
    pub reason: Reason,
    /// Result before supplements.
    pub base_result: CheckResult,
    /// Why a supplement was set.
    pub supplement_reason: Option<SupplementReason>,
    /// Final result.
    pub result: CheckResult,
    /// Final supplement.
    pub supplement: Supplement,
}

/// Why a side needs no punch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoNeedReason {
    /// The person is exempt from punching (`need_punch` false).
    PersonExempt,
    /// The pair's `no_need_on`.
    PairNoNeedOn,
    /// The pair's `no_need_off`.
    PairNoNeedOff,
    /// The shift's `no_need_off` (last pair).
    ShiftNoNeedOff,
    /// A rest day.
    RestDay,
    /// Not in any attendance group.
    NoGroup,
    /// A free-group day without punches where `work_day_no_punch_as_lack` is off.
    FreeNoPunchNotLack,
}

/// The rule that decided a side's base result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    /// No punch needed.
    NoNeedCheck(NoNeedReason),
    /// No punch in the window; `closed` tells Lack from Todo.
    Missing {
        /// The window had closed at `now`.
        closed: bool,
    },
    /// Check-in compared with the late thresholds.
    Late {
        /// Counted minute − scheduled on (negative = early arrival).
        raw_minutes: i64,
        /// Flexible allowance used (minutes).
        allowance: i64,
        /// Minutes compared with the thresholds (`raw − allowance`, ≥ 0).
        minutes: i64,
        /// `late_minutes_as_late`.
        late_threshold: i32,
        /// `late_minutes_as_lack`.
        lack_threshold: i32,
        /// Effective serious threshold (shift level wins).
        serious_threshold: Option<i32>,
    },
    /// Check-out compared with the early thresholds.
    Early {
        /// Expected off minus counted minute (negative = stayed later).
        raw_minutes: i64,
        /// Expected off instant (scheduled, moved by the flexible rule).
        expected_off: i64,
        /// `early_minutes_as_early`.
        early_threshold: i32,
        /// `early_minutes_as_lack`.
        lack_threshold: i32,
    },
    /// A punch is all that is asked (overtime sides, free check-in).
    Present,
    /// Overtime side sharing a normal pair's punch.
    SharedWithPair {
        /// 0-based normal pair index.
        pair: usize,
        /// Which side of that pair.
        side: Side,
    },
    /// Free check-out compared with the required work hours.
    WorkHours {
        /// Minutes between check-in and check-out.
        worked: i64,
        /// Required minutes (`work_hours`), if any.
        required: Option<i32>,
    },
    /// A free-group check-out needs a second punch.
    SinglePunch {
        /// The window had closed at `now`.
        closed: bool,
    },
}

/// Why the supplement was set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupplementReason {
    /// Deciding punch has source 2 (approved remedy).
    RemedyPunch,
    /// Deciding punch has source 1 (manager).
    ManagerPunch,
    /// An approved absence covers the scheduled instant.
    Absence {
        /// Which kind.
        kind: AbsenceKind,
        /// Start.
        start: i64,
        /// End.
        end: i64,
    },
    /// Deciding punch is a field punch.
    FieldPunch,
    /// A remedy for this side is pending.
    PendingRemedy,
}

impl Explanation {
    pub(crate) fn new(day: Date, tz: &TimeZone, plan: PlanSummary, need_punch: bool, now: i64) -> Self {
        Explanation {
            day,
            time_zone: tz.iana_name().map(str::to_string).unwrap_or_else(|| format!("{tz:?}")),
            plan,
            need_punch,
            now,
            previous_day_boundary: None,
            next_day_boundary: None,
            punches: Vec::new(),
            records: Vec::new(),
            notes: Vec::new(),
            tz: Some(tz.clone()),
        }
    }

    fn zone(&self) -> TimeZone {
        self.tz.clone().or_else(|| TimeZone::get(&self.time_zone).ok()).unwrap_or(TimeZone::UTC)
    }
}

struct Th(i32);
impl fmt::Display for Th {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

fn reason_text(r: &Reason, result: CheckResult, tz: &TimeZone) -> String {
    match *r {
        Reason::NoNeedCheck(n) => match n {
            NoNeedReason::PersonExempt => "person does not need to punch".into(),
            NoNeedReason::PairNoNeedOn => "no_need_on is set for this pair".into(),
            NoNeedReason::PairNoNeedOff => "no_need_off is set for this pair".into(),
            NoNeedReason::ShiftNoNeedOff => "shift no_need_off applies to the last pair".into(),
            NoNeedReason::RestDay => "rest day".into(),
            NoNeedReason::NoGroup => "not in any attendance group".into(),
            NoNeedReason::FreeNoPunchNotLack => "no punch, and work_day_no_punch_as_lack is off".into(),
        },
        Reason::Missing { closed: true } => "no punch in the window, and it has closed".into(),
        Reason::Missing { closed: false } => "no punch yet, the window is still open".into(),
        Reason::SinglePunch { closed: true } => {
            "only one punch; a check-out needs a second one and the window has closed".into()
        }
        Reason::SinglePunch { closed: false } => "only one punch so far; the window is still open".into(),
        Reason::Late { raw_minutes, allowance, minutes, late_threshold, lack_threshold, serious_threshold } => {
            let mut s = if raw_minutes < 0 {
                format!("{} min early", -raw_minutes)
            } else {
                format!("{raw_minutes} min after on time")
            };
            if allowance != 0 {
                s += &format!(", flexible allowance {allowance} min → late {minutes} min");
            }
            let cmp = match result {
                CheckResult::Lack => {
                    format!("; {minutes} > late_minutes_as_lack {}", Th(lack_threshold))
                }
                CheckResult::Late => format!(
                    "; {minutes} > late_minutes_as_late {} and ≤ late_minutes_as_lack {}",
                    late_threshold, lack_threshold
                ),
                _ => format!("; {minutes} ≤ late_minutes_as_late {late_threshold}"),
            };
            s += &cmp;
            if let Some(t) = serious_threshold {
                if result == CheckResult::Late && minutes > i64::from(t) {
                    s += &format!("; {minutes} > late_minutes_as_serious_late {t} → serious");
                }
            }
            s
        }
        Reason::Early { raw_minutes, expected_off, early_threshold, lack_threshold } => {
            let m = raw_minutes.max(0);
            let mut s = format!("expected off {}", fmt_minute(expected_off, tz));
            if raw_minutes <= 0 {
                s += &format!(", left {} min after it", -raw_minutes);
            } else {
                s += &format!(", left {raw_minutes} min before it");
            }
            s += &match result {
                CheckResult::Lack => format!("; {m} > early_minutes_as_lack {lack_threshold}"),
                CheckResult::Early => format!(
                    "; {m} > early_minutes_as_early {early_threshold} and ≤ early_minutes_as_lack {lack_threshold}"
                ),
                _ => format!("; {m} ≤ early_minutes_as_early {early_threshold}"),
            };
            s
        }
        Reason::Present => "a punch is all that is required".into(),
        Reason::SharedWithPair { pair, side } => {
            format!("contiguous with pair {}: shares its {side} punch", pair + 1)
        }
        Reason::WorkHours { worked, required } => match required {
            Some(r) if worked < i64::from(r) => {
                format!("worked {worked} min < required work_hours {r} min")
            }
            Some(r) => format!("worked {worked} min ≥ required work_hours {r} min"),
            None => format!("worked {worked} min, no work_hours requirement"),
        },
    }
}

fn supplement_text(s: &SupplementReason, tz: &TimeZone) -> String {
    match *s {
        SupplementReason::RemedyPunch => "deciding punch is an approved remedy (type 2)".into(),
        SupplementReason::ManagerPunch => "deciding punch was made by a manager (type 1)".into(),
        SupplementReason::Absence { kind, start, end } => format!(
            "approved {} {} – {} covers the scheduled time → Normal",
            match kind {
                AbsenceKind::Leave => "leave",
                AbsenceKind::Out => "out",
                AbsenceKind::Trip => "trip",
            },
            fmt_minute(start, tz),
            fmt_minute(end, tz)
        ),
        SupplementReason::FieldPunch => "deciding punch is a field punch".into(),
        SupplementReason::PendingRemedy => "a remedy for this side is pending".into(),
    }
}

fn write_side(f: &mut fmt::Formatter<'_>, name: &str, s: &SideExplanation, tz: &TimeZone) -> fmt::Result {
    write!(f, "  {name:<3} ")?;
    match s.window {
        Some(w) => write!(
            f,
            "window {} … before {} (closes {}): ",
            fmt_minute(w.from, tz),
            fmt_minute(w.until.saturating_add(59), tz),
            fmt_minute(w.closes_at, tz)
        )?,
        None => write!(f, "no window: ")?,
    }
    match (s.chosen, s.chosen_at) {
        (Some(id), Some(at)) => write!(f, "chose #{id} {}", fmt_minute(at, tz))?,
        _ => write!(f, "no punch")?,
    }
    write!(f, " → {}", s.base_result)?;
    writeln!(f, " ({})", reason_text(&s.reason, s.base_result, tz))?;
    if let Some(r) = &s.supplement_reason {
        writeln!(f, "      supplement {}: {} → {} {}", s.supplement, supplement_text(r, tz), s.result, s.supplement)?;
    }
    Ok(())
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tz = self.zone();
        let kind = match &self.plan {
            PlanSummary::Work { shift_id, shift_name } => format!("work day, shift {shift_name:?} (id {shift_id})"),
            PlanSummary::Rest => "rest day".into(),
            PlanSummary::NoGroup => "not in any attendance group".into(),
            PlanSummary::Free => "free-group working day".into(),
        };
        writeln!(
            f,
            "{} ({}): {kind}{}; evaluated at {}",
            self.day,
            self.time_zone,
            if self.need_punch { "" } else { ", no need to punch" },
            fmt_minute(self.now, &tz)
        )?;
        if let Some(b) = self.previous_day_boundary {
            writeln!(f, "punches up to {} belong to the previous day", fmt_second(b, &tz))?;
        }
        if let Some(b) = self.next_day_boundary {
            writeln!(f, "punches after {} belong to the next day", fmt_second(b, &tz))?;
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        if self.punches.is_empty() {
            writeln!(f, "punches: none")?;
        } else {
            writeln!(f, "punches:")?;
            for p in &self.punches {
                write!(
                    f,
                    "  #{} {} (counts as {})",
                    p.record_id,
                    fmt_second(p.at, &tz),
                    fmt_minute(p.counted_at, &tz)
                )?;
                if p.source != PunchSource::USER {
                    write!(f, " type {}", p.source.0)?;
                }
                if p.is_field {
                    write!(f, " field")?;
                }
                if p.fell_in.is_empty() {
                    writeln!(f, " → outside every window, ignored")?;
                } else {
                    let places: Vec<String> = p
                        .fell_in
                        .iter()
                        .map(|w| {
                            let label = self.records.get(w.record).map_or("record", |r| r.label.as_str());
                            format!("{label} {} window", w.side)
                        })
                        .collect();
                    writeln!(f, " → {}", places.join(", "))?;
                }
            }
        }
        for r in &self.records {
            writeln!(
                f,
                "{} (task_shift_type {}): {} – {}",
                r.label,
                r.task_shift_type,
                fmt_minute(r.shift_on, &tz),
                fmt_minute(r.shift_off, &tz)
            )?;
            write_side(f, "on", &r.on, &tz)?;
            write_side(f, "off", &r.off, &tz)?;
        }
        Ok(())
    }
}
