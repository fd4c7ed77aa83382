//! Owner (and admin) commands: feature switches, auto-replies and Q&A, welcome text, copy and poster
//! templates, the group's PIDs, do-not-disturb hours, posting, the group status; admins also bind owners and
//! admins and set rebates. Each is a handler the command table binds its validated arguments to.

use crate::config::DndPolicy;
use crate::engine::command::{Answer, Asker};
use crate::engine::group_settings::{DndSetting, Feature, GroupSettings, StreakReward};
use crate::engine::keywords::{MatchKind, ReplyBody, display_pattern};
use crate::engine::limits::{QuietHours, local_midnight_ms};
use crate::engine::pid_binding::PidRefusal;
use crate::engine::{Action, Context, EngineError, text};
use crate::money::Bps;
use crate::platform::Platform;
use crate::posting::schedule::TimeWindow;
use crate::posting::{Cadence, Plan};
use crate::store::groups::Group;
use crate::store::keywords::NewKeyword;
use crate::store::pids::PidOwner;

/// What a posting command changes in the group's chat plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanChange {
    Enabled(bool),
    Hours(TimeWindow),
    Interval(u32),
}

/// 发单 / 发单时间 / 发单间隔: the group's chat plan (the default one when it has none yet), changed and saved.
pub fn posting<'a>(a: &'a Asker<'a>, group: &'a Group, change: PlanChange) -> Answer<'a> {
    Box::pin(async move {
        let store = &a.cx.engine.store;
        let mut plan = store.chat_plan(group.id).await?.map_or_else(|| Plan::for_chat(group.id), |p| p.plan);
        match change {
            PlanChange::Enabled(on) => plan.enabled = on,
            PlanChange::Hours(window) => plan.schedule.windows = vec![window],
            PlanChange::Interval(minutes) => plan.schedule.cadence = Cadence::EveryMinutes(minutes),
        }
        if let Err(e) = plan.validate() {
            return a.say(&e.to_string()).await;
        }
        store.save_chat_plan(group.id, &plan, a.cx.now_ms).await?;
        let windows: Vec<String> = plan.schedule.windows.iter().map(ToString::to_string).collect();
        let interval = match plan.schedule.cadence {
            Cadence::EveryMinutes(m) => Some(m),
            Cadence::At(_) | Cadence::AsTheyCome => None,
        };
        a.say(&text::posting_plan(plan.enabled, &windows, interval)).await
    })
}

pub fn set_feature<'a>(a: &'a Asker<'a>, group: &'a Group, (feature, on): (Feature, bool)) -> Answer<'a> {
    Box::pin(async move {
        save_settings(a.cx, group, |s| s.set(feature, on)).await?;
        a.say(&text::feature_switched(feature.name(), on)).await
    })
}

pub fn set_keyword<'a>(
    a: &'a Asker<'a>,
    group: &'a Group,
    (kind, pattern, reply): (MatchKind, String, ReplyBody),
) -> Answer<'a> {
    Box::pin(async move {
        let e = a.cx.engine;
        let k = NewKeyword {
            group_id: group.id,
            match_kind: kind.code(),
            pattern: &pattern,
            reply_kind: reply.kind_code(),
            reply: reply.content(),
            priority: 0,
        };
        let replaced = e.store.upsert_keyword(&k, a.cx.now_ms).await?;
        replies_changed(a, group, text::keyword_saved(&display_pattern(kind, &pattern), replaced)).await
    })
}

pub fn delete_keyword<'a>(a: &'a Asker<'a>, group: &'a Group, pattern: String) -> Answer<'a> {
    Box::pin(async move {
        let existed = a.cx.engine.store.delete_keyword(group.id, &pattern).await?;
        replies_changed(a, group, text::keyword_deleted(&pattern, existed)).await
    })
}

pub fn list_keywords<'a>(a: &'a Asker<'a>, group: &'a Group, _: ()) -> Answer<'a> {
    Box::pin(async move { a.say(&keyword_list(a.cx, group).await?).await })
}

pub fn set_faq<'a>(a: &'a Asker<'a>, group: &'a Group, (question, answer): (String, String)) -> Answer<'a> {
    Box::pin(async move {
        let replaced = a.cx.engine.store.upsert_faq(group.id, &question, &answer, a.cx.now_ms).await?;
        replies_changed(a, group, text::faq_saved(&question, replaced)).await
    })
}

pub fn delete_faq<'a>(a: &'a Asker<'a>, group: &'a Group, question: String) -> Answer<'a> {
    Box::pin(async move {
        let existed = a.cx.engine.store.delete_faq(group.id, &question).await?;
        replies_changed(a, group, text::faq_deleted(&question, existed)).await
    })
}

pub fn list_faq<'a>(a: &'a Asker<'a>, group: &'a Group, _: ()) -> Answer<'a> {
    Box::pin(async move { a.say(&faq_list(a.cx, group).await?).await })
}

/// `None` restores the default.
pub fn set_welcome<'a>(a: &'a Asker<'a>, group: &'a Group, welcome: Option<String>) -> Answer<'a> {
    Box::pin(async move {
        let default = welcome.is_none();
        save_settings(a.cx, group, |s| s.welcome_text = welcome).await?;
        a.say(&text::welcome_saved(default)).await
    })
}

/// `None` restores the default.
pub fn set_copy<'a>(a: &'a Asker<'a>, group: &'a Group, template: Option<String>) -> Answer<'a> {
    Box::pin(async move {
        let e = a.cx.engine;
        e.store.set_copy_template(group.id, template.as_deref(), a.cx.now_ms).await?;
        e.invalidate_group(a.cx.robot.id, &group.room_id).await;
        a.say(&text::copy_saved(template.is_none())).await
    })
}

/// `None` restores the default.
pub fn set_poster<'a>(a: &'a Asker<'a>, group: &'a Group, name: Option<String>) -> Answer<'a> {
    Box::pin(async move {
        let e = a.cx.engine;
        let known = e.renderer.template_names();
        let body = match name {
            Some(n) if !known.contains(&n) => text::unknown_poster(&n, &known),
            name => {
                e.store.set_poster_template(group.id, name.as_deref(), a.cx.now_ms).await?;
                e.invalidate_group(a.cx.robot.id, &group.room_id).await;
                text::poster_saved(name.as_deref())
            }
        };
        a.say(&body).await
    })
}

pub fn bind_pid<'a>(a: &'a Asker<'a>, group: &'a Group, (platform, pid): (Platform, String)) -> Answer<'a> {
    Box::pin(async move {
        let name = if group.name.is_empty() { group.room_id.as_str() } else { group.name.as_str() };
        let body = match a.cx.engine.bind_pid(platform, &pid, PidOwner::Group(group.id), name, a.cx.now_ms).await {
            Ok(pid) => text::pid_bound(platform, &pid),
            Err(PidRefusal::Store(err)) => return Err(err.into()),
            Err(why) => text::pid_refused(platform, &why),
        };
        a.say(&body).await
    })
}

pub fn group_status<'a>(a: &'a Asker<'a>, group: &'a Group, _: ()) -> Answer<'a> {
    Box::pin(async move { a.say(&status(a.cx, group).await?).await })
}

/// `None`: the configured policy.
pub fn set_dnd<'a>(a: &'a Asker<'a>, group: &'a Group, (hours, policy): (QuietHours, Option<DndPolicy>)) -> Answer<'a> {
    Box::pin(async move {
        let policy = policy.unwrap_or(a.cx.engine.settings.chat.dnd_policy);
        save_settings(a.cx, group, |s| s.dnd = DndSetting::Hours { hours, policy }).await?;
        a.say(&text::dnd_set(&hours.to_string(), policy == DndPolicy::Queue)).await
    })
}

pub fn clear_dnd<'a>(a: &'a Asker<'a>, group: &'a Group, _: ()) -> Answer<'a> {
    Box::pin(async move {
        save_settings(a.cx, group, |s| s.dnd = DndSetting::Off).await?;
        a.say(text::DND_CLEARED).await
    })
}

/// `None` restores the configured reward.
pub fn set_streak<'a>(a: &'a Asker<'a>, group: &'a Group, reward: Option<StreakReward>) -> Answer<'a> {
    Box::pin(async move {
        let saved = save_settings(a.cx, group, |s| s.streak = reward).await?;
        let r = saved.streak_reward(&a.cx.engine.settings.chat);
        a.say(&text::streak_set(r.every_days, r.bonus_points, reward.is_none())).await
    })
}

pub fn set_owner<'a>(a: &'a Asker<'a>, group: &'a Group, wxid: String) -> Answer<'a> {
    Box::pin(async move {
        let (e, now) = (a.cx.engine, a.cx.now_ms);
        let nickname = e.store.member_nickname(&wxid).await?;
        let partner = e.store.ensure_partner(&wxid, nickname.as_deref().unwrap_or(&wxid), now).await?;
        e.store.set_group_partner(group.id, Some(partner), now).await?;
        e.invalidate_group(a.cx.robot.id, &group.room_id).await;
        a.say(&text::owner_set(nickname.as_deref())).await
    })
}

pub fn add_admin<'a>(a: &'a Asker<'a>, _: &'a Group, wxid: String) -> Answer<'a> {
    Box::pin(async move {
        let e = a.cx.engine;
        let nickname = e.store.member_nickname(&wxid).await?;
        let new = e.store.add_admin(&wxid, a.cx.now_ms).await?;
        a.say(&text::admin_added(nickname.as_deref(), new)).await
    })
}

/// `#设置返利 @成员 60%`: a member-scope rebate rule from now on; orders booked before keep their rates.
pub fn set_rebate<'a>(a: &'a Asker<'a>, _: &'a Group, (wxid, rate): (String, Bps)) -> Answer<'a> {
    Box::pin(async move {
        let actor = format!("chat:{}", a.sender);
        a.say(&rebate(a.cx, &wxid, rate, &actor).await?).await
    })
}

/// Answers `body` after a change to the group's auto-replies or Q&A, dropping their cached copy.
async fn replies_changed(a: &Asker<'_>, group: &Group, body: String) -> Result<Vec<Action>, EngineError> {
    a.cx.engine.invalidate_replies(group.id).await;
    a.say(&body).await
}

/// Changes the group's settings JSON and returns the saved settings (messages of one group are handled one at a
/// time, so this read-modify-write does not race).
async fn save_settings(
    cx: &Context<'_>,
    group: &Group,
    change: impl FnOnce(&mut GroupSettings),
) -> Result<GroupSettings, EngineError> {
    let mut settings = cx.settings.clone();
    change(&mut settings);
    cx.engine.store.set_group_settings(group.id, &settings.to_json(), cx.now_ms).await?;
    cx.engine.invalidate_group(cx.robot.id, &group.room_id).await;
    Ok(settings)
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

async fn keyword_list(cx: &Context<'_>, group: &Group) -> Result<String, EngineError> {
    let rows = cx.engine.store.keyword_rules(group.id).await?;
    let own: Vec<_> = rows.iter().filter(|r| r.group_id == group.id).collect();
    if own.is_empty() {
        return Ok(text::NO_KEYWORDS.to_string());
    }
    let lines = own.iter().map(|r| {
        let kind = MatchKind::from_code(&r.match_kind).unwrap_or(MatchKind::Contains);
        let reply = if r.reply_kind == "image" { text::IMAGE_REPLY.to_string() } else { excerpt(&r.reply, 20) };
        (display_pattern(kind, &r.pattern), reply, r.hits)
    });
    Ok(text::rule_list(text::KEYWORD_LIST, lines.collect()))
}

async fn faq_list(cx: &Context<'_>, group: &Group) -> Result<String, EngineError> {
    let rows = cx.engine.store.faq_entries(group.id).await?;
    let own: Vec<_> = rows.iter().filter(|r| r.group_id == group.id).collect();
    if own.is_empty() {
        return Ok(text::NO_FAQ.to_string());
    }
    let lines = own.iter().map(|r| (r.question.clone(), excerpt(&r.answer, 20), r.hits));
    Ok(text::rule_list(text::FAQ_LIST, lines.collect()))
}

/// Where the group's PID of a platform comes from, as 群状态 shows it.
async fn pid_line(cx: &Context<'_>, group: &Group, platform: Platform) -> Result<String, EngineError> {
    let store = &cx.engine.store;
    let mut found = store.pid_of(platform, PidOwner::Group(group.id)).await?.map(|p| (p, text::PID_OF_GROUP));
    if found.is_none()
        && let Some(partner) = group.partner_id
    {
        found = store.pid_of(platform, PidOwner::Partner(partner)).await?.map(|p| (p, text::PID_OF_OWNER));
    }
    if found.is_none() {
        found = store.pid_of(platform, PidOwner::Robot(cx.robot.id)).await?.map(|p| (p, text::PID_OF_ROBOT));
    }
    if found.is_none() {
        found = crate::engine::handlers::product_link::pid_for(cx, platform).await?.map(|p| (p, text::PID_DEFAULT));
    }
    Ok(text::pid_line(platform, found.as_ref().map(|(pid, source)| (pid.as_str(), *source))))
}

async fn status(cx: &Context<'_>, group: &Group) -> Result<String, EngineError> {
    let e = cx.engine;
    let chat = &e.settings.chat;
    let s = &cx.settings;
    let dnd = s.dnd(chat).map(|d| (d.hours.to_string(), s.dnd == DndSetting::Inherit, d.policy == DndPolicy::Queue));
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
            None => text::OWNER_BOUND.to_string(),
        },
        None => text::OWNER_UNBOUND.to_string(),
    };
    Ok(text::group_status(&text::GroupStatus {
        features: text::features_line(s),
        owner,
        custom_welcome: s.welcome_text.is_some(),
        custom_copy: group.copy_template.is_some(),
        poster: group.poster_template.clone(),
        default_poster: &e.settings.poster.default_template,
        dnd,
        pids,
        rules,
        faqs,
        today,
    }))
}

/// Saves the member's rebate rule.
async fn rebate(cx: &Context<'_>, wxid: &str, rate: Bps, actor: &str) -> Result<String, EngineError> {
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
