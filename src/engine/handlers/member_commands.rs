//! Member commands: 签到, 积分, 查券 / 下一页, 我的, 订单, 提现, 人工, 帮助, the campaigns' and the agents'.
//! Each is a handler the command table binds its validated arguments to.

use crate::config::DndPolicy;
use crate::engine::command::{self, Answer, Asker};
use crate::engine::handlers::campaigns;
use crate::engine::handlers::coupon_search;
use crate::engine::handlers::order_claim;
use crate::engine::handlers::private_chat;
use crate::engine::limits::{local_day, local_midnight_ms, local_month_day};
use crate::engine::{Context, EngineError, text};
use crate::money::Fen;
use crate::store::checkins::{CheckinRule, NewCheckin};
use crate::store::groups::Group;
use crate::store::ledger::AccountKind;
use crate::store::service::reason;

pub fn help<'a>(a: &'a Asker<'a>, _: ()) -> Answer<'a> {
    Box::pin(async move { a.say(&command::help(a.role, &a.cx.engine.settings.chat.command_prefix)).await })
}

pub fn checkin<'a>(a: &'a Asker<'a>, _: ()) -> Answer<'a> {
    Box::pin(async move {
        let (cx, e) = (a.cx, a.cx.engine);
        let chat = &e.settings.chat;
        let c = NewCheckin {
            member_id: a.member_id,
            day: local_day(cx.now_ms, chat.utc_offset_hours),
            group_id: cx.group.as_ref().map(|g| g.id),
            message_key: &a.msg.dedupe_key,
        };
        let streak = cx.settings.streak_reward(chat);
        let rule = CheckinRule {
            points: chat.checkin_points,
            bonus_every: streak.every_days,
            bonus_points: streak.bonus_points,
        };
        let done = e.store.check_in(c, rule, cx.now_ms).await?;
        let body = if done.new {
            text::checked_in(done.points, done.bonus, done.streak, done.balance)
        } else {
            text::already_checked_in(done.streak, done.balance)
        };
        a.say(&body).await
    })
}

pub fn points<'a>(a: &'a Asker<'a>, _: ()) -> Answer<'a> {
    Box::pin(async move {
        let e = a.cx.engine;
        let offset = e.settings.chat.utc_offset_hours;
        let balance = e.store.points_balance(a.member_id).await?;
        let lines: Vec<String> = e
            .store
            .recent_points(a.member_id, 5)
            .await?
            .iter()
            .map(|p| format!("{} {} {:+}", local_month_day(p.created_at, offset), text::points_kind(&p.kind), p.delta))
            .collect();
        a.say(&text::points_summary(balance, &lines)).await
    })
}

pub fn search<'a>(a: &'a Asker<'a>, keyword: String) -> Answer<'a> {
    Box::pin(async move { coupon_search::search(a.cx, a.msg, &keyword, 1).await })
}

pub fn next_page<'a>(a: &'a Asker<'a>, _: ()) -> Answer<'a> {
    Box::pin(coupon_search::next_page(a.cx, a.msg))
}

pub fn mine<'a>(a: &'a Asker<'a>, _: ()) -> Answer<'a> {
    Box::pin(async move {
        let (cx, e) = (a.cx, a.cx.engine);
        let offset = e.settings.chat.utc_offset_hours;
        let (member_id, sender) = (a.member_id, a.sender);
        let total = e.store.count_member_conversions(sender, 0).await?;
        let today = e.store.count_member_conversions(sender, local_midnight_ms(cx.now_ms, offset)).await?;
        let balance = e.store.points_balance(member_id).await?;
        let streak = e.store.checkin_streak(member_id, local_day(cx.now_ms, offset)).await?;
        let invites = e.store.count_invites_by(member_id).await?;
        let mut body = text::mine(total, today, balance, streak, invites);
        // Balances are private: shown only in private chat.
        if cx.group.is_none() {
            let statement = member_ledger(cx).statement(member_id, 0).await.map_err(money_error)?;
            body.push_str(&text::mine_money(&statement.balance));
            if let Some(partner) = e.store.partner_by_wxid(sender).await? {
                for account in e.store.partner_accounts(Some(partner)).await? {
                    body.push_str(&text::mine_partner_money(&account.partner, &account.agent));
                }
            }
        }
        a.say(&body).await
    })
}

pub fn claim_order<'a>(a: &'a Asker<'a>, order_key: String) -> Answer<'a> {
    Box::pin(async move { a.say(&order_claim::reply(a.cx, a.member_id, &order_key).await?).await })
}

pub fn my_orders<'a>(a: &'a Asker<'a>, _: ()) -> Answer<'a> {
    Box::pin(async move {
        if a.cx.group.is_some() {
            return a.say(&text::money_in_private()).await;
        }
        let statement = member_ledger(a.cx).statement(a.member_id, 10).await.map_err(money_error)?;
        a.say(&crate::ledger::statement::render(&statement)).await
    })
}

pub fn withdraw<'a>(a: &'a Asker<'a>, amount: Fen) -> Answer<'a> {
    Box::pin(async move {
        if a.cx.group.is_some() {
            return a.say(&text::money_in_private()).await;
        }
        // A partner (or agent) withdraws from their shares first, then from their own rebate.
        let partner = a.cx.engine.store.partner_by_wxid(a.sender).await?;
        let (account, outcome) =
            member_ledger(a.cx).request_holder_withdrawal(a.member_id, partner, amount).await.map_err(money_error)?;
        let body = match account {
            AccountKind::Member => text::withdrawal(amount, &outcome),
            kind => text::account_withdrawal(kind.label(), amount, &outcome),
        };
        a.say(&body).await
    })
}

/// 人工: hand the private chat over to the operator's admins.
pub fn human<'a>(a: &'a Asker<'a>, _: ()) -> Answer<'a> {
    Box::pin(async move {
        if a.cx.group.is_some() {
            return a.say(&text::human_in_private()).await;
        }
        private_chat::hand_over(a.cx, a.msg, reason::ASKED).await
    })
}

/// 兑换 <积分>: points for rebate balance.
pub fn exchange<'a>(a: &'a Asker<'a>, points: i64) -> Answer<'a> {
    Box::pin(async move { a.say(&campaigns::exchange(a.cx, a.msg, a.member_id, points).await?).await })
}

/// 兑换 <奖品>: a reward's code is for the member alone, handed out in private chat only.
pub fn redeem<'a>(a: &'a Asker<'a>, reward: String) -> Answer<'a> {
    Box::pin(async move {
        if a.cx.group.is_some() {
            return a.say(&text::reward_in_private()).await;
        }
        a.say(&campaigns::redeem(a.cx, a.msg, a.member_id, &reward).await?).await
    })
}

/// 规则: what the group has switched on, its quiet hours and its streak reward.
pub fn rules<'a>(a: &'a Asker<'a>, _: &'a Group, _: ()) -> Answer<'a> {
    Box::pin(async move {
        let (chat, s) = (&a.cx.engine.settings.chat, &a.cx.settings);
        let quiet = s.dnd(chat).map(|d| (d.hours.to_string(), d.policy == DndPolicy::Queue));
        a.say(&text::group_rules(&text::features_line(s), quiet, s.streak_reward(chat))).await
    })
}

pub fn free_orders<'a>(a: &'a Asker<'a>, _: ()) -> Answer<'a> {
    Box::pin(async move { a.say(&campaigns::free_orders(a.cx).await?).await })
}

pub fn leaderboard<'a>(a: &'a Asker<'a>, _: ()) -> Answer<'a> {
    Box::pin(async move { a.say(&campaigns::leaderboard(a.cx).await?).await })
}

pub fn tasks<'a>(a: &'a Asker<'a>, _: ()) -> Answer<'a> {
    Box::pin(async move { a.say(&campaigns::tasks(a.cx, a.member_id, a.sender).await?).await })
}

pub fn apply_agent<'a>(a: &'a Asker<'a>, why: String) -> Answer<'a> {
    Box::pin(async move {
        use crate::store::agents::Applied;
        let body = match a.cx.engine.store.apply_for_agent(a.member_id, &why, a.cx.now_ms).await? {
            Applied::Recorded(_) => text::AGENT_APPLIED,
            Applied::AlreadyOpen => text::AGENT_PENDING,
            Applied::AlreadyAgent => text::AGENT_ALREADY,
        };
        a.say(body).await
    })
}

/// 邀请码: the member joins the tree of the agent whose code it is, unless they belong to one already.
pub fn join_agent<'a>(a: &'a Asker<'a>, code: String) -> Answer<'a> {
    Box::pin(async move {
        use crate::store::agent_levels::{TreeJoin, Via};
        let store = &a.cx.engine.store;
        let Some(agent) = store.agent_by_code(&code).await? else { return a.say(text::INVITE_CODE_UNKNOWN).await };
        let body = match store.join_agent_tree(a.member_id, agent.partner_id, Via::Code, a.cx.now_ms).await? {
            TreeJoin::Joined { .. } => {
                let name = if agent.nickname.is_empty() { text::MEMBER_FALLBACK_NAME } else { &agent.nickname };
                text::invite_code_joined(name)
            }
            TreeJoin::AlreadyIn { .. } => text::INVITE_CODE_ALREADY.to_string(),
            TreeJoin::OwnCode | TreeJoin::Cycle => text::INVITE_CODE_REFUSED.to_string(),
        };
        a.say(&body).await
    })
}

/// The rebate ledger with the configured rates and limits.
pub(super) fn member_ledger(cx: &Context<'_>) -> crate::ledger::Ledger {
    let e = cx.engine;
    crate::ledger::Ledger::with_settings(e.store.clone(), e.settings.ledger.clone(), e.settings.chat.utc_offset_hours)
}

fn money_error(e: crate::ledger::LedgerError) -> EngineError {
    match e {
        crate::ledger::LedgerError::Store(s) => EngineError::Store(s),
    }
}
