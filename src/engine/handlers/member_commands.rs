//! Member commands: 签到, 积分, 查券 / 下一页, 我的, 订单, 提现, 人工, 帮助.

use crate::chat::Inbound;
use crate::engine::command::{self, Command, Role};
use crate::engine::handlers::campaigns;
use crate::engine::handlers::commands::{self, mentioned, spec_of};
use crate::engine::handlers::coupon_search;
use crate::engine::handlers::order_claim;
use crate::engine::handlers::private_chat;
use crate::engine::handlers::product_link::reply_text;
use crate::engine::limits::{local_day, local_midnight_ms, local_month_day};
use crate::engine::{Action, Context, EngineError, Flow, text};
use crate::store::checkins::{CheckinRule, NewCheckin};
use crate::store::ledger::AccountKind;
use crate::store::service::reason;

pub async fn handle(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    let parsed = command::parse(&msg.text, &mentioned(msg), &cx.engine.settings.chat.command_prefix);
    match spec_of(&parsed) {
        Some(spec) if spec.role == Role::Member => commands::respond(cx, msg, parsed, false).await,
        _ => Ok(Flow::Continue),
    }
}

/// Runs a member command for someone of `role`.
pub async fn execute(
    cx: &Context<'_>,
    msg: &Inbound,
    role: Role,
    command: Command,
) -> Result<Vec<Action>, EngineError> {
    let e = cx.engine;
    let chat = &e.settings.chat;
    let (Some(member_id), Some(sender)) = (cx.member_id, msg.sender_id.as_deref()) else { return Ok(Vec::new()) };
    let body = match command {
        Command::Help => command::help(role, &chat.command_prefix),
        Command::Checkin => {
            let c = NewCheckin {
                member_id,
                day: local_day(cx.now_ms, chat.utc_offset_hours),
                group_id: cx.group.as_ref().map(|g| g.id),
                message_key: &msg.dedupe_key,
            };
            // The group's own streak reward, else the configured one.
            let (bonus_every, bonus_points) = match cx.settings.streak {
                Some(s) => (s.every_days, s.bonus_points),
                None => (chat.streak_bonus_days, chat.streak_bonus_points),
            };
            let rule = CheckinRule { points: chat.checkin_points, bonus_every, bonus_points };
            let done = e.store.check_in(c, rule, cx.now_ms).await?;
            if done.new {
                text::checked_in(done.points, done.bonus, done.streak, done.balance)
            } else {
                text::already_checked_in(done.streak, done.balance)
            }
        }
        Command::Points => {
            let balance = e.store.points_balance(member_id).await?;
            let lines: Vec<String> = e
                .store
                .recent_points(member_id, 5)
                .await?
                .iter()
                .map(|p| {
                    format!(
                        "{} {} {:+}",
                        local_month_day(p.created_at, chat.utc_offset_hours),
                        text::points_kind(&p.kind),
                        p.delta
                    )
                })
                .collect();
            text::points_summary(balance, &lines)
        }
        Command::Search { keyword } => return coupon_search::search(cx, msg, &keyword, 1).await,
        Command::NextPage => return coupon_search::next_page(cx, msg).await,
        Command::Mine => {
            let total = e.store.count_member_conversions(sender, 0).await?;
            let today =
                e.store.count_member_conversions(sender, local_midnight_ms(cx.now_ms, chat.utc_offset_hours)).await?;
            let balance = e.store.points_balance(member_id).await?;
            let streak = e.store.checkin_streak(member_id, local_day(cx.now_ms, chat.utc_offset_hours)).await?;
            let invites = e.store.count_invites_by(member_id).await?;
            let mut body = text::mine(total, today, balance, streak, invites);
            // Balances are private: shown only in private chat.
            if cx.group.is_none() {
                let statement = member_ledger(cx).statement(member_id, 0).await.map_err(money_error)?;
                body.push_str(&text::mine_money(&statement.balance));
                if let Some(partner) = e.store.partner_by_wxid(sender).await? {
                    for a in e.store.partner_accounts(Some(partner)).await? {
                        body.push_str(&text::mine_partner_money(&a.partner, &a.agent));
                    }
                }
            }
            body
        }
        Command::ClaimOrder { order_key } => order_claim::reply(cx, member_id, &order_key).await?,
        Command::MyOrders | Command::Withdraw { .. } if cx.group.is_some() => text::money_in_private(),
        Command::Human if cx.group.is_some() => text::human_in_private(),
        Command::Human => return private_chat::hand_over(cx, msg, reason::ASKED).await,
        Command::MyOrders => {
            let ledger = member_ledger(cx);
            let statement = ledger.statement(member_id, 10).await.map_err(money_error)?;
            crate::ledger::statement::render(&statement)
        }
        Command::Withdraw { amount } => {
            let ledger = member_ledger(cx);
            // A partner (or agent) withdraws from their shares first, then from their own rebate.
            let partner = e.store.partner_by_wxid(sender).await?;
            let (account, outcome) =
                ledger.request_holder_withdrawal(member_id, partner, amount).await.map_err(money_error)?;
            match account {
                AccountKind::Member => text::withdrawal(amount, &outcome),
                kind => text::account_withdrawal(kind.label(), amount, &outcome),
            }
        }
        Command::Exchange { points } => campaigns::exchange(cx, msg, member_id, points).await?,
        // A reward's code is for the member alone: handed out in private chat only.
        Command::Redeem { .. } if cx.group.is_some() => text::reward_in_private(),
        Command::Redeem { reward } => campaigns::redeem(cx, msg, member_id, &reward).await?,
        Command::FreeOrders => campaigns::free_orders(cx).await?,
        Command::Leaderboard => campaigns::leaderboard(cx).await?,
        Command::Tasks => campaigns::tasks(cx, member_id, sender).await?,
        Command::ApplyAgent { reason } => {
            use crate::store::agents::Applied;
            match e.store.apply_for_agent(member_id, &reason, cx.now_ms).await? {
                Applied::Recorded(_) => text::AGENT_APPLIED.to_string(),
                Applied::AlreadyOpen => text::AGENT_PENDING.to_string(),
                Applied::AlreadyAgent => text::AGENT_ALREADY.to_string(),
            }
        }
        Command::JoinAgent { code } => join_agent(cx, member_id, &code).await?,
        // Owner commands are run by `owner_commands`.
        _ => return Ok(Vec::new()),
    };
    Ok(vec![reply_text(cx, msg, &body).await?])
}

/// 邀请码: the member joins the tree of the agent whose code it is, unless they belong to one already.
async fn join_agent(cx: &Context<'_>, member_id: i64, code: &str) -> Result<String, EngineError> {
    use crate::store::agent_levels::{TreeJoin, Via};
    let store = &cx.engine.store;
    let Some(agent) = store.agent_by_code(code).await? else { return Ok(text::INVITE_CODE_UNKNOWN.to_string()) };
    Ok(match store.join_agent_tree(member_id, agent.partner_id, Via::Code, cx.now_ms).await? {
        TreeJoin::Joined { .. } => {
            let name = if agent.nickname.is_empty() { text::MEMBER_FALLBACK_NAME } else { &agent.nickname };
            text::invite_code_joined(name)
        }
        TreeJoin::AlreadyIn { .. } => text::INVITE_CODE_ALREADY.to_string(),
        TreeJoin::OwnCode | TreeJoin::Cycle => text::INVITE_CODE_REFUSED.to_string(),
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
