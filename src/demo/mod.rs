//! `dealbot demo` and `dealbot sim`: the robot wired to the in-process simulators over real HTTP.
//!
//! The demo listens on one port: dealbot's own routes plus every simulator under `/sim`. The simulated GeWe
//! gateway posts callbacks to dealbot's webhook and dealbot sends its replies back through the simulated
//! gateway's API, so the playground page exercises the real path end to end.
//!
//! The data folder keeps the database, the dashboard login ([`DASHBOARD_LOGIN_FILE`], 0600) and how far 快进 has
//! moved the unions' time ([`UNION_CLOCK_FILE`]), so a restart finds everything as it was. 快进 moves the unions'
//! clocks and the clock of dealbot's order sync (the unions' "now": sync windows, JD's settlement date); chat and
//! dashboard keep the real time, so a demo order shows on today's 概览 once it has settled.

pub mod text;

use crate::clock::Clock;
use crate::config::{ResolveOverride, RobotSettings, Secret, Settings};
use crate::engine::Engine;
use crate::orders::SyncNow;
use crate::sim::gewe::{PLAYGROUND_OWNER_NICKNAME, PLAYGROUND_ROOM, PLAYGROUND_SOURCE_ROOM, playground_wxid};
use crate::sim::world::AfterAdvance;
use crate::sim::{SimCredentials, Simulators};
use crate::startup::{Application, Extras, StartupError};
use crate::store::Store;
use rand::Rng;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The dashboard login of a data folder: `{"user": …, "password": …}`, readable by the owner only.
pub const DASHBOARD_LOGIN_FILE: &str = "dashboard-login.json";
/// Seconds 快进 has moved the unions' clocks, as text.
pub const UNION_CLOCK_FILE: &str = "union-clock-offset";
/// The dashboard user the demo creates.
pub const DASHBOARD_USER: &str = "admin";
/// Days after completion a demo JD order settles (JD itself pays on the 20th of the following month).
pub const DEMO_JD_SETTLEMENT_DAYS: u32 = 7;
/// Longest wait for the order sync after 快进.
const SYNC_PATIENCE: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("data folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{path} is not a valid dashboard login: {error}")]
    LoginFile { path: PathBuf, error: serde_json::Error },
    #[error("dashboard user: {0}")]
    User(String),
}

/// Demo PIDs (推广位) the simulated platforms accept.
pub const DEMO_PDD_PID: &str = "9000001_100000001";
pub const DEMO_JD_PID: &str = "3100000001";
pub const DEMO_TAOBAO_PID: &str = "mm_1000_2000_3000";

/// Settings that point dealbot at simulators served under `sim_base` (e.g. `http://localhost:8080/sim`).
pub fn settings_for_simulators(
    sim_base: &str,
    public_base: &str,
    database_url: &str,
    webhook_secret: &str,
) -> Settings {
    let creds = SimCredentials::default();
    let mut s = Settings::default();
    s.database.url = database_url.to_string();
    s.server.public_base_url = public_base.to_string();
    // The simulated CDN runs on this machine: its host name is a trusted override to the loopback address.
    if let Ok(url) = url::Url::parse(sim_base)
        && let (Some(host), Some(port)) = (url.domain(), url.port_or_known_default())
    {
        s.fetch.resolve = vec![ResolveOverride { host: host.to_string(), addr: ([127, 0, 0, 1], port).into() }];
    }
    s.robots = vec![RobotSettings {
        name: "demo".into(),
        base_url: format!("{sim_base}/gewe/v2/api"),
        download_base_url: format!("{sim_base}/gewe/download"),
        token: Secret::new(creds.gewe_token.clone()),
        app_id: crate::sim::gewe::DEFAULT_APP_ID.into(),
        wxid: crate::sim::gewe::DEFAULT_BOT_WXID.into(),
        nickname: crate::sim::gewe::DEFAULT_BOT_NICKNAME.into(),
        webhook_secret: Secret::new(webhook_secret),
        min_send_interval_ms: 0,
        send_jitter_ms: 0,
        min_group_interval_ms: 0,
        ..RobotSettings::default()
    }];
    let a = &mut s.affiliate;
    a.pdd.enabled = true;
    a.pdd.gateway_url = format!("{sim_base}/pdd/api/router");
    a.pdd.client_id = creds.pdd_client_id.clone();
    a.pdd.client_secret = Secret::new(creds.pdd_client_secret.clone());
    a.pdd.default_pid = DEMO_PDD_PID.into();
    a.pdd.authorize_url = format!("{sim_base}/pdd/open.html");
    a.pdd.redirect_uri = format!("{public_base}/auth/pdd/callback");
    a.jd.enabled = true;
    a.jd.gateway_url = format!("{sim_base}/jd/routerjson");
    a.jd.app_key = creds.jd_app_key.clone();
    a.jd.app_secret = Secret::new(creds.jd_app_secret.clone());
    a.jd.default_pid = DEMO_JD_PID.into();
    a.taobao.enabled = true;
    a.taobao.gateway_url = format!("{sim_base}/taobao/router/rest");
    a.taobao.app_key = creds.taobao_app_key.clone();
    a.taobao.app_secret = Secret::new(creds.taobao_app_secret.clone());
    a.taobao.default_pid = DEMO_TAOBAO_PID.into();
    a.taobao.invite_code = crate::sim::taobao::MEMBER_INVITE_CODE.into();
    a.taobao.oauth_url = format!("{sim_base}/taobao/oauth");
    s
}

/// The demo operator's union accounts list the default PIDs and eight more of each platform (`…02` to `…09`), so
/// that `#绑定推广位` can be tried in the playground (a PID outside the account is refused).
pub fn seed_union_accounts(sims: &Simulators) {
    for n in 1..=9_u64 {
        sims.pdd.add_pid(&format!("9000001_10000000{n}"), &text::pdd_pid_name(n));
        sims.jd.add_position(3_100_000_000 + n, &text::jd_position_name(n));
    }
}

pub fn random_secret() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Runs the demo until Ctrl-C.
pub async fn run(port: u16, data_dir: &Path) -> Result<(), DemoError> {
    crate::store::sqlite_file::private_dir(data_dir)?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(StartupError::from)?;
    let port = listener.local_addr()?.port();
    let base = format!("http://localhost:{port}");
    let sim_base = format!("{base}/sim");
    let sims = Simulators::new(&SimCredentials::default(), &sim_base);
    sims.pdd.set_require_member_auth(false);
    seed_union_accounts(&sims);
    // Orders come from the playground's 下单, and settle within the reach of one 快进.
    sims.jd.set_automatic_orders(false);
    sims.taobao.set_automatic_orders(false);
    sims.jd.set_settlement(crate::sim::jd::Settlement::AfterDays(DEMO_JD_SETTLEMENT_DAYS));
    sims.gewe.set_dashboard_url(Some("/admin"));
    let union_clock = UnionClock::load(data_dir)?;
    sims.advance_unions(Duration::from_secs(union_clock.offset_secs()));
    let sync_now = SyncNow::default();
    let secret = random_secret();
    let db = format!("sqlite://{}", data_dir.join("dealbot.db").display());
    let mut settings = settings_for_simulators(&sim_base, &base, &db, &secret);
    settings.robots.extend(wecom_robots(&sim_base));
    sims.wecom.set_callback_url(&format!("http://127.0.0.1:{port}/webhook/wecom/{DEMO_WECOM_AIBOT}"));
    let admin_token = random_secret();
    settings.admin.api_token = Secret::new(admin_token.clone());
    // The unions are local: 快进 reads weeks of order windows at once.
    settings.affiliate.pdd.qps = 1_000;
    settings.affiliate.jd.qps = 1_000;
    settings.affiliate.taobao.qps = 1_000;
    sims.gewe.set_callback_url(&format!("http://127.0.0.1:{port}/webhook/gewe/demo/{secret}"));
    let orders_clock = union_clock.clock.clone();
    let after_advance = union_clock.after_advance(&sync_now);
    let extras = Extras {
        router: Some(axum::Router::new().nest("/sim", sims.router_with(Some(after_advance)))),
        playground_url: Some(format!("{sim_base}/gewe/playground")),
        clock: None,
        orders_clock: Some(orders_clock),
        sync_now: Some(sync_now),
    };
    let app = Application::build_with_listener(settings, listener, extras).await?;
    prepare_playground(&app.engine).await?;
    let login = dashboard_login(&app.engine.store, data_dir).await?;
    sims.gewe.add_member(PLAYGROUND_ROOM, &playground_wxid(PLAYGROUND_OWNER_NICKNAME), PLAYGROUND_OWNER_NICKNAME);
    println!("dealbot demo is ready: open http://localhost:{port}/playground");
    println!("dashboard: http://localhost:{port}/admin user: {} password: {}", login.user, login.password);
    println!("admin API token for this run: {admin_token} (e.g. GET /auth/pdd/status with Authorization: Bearer …)");
    app.run_until_stopped().await?;
    Ok(())
}

/// The dashboard login of the demo.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DashboardLogin {
    pub user: String,
    pub password: String,
}

/// The data folder's dashboard login: read from [`DASHBOARD_LOGIN_FILE`], or made up and written there (0600) on
/// the first start; the admin account is created, or its password set, to match.
pub async fn dashboard_login(store: &Store, data_dir: &Path) -> Result<DashboardLogin, DemoError> {
    let path = data_dir.join(DASHBOARD_LOGIN_FILE);
    let login = match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| DemoError::LoginFile { path: path.clone(), error: e })?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let password: String =
                rand::rng().sample_iter(rand::distr::Alphanumeric).take(20).map(char::from).collect();
            let login = DashboardLogin { user: DASHBOARD_USER.to_string(), password };
            let json = serde_json::to_vec(&login).map_err(|e| DemoError::LoginFile { path: path.clone(), error: e })?;
            write_private(&path, &json)?;
            login
        }
        Err(e) => return Err(e.into()),
    };
    let now = crate::store::now_ms();
    match store.user_by_name(&login.user).await? {
        None => {
            let role = crate::store::users::Role::Admin;
            crate::admin::settings::add_user(store, &login.user, &login.password, role, None, now)
                .await
                .map_err(|e| DemoError::User(e.to_string()))?;
        }
        Some(user) => {
            let matches =
                crate::admin::password::verify_async(login.password.clone(), Some(user.password_hash.clone()))
                    .await
                    .map_err(|e| DemoError::User(e.to_string()))?;
            if !matches {
                let hash = crate::admin::password::hash_async(login.password.clone())
                    .await
                    .map_err(|e| DemoError::User(e.to_string()))?;
                store.set_user_password(user.id, &hash, now).await?;
            }
        }
    }
    Ok(login)
}

/// Writes a new file readable and writable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// How far 快进 has moved the unions' time, kept in the data folder; `clock` is the order sync's clock.
struct UnionClock {
    path: PathBuf,
    clock: Clock,
}

impl UnionClock {
    fn load(data_dir: &Path) -> std::io::Result<UnionClock> {
        let path = data_dir.join(UNION_CLOCK_FILE);
        let offset = match std::fs::read_to_string(&path) {
            Ok(text) => text.trim().parse::<u64>().unwrap_or(0),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(e),
        };
        let clock = Clock::system();
        clock.advance_ms(i64::try_from(offset.saturating_mul(1000)).unwrap_or(0));
        Ok(UnionClock { path, clock })
    }

    fn offset_secs(&self) -> u64 {
        u64::try_from(self.clock.offset_ms().div_euclid(1000)).unwrap_or(0)
    }

    /// 快进's second half: the order sync's clock moves as the unions' did, the offset is kept, and the syncs run
    /// up to the new time.
    fn after_advance(self, sync_now: &SyncNow) -> AfterAdvance {
        let this = Arc::new(self);
        let sync_now = sync_now.clone();
        Arc::new(move |by: Duration| {
            let this = this.clone();
            let sync_now = sync_now.clone();
            Box::pin(async move {
                this.clock.advance_ms(i64::try_from(by.as_millis()).unwrap_or(0));
                if let Err(e) = std::fs::write(&this.path, this.offset_secs().to_string()) {
                    tracing::warn!(error = %e, "cannot keep the union clock offset");
                }
                let synced =
                    sync_now.sync_until(this.clock.now_secs(), SYNC_PATIENCE).await.map_err(|e| e.to_string())?;
                let platforms: Vec<&str> = synced.iter().map(|p| p.code()).collect();
                Ok(serde_json::json!({ "platforms": platforms }))
            })
        })
    }
}

/// Makes the playground's owner identity ([`PLAYGROUND_OWNER_NICKNAME`]) the owner (partner) of the playground
/// group of every robot, so that owner commands can be tried on the page.
pub async fn prepare_playground(engine: &Engine) -> Result<(), crate::store::StoreError> {
    let now = engine.clock.now_ms();
    let owner = playground_wxid(PLAYGROUND_OWNER_NICKNAME);
    let store = &engine.store;
    let partner = store.ensure_partner(&owner, PLAYGROUND_OWNER_NICKNAME, now).await?;
    for robot in engine.robots.values() {
        if robot.settings.gateway == crate::config::GatewayKind::WecomWebhook {
            // The WeCom group gets deals too (see the WeCom playground).
            let group = store.ensure_group(robot.id, &robot.settings.name, true, now).await?;
            if store.chat_plan(group.id).await?.is_none() {
                store.save_chat_plan(group.id, &demo_plan(group.id), now).await?;
            }
        }
        if robot.settings.gateway != crate::config::GatewayKind::Gewe {
            continue;
        }
        let source = store
            .ensure_group(robot.id, PLAYGROUND_SOURCE_ROOM, engine.settings.engine.auto_enable_groups, now)
            .await?;
        let group =
            store.ensure_group(robot.id, PLAYGROUND_ROOM, engine.settings.engine.auto_enable_groups, now).await?;
        if store.collect_source(source.id).await?.is_none() {
            // 线报源 is a source group: its deals appear, converted, in the member group as they come.
            let spec = crate::collection::SourceSpec {
                targets: vec![group.id],
                gap_secs: 0,
                cap_per_hour: 60,
                ..crate::collection::SourceSpec::default()
            };
            store.save_collect_source(source.id, &spec, now).await?;
            store.set_group_enabled(source.id, false, now).await?;
            engine.invalidate_group(robot.id, PLAYGROUND_SOURCE_ROOM).await;
        }
        store.touch_member(&owner, Some(PLAYGROUND_OWNER_NICKNAME), Some(group.id), now).await?;
        store.set_group_partner(group.id, Some(partner), now).await?;
        engine.invalidate_group(robot.id, PLAYGROUND_ROOM).await;
        if store.chat_plan(group.id).await?.is_none() {
            store.save_chat_plan(group.id, &demo_plan(group.id), now).await?;
        }
    }
    seed_demo_campaign(engine, now).await?;
    seed_private_chat_faq(engine, now).await
}

/// The playground's sample Pinduoduo item.
const DEMO_CAMPAIGN_ITEM: u64 = 386_512_047_723;

/// A running 免单 campaign on the playground's sample Pinduoduo item, so `免单` and the 免单活动 page show one
/// (only when there is no campaign yet).
async fn seed_demo_campaign(engine: &Engine, now: i64) -> Result<(), crate::store::StoreError> {
    use crate::store::campaigns::{CampaignItem, Limits, NewCampaign, Subsidy};
    let store = &engine.store;
    if !store.campaigns().await?.is_empty() {
        return Ok(());
    }
    let item = crate::sim::catalog::item_by_id(crate::platform::Platform::Pdd, DEMO_CAMPAIGN_ITEM);
    let campaign = NewCampaign {
        name: crate::engine::text::DEMO_CAMPAIGN_NAME.into(),
        subsidy: Subsidy::Full { cap: crate::money::Fen(1_000) },
        budget: crate::money::Fen(50_000),
        limits: Limits { one_per_member: true, one_per_item: false, new_members_only: false },
        starts_at: now - 60_000,
        ends_at: now + 30 * 24 * 3_600_000,
        items: vec![CampaignItem {
            platform: crate::platform::Platform::Pdd,
            item_id: DEMO_CAMPAIGN_ITEM.to_string(),
            title: item.title,
            price: crate::money::Fen(item.price_fen),
        }],
        groups: Vec::new(),
    };
    store.create_campaign(&campaign, now).await?;
    Ok(())
}

/// Q&A entries of the private-chat rule set, so 私聊 answers questions in the demo (only when it has none).
async fn seed_private_chat_faq(engine: &Engine, now: i64) -> Result<(), crate::store::StoreError> {
    use crate::store::keywords::PRIVATE;
    let store = &engine.store;
    if store.faq_entries(PRIVATE).await?.iter().any(|f| f.group_id == PRIVATE) {
        return Ok(());
    }
    for (question, answer) in crate::engine::text::PRIVATE_CHAT_DEMO_FAQ {
        store.upsert_faq(PRIVATE, question, answer, now).await?;
    }
    engine.invalidate_replies(PRIVATE).await;
    Ok(())
}

/// The robot posts deals by itself: every 5 minutes, the first as soon as the library has items.
fn demo_plan(group_id: i64) -> crate::posting::Plan {
    let mut plan = crate::posting::Plan::for_chat(group_id);
    plan.schedule.windows = vec![crate::posting::TimeWindow { start_min: 0, end_min: 24 * 60 }];
    plan.schedule.cadence = crate::posting::Cadence::EveryMinutes(5);
    plan.schedule.cap_per_hour = 12;
    plan.enabled = true;
    plan
}

/// The name of the demo's WeCom 智能机器人 (its callback is `/webhook/wecom/{name}`).
pub const DEMO_WECOM_AIBOT: &str = "qw-aibot";

/// The demo's WeCom robots against the simulated WeCom: a group robot webhook (企微福利群) and a 智能机器人.
pub fn wecom_robots(sim_base: &str) -> Vec<RobotSettings> {
    use crate::sim::wecom as sim;
    vec![
        RobotSettings {
            name: "qw-webhook".into(),
            gateway: crate::config::GatewayKind::WecomWebhook,
            base_url: format!("{sim_base}/wecom"),
            token: Secret::new(sim::DEFAULT_WEBHOOK_KEY),
            app_id: "wecom-webhook-demo".into(),
            wxid: "wecom-webhook-demo".into(),
            group_name: text::WECOM_GROUP.into(),
            send_jitter_ms: 0,
            min_group_interval_ms: 0,
            ..RobotSettings::default()
        },
        RobotSettings {
            name: DEMO_WECOM_AIBOT.into(),
            gateway: crate::config::GatewayKind::WecomAibot,
            token: Secret::new(sim::DEFAULT_AIBOT_TOKEN),
            encoding_aes_key: Secret::new(sim::DEFAULT_AIBOT_AES_KEY),
            app_id: sim::DEFAULT_AIBOT_ID.into(),
            wxid: sim::DEFAULT_AIBOT_ID.into(),
            nickname: sim::DEFAULT_AIBOT_NAME.into(),
            min_send_interval_ms: 0,
            send_jitter_ms: 0,
            min_group_interval_ms: 0,
            ..RobotSettings::default()
        },
    ]
}

/// Runs the simulators alone on `port` until Ctrl-C.
pub async fn run_simulators(port: u16, callback_url: Option<String>) -> Result<(), StartupError> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let port = listener.local_addr()?.port();
    let base = format!("http://localhost:{port}");
    let sims = Simulators::new(&SimCredentials::default(), &base);
    if let Some(url) = callback_url {
        sims.gewe.set_callback_url(&url);
    }
    let creds = SimCredentials::default();
    println!("simulators listening on {base}");
    println!("  GeWe gateway API   {base}/gewe/v2/api   (token {})", creds.gewe_token);
    println!("  GeWe playground    {base}/gewe/playground");
    println!("  Pinduoduo gateway  {base}/pdd/api/router (client_id {})", creds.pdd_client_id);
    println!("  JD gateway         {base}/jd/routerjson   (app_key {})", creds.jd_app_key);
    println!("  Taobao gateway     {base}/taobao/router/rest (app_key {})", creds.taobao_app_key);
    println!("  image CDN          {base}/cdn/");
    println!("  WeCom webhook      {base}/wecom/cgi-bin/webhook/send (key {})", crate::sim::wecom::DEFAULT_WEBHOOK_KEY);
    println!("  WeCom playground   {base}/wecom/playground");
    axum::serve(listener, sims.router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
