//! Turning due slots into posts: for every enabled plan and target group, the latest slot within the last few
//! minutes that has no post yet gets the plan's next eligible item, re-checked through its union, converted with the
//! group's own PID, drawn as a poster and queued through the outbox (the outbox paces and sends). Every skipped and
//! queued item is a delivery row.
//!
//! Crash safety: a post's sends and its `queued` delivery row are written in one transaction
//! (`Store::queue_post`), so after a kill -9 a slot either has both or neither; a slot with neither is served again
//! on the next run. The outbox keys are per (plan, group, slot, n), so nothing is queued twice. From there the
//! outbox's own policy holds (at-least-once, the window being one send per robot in flight at the gateway call).
//!
//! Fan-out pacing: one run may have due slots in hundreds of groups of one robot. Its posts are not queued due at
//! one instant: the k-th post of a robot in a run is due `k × spacing` after the run, where `spacing` is twice the
//! robot's worst-case send time for the post's messages (`messages × (min_send_interval_ms + send_jitter_ms)`). A
//! fan-out thus uses at most about half of each robot's sending time, member replies queued meanwhile (due at
//! once) go out between two posts instead of behind the whole fan-out, and groups of different robots are served
//! in parallel by their own senders. A robot configured with no gaps posts back to back.
//!
//! Shared item work: the pre-send re-check of an item is made once per run and shared by every group the item goes
//! to ([`Rechecks`]); the conversion is per group, since each group's link carries its own PID and tag.

use super::choose::{Rechecks, choose_with};
use super::pick::{GroupHistory, eligible};
use super::plan::{Source, Targets};
use super::schedule::Placement;
use super::validate::Rules;
use crate::affiliate::Conversion;
use crate::chat::OutboundBody;
use crate::config::RobotSettings;
use crate::engine::group_settings::GroupSettings;
use crate::engine::handlers::product_link::{attribution_for, pid_for};
use crate::engine::{Context, Engine, EngineError};
use crate::feeds::{FeedItem, FeedSort};
use crate::links::{ProductRef, RefKind, RefSource};
use crate::outbox;
use crate::platform::Platform;
use crate::store::groups::Group;
use crate::store::posting::{NewDelivery, StoredPlan};
use std::collections::HashMap;

/// A slot is still served this long after its time (seconds); older ones are let go.
pub const SLOT_GRACE_SECS: i64 = 600;
/// How many library items a slot looks at.
const CANDIDATES: i64 = 50;
/// How many of them may be re-checked through the union for one slot.
const MAX_TRIES: usize = 5;
/// No group gets the same item twice within this period.
pub const DEDUP_SECS: i64 = 3 * 86_400;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    pub queued: usize,
    pub skipped: usize,
}

/// The slot being served: every delivery row of it shares these.
struct Slot {
    plan_id: i64,
    group_id: i64,
    robot_id: i64,
    at: i64,
}

impl Slot {
    fn delivery<'a>(
        &self,
        item: &'a FeedItem,
        status: &'a str,
        reason: Option<&'a str>,
        outbox_key: Option<&'a str>,
        promotion_url: Option<&'a str>,
        tag_id: Option<i64>,
    ) -> NewDelivery<'a> {
        NewDelivery {
            plan_id: self.plan_id,
            group_id: self.group_id,
            robot_id: self.robot_id,
            slot_at: self.at,
            platform: item.platform,
            item_key: &item.key,
            status,
            reason,
            outbox_key,
            promotion_url,
            tag_id,
        }
    }
}

/// Serves every due slot at `now_ms`.
pub async fn run_due(engine: &Engine, now_ms: i64) -> Result<RunReport, EngineError> {
    let mut report = RunReport::default();
    let mut fanout = Fanout { rechecks: Rechecks::default(), next_due: HashMap::new() };
    for plan in engine.store.enabled_plans().await? {
        if plan.plan.source == Source::Collection {
            // Collection plans pace the deals waiting in the posting queue (`super::queue`).
            continue;
        }
        let ids = target_groups(engine, &plan.plan.targets).await?;
        for (index, gid) in ids.iter().enumerate() {
            let Some(group) = engine.store.group_by_id(*gid).await? else { continue };
            if !group.enabled {
                continue;
            }
            let place =
                Placement { index, of: ids.len(), utc_offset_hours: engine.settings.chat.utc_offset_hours, dnd: None };
            serve_group(engine, &plan, &group, place, now_ms, &mut fanout, &mut report).await?;
        }
    }
    Ok(report)
}

/// The groups a plan's targets name now: a fixed list, a partner's enabled groups or every enabled group.
pub async fn target_groups(engine: &Engine, targets: &Targets) -> Result<Vec<i64>, EngineError> {
    Ok(match targets {
        Targets::Groups(ids) => ids.clone(),
        Targets::Partner(p) => engine.store.enabled_group_ids(Some(*p)).await?,
        Targets::AllEnabled => engine.store.enabled_group_ids(None).await?,
    })
}

async fn serve_group(
    engine: &Engine,
    plan: &StoredPlan,
    group: &Group,
    mut place: Placement,
    now_ms: i64,
    fanout: &mut Fanout,
    report: &mut RunReport,
) -> Result<(), EngineError> {
    if !engine.robots.contains_key(&group.robot_id) {
        return Ok(());
    }
    let settings = GroupSettings::parse(&group.settings);
    place.dnd = settings.dnd(&engine.settings.chat).map(|d| d.hours);
    let now = now_ms.div_euclid(1000);
    let Some(&slot) = plan.plan.schedule.slots(place, now - SLOT_GRACE_SECS, now + 1).last() else { return Ok(()) };
    post_slot(engine, plan, group, slot, now_ms, fanout, report).await
}

/// Posts `plan` to each of its target groups now, outside its schedule (选品库's 立即发单): the same re-check,
/// conversion, poster, de-duplication and outbox as a scheduled slot, the slot being this second.
pub async fn post_now(engine: &Engine, plan: &StoredPlan, now_ms: i64) -> Result<RunReport, EngineError> {
    let mut report = RunReport::default();
    let mut fanout = Fanout { rechecks: Rechecks::default(), next_due: HashMap::new() };
    for gid in target_groups(engine, &plan.plan.targets).await? {
        let Some(group) = engine.store.group_by_id(gid).await? else { continue };
        if group.enabled && engine.robots.contains_key(&group.robot_id) {
            post_slot(engine, plan, &group, now_ms.div_euclid(1000), now_ms, &mut fanout, &mut report).await?;
        }
    }
    Ok(report)
}

/// Serves one slot (unix seconds) of `plan` in `group`, unless it was served already.
async fn post_slot(
    engine: &Engine,
    plan: &StoredPlan,
    group: &Group,
    slot: i64,
    now_ms: i64,
    fanout: &mut Fanout,
    report: &mut RunReport,
) -> Result<(), EngineError> {
    let Some(robot) = engine.robots.get(&group.robot_id) else { return Ok(()) };
    let settings = GroupSettings::parse(&group.settings);
    let now = now_ms.div_euclid(1000);
    let store = &engine.store;
    if store.slot_posted(plan.id, group.id, slot).await? {
        return Ok(());
    }
    let candidates: Vec<FeedItem> = match &plan.plan.source {
        Source::Selection(filter) => {
            store.feed_items(filter, FeedSort::Commission, CANDIDATES, 0).await?.into_iter().map(|s| s.item).collect()
        }
        Source::Items(ids) => {
            let mut items = Vec::with_capacity(ids.len());
            for id in ids {
                match store.feed_item(*id).await {
                    Ok(s) => items.push(s.item),
                    Err(crate::store::StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            items
        }
        Source::Collection => Vec::new(),
    };
    let history = GroupHistory::from_sent(store.posted_to_group(group.id, now - DEDUP_SECS).await?);
    let fresh = eligible(&candidates, |c| c.key.as_str(), &history, now, DEDUP_SECS);
    let here = Slot { plan_id: plan.id, group_id: group.id, robot_id: robot.id, at: slot };
    let content = &plan.plan.content;
    let want = usize::from(content.items.max(1));
    // Candidates in order, each re-checked; a list post takes the first `want` that pass.
    let mut pending = fresh.into_iter();
    let mut picked = Vec::with_capacity(want);
    let mut tries = MAX_TRIES * want;
    while picked.len() < want && tries > 0 {
        let choice =
            choose_with(&engine.affiliates, &mut fanout.rechecks, pending.by_ref(), now, &Rules::default(), tries)
                .await;
        tries = tries.saturating_sub(choice.skipped.len() + usize::from(choice.chosen.is_some()));
        for (item, reason) in &choice.skipped {
            store
                .record_delivery(&here.delivery(item, "skipped", Some(reason.code()), None, None, None), now_ms)
                .await?;
            report.skipped += 1;
        }
        match choice.chosen {
            Some((item, _checked)) => picked.push(item),
            None => break,
        }
    }
    if picked.is_empty() {
        return Ok(());
    }
    // The plan's templates stand in for the group's own in this post.
    let mut shown = group.clone();
    if let Some(t) = &content.poster_template {
        shown.poster_template = Some(t.clone());
    }
    if let Some(t) = &content.copy_template {
        shown.copy_template = Some(t.clone());
    }
    let cx = Context { engine, robot: robot.clone(), group: Some(shown), member_id: None, settings, now_ms };
    let mut converted = Vec::with_capacity(picked.len());
    for item in picked {
        let Some(pid) = pid_for(&cx, item.platform).await? else {
            tracing::warn!(platform = %item.platform, "no PID for a plan's post");
            continue;
        };
        let reference = product_ref(item);
        // The post's link carries a tag naming this robot and group, so its orders come back to the group.
        let (attr, tag_id) = attribution_for(&cx, &reference, pid).await?;
        match engine.affiliates.convert(&reference, &attr).await {
            Ok(c) => converted.push((item, c, tag_id)),
            Err(e) => {
                tracing::warn!(platform = %item.platform, key = %item.key, error = %e, "a plan's post failed to convert");
                let reason = e.to_string();
                let failed = here.delivery(item, "failed", Some(&reason), None, None, Some(tag_id));
                store.record_delivery(&failed, now_ms).await?;
            }
        }
    }
    let (poster, copy) = match converted.as_slice() {
        [] => return Ok(()),
        [(_, c, _)] if want == 1 => super::content::group_post(&cx, c).await?,
        many => {
            let conversions: Vec<Conversion> = many.iter().map(|(_, c, _)| c.clone()).collect();
            super::content::list_post(&cx, &conversions).await?
        }
    };
    let mut bodies = Vec::new();
    if let Some(url) = poster {
        bodies.push(OutboundBody::Image { url });
    }
    bodies.push(OutboundBody::Text { content: copy, ats: Vec::new() });
    let key = format!("post:{}:{}:{slot}", plan.id, group.id);
    let due = fanout.next_due.get(&robot.id).copied().unwrap_or(now_ms).max(now_ms);
    let sends = outbox::enqueue_parts(robot.id, &group.room_id, &key, bodies, due);
    fanout.next_due.insert(robot.id, due.saturating_add(post_spacing_ms(&robot.settings, sends.len())));
    // One `queued` row per item: each is the attribution target of its own link.
    let rows: Vec<NewDelivery<'_>> = converted
        .iter()
        .map(|(item, c, tag_id)| {
            here.delivery(item, "queued", None, Some(&key), Some(c.promotion.best_url()), Some(*tag_id))
        })
        .collect();
    store.queue_post(&sends, &rows, now_ms).await?;
    report.queued += 1;
    if let Some(wake) = engine.outbox_wake.get(&robot.id) {
        wake.notify_one();
    }
    Ok(())
}

/// What one run shares across its fan-outs.
struct Fanout {
    /// Each item's pre-send re-check, made once per run.
    rechecks: Rechecks,
    /// Per robot: when its next post of this run may be due (unix ms).
    next_due: HashMap<i64, i64>,
}

/// The gap between two posts of one robot in a fan-out: twice the robot's worst-case send time for the post's
/// `messages` (see the module documentation).
pub fn post_spacing_ms(robot: &RobotSettings, messages: usize) -> i64 {
    let per_message = robot.min_send_interval_ms.saturating_add(robot.send_jitter_ms);
    let spacing = per_message.saturating_mul(messages as u64).saturating_mul(2);
    i64::try_from(spacing).unwrap_or(i64::MAX)
}

/// The reference a library item converts from: Pinduoduo by goods_sign, JD and Taobao by their item page.
fn product_ref(item: &FeedItem) -> ProductRef {
    let url = match item.platform {
        Platform::Pdd => None,
        Platform::Jd => Some(format!("https://item.jd.com/{}.html", item.key)),
        Platform::Taobao => Some(format!("https://item.taobao.com/item.htm?id={}", item.key)),
    };
    ProductRef {
        platform: item.platform,
        kind: RefKind::Url,
        key: item.key.clone(),
        raw: url.clone().unwrap_or_else(|| item.key.clone()),
        url,
        token: None,
        tk: None,
        title: Some(item.title.clone()),
        source: RefSource::Text,
    }
}

/// Serves due slots of plans and due firings of mass posts every 30 seconds until shutdown.
/// Runs due plans and mass posts every 30 s. Of several instances sharing the database, the one holding the
/// posting lease runs them; it renews the lease while a run lasts, and when it dies another takes over once the
/// lease expires (deliveries already queued are not queued again).
pub async fn worker(engine: std::sync::Arc<Engine>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let renew_every = std::time::Duration::from_millis(engine.settings.outbox.lease_ms.max(1_000));
    let ttl_ms = i64::try_from(renew_every.as_millis()).unwrap_or(i64::MAX).saturating_mul(3);
    let lease = crate::orders::lease::Lease::new(
        engine.store.clone(),
        engine.clock.clone(),
        "posting",
        engine.store.instance(),
        ttl_ms,
    );
    loop {
        match lease.acquire().await {
            Ok(true) => {
                let run = async {
                    if let Err(e) = run_due(&engine, engine.clock.now_ms()).await {
                        tracing::warn!(error = %e, "posting run failed");
                    }
                    if let Err(e) = super::queue::serve(&engine, engine.clock.now_ms(), None).await {
                        tracing::warn!(error = %e, "posting queue run failed");
                    }
                    if let Err(e) = super::mass::run_mass_due(&engine, engine.clock.now_ms()).await {
                        tracing::warn!(error = %e, "mass post run failed");
                    }
                };
                tokio::pin!(run);
                let mut renew = tokio::time::interval(renew_every);
                renew.tick().await;
                loop {
                    tokio::select! {
                        _ = &mut run => break,
                        _ = renew.tick() => {
                            if let Err(e) = lease.renew().await {
                                tracing::warn!(error = %e, "cannot renew the posting lease");
                            }
                        }
                    }
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "posting lease check failed"),
        }
        let stop = tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(30).min(renew_every)) => false,
            _ = shutdown.wait_for(|v| *v) => true,
        };
        if stop {
            let _ = lease.release().await;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_of_a_robot_are_spaced_by_twice_their_send_time() {
        let robot = RobotSettings { min_send_interval_ms: 3_000, send_jitter_ms: 2_000, ..RobotSettings::default() };
        assert_eq!(post_spacing_ms(&robot, 2), 20_000);
        assert_eq!(post_spacing_ms(&robot, 1), 10_000);
        let eager = RobotSettings { min_send_interval_ms: 0, send_jitter_ms: 0, ..RobotSettings::default() };
        assert_eq!(post_spacing_ms(&eager, 2), 0);
        let huge = RobotSettings { min_send_interval_ms: u64::MAX, ..RobotSettings::default() };
        assert_eq!(post_spacing_ms(&huge, 2), i64::MAX);
    }
}
