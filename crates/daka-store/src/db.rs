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

/// Takes this process's id-generator node number from the `nodes` table: consecutive processes
/// sharing a database get consecutive numbers (mod 1024), never a random clash.
async fn allocate_node(pool: &AnyPool) -> Result<i64> {
    let now_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    let mut tx = pool.begin().await?;
    let row: AnyRow =
        sqlx::query("INSERT INTO nodes (started_ms) VALUES ($1) RETURNING id").bind(now_ms).fetch_one(&mut *tx).await?;
    let id: i64 = row.try_get(0)?;
    sqlx::query("DELETE FROM nodes WHERE id <= $1").bind(id - 1024).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(id.rem_euclid(1024))
}

/// The write-ahead log after a [`Store::checkpoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalProgress {
    /// Frames in the log.
    pub frames: i64,
    /// Frames copied into the database file.
    pub checkpointed: i64,
}

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
                        // A 64 MiB page cache: bulk writes touch index pages all over the file
                        // (random idempotency keys and event ids), and SQLite's 2 MiB default
                        // cache made an import of a few hundred megabytes write gigabytes. A
                        // committing connection checkpoints only past 64 MiB of WAL, a safety
                        // net: `daka serve` checkpoints in the background (`Store::checkpoint`)
                        // long before, so no request pays for copying the WAL into the database.
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                         PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384;",
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
        let node = allocate_node(&pool).await?;
        Ok(Store { pool, backend, write_gate: Arc::new(Mutex::new(())), ids: Arc::new(IdGenerator::with_node(node)) })
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

    /// `n` fresh ids, in increasing order.
    pub fn next_ids(&self, n: usize) -> Vec<i64> {
        self.ids.many(n)
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

    /// Serializes writers of the given people's results across processes: on PostgreSQL takes a
    /// transaction-level advisory lock per person (in id order, so two writers cannot deadlock on
    /// them), held until `tx` ends, so a recompute reads the punches and results other processes
    /// committed before it. SQLite writers are already serialized by the in-process gate.
    pub(crate) async fn lock_people(&self, tx: &mut Transaction<'static, Any>, person_ids: &[i64]) -> Result<()> {
        if self.backend != Backend::Postgres || person_ids.is_empty() {
            return Ok(());
        }
        let mut ids = person_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(1000) {
            // One statement; the sorted subquery makes the locks be taken in id order.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT count(pg_advisory_xact_lock(id)) FROM \
                 (SELECT id FROM unnest(ARRAY[{}]::bigint[]) AS t(id) ORDER BY id) AS sorted",
                crate::bulk::id_list(chunk)
            )))
            .persistent(false)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Copies committed pages from SQLite's write-ahead log into the database file
    /// (`wal_checkpoint(PASSIVE)`, which waits for no reader or writer), then once more with
    /// this process's writers held back (the write gate) for the few commits made meanwhile:
    /// with everything copied and no writer in between, the next writer starts the log again
    /// from its beginning, so the log stays small under a steady stream of writes too. Returns
    /// the log's frames and how many of them are now in the database; `None` on PostgreSQL,
    /// which needs nothing of the kind.
    pub async fn checkpoint(&self) -> Result<Option<WalProgress>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let passive = || async {
            let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&self.pool).await?;
            Ok::<_, crate::Error>(WalProgress { frames: row.try_get(1)?, checkpointed: row.try_get(2)? })
        };
        passive().await?;
        let _gate = self.write_gate.lock().await;
        Ok(Some(passive().await?))
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
