//! Builds the application: store, clients, engine, workers and the HTTP server.

use crate::affiliate::Affiliates;
use crate::affiliate::authorization::{Notify as AuthNotify, PddAuthorization};
use crate::affiliate::guard::{Priority, with_priority};
use crate::chat::gateway::GatewayClient;
use crate::chat::gewe::GeweClient;
use crate::clock::Clock;
use crate::config::Settings;
use crate::engine::dispatch::Dispatcher;
use crate::engine::{Engine, RobotCtx};
use crate::http::{self, AppState};
use crate::orders::{self, lease::Lease, sync::OrderSync};
use crate::outbox::LivePacing;
use crate::outbox::{OutboxSender, Pacing};
use crate::platform::Platform;
use crate::poster::Renderer;
use crate::robots::{Account, Lifecycle, Robots, Wakes};
use crate::store::Store;
use crate::telemetry::Metrics;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("poster: {0}")]
    Poster(#[from] crate::poster::RenderError),
    #[error("photo fetcher: {0}")]
    Fetch(#[from] crate::fetch::FetchError),
    #[error("http client: {0}")]
    Http(String),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error("robots: {0}")]
    Robots(#[from] crate::robots::RobotError),
}

/// Extra pieces the demo and tests plug in.
#[derive(Default)]
pub struct Extras {
    /// Routes merged into the server (the demo mounts the simulators under `/sim`).
    pub router: Option<Router>,
    /// Where `/playground` redirects.
    pub playground_url: Option<String>,
    /// The clock (tests move it).
    pub clock: Option<Clock>,
    /// The clock of the order sync, when it runs apart from `clock` (the demo's 快进 moves only the unions' time).
    pub orders_clock: Option<Clock>,
    /// Wakes the order sync workers ahead of their schedule.
    pub sync_now: Option<orders::SyncNow>,
}

/// Stops a running [`Application`].
#[derive(Clone)]
pub struct ShutdownHandle(watch::Sender<bool>);

impl ShutdownHandle {
    pub fn shutdown(&self) {
        let _ = self.0.send(true);
    }
}

pub struct Application {
    port: u16,
    listener: TcpListener,
    router: Router,
    shutdown_tx: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
    store: Store,
    dispatcher: Dispatcher,
    pub engine: Arc<Engine>,
}

/// The HTTP client for platform APIs: no proxy (a proxy would resolve names itself), bounded connect time.
pub fn api_http_client() -> Result<reqwest::Client, StartupError> {
    reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| StartupError::Http(e.to_string()))
}

pub fn build_affiliates(settings: &Settings, http: &reqwest::Client) -> Affiliates {
    Affiliates::from_settings(&settings.affiliate, http.clone())
}

impl Application {
    /// Binds `server.host:server.port` and builds everything.
    pub async fn build(settings: Settings, extras: Extras) -> Result<Application, StartupError> {
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port)).await?;
        Self::build_with_listener(settings, listener, extras).await
    }

    /// Builds on an already bound listener (the demo binds first to learn its port).
    pub async fn build_with_listener(
        settings: Settings,
        listener: TcpListener,
        extras: Extras,
    ) -> Result<Application, StartupError> {
        let port = listener.local_addr()?.port();
        let settings = Arc::new(settings);
        let clock = extras.clock.unwrap_or_default();
        let metrics = Metrics::new();
        // This instance's id: its claims on robots, sends and messages in a database other instances may share.
        let instance = Lease::random_holder();
        let lease_ms = settings.outbox.lease_ms.max(1_000) as i64;
        let store = Store::connect(&settings.database.url, settings.database.max_connections)
            .await?
            .with_claims(&instance, lease_ms);
        store.migrate().await?;
        let now = clock.now_ms();
        let http_client = api_http_client()?;
        // Robots declared in the settings are imported (by name: never twice); robots added on the dashboard
        // are read back from the database.
        let mut contexts = Vec::new();
        for r in &settings.robots {
            let row = store.upsert_robot(&r.name, &r.app_id, &r.wxid, &r.nickname, now).await?;
            crate::chat::wecom::register_webhook_group(&store, row.id, r, now).await?;
            contexts.push(robot_ctx(&store, row.id, r.clone()).await?);
        }
        for d in store.dashboard_robots().await? {
            contexts.push(robot_ctx(&store, d.id, dashboard_settings(&d)).await?);
        }
        let robots = Robots::default();
        let wakes = Wakes::default();
        let admins = settings.admin.wxids.clone();
        let lifecycle =
            Lifecycle::new(store.clone(), clock.clone(), admins, settings.engine.auto_enable_groups, Vec::new());
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let launcher = RobotLauncher {
            store: store.clone(),
            http: http_client.clone(),
            clock: clock.clone(),
            metrics: metrics.clone(),
            settings: settings.clone(),
            lifecycle: lifecycle.clone(),
            robots: robots.clone(),
            wakes: wakes.clone(),
            shutdown: shutdown_rx.clone(),
            instance: instance.clone(),
            streams: crate::chat::wecom::StreamBook::default(),
        };
        for ctx in &contexts {
            launcher.register(ctx.clone());
        }
        lifecycle.restore().await?;
        let affiliates = build_affiliates(&settings, &http_client);
        let pdd_auth = affiliates.pdd.clone().map(|client| PddAuthorization {
            store: store.clone(),
            client,
            settings: settings.affiliate.pdd.clone(),
            clock: clock.clone(),
            notify: AuthNotify { robot_id: robots.keys().min(), admin_wxids: settings.admin.wxids.clone() },
        });
        let engine = Arc::new(Engine {
            store: store.clone(),
            affiliates,
            renderer: Renderer::new(&settings.poster)?,
            photos: crate::fetch::Photos::from_settings(&settings.fetch, metrics.clone())?,
            settings: settings.clone(),
            clock: clock.clone(),
            metrics: metrics.clone(),
            robots: robots.clone(),
            outbox_wake: wakes.clone(),
            caches: Default::default(),
            pdd_auth: pdd_auth.clone(),
            lifecycle: lifecycle.clone(),
        });
        let dispatcher = Dispatcher::new(engine.clone());
        let mut workers = Vec::new();

        workers.push(tokio::spawn(sweeper(dispatcher.clone(), shutdown_rx.clone())));
        workers.push(tokio::spawn(pruner(engine.clone(), shutdown_rx.clone())));
        let review =
            crate::agents::worker(store.clone(), clock.clone(), settings.chat.utc_offset_hours, shutdown_rx.clone());
        workers.push(tokio::spawn(review));
        workers.push(tokio::spawn(gauges(engine.clone(), shutdown_rx.clone())));
        if let Some(auth) = pdd_auth {
            workers.push(tokio::spawn(authorization_keeper(auth, shutdown_rx.clone())));
        }
        if settings.orders.enabled {
            let holder = Lease::random_holder();
            let orders_clock = extras.orders_clock.unwrap_or_else(|| clock.clone());
            let sync_now = extras.sync_now.unwrap_or_default();
            for platform in Platform::ALL {
                if let Ok(sync) =
                    OrderSync::for_platform(&store, &engine.affiliates, platform, &settings, &orders_clock)
                {
                    let worker = orders::worker(sync, holder.clone(), sync_now.clone(), shutdown_rx.clone());
                    workers.push(tokio::spawn(with_priority(Priority::OrderSync, worker)));
                }
            }
        }
        let posting = crate::posting::worker(engine.clone(), shutdown_rx.clone());
        workers.push(tokio::spawn(with_priority(Priority::Posting, posting)));
        if settings.feeds.enabled {
            let holder = Lease::random_holder();
            for platform in Platform::ALL {
                if let Ok(refresh) = crate::feeds::FeedRefresh::for_platform(
                    &store,
                    &engine.affiliates,
                    platform,
                    &settings.feeds,
                    &clock,
                ) {
                    let feed = crate::feeds::worker(refresh, holder.clone(), shutdown_rx.clone());
                    workers.push(tokio::spawn(with_priority(Priority::FeedRefresh, feed)));
                }
            }
        }
        let member_sync = crate::robots::member_sync::worker(
            lifecycle.clone(),
            instance.clone(),
            settings.engine.member_sync_hours,
            shutdown_rx.clone(),
        );
        workers.push(tokio::spawn(member_sync));
        for ctx in contexts {
            workers.push(launcher.start(&ctx));
            if !ctx.offline.load(std::sync::atomic::Ordering::SeqCst) {
                let lifecycle = lifecycle.clone();
                let id = ctx.id;
                workers.push(tokio::spawn(async move { lifecycle.sync_contacts_logged(id).await }));
            }
        }

        let state = AppState {
            settings: settings.clone(),
            store: store.clone(),
            dispatcher: dispatcher.clone(),
            metrics,
            clock,
            robots,
            launcher,
            playground_url: extras.playground_url,
        };
        let mut router = http::router(state);
        if let Some(extra) = extras.router {
            router = router.merge(extra);
        }
        Ok(Application { port, listener, router, shutdown_tx, workers, store, dispatcher, engine })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown_tx.clone())
    }

    /// Serves until Ctrl-C, SIGTERM or the shutdown handle; then stops the workers and closes the database.
    /// Everything queued is durable, so nothing is lost: it is picked up at the next start.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let mut rx = self.shutdown_tx.subscribe();
        let tx = self.shutdown_tx.clone();
        let stop = async move {
            tokio::select! {
                _ = terminate_signal() => { let _ = tx.send(true); }
                _ = rx.wait_for(|v| *v) => {}
            }
            tracing::info!("shutting down");
        };
        // The accept loop runs as a task of its own: `block_on` on the main thread only waits.
        let server = tokio::spawn(
            axum::serve(self.listener, self.router.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .with_graceful_shutdown(stop)
                .into_future(),
        );
        let served = server.await.unwrap_or_else(|e| Err(std::io::Error::other(e)));
        // Messages in hand are finished; queued ones stay recorded and are handled after the next start.
        self.dispatcher.stop(Duration::from_secs(10)).await;
        let _ = self.shutdown_tx.send(true);
        for w in self.workers {
            let _ = tokio::time::timeout(Duration::from_secs(10), w).await;
        }
        if let Err(e) = self.store.release_inbound_claims(self.dispatcher.engine().clock.now_ms()).await {
            tracing::warn!(error = %e, "cannot hand the queued messages back");
        }
        self.store.close().await;
        served
    }
}

async fn terminate_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// Claims pending messages every few seconds (and once at start), with those of instances that died (their
/// claims expired), and keeps this instance's claims alive.
async fn sweeper(d: Dispatcher, mut shutdown: watch::Receiver<bool>) {
    let store = d.engine().store.clone();
    let every = store.claim_renewal_interval().min(Duration::from_secs(2));
    loop {
        let now = d.engine().clock.now_ms();
        if let Err(e) = store.renew_inbound_claims(now).await {
            tracing::error!(error = %e, "cannot renew the claims on messages in hand");
        }
        match store.reset_processing(now).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(messages = n, "resuming messages of a stopped instance"),
            Err(e) => tracing::error!(error = %e, "cannot resume interrupted messages"),
        }
        let n = d.sweep().await;
        if n > 0 {
            tracing::info!(messages = n, "sweep queued pending messages");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait_for(|v| *v) => return,
        }
    }
}

/// Refreshes the Pinduoduo tokens before they expire and warns admins about lapsing authorization, hourly.
async fn authorization_keeper(auth: PddAuthorization, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = auth.refresh_if_due().await {
            tracing::warn!(error = %e, "pinduoduo token refresh failed");
        }
        if let Err(e) = auth.check_warnings().await {
            tracing::warn!(error = %e, "pinduoduo authorization check failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.wait_for(|v| *v) => return,
        }
    }
}

/// Rows deleted per statement by the retention jobs.
const PRUNE_BATCH: i64 = 1_000;

/// Forgets old dedupe keys and sent rows, expired media and ended login windows every hour. Of several instances,
/// the one holding the lease does it.
async fn pruner(engine: Arc<Engine>, mut shutdown: watch::Receiver<bool>) {
    let lease = Lease::new(engine.store.clone(), engine.clock.clone(), "pruner", engine.store.instance(), 600_000);
    loop {
        match lease.acquire().await {
            Ok(true) => prune(&engine).await,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "pruner lease check failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.wait_for(|v| *v) => return,
        }
    }
}

/// A robot's context, with the pacing set on the dashboard over the configured one.
async fn robot_ctx(store: &Store, id: i64, settings: crate::config::RobotSettings) -> Result<RobotCtx, StartupError> {
    let pacing = crate::outbox::live_pacing::with_override(&settings, &store.robot_pacing(id).await?);
    Ok(RobotCtx { id, pacing: LivePacing::new(Pacing::of(&pacing)), settings, offline: Default::default() })
}

/// The settings of a robot added on the dashboard: a GeWe account with the configured defaults.
pub fn dashboard_settings(d: &crate::store::robot_accounts::DashboardRobot) -> crate::config::RobotSettings {
    crate::config::RobotSettings {
        name: d.name.clone(),
        base_url: d.gateway_url.clone(),
        token: crate::config::Secret::new(&d.gateway_token),
        app_id: d.app_id.clone(),
        wxid: d.wxid.clone(),
        nickname: d.nickname.clone(),
        webhook_secret: crate::config::Secret::new(&d.webhook_secret),
        ..crate::config::RobotSettings::default()
    }
}

/// Starts robots: the ones known at start-up and the ones added on the dashboard while the process runs.
#[derive(Clone)]
pub struct RobotLauncher {
    store: Store,
    http: reqwest::Client,
    clock: Clock,
    metrics: Metrics,
    settings: Arc<Settings>,
    lifecycle: Lifecycle,
    robots: Robots,
    wakes: Wakes,
    shutdown: watch::Receiver<bool>,
    /// This instance's id, under which its senders claim robots.
    instance: String,
    /// The WeCom 智能机器人 streams open on this instance (callbacks open them, senders fill them).
    pub streams: crate::chat::wecom::StreamBook,
}

impl RobotLauncher {
    /// Makes the robot known: to the webhook and the engine, and (GeWe) to the account lifecycle.
    pub fn register(&self, ctx: RobotCtx) {
        if ctx.settings.gateway == crate::config::GatewayKind::Gewe {
            self.lifecycle.add_account(Account {
                id: ctx.id,
                name: ctx.settings.name.clone(),
                wxid: ctx.settings.wxid.clone(),
                client: GeweClient::new(&ctx.settings, self.http.clone()),
                offline: ctx.offline.clone(),
                wake: self.wakes.of(ctx.id),
            });
        }
        self.robots.insert(ctx);
    }

    /// Starts the robot's outbox sender.
    pub fn start(&self, ctx: &RobotCtx) -> JoinHandle<()> {
        let sender = OutboxSender {
            robot_id: ctx.id,
            instance: self.instance.clone(),
            store: self.store.clone(),
            client: GatewayClient::for_robot(
                ctx.id,
                &ctx.settings,
                self.http.clone(),
                self.store.clone(),
                self.clock.clone(),
                &self.settings.server.public_base_url,
                self.streams.clone(),
            ),
            pacing: ctx.pacing.clone(),
            settings: self.settings.outbox.clone(),
            clock: self.clock.clone(),
            metrics: self.metrics.clone(),
            wake: self.wakes.of(ctx.id),
            offline: ctx.offline.clone(),
            lifecycle: self.lifecycle.clone(),
        };
        tokio::spawn(sender.run(self.shutdown.clone()))
    }

    /// A robot added while running: registered and started at once (its sends wait for its login).
    pub fn launch(&self, ctx: RobotCtx) {
        self.register(ctx.clone());
        drop(self.start(&ctx));
    }

    /// The running robots.
    pub fn robots(&self) -> &Robots {
        &self.robots
    }

    /// The HTTP client for gateway calls.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

async fn prune(engine: &Engine) {
    let now = engine.clock.now_ms();
    let keep_ms = engine.settings.engine.dedupe_retention_days.max(7) * 86_400_000;
    if let Err(e) = engine.store.prune_inbound(now - keep_ms, PRUNE_BATCH).await {
        tracing::warn!(error = %e, "pruning inbound failed");
    }
    let keep_sent_ms = engine.settings.outbox.retention_days.max(1).saturating_mul(86_400_000);
    match engine.store.prune_outbox(now.saturating_sub(keep_sent_ms), PRUNE_BATCH).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(rows = n, "pruned sent outbox rows"),
        Err(e) => tracing::warn!(error = %e, "pruning the outbox failed"),
    }
    if let Err(e) = engine.store.prune_media(now).await {
        tracing::warn!(error = %e, "pruning media failed");
    }
    let login_window_ms =
        i64::try_from(engine.settings.admin.login_window_secs).unwrap_or(i64::MAX).saturating_mul(1000);
    if let Err(e) = engine.store.prune_login_attempts(now.saturating_sub(login_window_ms)).await {
        tracing::warn!(error = %e, "pruning login attempts failed");
    }
}

/// Refreshes the queue-depth gauges every 15 s, so that `/metrics` reads only in-memory values.
async fn gauges(engine: Arc<Engine>, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Ok(n) = engine.store.count_inbound(crate::store::inbound::status::PENDING).await {
            engine.metrics.inbound_pending.set(n);
        }
        if let Ok(n) = engine.store.outbox_count(crate::store::outbox::status::QUEUED).await {
            engine.metrics.outbox_queued.set(n);
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(15)) => {}
            _ = shutdown.wait_for(|v| *v) => return,
        }
    }
}
