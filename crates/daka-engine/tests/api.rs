//! Examples of the helper functions the server relies on.

use daka_engine::*;
use jiff::civil::date;
use jiff::tz::TimeZone;

fn sh() -> TimeZone {
    TimeZone::get("Asia/Shanghai").unwrap()
}

fn at(y: i16, m: i8, d: i8, h: i8, mi: i8) -> i64 {
    sh().to_ambiguous_timestamp(date(y, m, d).at(h, mi, 0, 0)).compatible().unwrap().as_second()
}

fn day_shift() -> Shift {
    let mut p = PunchPair::new(540, 1080);
    p.late_minutes_as_late = 5;
    p.late_minutes_as_lack = 60;
    Shift::new("1", "day", vec![p])
}

fn work(day: jiff::civil::Date, s: Shift) -> DayPlan {
    DayPlan { day, time_zone: sh(), kind: DayKind::Work(s), need_punch: true }
}

#[test]
fn punch_range_covers_advance_and_delay() {
    let p = work(date(2024, 1, 15), day_shift());
    assert_eq!(punch_range(&p), (at(2024, 1, 15, 7, 0), at(2024, 1, 15, 22, 0) + 59));
    let rest = DayPlan { kind: DayKind::Rest, ..p };
    assert_eq!(punch_range(&rest), (at(2024, 1, 15, 0, 0), at(2024, 1, 16, 0, 0) - 1));
}

#[test]
fn day_edges_report_scheduled_and_window_edges() {
    let p = work(date(2024, 1, 15), day_shift());
    assert_eq!(
        day_edges(&p),
        Some(DayEdges {
            first_on: at(2024, 1, 15, 9, 0),
            first_window_start: at(2024, 1, 15, 7, 0),
            last_off: at(2024, 1, 15, 18, 0),
            last_window_end: at(2024, 1, 15, 22, 0),
        })
    );
    assert_eq!(day_edges(&DayPlan { kind: DayKind::NoGroup, ..p }), None);
}

#[test]
fn days_touched_by_bounds() {
    let d = |m, dd| date(2024, m, dd);
    assert_eq!(days_touched_by(at(2024, 1, 15, 10, 0), &sh()), vec![d(1, 13), d(1, 14), d(1, 15)]);
    assert_eq!(days_touched_by(at(2024, 1, 15, 13, 0), &sh()), vec![d(1, 13), d(1, 14), d(1, 15), d(1, 16)]);
    assert_eq!(days_touched_by(at(2024, 1, 15, 17, 0), &sh()), vec![d(1, 14), d(1, 15), d(1, 16)]);
    // exactly the last instant of D-2's latest possible window (48:00 + 960 min, +59 s)
    assert_eq!(days_touched_by(at(2024, 1, 15, 16, 0) + 59, &sh())[0], d(1, 13));
    assert_eq!(days_touched_by(at(2024, 1, 15, 16, 1), &sh())[0], d(1, 14));
    // exactly 12:00 is the earliest possible on window of the next day
    assert_eq!(days_touched_by(at(2024, 1, 15, 12, 0), &sh()).last(), Some(&d(1, 16)));
    assert_eq!(days_touched_by(at(2024, 1, 15, 11, 59), &sh()).last(), Some(&d(1, 15)));
}

#[test]
fn empty_or_broken_shifts_do_not_panic() {
    let p = work(date(2024, 1, 15), Shift::new("x", "x", vec![]));
    let o = evaluate(&DayInput::new(&p, &[], 0));
    assert!(o.records.is_empty());
    assert!(o.explanation.to_string().contains("no punch_time_rule"));
    let mut bad = PunchPair::new(i32::MAX, i32::MIN);
    bad.on_advance_minutes = i32::MAX;
    bad.off_delay_minutes = i32::MIN;
    let p = work(date(2024, 1, 15), Shift::new("x", "x", vec![bad]));
    let punches = [Punch { record_id: 1, at: i64::MAX, source: PunchSource(9), is_field: true }];
    let o = evaluate(&DayInput::new(&p, &punches, i64::MIN));
    assert_eq!(o.records.len(), 1);
    let _ = o.explanation.to_string();
    // extreme neighbour instants
    let p = work(date(2024, 1, 15), day_shift());
    for (a, b) in [(i64::MIN, i64::MAX), (i64::MAX, i64::MIN)] {
        let mut input = DayInput::new(&p, &punches, a);
        input.prev_day_last_off = Some(a);
        input.prev_day_last_window_end = Some(b);
        input.next_day_first_on = Some(b);
        input.next_day_first_window_start = Some(a);
        let _ = evaluate(&input).explanation.to_string();
        input.prev_day_last_window_end = None;
        input.next_day_first_window_start = None;
        let _ = evaluate(&input).explanation.to_string();
    }
}

#[test]
fn explanation_reads_like_a_report() {
    let p = work(date(2024, 1, 15), day_shift());
    let punches = [
        Punch { record_id: 7, at: at(2024, 1, 15, 9, 7) + 30, source: PunchSource::USER, is_field: false },
        Punch { record_id: 8, at: at(2024, 1, 15, 23, 0), source: PunchSource::USER, is_field: false },
    ];
    let o = evaluate(&DayInput::new(&p, &punches, at(2024, 1, 16, 0, 0)));
    let text = o.explanation.to_string();
    assert!(text.contains("#7 2024-01-15 09:07:30 (counts as 2024-01-15 09:07)"), "{text}");
    assert!(text.contains("outside every window, ignored"), "{text}");
    assert!(text.contains("→ Late (7 min after on time; 7 > late_minutes_as_late 5"), "{text}");
    assert!(text.contains("no punch → Lack (no punch in the window, and it has closed)"), "{text}");
    let e = &o.explanation;
    assert_eq!(e.records[0].on.chosen, Some(7));
    assert!(e.punches[1].fell_in.is_empty());
    assert_eq!(e.punches[0].fell_in, vec![WindowRef { record: 0, side: Side::On }]);
}

#[test]
fn wire_strings() {
    assert_eq!(CheckResult::NoNeedCheck.as_str(), "NoNeedCheck");
    assert_eq!(Supplement::CardReplacementApplication.as_str(), "CardReplacementApplication");
    for r in CheckResult::ALL {
        assert_eq!(r.as_str().parse::<CheckResult>(), Ok(r));
    }
    for s in Supplement::ALL {
        assert_eq!(s.as_str().parse::<Supplement>(), Ok(s));
    }
}

#[test]
fn evaluate_into_reuses_the_vector() {
    let p = work(date(2024, 1, 15), day_shift());
    let mut v = Vec::with_capacity(4);
    evaluate_into(&DayInput::new(&p, &[], 0), &mut v);
    evaluate_into(&DayInput::new(&p, &[], 0), &mut v);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].check_in.result, CheckResult::Todo);
}

/// `days_touched_by` is its definition — every day D with `D 00:00 − 720 min ≤ at ≤ D 48:00 +
/// 960 min + 59 s`, the bounds resolved by `local_instant` — at every instant of a year, in zones
/// without transitions, with spring-forward and fall-back hours, and with a half-hour shift.
#[test]
fn days_touched_by_is_its_definition_across_transitions() {
    for zone in ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC"] {
        let tz = TimeZone::get(zone).unwrap();
        let start = jiff::Timestamp::from_second(1_767_225_600).unwrap(); // 2026-01-01T00:00Z
        for step in 0..(366 * 24 * 60 / 37) {
            let at = start.as_second() + step * 37 * 60 + step % 60;
            let base = jiff::Timestamp::from_second(at).unwrap().to_zoned(tz.clone()).date();
            let expected: Vec<_> = (-3i64..=1)
                .map(|k| base.checked_add(jiff::Span::new().days(k)).unwrap())
                .filter(|&d| {
                    let lo = local_instant(d, -MAX_ON_ADVANCE, &tz);
                    let hi = local_instant(d, MAX_CLOCK_MINUTE + MAX_OFF_DELAY, &tz) + 59;
                    lo <= at && at <= hi
                })
                .collect();
            assert_eq!(days_touched_by(at, &tz), expected, "{zone} at {at}");
        }
    }
}
