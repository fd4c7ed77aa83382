//! Pinduoduo response records (affiliates spec §1.5) and their conversion into our units (分, basis points).

use super::wire::{flag, opt_i64, opt_id};
use crate::affiliate::feed::FeedEntry;
use crate::affiliate::{AffiliateError, Coupon, Product};
use crate::config::Secret;
use crate::money::{Bps, Fen};
use crate::platform::Platform;
use serde::Deserialize;
use serde_json::value::RawValue;

/// One goods record of `goods.detail` / `goods.search`: money in 分, rates in ‰.
#[derive(Debug, Deserialize)]
pub(super) struct GoodsRecord {
    #[serde(default)]
    goods_sign: String,
    #[serde(default)]
    goods_name: String,
    #[serde(default)]
    goods_image_url: Option<String>,
    #[serde(default)]
    goods_thumbnail_url: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    min_group_price: Option<i64>,
    #[serde(default, deserialize_with = "flag")]
    has_coupon: bool,
    #[serde(default, deserialize_with = "opt_i64")]
    coupon_discount: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    coupon_min_order_amount: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    coupon_start_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    coupon_end_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    promotion_rate: Option<i64>,
    #[serde(default)]
    sales_tip: Option<String>,
    #[serde(default)]
    mall_name: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    coupon_remain_quantity: Option<i64>,
    #[serde(default)]
    opt_name: Option<String>,
}

impl GoodsRecord {
    /// The record as a feed entry (feeds spec §0.1): category = `opt_name`.
    pub(super) fn into_feed_entry(mut self) -> Result<FeedEntry, AffiliateError> {
        let category = self.opt_name.take().filter(|s| !s.is_empty());
        Ok(FeedEntry { product: self.into_product()?, short_title: None, category })
    }

    /// Price = `min_group_price`; the coupon applies when the price reaches its threshold (spec §1.5.3).
    pub(super) fn into_product(self) -> Result<Product, AffiliateError> {
        if self.goods_sign.is_empty() {
            return Err(AffiliateError::Decode("goods record without goods_sign".into()));
        }
        let price =
            Fen(self.min_group_price.ok_or_else(|| AffiliateError::Decode("missing min_group_price".into()))?);
        // A coupon is there only with a face value and an end (the zero-coupon quirk, feeds spec §1.3) and while
        // some are left.
        let coupon = match (self.has_coupon, self.coupon_discount) {
            _ if self.coupon_remain_quantity == Some(0) || self.coupon_end_time == Some(0) => None,
            (true, Some(amount)) if amount > 0 => {
                let threshold = Fen(self.coupon_min_order_amount.unwrap_or(0));
                (price >= threshold).then_some(Coupon {
                    amount: Fen(amount),
                    threshold,
                    starts_at: self.coupon_start_time,
                    ends_at: self.coupon_end_time,
                })
            }
            _ => None,
        };
        let final_price = match &coupon {
            Some(c) => price.saturating_sub(c.amount).max(Fen::ZERO),
            None => price,
        };
        // A record without the rate says nothing about the commission: never read it as "no commission".
        let rate =
            self.promotion_rate.ok_or_else(|| AffiliateError::Decode("pdd goods without promotion_rate".into()))?;
        let commission_rate = Bps::from_permille(rate);
        let sales = self.sales_tip.as_deref().and_then(|s| s.parse::<i64>().ok());
        Ok(Product {
            platform: Platform::Pdd,
            item_id: self.goods_sign,
            title: self.goods_name,
            image_url: self.goods_image_url.or(self.goods_thumbnail_url).filter(|u| !u.is_empty()),
            shop_name: self.mall_name.filter(|s| !s.is_empty()),
            sales,
            sales_text: self.sales_tip.filter(|s| !s.is_empty()),
            price,
            coupon,
            final_price,
            commission_rate,
            estimated_commission: final_price.apply_rate(commission_rate),
        })
    }
}

/// One page of `goods.search`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub items: Vec<Product>,
    pub total: i64,
    /// Echo this when asking for the next page.
    pub list_id: Option<String>,
}

/// A 推广位 (PID).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PidInfo {
    #[serde(rename = "p_id")]
    pub pid: String,
    #[serde(rename = "pid_name", default)]
    pub name: String,
    /// Unix seconds.
    #[serde(rename = "create_time", default, deserialize_with = "opt_i64")]
    pub created_at: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub media_id: Option<i64>,
    /// 0 normal, 1 banned (query only).
    #[serde(default, deserialize_with = "opt_i64")]
    pub status: Option<i64>,
}

/// One page of `goods.pid.query`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PidPage {
    pub pids: Vec<PidInfo>,
    pub total: i64,
}

/// One promotion order of `order.list.increment.get`, money in 分 and the raw status code kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PddOrder {
    /// Primary key, `yyMMdd-<15 digits>`.
    pub order_sn: String,
    pub order_id: Option<String>,
    pub goods_id: Option<String>,
    pub goods_sign: Option<String>,
    pub goods_name: String,
    pub goods_thumbnail_url: Option<String>,
    /// Unit price.
    pub goods_price: Fen,
    pub goods_quantity: i64,
    /// Amount paid.
    pub order_amount: Fen,
    pub promotion_rate: Bps,
    /// Commission (estimated until settled).
    pub promotion_amount: Fen,
    pub pid: String,
    /// As returned, verbatim (`{"uid":"…"}`, a legacy plain string, or empty).
    pub custom_parameters: Option<String>,
    /// Raw `order_status` (-1, 0–5, 8, 10; see spec §1.5.7).
    pub status: i64,
    pub status_desc: Option<String>,
    pub group_id: Option<String>,
    /// Unix seconds; `None` until reached.
    pub created_at: Option<i64>,
    pub paid_at: Option<i64>,
    pub group_success_at: Option<i64>,
    pub received_at: Option<i64>,
    pub verified_at: Option<i64>,
    pub settled_at: Option<i64>,
    pub modified_at: Option<i64>,
    /// The order object exactly as the platform sent it.
    pub raw: String,
}

impl PddOrder {
    /// The attribution tag from `custom_parameters`: `uid`, joined with `sid` when present (`m42_c17`).
    pub fn member(&self) -> Option<String> {
        let text = self.custom_parameters.as_deref()?;
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let uid = v.get("uid")?.as_str().filter(|s| !s.is_empty())?;
        match v.get("sid").and_then(serde_json::Value::as_str).filter(|s| !s.is_empty()) {
            Some(sid) => Some(format!("{uid}_{sid}")),
            None => Some(uid.to_string()),
        }
    }

    pub(super) fn from_raw(raw: &RawValue) -> Result<PddOrder, AffiliateError> {
        let r: OrderRecord =
            serde_json::from_str(raw.get()).map_err(|e| AffiliateError::Decode(format!("order record: {e}")))?;
        let order_sn = r.order_sn.ok_or_else(|| AffiliateError::Decode("order without order_sn".into()))?;
        Ok(PddOrder {
            order_sn,
            order_id: r.order_id,
            goods_id: r.goods_id,
            goods_sign: r.goods_sign.filter(|s| !s.is_empty()),
            goods_name: r.goods_name.unwrap_or_default(),
            goods_thumbnail_url: r.goods_thumbnail_url.filter(|s| !s.is_empty()),
            goods_price: Fen(r.goods_price.unwrap_or(0)),
            goods_quantity: r.goods_quantity.unwrap_or(1),
            order_amount: Fen(r.order_amount.unwrap_or(0)),
            promotion_rate: Bps::from_permille(r.promotion_rate.unwrap_or(0)),
            promotion_amount: Fen(r.promotion_amount.unwrap_or(0)),
            pid: r.p_id.unwrap_or_default(),
            custom_parameters: r.custom_parameters.filter(|s| !s.is_empty()),
            status: r.order_status.ok_or_else(|| AffiliateError::Decode("order without order_status".into()))?,
            status_desc: r.order_status_desc,
            group_id: r.group_id,
            created_at: r.order_create_time,
            paid_at: r.order_pay_time,
            group_success_at: r.order_group_success_time,
            received_at: r.order_receive_time,
            verified_at: r.order_verify_time,
            settled_at: r.order_settle_time,
            modified_at: r.order_modify_at,
            raw: raw.get().to_string(),
        })
    }
}

#[derive(Deserialize)]
struct OrderRecord {
    #[serde(default)]
    order_sn: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    order_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    goods_id: Option<String>,
    #[serde(default)]
    goods_sign: Option<String>,
    #[serde(default)]
    goods_name: Option<String>,
    #[serde(default)]
    goods_thumbnail_url: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    goods_price: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    goods_quantity: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    order_amount: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    promotion_rate: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    promotion_amount: Option<i64>,
    #[serde(default)]
    p_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    custom_parameters: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    order_status: Option<i64>,
    #[serde(default)]
    order_status_desc: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    group_id: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    order_create_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    order_pay_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    order_group_success_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    order_receive_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    order_verify_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    order_settle_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    order_modify_at: Option<i64>,
}

/// One page of `order.list.increment.get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPage {
    pub orders: Vec<PddOrder>,
    /// Present when asked for with `return_count`.
    pub total: Option<i64>,
}

/// OAuth tokens of a 多多客 authorization (`pdd.pop.auth.token.create` / `.refresh`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PddTokens {
    pub access_token: Secret,
    pub refresh_token: Secret,
    /// Unix seconds.
    pub expires_at: i64,
    /// Unix seconds.
    pub refresh_token_expires_at: i64,
    pub owner_id: String,
    pub owner_name: String,
}

#[derive(Deserialize)]
pub(super) struct TokenRecord {
    pub access_token: String,
    pub refresh_token: String,
    #[serde(default, deserialize_with = "opt_i64")]
    pub expires_at: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub expires_in: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub refresh_token_expires_at: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub refresh_token_expires_in: Option<i64>,
    #[serde(default, deserialize_with = "opt_id")]
    pub owner_id: Option<String>,
    #[serde(default)]
    pub owner_name: Option<String>,
}

impl TokenRecord {
    /// Prefers the absolute `*_expires_at`; falls back to `now + *_expires_in`.
    pub(super) fn into_tokens(self, now: i64) -> Result<PddTokens, AffiliateError> {
        let expires_at = self
            .expires_at
            .or(self.expires_in.map(|s| now + s))
            .ok_or_else(|| AffiliateError::Decode("token without expiry".into()))?;
        let refresh_token_expires_at =
            self.refresh_token_expires_at.or(self.refresh_token_expires_in.map(|s| now + s)).unwrap_or(expires_at);
        if self.access_token.is_empty() {
            return Err(AffiliateError::Decode("empty access_token".into()));
        }
        Ok(PddTokens {
            access_token: Secret::new(self.access_token),
            refresh_token: Secret::new(self.refresh_token),
            expires_at,
            refresh_token_expires_at,
            owner_id: self.owner_id.unwrap_or_default(),
            owner_name: self.owner_name.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> GoodsRecord {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn detail_shape_becomes_a_product_in_fen_and_bps() {
        let r = record(
            r#"{"goods_sign":"Y9X2o23Pb-lfwWc1wvfZk0N5-QNj-R7b_JlrlXGK3D","goods_name":"蜂蜜","goods_thumbnail_url":"https://img.pddpic.com/t.jpg","goods_image_url":"https://img.pddpic.com/i.jpg","min_group_price":1290,"min_normal_price":1590,"has_coupon":true,"coupon_discount":300,"coupon_min_order_amount":1000,"coupon_start_time":1700000000,"coupon_end_time":1700600000,"promotion_rate":100,"sales_tip":"10万+","mall_name":"某旗舰店"}"#,
        );
        let p = r.into_product().unwrap();
        assert_eq!(p.price, Fen(1290));
        assert_eq!(p.coupon.as_ref().map(|c| c.amount), Some(Fen(300)));
        assert_eq!(p.final_price, Fen(990));
        assert_eq!(p.commission_rate, Bps(1000));
        assert_eq!(p.estimated_commission, Fen(99));
        assert_eq!(p.sales, None);
        assert_eq!(p.sales_text.as_deref(), Some("10万+"));
        assert_eq!(p.image_url.as_deref(), Some("https://img.pddpic.com/i.jpg"));
    }

    #[test]
    fn coupon_below_threshold_does_not_apply() {
        let r = record(
            r#"{"goods_sign":"abc","goods_name":"x","min_group_price":900,"has_coupon":true,"coupon_discount":300,"coupon_min_order_amount":1000,"promotion_rate":200,"sales_tip":"1234"}"#,
        );
        let p = r.into_product().unwrap();
        assert_eq!(p.coupon, None);
        assert_eq!(p.final_price, Fen(900));
        assert_eq!(p.estimated_commission, Fen(180));
        assert_eq!(p.sales, Some(1234));
    }

    #[test]
    fn wire_order_capture_parses_with_exact_ids_and_raw_text() {
        let text = r#"{"match_channel":8,"goods_price":3432,"promotion_rate":200,"verify_time":null,"type":15,"order_status":1,"order_create_time":1546916976,"order_settle_time":null,"order_verify_time":null,"order_group_success_time":1546918421,"order_amount":3432,"order_modify_at":1546918427,"auth_duo_id":20002,"goods_name":"蜂蜜天然农家自产野生土蜂蜜原蜜百花蜜洋槐蜜枣花蜜结晶蜜二斤装","batch_no":"","goods_quantity":1,"goods_id":4789941332,"goods_thumbnail_url":"http://t00img.yangkeduo.com/goods/images/2018-12-08/00000000000000000000000000000000.jpeg","order_receive_time":null,"custom_parameters":"-1","promotion_amount":686,"order_pay_time":1546917019,"group_id":633374476636970000,"duo_coupon_amount":0,"order_status_desc":"已成团","order_sn":"190108-374476636970002","p_id":"240009_44622411","zs_duo_id":null}"#;
        let raw: Box<RawValue> = serde_json::from_str(text).unwrap();
        let o = PddOrder::from_raw(&raw).unwrap();
        assert_eq!(o.order_sn, "190108-374476636970002");
        assert_eq!(o.group_id.as_deref(), Some("633374476636970000"));
        assert_eq!(o.goods_id.as_deref(), Some("4789941332"));
        assert_eq!(o.promotion_amount, Fen(686));
        assert_eq!(o.promotion_rate, Bps(2000));
        assert_eq!(o.status, 1);
        assert_eq!(o.received_at, None);
        assert_eq!(o.custom_parameters.as_deref(), Some("-1"));
        assert_eq!(o.member(), None);
        assert_eq!(o.raw, text);
    }
}
