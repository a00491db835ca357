//! Punch records (打卡流水): import, read, delete.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sqlx::AnyConnection;
use sqlx::{Any, Row, Transaction};

use crate::bulk::{self, Bind, Col};
use crate::events::{NewEvent, USER_FLOW_CREATED};
use crate::people::{employed_holder, IdKind, Person};
use crate::{Error, Result, Store};

/// Feishu flow `type` of a punch created by an approved remedy (用户补卡).
pub const TYPE_REMEDY: i32 = 2;

/// A stored punch.
#[derive(Debug, Clone, PartialEq)]
pub struct Punch {
    /// 19-digit id.
    pub record_id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Whose punch.
    pub person_id: i64,
    /// Who created the record.
    pub creator_id: i64,
    /// Instant, Unix seconds.
    pub check_time: i64,
    /// Feishu flow `type` (0–7).
    pub kind: i32,
    /// Location name.
    pub location_name: String,
    /// Remark.
    pub comment: String,
    /// Wi-Fi SSID.
    pub ssid: Option<String>,
    /// Wi-Fi MAC.
    pub bssid: Option<String>,
    /// Field (外勤) punch.
    pub is_field: bool,
    /// Wi-Fi punch.
    pub is_wifi: bool,
    /// Photo URLs.
    pub photo_urls: Vec<String>,
    /// Device id.
    pub device_id: Option<String>,
    /// Caller's own id.
    pub external_id: Option<String>,
    /// Idempotency key.
    pub idempotent_id: Option<String>,
    /// Longitude.
    pub longitude: Option<f64>,
    /// Latitude.
    pub latitude: Option<f64>,
    /// Created through the open API import (only these can be deleted through it).
    pub imported: bool,
}

/// One record of an import, with external ids not yet resolved.
#[derive(Debug, Clone, Default)]
pub struct PunchImport {
    /// The person, as the import's id kind says.
    pub user_id: String,
    /// The creator, as the import's id kind says.
    pub creator_id: String,
    /// Instant, Unix seconds.
    pub check_time: i64,
    /// Feishu flow `type`.
    pub kind: i32,
    /// Location name.
    pub location_name: String,
    /// Remark.
    pub comment: String,
    /// Wi-Fi SSID.
    pub ssid: Option<String>,
    /// Wi-Fi MAC.
    pub bssid: Option<String>,
    /// Field punch.
    pub is_field: bool,
    /// Wi-Fi punch.
    pub is_wifi: bool,
    /// Photo URLs.
    pub photo_urls: Vec<String>,
    /// Device id.
    pub device_id: Option<String>,
    /// Caller's own id.
    pub external_id: Option<String>,
    /// Idempotency key.
    pub idempotent_id: Option<String>,
    /// Longitude.
    pub longitude: Option<f64>,
    /// Latitude.
    pub latitude: Option<f64>,
}

impl PunchImport {
    /// The punch this record stores as `record_id`, its ids resolved to `person_id` and
    /// `creator_id` (an empty idempotency key counts as none).
    pub(crate) fn into_punch(self, record_id: i64, tenant_id: i64, person_id: i64, creator_id: i64) -> Punch {
        Punch {
            record_id,
            tenant_id,
            person_id,
            creator_id,
            check_time: self.check_time,
            kind: self.kind,
            location_name: self.location_name,
            comment: self.comment,
            ssid: self.ssid,
            bssid: self.bssid,
            is_field: self.is_field,
            is_wifi: self.is_wifi,
            photo_urls: self.photo_urls,
            device_id: self.device_id,
            external_id: self.external_id,
            idempotent_id: self.idempotent_id.filter(|k| !k.is_empty()),
            longitude: self.longitude,
            latitude: self.latitude,
            imported: true,
        }
    }
}

/// A punch together with the people its ids name.
#[derive(Debug, Clone)]
pub struct PunchView {
    /// The punch.
    pub punch: Punch,
    /// Whose punch (shared: a read of many punches names few people).
    pub person: Arc<Person>,
    /// Who created it.
    pub creator: Arc<Person>,
}

/// How an import recognises punches that are already stored (or earlier in the same import).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeats {
    /// By idempotency key only: the open API's `idempotent_id`.
    ByKey,
    /// Also by person, check instant and device (no device matches no device): a time clock's
    /// export names each punch by these alone, so importing it again adds nothing whatever keys
    /// the records carry.
    ByInstant,
}

/// A punch as a time clock names it: person, instant, device.
type PunchIdentity = (i64, i64, Option<String>);

/// Where an import record's answer comes from.
enum Answer {
    /// A punch stored before this import, by idempotency key.
    Known(String),
    /// A punch stored before this import at the same instant (see [`Repeats::ByInstant`]).
    Same(Box<PunchView>),
    /// A punch of this import, by index.
    Fresh(usize),
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    /// Stored records (or, for a repeated idempotency key, the original), in request order.
    pub stored: Vec<PunchView>,
    /// `(user_id, creator_id)` of records whose ids named nobody employed at the check time.
    pub failed: Vec<(String, String)>,
}

/// A `punches` row in [`ROW`] order, as [`bulk::json_rows`] returns it.
#[derive(serde::Deserialize)]
struct PunchRow(
    i64,
    i64,
    i64,
    i64,
    i64,
    i32,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
    Vec<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<f64>,
    Option<f64>,
    i64,
);

impl From<PunchRow> for Punch {
    fn from(r: PunchRow) -> Self {
        Punch {
            record_id: r.0,
            tenant_id: r.1,
            person_id: r.2,
            creator_id: r.3,
            check_time: r.4,
            kind: r.5,
            location_name: r.6,
            comment: r.7,
            ssid: r.8,
            bssid: r.9,
            is_field: r.10 != 0,
            is_wifi: r.11 != 0,
            photo_urls: r.12,
            device_id: r.13,
            external_id: r.14,
            idempotent_id: r.15,
            longitude: r.16,
            latitude: r.17,
            imported: r.18 != 0,
        }
    }
}

/// The columns of [`PunchRow`].
const ROW: [Col<'static>; 19] = [
    Col::Value("record_id"),
    Col::Value("tenant_id"),
    Col::Value("person_id"),
    Col::Value("creator_id"),
    Col::Value("check_time"),
    Col::Value("kind"),
    Col::Value("location_name"),
    Col::Value("comment"),
    Col::Value("ssid"),
    Col::Value("bssid"),
    Col::Value("is_field"),
    Col::Value("is_wifi"),
    Col::Json("photo_urls"),
    Col::Value("device_id"),
    Col::Value("external_id"),
    Col::Value("idempotent_id"),
    Col::Value("longitude"),
    Col::Value("latitude"),
    Col::Value("imported"),
];

/// Punches `WHERE <filter>` (`$1…` bound to `binds`), by check time then record id.
async fn select_punches(conn: &mut AnyConnection, filter: &str, binds: &[Bind<'_>]) -> Result<Vec<Punch>> {
    let rows: Vec<PunchRow> = bulk::json_rows(conn, &ROW, &format!("FROM punches WHERE {filter}"), "", binds).await?;
    let mut punches: Vec<Punch> = rows.into_iter().map(Punch::from).collect();
    punches.sort_by_key(|p| (p.check_time, p.record_id));
    Ok(punches)
}

/// The `event` body of `attendance.user_flow.created_v1`, keys in the order `json!` gives them
/// (alphabetical), so that the stored text does not depend on how it was built.
#[derive(serde::Serialize)]
pub(crate) struct FlowCreated<'a> {
    bssid: &'a str,
    check_time: String,
    comment: &'a str,
    employee_id: &'a str,
    employee_no: &'a str,
    is_field: bool,
    is_wifi: bool,
    latitude: f64,
    location_name: &'a str,
    longitude: f64,
    photo_urls: &'a [String],
    record_id: String,
    risk_result: i32,
    ssid: &'a str,
    #[serde(rename = "type")]
    kind: i32,
}

impl<'a> FlowCreated<'a> {
    /// The event body of `punch`, made by `person`.
    pub(crate) fn of(punch: &'a Punch, person: &'a Person) -> Self {
        FlowCreated {
            bssid: punch.bssid.as_deref().unwrap_or_default(),
            check_time: punch.check_time.to_string(),
            comment: &punch.comment,
            employee_id: &person.user_id,
            employee_no: person.employee_no.as_deref().unwrap_or_default(),
            is_field: punch.is_field,
            is_wifi: punch.is_wifi,
            latitude: punch.latitude.unwrap_or(0.0),
            location_name: &punch.location_name,
            longitude: punch.longitude.unwrap_or(0.0),
            photo_urls: &punch.photo_urls,
            record_id: punch.record_id.to_string(),
            risk_result: 0,
            ssid: punch.ssid.as_deref().unwrap_or_default(),
            kind: punch.kind,
        }
    }

    /// As stored in an event record.
    pub(crate) fn to_text(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Corrupt(e.to_string()))
    }
}

/// The `event` body of `attendance.user_flow.created_v1` for a punch.
pub fn flow_created_event(punch: &Punch, person: &Person) -> serde_json::Value {
    serde_json::to_value(FlowCreated::of(punch, person)).unwrap_or_default()
}

impl Store {
    /// Imports punch records: resolves each record's ids to the people employed at its check
    /// time, stores the new ones with their `user_flow.created` event records in one transaction,
    /// and returns the originals of repeats (as `repeats` recognises them). Records whose ids
    /// name nobody are reported in `failed`; when every record fails nothing is written and
    /// [`Error::UnknownUsers`] is returned. A batch costs a fixed number of statements (look-ups
    /// by `IN (…)`, multi-row inserts, one recompute of every touched person-day).
    pub async fn import_punches(
        &self,
        tenant_id: i64,
        kind: IdKind,
        records: Vec<PunchImport>,
        repeats: Repeats,
        now: i64,
    ) -> Result<ImportOutcome> {
        let mut w = self.write().await?;
        let mut ids: Vec<String> = records.iter().flat_map(|r| [r.user_id.clone(), r.creator_id.clone()]).collect();
        ids.sort_unstable();
        ids.dedup();
        let holders = Store::holders_of_many(&mut w.tx, tenant_id, kind, &ids).await?;
        let same = match repeats {
            Repeats::ByKey => HashMap::new(),
            Repeats::ByInstant => {
                let at =
                    |r: &PunchImport| employed_holder(&holders, &r.user_id, r.check_time).map(|p| (p.id, r.check_time));
                self.punches_at(&mut w.tx, &records.iter().filter_map(at).collect::<Vec<_>>()).await?
            }
        };
        let mut fresh_instants: HashMap<PunchIdentity, usize> = HashMap::new();
        let mut keys: Vec<String> =
            records.iter().filter_map(|r| r.idempotent_id.clone().filter(|k| !k.is_empty())).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut known = self.punches_by_keys(&mut w.tx, tenant_id, &keys).await?;
        let mut outcome = ImportOutcome::default();
        let mut fresh: Vec<PunchView> = Vec::new();
        let mut fresh_keys: HashMap<String, usize> = HashMap::new();
        let mut answers: Vec<Answer> = Vec::with_capacity(records.len());
        for rec in records {
            let at = |id: &str| employed_holder(&holders, id, rec.check_time);
            let (Some(person), Some(creator)) = (at(&rec.user_id), at(&rec.creator_id)) else {
                outcome.failed.push((rec.user_id.clone(), rec.creator_id.clone()));
                continue;
            };
            if repeats == Repeats::ByInstant {
                let instant = (person.id, rec.check_time, rec.device_id.clone());
                if let Some(original) = same.get(&instant) {
                    answers.push(Answer::Same(Box::new(original.clone())));
                    continue;
                }
                if let Some(&i) = fresh_instants.get(&instant) {
                    answers.push(Answer::Fresh(i));
                    continue;
                }
                fresh_instants.insert(instant, fresh.len());
            }
            let key = rec.idempotent_id.clone().filter(|k| !k.is_empty());
            if let Some(k) = &key {
                if known.contains_key(k) {
                    answers.push(Answer::Known(k.clone()));
                    continue;
                }
                if let Some(&i) = fresh_keys.get(k) {
                    answers.push(Answer::Fresh(i));
                    continue;
                }
                fresh_keys.insert(k.clone(), fresh.len());
            }
            answers.push(Answer::Fresh(fresh.len()));
            let punch = rec.into_punch(self.next_id(), tenant_id, person.id, creator.id);
            fresh.push(PunchView { punch, person: Arc::new(person.clone()), creator: Arc::new(creator.clone()) });
        }
        if answers.is_empty() && !outcome.failed.is_empty() {
            return Err(Error::UnknownUsers(outcome.failed.iter().map(|(u, c)| format!("{u}-{c}")).collect()));
        }
        let punches: Vec<&Punch> = fresh.iter().map(|v| &v.punch).collect();
        let inserted = self.insert_punches(&mut w.tx, &punches, now).await?;
        // Keys another process stored since we looked (the insert waited for its commit): answer
        // with its originals, like repeated requests.
        let raced: Vec<String> = fresh
            .iter()
            .filter(|v| !inserted.contains(&v.punch.record_id))
            .filter_map(|v| v.punch.idempotent_id.clone())
            .collect();
        if !raced.is_empty() {
            known.extend(self.punches_by_keys(&mut w.tx, tenant_id, &raced).await?);
        }
        let created: Vec<&PunchView> = fresh.iter().filter(|v| inserted.contains(&v.punch.record_id)).collect();
        let events: Vec<NewEvent<'static>> = created
            .iter()
            .map(|v| {
                let payload = FlowCreated::of(&v.punch, &v.person).to_text()?;
                Ok(NewEvent { tenant_id, event_type: USER_FLOW_CREATED, payload })
            })
            .collect::<Result<_>>()?;
        let touched: Vec<(i64, i64)> = created.iter().map(|v| (v.punch.person_id, v.punch.check_time)).collect();
        self.recompute_punched(&mut w.tx, tenant_id, &touched, events, now).await?;
        w.commit().await?;
        for answer in answers {
            let view = match answer {
                Answer::Known(k) => known.get(&k).cloned(),
                Answer::Same(v) => Some(*v),
                Answer::Fresh(i) => fresh.get(i).and_then(|v| match &v.punch.idempotent_id {
                    Some(k) if !inserted.contains(&v.punch.record_id) => known.get(k).cloned(),
                    _ => Some(v.clone()),
                }),
            };
            outcome.stored.push(view.ok_or_else(|| Error::Corrupt("punch vanished during import".into()))?);
        }
        Ok(outcome)
    }

    /// The stored punches at the given `(person, instant)`s, by person, instant and device,
    /// read after locking those people's results (on PostgreSQL; SQLite writers are serialized),
    /// so a concurrent import of the same punches waits for this one and then sees them.
    async fn punches_at(
        &self,
        tx: &mut Transaction<'static, Any>,
        instants: &[(i64, i64)],
    ) -> Result<HashMap<PunchIdentity, PunchView>> {
        let (Some(from), Some(to)) = (instants.iter().map(|i| i.1).min(), instants.iter().map(|i| i.1).max()) else {
            return Ok(HashMap::new());
        };
        let mut people: Vec<i64> = instants.iter().map(|i| i.0).collect();
        people.sort_unstable();
        people.dedup();
        self.lock_people(tx, &people).await?;
        let wanted: HashSet<(i64, i64)> = instants.iter().copied().collect();
        let mut punches = Vec::new();
        for chunk in people.chunks(1000) {
            let filter = format!("person_id IN ({}) AND check_time >= $1 AND check_time <= $2", bulk::id_list(chunk));
            let found = select_punches(tx, &filter, &[Bind::Int(from), Bind::Int(to)]).await?;
            punches.extend(found.into_iter().filter(|p| wanted.contains(&(p.person_id, p.check_time))));
        }
        let views = self.views(tx, punches).await?;
        let mut out = HashMap::with_capacity(views.len());
        for v in views {
            // The earliest stored punch answers for its instant.
            out.entry((v.punch.person_id, v.punch.check_time, v.punch.device_id.clone())).or_insert(v);
        }
        Ok(out)
    }

    /// Inserts one punch row inside `tx`. Returns false, inserting nothing, when a punch with the
    /// same idempotency key exists (on PostgreSQL, after waiting for a concurrent writer of that
    /// key to commit).
    pub(crate) async fn insert_punch(&self, tx: &mut Transaction<'static, Any>, p: &Punch, now: i64) -> Result<bool> {
        Ok(!self.insert_punches(tx, &[p], now).await?.is_empty())
    }

    /// Inserts punch rows inside `tx` with multi-row statements; returns the record ids inserted
    /// (rows whose idempotency key already exists are skipped, see [`Store::insert_punch`]).
    async fn insert_punches(
        &self,
        tx: &mut Transaction<'static, Any>,
        punches: &[&Punch],
        now: i64,
    ) -> Result<HashSet<i64>> {
        // The row's columns, then `created_at`.
        const WIDTH: usize = ROW.len() + 1;
        let columns = ROW.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ");
        let mut inserted = HashSet::with_capacity(punches.len());
        // In idempotency-key order: two imports of the same keys then wait for each other's keys
        // in one order, so on PostgreSQL they queue instead of deadlocking.
        let mut punches = punches.to_vec();
        punches.sort_by(|a, b| a.idempotent_id.cmp(&b.idempotent_id));
        for chunk in punches.chunks(bulk::rows_per_statement(WIDTH)) {
            let sql = format!(
                "INSERT INTO punches ({columns}, created_at) VALUES {} \
                 ON CONFLICT (tenant_id, idempotent_id) WHERE idempotent_id IS NOT NULL DO NOTHING",
                bulk::values(self.backend(), chunk.len(), WIDTH)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for p in chunk {
                q = q
                    .bind(p.record_id)
                    .bind(p.tenant_id)
                    .bind(p.person_id)
                    .bind(p.creator_id)
                    .bind(p.check_time)
                    .bind(p.kind)
                    .bind(p.location_name.as_str())
                    .bind(p.comment.as_str())
                    .bind(p.ssid.as_deref())
                    .bind(p.bssid.as_deref())
                    .bind(i64::from(p.is_field))
                    .bind(i64::from(p.is_wifi))
                    .bind(serde_json::to_string(&p.photo_urls).unwrap_or_else(|_| "[]".into()))
                    .bind(p.device_id.as_deref())
                    .bind(p.external_id.as_deref())
                    .bind(p.idempotent_id.as_deref())
                    .bind(p.longitude)
                    .bind(p.latitude)
                    .bind(i64::from(p.imported))
                    .bind(now);
            }
            let ids = chunk.iter().map(|p| p.record_id);
            if usize::try_from(q.execute(&mut **tx).await?.rows_affected()).ok() == Some(chunk.len()) {
                inserted.extend(ids);
                continue;
            }
            // Some keys were taken: the fresh record ids that are now stored are the new ones.
            let list = bulk::id_list(&ids.collect::<Vec<_>>());
            let stored: Vec<(i64,)> = bulk::json_rows(
                tx,
                &[Col::Value("record_id")],
                &format!("FROM punches WHERE record_id IN ({list})"),
                "",
                &[],
            )
            .await?;
            inserted.extend(stored.into_iter().map(|(id,)| id));
        }
        Ok(inserted)
    }

    /// Stored punches of a tenant by idempotency key, with their people: key → punch.
    async fn punches_by_keys(
        &self,
        tx: &mut Transaction<'static, Any>,
        tenant_id: i64,
        keys: &[String],
    ) -> Result<HashMap<String, PunchView>> {
        let mut punches = Vec::new();
        for chunk in keys.chunks(bulk::rows_per_statement(1) - 1) {
            let b = self.backend();
            let filter = format!(
                "tenant_id = {} AND idempotent_id IN ({})",
                bulk::params(b, 1, 1),
                bulk::params(b, 2, chunk.len())
            );
            let mut binds = vec![Bind::Int(tenant_id)];
            binds.extend(chunk.iter().map(|k| Bind::Text(k)));
            punches.extend(select_punches(tx, &filter, &binds).await?);
        }
        let views = self.views(tx, punches).await?;
        Ok(views.into_iter().filter_map(|v| Some((v.punch.idempotent_id.clone()?, v))).collect())
    }

    async fn views(&self, conn: &mut AnyConnection, punches: Vec<Punch>) -> Result<Vec<PunchView>> {
        if punches.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<i64> = punches.iter().flat_map(|p| [p.person_id, p.creator_id]).collect();
        ids.sort_unstable();
        ids.dedup();
        let people: HashMap<i64, Arc<Person>> =
            Store::people_by_ids(conn, &ids).await?.into_iter().map(|p| (p.id, Arc::new(p))).collect();
        let find = |id: i64| people.get(&id).cloned().ok_or_else(|| Error::Corrupt(format!("person {id}")));
        punches
            .into_iter()
            .map(|punch| Ok(PunchView { person: find(punch.person_id)?, creator: find(punch.creator_id)?, punch }))
            .collect()
    }

    /// One punch of a tenant by record id.
    pub async fn punch(&self, tenant_id: i64, record_id: i64) -> Result<Option<PunchView>> {
        Ok(self.punches_by_ids(tenant_id, &[record_id]).await?.pop())
    }

    /// Punches of the given people with `from <= check_time <= to`, by check time.
    pub async fn punches_of(&self, person_ids: &[i64], from: i64, to: i64) -> Result<Vec<Punch>> {
        if person_ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = format!("person_id IN ({}) AND check_time >= $1 AND check_time <= $2", bulk::id_list(person_ids));
        let mut conn = self.pool().acquire().await?;
        select_punches(&mut conn, &filter, &[Bind::Int(from), Bind::Int(to)]).await
    }

    /// Deletes imported punches by record id and recomputes the days they counted for. Returns
    /// the deleted ids and, for the others, why not. Ids that are not imported records of this
    /// tenant are refused, not errors.
    pub async fn delete_punches(
        &self,
        tenant_id: i64,
        record_ids: &[String],
        now: i64,
    ) -> Result<(Vec<String>, Vec<(String, String)>)> {
        let mut w = self.write().await?;
        let mut deleted = Vec::new();
        let mut failed = Vec::new();
        let mut removed: Vec<(i64, i64)> = Vec::new();
        let ids: Vec<i64> = record_ids.iter().filter_map(|raw| raw.parse::<i64>().ok()).collect();
        let mut found: HashMap<i64, (bool, i64, i64)> = HashMap::new();
        if !ids.is_empty() {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT record_id, imported, person_id, check_time FROM punches WHERE tenant_id = $1 \
                 AND record_id IN ({})",
                bulk::id_list(&ids)
            )))
            .bind(tenant_id)
            .persistent(false)
            .fetch_all(&mut *w.tx)
            .await?;
            for r in &rows {
                found.insert(r.try_get(0)?, (r.try_get::<i64, _>(1)? != 0, r.try_get(2)?, r.try_get(3)?));
            }
        }
        let mut doomed = Vec::new();
        for raw in record_ids {
            let Ok(id) = raw.parse::<i64>() else {
                failed.push((raw.clone(), "record_id is not a valid record id".to_owned()));
                continue;
            };
            match found.remove(&id) {
                None => failed.push((raw.clone(), "record not found".to_owned())),
                Some((false, _, _)) => failed
                    .push((raw.clone(), "only records imported through the open platform can be deleted".to_owned())),
                Some((true, person, at)) => {
                    doomed.push(id);
                    removed.push((person, at));
                    deleted.push(raw.clone());
                }
            }
        }
        if !doomed.is_empty() {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM punches WHERE record_id IN ({})",
                bulk::id_list(&doomed)
            )))
            .persistent(false)
            .execute(&mut *w.tx)
            .await?;
        }
        self.recompute_punched(&mut w.tx, tenant_id, &removed, Vec::new(), now).await?;
        w.commit().await?;
        Ok((deleted, failed))
    }
}

impl Store {
    /// Punches of a tenant by record id, with the people their ids name.
    pub async fn punches_by_ids(&self, tenant_id: i64, record_ids: &[i64]) -> Result<Vec<PunchView>> {
        if record_ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = format!("tenant_id = $1 AND record_id IN ({})", bulk::id_list(record_ids));
        let mut conn = self.pool().acquire().await?;
        let punches = select_punches(&mut conn, &filter, &[Bind::Int(tenant_id)]).await?;
        self.views(&mut conn, punches).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flow_created_text_is_what_json_values_give() {
        let person = Person {
            id: 1,
            tenant_id: 2,
            user_id: "u1".into(),
            open_id: "ou_1".into(),
            union_id: "on_1".into(),
            name: "张三".into(),
            employee_no: Some("E1".into()),
            join_time: None,
            employed_from: None,
            left_at: None,
            attrs: serde_json::Map::new(),
            results_rev: 0,
        };
        let punch = Punch {
            record_id: 6_911_944_874_192_801_792,
            tenant_id: 2,
            person_id: 1,
            creator_id: 1,
            check_time: 1_705_280_400,
            kind: 7,
            location_name: "门 \"A\"".into(),
            comment: String::new(),
            ssid: Some("office".into()),
            bssid: None,
            is_field: false,
            is_wifi: true,
            photo_urls: vec!["https://x/1.jpg".into()],
            device_id: Some("gate-1".into()),
            external_id: None,
            idempotent_id: Some("k".into()),
            longitude: Some(121.5),
            latitude: None,
            imported: true,
        };
        let expected = json!({
            "employee_id": "u1",
            "employee_no": "E1",
            "location_name": "门 \"A\"",
            "check_time": "1705280400",
            "comment": "",
            "record_id": "6911944874192801792",
            "longitude": 121.5,
            "latitude": 0.0,
            "ssid": "office",
            "bssid": "",
            "is_field": false,
            "is_wifi": true,
            "type": 7,
            "photo_urls": ["https://x/1.jpg"],
            "risk_result": 0,
        });
        assert_eq!(FlowCreated::of(&punch, &person).to_text().expect("text"), expected.to_string());
        assert_eq!(flow_created_event(&punch, &person), expected);
    }
}
