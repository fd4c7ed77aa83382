//! Group collection end to end: a deal said in a source group (a GeWe callback to the webhook) until it is queued
//! for its two target groups (converted per group through the simulated Pinduoduo union, poster drawn, outbox rows
//! and delivery rows written), against the in-process simulators on loopback and a SQLite file. Messages are sent
//! one at a time, each with its own item; the latency is from the webhook POST to the recorded outcome.
//! Run: `cargo bench --bench collection_e2e`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use dealbot::clock::Clock;
use dealbot::collection::SourceSpec;
use dealbot::platform::Platform;
use dealbot::sim::{SimCredentials, Simulators};
use dealbot::startup::{Application, Extras};
use dealbot::store::pids::PidOwner;
use serde_json::json;
use std::time::{Duration, Instant};

const MESSAGES: u64 = 200;
const SECRET: &str = "bench-secret-0123456789";
const SOURCE_ROOM: &str = "34000000001@chatroom";
const POSTER: &str = "wxid_xianbao_bench";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn callback(id: u64, text: &str) -> serde_json::Value {
    let bot = dealbot::sim::gewe::DEFAULT_BOT_WXID;
    json!({
        "TypeName": "AddMsg",
        "Appid": dealbot::sim::gewe::DEFAULT_APP_ID,
        "Wxid": bot,
        "Data": {
            "MsgId": id, "FromUserName": {"string": SOURCE_ROOM}, "ToUserName": {"string": bot}, "MsgType": 1,
            "Content": {"string": format!("{POSTER}:\n{text}")}, "Status": 3, "ImgStatus": 1, "ImgBuf": {"iLen": 0},
            "CreateTime": dealbot::store::now_ms() / 1000, "MsgSource": "<msgsource></msgsource>",
            "PushContent": format!("线报员 : {text}"), "NewMsgId": id, "MsgSeq": id
        }
    })
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
        let dir = tempfile::tempdir().expect("tempdir");
        let db = format!("sqlite://{}", dir.path().join("bench.db").display());
        let app_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let public = format!("http://127.0.0.1:{}", app_listener.local_addr().expect("addr").port());
        let mut settings = dealbot::demo::settings_for_simulators(&base, &public, &db, SECRET);
        settings.affiliate.pdd.qps = 1_000_000;
        settings.orders.enabled = false;
        settings.feeds.enabled = false;
        settings.chat.dnd_hours = String::new();
        // The robot's sender points at a closed port, so sending does not mix into the figures.
        settings.robots[0].base_url = "http://127.0.0.1:9/v2/api".into();
        let webhook = format!("{public}/webhook/gewe/{}/{SECRET}", settings.robots[0].name);
        let clock = Clock::system();
        let extras = Extras { clock: Some(clock.clone()), ..Extras::default() };
        let app = Application::build_with_listener(settings, app_listener, extras).await.expect("app");
        let engine = app.engine.clone();
        let store = engine.store.clone();
        let shutdown = app.shutdown_handle();
        let task = tokio::spawn(async move {
            let _ = app.run_until_stopped().await;
        });

        let robot = engine.robots.keys().next().expect("robot");
        let now = clock.now_ms();
        let mut targets = Vec::new();
        for i in 0..2u64 {
            let room = format!("{}@chatroom", 34_100_000_000 + i);
            let g = store.ensure_group(robot, &room, true, now).await.expect("group");
            let pid = format!("9000001_{}", 240_000_000 + i);
            store.set_pid(Platform::Pdd, &pid, &room, PidOwner::Group(g.id), now).await.expect("pid");
            targets.push(g.id);
        }
        let source = store.ensure_group(robot, SOURCE_ROOM, false, now).await.expect("source");
        let spec = SourceSpec { targets, gap_secs: 0, cap_per_hour: 0, ..SourceSpec::default() };
        store.save_collect_source(source.id, &spec, now).await.expect("source rules");

        let http = reqwest::Client::builder().no_proxy().build().expect("http");
        let mut forwarded = Vec::new();
        let mut dropped = std::collections::BTreeMap::<String, usize>::new();
        for n in 0..MESSAGES {
            let goods = 386_512_047_723 + n * 7;
            let text = format!(
                "【拼多多】好物 {n} 券后9.9\nhttps://mobile.yangkeduo.com/goods.html?goods_id={goods}\n加微信领更多"
            );
            let t = Instant::now();
            let r = http.post(&webhook).json(&callback(7_000_000 + n, &text)).send().await.expect("webhook");
            assert!(r.status().is_success(), "{}", r.status());
            let (outcome, reason) = loop {
                let rows = store.recent_collect_messages(Some(source.id), 1).await.expect("rows");
                if let Some(m) = rows.first().filter(|m| m.body.contains(&goods.to_string()))
                    && (m.outcome == "forwarded" || m.reason.is_some())
                {
                    break (m.outcome.clone(), m.reason.clone());
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            };
            if outcome == "forwarded" {
                forwarded.push(t.elapsed());
            } else {
                *dropped.entry(reason.unwrap_or_default()).or_insert(0) += 1;
            }
        }
        forwarded.sort();
        println!("source messages: {MESSAGES}, forwarded to 2 groups: {}, dropped: {dropped:?}", forwarded.len());
        println!(
            "source-to-queued (webhook POST → converted for 2 groups, posters drawn, queued): p50 {:.1} ms  p99 {:.1} ms",
            percentile(&forwarded, 0.50).as_secs_f64() * 1e3,
            percentile(&forwarded, 0.99).as_secs_f64() * 1e3
        );
        println!("union calls pdd.ddk.goods.zs.unit.url.gen: {}", sims.pdd.calls("pdd.ddk.goods.zs.unit.url.gen"));
        shutdown.shutdown();
        let _ = task.await;
    });
}
