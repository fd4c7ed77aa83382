//! Group collection (微信群采集) throughput without union calls: source messages through recognition, cleaning,
//! the foreign-reference check and an in-memory de-duplication by (platform, key) — the work done per message
//! before any conversion. Each iteration handles 1,000 messages drawn from realistic deal shapes (multi-link texts,
//! 淘口令 with copy, JD short links, PDD pages, ads to clean, chatter) with distinct item keys.
//! Run: `cargo bench --bench collection`; the end-to-end latency is `cargo bench --bench collection_e2e`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dealbot::collection::deal::{self, Message};
use dealbot::collection::{CleanRule, Cleaner, SourceSpec};
use dealbot::platform::Platform;
use std::collections::HashSet;
use std::hint::black_box;

const MESSAGES: usize = 1_000;

fn messages() -> Vec<String> {
    (0..MESSAGES)
        .map(|i| match i % 8 {
            0 => format!("【拼多多】维达抽纸24包 券后19.9\nhttps://p.pinduoduo.com/Ab{i:06}\n手慢无"),
            1 => format!("京东 农夫山泉24瓶 券后29.9 https://u.jd.com/Jd{i:05}"),
            2 => format!("【淘宝】保温杯 券后19.9\n￥Hd4kLp{:05}￥\n复制打开手淘", i % 100_000),
            3 => format!(
                "今日三连：\n1. 拼多多 https://p.pinduoduo.com/Qw{i:06}\n2. 京东 https://item.jd.com/100{i:09}.html\n3. 淘宝 ￥Rt7bQ{:06}￥",
                i % 1_000_000
            ),
            4 => format!("【京东自营】抽纸 https://item.jd.com/200{i:09}.html\n加微信 tb_fan888 进内部群\n群号：123456"),
            5 => "大家早上好☀️ 今天也要省钱哦".to_string(),
            6 => format!("拼多多 https://mobile.yangkeduo.com/goods.html?goods_id={} 百亿补贴", 386_512_000_000u64 + i as u64),
            _ => format!("💥神价💥\n洁柔抽纸 30包\n原价59.9 券后29.9\n👉 https://u.jd.com/Ls{i:05}\n⏰ 限量500件"),
        })
        .collect()
}

fn prepare_and_dedup(c: &mut Criterion) {
    let msgs = messages();
    let spec = SourceSpec {
        rules: vec![CleanRule::Line("加微信".into()), CleanRule::Regex(r"群号[:：]?\d+".into())],
        exclude: vec!["代购".into()],
        ..SourceSpec::default()
    };
    let cleaner = Cleaner::new(&spec.rules);
    let mut group = c.benchmark_group("collection");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function("recognize_clean_dedup_1000_messages", |b| {
        b.iter(|| {
            let mut seen: HashSet<(Platform, String)> = HashSet::with_capacity(MESSAGES * 2);
            let mut forwarded = 0usize;
            for m in &msgs {
                if let Ok(p) = deal::prepare(Message::Text(m), &spec, &cleaner, false) {
                    let keys = deal::keys(&p.refs);
                    let fresh = keys.iter().filter(|k| !seen.contains(*k)).count();
                    if fresh > 0 {
                        seen.extend(keys);
                        forwarded += 1;
                    }
                }
            }
            black_box(forwarded)
        })
    });
    group.finish();
}

criterion_group!(benches, prepare_and_dedup);
criterion_main!(benches);
