//! Parsing hostile GeWe callbacks: a text with 10,000 links (many repeated) and a message mentioning 20,000 ids
//! (many repeated). De-duplication uses sets and the scheme search is one pass, so both stay linear; the bound is
//! 20 ms per message. Run: `cargo bench --bench webhook_parse`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use dealbot::chat::gewe::parse_callback;
use serde_json::json;
use std::hint::black_box;

fn callback(content: &str, msg_source: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "TypeName": "AddMsg",
        "Appid": "wx_bench",
        "Wxid": "wxid_bot",
        "Data": {
            "FromUserName": {"string": "20931457718@chatroom"},
            "ToUserName": {"string": "wxid_bot"},
            "MsgType": 1,
            "Content": {"string": format!("wxid_member:\n{content}")},
            "CreateTime": 1735689600,
            "MsgSource": msg_source,
            "NewMsgId": 7012345678901234567_u64
        }
    }))
    .unwrap()
}

fn many_links() -> Vec<u8> {
    // 10,000 links, one in four a repeat, plain http (the case a two-search scheme finder rescanned).
    let text: Vec<String> =
        (0..10_000).map(|i| format!("http://p.pinduoduo.com/k{} 看看", if i % 4 == 3 { i - 1 } else { i })).collect();
    callback(&text.join(" "), "<msgsource></msgsource>")
}

fn many_mentions() -> Vec<u8> {
    let ids: Vec<String> = (0..20_000).map(|i| format!("wxid_member{}", i % 15_000)).collect();
    callback("@所有人\u{2005}看群公告", &format!("<msgsource><atuserlist>{}</atuserlist></msgsource>", ids.join(",")))
}

fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("webhook_parse");
    group.sample_size(20);
    for (name, body) in [("10000_links", many_links()), ("20000_mentions", many_mentions())] {
        group.bench_function(name, |b| b.iter(|| black_box(parse_callback(black_box(&body), "机器人").unwrap())));
    }
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
