//! Order rows generated from the conversions made through the simulator.
//!
//! Every conversion becomes one order a few minutes later, carrying the conversion's positionId, siteId and
//! subUnionId. The order is paid (validCode 16) at once; two in ten are cancelled (3) within hours, the rest are
//! finished (17) one to three days later with `payMonth` (the settlement date, see [`Settlement`]) and `actualFee`
//! set. On the settlement date JD updates the row again (`modifyTime`), so an update-time query returns it once
//! more. A buyer who pays through a link on purpose ([`Click::bought`], the playground's 下单) makes an order paid
//! at that moment that is finished a day later.
//! A row is computed for a given instant of the simulator's clock, so advancing the clock moves orders along.

use crate::platform::Platform;
use crate::sim::catalog;
use crate::sim::support::{date_gmt8, format_gmt8, hash64, percent_number, yuan_number};
use serde_json::{Value, json};

/// The union account the simulated app belongs to.
pub const UNION_ID: u64 = 1_000_618_618;

/// One conversion made through the simulator.
#[derive(Debug, Clone)]
pub struct Click {
    pub seq: u64,
    /// Simulator clock, unix seconds.
    pub at: i64,
    pub sku: u64,
    pub position_id: u64,
    pub site_id: u64,
    pub sub_union_id: Option<String>,
    /// A buyer paid through the link at `at`: the order is placed then and never cancelled.
    pub bought: bool,
}

/// When finished orders settle (`payMonth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// The 20th of the month after completion, as JD pays out.
    Monthly,
    /// This many days after completion (a faster world for the demo).
    AfterDays(u32),
}

/// An order row as of some instant.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: u64,
    pub order_time: i64,
    pub finish_time: Option<i64>,
    pub modify_time: i64,
    pub json: Value,
}

enum Fate {
    Cancelled(i64),
    Finished(i64),
}

/// The order of `click` as seen at `now`, or `None` before it is placed.
pub fn row_at(click: &Click, now: i64, cdn_base: &str, settlement: Settlement) -> Option<Row> {
    let h = hash64(&[b"jd-order", &click.seq.to_le_bytes()]);
    let order_time = if click.bought { click.at } else { click.at + 60 + (h % 540) as i64 };
    if now < order_time {
        return None;
    }
    let fate = if click.bought {
        Fate::Finished(order_time + 86_400)
    } else if (h >> 20) % 10 < 2 {
        Fate::Cancelled(order_time + 3600 * (1 + ((h >> 28) % 6) as i64))
    } else {
        Fate::Finished(order_time + 86_400 * (1 + ((h >> 28) % 3) as i64))
    };
    let (valid_code, finish_time, modify_time) = match fate {
        Fate::Cancelled(t) if now >= t => (3, None, t),
        Fate::Finished(t) if now >= t => {
            let settled = pay_date(t, settlement).and_then(midnight_gmt8).filter(|s| now >= *s);
            (17, Some(t), settled.unwrap_or(t).max(t))
        }
        _ => (16, None, order_time),
    };

    let item = catalog::item_by_id(Platform::Jd, click.sku);
    let num = 1 + ((h >> 12) % 2) as i64;
    let cos = item.final_price_fen() * num;
    // commissionRate % × finalRate 90 %, truncated to 分.
    let estimate_fee = cos * item.commission_bps * 9_000 / 100_000_000;
    let (actual_cos, actual_fee) = if valid_code == 17 { (cos, estimate_fee) } else { (0, 0) };
    let pay_month = finish_time
        .and_then(|t| pay_date(t, settlement))
        .map_or_else(|| "0".to_string(), |d| format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day()));

    let order_id = 28_000_000_000_000_000 + click.seq * 1_000 + h % 1_000;
    let id = order_id * 10 + 1;
    // Ids above 2^53, alternately as JSON numbers and strings: clients must keep them exact.
    let id_json = if click.seq.is_multiple_of(2) { json!(id.to_string()) } else { json!(id) };
    let mut json = json!({
        "id": id_json,
        "orderId": order_id,
        "parentId": 0,
        "orderTime": format_gmt8(order_time),
        "finishTime": finish_time.map(format_gmt8).unwrap_or_default(),
        "modifyTime": format_gmt8(modify_time),
        "orderEmt": 2,
        "plus": 0,
        "unionId": UNION_ID,
        "skuId": item.id,
        "skuName": item.title,
        "skuNum": num,
        "skuReturnNum": 0,
        "skuFrozenNum": 0,
        "price": yuan_number(item.price_fen),
        "commissionRate": percent_number(item.commission_bps),
        "subSideRate": 90.0,
        "subsidyRate": 0.0,
        "finalRate": 90.0,
        "estimateCosPrice": yuan_number(cos),
        "estimateFee": yuan_number(estimate_fee),
        "actualCosPrice": yuan_number(actual_cos),
        "actualFee": yuan_number(actual_fee),
        "validCode": valid_code,
    });
    let more = json!({
        "traceType": 2,
        "positionId": click.position_id,
        "siteId": click.site_id,
        "unionAlias": "",
        "pid": "",
        "cid1": 1_316,
        "cid2": 1_381,
        "cid3": 1_389,
        "subUnionId": click.sub_union_id.clone().unwrap_or_default(),
        "unionTag": "00000000000000000000000000000000",
        "popId": 709_982,
        "ext1": "",
        "payMonth": pay_month,
        "cpActId": 0,
        "unionRole": 1,
        "giftCouponOcsAmount": 0,
        "giftCouponKey": "",
        "balanceExt": "",
        "sign": "",
        "proPriceAmount": 0,
        "rid": 0,
        "expressStatus": if valid_code == 17 { 20 } else { 10 },
        "channelId": 0,
        "goodsInfo": {
            "imageUrl": format!("{cdn_base}{}", item.image_path),
            "owner": "g",
            "mainSkuId": item.id,
            "productId": item.id,
            "shopName": item.shop,
            "shopId": 1_000_000 + item.id % 1_000_000,
        },
    });
    if let (Value::Object(a), Value::Object(b)) = (&mut json, more) {
        a.extend(b);
    }
    Some(Row { id, order_time, finish_time, modify_time, json })
}

/// The settlement date of an order finished at `finished` (GMT+8).
fn pay_date(finished: i64, settlement: Settlement) -> Option<time::Date> {
    let d = date_gmt8(finished)?;
    match settlement {
        Settlement::Monthly => {
            let (y, m) = if d.month() == time::Month::December {
                (d.year() + 1, time::Month::January)
            } else {
                (d.year(), d.month().next())
            };
            time::Date::from_calendar_date(y, m, 20).ok()
        }
        Settlement::AfterDays(n) => d.checked_add(time::Duration::days(i64::from(n))),
    }
}

/// Unix seconds of 00:00 GMT+8 on `d`.
fn midnight_gmt8(d: time::Date) -> Option<i64> {
    let gmt8 = time::UtcOffset::from_hms(8, 0, 0).ok()?;
    Some(d.midnight().assume_offset(gmt8).unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(seq: u64) -> Click {
        Click {
            seq,
            at: 1_704_081_600,
            sku: 100_012_043_978,
            position_id: 3_100_000_001,
            site_id: 0,
            sub_union_id: None,
            bought: false,
        }
    }

    #[test]
    fn orders_move_from_paid_to_finished_or_cancelled() {
        let mut finished = 0;
        let mut cancelled = 0;
        for seq in 0..40 {
            let c = click(seq);
            assert!(row_at(&c, c.at, "http://cdn", Settlement::Monthly).is_none());
            let paid = row_at(&c, c.at + 600, "http://cdn", Settlement::Monthly).unwrap();
            assert_eq!(paid.json["validCode"], 16);
            assert_eq!(paid.json["payMonth"], "0");
            let later = row_at(&c, c.at + 5 * 86_400, "http://cdn", Settlement::Monthly).unwrap();
            match later.json["validCode"].as_i64() {
                Some(17) => {
                    finished += 1;
                    assert!(later.json["payMonth"].as_str().unwrap().ends_with("20"));
                    assert_eq!(later.json["actualFee"], later.json["estimateFee"]);
                    assert!(later.modify_time > paid.modify_time);
                }
                Some(3) => cancelled += 1,
                other => panic!("unexpected validCode {other:?}"),
            }
        }
        assert!(finished > 20 && cancelled > 0, "{finished} finished, {cancelled} cancelled");
    }

    #[test]
    fn pay_month_rolls_over_the_year() {
        let date = |y, m, d| time::Date::from_calendar_date(y, m, d).ok();
        // 2024-12-31 12:00 +08:00
        assert_eq!(pay_date(1_735_617_600, Settlement::Monthly), date(2025, time::Month::January, 20));
        assert_eq!(pay_date(1_704_081_600, Settlement::Monthly), date(2024, time::Month::February, 20));
        assert_eq!(pay_date(1_735_617_600, Settlement::AfterDays(7)), date(2025, time::Month::January, 7));
    }

    #[test]
    fn a_bought_order_is_paid_at_once_finished_a_day_later_and_updated_again_when_it_settles() {
        let c = Click { bought: true, ..click(7) };
        let week = Settlement::AfterDays(7);
        let paid = row_at(&c, c.at, "http://cdn", week).unwrap();
        assert_eq!((paid.json["validCode"].as_i64(), paid.order_time), (Some(16), c.at));
        let finished = row_at(&c, c.at + 86_400, "http://cdn", week).unwrap();
        assert_eq!(finished.json["validCode"], 17);
        assert_eq!(finished.modify_time, c.at + 86_400);
        // 2024-01-02 12:00 finished → settles 2024-01-09 00:00 (+08:00).
        let settles = midnight_gmt8(time::Date::from_calendar_date(2024, time::Month::January, 9).unwrap()).unwrap();
        assert_eq!(finished.json["payMonth"], "20240109");
        assert_eq!(row_at(&c, settles - 1, "http://cdn", week).unwrap().modify_time, c.at + 86_400);
        let settled = row_at(&c, settles, "http://cdn", week).unwrap();
        assert_eq!(settled.modify_time, settles);
        assert_eq!(settled.json["actualFee"], settled.json["estimateFee"]);
    }
}
