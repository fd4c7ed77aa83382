//! Promotion and 备案 links in the captured shapes (affiliates spec §1.5.1, §1.5.6): landing links with
//! `cpsSign=CC_<yyMMdd>_<pid>_<32 hex>` and `duoduo_type=2`, `app.html` launchers, and `p.pinduoduo.com` short
//! codes that resolve back to their item.

use super::State;
use crate::sim::catalog::SimItem;
use crate::sim::text::pdd as text;
use serde_json::{Value, json};

const LANDING: &str = "https://mobile.yangkeduo.com/duo_coupon_landing.html";

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `https://mobile.yangkeduo.com/app.html?use_reload=1&launch_url=<encoded>&campaign=ddjb&cid=launch_`
fn launcher(relative: &str) -> String {
    format!("https://mobile.yangkeduo.com/app.html?use_reload=1&launch_url={}&campaign=ddjb&cid=launch_", enc(relative))
}

/// The links of one conversion.
pub struct Issued {
    pub url: String,
    pub short_url: String,
    pub mobile_url: String,
    pub mobile_short_url: String,
    pub multi_group_url: String,
    pub multi_group_short_url: String,
    pub multi_group_mobile_url: String,
    pub multi_group_mobile_short_url: String,
}

impl Issued {
    pub fn to_json(&self) -> Value {
        json!({
            "url": self.url,
            "short_url": self.short_url,
            "mobile_url": self.mobile_url,
            "mobile_short_url": self.mobile_short_url,
            "multi_group_url": self.multi_group_url,
            "multi_group_short_url": self.multi_group_short_url,
            "multi_group_mobile_url": self.multi_group_mobile_url,
            "multi_group_mobile_short_url": self.multi_group_mobile_short_url,
        })
    }
}

impl State {
    /// `CC_<yyMMdd>_<pid>_<32 hex>`, dated by the simulator's clock (Beijing time).
    fn cps_sign(&mut self, pid: &str) -> String {
        let hex = hex::encode(&self.next_digest("cps_sign")[..16]);
        format!("CC_{}_{pid}_{hex}", super::yymmdd(self.now()))
    }

    /// A new `https://p.pinduoduo.com/<8 alnum>` resolving to `goods_sign` and redirecting to `target`.
    fn short_link(&mut self, goods_sign: &str, target: &str) -> String {
        const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        loop {
            let d = self.next_digest("short");
            let code: String = d.iter().take(8).map(|b| ALPHA[usize::from(*b) % ALPHA.len()] as char).collect();
            if !self.shorts.contains_key(&code) {
                self.shorts.insert(code.clone(), goods_sign.to_string());
                self.short_targets.insert(code.clone(), target.to_string());
                return format!("https://p.pinduoduo.com/{code}");
            }
        }
    }

    /// Promotion links for `item` tagged with `pid` and `custom_parameters` (verbatim, URL-encoded).
    pub fn issue_links(&mut self, item: &SimItem, pid: &str, custom: Option<&str>) -> Issued {
        let cps = self.cps_sign(pid);
        let mut query = format!("goods_id={}&pid={}&goods_sign={}", item.id, enc(pid), item.goods_sign);
        if let Some(c) = custom {
            query.push_str("&customParameters=");
            query.push_str(&enc(c));
        }
        query.push_str(&format!("&cpsSign={cps}&duoduo_type=2"));
        let url = format!("{LANDING}?{query}");
        let mobile_url = launcher(&format!("duo_coupon_landing.html?{query}"));
        let multi_query = format!("{query}&is_multi_group=1");
        let multi_group_url = format!("{LANDING}?{multi_query}");
        let multi_group_mobile_url = launcher(&format!("duo_coupon_landing.html?{multi_query}"));
        Issued {
            short_url: self.short_link(&item.goods_sign, &url),
            mobile_short_url: self.short_link(&item.goods_sign, &mobile_url),
            multi_group_short_url: self.short_link(&item.goods_sign, &multi_group_url),
            multi_group_mobile_short_url: self.short_link(&item.goods_sign, &multi_group_mobile_url),
            multi_group_url,
            multi_group_mobile_url,
            url,
            mobile_url,
        }
    }

    /// The `channel_type=10` 备案 link record, in the shape of the captured response.
    pub fn auth_link(&mut self, pid: &str, custom: &str) -> Value {
        let cps = self.cps_sign(pid);
        let query =
            format!("__page=auth&pid={}&customParameters={}&cpsSign={cps}&duoduo_type=2", enc(pid), enc(custom));
        let url = format!("{LANDING}?{query}");
        json!({
            "mobile_url": launcher(&format!("duo_coupon_landing.html?{query}")),
            "we_app_info": {
                "we_app_icon_url": "http://xcxcdn.yangkeduo.com/pdd_logo.png",
                "user_name": "gh_a6611aee87d6",
                "page_path": format!("/pages/web/web?specialUrl=1&src={}", enc(&url)),
                "source_display_name": text::AUTH_CARD_SOURCE,
                "title": text::AUTH_CARD_TITLE,
                "app_id": "wxa918198f16869201",
                "desc": text::AUTH_CARD_DESC,
            },
            "url": url,
        })
    }
}
