//! Shifts (班次), versioned by the attendance day from which each edit applies.
//!
//! * A shift is tenant-global. Creating one stores a version that applies "since always";
//!   **an edit applies from today** (shifts have no `effect_now`): "today" is the earliest local
//!   date, among the time zones of the groups that use the shift, of `now` (UTC when no group
//!   uses it). Earlier days keep the version they had; versions are never deleted.
//! * Shift `9` is the **default shift** (默认班次): 9:00–18:00, exists implicitly for every
//!   tenant, cannot be edited or deleted (1226003). Its pair uses the default thresholds
//!   ([`default_rule`]): late/early after 0 minutes, Lack after 60 minutes, on window opens 120
//!   minutes before, off window closes 240 minutes after.
//! * A deleted shift is hidden from reads by id/name/list but its versions stay, so past days
//!   still resolve ([`Store::shift_on`] ignores deletion).
//! * Temporary shifts (`user_daily_shifts/batch_create_temp`) are stored as shifts with
//!   `temp = 1`: [`Store::shift_on`] resolves them, lists and name lookups do not show them.
//! * `no_need_on` / `no_need_off` are stored and returned exactly as sent: daka does not apply
//!   the read-side inversion the Feishu read pages describe (spec §2.9) — round-trips are
//!   faithful.
//! * Clock strings are normalized to Feishu's unpadded form (`"09:00"`, `"9：00"` → `"9:00"`).

use daka_types::attendance::shifts::{PunchTimeRule, Shift};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use sqlx::{Any, Executor, Row};

use crate::{Error, Result, Store};

/// The default shift's id (默认班次).
pub const DEFAULT_SHIFT_ID: i64 = 9;
/// `shift_id` 0: a rest day.
pub const REST_SHIFT_ID: i64 = 0;
/// `effective_from` / `from_day` stored for "since always".
pub const SINCE_ALWAYS: i32 = 0;
/// The first day passed to recompute for "since always" ranges.
pub const EARLIEST_DAY: i32 = 20220101;

/// Default thresholds of the default shift and of temporary-shift pairs (minutes).
pub const DEFAULT_LATE_AS_LATE: i32 = 0;
/// Late by more than this → Lack.
pub const DEFAULT_LATE_AS_LACK: i32 = 60;
/// Early by more than this → Early.
pub const DEFAULT_EARLY_AS_EARLY: i32 = 0;
/// Early by more than this → Lack.
pub const DEFAULT_EARLY_AS_LACK: i32 = 60;
/// The on window opens this many minutes before on_time.
pub const DEFAULT_ON_ADVANCE: i32 = 120;
/// The off window closes this many minutes after off_time.
pub const DEFAULT_OFF_DELAY: i32 = 240;

/// Failures of rule operations that have their own Feishu answer.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// Any store failure (mapped as usual).
    #[error(transparent)]
    Store(#[from] Error),
    /// The default shift cannot be edited or deleted (1226003).
    #[error("default shift are not allowed to change.")]
    DefaultShift,
    /// A live group still uses the shift (1220600 "shift can not be del").
    #[error("shift can not be del")]
    ShiftInUse,
    /// A referenced shift does not exist (1220600 "shift does not exist").
    #[error("shift does not exist")]
    ShiftMissing(String),
    /// The group does not exist (1220600 "rule not exist").
    #[error("rule not exist")]
    GroupMissing(String),
    /// Only scheduling groups can be scheduled (1220600 "the rule cannot arrange!").
    #[error("the rule cannot arrange!")]
    CannotArrange,
}

impl From<sqlx::Error> for RuleError {
    fn from(e: sqlx::Error) -> Self {
        RuleError::Store(Error::Db(e))
    }
}

/// Result of rule operations.
pub type RuleResult<T> = std::result::Result<T, RuleError>;

/// One stored version of a shift.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftVersion {
    /// The shift.
    pub shift_id: i64,
    /// First attendance day (yyyyMMdd) it applies to; `None` = since always.
    pub effective_from: Option<i32>,
    /// The rules (normalized wire form, `shift_id` set).
    pub wire: Shift,
}

// ---------------------------------------------------------------------------------------------
// Days

/// `yyyyMMdd` → date.
pub fn day_to_date(day: i32) -> Option<Date> {
    Date::new((day / 10000) as i16, ((day / 100) % 100) as i8, (day % 100) as i8).ok()
}

/// Date → `yyyyMMdd`.
pub fn date_to_day(d: Date) -> i32 {
    i32::from(d.year()) * 10000 + i32::from(d.month()) * 100 + i32::from(d.day())
}

/// `day` plus `n` calendar days (`day` unchanged if not a valid date).
pub fn add_days(day: i32, n: i64) -> i32 {
    day_to_date(day).and_then(|d| d.checked_add(jiff::Span::new().days(n)).ok()).map_or(day, date_to_day)
}

/// The local date of instant `now` in `tz`.
pub fn today_in(tz: &TimeZone, now: i64) -> i32 {
    jiff::Timestamp::from_second(now).map_or(19700101, |t| date_to_day(t.to_zoned(tz.clone()).date()))
}

/// The instant of local midnight starting `day` in `tz`.
pub fn day_start(tz: &TimeZone, day: i32) -> i64 {
    day_to_date(day).and_then(|d| d.to_zoned(tz.clone()).ok()).map_or(0, |z| z.timestamp().as_second())
}

/// A time zone by IANA name (UTC when unknown).
pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

// ---------------------------------------------------------------------------------------------
// Wire helpers

/// Parses and normalizes a clock string, naming `field` on failure.
pub fn clock(field: &str, v: Option<&str>) -> Result<i32> {
    let v = v.ok_or_else(|| Error::Invalid(format!("{field} is required")))?;
    daka_engine::parse_clock(v).map_err(|e| Error::Invalid(format!("{field} is invalid: {e}")))
}

/// A punch pair with the default thresholds ([`DEFAULT_LATE_AS_LACK`] …).
pub fn default_rule(on_minute: i32, off_minute: i32) -> PunchTimeRule {
    PunchTimeRule {
        on_time: Some(daka_engine::format_clock(on_minute)),
        off_time: Some(daka_engine::format_clock(off_minute)),
        late_minutes_as_late: Some(DEFAULT_LATE_AS_LATE),
        late_minutes_as_lack: Some(DEFAULT_LATE_AS_LACK),
        on_advance_minutes: Some(DEFAULT_ON_ADVANCE),
        early_minutes_as_early: Some(DEFAULT_EARLY_AS_EARLY),
        early_minutes_as_lack: Some(DEFAULT_EARLY_AS_LACK),
        off_delay_minutes: Some(DEFAULT_OFF_DELAY),
        late_minutes_as_serious_late: None,
        no_need_on: Some(false),
        no_need_off: Some(false),
    }
}

/// The default shift "9": 9:00–18:00 with the default thresholds.
pub fn default_shift() -> Shift {
    Shift {
        shift_id: Some(DEFAULT_SHIFT_ID.to_string()),
        shift_name: Some("默认班次".into()),
        punch_times: Some(1),
        is_flexible: Some(false),
        no_need_off: Some(false),
        punch_time_rule: Some(vec![default_rule(9 * 60, 18 * 60)]),
        day_type: Some(1),
        ..Shift::default()
    }
}

/// A temporary shift with the given pairs (minutes) and the default thresholds.
pub fn temp_shift(id: i64, name: &str, pairs: &[(i32, i32)]) -> Shift {
    Shift {
        shift_id: Some(id.to_string()),
        shift_name: Some(name.to_owned()),
        punch_times: Some(pairs.len() as i32),
        is_flexible: Some(false),
        no_need_off: Some(false),
        punch_time_rule: Some(pairs.iter().map(|&(on, off)| default_rule(on, off)).collect()),
        day_type: Some(1),
        ..Shift::default()
    }
}

/// Checks a shift sent on the wire and returns it normalized: clocks unpadded, missing
/// thresholds filled with 0 (advance and delay with the defaults 120 / 240), `no_need_*` false
/// when absent, `punch_times` = number of pairs when absent, `id` removed. Every problem is
/// reported in one [`Error::Invalid`] naming the fields, e.g.
/// `punch_time_rule[1].off_time must be after on_time`.
pub fn normalize_shift(mut s: Shift) -> Result<Shift> {
    let mut errs: Vec<String> = Vec::new();
    let name = s.shift_name.as_deref().map(str::trim).unwrap_or("");
    if name.is_empty() {
        errs.push("shift_name is required".into());
    }
    s.shift_name = Some(name.to_owned());
    let rules = s.punch_time_rule.take().unwrap_or_default();
    if rules.is_empty() {
        errs.push("punch_time_rule is required".into());
    }
    let mut out_rules = Vec::with_capacity(rules.len());
    for (i, r) in rules.into_iter().enumerate() {
        let f = |n: &str| format!("punch_time_rule[{i}].{n}");
        let on = clock(&f("on_time"), r.on_time.as_deref());
        let off = clock(&f("off_time"), r.off_time.as_deref());
        for e in [&on, &off].into_iter().filter_map(|x| x.as_ref().err()) {
            errs.push(e.to_string());
        }
        out_rules.push(PunchTimeRule {
            on_time: Some(on.map(daka_engine::format_clock).unwrap_or_default()),
            off_time: Some(off.map(daka_engine::format_clock).unwrap_or_default()),
            late_minutes_as_late: Some(r.late_minutes_as_late.unwrap_or(0)),
            late_minutes_as_lack: Some(r.late_minutes_as_lack.unwrap_or(0)),
            on_advance_minutes: Some(r.on_advance_minutes.unwrap_or(DEFAULT_ON_ADVANCE)),
            early_minutes_as_early: Some(r.early_minutes_as_early.unwrap_or(0)),
            early_minutes_as_lack: Some(r.early_minutes_as_lack.unwrap_or(0)),
            off_delay_minutes: Some(r.off_delay_minutes.unwrap_or(DEFAULT_OFF_DELAY)),
            late_minutes_as_serious_late: r.late_minutes_as_serious_late,
            no_need_on: Some(r.no_need_on.unwrap_or(false)),
            no_need_off: Some(r.no_need_off.unwrap_or(false)),
        });
    }
    s.punch_time_rule = Some(out_rules);
    let norm_pairs = |list: &mut Option<Vec<(Option<String>, Option<String>)>>, errs: &mut Vec<String>, a, b, n| {
        if let Some(l) = list {
            for (i, (x, y)) in l.iter_mut().enumerate() {
                for (v, fname) in [(x, a), (y, b)] {
                    match clock(&format!("{n}[{i}].{fname}"), v.as_deref()) {
                        Ok(m) => *v = Some(daka_engine::format_clock(m)),
                        Err(e) => errs.push(e.to_string()),
                    }
                }
            }
        }
    };
    for (field, list) in
        [("rest_time_rule", &mut s.rest_time_rule), ("overtime_rest_time_rule", &mut s.overtime_rest_time_rule)]
    {
        let mut tmp = list.take().map(|l| l.into_iter().map(|r| (r.rest_begin_time, r.rest_end_time)).collect());
        norm_pairs(&mut tmp, &mut errs, "rest_begin_time", "rest_end_time", field);
        *list = tmp.map(|l: Vec<_>| {
            l.into_iter()
                .map(|(b, e)| daka_types::attendance::shifts::RestRule { rest_begin_time: b, rest_end_time: e })
                .collect()
        });
    }
    let mut tmp =
        s.overtime_rule.take().map(|l| l.into_iter().map(|r| (r.on_overtime, r.off_overtime)).collect::<Vec<_>>());
    norm_pairs(&mut tmp, &mut errs, "on_overtime", "off_overtime", "overtime_rule");
    s.overtime_rule = tmp.map(|l| {
        l.into_iter()
            .map(|(a, b)| daka_types::attendance::shifts::OvertimeRule { on_overtime: a, off_overtime: b })
            .collect()
    });
    if let Some(dt) = s.day_type {
        if dt != 1 && dt != 2 {
            errs.push(format!("day_type must be 1 or 2, got {dt}"));
        } else if dt == 2 && s.is_flexible == Some(true) {
            errs.push("day_type cannot be 2 when is_flexible is true".into());
        }
    }
    if s.flexible_minutes.is_some_and(|m| m < 0) {
        errs.push("flexible_minutes must not be negative".into());
    }
    if errs.is_empty() {
        if let Err(fe) = daka_engine::validate_shift(&engine_shift_unchecked(0, &s)) {
            errs.extend(fe.iter().map(|e| e.to_string()));
        }
    }
    if !errs.is_empty() {
        errs.dedup();
        return Err(Error::Invalid(errs.join("; ")));
    }
    if s.punch_times.is_none() {
        s.punch_times = s.punch_time_rule.as_ref().map(|r| r.len() as i32);
    }
    s.id = None;
    Ok(s)
}

/// The engine's view of a stored (normalized) shift. Flexible time applies only when
/// `is_flexible` is true: `flexible_rule[0]` if given, else `flexible_minutes` both ways.
pub fn engine_shift(shift_id: i64, s: &Shift) -> daka_engine::Shift {
    engine_shift_unchecked(shift_id, s)
}

fn engine_shift_unchecked(shift_id: i64, s: &Shift) -> daka_engine::Shift {
    let m = |v: Option<&String>| v.and_then(|x| daka_engine::parse_clock(x).ok()).unwrap_or(0);
    let pairs = s
        .punch_time_rule
        .iter()
        .flatten()
        .map(|r| daka_engine::PunchPair {
            on_minute: m(r.on_time.as_ref()),
            off_minute: m(r.off_time.as_ref()),
            late_minutes_as_late: r.late_minutes_as_late.unwrap_or(0),
            late_minutes_as_lack: r.late_minutes_as_lack.unwrap_or(0),
            late_minutes_as_serious_late: r.late_minutes_as_serious_late,
            on_advance_minutes: r.on_advance_minutes.unwrap_or(DEFAULT_ON_ADVANCE),
            early_minutes_as_early: r.early_minutes_as_early.unwrap_or(0),
            early_minutes_as_lack: r.early_minutes_as_lack.unwrap_or(0),
            off_delay_minutes: r.off_delay_minutes.unwrap_or(DEFAULT_OFF_DELAY),
            no_need_on: r.no_need_on.unwrap_or(false),
            no_need_off: r.no_need_off.unwrap_or(false),
        })
        .collect();
    let flexible = if s.is_flexible == Some(true) {
        match s.flexible_rule.as_ref().and_then(|r| r.first()) {
            Some(r) => Some(daka_engine::Flexible {
                late_minutes: r.flexible_late_minutes.unwrap_or(0),
                early_minutes: r.flexible_early_minutes.unwrap_or(0),
            }),
            None => s.flexible_minutes.map(|x| daka_engine::Flexible { late_minutes: x, early_minutes: x }),
        }
    } else {
        None
    };
    daka_engine::Shift {
        id: shift_id.to_string(),
        name: s.shift_name.clone().unwrap_or_default(),
        pairs,
        flexible,
        late_minutes_as_serious_late: s.late_minutes_as_serious_late,
        no_need_off: s.no_need_off.unwrap_or(false),
        rest_breaks: s
            .rest_time_rule
            .iter()
            .flatten()
            .map(|r| (m(r.rest_begin_time.as_ref()), m(r.rest_end_time.as_ref())))
            .collect(),
        overtime: s
            .overtime_rule
            .iter()
            .flatten()
            .map(|r| (m(r.on_overtime.as_ref()), m(r.off_overtime.as_ref())))
            .collect(),
    }
}

pub(crate) fn decode_shift(wire: &str) -> Result<Shift> {
    serde_json::from_str(wire).map_err(|e| Error::Corrupt(format!("shift_versions.wire: {e}")))
}

/// The JSON text of a rule as stored.
pub(crate) fn encode_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}

/// A page of a keyset-paginated list: items, and the token of the next page when there is one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// Items of this page.
    pub items: Vec<T>,
    /// Token of the next page (`None` when this is the last page).
    pub next: Option<String>,
}

/// Parses a page token (the last id of the previous page); empty = first page.
pub fn page_after(token: Option<&str>) -> Result<i64> {
    match token.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(0),
        Some(t) => t.parse::<i64>().map_err(|_| Error::Invalid(format!("page_token {t:?} is invalid"))),
    }
}

impl Store {
    /// The shift's rules in force on `day` (None if it did not exist). Shift 9 is the default
    /// shift; deleted shifts still answer for the days they had versions; temporary shifts are
    /// included.
    pub async fn shift_on<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        tenant_id: i64,
        shift_id: i64,
        day: i32,
    ) -> Result<Option<Shift>> {
        if shift_id == DEFAULT_SHIFT_ID {
            return Ok(Some(default_shift()));
        }
        let found = version_in_force(exec, Versioned::Shift, tenant_id, shift_id, day).await?;
        found.wire.as_deref().map(decode_shift).transpose()
    }

    /// Every version of a shift, oldest first (empty for unknown shifts; one `since always`
    /// version for the default shift).
    pub async fn shift_versions<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        tenant_id: i64,
        shift_id: i64,
    ) -> Result<Vec<ShiftVersion>> {
        if shift_id == DEFAULT_SHIFT_ID {
            return Ok(vec![ShiftVersion { shift_id, effective_from: None, wire: default_shift() }]);
        }
        let rows = sqlx::query(
            "SELECT v.effective_from, v.wire FROM shift_versions v JOIN shifts s ON s.id = v.shift_id \
             WHERE s.tenant_id = $1 AND v.shift_id = $2 ORDER BY v.effective_from",
        )
        .bind(tenant_id)
        .bind(shift_id)
        .fetch_all(exec)
        .await?;
        rows.iter()
            .map(|r| {
                let from: i32 = r.try_get(0)?;
                Ok(ShiftVersion {
                    shift_id,
                    effective_from: (from != SINCE_ALWAYS).then_some(from),
                    wire: decode_shift(&r.try_get::<String, _>(1)?)?,
                })
            })
            .collect()
    }

    /// The current (latest) version of a live shift, as the API shows it.
    pub async fn shift(&self, tenant_id: i64, shift_id: i64) -> Result<Option<Shift>> {
        if shift_id == DEFAULT_SHIFT_ID {
            return Ok(Some(default_shift()));
        }
        let row = sqlx::query(
            "SELECT v.wire FROM shift_versions v JOIN shifts s ON s.id = v.shift_id \
             WHERE s.tenant_id = $1 AND s.id = $2 AND s.deleted_at IS NULL \
             ORDER BY v.effective_from DESC LIMIT 1",
        )
        .bind(tenant_id)
        .bind(shift_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| decode_shift(&r.try_get::<String, _>(0)?)).transpose()
    }

    /// A live (non-temporary) shift by exact name.
    pub async fn shift_by_name(&self, tenant_id: i64, name: &str) -> Result<Option<Shift>> {
        let row = sqlx::query(
            "SELECT id FROM shifts WHERE tenant_id = $1 AND name = $2 AND temp = 0 AND deleted_at IS NULL \
             ORDER BY id LIMIT 1",
        )
        .bind(tenant_id)
        .bind(name.trim())
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(r) => self.shift(tenant_id, r.try_get(0)?).await,
        }
    }

    /// Live (non-temporary) shifts by id, `page_size` at a time after the token.
    pub async fn list_shifts(&self, tenant_id: i64, page_size: usize, token: Option<&str>) -> Result<Page<Shift>> {
        let after = page_after(token)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM shifts WHERE tenant_id = $1 AND temp = 0 AND deleted_at IS NULL AND id > $2 \
             ORDER BY id LIMIT {}",
            page_size + 1
        )))
        .bind(tenant_id)
        .bind(after)
        .fetch_all(self.pool())
        .await?;
        let mut ids: Vec<i64> = rows.iter().map(|r| r.try_get(0)).collect::<std::result::Result<_, _>>()?;
        let more = ids.len() > page_size;
        ids.truncate(page_size);
        let mut items = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(s) = self.shift(tenant_id, *id).await? {
                items.push(s);
            }
        }
        Ok(Page { next: more.then(|| ids.last().map(i64::to_string)).flatten(), items })
    }

    /// Whether a live shift (or the default shift) exists.
    pub(crate) async fn shift_exists<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        tenant_id: i64,
        shift_id: i64,
    ) -> Result<bool> {
        if shift_id == DEFAULT_SHIFT_ID {
            return Ok(true);
        }
        Ok(sqlx::query("SELECT 1 FROM shifts WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL AND temp = 0")
            .bind(tenant_id)
            .bind(shift_id)
            .fetch_optional(exec)
            .await?
            .is_some())
    }

    /// Creates a shift, or edits the one `wire.id` names. The name must be unique among live
    /// shifts (`Error::Conflict` → "the object already exists"). An edit applies from today
    /// (see the module docs) and recomputes results of the people using the shift from that day
    /// to tomorrow.
    pub async fn save_shift(&self, tenant_id: i64, wire: Shift, now: i64) -> RuleResult<Shift> {
        let edit_id = match wire.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => {
                let id = raw.parse::<i64>().map_err(|_| Error::Invalid(format!("id {raw:?} is not a shift id")))?;
                if id == DEFAULT_SHIFT_ID {
                    return Err(RuleError::DefaultShift);
                }
                Some(id)
            }
        };
        let mut s = normalize_shift(wire)?;
        let name = s.shift_name.clone().unwrap_or_default();
        let mut w = self.write().await?;
        let clash =
            sqlx::query("SELECT id FROM shifts WHERE tenant_id = $1 AND name = $2 AND temp = 0 AND deleted_at IS NULL")
                .bind(tenant_id)
                .bind(&name)
                .fetch_all(&mut *w.tx)
                .await?;
        for r in &clash {
            if Some(r.try_get::<i64, _>(0)?) != edit_id {
                return Err(Error::Conflict { field: "shift_name", value: name }.into());
            }
        }
        match edit_id {
            None => {
                let id = self.next_id();
                s.shift_id = Some(id.to_string());
                sqlx::query(
                    "INSERT INTO shifts (id, tenant_id, name, temp, deleted_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, 0, NULL, $4, $4)",
                )
                .bind(id)
                .bind(tenant_id)
                .bind(&name)
                .bind(now)
                .execute(&mut *w.tx)
                .await?;
                insert_version(&mut w.tx, Versioned::Shift, id, SINCE_ALWAYS, encode_json(&s), now).await?;
            }
            Some(id) => {
                let live = sqlx::query(
                    "SELECT 1 FROM shifts WHERE tenant_id = $1 AND id = $2 AND temp = 0 AND deleted_at IS NULL",
                )
                .bind(tenant_id)
                .bind(id)
                .fetch_optional(&mut *w.tx)
                .await?;
                if live.is_none() {
                    return Err(RuleError::ShiftMissing(id.to_string()));
                }
                s.shift_id = Some(id.to_string());
                let users = self.shift_users(&mut w.tx, tenant_id, id, now).await?;
                let from = users.iter().map(|u| u.1).min().unwrap_or_else(|| today_in(&TimeZone::UTC, now));
                sqlx::query("UPDATE shifts SET name = $1, updated_at = $2 WHERE id = $3")
                    .bind(&name)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await?;
                insert_version(&mut w.tx, Versioned::Shift, id, from, encode_json(&s), now).await?;
                let affected: Vec<(i64, i32, i32)> = users.into_iter().map(|(p, f, t)| (p, f.max(from), t)).collect();
                self.recompute(&mut w.tx, tenant_id, &affected, now).await?;
            }
        }
        w.commit().await?;
        Ok(s)
    }

    /// People whose plan may use `shift_id` from their group's today to tomorrow:
    /// `(person, local today, local tomorrow)`. Members of live groups whose latest version
    /// refers to it, and people scheduled on it (including temporary) on those days.
    async fn shift_users(
        &self,
        tx: &mut sqlx::Transaction<'static, Any>,
        tenant_id: i64,
        shift_id: i64,
        now: i64,
    ) -> Result<Vec<(i64, i32, i32)>> {
        let mut out = Vec::new();
        let groups = sqlx::query(
            "SELECT g.id, g.time_zone FROM attendance_groups g \
             WHERE g.tenant_id = $1 AND g.deleted_at IS NULL AND (\
               EXISTS (SELECT 1 FROM group_shift_refs r WHERE r.group_id = g.id AND r.shift_id = $2) OR \
               EXISTS (SELECT 1 FROM schedules s WHERE s.group_id = g.id AND s.shift_id = $2))",
        )
        .bind(tenant_id)
        .bind(shift_id)
        .fetch_all(&mut **tx)
        .await?;
        for g in groups {
            let gid: i64 = g.try_get(0)?;
            let tz = zone(&g.try_get::<String, _>(1)?);
            let today = today_in(&tz, now);
            let tomorrow = add_days(today, 1);
            for (p, _) in Store::group_members_on(&mut **tx, gid, today).await? {
                out.push((p, today, tomorrow));
            }
            for (p, _) in Store::group_members_on(&mut **tx, gid, tomorrow).await? {
                out.push((p, tomorrow, tomorrow));
            }
        }
        Ok(out)
    }

    /// Deletes a shift. Refused for the default shift (1226003) and while a live group's latest
    /// rules or a schedule from today on refer to it ("shift can not be del").
    pub async fn delete_shift(&self, tenant_id: i64, shift_id: i64, now: i64) -> RuleResult<()> {
        if shift_id == DEFAULT_SHIFT_ID {
            return Err(RuleError::DefaultShift);
        }
        let mut w = self.write().await?;
        let live =
            sqlx::query("SELECT 1 FROM shifts WHERE tenant_id = $1 AND id = $2 AND temp = 0 AND deleted_at IS NULL")
                .bind(tenant_id)
                .bind(shift_id)
                .fetch_optional(&mut *w.tx)
                .await?;
        if live.is_none() {
            return Err(RuleError::ShiftMissing(shift_id.to_string()));
        }
        // The earliest "today" on earth: 14 hours behind UTC is as far back as any zone goes.
        let earliest_today = add_days(today_in(&TimeZone::UTC, now), -1);
        let in_use = sqlx::query(
            "SELECT 1 FROM group_shift_refs r JOIN attendance_groups g ON g.id = r.group_id \
             WHERE r.shift_id = $1 AND g.deleted_at IS NULL \
             UNION ALL SELECT 1 FROM schedules WHERE shift_id = $1 AND day >= $2",
        )
        .bind(shift_id)
        .bind(earliest_today)
        .fetch_optional(&mut *w.tx)
        .await?;
        if in_use.is_some() {
            return Err(RuleError::ShiftInUse);
        }
        sqlx::query("UPDATE shifts SET deleted_at = $1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(shift_id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// Stores a temporary shift (hidden from lists) and returns its id.
    pub(crate) async fn insert_temp_shift(
        &self,
        tx: &mut sqlx::Transaction<'static, Any>,
        tenant_id: i64,
        name: &str,
        pairs: &[(i32, i32)],
        now: i64,
    ) -> Result<i64> {
        let id = self.next_id();
        sqlx::query(
            "INSERT INTO shifts (id, tenant_id, name, temp, deleted_at, created_at, updated_at) \
             VALUES ($1, $2, $3, 1, NULL, $4, $4)",
        )
        .bind(id)
        .bind(tenant_id)
        .bind(name)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        insert_version(tx, Versioned::Shift, id, SINCE_ALWAYS, encode_json(&temp_shift(id, name, pairs)), now).await?;
        Ok(id)
    }
}

/// A rule kept in versions by the day they apply from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Versioned {
    /// `shift_versions` by `shift_id`.
    Shift,
    /// `group_versions` by `group_id`.
    Group,
}

impl Versioned {
    /// The versions table, its key column, and the table of the rules (with their tenant).
    fn tables(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Versioned::Shift => ("shift_versions", "shift_id", "shifts"),
            Versioned::Group => ("group_versions", "group_id", "attendance_groups"),
        }
    }
}

/// The version of a rule in force on a day, with the days it is in force: `from..until`.
#[derive(Debug, Clone)]
pub(crate) struct InForce {
    /// Its first day (`None`: the rule has no version that early; `wire` is then `None`).
    pub from: Option<i32>,
    /// The first day of the next version (`None`: it is the latest).
    pub until: Option<i32>,
    /// The version's JSON (`None` before the rule's first version, or for another tenant's rule).
    pub wire: Option<String>,
}

impl InForce {
    /// Whether this version (or its absence) is what applies on `day`.
    pub fn covers(&self, day: i32) -> bool {
        self.from.is_none_or(|f| f <= day) && self.until.is_none_or(|u| day < u)
    }
}

/// The version of rule `id` (of `tenant_id`) in force on `day` and the days it spans, in one
/// statement: a resolver then needs no look-up for the other days of that span.
pub(crate) async fn version_in_force<'e, E: Executor<'e, Database = Any>>(
    exec: E,
    rule: Versioned,
    tenant_id: i64,
    id: i64,
    day: i32,
) -> Result<InForce> {
    let (table, key, owner) = rule.tables();
    let sql = format!(
        "SELECT (SELECT max(effective_from) FROM {table} WHERE {key} = $1 AND effective_from <= $2), \
         (SELECT min(effective_from) FROM {table} WHERE {key} = $1 AND effective_from > $2), \
         (SELECT v.wire FROM {table} v JOIN {owner} o ON o.id = v.{key} \
          WHERE v.{key} = $1 AND v.effective_from <= $2 AND o.tenant_id = $3 ORDER BY v.effective_from DESC LIMIT 1)"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(day).bind(tenant_id).fetch_one(exec).await?;
    Ok(InForce { from: row.try_get(0)?, until: row.try_get(1)?, wire: row.try_get(2)? })
}

/// Stores `wire` (the rule's JSON) as the version of rule `id` from day `from`, replacing the
/// versions from that day on.
pub(crate) async fn insert_version(
    tx: &mut sqlx::Transaction<'static, Any>,
    rule: Versioned,
    id: i64,
    from: i32,
    wire: String,
    now: i64,
) -> Result<()> {
    let (table, key, _) = rule.tables();
    let delete = format!("DELETE FROM {table} WHERE {key} = $1 AND effective_from >= $2");
    sqlx::query(sqlx::AssertSqlSafe(delete)).bind(id).bind(from).execute(&mut **tx).await?;
    let insert = format!("INSERT INTO {table} ({key}, effective_from, wire, created_at) VALUES ($1, $2, $3, $4)");
    sqlx::query(sqlx::AssertSqlSafe(insert)).bind(id).bind(from).bind(wire).bind(now).execute(&mut **tx).await?;
    Ok(())
}
