//! 选品库: the selection library, browsed, filtered and searched; the same data as JSON at `/admin/api/selection`.

use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc, yuan};
use super::session::Viewer;
use crate::feeds::{FeedFilter, FeedSort, StoredFeedItem};
use crate::http::AppState;
use crate::money::{Bps, Fen};
use crate::platform::Platform;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

const PAGE_SIZE: i64 = 50;

/// The filter form's fields, as the page and the API take them: amounts in 元, rates in %, terms separated by
/// spaces or commas.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SelectionQuery {
    #[serde(default)]
    pub platform: String,
    /// Keywords that must all appear in the title.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub exclude: String,
    #[serde(default)]
    pub exclude_shops: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub min_price: String,
    #[serde(default)]
    pub max_price: String,
    #[serde(default)]
    pub min_coupon: String,
    /// Minimum commission rate, %.
    #[serde(default)]
    pub min_rate: String,
    /// Minimum estimated commission, 元.
    #[serde(default)]
    pub min_commission: String,
    #[serde(default)]
    pub min_sales: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: Option<i64>,
    /// The outcome of a pick or a post now, shown as the notice.
    #[serde(default)]
    pub msg: Option<String>,
}

fn terms(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == ',' || c == '，')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn amount(s: &str, what: &str) -> Result<Option<Fen>, AdminError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    Fen::from_yuan_str(s).map(Some).map_err(|_| AdminError::BadRequest(format!("{what}: 金额格式不对")))
}

impl SelectionQuery {
    /// The typed filter and order, or a bad request naming the field.
    pub fn filter(&self) -> Result<(FeedFilter, FeedSort), AdminError> {
        let platforms = match self.platform.trim() {
            "" => Vec::new(),
            p => vec![p.parse::<Platform>().map_err(|_| AdminError::BadRequest("platform".into()))?],
        };
        let min_rate = match self.min_rate.trim() {
            "" => None,
            r => Some(
                Bps::from_percent_str(r).map_err(|_| AdminError::BadRequest("min_rate: 佣金比例格式不对".into()))?,
            ),
        };
        let min_sales = match self.min_sales.trim() {
            "" => None,
            s => Some(s.parse::<i64>().map_err(|_| AdminError::BadRequest("min_sales: 销量格式不对".into()))?),
        };
        let sort = match self.sort.trim() {
            "" => FeedSort::default(),
            s => FeedSort::parse(s).ok_or_else(|| AdminError::BadRequest("sort".into()))?,
        };
        let filter = FeedFilter {
            platforms,
            min_price: amount(&self.min_price, "min_price")?,
            max_price: amount(&self.max_price, "max_price")?,
            min_coupon: amount(&self.min_coupon, "min_coupon")?,
            min_commission_rate: min_rate,
            min_commission: amount(&self.min_commission, "min_commission")?,
            min_sales,
            categories: terms(&self.category),
            keywords: terms(&self.q),
            exclude_keywords: terms(&self.exclude),
            exclude_shops: terms(&self.exclude_shops),
            seen_since: None,
        }
        .bounded();
        Ok((filter, sort))
    }
}

/// One page of the library.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Selection {
    pub total: i64,
    pub page: i64,
    pub items: Vec<StoredFeedItem>,
    pub categories: Vec<String>,
}

pub async fn data(st: &AppState, q: &SelectionQuery) -> Result<Selection, AdminError> {
    let (filter, sort) = q.filter()?;
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let items = st.store.feed_items(&filter, sort, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let total = st.store.count_feed_items(&filter).await?;
    let categories = st.store.feed_categories().await?;
    Ok(Selection { total, page, items, categories })
}

/// The product library, filtered and sorted (price filters in yuan, rate in %; answers in fen and basis points).
#[utoipa::path(
    get,
    path = "/admin/api/selection",
    tag = "selection",
    params(SelectionQuery),
    responses((status = 200, body = Selection)),
)]
pub async fn api(
    State(st): State<AppState>,
    _v: Viewer,
    Query(q): Query<SelectionQuery>,
) -> Result<Json<Selection>, ApiError> {
    Ok(Json(data(&st, &q).await?))
}

fn input(name: &str, value: &str, placeholder: &str) -> String {
    format!("<label>{placeholder}<input name={name} value=\"{}\" maxlength=80></label>", esc(value))
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<SelectionQuery>,
) -> Result<Html<String>, PageError> {
    let d = data(&st, &q).await?;
    let mut platforms = vec![(String::new(), "全部平台".to_string())];
    platforms.extend(Platform::ALL.iter().map(|p| (p.code().to_string(), p.display_name().to_string())));
    let mut categories = vec![(String::new(), "全部类目".to_string())];
    categories.extend(d.categories.iter().map(|c| (c.clone(), c.clone())));
    let sorts: Vec<(String, String)> = [
        ("recent", "最近更新"),
        ("commission", "佣金最高"),
        ("sales", "销量最高"),
        ("coupon", "券额最大"),
        ("price", "券后价最低"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let mut b = html::notice(q.msg.as_deref());
    b.push_str("<form method=get class=\"card filters\" id=selection-filter>");
    b.push_str(&html::select("platform", &q.platform, &platforms));
    b.push_str(&html::select("category", &q.category, &categories));
    b.push_str(&input("q", &q.q, "关键词"));
    b.push_str(&input("exclude", &q.exclude, "排除词"));
    b.push_str(&input("exclude_shops", &q.exclude_shops, "排除店铺"));
    b.push_str(&input("min_price", &q.min_price, "券后价≥（元）"));
    b.push_str(&input("max_price", &q.max_price, "券后价≤（元）"));
    b.push_str(&input("min_coupon", &q.min_coupon, "券额≥（元）"));
    b.push_str(&input("min_rate", &q.min_rate, "佣金比例≥（%）"));
    b.push_str(&input("min_commission", &q.min_commission, "佣金≥（元）"));
    b.push_str(&input("min_sales", &q.min_sales, "销量≥"));
    b.push_str(&html::select("sort", &q.sort, &sorts));
    b.push_str("<button type=submit>筛选</button></form>");
    let _ = write!(b, "<p id=selection-total>共 {} 件商品</p>", d.total);
    let offset = st.settings.chat.utc_offset_hours;
    let rows: Vec<Vec<String>> = d
        .items
        .iter()
        .map(|s| {
            let it = &s.item;
            let photo = match &it.image_url {
                Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                    format!("<img src=\"{}\" alt=\"\" width=48 height=48 loading=lazy>", esc(u))
                }
                _ => String::new(),
            };
            vec![
                photo,
                format!("<span class=item-title>{}</span>", esc(it.short_title.as_deref().unwrap_or(&it.title))),
                it.platform.display_name().into(),
                yuan(it.price),
                it.coupon.as_ref().map_or_else(|| "-".into(), |c| yuan(c.amount)),
                yuan(it.final_price),
                it.commission_rate.percent_string(),
                yuan(it.commission),
                esc(it.sales_text.as_deref().unwrap_or(&it.sales.to_string())),
                esc(&it.shop),
                esc(&it.category),
                html::datetime(s.last_seen_at, offset),
                format!("<span class=item-id>{}</span>", s.id),
                format!(
                    "<input type=checkbox name=item value={} form=selection-actions aria-label=\"选择商品 {}\">",
                    s.id, s.id
                ),
            ]
        })
        .collect();
    b.push_str(&html::table(
        &[
            "图",
            "商品",
            "平台",
            "原价",
            "券",
            "券后价",
            "佣金比例",
            "预估佣金",
            "销量",
            "店铺",
            "类目",
            "更新",
            "编号",
            "选",
        ],
        &rows,
    ));
    let pages = (d.total + PAGE_SIZE - 1) / PAGE_SIZE;
    if pages > 1 {
        b.push_str("<p class=pager>");
        let query = |page: i64| {
            let pairs = [
                ("platform", &q.platform),
                ("category", &q.category),
                ("q", &q.q),
                ("exclude", &q.exclude),
                ("exclude_shops", &q.exclude_shops),
                ("min_price", &q.min_price),
                ("max_price", &q.max_price),
                ("min_coupon", &q.min_coupon),
                ("min_rate", &q.min_rate),
                ("min_commission", &q.min_commission),
                ("min_sales", &q.min_sales),
                ("sort", &q.sort),
            ];
            let page = page.to_string();
            let mut fields: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            fields.push(("page", &page));
            super::html::filter_query(&fields)
        };
        if d.page > 1 {
            let _ = write!(b, "<a href=\"/admin/selection?{}\">上一页</a> ", esc(&query(d.page - 1)));
        }
        let _ = write!(b, "第 {} / {pages} 页 ", d.page);
        if d.page < pages {
            let _ = write!(b, "<a href=\"/admin/selection?{}\">下一页</a>", esc(&query(d.page + 1)));
        }
        b.push_str("</p>");
    }
    b.push_str(&actions(&st, &v).await?);
    Ok(html::page(&v, "/admin/selection", "选品库", &b))
}

/// The form the ticked items go with: into a plan of hand-picked items, or posted now to the chosen groups.
async fn actions(st: &AppState, v: &Viewer) -> Result<String, AdminError> {
    let plans = super::posting::plans_data(st, v).await?;
    let groups = st.store.groups_overview(v.scope(), 0).await?;
    let mut b = html::form_open(v, "/admin/selection/pick", "card selection-actions");
    b = b.replacen("<form ", "<form id=selection-actions ", 1);
    b.push_str("<h2>勾选的商品</h2><label>加入计划<select name=plan_id>");
    for p in plans.iter().filter(|p| matches!(p.plan.source, crate::posting::Source::Items(_))) {
        let _ = write!(b, "<option value={}>{}</option>", p.id, esc(&p.plan.name));
    }
    b.push_str("</select></label><button type=submit id=selection-pick>加入计划</button>");
    b.push_str("<fieldset id=selection-groups><legend>立即发到这些群（1 件发单品，3–5 件发清单）</legend>");
    for g in groups.iter().filter(|g| g.enabled) {
        let _ =
            write!(b, "<label class=inline><input type=checkbox name=group value={}> {}</label>", g.id, esc(&g.name));
    }
    b.push_str(
        "</fieldset><button type=submit id=selection-post formaction=\"/admin/selection/post\">立即发单</button></form>",
    );
    Ok(b)
}
