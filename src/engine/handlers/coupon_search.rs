//! 查券: keyword search on every configured platform, the best items by coupon then commission, each converted
//! with the group's PID and the member's attribution; a poster for the first and a compact list, `下一页` for
//! more.

use crate::affiliate::{AffiliateError, Attribution, Conversion, Product};
use crate::chat::{Inbound, OutboundBody};
use crate::engine::handlers::product_link::{attribution_for, member_rebate, pid_for, poster_url, record, reply_text};
use crate::engine::text::{self, ReplyError};
use crate::engine::{Action, Context, EngineError, SearchSession};
use crate::links::{self, ProductRef};
use crate::platform::Platform;

fn session_key(cx: &Context<'_>, msg: &Inbound) -> (i64, String, String) {
    (cx.robot.id, msg.conversation_id.clone(), msg.sender_id.clone().unwrap_or_default())
}

/// `下一页` of the member's last search.
pub async fn next_page(cx: &Context<'_>, msg: &Inbound) -> Result<Vec<Action>, EngineError> {
    match cx.engine.caches.searches.get(&session_key(cx, msg)).await {
        Some(s) => search(cx, msg, &s.keyword, s.page + 1).await,
        None => Ok(vec![reply_text(cx, msg, text::SEARCH_FIRST).await?]),
    }
}

/// A link the recognizer turns back into a reference the platform converts.
fn product_ref(p: &Product) -> Option<ProductRef> {
    let url = match p.platform {
        Platform::Pdd => format!("https://mobile.yangkeduo.com/goods.html?goods_sign={}", p.item_id),
        Platform::Jd => format!("https://item.jd.com/{}.html", p.item_id),
        Platform::Taobao => format!("https://item.taobao.com/item.htm?id={}", p.item_id),
    };
    links::recognize(&url).into_iter().next()
}

/// Best first: the biggest coupon, then the biggest commission.
fn rank(products: &mut Vec<Product>) {
    products.retain(|p| p.commission_rate.0 > 0);
    products.sort_by(|a, b| {
        let coupon = |p: &Product| p.coupon.as_ref().map(|c| c.amount.0).unwrap_or_default();
        coupon(b).cmp(&coupon(a)).then(b.estimated_commission.cmp(&a.estimated_commission))
    });
}

/// Page `page` (from 1) of `keyword`.
pub async fn search(cx: &Context<'_>, msg: &Inbound, keyword: &str, page: u32) -> Result<Vec<Action>, EngineError> {
    let e = cx.engine;
    let size = e.settings.chat.search_page_size.max(1);
    let found = futures::future::join_all(Platform::ALL.map(|p| e.affiliates.search(p, keyword, page, size))).await;
    let mut products = Vec::new();
    let mut trouble = false;
    for (platform, result) in Platform::ALL.iter().zip(found) {
        match result {
            Ok(items) => products.extend(items),
            Err(AffiliateError::NotConfigured(_)) => {}
            Err(err) => {
                tracing::warn!(%platform, error = %err, "search failed");
                trouble = true;
            }
        }
    }
    rank(&mut products);
    products.truncate(size as usize);
    let converted = futures::future::join_all(products.iter().map(|p| convert(cx, p))).await;
    let mut done: Vec<(ProductRef, Conversion, Attribution, i64)> = Vec::new();
    for c in converted {
        match c {
            Ok(Some(c)) => done.push(c),
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(error = %err, "converting a search result failed");
                trouble |= err.is_platform_trouble();
            }
        }
    }
    if done.is_empty() {
        let body = if trouble {
            text::reply_error(&ReplyError::UnionUnavailable)
        } else if page > 1 {
            text::SEARCH_NO_MORE.to_string()
        } else {
            text::search_nothing(keyword)
        };
        return Ok(vec![reply_text(cx, msg, &body).await?]);
    }
    e.caches.searches.insert(session_key(cx, msg), SearchSession { keyword: keyword.to_string(), page }).await;
    let mut actions = Vec::new();
    let rebate = member_rebate(cx, &done[0].1).await?;
    if let Some(url) = poster_url(cx, &done[0].1, rebate).await? {
        actions.push(Action::Reply(OutboundBody::Image { url }));
    }
    let mut body = text::search_header(keyword, page);
    for (i, (_, c, _, _)) in done.iter().enumerate() {
        body.push('\n');
        body.push_str(&text::search_line(i + 1, c));
    }
    body.push('\n');
    body.push_str(text::SEARCH_MORE);
    actions.push(reply_text(cx, msg, &body).await?);
    for (r, c, attr, tag_id) in &done {
        actions.push(record(cx, msg, r, c, attr, Some(*tag_id)));
    }
    Ok(actions)
}

/// Converts one search result; `None` when it cannot be linked (no PID, no reference).
async fn convert(
    cx: &Context<'_>,
    p: &Product,
) -> Result<Option<(ProductRef, Conversion, Attribution, i64)>, AffiliateError> {
    let Some(r) = product_ref(p) else { return Ok(None) };
    let pid = match pid_for(cx, p.platform).await {
        Ok(Some(pid)) => pid,
        Ok(None) => return Ok(None),
        Err(err) => {
            tracing::error!(error = %err, "PID lookup failed");
            return Ok(None);
        }
    };
    let (attr, tag_id) = match attribution_for(cx, &r, pid).await {
        Ok(tagged) => tagged,
        Err(err) => {
            tracing::error!(error = %err, "attribution tag failed");
            return Ok(None);
        }
    };
    let c = cx.engine.affiliates.convert(&r, &attr).await?;
    Ok(Some((r, c, attr, tag_id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::affiliate::Coupon;
    use crate::money::{Bps, Fen};

    fn product(platform: Platform, id: &str, coupon: i64, commission: i64, rate: i64) -> Product {
        Product {
            platform,
            item_id: id.into(),
            title: id.into(),
            image_url: None,
            shop_name: None,
            sales: None,
            sales_text: None,
            price: Fen(10_000),
            coupon: (coupon > 0).then_some(Coupon {
                amount: Fen(coupon),
                threshold: Fen(0),
                starts_at: None,
                ends_at: None,
            }),
            final_price: Fen(10_000 - coupon),
            commission_rate: Bps(rate),
            estimated_commission: Fen(commission),
        }
    }

    #[test]
    fn results_rank_by_coupon_then_commission_and_drop_items_without_commission() {
        let mut items = vec![
            product(Platform::Jd, "a", 500, 100, 100),
            product(Platform::Taobao, "b", 1000, 50, 100),
            product(Platform::Jd, "c", 500, 300, 100),
            product(Platform::Taobao, "d", 0, 900, 100),
            product(Platform::Jd, "e", 5000, 0, 0),
        ];
        rank(&mut items);
        let order: Vec<&str> = items.iter().map(|p| p.item_id.as_str()).collect();
        assert_eq!(order, ["b", "c", "a", "d"]);
    }

    #[test]
    fn search_results_turn_back_into_references() {
        for (platform, id) in [(Platform::Jd, "100087654321"), (Platform::Taobao, "586543210987")] {
            let r = product_ref(&product(platform, id, 0, 1, 1)).unwrap();
            assert_eq!((r.platform, r.key.as_str()), (platform, id));
        }
        let sign = "E9H2Lxy8Bv1Qk4mN7pR0sT3uW6zA_cF5gJ8-kL";
        let r = product_ref(&product(Platform::Pdd, sign, 0, 1, 1)).unwrap();
        assert_eq!((r.platform, r.key.as_str()), (Platform::Pdd, sign));
    }
}
