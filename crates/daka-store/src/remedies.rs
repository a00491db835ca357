//! Remedies (补卡): applications to add one punch inside one on/off window, their group policy
//! and their lifecycle.
//!
//! **Lifecycle.** Create → status 0 (pending; the side's supplement becomes
//! `CardReplacementApplication`, its result is unchanged). 0 → 1 (rejected) and 0 → 2 (approved:
//! a punch of type 2 is added at `remedy_time`, with its `user_flow.created` event) are the only
//! ways out of pending; 2 → 4 (withdrawn) deletes that punch. Every change recomputes the days it
//! touches in the same transaction, which records the `user_task.updated` events.
//!
//! **Policy** (the person's group on the remedy day; checked on create and by
//! [`Store::allowed_remedies`], in this order):
//! 1. `allow_remedy` false → 1226502 (absent counts as allowed);
//! 2. `remedy_date_limit` with `remedy_date_num` N: `remedy_date` earlier than today − N in the
//!    group's time zone → 1226503;
//! 3. the side (or, for the allowed-remedies query, every side) is not abnormal — Normal,
//!    NoNeedCheck or Todo, a rest day or no group → 1226501 (`allow_remedy_type_normal` makes a
//!    Normal side remediable);
//! 4. the side's result is a type the group does not allow (`allow_remedy_type_{lack,late,early}`,
//!    absent = allowed; `_normal`, absent = not allowed) → 1226502;
//! 5. `remedy_limit` with `remedy_limit_count` C: C pending or approved remedies already dated in
//!    the remedy date's period → 1226504. The period is the natural month (`remedy_period_type`
//!    1 or absent), or with type 2 the month-long period starting on day
//!    `remedy_period_custom_date` (0 counts as 1).
//!
//! Then, on create, `remedy_time` must lie in the side's remedy window (1220001 naming
//! `remedy_time`), and a side may have only one pending remedy (1220600 "the object already
//! exists").
//!
//! **Remedy window** of a side: exactly the punch minutes that would not give Lack, clipped to
//! the side's window: on side [S_on − on_advance_minutes, S_on + late_minutes_as_lack] (plus the
//! flexible late allowance on the first pair), off side [S_off − early_minutes_as_lack,
//! S_off + off_delay_minutes]. Free groups: the whole free window.

use daka_engine::{CheckResult, DayKind, DayOutcome, PairOutcome, Side};
use daka_types::attendance::groups::Group;
use jiff::tz::TimeZone;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::events::USER_FLOW_CREATED;
use crate::people::{IdKind, Person};
use crate::plan::ResolvedDay;
use crate::punches::{flow_created_event, Punch, TYPE_REMEDY};
use crate::results::{day_date, day_number, STATUS_APPROVED, STATUS_PENDING};
use crate::{Error, Result, Store};

/// Remedy / approval status 1: rejected (未通过).
pub const STATUS_REJECTED: i64 = 1;
/// Remedy / approval status 4: withdrawn after approval (已撤回 / 撤销).
pub const STATUS_WITHDRAWN: i64 = 4;

/// Why a remedy is refused by policy, or a store failure.
#[derive(Debug, thiserror::Error)]
pub enum RemedyError {
    /// Any store failure (mapped as usual).
    #[error(transparent)]
    Store(#[from] Error),
    /// 1226501: nothing abnormal to remedy.
    #[error("no need remedy: {0}")]
    NoNeedRemedy(String),
    /// 1226502: the group does not allow it.
    #[error("not allowed remedy: {0}")]
    NotAllowed(String),
    /// 1226503: the remedy date is too far in the past.
    #[error("approval time beyond the time range: {0}")]
    BeyondRange(String),
    /// 1226504: the period's remedies are used up.
    #[error("no remedy time left: {0}")]
    NoTimeLeft(String),
}

impl From<sqlx::Error> for RemedyError {
    fn from(e: sqlx::Error) -> Self {
        RemedyError::Store(Error::Db(e))
    }
}

/// Result of remedy operations.
pub type RemedyResult<T> = std::result::Result<T, RemedyError>;

/// A stored remedy application.
#[derive(Debug, Clone, PartialEq)]
pub struct Remedy {
    /// Id (`approval_id`).
    pub approval_id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Whose.
    pub person_id: i64,
    /// Attendance day, `yyyyMMdd`.
    pub remedy_date: i32,
    /// Pair, 0-based.
    pub punch_no: i32,
    /// 1 on, 2 off.
    pub work_type: i32,
    /// The punch instant asked for.
    pub remedy_at: i64,
    /// The group's time zone on the remedy day.
    pub time_zone: String,
    /// Why.
    pub reason: String,
    /// 0 pending, 1 rejected, 2 approved, 4 withdrawn.
    pub status: i32,
    /// The punch added on approval.
    pub punch_record_id: Option<i64>,
    /// Created, Unix seconds.
    pub created_at: i64,
    /// Status last changed, Unix seconds.
    pub updated_at: i64,
}

impl Remedy {
    /// `remedy_time` on the wire: `yyyy-MM-dd HH:mm` in the remedy's time zone.
    pub fn remedy_time(&self) -> String {
        format_minute(self.remedy_at, &crate::shifts::zone(&self.time_zone))
    }
}

/// A remedy application as asked for, ids not yet resolved.
#[derive(Debug, Clone, Default)]
pub struct NewRemedy {
    /// The person, as the id kind says.
    pub user_id: String,
    /// Attendance day, `yyyyMMdd`.
    pub remedy_date: i32,
    /// Pair, 0-based.
    pub punch_no: i32,
    /// 1 on, 2 off, 0 (free groups) whichever side needs it.
    pub work_type: i32,
    /// `yyyy-MM-dd HH:mm` in the group's time zone.
    pub remedy_time: String,
    /// Why.
    pub reason: String,
}

/// One side that may be remedied.
#[derive(Debug, Clone, PartialEq)]
pub struct AllowedRemedy {
    /// Pair, 0-based.
    pub punch_no: i32,
    /// 1 on, 2 off.
    pub work_type: i32,
    /// The side's current result.
    pub punch_status: CheckResult,
    /// A free group's day.
    pub is_free_punch: bool,
    /// Scheduled instant.
    pub normal_at: i64,
    /// First minute of the remedy window.
    pub start_at: i64,
    /// Last minute of the remedy window.
    pub end_at: i64,
    /// The time zone the day is evaluated in.
    pub time_zone: TimeZone,
}

impl AllowedRemedy {
    /// `yyyy-MM-dd HH:mm` of an instant in this side's time zone.
    pub fn format(&self, at: i64) -> String {
        format_minute(at, &self.time_zone)
    }
}

/// `yyyy-MM-dd HH:mm` of `at` in `tz`.
pub fn format_minute(at: i64, tz: &TimeZone) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Parses a local wall-clock time in `tz` with one of `formats` (strftime syntax).
pub fn parse_local(s: &str, formats: &[&str], tz: &TimeZone) -> Option<i64> {
    let s = s.trim();
    formats.iter().find_map(|f| {
        let dt = jiff::civil::DateTime::strptime(f, s).ok()?;
        Some(dt.to_zoned(tz.clone()).ok()?.timestamp().as_second())
    })
}

/// The group's remedy policy, defaults applied.
#[derive(Debug, Clone, PartialEq)]
struct Policy {
    allow: bool,
    lack: bool,
    late: bool,
    early: bool,
    normal: bool,
    date_num: Option<i32>,
    count: Option<i64>,
    custom_start: Option<i8>,
}

impl Policy {
    fn of(g: &Group) -> Policy {
        Policy {
            allow: g.allow_remedy.unwrap_or(true),
            lack: g.allow_remedy_type_lack.unwrap_or(true),
            late: g.allow_remedy_type_late.unwrap_or(true),
            early: g.allow_remedy_type_early.unwrap_or(true),
            normal: g.allow_remedy_type_normal.unwrap_or(false),
            date_num: g.remedy_date_num.filter(|_| g.remedy_date_limit.unwrap_or(false)),
            count: g.remedy_limit_count.filter(|_| g.remedy_limit.unwrap_or(false)).map(i64::from),
            custom_start: (g.remedy_period_type == Some(2))
                .then(|| g.remedy_period_custom_date.unwrap_or(1).clamp(1, 28) as i8),
        }
    }

    fn allows(&self, r: CheckResult) -> bool {
        match r {
            CheckResult::Lack => self.lack,
            CheckResult::Late => self.late,
            CheckResult::Early => self.early,
            CheckResult::Normal => self.normal,
            _ => false,
        }
    }
}

/// Candidate result: something a remedy could change.
fn abnormal(r: CheckResult, p: &Policy) -> bool {
    matches!(r, CheckResult::Lack | CheckResult::Late | CheckResult::Early) || (r == CheckResult::Normal && p.normal)
}

/// `[start, end)` days (`yyyyMMdd`) of the remedy period containing `day`.
fn period_of(day: i32, custom_start: Option<i8>) -> (i32, i32) {
    let Some(d) = day_date(i64::from(day)) else { return (day, day + 1) };
    let start_day = custom_start.unwrap_or(1);
    let this_month = d.first_of_month();
    let anchor = if d.day() >= start_day {
        this_month
    } else {
        this_month.checked_sub(jiff::Span::new().months(1)).unwrap_or(this_month)
    };
    let start = anchor.with().day(start_day).build().unwrap_or(anchor);
    let end = start.checked_add(jiff::Span::new().months(1)).unwrap_or(start);
    (day_number(start), day_number(end))
}

/// One side of the day as a remedy sees it.
struct SideView {
    punch_no: i32,
    side: Side,
    result: CheckResult,
    normal_at: i64,
    window: Option<(i64, i64)>,
}

/// First whole minute at or after a window start `from`.
fn first_minute(from: i64) -> i64 {
    -(-from).div_euclid(60) * 60
}

/// Last counted minute of a window ending (exclusively) at `until`.
fn last_minute(until: i64) -> i64 {
    (until - 1).div_euclid(60) * 60
}

fn sides(resolved: &ResolvedDay, outcome: &DayOutcome) -> Vec<SideView> {
    let mut out = Vec::new();
    let normal: Vec<(usize, &PairOutcome)> =
        outcome.records.iter().enumerate().filter(|(_, r)| r.task_shift_type == 0).collect();
    for (pair_no, (idx, rec)) in normal.into_iter().enumerate() {
        let Some(expl) = outcome.explanation.records.get(idx) else { continue };
        for (side, outcome_side, expl_side, at) in
            [(Side::On, &rec.check_in, &expl.on, rec.shift_on), (Side::Off, &rec.check_out, &expl.off, rec.shift_off)]
        {
            let window = match (&resolved.plan.kind, expl_side.window) {
                (DayKind::Work(shift), Some(w)) => shift.pairs.get(pair_no).map(|p| {
                    let (lo, hi) = match side {
                        Side::On => {
                            let flex =
                                if pair_no == 0 { shift.flexible.map_or(0, |f| f.late_minutes.max(0)) } else { 0 };
                            (
                                at - i64::from(p.on_advance_minutes.clamp(0, 720)) * 60,
                                at + i64::from(p.late_minutes_as_lack.max(0) + flex) * 60,
                            )
                        }
                        Side::Off => (
                            at - i64::from(p.early_minutes_as_lack.max(0)) * 60,
                            at + i64::from(p.off_delay_minutes.clamp(0, 960)) * 60,
                        ),
                    };
                    (lo.max(first_minute(w.from)), hi.min(last_minute(w.until)))
                }),
                (DayKind::Free(_), Some(w)) => Some((first_minute(w.from), last_minute(w.until))),
                _ => None,
            };
            out.push(SideView {
                punch_no: pair_no as i32,
                side,
                result: outcome_side.result,
                normal_at: at,
                window: window.filter(|(lo, hi)| lo <= hi),
            });
        }
    }
    out
}

fn work_type(side: Side) -> i32 {
    match side {
        Side::On => 1,
        Side::Off => 2,
    }
}

const COLUMNS: &str = "approval_id, tenant_id, person_id, remedy_date, punch_no, work_type, remedy_at, time_zone, \
     reason, status, punch_record_id, created_at, updated_at";

fn remedy_from_row(r: &AnyRow) -> Result<Remedy> {
    Ok(Remedy {
        approval_id: r.try_get(0)?,
        tenant_id: r.try_get(1)?,
        person_id: r.try_get(2)?,
        remedy_date: r.try_get(3)?,
        punch_no: r.try_get(4)?,
        work_type: r.try_get(5)?,
        remedy_at: r.try_get(6)?,
        time_zone: r.try_get(7)?,
        reason: r.try_get(8)?,
        status: r.try_get(9)?,
        punch_record_id: r.try_get(10)?,
        created_at: r.try_get(11)?,
        updated_at: r.try_get(12)?,
    })
}

/// What the policy checks need to know about one person-day.
struct DayFacts {
    resolved: ResolvedDay,
    sides: Vec<SideView>,
    policy: Option<Policy>,
    today: i32,
    pending: Vec<(i32, i32)>,
}

impl Store {
    async fn day_facts(&self, person: &Person, day: i32, now: i64) -> Result<DayFacts> {
        let (resolved, outcome) = self.explain_day(person, day, now).await?;
        let mut conn = self.pool().acquire().await?;
        let group = match resolved.group_id.parse::<i64>() {
            Ok(id) if resolved.group_id != crate::plan::NO_GROUP => {
                Store::group_on(&mut *conn, person.tenant_id, id, day).await?
            }
            _ => None,
        };
        let pending = sqlx::query(
            "SELECT punch_no, work_type FROM remedies WHERE person_id = $1 AND remedy_date = $2 AND status = $3",
        )
        .bind(person.id)
        .bind(day)
        .bind(STATUS_PENDING)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<i32, _>(0)?, r.try_get::<i32, _>(1)?)))
        .collect::<Result<Vec<_>>>()?;
        let today = crate::shifts::today_in(&resolved.plan.time_zone, now);
        Ok(DayFacts {
            sides: sides(&resolved, &outcome),
            policy: group.as_ref().map(Policy::of),
            resolved,
            today,
            pending,
        })
    }

    /// Checks 1226502 (group), 1226503 (date) and returns the policy.
    fn day_policy(facts: &DayFacts, day: i32) -> RemedyResult<Policy> {
        let Some(policy) = facts.policy.clone() else {
            return Err(RemedyError::NoNeedRemedy(format!("the person is in no attendance group on {day}")));
        };
        if !policy.allow {
            return Err(RemedyError::NotAllowed("the attendance group does not allow remedies".into()));
        }
        if let Some(n) = policy.date_num {
            let earliest = crate::shifts::add_days(facts.today, -i64::from(n));
            if day < earliest {
                return Err(RemedyError::BeyondRange(format!(
                    "remedies are allowed only for the last {n} days (from {earliest}); remedy_date is {day}"
                )));
            }
        }
        Ok(policy)
    }

    /// Counts pending and approved remedies of the remedy day's period; 1226504 when used up.
    async fn check_count(conn: &mut AnyConnection, person_id: i64, day: i32, policy: &Policy) -> RemedyResult<()> {
        let Some(limit) = policy.count else { return Ok(()) };
        let (from, to) = period_of(day, policy.custom_start);
        let used: i64 = sqlx::query(
            "SELECT COUNT(*) FROM remedies WHERE person_id = $1 AND remedy_date >= $2 AND remedy_date < $3 \
             AND status IN (0, 2)",
        )
        .bind(person_id)
        .bind(from)
        .bind(to)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
        if used >= limit {
            return Err(RemedyError::NoTimeLeft(format!(
                "{used} of {limit} remedies of the period {from}..{} are used",
                crate::shifts::add_days(to, -1)
            )));
        }
        Ok(())
    }

    /// The sides of a person-day that may be remedied (`query_user_allowed_remedys`), after the
    /// group policy checks.
    pub async fn allowed_remedies(&self, person: &Person, day: i32, now: i64) -> RemedyResult<Vec<AllowedRemedy>> {
        let facts = self.day_facts(person, day, now).await?;
        let policy = Store::day_policy(&facts, day)?;
        let is_free = matches!(facts.resolved.plan.kind, DayKind::Free(_));
        let candidates: Vec<&SideView> = facts
            .sides
            .iter()
            .filter(|s| abnormal(s.result, &policy) && s.window.is_some())
            .filter(|s| !facts.pending.contains(&(s.punch_no, work_type(s.side))))
            .collect();
        if candidates.is_empty() {
            return Err(RemedyError::NoNeedRemedy(format!("no abnormal punch to remedy on {day}")));
        }
        let allowed: Vec<&SideView> = candidates.into_iter().filter(|s| policy.allows(s.result)).collect();
        if allowed.is_empty() {
            return Err(RemedyError::NotAllowed(format!(
                "the attendance group does not allow remedying the results of {day}"
            )));
        }
        let mut conn = self.pool().acquire().await?;
        Store::check_count(&mut conn, person.id, day, &policy).await?;
        Ok(allowed
            .into_iter()
            .filter_map(|s| {
                let (start_at, end_at) = s.window?;
                Some(AllowedRemedy {
                    punch_no: s.punch_no,
                    work_type: work_type(s.side),
                    punch_status: s.result,
                    is_free_punch: is_free,
                    normal_at: s.normal_at,
                    start_at,
                    end_at,
                    time_zone: facts.resolved.plan.time_zone.clone(),
                })
            })
            .collect())
    }

    /// Creates a pending remedy after the policy checks; recomputes the day (its supplement
    /// becomes `CardReplacementApplication`).
    pub async fn create_remedy(
        &self,
        tenant_id: i64,
        kind: IdKind,
        new: NewRemedy,
        now: i64,
    ) -> RemedyResult<(Remedy, Person)> {
        let person = self
            .person_current(tenant_id, kind, &new.user_id)
            .await?
            .ok_or_else(|| Error::UnknownUsers(vec![new.user_id.clone()]))?;
        let day = new.remedy_date;
        let facts = self.day_facts(&person, day, now).await?;
        let policy = Store::day_policy(&facts, day)?;
        let is_free = matches!(facts.resolved.plan.kind, DayKind::Free(_));
        let pairs = facts.sides.iter().map(|s| s.punch_no + 1).max().unwrap_or(0);
        if !facts.sides.is_empty() && (new.punch_no < 0 || new.punch_no >= pairs) {
            return Err(Error::Invalid(format!(
                "punch_no {} does not exist: the shift of {day} has {pairs} on/off pair(s) (punch_no 0..{})",
                new.punch_no,
                pairs - 1
            ))
            .into());
        }
        let side = if is_free && new.work_type == 0 {
            facts.sides.iter().find(|s| abnormal(s.result, &policy)).or(facts.sides.first())
        } else {
            let want = if new.work_type == 2 { Side::Off } else { Side::On };
            facts.sides.iter().find(|s| s.punch_no == new.punch_no && s.side == want)
        };
        let Some(side) = side.filter(|s| abnormal(s.result, &policy) && s.window.is_some()) else {
            let what = side.map_or("no punch is required".to_owned(), |s| format!("the result is {}", s.result));
            return Err(RemedyError::NoNeedRemedy(format!(
                "punch_no {} work_type {} of {day}: {what}",
                new.punch_no, new.work_type
            )));
        };
        if !policy.allows(side.result) {
            return Err(RemedyError::NotAllowed(format!(
                "the attendance group does not allow remedying a {} result",
                side.result
            )));
        }
        let tz = facts.resolved.plan.time_zone.clone();
        let at = parse_local(&new.remedy_time, &["%Y-%m-%d %H:%M"], &tz).ok_or_else(|| {
            Error::Invalid(format!("remedy_time must be yyyy-MM-dd HH:mm, got {:?}", new.remedy_time))
        })?;
        let (lo, hi) = side.window.unwrap_or((at, at));
        if at < lo || at > hi {
            return Err(Error::Invalid(format!(
                "remedy_time {} is outside the remedy window {} – {} of punch_no {} work_type {}",
                new.remedy_time,
                format_minute(lo, &tz),
                format_minute(hi, &tz),
                side.punch_no,
                work_type(side.side)
            ))
            .into());
        }
        let mut w = self.write().await?;
        Store::check_count(&mut w.tx, person.id, day, &policy).await?;
        let duplicate = sqlx::query(
            "SELECT approval_id FROM remedies WHERE person_id = $1 AND remedy_date = $2 AND punch_no = $3 \
             AND work_type = $4 AND status = $5",
        )
        .bind(person.id)
        .bind(day)
        .bind(side.punch_no)
        .bind(work_type(side.side))
        .bind(STATUS_PENDING)
        .fetch_optional(&mut *w.tx)
        .await?;
        if let Some(r) = duplicate {
            return Err(Error::Conflict { field: "pending remedy", value: r.try_get::<i64, _>(0)?.to_string() }.into());
        }
        let remedy = Remedy {
            approval_id: self.next_id(),
            tenant_id,
            person_id: person.id,
            remedy_date: day,
            punch_no: side.punch_no,
            work_type: work_type(side.side),
            remedy_at: at,
            time_zone: tz.iana_name().unwrap_or("UTC").to_owned(),
            reason: new.reason,
            status: STATUS_PENDING as i32,
            punch_record_id: None,
            created_at: now,
            updated_at: now,
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO remedies ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        )))
        .bind(remedy.approval_id)
        .bind(tenant_id)
        .bind(person.id)
        .bind(day)
        .bind(remedy.punch_no)
        .bind(remedy.work_type)
        .bind(at)
        .bind(&remedy.time_zone)
        .bind(&remedy.reason)
        .bind(remedy.status)
        .bind(None::<i64>)
        .bind(now)
        .bind(now)
        .execute(&mut *w.tx)
        .await?;
        self.recompute(&mut w.tx, tenant_id, &[(person.id, day, day)], now).await?;
        w.commit().await?;
        Ok((remedy, person))
    }

    /// Remedies of the given people with `from <= remedy_at <= to` and the status, by remedy time.
    pub async fn remedies_of(&self, person_ids: &[i64], from: i64, to: i64, status: i32) -> Result<Vec<Remedy>> {
        if person_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = person_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM remedies WHERE person_id IN ({list}) AND remedy_at >= $1 AND remedy_at <= $2 \
             AND status = $3 ORDER BY remedy_at, approval_id"
        )))
        .bind(from)
        .bind(to)
        .bind(status)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(remedy_from_row).collect()
    }

    /// Every remedy of a person for one attendance day (for `daka explain`).
    pub async fn remedies_on_day(&self, person_id: i64, day: i32) -> Result<Vec<Remedy>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM remedies WHERE person_id = $1 AND remedy_date = $2 ORDER BY created_at, approval_id"
        )))
        .bind(person_id)
        .bind(day)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(remedy_from_row).collect()
    }

    async fn remedy_in(tx: &mut Transaction<'static, Any>, tenant_id: i64, approval_id: i64) -> Result<Option<Remedy>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM remedies WHERE tenant_id = $1 AND approval_id = $2"
        )))
        .bind(tenant_id)
        .bind(approval_id)
        .fetch_optional(&mut **tx)
        .await?;
        row.as_ref().map(remedy_from_row).transpose()
    }

    /// Moves a remedy to `status` (1 reject, 2 approve from pending; 4 withdraw from approved),
    /// adding or removing its punch and recomputing. Other transitions are refused (1220001).
    pub(crate) async fn process_remedy(
        &self,
        tenant_id: i64,
        approval_id: i64,
        status: i64,
        now: i64,
    ) -> Result<Remedy> {
        let mut w = self.write().await?;
        let remedy = Store::remedy_in(&mut w.tx, tenant_id, approval_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("remedy approval {approval_id}")))?;
        let from = i64::from(remedy.status);
        let allowed = matches!(
            (from, status),
            (STATUS_PENDING, STATUS_REJECTED | STATUS_APPROVED) | (STATUS_APPROVED, STATUS_WITHDRAWN)
        );
        if !allowed {
            return Err(Error::Invalid(crate::approvals::transition_refused("remedy", approval_id, from, status)));
        }
        let mut punch_record_id = remedy.punch_record_id;
        let mut touched: Vec<(i64, i64)> = Vec::new();
        let person = Store::people_by_ids(&mut w.tx, &[remedy.person_id])
            .await?
            .pop()
            .ok_or_else(|| Error::Corrupt(format!("person {}", remedy.person_id)))?;
        if status == STATUS_APPROVED {
            let punch = Punch {
                record_id: self.next_id(),
                tenant_id,
                person_id: person.id,
                creator_id: person.id,
                check_time: remedy.remedy_at,
                kind: TYPE_REMEDY,
                location_name: String::new(),
                comment: remedy.reason.clone(),
                ssid: None,
                bssid: None,
                is_field: false,
                is_wifi: false,
                photo_urls: Vec::new(),
                device_id: None,
                external_id: None,
                idempotent_id: None,
                longitude: None,
                latitude: None,
                imported: false,
            };
            self.insert_punch(&mut w.tx, &punch, now).await?;
            self.record_event(&mut w.tx, tenant_id, USER_FLOW_CREATED, &flow_created_event(&punch, &person), now)
                .await?;
            touched.push((person.id, punch.check_time));
            punch_record_id = Some(punch.record_id);
        }
        if status == STATUS_WITHDRAWN {
            if let Some(id) = remedy.punch_record_id {
                sqlx::query("DELETE FROM punches WHERE record_id = $1 AND tenant_id = $2")
                    .bind(id)
                    .bind(tenant_id)
                    .execute(&mut *w.tx)
                    .await?;
            }
            touched.push((person.id, remedy.remedy_at));
        }
        let changed = sqlx::query(
            "UPDATE remedies SET status = $1, punch_record_id = $2, updated_at = $3 WHERE approval_id = $4 \
             AND status = $5",
        )
        .bind(status)
        .bind(punch_record_id)
        .bind(now)
        .bind(approval_id)
        .bind(from)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(Error::Invalid(crate::approvals::transition_refused("remedy", approval_id, from, status)));
        }
        let mut affected = self.days_touched(&mut w.tx, tenant_id, &touched).await?;
        affected.push((person.id, remedy.remedy_date, remedy.remedy_date));
        self.recompute(&mut w.tx, tenant_id, &affected, now).await?;
        w.commit().await?;
        Ok(Remedy { status: status as i32, punch_record_id, updated_at: now, ..remedy })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        assert_eq!(period_of(20240115, None), (20240101, 20240201));
        assert_eq!(period_of(20241231, None), (20241201, 20250101));
        assert_eq!(period_of(20240115, Some(20)), (20231220, 20240120));
        assert_eq!(period_of(20240120, Some(20)), (20240120, 20240220));
        assert_eq!(period_of(20240301, Some(1)), (20240301, 20240401));
    }

    #[test]
    fn last_minutes() {
        assert_eq!(last_minute(1_705_300_200), 1_705_300_140);
        assert_eq!(last_minute(1_705_300_230), 1_705_300_200);
    }

    #[test]
    fn local_times() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        assert_eq!(parse_local("2024-01-15 09:00", &["%Y-%m-%d %H:%M"], &tz), Some(1_705_280_400));
        assert_eq!(format_minute(1_705_280_400, &tz), "2024-01-15 09:00");
        assert_eq!(parse_local("2024-01-15 9:00", &["%Y-%m-%d %H:%M:%S"], &tz), None);
    }
}
