//! Online backup of the SQLite database: `VACUUM INTO` a new file from a connection of its own, while
//! `serve` keeps writing. In WAL mode the copy is one read transaction: it holds every transaction committed before
//! the copy started and none that commits during it, and writers are never blocked. The copy is then checked
//! (`PRAGMA integrity_check`) before it is reported good. PostgreSQL is backed up with its own tools (`pg_dump`).

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "the database is PostgreSQL: back it up with `pg_dump --format=custom --file=dealbot.dump DATABASE_URL` and \
         restore with `pg_restore --clean --dbname=DATABASE_URL dealbot.dump` (README: Backup and restore)"
    )]
    NotSqlite,
    #[error("the database is in memory: there is no file to back up")]
    InMemory,
    #[error("the database file {0} does not exist")]
    Missing(PathBuf),
    #[error("{0} already exists and is not empty: choose a new file")]
    Exists(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the copy failed its integrity check: {0}")]
    Corrupt(String),
}

/// What a finished backup holds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupReport {
    pub out: PathBuf,
    pub bytes: u64,
    pub tables: usize,
    pub elapsed_ms: u128,
}

/// Copies the SQLite database of `url` into the new file `out` and checks the copy.
pub async fn backup_sqlite(url: &str, out: &Path) -> Result<BackupReport, BackupError> {
    if !url.starts_with("sqlite:") {
        return Err(BackupError::NotSqlite);
    }
    let source = super::sqlite_file::path_of(url).ok_or(BackupError::InMemory)?;
    if !source.exists() {
        return Err(BackupError::Missing(source));
    }
    let started = std::time::Instant::now();
    claim_empty_file(out)?;
    let result = copy_and_check(&source, out).await;
    if result.is_err() {
        let _ = std::fs::remove_file(out);
    }
    let tables = result?;
    let bytes = std::fs::metadata(out).map_err(|source| BackupError::Io { path: out.into(), source })?.len();
    Ok(BackupReport { out: out.into(), bytes, tables, elapsed_ms: started.elapsed().as_millis() })
}

/// Creates `out` empty and owner-only (the copy holds tokens and password hashes); `VACUUM INTO` accepts an empty
/// file and keeps its mode. An existing non-empty file is never overwritten.
fn claim_empty_file(out: &Path) -> Result<(), BackupError> {
    match std::fs::metadata(out) {
        Ok(m) if m.len() > 0 => return Err(BackupError::Exists(out.into())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(BackupError::Io { path: out.into(), source }),
    }
    let url = format!("sqlite://{}", out.display());
    super::sqlite_file::restrict(&url).map_err(|source| BackupError::Io { path: out.into(), source })
}

async fn copy_and_check(source: &Path, out: &Path) -> Result<usize, BackupError> {
    // A read-write connection (a read-only one cannot open a WAL database whose -wal file is gone); it only reads.
    let mut conn = SqliteConnectOptions::new().filename(source).busy_timeout(Duration::from_secs(30)).connect().await?;
    sqlx::query("VACUUM INTO ?").bind(out.to_string_lossy().into_owned()).execute(&mut conn).await?;
    conn.close().await?;

    let mut copy = SqliteConnectOptions::new().filename(out).read_only(true).connect().await?;
    let verdict: String = sqlx::query("PRAGMA integrity_check").fetch_one(&mut copy).await?.try_get(0)?;
    if verdict != "ok" {
        return Err(BackupError::Corrupt(verdict));
    }
    let tables: i64 = sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
        .fetch_one(&mut copy)
        .await?
        .try_get(0)?;
    copy.close().await?;
    Ok(tables as usize)
}
