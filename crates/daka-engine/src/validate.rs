//! Shift validation (answers Feishu 1220001 "param is invalid").

use crate::clock::MAX_CLOCK_MINUTE;
use crate::model::Shift;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One problem found by [`validate_shift`], naming the Feishu field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Wire path of the field, e.g. `punch_time_rule[1].off_time`.
    pub field: String,
    /// What is wrong, e.g. `must be after on_time`.
    pub message: String,
}

impl fmt::Display for FieldError {
    /// `"punch_time_rule[1].off_time must be after on_time"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.message)
    }
}

/// Largest `on_advance_minutes` Feishu accepts.
pub const MAX_ON_ADVANCE: i32 = 720;
/// Largest `off_delay_minutes` Feishu accepts.
pub const MAX_OFF_DELAY: i32 = 960;

/// Checks a shift's rules and returns every problem found (not just the first):
/// 1–3 pairs; each `on_time` ≥ 0:00 and `off_time` after `on_time`; pairs ordered and not
/// overlapping; `on_advance_minutes` 0..=720; `off_delay_minutes` 0..=960; all thresholds
/// ≥ 0; the first pair's `no_need_on` false; nothing later than 48:00; flexible minutes ≥ 0;
/// rest and overtime periods with end after begin.
/// Indices in field names are 0-based like the wire arrays.
pub fn validate_shift(shift: &Shift) -> Result<(), Vec<FieldError>> {
    let mut errs = Vec::new();
    fn err(errs: &mut Vec<FieldError>, field: String, message: &str) {
        errs.push(FieldError { field, message: message.to_string() })
    }
    if shift.name.trim().is_empty() {
        err(&mut errs, "shift_name".into(), "must not be empty");
    }
    if shift.pairs.is_empty() || shift.pairs.len() > 3 {
        err(&mut errs, "punch_time_rule".into(), "must have 1 to 3 entries");
    }
    for (i, p) in shift.pairs.iter().enumerate() {
        let f = |name: &str| format!("punch_time_rule[{i}].{name}");
        if p.on_minute < 0 {
            err(&mut errs, f("on_time"), "must not be before 0:00");
        }
        if p.on_minute > MAX_CLOCK_MINUTE {
            err(&mut errs, f("on_time"), "must not be later than 48:00");
        }
        if p.off_minute <= p.on_minute {
            err(&mut errs, f("off_time"), "must be after on_time");
        }
        if p.off_minute > MAX_CLOCK_MINUTE {
            err(&mut errs, f("off_time"), "must not be later than 48:00");
        }
        if !(0..=MAX_ON_ADVANCE).contains(&p.on_advance_minutes) {
            err(&mut errs, f("on_advance_minutes"), "must be between 0 and 720");
        }
        if !(0..=MAX_OFF_DELAY).contains(&p.off_delay_minutes) {
            err(&mut errs, f("off_delay_minutes"), "must be between 0 and 960");
        }
        for (name, v) in [
            ("late_minutes_as_late", p.late_minutes_as_late),
            ("late_minutes_as_lack", p.late_minutes_as_lack),
            ("early_minutes_as_early", p.early_minutes_as_early),
            ("early_minutes_as_lack", p.early_minutes_as_lack),
        ] {
            if v < 0 {
                err(&mut errs, f(name), "must not be negative");
            }
        }
        if p.late_minutes_as_serious_late.is_some_and(|v| v < 0) {
            err(&mut errs, f("late_minutes_as_serious_late"), "must not be negative");
        }
        if i == 0 && p.no_need_on {
            err(&mut errs, f("no_need_on"), "must be false for the first rule");
        }
        if i > 0 {
            let prev = &shift.pairs[i - 1];
            if p.on_minute < prev.off_minute {
                let m = format!("must not be before punch_time_rule[{}].off_time", i - 1);
                err(&mut errs, f("on_time"), &m);
            }
        }
    }
    if let (Some(first), Some(last)) = (shift.pairs.first(), shift.pairs.last()) {
        if last.off_minute - first.on_minute > MAX_CLOCK_MINUTE {
            errs.push(FieldError { field: "punch_time_rule".into(), message: "must not span more than 48:00".into() });
        }
    }
    if shift.late_minutes_as_serious_late.is_some_and(|v| v < 0) {
        errs.push(FieldError { field: "late_minutes_as_serious_late".into(), message: "must not be negative".into() });
    }
    if let Some(fx) = shift.flexible {
        if fx.late_minutes < 0 {
            errs.push(FieldError {
                field: "flexible_rule[0].flexible_late_minutes".into(),
                message: "must not be negative".into(),
            });
        }
        if fx.early_minutes < 0 {
            errs.push(FieldError {
                field: "flexible_rule[0].flexible_early_minutes".into(),
                message: "must not be negative".into(),
            });
        }
    }
    for (i, (b, e)) in shift.rest_breaks.iter().enumerate() {
        if e <= b {
            errs.push(FieldError {
                field: format!("rest_time_rule[{i}].rest_end_time"),
                message: "must be after rest_begin_time".into(),
            });
        }
    }
    for (i, (on, off)) in shift.overtime.iter().enumerate() {
        if off <= on {
            errs.push(FieldError {
                field: format!("overtime_rule[{i}].off_overtime"),
                message: "must be after on_overtime".into(),
            });
        }
        if *on < 0 || *off > MAX_CLOCK_MINUTE {
            errs.push(FieldError {
                field: format!("overtime_rule[{i}]"),
                message: "must lie between 0:00 and 48:00".into(),
            });
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Flexible, PunchPair};

    fn shift(pairs: Vec<PunchPair>) -> Shift {
        Shift::new("1", "day", pairs)
    }

    #[test]
    fn accepts_normal_shifts() {
        assert_eq!(validate_shift(&shift(vec![PunchPair::new(540, 1080)])), Ok(()));
        assert_eq!(
            validate_shift(&shift(vec![
                PunchPair::new(480, 720),
                PunchPair::new(780, 1020),
                PunchPair::new(1080, 1260)
            ])),
            Ok(())
        );
        // cross midnight 22:00-30:00
        assert_eq!(validate_shift(&shift(vec![PunchPair::new(1320, 1800)])), Ok(()));
    }

    #[test]
    fn names_the_field() {
        let mut p2 = PunchPair::new(900, 800);
        p2.on_advance_minutes = 721;
        p2.off_delay_minutes = 961;
        p2.late_minutes_as_late = -1;
        let mut p1 = PunchPair::new(540, 1000);
        p1.no_need_on = true;
        let mut s = shift(vec![p1, p2]);
        s.flexible = Some(Flexible { late_minutes: -1, early_minutes: 0 });
        let errs: Vec<String> = validate_shift(&s).unwrap_err().iter().map(|e| e.to_string()).collect();
        for want in [
            "punch_time_rule[1].off_time must be after on_time",
            "punch_time_rule[1].on_advance_minutes must be between 0 and 720",
            "punch_time_rule[1].off_delay_minutes must be between 0 and 960",
            "punch_time_rule[1].late_minutes_as_late must not be negative",
            "punch_time_rule[0].no_need_on must be false for the first rule",
            "punch_time_rule[1].on_time must not be before punch_time_rule[0].off_time",
            "flexible_rule[0].flexible_late_minutes must not be negative",
        ] {
            assert!(errs.iter().any(|e| e == want), "missing {want:?} in {errs:?}");
        }
    }

    #[test]
    fn pair_count_and_span() {
        assert!(validate_shift(&shift(vec![])).is_err());
        let four = (0..4).map(|i| PunchPair::new(i * 200, i * 200 + 100)).collect();
        assert!(validate_shift(&shift(four)).is_err());
        let e = validate_shift(&shift(vec![PunchPair::new(540, 2881)])).unwrap_err();
        assert!(e.iter().any(|e| e.to_string() == "punch_time_rule[0].off_time must not be later than 48:00"));
    }
}
