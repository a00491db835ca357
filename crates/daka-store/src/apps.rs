//! Tenants, self-built apps, their scopes and access tokens.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::ids::random_hex;
use crate::{Error, Result, Store};

/// Lifetime of an access token, seconds (2 h).
pub const TOKEN_LIFETIME: i64 = 7200;
/// A token request when less than this remains issues a new token (30 min).
pub const TOKEN_RENEW_BEFORE: i64 = 1800;

/// The scopes of daka's bootstrap app: every attendance scope and the contact scopes daka serves.
pub const DEFAULT_SCOPES: &[&str] = &[
    "attendance:task",
    "attendance:task:readonly",
    "attendance:rule",
    "attendance:rule:readonly",
    "contact:contact",
    "contact:user.base:readonly",
    "contact:user.employee_id:readonly",
];

/// A tenant (company).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Internal id.
    pub id: i64,
    /// Feishu `tenant_key`, 16 hex digits.
    pub tenant_key: String,
    /// Display name.
    pub name: String,
}

/// A self-built app of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// `cli_` + 16 hex digits.
    pub app_id: String,
    /// Owning tenant.
    pub tenant_id: i64,
    /// Display name.
    pub name: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
}

/// Which token endpoint issued a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `tenant_access_token`, `t-…`: accepted on every API.
    Tenant,
    /// `app_access_token`, `a-…`.
    App,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Tenant => "tenant",
            TokenKind::App => "app",
        }
    }
    fn prefix(self) -> &'static str {
        match self {
            TokenKind::Tenant => "t-",
            TokenKind::App => "a-",
        }
    }
}

/// An issued token and its remaining life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The bearer token.
    pub token: String,
    /// Seconds until it expires.
    pub expire: i64,
}

/// Who a valid bearer token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The app.
    pub app_id: String,
    /// The app's tenant.
    pub tenant_id: i64,
    /// The tenant's key.
    pub tenant_key: String,
    /// The app's scopes.
    pub scopes: Vec<String>,
    /// Token expiry, Unix seconds.
    pub expires_at: i64,
}

/// A newly created app with its secret, shown once.
#[derive(Debug, Clone)]
pub struct NewApp {
    /// The app.
    pub app: App,
    /// The plain secret; only its salted hash is stored.
    pub secret: String,
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// Checks the Feishu app id shape `cli_` + 16 hex digits.
pub fn valid_app_id(app_id: &str) -> bool {
    app_id.len() == 20 && app_id.starts_with("cli_") && app_id[4..].bytes().all(|b| b.is_ascii_hexdigit())
}

impl Store {
    /// Creates a tenant.
    pub async fn create_tenant(&self, name: &str, now: i64) -> Result<Tenant> {
        let tenant = Tenant { id: self.next_id(), tenant_key: random_hex(8), name: name.to_owned() };
        let mut w = self.write().await?;
        sqlx::query("INSERT INTO tenants (id, tenant_key, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(tenant.id)
            .bind(&tenant.tenant_key)
            .bind(&tenant.name)
            .bind(now)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(tenant)
    }

    /// The first tenant, created with `name` when there is none — once, even when several
    /// processes start at the same moment on one PostgreSQL database.
    pub async fn first_tenant_or_create(&self, name: &str, now: i64) -> Result<Tenant> {
        /// Advisory-lock key of bootstrap (person ids, also used as lock keys, have 19 digits).
        const BOOTSTRAP_LOCK: i64 = 1;
        let mut w = self.write().await?;
        self.lock_people(&mut w.tx, &[BOOTSTRAP_LOCK]).await?;
        let row = sqlx::query("SELECT id, tenant_key, name FROM tenants ORDER BY created_at, id LIMIT 1")
            .fetch_optional(&mut *w.tx)
            .await?;
        let tenant = match row {
            Some(r) => Tenant { id: r.try_get(0)?, tenant_key: r.try_get(1)?, name: r.try_get(2)? },
            None => {
                let tenant = Tenant { id: self.next_id(), tenant_key: random_hex(8), name: name.to_owned() };
                sqlx::query("INSERT INTO tenants (id, tenant_key, name, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(tenant.id)
                    .bind(&tenant.tenant_key)
                    .bind(&tenant.name)
                    .bind(now)
                    .execute(&mut *w.tx)
                    .await?;
                tenant
            }
        };
        w.commit().await?;
        Ok(tenant)
    }

    /// Every tenant, oldest first.
    pub async fn tenants(&self) -> Result<Vec<Tenant>> {
        let rows = sqlx::query("SELECT id, tenant_key, name FROM tenants ORDER BY created_at, id")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(Tenant { id: r.try_get(0)?, tenant_key: r.try_get(1)?, name: r.try_get(2)? })).collect()
    }

    /// Finds a tenant by internal id or tenant_key.
    pub async fn tenant(&self, id_or_key: &str) -> Result<Tenant> {
        let all = self.tenants().await?;
        all.into_iter()
            .find(|t| t.tenant_key == id_or_key || t.id.to_string() == id_or_key)
            .ok_or_else(|| Error::NotFound(format!("tenant {id_or_key}")))
    }

    /// Creates an app for `tenant_id`. `app_id` and `secret` are generated unless given.
    pub async fn create_app(
        &self,
        tenant_id: i64,
        name: &str,
        scopes: &[String],
        app_id: Option<&str>,
        secret: Option<&str>,
        now: i64,
    ) -> Result<NewApp> {
        let app_id = app_id.map(str::to_owned).unwrap_or_else(|| format!("cli_{}", random_hex(8)));
        if !valid_app_id(&app_id) {
            return Err(Error::Invalid(format!("app_id {app_id:?} must be cli_ followed by 16 hex digits")));
        }
        let secret = secret.map(str::to_owned).unwrap_or_else(|| random_hex(16));
        if secret.len() < 8 {
            return Err(Error::Invalid("app_secret must have at least 8 characters".into()));
        }
        let salt = random_hex(16);
        let hash = sha256_hex(&[salt.as_bytes(), secret.as_bytes()]);
        let mut w = self.write().await?;
        let exists =
            sqlx::query("SELECT 1 FROM apps WHERE app_id = $1").bind(&app_id).fetch_optional(&mut *w.tx).await?;
        if exists.is_some() {
            return Err(Error::Conflict { field: "app_id", value: app_id });
        }
        let inserted = sqlx::query(
            "INSERT INTO apps (app_id, tenant_id, name, secret_salt, secret_hash, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&app_id)
        .bind(tenant_id)
        .bind(name)
        .bind(&salt)
        .bind(&hash)
        .bind(scopes.join(" "))
        .bind(now)
        .execute(&mut *w.tx)
        .await;
        if let Err(sqlx::Error::Database(e)) = &inserted {
            if e.is_unique_violation() {
                return Err(Error::Conflict { field: "app_id", value: app_id });
            }
        }
        inserted?;
        w.commit().await?;
        Ok(NewApp { app: App { app_id, tenant_id, name: name.to_owned(), scopes: scopes.to_vec() }, secret })
    }

    /// Every app, oldest first.
    pub async fn apps(&self) -> Result<Vec<App>> {
        let rows = sqlx::query("SELECT app_id, tenant_id, name, scopes FROM apps ORDER BY created_at, app_id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let scopes: String = r.try_get(3)?;
                Ok(App {
                    app_id: r.try_get(0)?,
                    tenant_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                    scopes: scopes.split_whitespace().map(str::to_owned).collect(),
                })
            })
            .collect()
    }

    /// Replaces an app's scopes.
    pub async fn set_app_scopes(&self, app_id: &str, scopes: &[String]) -> Result<()> {
        let mut w = self.write().await?;
        let done = sqlx::query("UPDATE apps SET scopes = $1 WHERE app_id = $2")
            .bind(scopes.join(" "))
            .bind(app_id)
            .execute(&mut *w.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!("app {app_id}")));
        }
        w.commit().await
    }

    /// Issues an access token for app credentials: the current token when at least 30 minutes
    /// remain, otherwise a new one (the old one stays valid until its own expiry).
    pub async fn issue_token(&self, app_id: &str, secret: &str, kind: TokenKind, now: i64) -> Result<IssuedToken> {
        let row = sqlx::query("SELECT secret_salt, secret_hash FROM apps WHERE app_id = $1")
            .bind(app_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(Error::BadCredentials)?;
        let salt: String = row.try_get(0)?;
        let hash: String = row.try_get(1)?;
        if sha256_hex(&[salt.as_bytes(), secret.as_bytes()]) != hash {
            return Err(Error::BadCredentials);
        }
        let key = self.token_key().await?;
        let current = sqlx::query(
            "SELECT issued_at, expires_at FROM access_tokens WHERE app_id = $1 AND kind = $2 \
             ORDER BY issued_at DESC LIMIT 1",
        )
        .bind(app_id)
        .bind(kind.as_str())
        .fetch_optional(self.pool())
        .await?;
        if let Some(row) = current {
            let issued_at: i64 = row.try_get(0)?;
            let expires_at: i64 = row.try_get(1)?;
            if expires_at - now >= TOKEN_RENEW_BEFORE {
                return Ok(IssuedToken {
                    token: derive_token(&key, app_id, kind, issued_at),
                    expire: expires_at - now,
                });
            }
        }
        let token = derive_token(&key, app_id, kind, now);
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO access_tokens (token_hash, app_id, kind, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(sha256_hex(&[token.as_bytes()]))
        .bind(app_id)
        .bind(kind.as_str())
        .bind(now)
        .bind(now + TOKEN_LIFETIME)
        .execute(&mut *w.tx)
        .await?;
        sqlx::query("DELETE FROM access_tokens WHERE expires_at < $1").bind(now - 86_400).execute(&mut *w.tx).await?;
        w.commit().await?;
        Ok(IssuedToken { token, expire: TOKEN_LIFETIME })
    }

    /// Resolves a bearer token to its caller, if it is a tenant token that has not expired.
    pub async fn caller_for_token(&self, token: &str, now: i64) -> Result<Option<Caller>> {
        let row = sqlx::query(
            "SELECT a.app_id, a.tenant_id, t.tenant_key, a.scopes, k.expires_at, k.kind \
             FROM access_tokens k JOIN apps a ON a.app_id = k.app_id JOIN tenants t ON t.id = a.tenant_id \
             WHERE k.token_hash = $1",
        )
        .bind(sha256_hex(&[token.as_bytes()]))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let expires_at: i64 = row.try_get(4)?;
        let kind: String = row.try_get(5)?;
        if expires_at <= now || kind != TokenKind::Tenant.as_str() {
            return Ok(None);
        }
        let scopes: String = row.try_get(3)?;
        Ok(Some(Caller {
            app_id: row.try_get(0)?,
            tenant_id: row.try_get(1)?,
            tenant_key: row.try_get(2)?,
            scopes: scopes.split_whitespace().map(str::to_owned).collect(),
            expires_at,
        }))
    }

    async fn token_key(&self) -> Result<String> {
        self.setting_or_init("token_key", || random_hex(32)).await
    }
}

fn derive_token(key: &str, app_id: &str, kind: TokenKind, issued_at: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(format!("{app_id}\n{}\n{issued_at}", kind.as_str()).as_bytes());
    let tag = hex::encode(mac.finalize().into_bytes());
    format!("{}{}", kind.prefix(), &tag[..40])
}
