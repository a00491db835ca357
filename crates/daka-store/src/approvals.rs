//! Approvals written by a third-party approval system (`user_approvals`): leaves, outs, trips
//! and overtime works, and the status changes of every approval (`approval_infos/process`).
//!
//! * Writing is append-only and every item is stored approved (status 2). An item with an
//!   `idempotent_id` already stored for the same kind returns the stored item instead.
//! * Times are `yyyy-MM-dd HH:mm:ss` (`yyyy-MM-dd HH:mm` accepted) in the time zone of the
//!   person's group on the approval `date`; a person in no group uses Asia/Shanghai. The zone is
//!   stored with the item and returned as `time_zone`.
//! * Trips are whole days: from local 00:00 of the start date to local 00:00 after the end date.
//! * Approved leaves, outs and trips are absences for the engine (results.rs reads them); the
//!   write and the revocation (2 → 4, the only transition of these kinds) recompute the days
//!   around the approval in the same transaction. Overtime works are stored and queried only.

use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::people::{IdKind, Person};
use crate::plan::Resolver;
use crate::remedies::{parse_local, STATUS_WITHDRAWN};
use crate::results::{day_date, STATUS_APPROVED};
use crate::shifts::{add_days, day_start, zone};
use crate::{Error, Result, Store};

/// What an approval is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApprovalKind {
    /// 请假.
    Leave,
    /// 外出.
    Out,
    /// 出差 (whole days).
    Trip,
    /// 加班.
    Overtime,
}

impl ApprovalKind {
    /// The stored and wire (`approval_type`) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalKind::Leave => "leave",
            ApprovalKind::Out => "out",
            ApprovalKind::Trip => "trip",
            ApprovalKind::Overtime => "overtime",
        }
    }

    /// Parses the spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "leave" => Some(ApprovalKind::Leave),
            "out" => Some(ApprovalKind::Out),
            "trip" => Some(ApprovalKind::Trip),
            "overtime" => Some(ApprovalKind::Overtime),
            _ => None,
        }
    }
}

/// Status names used in messages.
pub fn status_name(s: i64) -> &'static str {
    match s {
        0 => "pending",
        1 => "rejected",
        2 => "approved",
        3 => "cancelled",
        4 => "withdrawn",
        _ => "unknown",
    }
}

/// The 1220001 message of a refused status change.
pub fn transition_refused(kind: &str, id: i64, from: i64, to: i64) -> String {
    let rule = if kind == "remedy" {
        "a remedy can go from 0 (pending) to 1 (rejected) or 2 (approved), and from 2 (approved) to 4 (withdrawn)"
    } else {
        "a leave, out, trip or overtime approval can only go from 2 (approved) to 4 (revoked)"
    };
    format!(
        "status cannot change from {from} ({}) to {to} ({}) for {kind} approval {id}: {rule}",
        status_name(from),
        status_name(to)
    )
}

/// One item to write.
#[derive(Debug, Clone)]
pub struct NewApproval {
    /// Its kind.
    pub kind: ApprovalKind,
    /// Wire path of the item for messages, e.g. `user_approval.leaves[0]`.
    pub field: String,
    /// Start, local wall-clock time.
    pub start_time: String,
    /// End, local wall-clock time.
    pub end_time: String,
    /// Idempotency key.
    pub idempotent_id: Option<String>,
    /// The wire item as sent (returned with `approval_id` and the output fields set).
    pub body: Value,
}

/// A stored approval.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredApproval {
    /// Id.
    pub approval_id: i64,
    /// Whose.
    pub person_id: i64,
    /// Kind.
    pub kind: ApprovalKind,
    /// The `date` it was written for, `yyyyMMdd`.
    pub approval_date: i32,
    /// Start instant (trips: local midnight).
    pub start_at: i64,
    /// End instant (trips: local midnight after the last day).
    pub end_at: i64,
    /// 2 approved, 4 revoked.
    pub status: i32,
    /// Zone of the wire times.
    pub time_zone: String,
    /// The wire item.
    pub body: Value,
    /// Created, Unix seconds.
    pub created_at: i64,
    /// Status last changed, Unix seconds.
    pub updated_at: i64,
}

const COLUMNS: &str = "approval_id, person_id, kind, approval_date, start_at, end_at, status, time_zone, body, \
     created_at, updated_at";

fn approval_from_row(r: &AnyRow) -> Result<StoredApproval> {
    let kind: String = r.try_get(2)?;
    let body: String = r.try_get(8)?;
    Ok(StoredApproval {
        approval_id: r.try_get(0)?,
        person_id: r.try_get(1)?,
        kind: ApprovalKind::parse(&kind).ok_or_else(|| Error::Corrupt(format!("approvals.kind {kind:?}")))?,
        approval_date: r.try_get(3)?,
        start_at: r.try_get(4)?,
        end_at: r.try_get(5)?,
        status: r.try_get(6)?,
        time_zone: r.try_get(7)?,
        body: serde_json::from_str(&body).map_err(|e| Error::Corrupt(format!("approvals.body: {e}")))?,
        created_at: r.try_get(9)?,
        updated_at: r.try_get(10)?,
    })
}

const TIME_FORMATS: &[&str] = &["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"];

fn format_second(at: i64, tz: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

fn local_day(at: i64, tz: &jiff::tz::TimeZone) -> i32 {
    crate::shifts::today_in(tz, at)
}

impl Store {
    /// Writes approved items for the person `user_id` names now, for approval day `date`.
    /// Returns the person, the time zone used and the stored (or, for repeated idempotency keys,
    /// the original) items in request order.
    pub async fn create_approvals(
        &self,
        tenant_id: i64,
        kind: IdKind,
        user_id: &str,
        date: i32,
        items: Vec<NewApproval>,
        now: i64,
    ) -> Result<(Person, String, Vec<StoredApproval>)> {
        let person = self
            .person_current(tenant_id, kind, user_id)
            .await?
            .ok_or_else(|| Error::UnknownUsers(vec![user_id.to_owned()]))?;
        let day = day_date(i64::from(date))
            .ok_or_else(|| Error::Invalid(format!("user_approval.date must be yyyyMMdd, got {date}")))?;
        let mut w = self.write().await?;
        let tz = Resolver::new(tenant_id).resolve(&mut w.tx, person.id, day).await?.plan.time_zone.clone();
        let tz_name = tz.iana_name().unwrap_or("UTC").to_owned();
        let mut out: Vec<StoredApproval> = Vec::with_capacity(items.len());
        let mut affected = Vec::new();
        for item in items {
            let parse = |name: &str, v: &str| {
                parse_local(v, TIME_FORMATS, &tz).ok_or_else(|| {
                    Error::Invalid(format!("{}.{name} must be yyyy-MM-dd HH:mm:ss, got {v:?}", item.field))
                })
            };
            let (mut start_at, mut end_at) =
                (parse("start_time", &item.start_time)?, parse("end_time", &item.end_time)?);
            if end_at < start_at {
                return Err(Error::Invalid(format!("{}.end_time must not be before start_time", item.field)));
            }
            if item.kind == ApprovalKind::Trip {
                start_at = day_start(&tz, local_day(start_at, &tz));
                end_at = day_start(&tz, add_days(local_day(end_at, &tz), 1));
            }
            if let Some(key) = &item.idempotent_id {
                if let Some(prev) = out.iter().find(|a| {
                    a.kind == item.kind && a.body.get("idempotent_id").and_then(Value::as_str) == Some(key.as_str())
                }) {
                    out.push(prev.clone());
                    continue;
                }
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM approvals WHERE tenant_id = $1 AND kind = $2 AND idempotent_id = $3"
                )))
                .bind(tenant_id)
                .bind(item.kind.as_str())
                .bind(key)
                .fetch_optional(&mut *w.tx)
                .await?;
                if let Some(r) = row {
                    out.push(approval_from_row(&r)?);
                    continue;
                }
            }
            let approval_id = self.next_id();
            let mut body = item.body;
            if let Value::Object(m) = &mut body {
                m.insert("approval_id".into(), Value::String(approval_id.to_string()));
                if matches!(item.kind, ApprovalKind::Leave | ApprovalKind::Out | ApprovalKind::Trip) {
                    for f in ["approve_pass_time", "approve_apply_time"] {
                        if m.get(f).and_then(Value::as_str).is_none_or(str::is_empty) {
                            m.insert(f.into(), Value::String(format_second(now, &tz)));
                        }
                    }
                }
            }
            let stored = StoredApproval {
                approval_id,
                person_id: person.id,
                kind: item.kind,
                approval_date: date,
                start_at,
                end_at,
                status: STATUS_APPROVED as i32,
                time_zone: tz_name.clone(),
                body,
                created_at: now,
                updated_at: now,
            };
            sqlx::query(
                "INSERT INTO approvals (approval_id, tenant_id, person_id, kind, approval_date, start_at, end_at, \
                 status, time_zone, idempotent_id, body, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(approval_id)
            .bind(tenant_id)
            .bind(person.id)
            .bind(item.kind.as_str())
            .bind(date)
            .bind(start_at)
            .bind(end_at)
            .bind(stored.status)
            .bind(&tz_name)
            .bind(item.idempotent_id.as_deref())
            .bind(stored.body.to_string())
            .bind(now)
            .bind(now)
            .execute(&mut *w.tx)
            .await?;
            if item.kind != ApprovalKind::Overtime {
                affected.push(affected_days(person.id, &stored));
            }
            out.push(stored);
        }
        self.recompute(&mut w.tx, tenant_id, &affected, now).await?;
        w.commit().await?;
        Ok((person, tz_name, out))
    }

    /// Approvals of the given people in `status` overlapping days `from..=to` (each in its own
    /// time zone). Leaves and overtime works are returned only for status 2 and 3 (as documented
    /// upstream); outs and trips for every status.
    pub async fn approvals_of(
        &self,
        person_ids: &[i64],
        from: i32,
        to: i32,
        status: i32,
    ) -> Result<Vec<StoredApproval>> {
        if person_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = person_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let utc = jiff::tz::TimeZone::UTC;
        let lo = day_start(&utc, add_days(from, -1));
        let hi = day_start(&utc, add_days(to, 2));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM approvals WHERE person_id IN ({list}) AND status = $1 AND start_at <= $2 \
             AND end_at >= $3 ORDER BY start_at, approval_id"
        )))
        .bind(status)
        .bind(hi)
        .bind(lo)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let a = approval_from_row(r)?;
            if matches!(a.kind, ApprovalKind::Leave | ApprovalKind::Overtime) && !matches!(status, 2 | 3) {
                continue;
            }
            let tz = zone(&a.time_zone);
            let (lo, hi) = (day_start(&tz, from), day_start(&tz, add_days(to, 1)));
            if a.start_at < hi && (a.end_at > lo || a.start_at >= lo) {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// Every approval of a person overlapping one attendance day (for `daka explain`).
    pub async fn approvals_on_day(&self, person_id: i64, day: i32) -> Result<Vec<StoredApproval>> {
        let mut out = Vec::new();
        for status in [0, 1, 2, 3, 4] {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM approvals WHERE person_id = $1 AND status = $2 ORDER BY start_at"
            )))
            .bind(person_id)
            .bind(status)
            .fetch_all(self.pool())
            .await?;
            for r in &rows {
                let a = approval_from_row(r)?;
                let tz = zone(&a.time_zone);
                let (lo, hi) = (day_start(&tz, day), day_start(&tz, add_days(day, 1)));
                if a.start_at < hi && (a.end_at > lo || a.start_at >= lo) {
                    out.push(a);
                }
            }
        }
        out.sort_by_key(|a| (a.start_at, a.approval_id));
        Ok(out)
    }

    /// `approval_infos/process`: moves an approval of `approval_type` to `status`. Remedies: see
    /// [`crate::remedies`]; leaves, outs, trips and overtime works: only 2 → 4 (revoked), which
    /// restores the results. Returns the new status.
    pub async fn process_approval(
        &self,
        tenant_id: i64,
        approval_id: i64,
        approval_type: &str,
        status: i64,
        now: i64,
    ) -> Result<i32> {
        if approval_type == "remedy" {
            return Ok(self.process_remedy(tenant_id, approval_id, status, now).await?.status);
        }
        let kind = ApprovalKind::parse(approval_type).ok_or_else(|| {
            Error::Invalid(format!("approval_type must be leave, out, overtime, trip or remedy, got {approval_type:?}"))
        })?;
        let mut w = self.write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM approvals WHERE tenant_id = $1 AND approval_id = $2 AND kind = $3"
        )))
        .bind(tenant_id)
        .bind(approval_id)
        .bind(kind.as_str())
        .fetch_optional(&mut *w.tx)
        .await?;
        let a = row
            .as_ref()
            .map(approval_from_row)
            .transpose()?
            .ok_or_else(|| Error::NotFound(format!("{} approval {approval_id}", kind.as_str())))?;
        let from = i64::from(a.status);
        if !(from == STATUS_APPROVED && status == STATUS_WITHDRAWN) {
            return Err(Error::Invalid(transition_refused(kind.as_str(), approval_id, from, status)));
        }
        let changed =
            sqlx::query("UPDATE approvals SET status = $1, updated_at = $2 WHERE approval_id = $3 AND status = $4")
                .bind(status)
                .bind(now)
                .bind(approval_id)
                .bind(from)
                .execute(&mut *w.tx)
                .await?
                .rows_affected();
        if changed != 1 {
            return Err(Error::Invalid(transition_refused(kind.as_str(), approval_id, from, status)));
        }
        if kind != ApprovalKind::Overtime {
            self.recompute(&mut w.tx, tenant_id, &[affected_days(a.person_id, &a)], now).await?;
        }
        w.commit().await?;
        Ok(status as i32)
    }
}

/// Days whose results an absence can change: its local days, the two before (a day's windows
/// reach up to D+2 16:00) and the one after (windows open up to 12 h early).
fn affected_days(person_id: i64, a: &StoredApproval) -> (i64, i32, i32) {
    let tz = zone(&a.time_zone);
    (person_id, add_days(local_day(a.start_at, &tz), -2), add_days(local_day(a.end_at, &tz), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_messages_name_both_statuses() {
        let m = transition_refused("leave", 7, 2, 1);
        assert!(m.contains("from 2 (approved) to 1 (rejected)"), "{m}");
        let m = transition_refused("remedy", 7, 1, 2);
        assert!(m.contains("from 1 (rejected) to 2 (approved)"), "{m}");
    }
}
