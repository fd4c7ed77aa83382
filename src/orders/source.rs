//! Where orders come from: one union's order list, read window by window the way that union requires.
//!
//! - Pinduoduo: windows of at most 24 h over the update time; page 1 gives the count, then pages are read from the
//!   last to the first, because orders updated while paging move to the front of the list.
//! - JD: windows of at most 1 h (`type` 3, update time); pages while `hasMore`.
//! - Taobao: windows of at most 3 h (`query_type` 4), each order scene, pages chained by `position_index`.

use crate::affiliate::orders::SyncedOrder;
use crate::affiliate::{AffiliateError, Affiliates, jd, pdd, taobao};
use crate::config::OrdersSettings;
use crate::platform::Platform;
use std::collections::HashMap;

/// Most pages read in one window before giving up on it (a union that never says "last page").
const MAX_PAGES: u32 = 10_000;
/// Taobao order scenes: 1 regular, 2 channel (relation_id), 3 member operations (special_id).
const TAOBAO_SCENES: [u8; 3] = [1, 2, 3];

/// A union's order list.
#[derive(Clone)]
enum Source {
    Pdd(pdd::PddClient),
    Jd(jd::JdClient),
    Taobao(taobao::TaobaoClient),
}

/// A window reader: one union plus the sizes to read it with.
#[derive(Clone)]
pub struct OrderSource {
    source: Source,
    page_size: u32,
    taobao_window_secs: i64,
}

impl OrderSource {
    /// The configured client of `platform`, if it is enabled.
    pub fn of(affiliates: &Affiliates, platform: Platform, settings: &OrdersSettings) -> Option<OrderSource> {
        let source = match platform {
            Platform::Pdd => Source::Pdd(affiliates.pdd.clone()?),
            Platform::Jd => Source::Jd(affiliates.jd.clone()?),
            Platform::Taobao => Source::Taobao(affiliates.taobao.clone()?),
        };
        let taobao_max = i64::try_from(taobao::ORDER_WINDOW.as_secs()).unwrap_or(10_800);
        Some(OrderSource {
            source,
            page_size: settings.page_size,
            taobao_window_secs: i64::try_from(settings.taobao_window_secs).unwrap_or(taobao_max).clamp(60, taobao_max),
        })
    }

    pub fn platform(&self) -> Platform {
        match self.source {
            Source::Pdd(_) => Platform::Pdd,
            Source::Jd(_) => Platform::Jd,
            Source::Taobao(_) => Platform::Taobao,
        }
    }

    /// Longest window the union accepts, seconds.
    pub fn max_window_secs(&self) -> i64 {
        match self.source {
            Source::Pdd(_) => 24 * 3_600,
            Source::Jd(_) => i64::try_from(jd::ORDER_WINDOW.as_secs()).unwrap_or(3_600),
            Source::Taobao(_) => self.taobao_window_secs,
        }
    }

    /// Every order updated in `[start, end]` (unix seconds, at most [`Self::max_window_secs`] apart), once each
    /// (the latest record when one came twice). `now` decides JD settlement (a `payMonth` in the past).
    pub async fn fetch_window(&self, start: i64, end: i64, now: i64) -> Result<Vec<SyncedOrder>, AffiliateError> {
        let orders = match &self.source {
            Source::Pdd(c) => pdd_window(c, start, end, self.page_size.clamp(10, 100)).await?,
            Source::Jd(c) => jd_window(c, start, end, self.page_size.clamp(1, jd::MAX_ORDER_PAGE_SIZE), now).await?,
            Source::Taobao(c) => {
                taobao_window(c, start, end, self.page_size.clamp(1, taobao::MAX_ORDER_PAGE_SIZE)).await?
            }
        };
        Ok(latest_per_key(orders))
    }
}

async fn pdd_window(c: &pdd::PddClient, start: i64, end: i64, size: u32) -> Result<Vec<SyncedOrder>, AffiliateError> {
    let first = c.order_page(start, end, 1, size, true).await?;
    let total = u32::try_from(first.total.unwrap_or(0).max(0)).unwrap_or(u32::MAX);
    let pages = total.div_ceil(size).clamp(1, MAX_PAGES);
    if pages == 1 {
        return Ok(first.orders.into_iter().map(SyncedOrder::from).collect());
    }
    // Backwards, last page first: an order updated meanwhile moves to the front, so it only shifts orders this
    // loop has already read. Page 1 is read again last for the same reason.
    let mut out = Vec::new();
    for page in (1..=pages).rev() {
        let p = c.order_page(start, end, page, size, false).await?;
        out.extend(p.orders.into_iter().map(SyncedOrder::from));
    }
    Ok(out)
}

async fn jd_window(
    c: &jd::JdClient,
    start: i64,
    end: i64,
    size: u32,
    now: i64,
) -> Result<Vec<SyncedOrder>, AffiliateError> {
    let mut out = Vec::new();
    for page in 1..=MAX_PAGES {
        let p = c.order_page(start, end, page, size).await?;
        out.extend(p.rows.into_iter().map(|r| SyncedOrder::from_jd(r, now)));
        if !p.has_more {
            break;
        }
    }
    Ok(out)
}

async fn taobao_window(
    c: &taobao::TaobaoClient,
    start: i64,
    end: i64,
    size: u32,
) -> Result<Vec<SyncedOrder>, AffiliateError> {
    let mut out = Vec::new();
    for scene in TAOBAO_SCENES {
        let mut position: Option<String> = None;
        for page in 1..=MAX_PAGES {
            let p = c.order_page(start, end, page, size, position.as_deref(), scene).await?;
            out.extend(p.rows.into_iter().map(SyncedOrder::from));
            if !p.has_next {
                break;
            }
            position = p.position_index;
        }
    }
    Ok(out)
}

/// One record per order key: the one with the latest update time (ties: the later read).
fn latest_per_key(orders: Vec<SyncedOrder>) -> Vec<SyncedOrder> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<SyncedOrder> = Vec::with_capacity(orders.len());
    for o in orders {
        match index.get(&o.order_key) {
            Some(&i) if out[i].modified_at > o.modified_at => {}
            Some(&i) => out[i] = o,
            None => {
                index.insert(o.order_key.clone(), out.len());
                out.push(o);
            }
        }
    }
    out
}

/// `[from, to]` cut into windows of at most `max` seconds, oldest first.
pub fn windows(from: i64, to: i64, max: i64) -> Vec<(i64, i64)> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut start = from;
    while start < to {
        let end = (start + max).min(to);
        out.push((start, end));
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_range_without_gaps_and_respect_the_limit() {
        assert_eq!(windows(0, 10, 4), vec![(0, 4), (4, 8), (8, 10)]);
        assert_eq!(windows(5, 5, 4), Vec::<(i64, i64)>::new());
        let w = windows(1_000, 1_000 + 86_400 * 2 + 1, 86_400);
        assert_eq!(w.len(), 3);
        assert!(w.iter().all(|(a, b)| b - a <= 86_400));
        assert!(w.windows(2).all(|p| p[0].1 == p[1].0));
    }
}
