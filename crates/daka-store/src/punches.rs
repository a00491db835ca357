//! Punch records (打卡流水): import, read, delete.

use std::collections::HashMap;

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::events::USER_FLOW_CREATED;
use crate::people::{IdKind, Person};
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

/// A punch together with the people its ids name.
#[derive(Debug, Clone)]
pub struct PunchView {
    /// The punch.
    pub punch: Punch,
    /// Whose punch.
    pub person: Person,
    /// Who created it.
    pub creator: Person,
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    /// Stored records (or, for a repeated idempotency key, the original), in request order.
    pub stored: Vec<PunchView>,
    /// `(user_id, creator_id)` of records whose ids named nobody employed at the check time.
    pub failed: Vec<(String, String)>,
}

const COLUMNS: &str = "record_id, tenant_id, person_id, creator_id, check_time, kind, location_name, comment, ssid, \
     bssid, is_field, is_wifi, photo_urls, device_id, external_id, idempotent_id, longitude, latitude, imported";

fn punch_from_row(r: &AnyRow) -> Result<Punch> {
    let photos: String = r.try_get(12)?;
    Ok(Punch {
        record_id: r.try_get(0)?,
        tenant_id: r.try_get(1)?,
        person_id: r.try_get(2)?,
        creator_id: r.try_get(3)?,
        check_time: r.try_get(4)?,
        kind: r.try_get(5)?,
        location_name: r.try_get(6)?,
        comment: r.try_get(7)?,
        ssid: r.try_get(8)?,
        bssid: r.try_get(9)?,
        is_field: r.try_get::<i64, _>(10)? != 0,
        is_wifi: r.try_get::<i64, _>(11)? != 0,
        photo_urls: serde_json::from_str(&photos).map_err(|e| Error::Corrupt(format!("punches.photo_urls: {e}")))?,
        device_id: r.try_get(13)?,
        external_id: r.try_get(14)?,
        idempotent_id: r.try_get(15)?,
        longitude: r.try_get(16)?,
        latitude: r.try_get(17)?,
        imported: r.try_get::<i64, _>(18)? != 0,
    })
}

/// The `event` body of `attendance.user_flow.created_v1` for a punch.
pub fn flow_created_event(punch: &Punch, person: &Person) -> serde_json::Value {
    json!({
        "employee_id": person.user_id,
        "employee_no": person.employee_no.clone().unwrap_or_default(),
        "location_name": punch.location_name,
        "check_time": punch.check_time.to_string(),
        "comment": punch.comment,
        "record_id": punch.record_id.to_string(),
        "longitude": punch.longitude.unwrap_or(0.0),
        "latitude": punch.latitude.unwrap_or(0.0),
        "ssid": punch.ssid.clone().unwrap_or_default(),
        "bssid": punch.bssid.clone().unwrap_or_default(),
        "is_field": punch.is_field,
        "is_wifi": punch.is_wifi,
        "type": punch.kind,
        "photo_urls": punch.photo_urls,
        "risk_result": 0,
    })
}

impl Store {
    /// Imports punch records: resolves each record's ids to the people employed at its check
    /// time, stores the new ones with their `user_flow.created` event records in one transaction,
    /// and returns originals for repeated idempotency keys. Records whose ids name nobody are
    /// reported in `failed`; when every record fails nothing is written and
    /// [`Error::UnknownUsers`] is returned.
    pub async fn import_punches(
        &self,
        tenant_id: i64,
        kind: IdKind,
        records: Vec<PunchImport>,
        now: i64,
    ) -> Result<ImportOutcome> {
        let mut w = self.write().await?;
        let mut outcome = ImportOutcome::default();
        let mut holders: HashMap<String, Vec<Person>> = HashMap::new();
        let mut seen_keys: HashMap<String, usize> = HashMap::new();
        let mut created: Vec<(i64, i64)> = Vec::new();
        for rec in records {
            for id in [&rec.user_id, &rec.creator_id] {
                if !holders.contains_key(id) {
                    let found = Store::holders_of(&mut *w.tx, tenant_id, kind, id).await?;
                    holders.insert(id.clone(), found);
                }
            }
            let at =
                |id: &str| holders.get(id).and_then(|hs| hs.iter().find(|p| p.employed_at(rec.check_time)).cloned());
            let (Some(person), Some(creator)) = (at(&rec.user_id), at(&rec.creator_id)) else {
                outcome.failed.push((rec.user_id.clone(), rec.creator_id.clone()));
                continue;
            };
            let key = rec.idempotent_id.clone().filter(|k| !k.is_empty());
            if let Some(k) = &key {
                if let Some(&i) = seen_keys.get(k) {
                    let original = outcome.stored[i].clone();
                    outcome.stored.push(original);
                    continue;
                }
                if let Some(view) = self.punch_by_key(&mut w.tx, tenant_id, k).await? {
                    seen_keys.insert(k.clone(), outcome.stored.len());
                    outcome.stored.push(view);
                    continue;
                }
                seen_keys.insert(k.clone(), outcome.stored.len());
            }
            let punch = Punch {
                record_id: self.next_id(),
                tenant_id,
                person_id: person.id,
                creator_id: creator.id,
                check_time: rec.check_time,
                kind: rec.kind,
                location_name: rec.location_name,
                comment: rec.comment,
                ssid: rec.ssid,
                bssid: rec.bssid,
                is_field: rec.is_field,
                is_wifi: rec.is_wifi,
                photo_urls: rec.photo_urls,
                device_id: rec.device_id,
                external_id: rec.external_id,
                idempotent_id: key,
                longitude: rec.longitude,
                latitude: rec.latitude,
                imported: true,
            };
            if !self.insert_punch(&mut w.tx, &punch, now).await? {
                // Another process stored this key since we looked (it waited for that commit):
                // answer with its original, like a repeated request.
                let k = punch.idempotent_id.as_deref().unwrap_or_default();
                let original = self
                    .punch_by_key(&mut w.tx, tenant_id, k)
                    .await?
                    .ok_or_else(|| Error::Corrupt(format!("punch with idempotent_id {k:?} vanished")))?;
                outcome.stored.push(original);
                continue;
            }
            created.push((punch.person_id, punch.check_time));
            self.record_event(&mut w.tx, tenant_id, USER_FLOW_CREATED, &flow_created_event(&punch, &person), now)
                .await?;
            outcome.stored.push(PunchView { punch, person, creator });
        }
        if outcome.stored.is_empty() && !outcome.failed.is_empty() {
            return Err(Error::UnknownUsers(outcome.failed.iter().map(|(u, c)| format!("{u}-{c}")).collect()));
        }
        let touched: Vec<(i64, i64)> = created.iter().map(|p| (p.0, p.1)).collect();
        let affected = self.days_touched(&mut w.tx, tenant_id, &touched).await?;
        self.recompute(&mut w.tx, tenant_id, &affected, now).await?;
        w.commit().await?;
        Ok(outcome)
    }

    /// Inserts one punch row inside `tx`. Returns false, inserting nothing, when a punch with the
    /// same idempotency key exists (on PostgreSQL, after waiting for a concurrent writer of that
    /// key to commit).
    pub(crate) async fn insert_punch(&self, tx: &mut Transaction<'static, Any>, p: &Punch, now: i64) -> Result<bool> {
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO punches ({COLUMNS}, created_at) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
             ON CONFLICT (tenant_id, idempotent_id) DO NOTHING"
        )))
        .bind(p.record_id)
        .bind(p.tenant_id)
        .bind(p.person_id)
        .bind(p.creator_id)
        .bind(p.check_time)
        .bind(p.kind)
        .bind(&p.location_name)
        .bind(&p.comment)
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
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn punch_by_key(
        &self,
        tx: &mut Transaction<'static, Any>,
        tenant_id: i64,
        key: &str,
    ) -> Result<Option<PunchView>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM punches WHERE tenant_id = $1 AND idempotent_id = $2"
        )))
        .bind(tenant_id)
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let punch = punch_from_row(&r)?;
                Ok(Some(self.view(&mut **tx, punch).await?))
            }
        }
    }

    async fn view<'e, E: sqlx::Executor<'e, Database = Any>>(&self, exec: E, punch: Punch) -> Result<PunchView> {
        let people = Store::people_by_ids(exec, &[punch.person_id, punch.creator_id]).await?;
        let find =
            |id: i64| people.iter().find(|p| p.id == id).cloned().ok_or_else(|| Error::Corrupt(format!("person {id}")));
        Ok(PunchView { person: find(punch.person_id)?, creator: find(punch.creator_id)?, punch })
    }

    /// One punch of a tenant by record id.
    pub async fn punch(&self, tenant_id: i64, record_id: i64) -> Result<Option<PunchView>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM punches WHERE tenant_id = $1 AND record_id = $2"
        )))
        .bind(tenant_id)
        .bind(record_id)
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(self.view(self.pool(), punch_from_row(&r)?).await?)),
        }
    }

    /// Punches of the given people with `from <= check_time <= to`, by check time.
    pub async fn punches_of(&self, person_ids: &[i64], from: i64, to: i64) -> Result<Vec<Punch>> {
        if person_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = person_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM punches WHERE person_id IN ({list}) AND check_time >= $1 AND check_time <= $2 \
             ORDER BY check_time, record_id"
        )))
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(punch_from_row).collect()
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
        for raw in record_ids {
            let Ok(id) = raw.parse::<i64>() else {
                failed.push((raw.clone(), "record_id is not a valid record id".to_owned()));
                continue;
            };
            let row = sqlx::query(
                "SELECT imported, person_id, check_time FROM punches WHERE tenant_id = $1 AND record_id = $2",
            )
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&mut *w.tx)
            .await?;
            match row {
                None => failed.push((raw.clone(), "record not found".to_owned())),
                Some(r) if r.try_get::<i64, _>(0)? == 0 => failed
                    .push((raw.clone(), "only records imported through the open platform can be deleted".to_owned())),
                Some(r) => {
                    sqlx::query("DELETE FROM punches WHERE record_id = $1").bind(id).execute(&mut *w.tx).await?;
                    removed.push((r.try_get(1)?, r.try_get(2)?));
                    deleted.push(raw.clone());
                }
            }
        }
        let affected = self.days_touched(&mut w.tx, tenant_id, &removed).await?;
        self.recompute(&mut w.tx, tenant_id, &affected, now).await?;
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
        let list = record_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM punches WHERE tenant_id = $1 AND record_id IN ({list})"
        )))
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        let punches = rows.iter().map(punch_from_row).collect::<Result<Vec<_>>>()?;
        let mut ids: Vec<i64> = punches.iter().flat_map(|p| [p.person_id, p.creator_id]).collect();
        ids.sort_unstable();
        ids.dedup();
        let people = Store::people_by_ids(self.pool(), &ids).await?;
        let find =
            |id: i64| people.iter().find(|p| p.id == id).cloned().ok_or_else(|| Error::Corrupt(format!("person {id}")));
        punches
            .into_iter()
            .map(|punch| Ok(PunchView { person: find(punch.person_id)?, creator: find(punch.creator_id)?, punch }))
            .collect()
    }
}
