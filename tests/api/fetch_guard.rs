//! The photo fetcher against real local HTTP servers (the simulated CDN, counting every request it receives):
//! what it fetches, what it refuses before any connection, and what it refuses while reading.

use dealbot::config::{FetchSettings, ResolveOverride};
use dealbot::fetch::{FetchError, Photos};
use dealbot::platform::Platform;
use dealbot::sim::cdn::CdnSim;
use dealbot::telemetry::Metrics;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The trusted test name of the simulated CDN (`.test` never resolves in DNS).
const CDN_HOST: &str = "img.cdn-sim.test";

/// A simulated CDN on a local port, mounted under `/cdn` like in the demo.
struct Cdn {
    sim: CdnSim,
    port: u16,
    _task: JoinHandle<()>,
}

impl Drop for Cdn {
    fn drop(&mut self) {
        self._task.abort();
    }
}

async fn cdn_on(ip: &str) -> Cdn {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let sim = CdnSim::new();
    let router = axum::Router::new().nest("/cdn", sim.router());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Cdn { sim, port, _task: task }
}

/// Default settings plus the trusted override `img.cdn-sim.test → 127.0.0.1:<port>`.
fn settings_for(cdn: &Cdn) -> FetchSettings {
    FetchSettings {
        resolve: vec![ResolveOverride { host: CDN_HOST.into(), addr: ([127, 0, 0, 1], cdn.port).into() }],
        ..FetchSettings::default()
    }
}

fn photos(settings: &FetchSettings) -> Photos {
    Photos::from_settings(settings, Metrics::new()).unwrap()
}

fn cdn_url(cdn: &Cdn, path: &str) -> String {
    format!("http://{CDN_HOST}:{}/cdn{path}", cdn.port)
}

#[tokio::test]
async fn a_photo_on_the_trusted_cdn_host_is_fetched_and_fit_in_the_box() {
    let cdn = cdn_on("127.0.0.1").await;
    let settings = FetchSettings { fit_width: 400, fit_height: 300, ..settings_for(&cdn) };
    let photos = photos(&settings);
    let img = photos.get(Platform::Pdd, &cdn_url(&cdn, "/pdd/386512047723.jpg")).await.unwrap();
    assert_eq!(img.dimensions(), (300, 300));
    // Without a port in the URL the override's port is used.
    let img = photos.get(Platform::Taobao, &format!("http://{CDN_HOST}/cdn/taobao/712345678901.jpg")).await.unwrap();
    assert_eq!(img.dimensions(), (300, 300));
    assert_eq!(cdn.sim.requests_for("/pdd/386512047723.jpg"), 1);
    assert_eq!(cdn.sim.requests_for("/taobao/712345678901.jpg"), 1);
    // Another port on the trusted name is refused before any connection.
    let other = format!("http://{CDN_HOST}:{}/cdn/pdd/1.jpg", cdn.port.wrapping_add(1).max(1));
    assert!(matches!(photos.get(Platform::Pdd, &other).await, Err(FetchError::PortNotAllowed(_))));
    assert_eq!(cdn.sim.requests(), 2);
}

#[tokio::test]
async fn loopback_ip_literals_are_refused_before_any_connection() {
    let v4 = cdn_on("127.0.0.1").await;
    let v6 = cdn_on("::1").await;
    // Even with the ports allowed, the loopback host name allow-listed and the trusted override in place.
    let mut settings = settings_for(&v4);
    settings.allowed_ports = vec![v4.port, v6.port];
    settings.hosts.pdd.push("localhost".into());
    let photos = photos(&settings);
    for url in [
        format!("http://127.0.0.1:{}/cdn/pdd/1.jpg", v4.port),
        format!("http://2130706433:{}/cdn/pdd/1.jpg", v4.port),
        format!("http://[::1]:{}/cdn/pdd/1.jpg", v6.port),
        format!("http://[::ffff:127.0.0.1]:{}/cdn/pdd/1.jpg", v4.port),
    ] {
        assert_eq!(photos.get(Platform::Pdd, &url).await.unwrap_err(), FetchError::IpLiteral, "{url}");
    }
    assert_eq!(v4.sim.requests(), 0);
    assert_eq!(v6.sim.requests(), 0);
}

#[tokio::test]
async fn metadata_and_private_ip_literals_are_refused_without_a_connection_attempt() {
    let cdn = cdn_on("127.0.0.1").await;
    let photos = photos(&settings_for(&cdn));
    for url in [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://10.0.0.1/x.jpg",
        "http://100.100.100.200/latest/meta-data/",
        "https://[fd00:ec2::254]/latest/meta-data/",
    ] {
        let started = Instant::now();
        assert_eq!(photos.get(Platform::Jd, url).await.unwrap_err(), FetchError::IpLiteral, "{url}");
        // A connection attempt to these unroutable addresses would take until the connect timeout (3 s).
        assert!(started.elapsed() < Duration::from_millis(500), "{url} took {:?}", started.elapsed());
    }
    assert_eq!(cdn.sim.requests(), 0);
}

#[tokio::test]
async fn a_host_name_resolving_to_loopback_is_refused_unless_the_operator_configured_an_override() {
    let cdn = cdn_on("127.0.0.1").await;
    let url = format!("http://localhost:{}/cdn/jd/100087654321.jpg", cdn.port);
    // `localhost` is allow-listed and its port allowed: only the address policy stands in the way.
    let mut settings = FetchSettings::default();
    settings.hosts.jd.push("localhost".into());
    settings.allowed_ports = vec![cdn.port];
    let refused = photos(&settings).get(Platform::Jd, &url).await.unwrap_err();
    assert_eq!(refused, FetchError::ForbiddenAddress { host: "localhost".into() });
    assert_eq!(cdn.sim.requests(), 0, "the refused fetch must not reach the server");

    // The same URL with an explicit trusted override reaches the server.
    settings.resolve = vec![ResolveOverride { host: "localhost".into(), addr: ([127, 0, 0, 1], cdn.port).into() }];
    photos(&settings).get(Platform::Jd, &url).await.unwrap();
    assert_eq!(cdn.sim.requests_for("/jd/100087654321.jpg"), 1);
}

#[tokio::test]
async fn redirects_from_the_allowed_host_to_private_or_foreign_targets_are_refused() {
    let cdn = cdn_on("127.0.0.1").await;
    let inner = cdn_on("127.0.0.1").await;
    let mut settings = settings_for(&cdn);
    settings.hosts.pdd.push("localhost".into());
    settings.allowed_ports = vec![inner.port];
    let photos = photos(&settings);
    let cases = [
        (format!("http://127.0.0.1:{}/cdn/pdd/1.jpg", inner.port), FetchError::IpLiteral),
        (
            format!("http://localhost:{}/cdn/pdd/1.jpg", inner.port),
            FetchError::ForbiddenAddress { host: "localhost".into() },
        ),
        ("http://169.254.169.254/latest/meta-data/".to_string(), FetchError::IpLiteral),
        ("http://[::1]/x.jpg".to_string(), FetchError::IpLiteral),
        ("file:///etc/passwd".to_string(), FetchError::SchemeNotAllowed("file".into())),
        (
            "https://evil.example/x.jpg".to_string(),
            FetchError::HostNotAllowed { platform: Platform::Pdd, host: "evil.example".into() },
        ),
    ];
    for (target, expected) in &cases {
        let to: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
        let url = cdn_url(&cdn, &format!("/test/redirect?to={to}"));
        assert_eq!(&photos.get(Platform::Pdd, &url).await.unwrap_err(), expected, "{target}");
    }
    assert_eq!(cdn.sim.requests_for("/test/redirect"), cases.len() as u64);
    assert_eq!(inner.sim.requests(), 0, "no redirect target may be reached");

    // A redirect to a photo on the allowed host is followed; a loop stops after max_redirects hops.
    let to: String = url::form_urlencoded::byte_serialize(cdn_url(&cdn, "/pdd/42.jpg").as_bytes()).collect();
    photos.get(Platform::Pdd, &cdn_url(&cdn, &format!("/test/redirect?to={to}"))).await.unwrap();
    assert_eq!(cdn.sim.requests_for("/pdd/42.jpg"), 1);
    let looped = photos.get(Platform::Pdd, &cdn_url(&cdn, "/test/redirect-loop")).await.unwrap_err();
    assert_eq!(looped, FetchError::TooManyRedirects(3));
    assert_eq!(cdn.sim.requests_for("/test/redirect-loop"), 4);
}

#[tokio::test]
async fn oversized_photos_are_refused_by_content_length_and_while_streaming() {
    let cdn = cdn_on("127.0.0.1").await;
    let photos = photos(&settings_for(&cdn));
    let limit = FetchSettings::default().max_bytes;
    for path in ["/test/oversized.jpg", "/test/oversized-stream.jpg"] {
        let err = photos.get(Platform::Pdd, &cdn_url(&cdn, path)).await.unwrap_err();
        assert_eq!(err, FetchError::TooLarge { limit }, "{path}");
    }
}

#[tokio::test]
async fn decompression_bombs_are_refused_by_the_decode_limits() {
    let cdn = cdn_on("127.0.0.1").await;
    let photos = photos(&settings_for(&cdn));
    for path in ["/test/bomb.png", "/test/alloc-bomb.png"] {
        let err = photos.get(Platform::Taobao, &cdn_url(&cdn, path)).await.unwrap_err();
        assert_eq!(err, FetchError::DecodeLimit, "{path}");
    }
}

#[tokio::test]
async fn non_images_errors_and_slow_servers_give_typed_errors_and_are_not_cached() {
    let cdn = cdn_on("127.0.0.1").await;
    let settings = FetchSettings { timeout_ms: 300, ..settings_for(&cdn) };
    let photos = photos(&settings);
    let html = cdn_url(&cdn, "/test/not-an-image.jpg");
    assert_eq!(photos.get(Platform::Pdd, &html).await.unwrap_err(), FetchError::UnsupportedFormat);
    assert_eq!(photos.get(Platform::Pdd, &html).await.unwrap_err(), FetchError::UnsupportedFormat);
    assert_eq!(cdn.sim.requests_for("/test/not-an-image.jpg"), 2, "failures are not cached");
    let missing = cdn_url(&cdn, "/pdd/not-a-number.jpg");
    assert_eq!(photos.get(Platform::Pdd, &missing).await.unwrap_err(), FetchError::Status(404));
    let started = Instant::now();
    let slow = photos.get(Platform::Pdd, &cdn_url(&cdn, "/test/slow.jpg")).await.unwrap_err();
    assert_eq!(slow, FetchError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn concurrent_requests_for_one_photo_make_one_fetch() {
    let cdn = cdn_on("127.0.0.1").await;
    let metrics = Metrics::new();
    let photos = Photos::from_settings(&settings_for(&cdn), metrics.clone()).unwrap();
    let url = cdn_url(&cdn, "/pdd/548201937456.jpg");
    let all = futures::future::join_all((0..16).map(|_| photos.get(Platform::Pdd, &url))).await;
    let first = all[0].as_ref().unwrap().clone();
    for img in &all {
        assert!(Arc::ptr_eq(img.as_ref().unwrap(), &first));
    }
    assert_eq!(first.dimensions(), (800, 800));
    assert_eq!(cdn.sim.requests_for("/pdd/548201937456.jpg"), 1);
    // Later requests come from the cache.
    let again = photos.get(Platform::Pdd, &url).await.unwrap();
    assert!(Arc::ptr_eq(&again, &first));
    assert_eq!(cdn.sim.requests(), 1);
    assert!(metrics.encode().contains(r#"dealbot_photo_fetches_total{result="ok"} 1"#), "{}", metrics.encode());
}

#[tokio::test]
async fn the_photos_the_simulated_platforms_hand_out_are_fetchable_with_the_demo_settings() {
    let sim = crate::helpers::SimServer::start().await;
    let settings = dealbot::demo::settings_for_simulators(&sim.base, &sim.base, "sqlite::memory:", "0123456789abcdef");
    let photos = Photos::from_settings(&settings.fetch, Metrics::new()).unwrap();
    for platform in Platform::ALL {
        let item = dealbot::sim::catalog::item_for_key(platform, "Kx82LmQe");
        let url = format!("{}/cdn{}", sim.base, item.image_path);
        let img = photos.get(platform, &url).await.unwrap();
        assert_eq!(img.dimensions(), (800, 800));
        assert_eq!(sim.sims.cdn.requests_for(&item.image_path), 1);
    }
}
