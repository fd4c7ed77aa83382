//! The collection step of the engine chain. In a source group every message of a counted sender is recorded;
//! a deal is converted for each target group with that group's PID and attribution tag, rewritten in place, drawn
//! as a poster (the source's own picture instead only when the source allows it and a QR scan of it finds no
//! code: it may carry the source's QR code) and offered to the posting engine's queue of each target group, which
//! paces it out (`posting::queue`: a collection plan's schedule or caps, else the source's own gap and caps; the
//! per-group de-duplication shared with plans and replies). Admins mark a group with `#设为采集源` /
//! `#取消采集源`. A source group gets no replies unless it is also a member group.

use super::deal::{self, DropReason, Prepared};
use super::image::{self as source_image, Inspected};
use super::{Source, SourceSpec};
use crate::affiliate::{Attribution, Conversion};
use crate::chat::{Inbound, InboundKind, OutboundBody};
use crate::engine::command::Role;
use crate::engine::group_settings::GroupSettings;
use crate::engine::handlers::product_link::{attribution_for, pid_for, poster_media};
use crate::engine::roles::role_of;
use crate::engine::{Action, Context, Engine, EngineError, Flow};
use crate::notices::SourceMarked;
use crate::platform::Platform;
use crate::store::collection::NewCollectMessage;
use crate::store::groups::Group;
use crate::store::posting_queue::{NewQueuedPost, QueuedItem};
use std::sync::Arc;

/// The group's source rules, when it is a source (cached briefly; [`forget`] after a change).
pub async fn source_of(engine: &Engine, group_id: i64) -> Result<Option<Arc<Source>>, EngineError> {
    if let Some(s) = engine.caches.sources.get(&group_id).await {
        return Ok(s);
    }
    let source = engine.store.collect_source(group_id).await?.map(|spec| Source::new(group_id, spec));
    engine.caches.sources.insert(group_id, source.clone()).await;
    Ok(source)
}

/// Forgets the cached rules of a source after they changed.
pub async fn forget(engine: &Engine, group_id: i64) {
    engine.caches.sources.invalidate(&group_id).await;
}

pub async fn handle(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    let (Some(group), Some(sender)) = (&cx.group, msg.sender_id.as_deref()) else { return Ok(Flow::Continue) };
    if msg.is_self || msg.ignorable || cx.engine.robots.values().any(|r| r.settings.wxid == sender) {
        return Ok(Flow::Continue);
    }
    let command = msg.text.trim();
    if (command == super::text::MARK || command == super::text::UNMARK) && role_of(cx, sender).await? == Role::Admin {
        return Ok(Flow::Done(vec![mark(cx, group, sender, command == super::text::MARK, &msg.dedupe_key).await?]));
    }
    let Some(source) = source_of(cx.engine, group.id).await? else { return Ok(Flow::Continue) };
    receive(cx, &source, msg, sender).await?;
    Ok(if group.enabled { Flow::Continue } else { Flow::Done(Vec::new()) })
}

/// Marks or unmarks the group as a source; the admin is told in private chat, so the source hears nothing.
async fn mark(cx: &Context<'_>, group: &Group, admin: &str, on: bool, key: &str) -> Result<Action, EngineError> {
    let e = cx.engine;
    if on {
        if e.store.collect_source(group.id).await?.is_none() {
            e.store.save_collect_source(group.id, &SourceSpec::default(), cx.now_ms).await?;
        }
        // A source is not a member group: no conversions or commands are answered there.
        e.store.set_group_enabled(group.id, false, cx.now_ms).await?;
        e.invalidate_group(group.robot_id, &group.room_id).await;
    } else {
        stop(e, group, cx.now_ms).await?;
    }
    forget(e, group.id).await;
    Ok(Action::Notify(SourceMarked { group: &group.name, on }.send(cx.robot.id, admin, key)))
}

/// Stops collecting from `group`; a group that was a member group before it became a source is one again
/// (replies and commands work there again). False when it was no source.
pub async fn stop(e: &Engine, group: &Group, now_ms: i64) -> Result<bool, EngineError> {
    let Some(was_member) = e.store.remove_collect_source(group.id).await? else { return Ok(false) };
    if was_member {
        e.store.set_group_enabled(group.id, true, now_ms).await?;
        e.invalidate_group(group.robot_id, &group.room_id).await;
    }
    forget(e, group.id).await;
    Ok(true)
}

/// Records a source message and forwards it when it is a deal we can make ours.
async fn receive(cx: &Context<'_>, source: &Source, msg: &Inbound, sender: &str) -> Result<(), EngineError> {
    let store = &cx.engine.store;
    let spec = &source.spec;
    let kind = match msg.kind {
        InboundKind::Image => "image",
        InboundKind::Text | InboundKind::Quote { .. } => "text",
        InboundKind::Link { .. } | InboundKind::MiniProgram { .. } => "card",
        _ => return Ok(()),
    };
    let counted = spec.counts(sender);
    let message = deal::Message::of(&msg.kind, &msg.text);
    let body = match (&msg.kind, message) {
        // An image keeps its CDN XML, to download it if its deal may forward it.
        (InboundKind::Image, _) if msg.text.len() <= MAX_IMAGE_XML_BYTES => msg.text.clone(),
        (InboundKind::Link { title, url, .. }, _) => format!("{title}\n{url}"),
        (InboundKind::MiniProgram { title, pagepath, .. }, _) => format!("{title}\n{pagepath}"),
        (_, Some(deal::Message::Text(text))) => text.to_string(),
        _ => String::new(),
    };
    let mut row = NewCollectMessage {
        source_group_id: source.group_id,
        dedupe_key: &msg.dedupe_key,
        sender: Some(sender),
        kind,
        body: &body,
        outcome: if kind == "image" { "image" } else { "dropped" },
        reason: None,
    };
    if !counted {
        row.reason = Some(reason_text(&DropReason::Sender));
    }
    let Some(id) = store.record_collect_message(&row, cx.now_ms).await? else { return Ok(()) };
    if !counted {
        return Ok(());
    }
    let since = cx.now_ms - i64::from(spec.pair_window_secs) * 1000;
    let partner = store.pair_collect_message(source.group_id, sender, id, kind != "image", since).await?;
    let Some(message) = message else { return Ok(()) };
    // The picture sent just before the deal, when the source's own pictures may go out.
    let picture = match partner {
        Some(image) if spec.keep_images && kind != "image" => source_picture(cx, image).await?,
        _ => None,
    };
    let outcome = forward(cx, source, message, sender, id, picture.as_deref()).await?;
    let reason = outcome.err().map(|r| reason_text(&r));
    let status = if reason.is_none() { "forwarded" } else { "dropped" };
    tracing::info!(
        source = source.group_id,
        message = id,
        status,
        reason = reason.as_deref(),
        "source message handled"
    );
    store.set_collect_outcome(id, status, reason.as_deref()).await?;
    Ok(())
}

/// Longest image XML kept with a source message, in bytes.
const MAX_IMAGE_XML_BYTES: usize = 16 * 1024;

/// The source's own picture (the recorded image message `image_id`) as our media URL when a QR scan of it finds no
/// code; `None` when it has one, cannot be fetched or read: our poster replaces it then.
async fn source_picture(cx: &Context<'_>, image_id: i64) -> Result<Option<String>, EngineError> {
    let e = cx.engine;
    let Some(xml) = e.store.collect_message_body(image_id).await?.filter(|x| !x.is_empty()) else { return Ok(None) };
    let bytes = match e.lifecycle.download_image(cx.robot.id, &xml, source_image::MAX_BYTES).await {
        Ok(b) => b,
        Err(err) => {
            tracing::warn!(image = image_id, error = %err, "cannot download the source's picture; our poster goes");
            return Ok(None);
        }
    };
    match tokio::task::spawn_blocking(move || source_image::inspect(&bytes)).await {
        Ok(Inspected::Clean(jpeg)) => Ok(Some(poster_media(e, &jpeg).await?)),
        Ok(Inspected::HasCode) => {
            tracing::info!(image = image_id, "the source's picture carries a QR code; our poster goes");
            Ok(None)
        }
        Ok(Inspected::Unreadable) | Err(_) => {
            tracing::warn!(image = image_id, "the source's picture cannot be read; our poster goes");
            Ok(None)
        }
    }
}

/// `code: 中文` as the store keeps a drop reason.
pub fn reason_text(r: &DropReason) -> String {
    format!("{}: {r}", r.code())
}

/// One target group with its context and its conversions of the deal.
struct Target {
    group: Group,
    converted: Vec<(Conversion, Option<i64>)>,
}

/// Converts and queues the deal for every target group. `Ok(n)`: queued for `n` groups.
async fn forward(
    cx: &Context<'_>,
    source: &Source,
    message: deal::Message<'_>,
    sender: &str,
    message_id: i64,
    picture: Option<&str>,
) -> Result<Result<usize, DropReason>, EngineError> {
    let e = cx.engine;
    let spec = &source.spec;
    let prepared = match deal::prepare(message, spec, &source.cleaner, spec.announces(sender)) {
        Ok(p) => p,
        Err(r) => return Ok(Err(r)),
    };
    let dedup_since = cx.now_ms - i64::from(spec.dedup_hours) * 3_600_000;
    let ref_keys = deal::keys(&prepared.refs);
    if !ref_keys.is_empty() && e.store.collect_seen_count(&ref_keys, dedup_since).await? == ref_keys.len() {
        return Ok(Err(DropReason::Duplicate));
    }
    let mut targets = Vec::new();
    let mut first_failure = None;
    for gid in &spec.targets {
        let Some(group) = e.store.group_by_id(*gid).await? else { continue };
        if !group.enabled || !e.robots.contains_key(&group.robot_id) {
            continue;
        }
        match convert_for(cx, &group, &prepared).await? {
            Ok(converted) => targets.push(Target { group, converted }),
            Err(r) => {
                tracing::warn!(group = group.id, reason = %r, "deal not converted for a target group");
                first_failure.get_or_insert(r);
            }
        }
    }
    let Some(first) = targets.first() else { return Ok(Err(first_failure.unwrap_or(DropReason::NoTarget))) };
    if let Some((headline, _)) = first.converted.first()
        && let Err(r) = deal::meets_minimums(spec, headline)
    {
        return Ok(Err(r));
    }
    let item_keys: Vec<(Platform, String)> =
        first.converted.iter().map(|(c, _)| (c.product.platform, c.product.item_id.clone())).collect();
    if !ref_keys.is_empty() && all_seen(e, &ref_keys, &item_keys, dedup_since).await? {
        return Ok(Err(DropReason::Duplicate));
    }
    let mut queued = 0;
    for target in &targets {
        match queue(cx, source, &prepared, target, message_id, picture).await? {
            Ok(()) => queued += 1,
            Err(r) => {
                first_failure.get_or_insert(r);
            }
        }
    }
    if queued == 0 {
        return Ok(Err(first_failure.unwrap_or(DropReason::NoTarget)));
    }
    let mut seen = ref_keys;
    seen.extend(item_keys);
    e.store.mark_collect_seen(&seen, cx.now_ms).await?;
    let offered: Vec<i64> = targets.iter().map(|t| t.group.id).collect();
    crate::posting::queue::serve(e, cx.now_ms, Some(&offered)).await?;
    Ok(Ok(queued))
}

/// True when every reference was forwarded recently, by its own key or by its item.
async fn all_seen(
    e: &Engine,
    ref_keys: &[(Platform, String)],
    item_keys: &[(Platform, String)],
    since: i64,
) -> Result<bool, EngineError> {
    for (r, i) in ref_keys.iter().zip(item_keys) {
        let seen = e.store.collect_seen_count(std::slice::from_ref(r), since).await? == 1
            || e.store.collect_seen_count(std::slice::from_ref(i), since).await? == 1;
        if !seen {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The context of a post to `group` (no member: the group's PID and tag).
fn group_cx<'a>(cx: &Context<'a>, group: &Group) -> Option<Context<'a>> {
    let robot = cx.engine.robots.get(&group.robot_id)?;
    Some(Context {
        engine: cx.engine,
        robot,
        group: Some(group.clone()),
        member_id: None,
        settings: GroupSettings::parse(&group.settings),
        now_ms: cx.now_ms,
    })
}

/// Every reference converted for `group`, with the tag each link carries.
async fn convert_for(
    cx: &Context<'_>,
    group: &Group,
    prepared: &Prepared,
) -> Result<Result<Vec<(Conversion, Option<i64>)>, DropReason>, EngineError> {
    let Some(gcx) = group_cx(cx, group) else { return Ok(Err(DropReason::NoTarget)) };
    let mut out = Vec::with_capacity(prepared.refs.len());
    for r in &prepared.refs {
        let Some(pid) = pid_for(&gcx, r.platform).await? else {
            return Ok(Err(DropReason::Conversion(crate::affiliate::text::no_pid(r.platform))));
        };
        let (attr, tag_id): (Attribution, i64) = attribution_for(&gcx, r, pid).await?;
        match cx.engine.affiliates.convert(r, &attr).await {
            Ok(c) => out.push((c, Some(tag_id))),
            Err(err) => return Ok(Err(DropReason::Conversion(err.to_string()))),
        }
    }
    Ok(Ok(out))
}

/// Rewrites the deal for one target and offers its picture (the source's own `picture` when given, else our poster)
/// and text to the group's posting queue (the posting engine paces it out).
async fn queue(
    cx: &Context<'_>,
    source: &Source,
    prepared: &Prepared,
    target: &Target,
    message_id: i64,
    picture: Option<&str>,
) -> Result<Result<(), DropReason>, EngineError> {
    let spec = &source.spec;
    let group = &target.group;
    let promotions: Vec<_> = target.converted.iter().map(|(c, _)| &c.promotion).collect();
    let rewritten = match deal::rewrite(prepared, &promotions) {
        Ok(r) => r,
        Err(r) => return Ok(Err(r)),
    };
    // The source's own picture goes as it is; else the posting engine draws our poster when the deal goes out.
    let mut bodies = Vec::new();
    let mut poster = None;
    match picture {
        Some(url) => bodies.push(OutboundBody::Image { url: url.to_string() }),
        None => poster = target.converted.first().map(|(headline, _)| headline.clone()),
    }
    bodies.push(OutboundBody::Text { content: rewritten.text, ats: Vec::new() });
    let items = prepared
        .refs
        .iter()
        .zip(&target.converted)
        .map(|(r, (c, tag_id))| QueuedItem {
            platform: r.platform,
            item_key: r.key.clone(),
            item_id: c.product.item_id.clone(),
            tag_id: *tag_id,
            promotion_url: c.promotion.best_url().to_string(),
        })
        .collect();
    let post = NewQueuedPost {
        message_id,
        source_group_id: source.group_id,
        group_id: group.id,
        robot_id: group.robot_id,
        items,
        bodies,
        poster,
        pace: spec.pace(),
        expires_at: cx.now_ms + i64::from(spec.max_wait_mins) * 60_000,
    };
    crate::posting::queue::offer(cx.engine, &post, cx.now_ms).await?;
    Ok(Ok(()))
}

/// What one target group would get from a deal (the 采集 page's live preview).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TargetPreview {
    pub group_id: i64,
    pub group_name: String,
    /// The text the group would get.
    pub text: Option<String>,
    /// Why the group would get nothing.
    pub dropped: Option<String>,
}

/// Runs `text` through the rules `spec` of the source `source_group` and converts it for each target, without
/// recording or queueing anything and without the de-duplication.
pub async fn preview(
    engine: &Engine,
    source_group: &Group,
    spec: &SourceSpec,
    text: &str,
    now_ms: i64,
) -> Result<Vec<TargetPreview>, EngineError> {
    let Some(robot) = engine.robots.get(&source_group.robot_id) else { return Ok(Vec::new()) };
    let cx = Context {
        engine,
        robot,
        group: Some(source_group.clone()),
        member_id: None,
        settings: GroupSettings::parse(&source_group.settings),
        now_ms,
    };
    let source = Source::new(source_group.id, spec.clone());
    let prepared = deal::prepare(deal::Message::Text(text), spec, &source.cleaner, false);
    let mut out = Vec::new();
    for gid in &spec.targets {
        let Some(group) = engine.store.group_by_id(*gid).await? else { continue };
        let result = match &prepared {
            Err(r) => Err(r.clone()),
            Ok(p) => match convert_for(&cx, &group, p).await? {
                Err(r) => Err(r),
                Ok(converted) => {
                    let headline = converted.first().map(|(c, _)| deal::meets_minimums(spec, c));
                    let promotions: Vec<_> = converted.iter().map(|(c, _)| &c.promotion).collect();
                    match headline {
                        Some(Err(r)) => Err(r),
                        _ => deal::rewrite(p, &promotions).map(|r| r.text),
                    }
                }
            },
        };
        let (text, dropped) = match result {
            Ok(t) => (Some(t), None),
            Err(r) => (None, Some(r.to_string())),
        };
        out.push(TargetPreview { group_id: group.id, group_name: group.name.clone(), text, dropped });
    }
    Ok(out)
}
