//! Item lookups shared across members: one goods detail per item however many members convert it.

use super::tests::{pdd_ref, start};
use super::*;
use crate::affiliate::Affiliates;
use crate::sim::SimCredentials;

const LINK: &str = "https://mobile.yangkeduo.com/goods.html?goods_id=386512047723";
const UNIT_URL: &str = "pdd.ddk.goods.zs.unit.url.gen";
const PID: &str = "23456789_301234567";

fn member(n: usize) -> Attribution {
    Attribution { member: Some(format!("m{n}")), ..Attribution::pid_only(PID) }
}

#[tokio::test]
async fn thirty_members_converting_one_item_make_thirty_conversions_and_one_item_lookup() {
    let h = start(&SimCredentials::default()).await;
    let client = h.client();
    let r = pdd_ref(RefKind::Url, "386512047723", Some(LINK));
    for n in 0..32 {
        h.sim.authorize_member(PID, &format!("m{n}"));
    }
    // Ten one after the other, then twenty at once (concurrent lookups share one call).
    let mut links = Vec::new();
    for n in 0..10 {
        links.push(client.convert(&r, &member(n)).await.unwrap().promotion.url);
    }
    let at_once = futures::future::join_all((10..30).map(|n| {
        let (client, r) = (client.clone(), r.clone());
        async move { client.convert(&r, &member(n)).await.unwrap().promotion.url }
    }))
    .await;
    links.extend(at_once);
    assert_eq!(h.sim.calls(UNIT_URL), 30, "one conversion per member");
    assert_eq!(h.sim.calls("pdd.ddk.goods.detail"), 1, "one item lookup");
    let distinct: std::collections::HashSet<_> = links.iter().collect();
    assert_eq!(distinct.len(), 30, "each member's own link");

    // Pre-send validation always asks the union, and the conversions that follow show what it read.
    let affiliates = Affiliates::new(Some(client.clone()), None, None, std::time::Duration::from_secs(600));
    let item = crate::sim::catalog::item_for_key(Platform::Pdd, "386512047723");
    assert!(affiliates.recheck(Platform::Pdd, &item.goods_sign).await.unwrap().is_some());
    assert_eq!(h.sim.calls("pdd.ddk.goods.detail"), 2, "the validation asked");
    client.convert(&r, &member(31)).await.unwrap();
    assert_eq!(h.sim.calls("pdd.ddk.goods.detail"), 2, "the conversion after it did not");
}
