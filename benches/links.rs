//! Link recognition throughput over a synthetic group-chat corpus (mostly chatter, some links, 淘口令
//! and share cards), in bytes of chat text per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dealbot::links::recognize;
use std::hint::black_box;

const CHATTER: &[&str] = &[
    "早上好呀各位，今天有什么好东西推荐吗？",
    "哈哈哈哈笑死我了😂😂",
    "这个价格还可以，上次买的才59块，这次贵了10块钱",
    "群主什么时候发红包🧧",
    "收到，谢谢！",
    "有没有人知道那个保温杯质量怎么样，我看评论说漏水",
    "明天下午3点开会，别忘了带电脑",
    "ok",
    "我家孩子最近特别喜欢这种积木，一次能玩两个小时，推荐给有娃的家长们",
    "好的👌",
    "刚下单了，等快递中，顺丰的话应该后天到",
    "晚上一起吃火锅吗？老地方，7点半",
    "这个券今天就到期了，大家抓紧用",
    "[捂脸][捂脸]",
    "我觉得还是京东自营靠谱一点，售后方便",
    "有人拼单吗，满199减30，还差40块",
    "The order number is 2024031512345, please check",
    "谢谢群主，已经用上了，确实便宜了不少",
    "天气预报说周末有雨，出门记得带伞☔",
    "退款申请提交了，客服说三个工作日内处理完",
];

const REFERENCES: &[&str] = &[
    "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723",
    "便宜好用：https://mobile.yangkeduo.com/goods1.html?ps=Wn3bHk7Qza",
    "https://p.pinduoduo.com/Kx82LmQe 这个真的便宜",
    "【京东】https://3.cn/1xT-9aBq?jkl=@Zp3Qw8Rt5Yu2@ CA2077 「【京东超市】加厚抽纸24包」\r\n点击链接直接打开 或者复制文案打开京东",
    "【京东】https://u.jd.com/Qm7Zt2K「迷你电煮锅 宿舍可用」点击链接直接打开",
    "https://item.jd.com/100087654321.html",
    "椅子看这个[人体工学椅 家用](https://item.taobao.com/item.htm?id=723456789012&skuId=5234567890123)",
    "66￥ CZ3457 Vb6nTq2LmZx￥ https://m.tb.cn/h.Gh3JkL9  【限时秒杀】不锈钢保温杯大容量",
    "【淘宝】https://m.tb.cn/h.7KpQzR2mXwY4aBc?tk=Pq3Lm8ZtR2w CZ0057 「加厚珊瑚绒毯子冬季保暖」\n点击链接直接打开 或者 淘宝搜索直接打开",
    "6復製内容￥Wq9zXc3Vb7N￥打k?τao寶?或點擊炼接 https://m.tb.cn/h.Ab4CdE6 至瀏.覽.器【双11预售】",
    "复制这段话(Kz3mWq8RtYp)打开手淘",
    "https://mp.weixin.qq.com/s/Ab3dE5gH7jK9mN1pQ2rS4t 这篇文章写得不错",
];

const CARD: &str = "wxid_m3mb3r77:\n<?xml version=\"1.0\"?>\n<msg>\n\t<appmsg appid=\"\" sdkver=\"0\">\n\t\t<title>【京东】加厚抽纸24包</title>\n\t\t<des>京东价 ¥39.90</des>\n\t\t<type>5</type>\n\t\t<url>https://item.m.jd.com/product/100056781234.html?utm_source=share&amp;utm_medium=weixin</url>\n\t</appmsg>\n\t<fromusername>wxid_m3mb3r77</fromusername>\n</msg>";

/// 1 000 messages: about 89 % chatter, 10 % links / share texts / 淘口令, 1 % share cards.
fn corpus() -> Vec<String> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..1000)
        .map(|_| {
            let roll = next() % 100;
            let pick = |list: &[&str], n: u64| list[(n % list.len() as u64) as usize].to_string();
            match roll {
                0 => CARD.to_string(),
                1..=10 => pick(REFERENCES, next()),
                _ => {
                    let lines = 1 + next() % 3;
                    (0..lines).map(|_| pick(CHATTER, next())).collect::<Vec<_>>().join("\n")
                }
            }
        })
        .collect()
}

fn bench_recognize(c: &mut Criterion) {
    let messages = corpus();
    let chatter: Vec<String> = CHATTER.iter().map(|s| s.to_string()).collect();
    let references: Vec<String> = REFERENCES.iter().map(|s| s.to_string()).collect();
    let mut group = c.benchmark_group("links");
    for (name, set) in [("chat_corpus", &messages), ("chatter_only", &chatter), ("references_only", &references)] {
        let bytes: usize = set.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                for message in set {
                    black_box(recognize(black_box(message)));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_recognize);
criterion_main!(benches);
