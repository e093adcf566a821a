//! All SQL lives here. One implementation serves SQLite and PostgreSQL through sqlx's `Any`
//! driver with portable SQL (`$n` placeholders, `RETURNING`, partial indexes); each database
//! kind has its own migrations folder because their DDL differs (identity columns, BIGINT).
//!
//! Functions take `&mut AnyConnection` so the app layer decides the transaction boundaries.

pub mod audit;
pub mod entries;
pub mod gen_data;
pub mod invitations;
pub mod jobs;
pub mod members;
pub mod projects;
pub mod rates;
pub mod report_links;
pub mod reports;
pub mod role_links;
pub mod sharing;
pub mod team;
pub mod timesheets;
pub mod workspaces;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, Executor};

pub use sqlx::Error as StoreError;
/// A write transaction. On SQLite it also holds this process's write gate until it ends.
///
/// SQLite has one writer at a time; a second writer that finds the lock taken is put to sleep
/// by SQLite's busy handler (1, 2, 5, 10, … 100 ms) instead of being woken when the lock is
/// free, so two commands at once could cost tens of milliseconds. Queueing writers of one
/// process on an async mutex first hands the lock over at once, in order; the busy handler
/// still arbitrates between processes.
pub struct Tx {
    inner: sqlx::Transaction<'static, sqlx::Any>,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        self.inner.commit().await
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        self.inner.rollback().await
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::Transaction<'static, sqlx::Any>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}
pub type Conn = AnyConnection;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    pub fn from_url(url: &str) -> Option<DbKind> {
        if url.starts_with("sqlite:") {
            Some(DbKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(DbKind::Postgres)
        } else {
            None
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// SQLite only: the one connection write transactions use. Writers queue anyway (one
    /// writer per database), and one connection keeps its page cache warm instead of
    /// re-reading pages each time another connection's commit invalidates its cache.
    writer: Option<AnyPool>,
    kind: DbKind,
    /// SQLite only: one write transaction of this process at a time (see [`Tx`]).
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("kind", &self.kind).finish()
    }
}

/// How long a pooled connection may sit idle and still be handed out without a ping.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// How often the SQLite write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// The log size (pages of 4 KiB) at which a commit checkpoints by itself: only reached if the
/// background checkpoints stop or fall far behind.
const FALLBACK_CHECKPOINT_PAGES: u32 = 20_000;

/// Copies the SQLite write-ahead log back into the database file every [`CHECKPOINT_EVERY`],
/// from a reader connection, until the pool closes. SQLite would otherwise do it inside the
/// commit that crosses 1,000 pages of log: a few milliseconds in the middle of some command,
/// holding the write lock. A passive checkpoint runs beside the writer and never waits.
fn checkpoint_in_background(pool: AnyPool) {
    tokio::spawn(async move {
        let closed = pool.close_event();
        tokio::pin!(closed);
        loop {
            tokio::select! {
                _ = &mut closed => break,
                _ = tokio::time::sleep(CHECKPOINT_EVERY) => {}
            }
            // Only with a connection free right now: when every one is busy, the next round.
            let Some(mut conn) = pool.try_acquire() else {
                continue;
            };
            if let Err(e) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                tracing::warn!("SQLite checkpoint failed: {e}");
            }
        }
    });
}

/// Connection settings beyond the URL.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl Store {
    /// Connects and applies the embedded migrations for the URL's database kind.
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
        let kind = DbKind::from_url(url).ok_or_else(|| {
            StoreError::Configuration(
                "the database URL must start with sqlite: or postgres://".into(),
            )
        })?;
        sqlx::any::install_default_drivers();
        let connect_options = AnyConnectOptions::from_str(url)?;
        let mut pool_options = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            // sqlx pings every connection it hands out: on PostgreSQL a round trip per use,
            // as much as the web sidecar's one query per page. A connection used a moment ago
            // is alive; one that sat idle (the database may have restarted meanwhile) is
            // still checked before use.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            });
        if kind == DbKind::Sqlite {
            pool_options = pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // Per-connection settings: referential integrity, wait for the write lock
                    // instead of failing, and WAL's recommended durability level.
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    // Checkpoints run in the background (`checkpoint_in_background`); this
                    // only bounds the log should that stop.
                    conn.execute(
                        format!("PRAGMA wal_autocheckpoint = {FALLBACK_CHECKPOINT_PAGES}").as_str(),
                    )
                    .await?;
                    Ok(())
                })
            });
        }
        let pool = pool_options
            .clone()
            .connect_with(connect_options.clone())
            .await?;
        let writer = match kind {
            DbKind::Sqlite => {
                // WAL is a property of the database file: set once, kept by SQLite.
                pool.execute("PRAGMA journal_mode = WAL").await?;
                Some(
                    pool_options
                        .max_connections(1)
                        .connect_with(connect_options)
                        .await?,
                )
            }
            DbKind::Postgres => None,
        };
        let store = Store {
            pool,
            writer,
            kind,
            write_gate: std::sync::Arc::new(tokio::sync::Mutex::new(())),
        };
        store.migrate().await?;
        if kind == DbKind::Sqlite {
            checkpoint_in_background(store.pool.clone());
        }
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.kind {
            DbKind::Sqlite => &SQLITE_MIGRATIONS,
            DbKind::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.map_err(StoreError::from)
    }

    pub fn kind(&self) -> DbKind {
        self.kind
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a write transaction. On SQLite it first waits its turn among this process's
    /// writers (never while holding a pooled connection, so the pool can't run dry waiting).
    ///
    /// SQLite transactions begin `IMMEDIATE`: they hold the database's write lock from the
    /// start, so a transaction that reads before it writes can't fail to upgrade because
    /// another process wrote in between.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let (gate, inner) = match self.kind {
            DbKind::Sqlite => (
                Some(self.write_gate.clone().lock_owned().await),
                self.writer
                    .as_ref()
                    .unwrap_or(&self.pool)
                    .begin_with("BEGIN IMMEDIATE")
                    .await?,
            ),
            DbKind::Postgres => (None, self.pool.begin().await?),
        };
        Ok(Tx { inner, _gate: gate })
    }

    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
        self.pool.acquire().await
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        self.pool.close().await;
    }
}

/// True when `conn` talks to PostgreSQL (for the few statements that differ, like row locks).
pub(crate) fn is_postgres(conn: &Conn) -> bool {
    conn.backend_name() == "PostgreSQL"
}

/// True when the error is a unique-constraint violation (both databases).
pub fn is_unique_violation(err: &StoreError) -> bool {
    match err {
        StoreError::Database(db) => db.is_unique_violation(),
        _ => false,
    }
}

pub(crate) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| decode_error(format!("timestamp out of range: {ms}")))
}

pub(crate) fn decode_error(message: String) -> StoreError {
    StoreError::Decode(message.into())
}

pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}
