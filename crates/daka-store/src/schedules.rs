//! Schedules (排班): one entry per person-day, and temporary shifts (临时排班).
//!
//! * `user_daily_shifts/batch_create` writes entries of scheduling groups (type 2) only; shift
//!   `0` is a rest day; `is_clear_schedule` removes the entry. An unscheduled day of a
//!   scheduling group is a rest day.
//! * A temporary shift is stored as an entry whose shift is a hidden temporary shift
//!   ([`ScheduleEntry::temp`] has its pairs); it may be set for members of any group type and
//!   overrides what the group's rules say for that day. With no pairs it makes the day a rest
//!   day.
//! * The person must be a member of the entry's group on that day; otherwise the entry fails
//!   individually (the API reports it in `msg`). Entries are kept when the person later moves
//!   to another group: readers must ignore an entry whose `group_id` is not the person's group
//!   on that day.

use std::collections::{BTreeMap, HashMap};

use sqlx::{Any, Executor, Row, Transaction};

use crate::bulk::{self, Bind, Col};
use crate::groups::SCHEDULING;
use crate::people::{IdKind, Person};
use crate::shifts::{add_days, encode_json, today_in, zone, RuleError, RuleResult, REST_SHIFT_ID};
use crate::{Error, Result, Store};

/// The schedule of one person-day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleEntry {
    /// The group it was scheduled in.
    pub group_id: i64,
    /// The shift; 0 = rest.
    pub shift_id: i64,
    /// For temporary shifts: the pairs (on, off) in minutes after local midnight.
    pub temp: Option<Vec<(i32, i32)>>,
}

/// A stored schedule entry with its person and day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledDay {
    /// The person.
    pub person_id: i64,
    /// The day, yyyyMMdd.
    pub day: i32,
    /// The entry.
    pub entry: ScheduleEntry,
}

/// One entry of `batch_create`.
#[derive(Debug, Clone)]
pub struct ScheduleInput {
    /// The person, as the request's id kind says.
    pub user_id: String,
    /// The scheduling group.
    pub group_id: i64,
    /// The day, yyyyMMdd.
    pub day: i32,
    /// The shift, 0 = rest.
    pub shift_id: i64,
    /// Remove the entry instead.
    pub clear: bool,
}

/// One entry of `batch_create_temp`.
#[derive(Debug, Clone)]
pub struct TempInput {
    /// The person, as the request's id kind says.
    pub user_id: String,
    /// The person's group.
    pub group_id: i64,
    /// The day, yyyyMMdd.
    pub day: i32,
    /// Name of the temporary shift.
    pub name: String,
    /// Pairs (on, off) in minutes, already validated.
    pub pairs: Vec<(i32, i32)>,
}

/// What a batch did: indices of stored inputs, and `user_id → [yyyyMMdd…]` of failed ones.
#[derive(Debug, Clone, Default)]
pub struct BatchOutcome {
    /// Indices (into the request) of the entries that took effect, with the person.
    pub stored: Vec<(usize, Person)>,
    /// Entries that did not take effect (no such person, or not a member of the group that
    /// day), by user id.
    pub failed: BTreeMap<String, Vec<String>>,
    /// For temporary shifts: the shift id given to each stored entry (same order as `stored`).
    pub shift_ids: Vec<i64>,
}

fn entry_from(group_id: i64, shift_id: i64, temp: Option<String>) -> Result<ScheduleEntry> {
    let temp = temp
        .map(|t| serde_json::from_str::<Vec<(i32, i32)>>(&t))
        .transpose()
        .map_err(|e| Error::Corrupt(format!("schedules.temp_pairs: {e}")))?;
    Ok(ScheduleEntry { group_id, shift_id, temp })
}

impl Store {
    /// The schedule entry of a person-day, if any (see the module docs on stale entries).
    pub async fn schedule_on<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        person_id: i64,
        day: i32,
    ) -> Result<Option<ScheduleEntry>> {
        let row = sqlx::query("SELECT group_id, shift_id, temp_pairs FROM schedules WHERE person_id = $1 AND day = $2")
            .bind(person_id)
            .bind(day)
            .fetch_optional(exec)
            .await?;
        row.map(|r| entry_from(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)).transpose()
    }

    /// Schedule entries of the given people with `from <= day <= to`, by person and day.
    pub async fn schedules_between(
        conn: &mut sqlx::AnyConnection,
        person_ids: &[i64],
        from: i32,
        to: i32,
    ) -> Result<Vec<ScheduledDay>> {
        if person_ids.is_empty() {
            return Ok(Vec::new());
        }
        let columns = ["person_id", "day", "group_id", "shift_id", "temp_pairs"].map(Col::Value);
        let rest =
            format!("FROM schedules WHERE person_id IN ({}) AND day >= $1 AND day <= $2", bulk::id_list(person_ids));
        let rows: Vec<(i64, i32, i64, i64, Option<String>)> =
            bulk::json_rows(conn, &columns, &rest, "person_id, day", &[Bind::Int(from.into()), Bind::Int(to.into())])
                .await?;
        rows.into_iter()
            .map(|(person_id, day, group_id, shift_id, temp)| {
                Ok(ScheduledDay { person_id, day, entry: entry_from(group_id, shift_id, temp)? })
            })
            .collect()
    }

    /// Schedule entries of the given people with `from <= day <= to`, by person and day, as
    /// committed.
    pub async fn schedules_of(&self, person_ids: &[i64], from: i32, to: i32) -> Result<Vec<ScheduledDay>> {
        Store::schedules_between(&mut *self.pool().acquire().await?, person_ids, from, to).await
    }

    /// Creates, changes or clears schedule entries. Every group must be a live scheduling group
    /// ("rule not exist" / "the rule cannot arrange!") and every shift must exist ("shift does
    /// not exist"); those fail the whole batch. Entries whose person is unknown or not in the
    /// group that day fail individually. Recomputes the changed days up to tomorrow.
    pub async fn schedule(
        &self,
        tenant_id: i64,
        kind: IdKind,
        inputs: &[ScheduleInput],
        now: i64,
    ) -> RuleResult<BatchOutcome> {
        let mut w = self.write().await?;
        let mut tz_of: HashMap<i64, jiff::tz::TimeZone> = HashMap::new();
        for i in inputs {
            if tz_of.contains_key(&i.group_id) {
                continue;
            }
            let (gtype, tz) = Store::group_kind(&mut *w.tx, tenant_id, i.group_id)
                .await?
                .ok_or_else(|| RuleError::GroupMissing(i.group_id.to_string()))?;
            if gtype != SCHEDULING {
                return Err(RuleError::CannotArrange);
            }
            tz_of.insert(i.group_id, zone(&tz));
        }
        for i in inputs {
            if !i.clear
                && i.shift_id != REST_SHIFT_ID
                && !Store::shift_exists(&mut *w.tx, tenant_id, i.shift_id).await?
            {
                return Err(RuleError::ShiftMissing(i.shift_id.to_string()));
            }
        }
        let mut out = BatchOutcome::default();
        let mut affected = Vec::new();
        let mut people: HashMap<String, Option<Person>> = HashMap::new();
        for (idx, i) in inputs.iter().enumerate() {
            let Some(person) =
                self.member_for(&mut w.tx, tenant_id, kind, &i.user_id, i.group_id, i.day, &mut people).await?
            else {
                out.failed.entry(i.user_id.clone()).or_default().push(i.day.to_string());
                continue;
            };
            sqlx::query("DELETE FROM schedules WHERE person_id = $1 AND day = $2")
                .bind(person.id)
                .bind(i.day)
                .execute(&mut *w.tx)
                .await?;
            if !i.clear {
                insert_entry(&mut w.tx, tenant_id, person.id, i.day, i.group_id, i.shift_id, None, now).await?;
            }
            let tomorrow = add_days(today_in(&tz_of[&i.group_id], now), 1);
            if i.day <= tomorrow {
                affected.push((person.id, i.day, i.day));
            }
            out.stored.push((idx, person));
        }
        self.recompute(&mut w.tx, tenant_id, &affected, now).await?;
        w.commit().await?;
        Ok(out)
    }

    /// Creates or replaces temporary shifts. Every group must be live ("rule not exist");
    /// entries whose person is unknown or not in the group that day fail individually.
    pub async fn schedule_temp(
        &self,
        tenant_id: i64,
        kind: IdKind,
        inputs: &[TempInput],
        now: i64,
    ) -> RuleResult<BatchOutcome> {
        let mut w = self.write().await?;
        let mut tz_of: HashMap<i64, jiff::tz::TimeZone> = HashMap::new();
        for i in inputs {
            if let std::collections::hash_map::Entry::Vacant(slot) = tz_of.entry(i.group_id) {
                let (_, tz) = Store::group_kind(&mut *w.tx, tenant_id, i.group_id)
                    .await?
                    .ok_or_else(|| RuleError::GroupMissing(i.group_id.to_string()))?;
                slot.insert(zone(&tz));
            }
        }
        let mut out = BatchOutcome::default();
        let mut affected = Vec::new();
        let mut people: HashMap<String, Option<Person>> = HashMap::new();
        for (idx, i) in inputs.iter().enumerate() {
            let Some(person) =
                self.member_for(&mut w.tx, tenant_id, kind, &i.user_id, i.group_id, i.day, &mut people).await?
            else {
                out.failed.entry(i.user_id.clone()).or_default().push(i.day.to_string());
                continue;
            };
            let shift_id = if i.pairs.is_empty() {
                REST_SHIFT_ID
            } else {
                self.insert_temp_shift(&mut w.tx, tenant_id, &i.name, &i.pairs, now).await?
            };
            sqlx::query("DELETE FROM schedules WHERE person_id = $1 AND day = $2")
                .bind(person.id)
                .bind(i.day)
                .execute(&mut *w.tx)
                .await?;
            insert_entry(
                &mut w.tx,
                tenant_id,
                person.id,
                i.day,
                i.group_id,
                shift_id,
                Some(encode_json(&i.pairs)),
                now,
            )
            .await?;
            let tomorrow = add_days(today_in(&tz_of[&i.group_id], now), 1);
            if i.day <= tomorrow {
                affected.push((person.id, i.day, i.day));
            }
            out.stored.push((idx, person));
            out.shift_ids.push(shift_id);
        }
        self.recompute(&mut w.tx, tenant_id, &affected, now).await?;
        w.commit().await?;
        Ok(out)
    }

    /// The person `user_id` names if they are in `group_id` on `day`.
    #[allow(clippy::too_many_arguments)]
    async fn member_for(
        &self,
        tx: &mut Transaction<'static, Any>,
        tenant_id: i64,
        kind: IdKind,
        user_id: &str,
        group_id: i64,
        day: i32,
        cache: &mut HashMap<String, Option<Person>>,
    ) -> Result<Option<Person>> {
        if !cache.contains_key(user_id) {
            let holders = Store::holders_of(tx, tenant_id, kind, user_id).await?;
            let current = match holders.iter().position(|p| p.left_at.is_none()) {
                Some(i) => holders.into_iter().nth(i),
                None => holders.into_iter().max_by_key(|p| p.left_at),
            };
            cache.insert(user_id.to_owned(), current);
        }
        let Some(person) = cache[user_id].clone() else { return Ok(None) };
        Ok(match Store::membership_on(&mut **tx, person.id, day).await? {
            Some((g, _)) if g == group_id => Some(person),
            _ => None,
        })
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_entry(
    tx: &mut Transaction<'static, Any>,
    tenant_id: i64,
    person_id: i64,
    day: i32,
    group_id: i64,
    shift_id: i64,
    temp: Option<String>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO schedules (person_id, day, tenant_id, group_id, shift_id, temp_pairs, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(person_id)
    .bind(day)
    .bind(tenant_id)
    .bind(group_id)
    .bind(shift_id)
    .bind(temp)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
