//! Announcing a 免单 campaign in its target groups through the posting engine: a mass post for now, which the
//! posting worker sends through the outbox (pacing, do-not-disturb hours, one delivery row per group).

use crate::engine::limits::local_month_day;
use crate::engine::text;
use crate::posting::mass::{MassPost, When};
use crate::store::campaigns::Campaign;
use crate::store::{Store, StoreResult};

/// The announcement's text.
pub fn announcement(c: &Campaign, utc_offset_hours: i64) -> String {
    let items: Vec<String> = c.items.iter().take(5).map(|i| text::campaign_item(&i.title, i.platform)).collect();
    let ends = local_month_day(c.ends_at - 1, utc_offset_hours);
    text::campaign_announcement(&c.name, &text::subsidy(c.subsidy), &items, &ends)
}

/// Stores the announcement as a mass post to `groups` at `now_ms`; its id, `None` when there is no group.
pub async fn announce(
    store: &Store,
    c: &Campaign,
    groups: Vec<i64>,
    created_by: Option<i64>,
    utc_offset_hours: i64,
    now_ms: i64,
) -> StoreResult<Option<i64>> {
    if groups.is_empty() {
        return Ok(None);
    }
    let post = MassPost {
        text: announcement(c, utc_offset_hours),
        link: None,
        image_media_id: None,
        groups,
        friends: Vec::new(),
        when: When::Once { at: now_ms.div_euclid(1000) },
    };
    store.create_mass_post(&post, None, created_by, now_ms).await.map(Some)
}
