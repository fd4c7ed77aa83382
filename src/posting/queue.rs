//! The posting engine's queue: deals that collection made ours (微信群采集) wait here per target group until the
//! group's pacing lets them out; then they go through the outbox like a plan's post, with the same delivery rows.
//!
//! Who paces a group: the first enabled plan whose source is [`Source::Collection`] and whose targets name the
//! group. On a slot schedule it lets out one deal per due slot (its windows, staggering, caps and do-not-disturb
//! hours, exactly as for library items), with the robot's fan-out spacing; with [`Cadence::AsTheyCome`] a deal goes
//! out when it arrives, inside the plan's windows, outside do-not-disturb hours, while the plan's posts in the
//! group stay under its hourly (rolling) and daily (local day) caps. A group no collection plan names is paced as
//! they come by its source's own [`Pace`]: a gap between two deals and the same two caps.
//!
//! Either way: a deal one of whose items the group was sent within the de-duplication period ([`DEDUP_SECS`], by
//! a plan, by collection or in the group's own replies) is skipped as `duplicate`; a deal that waited past its
//! expiry is skipped as `expired`; the others wait. Serving a deal writes its sends, its collection delivery rows
//! (the source's stats and attribution) and, when a plan paced it, the plan's delivery rows in one transaction.

use super::pick::GroupHistory;
use super::plan::Source;
use super::run::{DEDUP_SECS, RunReport, SLOT_GRACE_SECS, post_spacing_ms, target_groups};
use super::schedule::{Cadence, Placement, Schedule};
use crate::chat::OutboundBody;
use crate::engine::group_settings::GroupSettings;
use crate::engine::handlers::product_link::poster_url;
use crate::engine::{Context, Engine, EngineError};
use crate::money::Fen;
use crate::outbox;
use crate::platform::Platform;
use crate::store::collection::NewCollectDelivery;
use crate::store::groups::Group;
use crate::store::posting::{NewDelivery, StoredPlan};
use crate::store::posting_queue::{NewQueuedPost, QueuedPost, Served};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const HOUR_MS: i64 = 3_600_000;

/// How deals go out "as they come" to a group that no collection plan paces (the source's own settings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pace {
    /// At least this many seconds between two deals in the group.
    pub gap_secs: u32,
    /// At most this many deals in any hour (0: no cap).
    pub cap_per_hour: u32,
    /// At most this many deals per local day (0: no cap).
    pub cap_per_day: u32,
}

/// Why a waiting deal was skipped.
pub mod skip {
    pub const DUPLICATE: &str = "duplicate";
    pub const EXPIRED: &str = "expired";
}

/// Offers a deal to its target group's queue.
pub async fn offer(engine: &Engine, post: &NewQueuedPost, now_ms: i64) -> Result<(), EngineError> {
    engine.store.offer_post(post, now_ms).await?;
    Ok(())
}

/// One serving at a time in this process, so two of them never both see room under a cap.
static SERVING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Lets out the waiting deals whose time has come, in every group with waiting deals (or only in `only`).
pub async fn serve(engine: &Engine, now_ms: i64, only: Option<&[i64]>) -> Result<RunReport, EngineError> {
    let _serving = SERVING.lock().await;
    let mut report = RunReport::default();
    let groups = engine.store.groups_with_waiting_posts().await?;
    let groups: Vec<i64> = groups.into_iter().filter(|g| only.is_none_or(|o| o.contains(g))).collect();
    if groups.is_empty() {
        return Ok(report);
    }
    let mut plans = Vec::new();
    for plan in engine.store.enabled_plans().await? {
        if plan.plan.source == Source::Collection {
            let ids = target_groups(engine, &plan.plan.targets).await?;
            plans.push((plan, ids));
        }
    }
    let mut next_due = HashMap::new();
    for gid in groups {
        let governing = plans.iter().find_map(|(p, ids)| {
            ids.iter().position(|g| *g == gid).map(|index| Governor { plan: p, index, of: ids.len() })
        });
        let Some(group) = engine.store.group_by_id(gid).await? else { continue };
        serve_group(engine, &group, governing, now_ms, &mut next_due, &mut report).await?;
    }
    Ok(report)
}

/// The collection plan that paces a group, with the group's place among its targets.
#[derive(Clone, Copy)]
struct Governor<'a> {
    plan: &'a StoredPlan,
    index: usize,
    of: usize,
}

/// When the next waiting deal of a group may go out: `Some((slot_at, not_before))`, or `None` to wait.
async fn next_turn(
    engine: &Engine,
    group: &Group,
    governing: Option<Governor<'_>>,
    pace: Pace,
    now_ms: i64,
) -> Result<Option<(i64, i64)>, EngineError> {
    let store = &engine.store;
    let chat = &engine.settings.chat;
    let offset = chat.utc_offset_hours;
    let now = now_ms.div_euclid(1000);
    let dnd = GroupSettings::parse(&group.settings).dnd(chat).map(|d| d.hours);
    let quiet_until = dnd.and_then(|q| q.quiet_until(now_ms, offset));
    let day_start = Schedule::local_day_start(now, offset);
    let over = |cap: u32, n: i64| cap > 0 && n >= i64::from(cap);
    let Some(Governor { plan, index, of }) = governing else {
        // The source's own pace, as they come.
        let (hour, last) = store.collect_group_load(group.id, now_ms - HOUR_MS + 1).await?;
        let (day, _) = store.collect_group_load(group.id, day_start * 1000).await?;
        if over(pace.cap_per_hour, hour) || over(pace.cap_per_day, day) {
            return Ok(None);
        }
        let paced = last.map(|t| t + i64::from(pace.gap_secs) * 1000);
        let due = [Some(now_ms), quiet_until, paced].into_iter().flatten().max().unwrap_or(now_ms);
        return Ok(Some((due.div_euclid(1000), due)));
    };
    let schedule = &plan.plan.schedule;
    match schedule.cadence {
        Cadence::AsTheyCome => {
            if quiet_until.is_some() || !schedule.in_window(now, offset) {
                return Ok(None);
            }
            let (hour, last) = store.plan_group_load(plan.id, group.id, now - 3600 + 1).await?;
            let (day, _) = store.plan_group_load(plan.id, group.id, day_start).await?;
            if over(schedule.cap_per_hour, hour) || over(schedule.cap_per_day, day) {
                return Ok(None);
            }
            // One deal per second at most, so each has its own slot.
            let slot = last.map_or(now, |l| now.max(l + 1));
            Ok(Some((slot, now_ms.max(slot * 1000))))
        }
        Cadence::EveryMinutes(_) | Cadence::At(_) => {
            let place = Placement { index, of, utc_offset_hours: offset, dnd };
            let Some(&slot) = schedule.slots(place, now - SLOT_GRACE_SECS, now + 1).last() else { return Ok(None) };
            if store.slot_posted(plan.id, group.id, slot).await? {
                return Ok(None);
            }
            Ok(Some((slot, now_ms)))
        }
    }
}

async fn serve_group(
    engine: &Engine,
    group: &Group,
    governing: Option<Governor<'_>>,
    now_ms: i64,
    next_due: &mut HashMap<i64, i64>,
    report: &mut RunReport,
) -> Result<(), EngineError> {
    let store = &engine.store;
    let now = now_ms.div_euclid(1000);
    let mut history = GroupHistory::from_sent(store.posted_to_group(group.id, now - DEDUP_SECS).await?);
    let robot = engine.robots.get(&group.robot_id).filter(|_| group.enabled);
    for post in store.waiting_posts(group.id).await? {
        if post.expires_at <= now_ms {
            store.skip_queued_post(post.id, skip::EXPIRED, now_ms).await?;
            report.skipped += 1;
            continue;
        }
        let repeated = post.items.iter().any(|i| {
            history.recently_sent(&i.item_key, now, DEDUP_SECS) || history.recently_sent(&i.item_id, now, DEDUP_SECS)
        });
        if repeated {
            tracing::info!(group = group.id, message = post.message_id, "queued deal skipped: the group had it");
            store.skip_queued_post(post.id, skip::DUPLICATE, now_ms).await?;
            report.skipped += 1;
            continue;
        }
        // A group without its robot, or switched off, keeps its deals waiting until they expire.
        let Some(robot) = robot.as_ref() else { continue };
        let Some((slot, mut due)) = next_turn(engine, group, governing, post.pace, now_ms).await? else { break };
        if governing.is_some() {
            // The robot's fan-out spacing, as for a plan's posts.
            due = due.max(next_due.get(&robot.id).copied().unwrap_or(due));
            let messages = post.bodies.len() + usize::from(post.poster.is_some());
            next_due.insert(robot.id, due.saturating_add(post_spacing_ms(&robot.settings, messages)));
        }
        if !let_out(engine, group, governing.map(|g| g.plan.id), &post, slot, due, now_ms).await? {
            continue;
        }
        for i in &post.items {
            history.record(&i.item_key, now);
            history.record(&i.item_id, now);
        }
        report.queued += 1;
        if let Some(wake) = engine.outbox_wake.get(&robot.id) {
            wake.notify_one();
        }
    }
    Ok(())
}

/// Hands one waiting deal to the outbox, due at `due` (unix ms), with its delivery rows.
async fn let_out(
    engine: &Engine,
    group: &Group,
    plan_id: Option<i64>,
    post: &QueuedPost,
    slot: i64,
    due: i64,
    now_ms: i64,
) -> Result<bool, EngineError> {
    let key = format!("collect:{}:{}", post.message_id, group.id);
    let mut bodies = Vec::with_capacity(post.bodies.len() + 1);
    if let Some(headline) = &post.poster
        && let Some(robot) = engine.robots.get(&group.robot_id)
    {
        let settings = GroupSettings::parse(&group.settings);
        let cx = Context { engine, robot, group: Some(group.clone()), member_id: None, settings, now_ms };
        if let Some(url) = poster_url(&cx, headline, Fen::ZERO).await? {
            bodies.push(OutboundBody::Image { url });
        }
    }
    bodies.extend(post.bodies.iter().cloned());
    let sends = outbox::enqueue_parts(group.robot_id, &group.room_id, &key, bodies, due);
    let collect_rows: Vec<NewCollectDelivery<'_>> = if post.items.is_empty() {
        // An announcement: one row so pacing and caps see it.
        vec![NewCollectDelivery {
            message_id: post.message_id,
            source_group_id: post.source_group_id,
            group_id: group.id,
            platform: Platform::Pdd,
            item_key: "",
            item_id: None,
            tag_id: None,
            not_before: due,
        }]
    } else {
        post.items
            .iter()
            .map(|i| NewCollectDelivery {
                message_id: post.message_id,
                source_group_id: post.source_group_id,
                group_id: group.id,
                platform: i.platform,
                item_key: &i.item_key,
                item_id: Some(&i.item_id),
                tag_id: i.tag_id,
                not_before: due,
            })
            .collect()
    };
    let plan_rows: Vec<NewDelivery<'_>> = match plan_id {
        None => Vec::new(),
        Some(plan_id) => {
            let row = |platform, item_key, promotion_url, tag_id| NewDelivery {
                plan_id,
                group_id: group.id,
                robot_id: group.robot_id,
                slot_at: slot,
                platform,
                item_key,
                status: "queued",
                reason: None,
                outbox_key: Some(&key),
                promotion_url,
                tag_id,
            };
            if post.items.is_empty() {
                vec![row(Platform::Pdd, "", None, None)]
            } else {
                post.items
                    .iter()
                    .map(|i| row(i.platform, &i.item_id, Some(i.promotion_url.as_str()), i.tag_id))
                    .collect()
            }
        }
    };
    let served = Served { sends: &sends, collect_rows: &collect_rows, plan_rows: &plan_rows, plan_id };
    Ok(engine.store.serve_queued_post(post.id, &served, now_ms).await?)
}
