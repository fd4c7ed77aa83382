//! Owner (and admin) commands: feature switches, auto-replies and Q&A, welcome text, copy and poster
//! templates, the group's PIDs, do-not-disturb hours, the group status; admins also bind owners and admins.

use crate::chat::Inbound;
use crate::engine::command::{self, Command, Role};
use crate::engine::group_settings::{DndSetting, Feature, GroupSettings};
use crate::engine::handlers::commands::{self, mentioned, spec_of};
use crate::engine::handlers::product_link::reply_text;
use crate::engine::keywords::{MatchKind, display_pattern};
use crate::engine::limits::local_midnight_ms;
use crate::engine::pid_binding::PidRefusal;
use crate::engine::{Action, Context, EngineError, Flow, text};
use crate::platform::Platform;
use crate::posting::{Cadence, Plan};
use crate::store::groups::Group;
use crate::store::keywords::NewKeyword;
use crate::store::pids::PidOwner;

pub async fn handle(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    let parsed = command::parse(&msg.text, &mentioned(msg), &cx.engine.settings.chat.command_prefix);
    match spec_of(&parsed) {
        Some(spec) if spec.role >= Role::Owner => commands::respond(cx, msg, parsed, false).await,
        _ => Ok(Flow::Continue),
    }
}

/// The group's chat plan (the default one when it has none yet), changed by a posting command and saved.
async fn posting_plan(cx: &Context<'_>, group: &Group, command: Command) -> Result<String, EngineError> {
    let store = &cx.engine.store;
    let mut plan = store.chat_plan(group.id).await?.map_or_else(|| Plan::for_chat(group.id), |p| p.plan);
    match command {
        Command::SetPosting { on } => plan.enabled = on,
        Command::SetPostingHours { window } => plan.schedule.windows = vec![window],
        Command::SetPostingInterval { minutes } => plan.schedule.cadence = Cadence::EveryMinutes(minutes),
        _ => {}
    }
    if let Err(e) = plan.validate() {
        return Ok(e.to_string());
    }
    store.save_chat_plan(group.id, &plan, cx.now_ms).await?;
    let windows: Vec<String> = plan.schedule.windows.iter().map(ToString::to_string).collect();
    let interval = match plan.schedule.cadence {
        Cadence::EveryMinutes(m) => Some(m),
        Cadence::At(_) | Cadence::AsTheyCome => None,
    };
    Ok(text::posting_plan(plan.enabled, &windows.join("、"), interval))
}

/// Runs an owner or admin command (permission already checked).
pub async fn execute(cx: &Context<'_>, msg: &Inbound, command: Command) -> Result<Vec<Action>, EngineError> {
    let Some(group) = &cx.group else { return Ok(vec![reply_text(cx, msg, text::NOT_IN_GROUP).await?]) };
    let e = cx.engine;
    let now = cx.now_ms;
    let body = match command {
        Command::SetFeature { feature, on } => {
            save_settings(cx, group, |s| s.set(feature, on)).await?;
            text::feature_switched(feature.name(), on)
        }
        Command::SetKeyword { kind, pattern, reply } => {
            let k = NewKeyword {
                group_id: group.id,
                match_kind: kind.code(),
                pattern: &pattern,
                reply_kind: reply.kind_code(),
                reply: reply.content(),
                priority: 0,
            };
            let replaced = e.store.upsert_keyword(&k, now).await?;
            e.invalidate_replies(group.id).await;
            text::keyword_saved(&display_pattern(kind, &pattern), replaced)
        }
        Command::DeleteKeyword { pattern } => {
            let existed = e.store.delete_keyword(group.id, &pattern).await?;
            e.invalidate_replies(group.id).await;
            text::keyword_deleted(&pattern, existed)
        }
        Command::ListKeywords => list_keywords(cx, group).await?,
        Command::SetFaq { question, answer } => {
            let replaced = e.store.upsert_faq(group.id, &question, &answer, now).await?;
            e.invalidate_replies(group.id).await;
            text::faq_saved(&question, replaced)
        }
        Command::DeleteFaq { question } => {
            let existed = e.store.delete_faq(group.id, &question).await?;
            e.invalidate_replies(group.id).await;
            text::faq_deleted(&question, existed)
        }
        Command::ListFaq => list_faq(cx, group).await?,
        Command::SetWelcome { text: welcome } => {
            let default = welcome.is_none();
            save_settings(cx, group, |s| s.welcome_text = welcome).await?;
            text::welcome_saved(default)
        }
        Command::SetCopy { template } => {
            e.store.set_copy_template(group.id, template.as_deref(), now).await?;
            e.invalidate_group(cx.robot.id, &group.room_id).await;
            text::copy_saved(template.is_none())
        }
        Command::SetPoster { name } => {
            let known = e.renderer.template_names();
            match name {
                Some(n) if !known.contains(&n) => text::unknown_poster(&n, &known),
                name => {
                    e.store.set_poster_template(group.id, name.as_deref(), now).await?;
                    e.invalidate_group(cx.robot.id, &group.room_id).await;
                    text::poster_saved(name.as_deref())
                }
            }
        }
        Command::BindPid { platform, pid } => {
            let name = if group.name.is_empty() { group.room_id.as_str() } else { group.name.as_str() };
            match e.bind_pid(platform, &pid, PidOwner::Group(group.id), name, now).await {
                Ok(pid) => text::pid_bound(platform, &pid),
                Err(PidRefusal::Store(err)) => return Err(err.into()),
                Err(why) => text::pid_refused(platform, &why),
            }
        }
        Command::GroupStatus => group_status(cx, group).await?,
        Command::SetDnd { hours, policy } => {
            let policy = policy.unwrap_or(e.settings.chat.dnd_policy);
            save_settings(cx, group, |s| s.dnd = DndSetting::Hours { hours, policy }).await?;
            text::dnd_set(&hours.to_string(), policy == crate::config::DndPolicy::Queue)
        }
        Command::ClearDnd => {
            save_settings(cx, group, |s| s.dnd = DndSetting::Off).await?;
            text::DND_CLEARED.to_string()
        }
        Command::SetStreak { reward } => {
            save_settings(cx, group, |s| s.streak = reward).await?;
            let chat = &e.settings.chat;
            let r = reward.unwrap_or(crate::engine::group_settings::StreakReward {
                every_days: chat.streak_bonus_days,
                bonus_points: chat.streak_bonus_points,
            });
            text::streak_set(r.every_days, r.bonus_points, reward.is_none())
        }
        Command::SetPosting { .. } | Command::SetPostingHours { .. } | Command::SetPostingInterval { .. } => {
            posting_plan(cx, group, command).await?
        }
        Command::SetOwner { wxid } => {
            let nickname = e.store.member_nickname(&wxid).await?;
            let partner = e.store.ensure_partner(&wxid, nickname.as_deref().unwrap_or(&wxid), now).await?;
            e.store.set_group_partner(group.id, Some(partner), now).await?;
            e.invalidate_group(cx.robot.id, &group.room_id).await;
            text::owner_set(nickname.as_deref())
        }
        Command::AddAdmin { wxid } => {
            let nickname = e.store.member_nickname(&wxid).await?;
            let new = e.store.add_admin(&wxid, now).await?;
            text::admin_added(nickname.as_deref(), new)
        }
        Command::SetRebate { wxid, rate } => {
            let actor = format!("chat:{}", msg.sender_id.as_deref().unwrap_or_default());
            set_rebate(cx, &wxid, rate, &actor).await?
        }
        // Member commands are run by `member_commands`.
        Command::Help
        | Command::Checkin
        | Command::Points
        | Command::Search { .. }
        | Command::NextPage
        | Command::Mine
        | Command::ClaimOrder { .. }
        | Command::MyOrders
        | Command::Withdraw { .. }
        | Command::Exchange { .. }
        | Command::Redeem { .. }
        | Command::FreeOrders
        | Command::Leaderboard
        | Command::Tasks
        | Command::Human
        | Command::ApplyAgent { .. }
        | Command::JoinAgent { .. } => {
            return Ok(Vec::new());
        }
    };
    Ok(vec![reply_text(cx, msg, &body).await?])
}

/// Changes the group's settings JSON (messages of one group are handled one at a time, so this read-modify-write
/// does not race).
async fn save_settings(
    cx: &Context<'_>,
    group: &Group,
    change: impl FnOnce(&mut GroupSettings),
) -> Result<(), EngineError> {
    let mut settings = cx.settings.clone();
    change(&mut settings);
    cx.engine.store.set_group_settings(group.id, &settings.to_json(), cx.now_ms).await?;
    cx.engine.invalidate_group(cx.robot.id, &group.room_id).await;
    Ok(())
}

/// First characters of a long text, for lists.
fn excerpt(s: &str, chars: usize) -> String {
    let one_line = s.replace('\n', " ");
    if one_line.chars().count() <= chars {
        one_line
    } else {
        format!("{}…", one_line.chars().take(chars).collect::<String>())
    }
}

async fn list_keywords(cx: &Context<'_>, group: &Group) -> Result<String, EngineError> {
    let rows = cx.engine.store.keyword_rules(group.id).await?;
    let own: Vec<_> = rows.iter().filter(|r| r.group_id == group.id).collect();
    if own.is_empty() {
        return Ok(text::NO_KEYWORDS.to_string());
    }
    let mut out = format!("本群自动回复 {} 条：", own.len());
    for (i, r) in own.iter().enumerate() {
        let kind = MatchKind::from_code(&r.match_kind).unwrap_or(MatchKind::Contains);
        let reply = if r.reply_kind == "image" { "[图片]".to_string() } else { excerpt(&r.reply, 20) };
        out.push_str(&format!("\n{}. {} → {}（命中 {} 次）", i + 1, display_pattern(kind, &r.pattern), reply, r.hits));
    }
    Ok(out)
}

async fn list_faq(cx: &Context<'_>, group: &Group) -> Result<String, EngineError> {
    let rows = cx.engine.store.faq_entries(group.id).await?;
    let own: Vec<_> = rows.iter().filter(|r| r.group_id == group.id).collect();
    if own.is_empty() {
        return Ok(text::NO_FAQ.to_string());
    }
    let mut out = format!("本群问答 {} 条：", own.len());
    for (i, r) in own.iter().enumerate() {
        out.push_str(&format!("\n{}. {} → {}（命中 {} 次）", i + 1, r.question, excerpt(&r.answer, 20), r.hits));
    }
    Ok(out)
}

/// Where the group's PID of a platform comes from, as 群状态 shows it.
async fn pid_line(cx: &Context<'_>, group: &Group, platform: Platform) -> Result<String, EngineError> {
    let store = &cx.engine.store;
    let mut found = store.pid_of(platform, PidOwner::Group(group.id)).await?.map(|p| (p, "本群"));
    if found.is_none()
        && let Some(partner) = group.partner_id
    {
        found = store.pid_of(platform, PidOwner::Partner(partner)).await?.map(|p| (p, "群主"));
    }
    if found.is_none() {
        found = store.pid_of(platform, PidOwner::Robot(cx.robot.id)).await?.map(|p| (p, "机器人"));
    }
    if found.is_none() {
        found = crate::engine::handlers::product_link::pid_for(cx, platform).await?.map(|p| (p, "默认"));
    }
    Ok(match found {
        Some((pid, source)) => format!("{} {pid}（{source}）", platform.display_name()),
        None => format!("{} 未设置", platform.display_name()),
    })
}

async fn group_status(cx: &Context<'_>, group: &Group) -> Result<String, EngineError> {
    let e = cx.engine;
    let chat = &e.settings.chat;
    let s = &cx.settings;
    let features: Vec<String> =
        Feature::ALL.iter().map(|f| format!("{} {}", f.name(), text::on_off(s.enabled(*f)))).collect();
    let dnd = match (s.dnd, s.dnd(chat)) {
        (_, None) => "无".to_string(),
        (DndSetting::Inherit, Some(d)) => format!("{} 点（默认）", d.hours),
        (_, Some(d)) => {
            format!("{} 点（{}）", d.hours, if d.policy == crate::config::DndPolicy::Queue { "排队" } else { "丢弃" })
        }
    };
    let mut pids = Vec::new();
    for p in Platform::ALL {
        pids.push(pid_line(cx, group, p).await?);
    }
    let rules = e.store.keyword_rules(group.id).await?.iter().filter(|r| r.group_id == group.id).count();
    let faqs = e.store.faq_entries(group.id).await?.iter().filter(|r| r.group_id == group.id).count();
    let today = e.store.count_conversions(group.id, local_midnight_ms(cx.now_ms, chat.utc_offset_hours)).await?;
    let owner = match group.partner_id {
        Some(p) => match e.store.partner_wxid(p).await? {
            Some(w) => e.store.member_nickname(&w).await?.unwrap_or(w),
            None => "已绑定".to_string(),
        },
        None => "未绑定".to_string(),
    };
    let custom = |set: bool| if set { "自定义" } else { "默认" };
    let poster =
        group.poster_template.clone().unwrap_or_else(|| format!("{}（默认）", e.settings.poster.default_template));
    Ok(format!(
        "本群状态：\n功能：{}\n群主：{owner}\n欢迎语：{}\n文案：{}\n海报：{poster}\n免打扰：{dnd}\n推广位：{}\n自动回复 {rules} 条，问答 {faqs} 条\n今日转链：{today} 次",
        features.join(" · "),
        custom(s.welcome_text.is_some()),
        custom(group.copy_template.is_some()),
        pids.join("；"),
    ))
}

/// `#设置返利 @成员 60%`: a member-scope rebate rule from now on; orders booked before keep their rates.
async fn set_rebate(cx: &Context<'_>, wxid: &str, rate: crate::money::Bps, actor: &str) -> Result<String, EngineError> {
    let e = cx.engine;
    let Some(member_id) = e.store.member_id(wxid).await? else { return Ok(text::REBATE_MEMBER_UNKNOWN.to_string()) };
    let nickname = e.store.member_nickname(wxid).await?;
    let ledger = crate::engine::handlers::member_commands::member_ledger(cx);
    let rule = crate::store::rate_rules::NewRateRule {
        share: crate::store::ledger::Share::Rebate,
        scope: crate::store::ledger::RateScope::Member(member_id),
        bps: rate,
        effective_from: crate::store::now_ms(),
    };
    match ledger.create_rate_rule(&rule, actor).await {
        Ok(_) => Ok(text::rebate_set(nickname.as_deref(), &rate.percent_string())),
        Err(crate::ledger::LedgerError::Store(crate::store::StoreError::Conflict(_))) => {
            Ok(text::REBATE_OVER_100.to_string())
        }
        Err(crate::ledger::LedgerError::Store(s)) => Err(s.into()),
    }
}
