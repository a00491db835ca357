//! Connection, migrations and write transactions.

use std::sync::Arc;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::ids::IdGenerator;
use crate::Result;

/// Which database engine a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (one writer at a time, serialized in-process).
    Sqlite,
    /// PostgreSQL server (row locks arbitrate concurrent writers).
    Postgres,
}

/// Handle to daka's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    write_gate: Arc<Mutex<()>>,
    ids: Arc<IdGenerator>,
}

/// A write transaction. On SQLite it also holds the process-wide writer gate so concurrent
/// writers queue instead of failing with SQLITE_BUSY.
pub struct WriteTx {
    /// The open transaction.
    pub tx: Transaction<'static, Any>,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`) and applies pending
    /// migrations.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(crate::Error::Invalid(format!(
                "unsupported database URL {url:?}: use sqlite:// or postgres://"
            )));
        };
        let options = AnyPoolOptions::new().max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        });
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options.connect(url).await?;
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Store { pool, backend, write_gate: Arc::new(Mutex::new(())), ids: Arc::new(IdGenerator::new()) })
    }

    /// The database engine in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A fresh, unique, time-ordered 64-bit id (19 decimal digits).
    pub fn next_id(&self) -> i64 {
        self.ids.next()
    }

    /// Opens a write transaction.
    pub async fn write(&self) -> Result<WriteTx> {
        let gate = match self.backend {
            Backend::Sqlite => Some(self.write_gate.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, _gate: gate })
    }

    /// Closes every connection (after in-flight transactions finish).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Reads a setting, creating it with `init()` when absent.
    pub(crate) async fn setting_or_init(&self, name: &str, init: impl FnOnce() -> String) -> Result<String> {
        if let Some(row) =
            sqlx::query("SELECT value FROM settings WHERE name = $1").bind(name).fetch_optional(&self.pool).await?
        {
            return Ok(row.try_get::<String, _>(0)?);
        }
        let mut w = self.write().await?;
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(init())
            .execute(&mut *w.tx)
            .await?;
        let row: AnyRow =
            sqlx::query("SELECT value FROM settings WHERE name = $1").bind(name).fetch_one(&mut *w.tx).await?;
        let value: String = row.try_get(0)?;
        w.commit().await?;
        Ok(value)
    }
}

impl Store {
    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }
}
