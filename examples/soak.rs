//! Soak run of the scale-out setup (not in CI): three `dealbot serve` processes (the release binary) share one
//! PostgreSQL database and one robot behind a small round-robin balancer, which also carries the gateway's echoes
//! of sent messages and the gateway's poster downloads; the simulators run in this process. For `--minutes` it
//! posts a steady load of pasted JD links (one new member each) over `--talking` groups, a plan fans a post out to
//! all `--groups` groups every `--fanout-every` minutes, and every `--kill-every` minutes instance 1 or 2 (the one
//! sending for the robot when it is one of them) is killed with -9 and restarted `--down-secs` later; instance 0
//! stays up as the memory baseline. Every minute it samples each instance's RSS (`/proc/PID/status` VmRSS) and the
//! webhook→reply latency (from posting the callback to the simulator receiving the reply's text). When the load
//! ends it waits for the work to drain, writes the report (`--report`, default docs/soak.md) and exits non-zero
//! when a message or a post was lost or delivered twice.
//!
//! `scripts/soak [--minutes N] [--note TEXT]` builds the release binary and this example, then runs it.

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clap::Parser;
use dealbot::clock::Clock;
use dealbot::feeds::{FeedFilter, FeedRefresh};
use dealbot::platform::Platform;
use dealbot::posting::{Cadence, Plan, Schedule, Source, Targets};
use dealbot::sim::gewe::{GeweSim, SentKind, SentMessage};
use dealbot::sim::{SimCredentials, Simulators};
use dealbot::store::Store;
use dealbot::store::pids::PidOwner;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

const SECRET: &str = "soak-webhook-secret-0123456789";
const INSTANCES: usize = 3;
/// Prefix of the members who paste links: member `wxid_soak{i}` sends message `i`, so the reply's `ats` names it.
const MEMBER_PREFIX: &str = "wxid_soak";

#[derive(Parser, Clone)]
#[command(about = "Soak run: three dealbot instances on one PostgreSQL database under load and kill -9")]
struct Args {
    /// Minutes of load (the drain comes after).
    #[arg(long, default_value_t = 30)]
    minutes: u64,
    /// Pasted links per minute, spread evenly.
    #[arg(long, default_value_t = 30)]
    per_minute: u64,
    /// Groups the plan fans out to.
    #[arg(long, default_value_t = 200)]
    groups: usize,
    /// Groups (the first ones) whose members paste links.
    #[arg(long, default_value_t = 50)]
    talking: usize,
    /// Minutes between fan-out slots (at least 5, the plans' shortest interval).
    #[arg(long, default_value_t = 5)]
    fanout_every: u64,
    /// Minutes between kills (0: never).
    #[arg(long, default_value_t = 4)]
    kill_every: u64,
    /// Seconds a killed instance stays down (longer than the lease, so the survivors take its work over).
    #[arg(long, default_value_t = 20)]
    down_secs: u64,
    /// The robot's minimum gap between sends, ms.
    #[arg(long, default_value_t = 50)]
    min_gap_ms: u64,
    /// Most seconds to wait for the work to drain after the load.
    #[arg(long, default_value_t = 300)]
    drain_secs: u64,
    /// PostgreSQL server (a maintenance database on it); the run creates and drops its own database.
    #[arg(long, default_value = "postgres://postgres@localhost:5432/postgres")]
    postgres: String,
    /// The run's database name (letters, digits, underscores).
    #[arg(long, default_value = "dealbot_soak")]
    database: String,
    /// The dealbot binary; default: `dealbot` in the folder above this example's.
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Where the report is written.
    #[arg(long, default_value = "docs/soak.md")]
    report: PathBuf,
    /// A sentence about the machine's conditions for the report (e.g. other work running beside the soak).
    #[arg(long)]
    note: Option<String>,
}

// ---------------------------------------------------------------------------------------------------------------
// The balancer in front of the instances.

/// Round-robin over the instances; an instance that does not answer (down, or killed mid-request) is skipped.
struct Balancer {
    http: reqwest::Client,
    ports: Vec<u16>,
    next: AtomicUsize,
    /// Requests that had to go to another instance.
    failovers: AtomicU64,
}

struct Forwarded {
    status: u16,
    content_type: Option<String>,
    body: Bytes,
}

impl Balancer {
    async fn forward(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        body: Bytes,
    ) -> Option<Forwarded> {
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        for k in 0..self.ports.len() {
            let port = self.ports[(first + k) % self.ports.len()];
            let mut req =
                self.http.request(method.clone(), format!("http://127.0.0.1:{port}{path}")).body(body.clone());
            if let Some(ct) = content_type {
                req = req.header(header::CONTENT_TYPE, ct);
            }
            let answered = match req.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let content_type =
                        resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
                    resp.bytes().await.ok().map(|body| Forwarded { status, content_type, body })
                }
                Err(_) => None,
            };
            match answered {
                Some(f) => return Some(f),
                None => {
                    self.failovers.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        None
    }
}

async fn balance(State(lb): State<Arc<Balancer>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let Ok(body) = axum::body::to_bytes(req.into_body(), 16 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    match lb.forward(method, &path, content_type.as_deref(), body).await {
        Some(f) => {
            let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_GATEWAY);
            let ct = f.content_type.unwrap_or_else(|| "application/octet-stream".into());
            (status, [(header::CONTENT_TYPE, ct)], f.body).into_response()
        }
        None => StatusCode::BAD_GATEWAY.into_response(),
    }
}

/// The simulated CDN's photos are deterministic: the first answer for a path is kept and served again, so that
/// generating the same photo for every group of a fan-out does not starve on a busy machine.
type PhotoCache = Arc<Mutex<HashMap<String, Bytes>>>;

async fn cached_photos(State(cache): State<PhotoCache>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if !path.starts_with("/cdn/") || path.starts_with("/cdn/test/") {
        return next.run(req).await;
    }
    if let Some(jpeg) = lock(&cache).get(&path).cloned() {
        return ([(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response();
    }
    let response = next.run(req).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(jpeg) = axum::body::to_bytes(body, 8 << 20).await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    lock(&cache).insert(path, jpeg.clone());
    Response::from_parts(parts, axum::body::Body::from(jpeg))
}

// ---------------------------------------------------------------------------------------------------------------
// The instances.

struct Instance {
    config: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Instance {
    fn start(&mut self, bin: &Path) -> std::io::Result<()> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let child = Command::new(bin)
            .args(["serve", "--config"])
            .arg(&self.config)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        self.child = Some(child);
        Ok(())
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

type Instances = Arc<Mutex<Vec<Instance>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 =
        status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib / 1024.0)
}

// ---------------------------------------------------------------------------------------------------------------
// What the simulated gateway received.

struct Msg {
    group: usize,
    posted: SystemTime,
    replies: Vec<SystemTime>,
}

#[derive(Default)]
struct Tracker {
    msgs: Vec<Msg>,
    /// Entries of the simulator's sent list already looked at.
    cursor: usize,
    last_kind: HashMap<String, SentKind>,
    /// First replies: arrival and latency (ms).
    answers: Vec<(SystemTime, f64)>,
    /// Arrivals of replies beyond the first.
    duplicates: Vec<SystemTime>,
    /// Reply texts not right after an image in their group.
    out_of_order: u64,
    /// Texts that are not replies (the fan-out's posts), by group, with their arrivals.
    post_texts: HashMap<String, u64>,
    posts: Vec<SystemTime>,
    sends: u64,
}

impl Tracker {
    fn ingest(&mut self, sent: &[SentMessage]) {
        for m in sent.iter().skip(self.cursor) {
            self.sends += 1;
            let previous = self.last_kind.insert(m.to_wxid.clone(), m.kind);
            if m.kind != SentKind::Text {
                continue;
            }
            let asked = m.ats.iter().find_map(|a| a.strip_prefix(MEMBER_PREFIX)?.parse::<usize>().ok());
            match asked.and_then(|i| self.msgs.get_mut(i)) {
                Some(msg) => {
                    msg.replies.push(m.at);
                    if msg.replies.len() == 1 {
                        let ms = m.at.duration_since(msg.posted).unwrap_or_default().as_secs_f64() * 1e3;
                        self.answers.push((m.at, ms));
                    } else {
                        self.duplicates.push(m.at);
                    }
                    if previous != Some(SentKind::Image) {
                        self.out_of_order += 1;
                    }
                }
                None => {
                    *self.post_texts.entry(m.to_wxid.clone()).or_default() += 1;
                    self.posts.push(m.at);
                }
            }
        }
        self.cursor = self.cursor.max(sent.len());
    }

    fn answered(&self) -> usize {
        self.answers.len()
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Load.

fn room(i: usize) -> String {
    format!("{}@chatroom", 34_000_000_000u64 + i as u64)
}

/// JD items the union promotes (commission above zero), one per message.
fn promotable_skus(n: usize) -> Vec<u64> {
    (100_087_654_300u64..)
        .filter(|sku| dealbot::sim::catalog::item_by_id(Platform::Jd, *sku).commission_bps > 0)
        .take(n)
        .collect()
}

/// Member `i` of group `g` pastes a JD link: the simulated gateway posts the callback (to the balancer). When no
/// instance accepted it, the same callback is posted again until one does, as the gateway retries.
async fn paste_link(gewe: &GeweSim, i: usize, sku: u64, g: usize) -> bool {
    let member = format!("{MEMBER_PREFIX}{i}");
    let text = format!("https://item.jd.com/{sku}.html");
    if gewe.deliver_text(&room(g), &member, &format!("buyer{i}"), &text).await.is_ok() {
        return true;
    }
    // The message content in the recorded callback's JSON: `wxid_soakN:\nURL`.
    let marker = format!("{member}:\\n{text}");
    let give_up = Instant::now() + Duration::from_secs(60);
    while Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let Some(index) = gewe.callbacks().iter().rposition(|c| c.body.contains(&marker)) else { return false };
        if gewe.redeliver(index).await.is_ok() {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------------------------------------------
// Samples and the report.

struct Sample {
    minute: u64,
    rss: [Option<f64>; INSTANCES],
    pids: [Option<u32>; INSTANCES],
    load1: f64,
}

struct Kill {
    minute: f64,
    instance: usize,
    was_sending: bool,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn latencies_between(answers: &[(SystemTime, f64)], from: SystemTime, to: SystemTime) -> Vec<f64> {
    let mut v: Vec<f64> = answers.iter().filter(|(at, _)| *at >= from && *at < to).map(|(_, ms)| *ms).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Least-squares slope of `(hours, MiB)` points, MiB per hour.
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 3 {
        return None;
    }
    let n = points.len() as f64;
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

fn read_first_line(path: &str, prefix: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_string())
        .unwrap_or_else(|| "?".into())
}

fn memory_gib() -> f64 {
    let kib: f64 =
        read_first_line("/proc/meminfo", "MemTotal").trim_end_matches("kB").trim().parse().unwrap_or(f64::NAN);
    kib / (1024.0 * 1024.0)
}

fn load1() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

fn fmt_ms(v: f64) -> String {
    if v.is_nan() { "–".into() } else { format!("{v:.0}") }
}

fn fmt_mib(v: Option<f64>) -> String {
    v.map_or_else(|| "down".into(), |v| format!("{v:.1}"))
}

/// Counts of warning and error lines in an instance's JSON log.
fn log_levels(path: &Path) -> (usize, usize) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let count = |level: &str| text.lines().filter(|l| l.contains(&format!("\"level\":\"{level}\""))).count();
    (count("WARN"), count("ERROR"))
}

// ---------------------------------------------------------------------------------------------------------------

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        !args.database.is_empty() && args.database.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "--database takes letters, digits and underscores"
    );
    anyhow::ensure!(args.talking <= args.groups && args.talking > 0, "--talking must be within 1..=--groups");
    anyhow::ensure!(args.fanout_every >= 5, "--fanout-every is at least 5 minutes");
    let bin = match &args.bin {
        Some(b) => b.clone(),
        None => std::env::current_exe()?.parent().and_then(Path::parent).map(|d| d.join("dealbot")).unwrap_or_default(),
    };
    anyhow::ensure!(bin.is_file(), "no dealbot binary at {} (cargo build --release --bin dealbot)", bin.display());

    // The run's own database.
    let db_url = {
        use sqlx::Connection;
        let mut admin = sqlx::postgres::PgConnection::connect(&args.postgres).await?;
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", args.database);
        sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut admin).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {}", args.database))).execute(&mut admin).await?;
        let mut url = url::Url::parse(&args.postgres)?;
        url.set_path(&format!("/{}", args.database));
        url.to_string()
    };
    let outcome = run(&args, &bin, &db_url).await;
    {
        use sqlx::Connection;
        let mut admin = sqlx::postgres::PgConnection::connect(&args.postgres).await?;
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", args.database);
        sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut admin).await?;
    }
    if !outcome? {
        anyhow::bail!("messages or posts were lost or delivered twice: see {}", args.report.display());
    }
    Ok(())
}

/// The run; true when nothing was lost or delivered twice.
async fn run(args: &Args, bin: &Path, db_url: &str) -> anyhow::Result<bool> {
    let started_at = time::OffsetDateTime::now_utc();
    // The simulators.
    let sim_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sim_base = format!("http://localhost:{}", sim_listener.local_addr()?.port());
    let sims = Simulators::new(&SimCredentials::default(), &sim_base);
    sims.pdd.set_require_member_auth(false);
    sims.gewe.delay_responses(Duration::from_millis(20));
    let router = sims.router().layer(axum::middleware::from_fn_with_state(PhotoCache::default(), cached_photos));
    tokio::spawn(async move {
        let _ = axum::serve(sim_listener, router).await;
    });

    // The balancer and the instances' ports.
    let ports: Vec<u16> = (0..INSTANCES)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()))
        .collect::<Result<_, _>>()?;
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build()?;
    let lb = Arc::new(Balancer {
        http: http.clone(),
        ports: ports.clone(),
        next: AtomicUsize::new(0),
        failovers: AtomicU64::new(0),
    });
    let lb_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let lb_base = format!("http://127.0.0.1:{}", lb_listener.local_addr()?.port());
    let lb_router = axum::Router::new().fallback(balance).with_state(lb.clone());
    tokio::spawn(async move {
        let _ = axum::serve(lb_listener, lb_router).await;
    });

    let mut settings = dealbot::demo::settings_for_simulators(&sim_base, &lb_base, db_url, SECRET);
    settings.orders.enabled = false;
    settings.feeds.enabled = false;
    settings.server.json_logs = true;
    settings.chat.dnd_hours = String::new();
    settings.chat.reply_budget_per_minute = 1_000;
    settings.robots[0].min_send_interval_ms = args.min_gap_ms;
    settings.robots[0].send_jitter_ms = 0;
    settings.robots[0].min_group_interval_ms = 0;
    let webhook_path = format!("/webhook/gewe/{}/{SECRET}", settings.robots[0].name);
    sims.gewe.set_callback_url(&format!("{lb_base}{webhook_path}"));

    let dir = std::env::temp_dir().join(format!("dealbot-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut list = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let mut s = settings.clone();
        s.server.port = *port;
        let config = dir.join(format!("dealbot-{i}.toml"));
        std::fs::write(&config, toml::to_string(&s)?)?;
        list.push(Instance { config, log: dir.join(format!("dealbot-{i}.log")), child: None });
    }
    let instances: Instances = Arc::new(Mutex::new(list));
    println!("soak: logs and configs in {}", dir.display());

    // The library, the groups with their own PIDs and a plan fanning out to all of them every few minutes.
    let store = Store::connect(db_url, 4).await?;
    store.migrate().await?;
    let affiliates = dealbot::affiliate::Affiliates::from_settings(&settings.affiliate, http.clone());
    let clock = Clock::system();
    let refresh = FeedRefresh::for_platform(&store, &affiliates, Platform::Pdd, &settings.feeds, &clock)?;
    let library = refresh.run().await?.items;
    let r = &settings.robots[0];
    let robot = store.upsert_robot(&r.name, &r.app_id, &r.wxid, "", 1).await?;
    let now = clock.now_ms();
    let mut group_ids = Vec::new();
    for i in 0..args.groups {
        let g = store.ensure_group(robot.id, &room(i), true, now).await?;
        let pid = format!("9000001_{}", 240_000_000 + i);
        store.set_pid(Platform::Pdd, &pid, &room(i), PidOwner::Group(g.id), now).await?;
        sims.pdd.authorize_member(&pid, "p0");
        sims.gewe.name_room(&room(i), &format!("soak group {i}"));
        group_ids.push(g.id);
    }
    // Fan-out slots at local minutes of the day, the first one two minutes from now.
    let offset_secs = settings.chat.utc_offset_hours * 3600;
    let minute_now = (now / 1000 + offset_secs).rem_euclid(86_400) / 60;
    let slot_minutes: Vec<u64> = (0..).map(|k| 2 + k * args.fanout_every).take_while(|m| *m < args.minutes).collect();
    let marks: Vec<u16> =
        slot_minutes.iter().map(|m| u16::try_from((minute_now + *m as i64).rem_euclid(1440)).unwrap_or(0)).collect();
    let start_of_minute_ms = (now / 60_000) * 60_000;
    let plan = Plan {
        name: "soak fan-out".into(),
        targets: Targets::Groups(group_ids.clone()),
        source: Source::Selection(Box::new(FeedFilter { platforms: vec![Platform::Pdd], ..FeedFilter::default() })),
        schedule: Schedule {
            windows: vec!["0-24".parse()?],
            cadence: Cadence::At(marks),
            cap_per_hour: 0,
            cap_per_day: 0,
        },
        enabled: true,
        content: Default::default(),
    };
    plan.validate().map_err(|e| anyhow::anyhow!("plan: {e}"))?;
    let plan_id = store.save_chat_plan(group_ids[0], &plan, now).await?;

    // The instances: 1 and 2 first, so that one of them takes the robot (and is the first one killed).
    for inst in lock(&instances).iter_mut().skip(1) {
        inst.start(bin)?;
    }
    let ready_by = Instant::now() + Duration::from_secs(120);
    while robot_holder(&store).await.is_none() {
        anyhow::ensure!(Instant::now() < ready_by, "no instance took the robot (see {})", dir.display());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    if let Some(first) = lock(&instances).first_mut() {
        first.start(bin)?;
    }
    for port in &ports {
        loop {
            let up = http.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status() == 200);
            if up {
                break;
            }
            anyhow::ensure!(Instant::now() < ready_by, "instance on port {port} did not start (see {})", dir.display());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    let t0 = Instant::now();
    let t0_wall = SystemTime::now();
    // Wall-clock time of slot `m` (minutes after the minute the plan was saved in).
    let slot_wall = |m: u64| {
        SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(start_of_minute_ms).unwrap_or(0) + m * 60_000)
    };
    let load_end = t0 + Duration::from_secs(args.minutes * 60);
    let load_end_wall = t0_wall + Duration::from_secs(args.minutes * 60);
    let tracker = Arc::new(Mutex::new(Tracker::default()));
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let kills = Arc::new(Mutex::new(Vec::<Kill>::new()));
    let not_accepted = Arc::new(AtomicU64::new(0));

    // Reads the simulator's sent list.
    let watcher = {
        let (tracker, gewe) = (tracker.clone(), sims.gewe.clone());
        tokio::spawn(async move {
            loop {
                let sent = gewe.sent();
                lock(&tracker).ingest(&sent);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    };

    // Samples every minute.
    let sampler = {
        let (instances, samples, tracker) = (instances.clone(), samples.clone(), tracker.clone());
        tokio::spawn(async move {
            let mut minute = 0;
            let mut last = (0, 0usize);
            loop {
                minute += 1;
                tokio::time::sleep_until(t0 + Duration::from_secs(60 * minute)).await;
                let pids: Vec<Option<u32>> = lock(&instances).iter().map(Instance::pid).collect();
                let mut sample = Sample { minute, rss: [None; INSTANCES], pids: [None; INSTANCES], load1: load1() };
                for (i, pid) in pids.iter().enumerate() {
                    sample.pids[i] = *pid;
                    sample.rss[i] = pid.and_then(rss_mib);
                }
                let line = {
                    let t = lock(&tracker);
                    let to = SystemTime::now();
                    let from = to - Duration::from_secs(60);
                    let l = latencies_between(&t.answers, from, to);
                    let line = format!(
                        "minute {minute:>3}: RSS {} MiB; messages {} answered {} (+{}) p50 {} ms p99 {} ms; \
                         duplicates {}; posts {} (+{}); sends {}; load {:.1}",
                        sample.rss.iter().map(|r| fmt_mib(*r)).collect::<Vec<_>>().join("/"),
                        t.msgs.len(),
                        t.answered(),
                        t.answered() - last.0,
                        fmt_ms(percentile(&l, 0.5)),
                        fmt_ms(percentile(&l, 0.99)),
                        t.duplicates.len(),
                        t.posts.len(),
                        t.posts.len() - last.1,
                        t.sends,
                        sample.load1,
                    );
                    last = (t.answered(), t.posts.len());
                    line
                };
                println!("{line}");
                lock(&samples).push(sample);
            }
        })
    };

    // Kills instance 1 or 2 every few minutes and restarts it after a pause.
    let killer = {
        let (instances, kills, store, bin) = (instances.clone(), kills.clone(), store.clone(), bin.to_path_buf());
        let (every, down) = (args.kill_every, Duration::from_secs(args.down_secs));
        tokio::spawn(async move {
            if every == 0 {
                return;
            }
            let mut k = 0;
            let mut last_victim = 2;
            loop {
                k += 1;
                let at = t0 + Duration::from_secs(60 * every * k);
                if at + down >= load_end {
                    return;
                }
                tokio::time::sleep_until(at).await;
                let holder = robot_holder(&store).await;
                let victim = {
                    let list = lock(&instances);
                    let sending = (1..INSTANCES).find(|i| {
                        let pid = list[*i].pid();
                        pid.zip(holder.as_deref()).is_some_and(|(p, h)| h.starts_with(&format!("{p}-")))
                    });
                    // Else the other one of 1 and 2 than last time.
                    sending.map_or((3 - last_victim, false), |i| (i, true))
                };
                lock(&instances)[victim.0].kill();
                let minute = t0.elapsed().as_secs_f64() / 60.0;
                println!("minute {minute:>5.1}: killed instance {} (sending: {})", victim.0, victim.1);
                lock(&kills).push(Kill { minute, instance: victim.0, was_sending: victim.1 });
                last_victim = victim.0;
                tokio::time::sleep(down).await;
                if let Err(e) = lock(&instances)[victim.0].start(&bin) {
                    eprintln!("restarting instance {}: {e}", victim.0);
                }
            }
        })
    };

    // The load: pasted links, evenly spread.
    let total = usize::try_from(args.minutes * args.per_minute)?;
    let skus = promotable_skus(total);
    let interval = Duration::from_secs_f64(60.0 / args.per_minute.max(1) as f64);
    let mut posters = Vec::with_capacity(total);
    for (i, sku) in skus.iter().enumerate() {
        tokio::time::sleep_until(t0 + interval * u32::try_from(i)?).await;
        let group = i % args.talking;
        lock(&tracker).msgs.push(Msg { group, posted: SystemTime::now(), replies: Vec::new() });
        let (gewe, sku, not_accepted) = (sims.gewe.clone(), *sku, not_accepted.clone());
        posters.push(tokio::spawn(async move {
            if !paste_link(&gewe, i, sku, group).await {
                not_accepted.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep_until(load_end).await;
    for p in posters {
        let _ = p.await;
    }
    let _ = killer.await;
    println!("soak: load over; draining");

    // The drain: every message answered, the due posts out, nothing queued.
    let slots_due: Vec<u64> = slot_minutes.iter().copied().filter(|m| slot_wall(*m) < load_end_wall).collect();
    let drain_by = Instant::now() + Duration::from_secs(args.drain_secs);
    loop {
        let done = {
            let t = lock(&tracker);
            t.answered() == t.msgs.len() && t.posts.len() >= slots_due.len() * args.groups
        };
        let queued = store.outbox_count("queued").await.unwrap_or(1) + store.outbox_count("sending").await.unwrap_or(1);
        if (done && queued == 0) || Instant::now() > drain_by {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // Time for a late duplicate to show.
    tokio::time::sleep(Duration::from_secs(5)).await;
    lock(&tracker).ingest(&sims.gewe.sent());
    let drained_after = t0.elapsed();
    sampler.abort();
    watcher.abort();
    let final_rss: Vec<Option<f64>> = lock(&instances).iter().map(|i| i.pid().and_then(rss_mib)).collect();
    for inst in lock(&instances).iter_mut() {
        inst.kill();
    }

    // Database-side facts.
    let deliveries = store.plan_deliveries(plan_id, 1_000_000).await?;
    let mut delivery_status: BTreeMap<String, usize> = BTreeMap::new();
    for d in &deliveries {
        *delivery_status.entry(d.status.clone()).or_default() += 1;
    }
    let dead = store.outbox_count("dead").await?;
    let failed = store.count_inbound("failed").await?;
    let unbalanced: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_balances b
         LEFT JOIN (SELECT account_kind, account_id, SUM(pending_delta) AS p, SUM(available_delta) AS a
                    FROM ledger_entries GROUP BY account_kind, account_id) e
           ON e.account_kind = b.account_kind AND e.account_id = b.account_id
         WHERE b.pending <> COALESCE(e.p, 0) OR b.available <> COALESCE(e.a, 0)",
    )
    .fetch_one(store.pool())
    .await?;
    store.pool().close().await;

    // The robot's pacing, from the simulator's arrival times.
    let mut arrivals: Vec<SystemTime> = sims.gewe.send_attempts().iter().map(|a| a.at).collect();
    arrivals.sort();
    let gaps_under = arrivals
        .windows(2)
        .filter(|w| w[1].duration_since(w[0]).unwrap_or_default() < Duration::from_millis(args.min_gap_ms))
        .count();

    let pg_version = read_pg_version(&args.postgres).await;
    let levels: Vec<(usize, usize)> = lock(&instances).iter().map(|inst| log_levels(&inst.log)).collect();
    let tracker = lock(&tracker);
    let (mut lost_posts, mut dup_posts) = (0u64, 0u64);
    for g in 0..args.groups {
        let delivered = tracker.post_texts.get(&room(g)).copied().unwrap_or(0);
        let due = slots_due.len() as u64;
        lost_posts += due.saturating_sub(delivered);
        dup_posts += delivered.saturating_sub(due);
    }
    let lost_msgs = tracker.msgs.iter().filter(|m| m.replies.is_empty()).count();
    let passed = lost_msgs == 0 && tracker.duplicates.is_empty() && lost_posts == 0 && dup_posts == 0;
    let findings = Findings {
        args,
        bin,
        photo_cache_bytes: settings.fetch.cache_max_bytes,
        poster_cache_bytes: settings.poster.cache_max_bytes,
        started_at,
        drained_after,
        t0_wall,
        load_end_wall,
        library,
        slots_due,
        tracker: &tracker,
        samples: &lock(&samples),
        kills: &lock(&kills),
        final_rss,
        delivery_status,
        dead,
        failed,
        unbalanced,
        gaps_under,
        gaps: arrivals.len().saturating_sub(1),
        failovers: lb.failovers.load(Ordering::Relaxed),
        not_accepted: not_accepted.load(Ordering::Relaxed),
        levels,
        pg_version,
        lost_posts,
        dup_posts,
        passed,
    };
    let md = report(&findings)?;
    if let Some(parent) = args.report.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.report, &md)?;
    println!("{md}");
    println!("soak: report written to {}", args.report.display());
    Ok(passed)
}

/// What the run found.
struct Findings<'a> {
    args: &'a Args,
    bin: &'a Path,
    photo_cache_bytes: u64,
    poster_cache_bytes: u64,
    started_at: time::OffsetDateTime,
    drained_after: Duration,
    t0_wall: SystemTime,
    load_end_wall: SystemTime,
    library: usize,
    slots_due: Vec<u64>,
    tracker: &'a Tracker,
    samples: &'a [Sample],
    kills: &'a [Kill],
    final_rss: Vec<Option<f64>>,
    delivery_status: BTreeMap<String, usize>,
    dead: i64,
    failed: i64,
    unbalanced: i64,
    gaps_under: usize,
    gaps: usize,
    failovers: u64,
    not_accepted: u64,
    /// WARN and ERROR log lines per instance.
    levels: Vec<(usize, usize)>,
    pg_version: String,
    lost_posts: u64,
    dup_posts: u64,
    passed: bool,
}

/// The report (markdown).
fn report(f: &Findings<'_>) -> anyhow::Result<String> {
    let (args, t, samples, kills) = (f.args, f.tracker, f.samples, f.kills);
    let mut md = String::new();
    let w = &mut md;
    writeln!(w, "# Soak run: three instances on one PostgreSQL database")?;
    writeln!(w)?;
    writeln!(w, "Not part of CI. `scripts/soak` builds the release binary and `examples/soak.rs`, then runs it:")?;
    writeln!(w)?;
    writeln!(w, "```sh")?;
    writeln!(w, "scripts/soak                 # 30 minutes, this report written to docs/soak.md")?;
    writeln!(w, "scripts/soak --minutes 3     # a short check")?;
    writeln!(w, "scripts/soak --help          # load, fan-out, kill and drain settings")?;
    writeln!(w, "```")?;
    writeln!(w)?;
    writeln!(
        w,
        "It needs PostgreSQL on localhost:5432 (user `postgres`, trust authentication, as `.ci/run` sets up) and \
         creates and drops its own database (`{}`). Three `dealbot serve` processes share that database and one \
         robot behind a round-robin balancer in the driver, which carries the webhook callbacks, the gateway's echoes \
         of sent messages and the gateway's poster downloads (an instance that does not answer is skipped, as a load \
         balancer does); the simulators run inside the driver. Members paste JD links (each message from a new \
         member, so the reply's @-mention names its message) at a steady rate over the first groups; a plan fans a \
         post out to every group every few minutes; every few minutes instance 1 or 2 (the one sending for the \
         robot, when it is one of them) is killed with -9 and restarted after a pause longer than the lease. \
         Instance 0 is never killed: it is the memory baseline. Every minute the driver samples each instance's RSS \
         (`/proc/PID/status` VmRSS) and the webhook→reply latency: from posting the callback to the simulated \
         gateway receiving the reply's text (its poster comes just before). The simulated CDN's photos are \
         deterministic, so the driver keeps each after its first answer: generating the same photo for every group \
         of a fan-out would otherwise starve on a busy machine. After the load it waits for the work to \
         drain and exits non-zero when a message was not answered, or answered twice, or a post was lost or \
         delivered twice.",
        args.database
    )?;
    writeln!(w)?;
    writeln!(w, "## Last run")?;
    writeln!(w)?;
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    writeln!(
        w,
        "- Started {} (UTC); {} minutes of load, drained {:.1} minutes after the start.",
        f.started_at.format(&fmt)?,
        args.minutes,
        f.drained_after.as_secs_f64() / 60.0
    )?;
    let commit = Command::new("git").args(["rev-parse", "--short", "HEAD"]).output().ok();
    let commit = commit.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    writeln!(
        w,
        "- Machine: {} × {}, {:.1} GiB memory, Linux {}; commit {}.",
        std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get),
        read_first_line("/proc/cpuinfo", "model name"),
        memory_gib(),
        read_first_line("/proc/sys/kernel/osrelease", ""),
        if commit.is_empty() { "?" } else { &commit },
    )?;
    let profile = if f.bin.components().any(|c| c.as_os_str() == "release") {
        "release build"
    } else {
        "not a release build: the crate unoptimized, its dependencies at opt-level 2"
    };
    writeln!(w, "- Binary: `{}` ({profile}).", f.bin.display())?;
    let loads: Vec<f64> = samples.iter().map(|s| s.load1).filter(|l| !l.is_nan()).collect();
    if !loads.is_empty() {
        writeln!(
            w,
            "- Load average (1 min) during the run: {:.1} to {:.1}, mean {:.1}.",
            loads.iter().copied().fold(f64::INFINITY, f64::min),
            loads.iter().copied().fold(0.0, f64::max),
            loads.iter().sum::<f64>() / loads.len() as f64
        )?;
    }
    if let Some(note) = &args.note {
        writeln!(w, "- {note}")?;
    }
    writeln!(
        w,
        "- Load: {} links a minute over {} groups; fan-out to {} groups at minutes {:?} ({} items in the library); \
         robot gap {} ms; kill -9 every {} minutes, {} s down; PostgreSQL {}.",
        args.per_minute,
        args.talking,
        args.groups,
        f.slots_due,
        f.library,
        args.min_gap_ms,
        args.kill_every,
        args.down_secs,
        f.pg_version,
    )?;
    let kill_list: Vec<String> = kills
        .iter()
        .map(|k| format!("{} at {:.1} min{}", k.instance, k.minute, if k.was_sending { " (sending)" } else { "" }))
        .collect();
    writeln!(w, "- Kills: {}.", if kill_list.is_empty() { "none".into() } else { kill_list.join(", ") })?;
    writeln!(w)?;
    writeln!(w, "| | count |")?;
    writeln!(w, "|---|---|")?;
    writeln!(w, "| messages posted | {} |", t.msgs.len())?;
    writeln!(w, "| answered | {} |", t.answered())?;
    writeln!(w, "| **lost** (never answered) | {} |", t.msgs.iter().filter(|m| m.replies.is_empty()).count())?;
    writeln!(w, "| **answered twice** (extra replies) | {} |", t.duplicates.len())?;
    writeln!(w, "| reply texts not right after their poster | {} |", t.out_of_order)?;
    writeln!(w, "| posts due (slots × groups) | {} |", f.slots_due.len() * args.groups)?;
    writeln!(w, "| posts delivered | {} |", t.posts.len())?;
    writeln!(w, "| **posts lost / twice** | {} / {} |", f.lost_posts, f.dup_posts)?;
    writeln!(w, "| plan deliveries by status | {:?} |", f.delivery_status)?;
    writeln!(w, "| sends received by the gateway | {} |", t.sends)?;
    writeln!(w, "| gaps under the robot's {} ms | {} of {} |", args.min_gap_ms, f.gaps_under, f.gaps)?;
    writeln!(w, "| balancer fail-overs / callbacks never accepted | {} / {} |", f.failovers, f.not_accepted)?;
    writeln!(w, "| dead outbox rows / failed inbound rows | {} / {} |", f.dead, f.failed)?;
    writeln!(w, "| ledger accounts not balanced | {} |", f.unbalanced)?;
    let levels: Vec<String> =
        f.levels.iter().enumerate().map(|(i, (warn, error))| format!("{i}: {warn}/{error}")).collect();
    writeln!(w, "| log lines WARN/ERROR per instance | {} |", levels.join(", "))?;
    writeln!(w)?;

    writeln!(w, "## Every 5 minutes")?;
    writeln!(w)?;
    writeln!(
        w,
        "RSS (MiB) at the window's last sample (`down`: not running then; `k`: killed in the window, so the figure \
         is a fresh process); latency of the replies that arrived in the window; lost counts the window's messages \
         never answered."
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "| minutes | RSS 0 | RSS 1 | RSS 2 | posted | answered | p50 ms | p99 ms | lost | twice | posts | load |"
    )?;
    writeln!(w, "|---|---|---|---|---|---|---|---|---|---|---|---|")?;
    let windows = args.minutes.div_ceil(5);
    for win in 0..=windows {
        // The load in windows of 5 minutes, then the drain.
        let (from_min, to_min) =
            if win == windows { (args.minutes, u64::MAX / 120) } else { (win * 5, ((win + 1) * 5).min(args.minutes)) };
        let from = f.t0_wall + Duration::from_secs(from_min * 60);
        let to = if win == windows { SystemTime::now() } else { f.t0_wall + Duration::from_secs(to_min * 60) };
        let label = if win == windows { format!("{from_min}–end (drain)") } else { format!("{from_min}–{to_min}") };
        let last = samples.iter().rfind(|s| s.minute > from_min && s.minute <= to_min);
        let rss: Vec<String> = (0..INSTANCES)
            .map(|i| {
                let killed =
                    kills.iter().any(|k| k.instance == i && k.minute >= from_min as f64 && k.minute < to_min as f64);
                let v = if win == windows { f.final_rss[i] } else { last.and_then(|s| s.rss[i]) };
                format!("{}{}", fmt_mib(v), if killed { " k" } else { "" })
            })
            .collect();
        let posted = t.msgs.iter().filter(|m| m.posted >= from && m.posted < to).count();
        let lat = latencies_between(&t.answers, from, to);
        let lost = t.msgs.iter().filter(|m| m.posted >= from && m.posted < to && m.replies.is_empty()).count();
        let twice = t.duplicates.iter().filter(|at| **at >= from && **at < to).count();
        let posts = t.posts.iter().filter(|at| **at >= from && **at < to).count();
        let load: Vec<f64> =
            samples.iter().filter(|s| s.minute > from_min && s.minute <= to_min).map(|s| s.load1).collect();
        let load =
            if load.is_empty() { "–".into() } else { format!("{:.1}", load.iter().sum::<f64>() / load.len() as f64) };
        writeln!(
            w,
            "| {label} | {} | {} | {} | {posted} | {} | {} | {} | {lost} | {twice} | {posts} | {load} |",
            rss[0],
            rss[1],
            rss[2],
            lat.len(),
            fmt_ms(percentile(&lat, 0.5)),
            fmt_ms(percentile(&lat, 0.99)),
        )?;
    }
    writeln!(w)?;

    writeln!(w, "## Drift")?;
    writeln!(w)?;
    let points0: Vec<(f64, f64)> =
        samples.iter().filter_map(|s| s.rss[0].map(|r| (s.minute as f64 / 60.0, r))).collect();
    let after_warmup: Vec<(f64, f64)> = points0.iter().copied().filter(|(h, _)| *h * 60.0 > 5.0).collect();
    let first = points0.first().map(|p| p.1);
    let last = points0.last().map(|p| p.1);
    writeln!(
        w,
        "- RSS of instance 0 (never killed): {} MiB after the first minute, {} MiB at the last sample; slope {} \
         MiB/hour over the whole run, {} MiB/hour after the first 5 minutes (least squares over the minute samples).",
        fmt_mib(first),
        fmt_mib(last),
        slope(&points0).map_or("–".into(), |s| format!("{s:+.1}")),
        slope(&after_warmup).map_or("–".into(), |s| format!("{s:+.1}")),
    )?;
    writeln!(
        w,
        "- An instance's caches are bounded but fill as the run goes: decoded product photos up to {} MiB \
         (`fetch.cache_max_bytes`) and posters up to {} MiB (`poster.cache_max_bytes`), so RSS rises until they are \
         full; a rise well past that is a leak.",
        f.photo_cache_bytes >> 20,
        f.poster_cache_bytes >> 20
    )?;
    for i in 1..INSTANCES {
        // One process lifetime: consecutive samples with the same PID.
        let mut lives: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut pid = None;
        for s in samples.iter() {
            match (s.pids[i], s.rss[i]) {
                (Some(p), Some(r)) => {
                    if pid != Some(p) {
                        lives.push(Vec::new());
                        pid = Some(p);
                    }
                    if let Some(life) = lives.last_mut() {
                        life.push((s.minute as f64 / 60.0, r));
                    }
                }
                _ => pid = None,
            }
        }
        let described: Vec<String> = lives
            .iter()
            .filter(|l| l.len() >= 3)
            .map(|l| {
                format!(
                    "{:.0}–{:.0} min: {:.1}→{:.1} MiB, {} MiB/hour",
                    l[0].0 * 60.0,
                    l[l.len() - 1].0 * 60.0,
                    l[0].1,
                    l[l.len() - 1].1,
                    slope(l).map_or("–".into(), |s| format!("{s:+.1}"))
                )
            })
            .collect();
        writeln!(
            w,
            "- Instance {i}, per process lifetime of 3 samples or more: {}.",
            if described.is_empty() { "none".into() } else { described.join("; ") }
        )?;
    }
    let five = Duration::from_secs(300);
    let first5 = latencies_between(&t.answers, f.t0_wall, f.t0_wall + five);
    let last5 = latencies_between(&t.answers, f.load_end_wall.checked_sub(five).unwrap_or(f.t0_wall), f.load_end_wall);
    writeln!(
        w,
        "- Latency, first 5 minutes vs last 5 minutes of the load: p50 {} → {} ms, p99 {} → {} ms ({} and {} replies).",
        fmt_ms(percentile(&first5, 0.5)),
        fmt_ms(percentile(&last5, 0.5)),
        fmt_ms(percentile(&first5, 0.99)),
        fmt_ms(percentile(&last5, 0.99)),
        first5.len(),
        last5.len()
    )?;
    let mut all: Vec<f64> = t.answers.iter().map(|a| a.1).collect();
    all.sort_by(f64::total_cmp);
    writeln!(
        w,
        "- Whole run: p50 {} ms, p99 {} ms, max {} ms over {} replies.",
        fmt_ms(percentile(&all, 0.5)),
        fmt_ms(percentile(&all, 0.99)),
        fmt_ms(all.last().copied().unwrap_or(f64::NAN)),
        all.len()
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "**Result: {}.**",
        if f.passed { "pass — every message answered once, every post delivered once" } else { "FAIL" }
    )?;
    let unanswered: Vec<String> =
        t.msgs.iter().filter(|m| m.replies.is_empty()).take(10).map(|m| room(m.group)).collect();
    if !unanswered.is_empty() {
        writeln!(w, "\nUnanswered messages (first groups): {}.", unanswered.join(", "))?;
    }
    Ok(md)
}

/// The instance holding the robot's sends (`PID-random`), if any.
async fn robot_holder(store: &Store) -> Option<String> {
    sqlx::query_scalar("SELECT holder FROM outbox_robots WHERE lease_until > 0 AND holder <> '' LIMIT 1")
        .fetch_optional(store.pool())
        .await
        .ok()
        .flatten()
}

async fn read_pg_version(url: &str) -> String {
    use sqlx::Connection;
    let Ok(mut conn) = sqlx::postgres::PgConnection::connect(url).await else { return "?".into() };
    sqlx::query_scalar::<_, String>("SHOW server_version").fetch_one(&mut conn).await.unwrap_or_else(|_| "?".into())
}
