//! `TestApp::spawn()` and friends.

use dealbot::clock::Clock;
use dealbot::config::Settings;
use dealbot::demo::settings_for_simulators;
use dealbot::sim::{SimCredentials, Simulators};
use dealbot::startup::{Application, Extras, ShutdownHandle};
use dealbot::store::Store;
use serde_json::{Value, json};
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const ROOM: &str = "20931457718@chatroom";
pub const MEMBER: &str = "wxid_m3mb3r77";
pub const MEMBER_NICK: &str = "阿明";

/// PostgreSQL server for tests: `DEALBOT_TEST_POSTGRES_URL`, default the local server's `postgres` database.
pub fn postgres_admin_url() -> String {
    std::env::var("DEALBOT_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Creates a fresh, empty PostgreSQL database and returns its URL. Fails loudly when PostgreSQL is unreachable.
pub async fn fresh_postgres_url() -> String {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let mut conn = sqlx::postgres::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL is required for these tests ({admin}): {e}"));
    let name = format!("dealbot_test_{:016x}", rand::random::<u64>());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// A database for one test: a SQLite file in a temp dir, or a fresh PostgreSQL database.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestDb { url, _dir: Some(dir) }
    }

    pub async fn postgres() -> TestDb {
        TestDb { url: fresh_postgres_url().await, _dir: None }
    }

    pub async fn store(&self) -> Store {
        let s = Store::connect(&self.url, 4).await.unwrap();
        s.migrate().await.unwrap();
        s
    }
}

/// Waits for `cond` to return `Some`, polling, up to `deadline`.
pub async fn eventually<T, F, Fut>(what: &str, deadline: Duration, mut cond: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = cond().await {
            return v;
        }
        if start.elapsed() > deadline {
            panic!("timed out waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the inbound message with `dedupe_key` is handled and asserts it was handled successfully.
pub async fn wait_handled(store: &Store, dedupe_key: &str) {
    let status = eventually("the message handled", Duration::from_secs(30), || async {
        let row = sqlx::query("SELECT status FROM inbound WHERE dedupe_key = $1")
            .bind(dedupe_key)
            .fetch_optional(store.pool())
            .await
            .unwrap()?;
        let status: String = sqlx::Row::try_get(&row, "status").unwrap();
        (status != "pending" && status != "processing").then_some(status)
    })
    .await;
    assert_eq!(status, "done", "{dedupe_key}");
}

/// The simulators on their own port.
pub struct SimServer {
    pub sims: Simulators,
    pub base: String,
    _task: JoinHandle<()>,
}

impl SimServer {
    pub async fn start() -> SimServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let base = format!("http://localhost:{port}");
        let sims = Simulators::new(&SimCredentials::default(), &base);
        sims.pdd.set_require_member_auth(false);
        let router = sims.router();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        SimServer { sims, base, _task: task }
    }
}

pub struct TestApp {
    pub port: u16,
    pub base: String,
    pub secret: String,
    pub sim: SimServer,
    pub db: TestDb,
    pub store: Store,
    pub clock: Clock,
    pub http: reqwest::Client,
    pub engine: std::sync::Arc<dealbot::engine::Engine>,
    shutdown: ShutdownHandle,
    task: JoinHandle<()>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_on(TestDb::sqlite().await, |_| {}).await
    }

    /// Starts dealbot on `db` with simulator settings adjusted by `tweak`.
    pub async fn spawn_on(db: TestDb, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let sim = SimServer::start().await;
        Self::start(sim, db, Clock::system(), tweak).await
    }

    /// Starts dealbot on `db` against simulators the test prepared first.
    pub async fn spawn_with(sim: SimServer, db: TestDb, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        Self::start(sim, db, Clock::system(), tweak).await
    }

    async fn start(sim: SimServer, db: TestDb, clock: Clock, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let base = format!("http://localhost:{port}");
        let secret = "test-webhook-secret-0123456789".to_string();
        let mut settings = settings_for_simulators(&sim.base, &base, &db.url, &secret);
        // Tests run order sync themselves (tests/api/orders.rs), not on a schedule.
        settings.orders.enabled = false;
        // Tests refresh the selection library themselves (tests/api/feeds.rs).
        settings.feeds.enabled = false;
        tweak(&mut settings);
        sim.sims.gewe.set_callback_url(&format!("http://127.0.0.1:{port}/webhook/gewe/demo/{secret}"));
        let extras = Extras { clock: Some(clock.clone()), ..Extras::default() };
        let app = Application::build_with_listener(settings, listener, extras).await.unwrap();
        let shutdown = app.shutdown_handle();
        let store = app.engine.store.clone();
        let engine = app.engine.clone();
        let task = tokio::spawn(async move {
            let _ = app.run_until_stopped().await;
        });
        TestApp {
            port,
            base,
            secret,
            sim,
            db,
            store,
            clock,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            engine,
            shutdown,
            task,
        }
    }

    /// Stops dealbot gracefully and starts it again on the same database and simulators.
    pub async fn restart(self) -> TestApp {
        self.shutdown.shutdown();
        let _ = self.task.await;
        Self::start(self.sim, self.db, self.clock, |_| {}).await
    }

    pub fn webhook_url(&self) -> String {
        format!("{}/webhook/gewe/demo/{}", self.base, self.secret)
    }

    pub async fn post_callback(&self, body: &Value) -> reqwest::Response {
        self.http.post(self.webhook_url()).json(body).send().await.unwrap()
    }

    pub async fn post_raw(&self, url: &str, body: Vec<u8>) -> reqwest::Response {
        self.http.post(url).header("content-type", "application/json").body(body).send().await.unwrap()
    }
}

/// A GeWe `AddMsg` group text callback in the published shape.
pub fn group_text(new_msg_id: u64, text: &str, create_time: i64) -> Value {
    let bot = dealbot::sim::gewe::DEFAULT_BOT_WXID;
    json!({
        "TypeName": "AddMsg",
        "Appid": dealbot::sim::gewe::DEFAULT_APP_ID,
        "Wxid": bot,
        "Data": {
            "MsgId": 702115583,
            "FromUserName": {"string": ROOM},
            "ToUserName": {"string": bot},
            "MsgType": 1,
            "Content": {"string": format!("{MEMBER}:\n{text}")},
            "Status": 3,
            "ImgStatus": 1,
            "ImgBuf": {"iLen": 0},
            "CreateTime": create_time,
            "MsgSource": "<msgsource>\n\t<membercount>212</membercount>\n</msgsource>\n",
            "PushContent": format!("{MEMBER_NICK} : {text}"),
            "NewMsgId": new_msg_id,
            "MsgSeq": 812345678
        }
    })
}

pub fn now_secs() -> i64 {
    dealbot::store::now_ms() / 1000
}

/// A `dealbot` child process (the real binary), killed when the test ends however it ends.
pub struct Dealbot(pub std::process::Child);

impl Drop for Dealbot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Dealbot {
    /// `dealbot ARGS… CONFIG`: `args` end with `--config`; warnings go to the test's standard error.
    pub fn start(args: &[&str], config: &std::path::Path) -> Dealbot {
        Dealbot(
            std::process::Command::new(env!("CARGO_BIN_EXE_dealbot"))
                .args(args)
                .arg(config)
                .env("RUST_LOG", "warn")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::inherit())
                .spawn()
                .expect("dealbot starts"),
        )
    }

    /// `dealbot serve --config CONFIG`.
    pub fn serve(config: &std::path::Path) -> Dealbot {
        Dealbot::start(&["serve", "--config"], config)
    }
}
