//! TOP wire format: the non-simplified envelope, error codes, and item, search and order records in Taobao units
//! (元 strings, ‱ strings in search, % strings in orders, `"--"` for empty, ids as numbers or strings).

use super::OrderRow;
use crate::affiliate::feed::FeedEntry;
use crate::affiliate::{AffiliateError, Coupon, Product, gmt8, text};
use crate::links;
use crate::money::{Bps, Fen};
use crate::platform::Platform;
use regex::Regex;
use serde_json::{Map, Value};
use std::sync::LazyLock;
use std::time::Duration;
use time::macros::format_description;
use time::{Date, PrimitiveDateTime, Time};

/// The object inside `<method without "taobao.", dots → underscores>_response`, or the mapped `error_response`.
pub fn parse_response(method: &str, body: &str) -> Result<Map<String, Value>, AffiliateError> {
    let top: Value = serde_json::from_str(body)
        .map_err(|e| AffiliateError::Decode(format!("{method}: response is not JSON ({e})")))?;
    if let Some(err) = top.get("error_response") {
        return Err(top_error(err));
    }
    let key = format!("{}_response", method.strip_prefix("taobao.").unwrap_or(method).replace('.', "_"));
    match top.get(&key) {
        Some(Value::Object(m)) => Ok(m.clone()),
        _ => Err(AffiliateError::Decode(format!("{method}: no `{key}`"))),
    }
}

/// `error_response{code, msg, sub_code, sub_msg}` → our error (spec §3.4).
pub fn top_error(err: &Value) -> AffiliateError {
    let code = err.get("code").and_then(scalar_string).unwrap_or_default();
    let msg = err.get("msg").and_then(Value::as_str).unwrap_or_default();
    let sub_code = err.get("sub_code").and_then(scalar_string).unwrap_or_default();
    let sub_msg = err.get("sub_msg").and_then(Value::as_str).unwrap_or_default();
    match code.as_str() {
        // App / session / partner call limits.
        "7" | "8" | "9" => {
            AffiliateError::RateLimited { retry_after: ban_duration(sub_msg).or_else(|| ban_duration(msg)) }
        }
        "1" | "10" => AffiliateError::Unavailable { code, msg: msg.into() },
        "26" | "27" => AffiliateError::TokenExpired,
        // Invalid signature, app key, timestamp.
        "25" | "29" | "31" => AffiliateError::Misconfigured { code, msg: msg.into() },
        "15" if sub_code.starts_with("isp.") => AffiliateError::Unavailable { code: sub_code, msg: sub_msg.into() },
        "15" => material_error(&sub_code, sub_msg),
        _ => {
            let msg = if sub_msg.is_empty() { msg.to_string() } else { format!("{msg}: {sub_msg}") };
            AffiliateError::Rejected { code, msg }
        }
    }
}

/// A business refusal (`sub_code`/`sub_msg` of code 15, or the per-material `code`/`msg` of link.convert).
pub fn material_error(code: &str, msg: &str) -> AffiliateError {
    if code == "30001" || msg.contains(text::TAOBAO_NOT_FOUND) {
        AffiliateError::NotFound
    } else if text::TAOBAO_NO_COMMISSION.iter().any(|w| msg.contains(w)) {
        AffiliateError::NoCommission
    } else {
        AffiliateError::Rejected { code: code.into(), msg: msg.into() }
    }
}

/// `This ban will last for N more seconds` → N s.
fn ban_duration(text: &str) -> Option<Duration> {
    let rest = &text[text.find("will last for ")? + "will last for ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().map(Duration::from_secs)
}

/// The elements of a TOP list, whether wrapped (`{"map_data":[…]}`) or bare; empty when absent.
pub fn list<'a>(v: Option<&'a Value>, wrapper: &str) -> &'a [Value] {
    match v {
        Some(Value::Array(a)) => a,
        Some(Value::Object(o)) => o.get(wrapper).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default(),
        _ => &[],
    }
}

/// A string or number as exact text; `"--"` and `""` are empty.
pub fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.is_empty() || s == "--" => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn field(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(scalar_string)
}

/// A 元 amount; absent or `"--"` is `None`, garbage is an error.
fn yuan(v: &Value, k: &str) -> Result<Option<Fen>, AffiliateError> {
    match field(v, k) {
        None => Ok(None),
        Some(s) => {
            Fen::from_yuan_str(&s).map(Some).map_err(|_| AffiliateError::Decode(format!("taobao: bad {k} `{s}`")))
        }
    }
}

/// Scheme-less picture URLs (`//img.alicdn.com/…`) get https.
fn picture(v: &Value, k: &str) -> Option<String> {
    field(v, k).map(|u| if u.starts_with("//") { format!("https:{u}") } else { u })
}

/// `满299元减20元` → (threshold, amount).
fn coupon_desc(s: &str) -> Option<(Fen, Fen)> {
    static RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(text::TAOBAO_COUPON_DESC).ok());
    let c = RE.as_ref()?.captures(s)?;
    Some((Fen::from_yuan_str(&c[1]).ok()?, Fen::from_yuan_str(&c[2]).ok()?))
}

/// A coupon from link.convert's `coupon_info_dto` or from a search record's `coupon_*` fields.
pub fn coupon(v: &Value, amount_key: &str, desc_key: &str) -> Result<Option<Coupon>, AffiliateError> {
    let Some(amount) = yuan(v, amount_key)?.filter(|a| a.0 > 0) else { return Ok(None) };
    let threshold = match yuan(v, "coupon_start_fee")? {
        Some(t) => t,
        None => field(v, desc_key).and_then(|d| coupon_desc(&d)).map_or(Fen::ZERO, |(t, _)| t),
    };
    Ok(Some(Coupon {
        amount,
        threshold,
        starts_at: field(v, "coupon_start_time").and_then(|t| parse_time(&t, false)),
        ends_at: field(v, "coupon_end_time").and_then(|t| parse_time(&t, true)),
    }))
}

/// A `tbk_item_detail` of `item.info.upgrade.get` (feeds spec §3.3): price `zk_final_price`, the coupon from the
/// 到手价 path's 商品券 entry (amount `promotion_fee`, threshold from `promotion_desc` 满X元减Y元, validity
/// `promotion_start_time` / `promotion_end_time` in any §0.2 format), rate `publish_info.income_rate` in %.
pub fn upgrade_product(v: &Value) -> Result<Product, AffiliateError> {
    let bad = |what: &str| AffiliateError::Decode(format!("taobao item detail: {what}"));
    let basic = v.get("item_basic_info").ok_or_else(|| bad("no item_basic_info"))?;
    let prices = v.get("price_promotion_info").ok_or_else(|| bad("no price_promotion_info"))?;
    let coupon = match list(prices.get("final_promotion_path_list"), "final_promotion_path_map_data")
        .iter()
        .find(|e| field(e, "promotion_title").as_deref() == Some(text::TAOBAO_ITEM_COUPON))
    {
        None => None,
        Some(e) => yuan(e, "promotion_fee")?.filter(|a| a.0 > 0).map(|amount| Coupon {
            amount,
            threshold: field(e, "promotion_desc").and_then(|d| coupon_desc(&d)).map_or(Fen::ZERO, |(t, _)| t),
            starts_at: field(e, "promotion_start_time").and_then(|t| parse_time(&t, false)),
            ends_at: field(e, "promotion_end_time").and_then(|t| parse_time(&t, true)),
        }),
    };
    let rate = v
        .get("publish_info")
        .and_then(|p| field(p, "income_rate"))
        .ok_or_else(|| bad("no income_rate"))
        .and_then(|r| Bps::from_percent_str(&r).map_err(|_| bad(&format!("bad income_rate `{r}`"))))?;
    Ok(Listing {
        item_id: field(v, "item_id").ok_or_else(|| bad("no item_id"))?,
        title: field(basic, "title").ok_or_else(|| bad("no title"))?,
        image_url: picture(basic, "pict_url"),
        shop_name: field(basic, "shop_title"),
        sales: volume(basic),
        price: yuan(prices, "zk_final_price")?.ok_or_else(|| bad("no zk_final_price"))?,
        coupon,
        commission_rate: rate,
    }
    .into_product())
}

/// What a Taobao record says about an item, before the final price is worked out.
pub struct Listing {
    pub item_id: String,
    pub title: String,
    pub image_url: Option<String>,
    pub shop_name: Option<String>,
    pub sales: Option<i64>,
    pub price: Fen,
    pub coupon: Option<Coupon>,
    pub commission_rate: Bps,
}

impl Listing {
    /// The final price is the price less the coupon when the price reaches the coupon's threshold.
    pub fn into_product(self) -> Product {
        let final_price = match &self.coupon {
            Some(c) if self.price >= c.threshold => self.price.saturating_sub(c.amount).max(Fen::ZERO),
            _ => self.price,
        };
        Product {
            platform: Platform::Taobao,
            item_id: self.item_id,
            title: self.title,
            image_url: self.image_url,
            shop_name: self.shop_name,
            sales: self.sales,
            sales_text: None,
            price: self.price,
            coupon: self.coupon,
            final_price,
            commission_rate: self.commission_rate,
            estimated_commission: final_price.apply_rate(self.commission_rate),
        }
    }
}

/// A `material.optional` `map_data` record (commission_rate in ‱).
pub fn search_product(v: &Value) -> Result<Product, AffiliateError> {
    let bad = |what: &str| AffiliateError::Decode(format!("taobao search: {what}"));
    let rate = field(v, "commission_rate")
        .and_then(|r| Bps::from_permyriad_str(&r).ok())
        .ok_or_else(|| bad("bad commission_rate"))?;
    let price = yuan(v, "zk_final_price")?.ok_or_else(|| bad("no zk_final_price"))?;
    Ok(Listing {
        item_id: field(v, "item_id").ok_or_else(|| bad("no item_id"))?,
        title: field(v, "title").ok_or_else(|| bad("no title"))?,
        image_url: picture(v, "pict_url"),
        shop_name: field(v, "shop_title").or_else(|| field(v, "nick")),
        sales: volume(v),
        price,
        coupon: coupon(v, "coupon_amount", "coupon_info")?,
        commission_rate: rate,
    }
    .into_product())
}

/// An `optimus.material` `map_data` record (flat shape, feeds spec §3.1): `commission_rate` in %, `coupon_amount`
/// a number of 元, coupon times as millisecond strings.
pub fn optimus_entry(v: &Value) -> Result<FeedEntry, AffiliateError> {
    let bad = |what: &str| AffiliateError::Decode(format!("taobao feed: {what}"));
    let rate = field(v, "commission_rate")
        .and_then(|r| Bps::from_percent_str(&r).ok())
        .ok_or_else(|| bad("bad commission_rate"))?;
    let product = Listing {
        item_id: field(v, "item_id").ok_or_else(|| bad("no item_id"))?,
        title: field(v, "title").ok_or_else(|| bad("no title"))?,
        image_url: picture(v, "pict_url"),
        shop_name: field(v, "shop_title").or_else(|| field(v, "nick")),
        sales: volume(v),
        price: yuan(v, "zk_final_price")?.ok_or_else(|| bad("no zk_final_price"))?,
        coupon: coupon(v, "coupon_amount", "coupon_info")?
            .filter(|_| int(v, "coupon_remain_count").is_none_or(|n| n > 0)),
        commission_rate: rate,
    }
    .into_product();
    Ok(FeedEntry {
        product,
        short_title: field(v, "short_title"),
        category: field(v, "level_one_category_name").or_else(|| field(v, "category_name")),
    })
}

/// An `item.info.get` `n_tbk_item` record, with the coupon and rate link.convert reported for it.
pub fn item_product(v: &Value, coupon: Option<Coupon>, commission_rate: Bps) -> Result<Product, AffiliateError> {
    let bad = |what: &str| AffiliateError::Decode(format!("taobao item: {what}"));
    Ok(Listing {
        item_id: field(v, "num_iid").ok_or_else(|| bad("no num_iid"))?,
        title: field(v, "title").ok_or_else(|| bad("no title"))?,
        image_url: picture(v, "pict_url"),
        shop_name: field(v, "nick"),
        sales: volume(v),
        price: yuan(v, "zk_final_price")?.ok_or_else(|| bad("no zk_final_price"))?,
        coupon,
        commission_rate,
    }
    .into_product())
}

fn volume(v: &Value) -> Option<i64> {
    int(v, "volume")
}

/// An integer sent as a number or a string.
fn int(v: &Value, k: &str) -> Option<i64> {
    field(v, k).and_then(|s| s.parse().ok())
}

/// A `publisher_order_dto` record (rates in %).
pub fn order_row(v: &Value) -> Result<OrderRow, AffiliateError> {
    let bad = |what: &str| AffiliateError::Decode(format!("taobao order: {what}"));
    let money = |k: &str| yuan(v, k).map(|m| m.unwrap_or(Fen::ZERO));
    let rate = |k: &str| match field(v, k) {
        None => Ok(Bps(0)),
        Some(r) => Bps::from_percent_str(&r).map_err(|_| bad(&format!("bad {k}"))),
    };
    let time_of = |k: &str| field(v, k).and_then(|t| parse_time(&t, false));
    let trade_id = field(v, "trade_id").ok_or_else(|| bad("no trade_id"))?;
    Ok(OrderRow {
        trade_parent_id: field(v, "trade_parent_id").unwrap_or_else(|| trade_id.clone()),
        trade_id,
        item_id: field(v, "item_id").unwrap_or_default(),
        item_title: field(v, "item_title").unwrap_or_default(),
        item_num: int(v, "item_num").unwrap_or(1),
        item_price: money("item_price")?,
        alipay_total_price: money("alipay_total_price")?,
        pay_price: money("pay_price")?,
        pub_share_pre_fee: money("pub_share_pre_fee")?,
        pub_share_fee: money("pub_share_fee")?,
        total_commission_rate: rate("total_commission_rate")?,
        income_rate: rate("income_rate")?,
        tk_status: int(v, "tk_status").ok_or_else(|| bad("no tk_status"))?,
        refund_tag: field(v, "refund_tag").as_deref() == Some("1"),
        adzone_id: field(v, "adzone_id").unwrap_or_default(),
        site_id: field(v, "site_id").unwrap_or_default(),
        relation_id: field(v, "relation_id"),
        special_id: field(v, "special_id"),
        tk_create_time: time_of("tk_create_time"),
        tk_paid_time: time_of("tk_paid_time"),
        tk_earning_time: time_of("tk_earning_time"),
        modified_time: time_of("modified_time"),
        raw: v.clone(),
    })
}

/// `yyyy-MM-dd HH:mm:ss`, `yyyy-MM-dd` (GMT+8) or 13-digit milliseconds → unix seconds; a bare date is its first second, or its last
/// with `end_of_day`.
pub fn parse_time(s: &str, end_of_day: bool) -> Option<i64> {
    if s.len() == 13 && s.bytes().all(|b| b.is_ascii_digit()) {
        // unix milliseconds as text (feeds spec §0.2)
        return s.parse::<i64>().ok().map(|ms| ms / 1000);
    }
    if let Some(t) = gmt8::parse(s) {
        return Some(t);
    }
    let d = Date::parse(s, format_description!("[year]-[month]-[day]")).ok()?;
    let t = if end_of_day { Time::from_hms(23, 59, 59).ok()? } else { Time::MIDNIGHT };
    Some(PrimitiveDateTime::new(d, t).assume_offset(gmt8::OFFSET).unix_timestamp())
}

/// The 淘口令 of a tpwd.create answer as `￥<body>￥`: from `password_simple`, else found in `model` (all three
/// eras of spec §3.6.4), else the model text itself.
pub fn command(data: &Value) -> Option<String> {
    static RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
        let markers: String = links::text::STRONG_MARKERS.iter().collect();
        Regex::new(&format!(r"[{markers}]\s*(?:[A-Z]{{2}}[0-9]{{4}}\s+)?([A-Za-z0-9]{{11}})[{markers}]")).ok()
    });
    let find = |text: &str| -> Option<String> {
        RE.as_ref()?
            .captures_iter(text)
            .map(|c| c[1].to_string())
            .find(|body| body.bytes().any(|b| b.is_ascii_alphabetic()))
            .map(|body| links::text::marked_token(&body))
    };
    let simple = field(data, "password_simple");
    let model = field(data, "model");
    simple.as_deref().and_then(find).or_else(|| model.as_deref().and_then(find)).or(simple).or(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes_and_errors_map_like_top() {
        let ok = r#"{"tbk_tpwd_create_response":{"data":{"model":"￥Hd4kLp9WnQz￥"},"request_id":"78twi4of3xoy"}}"#;
        let m = parse_response("taobao.tbk.tpwd.create", ok).unwrap();
        assert_eq!(command(&m["data"]).as_deref(), Some("￥Hd4kLp9WnQz￥"));
        let err = |body: &str| parse_response("taobao.tbk.tpwd.create", body).unwrap_err();
        let e = err(r#"{"error_response":{"code":25,"msg":"Invalid signature","request_id":"109wcmcgllsj1"}}"#);
        assert!(matches!(e, AffiliateError::Misconfigured { ref code, .. } if code == "25"));
        let e = err(
            r#"{"error_response":{"code":27,"msg":"Invalid session","sub_code":"invalid-sessionkey","request_id":"rxvsf5lo4ufl"}}"#,
        );
        assert!(matches!(e, AffiliateError::TokenExpired));
        let e = err(
            r#"{"error_response":{"code":15,"msg":"Remote service error","sub_code":"30001","sub_msg":"非法的物料id","request_id":"oj5nfpwgso4y"}}"#,
        );
        assert!(matches!(e, AffiliateError::NotFound));
        let e = err(
            r#"{"error_response":{"code":15,"msg":"Remote service error","sub_code":"20000","sub_msg":"口令跳转url不支持口令转换","request_id":"nbgpwalolcnq"}}"#,
        );
        assert!(matches!(e, AffiliateError::Rejected { ref code, .. } if code == "20000"));
        let e = err(
            r#"{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-api-access-count","sub_msg":"This ban will last for 17 more seconds"}}"#,
        );
        assert!(matches!(e, AffiliateError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(17)));
        let e =
            err(r#"{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isp.remote-service-error"}}"#);
        assert_eq!(e.retry_class(), crate::affiliate::RetryClass::Backoff);
        assert!(matches!(err("<html>"), AffiliateError::Decode(_)));
        assert!(matches!(err(r#"{"other_response":{}}"#), AffiliateError::Decode(_)));
    }

    #[test]
    fn all_three_tpwd_eras_give_the_token() {
        let eras = [
            json!({"model": "￥Hd4kLp9WnQz￥"}),
            json!({"model": "66￥ CZ3457 Vb6nTq2LmZx￥ https://m.tb.cn/h.Gh3JkL9  【限时秒杀】不锈钢保温杯大容量"}),
            json!({"model": "6復製内容￥Wq9zXc3Vb7N￥打k?τao寶?或點擊炼接 https://m.tb.cn/h.Ab4CdE6 至瀏.覽.器【双11预售】", "password_simple": "￥Wq9zXc3Vb7N￥"}),
        ];
        let got: Vec<_> = eras.iter().map(|d| command(d).unwrap()).collect();
        assert_eq!(got, ["￥Hd4kLp9WnQz￥", "￥Vb6nTq2LmZx￥", "￥Wq9zXc3Vb7N￥"]);
        assert_eq!(command(&json!({"model": "no token here"})).as_deref(), Some("no token here"));
        assert_eq!(command(&json!({})), None);
    }

    #[test]
    fn the_wire_order_converts_exactly_with_dashes_as_empty() {
        let v: Value = serde_json::from_str(r#"{"terminal_type":"无线","item_category_name":"五金/工具","tk_paid_time":"2020-12-17 10:48:17","adzone_id":111067000033,"alipay_total_price":"1.00","seller_shop_title":"天澄贸易","alimama_share_fee":"0.00","trade_id":"1446862356240876331","click_time":"2020-12-17 10:42:23","subsidy_rate":"0.00","refund_tag":0,"item_title":"红/绿色可接驳PU聚氨酯圆皮带圆带圆形粗面O型粘接工业环形传动带","order_type":"淘宝","tb_paid_time":"2020-12-17 10:48:07","tk_order_role":2,"total_commission_fee":"0.00","pub_id":128572012,"item_img":"//img.alicdn.com/x.jpg","alimama_rate":"0.00","item_id":712345678901,"item_price":"1.00","tb_deposit_time":"--","tk_status":14,"total_commission_rate":"1.35","trade_parent_id":"1446862356240876331","subsidy_type":"--","tk_create_time":"2020-12-17 10:42:57","pub_share_fee":"0.00","item_num":1,"income_rate":"1.35","site_name":"Yoke","pub_share_pre_fee":"0.01","tk_deposit_time":"--","app_key":"23116944","tk_total_rate":"1.35","pub_share_rate":"100.00","adzone_name":"Yoke","site_id":2181300208,"item_link":"http://item.taobao.com/item.htm?id=712345678901","deposit_price":"0.00","seller_nick":"弑神style","subsidy_fee":"0.00","flow_source":"--"}"#).unwrap();
        let r = order_row(&v).unwrap();
        assert_eq!(r.trade_id, "1446862356240876331");
        assert_eq!(r.item_id, "712345678901");
        assert_eq!(r.alipay_total_price, Fen(100));
        assert_eq!(r.pub_share_pre_fee, Fen(1));
        assert_eq!(r.total_commission_rate, Bps(135));
        assert_eq!(r.tk_status, 14);
        assert_eq!(r.adzone_id, "111067000033");
        assert_eq!(r.tk_earning_time, None);
        assert_eq!(r.tk_paid_time, Some(1_608_173_297));
        assert!(!r.refund_tag);
        assert_eq!(r.raw, v);
        let mut broken = v.clone();
        broken["pub_share_pre_fee"] = json!("0,01");
        assert!(order_row(&broken).is_err());
    }

    #[test]
    fn search_records_use_per_ten_thousand_rates_and_coupon_text() {
        let v = json!({"item_id": "712345678901", "title": "t", "pict_url": "//img.alicdn.com/a.jpg",
            "zk_final_price": "59.90", "coupon_amount": "20", "coupon_info": "满59元减20元",
            "coupon_start_time": "2025-01-01", "coupon_end_time": "2025-01-31", "commission_rate": "1550",
            "volume": 123, "shop_title": "店"});
        let p = search_product(&v).unwrap();
        assert_eq!(p.commission_rate, Bps(1550));
        assert_eq!(p.price, Fen(5990));
        let c = p.coupon.as_ref().unwrap();
        assert_eq!((c.amount, c.threshold), (Fen(2000), Fen(5900)));
        assert_eq!(c.starts_at, Some(1_735_660_800));
        assert_eq!(c.ends_at, Some(1_738_339_199));
        assert_eq!(p.final_price, Fen(3990));
        assert_eq!(p.estimated_commission, Fen(618));
        assert_eq!(p.image_url.as_deref(), Some("https://img.alicdn.com/a.jpg"));
        let wrapped = json!({"map_data": [v.clone()]});
        assert_eq!(list(Some(&wrapped), "map_data").len(), 1);
        assert_eq!(list(Some(&json!([v])), "map_data").len(), 1);
        assert!(list(None, "map_data").is_empty());
    }
}
