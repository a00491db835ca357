//! Attendance results: evaluating person-days with the engine, storing them, and recording an
//! `attendance.user_task.updated_v1` event for every side whose result or supplement changed —
//! all inside the transaction of the change that caused it.

use std::collections::HashMap;

use daka_engine::{
    Absence, AbsenceKind, CheckResult, DayInput, DayPlan, PairOutcome, PendingRemedy, Punch as EnginePunch,
    PunchSource, Side,
};
use jiff::civil::Date;
use serde_json::json;
use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::events::USER_TASK_UPDATED;
use crate::people::Person;
use crate::plan::{ResolvedDay, Resolver};
use crate::{Error, Result, Store};

/// `yyyyMMdd` of a date.
pub fn day_number(d: Date) -> i32 {
    i32::from(d.year()) * 10_000 + i32::from(d.month()) * 100 + i32::from(d.day())
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
    /// Stable id of the stored result (`None` for days past the stored horizon).
    pub result_id: Option<i64>,
    /// Group id as reported ("1": no group).
    pub group_id: String,
    /// Shift id as reported ("0": rest, "9": default shift).
    pub shift_id: String,
    /// Time zone the day was evaluated in.
    pub time_zone: String,
    /// Records: pairs, then overtime segments.
    pub records: Vec<PairOutcome>,
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

/// Days after this one (`yyyyMMdd`) are not stored: the day after tomorrow anywhere on Earth.
fn horizon(now: i64) -> i32 {
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

fn employed_on(p: &Person, plan: &DayPlan) -> bool {
    let start = daka_engine::local_instant(plan.day, 0, &plan.time_zone);
    let end = daka_engine::local_instant(plan.day, 1440, &plan.time_zone);
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

struct Stored {
    result_id: i64,
    time_zone: String,
    group_id: String,
    shift_id: String,
    records: Vec<PairOutcome>,
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
        let mut merged: HashMap<i64, (i32, i32)> = HashMap::new();
        let last = horizon(now);
        for &(person, from, to) in affected {
            let to = to.min(last);
            if from > to {
                continue;
            }
            let e = merged.entry(person).or_insert((from, to));
            *e = (e.0.min(from), e.1.max(to));
        }
        if merged.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = merged.keys().copied().collect();
        // Before reading anything: another process recomputing the same people waits here, then
        // reads what this transaction committed (no lost update, no duplicate result event).
        self.lock_people(tx, &ids).await?;
        let mut people = Store::people_by_ids(&mut **tx, &ids).await?;
        people.sort_by_key(|p| p.id);
        let mut resolver = Resolver::new(tenant_id);
        for person in &people {
            let (from, to) = merged[&person.id];
            self.recompute_person(tx, &mut resolver, person, from, to, now, cause).await?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn recompute_person(
        &self,
        tx: &mut Transaction<'static, Any>,
        resolver: &mut Resolver,
        person: &Person,
        from: i32,
        to: i32,
        now: i64,
        cause: Cause,
    ) -> Result<()> {
        let (Some(first), Some(last)) = (day_date(i64::from(from)), day_date(i64::from(to))) else {
            return Err(Error::Invalid(format!("day range {from}..{to} is not valid")));
        };
        let stored = stored_results(tx, person.id, from, to).await?;
        let mut evaluated = Vec::new();
        for (a, b) in days_to_evaluate(&stored, first, last, now, cause) {
            evaluated.extend(evaluate_days(tx, resolver, person, a, b, now).await?);
        }
        for (resolved, records, changes) in evaluated {
            let day = day_number(resolved.plan.day);
            let before = stored.get(&day);
            let unchanged = before.is_some_and(|s| {
                s.records == records && s.group_id == resolved.group_id && s.shift_id == resolved.shift_id
            });
            if unchanged {
                sqlx::query("UPDATE results SET changes_at = $1 WHERE person_id = $2 AND day = $3")
                    .bind(changes)
                    .bind(person.id)
                    .bind(day)
                    .execute(&mut **tx)
                    .await?;
                continue;
            }
            let result_id = before.map_or_else(|| self.next_id(), |s| s.result_id);
            sqlx::query(
                "INSERT INTO results (person_id, day, tenant_id, result_id, group_id, shift_id, time_zone, records, \
                 changes_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (person_id, day) DO UPDATE SET group_id = excluded.group_id, shift_id = excluded.shift_id, \
                 time_zone = excluded.time_zone, records = excluded.records, changes_at = excluded.changes_at, \
                 updated_at = excluded.updated_at",
            )
            .bind(person.id)
            .bind(day)
            .bind(person.tenant_id)
            .bind(result_id)
            .bind(&resolved.group_id)
            .bind(&resolved.shift_id)
            .bind(tz_name(&resolved.plan))
            .bind(serde_json::to_string(&records).map_err(|e| Error::Corrupt(e.to_string()))?)
            .bind(changes)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            let changes_list = status_changes(before.map(|s| s.records.as_slice()), &records);
            if !changes_list.is_empty() && (before.is_some() || cause != Cause::Time) {
                let payload = json!({
                    "employee_id": person.user_id,
                    "employee_no": person.employee_no.clone().unwrap_or_default(),
                    "group_id": resolved.group_id,
                    "shift_id": resolved.shift_id,
                    "date": day,
                    "time_zone": tz_name(&resolved.plan),
                    "task_id": result_id.to_string(),
                    "status_changes": changes_list,
                });
                self.record_event(tx, person.tenant_id, USER_TASK_UPDATED, &payload, now).await?;
            }
        }
        Ok(())
    }

    /// A person's results for days `from..=to`; see [`Store::results_for_many`].
    pub async fn results_for(&self, person: &Person, from: i32, to: i32, now: i64) -> Result<Vec<DayResult>> {
        let mut all = self.results_for_many(std::slice::from_ref(person), from, to, now).await?;
        Ok(all.remove(&person.id).unwrap_or_default())
    }

    /// Results of several people (one tenant) for days `from..=to`, by person: stored results,
    /// brought up to date (and stored, in one transaction) where time has changed them or they
    /// were never computed, and evaluated on the fly past the stored horizon. Reads take a fixed
    /// number of queries whatever the number of people.
    pub async fn results_for_many(
        &self,
        people: &[Person],
        from: i32,
        to: i32,
        now: i64,
    ) -> Result<HashMap<i64, Vec<DayResult>>> {
        let (Some(first), Some(last)) = (day_date(i64::from(from)), day_date(i64::from(to))) else {
            return Err(Error::Invalid(format!("day range {from}..{to} is not valid")));
        };
        let Some(tenant_id) = people.first().map(|p| p.tenant_id) else { return Ok(HashMap::new()) };
        let limit = horizon(now);
        let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
        let mut conn = self.pool().acquire().await?;
        let mut stored = stored_many(&mut conn, &ids, from, to).await?;
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
            stored = stored_many(&mut conn, &ids, from, to).await?;
        }
        let future = day_date(i64::from(limit)).and_then(|l| l.tomorrow().ok()).filter(|f| *f <= last);
        let mut out = HashMap::with_capacity(people.len());
        for person in people {
            let mut list: Vec<DayResult> = stored
                .remove(&person.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(day, (s, _))| DayResult {
                    person_id: person.id,
                    day,
                    result_id: Some(s.result_id),
                    group_id: s.group_id,
                    shift_id: s.shift_id,
                    time_zone: s.time_zone,
                    records: s.records,
                })
                .collect();
            if let Some(future) = future {
                let mut conn = self.pool().acquire().await?;
                let mut resolver = Resolver::new(tenant_id);
                for (r, records, _) in
                    evaluate_days(&mut conn, &mut resolver, person, future.max(first), last, now).await?
                {
                    list.push(DayResult {
                        person_id: person.id,
                        day: day_number(r.plan.day),
                        result_id: None,
                        time_zone: tz_name(&r.plan),
                        group_id: r.group_id,
                        shift_id: r.shift_id,
                        records,
                    });
                }
            }
            list.sort_by_key(|r| r.day);
            out.insert(person.id, list);
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
        let absences = approved_absences(&mut conn, person.id, from, to).await?;
        let pending: Vec<PendingRemedy> =
            pending_remedies(&mut conn, person.id, day, day).await?.into_iter().map(|(_, r)| r).collect();
        let mut input = DayInput::new(&this.plan, &punches, now)
            .with_neighbours(Some(&prev.plan), Some(&next.plan))
            .include_overtime(true);
        input.absences = &absences;
        input.pending_remedies = &pending;
        let outcome = daka_engine::evaluate(&input);
        Ok((this, outcome))
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

trait IncludeOvertime {
    fn include_overtime(self, yes: bool) -> Self;
}

impl IncludeOvertime for DayInput<'_> {
    fn include_overtime(mut self, yes: bool) -> Self {
        self.include_overtime = yes;
        self
    }
}

fn tz_name(plan: &DayPlan) -> String {
    plan.time_zone.iana_name().unwrap_or("UTC").to_owned()
}

/// The engine's view of stored punches.
pub(crate) fn engine_punches(punches: &[crate::punches::Punch]) -> Vec<EnginePunch> {
    punches
        .iter()
        .map(|p| EnginePunch {
            record_id: p.record_id,
            at: p.check_time,
            source: PunchSource(u8::try_from(p.kind).unwrap_or(0)),
            is_field: p.is_field,
        })
        .collect()
}

/// Longest range evaluated day by day; longer ranges (rule changes reaching back to "since
/// always") evaluate only the days already stored plus the days around now, the rest being
/// computed with the current rules when first read.
const EAGER_DAYS: i32 = 7;

/// The runs of days of `first..=last` a recompute evaluates (see [`EAGER_DAYS`]).
fn days_to_evaluate(
    stored: &HashMap<i32, Stored>,
    first: Date,
    last: Date,
    now: i64,
    cause: Cause,
) -> Vec<(Date, Date)> {
    if cause != Cause::Change || (last - first).get_days() < EAGER_DAYS {
        return vec![(first, last)];
    }
    let recent = day_date(i64::from(horizon(now))).and_then(|h| h.checked_sub(jiff::Span::new().days(3)).ok());
    let mut runs: Vec<(Date, Date)> = Vec::new();
    let mut d = first;
    while d <= last {
        let keep = stored.contains_key(&day_number(d)) || recent.is_some_and(|r| d >= r);
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

/// Evaluates every employed day of `first..=last`: (rules, records, changes_at).
async fn evaluate_days(
    conn: &mut AnyConnection,
    resolver: &mut Resolver,
    person: &Person,
    first: Date,
    last: Date,
    now: i64,
) -> Result<Vec<(ResolvedDay, Vec<PairOutcome>, Option<i64>)>> {
    let mut plans = Vec::new();
    let mut d = first.yesterday().unwrap_or(first);
    let end = last.tomorrow().unwrap_or(last);
    resolver.prefetch(conn, person.id, d, end).await?;
    while d <= end {
        plans.push(resolver.resolve(conn, person.id, d).await?);
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    let (Some(head), Some(tail)) = (plans.first(), plans.last()) else { return Ok(Vec::new()) };
    let from = daka_engine::punch_range(&head.plan).0;
    let to = daka_engine::punch_range(&tail.plan).1;
    let rows = sqlx::query(
        "SELECT record_id, check_time, kind, is_field FROM punches WHERE person_id = $1 AND check_time >= $2 \
         AND check_time <= $3 ORDER BY check_time, record_id",
    )
    .bind(person.id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let mut punches = Vec::with_capacity(rows.len());
    for r in &rows {
        punches.push(EnginePunch {
            record_id: r.try_get(0)?,
            at: r.try_get(1)?,
            source: PunchSource(u8::try_from(r.try_get::<i64, _>(2)?).unwrap_or(0)),
            is_field: r.try_get::<i64, _>(3)? != 0,
        });
    }
    let absences = approved_absences(conn, person.id, from, to).await?;
    let remedies = pending_remedies(conn, person.id, day_number(first), day_number(last)).await?;
    let mut out = Vec::new();
    for i in 1..plans.len().saturating_sub(1) {
        let this = &plans[i];
        if !employed_on(person, &this.plan) {
            continue;
        }
        let (lo, hi) = daka_engine::punch_range(&this.plan);
        let start = punches.partition_point(|p| p.at < lo);
        let stop = punches.partition_point(|p| p.at <= hi);
        let pending: Vec<PendingRemedy> =
            remedies.iter().filter(|(d, _)| *d == day_number(this.plan.day)).map(|(_, r)| *r).collect();
        let mut input = DayInput::new(&this.plan, &punches[start..stop], now)
            .with_neighbours(Some(&plans[i - 1].plan), Some(&plans[i + 1].plan))
            .include_overtime(true);
        input.absences = &absences;
        input.pending_remedies = &pending;
        let records = daka_engine::evaluate_records(&input);
        let changes = changes_at(&input, &records);
        out.push((this.clone(), records, changes));
    }
    Ok(out)
}

/// Decodes `day, result_id, group_id, shift_id, records, time_zone` columns.
fn stored_from_row(r: &sqlx::any::AnyRow) -> Result<Stored> {
    let records: String = r.try_get(4)?;
    Ok(Stored {
        result_id: r.try_get(1)?,
        time_zone: r.try_get(5)?,
        group_id: r.try_get(2)?,
        shift_id: r.try_get(3)?,
        records: serde_json::from_str(&records).map_err(|e| Error::Corrupt(format!("results.records: {e}")))?,
    })
}

async fn stored_results(conn: &mut AnyConnection, person_id: i64, from: i32, to: i32) -> Result<HashMap<i32, Stored>> {
    let rows = sqlx::query(
        "SELECT day, result_id, group_id, shift_id, records, time_zone FROM results WHERE person_id = $1 AND day >= $2 \
         AND day <= $3",
    )
    .bind(person_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = HashMap::new();
    for r in &rows {
        out.insert(r.try_get(0)?, stored_from_row(r)?);
    }
    Ok(out)
}

/// Stored results of several people for `from..=to`: person → day → (result, changes_at).
async fn stored_many(
    conn: &mut AnyConnection,
    person_ids: &[i64],
    from: i32,
    to: i32,
) -> Result<HashMap<i64, HashMap<i32, (Stored, Option<i64>)>>> {
    let mut out: HashMap<i64, HashMap<i32, (Stored, Option<i64>)>> = HashMap::new();
    if person_ids.is_empty() {
        return Ok(out);
    }
    let list = person_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT day, result_id, group_id, shift_id, records, time_zone, person_id, changes_at FROM results \
         WHERE person_id IN ({list}) AND day >= $1 AND day <= $2"
    )))
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        out.entry(r.try_get(6)?).or_default().insert(r.try_get(0)?, (stored_from_row(r)?, r.try_get(7)?));
    }
    Ok(out)
}

/// The `status_changes` of a result change: one entry per side whose result or supplement
/// changed; `index` is the 1-based pair number; a day computed for the first time has empty
/// `before_*` values.
fn status_changes(before: Option<&[PairOutcome]>, after: &[PairOutcome]) -> Vec<serde_json::Value> {
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
            out.push(json!({
                "index": i + 1,
                "work_type": side,
                "before_status": old_side.map_or("", |o| o.result.as_str()),
                "current_status": now_side.result.as_str(),
                "before_supplement": old_side.map_or("", |o| o.supplement.as_str()),
                "current_supplement": now_side.supplement.as_str(),
            }));
        }
    }
    out
}

impl Store {
    /// The person-day ranges a set of punches `(person_id, check_time)` can affect, using each
    /// person's time zone on the punch's day.
    pub(crate) async fn days_touched(
        &self,
        tx: &mut Transaction<'static, Any>,
        tenant_id: i64,
        punches: &[(i64, i64)],
    ) -> Result<Vec<(i64, i32, i32)>> {
        let mut resolver = Resolver::new(tenant_id);
        let mut out = Vec::with_capacity(punches.len());
        for &(person_id, at) in punches {
            let Ok(ts) = jiff::Timestamp::from_second(at) else { continue };
            let utc_day = ts.to_zoned(jiff::tz::TimeZone::UTC).date();
            let tz = resolver.time_zone(tx, person_id, utc_day).await?;
            let days = daka_engine::days_touched_by(at, &tz);
            if let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) {
                out.push((person_id, day_number(*first), day_number(*last)));
            }
        }
        Ok(out)
    }
}

/// Approval status "approved" (已通过), shared by remedies and approvals.
pub const STATUS_APPROVED: i64 = 2;
/// Remedy status "pending" (审批中).
pub const STATUS_PENDING: i64 = 0;

/// Approved leaves, outs and trips of a person overlapping `[from, to]`.
async fn approved_absences(conn: &mut AnyConnection, person_id: i64, from: i64, to: i64) -> Result<Vec<Absence>> {
    let rows = sqlx::query(
        "SELECT kind, start_at, end_at FROM approvals WHERE person_id = $1 AND status = $2 AND start_at <= $3 \
         AND end_at >= $4 AND kind IN ('leave', 'out', 'trip') ORDER BY start_at",
    )
    .bind(person_id)
    .bind(STATUS_APPROVED)
    .bind(to)
    .bind(from)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: String = r.try_get(0)?;
        let kind = match kind.as_str() {
            "leave" => AbsenceKind::Leave,
            "out" => AbsenceKind::Out,
            _ => AbsenceKind::Trip,
        };
        out.push(Absence { kind, start: r.try_get(1)?, end: r.try_get(2)? });
    }
    Ok(out)
}

/// Pending remedies of a person for days `from..=to`: (day, side).
async fn pending_remedies(
    conn: &mut AnyConnection,
    person_id: i64,
    from: i32,
    to: i32,
) -> Result<Vec<(i32, PendingRemedy)>> {
    let rows = sqlx::query(
        "SELECT remedy_date, punch_no, work_type FROM remedies WHERE person_id = $1 AND status = $2 \
         AND remedy_date >= $3 AND remedy_date <= $4",
    )
    .bind(person_id)
    .bind(STATUS_PENDING)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let punch_no: i64 = r.try_get(1)?;
        let work_type: i64 = r.try_get(2)?;
        let side = if work_type == 2 { Side::Off } else { Side::On };
        out.push((r.try_get(0)?, PendingRemedy { pair_index: usize::try_from(punch_no).unwrap_or(0), side }));
    }
    Ok(out)
}
