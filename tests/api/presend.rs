//! Pre-send validation against the simulated unions (PDD, JD and Taobao): an item picked from the library is
//! re-checked through its union just before the post; a coupon that expired meanwhile or a price that rose beyond
//! the tolerance skips it with the reason, and the next candidate goes instead.

use crate::helpers::SimServer;
use dealbot::affiliate::Affiliates;
use dealbot::affiliate::feed::FeedEntry;
use dealbot::demo::settings_for_simulators;
use dealbot::feeds::FeedItem;
use dealbot::platform::Platform;
use dealbot::posting::{Rules, SkipReason, choose};
use dealbot::sim::catalog::{self, SimItem};
use dealbot::sim::feed;

/// 2026-01-05 10:00 Beijing time, and the next day at the same time.
const T0: i64 = 1_767_578_400;
const T1: i64 = T0 + 86_400;

fn affiliates(sim: &SimServer) -> Affiliates {
    let settings = settings_for_simulators(&sim.base, "http://localhost:1", "sqlite::memory:", "s");
    Affiliates::from_settings(&settings.affiliate, reqwest::Client::builder().no_proxy().build().unwrap())
}

fn pool(platform: Platform) -> Vec<SimItem> {
    (0..feed::POOL).map(|k| catalog::item_by_id(platform, feed::FEED_ID_BASE + k)).collect()
}

/// The final price the union would show at `now` (coupon applied while usable).
fn final_at(item: &SimItem, now: i64) -> Option<i64> {
    let it = feed::at(item, now)?;
    let usable = it.coupon_fen > 0 && feed::coupon_remain(&it, now) > 0 && it.price_fen >= it.coupon_threshold_fen;
    Some(if usable { it.price_fen - it.coupon_fen } else { it.price_fen })
}

fn coupon_usable(item: &SimItem, now: i64) -> bool {
    feed::at(item, now)
        .is_some_and(|it| it.coupon_fen > 0 && feed::coupon_remain(&it, now) > 0 && it.coupon_end - now > 1_800)
}

/// Three items chosen from the simulator's own schedule: (coupon expires between T0 and T1, price rises beyond the
/// tolerance with the coupon intact, coupon intact and price falling).
fn three_items(platform: Platform) -> (SimItem, SimItem, SimItem) {
    let items: Vec<SimItem> = pool(platform)
        .into_iter()
        .filter(|i| i.commission_bps > 0 && feed::at(i, T0).is_some() && feed::at(i, T1).is_some())
        .collect();
    let expires = items
        .iter()
        .find(|i| coupon_usable(i, T0) && feed::coupon_window(i, T1).is_none())
        .expect("an item whose coupon expires overnight")
        .clone();
    let rises = items
        .iter()
        .find(|i| {
            let same_coupon =
                coupon_usable(i, T0) == coupon_usable(i, T1) && (i.coupon_fen == 0 || coupon_usable(i, T1));
            let (a, b) = (final_at(i, T0).unwrap(), final_at(i, T1).unwrap());
            same_coupon && b - a > (a * 5 / 100).max(100)
        })
        .expect("an item whose price rises overnight")
        .clone();
    let steady = items
        .iter()
        .find(|i| coupon_usable(i, T0) && coupon_usable(i, T1) && final_at(i, T1) < final_at(i, T0))
        .expect("an item whose coupon holds and whose price falls")
        .clone();
    (expires, rises, steady)
}

async fn snapshot(a: &Affiliates, platform: Platform, item: &SimItem) -> FeedItem {
    let key = match platform {
        Platform::Pdd => item.goods_sign.clone(),
        _ => item.id.to_string(),
    };
    let product = match platform {
        Platform::Pdd => a.pdd.as_ref().unwrap().detail(&key).await.unwrap(),
        Platform::Jd => a.jd.as_ref().unwrap().goods(&key).await.unwrap(),
        Platform::Taobao => a.taobao.as_ref().unwrap().item_promotion(&key).await.unwrap(),
    };
    FeedItem::from_entry(FeedEntry { product, short_title: None, category: None }, "test")
}

/// Every simulated union at `now`.
fn set_now(sim: &SimServer, now: i64) {
    sim.sims.pdd.set_now(Some(now));
    sim.sims.jd.set_now(Some(now));
    sim.sims.taobao.set_now(Some(now));
}

async fn expired_and_dearer_items_are_skipped_and_the_next_goes(platform: Platform) {
    let sim = SimServer::start().await;
    set_now(&sim, T0);
    let a = affiliates(&sim);
    let (expires, rises, steady) = three_items(platform);
    let picked = vec![
        snapshot(&a, platform, &expires).await,
        snapshot(&a, platform, &rises).await,
        snapshot(&a, platform, &steady).await,
    ];
    assert!(picked[0].coupon.is_some(), "the snapshot had the coupon");

    // At pick time everything passes.
    let now = choose(&a, &picked, T0, &Rules::default(), 10).await;
    assert!(now.skipped.is_empty(), "{:?}", now.skipped);
    assert_eq!(now.chosen.map(|(i, _)| i.key.clone()), Some(picked[0].key.clone()));

    // A day later, at send time.
    set_now(&sim, T1);
    let later = choose(&a, &picked, T1, &Rules::default(), 10).await;
    let reasons: Vec<(String, SkipReason)> = later.skipped.iter().map(|(i, r)| (i.key.clone(), *r)).collect();
    assert_eq!(
        reasons,
        vec![(picked[0].key.clone(), SkipReason::Coupon), (picked[1].key.clone(), SkipReason::PriceUp)]
    );
    let (item, checked) = later.chosen.expect("the next candidate goes");
    assert_eq!(item.key, picked[2].key);
    assert_eq!(checked.final_price.0, final_at(&steady, T1).unwrap(), "the lower price the re-check returned");
    assert!(checked.final_price < picked[2].final_price);

    // An item that left the promotion is `gone`.
    let gone = pool(platform)
        .into_iter()
        .find(|i| i.commission_bps > 0 && feed::at(i, T0).is_some() && feed::at(i, T1).is_none())
        .expect("an item that leaves the promotion");
    set_now(&sim, T0);
    let snap = snapshot(&a, platform, &gone).await;
    set_now(&sim, T1);
    let c = choose(&a, std::slice::from_ref(&snap), T1, &Rules::default(), 10).await;
    assert_eq!(c.skipped.iter().map(|(_, r)| *r).collect::<Vec<_>>(), vec![SkipReason::Gone]);
    assert!(c.chosen.is_none());
}

#[tokio::test]
async fn on_pinduoduo_expired_and_dearer_items_are_skipped_with_their_reason_and_the_next_goes() {
    expired_and_dearer_items_are_skipped_and_the_next_goes(Platform::Pdd).await;
}

#[tokio::test]
async fn on_jd_expired_and_dearer_items_are_skipped_with_their_reason_and_the_next_goes() {
    expired_and_dearer_items_are_skipped_and_the_next_goes(Platform::Jd).await;
}

#[tokio::test]
async fn on_taobao_expired_and_dearer_items_are_skipped_with_their_reason_and_the_next_goes() {
    // The coupon as Taobao reports it now (item.info.upgrade.get's 商品券 entry), not the library snapshot's.
    expired_and_dearer_items_are_skipped_and_the_next_goes(Platform::Taobao).await;
}
