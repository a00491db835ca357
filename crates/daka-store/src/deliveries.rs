//! Event deliveries: one row per (subscribed app, event record), claimed by delivery workers with
//! a lease so several processes can share the work, retried on a schedule, then marked failed.
//!
//! Fan-out from the outbox (`event_records`) to deliveries happens here, after the change's
//! transaction, driven by a per-subscription cursor (`fanout_seq`) that advances in the same
//! transaction as the deliveries it creates: a crash at any point either keeps the cursor (and the
//! next pass redoes the work) or keeps both.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Backend, Result, Store};

/// Delivery state: waiting for a (first or next) attempt.
pub const PENDING: &str = "pending";
/// Delivery state: the receiver acknowledged it.
pub const DELIVERED: &str = "delivered";
/// Delivery state: every attempt failed (or the subscription went away).
pub const FAILED: &str = "failed";

/// Same layout as [`crate::ids::IdGenerator`]: ids are milliseconds since 2020 shifted by 22 bits.
const ID_EPOCH_MS: i64 = 1_577_836_800_000;
const ID_OFFSET: i64 = 6_000_000_000_000_000_000;

/// On PostgreSQL writers commit concurrently, so an event record with a smaller seq can become
/// visible after a larger one. Fan-out only passes records whose seq (a time-ordered id) is older
/// than this, so a transaction would have to stay open this long to be skipped.
const POSTGRES_SETTLE_MS: i64 = 2_000;

/// A delivery as listed by operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Delivery id.
    pub id: i64,
    /// Receiving app.
    pub app_id: String,
    /// Event record position.
    pub seq: i64,
    /// `header.event_id`, if the record still exists.
    pub event_id: Option<String>,
    /// Event type, if the record still exists.
    pub event_type: Option<String>,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// Next attempt (ms) when pending.
    pub next_attempt_ms: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// `webhook` or `ws`, once delivered.
    pub channel: Option<String>,
    /// When the delivery was created (ms).
    pub created_ms: i64,
    /// When it was delivered (ms).
    pub delivered_ms: Option<i64>,
}

/// A claimed delivery, with what is needed to build its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    /// Delivery id.
    pub id: i64,
    /// Receiving app.
    pub app_id: String,
    /// Attempts made before this one.
    pub attempts: i64,
    /// `header.event_id`; `None` when the record was deleted.
    pub event_id: Option<String>,
    /// `header.event_type`.
    pub event_type: String,
    /// `header.create_time` (ms).
    pub created_ms: i64,
    /// The `event` body, JSON text.
    pub payload: String,
    /// `header.tenant_key`.
    pub tenant_key: String,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Acknowledged over `channel` (`webhook` or `ws`).
    Delivered(&'static str),
    /// Failed; retried per schedule, then failed for good.
    Failed(String),
}

/// Smallest id generated at `ms` (Unix milliseconds).
fn id_floor_at(ms: i64) -> i64 {
    ID_OFFSET + ((ms - ID_EPOCH_MS).max(0) << 22)
}

fn delivery_from_row(r: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: r.try_get(0)?,
        app_id: r.try_get(1)?,
        seq: r.try_get(2)?,
        event_id: r.try_get(3)?,
        event_type: r.try_get(4)?,
        state: r.try_get(5)?,
        attempts: r.try_get(6)?,
        next_attempt_ms: r.try_get(7)?,
        last_error: r.try_get(8)?,
        channel: r.try_get(9)?,
        created_ms: r.try_get(10)?,
        delivered_ms: r.try_get(11)?,
    })
}

impl Store {
    /// Removes what event delivery no longer needs, issued before `before_ms` (by the ids' clock):
    /// delivered deliveries, then event records that every subscription of their tenant has
    /// fanned out and that no remaining delivery refers to (pending ones wait for their attempt,
    /// failed ones for an operator's redelivery). At most `limit` rows of each, in one
    /// transaction. Returns (deliveries, event records) removed.
    pub async fn prune_events(&self, before_ms: i64, limit: i64) -> Result<(u64, u64)> {
        let floor = id_floor_at(before_ms);
        let mut w = self.write().await?;
        let deliveries = sqlx::query(
            "DELETE FROM event_deliveries WHERE id IN \
             (SELECT id FROM event_deliveries WHERE id < $1 AND state = $2 ORDER BY id LIMIT $3)",
        )
        .bind(floor)
        .bind(DELIVERED)
        .bind(limit)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        let records = sqlx::query(
            "DELETE FROM event_records WHERE seq IN (SELECT e.seq FROM event_records e WHERE e.seq < $1 \
             AND NOT EXISTS (SELECT 1 FROM event_subscriptions s JOIN apps a ON a.app_id = s.app_id \
                             WHERE a.tenant_id = e.tenant_id AND s.fanout_seq < e.seq) \
             AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.seq = e.seq) \
             ORDER BY e.seq LIMIT $2)",
        )
        .bind(floor)
        .bind(limit)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        w.commit().await?;
        Ok((deliveries, records))
    }

    /// Turns new event records into deliveries for every subscription, at most `limit` records
    /// per subscription. Returns how many deliveries were created.
    pub async fn fan_out(&self, now_ms: i64, limit: i64) -> Result<usize> {
        let subs = sqlx::query(
            "SELECT s.app_id, a.tenant_id, s.fanout_seq, s.event_types FROM event_subscriptions s \
             JOIN apps a ON a.app_id = s.app_id ORDER BY s.app_id",
        )
        .fetch_all(self.pool())
        .await?;
        let cutoff = match self.backend() {
            Backend::Sqlite => i64::MAX,
            Backend::Postgres => {
                // A writer that is still open (e.g. waiting for another process's lock on a
                // person) may yet commit records with seqs from its start on: stop before them.
                let oldest: Option<i64> = sqlx::query(
                    "SELECT CAST(FLOOR(EXTRACT(EPOCH FROM MIN(xact_start)) * 1000) AS BIGINT) \
                     FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL \
                     AND pid <> pg_backend_pid()",
                )
                .fetch_one(self.pool())
                .await?
                .try_get(0)?;
                id_floor_at(oldest.unwrap_or(now_ms).min(now_ms) - POSTGRES_SETTLE_MS)
            }
        };
        let mut created = 0;
        for s in &subs {
            let app_id: String = s.try_get(0)?;
            let tenant_id: i64 = s.try_get(1)?;
            let from: i64 = s.try_get(2)?;
            let types: String = s.try_get(3)?;
            let types: Vec<&str> = types.split_whitespace().collect();
            // Cheap check outside the writer gate first.
            let any =
                sqlx::query("SELECT seq FROM event_records WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 LIMIT 1")
                    .bind(tenant_id)
                    .bind(from)
                    .bind(cutoff)
                    .fetch_optional(self.pool())
                    .await?;
            if any.is_none() {
                continue;
            }
            let mut w = self.write().await?;
            let rows = sqlx::query(
                "SELECT seq, event_type FROM event_records WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 \
                 ORDER BY seq LIMIT $4",
            )
            .bind(tenant_id)
            .bind(from)
            .bind(cutoff)
            .bind(limit)
            .fetch_all(&mut *w.tx)
            .await?;
            let Some(last) = rows.last() else { continue };
            let last: i64 = last.try_get(0)?;
            let moved =
                sqlx::query("UPDATE event_subscriptions SET fanout_seq = $1 WHERE app_id = $2 AND fanout_seq = $3")
                    .bind(last)
                    .bind(&app_id)
                    .bind(from)
                    .execute(&mut *w.tx)
                    .await?;
            if moved.rows_affected() == 0 {
                // Another process fanned these out (or the subscription changed): skip.
                continue;
            }
            let mut values = Vec::with_capacity(rows.len());
            for r in &rows {
                let seq: i64 = r.try_get(0)?;
                let event_type: String = r.try_get(1)?;
                if types.contains(&event_type.as_str()) {
                    values.push(format!("({}, $1, {seq}, 'pending', 0, {now_ms}, {now_ms})", self.next_id()));
                }
            }
            for chunk in values.chunks(200) {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO event_deliveries (id, app_id, seq, state, attempts, next_attempt_ms, created_ms) \
                     VALUES {} ON CONFLICT (app_id, seq) DO NOTHING",
                    chunk.join(", ")
                )))
                .bind(&app_id)
                .execute(&mut *w.tx)
                .await?;
            }
            w.commit().await?;
            created += values.len();
        }
        Ok(created)
    }

    /// Claims up to `limit` due pending deliveries for `claim` (a token unique to this claim)
    /// until `now_ms + lease_ms`, and returns them with their event records.
    pub async fn claim_deliveries(
        &self,
        claim: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>> {
        let due = "state = 'pending' AND next_attempt_ms <= $3 AND (claimed_until_ms IS NULL OR claimed_until_ms < $3)";
        // On PostgreSQL, rows another process is claiming right now are skipped rather than
        // waited for (the re-checked `due` condition alone would already stop a double claim).
        let skip_locked = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // Cheap read first, so an idle worker does not take the writer gate on every poll.
        let any = sqlx::query(
            "SELECT id FROM event_deliveries WHERE state = 'pending' AND next_attempt_ms <= $1 \
             AND (claimed_until_ms IS NULL OR claimed_until_ms < $1) LIMIT 1",
        )
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?;
        if any.is_none() {
            return Ok(Vec::new());
        }
        let mut w = self.write().await?;
        let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE event_deliveries SET claimed_by = $1, claimed_until_ms = $2 WHERE {due} AND id IN \
             (SELECT id FROM event_deliveries WHERE {due} ORDER BY next_attempt_ms, id LIMIT $4{skip_locked})"
        )))
        .bind(claim)
        .bind(now_ms + lease_ms)
        .bind(now_ms)
        .bind(limit)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        if claimed.rows_affected() == 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT d.id, d.app_id, d.attempts, e.event_id, e.event_type, e.created_ms, e.payload, t.tenant_key \
             FROM event_deliveries d JOIN apps a ON a.app_id = d.app_id JOIN tenants t ON t.id = a.tenant_id \
             LEFT JOIN event_records e ON e.seq = d.seq WHERE d.claimed_by = $1 ORDER BY d.seq",
        )
        .bind(claim)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DueDelivery {
                    id: r.try_get(0)?,
                    app_id: r.try_get(1)?,
                    attempts: r.try_get::<i64, _>(2)?,
                    event_id: r.try_get(3)?,
                    event_type: r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
                    created_ms: r.try_get::<Option<i64>, _>(5)?.unwrap_or_default(),
                    payload: r.try_get::<Option<String>, _>(6)?.unwrap_or_default(),
                    tenant_key: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// Records the outcomes of claimed deliveries. A failure after attempt `n` is retried after
    /// `retry_ms[n-1]`, and marked failed once the schedule is exhausted.
    pub async fn finish_deliveries(
        &self,
        claim: &str,
        outcomes: &[(DueDelivery, Outcome)],
        now_ms: i64,
        retry_ms: &[i64],
    ) -> Result<()> {
        let mut w = self.write().await?;
        for (channel, ids) in ["webhook", "ws"].map(|c| {
            let ids: Vec<String> =
                outcomes.iter().filter(|(_, o)| *o == Outcome::Delivered(c)).map(|(d, _)| d.id.to_string()).collect();
            (c, ids)
        }) {
            for chunk in ids.chunks(500) {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE event_deliveries SET state = 'delivered', attempts = attempts + 1, channel = $1, \
                     delivered_ms = $2, last_error = NULL, claimed_by = NULL, claimed_until_ms = NULL \
                     WHERE claimed_by = $3 AND id IN ({})",
                    chunk.join(", ")
                )))
                .bind(channel)
                .bind(now_ms)
                .bind(claim)
                .execute(&mut *w.tx)
                .await?;
            }
        }
        for (d, o) in outcomes {
            let Outcome::Failed(error) = o else { continue };
            let done = d.attempts + 1;
            let (state, next) = match retry_ms.get((done - 1) as usize) {
                Some(delay) if d.event_id.is_some() => (PENDING, now_ms + delay),
                _ => (FAILED, now_ms),
            };
            let mut error = error.clone();
            error.truncate(500);
            sqlx::query(
                "UPDATE event_deliveries SET state = $1, attempts = $2, next_attempt_ms = $3, last_error = $4, \
                 claimed_by = NULL, claimed_until_ms = NULL WHERE id = $5 AND claimed_by = $6",
            )
            .bind(state)
            .bind(done)
            .bind(next)
            .bind(error)
            .bind(d.id)
            .bind(claim)
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await
    }

    /// Releases every claim (start-up of a single-process SQLite deployment, whose previous
    /// process may have died holding claims). Returns how many were released.
    pub async fn release_delivery_claims(&self) -> Result<u64> {
        let mut w = self.write().await?;
        let done = sqlx::query(
            "UPDATE event_deliveries SET claimed_by = NULL, claimed_until_ms = NULL WHERE claimed_by IS NOT NULL",
        )
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(done.rows_affected())
    }

    /// Deliveries, newest first; only failed ones when `failed_only`.
    pub async fn deliveries(&self, failed_only: bool, limit: i64) -> Result<Vec<Delivery>> {
        let filter = if failed_only { "WHERE d.state = 'failed'" } else { "" };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT d.id, d.app_id, d.seq, e.event_id, e.event_type, d.state, d.attempts, d.next_attempt_ms, \
             d.last_error, d.channel, d.created_ms, d.delivered_ms FROM event_deliveries d \
             LEFT JOIN event_records e ON e.seq = d.seq {filter} ORDER BY d.id DESC LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    /// Counts deliveries by state: (pending, delivered, failed).
    pub async fn delivery_counts(&self) -> Result<(i64, i64, i64)> {
        let rows =
            sqlx::query("SELECT state, COUNT(*) FROM event_deliveries GROUP BY state").fetch_all(self.pool()).await?;
        let mut counts = (0, 0, 0);
        for r in &rows {
            let state: String = r.try_get(0)?;
            let n: i64 = r.try_get(1)?;
            match state.as_str() {
                PENDING => counts.0 = n,
                DELIVERED => counts.1 = n,
                _ => counts.2 += n,
            }
        }
        Ok(counts)
    }

    /// Queues a delivery again (any state), with a fresh retry schedule. Returns whether it exists.
    pub async fn redeliver(&self, id: i64, now_ms: i64) -> Result<bool> {
        let mut w = self.write().await?;
        let done = sqlx::query(
            "UPDATE event_deliveries SET state = 'pending', attempts = 0, next_attempt_ms = $1, claimed_by = NULL, \
             claimed_until_ms = NULL WHERE id = $2",
        )
        .bind(now_ms)
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Makes an app's pending deliveries due now (its long-connection client just connected).
    pub async fn expedite_deliveries(&self, app_id: &str, now_ms: i64) -> Result<u64> {
        let mut w = self.write().await?;
        let done = sqlx::query(
            "UPDATE event_deliveries SET next_attempt_ms = $1 WHERE app_id = $2 AND state = 'pending' \
             AND next_attempt_ms > $1",
        )
        .bind(now_ms)
        .bind(app_id)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(done.rows_affected())
    }

    /// Queues every failed delivery again. Returns how many.
    pub async fn redeliver_failed(&self, now_ms: i64) -> Result<u64> {
        let mut w = self.write().await?;
        let done = sqlx::query(
            "UPDATE event_deliveries SET state = 'pending', attempts = 0, next_attempt_ms = $1, claimed_by = NULL, \
             claimed_until_ms = NULL WHERE state = 'failed'",
        )
        .bind(now_ms)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(done.rows_affected())
    }
}
