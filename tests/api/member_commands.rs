//! Member commands as scripted group conversations: 签到, 积分, 查券 / 下一页, 我的, 帮助.

use crate::conversation::*;
use dealbot::chat::OutboundBody;

const DAY: i64 = 24 * 3600;

#[tokio::test]
async fn checkin_twice_a_day_says_done_and_the_streak_grows_across_days_with_a_bonus() {
    let chat = Chat::start_with(|s| {
        s.chat.checkin_points = 10;
        s.chat.streak_bonus_days = 3;
        s.chat.streak_bonus_points = 50;
    })
    .await;
    let first = chat.ask(ALICE, "签到").await;
    assert!(first.contains("签到成功") && first.contains("获得 10 积分"), "{first}");
    assert!(first.contains("已连续签到 1 天") && first.contains("当前积分 10"), "{first}");

    chat.advance_secs(10);
    let again = chat.ask(ALICE, "签到").await;
    assert!(again.contains("今天已经签到过了") && again.contains("当前积分 10"), "{again}");

    chat.advance_secs(DAY);
    let day2 = chat.ask(ALICE, "签到").await;
    assert!(day2.contains("已连续签到 2 天") && day2.contains("当前积分 20"), "{day2}");

    chat.advance_secs(DAY);
    let day3 = chat.ask(ALICE, "#签到").await;
    assert!(day3.contains("获得 60 积分（含连续签到奖励 50）"), "{day3}");
    assert!(day3.contains("已连续签到 3 天") && day3.contains("当前积分 80"), "{day3}");

    // A missed day restarts the streak.
    chat.advance_secs(2 * DAY);
    let later = chat.ask(ALICE, "签到").await;
    assert!(later.contains("已连续签到 1 天") && later.contains("当前积分 90"), "{later}");

    // Another member has their own streak and points.
    let bob = chat.ask(BOB, "签到").await;
    assert!(bob.contains("已连续签到 1 天") && bob.contains("当前积分 10"), "{bob}");

    let alice = chat.member_id(ALICE).await;
    assert_eq!(chat.app.store.points_balance(alice).await.unwrap(), 90);
    assert_eq!(chat.app.store.points_ledger_sum(alice).await.unwrap(), 90, "the balance is the ledger's sum");
}

#[tokio::test]
async fn checkin_cooldown_tells_once_then_stays_quiet_and_a_switched_off_feature_says_so() {
    let chat = Chat::with_owner().await;
    chat.ask(ALICE, "签到").await;
    let busy = chat.ask(ALICE, "签到").await;
    assert!(busy.contains("操作太频繁"), "{busy}");
    chat.silent(ALICE, "签到").await;
    // Cooldowns are per member.
    assert!(chat.ask(BOB, "签到").await.contains("签到成功"));

    assert!(chat.ask(OWNER, "#关闭 签到").await.contains("已关闭签到"));
    chat.advance_secs(10);
    assert!(chat.ask(ALICE, "签到").await.contains("本群暂未开启签到"));
    assert!(chat.ask(OWNER, "#开启签到").await.contains("已开启签到"));
    chat.advance_secs(10);
    assert!(chat.ask(ALICE, "签到").await.contains("今天已经签到过了"));
}

#[tokio::test]
async fn points_show_the_balance_and_recent_changes_with_a_cooldown() {
    let chat = Chat::start().await;
    let empty = chat.ask(ALICE, "积分").await;
    assert!(empty.contains("当前积分：0") && empty.contains("发送「签到」"), "{empty}");
    chat.ask(ALICE, "签到").await;
    assert!(chat.ask(ALICE, "积分").await.contains("操作太频繁"));
    chat.advance_secs(6);
    let points = chat.ask(ALICE, "我的积分").await;
    assert!(points.contains("当前积分：10") && points.contains("最近变动") && points.contains("签到 +10"), "{points}");
    // Chat that merely mentions points is not the command.
    chat.silent(ALICE, "积分有什么用").await;
}

#[tokio::test]
async fn coupon_search_lists_the_best_items_with_a_poster_and_pages_on() {
    let chat = Chat::start().await;
    let replies = chat.say(ALICE, "查券 耳机").await;
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert!(replies[0].is_image(), "a poster for the first result");
    let OutboundBody::Text { content, ats } = &replies[1].body else { panic!("{replies:?}") };
    assert_eq!(ats, &vec![ALICE.wxid.to_string()]);
    assert!(content.contains("「耳机」的优惠好物"), "{content}");
    for n in 1..=3 {
        assert!(content.contains(&format!("\n{n}.【")), "three results: {content}");
    }
    assert!(content.contains("耳机") && content.contains("券后¥") && content.contains("http"), "{content}");
    assert!(content.contains("下一页"), "{content}");
    // The three links are conversions made for the member.
    let conversions = chat.app.store.recent_conversions(10).await.unwrap();
    assert_eq!(conversions.len(), 3);
    assert!(conversions.iter().all(|c| c.member_wxid.as_deref() == Some(ALICE.wxid)));
    assert!(conversions.iter().all(|c| content.contains(c.short_url.as_deref().unwrap_or(&c.promotion_url))));

    // 查券 and 下一页 share one cooldown.
    assert!(chat.ask(ALICE, "下一页").await.contains("操作太频繁"));
    chat.advance_secs(16);
    let next = chat.say(ALICE, "下一页").await;
    assert!(next.iter().any(|r| r.text().contains("「耳机」第 2 页")), "{next:?}");
    let page2 = chat.app.store.recent_conversions(10).await.unwrap();
    assert_eq!(page2.len(), 6, "three more, other items");

    chat.advance_secs(16);
    assert!(chat.ask(BOB, "下一页").await.contains("请先发送「查券 关键词」"));
    chat.advance_secs(16);
    assert!(chat.ask(ALICE, "查券 不存在的宝贝").await.contains("没找到「不存在的宝贝」"));
}

#[tokio::test]
async fn coupon_search_asks_for_a_missing_keyword_and_refuses_a_bad_one() {
    let chat = Chat::with_owner().await;
    let ask = chat.ask(ALICE, "查券").await;
    assert!(ask.contains("请发送要查的商品关键词"), "{ask}");
    // The answer completes the command (no second cooldown).
    let replies = chat.say(ALICE, "保温杯").await;
    assert!(replies.iter().any(|r| r.text().contains("「保温杯」的优惠好物")), "{replies:?}");

    chat.advance_secs(16);
    let long = chat.ask(ALICE, &format!("查券 {}", "长".repeat(31))).await;
    assert!(long.contains("关键词太长") && long.contains("用法：查券 <关键词>"), "{long}");

    chat.ask(OWNER, "#关闭查券").await;
    chat.advance_secs(16);
    assert!(chat.ask(ALICE, "查券 耳机").await.contains("本群暂未开启查券"));
}

#[tokio::test]
async fn mine_shows_conversions_points_streak_and_invites() {
    let chat = Chat::start().await;
    chat.join(ALICE, &[BOB]).await;
    let replies = chat.say(ALICE, "https://item.jd.com/100087654321.html").await;
    assert_eq!(replies.len(), 2, "{replies:?}");
    chat.ask(ALICE, "签到").await;
    let mine = chat.ask(ALICE, "我的").await;
    assert!(mine.contains("转链 1 次（今日 1 次）"), "{mine}");
    assert!(mine.contains("积分 30"), "10 for the check-in, 20 for inviting: {mine}");
    assert!(mine.contains("连续签到 1 天") && mine.contains("邀请新人 1 位"), "{mine}");
    chat.advance_secs(1);
    assert!(chat.ask(ALICE, "我的").await.contains("操作太频繁"));
}

#[tokio::test]
async fn help_lists_only_what_the_asker_may_use() {
    let chat = Chat::with_owner().await;
    let member = chat.ask(ALICE, "帮助").await;
    assert!(member.contains("签到") && member.contains("查券 <关键词>") && member.contains("我的"), "{member}");
    assert!(!member.contains("设置关键词") && !member.contains("设置群主"), "{member}");
    let owner = chat.ask(OWNER, "#帮助").await;
    assert!(owner.contains("#设置关键词 <词> <回复>") && owner.contains("#绑定推广位"), "{owner}");
    assert!(!owner.contains("设置群主"), "{owner}");
    let admin = chat.ask(ADMIN, "帮助").await;
    assert!(admin.contains("#设置群主 @成员") && admin.contains("#添加管理员"), "{admin}");
    chat.advance_secs(1);
    assert!(chat.ask(ALICE, "菜单").await.contains("操作太频繁"), "菜单 is 帮助 and shares its cooldown");
    // @-mentioning the robot with the command works too.
    chat.advance_secs(6);
    let bot = dealbot::sim::gewe::DEFAULT_BOT_NICKNAME;
    assert!(chat.ask(BOB, &format!("@{bot}\u{2005}帮助")).await.contains("我能做这些"));
}

#[tokio::test]
async fn members_are_registered_on_their_first_message_and_their_nickname_is_kept_current() {
    let chat = Chat::start().await;
    assert_eq!(chat.app.store.member_id(BOB.wxid).await.unwrap(), None);
    chat.silent(BOB, "大家好").await;
    let bob = chat.member_id(BOB).await;
    assert_eq!(chat.app.store.member_nickname(BOB.wxid).await.unwrap().as_deref(), Some(BOB.nick));
    let renamed = Person { wxid: BOB.wxid, nick: "波波改名了" };
    assert!(chat.ask(renamed, "帮助").await.contains("我能做这些"), "the reply @-mentions the new name");
    assert_eq!(chat.app.store.member_nickname(BOB.wxid).await.unwrap().as_deref(), Some(renamed.nick));
    assert_eq!(chat.member_id(BOB).await, bob, "the same member");
}
