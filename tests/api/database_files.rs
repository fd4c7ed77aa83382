//! The SQLite database holds union tokens and password hashes: only its owner may read it.

use crate::helpers::TestDb;
use std::os::unix::fs::PermissionsExt;

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_sqlite_database_and_its_wal_and_shm_files_are_private() {
    let db = TestDb::sqlite().await;
    let file = std::path::PathBuf::from(db.url.strip_prefix("sqlite://").unwrap());
    let store = db.store().await;
    store.record_inbound("k:1", 1, "room", None, "done", "{}", 1).await.unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let p = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
        assert!(p.exists(), "{} exists", p.display());
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    store.close().await;

    // A database left readable by an older version is tightened at the next start.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = db.store().await;
    assert_eq!(mode(&file), 0o600);
    store.close().await;
}

#[test]
fn the_demo_data_folder_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    dealbot::store::sqlite_file::private_dir(&data).unwrap();
    assert_eq!(mode(&data), 0o700);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    dealbot::store::sqlite_file::private_dir(&data).unwrap();
    assert_eq!(mode(&data), 0o700);
}
