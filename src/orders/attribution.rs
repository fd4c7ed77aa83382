//! Who an order belongs to.
//!
//! - Group and partner from the PID the order carries (PDD `p_id`, JD `positionId`, Taobao `adzone_id`): a group's
//!   PID gives the group and the group's owner; a partner's PID gives the partner.
//! - Member from the member parameter that came back: `m<id>` (what the engine tags conversions with: PDD
//!   `custom_parameters.uid`, JD `subUnionId`), or a bound tag (Taobao `relation:<id>` / `special:<id>`).
//! - Without a member parameter: the one member who converted exactly that item with that PID shortly before the
//!   order was paid, marked [`AttributionKind::Heuristic`]. Two or more candidates: nobody (the order stays
//!   unattributed and is listed; the member can claim it).

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
    if let Some(tag) = o.member_tag.as_deref()
        && let Some(member) = member_of_tag(store, o.platform, tag).await?
    {
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

/// The member id in an `m<id>` tag.
pub fn member_id_in_tag(tag: &str) -> Option<i64> {
    let digits = tag.strip_prefix('m')?;
    (!digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

async fn member_of_tag(store: &Store, platform: Platform, tag: &str) -> StoreResult<Option<i64>> {
    if let Some(id) = member_id_in_tag(tag) {
        return Ok(store.member_exists(id).await?.then_some(id));
    }
    store.member_by_tag(platform, tag).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_tags_are_m_and_digits() {
        assert_eq!(member_id_in_tag("m42"), Some(42));
        assert_eq!(member_id_in_tag("m"), None);
        assert_eq!(member_id_in_tag("42"), None);
        assert_eq!(member_id_in_tag("m4x"), None);
        assert_eq!(member_id_in_tag("m99999999999999999999"), None);
        assert_eq!(member_id_in_tag("relation:2145841445"), None);
    }
}
