//! Who an order belongs to.
//!
//! - The attribution tag that came back (PDD `custom_parameters`, JD `subUnionId`, see [`super::tag`]): its
//!   conversion part names the conversion, so the group (and the group's partner) and the member it was made for.
//!   The order's PID is checked against it: when the PID names another group or partner, the tag wins and the
//!   order is flagged (`conflict`).
//! - Else group and partner from the PID the order carries (PDD `p_id`, JD `positionId`, Taobao `adzone_id`): a
//!   group's PID gives the group and the group's owner; a partner's PID gives the partner.
//! - Member from the member part of the tag (`m<id>`, also tags of earlier versions), or a bound Taobao tag
//!   (`relation:<id>` / `special:<id>`, registered once per member).
//! - Without any of these: the one member who converted exactly that item with that PID shortly before the
//!   order was paid, marked [`AttributionKind::Heuristic`]. Two or more candidates: nobody (the order stays
//!   unattributed and is listed; an admin can assign it).

use super::tag::Tag;
use crate::affiliate::orders::SyncedOrder;
use crate::platform::Platform;
use crate::store::orders::{AttributionKind, OrderAttribution};
use crate::store::pids::PidOwner;
use crate::store::{Store, StoreResult};

pub async fn attribute(store: &Store, o: &SyncedOrder, heuristic_window_secs: i64) -> StoreResult<OrderAttribution> {
    let mut a = OrderAttribution::NONE;
    let holder = match o.platform {
        _ if o.pid.is_empty() => None,
        Platform::Taobao => store.taobao_pid_holder_by_adzone(&o.pid).await?,
        p => store.pid_holder(p, &o.pid).await?,
    };
    match holder {
        Some(PidOwner::Group(g)) => {
            a.group_id = Some(g);
            a.partner_id = store.group_partner(g).await?;
            a.kind = AttributionKind::Group;
        }
        Some(PidOwner::Partner(p)) => {
            a.partner_id = Some(p);
            a.kind = AttributionKind::Group;
        }
        Some(PidOwner::Robot(_)) | None => {}
    }
    let tag = o.member_tag.as_deref().and_then(Tag::parse);
    if let Some(t) = tag
        && let Some(c) = t.conversion
        && let Some(row) = store.attribution_tag(c).await?
        && row.platform == o.platform
    {
        let partner = match row.group_id {
            Some(g) => store.group_partner(g).await?,
            None => None,
        };
        let disagrees = match holder {
            Some(PidOwner::Group(g)) => row.group_id != Some(g),
            Some(PidOwner::Partner(p)) => partner != Some(p),
            Some(PidOwner::Robot(_)) | None => false,
        };
        if disagrees {
            tracing::warn!(platform = %o.platform, order = ?o.order_key, tag = c, "the order's PID and tag disagree; the tag wins");
        }
        let member = match row.member_id {
            Some(m) if store.member_exists(m).await? => Some(m),
            _ => None,
        };
        return Ok(OrderAttribution {
            group_id: row.group_id,
            partner_id: partner,
            member_id: member,
            kind: if member.is_some() { AttributionKind::Tag } else { AttributionKind::Group },
            conflict: disagrees,
        });
    }
    if let Some(member) = member_of_tag(store, o.platform, tag, o.member_tag.as_deref()).await? {
        a.member_id = Some(member);
        a.kind = AttributionKind::Tag;
        return Ok(a);
    }
    if let Some((group, member)) = heuristic(store, o, heuristic_window_secs).await? {
        a.member_id = Some(member);
        if a.group_id.is_none() && a.partner_id.is_none() && group.is_some() {
            a.group_id = group;
            a.partner_id = match group {
                Some(g) => store.group_partner(g).await?,
                None => None,
            };
        }
        a.kind = AttributionKind::Heuristic;
    }
    Ok(a)
}

/// The member a tag names: its member part (`m<id>`), else a bound Taobao tag.
async fn member_of_tag(
    store: &Store,
    platform: Platform,
    parsed: Option<Tag>,
    raw: Option<&str>,
) -> StoreResult<Option<i64>> {
    if let Some(id) = parsed.and_then(|t| t.member) {
        return Ok(store.member_exists(id).await?.then_some(id));
    }
    match raw {
        Some(tag) if parsed.is_none() => store.member_by_tag(platform, tag).await,
        _ => Ok(None),
    }
}

/// The (group, member) of the only member who converted the order's item with its PID within the window before
/// payment.
async fn heuristic(store: &Store, o: &SyncedOrder, window_secs: i64) -> StoreResult<Option<(Option<i64>, i64)>> {
    let Some(paid) = o.paid_at.or(o.ordered_at) else { return Ok(None) };
    if o.item_id.is_empty() {
        return Ok(None);
    }
    let from_ms = (paid - window_secs.max(0)).saturating_mul(1000);
    let to_ms = paid.saturating_mul(1000).saturating_add(999);
    let candidates = store.converters_of_item(o.platform, &o.item_id, from_ms, to_ms).await?;
    let same_pid = |pid: &str| match o.platform {
        // Orders carry the adzone only; conversions the whole `mm_<member>_<site>_<adzone>`.
        Platform::Taobao => pid.rsplit('_').next() == Some(o.pid.as_str()),
        _ => pid == o.pid,
    };
    let mut found: Vec<(Option<i64>, String)> =
        candidates.into_iter().filter(|(_, _, pid)| same_pid(pid)).map(|(g, wxid, _)| (g, wxid)).collect();
    found.sort();
    found.dedup_by(|a, b| a.1 == b.1);
    let [(group, wxid)] = found.as_slice() else { return Ok(None) };
    Ok(store.member_id(wxid).await?.map(|m| (*group, m)))
}
