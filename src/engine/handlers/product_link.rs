//! Product links: recognize references, convert them with the group's PID and the member's attribution, and
//! reply with a poster plus a copy text that @-mentions the sender.

use crate::affiliate::{AffiliateError, Attribution, Conversion};
use crate::chat::{Inbound, OutboundBody};
use crate::engine::copy;
use crate::engine::group_settings::Feature;
use crate::engine::text::{self, ReplyError};
use crate::engine::{Action, Context, EngineError, Flow};
use crate::ledger::{Ledger, LedgerError};
use crate::links::{self, ProductRef};
use crate::money::Fen;
use crate::notices::AdminAlert;
use crate::order::{Lifecycle, OrderFacts};
use crate::orders::tag::Tag;
use crate::orders::taobao_registration;
use crate::outbox;
use crate::platform::Platform;
use crate::poster::PosterRequest;
use crate::store::conversions::NewConversion;
use crate::store::pids::PidOwner;

pub async fn handle(cx: &Context<'_>, msg: &Inbound) -> Result<Flow, EngineError> {
    if !cx.settings.enabled(Feature::Convert) {
        return Ok(Flow::Continue);
    }
    let mut refs = links::recognize_message(&msg.kind, &msg.text, &links::DEFAULT_OPTIONS);
    if refs.is_empty() {
        if cx.engine.settings.engine.unsupported_link_hint
            && let Some(name) = links::unsupported_platform(&msg.text)
        {
            let hint = text::reply_error(&ReplyError::UnsupportedPlatform(name));
            return Ok(Flow::Done(vec![reply_text(cx, msg, &hint).await?]));
        }
        return Ok(Flow::Continue);
    }
    let found = refs.len();
    refs.truncate(cx.engine.settings.engine.max_refs_per_message.max(1));
    if found == 1 {
        return Ok(Flow::Done(convert_one(cx, msg, &refs[0]).await?));
    }
    Ok(Flow::Done(convert_many(cx, msg, &refs, found - refs.len()).await?))
}

/// A reference converted for the sender.
struct Converted {
    conversion: Conversion,
    attr: Attribution,
    tag_id: i64,
    rebate: Fen,
}

/// What became of one reference: converted, or what the member is told instead (plus operator alerts).
enum Outcome {
    Converted(Box<Converted>),
    Failed(ReplyError, Vec<Action>),
}

async fn convert_ref(cx: &Context<'_>, r: &ProductRef) -> Result<Outcome, EngineError> {
    let Some(pid) = pid_for(cx, r.platform).await? else {
        tracing::warn!(platform = %r.platform, "no PID configured for this platform");
        return Ok(Outcome::Failed(ReplyError::UnionUnavailable, Vec::new()));
    };
    let (attr, tag_id) = attribution_for(cx, r, pid).await?;
    let conversion = match cx.engine.affiliates.convert(r, &attr).await {
        Ok(c) => c,
        Err(e) => {
            cx.engine.metrics.conversion_failures.inc();
            tracing::warn!(platform = %r.platform, key = ?r.key, error = %e, "conversion failed");
            return Ok(Outcome::Failed(reply_error(&e), operator_alerts(cx, r.platform, &e)));
        }
    };
    if conversion.product.commission_rate.0 <= 0 {
        return Ok(Outcome::Failed(ReplyError::NoCommission, Vec::new()));
    }
    let rebate = member_rebate(cx, &conversion).await?;
    Ok(Outcome::Converted(Box::new(Converted { conversion, attr, tag_id, rebate })))
}

/// The copy of one converted item: the group's template, else the default.
fn copy_of(cx: &Context<'_>, c: &Converted) -> String {
    cx.group
        .as_ref()
        .and_then(|g| g.copy_template.as_deref())
        .and_then(|t| copy::render(t, &c.conversion, c.rebate))
        .unwrap_or_else(|| text::default_copy(&c.conversion))
}

/// The invitations a conversion calls for: Pinduoduo 备案 when the member was dropped, Taobao registration when
/// the member has none.
async fn follow_ups(
    cx: &Context<'_>,
    msg: &Inbound,
    r: &ProductRef,
    c: &Converted,
) -> Result<Vec<Action>, EngineError> {
    let mut actions = Vec::new();
    if c.conversion.member_dropped
        && r.platform == Platform::Pdd
        && let Some(uid) = c.attr.member.as_deref()
        && let Some(action) = pdd_binding_invite(cx, msg, &c.attr.pid, uid).await?
    {
        actions.push(action);
    }
    if r.platform == Platform::Taobao
        && c.attr.special_id.is_none()
        && c.attr.relation_id.is_none()
        && let Some(action) = taobao_registration_invite(cx, msg).await?
    {
        actions.push(action);
    }
    Ok(actions)
}

/// Several references in one message: one poster (the first converted item) and one text listing every item,
/// with a note when references beyond `max_refs_per_message` were left out.
async fn convert_many(
    cx: &Context<'_>,
    msg: &Inbound,
    refs: &[ProductRef],
    left_out: usize,
) -> Result<Vec<Action>, EngineError> {
    let mut poster = None;
    let mut entries = Vec::new();
    let mut follow = Vec::new();
    let mut records = Vec::new();
    let mut invited = Vec::new();
    for r in refs {
        match convert_ref(cx, r).await? {
            Outcome::Converted(c) => {
                if entries.iter().all(|e: &Result<String, String>| e.is_err()) && poster.is_none() {
                    poster = poster_url(cx, &c.conversion, c.rebate).await?;
                }
                entries.push(Ok(copy_of(cx, &c)));
                if !invited.contains(&r.platform) {
                    let actions = follow_ups(cx, msg, r, &c).await?;
                    if !actions.is_empty() {
                        invited.push(r.platform);
                    }
                    follow.extend(actions);
                }
                records.push(record(cx, msg, r, &c.conversion, &c.attr, Some(c.tag_id)));
            }
            Outcome::Failed(why, alerts) => {
                entries.push(Err(text::reply_error(&why)));
                follow.extend(alerts);
            }
        }
    }
    let mut actions = Vec::new();
    if let Some(url) = poster {
        actions.push(Action::Reply(OutboundBody::Image { url }));
    }
    actions.push(reply_text(cx, msg, &text::item_list(&entries, left_out)).await?);
    actions.extend(follow);
    actions.extend(records);
    Ok(actions)
}

/// The PID a conversion in this context is tagged with: the group's own, its partner's, the robot's default,
/// else the platform default from the configuration.
pub async fn pid_for(cx: &Context<'_>, platform: Platform) -> Result<Option<String>, EngineError> {
    let store = &cx.engine.store;
    if let Some(g) = &cx.group {
        if let Some(pid) = store.pid_of(platform, PidOwner::Group(g.id)).await? {
            return Ok(Some(pid));
        }
        if let Some(partner) = g.partner_id
            && let Some(pid) = store.pid_of(platform, PidOwner::Partner(partner)).await?
        {
            return Ok(Some(pid));
        }
    }
    if let Some(pid) = store.pid_of(platform, PidOwner::Robot(cx.robot.id)).await? {
        return Ok(Some(pid));
    }
    let r = &cx.robot.settings;
    let a = &cx.engine.settings.affiliate;
    let (robot_default, platform_default) = match platform {
        Platform::Pdd => (&r.pdd_pid, &a.pdd.default_pid),
        Platform::Jd => (&r.jd_pid, &a.jd.default_pid),
        Platform::Taobao => (&r.taobao_pid, &a.taobao.default_pid),
    };
    Ok([robot_default, platform_default].into_iter().find(|p| !p.is_empty()).cloned())
}

async fn convert_one(cx: &Context<'_>, msg: &Inbound, r: &ProductRef) -> Result<Vec<Action>, EngineError> {
    let c = match convert_ref(cx, r).await? {
        Outcome::Converted(c) => c,
        Outcome::Failed(why, alerts) => {
            let mut actions = vec![reply_text(cx, msg, &text::reply_error(&why)).await?];
            actions.extend(alerts);
            return Ok(actions);
        }
    };
    let mut actions = Vec::new();
    if let Some(url) = poster_url(cx, &c.conversion, c.rebate).await? {
        actions.push(Action::Reply(OutboundBody::Image { url }));
    }
    actions.push(reply_text(cx, msg, &copy_of(cx, &c)).await?);
    actions.extend(follow_ups(cx, msg, r, &c).await?);
    actions.push(record(cx, msg, r, &c.conversion, &c.attr, Some(c.tag_id)));
    Ok(actions)
}

/// What the member is told about a failed conversion: "not a product" only when the union says so, "no
/// commission" when it says that; anything else is not the member's doing (signature or clock, outage,
/// throttling, a PID not 备案, an answer missing a field) and reads "系统繁忙".
pub fn reply_error(e: &AffiliateError) -> ReplyError {
    match e {
        AffiliateError::NotFound => ReplyError::NotAPromotableItem,
        AffiliateError::NoCommission => ReplyError::NoCommission,
        _ => ReplyError::UnionUnavailable,
    }
}

/// When the operator must act on `e` (configuration, authorization, 备案 of the PID): one private message per
/// admin (`admin.wxids`) with the union's code, once per platform, code and day.
pub fn operator_alerts(cx: &Context<'_>, platform: Platform, e: &AffiliateError) -> Vec<Action> {
    let Some(code) = e.operator_code() else { return Vec::new() };
    tracing::error!(%platform, code = %code, error = %e, "union refuses our configuration; alerting the admins");
    let day = crate::engine::limits::local_day(cx.now_ms, cx.engine.settings.chat.utc_offset_hours);
    let alert = AdminAlert::UnionConfig { platform, code: &code, detail: &e.to_string(), day };
    alert.sends(cx.robot.id, &cx.engine.settings.admin.wxids).into_iter().map(Action::Notify).collect()
}

/// The member converted a Taobao item and is not registered: the consent link, in private chat, the first time.
async fn taobao_registration_invite(cx: &Context<'_>, msg: &Inbound) -> Result<Option<Action>, EngineError> {
    let (Some(member), Some(client)) = (cx.member_id, cx.engine.affiliates.taobao.as_ref()) else { return Ok(None) };
    let base = &cx.engine.settings.server.public_base_url;
    let store = &cx.engine.store;
    let Some(url) = taobao_registration::invite(store, client, base, member, cx.robot.id, cx.now_ms).await? else {
        return Ok(None);
    };
    let body = OutboundBody::Text { content: text::taobao_registration_invite(&url), ats: Vec::new() };
    let Some(wxid) = msg.sender_id.clone() else { return Ok(None) };
    Ok(Some(Action::Notify(outbox::enqueue(cx.robot.id, &wxid, body, format!("once:taobao-register:{member}")))))
}

/// The attribution of a conversion about to be made in this context with `pid`: the member (`m<id>`, stable),
/// the tag naming this conversion (robot, group, member, item; shared by repeated pastes within the conversion
/// cache's lifetime) and, on Taobao, the member's registered `special_id` / `relation_id`. Returns the tag's id
/// as well.
pub async fn attribution_for(cx: &Context<'_>, r: &ProductRef, pid: String) -> Result<(Attribution, i64), EngineError> {
    let store = &cx.engine.store;
    let group = cx.group.as_ref().map(|g| g.id);
    let ttl_ms = match cx.engine.settings.affiliate.cache_ttl_secs {
        0 => 600_000,
        secs => i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX),
    };
    let since = cx.now_ms.saturating_sub(ttl_ms);
    let tag_id =
        store.attribution_tag_for(cx.robot.id, group, cx.member_id, r.platform, &r.key, since, cx.now_ms).await?;
    // Pinduoduo carries the tag as `custom_parameters.sid` only beside a `uid`: a post, which has no member, sends
    // the PID owner's 备案 uid there.
    let member = match cx.member_id {
        Some(m) => Some(Tag::member_part(m)),
        None if r.platform == Platform::Pdd => Some(Tag::owner_part(cx.group.as_ref().and_then(|g| g.partner_id))),
        None => None,
    };
    let mut attr = Attribution { member, tag: Some(Tag::conversion_part(tag_id)), ..Attribution::pid_only(pid) };
    if r.platform == Platform::Taobao
        && let Some(member) = cx.member_id
        && let Some(bound) = store.taobao_member_tag(member).await?
    {
        match bound.split_once(':') {
            Some(("special", id)) => attr.special_id = Some(id.to_string()),
            Some(("relation", id)) => attr.relation_id = Some(id.to_string()),
            _ => {}
        }
    }
    Ok((attr, tag_id))
}

/// The member's share of the conversion's estimated commission under the rate rules that will apply to the
/// order: what `{预估返利}` and the poster's 预估返 show. Zero for a sender who is not a member.
pub async fn member_rebate(cx: &Context<'_>, c: &Conversion) -> Result<Fen, EngineError> {
    if cx.member_id.is_none() {
        return Ok(Fen::ZERO);
    }
    let e = cx.engine;
    let facts = OrderFacts {
        order_id: 0,
        platform: c.product.platform,
        order_key: String::new(),
        lifecycle: Lifecycle::Paid,
        commission: c.product.estimated_commission,
        paid_amount: c.product.final_price,
        group_id: cx.group.as_ref().map(|g| g.id),
        partner_id: cx.group.as_ref().and_then(|g| g.partner_id),
        member_id: cx.member_id,
        paid_at: None,
    };
    let ledger = Ledger::with_settings(e.store.clone(), e.settings.ledger.clone(), e.settings.chat.utc_offset_hours);
    match ledger.preview(&facts).await {
        Ok(split) => Ok(split.rebate),
        Err(LedgerError::Store(err)) => Err(err.into()),
    }
}

/// The [`Action::Record`] of a conversion made for the sender with `attr` (tagged `tag_id`).
pub fn record(
    cx: &Context<'_>,
    msg: &Inbound,
    r: &ProductRef,
    conversion: &Conversion,
    attr: &Attribution,
    tag_id: Option<i64>,
) -> Action {
    let sent = match r.platform {
        Platform::Taobao => attr
            .special_id
            .as_ref()
            .map(|id| format!("special:{id}"))
            .or(attr.relation_id.as_ref().map(|id| format!("relation:{id}"))),
        _ => attr.joined_tag(),
    };
    let p = &conversion.product;
    Action::Record(Box::new(NewConversion {
        robot_id: cx.robot.id,
        group_id: cx.group.as_ref().map(|g| g.id),
        member_wxid: msg.sender_id.clone(),
        platform: r.platform,
        item_key: r.key.clone(),
        item_id: p.item_id.clone(),
        title: p.title.clone(),
        pid: attr.pid.clone(),
        member_param: if conversion.member_dropped { None } else { sent },
        promotion_url: conversion.promotion.url.clone(),
        short_url: conversion.promotion.short_url.clone(),
        price: p.price,
        final_price: p.final_price,
        commission: p.estimated_commission,
        tag_id,
    }))
}

/// Pinduoduo refused the member parameter (not 备案): the link went out with the PID only. The member is sent the
/// authorization link once per PID, so that their later orders are attributed to them.
async fn pdd_binding_invite(
    cx: &Context<'_>,
    msg: &Inbound,
    pid: &str,
    uid: &str,
) -> Result<Option<Action>, EngineError> {
    let Some(pdd) = cx.engine.affiliates.pdd.as_ref() else { return Ok(None) };
    let url = match pdd.authority_url(pid, uid).await {
        Ok(url) => url,
        Err(e) => {
            tracing::warn!(error = %e, "cannot make the pinduoduo authorization link");
            return Ok(None);
        }
    };
    let Action::Reply(body) = reply_text(cx, msg, &text::pdd_binding_invite(&url)).await? else { return Ok(None) };
    Ok(Some(Action::ReplyOnce { key: format!("pdd-bind:{pid}:{uid}"), body }))
}

/// Renders the poster, stores it as media and returns its public URL. A render failure costs the poster, not
/// the reply.
pub async fn poster_url(cx: &Context<'_>, c: &Conversion, rebate: Fen) -> Result<Option<String>, EngineError> {
    let e = cx.engine;
    let group = cx.group.as_ref();
    let req = PosterRequest {
        product: c.product.clone(),
        promotion: c.promotion.clone(),
        qr_url: c.promotion.best_url().to_string(),
        template: group.and_then(|g| g.poster_template.clone()),
        // The group shows the member's rebate when its copy template does.
        rebate: group
            .and_then(|g| g.copy_template.as_deref())
            .is_some_and(|t| t.contains(text::copy::REBATE_FIELD))
            .then_some(rebate),
    };
    let photo = product_photo(e, &c.product).await;
    let poster = match e.renderer.render(req, photo).await {
        Ok(p) => p,
        Err(err) => {
            tracing::error!(error = %err, "poster rendering failed; replying with text only");
            return Ok(None);
        }
    };
    Ok(Some(poster_media(e, &poster.jpeg).await?))
}

/// Stores a rendered poster as media for the gateway to fetch; returns its public URL.
pub async fn poster_media(e: &crate::engine::Engine, jpeg: &[u8]) -> Result<String, EngineError> {
    let id = format!("{:032x}", rand::random::<u128>());
    let now = e.clock.now_ms();
    e.store.put_media(&id, "image/jpeg", jpeg, now + e.settings.media.ttl_secs * 1000, now).await?;
    Ok(format!("{}/media/{id}.jpg", e.settings.server.public_base_url.trim_end_matches('/')))
}

/// The product's photo through the guarded fetcher, or `None` (the poster then draws a placeholder).
pub async fn product_photo(
    e: &crate::engine::Engine,
    product: &crate::affiliate::Product,
) -> Option<std::sync::Arc<image::RgbImage>> {
    let url = product.image_url.as_deref()?;
    match e.photos.get(product.platform, url).await {
        Ok(photo) => Some(photo),
        Err(err) => {
            tracing::warn!(error = %err, "product photo unavailable; drawing the placeholder");
            None
        }
    }
}

/// A text reply that @-mentions the sender (in `ats` and as `@昵称` in the content).
pub async fn reply_text(cx: &Context<'_>, msg: &Inbound, body: &str) -> Result<Action, EngineError> {
    let Some(sender) = msg.sender_id.clone() else {
        return Ok(Action::Reply(OutboundBody::Text { content: body.to_string(), ats: Vec::new() }));
    };
    if msg.conversation_id == sender {
        // Direct chat: no mention.
        return Ok(Action::Reply(OutboundBody::Text { content: body.to_string(), ats: Vec::new() }));
    }
    let store = &cx.engine.store;
    let mut nickname = msg.sender_name.clone().filter(|n| !n.is_empty());
    if nickname.is_none()
        && let Some(g) = &cx.group
    {
        // No PushContent: the name the member shows in this group, as synced from the gateway.
        nickname = store.group_display_name(g.id, &sender).await?;
    }
    let nickname = match nickname {
        Some(n) => n,
        None => store.member_nickname(&sender).await?.unwrap_or_else(|| text::MEMBER_FALLBACK_NAME.to_string()),
    };
    Ok(Action::Reply(OutboundBody::Text { content: format!("{}{body}", text::mention(&nickname)), ats: vec![sender] }))
}
