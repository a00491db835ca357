//! The evaluation core. One code path serves both `evaluate` (with explanation) and
//! `evaluate_into` (records only, allocation-free once the output vector has capacity).

use crate::clock::{local_instant, minute_floor};
use crate::explain::{
    Explanation, NoNeedReason, PlanSummary, PunchNote, Reason, RecordExplanation, SideExplanation, SupplementReason,
    Window, WindowRef,
};
use crate::model::*;
use crate::validate::{MAX_OFF_DELAY, MAX_ON_ADVANCE};
use jiff::tz::TimeZone;

/// Counted punch instants `c` with `lo <= c < hi`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Win {
    pub lo: i64,
    pub hi: i64,
}

impl Win {
    #[inline]
    fn contains(self, c: i64) -> bool {
        self.lo <= c && c < self.hi
    }
}

/// A scheduled on/off segment (normal pair or overtime) with its windows.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Seg {
    pub s_on: i64,
    pub s_off: i64,
    pub on: Win,
    pub off: Win,
}

/// A tiny inline vector so that evaluation does not allocate for ordinary shifts.
pub(crate) struct Small<T: Copy + Default, const N: usize> {
    inline: [T; N],
    len: usize,
    heap: Vec<T>,
}

impl<T: Copy + Default, const N: usize> Small<T, N> {
    pub fn new() -> Self {
        Small { inline: [T::default(); N], len: 0, heap: Vec::new() }
    }
    pub fn push(&mut self, v: T) {
        if self.heap.is_empty() && self.len < N {
            self.inline[self.len] = v;
            self.len += 1;
        } else {
            if self.heap.is_empty() {
                self.heap.extend_from_slice(&self.inline[..self.len]);
            }
            self.heap.push(v);
        }
    }
    pub fn as_slice(&self) -> &[T] {
        if self.heap.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        if self.heap.is_empty() {
            &mut self.inline[..self.len]
        } else {
            &mut self.heap
        }
    }
}

#[inline]
pub(crate) fn midpoint(a: i64, b: i64) -> i64 {
    // i128 so that extreme caller-supplied neighbour instants cannot overflow; the floor of
    // the mean of two i64 always fits in an i64.
    ((i128::from(a) + i128::from(b)).div_euclid(2)) as i64
}

fn make_seg(day: jiff::civil::Date, tz: &TimeZone, on_min: i32, off_min: i32, adv_min: i32, delay_min: i32) -> Seg {
    let s_on = local_instant(day, on_min, tz);
    // An unvalidated shift may have off before on: keep the windows well-formed.
    let s_off = local_instant(day, off_min, tz).max(s_on);
    let mid = midpoint(s_on, s_off);
    let adv = i64::from(adv_min.clamp(0, MAX_ON_ADVANCE)) * 60;
    let delay = i64::from(delay_min.clamp(0, MAX_OFF_DELAY)) * 60;
    Seg { s_on, s_off, on: Win { lo: s_on - adv, hi: mid }, off: Win { lo: mid, hi: s_off + delay + 1 } }
}

/// Splits the overlap of an earlier off window and a later on window at the midpoint of the
/// two scheduled instants (clamped into the overlap). The earlier window keeps the boundary.
fn split(earlier: &mut Win, e_off: i64, later: &mut Win, l_on: i64) {
    if earlier.hi > later.lo {
        let b = midpoint(e_off, l_on).clamp(later.lo, earlier.hi - 1);
        earlier.hi = b + 1;
        later.lo = b + 1;
    }
}

/// Segments of a work shift: normal pairs, then overtime segments sorted by start.
pub(crate) struct WorkSegs {
    pub pairs: Small<Seg, 4>,
    /// (segment, on minute, off minute)
    pub ots: Small<(Seg, i32, i32), 2>,
}

pub(crate) fn work_segs(day: jiff::civil::Date, tz: &TimeZone, shift: &Shift) -> WorkSegs {
    let mut pairs = Small::<Seg, 4>::new();
    for p in &shift.pairs {
        pairs.push(make_seg(day, tz, p.on_minute, p.off_minute, p.on_advance_minutes, p.off_delay_minutes));
    }
    {
        let s = pairs.as_mut_slice();
        for i in 1..s.len() {
            let (a, b) = s.split_at_mut(i);
            let e = &mut a[i - 1];
            let l = &mut b[0];
            split(&mut e.off, e.s_off, &mut l.on, l.s_on);
        }
    }
    let mut ots = Small::<(Seg, i32, i32), 2>::new();
    if let Some(last) = shift.pairs.last() {
        let mut order = Small::<(i32, i32), 2>::new();
        for &(a, b) in &shift.overtime {
            order.push((a, b));
        }
        order.as_mut_slice().sort_unstable();
        for &(a, b) in order.as_slice() {
            ots.push((make_seg(day, tz, a, b, last.on_advance_minutes, last.off_delay_minutes), a, b));
        }
        let s = ots.as_mut_slice();
        for i in 1..s.len() {
            let (a, b) = s.split_at_mut(i);
            let e = &mut a[i - 1].0;
            let l = &mut b[0].0;
            split(&mut e.off, e.s_off, &mut l.on, l.s_on);
        }
    }
    WorkSegs { pairs, ots }
}

fn edges_of<'a>(segs: impl Iterator<Item = &'a Seg>) -> Option<DayEdges> {
    let mut e: Option<DayEdges> = None;
    for s in segs {
        let cur = DayEdges {
            first_on: s.s_on,
            first_window_start: s.on.lo.min(s.off.lo),
            last_off: s.s_off,
            last_window_end: s.off.hi.max(s.on.hi) - 1,
        };
        e = Some(match e {
            None => cur,
            Some(p) => DayEdges {
                first_on: p.first_on.min(cur.first_on),
                first_window_start: p.first_window_start.min(cur.first_window_start),
                last_off: p.last_off.max(cur.last_off),
                last_window_end: p.last_window_end.max(cur.last_window_end),
            },
        });
    }
    e
}

fn free_seg(plan: &DayPlan, r: &FreeRule) -> Seg {
    let s_on = local_instant(plan.day, r.start_minute, &plan.time_zone);
    let s_off = local_instant(plan.day, r.end_minute, &plan.time_zone).max(s_on);
    let w = Win { lo: s_on, hi: s_off + 1 };
    Seg { s_on, s_off, on: w, off: w }
}

/// The scheduled and window edges of a plan (normal pairs and all overtime segments; free
/// range for free days); `None` for rest days, no-group days and shifts without pairs.
/// Pass them to the neighbouring days (see [`DayInput::with_neighbours`]).
pub fn day_edges(plan: &DayPlan) -> Option<DayEdges> {
    match &plan.kind {
        DayKind::Work(shift) => {
            let w = work_segs(plan.day, &plan.time_zone, shift);
            edges_of(w.pairs.as_slice().iter().chain(w.ots.as_slice().iter().map(|t| &t.0)))
        }
        DayKind::Free(r) => {
            let s = free_seg(plan, r);
            edges_of(std::iter::once(&s))
        }
        DayKind::Rest | DayKind::NoGroup => None,
    }
}

/// The instant range `[from, to]` (both inclusive, unix seconds) of punches the caller must
/// load to evaluate `plan`: every window including advance/delay (and the last second of the
/// last window's minute, since a punch counts by its minute). For rest and no-group days the
/// local day `[00:00, 24:00)`. Neighbour clipping only narrows this range.
pub fn punch_range(plan: &DayPlan) -> (i64, i64) {
    match day_edges(plan) {
        Some(e) => (e.first_window_start, e.last_window_end + 59),
        None => (local_instant(plan.day, 0, &plan.time_zone), local_instant(plan.day, 1440, &plan.time_zone) - 1),
    }
}

/// The local attendance days whose evaluation a punch at `at` may affect, ascending.
///
/// Bound used: a window of day D can start at most `on_advance_minutes` (≤ 720) before D's
/// 00:00 (clock times are never negative) and can end at most at D's 48:00 + 960 min
/// `off_delay_minutes` (+59 s for minute truncation). So a punch is relevant to every D with
/// `D 00:00 − 720 min ≤ at ≤ D 48:00 + 960 min + 59 s`, i.e. between the day after the punch's
/// local date (if it is at/after 12:00) and two days before it (if it is before 16:01).
/// Computed DST-correctly with [`local_instant`]; where the zone has no transition within five
/// days of `at` (nearly always) the bounds are plain arithmetic on its one offset.
pub fn days_touched_by(at: i64, tz: &TimeZone) -> Vec<jiff::civil::Date> {
    const FIRST: i32 = -MAX_ON_ADVANCE;
    const LAST: i32 = crate::clock::MAX_CLOCK_MINUTE + MAX_OFF_DELAY;
    // Every bound below lies within 4 days and 16 hours of `at`.
    let steady = crate::clock::steady_offset(at, tz, 5 * 86_400);
    let local = match steady {
        Some(off) => {
            jiff::Timestamp::from_second(at.saturating_add(off)).ok().map(|t| jiff::tz::Offset::UTC.to_datetime(t))
        }
        None => crate::clock::civil(at, tz),
    };
    let Some(local) = local else {
        return Vec::new();
    };
    let base = local.date();
    let mut out = Vec::with_capacity(4);
    for k in -3i64..=1 {
        let Ok(d) = base.checked_add(jiff::Span::new().days(k)) else {
            continue;
        };
        let (lo, hi) = match steady {
            Some(off) => (crate::clock::clock_seconds(d, FIRST) - off, crate::clock::clock_seconds(d, LAST) - off),
            None => (local_instant(d, FIRST, tz), local_instant(d, LAST, tz)),
        };
        if lo <= at && at <= hi + 59 {
            out.push(d);
        }
    }
    out
}

struct Ctx<'a> {
    input: &'a DayInput<'a>,
    tz: &'a TimeZone,
    counted: &'a [i64],
}

impl Ctx<'_> {
    fn earliest(&self, w: Win) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, &c) in self.counted.iter().enumerate() {
            if w.contains(c) {
                let p = &self.input.punches[i];
                best = match best {
                    Some(b) => {
                        let q = &self.input.punches[b];
                        if (p.at, p.record_id) < (q.at, q.record_id) {
                            Some(i)
                        } else {
                            Some(b)
                        }
                    }
                    None => Some(i),
                };
            }
        }
        best
    }

    fn latest(&self, w: Win) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, &c) in self.counted.iter().enumerate() {
            if w.contains(c) {
                let p = &self.input.punches[i];
                best = match best {
                    Some(b) => {
                        let q = &self.input.punches[b];
                        if (p.at, p.record_id) > (q.at, q.record_id) {
                            Some(i)
                        } else {
                            Some(b)
                        }
                    }
                    None => Some(i),
                };
            }
        }
        best
    }

    /// From this instant on no new punch can be counted inside `w`.
    fn closes_at(&self, w: Win) -> i64 {
        if w.hi <= w.lo {
            return w.hi;
        }
        minute_floor(w.hi - 1, self.tz) + 60
    }

    fn closed(&self, w: Win) -> bool {
        self.input.now >= self.closes_at(w)
    }

    fn window(&self, w: Win) -> Window {
        Window { from: w.lo, until: w.hi, closes_at: self.closes_at(w) }
    }

    /// Applies supplements in precedence order.
    fn supplement(
        &self,
        out: &mut SideOutcome,
        chosen: Option<usize>,
        scheduled: i64,
        side: Side,
        remedy_pair: Option<usize>,
    ) -> Option<SupplementReason> {
        if out.result == CheckResult::NoNeedCheck {
            return None;
        }
        let punch = chosen.map(|i| &self.input.punches[i]);
        if let Some(p) = punch {
            if p.source == PunchSource::REMEDY {
                out.supplement = Supplement::CardReplacement;
                return Some(SupplementReason::RemedyPunch);
            }
            if p.source == PunchSource::MANAGER_MODIFICATION {
                out.supplement = Supplement::ManagerModification;
                return Some(SupplementReason::ManagerPunch);
            }
        }
        if out.result != CheckResult::Normal {
            let rank = |k: AbsenceKind| match k {
                AbsenceKind::Leave => 0,
                AbsenceKind::Trip => 1,
                AbsenceKind::Out => 2,
            };
            let mut best: Option<&Absence> = None;
            for a in self.input.absences {
                let covers = match side {
                    Side::On => a.start <= scheduled && scheduled < a.end,
                    Side::Off => a.start < scheduled && scheduled <= a.end,
                };
                if covers && best.is_none_or(|b| rank(a.kind) < rank(b.kind)) {
                    best = Some(a);
                }
            }
            if let Some(a) = best {
                out.result = CheckResult::Normal;
                out.serious_late = false;
                out.minutes_off = 0;
                out.supplement = match a.kind {
                    AbsenceKind::Leave => Supplement::Leave,
                    AbsenceKind::Trip => Supplement::Travel,
                    AbsenceKind::Out => Supplement::GoOut,
                };
                return Some(SupplementReason::Absence { kind: a.kind, start: a.start, end: a.end });
            }
        }
        if punch.is_some_and(|p| p.is_field) {
            out.supplement = Supplement::FieldPunch;
            return Some(SupplementReason::FieldPunch);
        }
        if let Some(pi) = remedy_pair {
            if self.input.pending_remedies.iter().any(|r| r.pair_index == pi && r.side == side) {
                out.supplement = Supplement::CardReplacementApplication;
                return Some(SupplementReason::PendingRemedy);
            }
        }
        None
    }
}

fn to_i32(v: i64) -> i32 {
    v.clamp(0, i64::from(i32::MAX)) as i32
}

/// Explanation of one side, built only on the explain path.
fn side_ex(
    ctx: &Ctx<'_>,
    w: Option<Win>,
    chosen: Option<usize>,
    reason: Reason,
    base: CheckResult,
    sup: Option<SupplementReason>,
    out: &SideOutcome,
) -> SideExplanation {
    SideExplanation {
        window: w.map(|w| ctx.window(w)),
        chosen: chosen.map(|i| ctx.input.punches[i].record_id),
        chosen_at: chosen.map(|i| ctx.counted[i]),
        reason,
        base_result: base,
        supplement_reason: sup,
        result: out.result,
        supplement: out.supplement,
    }
}

/// One fully decided side: outcome plus what the explanation needs.
struct Decided {
    out: SideOutcome,
    chosen: Option<usize>,
    reason: Reason,
    base: CheckResult,
    sup: Option<SupplementReason>,
    win: Option<Win>,
}

/// The core. `ex` is filled only when given.
pub(crate) fn run(input: &DayInput<'_>, out: &mut Vec<PairOutcome>, ex: Option<&mut Explanation>) {
    out.clear();
    let plan = input.plan;
    let tz = &plan.time_zone;

    // Counted minute of each punch (the start of its local minute).
    let n = input.punches.len();
    let mut stack = [0i64; 16];
    let mut heap = Vec::new();
    let counted: &mut [i64] = if n <= stack.len() {
        &mut stack[..n]
    } else {
        heap.resize(n, 0);
        &mut heap
    };
    for (c, p) in counted.iter_mut().zip(input.punches) {
        *c = minute_floor(p.at, tz);
    }
    let ctx = Ctx { input, tz, counted };

    // Collected only for the explanation.
    let mut ex = ex;
    let mut recs: Vec<RecordExplanation> = Vec::new();
    let mut wins: Vec<(usize, Side, Win)> = Vec::new();
    let explaining = ex.is_some();

    let mut bounds = (None, None);
    match &plan.kind {
        DayKind::Rest | DayKind::NoGroup => {
            let (reason, label) = if matches!(plan.kind, DayKind::Rest) {
                (NoNeedReason::RestDay, "rest day")
            } else {
                (NoNeedReason::NoGroup, "no group")
            };
            let s = SideOutcome::plain(CheckResult::NoNeedCheck);
            let rec = PairOutcome {
                shift_on: local_instant(plan.day, 0, tz),
                shift_off: local_instant(plan.day, 1440, tz),
                task_shift_type: 0,
                check_in: s,
                check_out: s,
            };
            out.push(rec);
            if explaining {
                let se = side_ex(&ctx, None, None, Reason::NoNeedCheck(reason), CheckResult::NoNeedCheck, None, &s);
                recs.push(RecordExplanation {
                    label: label.into(),
                    task_shift_type: 0,
                    shift_on: rec.shift_on,
                    shift_off: rec.shift_off,
                    on: se.clone(),
                    off: se,
                });
            }
        }
        DayKind::Free(rule) => {
            let mut seg = free_seg(plan, rule);
            bounds = day_bounds(input, edges_of(std::iter::once(&seg)));
            clip(&mut seg, bounds);
            let (a, b) = free_day(&ctx, plan, rule, &seg);
            if explaining {
                wins.push((0, Side::On, seg.on));
                wins.push((0, Side::Off, seg.off));
                recs.push(rec_ex(&ctx, "free day", 0, &seg, &a, &b));
            }
            out.push(PairOutcome {
                shift_on: seg.s_on,
                shift_off: seg.s_off,
                task_shift_type: 0,
                check_in: a.out,
                check_out: b.out,
            });
        }
        DayKind::Work(shift) => {
            let mut w = work_segs(plan.day, tz, shift);
            bounds =
                day_bounds(input, edges_of(w.pairs.as_slice().iter().chain(w.ots.as_slice().iter().map(|t| &t.0))));
            for s in w.pairs.as_mut_slice() {
                clip(s, bounds);
            }
            for s in w.ots.as_mut_slice() {
                clip(&mut s.0, bounds);
            }
            if shift.pairs.is_empty() {
                if let Some(e) = ex.as_deref_mut() {
                    e.notes.push("shift has no punch_time_rule: no records".to_string());
                }
            }
            work_day(&ctx, shift, &w, out, explaining.then_some((&mut recs, &mut wins)));
        }
    }

    if let Some(e) = ex {
        e.previous_day_boundary = bounds.0;
        e.next_day_boundary = bounds.1;
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (input.punches[i].at, input.punches[i].record_id));
        e.punches = order
            .into_iter()
            .map(|i| {
                let p = &input.punches[i];
                PunchNote {
                    record_id: p.record_id,
                    at: p.at,
                    counted_at: ctx.counted[i],
                    source: p.source,
                    is_field: p.is_field,
                    fell_in: wins
                        .iter()
                        .filter(|(_, _, w)| w.contains(ctx.counted[i]))
                        .map(|&(record, side, _)| WindowRef { record, side })
                        .collect(),
                }
            })
            .collect();
        e.records = recs;
    }
}

/// Boundaries with the neighbouring days: (counted ≤ .0 belongs to the previous day,
/// counted > .1 belongs to the next day).
fn day_bounds(input: &DayInput<'_>, own: Option<DayEdges>) -> (Option<i64>, Option<i64>) {
    let Some(own) = own else {
        return (None, None);
    };
    let start = input.prev_day_last_off.and_then(|p_off| {
        let m = midpoint(p_off, own.first_on);
        match input.prev_day_last_window_end {
            Some(pe) if pe >= own.first_window_start => Some(m.clamp(own.first_window_start, pe)),
            Some(_) => None,
            None => Some(m),
        }
    });
    let end = input.next_day_first_on.and_then(|q| {
        let m = midpoint(own.last_off, q);
        match input.next_day_first_window_start {
            Some(ns) if own.last_window_end >= ns => Some(m.clamp(ns, own.last_window_end)),
            Some(_) => None,
            None => Some(m),
        }
    });
    (start, end)
}

fn clip(s: &mut Seg, (start, end): (Option<i64>, Option<i64>)) {
    for w in [&mut s.on, &mut s.off] {
        if let Some(b) = start {
            w.lo = w.lo.max(b.saturating_add(1));
        }
        if let Some(b) = end {
            w.hi = w.hi.min(b.saturating_add(1));
        }
    }
}

fn rec_ex(ctx: &Ctx<'_>, label: &str, task_shift_type: u8, seg: &Seg, a: &Decided, b: &Decided) -> RecordExplanation {
    RecordExplanation {
        label: label.to_string(),
        task_shift_type,
        shift_on: seg.s_on,
        shift_off: seg.s_off,
        on: side_ex(ctx, a.win, a.chosen, a.reason, a.base, a.sup, &a.out),
        off: side_ex(ctx, b.win, b.chosen, b.reason, b.base, b.sup, &b.out),
    }
}

fn missing(ctx: &Ctx<'_>, w: Win) -> (CheckResult, Reason) {
    let closed = ctx.closed(w);
    (if closed { CheckResult::Lack } else { CheckResult::Todo }, Reason::Missing { closed })
}

type ExSink<'s> = Option<(&'s mut Vec<RecordExplanation>, &'s mut Vec<(usize, Side, Win)>)>;

fn work_day(ctx: &Ctx<'_>, shift: &Shift, w: &WorkSegs, out: &mut Vec<PairOutcome>, mut ex: ExSink<'_>) {
    let plan = ctx.input.plan;
    let segs = w.pairs.as_slice();
    let n = shift.pairs.len().min(segs.len());
    let serious_shift = shift.late_minutes_as_serious_late;
    // Remember first-pair on and last-pair off choices for contiguous overtime.
    let mut first_on: Option<(Option<usize>, Win)> = None;
    let mut last_off: Option<(Option<usize>, Win)> = None;

    for (i, (p, &seg)) in shift.pairs.iter().zip(segs).enumerate().take(n) {
        let flex = if i == 0 { shift.flexible } else { None };
        let mut off_shift_secs: i64 = 0;

        // ---- on side
        let on_choice = ctx.earliest(seg.on);
        let on_no_need = if !plan.need_punch {
            Some(NoNeedReason::PersonExempt)
        } else if p.no_need_on {
            Some(NoNeedReason::PairNoNeedOn)
        } else {
            None
        };
        let mut on = SideOutcome::plain(CheckResult::Normal);
        on.record_id = on_choice.map(|k| ctx.input.punches[k].record_id);
        let on_reason = match on_choice {
            Some(k) => {
                let d = (ctx.counted[k] - seg.s_on).div_euclid(60);
                let (late_allow, early_allow) =
                    flex.map_or((0, 0), |f| (i64::from(f.late_minutes.max(0)), i64::from(f.early_minutes.max(0))));
                let allowance = if d > 0 { d.min(late_allow) } else { 0 };
                if d > 0 {
                    off_shift_secs = d.min(late_allow) * 60;
                } else if d < 0 {
                    off_shift_secs = -((-d).min(early_allow) * 60);
                }
                let late = (d - allowance).max(0);
                let late_th = p.late_minutes_as_late.max(0);
                let lack_th = p.late_minutes_as_lack.max(0);
                let serious_th = serious_shift.or(p.late_minutes_as_serious_late);
                on.result = if late > i64::from(lack_th) {
                    CheckResult::Lack
                } else if late > i64::from(late_th) {
                    CheckResult::Late
                } else {
                    CheckResult::Normal
                };
                on.serious_late =
                    on.result == CheckResult::Late && serious_th.is_some_and(|t| late > i64::from(t.max(0)));
                on.minutes_off = to_i32(late);
                Reason::Late {
                    raw_minutes: d,
                    allowance,
                    minutes: late,
                    late_threshold: late_th,
                    lack_threshold: lack_th,
                    serious_threshold: serious_th,
                }
            }
            None => {
                let (r, reason) = missing(ctx, seg.on);
                on.result = r;
                reason
            }
        };
        let on_reason = match on_no_need {
            Some(nr) => {
                on = SideOutcome { record_id: on.record_id, ..SideOutcome::plain(CheckResult::NoNeedCheck) };
                Reason::NoNeedCheck(nr)
            }
            None => on_reason,
        };
        let on_base = on.result;
        let on_sup = ctx.supplement(&mut on, on_choice, seg.s_on, Side::On, Some(i));

        // ---- off side
        let off_choice = ctx.latest(seg.off);
        let off_no_need = if !plan.need_punch {
            Some(NoNeedReason::PersonExempt)
        } else if p.no_need_off {
            Some(NoNeedReason::PairNoNeedOff)
        } else if shift.no_need_off && i + 1 == n {
            Some(NoNeedReason::ShiftNoNeedOff)
        } else {
            None
        };
        let mut off = SideOutcome::plain(CheckResult::Normal);
        off.record_id = off_choice.map(|k| ctx.input.punches[k].record_id);
        let expected_off = seg.s_off + off_shift_secs;
        let off_reason = match off_choice {
            Some(k) => {
                let e = (expected_off - ctx.counted[k]).div_euclid(60);
                let early = e.max(0);
                let early_th = p.early_minutes_as_early.max(0);
                let lack_th = p.early_minutes_as_lack.max(0);
                off.result = if early > i64::from(lack_th) {
                    CheckResult::Lack
                } else if early > i64::from(early_th) {
                    CheckResult::Early
                } else {
                    CheckResult::Normal
                };
                off.minutes_off = to_i32(early);
                Reason::Early { raw_minutes: e, expected_off, early_threshold: early_th, lack_threshold: lack_th }
            }
            None => {
                let (r, reason) = missing(ctx, seg.off);
                off.result = r;
                reason
            }
        };
        let off_reason = match off_no_need {
            Some(nr) => {
                off = SideOutcome { record_id: off.record_id, ..SideOutcome::plain(CheckResult::NoNeedCheck) };
                Reason::NoNeedCheck(nr)
            }
            None => off_reason,
        };
        let off_base = off.result;
        let off_sup = ctx.supplement(&mut off, off_choice, seg.s_off, Side::Off, Some(i));

        if i == 0 {
            first_on = Some((on_choice, seg.on));
        }
        if i + 1 == n {
            last_off = Some((off_choice, seg.off));
        }
        out.push(PairOutcome {
            shift_on: seg.s_on,
            shift_off: seg.s_off,
            task_shift_type: 0,
            check_in: on,
            check_out: off,
        });
        if let Some((recs, wins)) = ex.as_mut() {
            let idx = recs.len();
            wins.push((idx, Side::On, seg.on));
            wins.push((idx, Side::Off, seg.off));
            let a = Decided {
                out: on,
                chosen: on_choice,
                reason: on_reason,
                base: on_base,
                sup: on_sup,
                win: Some(seg.on),
            };
            let b = Decided {
                out: off,
                chosen: off_choice,
                reason: off_reason,
                base: off_base,
                sup: off_sup,
                win: Some(seg.off),
            };
            recs.push(rec_ex(ctx, &format!("pair {}", i + 1), 0, &seg, &a, &b));
        }
    }

    if !ctx.input.include_overtime || n == 0 {
        return;
    }
    let first_pair_on = shift.pairs[0].on_minute;
    let last_pair_off = shift.pairs[n - 1].off_minute;
    for (j, &(seg, on_m, off_m)) in w.ots.as_slice().iter().enumerate() {
        let side = |shared: Option<(Option<usize>, Win, usize, Side)>, own_win: Win, first: bool| -> Decided {
            let (chosen, win, shared_reason) = match shared {
                Some((c, win, pair, s)) => (c, win, Some(Reason::SharedWithPair { pair, side: s })),
                None => (if first { ctx.earliest(own_win) } else { ctx.latest(own_win) }, own_win, None),
            };
            let mut o = SideOutcome::plain(CheckResult::Normal);
            o.record_id = chosen.map(|k| ctx.input.punches[k].record_id);
            let reason = if !plan.need_punch {
                o = SideOutcome { record_id: o.record_id, ..SideOutcome::plain(CheckResult::NoNeedCheck) };
                Reason::NoNeedCheck(NoNeedReason::PersonExempt)
            } else if chosen.is_some() {
                shared_reason.unwrap_or(Reason::Present)
            } else {
                let (r, reason) = missing(ctx, win);
                o.result = r;
                reason
            };
            let base = o.result;
            let scheduled = if first { seg.s_on } else { seg.s_off };
            let sup = ctx.supplement(&mut o, chosen, scheduled, if first { Side::On } else { Side::Off }, None);
            Decided { out: o, chosen, reason, base, sup, win: Some(win) }
        };
        let shared_on = if on_m == last_pair_off { last_off.map(|(c, win)| (c, win, n - 1, Side::Off)) } else { None };
        let shared_off = if off_m == first_pair_on { first_on.map(|(c, win)| (c, win, 0, Side::On)) } else { None };
        let a = side(shared_on, seg.on, true);
        let b = side(shared_off, seg.off, false);
        out.push(PairOutcome {
            shift_on: seg.s_on,
            shift_off: seg.s_off,
            task_shift_type: 1,
            check_in: a.out,
            check_out: b.out,
        });
        if let Some((recs, wins)) = ex.as_mut() {
            let idx = recs.len();
            if shared_on.is_none() {
                wins.push((idx, Side::On, seg.on));
            }
            if shared_off.is_none() {
                wins.push((idx, Side::Off, seg.off));
            }
            recs.push(rec_ex(ctx, &format!("overtime {}", j + 1), 1, &seg, &a, &b));
        }
    }
}

fn free_day(ctx: &Ctx<'_>, plan: &DayPlan, rule: &FreeRule, seg: &Seg) -> (Decided, Decided) {
    let first = ctx.earliest(seg.on);
    let last = ctx.latest(seg.off).filter(|&l| Some(l) != first);
    let closed = ctx.closed(seg.off);
    let mut a = SideOutcome::plain(CheckResult::Normal);
    let mut b = SideOutcome::plain(CheckResult::Normal);
    a.record_id = first.map(|k| ctx.input.punches[k].record_id);
    b.record_id = last.map(|k| ctx.input.punches[k].record_id);
    let (ra, rb);
    if !plan.need_punch {
        a.result = CheckResult::NoNeedCheck;
        b.result = CheckResult::NoNeedCheck;
        ra = Reason::NoNeedCheck(NoNeedReason::PersonExempt);
        rb = ra;
    } else {
        match (first, last) {
            (None, _) => {
                let (r, reason) = if !closed {
                    (CheckResult::Todo, Reason::Missing { closed })
                } else if rule.no_punch_as_lack {
                    (CheckResult::Lack, Reason::Missing { closed })
                } else {
                    (CheckResult::NoNeedCheck, Reason::NoNeedCheck(NoNeedReason::FreeNoPunchNotLack))
                };
                a.result = r;
                b.result = r;
                ra = reason;
                rb = reason;
            }
            (Some(_), None) => {
                ra = Reason::Present;
                b.result = if closed { CheckResult::Lack } else { CheckResult::Todo };
                rb = Reason::SinglePunch { closed };
            }
            (Some(f), Some(l)) => {
                ra = Reason::Present;
                let worked = (ctx.counted[l] - ctx.counted[f]).div_euclid(60);
                if let Some(req) = rule.work_hours_minutes {
                    let short = i64::from(req.max(0)) - worked;
                    if short > 0 {
                        b.result = CheckResult::Early;
                        b.minutes_off = to_i32(short);
                    }
                }
                rb = Reason::WorkHours { worked, required: rule.work_hours_minutes };
            }
        }
    }
    let (ba, bb) = (a.result, b.result);
    let sa = ctx.supplement(&mut a, first, seg.s_on, Side::On, Some(0));
    let sb = ctx.supplement(&mut b, last, seg.s_off, Side::Off, Some(0));
    (
        Decided { out: a, chosen: first, reason: ra, base: ba, sup: sa, win: Some(seg.on) },
        Decided { out: b, chosen: last, reason: rb, base: bb, sup: sb, win: Some(seg.off) },
    )
}

/// Evaluates one person-day: records in pair order (then overtime records when
/// `include_overtime`), plus a structured explanation. Never panics, whatever the input.
pub fn evaluate(input: &DayInput<'_>) -> DayOutcome {
    let plan = input.plan;
    let summary = match &plan.kind {
        DayKind::Work(s) => PlanSummary::Work { shift_id: s.id.clone(), shift_name: s.name.clone() },
        DayKind::Rest => PlanSummary::Rest,
        DayKind::NoGroup => PlanSummary::NoGroup,
        DayKind::Free(_) => PlanSummary::Free,
    };
    let mut ex = Explanation::new(plan.day, &plan.time_zone, summary, plan.need_punch, input.now);
    let mut records = Vec::new();
    run(input, &mut records, Some(&mut ex));
    DayOutcome { records, explanation: ex }
}

/// The fast path: the same records as [`evaluate`] without building the explanation, written
/// into `out` (cleared first). Allocation-free when `out` has capacity and the day has at most
/// 16 punches, 4 pairs and 2 overtime segments.
pub fn evaluate_into(input: &DayInput<'_>, out: &mut Vec<PairOutcome>) {
    run(input, out, None);
}

/// Convenience for [`evaluate_into`] returning a fresh vector.
pub fn evaluate_records(input: &DayInput<'_>) -> Vec<PairOutcome> {
    let mut v = Vec::with_capacity(4);
    run(input, &mut v, None);
    v
}
