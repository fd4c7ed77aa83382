//! Marketing commands as scripted conversations, in the group and in private chat: 兑换 (points into rebate
//! balance), 免单 (running free-order campaigns) and 排行榜 (the month's check-in and invite boards).

use crate::conversation::*;
use crate::money_chat::direct;
use dealbot::money::Fen;
use dealbot::platform::Platform;
use dealbot::store::campaigns::{CampaignItem, Limits, NewCampaign, Subsidy};
use dealbot::store::ledger::AccountKind;

const DAY: i64 = 24 * 3600;
const CAROL: Person = Person { wxid: "wxid_c4r0l", nick: "卡罗" };

#[tokio::test]
async fn exchange_turns_points_into_rebate_exactly_with_a_minimum_a_daily_cap_and_a_cooldown() {
    let chat = Chat::start_with(|s| {
        s.chat.checkin_points = 1_000;
        s.campaigns.exchange_points = 100;
        s.campaigns.exchange_fen = 50;
        s.campaigns.exchange_min_points = 200;
        s.campaigns.exchange_daily_cap_points = 800;
    })
    .await;
    assert!(chat.ask(ALICE, "签到").await.contains("当前积分 1000"));
    chat.advance_secs(10);
    let done = chat.ask(ALICE, "兑换 500").await;
    assert!(done.contains("兑换成功✅ 500 积分 → ¥2.50 已计入可提现返利"), "{done}");
    assert!(done.contains("剩余积分 500，今日已兑换 500/800 积分"), "{done}");
    // At once again: the cooldown.
    assert!(chat.ask(ALICE, "兑换 200").await.contains("操作太频繁"));

    chat.advance_secs(10);
    let over = chat.ask(ALICE, "兑换 400").await;
    assert!(over.contains("超出每日兑换上限：今日已兑换 500 积分，每天最多 800 积分"), "{over}");
    chat.advance_secs(10);
    assert!(chat.ask(ALICE, "兑换 100").await.contains("最少兑换 200 积分"));
    chat.advance_secs(10);
    assert!(chat.ask(ALICE, "兑换 250").await.contains("兑换的积分须是 100 的整数倍"));
    chat.advance_secs(10);
    let bad = chat.ask(ALICE, "兑换 1.5").await;
    assert!(bad.starts_with("积分要写正整数") && bad.contains("用法：兑换 <积分>|<奖品>"), "{bad}");
    // A refused request starts no cooldown.
    let more = chat.ask(ALICE, "兑换 300").await;
    assert!(more.contains("剩余积分 200，今日已兑换 800/800 积分"), "{more}");

    // The next day has its own cap; more than the balance is refused.
    chat.advance_secs(DAY);
    let poor = chat.ask(ALICE, "积分兑换 300").await;
    assert!(poor.contains("积分不足：当前积分 200，兑换需要 300 积分"), "{poor}");

    // Every point out is booked as money in: 800 points at 100 → ¥0.50 make ¥4.00.
    let alice = chat.member_id(ALICE).await;
    assert_eq!(chat.app.store.points_balance(alice).await.unwrap(), 200);
    assert_eq!(chat.app.store.points_ledger_sum(alice).await.unwrap(), 200);
    let money = chat.app.store.ledger_balance(AccountKind::Member, alice).await.unwrap();
    assert_eq!(money.available, 400);
    // In private chat too; the member's balance there shows the exchanged money.
    chat.advance_secs(10);
    let private = direct(&chat, ALICE, "我的").await.join("\n");
    assert!(private.contains("可提现 ¥4.00"), "{private}");
    chat.advance_secs(10);
    let replies = direct(&chat, ALICE, "兑换 200").await;
    assert!(replies[0].contains("兑换成功✅ 200 积分 → ¥1.00"), "{replies:?}");
}

fn campaign(name: &str, now_ms: i64, groups: Vec<i64>) -> NewCampaign {
    NewCampaign {
        name: name.into(),
        subsidy: Subsidy::Full { cap: Fen(2_000) },
        budget: Fen(100_000),
        limits: Limits { one_per_member: true, one_per_item: false, new_members_only: false },
        starts_at: now_ms - 1_000,
        ends_at: now_ms + 3 * DAY * 1000,
        items: vec![CampaignItem {
            platform: Platform::Pdd,
            item_id: "386512047723".into(),
            title: "加厚抽纸".into(),
            price: Fen(990),
        }],
        groups,
    }
}

#[tokio::test]
async fn free_orders_lists_the_running_campaigns_of_this_group_and_nothing_when_paused() {
    let chat = Chat::start().await;
    let empty = chat.ask(ALICE, "免单").await;
    assert!(empty.contains("暂时没有进行中的免单活动"), "{empty}");

    let store = &chat.app.store;
    let id = store.create_campaign(&campaign("双十二免单", chat.now_ms(), vec![]), chat.now_ms()).await.unwrap();
    // A campaign for another group is not listed here.
    let r = store.upsert_robot("r9", "wx_other", "wxid_other_bot", "别的机器人", 1).await.unwrap();
    let other = store.ensure_group(r.id, "other@chatroom", true, 1).await.unwrap().id;
    store.create_campaign(&campaign("别群专享", chat.now_ms(), vec![other]), chat.now_ms()).await.unwrap();

    chat.advance_secs(10);
    let list = chat.ask(ALICE, "免单活动").await;
    assert!(list.contains("1. 双十二免单：全额免单（最高¥20.00）"), "{list}");
    assert!(list.contains("加厚抽纸（拼多多）") && list.contains("结算后补贴自动计入返利"), "{list}");
    assert!(!list.contains("别群专享"), "{list}");
    assert!(chat.ask(ALICE, "免单").await.contains("操作太频繁"));

    // Private chat lists every running campaign.
    let private = direct(&chat, BOB, "免单").await.join("\n");
    assert!(private.contains("双十二免单") && private.contains("别群专享"), "{private}");

    store.set_campaign_running(id, false, chat.now_ms()).await.unwrap();
    chat.advance_secs(10);
    let paused = chat.ask(ALICE, "免单").await;
    assert!(paused.contains("暂时没有进行中的免单活动"), "{paused}");
    // Past its end, no campaign runs.
    store.set_campaign_running(id, true, chat.now_ms()).await.unwrap();
    chat.advance_secs(4 * DAY);
    assert!(chat.ask(ALICE, "免单").await.contains("暂时没有进行中的免单活动"));
}

#[tokio::test]
async fn the_leaderboard_ranks_this_months_check_in_days_and_first_time_invites() {
    let chat = Chat::start().await;
    let empty = chat.ask(ALICE, "排行榜").await;
    assert!(empty.contains("本月还没有人上榜"), "{empty}");

    // Keep every check-in inside one local month: start on the month's first day.
    let today = dealbot::engine::limits::local_day(chat.now_ms(), 8);
    let (_, next) = dealbot::campaigns::leaderboard::month_of(today);
    chat.advance_secs((next - today) * DAY);

    chat.ask(ALICE, "签到").await;
    chat.ask(BOB, "签到").await;
    chat.advance_secs(DAY);
    chat.ask(ALICE, "签到").await;
    chat.join(ALICE, &[CAROL]).await;
    // Carol is brought in again by Bob: a re-join does not count for him (the first inviter keeps her).
    chat.join(BOB, &[CAROL]).await;

    chat.advance_secs(10);
    let board = chat.ask(BOB, "排行榜").await;
    assert!(board.contains("🏆 本月签到榜\n1. 阿明 2 天\n2. 小波 1 天"), "{board}");
    assert!(board.contains("🤝 本月邀请榜\n1. 阿明 1 人"), "{board}");
    assert!(!board.contains("小波 1 人"), "{board}");
    assert!(chat.ask(BOB, "排行榜").await.contains("操作太频繁"));
    chat.advance_secs(10);
    let bad = chat.ask(BOB, "#排行榜 全部").await;
    assert!(bad.starts_with("参数太多了"), "{bad}");

    // In private chat: across every group.
    let private = direct(&chat, ALICE, "排行榜").await.join("\n");
    assert!(private.contains("1. 阿明 2 天"), "{private}");

    // A new month starts empty.
    chat.advance_secs(32 * DAY);
    assert!(chat.ask(ALICE, "排行榜").await.contains("本月还没有人上榜"));
}

#[tokio::test]
async fn tasks_show_todays_progress_and_each_completion_is_credited_and_announced_once() {
    use dealbot::config::{TaskKind, TaskSettings};
    let chat = Chat::start_with(|s| {
        s.chat.invite_points = 0;
        s.campaigns.tasks = vec![
            TaskSettings { task: TaskKind::Checkin, points: 5, daily_limit: 1 },
            TaskSettings { task: TaskKind::Convert, points: 2, daily_limit: 2 },
            TaskSettings { task: TaskKind::Invite, points: 20, daily_limit: 5 },
        ];
    })
    .await;
    let start = chat.ask(ALICE, "任务").await;
    assert!(start.contains("📋 今日任务\n⬜ 签到 0/1（每次 +5 积分）\n⬜ 转链 0/2（每次 +2 积分）"), "{start}");
    assert!(!start.contains("🎉") && start.contains("当前积分 0"), "{start}");

    chat.advance_secs(10);
    chat.ask(ALICE, "签到").await;
    let replies = chat.say(ALICE, "https://item.jd.com/100087654321.html").await;
    assert_eq!(replies.len(), 2, "{replies:?}");
    chat.join(ALICE, &[CAROL]).await;
    let done = chat.ask(ALICE, "每日任务").await;
    assert!(done.contains("✅ 签到 1/1") && done.contains("⬜ 转链 1/2") && done.contains("⬜ 邀请新人 1/5"), "{done}");
    assert!(done.contains("🎉 完成任务：签到 +5，转链 +2，邀请新人 +20，积分已到账"), "{done}");
    assert!(done.contains("当前积分 37"), "10 for the check-in, 27 for the tasks: {done}");
    // Asked again: nothing is credited twice, nothing announced again.
    assert!(chat.ask(ALICE, "任务").await.contains("操作太频繁"));
    chat.advance_secs(10);
    let again = chat.ask(ALICE, "任务").await;
    assert!(!again.contains("🎉") && again.contains("当前积分 37"), "{again}");
    // In private chat: the same member, the same day (and the same cooldown).
    chat.advance_secs(10);
    let private = direct(&chat, ALICE, "任务").await.join("\n");
    assert!(private.contains("✅ 签到 1/1") && !private.contains("🎉"), "{private}");
    let alice = chat.member_id(ALICE).await;
    assert_eq!(chat.app.store.points_ledger_sum(alice).await.unwrap(), 37);

    // A new day starts over.
    chat.advance_secs(DAY);
    let tomorrow = chat.ask(ALICE, "任务").await;
    assert!(tomorrow.contains("⬜ 签到 0/1") && tomorrow.contains("⬜ 转链 0/2"), "{tomorrow}");
}

#[tokio::test]
async fn an_owner_sets_the_groups_streak_reward_and_check_ins_follow_it() {
    let chat = Chat::with_owner_and(|s| {
        s.chat.checkin_points = 10;
        s.chat.streak_bonus_days = 7;
        s.chat.streak_bonus_points = 50;
    })
    .await;
    let set = chat.ask(OWNER, "#连签奖励 2 30").await;
    assert_eq!(set, "本群连续签到奖励已设为：每连续签到 2 天多得 30 积分");
    assert!(chat.ask(ALICE, "签到").await.contains("获得 10 积分"));
    chat.advance_secs(DAY);
    let day2 = chat.ask(ALICE, "签到").await;
    assert!(day2.contains("获得 40 积分（含连续签到奖励 30）") && day2.contains("已连续签到 2 天"), "{day2}");

    // Members may not change it; bad numbers are refused with the usage.
    chat.advance_secs(61);
    let refused = chat.ask(ALICE, "#连签奖励 1 9999").await;
    assert_eq!(refused, dealbot::engine::text::refused("连签奖励", false));
    let bad = chat.ask(OWNER, "#连签奖励 3").await;
    assert!(
        bad.starts_with("奖励积分要在 1 到 10000 之间") && bad.contains("用法：#连签奖励 <天数> <积分>|默认"),
        "{bad}"
    );
    let back = chat.ask(OWNER, "#连签奖励 默认").await;
    assert_eq!(back, "已恢复默认连续签到奖励：每连续签到 7 天多得 50 积分");

    // Day 4 of the streak: the configured reward (every 7 days) gives no bonus.
    chat.advance_secs(DAY);
    chat.ask(ALICE, "签到").await;
    chat.advance_secs(DAY);
    let day4 = chat.ask(ALICE, "签到").await;
    assert!(day4.contains("获得 10 积分\n") && day4.contains("已连续签到 4 天"), "{day4}");
}

#[tokio::test]
async fn a_reward_is_redeemed_in_private_chat_and_its_code_is_never_shown_in_the_group() {
    let chat = Chat::start_with(|s| s.chat.checkin_points = 500).await;
    let store = &chat.app.store;
    store.add_reward_codes("视频会员月卡", 400, &["VIP-123456".to_string()], chat.now_ms()).await.unwrap();
    chat.ask(ALICE, "签到").await;
    chat.advance_secs(10);
    let group = chat.ask(ALICE, "兑换 视频会员月卡").await;
    assert!(group.contains("请私聊我") && !group.contains("VIP-"), "{group}");

    chat.advance_secs(10);
    let unknown = direct(&chat, ALICE, "兑换 月卡").await.join("\n");
    assert!(unknown.contains("没有「月卡」这个奖品，可兑换：视频会员月卡（400 积分）"), "{unknown}");
    chat.advance_secs(10);
    let done = direct(&chat, ALICE, "兑换 视频会员月卡").await.join("\n");
    assert!(done.contains("兑换码：VIP-123456") && done.contains("剩余积分 100"), "{done}");
    chat.advance_secs(10);
    let sold_out = direct(&chat, ALICE, "兑换 视频会员月卡").await.join("\n");
    assert!(sold_out.contains("「视频会员月卡」已经兑完了"), "{sold_out}");
}
