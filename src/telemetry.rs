//! Tracing setup (plain or JSON logs) and Prometheus metrics.
//!
//! Log lines never carry raw control characters from the values they log: user names, nicknames and chat text
//! can hold a newline or an ESC sequence meant to forge a log line or drive the operator's terminal. JSON logs
//! escape them by construction; plain logs pass every field through [`escape_control`].

use std::fmt::Write as _;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::{self, FormatFields};

/// Installs the global tracing subscriber. `RUST_LOG` overrides the default filter.
pub fn init(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.fmt_fields(escaped_fields()).try_init() };
}

/// A subscriber at `info` writing to `writer`, in the format [`init`] installs (for tests of what reaches the log).
pub fn subscriber<W>(json: bool, writer: W) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_ansi(false).with_writer(writer);
    if json { Box::new(builder.json().finish()) } else { Box::new(builder.fmt_fields(escaped_fields()).finish()) }
}

/// Plain-format fields (`name=value`, the message bare) with control characters escaped.
fn escaped_fields() -> impl for<'w> FormatFields<'w> + Send + Sync + 'static {
    format::debug_fn(|w, field, value| {
        let text = escape_control(&format!("{value:?}"));
        if field.name() == "message" { w.write_str(&text) } else { write!(w, "{field}={text}") }
    })
    .delimited(" ")
}

/// `s` with newlines, carriage returns, ESC and every other control character written as escapes (`\n`, `\r`,
/// `\u{1b}`), so a value can neither end a log line nor send terminal sequences.
pub fn escape_control(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Metric, Registry};
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
        let mut r = Registering(Registry::with_prefix("dealbot"));
        let buckets = |start, count| Histogram::new(exponential_buckets(start, 2.0, count));
        Metrics {
            messages_in: r.add("messages_in", "Webhook deliveries by outcome", Family::default()),
            replies_queued: r.add("replies_queued", "Replies written to the outbox", Counter::default()),
            replies_sent: r.add("replies_sent", "Outbox rows delivered to the gateway", Counter::default()),
            send_failures: r.add("send_failures", "Failed gateway sends (before retry)", Counter::default()),
            sends_dead: r.add("sends_dead", "Outbox rows dead-lettered", Counter::default()),
            conversion_failures: r.add("conversion_failures", "Failed affiliate conversions", Counter::default()),
            webhook_seconds: r.add("webhook_seconds", "Webhook handling latency", buckets(0.0001, 16)),
            processing_seconds: r.add("processing_seconds", "Engine handling latency per message", buckets(0.0005, 16)),
            send_seconds: r.add("send_seconds", "Gateway send latency", buckets(0.001, 14)),
            inbound_pending: r.add("inbound_pending", "Inbound messages waiting to be handled", Gauge::default()),
            outbox_queued: r.add("outbox_queued", "Outbox rows waiting to be sent", Gauge::default()),
            group_queues: r.add("group_queues", "Active per-group queues", Gauge::default()),
            photo_fetches: r.add("photo_fetches", "Product-photo fetches by outcome", Family::default()),
            photo_fetch_seconds: r.add(
                "photo_fetch_seconds",
                "Product-photo fetch, decode and resize latency",
                buckets(0.002, 14),
            ),
            group_loads: r.add("group_loads", "Groups read from the database (group cache misses)", Counter::default()),
            registry: Arc::new(r.0),
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

/// A registry being filled.
struct Registering(Registry);

impl Registering {
    /// `metric`, registered as `name` with its `help`.
    fn add<M: Metric + Clone>(&mut self, name: &str, help: &str, metric: M) -> M {
        self.0.register(name, help, metric.clone());
        metric
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer collecting everything the subscriber writes.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Capture {
        type Writer = Capture;
        fn make_writer(&'w self) -> Capture {
            self.clone()
        }
    }

    const FORGED: &str = "bob\n2026-12-02T00:00:00Z  INFO dealbot::admin::login: logged in user=admin\x1b[2J\r";

    fn logged(json: bool) -> String {
        let capture = Capture::default();
        tracing::subscriber::with_default(subscriber(json, capture.clone()), || {
            let span = tracing::info_span!("webhook", conversation = %FORGED);
            let _g = span.enter();
            tracing::info!(user = %FORGED, nickname = ?FORGED, "failed login");
            tracing::info!("text: {FORGED}");
        });
        String::from_utf8(capture.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn a_newline_or_esc_in_a_user_string_cannot_forge_a_plain_log_line() {
        let out = logged(false);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(!out.contains('\x1b') && !out.contains('\r'), "{out:?}");
        assert!(lines[0].contains("failed login") && lines[0].contains("user=bob\\n2026-12-02"), "{out}");
        assert!(lines.iter().all(|l| !l.starts_with("2026-12-02T00:00:00Z")), "{out}");
    }

    #[test]
    fn a_newline_or_esc_in_a_user_string_cannot_forge_a_json_log_line() {
        let out = logged(true);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(!out.contains('\x1b') && !out.contains('\r'), "{out:?}");
        for line in lines {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(v["fields"].is_object(), "{line}");
        }
        let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
        assert_eq!(first["fields"]["user"], FORGED);
    }

    #[test]
    fn control_characters_are_escaped_and_other_text_kept() {
        assert_eq!(escape_control("阿明 ok"), "阿明 ok");
        assert_eq!(escape_control("a\nb\x1b[31m\u{7f}"), "a\\nb\\u{1b}[31m\\u{7f}");
    }
}
