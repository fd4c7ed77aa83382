//! `dealbot demo` and `dealbot sim`: the robot wired to the in-process simulators over real HTTP.
//!
//! The demo listens on one port: dealbot's own routes plus every simulator under `/sim`. The simulated GeWe
//! gateway posts callbacks to dealbot's webhook and dealbot sends its replies back through the simulated
//! gateway's API, so the playground page exercises the real path end to end.

use crate::config::{ResolveOverride, RobotSettings, Secret, Settings};
use crate::engine::Engine;
use crate::sim::gewe::{PLAYGROUND_OWNER_NICKNAME, PLAYGROUND_ROOM, playground_wxid};
use crate::sim::{SimCredentials, Simulators};
use crate::startup::{Application, Extras, StartupError};
use std::path::Path;
use tokio::net::TcpListener;

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
    s
}

pub fn random_secret() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Runs the demo until Ctrl-C.
pub async fn run(port: u16, data_dir: &Path) -> Result<(), StartupError> {
    std::fs::create_dir_all(data_dir)?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let port = listener.local_addr()?.port();
    let base = format!("http://localhost:{port}");
    let sim_base = format!("{base}/sim");
    let sims = Simulators::new(&SimCredentials::default(), &sim_base);
    sims.pdd.set_require_member_auth(false);
    let secret = random_secret();
    let db = format!("sqlite://{}", data_dir.join("dealbot.db").display());
    let mut settings = settings_for_simulators(&sim_base, &base, &db, &secret);
    let admin_token = random_secret();
    settings.admin.api_token = Secret::new(admin_token.clone());
    sims.gewe.set_callback_url(&format!("http://127.0.0.1:{port}/webhook/gewe/demo/{secret}"));
    let extras = Extras {
        router: Some(axum::Router::new().nest("/sim", sims.router())),
        playground_url: Some(format!("{sim_base}/gewe/playground")),
        clock: None,
    };
    let app = Application::build_with_listener(settings, listener, extras).await?;
    prepare_playground(&app.engine).await?;
    sims.gewe.add_member(PLAYGROUND_ROOM, &playground_wxid(PLAYGROUND_OWNER_NICKNAME), PLAYGROUND_OWNER_NICKNAME);
    println!("dealbot demo is ready: open http://localhost:{port}/playground");
    println!("admin API token for this run: {admin_token} (e.g. GET /auth/pdd/status with Authorization: Bearer …)");
    app.run_until_stopped().await?;
    Ok(())
}

/// Makes the playground's owner identity ([`PLAYGROUND_OWNER_NICKNAME`]) the owner (partner) of the playground
/// group of every robot, so that owner commands can be tried on the page.
pub async fn prepare_playground(engine: &Engine) -> Result<(), crate::store::StoreError> {
    let now = engine.clock.now_ms();
    let owner = playground_wxid(PLAYGROUND_OWNER_NICKNAME);
    let store = &engine.store;
    let partner = store.ensure_partner(&owner, PLAYGROUND_OWNER_NICKNAME, now).await?;
    for robot in engine.robots.values() {
        let group =
            store.ensure_group(robot.id, PLAYGROUND_ROOM, engine.settings.engine.auto_enable_groups, now).await?;
        store.touch_member(&owner, Some(PLAYGROUND_OWNER_NICKNAME), Some(group.id), now).await?;
        store.set_group_partner(group.id, Some(partner), now).await?;
        engine.invalidate_group(robot.id, PLAYGROUND_ROOM).await;
        if store.chat_plan(group.id).await?.is_none() {
            // The robot posts deals by itself: every 5 minutes, the first as soon as the library has items.
            let mut plan = crate::posting::Plan::for_chat(group.id);
            plan.schedule.windows = vec![crate::posting::TimeWindow { start_min: 0, end_min: 24 * 60 }];
            plan.schedule.cadence = crate::posting::Cadence::EveryMinutes(5);
            plan.schedule.cap_per_hour = 12;
            plan.enabled = true;
            store.save_chat_plan(group.id, &plan, now).await?;
        }
    }
    Ok(())
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
    axum::serve(listener, sims.router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
