//! Resolving what a person must do on an attendance day — membership, group version, day rule
//! ([`crate::groups::day_rule`]: special days, calendars, weekly pattern), schedule, shift
//! version — into the engine's [`DayPlan`]. A temporary shift of the person's group that day wins
//! over every other rule (no pairs: a rest day); schedule entries of another group are ignored.

use std::collections::HashMap;
use std::sync::Arc;

use daka_engine::{DayKind, DayPlan, FreeRule};
use daka_types::attendance::groups::Group;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use sqlx::AnyConnection;

use crate::groups::{day_rule, decode_group, DayRule, Membership};
use crate::results::day_number;
use crate::schedules::ScheduleEntry;
use crate::shifts::{
    decode_shift, default_shift, engine_shift, temp_shift, version_in_force, InForce, Versioned, DEFAULT_SHIFT_ID,
};
use crate::{Result, Store};

/// Group id reported for people in no attendance group.
pub const NO_GROUP: &str = "1";
/// Shift id reported for rest days.
pub const REST_SHIFT: &str = "0";
/// The default shift's id.
pub const DEFAULT_SHIFT: &str = "9";
/// Time zone of days outside any group.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// The rules of one person-day, resolved.
#[derive(Debug, Clone)]
pub struct ResolvedDay {
    /// What the engine evaluates.
    pub plan: DayPlan,
    /// Group id as reported ("1": none).
    pub group_id: String,
    /// Shift id as reported ("0": rest).
    pub shift_id: String,
}

/// Resolves person-days, remembering group and shift versions within one operation.
pub(crate) struct Resolver {
    tenant_id: i64,
    days: HashMap<(i64, Date), Arc<ResolvedDay>>,
    groups: HashMap<i64, Vec<Spanned<Option<Arc<Group>>>>>,
    shifts: HashMap<i64, Vec<Spanned<Option<daka_engine::Shift>>>>,
    memberships: HashMap<i64, (i32, i32, Vec<Membership>)>,
    schedules: HashMap<i64, (i32, i32, HashMap<i32, ScheduleEntry>)>,
    calendar_days: HashMap<(i64, i32), Option<bool>>,
}

impl Resolver {
    /// A resolver for one tenant.
    pub fn new(tenant_id: i64) -> Self {
        Resolver {
            tenant_id,
            days: HashMap::new(),
            groups: HashMap::new(),
            shifts: HashMap::new(),
            memberships: HashMap::new(),
            schedules: HashMap::new(),
            calendar_days: HashMap::new(),
        }
    }

    /// The rules of `person_id` on `day` (shared: the runs of a recompute hold every day and
    /// its neighbours).
    pub async fn resolve(&mut self, conn: &mut AnyConnection, person_id: i64, day: Date) -> Result<Arc<ResolvedDay>> {
        if let Some(r) = self.days.get(&(person_id, day)) {
            return Ok(r.clone());
        }
        let resolved = Arc::new(self.lookup(conn, person_id, day).await?);
        self.days.insert((person_id, day), resolved.clone());
        Ok(resolved)
    }

    /// The group's rules on `day`, shared: a group carries every member id, so it is never copied.
    /// One look-up per version: the days it spans are remembered.
    async fn group(&mut self, conn: &mut AnyConnection, group_id: i64, day: i32) -> Result<Option<Arc<Group>>> {
        if let Some(g) = spanning(self.groups.get(&group_id), day) {
            return Ok(g.clone());
        }
        let found = version_in_force(&mut *conn, Versioned::Group, self.tenant_id, group_id, day).await?;
        let g = found.wire.as_deref().map(decode_group).transpose()?.map(Arc::new);
        self.groups.entry(group_id).or_default().push((found, g.clone()));
        Ok(g)
    }

    /// The shift's rules on `day` (`None`: unknown, or without pairs), one look-up per version.
    async fn shift(&mut self, conn: &mut AnyConnection, shift_id: i64, day: i32) -> Result<Option<daka_engine::Shift>> {
        if shift_id == DEFAULT_SHIFT_ID {
            return Ok(Some(engine_shift(shift_id, &default_shift())));
        }
        if let Some(s) = spanning(self.shifts.get(&shift_id), day) {
            return Ok(s.clone());
        }
        let found = version_in_force(&mut *conn, Versioned::Shift, self.tenant_id, shift_id, day).await?;
        let wire = found.wire.as_deref().map(decode_shift).transpose()?;
        let s = wire.map(|w| engine_shift(shift_id, &w)).filter(|s| !s.pairs.is_empty());
        self.shifts.entry(shift_id).or_default().push((found, s.clone()));
        Ok(s)
    }

    /// Loads the memberships and schedules of several people for `first..=last` in two queries,
    /// so resolving those days needs no look-up per person-day (none when an earlier prefetch
    /// covered them all).
    pub async fn prefetch(
        &mut self,
        conn: &mut AnyConnection,
        person_ids: &[i64],
        first: Date,
        last: Date,
    ) -> Result<()> {
        let (from, to) = (day_number(first), day_number(last));
        let covers = |range: Option<(i32, i32)>| range.is_some_and(|(f, t)| f <= from && to <= t);
        if person_ids.iter().all(|p| {
            covers(self.memberships.get(p).map(|m| (m.0, m.1))) && covers(self.schedules.get(p).map(|s| (s.0, s.1)))
        }) {
            return Ok(());
        }
        let mut memberships: HashMap<i64, Vec<Membership>> = person_ids.iter().map(|&p| (p, Vec::new())).collect();
        for (person, m) in Store::memberships_between(&mut *conn, person_ids, from, to).await? {
            memberships.entry(person).or_default().push(m);
        }
        let mut schedules: HashMap<i64, HashMap<i32, ScheduleEntry>> =
            person_ids.iter().map(|&p| (p, HashMap::new())).collect();
        for s in Store::schedules_between(&mut *conn, person_ids, from, to).await? {
            schedules.entry(s.person_id).or_default().insert(s.day, s.entry);
        }
        for (person, list) in memberships {
            self.memberships.insert(person, (from, to, list));
        }
        for (person, entries) in schedules {
            self.schedules.insert(person, (from, to, entries));
        }
        Ok(())
    }

    /// Whether a custom calendar marks `day` a holiday (`Some(true)`) or a working day.
    async fn calendar_day(&mut self, conn: &mut AnyConnection, calendar_id: i64, day: i32) -> Result<Option<bool>> {
        if let Some(v) = self.calendar_days.get(&(calendar_id, day)) {
            return Ok(*v);
        }
        let v = Store::custom_calendar_day(&mut *conn, calendar_id, day).await?;
        self.calendar_days.insert((calendar_id, day), v);
        Ok(v)
    }

    async fn schedule(&mut self, conn: &mut AnyConnection, person_id: i64, day: i32) -> Result<Option<ScheduleEntry>> {
        if let Some((from, to, entries)) = self.schedules.get(&person_id) {
            if (*from..=*to).contains(&day) {
                return Ok(entries.get(&day).cloned());
            }
        }
        Store::schedule_on(&mut *conn, person_id, day).await
    }

    /// The time zone a person's day is evaluated in (their group's, else the default), without
    /// resolving the whole day.
    pub async fn time_zone(&mut self, conn: &mut AnyConnection, person_id: i64, day: Date) -> Result<TimeZone> {
        if let Some(r) = self.days.get(&(person_id, day)) {
            return Ok(r.plan.time_zone.clone());
        }
        let n = day_number(day);
        let group = match self.membership(conn, person_id, n).await? {
            Some((group_id, _)) => self.group(conn, group_id, n).await?,
            None => None,
        };
        Ok(group.and_then(|g| g.time_zone.as_deref().and_then(|z| TimeZone::get(z).ok())).unwrap_or_else(default_zone))
    }

    async fn membership(&mut self, conn: &mut AnyConnection, person_id: i64, day: i32) -> Result<Option<(i64, bool)>> {
        if let Some((from, to, list)) = self.memberships.get(&person_id) {
            if (*from..=*to).contains(&day) {
                return Ok(list
                    .iter()
                    .find(|m| m.from_day <= day && m.to_day.is_none_or(|t| day <= t))
                    .map(|m| (m.group_id, m.need_punch)));
            }
        }
        Store::membership_on(&mut *conn, person_id, day).await
    }

    async fn lookup(&mut self, conn: &mut AnyConnection, person_id: i64, day: Date) -> Result<ResolvedDay> {
        let n = day_number(day);
        let Some((group_id, need_punch)) = self.membership(conn, person_id, n).await? else {
            return Ok(no_group(day));
        };
        let Some(group) = self.group(conn, group_id, n).await? else { return Ok(no_group(day)) };
        let time_zone = group.time_zone.as_deref().and_then(|z| TimeZone::get(z).ok()).unwrap_or_else(default_zone);
        let resolved = |kind: DayKind, shift_id: String| ResolvedDay {
            plan: DayPlan { day, time_zone: time_zone.clone(), kind, need_punch },
            group_id: group_id.to_string(),
            shift_id,
        };
        let custom = match group.new_calendar_id.as_deref().and_then(|c| c.trim().parse::<i64>().ok()) {
            Some(id) => self.calendar_day(conn, id, n).await?,
            None => None,
        };
        let schedule = self.schedule(conn, person_id, n).await?.filter(|e| e.group_id == group_id);
        if let Some(entry) = &schedule {
            if let Some(pairs) = entry.temp.as_ref() {
                if pairs.is_empty() {
                    return Ok(resolved(DayKind::Rest, REST_SHIFT.into()));
                }
                let shift = engine_shift(entry.shift_id, &temp_shift(entry.shift_id, "temporary shift", pairs));
                return Ok(resolved(DayKind::Work(shift), entry.shift_id.to_string()));
            }
        }
        let shift_id = match day_rule(&group, n, custom) {
            DayRule::Rest => return Ok(resolved(DayKind::Rest, REST_SHIFT.into())),
            DayRule::FreeWork => {
                let cfg = group.free_punch_cfg.clone().unwrap_or_default();
                let clock =
                    |s: Option<&str>, default| s.and_then(|s| daka_engine::parse_clock(s).ok()).unwrap_or(default);
                let rule = FreeRule {
                    start_minute: clock(cfg.free_start_time.as_deref(), 0),
                    end_minute: clock(cfg.free_end_time.as_deref(), 1440),
                    work_hours_minutes: cfg.work_hours.filter(|_| cfg.work_hours_demand.unwrap_or(false)),
                    no_punch_as_lack: cfg
                        .work_day_no_punch_as_lack
                        .or(group.work_day_no_punch_as_lack)
                        .unwrap_or(false),
                };
                return Ok(resolved(DayKind::Free(rule), String::new()));
            }
            DayRule::Shift(id) => id,
            DayRule::Scheduled => match schedule {
                None => return Ok(resolved(DayKind::Rest, REST_SHIFT.into())),
                Some(entry) => entry.shift_id,
            },
        };
        if shift_id == 0 {
            return Ok(resolved(DayKind::Rest, REST_SHIFT.into()));
        }
        Ok(match self.shift(conn, shift_id, n).await? {
            Some(shift) => resolved(DayKind::Work(shift), shift_id.to_string()),
            None => resolved(DayKind::Rest, REST_SHIFT.into()),
        })
    }
}

/// A rule as resolved for the days of one of its versions.
type Spanned<T> = (InForce, T);

/// The remembered rule whose version spans `day`.
fn spanning<T>(versions: Option<&Vec<Spanned<T>>>, day: i32) -> Option<&T> {
    versions?.iter().find(|(span, _)| span.covers(day)).map(|(_, rule)| rule)
}

fn default_zone() -> TimeZone {
    TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(TimeZone::UTC)
}

fn no_group(day: Date) -> ResolvedDay {
    ResolvedDay {
        plan: DayPlan { day, time_zone: default_zone(), kind: DayKind::NoGroup, need_punch: false },
        group_id: NO_GROUP.into(),
        shift_id: DEFAULT_SHIFT.into(),
    }
}
