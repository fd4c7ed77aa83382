//! Orders generated from the conversions made through the simulator.
//!
//! Every conversion becomes one paid order (tk_status 12) a few minutes later, carrying the conversion's adzone_id,
//! site_id, relation_id and special_id. Two in ten are closed (13) within hours; the rest are received (14) one to
//! three days later and settled (3) a day after that, with `pub_share_fee` and `tk_earning_time` filled. One in ten
//! carries a dispute (`refund_tag` 1). Empty times are `"--"`, as on the wire. A buyer who pays through a link on
//! purpose ([`Click::bought`], the playground's 下单) makes an order paid at that moment, received a day later and
//! settled the day after.

use crate::platform::Platform;
use crate::sim::catalog;
use crate::sim::support::{format_gmt8, hash64, percent_string, yuan_string};
use crate::sim::text::taobao as text;
use serde_json::{Value, json};

/// The publisher (member) id of the simulated account: the first number of its PIDs.
pub const PUB_ID: u64 = 128_572_012;

/// One conversion made through the simulator.
#[derive(Debug, Clone)]
pub struct Click {
    pub seq: u64,
    /// Simulator clock, unix seconds.
    pub at: i64,
    pub item_id: u64,
    pub adzone_id: u64,
    pub site_id: u64,
    pub relation_id: Option<u64>,
    pub special_id: Option<u64>,
    /// A buyer paid through the link at `at`: the order is paid then and never closed.
    pub bought: bool,
}

/// An order as of some instant.
#[derive(Debug, Clone)]
pub struct Row {
    pub trade_id: u64,
    pub tk_status: i64,
    pub created: i64,
    pub paid: i64,
    pub earned: Option<i64>,
    pub modified: i64,
    pub json: Value,
}

/// The order of `click` as seen at `now`, or `None` before it is paid.
pub fn row_at(click: &Click, now: i64, app_key: &str, cdn_base: &str) -> Option<Row> {
    let h = hash64(&[b"tb-order", &click.seq.to_le_bytes()]);
    let (created, paid) = if click.bought {
        (click.at - 10, click.at)
    } else {
        let created = click.at + 60 + (h % 540) as i64;
        (created, created + 10 + ((h >> 8) % 110) as i64)
    };
    if now < paid {
        return None;
    }
    let fate = if click.bought { 9 } else { (h >> 20) % 10 };
    let closed_at = (fate < 2).then(|| paid + 3600 * (2 + ((h >> 28) % 6) as i64));
    let received_at = paid + 86_400 * if click.bought { 1 } else { 1 + ((h >> 28) % 3) as i64 };
    let settled_at = received_at + 86_400;
    let (tk_status, earned, modified) = match closed_at {
        Some(t) if now >= t => (13, None, t),
        Some(_) => (12, None, paid),
        None if now >= settled_at => (3, Some(settled_at), settled_at),
        None if now >= received_at => (14, None, received_at),
        None => (12, None, paid),
    };
    let refund_tag = i64::from(fate == 2 && tk_status != 12);

    let item = catalog::item_by_id(Platform::Taobao, click.item_id);
    let num = 1 + ((h >> 12) % 2) as i64;
    let paid_total = item.final_price_fen() * num;
    let pre_fee = paid_total * item.commission_bps / 10_000;
    let settled_fee = if tk_status == 3 { pre_fee } else { 0 };
    let rate = percent_string(item.commission_bps);
    let trade_id = 2_000_000_000_000_000_000 + click.seq * 1_000 + h % 1_000;
    // Ids above 2^53 in both JSON forms, alternating: clients must accept either.
    let (trade_json, item_json) = if click.seq.is_multiple_of(2) {
        (json!(trade_id.to_string()), json!(item.id))
    } else {
        (json!(trade_id), json!(item.id.to_string()))
    };
    let tmall = item.id.is_multiple_of(2);
    let mut json = json!({
        "trade_id": trade_json,
        "trade_parent_id": trade_id.to_string(),
        "item_id": item_json,
        "item_title": item.title,
        "item_img": format!("{cdn_base}{}", item.image_path),
        "item_num": num,
        "item_price": yuan_string(item.price_fen),
        "item_link": format!("http://item.taobao.com/item.htm?id={}", item.id),
        "item_category_name": text::CATEGORY_NAME,
        "alipay_total_price": yuan_string(paid_total),
        "pay_price": yuan_string(paid_total),
        "pub_share_pre_fee": yuan_string(pre_fee),
        "pub_share_fee": yuan_string(settled_fee),
        "total_commission_rate": rate,
        "total_commission_fee": yuan_string(settled_fee),
        "tk_total_rate": rate,
        "income_rate": rate,
        "pub_share_rate": "100.00",
        "alimama_rate": "0.00",
        "alimama_share_fee": "0.00",
        "subsidy_rate": "0.00",
        "subsidy_fee": "0.00",
        "subsidy_type": "--",
        "tk_status": tk_status,
        "refund_tag": refund_tag,
    });
    let more = json!({
        "tk_create_time": format_gmt8(created),
        "tk_paid_time": format_gmt8(paid),
        "tb_paid_time": format_gmt8(paid - 10),
        "tk_earning_time": earned.map_or_else(|| "--".to_string(), format_gmt8),
        "click_time": format_gmt8(click.at),
        "modified_time": format_gmt8(modified),
        "tk_deposit_time": "--",
        "tb_deposit_time": "--",
        "deposit_price": "0.00",
        "adzone_id": click.adzone_id,
        "adzone_name": text::ADZONE_NAME,
        "site_id": click.site_id,
        "site_name": "dealbot",
        "pub_id": PUB_ID,
        "tk_order_role": 2,
        "order_type": if tmall { text::ORDER_TYPE_TMALL } else { text::ORDER_TYPE_TAOBAO },
        "flow_source": "--",
        "terminal_type": text::TERMINAL_WIRELESS,
        "seller_nick": item.shop,
        "seller_shop_title": item.shop,
        "app_key": app_key,
    });
    if let (Value::Object(a), Value::Object(b)) = (&mut json, more) {
        a.extend(b);
        if let Some(r) = click.relation_id {
            a.insert("relation_id".into(), json!(r));
        }
        if let Some(s) = click.special_id {
            a.insert("special_id".into(), json!(s));
        }
    }
    Some(Row { trade_id, tk_status, created, paid, earned, modified, json })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_go_paid_received_settled_or_closed() {
        let mut seen = std::collections::HashSet::new();
        for seq in 0..40 {
            let c = Click {
                seq,
                at: 1_735_689_600,
                item_id: 712_345_678_901,
                adzone_id: 111_067_000_033,
                site_id: 2_181_300_208,
                relation_id: Some(2_145_841_445),
                special_id: None,
                bought: false,
            };
            assert!(row_at(&c, c.at, "k", "http://cdn").is_none());
            let paid = row_at(&c, c.at + 900, "k", "http://cdn").unwrap();
            assert_eq!(paid.tk_status, 12);
            assert_eq!(paid.json["tk_earning_time"], "--");
            assert_eq!(paid.json["pub_share_fee"], "0.00");
            let mut last = paid.modified;
            for days in [1, 2, 3, 4, 5] {
                let r = row_at(&c, c.at + days * 86_400, "k", "http://cdn").unwrap();
                assert!(r.modified >= last);
                last = r.modified;
                seen.insert(r.tk_status);
                if r.tk_status == 3 {
                    assert_eq!(r.json["pub_share_fee"], r.json["pub_share_pre_fee"]);
                    assert_ne!(r.json["tk_earning_time"], "--");
                }
            }
            assert_eq!(paid.json["relation_id"], 2_145_841_445u64);
        }
        assert!(seen.contains(&13) && seen.contains(&14) && seen.contains(&3), "{seen:?}");
    }
}
