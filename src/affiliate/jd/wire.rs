//! JOS wire format: envelopes in both spellings, error codes, and the goods and order records in JD units
//! (float 元, float %, `yyyy-MM-dd HH:mm:ss` GMT+8, coupon times in ms) turned into ours.

use super::OrderRow;
use crate::affiliate::{AffiliateError, Coupon, Product, gmt8, text};
use crate::money::{Bps, Fen};
use crate::platform::Platform;
use serde_json::{Map, Value};
use time::macros::format_description;

/// Business codes meaning "this app may not call this method" (bysubunionid.get then falls back to common.get).
pub const NO_PERMISSION: [&str; 3] = ["403", "2001403", "2002403"];

/// The `…Result` object of a successful call (inner code 200), from either envelope:
/// the wire form `{"<m>_responce":{"code":"0","<x>Result":"<JSON text>"}}` or the doc form
/// `{"<m>_response":{"<x>Result":{…}}}`, with numeric or string codes.
pub fn parse_envelope(method: &str, body: &str) -> Result<Map<String, Value>, AffiliateError> {
    let top: Value = serde_json::from_str(body)
        .map_err(|e| AffiliateError::Decode(format!("{method}: response is not JSON ({e})")))?;
    if let Some(err) = top.get("error_response") {
        return Err(gateway_error(err));
    }
    let base = method.replace('.', "_");
    let outer = top
        .get(format!("{base}_responce"))
        .or_else(|| top.get(format!("{base}_response")))
        .and_then(Value::as_object)
        .ok_or_else(|| AffiliateError::Decode(format!("{method}: no `{base}_responce` envelope")))?;
    if let Some(code) = outer.get("code").and_then(scalar_string)
        && code != "0"
    {
        return Err(gateway_error(&Value::Object(outer.clone())));
    }
    let result_key = format!("{}Result", method.rsplit('.').next().unwrap_or_default());
    let result = outer
        .get(&result_key)
        .or_else(|| outer.get("result"))
        .ok_or_else(|| AffiliateError::Decode(format!("{method}: no `{result_key}`")))?;
    let result = match result {
        Value::String(text) => serde_json::from_str::<Value>(text)
            .map_err(|e| AffiliateError::Decode(format!("{method}: `{result_key}` is not JSON ({e})")))?,
        other => other.clone(),
    };
    let Value::Object(result) = result else {
        return Err(AffiliateError::Decode(format!("{method}: `{result_key}` is not an object")));
    };
    match result.get("code").and_then(scalar_string).as_deref() {
        Some("200") => Ok(result),
        Some(code) => {
            let msg = ["errorMessage", "message"]
                .iter()
                .find_map(|k| result.get(*k).and_then(Value::as_str))
                .unwrap_or_default();
            Err(business_error(code, msg))
        }
        None => Err(AffiliateError::Decode(format!("{method}: `{result_key}` has no code"))),
    }
}

/// Gateway-level errors (`error_response`, string codes): 12 bad sign, 15 unknown method, 19 token.
fn gateway_error(err: &Value) -> AffiliateError {
    let code = err.get("code").and_then(scalar_string).unwrap_or_default();
    let msg =
        ["zh_desc", "en_desc", "msg"].iter().find_map(|k| err.get(*k).and_then(Value::as_str)).unwrap_or_default();
    match code.as_str() {
        "19" => AffiliateError::TokenExpired,
        // Missing system parameter, bad sign, unknown app key, timestamp out of range.
        "11" | "12" | "13" | "16" => AffiliateError::Misconfigured { code, msg: msg.to_string() },
        _ => AffiliateError::Rejected { code, msg: msg.to_string() },
    }
}

/// Business codes inside `…Result` (spec §2.4).
pub fn business_error(code: &str, msg: &str) -> AffiliateError {
    match code {
        "2001609" => AffiliateError::RateLimited { retry_after: None },
        "2002408" | "2002500" => AffiliateError::Unavailable { code: code.into(), msg: msg.into() },
        // JD answers an unusable material with a parameter error; only the message tells which kind.
        _ if msg.contains(text::JD_NOT_PROMOTED) => AffiliateError::NoCommission,
        _ if msg.contains(text::JD_MATERIAL) && text::JD_INVALID.iter().any(|w| msg.contains(w)) => {
            AffiliateError::NotFound
        }
        _ => AffiliateError::Rejected { code: code.into(), msg: msg.into() },
    }
}

/// A `goods.query` record as a [`Product`].
pub fn product(v: &Value) -> Result<Product, AffiliateError> {
    let bad = |what: &str| AffiliateError::Decode(format!("jd goods: {what}"));
    let item_id = v.get("skuId").and_then(scalar_string).ok_or_else(|| bad("no skuId"))?;
    let title = v.get("skuName").and_then(Value::as_str).ok_or_else(|| bad("no skuName"))?.to_string();
    let price_info = v.get("priceInfo").ok_or_else(|| bad("no priceInfo"))?;
    let price = yuan(price_info.get("price")).ok_or_else(|| bad("bad priceInfo.price"))?;
    let coupons = v.pointer("/couponInfo/couponList").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let best = coupons.iter().find(|c| c.get("isBest").and_then(scalar_string).as_deref() == Some("1"));
    let coupon = match best.or(coupons.first()) {
        Some(c) => Some(Coupon {
            amount: yuan(c.get("discount")).ok_or_else(|| bad("bad coupon discount"))?,
            threshold: yuan(c.get("quota")).unwrap_or(Fen::ZERO),
            starts_at: millis(c.get("useStartTime")),
            ends_at: millis(c.get("useEndTime")),
        }),
        None => None,
    };
    let final_price = match (&coupon, yuan(price_info.get("lowestCouponPrice"))) {
        (Some(_), Some(p)) => p,
        (Some(c), None) if price >= c.threshold => price.saturating_sub(c.amount).max(Fen::ZERO),
        _ => price,
    };
    let rate = v
        .pointer("/commissionInfo/commissionShare")
        .and_then(|r| Bps::from_percent_json(r).ok())
        .ok_or_else(|| bad("bad commissionInfo.commissionShare"))?;
    Ok(Product {
        platform: Platform::Jd,
        item_id,
        title,
        image_url: v.pointer("/imageInfo/imageList/0/url").and_then(Value::as_str).map(str::to_string),
        shop_name: v.pointer("/shopInfo/shopName").and_then(Value::as_str).map(str::to_string),
        sales: int(v, "inOrderCount30Days"),
        sales_text: None,
        price,
        coupon,
        final_price,
        commission_rate: rate,
        estimated_commission: estimated_commission(final_price, rate),
    })
}

/// Our share of JD's commission (`finalRate`): JD keeps 10 % as its service fee (affiliates spec §2.5.4: "estimateFee
/// = 54.0 × 5 % × 90 % = 2.43").
const FINAL_RATE_BPS: i128 = 9_000;

/// What an order of one piece at `final_price` earns us: `price × commissionShare × finalRate`, truncated once,
/// the way JD computes `estimateFee`.
pub fn estimated_commission(final_price: Fen, rate: Bps) -> Fen {
    let fee = i128::from(final_price.0) * i128::from(rate.0) * FINAL_RATE_BPS / 100_000_000;
    Fen(i64::try_from(fee).unwrap_or(i64::MAX))
}

/// An `order.row.query` record.
pub fn order_row(v: &Value) -> Result<OrderRow, AffiliateError> {
    let bad = |what: &str| AffiliateError::Decode(format!("jd order row: {what}"));
    let id_of = |k: &str| v.get(k).and_then(scalar_string).ok_or_else(|| bad(&format!("no {k}")));
    let money = |k: &str| match v.get(k) {
        None | Some(Value::Null) => Ok(Fen::ZERO),
        Some(x) => Fen::from_yuan_json(x).map_err(|_| bad(&format!("bad {k}"))),
    };
    let rate = |k: &str| match v.get(k) {
        None | Some(Value::Null) => Ok(Bps(0)),
        Some(x) => Bps::from_percent_json(x).map_err(|_| bad(&format!("bad {k}"))),
    };
    let time_of = |k: &str| v.get(k).and_then(Value::as_str).and_then(gmt8::parse);
    let pay_month = match v.get("payMonth").and_then(scalar_string).as_deref() {
        None | Some("0" | "") => None,
        Some(p) => Some(parse_pay_month(p).ok_or_else(|| bad("bad payMonth"))?),
    };
    Ok(OrderRow {
        id: id_of("id")?,
        order_id: id_of("orderId")?,
        parent_id: v.get("parentId").and_then(scalar_string).unwrap_or_else(|| "0".into()),
        sku_id: id_of("skuId")?,
        sku_name: v.get("skuName").and_then(Value::as_str).unwrap_or_default().to_string(),
        sku_num: int(v, "skuNum").unwrap_or(0),
        sku_return_num: int(v, "skuReturnNum").unwrap_or(0),
        price: money("price")?,
        commission_rate: rate("commissionRate")?,
        final_rate: rate("finalRate")?,
        estimate_cos_price: money("estimateCosPrice")?,
        estimate_fee: money("estimateFee")?,
        actual_cos_price: money("actualCosPrice")?,
        actual_fee: money("actualFee")?,
        valid_code: int(v, "validCode").unwrap_or(-1),
        position_id: v.get("positionId").and_then(scalar_string).unwrap_or_default(),
        site_id: v.get("siteId").and_then(scalar_string).unwrap_or_default(),
        sub_union_id: v.get("subUnionId").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string),
        order_time: time_of("orderTime"),
        finish_time: time_of("finishTime"),
        modify_time: time_of("modifyTime"),
        pay_month,
        raw: v.clone(),
    })
}

/// A string or number as exact text (ids above 2^53 stay exact: serde_json keeps integers as integers).
pub fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An integer sent as a number or a string.
fn int(v: &Value, k: &str) -> Option<i64> {
    v.get(k).and_then(scalar_string).and_then(|s| s.parse().ok())
}

fn yuan(v: Option<&Value>) -> Option<Fen> {
    v.and_then(|x| Fen::from_yuan_json(x).ok())
}

fn millis(v: Option<&Value>) -> Option<i64> {
    v.and_then(|x| x.as_i64().or_else(|| x.as_str().and_then(|s| s.parse().ok())))
        .filter(|ms| *ms > 0)
        .map(|ms| ms / 1000)
}

fn parse_pay_month(s: &str) -> Option<time::Date> {
    time::Date::parse(s, format_description!("[year][month][day]")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const METHOD: &str = "jd.union.open.promotion.bysubunionid.get";

    #[test]
    fn wire_form_with_a_string_result_parses() {
        let body = r#"{"jd_union_open_promotion_bysubunionid_get_responce":{"code":"0","getResult":"{\"code\":200,\"data\":{\"clickURL\":\"https://union-click.jd.com/jdc?e=&p=XXXXXXXX\",\"shortURL\":\"https://u.jd.com/Ab12Cd3\"},\"message\":\"success\",\"requestId\":\"o_0b126c7d_l531g96m_4147537\"}"}}"#;
        let r = parse_envelope(METHOD, body).unwrap();
        assert_eq!(r["data"]["shortURL"], "https://u.jd.com/Ab12Cd3");
    }

    #[test]
    fn doc_form_with_an_object_and_string_code_parses() {
        let body = r##"{"jd_union_open_promotion_bysubunionid_get_response":{"getResult":{"code":"200","data":{"clickURL":"https://union-click.jd.com/jdc?e=XXXXXX p=XXXXXXXXXXX","weChatShortLink":"#小程序://京小街/****","jShortCommand":"短口令","shortURL":"https://u.jd.com/XXXXX","jCommand":"6.0复制整段话 http://JhT7V5wlKygHDK京口令内容#J6UFE5iMn***"},"message":"success"}}}"##;
        let r = parse_envelope(METHOD, body).unwrap();
        assert_eq!(r["data"]["shortURL"], "https://u.jd.com/XXXXX");
    }

    #[test]
    fn errors_map_to_their_retry_class() {
        let e = parse_envelope(METHOD, r#"{"error_response":{"code":"12","zh_desc":"无效签名"}}"#).unwrap_err();
        assert!(matches!(e, AffiliateError::Misconfigured { ref code, .. } if code == "12"), "{e:?}");
        let e = parse_envelope(METHOD, r#"{"error_response":{"code":"19","zh_desc":"x"}}"#).unwrap_err();
        assert!(matches!(e, AffiliateError::TokenExpired));
        let doc_err = r#"{"jd_union_open_promotion_bysubunionid_get_response":{"getResult":{"code":"2001906","errorMessage":"优惠券已过期","errorSolution":"更换优惠券链接"}}}"#;
        let e = parse_envelope(METHOD, doc_err).unwrap_err();
        assert!(
            matches!(e, AffiliateError::Rejected { ref code, ref msg } if code == "2001906" && msg == "优惠券已过期")
        );
        let wire = |code: u32, msg: &str| {
            let inner = serde_json::json!({"code": code, "message": msg}).to_string();
            serde_json::json!({"jd_union_open_promotion_bysubunionid_get_responce": {"code": "0", "getResult": inner}})
                .to_string()
        };
        assert!(matches!(parse_envelope(METHOD, &wire(2001609, "服务降级")), Err(AffiliateError::RateLimited { .. })));
        for code in [2002408, 2002500] {
            let e = parse_envelope(METHOD, &wire(code, "x")).unwrap_err();
            assert_eq!(e.retry_class(), crate::affiliate::RetryClass::Backoff);
        }
        assert!(matches!(
            parse_envelope(METHOD, &wire(2001212, "该商品不在推广中")),
            Err(AffiliateError::NoCommission)
        ));
        assert!(matches!(
            parse_envelope(METHOD, &wire(2001212, "物料链接不合法或商品不存在")),
            Err(AffiliateError::NotFound)
        ));
        assert!(matches!(parse_envelope(METHOD, "<html>"), Err(AffiliateError::Decode(_))));
        assert!(matches!(parse_envelope(METHOD, r#"{"other_responce":{}}"#), Err(AffiliateError::Decode(_))));
        let bad_inner = r#"{"jd_union_open_promotion_bysubunionid_get_responce":{"code":"0","getResult":"{oops"}}"#;
        assert!(matches!(parse_envelope(METHOD, bad_inner), Err(AffiliateError::Decode(_))));
    }

    #[test]
    fn the_doc_order_row_converts_exactly() {
        let row: Value = serde_json::from_str(r#"{"id":"415900297816660001","orderId":108618000005,"parentId":0,"orderTime":"2020-01-02 15:50:16","finishTime":"2020-01-03 15:59:16","modifyTime":"2020-01-02 16:01:03","orderEmt":2,"plus":0,"unionId":1000618618,"skuId":44303679033,"skuName":"…","skuNum":1,"skuReturnNum":0,"skuFrozenNum":0,"price":69.0,"commissionRate":5.0,"subSideRate":90.0,"subsidyRate":0.0,"finalRate":90.0,"estimateCosPrice":54.0,"estimateFee":2.43,"actualCosPrice":0.0,"actualFee":0.0,"validCode":16,"traceType":2,"positionId":0,"siteId":61866,"pid":"618_618_618","subUnionId":"331967","unionTag":"00000000000000000000000000000001","popId":709982,"ext1":"hello_world","payMonth":"0","cpActId":0,"unionRole":1,"giftCouponOcsAmount":0,"balanceExt":"","expressStatus":10}"#).unwrap();
        let r = order_row(&row).unwrap();
        assert_eq!(r.id, "415900297816660001");
        assert_eq!(r.order_id, "108618000005");
        assert_eq!(r.price, Fen(6900));
        assert_eq!(r.commission_rate, Bps(500));
        assert_eq!(r.final_rate, Bps(9000));
        assert_eq!(r.estimate_cos_price, Fen(5400));
        assert_eq!(r.estimate_fee, Fen(243));
        assert_eq!(r.valid_code, 16);
        assert_eq!(r.sub_union_id.as_deref(), Some("331967"));
        assert_eq!(r.pay_month, None);
        assert_eq!(r.order_time, Some(1_577_951_416));
        assert_eq!(r.raw, row);

        let mut settled = row.clone();
        settled["payMonth"] = Value::from(20200220);
        settled["id"] = serde_json::from_str("280000000000010011").unwrap();
        let r = order_row(&settled).unwrap();
        assert_eq!(r.pay_month, time::Date::from_calendar_date(2020, time::Month::February, 20).ok());
        assert_eq!(r.id, "280000000000010011");
        settled["price"] = Value::from("abc");
        assert!(order_row(&settled).is_err());
    }
}
