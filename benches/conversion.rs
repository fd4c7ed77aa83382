//! The conversion path's own overhead with an instant upstream: `Affiliates::convert` (sign, HTTP, envelope,
//! units → 分/bp) against the in-process simulators on loopback, each call with a fresh item so no cache answers.
//! Reports p50/p99 per platform, next to a bare HTTP round trip to the same server (the floor).
//! Run: `cargo bench --bench conversion`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use dealbot::affiliate::Attribution;
use dealbot::links;
use dealbot::sim::{SimCredentials, Simulators};
use std::time::{Duration, Instant};

const N: usize = 2_000;

/// (name, the link for item i, the PID)
type Case = (&'static str, fn(usize) -> String, &'static str);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<28} p50 {:>8.3} ms   p99 {:>8.3} ms   (n = {})",
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.len()
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://localhost:{}", listener.local_addr().expect("addr").port());
        let sims = Simulators::new(&SimCredentials::default(), &base);
        sims.pdd.set_require_member_auth(false);
        let router = sims.router();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let mut settings =
            dealbot::demo::settings_for_simulators(&base, &base, "sqlite::memory:", "bench-secret-0123456789");
        // The client-side QPS budget is policy, not overhead: lift it so only the path itself is measured.
        settings.affiliate.pdd.qps = 1_000_000;
        settings.affiliate.jd.qps = 1_000_000;
        settings.affiliate.taobao.qps = 1_000_000;
        let http = dealbot::startup::api_http_client().expect("client");
        let affiliates = dealbot::startup::build_affiliates(&settings, &http);

        let floor_url = format!("{base}/cdn/none");
        let mut floor = Vec::with_capacity(N);
        for _ in 0..N {
            let t = Instant::now();
            let _ = http.get(&floor_url).send().await.map(|r| r.status());
            floor.push(t.elapsed());
        }
        report("bare HTTP round trip", floor);

        let cases: [Case; 3] = [
            (
                "pdd convert",
                |i| format!("https://mobile.yangkeduo.com/goods.html?goods_id={}", 300_000_000_000u64 + i as u64),
                dealbot::demo::DEMO_PDD_PID,
            ),
            (
                "jd convert",
                |i| format!("https://item.jd.com/{}.html", 100_000_000_000u64 + i as u64),
                dealbot::demo::DEMO_JD_PID,
            ),
            (
                "taobao convert",
                |i| format!("https://item.taobao.com/item.htm?id={}", 700_000_000_000u64 + i as u64),
                dealbot::demo::DEMO_TAOBAO_PID,
            ),
        ];
        for (name, link, pid) in cases {
            let mut samples = Vec::with_capacity(N);
            let mut errors = 0;
            for i in 0..N {
                let text = link(i);
                let t = Instant::now();
                let r = links::recognize(&text);
                let Some(first) = r.first() else { continue };
                // Items without commission are answered with a business error: still a full round trip.
                let ok = affiliates.convert(first, &Attribution::pid_only(pid)).await.is_ok();
                samples.push(t.elapsed());
                if !ok {
                    errors += 1;
                }
            }
            report(&format!("{name} (errors {errors})"), samples);
        }
    });
}
