//! Event subscriptions: which apps receive which event types, and where (a webhook URL, or only
//! the long connection).

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::events::{USER_FLOW_CREATED, USER_TASK_UPDATED};
use crate::{Error, Result, Store};

/// Every event type daka emits; the default subscription.
pub const ALL_EVENT_TYPES: &[&str] = &[USER_FLOW_CREATED, USER_TASK_UPDATED];

/// An app's event subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The app.
    pub app_id: String,
    /// The app's tenant.
    pub tenant_id: i64,
    /// The tenant's key (`header.tenant_key`).
    pub tenant_key: String,
    /// Webhook request URL; `None` when the app only uses the long connection.
    pub url: Option<String>,
    /// Verification Token, sent as `header.token`.
    pub verification_token: String,
    /// Encrypt Key; empty when events go out in plain JSON.
    pub encrypt_key: String,
    /// Subscribed event types.
    pub event_types: Vec<String>,
    /// Last event record already fanned out into deliveries for this app.
    pub fanout_seq: i64,
}

/// What to store for a subscription.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionSpec {
    /// Webhook request URL, or `None` for long connection only.
    pub url: Option<String>,
    /// Verification Token.
    pub verification_token: String,
    /// Encrypt Key (empty for none).
    pub encrypt_key: String,
    /// Event types; empty means every type daka emits.
    pub event_types: Vec<String>,
}

const SELECT: &str = "SELECT s.app_id, a.tenant_id, t.tenant_key, s.url, s.verification_token, s.encrypt_key, \
                      s.event_types, s.fanout_seq FROM event_subscriptions s \
                      JOIN apps a ON a.app_id = s.app_id JOIN tenants t ON t.id = a.tenant_id";

fn from_row(r: &AnyRow) -> Result<Subscription> {
    let types: String = r.try_get(6)?;
    Ok(Subscription {
        app_id: r.try_get(0)?,
        tenant_id: r.try_get(1)?,
        tenant_key: r.try_get(2)?,
        url: r.try_get(3)?,
        verification_token: r.try_get(4)?,
        encrypt_key: r.try_get(5)?,
        event_types: types.split_whitespace().map(str::to_owned).collect(),
        fanout_seq: r.try_get(7)?,
    })
}

impl Store {
    /// Creates or replaces an app's subscription. A new subscription receives the events recorded
    /// from now on; replacing one keeps its place in the outbox.
    pub async fn set_subscription(&self, app_id: &str, spec: &SubscriptionSpec, now: i64) -> Result<Subscription> {
        let mut types: Vec<String> =
            spec.event_types.iter().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
        if types.is_empty() {
            types = ALL_EVENT_TYPES.iter().map(|t| t.to_string()).collect();
        }
        if let Some(bad) = types.iter().find(|t| !ALL_EVENT_TYPES.contains(&t.as_str())) {
            return Err(Error::Invalid(format!(
                "unknown event type {bad:?}: daka emits {}",
                ALL_EVENT_TYPES.join(", ")
            )));
        }
        if let Some(url) = &spec.url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Error::Invalid(format!("request URL {url:?} must start with http:// or https://")));
            }
        }
        let mut w = self.write().await?;
        let tenant: Option<AnyRow> =
            sqlx::query("SELECT tenant_id FROM apps WHERE app_id = $1").bind(app_id).fetch_optional(&mut *w.tx).await?;
        let Some(tenant) = tenant else { return Err(Error::NotFound(format!("app {app_id}"))) };
        let tenant_id: i64 = tenant.try_get(0)?;
        let max: Option<AnyRow> = sqlx::query("SELECT MAX(seq) FROM event_records WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_optional(&mut *w.tx)
            .await?;
        let start: i64 = max.and_then(|r| r.try_get::<Option<i64>, _>(0).ok().flatten()).unwrap_or(0);
        sqlx::query(
            "INSERT INTO event_subscriptions (app_id, url, verification_token, encrypt_key, event_types, fanout_seq, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (app_id) DO UPDATE SET url = excluded.url, verification_token = excluded.verification_token, \
             encrypt_key = excluded.encrypt_key, event_types = excluded.event_types, updated_at = excluded.updated_at",
        )
        .bind(app_id)
        .bind(spec.url.as_deref())
        .bind(&spec.verification_token)
        .bind(&spec.encrypt_key)
        .bind(types.join(" "))
        .bind(start)
        .bind(now)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        self.subscription(app_id).await?.ok_or_else(|| Error::NotFound(format!("app {app_id}")))
    }

    /// An app's subscription, if any.
    pub async fn subscription(&self, app_id: &str) -> Result<Option<Subscription>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE s.app_id = $1")))
            .bind(app_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every subscription.
    pub async fn subscriptions(&self) -> Result<Vec<Subscription>> {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY s.app_id"))).fetch_all(self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    /// Removes an app's subscription; its pending deliveries are marked failed. Returns whether
    /// there was one.
    pub async fn clear_subscription(&self, app_id: &str, now_ms: i64) -> Result<bool> {
        let mut w = self.write().await?;
        let done =
            sqlx::query("DELETE FROM event_subscriptions WHERE app_id = $1").bind(app_id).execute(&mut *w.tx).await?;
        sqlx::query(
            "UPDATE event_deliveries SET state = 'failed', last_error = 'subscription cleared', claimed_by = NULL, \
             claimed_until_ms = NULL, next_attempt_ms = $2 WHERE app_id = $1 AND state = 'pending'",
        )
        .bind(app_id)
        .bind(now_ms)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Checks app credentials without issuing a token (long-connection discovery). Returns the
    /// app's tenant id.
    pub async fn check_app_secret(&self, app_id: &str, secret: &str) -> Result<i64> {
        let row = sqlx::query("SELECT secret_salt, secret_hash, tenant_id FROM apps WHERE app_id = $1")
            .bind(app_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(Error::BadCredentials)?;
        let salt: String = row.try_get(0)?;
        let hash: String = row.try_get(1)?;
        let mut h = Sha256::new();
        h.update(salt.as_bytes());
        h.update(secret.as_bytes());
        if hex::encode(h.finalize()) != hash {
            return Err(Error::BadCredentials);
        }
        Ok(row.try_get(2)?)
    }
}
