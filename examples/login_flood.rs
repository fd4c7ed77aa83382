//! Fires parallel bogus logins at a running dealbot and reports the server's memory before and after, read from
//! `/proc/PID/status` (VmRSS now, VmHWM the peak). Each login fetches the form (CSRF cookie and token) first.
//!
//! `cargo run --release --example login_flood -- BASE_URL PID [LOGINS]`, e.g. against `dealbot demo`:
//! `cargo run --release --example login_flood -- http://127.0.0.1:8080 $(pgrep -n dealbot) 200`

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn bogus_login(http: reqwest::Client, base: String, i: usize) -> Result<(u16, Duration), reqwest::Error> {
    let started = Instant::now();
    let page = http.get(format!("{base}/admin/login")).send().await?;
    let cookie = page
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ");
    let html = page.text().await?;
    let token = html.split("name=_csrf value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default();
    let user = format!("intruder{i}");
    let form = [("_csrf", token), ("username", user.as_str()), ("password", "not-the-password-at-all")];
    let resp = http.post(format!("{base}/admin/login")).header("cookie", cookie).form(&form).send().await?;
    Ok((resp.status().as_u16(), started.elapsed()))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let pid: u32 = args.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let n: usize = args.next().and_then(|p| p.parse().ok()).unwrap_or(200);
    let http = match reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build() {
        Ok(h) => h,
        Err(e) => return eprintln!("http client: {e}"),
    };
    let (rss_before, peak_before) = memory_kib(pid);
    let started = Instant::now();
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(bogus_login(http.clone(), base.clone(), i))).collect();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut latencies = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok((status, took))) => {
                *statuses.entry(status.to_string()).or_default() += 1;
                latencies.push(took);
            }
            Ok(Err(e)) => *statuses.entry(format!("error: {e}")).or_default() += 1,
            Err(e) => *statuses.entry(format!("task: {e}")).or_default() += 1,
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies.get(((latencies.len().max(1) - 1) as f64 * p) as usize).copied().unwrap_or_default();
    let (rss_after, peak_after) = memory_kib(pid);
    println!("{n} parallel bogus logins in {:.2} s; statuses {statuses:?}", elapsed.as_secs_f64());
    println!("latency p50 {:.0} ms, p99 {:.0} ms", pct(0.5).as_secs_f64() * 1e3, pct(0.99).as_secs_f64() * 1e3);
    println!(
        "server RSS {:.1} MiB -> {:.1} MiB; peak {:.1} MiB -> {:.1} MiB",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        peak_before as f64 / 1024.0,
        peak_after as f64 / 1024.0
    );
}
