//! Order generation and `pdd.ddk.order.list.increment.get` (affiliates spec §1.5.7, checklist §5 items 4, 9).
//!
//! Orders come from conversions made through the simulator (same `p_id`, verbatim `custom_parameters`). Each
//! order's lifecycle is planned when it is made (0 已支付 → 1 已成团 → 2 确认收货 → 3 审核成功 → 5 已经结算, some
//! ending in 4 审核失败) and its state is a pure function of the simulator's clock, so advancing the clock moves
//! orders along and setting it back replays the same answers. Results list the latest-updated orders first: those
//! are the ones still moving, so while a client pages forward an order it already saw is updated again, leaves the
//! window and shifts every later order one place up, and the order at a page boundary is never seen. Paging
//! backwards (last page first, as PDD prescribes) only ever shifts orders it already has.

use super::State;
use super::wire::ApiError;
use crate::sim::text::pdd as text;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Longest `[start_update_time, end_update_time]` span.
const MAX_WINDOW_SECS: i64 = 24 * 3600;
/// How far back orders can be queried.
const MAX_AGE_SECS: i64 = 90 * 86_400;

/// A conversion made through the simulator, the seed of future orders.
pub struct ConversionRecord {
    pub pid: String,
    pub custom: Option<String>,
    pub goods_sign: String,
    /// The promotion URLs issued for it (where a buyer would pay through).
    pub links: Vec<String>,
}

pub struct Orders {
    /// Typical time between two lifecycle steps after 成团.
    pub stage_secs: i64,
    pub conversions: Vec<ConversionRecord>,
    next_conversion: usize,
    list: Vec<SimOrder>,
}

impl Default for Orders {
    fn default() -> Self {
        Orders { stage_secs: 3_600, conversions: Vec::new(), next_conversion: 0, list: Vec::new() }
    }
}

struct SimOrder {
    sn: String,
    order_id: String,
    group_id: u64,
    /// Emit `group_id` as a string (else as a number above 2^53): both forms occur.
    group_id_as_text: bool,
    goods_id: u64,
    goods_sign: String,
    goods_name: String,
    thumbnail: String,
    unit_price: i64,
    quantity: i64,
    rate_permille: i64,
    pid: String,
    custom: Option<String>,
    created: i64,
    paid: i64,
    group_success: i64,
    received: Option<i64>,
    verified: Option<i64>,
    settled: Option<i64>,
    /// (at, order_status), ascending.
    steps: Vec<(i64, i64)>,
}

impl SimOrder {
    /// The status and modification time at `now`; `None` before payment.
    fn at(&self, now: i64) -> Option<(i64, i64)> {
        self.steps.iter().rev().find(|(t, _)| *t <= now).map(|(t, s)| (*s, *t))
    }

    fn to_json(&self, now: i64, status: i64, modified: i64) -> Value {
        let reached = |t: Option<i64>| t.filter(|t| *t <= now).map_or(Value::Null, Value::from);
        let amount = self.unit_price * self.quantity;
        json!({
            "order_sn": self.sn,
            "order_id": self.order_id,
            "goods_id": self.goods_id,
            "goods_sign": self.goods_sign,
            "goods_name": self.goods_name,
            "goods_thumbnail_url": self.thumbnail,
            "goods_price": self.unit_price,
            "goods_quantity": self.quantity,
            "order_amount": amount,
            "promotion_rate": self.rate_permille,
            "promotion_amount": amount * self.rate_permille / 1000,
            "p_id": self.pid,
            "custom_parameters": self.custom.clone().unwrap_or_default(),
            "order_status": status,
            "order_status_desc": text::order_status_desc(status),
            "order_create_time": self.created,
            "order_pay_time": self.paid,
            "order_group_success_time": reached(Some(self.group_success)),
            "order_receive_time": reached(self.received),
            "order_verify_time": reached(self.verified),
            "order_settle_time": reached(self.settled),
            "order_modify_at": modified,
            "group_id": if self.group_id_as_text { Value::from(self.group_id.to_string()) } else { Value::from(self.group_id) },
            "type": 0,
            "auth_duo_id": 0,
            "zs_duo_id": Value::Null,
            "batch_no": "",
            "fail_reason": if status == 4 { text::REVIEW_FAILED } else { "" },
        })
    }
}

fn word(d: &[u8; 32], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[i * 8..i * 8 + 8]);
    u64::from_le_bytes(b)
}

impl State {
    /// Makes `count` orders from the recorded conversions (round robin), paid at even steps over the last
    /// `spread_secs` (the last one now). Returns their `order_sn`s; none when nothing was converted yet.
    pub fn generate_orders(&mut self, count: usize, spread_secs: i64) -> Vec<String> {
        let now = self.now();
        let mut made = Vec::with_capacity(count);
        if self.orders.conversions.is_empty() || count == 0 {
            return made;
        }
        for i in 0..count {
            let idx = self.orders.next_conversion % self.orders.conversions.len();
            self.orders.next_conversion += 1;
            let paid = now - spread_secs.max(0) + spread_secs.max(0) * (i as i64 + 1) / count as i64;
            if let Some(sn) = self.make_order(idx, paid, false) {
                made.push(sn);
            }
        }
        made
    }

    /// A buyer paid now, on purpose (the playground's 下单), through a promotion link found in `text`: one order
    /// of that conversion that goes all the way to 已经结算. Returns its `order_sn`.
    pub fn buy(&mut self, text: &str) -> Option<String> {
        let idx = self.orders.conversions.iter().position(|c| c.links.iter().any(|l| text.contains(l.as_str())))?;
        let now = self.now();
        self.make_order(idx, now, true)
    }

    /// One order of conversion `idx`, paid at `paid`; `sure` orders always settle, others sometimes fail.
    fn make_order(&mut self, idx: usize, paid: i64, sure: bool) -> Option<String> {
        let stage = self.orders.stage_secs.max(1);
        let (pid, custom, sign) = {
            let c = self.orders.conversions.get(idx)?;
            (c.pid.clone(), c.custom.clone(), c.goods_sign.clone())
        };
        let item = self.item_by_sign(&sign)?;
        let d = self.next_digest("order");
        let step = |k: usize| stage * (100 + i64::from(d[k] % 100)) / 100;
        let created = paid - 5 - i64::from(d[0] % 55);
        let group_success = paid + 10 + i64::from(d[1] % 250);
        let receive_at = group_success + step(2);
        let verify_at = receive_at + step(3);
        let settle_at = verify_at + step(4);
        let mut steps = vec![(paid, 0), (group_success, 1)];
        let fate = if sure { 99 } else { d[5] % 100 };
        let (received, verified, settled) = match fate {
            // refused before receipt (refund / risk control)
            0..=5 => {
                steps.push((receive_at, 4));
                (None, Some(receive_at), None)
            }
            // received, then refused at verification
            6..=11 => {
                steps.extend([(receive_at, 2), (verify_at, 4)]);
                (Some(receive_at), Some(verify_at), None)
            }
            _ => {
                steps.extend([(receive_at, 2), (verify_at, 3), (settle_at, 5)]);
                (Some(receive_at), Some(verify_at), Some(settle_at))
            }
        };
        let final_price = item.final_price_fen();
        let sn = format!("{}-{:015}", super::yymmdd(created), word(&d, 1) % 1_000_000_000_000_000);
        let order = SimOrder {
            order_id: format!("{}", 100_000_000_000_000_000 + word(&d, 2) % 800_000_000_000_000_000),
            group_id: 600_000_000_000_000_000 + word(&d, 3) % 100_000_000_000_000_000,
            group_id_as_text: d[6] % 2 == 1,
            goods_id: item.id,
            goods_sign: item.goods_sign.clone(),
            goods_name: item.title.clone(),
            thumbnail: format!("{}{}", self.cdn_base, item.image_path),
            unit_price: final_price,
            quantity: if d[7] < 200 { 1 } else { 2 + i64::from(d[7] % 2) },
            rate_permille: item.commission_bps / 10,
            pid,
            custom,
            created,
            paid,
            group_success,
            received,
            verified,
            settled,
            steps,
            sn: sn.clone(),
        };
        self.orders.list.push(order);
        Some(sn)
    }

    /// Rewrites an order's future: from `at` (unix seconds) on it is in `status` (0–5, 10), whatever was planned.
    /// False for an unknown `order_sn`, an unknown status or a time before the order was paid.
    pub fn set_order_status(&mut self, order_sn: &str, status: i64, at: i64) -> bool {
        let Some(o) = self.orders.list.iter_mut().find(|o| o.sn == order_sn) else { return false };
        if !matches!(status, 0..=5 | 10) || at < o.paid {
            return false;
        }
        o.steps.retain(|(t, _)| *t < at);
        o.steps.push((at, status));
        let keep = |t: Option<i64>| t.filter(|t| *t < at);
        o.received = if status == 2 { Some(at) } else { keep(o.received) };
        o.verified = if matches!(status, 3 | 4) { Some(at) } else { keep(o.verified) };
        o.settled = if status == 5 { Some(at) } else { keep(o.settled) };
        true
    }

    /// `pdd.ddk.order.list.increment.get`.
    pub fn order_list(&self, p: &BTreeMap<String, String>) -> Result<Value, ApiError> {
        let now = self.now();
        let int = |name: &str| -> Result<Option<i64>, ApiError> {
            p.get(name).map(|v| v.parse::<i64>().map_err(|_| ApiError::param(name))).transpose()
        };
        let start = int("start_update_time")?.ok_or_else(|| ApiError::param("start_update_time"))?;
        let end = int("end_update_time")?.ok_or_else(|| ApiError::param("end_update_time"))?;
        let page = int("page")?.unwrap_or(1);
        let page_size = int("page_size")?.unwrap_or(100);
        let return_count = p.get("return_count").is_none_or(|v| v != "false");
        if end < start {
            return Err(ApiError::param("end_update_time"));
        }
        if end - start > MAX_WINDOW_SECS {
            return Err(ApiError::window());
        }
        if start < now - MAX_AGE_SECS {
            return Err(ApiError::param("start_update_time"));
        }
        if !(1..=10_000).contains(&page) {
            return Err(ApiError::param("page"));
        }
        if !(10..=100).contains(&page_size) {
            return Err(ApiError::param("page_size"));
        }
        let mut hits: Vec<(i64, &SimOrder, i64)> = self
            .orders
            .list
            .iter()
            .filter_map(|o| o.at(now).map(|(status, modified)| (modified, o, status)))
            .filter(|(modified, _, _)| (start..=end).contains(modified))
            .collect();
        hits.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.sn.cmp(&b.1.sn)));
        let total = hits.len();
        let skip = usize::try_from((page - 1) * page_size).unwrap_or(usize::MAX);
        let list: Vec<Value> = hits
            .into_iter()
            .skip(skip)
            .take(page_size as usize)
            .map(|(modified, o, status)| o.to_json(now, status, modified))
            .collect();
        let mut body = json!({ "order_list": list });
        if return_count {
            body["total_count"] = json!(total);
        }
        Ok(body)
    }
}
