//! `dealbot backup`: an online copy of the SQLite database taken while `serve` runs and another process keeps
//! writing. The copy passes `PRAGMA integrity_check` and holds every row committed before the copy started.

use crate::helpers::*;
use sqlx::{ConnectOptions as _, Row as _};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

fn write_config(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
    let config = dir.join("dealbot.toml");
    std::fs::write(&config, format!("[server]\nport = 0\n[database]\nurl = \"{url}\"\n")).unwrap();
    config
}

fn backup(config: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dealbot"))
        .args(["backup", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .env("RUST_LOG", "warn")
        .output()
        .expect("dealbot backup runs")
}

#[tokio::test]
async fn a_backup_taken_while_serve_runs_and_rows_are_written_holds_every_row_committed_before_it() {
    let db = TestDb::sqlite().await;
    let store = db.store().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &db.url);
    let mut serve = Dealbot::serve(&config);

    let pool = store.pool().clone();
    sqlx::query("CREATE TABLE backup_probe (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    // A database of some size, so that the copy takes a while.
    let filler = "商品".repeat(200);
    for chunk in 0..40 {
        let mut tx = pool.begin().await.unwrap();
        for i in 0..250 {
            sqlx::query("INSERT INTO backup_probe (id, payload) VALUES (?, ?)")
                .bind((chunk * 250 + i + 1) as i64)
                .bind(&filler)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }

    // A writer that keeps committing one row per transaction and publishes the last committed id.
    let committed = Arc::new(AtomicI64::new(10_000));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (pool, committed, stop) = (pool.clone(), committed.clone(), stop.clone());
        tokio::spawn(async move {
            let mut id = 10_000i64;
            while !stop.load(Ordering::SeqCst) {
                id += 1;
                sqlx::query("INSERT INTO backup_probe (id, payload) VALUES (?, 'w')")
                    .bind(id)
                    .execute(&pool)
                    .await
                    .unwrap();
                committed.store(id, Ordering::SeqCst);
                tokio::task::yield_now().await;
            }
        })
    };
    eventually("the writer is writing", std::time::Duration::from_secs(10), || async {
        (committed.load(Ordering::SeqCst) > 10_050).then_some(())
    })
    .await;

    let out = dir.path().join("copy.db");
    let before = committed.load(Ordering::SeqCst);
    let output = {
        let (config, out) = (config.clone(), out.clone());
        tokio::task::spawn_blocking(move || backup(&config, &out)).await.unwrap()
    };
    let after = committed.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert!(output.status.success(), "backup failed: {}", String::from_utf8_lossy(&output.stderr));
    assert!(after > before, "rows were committed while the copy ran ({before} → {after})");
    assert!(serve.0.try_wait().unwrap().is_none(), "serve kept running through the backup");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["bytes"].as_u64().unwrap() > 1_000_000, "{report}");
    assert!(report["tables"].as_u64().unwrap() > 20, "{report}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600, "the copy is owner-only");
    }

    // Checked with a connection of the test's own.
    let mut copy = sqlx::sqlite::SqliteConnectOptions::new().filename(&out).read_only(true).connect().await.unwrap();
    let verdict: String = sqlx::query("PRAGMA integrity_check").fetch_one(&mut copy).await.unwrap().get(0);
    assert_eq!(verdict, "ok");
    let row = sqlx::query("SELECT COUNT(*), MAX(id) FROM backup_probe WHERE id <= ?")
        .bind(before)
        .fetch_one(&mut copy)
        .await
        .unwrap();
    let (count, max): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!((count, max), (before, before), "every row committed before the copy started is in it");
    // The copy is a working dealbot database: its migrations are all there.
    let applied: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&mut copy).await.unwrap().get(0);
    let expected: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&pool).await.unwrap().get(0);
    assert_eq!(applied, expected);
}

#[tokio::test]
async fn backup_refuses_to_overwrite_a_file_and_points_postgres_users_to_pg_dump() {
    let db = TestDb::sqlite().await;
    let _store = db.store().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &db.url);
    let out = dir.path().join("taken.db");
    std::fs::write(&out, b"precious").unwrap();
    let output = backup(&config, &out);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("already exists"), "{output:?}");
    assert_eq!(std::fs::read(&out).unwrap(), b"precious", "the existing file is untouched");

    let pg_dir = dir.path().join("pg");
    std::fs::create_dir_all(&pg_dir).unwrap();
    let pg = write_config(&pg_dir, "postgres://postgres@127.0.0.1:5432/postgres");
    let output = backup(&pg, &dir.path().join("pg.db"));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("pg_dump"), "{output:?}");
    assert!(!dir.path().join("pg.db").exists());
}
