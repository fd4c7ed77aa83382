//! Orders as every union reports them, in one shape: [`SyncedOrder`].
//!
//! Each platform's order record (PDD `order_list`, JD `order.row.query` rows, Taobao `publisher_order_dto`) is
//! mapped here into 分, basis points, unix seconds and the common [`Lifecycle`] of the affiliates spec §4.2. The raw
//! status code and the raw record are kept next to the mapped values.

use super::gmt8;
use super::jd::OrderRow as JdRow;
use super::pdd::PddOrder;
use super::taobao::OrderRow as TaobaoRow;
use crate::money::{Bps, Fen};
use crate::order::Lifecycle;
use crate::platform::Platform;

/// One order (or order line) as reported by a union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedOrder {
    pub platform: Platform,
    /// Primary key: PDD `order_sn`, JD row `id`, Taobao `trade_id`.
    pub order_key: String,
    /// The order a line belongs to: JD `orderId`, Taobao `trade_parent_id`.
    pub parent_key: Option<String>,
    /// PDD `goods_sign` (else `goods_id`), JD `skuId`, Taobao `item_id`.
    pub item_id: String,
    pub item_title: String,
    pub paid_amount: Fen,
    /// The platform's estimate of our commission.
    pub estimated_commission: Fen,
    /// The settled commission; zero until settled.
    pub settled_commission: Fen,
    pub rate: Bps,
    /// The status code exactly as sent (`order_status`, `validCode`, `tk_status`).
    pub raw_status: String,
    pub lifecycle: Lifecycle,
    /// Group attribution: PDD `p_id`, JD `positionId`, Taobao `adzone_id`.
    pub pid: String,
    /// Member attribution as sent: PDD `custom_parameters.uid`, JD `subUnionId`, Taobao `relation:<id>` /
    /// `special:<id>`.
    pub member_tag: Option<String>,
    /// Unix seconds.
    pub ordered_at: Option<i64>,
    pub paid_at: Option<i64>,
    pub settled_at: Option<i64>,
    /// The platform's update time, unix seconds (the sync windows are over this).
    pub modified_at: i64,
    /// The record exactly as received.
    pub raw: String,
}

impl SyncedOrder {
    /// The commission the ledger distributes: the estimate until settled, then the settled value.
    pub fn commission(&self) -> Fen {
        if self.lifecycle == Lifecycle::Settled { self.settled_commission } else { self.estimated_commission }
    }
}

/// PDD `order_status` → lifecycle (spec §1.5.7).
pub fn pdd_lifecycle(status: i64) -> Lifecycle {
    match status {
        -1 => Lifecycle::Unpaid,
        0 | 1 => Lifecycle::Paid,
        2 => Lifecycle::Received,
        3 => Lifecycle::Verified,
        5 => Lifecycle::Settled,
        4 | 8 | 10 => Lifecycle::Invalid,
        _ => Lifecycle::Unknown,
    }
}

/// JD `validCode` → lifecycle (spec §2.5.4). 17 is settled once `payMonth` is set and not after `today`.
pub fn jd_lifecycle(valid_code: i64, pay_month: Option<time::Date>, today: time::Date) -> Lifecycle {
    match valid_code {
        15 => Lifecycle::Unpaid,
        16 | 24 => Lifecycle::Paid,
        17 if pay_month.is_some_and(|d| d <= today) => Lifecycle::Settled,
        17 => Lifecycle::Received,
        2..=9 | 11 | 13 | 14 | 19..=23 | 25..=30 => Lifecycle::Invalid,
        _ => Lifecycle::Unknown,
    }
}

/// Taobao `tk_status` → lifecycle (spec §3.6.6).
pub fn taobao_lifecycle(tk_status: i64) -> Lifecycle {
    match tk_status {
        11 => Lifecycle::Unpaid,
        12 => Lifecycle::Paid,
        14 => Lifecycle::Received,
        3 => Lifecycle::Settled,
        13 => Lifecycle::Invalid,
        _ => Lifecycle::Unknown,
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

impl From<PddOrder> for SyncedOrder {
    fn from(o: PddOrder) -> Self {
        let lifecycle = pdd_lifecycle(o.status);
        let member_tag = o.member();
        SyncedOrder {
            platform: Platform::Pdd,
            item_id: o.goods_sign.clone().or_else(|| o.goods_id.clone()).unwrap_or_default(),
            item_title: o.goods_name,
            paid_amount: o.order_amount,
            estimated_commission: o.promotion_amount,
            settled_commission: if lifecycle == Lifecycle::Settled { o.promotion_amount } else { Fen(0) },
            rate: o.promotion_rate,
            raw_status: o.status.to_string(),
            lifecycle,
            pid: o.pid,
            member_tag,
            ordered_at: o.created_at,
            paid_at: o.paid_at,
            settled_at: o.settled_at,
            modified_at: o.modified_at.or(o.paid_at).or(o.created_at).unwrap_or_default(),
            parent_key: non_empty(o.order_id),
            order_key: o.order_sn,
            raw: o.raw,
        }
    }
}

impl SyncedOrder {
    /// A JD order row as of unix second `now` (which decides whether its `payMonth` has passed).
    pub fn from_jd(r: JdRow, now: i64) -> Self {
        let lifecycle = jd_lifecycle(r.valid_code, r.pay_month, gmt8::date(now));
        let settled_at = match lifecycle {
            Lifecycle::Settled => {
                r.pay_month.map(|d| d.midnight().assume_offset(gmt8::OFFSET).unix_timestamp()).or(r.finish_time)
            }
            _ => None,
        };
        SyncedOrder {
            platform: Platform::Jd,
            order_key: r.id,
            parent_key: Some(r.order_id),
            item_id: r.sku_id,
            item_title: r.sku_name,
            paid_amount: r.estimate_cos_price,
            estimated_commission: r.estimate_fee,
            settled_commission: if lifecycle == Lifecycle::Settled { r.actual_fee } else { Fen(0) },
            rate: r.commission_rate,
            raw_status: r.valid_code.to_string(),
            lifecycle,
            pid: r.position_id,
            member_tag: non_empty(r.sub_union_id),
            ordered_at: r.order_time,
            paid_at: r.order_time,
            settled_at,
            modified_at: r.modify_time.or(r.order_time).unwrap_or_default(),
            raw: r.raw.to_string(),
        }
    }
}

impl From<TaobaoRow> for SyncedOrder {
    fn from(r: TaobaoRow) -> Self {
        let lifecycle = taobao_lifecycle(r.tk_status);
        let member_tag = non_empty(r.relation_id.clone())
            .map(|id| format!("relation:{id}"))
            .or_else(|| non_empty(r.special_id.clone()).map(|id| format!("special:{id}")));
        SyncedOrder {
            platform: Platform::Taobao,
            order_key: r.trade_id,
            parent_key: non_empty(Some(r.trade_parent_id)),
            item_id: r.item_id,
            item_title: r.item_title,
            paid_amount: r.alipay_total_price,
            estimated_commission: r.pub_share_pre_fee,
            settled_commission: if lifecycle == Lifecycle::Settled { r.pub_share_fee } else { Fen(0) },
            rate: r.total_commission_rate,
            raw_status: r.tk_status.to_string(),
            lifecycle,
            pid: r.adzone_id,
            member_tag,
            ordered_at: r.tk_create_time,
            paid_at: r.tk_paid_time,
            settled_at: r.tk_earning_time,
            modified_at: r.modified_time.or(r.tk_paid_time).or(r.tk_create_time).unwrap_or_default(),
            raw: r.raw.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    #[test]
    fn pdd_statuses_map_per_the_spec_table() {
        use Lifecycle::*;
        let table = [(-1, Unpaid), (0, Paid), (1, Paid), (2, Received), (3, Verified), (4, Invalid), (5, Settled)];
        for (code, state) in table {
            assert_eq!(pdd_lifecycle(code), state, "order_status {code}");
        }
        assert_eq!(pdd_lifecycle(8), Invalid);
        assert_eq!(pdd_lifecycle(10), Invalid);
        assert_eq!(pdd_lifecycle(7), Unknown);
    }

    #[test]
    fn jd_finished_rows_settle_only_once_pay_month_has_passed() {
        use Lifecycle::*;
        let today = time::Date::from_calendar_date(2024, Month::March, 1).unwrap();
        let past = time::Date::from_calendar_date(2024, Month::February, 20).ok();
        let future = time::Date::from_calendar_date(2024, Month::March, 20).ok();
        assert_eq!(jd_lifecycle(17, None, today), Received);
        assert_eq!(jd_lifecycle(17, future, today), Received);
        assert_eq!(jd_lifecycle(17, past, today), Settled);
        assert_eq!(jd_lifecycle(15, None, today), Unpaid);
        assert_eq!(jd_lifecycle(16, None, today), Paid);
        assert_eq!(jd_lifecycle(24, None, today), Paid);
        for code in [2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 14, 19, 20, 21, 22, 23, 25, 26, 27, 28, 29, 30] {
            assert_eq!(jd_lifecycle(code, None, today), Invalid, "validCode {code}");
        }
        for code in [-1, 1, 10, 12, 18, 31] {
            assert_eq!(jd_lifecycle(code, None, today), Unknown, "validCode {code}");
        }
    }

    #[test]
    fn taobao_statuses_map_per_the_spec_table() {
        use Lifecycle::*;
        for (code, state) in [(11, Unpaid), (12, Paid), (13, Invalid), (14, Received), (3, Settled), (99, Unknown)] {
            assert_eq!(taobao_lifecycle(code), state, "tk_status {code}");
        }
    }

    #[test]
    fn dates_are_taken_in_gmt8() {
        // 2024-01-31 16:30 UTC is 2024-02-01 00:30 in Beijing.
        assert_eq!(gmt8::date(1_706_718_600), time::Date::from_calendar_date(2024, Month::February, 1).unwrap());
    }
}
