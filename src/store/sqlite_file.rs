//! The SQLite database file holds union tokens, password hashes and session hashes: it and its `-wal` / `-shm`
//! companions are readable by the owner only (0600). The file is created before SQLite opens it (SQLite gives
//! the companions the database file's mode), and existing files are tightened at every start.

use std::path::PathBuf;

/// The file behind a `sqlite:` URL; `None` for in-memory databases.
pub fn path_of(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    let in_memory = path.is_empty() || path == ":memory:" || url.contains("mode=memory");
    (!in_memory).then(|| PathBuf::from(path))
}

/// Creates the database file 0600 when missing and sets 0600 on it and its `-wal` / `-shm` files.
pub fn restrict(url: &str) -> std::io::Result<()> {
    let Some(path) = path_of(url) else { return Ok(()) };
    create_private(&path)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        set_private(&PathBuf::from(p))?;
    }
    Ok(())
}

#[cfg(unix)]
fn create_private(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn set_private(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(not(unix))]
fn create_private(_: &std::path::Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn set_private(_: &std::path::Path) -> std::io::Result<()> {
    Ok(())
}

/// Creates `dir` (and its parents) and makes it accessible to the owner only (0700).
pub fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_file_of_a_sqlite_url() {
        assert_eq!(path_of("sqlite://dealbot.db"), Some(PathBuf::from("dealbot.db")));
        assert_eq!(path_of("sqlite:///tmp/x.db?mode=rwc"), Some(PathBuf::from("/tmp/x.db")));
        assert_eq!(path_of("sqlite:data/x.db"), Some(PathBuf::from("data/x.db")));
        assert_eq!(path_of("sqlite::memory:"), None);
        assert_eq!(path_of("sqlite://x.db?mode=memory"), None);
        assert_eq!(path_of("postgres://localhost/x"), None);
    }
}
