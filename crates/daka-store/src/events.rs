//! The event outbox: event records written in the same transaction as the change that causes
//! them, delivered later (webhook or long connection).

use serde_json::Value;
use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::bulk;
use crate::ids::random_hex;
use crate::{Result, Store};

/// `attendance.user_flow.created_v1`: a punch was created.
pub const USER_FLOW_CREATED: &str = "attendance.user_flow.created_v1";
/// `attendance.user_task.updated_v1`: a result changed.
pub const USER_TASK_UPDATED: &str = "attendance.user_task.updated_v1";

/// An event record to append.
pub(crate) struct NewEvent<'a> {
    /// Tenant whose apps receive it.
    pub tenant_id: i64,
    /// Event type.
    pub event_type: &'a str,
    /// The `event` body, JSON.
    pub payload: String,
}

/// A stored event record.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Position in the outbox (increasing).
    pub seq: i64,
    /// Tenant whose apps receive it.
    pub tenant_id: i64,
    /// Unique id, 32 hex digits; receivers dedupe by it.
    pub event_id: String,
    /// Event type.
    pub event_type: String,
    /// Creation instant, milliseconds.
    pub created_ms: i64,
    /// The `event` body of the schema 2.0 envelope.
    pub payload: Value,
}

/// The `event_id` of the record at `seq`: 32 hex digits, the sequence number's 16 first, so
/// that records written together sit together in the `event_id` index, then 16 random ones.
pub(crate) fn event_id(seq: i64) -> String {
    format!("{seq:016x}{}", random_hex(8))
}

/// The event types some app of a tenant subscribes to. A subscription receives the events
/// recorded from its creation on, so a record of a type nobody subscribes to would reach no one:
/// such records are not written. Read inside the write transaction that records the events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Subscribed(Vec<String>);

impl Subscribed {
    /// Whether some app of the tenant receives `event_type`.
    pub(crate) fn includes(&self, event_type: &str) -> bool {
        self.0.iter().any(|t| t == event_type)
    }
}

/// The event types the apps of `tenant_id` subscribe to.
pub(crate) async fn subscribed(conn: &mut AnyConnection, tenant_id: i64) -> Result<Subscribed> {
    let rows = sqlx::query(
        "SELECT s.event_types FROM event_subscriptions s JOIN apps a ON a.app_id = s.app_id WHERE a.tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_all(conn)
    .await?;
    let mut types = Vec::new();
    for r in &rows {
        let list: String = r.try_get(0)?;
        types.extend(list.split_whitespace().map(str::to_owned));
    }
    types.sort_unstable();
    types.dedup();
    Ok(Subscribed(types))
}

impl Store {
    /// Appends an event record inside `tx`.
    pub(crate) async fn record_event(
        &self,
        tx: &mut Transaction<'static, Any>,
        tenant_id: i64,
        event_type: &str,
        payload: &Value,
        now: i64,
    ) -> Result<()> {
        self.record_events(tx, &[NewEvent { tenant_id, event_type, payload: payload.to_string() }], now).await
    }

    /// Appends event records inside `tx`, in order, with a few multi-row statements; records of
    /// types no app of their tenant subscribes to are left out (see [`Subscribed`]).
    pub(crate) async fn record_events(
        &self,
        tx: &mut Transaction<'static, Any>,
        events: &[NewEvent<'_>],
        now: i64,
    ) -> Result<()> {
        const COLUMNS: usize = 6;
        let mut tenants: Vec<i64> = events.iter().map(|e| e.tenant_id).collect();
        tenants.sort_unstable();
        tenants.dedup();
        let mut audience = Vec::with_capacity(tenants.len());
        for &tenant_id in &tenants {
            audience.push((tenant_id, subscribed(tx, tenant_id).await?));
        }
        let reaches = |e: &NewEvent<'_>| audience.iter().any(|(t, s)| *t == e.tenant_id && s.includes(e.event_type));
        let events: Vec<&NewEvent<'_>> = events.iter().filter(|e| reaches(e)).collect();
        for chunk in events.chunks(bulk::rows_per_statement(COLUMNS)) {
            let sql = format!(
                "INSERT INTO event_records (seq, tenant_id, event_id, event_type, created_ms, payload) VALUES {}",
                bulk::values(self.backend(), chunk.len(), COLUMNS)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for e in chunk {
                let seq = self.next_id();
                q = q
                    .bind(seq)
                    .bind(e.tenant_id)
                    .bind(event_id(seq))
                    .bind(e.event_type)
                    .bind(now.saturating_mul(1000))
                    .bind(e.payload.as_str());
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Event records of a tenant after `after_seq`, oldest first, at most `limit`.
    pub async fn events_after(&self, tenant_id: i64, after_seq: i64, limit: i64) -> Result<Vec<EventRecord>> {
        let rows = sqlx::query(
            "SELECT seq, tenant_id, event_id, event_type, created_ms, payload FROM event_records \
             WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(tenant_id)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let payload: String = r.try_get(5)?;
                Ok(EventRecord {
                    seq: r.try_get(0)?,
                    tenant_id: r.try_get(1)?,
                    event_id: r.try_get(2)?,
                    event_type: r.try_get(3)?,
                    created_ms: r.try_get(4)?,
                    payload: serde_json::from_str(&payload).map_err(|e| crate::Error::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }
}
