//! A private PostgreSQL cluster for one test, which the test may restart: `initdb` into a temp dir, on a free port,
//! trust authentication, started with `pg_ctl`. The shared test server cannot be restarted (other tests use it at
//! the same time), so a test that restarts PostgreSQL runs its own.
//!
//! The server binaries come from `pg_config --bindir`, else `/usr/lib/postgresql/*/bin`; without them the test
//! fails (never skips). PostgreSQL refuses to run as root, so as root the binaries run as the `postgres` user.
//! The cluster is stopped and its directory removed when the guard drops, also when the test panics.

use std::path::PathBuf;
use std::process::{Command, Stdio};

pub struct PgCluster {
    bindir: PathBuf,
    data: PathBuf,
    log: PathBuf,
    /// Output of initdb and pg_ctl.
    commands_log: PathBuf,
    port: u16,
    /// Run the server binaries as `postgres` (this process is root).
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

/// The directory holding `initdb` and `pg_ctl`.
fn server_bindir() -> PathBuf {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let mut installed: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| dirs.filter_map(|d| d.ok()).map(|d| d.path().join("bin")).collect())
        .unwrap_or_default();
    // The newest version first.
    installed.sort_by_key(|p| {
        std::cmp::Reverse(p.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()).unwrap_or(0))
    });
    from_pg_config
        .into_iter()
        .chain(installed)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
        .unwrap_or_else(|| {
            panic!(
                "the PostgreSQL server binaries (initdb, pg_ctl) are required for this test: not found in \
                 `pg_config --bindir` nor /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql)"
            )
        })
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl PgCluster {
    /// Creates and starts a cluster. Panics with the reason when it cannot.
    pub fn start() -> PgCluster {
        let bindir = server_bindir();
        let as_postgres = running_as_root();
        let dir = tempfile::tempdir().unwrap();
        if as_postgres {
            let status = Command::new("chown").arg("postgres:").arg(dir.path()).status().unwrap();
            assert!(status.success(), "chown of the cluster's directory to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = PgCluster {
            bindir,
            data: dir.path().join("data"),
            log: dir.path().join("postgres.log"),
            commands_log: dir.path().join("commands.log"),
            port,
            as_postgres,
            _dir: dir,
        };
        let data = cluster.data.to_str().unwrap().to_string();
        cluster.run("initdb", &["-D", &data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N"]);
        // No fsync: a killed server loses nothing the kernel has (a restart is a process crash, not a power cut).
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={dir} -c fsync=off -c max_connections=200",
            dir = cluster.data.parent().unwrap().display()
        );
        cluster.pg_ctl(&["start", "-w", "-t", "60", "-o", &options]);
        cluster
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A new empty database on this cluster; returns its URL.
    pub async fn fresh_database(&self) -> String {
        use sqlx::Connection;
        let mut conn = sqlx::postgres::PgConnection::connect(&self.admin_url()).await.unwrap();
        let name = format!("dealbot_chaos_{:016x}", rand::random::<u64>());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Stops the server at once (`-m immediate`: every connection is cut, as in a crash) and starts it again with
    /// the same options; returns when it accepts connections.
    pub fn restart(&self) {
        self.pg_ctl(&["restart", "-m", "immediate", "-w", "-t", "60"]);
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.data.to_str().unwrap().to_string();
        let log = self.log.to_str().unwrap().to_string();
        let mut all = vec!["-D", &data, "-l", &log];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all);
    }

    /// A server binary, to run as `postgres` when this process is root. Its output goes to the commands' log: the
    /// server inherits no pipe of ours (waiting for its output would wait for the server to stop).
    fn command(&self, program: &str) -> Command {
        let path = self.bindir.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        let out = std::fs::OpenOptions::new().create(true).append(true).open(&self.commands_log).unwrap();
        cmd.stdin(Stdio::null()).stdout(out.try_clone().unwrap()).stderr(out);
        cmd
    }

    /// Runs a server binary and panics, with its output and the server's log, when it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let status = self.command(program).args(args).status();
        if !status.as_ref().is_ok_and(|s| s.success()) {
            let output = std::fs::read_to_string(&self.commands_log).unwrap_or_default();
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            panic!("{program} {args:?} failed ({status:?}):\n{output}\nserver log:\n{log}");
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data.to_str().unwrap_or_default().to_string();
        let _ = self.command("pg_ctl").args(["-D", &data, "-m", "immediate", "-w", "stop"]).status();
    }
}
