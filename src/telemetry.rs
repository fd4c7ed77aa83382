//! Tracing setup (plain or JSON logs) and Prometheus metrics.

/// Installs the global tracing subscriber. `RUST_LOG` overrides the default filter.
pub fn init(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Arc;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

/// The process's Prometheus metrics. Cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// Webhook deliveries by outcome (`accepted`, `duplicate`, `skipped`, `rejected`).
    pub messages_in: Family<ResultLabel, Counter>,
    pub replies_queued: Counter,
    pub replies_sent: Counter,
    pub send_failures: Counter,
    pub sends_dead: Counter,
    pub conversion_failures: Counter,
    pub webhook_seconds: Histogram,
    pub processing_seconds: Histogram,
    pub send_seconds: Histogram,
    pub inbound_pending: Gauge,
    pub outbox_queued: Gauge,
    pub group_queues: Gauge,
    /// Product-photo fetches by outcome (`ok` or a `FetchError` kind); cache hits are not counted.
    pub photo_fetches: Family<ResultLabel, Counter>,
    pub photo_fetch_seconds: Histogram,
    /// Groups read from the database (the engine's group cache missed).
    pub group_loads: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut r = Registry::with_prefix("dealbot");
        let messages_in = Family::<ResultLabel, Counter>::default();
        let replies_queued = Counter::default();
        let replies_sent = Counter::default();
        let send_failures = Counter::default();
        let sends_dead = Counter::default();
        let conversion_failures = Counter::default();
        let webhook_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        let processing_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        let send_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 14));
        let inbound_pending = Gauge::default();
        let outbox_queued = Gauge::default();
        let group_queues = Gauge::default();
        let photo_fetches = Family::<ResultLabel, Counter>::default();
        let photo_fetch_seconds = Histogram::new(exponential_buckets(0.002, 2.0, 14));
        let group_loads = Counter::default();
        r.register("messages_in", "Webhook deliveries by outcome", messages_in.clone());
        r.register("replies_queued", "Replies written to the outbox", replies_queued.clone());
        r.register("replies_sent", "Outbox rows delivered to the gateway", replies_sent.clone());
        r.register("send_failures", "Failed gateway sends (before retry)", send_failures.clone());
        r.register("sends_dead", "Outbox rows dead-lettered", sends_dead.clone());
        r.register("conversion_failures", "Failed affiliate conversions", conversion_failures.clone());
        r.register("webhook_seconds", "Webhook handling latency", webhook_seconds.clone());
        r.register("processing_seconds", "Engine handling latency per message", processing_seconds.clone());
        r.register("send_seconds", "Gateway send latency", send_seconds.clone());
        r.register("inbound_pending", "Inbound messages waiting to be handled", inbound_pending.clone());
        r.register("outbox_queued", "Outbox rows waiting to be sent", outbox_queued.clone());
        r.register("group_queues", "Active per-group queues", group_queues.clone());
        r.register("photo_fetches", "Product-photo fetches by outcome", photo_fetches.clone());
        r.register(
            "photo_fetch_seconds",
            "Product-photo fetch, decode and resize latency",
            photo_fetch_seconds.clone(),
        );
        r.register("group_loads", "Groups read from the database (group cache misses)", group_loads.clone());
        Metrics {
            registry: Arc::new(r),
            messages_in,
            replies_queued,
            replies_sent,
            send_failures,
            sends_dead,
            conversion_failures,
            webhook_seconds,
            processing_seconds,
            send_seconds,
            inbound_pending,
            outbox_queued,
            group_queues,
            photo_fetches,
            photo_fetch_seconds,
            group_loads,
        }
    }

    pub fn message_in(&self, result: &'static str) {
        self.messages_in.get_or_create(&ResultLabel { result }).inc();
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
