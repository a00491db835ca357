//! Property tests of the engine's invariants.

use daka_engine::*;
use jiff::civil::{date, Date};
use jiff::tz::TimeZone;
use proptest::prelude::*;

const ZONES: [&str; 4] = ["Asia/Shanghai", "America/New_York", "Europe/London", "Asia/Kolkata"];

fn tz(i: usize) -> TimeZone {
    TimeZone::get(ZONES[i % ZONES.len()]).unwrap()
}

/// Days around both 2024 New York DST changes plus ordinary days.
fn day_strategy() -> impl Strategy<Value = Date> {
    prop_oneof![
        (0i64..10).prop_map(|k| date(2024, 3, 7).checked_add(jiff::Span::new().days(k)).unwrap()),
        (0i64..10).prop_map(|k| date(2024, 10, 31).checked_add(jiff::Span::new().days(k)).unwrap()),
        (0i64..365).prop_map(|k| date(2024, 1, 1).checked_add(jiff::Span::new().days(k)).unwrap()),
    ]
}

prop_compose! {
    fn pair_strategy()(
        len in 30i32..480,
        late in 0i32..90, lack in 0i32..180, serious in proptest::option::of(0i32..120),
        early in 0i32..90, elack in 0i32..180,
        adv in 0i32..=720, delay in 0i32..=960,
    ) -> (i32, PunchPair) {
        let mut p = PunchPair::new(0, len);
        p.late_minutes_as_late = late;
        p.late_minutes_as_lack = lack;
        p.late_minutes_as_serious_late = serious;
        p.early_minutes_as_early = early;
        p.early_minutes_as_lack = elack;
        p.on_advance_minutes = adv;
        p.off_delay_minutes = delay;
        (len, p)
    }
}

prop_compose! {
    /// A shift that passes `validate_shift`.
    fn shift_strategy()(
        start in 0i32..1200,
        pairs in proptest::collection::vec((pair_strategy(), 0i32..120), 1..=3),
        flex in proptest::option::of((0i32..60, 0i32..60)),
        no_need_off in any::<bool>(),
        serious in proptest::option::of(0i32..120),
    ) -> Shift {
        let mut t = start;
        let mut ps = Vec::new();
        for ((len, mut p), gap) in pairs {
            p.on_minute = t;
            p.off_minute = t + len;
            t += len + gap;
            ps.push(p);
        }
        let mut s = Shift::new("1", "prop", ps);
        s.flexible = flex.map(|(l, e)| Flexible { late_minutes: l, early_minutes: e });
        s.no_need_off = no_need_off;
        s.late_minutes_as_serious_late = serious;
        s
    }
}

fn plan(shift: Shift, day: Date, zone: usize) -> DayPlan {
    DayPlan { day, time_zone: tz(zone), kind: DayKind::Work(shift), need_punch: true }
}

fn punches_strategy() -> impl Strategy<Value = Vec<(i64, u8, bool)>> {
    // offsets in seconds from the day's local midnight (roughly), -1 day .. +3 days
    proptest::collection::vec(
        (-86_400i64..3 * 86_400, prop_oneof![Just(0u8), Just(1), Just(2), Just(5)], any::<bool>()),
        0..10,
    )
}

fn make_punches(p: &DayPlan, raw: &[(i64, u8, bool)]) -> Vec<Punch> {
    let base = local_instant(p.day, 0, &p.time_zone);
    raw.iter()
        .enumerate()
        .map(|(i, &(off, src, field))| Punch {
            record_id: i as i64 + 1,
            at: base + off,
            source: PunchSource(src),
            is_field: field,
        })
        .collect()
}

fn rank_on(r: CheckResult) -> u8 {
    match r {
        CheckResult::Normal => 0,
        CheckResult::Late => 1,
        CheckResult::Lack => 2,
        _ => 3,
    }
}

fn rank_off(r: CheckResult) -> u8 {
    match r {
        CheckResult::Normal => 0,
        CheckResult::Early => 1,
        CheckResult::Lack => 2,
        _ => 3,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn generated_shifts_are_valid(shift in shift_strategy()) {
        prop_assert_eq!(validate_shift(&shift), Ok(()));
    }

    #[test]
    fn punch_order_does_not_matter(
        shift in shift_strategy(), day in day_strategy(), zone in 0usize..4,
        raw in punches_strategy(), now_off in -86_400i64..4 * 86_400, ot in any::<bool>(),
    ) {
        let p = plan(shift, day, zone);
        let punches = make_punches(&p, &raw);
        let now = local_instant(day, 0, &p.time_zone) + now_off;
        let mut input = DayInput::new(&p, &punches, now);
        input.include_overtime = ot;
        let a = evaluate_records(&input);
        let mut rev = punches.clone();
        rev.reverse();
        let mut rot = punches.clone();
        if !rot.is_empty() { rot.rotate_left(1); }
        prop_assert_eq!(&a, &evaluate_records(&DayInput { punches: &rev, ..input }));
        prop_assert_eq!(&a, &evaluate_records(&DayInput { punches: &rot, ..input }));
        prop_assert_eq!(&a, &evaluate(&input).records);
    }

    #[test]
    fn punches_outside_the_range_change_nothing(
        shift in shift_strategy(), day in day_strategy(), zone in 0usize..4,
        raw in punches_strategy(), extra in 1i64..200_000, after in any::<bool>(),
    ) {
        let p = plan(shift, day, zone);
        let mut punches = make_punches(&p, &raw);
        let now = local_instant(day, 0, &p.time_zone) + 5 * 86_400;
        let before = evaluate_records(&DayInput::new(&p, &punches, now));
        let (from, to) = punch_range(&p);
        punches.push(Punch {
            record_id: 999,
            at: if after { to + extra } else { from - extra },
            source: PunchSource::USER,
            is_field: false,
        });
        prop_assert_eq!(before, evaluate_records(&DayInput::new(&p, &punches, now)));
    }

    #[test]
    fn on_time_punch_inside_the_window_is_normal(
        shift in shift_strategy(), day in day_strategy(), zone in 0usize..4,
        pick in 0.0f64..1.0, sec in 0i64..60,
    ) {
        let mut shift = shift;
        shift.flexible = None;
        let p0 = shift.pairs[0].clone();
        let half = (p0.off_minute - p0.on_minute) / 2;
        // any minute from the window start up to the tolerated lateness (and before the midpoint)
        let lo = -p0.on_advance_minutes;
        let hi = p0.late_minutes_as_late.min(p0.late_minutes_as_lack).min(half - 1);
        let k = lo + ((f64::from(hi - lo) + 1.0) * pick) as i32;
        let p = plan(shift, day, zone);
        let s_on = local_instant(day, p0.on_minute, &p.time_zone);
        let punches = [Punch { record_id: 1, at: s_on + i64::from(k) * 60 + sec, source: PunchSource::USER, is_field: false }];
        let r = evaluate_records(&DayInput::new(&p, &punches, s_on + 10 * 86_400));
        prop_assert_eq!(r[0].check_in.result, CheckResult::Normal);
        prop_assert_eq!(r[0].check_in.record_id, Some(1));
    }

    #[test]
    fn later_check_in_is_never_better(
        shift in shift_strategy(), day in day_strategy(), zone in 0usize..4,
        a in -720i64..720, b in -720i64..720,
    ) {
        let (t1, t2) = (a.min(b), a.max(b));
        let p = plan(shift.clone(), day, zone);
        let s_on = local_instant(day, shift.pairs[0].on_minute, &p.time_zone);
        let now = s_on + 10 * 86_400;
        let eval = |t: i64| {
            let punches = [Punch { record_id: 1, at: s_on + t * 60, source: PunchSource::USER, is_field: false }];
            evaluate_records(&DayInput::new(&p, &punches, now))[0].check_in
        };
        let (r1, r2) = (eval(t1), eval(t2));
        // Only compare when both punches were taken as the check-in.
        if r1.record_id.is_some() && r2.record_id.is_some() {
            prop_assert!(rank_on(r1.result) <= rank_on(r2.result), "{:?} then {:?}", r1, r2);
            prop_assert!(r1.minutes_off <= r2.minutes_off);
        }
    }

    #[test]
    fn later_check_out_is_never_worse(
        shift in shift_strategy(), day in day_strategy(), zone in 0usize..4,
        a in -600i64..960, b in -600i64..960,
    ) {
        let mut shift = shift;
        shift.flexible = None;
        let (t1, t2) = (a.min(b), a.max(b));
        let p = plan(shift.clone(), day, zone);
        let s_off = local_instant(day, shift.pairs[0].off_minute, &p.time_zone);
        let now = s_off + 10 * 86_400;
        let eval = |t: i64| {
            let punches = [Punch { record_id: 1, at: s_off + t * 60, source: PunchSource::USER, is_field: false }];
            evaluate_records(&DayInput::new(&p, &punches, now))[0].check_out
        };
        let (r1, r2) = (eval(t1), eval(t2));
        if r1.record_id.is_some() && r2.record_id.is_some() {
            prop_assert!(rank_off(r1.result) >= rank_off(r2.result), "{:?} then {:?}", r1, r2);
        }
    }

    #[test]
    fn a_punch_serves_at_most_one_normal_side(
        shift in shift_strategy(), day in day_strategy(), zone in 0usize..4, raw in punches_strategy(),
    ) {
        let p = plan(shift, day, zone);
        let punches = make_punches(&p, &raw);
        let r = evaluate_records(&DayInput::new(&p, &punches, 0));
        let mut ids: Vec<i64> = r.iter().filter(|x| x.task_shift_type == 0)
            .flat_map(|x| [x.check_in.record_id, x.check_out.record_id]).flatten().collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        prop_assert_eq!(n, ids.len());
    }

    #[test]
    fn neighbouring_days_never_share_a_punch(
        s1 in shift_strategy(), s2 in shift_strategy(), day in day_strategy(), zone in 0usize..4,
        raw in punches_strategy(), exact in any::<bool>(),
    ) {
        let d1 = plan(s1, day, zone);
        let d2 = plan(s2, day.tomorrow().unwrap(), zone);
        let punches = make_punches(&d1, &raw);
        let now = local_instant(day, 0, &d1.time_zone) + 10 * 86_400;
        let mut i1 = DayInput::new(&d1, &punches, now).with_neighbours(None, Some(&d2));
        let mut i2 = DayInput::new(&d2, &punches, now).with_neighbours(Some(&d1), None);
        if !exact {
            i1.next_day_first_window_start = None;
            i2.prev_day_last_window_end = None;
        }
        let ids = |r: Vec<PairOutcome>| -> Vec<i64> {
            r.iter().flat_map(|x| [x.check_in.record_id, x.check_out.record_id]).flatten().collect()
        };
        let a = ids(evaluate_records(&i1));
        let b = ids(evaluate_records(&i2));
        for id in &a {
            prop_assert!(!b.contains(id), "punch #{} used by both days", id);
        }
    }

    #[test]
    fn days_touched_covers_every_relevant_day(
        shift in shift_strategy(), day in day_strategy(), zone in 0usize..4, frac in 0.0f64..=1.0,
    ) {
        let p = plan(shift, day, zone);
        let (from, to) = punch_range(&p);
        let at = from + ((to - from) as f64 * frac) as i64;
        let days = days_touched_by(at, &p.time_zone);
        prop_assert!(days.contains(&day), "{} not in {:?}", day, days);
        prop_assert!(days.len() <= 4);
    }

    #[test]
    fn never_panics_on_unvalidated_shifts(
        pairs in proptest::collection::vec(
            (any::<i32>(), any::<i32>(), any::<i32>(), any::<i32>(), any::<i32>(), any::<i32>(),
             any::<i32>(), any::<i32>(), proptest::option::of(any::<i32>()), any::<bool>(), any::<bool>()),
            0..5),
        overtime in proptest::collection::vec((any::<i32>(), any::<i32>()), 0..3),
        flex in proptest::option::of((any::<i32>(), any::<i32>())),
        punches in proptest::collection::vec((any::<i64>(), any::<u8>(), any::<bool>()), 0..20),
        absences in proptest::collection::vec((any::<i64>(), any::<i64>()), 0..3),
        now in any::<i64>(), prev in proptest::option::of(any::<i64>()), next in proptest::option::of(any::<i64>()),
        zone in 0usize..4, day in day_strategy(), free in any::<bool>(),
    ) {
        let ps = pairs.into_iter().map(|(a, b, c, d, e, f, g, h, i, j, k)| PunchPair {
            on_minute: a, off_minute: b, late_minutes_as_late: c, late_minutes_as_lack: d,
            on_advance_minutes: e, early_minutes_as_early: f, early_minutes_as_lack: g,
            off_delay_minutes: h, late_minutes_as_serious_late: i, no_need_on: j, no_need_off: k,
        }).collect();
        let mut s = Shift::new("x", "x", ps);
        s.overtime = overtime;
        s.flexible = flex.map(|(l, e)| Flexible { late_minutes: l, early_minutes: e });
        let kind = if free {
            DayKind::Free(FreeRule { start_minute: s.overtime.first().map_or(0, |o| o.0), end_minute: s.overtime.first().map_or(0, |o| o.1), work_hours_minutes: flex.map(|f| f.0), no_punch_as_lack: true })
        } else { DayKind::Work(s) };
        let p = DayPlan { day, time_zone: tz(zone), kind, need_punch: true };
        let punches: Vec<Punch> = punches.into_iter().enumerate().map(|(i, (at, src, f))| Punch {
            record_id: i as i64, at, source: PunchSource(src), is_field: f }).collect();
        let abs: Vec<Absence> = absences.into_iter().map(|(a, b)| Absence { kind: AbsenceKind::Leave, start: a, end: b }).collect();
        let rem = [PendingRemedy { pair_index: 0, side: Side::On }];
        let mut input = DayInput::new(&p, &punches, now);
        input.absences = &abs;
        input.pending_remedies = &rem;
        input.prev_day_last_off = prev;
        input.next_day_first_on = next;
        input.prev_day_last_window_end = next;
        input.include_overtime = true;
        let o = evaluate(&input);
        let _ = o.explanation.to_string();
        let _ = punch_range(&p);
        let _ = day_edges(&p);
        let _ = days_touched_by(now, &p.time_zone);
    }
}
