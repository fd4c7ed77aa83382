//! All SQL lives here: one file per aggregate, SQLite and PostgreSQL behind one API.
//!
//! Queries are written once in the common dialect (`$n` placeholders, `ON CONFLICT`, `RETURNING`) and run through
//! sqlx's `Any` driver; the few places where the engines differ branch on [`Dialect`]. Times are unix milliseconds.
//!
//! Two ways in: `self.pool` for everything that writes or must read its own writes, and `self.reader()` for
//! read-only queries that need no read-your-writes inside a transaction (dashboard lists, statistics, the
//! `/metrics` gauges, exports). With a SQLite file, the pool is its single writer and the reader a pool of
//! `query_only` WAL connections, so such reads never queue behind a write transaction; with PostgreSQL (and
//! in-memory SQLite) both are the same pool.

pub mod accounts;
pub mod admins;
pub mod agent_levels;
pub mod agents;
pub mod backup;
pub mod batch;
pub mod campaigns;
pub mod checkins;
pub mod collection;
pub mod conversions;
pub mod dashboard;
pub mod dialogs;
pub mod exchange;
pub mod faq;
pub mod feed_items;
pub mod finance;
pub mod group_settings;
pub mod groups;
pub mod inbound;
pub mod invite_rewards;
pub mod invites;
pub mod keywords;
pub mod leaderboards;
pub mod ledger;
pub mod login_attempts;
pub mod mass;
pub mod media;
pub mod member_money;
pub mod members;
pub mod money_stats;
pub mod order_list;
pub mod orders;
pub mod outbox;
pub mod partners;
pub mod pids;
pub mod points;
pub mod posting;
pub mod posting_admin;
pub mod posting_queue;
pub mod rate_rules;
pub mod reply_budgets;
pub mod reply_handles;
pub mod rewards;
pub mod robot_accounts;
pub mod robot_lifecycle;
pub mod robots;
pub mod service;
pub mod sqlite_file;
pub mod stats;
pub mod stats_money;
pub mod taobao_registrations;
pub mod tasks;
pub mod text;
pub mod tokens;
pub mod users;
pub mod withdrawals;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("batched write failed: {0}")]
    Batch(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// How long [`through_outage`] keeps trying.
const OUTAGE_PATIENCE: Duration = Duration::from_secs(30);

/// Runs `op` again while the database is unreachable (a restart or a failover cuts every pooled connection), for up
/// to [`OUTAGE_PATIENCE`]: for writes recording what already happened (a delivered send, a failed attempt), which
/// would otherwise be lost or redone.
pub async fn through_outage<T, F, Fut>(what: &str, mut op: F) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = StoreResult<T>>,
{
    let give_up = std::time::Instant::now() + OUTAGE_PATIENCE;
    let mut wait = Duration::from_millis(50);
    loop {
        match op().await {
            Err(StoreError::Db(e)) if std::time::Instant::now() < give_up => {
                tracing::warn!(error = %e, what, "database unreachable; trying again");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_millis(500));
            }
            other => return other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    /// See the module documentation: read-only connections beside the writer, or `pool` itself.
    reader: AnyPool,
    dialect: Dialect,
    writes: inbound::InboxWrites,
    /// In whose name this store claims messages, and for how long (several instances may share the database).
    claims: inbound::Claims,
}

static MIGRATOR_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static MIGRATOR_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Connects to `sqlite:` or `postgres:` URL. SQLite files are created when missing and run in WAL mode.
    pub async fn connect(url: &str, max_connections: u32) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") { Dialect::Sqlite } else { Dialect::Postgres };
        let url = match dialect {
            Dialect::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        // SQLite allows one writer at a time; several pooled writers would wait on each other through SQLite's
        // sleeping busy handler, so SQLite gets a single connection and PostgreSQL a pool.
        let writers = if dialect == Dialect::Sqlite { 1 } else { max_connections.max(1) };
        if dialect == Dialect::Sqlite {
            sqlite_file::restrict(&url).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        }
        // No ping before every acquire: it doubles the round trips of every query (for SQLite, two hops to its
        // worker thread); broken connections surface as query errors and are replaced by the pool.
        let mut opts = AnyPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(writers)
            .acquire_timeout(Duration::from_secs(10));
        if dialect == Dialect::Sqlite {
            opts = opts.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
                    )
                    .await?;
                    Ok(())
                })
            });
        }
        let pool = opts.connect(&url).await?;
        if dialect == Dialect::Sqlite {
            // The first connection created the -wal and -shm files.
            sqlite_file::restrict(&url).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        }
        let reader = match dialect {
            Dialect::Sqlite if sqlite_file::path_of(&url).is_some() => {
                connect_sqlite_reader(&url, max_connections).await?
            }
            _ => pool.clone(),
        };
        let writes = inbound::InboxWrites::spawn(pool.clone());
        Ok(Store { pool, reader, dialect, writes, claims: inbound::Claims::new() })
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self.dialect {
            Dialect::Sqlite => MIGRATOR_SQLITE.run(&self.pool).await?,
            Dialect::Postgres => MIGRATOR_POSTGRES.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool for read-only queries that need no read-your-writes (see the module documentation).
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// Cheap liveness query for `/readyz`.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.pool.close().await;
    }
}

/// Read-only connections to a SQLite file in WAL mode (which the writer's first connection has set): each reads
/// the last committed state, whatever transaction the writer holds open.
async fn connect_sqlite_reader(url: &str, max_connections: u32) -> StoreResult<AnyPool> {
    let pool = AnyPoolOptions::new()
        .test_before_acquire(false)
        .max_connections(max_connections.max(2))
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("PRAGMA query_only=ON; PRAGMA busy_timeout=10000; PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;")
                    .await?;
                Ok(())
            })
        })
        .connect(url)
        .await?;
    Ok(pool)
}

/// Reads a column, mapping decode errors to [`StoreError::Corrupt`].
pub(crate) fn col<'r, T>(row: &'r AnyRow, name: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    use sqlx::Row;
    row.try_get(name).map_err(|e| StoreError::Corrupt(format!("{name}: {e}")))
}

/// A value kept as a JSON text column (`what` names it in the error).
pub(crate) fn to_json_text<T: serde::Serialize + ?Sized>(what: &str, v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// A JSON text column read back (`what` names it in the error).
pub(crate) fn from_json_text<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}
