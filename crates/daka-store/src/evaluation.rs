//! Evaluating many person-days at once: their rules resolved, and their punches, approved
//! absences and pending remedies loaded in a few set-at-a-time queries whatever the number of
//! people, then the engine run day by day.

use std::collections::HashMap;
use std::sync::Arc;

use daka_engine::{
    Absence, AbsenceKind, CheckResult, DayInput, PairOutcome, PendingRemedy, Punch as EnginePunch, PunchSource, Side,
};
use jiff::civil::Date;
use sqlx::{AnyConnection, Row};

use crate::bulk::{from_ranges, id_list, json_rows, merge_ranges, Col, MAX_RANGES};
use crate::people::Person;
use crate::plan::{ResolvedDay, Resolver};
use crate::results::{day_number, STATUS_APPROVED, STATUS_PENDING};
use crate::Result;

/// One person's days to evaluate: runs of consecutive days, first and last included.
pub(crate) struct Job<'a> {
    /// The person.
    pub person: &'a Person,
    /// Runs of days.
    pub runs: Vec<(Date, Date)>,
}

/// An evaluated person-day.
pub(crate) struct Evaluated {
    /// The person.
    pub person_id: i64,
    /// The rules that applied.
    pub resolved: Arc<ResolvedDay>,
    /// Pairs, then overtime segments.
    pub records: Vec<PairOutcome>,
    /// When the result will change by time alone (a Todo side closing).
    pub changes_at: Option<i64>,
}

/// The days of one run with their neighbours: `first − 1 ..= last + 1`, resolved.
struct Run<'a> {
    person: &'a Person,
    plans: Vec<Arc<ResolvedDay>>,
}

fn next(d: Date) -> Option<Date> {
    d.tomorrow().ok()
}

/// The days of several jobs with their rules resolved, ready to evaluate once their punches,
/// absences and pending remedies are loaded (see [`Runs::spans`]).
pub(crate) struct Runs<'a> {
    runs: Vec<Run<'a>>,
    /// The people, in job order.
    pub ids: Vec<i64>,
    /// First day resolved (the day before the first run).
    pub lo: Date,
    /// Last day resolved (the day after the last run).
    pub hi: Date,
}

/// What evaluating [`Runs`] needs besides the rules, by person.
#[derive(Default)]
pub(crate) struct Inputs {
    /// Punches within [`Runs::spans`], by check time then record id.
    pub punches: HashMap<i64, Vec<EnginePunch>>,
    /// Approved absences overlapping the spans, by start.
    pub absences: HashMap<i64, Vec<Absence>>,
    /// Pending remedies of days `lo..=hi`.
    pub remedies: HashMap<i64, Vec<(i32, PendingRemedy)>>,
}

/// Resolves the rules of every day of `jobs` and of its neighbours; `None` when there are no days.
pub(crate) async fn resolve_runs<'a>(
    conn: &mut AnyConnection,
    resolver: &mut Resolver,
    jobs: &[Job<'a>],
) -> Result<Option<Runs<'a>>> {
    let bounds = jobs.iter().flat_map(|j| j.runs.iter());
    let (Some(lo), Some(hi)) = (bounds.clone().map(|r| r.0).min(), bounds.map(|r| r.1).max()) else {
        return Ok(None);
    };
    let ids: Vec<i64> = jobs.iter().map(|j| j.person.id).collect();
    let lo = lo.yesterday().unwrap_or(lo);
    let hi = hi.tomorrow().unwrap_or(hi);
    resolver.prefetch(conn, &ids, lo, hi).await?;
    let mut runs = Vec::new();
    for job in jobs {
        for &(first, last) in &job.runs {
            let mut plans = Vec::new();
            let mut d = Some(first.yesterday().unwrap_or(first));
            let end = last.tomorrow().unwrap_or(last);
            while let Some(day) = d.filter(|d| *d <= end) {
                plans.push(resolver.resolve(conn, job.person.id, day).await?);
                d = next(day);
            }
            runs.push(Run { person: job.person, plans });
        }
    }
    Ok(Some(Runs { runs, ids, lo, hi }))
}

impl Runs<'_> {
    /// The instants `(person, from, to)` whose punches and absences the runs read.
    pub fn spans(&self) -> Vec<(i64, i64, i64)> {
        self.runs
            .iter()
            .filter_map(|r| {
                let (head, tail) = (r.plans.first()?, r.plans.last()?);
                Some((r.person.id, daka_engine::punch_range(&head.plan).0, daka_engine::punch_range(&tail.plan).1))
            })
            .collect()
    }

    /// Evaluates every day of the runs on which its person is employed.
    pub fn evaluate(&self, inputs: &Inputs, now: i64) -> Vec<Evaluated> {
        let mut out = Vec::new();
        for run in &self.runs {
            let person = run.person;
            let mine = inputs.punches.get(&person.id).map_or(&[][..], Vec::as_slice);
            let absent = inputs.absences.get(&person.id).map_or(&[][..], Vec::as_slice);
            let pending = inputs.remedies.get(&person.id).map_or(&[][..], Vec::as_slice);
            for i in 1..run.plans.len().saturating_sub(1) {
                let this = &run.plans[i];
                if !employed_on(person, this) {
                    continue;
                }
                let (from, to) = daka_engine::punch_range(&this.plan);
                let start = mine.partition_point(|p| p.at < from);
                let stop = mine.partition_point(|p| p.at <= to);
                let day = day_number(this.plan.day);
                let pending: Vec<PendingRemedy> = pending.iter().filter(|(d, _)| *d == day).map(|(_, r)| *r).collect();
                let mut input = DayInput::new(&this.plan, &mine[start..stop], now)
                    .with_neighbours(Some(&run.plans[i - 1].plan), Some(&run.plans[i + 1].plan));
                input.include_overtime = true;
                input.absences = absent;
                input.pending_remedies = &pending;
                let records = daka_engine::evaluate_records(&input);
                let changes_at = changes_at(&input, &records);
                out.push(Evaluated { person_id: person.id, resolved: this.clone(), records, changes_at });
            }
        }
        out
    }
}

/// The engine's view of a stored punch: its id, instant, flow `type` (unknown types count as
/// 0) and whether it was a field punch.
pub(crate) fn engine_punch(record_id: i64, at: i64, kind: i64, is_field: bool) -> EnginePunch {
    EnginePunch { record_id, at, source: PunchSource(u8::try_from(kind).unwrap_or(0)), is_field }
}

/// Evaluates every day of `jobs` on which its person is employed.
pub(crate) async fn evaluate_many(
    conn: &mut AnyConnection,
    resolver: &mut Resolver,
    jobs: &[Job<'_>],
    now: i64,
) -> Result<Vec<Evaluated>> {
    let Some(runs) = resolve_runs(conn, resolver, jobs).await? else { return Ok(Vec::new()) };
    let spans = runs.spans();
    let inputs = Inputs {
        punches: punches_in(conn, &spans, Vec::new()).await?,
        absences: approved_absences(conn, &spans).await?,
        remedies: pending_remedies(conn, &runs.ids, day_number(runs.lo), day_number(runs.hi)).await?,
    };
    Ok(runs.evaluate(&inputs, now))
}

/// Whether the person was employed during any part of the day.
fn employed_on(p: &Person, day: &ResolvedDay) -> bool {
    let start = daka_engine::local_instant(day.plan.day, 0, &day.plan.time_zone);
    let end = daka_engine::local_instant(day.plan.day, 1440, &day.plan.time_zone);
    p.employed_from.is_none_or(|f| f < end) && p.left_at.is_none_or(|l| l > start)
}

/// The earliest instant at which a result would change by time alone (a Todo side closing).
fn changes_at(input: &DayInput<'_>, records: &[PairOutcome]) -> Option<i64> {
    let todo = |r: &PairOutcome| r.check_in.result == CheckResult::Todo || r.check_out.result == CheckResult::Todo;
    if !records.iter().any(todo) {
        return None;
    }
    let outcome = daka_engine::evaluate(input);
    outcome
        .explanation
        .records
        .iter()
        .zip(&outcome.records)
        .flat_map(|(e, r)| {
            [(&e.on, r.check_in.result), (&e.off, r.check_out.result)]
                .into_iter()
                .filter(|(_, res)| *res == CheckResult::Todo)
                .filter_map(|(side, _)| side.window.as_ref().map(|w| w.closes_at))
        })
        .min()
}

/// Punches of each person within their `(person, from, to)` instant ranges, by check time, with
/// `unseen` `(person, punch)` — punches `conn` cannot see yet (another connection's uncommitted
/// ones) — added.
pub(crate) async fn punches_in(
    conn: &mut AnyConnection,
    spans: &[(i64, i64, i64)],
    unseen: Vec<(i64, EnginePunch)>,
) -> Result<HashMap<i64, Vec<EnginePunch>>> {
    let columns = ["person_id", "record_id", "check_time", "kind", "is_field"].map(Col::Value);
    let mut out: HashMap<i64, Vec<EnginePunch>> = HashMap::new();
    for (person, punch) in unseen {
        out.entry(person).or_default().push(punch);
    }
    for chunk in merge_ranges(spans.to_vec()).chunks(MAX_RANGES) {
        let rest = from_ranges("punches", "person_id", "check_time", chunk);
        let rows: Vec<(i64, i64, i64, i64, i64)> = json_rows(conn, &columns, &rest, "", &[]).await?;
        for (person, record_id, check_time, kind, is_field) in rows {
            out.entry(person).or_default().push(engine_punch(record_id, check_time, kind, is_field != 0));
        }
    }
    for list in out.values_mut() {
        list.sort_by_key(|p| (p.at, p.record_id));
        list.dedup_by_key(|p| p.record_id);
    }
    Ok(out)
}

/// Approved leaves, outs and trips overlapping each person's ranges, by start.
pub(crate) async fn approved_absences(
    conn: &mut AnyConnection,
    spans: &[(i64, i64, i64)],
) -> Result<HashMap<i64, Vec<Absence>>> {
    let mut out: HashMap<i64, Vec<Absence>> = HashMap::new();
    let (Some(from), Some(to)) = (spans.iter().map(|s| s.1).min(), spans.iter().map(|s| s.2).max()) else {
        return Ok(out);
    };
    let mut ids: Vec<i64> = spans.iter().map(|s| s.0).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT person_id, kind, start_at, end_at FROM approvals WHERE person_id IN ({}) AND status = $1 \
         AND start_at <= $2 AND end_at >= $3 AND kind IN ('leave', 'out', 'trip') ORDER BY person_id, start_at",
        id_list(&ids)
    )))
    .bind(STATUS_APPROVED)
    .bind(to)
    .bind(from)
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let kind = match r.try_get::<String, _>(1)?.as_str() {
            "leave" => AbsenceKind::Leave,
            "out" => AbsenceKind::Out,
            _ => AbsenceKind::Trip,
        };
        out.entry(r.try_get(0)?).or_default().push(Absence { kind, start: r.try_get(2)?, end: r.try_get(3)? });
    }
    Ok(out)
}

/// Pending remedies of the given people for days `from..=to`: person → (day, side).
pub(crate) async fn pending_remedies(
    conn: &mut AnyConnection,
    person_ids: &[i64],
    from: i32,
    to: i32,
) -> Result<HashMap<i64, Vec<(i32, PendingRemedy)>>> {
    let mut out: HashMap<i64, Vec<(i32, PendingRemedy)>> = HashMap::new();
    if person_ids.is_empty() {
        return Ok(out);
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT person_id, remedy_date, punch_no, work_type FROM remedies WHERE person_id IN ({}) AND status = $1 \
         AND remedy_date >= $2 AND remedy_date <= $3",
        id_list(person_ids)
    )))
    .bind(STATUS_PENDING)
    .bind(from)
    .bind(to)
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let punch_no: i64 = r.try_get(2)?;
        let side = if r.try_get::<i64, _>(3)? == 2 { Side::Off } else { Side::On };
        let remedy = PendingRemedy { pair_index: usize::try_from(punch_no).unwrap_or(0), side };
        out.entry(r.try_get(0)?).or_default().push((r.try_get(1)?, remedy));
    }
    Ok(out)
}
