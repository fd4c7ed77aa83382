//! Not annoying, not banned: do-not-disturb hours (queue or drop), the reply budget per group per minute,
//! silence for ordinary chat, and never a reply to official accounts or other bots.

use crate::conversation::*;
use crate::helpers::*;
use sqlx::Row;

const HOUR_MS: i64 = 3_600_000;

/// The local (UTC+8) hour now and the instant it began.
fn local_hour(now_ms: i64) -> (i64, i64) {
    let local = now_ms + 8 * HOUR_MS;
    let hour = local.div_euclid(HOUR_MS) % 24;
    (hour, local.div_euclid(HOUR_MS) * HOUR_MS - 8 * HOUR_MS)
}

#[tokio::test]
async fn during_do_not_disturb_hours_replies_wait_for_the_end_or_are_dropped() {
    let chat = Chat::with_owner().await;
    assert!(chat.ask(ALICE, "#设置免打扰 23-7").await.contains("只有群主或管理员可以使用"));
    let bad = chat.ask(OWNER, "#设置免打扰 晚上").await;
    assert!(bad.contains("时段格式不对") && bad.contains("用法：#设置免打扰 <时段> [排队|丢弃]"), "{bad}");

    // Quiet from this hour for two hours, so the test never straddles the end.
    let (hour, hour_start) = local_hour(chat.now_ms());
    let quiet = format!("{hour}-{}", (hour + 2) % 24);
    let ends = hour_start + 2 * HOUR_MS;
    assert!(chat.ask(OWNER, "#设置免打扰").await.contains("请发送免打扰时段"));
    let set = chat.say(OWNER, &quiet).await;
    assert_eq!(set.len(), 1);
    assert!(set[0].text().contains(&format!("免打扰已设为 {quiet} 点")), "{set:?}");
    // Replies follow the rules in force when their message arrived: the confirmation goes out now.
    assert!(set[0].not_before <= chat.now_ms());

    // A command is carried out now; its reply waits for the end of the quiet hours.
    let checkin = chat.say(ALICE, "签到").await;
    assert_eq!(checkin.len(), 1);
    assert_eq!(checkin[0].not_before, ends);
    assert!(checkin[0].text().contains("签到成功"));
    assert_eq!(chat.app.store.points_balance(chat.member_id(ALICE).await).await.unwrap(), 10);
    let status = chat.say(OWNER, "#群状态").await;
    assert!(status[0].text().contains(&format!("免打扰：{quiet} 点（排队）")), "{status:?}");
    // Nothing queued for later was sent.
    assert!(chat.app.sim.sims.gewe.sent().iter().all(|m| !m.content.contains("签到成功")));

    chat.say(OWNER, &format!("#设置免打扰 {quiet} 丢弃")).await;
    chat.silent(ALICE, "积分").await;
    chat.silent(BOB, "https://item.jd.com/100087654321.html").await;
    chat.silent(OWNER, "#关闭免打扰").await;
    // Switched off: replies go out at once again.
    chat.advance_secs(10);
    let now = chat.say(ALICE, "积分").await;
    assert_eq!(now.len(), 1);
    assert!(now[0].not_before <= chat.now_ms());
}

#[tokio::test]
async fn the_configured_quiet_hours_apply_to_groups_that_set_none() {
    let (hour, hour_start) = local_hour(dealbot::store::now_ms());
    let chat = Chat::with_owner_and(|s| {
        s.chat.dnd_hours = format!("{hour}-{}", (hour + 2) % 24);
        s.chat.dnd_policy = dealbot::config::DndPolicy::Queue;
    })
    .await;
    let replies = chat.say(ALICE, "帮助").await;
    assert_eq!(replies[0].not_before, hour_start + 2 * HOUR_MS);
    assert!(chat.say(OWNER, "#群状态").await[0].text().contains("（默认）"));
    chat.say(OWNER, "#关闭免打扰").await;
    let replies = chat.say(ALICE, "积分").await;
    assert!(replies[0].not_before <= chat.now_ms(), "the group opted out");
}

#[tokio::test]
async fn the_reply_budget_caps_replies_per_group_per_minute() {
    let chat = Chat::with_owner_and(|s| s.chat.reply_budget_per_minute = 3).await;
    // Binding the owner used one reply.
    assert_eq!(chat.say(ALICE, "签到").await.len(), 1);
    assert_eq!(chat.say(BOB, "签到").await.len(), 1);
    chat.silent(OWNER, "#群状态").await;
    chat.silent(ALICE, "https://item.jd.com/100087654321.html").await;
    chat.advance_secs(61);
    assert_eq!(chat.say(OWNER, "#群状态").await.len(), 1, "a new minute, a new budget");
}

#[tokio::test]
async fn ordinary_chat_gets_no_reply() {
    let chat = Chat::with_owner().await;
    chat.ask(OWNER, "#设置关键词 发货 48 小时内").await;
    chat.ask(OWNER, "#设置问答 如何领取优惠券 点链接领券").await;
    for text in [
        "今天天气不错",
        "签到了吗",
        "我的天",
        "积分怎么这么少",
        "查券耳机",
        "下一页呢",
        "设置关键词 a b",
        "帮助一下",
        "哈哈哈哈",
        "晚上吃什么",
        "👍",
        "#",
        "#没有这个命令",
    ] {
        chat.silent(ALICE, text).await;
    }
    // A long message is not matched at all, though it contains the keyword.
    chat.silent(ALICE, &format!("发货{}", "啊".repeat(500))).await;
    assert_eq!(chat.ask(ALICE, &format!("发货{}", "啊".repeat(400))).await, "48 小时内", "shorter ones are");
}

#[tokio::test]
async fn official_accounts_and_other_bots_never_get_a_reply() {
    let chat = Chat::start_with(|s| s.chat.ignored_wxids = vec!["wxid_0th3rb0t".into()]).await;
    for (wxid, nick) in [("gh_3f9a0b1c2d4e", "某某公众号"), ("wxid_0th3rb0t", "别家机器人")] {
        let id = chat.app.sim.sims.gewe.deliver_text(ROOM, wxid, nick, "帮助").await.unwrap();
        let key = format!("{}:{id}", dealbot::sim::gewe::DEFAULT_APP_ID);
        let status = eventually("the message recorded", std::time::Duration::from_secs(20), || async {
            let row = sqlx::query("SELECT status FROM inbound WHERE dedupe_key = $1")
                .bind(&key)
                .fetch_optional(chat.app.store.pool())
                .await
                .unwrap()?;
            let status: String = row.try_get("status").unwrap();
            (status != "pending" && status != "processing").then_some(status)
        })
        .await;
        assert!(status == "skipped" || status == "done", "{wxid}: {status}");
        let replies = chat.app.store.outbox_for(ROOM).await.unwrap();
        assert!(replies.iter().all(|r| !r.idempotency_key.contains(&id)), "{wxid} got a reply");
    }
    // Members still get answers.
    assert!(chat.ask(ALICE, "帮助").await.contains("我能做这些"));
}
