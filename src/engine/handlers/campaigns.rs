//! Marketing commands: 兑换 (points into rebate balance), 免单 (running free-order campaigns), 排行榜 (the
//! month's check-in and invite boards), 任务 (today's tasks). They work in groups and in private chat.

use crate::campaigns::tasks::{self, Asker};
use crate::campaigns::{ExchangeRule, leaderboard};
use crate::chat::Inbound;
use crate::engine::limits::{local_day, local_midnight_ms, local_month_day};
use crate::engine::{Context, EngineError, text};
use crate::store::exchange::NewExchange;

pub async fn exchange(cx: &Context<'_>, msg: &Inbound, member_id: i64, points: i64) -> Result<String, EngineError> {
    let e = cx.engine;
    let rule = ExchangeRule::from_settings(&e.settings.campaigns);
    let fen = match rule.value(points) {
        Ok(fen) => fen,
        Err(refusal) => return Ok(text::exchange_refused(refusal)),
    };
    let x = NewExchange {
        member_id,
        points,
        fen,
        day: local_day(cx.now_ms, e.settings.chat.utc_offset_hours),
        daily_cap: rule.daily_cap,
        key: &msg.dedupe_key,
        group_id: cx.group.as_ref().map(|g| g.id),
    };
    let outcome = e.store.exchange_points(x, cx.now_ms).await?;
    Ok(text::exchanged(points, fen, outcome, rule.daily_cap))
}

pub async fn free_orders(cx: &Context<'_>) -> Result<String, EngineError> {
    let e = cx.engine;
    let group = cx.group.as_ref().map(|g| g.id);
    let running: Vec<_> = e
        .store
        .campaigns()
        .await?
        .into_iter()
        .filter(|c| c.open_at(cx.now_ms, group) && c.budget_left().0 > 0)
        .map(|c| {
            let items = c.items.iter().take(5).map(|i| text::campaign_item(&i.title, i.platform)).collect();
            let ends = local_month_day(c.ends_at - 1, e.settings.chat.utc_offset_hours);
            (c.name, text::subsidy(c.subsidy), items, ends)
        })
        .collect();
    Ok(text::free_orders(&running))
}

pub async fn leaderboard(cx: &Context<'_>) -> Result<String, EngineError> {
    let e = cx.engine;
    let offset = e.settings.chat.utc_offset_hours;
    let size = e.settings.campaigns.leaderboard_size.clamp(1, 50);
    let group = cx.group.as_ref().map(|g| g.id);
    let min_stay = crate::campaigns::invites::min_stay_ms(&e.settings.campaigns);
    let boards = leaderboard::boards(&e.store, group, local_day(cx.now_ms, offset), offset, size, min_stay).await?;
    let lines = |v: Vec<crate::store::leaderboards::Ranked>| {
        v.into_iter()
            .map(|r| (if r.nickname.is_empty() { text::MEMBER_FALLBACK_NAME.to_string() } else { r.nickname }, r.count))
            .collect::<Vec<_>>()
    };
    Ok(text::leaderboard(&lines(boards.checkins), &lines(boards.invites)))
}

pub async fn tasks(cx: &Context<'_>, member_id: i64, wxid: &str) -> Result<String, EngineError> {
    let e = cx.engine;
    let offset = e.settings.chat.utc_offset_hours;
    let who = Asker { member_id, wxid, group_id: cx.group.as_ref().map(|g| g.id) };
    let today = tasks::today(
        &e.store,
        &e.settings.campaigns.tasks,
        who,
        local_day(cx.now_ms, offset),
        local_midnight_ms(cx.now_ms, offset),
        cx.now_ms,
    )
    .await?;
    Ok(text::tasks_today(&today))
}

pub async fn redeem(cx: &Context<'_>, msg: &Inbound, member_id: i64, reward: &str) -> Result<String, EngineError> {
    let e = cx.engine;
    let outcome = e.store.redeem_reward(member_id, reward, &msg.dedupe_key, None, cx.now_ms).await?;
    let rewards = e.store.rewards().await?;
    Ok(text::redeemed(reward, &outcome, &rewards))
}
