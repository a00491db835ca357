//! Attendance groups (考勤组) and memberships, versioned by attendance day.
//!
//! **Effective days.** A change to an existing group applies from the day it takes effect:
//! today with `effect_now`, otherwise tomorrow, both in the group's time zone by the server
//! clock `now`; earlier days keep the rules they had (`group_versions`). A newly created group
//! applies to the days before its creation too (its first version is "since always").
//! Deleting a group takes effect today: its members are in no group from today on.
//!
//! **Memberships.** A person is in at most one group per day. Joining a group ends the person's
//! previous membership on the day before the new one starts. A membership of a newly created
//! group starts "since always" for people with no membership history at all, otherwise on the
//! group's effective day. `bind_user_ids` members must punch, `bind_default_user_ids` members
//! need not; a person in both lists must punch. Department bindings and the
//! `*_punch_members` scope rules are stored and returned but not expanded into members.
//!
//! **Stored wire.** Each version stores the whole normalized group object as JSON, with the
//! person-id lists (`bind_user_ids`, `bind_default_user_ids`, `group_leader_ids`,
//! `sub_group_leader_ids`) holding internal person ids; the API maps them back per
//! `employee_type`. `group_type` 1 is stored as 0 (fixed). `calendar_id` 2–5 are stored but
//! daka has no data for them: they behave like 0. `locations` are append-only.
//!
//! **Which shift a day uses** ([`day_rule`]): special days (`need_punch_special_days` → that
//! shift, `no_need_punch_special_days` → rest) > the custom calendar (`new_calendar_id`, when
//! set, replaces `calendar_id`) > the statutory calendar (`calendar_id` 1) > the weekly pattern
//! (fixed) or `punch_day` (free). A holiday is a rest day; an adjusted working day (调休上班) of
//! a fixed group uses the first non-rest shift of the week Monday→Sunday (the default shift 9
//! if the week has none). Scheduling groups use the schedule; an unscheduled day is a rest day.

use std::collections::{BTreeMap, HashMap, HashSet};

use daka_types::attendance::groups::{Group, GroupMeta, Location};
use jiff::tz::TimeZone;
use sqlx::{Any, Executor, Row, Transaction};

use crate::bulk::{self, Bind, Col};
use crate::people::{IdKind, Person};
use crate::shifts::{
    add_days, clock, day_start, day_to_date, encode_json, insert_version, page_after, today_in, version_in_force, zone,
    Page, RuleError, RuleResult, Versioned, DEFAULT_SHIFT_ID, EARLIEST_DAY, REST_SHIFT_ID, SINCE_ALWAYS,
};
use crate::{Error, Result, Store};

/// Group type 0: fixed shifts (固定班制).
pub const FIXED: i32 = 0;
/// Group type 2: scheduling (排班制).
pub const SCHEDULING: i32 = 2;
/// Group type 3: free (自由班制).
pub const FREE: i32 = 3;

/// A membership period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    /// First day (yyyyMMdd); [`SINCE_ALWAYS`] (0) = since always.
    pub from_day: i32,
    /// Last day, inclusive; `None` = open-ended.
    pub to_day: Option<i32>,
    /// The group.
    pub group_id: i64,
    /// Must punch (false: `bind_default_user_ids`).
    pub need_punch: bool,
}

/// What a group's rules say about one day (see the module docs for the precedence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayRule {
    /// Work with this shift (9 = default shift).
    Shift(i64),
    /// A rest day.
    Rest,
    /// A working day of a free group (use `free_punch_cfg`).
    FreeWork,
    /// Scheduling group: ask [`Store::schedule_on`] (unscheduled = rest).
    Scheduled,
}

/// Resolves the day rule of a fixed or free group from its rules in force on `day`.
/// `custom` is [`Store::custom_calendar_day`] of the group's `new_calendar_id` (None when it has
/// none or the day is not listed).
pub fn day_rule(group: &Group, day: i32, custom: Option<bool>) -> DayRule {
    let gtype = group.group_type.unwrap_or(FIXED);
    if gtype == SCHEDULING {
        return DayRule::Scheduled;
    }
    let work = |g: &Group| if gtype == FREE { DayRule::FreeWork } else { adjusted_workday_shift(g) };
    for sd in group.need_punch_special_days.iter().flatten() {
        if sd.punch_day == Some(day) {
            if gtype == FREE {
                return DayRule::FreeWork;
            }
            return match sd.shift_id.as_deref().and_then(|s| s.parse::<i64>().ok()) {
                Some(REST_SHIFT_ID) => DayRule::Rest,
                Some(id) => DayRule::Shift(id),
                None => work(group),
            };
        }
    }
    if group.no_need_punch_special_days.iter().flatten().any(|sd| sd.punch_day == Some(day)) {
        return DayRule::Rest;
    }
    let has_custom = group.new_calendar_id.as_deref().is_some_and(|c| !c.trim().is_empty());
    let date = day_to_date(day);
    if has_custom {
        match custom {
            Some(true) => return DayRule::Rest,
            Some(false) => return work(group),
            None => {}
        }
    } else if group.calendar_id.unwrap_or(1) == 1 {
        if let Some(d) = date {
            match daka_engine::cn_calendar(d) {
                daka_engine::CalendarDay::Holiday => return DayRule::Rest,
                daka_engine::CalendarDay::AdjustedWorkday => return work(group),
                daka_engine::CalendarDay::Normal => {}
            }
        }
    }
    let wd = date.map_or(0, |d| d.weekday().to_monday_zero_offset() as usize);
    if gtype == FREE {
        let works = group.free_punch_cfg.as_ref().and_then(|c| c.punch_day.as_ref()).and_then(|p| p.works_on(wd));
        return if works == Some(true) { DayRule::FreeWork } else { DayRule::Rest };
    }
    match group.punch_day_shift_ids.as_ref().and_then(|ids| ids.get(wd)).and_then(|s| s.parse::<i64>().ok()) {
        Some(REST_SHIFT_ID) | None => DayRule::Rest,
        Some(id) => DayRule::Shift(id),
    }
}

/// The shift of an adjusted working day: the first non-rest shift Monday→Sunday, else 9.
fn adjusted_workday_shift(g: &Group) -> DayRule {
    let first =
        g.punch_day_shift_ids.iter().flatten().filter_map(|s| s.parse::<i64>().ok()).find(|&id| id != REST_SHIFT_ID);
    DayRule::Shift(first.unwrap_or(DEFAULT_SHIFT_ID))
}

/// Shift ids a group's rules refer to (weekly pattern and special days), without 0.
pub fn referenced_shifts(g: &Group) -> Vec<i64> {
    let mut ids: Vec<i64> = g
        .punch_day_shift_ids
        .iter()
        .flatten()
        .cloned()
        .chain(g.need_punch_special_days.iter().flatten().filter_map(|d| d.shift_id.clone()))
        .chain(g.no_need_punch_special_days.iter().flatten().filter_map(|d| d.shift_id.clone()))
        .filter_map(|s| s.parse::<i64>().ok())
        .filter(|&id| id != REST_SHIFT_ID)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A stored group as the API returns it: latest rules and current members.
#[derive(Debug, Clone)]
pub struct GroupView {
    /// The latest rules, person-id lists still holding internal ids.
    pub wire: Group,
    /// Open-ended memberships: (person, must punch).
    pub members: Vec<(i64, bool)>,
    /// People named by the person-id lists (members and leaders), for mapping ids back.
    pub people: Vec<Person>,
}

impl GroupView {
    /// The wire object with person ids as `kind` says.
    pub fn to_wire(&self, kind: IdKind) -> Group {
        let name = |id: &str| -> Option<String> {
            let id: i64 = id.parse().ok()?;
            self.people.iter().find(|p| p.id == id).map(|p| p.id_of(kind).to_owned()).filter(|s| !s.is_empty())
        };
        let map = |l: &Option<Vec<String>>| l.as_ref().map(|l| l.iter().filter_map(|i| name(i)).collect());
        let mut g = self.wire.clone();
        g.group_leader_ids = map(&g.group_leader_ids);
        g.sub_group_leader_ids = map(&g.sub_group_leader_ids);
        let ids_of = |need: bool| -> Vec<String> {
            self.members.iter().filter(|m| m.1 == need).filter_map(|m| name(&m.0.to_string())).collect()
        };
        g.bind_user_ids = Some(ids_of(true));
        g.bind_default_user_ids = Some(ids_of(false));
        g
    }
}

pub(crate) fn decode_group(wire: &str) -> Result<Group> {
    serde_json::from_str(wire).map_err(|e| Error::Corrupt(format!("group_versions.wire: {e}")))
}

/// Resolves external ids to the people they name now; unknown ids are collected.
async fn resolve_ids(
    tx: &mut Transaction<'static, Any>,
    tenant_id: i64,
    kind: IdKind,
    ids: &[String],
    unknown: &mut Vec<String>,
    cache: &mut HashMap<String, Person>,
) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(p) = cache.get(id) {
            out.push(p.id);
            continue;
        }
        let holders = Store::holders_of(tx, tenant_id, kind, id).await?;
        let current = match holders.iter().position(|p| p.left_at.is_none()) {
            Some(i) => holders.into_iter().nth(i),
            None => holders.into_iter().max_by_key(|p| p.left_at),
        };
        match current {
            Some(p) => {
                out.push(p.id);
                cache.insert(id.clone(), p);
            }
            None => unknown.push(id.clone()),
        }
    }
    Ok(out)
}

impl Store {
    /// Checks and normalizes a group sent on the wire (everything that does not need the
    /// previous version). Errors name the field.
    async fn normalize_group(
        &self,
        tx: &mut Transaction<'static, Any>,
        tenant_id: i64,
        g: &mut Group,
    ) -> RuleResult<()> {
        let name = g.group_name.as_deref().map(str::trim).unwrap_or("");
        if name.is_empty() {
            return Err(Error::Invalid("group.group_name is required".into()).into());
        }
        g.group_name = Some(name.to_owned());
        let tz = g.time_zone.as_deref().map(str::trim).unwrap_or("");
        if tz.is_empty() {
            return Err(Error::Invalid("group.time_zone is required".into()).into());
        }
        if TimeZone::get(tz).is_err() {
            return Err(Error::Invalid(format!("group.time_zone {tz:?} is not an IANA time zone")).into());
        }
        g.time_zone = Some(tz.to_owned());
        let gtype = match g.group_type {
            None => return Err(Error::Invalid("group.group_type is required".into()).into()),
            Some(0 | 1) => FIXED,
            Some(t @ (SCHEDULING | FREE)) => t,
            Some(t) => {
                return Err(Error::Invalid(format!("group.group_type must be 0 or 1 (fixed), 2 or 3, got {t}")).into())
            }
        };
        g.group_type = Some(gtype);
        let days = g.punch_day_shift_ids.take().unwrap_or_default();
        if gtype == FIXED {
            if days.len() != 7 {
                return Err(Error::Invalid(format!(
                    "group.punch_day_shift_ids must have exactly 7 entries (Monday to Sunday) for a fixed group, got {}",
                    days.len()
                ))
                .into());
            }
            let mut norm = Vec::with_capacity(7);
            for (i, d) in days.iter().enumerate() {
                let id = d
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| Error::Invalid(format!("group.punch_day_shift_ids[{i}] {d:?} is not a shift id")))?;
                if id != REST_SHIFT_ID && !Store::shift_exists(&mut **tx, tenant_id, id).await? {
                    return Err(RuleError::ShiftMissing(d.clone()));
                }
                norm.push(id.to_string());
            }
            g.punch_day_shift_ids = Some(norm);
        } else {
            if !days.is_empty() {
                return Err(Error::Invalid(
                    "group.punch_day_shift_ids must be empty for scheduling and free groups".into(),
                )
                .into());
            }
            g.punch_day_shift_ids = Some(Vec::new());
        }
        if gtype == FREE {
            let cfg = g
                .free_punch_cfg
                .as_mut()
                .ok_or_else(|| Error::Invalid("group.free_punch_cfg is required for a free group".into()))?;
            let start = clock("group.free_punch_cfg.free_start_time", cfg.free_start_time.as_deref())?;
            let end = clock("group.free_punch_cfg.free_end_time", cfg.free_end_time.as_deref())?;
            if end <= start {
                return Err(
                    Error::Invalid("group.free_punch_cfg.free_end_time must be after free_start_time".into()).into()
                );
            }
            cfg.free_start_time = Some(daka_engine::format_clock(start));
            cfg.free_end_time = Some(daka_engine::format_clock(end));
            match &cfg.punch_day {
                Some(p) if p.is_valid() => {}
                Some(p) => {
                    return Err(Error::Invalid(format!(
                        "group.free_punch_cfg.punch_day must be 7 digits of 0/1 (Monday to Sunday), got {:?}",
                        p.0
                    ))
                    .into())
                }
                None => return Err(Error::Invalid("group.free_punch_cfg.punch_day is required".into()).into()),
            }
            if cfg.work_hours.is_some_and(|h| !(0..=1440).contains(&h)) {
                return Err(Error::Invalid("group.free_punch_cfg.work_hours must be 0 to 1440".into()).into());
            }
        }
        if g.calendar_id.is_none() {
            g.calendar_id = Some(1);
        }
        for field in ["need_punch_special_days", "no_need_punch_special_days"] {
            let list = if field == "need_punch_special_days" {
                &g.need_punch_special_days
            } else {
                &g.no_need_punch_special_days
            };
            for (i, sd) in list.iter().flatten().enumerate() {
                match sd.punch_day {
                    Some(d) if day_to_date(d).is_some() => {}
                    _ => {
                        return Err(
                            Error::Invalid(format!("group.{field}[{i}].punch_day must be a date yyyyMMdd")).into()
                        )
                    }
                }
                let sid = sd.shift_id.as_deref().map(str::trim).unwrap_or("0");
                let id = sid
                    .parse::<i64>()
                    .map_err(|_| Error::Invalid(format!("group.{field}[{i}].shift_id {sid:?} is not a shift id")))?;
                if id != REST_SHIFT_ID && !Store::shift_exists(&mut **tx, tenant_id, id).await? {
                    return Err(RuleError::ShiftMissing(sid.to_owned()));
                }
            }
        }
        if g.remedy_period_custom_date.is_some_and(|d| !(0..=28).contains(&d)) {
            return Err(Error::Invalid("group.remedy_period_custom_date must be 0 to 28".into()).into());
        }
        if let Some(c) = g.new_calendar_id.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            let id = c.parse::<i64>().ok();
            let found = match id {
                Some(id) => sqlx::query("SELECT 1 FROM calendars WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant_id)
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .is_some(),
                None => false,
            };
            if !found {
                return Err(Error::Invalid(format!("group.new_calendar_id {c:?} does not exist")).into());
            }
        }
        g.effect_now = None;
        g.effect_time = None;
        g.fixshift_effect_time = None;
        g.member_effect_time = None;
        Ok(())
    }

    /// Creates a group (no `group_id`) or overwrites one, with its members; see the module docs
    /// for effective days. Person ids are `kind`; unknown ones fail with
    /// [`Error::UnknownUsers`]. Recomputes the results of every person whose rules or
    /// membership changed, from the effective day (or 2022-01-01 for "since always") to
    /// tomorrow.
    pub async fn save_group(&self, tenant_id: i64, kind: IdKind, mut g: Group, now: i64) -> RuleResult<GroupView> {
        let effect_now = g.effect_now.unwrap_or(false);
        let group_id = match g.group_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(raw.parse::<i64>().map_err(|_| RuleError::GroupMissing(raw.to_owned()))?),
        };
        let mut w = self.write().await?;
        self.normalize_group(&mut w.tx, tenant_id, &mut g).await?;
        // People.
        let mut unknown = Vec::new();
        let mut cache = HashMap::new();
        let leaders = match &g.group_leader_ids {
            Some(l) => resolve_ids(&mut w.tx, tenant_id, kind, l, &mut unknown, &mut cache).await?,
            None => return Err(Error::Invalid("group.group_leader_ids is required".into()).into()),
        };
        let subs = resolve_ids(
            &mut w.tx,
            tenant_id,
            kind,
            g.sub_group_leader_ids.as_deref().unwrap_or(&[]),
            &mut unknown,
            &mut cache,
        )
        .await?;
        let must = resolve_ids(
            &mut w.tx,
            tenant_id,
            kind,
            g.bind_user_ids.as_deref().unwrap_or(&[]),
            &mut unknown,
            &mut cache,
        )
        .await?;
        let need_not = resolve_ids(
            &mut w.tx,
            tenant_id,
            kind,
            g.bind_default_user_ids.as_deref().unwrap_or(&[]),
            &mut unknown,
            &mut cache,
        )
        .await?;
        if !unknown.is_empty() {
            unknown.dedup();
            return Err(Error::UnknownUsers(unknown).into());
        }
        let ids = |v: &[i64]| Some(v.iter().map(i64::to_string).collect::<Vec<_>>());
        g.group_leader_ids = ids(&leaders);
        g.sub_group_leader_ids = g.sub_group_leader_ids.is_some().then(|| ids(&subs)).flatten();
        let mut members: Vec<(i64, bool)> = Vec::new();
        let mut seen = HashSet::new();
        for &p in &must {
            if seen.insert(p) {
                members.push((p, true));
            }
        }
        for &p in &need_not {
            if seen.insert(p) {
                members.push((p, false));
            }
        }
        g.bind_user_ids = ids(&must);
        g.bind_default_user_ids = ids(&need_not);

        let tz = zone(g.time_zone.as_deref().unwrap_or("UTC"));
        let today = today_in(&tz, now);
        let tomorrow = add_days(today, 1);
        let effective = if effect_now { today } else { tomorrow };
        let effect_time = if effect_now || group_id.is_none() { now } else { day_start(&tz, effective) };
        let t = Some(effect_time.to_string());
        g.effect_time = t.clone();
        g.fixshift_effect_time = t.clone();
        g.member_effect_time = t;
        let mut affected: Vec<(i64, i32, i32)> = Vec::new();
        let gid = match group_id {
            None => {
                let gid = self.next_id();
                g.group_id = Some(gid.to_string());
                g.locations = number_locations(self, Vec::new(), g.locations.take());
                sqlx::query(
                    "INSERT INTO attendance_groups (id, tenant_id, name, group_type, time_zone, deleted_at, \
                     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, NULL, $6, $6)",
                )
                .bind(gid)
                .bind(tenant_id)
                .bind(g.group_name.as_deref().unwrap_or(""))
                .bind(g.group_type.unwrap_or(FIXED))
                .bind(g.time_zone.as_deref().unwrap_or("UTC"))
                .bind(now)
                .execute(&mut *w.tx)
                .await?;
                insert_version(&mut w.tx, Versioned::Group, gid, SINCE_ALWAYS, encode_json(&g), now).await?;
                gid
            }
            Some(gid) => {
                let row = sqlx::query(
                    "SELECT group_type, time_zone FROM attendance_groups \
                     WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
                )
                .bind(tenant_id)
                .bind(gid)
                .fetch_optional(&mut *w.tx)
                .await?
                .ok_or_else(|| RuleError::GroupMissing(gid.to_string()))?;
                let old_type: i32 = row.try_get(0)?;
                let old_tz: String = row.try_get(1)?;
                if g.time_zone.as_deref() != Some(old_tz.as_str()) {
                    return Err(Error::Invalid(format!(
                        "group.time_zone cannot be changed after creation (it is {old_tz:?})"
                    ))
                    .into());
                }
                if g.group_type != Some(old_type) {
                    return Err(Error::Invalid(format!(
                        "group.group_type cannot be changed after creation (it is {old_type})"
                    ))
                    .into());
                }
                let previous = Store::latest_group(&mut *w.tx, gid).await?.unwrap_or_default();
                g.locations = number_locations(self, previous.locations.unwrap_or_default(), g.locations.take());
                sqlx::query("UPDATE attendance_groups SET name = $1, updated_at = $2 WHERE id = $3")
                    .bind(g.group_name.as_deref().unwrap_or(""))
                    .bind(now)
                    .bind(gid)
                    .execute(&mut *w.tx)
                    .await?;
                insert_version(&mut w.tx, Versioned::Group, gid, effective, encode_json(&g), now).await?;
                // Everyone in the group from the effective day on gets the new rules.
                for (p, _) in Store::group_members_on(&mut *w.tx, gid, effective).await? {
                    affected.push((p, effective, tomorrow));
                }
                gid
            }
        };
        set_refs(&mut w.tx, gid, &g).await?;
        let moved =
            self.assign_members(&mut w.tx, tenant_id, gid, &members, effective, group_id.is_none(), now).await?;
        affected.extend(moved.into_iter().map(|(p, from)| (p, from, tomorrow)));
        affected.retain(|a| a.1 <= a.2);
        self.recompute(&mut w.tx, tenant_id, &affected, now).await?;
        let view =
            self.group_view_in(&mut w.tx, tenant_id, gid).await?.ok_or(RuleError::GroupMissing(gid.to_string()))?;
        w.commit().await?;
        Ok(view)
    }

    /// Makes `members` the group's members from `effective` on; returns `(person, from_day)` of
    /// everyone whose membership changed (from_day [`EARLIEST_DAY`] for "since always").
    #[allow(clippy::too_many_arguments)]
    async fn assign_members(
        &self,
        tx: &mut Transaction<'static, Any>,
        tenant_id: i64,
        group_id: i64,
        members: &[(i64, bool)],
        effective: i32,
        new_group: bool,
        now: i64,
    ) -> Result<Vec<(i64, i32)>> {
        let mut changed = Vec::new();
        let wanted: HashMap<i64, bool> = members.iter().copied().collect();
        // Leavers (and members whose need_punch changes: they are re-added below).
        let rows = sqlx::query(
            "SELECT person_id, need_punch, to_day FROM memberships \
             WHERE group_id = $1 AND (to_day IS NULL OR to_day >= $2)",
        )
        .bind(group_id)
        .bind(effective)
        .fetch_all(&mut **tx)
        .await?;
        let mut keep = HashSet::new();
        for r in rows {
            let p: i64 = r.try_get(0)?;
            let need = r.try_get::<i64, _>(1)? != 0;
            let open = r.try_get::<Option<i32>, _>(2)?.is_none();
            if wanted.get(&p) == Some(&need) && open {
                keep.insert(p);
            } else {
                end_from(tx, p, effective).await?;
                if !wanted.contains_key(&p) {
                    changed.push((p, effective));
                }
            }
        }
        for &(p, need) in members {
            if keep.contains(&p) {
                continue;
            }
            let any = sqlx::query("SELECT 1 FROM memberships WHERE person_id = $1 LIMIT 1")
                .bind(p)
                .fetch_optional(&mut **tx)
                .await?
                .is_some();
            let from = if new_group && !any { SINCE_ALWAYS } else { effective };
            end_from(tx, p, from).await?;
            sqlx::query(
                "INSERT INTO memberships (id, tenant_id, person_id, group_id, need_punch, from_day, to_day, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)",
            )
            .bind(self.next_id())
            .bind(tenant_id)
            .bind(p)
            .bind(group_id)
            .bind(i64::from(need))
            .bind(from)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            changed.push((p, if from == SINCE_ALWAYS { EARLIEST_DAY } else { from }));
        }
        Ok(changed)
    }

    /// The latest rules of a group (also of deleted ones).
    async fn latest_group<'e, E: Executor<'e, Database = Any>>(exec: E, group_id: i64) -> Result<Option<Group>> {
        let row =
            sqlx::query("SELECT wire FROM group_versions WHERE group_id = $1 ORDER BY effective_from DESC LIMIT 1")
                .bind(group_id)
                .fetch_optional(exec)
                .await?;
        row.map(|r| decode_group(&r.try_get::<String, _>(0)?)).transpose()
    }

    async fn group_view_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        tenant_id: i64,
        group_id: i64,
    ) -> Result<Option<GroupView>> {
        let live =
            sqlx::query("SELECT 1 FROM attendance_groups WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL")
                .bind(tenant_id)
                .bind(group_id)
                .fetch_optional(&mut **tx)
                .await?;
        if live.is_none() {
            return Ok(None);
        }
        let Some(wire) = Store::latest_group(&mut **tx, group_id).await? else { return Ok(None) };
        let rows = sqlx::query(
            "SELECT person_id, need_punch FROM memberships WHERE group_id = $1 AND to_day IS NULL ORDER BY person_id",
        )
        .bind(group_id)
        .fetch_all(&mut **tx)
        .await?;
        let members: Vec<(i64, bool)> =
            rows.iter().map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)? != 0))).collect::<Result<_>>()?;
        let mut ids: Vec<i64> = members.iter().map(|m| m.0).collect();
        for l in [&wire.group_leader_ids, &wire.sub_group_leader_ids].into_iter().flatten() {
            ids.extend(l.iter().filter_map(|s| s.parse::<i64>().ok()));
        }
        ids.sort_unstable();
        ids.dedup();
        let people = Store::people_by_ids(tx, &ids).await?;
        Ok(Some(GroupView { wire, members, people }))
    }

    /// A live group's latest rules and current members.
    pub async fn group(&self, tenant_id: i64, group_id: i64) -> Result<Option<GroupView>> {
        let mut tx = self.pool().begin().await?;
        let v = self.group_view_in(&mut tx, tenant_id, group_id).await?;
        tx.rollback().await?;
        Ok(v)
    }

    /// Deletes a group: from today (group time zone) its members are in no group; earlier days
    /// keep it. Recomputes the members' results for today and tomorrow.
    pub async fn delete_group(&self, tenant_id: i64, group_id: i64, now: i64) -> RuleResult<()> {
        let mut w = self.write().await?;
        let row = sqlx::query(
            "SELECT time_zone FROM attendance_groups WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        )
        .bind(tenant_id)
        .bind(group_id)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or_else(|| RuleError::GroupMissing(group_id.to_string()))?;
        let tz = zone(&row.try_get::<String, _>(0)?);
        let today = today_in(&tz, now);
        let tomorrow = add_days(today, 1);
        let rows = sqlx::query(
            "SELECT DISTINCT person_id FROM memberships WHERE group_id = $1 AND (to_day IS NULL OR to_day >= $2)",
        )
        .bind(group_id)
        .bind(today)
        .fetch_all(&mut *w.tx)
        .await?;
        let mut affected = Vec::new();
        for r in rows {
            let p: i64 = r.try_get(0)?;
            affected.push((p, today, tomorrow));
        }
        sqlx::query("DELETE FROM memberships WHERE group_id = $1 AND from_day >= $2")
            .bind(group_id)
            .bind(today)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("UPDATE memberships SET to_day = $1 WHERE group_id = $2 AND (to_day IS NULL OR to_day >= $3)")
            .bind(add_days(today, -1))
            .bind(group_id)
            .bind(today)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("DELETE FROM group_shift_refs WHERE group_id = $1").bind(group_id).execute(&mut *w.tx).await?;
        sqlx::query("UPDATE attendance_groups SET deleted_at = $1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(group_id)
            .execute(&mut *w.tx)
            .await?;
        self.recompute(&mut w.tx, tenant_id, &affected, now).await?;
        w.commit().await?;
        Ok(())
    }

    /// Live groups whose name contains `name` (or equals it when `exact`), most recently
    /// modified first, at most 10.
    pub async fn search_groups(&self, tenant_id: i64, name: &str, exact: bool) -> Result<Vec<GroupMeta>> {
        let rows = sqlx::query(
            "SELECT id, name FROM attendance_groups WHERE tenant_id = $1 AND deleted_at IS NULL \
             ORDER BY updated_at DESC, id DESC",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let n: String = r.try_get(1)?;
            if (exact && n == name) || (!exact && n.contains(name)) {
                out.push(GroupMeta { group_id: r.try_get::<i64, _>(0)?.to_string(), group_name: n });
                if out.len() == 10 {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Live groups by id, paged.
    pub async fn list_groups(&self, tenant_id: i64, page_size: usize, token: Option<&str>) -> Result<Page<GroupMeta>> {
        let after = page_after(token)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, name FROM attendance_groups WHERE tenant_id = $1 AND deleted_at IS NULL AND id > $2 \
             ORDER BY id LIMIT {}",
            page_size + 1
        )))
        .bind(tenant_id)
        .bind(after)
        .fetch_all(self.pool())
        .await?;
        let mut items: Vec<GroupMeta> = rows
            .iter()
            .map(|r| Ok(GroupMeta { group_id: r.try_get::<i64, _>(0)?.to_string(), group_name: r.try_get(1)? }))
            .collect::<Result<_>>()?;
        let more = items.len() > page_size;
        items.truncate(page_size);
        Ok(Page { next: more.then(|| items.last().map(|g| g.group_id.clone())).flatten(), items })
    }

    /// Current (open-ended) members of a live group, by person id, paged: `clock_type` 0 all,
    /// 1 must punch, 2 need not punch. `None` when the group does not exist.
    pub async fn list_group_users(
        &self,
        tenant_id: i64,
        group_id: i64,
        clock_type: i32,
        page_size: usize,
        token: Option<&str>,
    ) -> Result<Option<Page<Person>>> {
        let after = page_after(token)?;
        let live =
            sqlx::query("SELECT 1 FROM attendance_groups WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL")
                .bind(tenant_id)
                .bind(group_id)
                .fetch_optional(self.pool())
                .await?;
        if live.is_none() {
            return Ok(None);
        }
        let filter = match clock_type {
            1 => " AND need_punch = 1",
            2 => " AND need_punch = 0",
            _ => "",
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT person_id FROM memberships WHERE group_id = $1 AND to_day IS NULL AND person_id > $2{filter} \
             ORDER BY person_id LIMIT {}",
            page_size + 1
        )))
        .bind(group_id)
        .bind(after)
        .fetch_all(self.pool())
        .await?;
        let mut ids: Vec<i64> = rows.iter().map(|r| r.try_get(0)).collect::<std::result::Result<_, _>>()?;
        let more = ids.len() > page_size;
        ids.truncate(page_size);
        let mut people = self.people_with_ids(&ids).await?;
        people.sort_by_key(|p| p.id);
        Ok(Some(Page { next: more.then(|| ids.last().map(i64::to_string)).flatten(), items: people }))
    }

    /// The group's rules in force on `day` (also for deleted groups, for the days they had).
    /// Person-id lists hold internal person ids.
    pub async fn group_on<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        tenant_id: i64,
        group_id: i64,
        day: i32,
    ) -> Result<Option<Group>> {
        let found = version_in_force(exec, Versioned::Group, tenant_id, group_id, day).await?;
        found.wire.as_deref().map(decode_group).transpose()
    }

    /// The group a person belongs to on `day` and whether they must punch (false =
    /// `bind_default_user_ids`).
    pub async fn membership_on<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        person_id: i64,
        day: i32,
    ) -> Result<Option<(i64, bool)>> {
        let row = sqlx::query(
            "SELECT group_id, need_punch FROM memberships WHERE person_id = $1 AND from_day <= $2 \
             AND (to_day IS NULL OR to_day >= $2) ORDER BY from_day DESC LIMIT 1",
        )
        .bind(person_id)
        .bind(day)
        .fetch_optional(exec)
        .await?;
        row.map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)? != 0))).transpose()
    }

    /// Memberships of the given people overlapping `[from, to]`: (person, membership), by person
    /// and start day.
    pub async fn memberships_between(
        conn: &mut sqlx::AnyConnection,
        person_ids: &[i64],
        from: i32,
        to: i32,
    ) -> Result<Vec<(i64, Membership)>> {
        if person_ids.is_empty() {
            return Ok(Vec::new());
        }
        let columns = ["person_id", "from_day", "to_day", "group_id", "need_punch"].map(Col::Value);
        let rest = format!(
            "FROM memberships WHERE person_id IN ({}) AND from_day <= $1 AND (to_day IS NULL OR to_day >= $2)",
            bulk::id_list(person_ids)
        );
        let rows: Vec<(i64, i32, Option<i32>, i64, i64)> = bulk::json_rows(
            conn,
            &columns,
            &rest,
            "person_id, from_day",
            &[Bind::Int(to.into()), Bind::Int(from.into())],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(person, from_day, to_day, group_id, need_punch)| {
                (person, Membership { from_day, to_day, group_id, need_punch: need_punch != 0 })
            })
            .collect())
    }

    /// Members of a group on a day: (person, must punch), by person id.
    pub async fn group_members_on<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        group_id: i64,
        day: i32,
    ) -> Result<Vec<(i64, bool)>> {
        let rows = sqlx::query(
            "SELECT person_id, need_punch FROM memberships WHERE group_id = $1 AND from_day <= $2 \
             AND (to_day IS NULL OR to_day >= $2) ORDER BY person_id",
        )
        .bind(group_id)
        .bind(day)
        .fetch_all(exec)
        .await?;
        rows.iter().map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)? != 0))).collect()
    }

    /// People who were members of a group on any day of `[from, to]`.
    pub async fn group_members_between<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        group_id: i64,
        from: i32,
        to: i32,
    ) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT DISTINCT person_id FROM memberships WHERE group_id = $1 AND from_day <= $2 \
             AND (to_day IS NULL OR to_day >= $3) ORDER BY person_id",
        )
        .bind(group_id)
        .bind(to)
        .bind(from)
        .fetch_all(exec)
        .await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
    }

    /// Live groups of a tenant with their time zone (for recompute fan-out).
    pub(crate) async fn live_groups<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        tenant_id: i64,
    ) -> Result<Vec<(i64, String)>> {
        let rows =
            sqlx::query("SELECT id, time_zone FROM attendance_groups WHERE tenant_id = $1 AND deleted_at IS NULL")
                .bind(tenant_id)
                .fetch_all(exec)
                .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Group type and time zone of a live group.
    pub(crate) async fn group_kind<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        tenant_id: i64,
        group_id: i64,
    ) -> Result<Option<(i32, String)>> {
        let row = sqlx::query(
            "SELECT group_type, time_zone FROM attendance_groups WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        )
        .bind(tenant_id)
        .bind(group_id)
        .fetch_optional(exec)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }
}

/// Ends every membership of `person` from `day` on: deletes those starting on or after it and
/// closes the one running through it on the day before.
async fn end_from(tx: &mut Transaction<'static, Any>, person: i64, day: i32) -> Result<()> {
    sqlx::query("DELETE FROM memberships WHERE person_id = $1 AND from_day >= $2")
        .bind(person)
        .bind(day)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE memberships SET to_day = $1 WHERE person_id = $2 AND (to_day IS NULL OR to_day >= $3)")
        .bind(add_days(day, -1))
        .bind(person)
        .bind(day)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Appends new locations to the previous list, giving each a `location_id`; entries whose
/// `location_id` is already listed are not added again.
fn number_locations(store: &Store, previous: Vec<Location>, new: Option<Vec<Location>>) -> Option<Vec<Location>> {
    let mut out = previous;
    let known: HashSet<String> = out.iter().filter_map(|l| l.location_id.clone()).collect();
    for mut l in new.unwrap_or_default() {
        if l.location_id.as_ref().is_some_and(|id| known.contains(id)) {
            continue;
        }
        l.location_id = Some(store.next_id().to_string());
        out.push(l);
    }
    Some(out)
}

async fn set_refs(tx: &mut Transaction<'static, Any>, group_id: i64, g: &Group) -> Result<()> {
    sqlx::query("DELETE FROM group_shift_refs WHERE group_id = $1").bind(group_id).execute(&mut **tx).await?;
    for id in referenced_shifts(g) {
        sqlx::query("INSERT INTO group_shift_refs (group_id, shift_id) VALUES ($1, $2)")
            .bind(group_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Days of `[from, to]` grouped by month, for wire responses: `yyyyMM` → days of month.
pub fn by_month(days: &[i32]) -> BTreeMap<i32, Vec<i32>> {
    let mut m: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for d in days {
        m.entry(d / 100).or_default().push(d % 100);
    }
    m
}

#[cfg(test)]
mod tests {
    use daka_types::attendance::groups::Group;
    use daka_types::attendance::shifts::{PunchTimeRule, Shift};

    use super::*;
    use crate::people::NewPerson;
    use crate::schedules::ScheduleInput;
    use crate::shifts::{normalize_shift, RuleError};

    /// 2024-03-15 (Friday) 12:00 in Asia/Shanghai.
    const NOW: i64 = 1_710_475_200;
    const TODAY: i32 = 20240315;
    const TOMORROW: i32 = 20240316;

    async fn setup() -> (tempfile::TempDir, Store, i64) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = Store::open(&url).await.unwrap();
        let tenant = store.create_tenant("t", NOW).await.unwrap();
        (dir, store, tenant.id)
    }

    async fn person(store: &Store, tenant: i64, user_id: &str) -> i64 {
        let new = NewPerson { user_id: Some(user_id.into()), name: user_id.into(), ..Default::default() };
        store.create_person(tenant, new, NOW - 86400 * 365).await.unwrap().id
    }

    fn rule(on: &str, off: &str) -> PunchTimeRule {
        PunchTimeRule { on_time: Some(on.into()), off_time: Some(off.into()), ..Default::default() }
    }

    fn shift(name: &str, on: &str, off: &str) -> Shift {
        Shift { shift_name: Some(name.into()), punch_time_rule: Some(vec![rule(on, off)]), ..Default::default() }
    }

    fn fixed(name: &str, shift_id: &str, users: &[&str]) -> Group {
        let s = shift_id.to_owned();
        Group {
            group_name: Some(name.into()),
            time_zone: Some("Asia/Shanghai".into()),
            group_type: Some(1),
            group_leader_ids: Some(vec![]),
            punch_day_shift_ids: Some(vec![s.clone(), s.clone(), s.clone(), s.clone(), s, "0".into(), "0".into()]),
            bind_user_ids: Some(users.iter().map(|u| u.to_string()).collect()),
            ..Default::default()
        }
    }

    fn on_time(s: &Shift) -> &str {
        s.punch_time_rule.as_ref().unwrap()[0].on_time.as_deref().unwrap()
    }

    #[test]
    fn validation_names_fields() {
        let mut s = shift("x", "09:00", "18:00");
        s.punch_time_rule.as_mut().unwrap().push(rule("19:00", "18:30"));
        let e = normalize_shift(s).unwrap_err().to_string();
        assert!(e.contains("punch_time_rule[1].off_time must be after on_time"), "{e}");
        let e = normalize_shift(shift("x", "9", "18:00")).unwrap_err().to_string();
        assert!(e.starts_with("punch_time_rule[0].on_time is invalid"), "{e}");
        let mut s = shift("x", "9:00", "18:00");
        s.punch_time_rule.as_mut().unwrap()[0].on_advance_minutes = Some(721);
        let e = normalize_shift(s).unwrap_err().to_string();
        assert!(e.contains("punch_time_rule[0].on_advance_minutes"), "{e}");
        let ok = normalize_shift(shift("x", "09:00", "26：00")).unwrap();
        assert_eq!(on_time(&ok), "9:00");
        assert_eq!(ok.punch_time_rule.unwrap()[0].off_time.as_deref(), Some("26:00"));
    }

    #[tokio::test]
    async fn shift_and_group_versions() {
        let (_d, store, t) = setup().await;
        let p = person(&store, t, "u1").await;
        let s = store.save_shift(t, shift("day", "9:00", "18:00"), NOW - 86400 * 10).await.unwrap();
        let sid: i64 = s.shift_id.clone().unwrap().parse().unwrap();
        assert!(matches!(
            store.save_shift(t, shift("day", "8:00", "17:00"), NOW).await,
            Err(RuleError::Store(Error::Conflict { .. }))
        ));
        let g =
            store.save_group(t, IdKind::UserId, fixed("g", &sid.to_string(), &["u1"]), NOW - 86400 * 10).await.unwrap();
        let gid: i64 = g.wire.group_id.clone().unwrap().parse().unwrap();
        assert_eq!(g.to_wire(IdKind::UserId).bind_user_ids, Some(vec!["u1".to_string()]));
        assert_eq!(g.wire.group_type, Some(0));
        // A new group applies since always.
        assert_eq!(Store::membership_on(store.pool(), p, 20220301).await.unwrap(), Some((gid, true)));
        assert!(Store::group_on(store.pool(), t, gid, 20220301).await.unwrap().is_some());

        // Shift edit: from today; yesterday keeps the old rules.
        let mut edit = shift("day", "10:00", "19:00");
        edit.id = Some(sid.to_string());
        store.save_shift(t, edit, NOW).await.unwrap();
        let on = |d| {
            let store = store.clone();
            async move { Store::shift_on(store.pool(), t, sid, d).await.unwrap().unwrap() }
        };
        assert_eq!(on_time(&on(TODAY - 1).await), "9:00");
        assert_eq!(on_time(&on(TODAY).await), "10:00");
        assert_eq!(Store::shift_versions(store.pool(), t, sid).await.unwrap().len(), 2);
        // The version in force on a day knows the days it spans; another tenant sees no rules.
        let old = version_in_force(store.pool(), Versioned::Shift, t, sid, TODAY - 5).await.unwrap();
        assert_eq!(old.until, Some(TODAY));
        assert!(old.covers(TODAY - 1) && !old.covers(TODAY));
        assert!(old.wire.unwrap().contains("\"9:00\""));
        let new = version_in_force(store.pool(), Versioned::Shift, t, sid, TODAY + 30).await.unwrap();
        assert_eq!((new.from, new.until), (Some(TODAY), None));
        assert!(new.wire.unwrap().contains("\"10:00\""));
        let foreign = version_in_force(store.pool(), Versioned::Shift, t + 1, sid, TODAY).await.unwrap();
        assert_eq!((foreign.from, foreign.wire), (Some(TODAY), None));

        // Group overwrite without effect_now: from tomorrow.
        let mut g2 = fixed("g renamed", "9", &["u1"]);
        g2.group_id = Some(gid.to_string());
        let v = store.save_group(t, IdKind::UserId, g2.clone(), NOW).await.unwrap();
        assert_eq!(v.wire.effect_time, Some(day_start(&zone("Asia/Shanghai"), TOMORROW).to_string()));
        let today = Store::group_on(store.pool(), t, gid, TODAY).await.unwrap().unwrap();
        let tomorrow = Store::group_on(store.pool(), t, gid, TOMORROW).await.unwrap().unwrap();
        assert_eq!(today.group_name.as_deref(), Some("g"));
        assert_eq!(tomorrow.group_name.as_deref(), Some("g renamed"));
        // With effect_now: from today.
        g2.group_name = Some("now".into());
        g2.effect_now = Some(true);
        store.save_group(t, IdKind::UserId, g2.clone(), NOW).await.unwrap();
        let today = Store::group_on(store.pool(), t, gid, TODAY).await.unwrap().unwrap();
        assert_eq!(today.group_name.as_deref(), Some("now"));
        let before = Store::group_on(store.pool(), t, gid, TODAY - 1).await.unwrap().unwrap();
        assert_eq!(before.group_name.as_deref(), Some("g"));
        // The first version spans every day before today (the replaced "from tomorrow" is gone).
        let first = version_in_force(store.pool(), Versioned::Group, t, gid, 20220301).await.unwrap();
        assert_eq!((first.from, first.until), (Some(SINCE_ALWAYS), Some(TODAY)));
        let now = version_in_force(store.pool(), Versioned::Group, t, gid, TOMORROW).await.unwrap();
        assert_eq!((now.from, now.until), (Some(TODAY), None));
        // Time zone cannot change.
        g2.time_zone = Some("Europe/Berlin".into());
        let e = store.save_group(t, IdKind::UserId, g2, NOW).await.unwrap_err().to_string();
        assert!(e.contains("time_zone"), "{e}");
    }

    #[tokio::test]
    async fn membership_moves_and_day_rules() {
        let (_d, store, t) = setup().await;
        let p = person(&store, t, "u1").await;
        let q = person(&store, t, "u2").await;
        let g1 = store.save_group(t, IdKind::UserId, fixed("g1", "9", &["u1"]), NOW - 86400).await.unwrap();
        let g1: i64 = g1.wire.group_id.unwrap().parse().unwrap();
        // u2 has no membership: since always; u1 moves tomorrow.
        let g2 = store.save_group(t, IdKind::UserId, fixed("g2", "9", &["u1", "u2"]), NOW).await.unwrap();
        let g2: i64 = g2.wire.group_id.unwrap().parse().unwrap();
        assert_eq!(Store::membership_on(store.pool(), p, TODAY).await.unwrap(), Some((g1, true)));
        assert_eq!(Store::membership_on(store.pool(), p, TOMORROW).await.unwrap(), Some((g2, true)));
        assert_eq!(Store::membership_on(store.pool(), q, 20220101).await.unwrap(), Some((g2, true)));
        let ms: Vec<_> = Store::memberships_between(
            &mut store.pool().acquire().await.expect("connection"),
            &[p],
            20240101,
            20241231,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|(_, m)| m)
        .collect();
        assert_eq!(ms.len(), 2);
        assert_eq!((ms[0].group_id, ms[0].to_day), (g1, Some(TODAY)));
        assert_eq!((ms[1].group_id, ms[1].from_day, ms[1].to_day), (g2, TOMORROW, None));
        assert_eq!(Store::group_members_on(store.pool(), g1, TOMORROW).await.unwrap(), vec![]);
        // Overwrite g2 with u2 as need-not-punch, u1 dropped, effective now.
        let mut again = fixed("g2", "9", &[]);
        again.group_id = Some(g2.to_string());
        again.bind_default_user_ids = Some(vec!["u2".into()]);
        again.effect_now = Some(true);
        store.save_group(t, IdKind::UserId, again, NOW).await.unwrap();
        assert_eq!(Store::membership_on(store.pool(), q, TODAY).await.unwrap(), Some((g2, false)));
        assert_eq!(Store::membership_on(store.pool(), q, TODAY - 1).await.unwrap(), Some((g2, true)));
        assert_eq!(Store::membership_on(store.pool(), p, TOMORROW).await.unwrap(), None);
        // Unknown members.
        let e = store.save_group(t, IdKind::UserId, fixed("g3", "9", &["nobody"]), NOW).await.unwrap_err();
        assert!(matches!(e, RuleError::Store(Error::UnknownUsers(ref ids)) if ids == &["nobody".to_string()]));
        // Day rules: 2024-05-01 is a CN holiday, 2024-05-11 (Saturday) an adjusted working day.
        let g = Store::group_on(store.pool(), t, g2, TODAY).await.unwrap().unwrap();
        assert_eq!(day_rule(&g, 20240501, None), DayRule::Rest);
        assert_eq!(day_rule(&g, 20240511, None), DayRule::Shift(9));
        assert_eq!(day_rule(&g, 20240513, None), DayRule::Shift(9));
        assert_eq!(day_rule(&g, 20240518, None), DayRule::Rest);
    }

    #[tokio::test]
    async fn shift_delete_refused_while_in_use() {
        let (_d, store, t) = setup().await;
        person(&store, t, "u1").await;
        let s = store.save_shift(t, shift("night", "22:00", "30:00"), NOW).await.unwrap();
        let sid = s.shift_id.unwrap();
        let g = store.save_group(t, IdKind::UserId, fixed("g", &sid, &["u1"]), NOW).await.unwrap();
        let gid: i64 = g.wire.group_id.unwrap().parse().unwrap();
        let id: i64 = sid.parse().unwrap();
        assert!(matches!(store.delete_shift(t, id, NOW).await, Err(RuleError::ShiftInUse)));
        assert!(matches!(store.delete_shift(t, 9, NOW).await, Err(RuleError::DefaultShift)));
        let mut missing = fixed("h", "123", &[]);
        missing.group_leader_ids = Some(vec![]);
        assert!(matches!(store.save_group(t, IdKind::UserId, missing, NOW).await, Err(RuleError::ShiftMissing(_))));
        store.delete_group(t, gid, NOW).await.unwrap();
        store.delete_shift(t, id, NOW).await.unwrap();
        assert!(store.shift(t, id).await.unwrap().is_none());
        // History still resolves.
        assert!(Store::shift_on(store.pool(), t, id, TODAY).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn schedules_upsert_and_clear() {
        let (_d, store, t) = setup().await;
        let p = person(&store, t, "u1").await;
        person(&store, t, "u2").await;
        let s = store.save_shift(t, shift("day", "9:00", "18:00"), NOW).await.unwrap();
        let sid: i64 = s.shift_id.unwrap().parse().unwrap();
        let mut g = fixed("sched", "9", &["u1"]);
        g.group_type = Some(SCHEDULING);
        g.punch_day_shift_ids = Some(vec![]);
        let gid: i64 =
            store.save_group(t, IdKind::UserId, g, NOW).await.unwrap().wire.group_id.unwrap().parse().unwrap();
        let input = |user: &str, day, shift_id, clear| ScheduleInput {
            user_id: user.into(),
            group_id: gid,
            day,
            shift_id,
            clear,
        };
        let out = store
            .schedule(t, IdKind::UserId, &[input("u1", TODAY, sid, false), input("u2", TODAY, sid, false)], NOW)
            .await
            .unwrap();
        assert_eq!(out.stored.len(), 1);
        assert_eq!(out.failed.get("u2"), Some(&vec![TODAY.to_string()]));
        let e = Store::schedule_on(store.pool(), p, TODAY).await.unwrap().unwrap();
        assert_eq!((e.group_id, e.shift_id, e.temp), (gid, sid, None));
        store.schedule(t, IdKind::UserId, &[input("u1", TODAY, 0, false)], NOW).await.unwrap();
        assert_eq!(Store::schedule_on(store.pool(), p, TODAY).await.unwrap().unwrap().shift_id, 0);
        store.schedule(t, IdKind::UserId, &[input("u1", TODAY, 0, true)], NOW).await.unwrap();
        assert!(Store::schedule_on(store.pool(), p, TODAY).await.unwrap().is_none());
        assert!(matches!(
            store.schedule(t, IdKind::UserId, &[input("u1", TODAY, 777, false)], NOW).await,
            Err(RuleError::ShiftMissing(_))
        ));
        let fixed_gid: i64 = store
            .save_group(t, IdKind::UserId, fixed("f", "9", &[]), NOW)
            .await
            .unwrap()
            .wire
            .group_id
            .unwrap()
            .parse()
            .unwrap();
        let mut wrong = input("u1", TODAY, sid, false);
        wrong.group_id = fixed_gid;
        assert!(matches!(store.schedule(t, IdKind::UserId, &[wrong], NOW).await, Err(RuleError::CannotArrange)));
        // Temporary shift.
        let temp = crate::schedules::TempInput {
            user_id: "u1".into(),
            group_id: gid,
            day: TOMORROW,
            name: "tmp".into(),
            pairs: vec![(540, 720), (780, 1080)],
        };
        let out = store.schedule_temp(t, IdKind::UserId, &[temp], NOW).await.unwrap();
        let e = Store::schedule_on(store.pool(), p, TOMORROW).await.unwrap().unwrap();
        assert_eq!(e.temp, Some(vec![(540, 720), (780, 1080)]));
        assert_eq!(e.shift_id, out.shift_ids[0]);
        let ts = Store::shift_on(store.pool(), t, e.shift_id, TOMORROW).await.unwrap().unwrap();
        assert_eq!(ts.punch_time_rule.unwrap().len(), 2);
        // Custom calendar.
        let cal = store.create_calendar(t, "c", NOW).await.unwrap();
        store.set_calendar_days(cal.id, &[20240318], &[20240316], &[], NOW).await.unwrap();
        assert_eq!(Store::custom_calendar_day(store.pool(), cal.id, 20240318).await.unwrap(), Some(true));
        assert_eq!(Store::custom_calendar_day(store.pool(), cal.id, 20240316).await.unwrap(), Some(false));
        assert_eq!(Store::custom_calendar_day(store.pool(), cal.id, 20240317).await.unwrap(), None);
    }
}
