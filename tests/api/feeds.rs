//! The selection library: the union feed clients against their simulators over HTTP, the refresh into the store
//! (both engines), and the one typed filter.

use crate::helpers::{SimServer, TestDb};
use dealbot::affiliate::{AffiliateError, Affiliates, Coupon};
use dealbot::clock::Clock;
use dealbot::config::FeedsSettings;
use dealbot::demo::settings_for_simulators;
use dealbot::feeds::{FeedFilter, FeedItem, FeedRefresh, FeedSort};
use dealbot::money::{Bps, Fen};
use dealbot::platform::Platform;
use dealbot::sim::{catalog, feed};
use std::collections::HashSet;

/// 2026-01-05 10:00 Beijing time.
const T0: i64 = 1_767_578_400;

on_both_engines!(a_refresh_stores_each_item_once_and_updates_it_in_place, the_filter_selects_by_every_condition,);

fn affiliates(sim: &SimServer) -> Affiliates {
    let settings = settings_for_simulators(&sim.base, "http://localhost:1", "sqlite::memory:", "s");
    Affiliates::from_settings(&settings.affiliate, reqwest::Client::builder().no_proxy().build().unwrap())
}

async fn sims_at(now: i64) -> SimServer {
    let sim = SimServer::start().await;
    sim.sims.pdd.set_now(Some(now));
    sim.sims.jd.set_now(Some(now));
    sim.sims.taobao.set_now(Some(now));
    sim
}

/// What the simulator's catalogue says the channel lists at `now`.
fn listed_at(platform: Platform, channel: u64, now: i64) -> Vec<catalog::SimItem> {
    feed::channel_items(platform, channel)
        .iter()
        .filter_map(|i| feed::at(i, now))
        .filter(|i| platform == Platform::Pdd || i.commission_bps > 0)
        .collect()
}

#[tokio::test]
async fn pinduoduo_recommend_pages_by_whole_pages_and_echoes_the_list_id() {
    let sim = sims_at(T0).await;
    let pdd = affiliates(&sim).pdd.unwrap();
    let expected = listed_at(Platform::Pdd, 5, T0);
    let first = pdd.recommend(5, 0, 20, None).await.unwrap();
    assert_eq!(first.total, Some(expected.len() as i64));
    let list_id = first.list_id.clone().expect("a list_id");
    let mut keys: Vec<String> = first.entries.iter().map(|e| e.product.item_id.clone()).collect();
    let mut page = 1;
    loop {
        let next = pdd.recommend(5, page, 20, Some(&list_id)).await.unwrap();
        assert_eq!(next.list_id.as_deref(), Some(list_id.as_str()), "the list_id is echoed");
        if next.entries.is_empty() {
            break;
        }
        keys.extend(next.entries.iter().map(|e| e.product.item_id.clone()));
        page += 1;
    }
    let want: Vec<String> = expected.iter().map(|i| i.goods_sign.clone()).collect();
    assert_eq!(keys, want);
    // Units converted at the border: 分 as is, ‰ to basis points, the category from opt_name.
    let entry = &first.entries[0];
    let item = &expected[0];
    assert_eq!(entry.product.price, Fen(item.price_fen));
    assert_eq!(entry.product.commission_rate, Bps(item.commission_bps));
    assert_eq!(entry.category.as_deref(), Some(feed::category(item).1));
    if item.coupon_fen > 0 && feed::coupon_remain(item, T0) > 0 {
        let c = entry.product.coupon.as_ref().expect("coupon");
        assert_eq!(c.amount, Fen(item.coupon_fen));
        assert_eq!(c.ends_at, Some(item.coupon_end));
    }
    // Unknown channels list nothing.
    assert!(pdd.recommend(2, 0, 20, None).await.unwrap().entries.is_empty());
    assert!(sim.sims.pdd.calls("pdd.ddk.goods.recommend.get") >= 4);
}

#[tokio::test]
async fn jd_jingfen_pages_up_to_the_page_limit() {
    let sim = sims_at(T0).await;
    let jd = affiliates(&sim).jd.unwrap();
    let expected = listed_at(Platform::Jd, 22, T0);
    let first = jd.jingfen(22, 1, 50).await.unwrap();
    assert_eq!(first.total, Some(expected.len() as i64));
    assert_eq!(first.entries.len(), 50.min(expected.len()));
    let second = jd.jingfen(22, 2, 50).await.unwrap();
    assert_eq!(second.entries.len(), expected.len() - 50);
    // Past the end: code 202, read as an empty last page.
    assert!(jd.jingfen(22, 3, 50).await.unwrap().entries.is_empty());
    let entry = &first.entries[0];
    let item = &expected[0];
    assert_eq!(entry.product.item_id, item.id.to_string());
    assert_eq!(entry.product.price, Fen(item.price_fen));
    assert_eq!(entry.product.commission_rate, Bps(item.commission_bps));
    assert_eq!(entry.category.as_deref(), Some(feed::category(item).1));
    assert!(jd.jingfen(999, 1, 20).await.unwrap().entries.is_empty(), "an unknown eliteId lists nothing");
}

#[tokio::test]
async fn taobao_optimus_reads_percent_rates_number_coupons_and_millisecond_times() {
    let sim = sims_at(T0).await;
    let tb = affiliates(&sim).taobao.unwrap();
    let expected = listed_at(Platform::Taobao, 3756, T0);
    let page = tb.optimus(3756, 1, 100).await.unwrap();
    assert_eq!(page.total, Some(expected.len() as i64));
    assert_eq!(page.entries.len(), expected.len());
    for (entry, item) in page.entries.iter().zip(&expected) {
        assert_eq!(entry.product.item_id, item.id.to_string());
        assert_eq!(entry.product.price, Fen(item.price_fen));
        assert_eq!(entry.product.commission_rate, Bps(item.commission_bps), "% string → basis points");
        assert!(entry.short_title.as_deref().is_some_and(|s| !s.is_empty()));
        let remain = feed::coupon_remain(item, T0);
        if item.coupon_fen > 0 && remain > 0 {
            assert_eq!(
                entry.product.coupon,
                Some(Coupon {
                    amount: Fen(item.coupon_fen),
                    threshold: Fen(item.coupon_threshold_fen),
                    starts_at: Some(item.coupon_start),
                    ends_at: Some(item.coupon_end),
                })
            );
        } else {
            assert_eq!(entry.product.coupon, None, "no coupon, or none left");
        }
    }
    let err = tb.optimus(1, 1, 20).await.unwrap_err();
    assert!(matches!(err, AffiliateError::Rejected { .. } | AffiliateError::NotFound), "{err:?}");
}

fn refresh_settings() -> FeedsSettings {
    FeedsSettings {
        pages: 5,
        page_size: 20,
        pdd_channels: vec![1, 5],
        jd_elite_ids: vec![22],
        taobao_material_ids: vec![3756],
        ..FeedsSettings::default()
    }
}

async fn a_refresh_stores_each_item_once_and_updates_it_in_place(db: TestDb) {
    let store = db.store().await;
    let sim = sims_at(T0).await;
    let affiliates = affiliates(&sim);
    let clock = Clock::system();
    let settings = refresh_settings();
    let pdd = FeedRefresh::for_platform(&store, &affiliates, Platform::Pdd, &settings, &clock).unwrap();
    let report = pdd.run().await.unwrap();
    let distinct: HashSet<String> =
        [1u64, 5].iter().flat_map(|c| listed_at(Platform::Pdd, *c, T0)).map(|i| i.goods_sign).collect();
    assert!(report.failed_channels.is_empty());
    assert_eq!(report.items, distinct.len(), "channels overlap; each item counted once");
    assert_eq!(report.new, distinct.len());
    let all = FeedFilter { platforms: vec![Platform::Pdd], ..FeedFilter::default() };
    assert_eq!(store.count_feed_items(&all).await.unwrap(), distinct.len() as i64);

    // The same refresh again: nothing new, nothing duplicated.
    let again = pdd.run().await.unwrap();
    assert_eq!(again.new, 0);
    assert_eq!(store.count_feed_items(&all).await.unwrap(), distinct.len() as i64);

    // A day later prices and coupons moved: the rows follow, first_seen stays.
    let before = store.feed_items(&all, FeedSort::Recent, 1000, 0).await.unwrap();
    clock.advance_ms(86_400_000);
    let later = T0 + 86_400;
    sim.sims.pdd.set_now(Some(later));
    pdd.run().await.unwrap();
    let after = store.feed_items(&all, FeedSort::Recent, 1000, 0).await.unwrap();
    let mut checked = 0;
    for row in &after {
        let Some(old) = before.iter().find(|b| b.item.key == row.item.key) else { continue };
        assert_eq!(row.id, old.id);
        assert_eq!(row.first_seen_at, old.first_seen_at);
        let listed_now =
            [1u64, 5].iter().flat_map(|c| listed_at(Platform::Pdd, *c, later)).find(|i| i.goods_sign == row.item.key);
        if let Some(now_item) = listed_now {
            assert!(row.last_seen_at > old.last_seen_at);
            assert_eq!(row.item.price, Fen(now_item.price_fen), "the price the union reports now");
            checked += 1;
        } else {
            assert_eq!(row.last_seen_at, old.last_seen_at, "not listed today: the old snapshot stays");
        }
    }
    assert!(checked > 0);
    let moved = after.iter().any(|a| before.iter().any(|b| b.item.key == a.item.key && b.item.price != a.item.price));
    assert!(moved, "some prices changed over the day");

    // JD and Taobao land in the same table.
    for platform in [Platform::Jd, Platform::Taobao] {
        let r =
            FeedRefresh::for_platform(&store, &affiliates, platform, &settings, &clock).unwrap().run().await.unwrap();
        assert!(r.items > 0 && r.failed_channels.is_empty(), "{platform}: {r:?}");
        let only = FeedFilter { platforms: vec![platform], ..FeedFilter::default() };
        assert_eq!(store.count_feed_items(&only).await.unwrap(), r.items as i64);
    }
}

/// `[price after coupon, coupon, commission bp, sales]`.
fn item(key: &str, title: &str, shop: &str, category: &str, [final_fen, coupon_fen, bps, sales]: [i64; 4]) -> FeedItem {
    FeedItem {
        platform: if key.starts_with('j') { Platform::Jd } else { Platform::Pdd },
        key: key.into(),
        title: title.into(),
        short_title: None,
        image_url: None,
        price: Fen(final_fen + coupon_fen),
        final_price: Fen(final_fen),
        coupon: (coupon_fen > 0).then_some(Coupon {
            amount: Fen(coupon_fen),
            threshold: Fen(0),
            starts_at: Some(T0),
            ends_at: Some(T0 + 86_400),
        }),
        commission_rate: Bps(bps),
        commission: Fen(final_fen).apply_rate(Bps(bps)),
        sales,
        sales_text: None,
        shop: shop.into(),
        category: category.into(),
        source: "channel:5".into(),
    }
}

async fn the_filter_selects_by_every_condition(db: TestDb) {
    let store = db.store().await;
    let items = vec![
        item("p1", "加厚抽纸 24包", "维达旗舰店", "百货", [1990, 1000, 1500, 100_000]),
        item("p2", "不锈钢保温杯 500ml", "苏泊尔专卖店", "百货", [4990, 0, 2000, 300]),
        item("j3", "蓝牙耳机 降噪", "小米自营", "电器", [19_900, 3000, 500, 5_000]),
        item("j4", "坚果礼盒 100%_纯", "三只松鼠旗舰店", "食品", [8800, 500, 3000, 12_000]),
    ];
    assert_eq!(store.upsert_feed_items(&items, 1_000).await.unwrap(), 4);
    store.upsert_feed_items(&items[..1], 2_000).await.unwrap();
    let keys = |f: FeedFilter| {
        let store = store.clone();
        async move {
            let mut k: Vec<String> = store
                .feed_items(&f.bounded(), FeedSort::Recent, 100, 0)
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.item.key)
                .collect();
            k.sort();
            k
        }
    };
    let f = FeedFilter::default;
    assert_eq!(keys(f()).await, ["j3", "j4", "p1", "p2"]);
    assert_eq!(keys(FeedFilter { platforms: vec![Platform::Jd], ..f() }).await, ["j3", "j4"]);
    assert_eq!(
        keys(FeedFilter { min_price: Some(Fen(2000)), max_price: Some(Fen(10_000)), ..f() }).await,
        ["j4", "p2"]
    );
    assert_eq!(keys(FeedFilter { min_coupon: Some(Fen(1000)), ..f() }).await, ["j3", "p1"]);
    assert_eq!(keys(FeedFilter { min_commission_rate: Some(Bps(2000)), ..f() }).await, ["j4", "p2"]);
    // 19 900 × 5 % = 995 分; 8 800 × 30 % = 2 640 分; 1 990 × 15 % = 298 分; 4 990 × 20 % = 998 分
    assert_eq!(keys(FeedFilter { min_commission: Some(Fen(996)), ..f() }).await, ["j4", "p2"]);
    assert_eq!(keys(FeedFilter { min_sales: Some(5_000), ..f() }).await, ["j3", "j4", "p1"]);
    assert_eq!(keys(FeedFilter { categories: vec!["百货".into(), "食品".into()], ..f() }).await, ["j4", "p1", "p2"]);
    assert_eq!(keys(FeedFilter { keywords: vec!["保温".into(), "500ML".into()], ..f() }).await, ["p2"]);
    assert_eq!(keys(FeedFilter { exclude_keywords: vec!["耳机".into(), "抽纸".into()], ..f() }).await, ["j4", "p2"]);
    // LIKE wildcards in a keyword are plain characters.
    assert_eq!(keys(FeedFilter { keywords: vec!["100%_".into()], ..f() }).await, ["j4"]);
    assert!(keys(FeedFilter { keywords: vec!["%".into(), "_纯x".into()], ..f() }).await.is_empty());
    assert_eq!(
        keys(FeedFilter { exclude_shops: vec!["小米自营".into(), "维达旗舰店".into()], ..f() }).await,
        ["j4", "p2"]
    );
    assert_eq!(keys(FeedFilter { seen_since: Some(1_500), ..f() }).await, ["p1"]);
    let all = keys(FeedFilter {
        platforms: vec![Platform::Pdd],
        min_sales: Some(200),
        keywords: vec!["杯".into()],
        exclude_shops: vec!["维达旗舰店".into()],
        ..f()
    })
    .await;
    assert_eq!(all, ["p2"], "conditions combine");
    assert_eq!(store.count_feed_items(&FeedFilter { min_sales: Some(5_000), ..f() }).await.unwrap(), 3);
    let by_commission = store.feed_items(&f(), FeedSort::Commission, 2, 0).await.unwrap();
    assert_eq!(by_commission.iter().map(|s| s.item.key.as_str()).collect::<Vec<_>>(), ["j4", "p2"]);
    let cheapest = store.feed_items(&f(), FeedSort::Price, 1, 1).await.unwrap();
    assert_eq!(cheapest[0].item.key, "p2", "paging");
    assert_eq!(store.feed_categories().await.unwrap(), ["电器", "百货", "食品"]);
    let one = store.feed_item(by_commission[0].id).await.unwrap();
    assert_eq!(one, by_commission[0]);
    assert_eq!(one.item.coupon.as_ref().map(|c| c.amount), Some(Fen(500)));
}
