//! Attendance results: evaluating person-days with the engine, storing them, and recording an
//! `attendance.user_task.updated_v1` event for every side whose result or supplement changed —
//! all inside the transaction of the change that caused it.

use std::collections::HashMap;

use daka_engine::{DayInput, DayPlan, PairOutcome, PendingRemedy, Punch as EnginePunch};
use jiff::civil::Date;
use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::bulk::{self, Col};
use crate::evaluation::{approved_absences, engine_punch, evaluate_many, pending_remedies, Evaluated, Job};
use crate::events::{NewEvent, USER_TASK_UPDATED};
use crate::people::Person;
use crate::plan::{ResolvedDay, Resolver};
use crate::{Backend, Error, Result, Store};

/// `yyyyMMdd` of a date.
pub fn day_number(d: Date) -> i32 {
    i32::from(d.year()) * 10_000 + i32::from(d.month()) * 100 + i32::from(d.day())
}

/// The dates of a day range `from..=to` (`yyyyMMdd` numbers); fails when either is no date.
fn dates(from: i64, to: i64) -> Result<(Date, Date)> {
    match (day_date(from), day_date(to)) {
        (Some(first), Some(last)) => Ok((first, last)),
        _ => Err(Error::Invalid(format!("day range {from}..{to} is not valid"))),
    }
}

/// The date of a `yyyyMMdd` number, if it is one.
pub fn day_date(n: i64) -> Option<Date> {
    let (y, m, d) = (n / 10_000, (n / 100) % 100, n % 100);
    Date::new(i16::try_from(y).ok()?, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// A person's result for one attendance day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayResult {
    /// The person.
    pub person_id: i64,
    /// Attendance day, `yyyyMMdd`.
    pub day: i32,
    /// Stable id of the stored result (`None` for days after [`last_stored_day`]).
    pub result_id: Option<i64>,
    /// Group id as reported ("1": no group).
    pub group_id: String,
    /// Shift id as reported ("0": rest, "9": default shift).
    pub shift_id: String,
    /// Time zone the day was evaluated in.
    pub time_zone: String,
    /// Records: pairs, then overtime segments.
    pub records: Vec<PairOutcome>,
    /// When time alone will next change this stored result (a window closing), if ever;
    /// `None` too for days past [`last_stored_day`], which are not stored.
    pub changes_at: Option<i64>,
}

/// Why a person-day is being (re)computed; decides which events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// A change to punches, rules or approvals: a first result is an event too. Long ranges
    /// (rules reaching far back) evaluate only stored days and the days around now.
    Change,
    /// An operator's re-run (`daka recompute`): like [`Cause::Change`], but every day of the range.
    Rerun,
    /// Time passed or a day was computed for the first time without any change.
    Time,
}

/// The last day (`yyyyMMdd`) whose results are stored at `now`: tomorrow anywhere on Earth
/// (UTC+14); later days are evaluated when read, not stored.
pub fn last_stored_day(now: i64) -> i32 {
    let t = jiff::Timestamp::from_second(now.saturating_add(14 * 3600)).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let d = t.to_zoned(jiff::tz::TimeZone::UTC).date();
    day_number(d.tomorrow().unwrap_or(d))
}

/// Whether a person may have been employed on a day, whatever its time zone (UTC−12 to UTC+14).
fn maybe_employed(p: &Person, day: Date) -> bool {
    let start = daka_engine::local_instant(day, 0, &jiff::tz::TimeZone::UTC) - 14 * 3600;
    let end = daka_engine::local_instant(day, 1440, &jiff::tz::TimeZone::UTC) + 12 * 3600;
    p.employed_from.is_none_or(|f| f < end) && p.left_at.is_none_or(|l| l > start)
}

/// A stored result as a recompute compares it.
pub(crate) struct Stored {
    /// Stable id.
    pub result_id: i64,
    /// Time zone the day was evaluated in.
    pub time_zone: String,
    /// Group id as reported.
    pub group_id: String,
    /// Shift id as reported.
    pub shift_id: String,
    /// Records: pairs, then overtime segments.
    pub records: Vec<PairOutcome>,
}

/// Stored results: person → day → (result, `changes_at`).
pub(crate) type StoredDays = HashMap<i64, HashMap<i32, (Stored, Option<i64>)>>;

/// What a recompute writes.
pub(crate) struct Changes<'e> {
    /// New and changed results `(evaluation, day, result_id)`.
    pub rows: Vec<(&'e Evaluated, i32, i64)>,
    /// Unchanged results whose `changes_at` moved: `(person, day, changes_at)`.
    pub moved: Vec<(i64, i32, Option<i64>)>,
    /// Their `user_task.updated` event records.
    pub events: Vec<NewEvent<'static>>,
    /// The people whose stored results moved, sorted, once each.
    pub revised: Vec<i64>,
}

/// Person-day ranges `(person, from, to)` cut at [`last_stored_day`], empty ones dropped.
pub(crate) fn clip_ranges(affected: &[(i64, i32, i32)], now: i64) -> Vec<(i64, i64, i64)> {
    let last = last_stored_day(now);
    affected
        .iter()
        .map(|&(person, from, to)| (person, i64::from(from), i64::from(to.min(last))))
        .filter(|r| r.1 <= r.2)
        .collect()
}

/// The days a recompute of `affected` evaluates, per person of `people`. Which days each range
/// asks for is decided range by range (a long range is a rule change reaching back, see
/// [`EAGER_DAYS`]; a punch's range is short), then merged per person.
pub(crate) fn jobs_for<'a>(
    people: &'a [Person],
    affected: &[(i64, i64, i64)],
    stored: &StoredDays,
    now: i64,
    cause: Cause,
) -> Result<Vec<Job<'a>>> {
    let mut wanted = Vec::new();
    for &(person, from, to) in affected {
        let (first, last) = dates(from, to)?;
        for (a, b) in days_to_evaluate(stored.get(&person), first, last, now, cause) {
            wanted.push((person, i64::from(day_number(a)), i64::from(day_number(b))));
        }
    }
    let mut by_person: HashMap<i64, Vec<(Date, Date)>> = HashMap::new();
    for (person, from, to) in bulk::merge_ranges(wanted) {
        if let (Some(first), Some(last)) = (day_date(from), day_date(to)) {
            by_person.entry(person).or_default().push((first, last));
        }
    }
    Ok(people.iter().map(|person| Job { person, runs: by_person.remove(&person.id).unwrap_or_default() }).collect())
}

/// Compares evaluations with the stored results: what to write, and, when `announce`, the events
/// of every side whose result or supplement changed (a day computed for the first time by time
/// alone has none).
pub(crate) fn changes<'e>(
    evaluated: &'e [Evaluated],
    stored: &StoredDays,
    people: &[Person],
    tenant_id: i64,
    cause: Cause,
    announce: bool,
    mut next_id: impl FnMut() -> i64,
) -> Result<Changes<'e>> {
    let by_id: HashMap<i64, &Person> = people.iter().map(|p| (p.id, p)).collect();
    let mut out = Changes { rows: Vec::new(), moved: Vec::new(), events: Vec::new(), revised: Vec::new() };
    for e in evaluated {
        let day = day_number(e.resolved.plan.day);
        let before = stored.get(&e.person_id).and_then(|m| m.get(&day));
        let unchanged = before.is_some_and(|(s, _)| {
            s.records == e.records && s.group_id == e.resolved.group_id && s.shift_id == e.resolved.shift_id
        });
        if unchanged {
            if before.is_some_and(|(_, changes_at)| *changes_at != e.changes_at) {
                out.moved.push((e.person_id, day, e.changes_at));
                out.revised.push(e.person_id);
            }
            continue;
        }
        let result_id = before.map_or_else(&mut next_id, |(s, _)| s.result_id);
        let changes_list =
            if announce { status_changes(before.map(|(s, _)| s.records.as_slice()), &e.records) } else { Vec::new() };
        if !changes_list.is_empty() && (before.is_some() || cause != Cause::Time) {
            let person = by_id.get(&e.person_id).ok_or_else(|| Error::Corrupt(format!("person {}", e.person_id)))?;
            let payload = TaskUpdated {
                date: day,
                employee_id: &person.user_id,
                employee_no: person.employee_no.as_deref().unwrap_or_default(),
                group_id: &e.resolved.group_id,
                shift_id: &e.resolved.shift_id,
                status_changes: &changes_list,
                task_id: result_id.to_string(),
                time_zone: tz_name(&e.resolved.plan),
            };
            let payload = serde_json::to_string(&payload).map_err(|err| Error::Corrupt(err.to_string()))?;
            out.events.push(NewEvent { tenant_id, event_type: USER_TASK_UPDATED, payload });
        }
        out.rows.push((e, day, result_id));
        out.revised.push(e.person_id);
    }
    out.revised.sort_unstable();
    out.revised.dedup();
    Ok(out)
}

/// The `event` body of `attendance.user_task.updated_v1`, keys in the order `json!` gives them
/// (alphabetical), so the stored text is what it always was.
#[derive(serde::Serialize)]
struct TaskUpdated<'a> {
    date: i32,
    employee_id: &'a str,
    employee_no: &'a str,
    group_id: &'a str,
    shift_id: &'a str,
    status_changes: &'a [StatusChange],
    task_id: String,
    time_zone: String,
}

/// One entry of `status_changes` (keys alphabetical, as in [`TaskUpdated`]).
#[derive(serde::Serialize)]
struct StatusChange {
    before_status: &'static str,
    before_supplement: &'static str,
    current_status: &'static str,
    current_supplement: &'static str,
    index: usize,
    work_type: &'static str,
}

impl Store {
    /// Recomputes the given person-day ranges (`(person_id, from, to)`, days `yyyyMMdd`) inside
    /// `tx`: evaluates each day, stores what changed and records its events.
    pub(crate) async fn recompute(
        &self,
        tx: &mut Transaction<'static, Any>,
        tenant_id: i64,
        affected: &[(i64, i32, i32)],
        now: i64,
    ) -> Result<()> {
        self.recompute_with(tx, tenant_id, affected, now, Cause::Change).await
    }

    pub(crate) async fn recompute_with(
        &self,
        tx: &mut Transaction<'static, Any>,
        tenant_id: i64,
        affected: &[(i64, i32, i32)],
        now: i64,
        cause: Cause,
    ) -> Result<()> {
        let events = self.recompute_in(tx, &mut Resolver::new(tenant_id), tenant_id, affected, now, cause).await?;
        self.record_events(tx, &events, now).await
    }

    /// Recomputes the days that punches `(person, instant)` touch, inside `tx`: the rules read to
    /// find those days serve the evaluation too. `events` (the punches' own) are recorded first,
    /// with the results' events, in one statement.
    pub(crate) async fn recompute_punched(
        &self,
        tx: &mut Transaction<'static, Any>,
        tenant_id: i64,
        punches: &[(i64, i64)],
        mut events: Vec<NewEvent<'static>>,
        now: i64,
    ) -> Result<()> {
        let mut resolver = Resolver::new(tenant_id);
        let affected = days_touched_with(tx, &mut resolver, punches).await?;
        events.extend(self.recompute_in(tx, &mut resolver, tenant_id, &affected, now, Cause::Change).await?);
        self.record_events(tx, &events, now).await
    }

    /// [`Store::recompute_with`] with a resolver the caller may already have filled (its rules
    /// must be those of `tx`), up to the event records: returns them for the caller to record.
    async fn recompute_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        resolver: &mut Resolver,
        tenant_id: i64,
        affected: &[(i64, i32, i32)],
        now: i64,
        cause: Cause,
    ) -> Result<Vec<NewEvent<'static>>> {
        let affected = clip_ranges(affected, now);
        if affected.is_empty() {
            return Ok(Vec::new());
        }
        let ranges = bulk::merge_ranges(affected.clone());
        let mut ids: Vec<i64> = ranges.iter().map(|r| r.0).collect();
        ids.dedup();
        // Before reading anything: another process recomputing the same people waits here, then
        // reads what this transaction committed (no lost update, no duplicate result event).
        self.lock_people(tx, &ids).await?;
        let mut people = Store::people_by_ids(tx, &ids).await?;
        people.sort_by_key(|p| p.id);
        let stored = stored_in(tx, &ranges).await?;
        let jobs = jobs_for(&people, &affected, &stored, now, cause)?;
        let evaluated = evaluate_many(tx, resolver, &jobs, now).await?;
        let changes = changes(&evaluated, &stored, &people, tenant_id, cause, true, || self.next_id())?;
        for &(person_id, day, changes_at) in &changes.moved {
            sqlx::query("UPDATE results SET changes_at = $1 WHERE person_id = $2 AND day = $3")
                .bind(changes_at)
                .bind(person_id)
                .bind(day)
                .execute(&mut **tx)
                .await?;
        }
        write_results(tx, self.backend(), tenant_id, &changes.rows, now).await?;
        crate::people::bump_results_rev(tx, &changes.revised).await?;
        Ok(changes.events)
    }

    /// A person's results for days `from..=to`; see [`Store::results_for_many`].
    pub async fn results_for(&self, person: &Person, from: i32, to: i32, now: i64) -> Result<Vec<DayResult>> {
        let mut all = self.results_for_many(std::slice::from_ref(person), from, to, now).await?;
        Ok(all.remove(&person.id).unwrap_or_default())
    }

    /// Results of several people (one tenant) for days `from..=to`, by person, in day order:
    /// [`Store::stored_results`] up to [`last_stored_day`], then [`Store::projected_results`].
    pub async fn results_for_many(
        &self,
        people: &[Person],
        from: i32,
        to: i32,
        now: i64,
    ) -> Result<HashMap<i64, Vec<DayResult>>> {
        let mut out = self.stored_results(people, from, to.min(last_stored_day(now)), now).await?;
        for (person, list) in self.projected_results(people, from, to, now).await? {
            out.entry(person).or_default().extend(list);
        }
        Ok(out)
    }

    /// Stored results of several people (one tenant) for days `from..=to` up to
    /// [`last_stored_day`], by person in day order, brought up to date first (and stored, in one
    /// transaction) where time has changed them or they were never computed. Reads take a fixed
    /// number of queries whatever the number of people.
    pub async fn stored_results(
        &self,
        people: &[Person],
        from: i32,
        to: i32,
        now: i64,
    ) -> Result<HashMap<i64, Vec<DayResult>>> {
        let (first, last) = dates(i64::from(from), i64::from(to))?;
        let Some(tenant_id) = people.first().map(|p| p.tenant_id) else { return Ok(HashMap::new()) };
        let limit = last_stored_day(now);
        let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
        let mut conn = self.pool().acquire().await?;
        let mut stored = stored_in(&mut conn, &same_range(&ids, from, to)).await?;
        let mut due: Vec<(i64, i32, i32)> = Vec::new();
        for person in people {
            let mine = stored.get(&person.id);
            let mut days: Vec<i32> = mine
                .map(|m| m.iter().filter(|(_, (_, c))| c.is_some_and(|c| c <= now)).map(|(d, _)| *d).collect())
                .unwrap_or_default();
            let mut d = first;
            while d <= last {
                let n = day_number(d);
                if n <= limit && !mine.is_some_and(|m| m.contains_key(&n)) && maybe_employed(person, d) {
                    days.push(n);
                }
                match d.tomorrow() {
                    Ok(next) => d = next,
                    Err(_) => break,
                }
            }
            if let (Some(&lo), Some(&hi)) = (days.iter().min(), days.iter().max()) {
                due.push((person.id, lo, hi));
            }
        }
        drop(conn);
        if !due.is_empty() {
            let mut w = self.write().await?;
            self.recompute_with(&mut w.tx, tenant_id, &due, now, Cause::Time).await?;
            w.commit().await?;
            let mut conn = self.pool().acquire().await?;
            stored = stored_in(&mut conn, &same_range(&ids, from, to)).await?;
        }
        let mut out: HashMap<i64, Vec<DayResult>> = HashMap::with_capacity(people.len());
        for person in people {
            let mut list: Vec<DayResult> = stored
                .remove(&person.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(day, (s, changes_at))| DayResult {
                    person_id: person.id,
                    day,
                    result_id: Some(s.result_id),
                    group_id: s.group_id,
                    shift_id: s.shift_id,
                    time_zone: s.time_zone,
                    records: s.records,
                    changes_at,
                })
                .collect();
            list.sort_by_key(|r| r.day);
            out.insert(person.id, list);
        }
        Ok(out)
    }

    /// Results of several people (one tenant) for the days of `from..=to` after
    /// [`last_stored_day`], by person in day order: evaluated now, not stored.
    pub async fn projected_results(
        &self,
        people: &[Person],
        from: i32,
        to: i32,
        now: i64,
    ) -> Result<HashMap<i64, Vec<DayResult>>> {
        let (first, last) = dates(i64::from(from), i64::from(to))?;
        let future = day_date(i64::from(last_stored_day(now))).and_then(|l| l.tomorrow().ok()).filter(|f| *f <= last);
        let (Some(future), Some(tenant_id)) = (future, people.first().map(|p| p.tenant_id)) else {
            return Ok(HashMap::new());
        };
        let jobs: Vec<Job<'_>> =
            people.iter().map(|person| Job { person, runs: vec![(future.max(first), last)] }).collect();
        let mut conn = self.pool().acquire().await?;
        let mut resolver = Resolver::new(tenant_id);
        let mut out: HashMap<i64, Vec<DayResult>> = HashMap::with_capacity(people.len());
        for e in evaluate_many(&mut conn, &mut resolver, &jobs, now).await? {
            out.entry(e.person_id).or_default().push(DayResult {
                person_id: e.person_id,
                day: day_number(e.resolved.plan.day),
                result_id: None,
                time_zone: tz_name(&e.resolved.plan),
                group_id: e.resolved.group_id.clone(),
                shift_id: e.resolved.shift_id.clone(),
                records: e.records,
                changes_at: None,
            });
        }
        for list in out.values_mut() {
            list.sort_by_key(|r| r.day);
        }
        Ok(out)
    }

    /// Explains one person-day: the rules that applied and the engine's reasoning.
    pub async fn explain_day(
        &self,
        person: &Person,
        day: i32,
        now: i64,
    ) -> Result<(ResolvedDay, daka_engine::DayOutcome)> {
        let date = day_date(i64::from(day)).ok_or_else(|| Error::Invalid(format!("day {day} is not yyyyMMdd")))?;
        let mut conn = self.pool().acquire().await?;
        let mut resolver = Resolver::new(person.tenant_id);
        let prev = resolver.resolve(&mut conn, person.id, date.yesterday().unwrap_or(date)).await?;
        let this = resolver.resolve(&mut conn, person.id, date).await?;
        let next = resolver.resolve(&mut conn, person.id, date.tomorrow().unwrap_or(date)).await?;
        let (from, to) = daka_engine::punch_range(&this.plan);
        let punches = engine_punches(&self.punches_of(&[person.id], from, to).await?);
        let absences =
            approved_absences(&mut conn, &[(person.id, from, to)]).await?.remove(&person.id).unwrap_or_default();
        let pending: Vec<PendingRemedy> = pending_remedies(&mut conn, &[person.id], day, day)
            .await?
            .remove(&person.id)
            .unwrap_or_default()
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        let mut input = DayInput::new(&this.plan, &punches, now).with_neighbours(Some(&prev.plan), Some(&next.plan));
        input.include_overtime = true;
        input.absences = &absences;
        input.pending_remedies = &pending;
        let outcome = daka_engine::evaluate(&input);
        Ok((ResolvedDay::clone(&this), outcome))
    }

    /// Brings results up to date with time: re-evaluates stored results whose Todo sides have
    /// closed (recording their events). Returns how many person-days were re-evaluated.
    pub async fn sweep(&self, now: i64) -> Result<usize> {
        let materialized = self.materialize(now).await?;
        let rows = sqlx::query(
            "SELECT r.tenant_id, r.person_id, r.day FROM results r WHERE r.changes_at IS NOT NULL AND r.changes_at <= $1 \
             ORDER BY r.person_id, r.day LIMIT 2000",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        if rows.is_empty() {
            return Ok(materialized);
        }
        let mut by_tenant: HashMap<i64, Vec<(i64, i32, i32)>> = HashMap::new();
        for r in &rows {
            let day: i32 = r.try_get(2)?;
            by_tenant.entry(r.try_get(0)?).or_default().push((r.try_get(1)?, day, day));
        }
        let mut w = self.write().await?;
        for (tenant, affected) in by_tenant {
            self.recompute_with(&mut w.tx, tenant, &affected, now, Cause::Time).await?;
        }
        w.commit().await?;
        Ok(materialized + rows.len())
    }

    /// Once per UTC day, computes yesterday, today and tomorrow for every employed person so
    /// that results change with time (and record their events) even for days nobody queries.
    async fn materialize(&self, now: i64) -> Result<usize> {
        let today = day_number(
            jiff::Timestamp::from_second(now)
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date(),
        );
        let done: i64 = self.setting_or_init("materialized_through", || "0".into()).await?.parse().unwrap_or(0);
        if done >= i64::from(today) {
            return Ok(0);
        }
        let Some(d) = day_date(i64::from(today)) else { return Ok(0) };
        let from = day_number(d.yesterday().unwrap_or(d));
        let to = day_number(d.tomorrow().unwrap_or(d));
        let count = self.recompute_all(from, to, now, Cause::Time).await?;
        let mut w = self.write().await?;
        sqlx::query("UPDATE settings SET value = $1 WHERE name = 'materialized_through'")
            .bind(today.to_string())
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(count)
    }

    /// Recomputes `from..=to` for every person employed in it, of every tenant, in batches;
    /// returns the number of people processed. `daka recompute` uses it.
    pub async fn recompute_range(&self, from: i32, to: i32, now: i64) -> Result<usize> {
        self.recompute_all(from, to, now, Cause::Rerun).await
    }

    async fn recompute_all(&self, from: i32, to: i32, now: i64, cause: Cause) -> Result<usize> {
        let rows =
            sqlx::query("SELECT id, tenant_id FROM people ORDER BY tenant_id, id").fetch_all(self.pool()).await?;
        let mut people = Vec::with_capacity(rows.len());
        for r in &rows {
            people.push((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?));
        }
        for chunk in people.chunks(200) {
            let mut w = self.write().await?;
            let mut by_tenant: HashMap<i64, Vec<(i64, i32, i32)>> = HashMap::new();
            for &(id, tenant) in chunk {
                by_tenant.entry(tenant).or_default().push((id, from, to));
            }
            for (tenant, affected) in by_tenant {
                self.recompute_with(&mut w.tx, tenant, &affected, now, cause).await?;
            }
            w.commit().await?;
        }
        Ok(people.len())
    }
}

pub(crate) fn tz_name(plan: &DayPlan) -> String {
    plan.time_zone.iana_name().unwrap_or("UTC").to_owned()
}

/// The engine's view of stored punches.
pub(crate) fn engine_punches(punches: &[crate::punches::Punch]) -> Vec<EnginePunch> {
    punches.iter().map(|p| engine_punch(p.record_id, p.check_time, i64::from(p.kind), p.is_field)).collect()
}

/// Longest range evaluated day by day; longer ranges (rule changes reaching back to "since
/// always") evaluate only the days already stored plus the days around now, the rest being
/// computed with the current rules when first read.
const EAGER_DAYS: i32 = 7;

/// The runs of days of `first..=last` a recompute evaluates (see [`EAGER_DAYS`]).
fn days_to_evaluate(
    stored: Option<&HashMap<i32, (Stored, Option<i64>)>>,
    first: Date,
    last: Date,
    now: i64,
    cause: Cause,
) -> Vec<(Date, Date)> {
    if cause != Cause::Change || (last - first).get_days() < EAGER_DAYS {
        return vec![(first, last)];
    }
    let recent = day_date(i64::from(last_stored_day(now))).and_then(|h| h.checked_sub(jiff::Span::new().days(3)).ok());
    let mut runs: Vec<(Date, Date)> = Vec::new();
    let mut d = first;
    while d <= last {
        let keep = stored.is_some_and(|m| m.contains_key(&day_number(d))) || recent.is_some_and(|r| d >= r);
        if keep {
            match runs.last_mut() {
                Some((_, end)) if end.tomorrow().ok() == Some(d) => *end = d,
                _ => runs.push((d, d)),
            }
        }
        match d.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    runs
}

/// Every person in `ids` with the same day range.
fn same_range(ids: &[i64], from: i32, to: i32) -> Vec<(i64, i64, i64)> {
    ids.iter().map(|&p| (p, i64::from(from), i64::from(to))).collect()
}

/// Stored results within each `(person, from, to)` day range: person → day → (result, changes_at).
pub(crate) async fn stored_in(conn: &mut AnyConnection, ranges: &[(i64, i64, i64)]) -> Result<StoredDays> {
    type Row = (i64, i32, i64, String, String, String, Vec<PairOutcome>, Option<i64>);
    let columns = [
        Col::Value("person_id"),
        Col::Value("day"),
        Col::Value("result_id"),
        Col::Value("group_id"),
        Col::Value("shift_id"),
        Col::Value("time_zone"),
        Col::Json("records"),
        Col::Value("changes_at"),
    ];
    let mut out: StoredDays = HashMap::new();
    for chunk in bulk::merge_ranges(ranges.to_vec()).chunks(bulk::MAX_RANGES) {
        let rest = bulk::from_ranges("results", "person_id", "day", chunk);
        let rows: Vec<Row> = bulk::json_rows(conn, &columns, &rest, "", &[]).await?;
        for (person_id, day, result_id, group_id, shift_id, time_zone, records, changes_at) in rows {
            let stored = Stored { result_id, time_zone, group_id, shift_id, records };
            out.entry(person_id).or_default().insert(day, (stored, changes_at));
        }
    }
    Ok(out)
}

/// The stored text of a day's records: JSON with every record and side as an array of its
/// fields in declaration order — a third of the text of objects. Serde reads a struct from an
/// array as from an object, so results stored as objects by earlier versions read as before.
pub(crate) fn records_text(records: &[PairOutcome]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(8 + records.len() * 112);
    out.push('[');
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "[{},{},{}", r.shift_on, r.shift_off, r.task_shift_type);
        for side in [&r.check_in, &r.check_out] {
            let _ = write!(out, ",[\"{}\",\"{}\",", side.result.as_str(), side.supplement.as_str());
            match side.record_id {
                Some(id) => {
                    let _ = write!(out, "{id}");
                }
                None => out.push_str("null"),
            }
            let _ = write!(out, ",{},{}]", side.serious_late, side.minutes_off);
        }
        out.push(']');
    }
    out.push(']');
    out
}

/// Writes new and changed results `(evaluation, day, result_id)` with multi-row upserts.
async fn write_results(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    tenant_id: i64,
    rows: &[(&Evaluated, i32, i64)],
    now: i64,
) -> Result<()> {
    const COLUMNS: usize = 10;
    for chunk in rows.chunks(bulk::rows_per_statement(COLUMNS)) {
        let sql = format!(
            "INSERT INTO results (person_id, day, tenant_id, result_id, group_id, shift_id, time_zone, records, \
             changes_at, updated_at) VALUES {} \
             ON CONFLICT (person_id, day) DO UPDATE SET group_id = excluded.group_id, shift_id = excluded.shift_id, \
             time_zone = excluded.time_zone, records = excluded.records, changes_at = excluded.changes_at, \
             updated_at = excluded.updated_at",
            bulk::values(backend, chunk.len(), COLUMNS)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (e, day, result_id) in chunk {
            q = q
                .bind(e.person_id)
                .bind(*day)
                .bind(tenant_id)
                .bind(*result_id)
                .bind(e.resolved.group_id.as_str())
                .bind(e.resolved.shift_id.as_str())
                .bind(tz_name(&e.resolved.plan))
                .bind(records_text(&e.records))
                .bind(e.changes_at)
                .bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The `status_changes` of a result change: one entry per side whose result or supplement
/// changed; `index` is the 1-based pair number; a day computed for the first time has empty
/// `before_*` values.
fn status_changes(before: Option<&[PairOutcome]>, after: &[PairOutcome]) -> Vec<StatusChange> {
    let mut out = Vec::new();
    for (i, rec) in after.iter().enumerate() {
        let old = before.and_then(|b| b.get(i));
        for (side, now_side, old_side) in
            [("on", &rec.check_in, old.map(|o| &o.check_in)), ("off", &rec.check_out, old.map(|o| &o.check_out))]
        {
            let same = old_side.is_some_and(|o| o.result == now_side.result && o.supplement == now_side.supplement);
            if same {
                continue;
            }
            out.push(StatusChange {
                index: i + 1,
                work_type: side,
                before_status: old_side.map_or("", |o| o.result.as_str()),
                current_status: now_side.result.as_str(),
                before_supplement: old_side.map_or("", |o| o.supplement.as_str()),
                current_supplement: now_side.supplement.as_str(),
            });
        }
    }
    out
}

impl Store {
    /// The person-day ranges a set of punches `(person_id, check_time)` can affect, using each
    /// person's time zone on the punch's day.
    pub(crate) async fn days_touched(
        &self,
        tx: &mut AnyConnection,
        tenant_id: i64,
        punches: &[(i64, i64)],
    ) -> Result<Vec<(i64, i32, i32)>> {
        days_touched_with(tx, &mut Resolver::new(tenant_id), punches).await
    }
}

/// [`Store::days_touched`] with a resolver the caller keeps (and may go on using).
pub(crate) async fn days_touched_with(
    conn: &mut AnyConnection,
    resolver: &mut Resolver,
    punches: &[(i64, i64)],
) -> Result<Vec<(i64, i32, i32)>> {
    let utc_day = |at: i64| jiff::Timestamp::from_second(at).ok().map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date());
    let days = punches.iter().filter_map(|p| utc_day(p.1));
    if let (Some(first), Some(last)) = (days.clone().min(), days.max()) {
        let mut ids: Vec<i64> = punches.iter().map(|p| p.0).collect();
        ids.sort_unstable();
        ids.dedup();
        // Two days either side: the local days a punch touches, and the neighbours the
        // evaluation of those days reads, so a recompute using this resolver reads no more.
        let widen = jiff::Span::new().days(2);
        let (first, last) = (first.checked_sub(widen).unwrap_or(first), last.checked_add(widen).unwrap_or(last));
        resolver.prefetch(conn, &ids, first, last).await?;
    }
    let mut out = Vec::with_capacity(punches.len());
    // A person's punches of one UTC day share a time zone (and usually come together).
    let mut zone: Option<((i64, Date), jiff::tz::TimeZone)> = None;
    for &(person_id, at) in punches {
        let Some(utc_day) = utc_day(at) else { continue };
        let tz = match &zone {
            Some((key, tz)) if *key == (person_id, utc_day) => tz.clone(),
            _ => {
                let tz = resolver.time_zone(conn, person_id, utc_day).await?;
                zone = Some(((person_id, utc_day), tz.clone()));
                tz
            }
        };
        let days = daka_engine::days_touched_by(at, &tz);
        if let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) {
            out.push((person_id, day_number(*first), day_number(*last)));
        }
    }
    Ok(out)
}

/// Approval status "approved" (已通过), shared by remedies and approvals.
pub const STATUS_APPROVED: i64 = 2;
/// Remedy status "pending" (审批中).
pub const STATUS_PENDING: i64 = 0;

#[cfg(test)]
mod tests {
    use super::*;
    use daka_engine::{CheckResult, SideOutcome, Supplement};
    use serde_json::json;

    fn side(result: CheckResult) -> SideOutcome {
        SideOutcome { result, supplement: Supplement::None, record_id: None, serious_late: false, minutes_off: 0 }
    }

    #[test]
    fn stored_records_are_arrays_that_read_back_like_objects() {
        let late = SideOutcome {
            result: CheckResult::Late,
            supplement: Supplement::CardReplacementApplication,
            record_id: Some(6_916_304_428_108_095_488),
            serious_late: true,
            minutes_off: -12,
        };
        let records = vec![
            PairOutcome {
                shift_on: 1_767_574_800,
                shift_off: 1_767_607_200,
                task_shift_type: 0,
                check_in: late,
                check_out: side(CheckResult::Lack),
            },
            PairOutcome {
                shift_on: -5,
                shift_off: 9,
                task_shift_type: 1,
                check_in: side(CheckResult::NoNeedCheck),
                check_out: side(CheckResult::Todo),
            },
        ];
        let text = records_text(&records);
        assert_eq!(
            text,
            "[[1767574800,1767607200,0,[\"Late\",\"CardReplacementApplication\",6916304428108095488,true,-12],\
             [\"Lack\",\"None\",null,false,0]],[-5,9,1,[\"NoNeedCheck\",\"None\",null,false,0],\
             [\"Todo\",\"None\",null,false,0]]]"
        );
        let read: Vec<PairOutcome> = serde_json::from_str(&text).expect("array form");
        assert_eq!(read, records);
        // Rows stored by earlier versions hold objects.
        let objects = serde_json::to_string(&records).expect("object form");
        assert!(objects.len() > text.len() * 2, "{objects}");
        assert_eq!(serde_json::from_str::<Vec<PairOutcome>>(&objects).expect("object form"), records);
        assert_eq!(records_text(&[]), "[]");
    }

    #[test]
    fn task_updated_text_is_what_json_values_give() {
        let before = [PairOutcome {
            shift_on: 0,
            shift_off: 0,
            task_shift_type: 0,
            check_in: side(CheckResult::Todo),
            check_out: side(CheckResult::Todo),
        }];
        let after = [PairOutcome { check_in: side(CheckResult::Late), ..before[0] }];
        let changes = status_changes(Some(&before), &after);
        assert_eq!(changes.len(), 1, "only the on side changed");
        let payload = TaskUpdated {
            date: 20240115,
            employee_id: "u1",
            employee_no: "E\"1",
            group_id: "7",
            shift_id: "8",
            status_changes: &changes,
            task_id: "9".into(),
            time_zone: "Asia/Shanghai".into(),
        };
        let expected = json!({
            "employee_id": "u1",
            "employee_no": "E\"1",
            "group_id": "7",
            "shift_id": "8",
            "date": 20240115,
            "time_zone": "Asia/Shanghai",
            "task_id": "9",
            "status_changes": [{
                "index": 1,
                "work_type": "on",
                "before_status": "Todo",
                "current_status": "Late",
                "before_supplement": "None",
                "current_supplement": "None",
            }],
        });
        assert_eq!(serde_json::to_string(&payload).expect("text"), expected.to_string());
    }
}
