//! Typed settings: a TOML file plus `DEALBOT__SECTION__KEY` environment overrides.
//!
//! Every key and its default is documented in `dealbot.example.toml`. Secrets are wrapped in [`Secret`], which
//! never prints its value through `Debug` or `Display`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// A secret string: redacted in `Debug`/`Display`, read with [`Secret::expose`].
#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { f.write_str("\"\"") } else { f.write_str("[redacted]") }
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub engine: EngineSettings,
    pub chat: ChatSettings,
    pub outbox: OutboxSettings,
    pub media: MediaSettings,
    pub poster: PosterSettings,
    pub robots: Vec<RobotSettings>,
    pub affiliate: AffiliateSettings,
    pub admin: AdminSettings,
    pub fetch: FetchSettings,
    pub orders: OrdersSettings,
    pub ledger: LedgerSettings,
    pub feeds: FeedsSettings,
    pub campaigns: CampaignSettings,
    pub private_chat: PrivateChatSettings,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSettings {
    /// Bearer token for the admin JSON API (`Authorization: Bearer …`); empty disables the API.
    pub api_token: Secret,
    /// The operator's wxids: they receive operational warnings (authorization expiry) in private chat.
    pub wxids: Vec<String>,
    /// Dashboard sessions end this long after login.
    pub session_ttl_secs: i64,
    /// Failed logins allowed per user name within `login_window_secs`.
    pub login_max_failures: u32,
    pub login_window_secs: u64,
    /// Login attempts allowed per client address within `login_window_secs` (0: no limit per address, e.g. behind
    /// a proxy that hides the clients' addresses).
    pub login_max_attempts_per_address: u32,
    /// Password verifications (argon2id, 19 MiB each) running at once; 0: the number of CPU cores.
    pub password_checks_at_once: usize,
    /// How long a login waits for a verification slot before it is refused with 429.
    pub password_check_wait_ms: u64,
}

impl Default for AdminSettings {
    fn default() -> Self {
        AdminSettings {
            api_token: Secret::default(),
            wxids: Vec::new(),
            session_ttl_secs: 12 * 3600,
            login_max_failures: 5,
            login_window_secs: 900,
            login_max_attempts_per_address: 50,
            password_checks_at_once: 0,
            password_check_wait_ms: 2_000,
        }
    }
}

/// The rebate ledger: default shares of the commission, withdrawals and member notices.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LedgerSettings {
    /// Member rebate in basis points of the commission (5000 = 50 %) where no rate rule applies.
    pub rebate_bps: i64,
    /// The group's partner's share, in basis points of the commission.
    pub partner_bps: i64,
    /// The partner's agent's (one level above) share, in basis points of the commission.
    pub agent_bps: i64,
    /// Smallest withdrawal in 分.
    pub min_withdrawal_fen: i64,
    /// Largest withdrawal in 分.
    pub max_withdrawal_fen: i64,
    /// Tell members in private chat when an order is paid, settled or invalid.
    pub member_notices: bool,
}

impl Default for LedgerSettings {
    fn default() -> Self {
        LedgerSettings {
            rebate_bps: 5_000,
            partner_bps: 1_000,
            agent_bps: 500,
            min_withdrawal_fen: 100,
            max_withdrawal_fen: 500_000,
            member_notices: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Base URL under which the gateway can fetch our media (`{public_base_url}/media/{id}.jpg`).
    pub public_base_url: String,
    /// Largest accepted request body.
    pub body_limit_bytes: usize,
    /// Timeout for every request handled by dealbot.
    pub request_timeout_ms: u64,
    /// Emit logs as JSON lines.
    pub json_logs: bool,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            host: "127.0.0.1".into(),
            port: 8080,
            public_base_url: "http://127.0.0.1:8080".into(),
            body_limit_bytes: 256 * 1024,
            request_timeout_ms: 10_000,
            json_logs: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path.db` or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings { url: "sqlite://dealbot.db".into(), max_connections: 8 }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    /// Messages older than this are recorded but not answered (history sync after a reconnect).
    pub max_message_age_secs: i64,
    /// Bounded queue length per group; a full queue leaves the message pending for the recovery sweep.
    pub group_queue_capacity: usize,
    /// Groups seen for the first time are enabled (true) or wait for an admin (false).
    pub auto_enable_groups: bool,
    /// At most this many product references are converted per message.
    pub max_refs_per_message: usize,
    /// Reply with a hint when a link of an unsupported platform is pasted.
    pub unsupported_link_hint: bool,
    /// How long a processed inbound message id is remembered for dedupe (days).
    pub dedupe_retention_days: i64,
    /// A message whose handling failed (a database error) is retried this many times in all, with exponential
    /// backoff from `retry_backoff_base_ms` up to `retry_backoff_max_ms`, then marked failed.
    pub max_attempts: i64,
    pub retry_backoff_base_ms: u64,
    pub retry_backoff_max_ms: u64,
    /// Every group's member list is synced from the gateway every this many hours (leavers are noticed), spread
    /// over the groups; 0 switches the periodic sync off (it still runs at start and login).
    pub member_sync_hours: u64,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            max_message_age_secs: 300,
            group_queue_capacity: 256,
            auto_enable_groups: true,
            max_refs_per_message: 3,
            unsupported_link_hint: false,
            dedupe_retention_days: 7,
            max_attempts: 5,
            retry_backoff_base_ms: 1_000,
            retry_backoff_max_ms: 60_000,
            member_sync_hours: 6,
        }
    }
}

/// What the robot does when a reply falls into a group's do-not-disturb hours.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DndPolicy {
    /// Send it when the quiet hours end.
    #[default]
    Queue,
    /// Never send it.
    Drop,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChatSettings {
    /// Owner and admin commands start with this (`#设置关键词`); member commands work with or without it.
    pub command_prefix: String,
    /// wxids of the operator's admins (more are added with `#添加管理员`).
    pub admins: Vec<String>,
    /// wxids of other bots in the groups: never answered (nor are official `gh_` accounts or our own robots).
    pub ignored_wxids: Vec<String>,
    /// Hours added to UTC for calendar days (签到) and do-not-disturb hours.
    pub utc_offset_hours: i64,
    /// How long a command that asked for a missing argument waits for the answer.
    pub dialog_timeout_secs: i64,
    /// Per-member cooldown of member commands.
    pub cooldown_secs: i64,
    /// Per-member cooldown of 查券 and 下一页.
    pub search_cooldown_secs: i64,
    /// Per-owner cooldown of each owner and admin command (0: none; owners are trusted, the reply budget still
    /// applies).
    pub owner_cooldown_secs: i64,
    /// At most this many replies per group per minute; replies beyond are dropped.
    pub reply_budget_per_minute: u32,
    /// Default do-not-disturb hours (local time, `"23-7"`) of groups that set none; empty for none.
    pub dnd_hours: String,
    /// Default handling of replies during do-not-disturb hours.
    pub dnd_policy: DndPolicy,
    /// Points for a daily check-in.
    pub checkin_points: i64,
    /// Every this many consecutive check-in days earn the streak bonus.
    pub streak_bonus_days: i64,
    pub streak_bonus_points: i64,
    /// Points for the inviter, once per newcomer.
    pub invite_points: i64,
    /// Results per 查券 page.
    pub search_page_size: u32,
    /// At most this many @-mentions in one welcome message.
    pub welcome_max_mentions: usize,
    /// A question gets a Q&A answer when its similarity reaches this (percent).
    pub faq_threshold_percent: u32,
}

impl Default for ChatSettings {
    fn default() -> Self {
        ChatSettings {
            command_prefix: "#".into(),
            admins: Vec::new(),
            ignored_wxids: Vec::new(),
            utc_offset_hours: 8,
            dialog_timeout_secs: 120,
            cooldown_secs: 5,
            search_cooldown_secs: 15,
            owner_cooldown_secs: 0,
            reply_budget_per_minute: 30,
            dnd_hours: String::new(),
            dnd_policy: DndPolicy::Queue,
            checkin_points: 10,
            streak_bonus_days: 7,
            streak_bonus_points: 50,
            invite_points: 20,
            search_page_size: 3,
            welcome_max_mentions: 20,
            faq_threshold_percent: 60,
        }
    }
}

/// The selection library (`[feeds]`): which union feeds are pulled, how often and how deep.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedsSettings {
    /// Refresh the feeds of every enabled union in the background.
    pub enabled: bool,
    /// Seconds between two refreshes of one union.
    pub interval_secs: u64,
    /// Pages read per channel and refresh.
    pub pages: u32,
    /// Items per page (clamped per union: Pinduoduo ..100, JD ..50, Taobao ..100).
    pub page_size: u32,
    /// Pinduoduo `goods.recommend.get` channel types (1 今日销量榜, 4 猜你喜欢, 5 实时热销榜, 6 实时收益榜).
    pub pdd_channels: Vec<u32>,
    /// JD `goods.jingfen.query` eliteIds (1 好券商品, 10 9.9包邮, 22 实时热销榜, 31 今日必推, 129 高佣榜单, …).
    pub jd_elite_ids: Vec<u32>,
    /// Taobao `dg.optimus.material` material ids (3756 好券直播, 27446 大额券, 13366 高佣榜, …).
    pub taobao_material_ids: Vec<u64>,
    /// How long a refresh lease lasts (one instance refreshes a union at a time).
    pub lease_ttl_secs: u64,
}

impl Default for FeedsSettings {
    fn default() -> Self {
        FeedsSettings {
            enabled: true,
            interval_secs: 1_800,
            pages: 3,
            page_size: 20,
            pdd_channels: vec![1, 5, 6],
            jd_elite_ids: vec![1, 22, 129],
            taobao_material_ids: vec![3756, 27446, 13366],
            lease_ttl_secs: 300,
        }
    }
}

/// Order sync (`[orders]`): a schedule per platform, the overlap re-scanned each run, the lease, attribution.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrdersSettings {
    /// Run the background sync for every enabled platform.
    pub enabled: bool,
    /// Seconds between two runs, per platform.
    pub pdd_interval_secs: u64,
    pub jd_interval_secs: u64,
    pub taobao_interval_secs: u64,
    /// Each run re-scans this much before the cursor (late updates).
    pub overlap_secs: u64,
    /// The first run (no cursor yet) starts this far back.
    pub initial_lookback_secs: u64,
    /// Longest Taobao window: 3 h normally, 20 min during 618 / 双11 / 年货节.
    pub taobao_window_secs: u64,
    /// Orders per page (clamped to each platform's range: PDD 10..100, JD ..500, Taobao ..100).
    pub page_size: u32,
    /// How long a sync lease lasts without renewal; renewed after every window.
    pub lease_ttl_secs: u64,
    /// An order without a member parameter goes to the one member who converted that item with that PID this
    /// long before it was paid.
    pub heuristic_window_secs: u64,
}

impl Default for OrdersSettings {
    fn default() -> Self {
        OrdersSettings {
            enabled: true,
            pdd_interval_secs: 300,
            jd_interval_secs: 60,
            taobao_interval_secs: 300,
            overlap_secs: 1_800,
            initial_lookback_secs: 3 * 86_400,
            taobao_window_secs: 3 * 3_600,
            page_size: 50,
            lease_ttl_secs: 120,
            heuristic_window_secs: 3_600,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxSettings {
    /// Attempts before a send is dead-lettered.
    pub max_attempts: i64,
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// Timeout of one gateway call.
    pub send_timeout_ms: u64,
    /// While the gateway reports the account offline: how often to check whether it is back.
    pub offline_probe_ms: u64,
    /// How long an instance's hold on a robot's sends (and on a row being sent) lasts without renewal; after it,
    /// another instance sharing the database takes the work over.
    pub lease_ms: u64,
    /// Sent rows are deleted this many days after they were sent (by a periodic job, in batches).
    pub retention_days: i64,
    /// After a gateway call timed out, how long to wait for the gateway's echo of the message (it may have been
    /// delivered late) before sending it again.
    pub echo_wait_ms: u64,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings {
            max_attempts: 6,
            backoff_base_ms: 1_000,
            backoff_max_ms: 300_000,
            send_timeout_ms: 15_000,
            offline_probe_ms: 30_000,
            lease_ms: 10_000,
            retention_days: 30,
            echo_wait_ms: 30_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaSettings {
    /// Posters are served at `/media/{id}.jpg` for this long.
    pub ttl_secs: i64,
}

impl Default for MediaSettings {
    fn default() -> Self {
        MediaSettings { ttl_secs: 24 * 3600 }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PosterSettings {
    /// Folder of poster templates (`*.toml`).
    pub templates_dir: String,
    /// Template used when a group has not chosen one.
    pub default_template: String,
    /// Folder of the poster fonts (`fonts/FONTS.md`).
    pub fonts_dir: String,
    /// JPEG quality, 1–100 (lowered automatically if a poster would exceed 2 MB).
    pub jpeg_quality: u8,
    /// Finished posters kept in memory, in bytes of JPEG.
    pub cache_max_bytes: u64,
    /// How long a finished poster is reused.
    pub cache_ttl_secs: u64,
}

impl Default for PosterSettings {
    fn default() -> Self {
        PosterSettings {
            templates_dir: "assets/posters".into(),
            default_template: "classic".into(),
            fonts_dir: "fonts".into(),
            jpeg_quality: 85,
            cache_max_bytes: 64 * 1024 * 1024,
            cache_ttl_secs: 3600,
        }
    }
}

/// Product-photo fetching (`crate::fetch`): what may be fetched, from where, and how much.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchSettings {
    /// Connect timeout of one request.
    pub connect_timeout_ms: u64,
    /// Deadline of one photo fetch, redirects and body included.
    pub timeout_ms: u64,
    /// Redirect hops followed (each re-checked against the allow-list and the address policy).
    pub max_redirects: u32,
    /// Largest accepted photo body, checked on Content-Length and while streaming.
    pub max_bytes: u64,
    /// Decode limits: larger declared dimensions or allocations are refused (decompression bombs).
    pub max_image_width: u32,
    pub max_image_height: u32,
    pub max_decode_bytes: u64,
    /// Photos are scaled down to fit this box (never up).
    pub fit_width: u32,
    pub fit_height: u32,
    /// In-memory cache of resized photos: total size in bytes and time to live.
    pub cache_max_bytes: u64,
    pub cache_ttl_secs: u64,
    /// Ports a photo URL may name (the scheme's default port is always allowed).
    pub allowed_ports: Vec<u16>,
    /// Photo CDN host suffixes per platform: a host is allowed when it equals a suffix or ends with `.suffix`.
    pub hosts: FetchHosts,
    /// Trusted overrides for simulators and the demo: these exact host names connect to the given address
    /// (loopback allowed) instead of being resolved. Operator configuration only.
    pub resolve: Vec<ResolveOverride>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchHosts {
    pub pdd: Vec<String>,
    pub jd: Vec<String>,
    pub taobao: Vec<String>,
}

/// One trusted name → address override (see [`FetchSettings::resolve`]).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ResolveOverride {
    pub host: String,
    pub addr: std::net::SocketAddr,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            connect_timeout_ms: 3_000,
            timeout_ms: 10_000,
            max_redirects: 3,
            max_bytes: 5 * 1024 * 1024,
            max_image_width: 4096,
            max_image_height: 4096,
            max_decode_bytes: 64 * 1024 * 1024,
            fit_width: 800,
            fit_height: 800,
            cache_max_bytes: 256 * 1024 * 1024,
            cache_ttl_secs: 24 * 3600,
            allowed_ports: Vec::new(),
            hosts: FetchHosts::default(),
            resolve: Vec::new(),
        }
    }
}

impl Default for FetchHosts {
    fn default() -> Self {
        let list = |hosts: &[&str]| hosts.iter().map(|h| h.to_string()).collect();
        FetchHosts {
            pdd: list(&["pddpic.com", "yangkeduo.com"]),
            jd: list(&["360buyimg.com"]),
            taobao: list(&["alicdn.com", "tbcdn.cn", "taobaocdn.com"]),
        }
    }
}

impl FetchSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(format!("fetch.{m}")));
        if self.max_redirects > 10 {
            return invalid("max_redirects must be 0..=10");
        }
        if self.fit_width == 0 || self.fit_height == 0 || self.max_image_width == 0 || self.max_image_height == 0 {
            return invalid("fit_* and max_image_* must be positive");
        }
        if self.max_bytes == 0 || self.timeout_ms == 0 || self.connect_timeout_ms == 0 {
            return invalid("max_bytes, timeout_ms and connect_timeout_ms must be positive");
        }
        let hosts = [&self.hosts.pdd, &self.hosts.jd, &self.hosts.taobao];
        for h in hosts.into_iter().flatten().chain(self.resolve.iter().map(|r| &r.host)) {
            if h.parse::<std::net::IpAddr>().is_ok() || !h.contains(|c: char| c.is_ascii_alphabetic()) {
                return Err(ConfigError::Invalid(format!("fetch: `{h}` must be a host name, not an address")));
            }
        }
        if let Some(o) = self.resolve.iter().find(|o| o.addr.port() == 0) {
            return Err(ConfigError::Invalid(format!("fetch.resolve: `{}` needs an address with a port", o.host)));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum GatewayKind {
    #[default]
    Gewe,
    /// WeCom group robot webhook: send-only; `base_url` is `https://qyapi.weixin.qq.com`, `token` the webhook key.
    #[serde(rename = "wecom_webhook")]
    WecomWebhook,
    /// WeCom 智能机器人: callback at `/webhook/wecom/{name}`; `token` is the callback Token, `encoding_aes_key` the
    /// EncodingAESKey, `app_id` the `aibotid`, `nickname` the bot's name.
    #[serde(rename = "wecom_aibot")]
    WecomAibot,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RobotSettings {
    /// Short name used in the webhook path: `/webhook/gewe/{name}/{webhook_secret}`.
    pub name: String,
    pub gateway: GatewayKind,
    /// Gateway API base, e.g. `http://gewe-host:2531/v2/api`.
    pub base_url: String,
    /// GeWe: where downloaded files are served (`downloadImage`'s `fileUrl` is relative to it).
    pub download_base_url: String,
    pub token: Secret,
    /// Header carrying the token (`X-GEWE-TOKEN`; some clones use another name).
    pub token_header: String,
    /// GeWe device id (`Appid`).
    pub app_id: String,
    /// The robot account's own wxid.
    pub wxid: String,
    /// The robot's display name in groups (to strip `@name` typed with a plain space).
    pub nickname: String,
    /// Secret part of the callback URL, compared in constant time.
    pub webhook_secret: Secret,
    /// Minimum gap between two sends of this robot.
    pub min_send_interval_ms: u64,
    /// Random extra gap, 0..jitter.
    pub send_jitter_ms: u64,
    /// Minimum gap between two posts into one group.
    pub min_group_interval_ms: u64,
    /// Default PIDs of this robot per platform (else the platform's default).
    pub pdd_pid: String,
    pub jd_pid: String,
    pub taobao_pid: String,
    /// WeCom 智能机器人: the callback EncodingAESKey (43 characters).
    pub encoding_aes_key: Secret,
    /// WeCom webhook: the group it posts into, as named on the dashboard (its room id is the robot's name).
    pub group_name: String,
    /// WeCom webhook: at most `sends_per_window` messages per `send_window_ms` (WeCom allows 20 per minute).
    pub sends_per_window: u64,
    pub send_window_ms: u64,
}

impl Default for RobotSettings {
    fn default() -> Self {
        RobotSettings {
            name: "main".into(),
            gateway: GatewayKind::Gewe,
            base_url: "http://127.0.0.1:2531/v2/api".into(),
            download_base_url: "http://127.0.0.1:2532/download".into(),
            token: Secret::default(),
            token_header: "X-GEWE-TOKEN".into(),
            app_id: String::new(),
            wxid: String::new(),
            nickname: String::new(),
            webhook_secret: Secret::default(),
            min_send_interval_ms: 3_000,
            send_jitter_ms: 2_000,
            min_group_interval_ms: 10_000,
            pdd_pid: String::new(),
            jd_pid: String::new(),
            taobao_pid: String::new(),
            encoding_aes_key: Secret::default(),
            group_name: String::new(),
            sends_per_window: 20,
            send_window_ms: 60_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AffiliateSettings {
    pub pdd: PddSettings,
    pub jd: JdSettings,
    pub taobao: TaobaoSettings,
    /// How long a conversion is cached per (platform, item, attribution).
    pub cache_ttl_secs: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PddSettings {
    pub enabled: bool,
    pub gateway_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Default 推广位 (`<duoId>_<number>`).
    pub default_pid: String,
    /// OAuth token endpoint base for the 多多客 authorization (jinbao authorize page).
    pub authorize_url: String,
    /// Where the authorize page sends the admin back: `{public_base_url}/auth/pdd/callback`.
    pub redirect_uri: String,
    pub qps: u32,
    pub timeout_ms: u64,
    pub max_attempts: u32,
}

impl Default for PddSettings {
    fn default() -> Self {
        PddSettings {
            enabled: false,
            gateway_url: "https://gw-api.pinduoduo.com/api/router".into(),
            client_id: String::new(),
            client_secret: Secret::default(),
            default_pid: String::new(),
            authorize_url: "https://jinbao.pinduoduo.com/open.html".into(),
            redirect_uri: String::new(),
            qps: 10,
            timeout_ms: 5_000,
            max_attempts: 3,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct JdSettings {
    pub enabled: bool,
    pub gateway_url: String,
    pub app_key: String,
    pub app_secret: Secret,
    /// Default positionId (聊天工具推广位).
    pub default_pid: String,
    pub site_id: String,
    pub qps: u32,
    pub timeout_ms: u64,
    pub max_attempts: u32,
}

impl Default for JdSettings {
    fn default() -> Self {
        JdSettings {
            enabled: false,
            gateway_url: "https://api.jd.com/routerjson".into(),
            app_key: String::new(),
            app_secret: Secret::default(),
            default_pid: String::new(),
            site_id: String::new(),
            qps: 10,
            timeout_ms: 5_000,
            max_attempts: 3,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaobaoSettings {
    pub enabled: bool,
    pub gateway_url: String,
    pub app_key: String,
    pub app_secret: Secret,
    /// `md5`, `hmac` or `hmac-sha256`.
    pub sign_method: String,
    /// Default PID `mm_<member>_<site>_<adzone>`.
    pub default_pid: String,
    /// OAuth session for `taobao.tbk.sc.*` calls (order sync as 服务商).
    pub session: Secret,
    pub qps: u32,
    pub timeout_ms: u64,
    pub max_attempts: u32,
    /// The operator's invite code (`taobao.tbk.sc.invitecode.get`: 会员 for `special_id`, 渠道 for `relation_id`);
    /// empty: members are not asked to register.
    pub invite_code: String,
    /// Taobao OAuth (`/authorize`, `/token`), where members consent to the registration.
    pub oauth_url: String,
}

impl Default for TaobaoSettings {
    fn default() -> Self {
        TaobaoSettings {
            enabled: false,
            gateway_url: "https://eco.taobao.com/router/rest".into(),
            app_key: String::new(),
            app_secret: Secret::default(),
            sign_method: "md5".into(),
            default_pid: String::new(),
            session: Secret::default(),
            qps: 10,
            timeout_ms: 5_000,
            max_attempts: 3,
            invite_code: String::new(),
            oauth_url: "https://oauth.taobao.com".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("invalid TOML in {path}: {source}")]
    Toml { path: String, source: Box<toml::de::Error> },
    #[error("invalid setting: {0}")]
    Invalid(String),
}

const ENV_PREFIX: &str = "DEALBOT__";

impl Settings {
    /// Loads `path` (when given) and applies `DEALBOT__SECTION__KEY` overrides from the process environment.
    pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|source| ConfigError::Read { path: p.display().to_string(), source })?,
            None => String::new(),
        };
        Self::from_toml_and_env(&text, path.map(|p| p.display().to_string()).as_deref(), std::env::vars())
    }

    /// Parses TOML text and applies overrides from `(name, value)` pairs (only names starting `DEALBOT__`).
    pub fn from_toml_and_env(
        text: &str,
        origin: Option<&str>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let origin = origin.unwrap_or("<defaults>").to_string();
        let mut root: toml::Table = toml::from_str(text)
            .map_err(|source| ConfigError::Toml { path: origin.clone(), source: Box::new(source) })?;
        let shape = settings_shape();
        for (name, value) in env {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else { continue };
            let path: Vec<String> = rest.split("__").map(|s| s.to_ascii_lowercase()).collect();
            let value = typed_env_value(shape_at(&shape, &path), &value)
                .map_err(|e| ConfigError::Invalid(format!("{name}: {e}")))?;
            set_path(&mut root, &path, value).map_err(|e| ConfigError::Invalid(format!("{name}: {e}")))?;
        }
        let settings: Settings = toml::Value::Table(root)
            .try_into()
            .map_err(|source| ConfigError::Toml { path: origin, source: Box::new(source) })?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = &self.database.url;
        if !(url.starts_with("sqlite:") || url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return Err(ConfigError::Invalid(format!("database.url must start with sqlite: or postgres: (got {url})")));
        }
        let mut names = std::collections::HashSet::new();
        for r in &self.robots {
            if r.name.is_empty() || !r.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(ConfigError::Invalid(format!("robot name `{}` must be [A-Za-z0-9_-]+", r.name)));
            }
            if !names.insert(r.name.as_str()) {
                return Err(ConfigError::Invalid(format!("robot name `{}` is used twice", r.name)));
            }
            if r.webhook_secret.expose().len() < 16 {
                return Err(ConfigError::Invalid(format!(
                    "robot `{}`: webhook_secret must be at least 16 characters",
                    r.name
                )));
            }
            if r.app_id.is_empty() || r.wxid.is_empty() {
                return Err(ConfigError::Invalid(format!("robot `{}`: app_id and wxid are required", r.name)));
            }
        }
        let chat = &self.chat;
        if !chat.dnd_hours.is_empty() && chat.dnd_hours.parse::<crate::engine::limits::QuietHours>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "chat.dnd_hours must look like \"23-7\" (got {})",
                chat.dnd_hours
            )));
        }
        if !(-12..=14).contains(&chat.utc_offset_hours) {
            return Err(ConfigError::Invalid("chat.utc_offset_hours must be -12..=14".into()));
        }
        if chat.search_page_size == 0 || chat.search_page_size > 10 {
            return Err(ConfigError::Invalid("chat.search_page_size must be 1..=10".into()));
        }
        if chat.faq_threshold_percent > 100 {
            return Err(ConfigError::Invalid("chat.faq_threshold_percent must be 0..=100".into()));
        }
        let l = &self.ledger;
        for (name, bps) in [("rebate_bps", l.rebate_bps), ("partner_bps", l.partner_bps), ("agent_bps", l.agent_bps)] {
            if !(0..=10_000).contains(&bps) {
                return Err(ConfigError::Invalid(format!("ledger.{name} must be 0..=10000")));
            }
        }
        if l.rebate_bps + l.partner_bps + l.agent_bps > 10_000 {
            return Err(ConfigError::Invalid("ledger shares must add up to at most 10000 bp".into()));
        }
        if l.min_withdrawal_fen < 1 || l.max_withdrawal_fen < l.min_withdrawal_fen {
            return Err(ConfigError::Invalid("ledger: need 1 <= min_withdrawal_fen <= max_withdrawal_fen".into()));
        }
        if !(1..=100).contains(&self.poster.jpeg_quality) {
            return Err(ConfigError::Invalid("poster.jpeg_quality must be 1..=100".into()));
        }
        self.fetch.validate()?;
        Ok(())
    }

    pub fn robot(&self, name: &str) -> Option<&RobotSettings> {
        self.robots.iter().find(|r| r.name == name)
    }
}

/// The defaults as TOML (with one default robot entry), telling the type each override must have.
fn settings_shape() -> toml::Value {
    let mut shape = toml::Value::try_from(Settings::default()).unwrap_or(toml::Value::Table(toml::Table::new()));
    if let (toml::Value::Table(t), Ok(robot)) = (&mut shape, toml::Value::try_from(RobotSettings::default())) {
        t.insert("robots".into(), toml::Value::Array(vec![robot]));
    }
    shape
}

/// The default value at `path` (any index of a list reads its first element).
fn shape_at<'a>(shape: &'a toml::Value, path: &[String]) -> Option<&'a toml::Value> {
    path.iter().try_fold(shape, |node, key| match node {
        toml::Value::Table(t) => t.get(key),
        toml::Value::Array(a) if key.parse::<usize>().is_ok() => a.first(),
        _ => None,
    })
}

/// An override typed by the setting it replaces: a string setting keeps `12345678` a string, an integer setting
/// must get digits. Keys without a default (lists of tables) fall back to the look of the text.
fn typed_env_value(shape: Option<&toml::Value>, v: &str) -> Result<toml::Value, String> {
    match shape {
        Some(toml::Value::String(_)) => Ok(toml::Value::String(v.to_string())),
        Some(toml::Value::Integer(_)) => {
            v.trim().parse::<i64>().map(toml::Value::Integer).map_err(|_| format!("`{v}` is not an integer"))
        }
        Some(toml::Value::Boolean(_)) => match v.trim() {
            "true" => Ok(toml::Value::Boolean(true)),
            "false" => Ok(toml::Value::Boolean(false)),
            _ => Err(format!("`{v}` is not true or false")),
        },
        _ => Ok(parse_env_value(v)),
    }
}

/// `"8080"` → integer, `"true"` → bool, anything else a string.
fn parse_env_value(v: &str) -> toml::Value {
    if let Ok(i) = v.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    match v {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(v.to_string()),
    }
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    let (first, rest) = path.split_first().ok_or("empty key")?;
    if rest.is_empty() {
        table.insert(first.clone(), value);
        return Ok(());
    }
    let entry = table.entry(first.clone()).or_insert_with(|| {
        if rest[0].parse::<usize>().is_ok() {
            toml::Value::Array(Vec::new())
        } else {
            toml::Value::Table(toml::Table::new())
        }
    });
    set_in_value(entry, rest, value)
}

fn set_in_value(node: &mut toml::Value, path: &[String], value: toml::Value) -> Result<(), String> {
    match node {
        toml::Value::Table(t) => set_path(t, path, value),
        toml::Value::Array(a) => {
            let (first, rest) = path.split_first().ok_or("empty key")?;
            let idx: usize = first.parse().map_err(|_| format!("`{first}` is not an index"))?;
            while a.len() <= idx {
                a.push(toml::Value::Table(toml::Table::new()));
            }
            if rest.is_empty() {
                a[idx] = value;
                Ok(())
            } else {
                set_in_value(&mut a[idx], rest, value)
            }
        }
        _ => Err("cannot set a key inside a scalar".into()),
    }
}

/// Who gets a friend request accepted automatically.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum FriendPolicy {
    /// Everyone.
    All,
    /// Only members of one of the robot's groups.
    #[default]
    GroupMembers,
    /// Nobody: requests are left for the operator.
    None,
}

/// Private chat as a service channel (`[private_chat]`): friend requests, the welcome and the hand-over to the
/// operator's admins (`admin.wxids`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivateChatSettings {
    pub friend_policy: FriendPolicy,
    /// The welcome sent to a new friend; empty for the built-in one.
    pub welcome: String,
    /// Unanswered private messages in one day that hand the member over to the admins (0: never).
    pub handover_after_misses: i64,
}

impl Default for PrivateChatSettings {
    fn default() -> Self {
        PrivateChatSettings {
            friend_policy: FriendPolicy::GroupMembers,
            welcome: String::new(),
            handover_after_misses: 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One robot, with a valid webhook secret; its table is last, so keys appended to it are the robot's.
    const ONE_ROBOT: &str = r#"
        [[robots]]
        name = "a"
        app_id = "wx_1"
        wxid = "wxid_bot"
        webhook_secret = "0123456789abcdef"
    "#;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn defaults_load_with_no_file() {
        let s = Settings::from_toml_and_env("", None, env(&[])).unwrap();
        assert_eq!(s.database.url, "sqlite://dealbot.db");
        assert_eq!(s.engine.max_message_age_secs, 300);
        assert!(s.robots.is_empty());
    }

    #[test]
    fn env_overrides_nested_keys_and_robot_list() {
        let s = Settings::from_toml_and_env(
            ONE_ROBOT,
            None,
            env(&[
                ("DEALBOT__DATABASE__URL", "postgres://localhost/x"),
                ("DEALBOT__SERVER__PORT", "9999"),
                ("DEALBOT__ROBOTS__0__TOKEN", "tok"),
                ("DEALBOT__AFFILIATE__PDD__ENABLED", "true"),
                ("OTHER", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(s.database.url, "postgres://localhost/x");
        assert_eq!(s.server.port, 9999);
        assert_eq!(s.robots[0].token.expose(), "tok");
        assert!(s.affiliate.pdd.enabled);
    }

    #[test]
    fn env_overrides_keep_all_digit_strings_strings() {
        let s = Settings::from_toml_and_env(
            ONE_ROBOT,
            None,
            env(&[
                ("DEALBOT__AFFILIATE__TAOBAO__APP_KEY", "12345678"),
                ("DEALBOT__ROBOTS__0__WEBHOOK_SECRET", "1234567890123456"),
                ("DEALBOT__ROBOTS__0__APP_ID", "007"),
                ("DEALBOT__ADMIN__API_TOKEN", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(s.affiliate.taobao.app_key, "12345678");
        assert_eq!(s.robots[0].webhook_secret.expose(), "1234567890123456");
        assert_eq!(s.robots[0].app_id, "007", "leading zeros survive");
        assert_eq!(s.admin.api_token.expose(), "true");
        let e = Settings::from_toml_and_env("", None, env(&[("DEALBOT__SERVER__PORT", "80x")])).unwrap_err();
        assert!(e.to_string().contains("DEALBOT__SERVER__PORT"), "{e}");
    }

    #[test]
    fn secrets_never_print() {
        let toml =
            format!("{ONE_ROBOT}token = \"supersecrettoken\"\n[affiliate.pdd]\nclient_secret = \"pddsecretvalue\"");
        let s = Settings::from_toml_and_env(&toml, None, env(&[])).unwrap();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("supersecrettoken"));
        assert!(!dbg.contains("pddsecretvalue"));
        assert!(!dbg.contains("0123456789abcdef"));
        assert!(dbg.contains("[redacted]"));
    }

    #[test]
    fn rejects_bad_values_clearly() {
        let e = Settings::from_toml_and_env("[database]\nurl = \"mysql://x\"", None, env(&[])).unwrap_err();
        assert!(e.to_string().contains("sqlite: or postgres:"));
        let e = Settings::from_toml_and_env("[server]\nbogus = 1", None, env(&[])).unwrap_err();
        assert!(e.to_string().contains("bogus"));
        let short = "[[robots]]\nname=\"a\"\napp_id=\"x\"\nwxid=\"y\"\nwebhook_secret=\"short\"";
        assert!(Settings::from_toml_and_env(short, None, env(&[])).is_err());
    }
}

#[cfg(test)]
mod fetch_settings {
    use super::*;

    #[test]
    fn trusted_overrides_and_cdn_hosts_must_be_host_names_with_ports() {
        let ok = "[fetch]\nresolve = [{ host = \"localhost\", addr = \"127.0.0.1:8080\" }]";
        let s = Settings::from_toml_and_env(ok, None, Vec::new()).unwrap();
        assert_eq!(s.fetch.resolve[0].addr, std::net::SocketAddr::from(([127, 0, 0, 1], 8080)));
        for bad in [
            "[fetch]\nresolve = [{ host = \"127.0.0.1\", addr = \"127.0.0.1:8080\" }]",
            "[fetch]\nresolve = [{ host = \"localhost\", addr = \"127.0.0.1:0\" }]",
            "[fetch.hosts]\npdd = [\"10.0.0.1\"]",
            "[fetch]\nmax_redirects = 50",
        ] {
            assert!(Settings::from_toml_and_env(bad, None, Vec::new()).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod example_file {
    use super::*;

    #[test]
    fn the_example_configuration_parses_to_the_defaults() {
        let text = include_str!("../dealbot.example.toml");
        let s = Settings::from_toml_and_env(text, Some("dealbot.example.toml"), Vec::new()).unwrap();
        let d = Settings::default();
        assert_eq!(toml::to_string(&s).unwrap(), toml::to_string(&d).unwrap());
    }
}

/// Marketing: points exchange (积分兑换) and the leaderboards (排行榜).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignSettings {
    /// `exchange_points` 积分 buy `exchange_fen` 分 of rebate balance (100 and 100: 100 积分 = ¥1); a member
    /// exchanges whole multiples of `exchange_points`. 0 switches exchange off.
    pub exchange_points: i64,
    pub exchange_fen: i64,
    /// The fewest points one exchange takes.
    pub exchange_min_points: i64,
    /// The most points a member exchanges per local day.
    pub exchange_daily_cap_points: i64,
    /// Lines per leaderboard.
    pub leaderboard_size: i64,
    /// An inviter's reward when a newcomer's first valid order settles (拉新奖励): points and 分 (once ever per
    /// newcomer; re-joiners and members known before the invitation do not count).
    pub invite_order_points: i64,
    pub invite_order_fen: i64,
    /// A newcomer who leaves the group within this many hours of joining never counts: no reward, not on the
    /// invite leaderboard.
    pub invite_min_stay_hours: i64,
    /// Daily tasks (每日任务) shown by `任务`; each completion earns its points, up to `daily_limit` a day.
    pub tasks: Vec<TaskSettings>,
}

/// What a daily task asks of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// 签到.
    Checkin,
    /// Convert a product link through the robot.
    Convert,
    /// Bring a newcomer into a group.
    Invite,
    /// Place one's first order ever.
    FirstOrder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSettings {
    pub task: TaskKind,
    /// Points per completion.
    pub points: i64,
    /// Completions rewarded per local day.
    pub daily_limit: i64,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        CampaignSettings {
            exchange_points: 100,
            exchange_fen: 100,
            exchange_min_points: 500,
            exchange_daily_cap_points: 5_000,
            leaderboard_size: 10,
            invite_order_points: 100,
            invite_order_fen: 0,
            invite_min_stay_hours: 24,
            tasks: vec![
                TaskSettings { task: TaskKind::Checkin, points: 5, daily_limit: 1 },
                TaskSettings { task: TaskKind::Convert, points: 2, daily_limit: 3 },
                TaskSettings { task: TaskKind::Invite, points: 20, daily_limit: 5 },
                TaskSettings { task: TaskKind::FirstOrder, points: 100, daily_limit: 1 },
            ],
        }
    }
}
