//! 选品库: the selection library, browsed, filtered and searched; the same data as JSON at `/admin/api/selection`.

use super::error::{AdminError, ApiError, PageError};
use super::format::{self, yuan};
use super::session::Viewer;
use super::text::posting as x;
use super::view;
use crate::feeds::{FeedFilter, FeedSort, StoredFeedItem};
use crate::http::AppState;
use crate::money::{Bps, Fen};
use crate::platform::Platform;
use axum::Json;
use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

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
    super::posting::list(s).into_iter().map(str::to_string).collect()
}

fn amount(s: &str, what: &str) -> Result<Option<Fen>, AdminError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    Fen::from_yuan_str(s).map(Some).map_err(|_| AdminError::BadRequest(x::bad_amount(what)))
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
            r => Some(Bps::from_percent_str(r).map_err(|_| AdminError::BadRequest(x::BAD_MIN_RATE.into()))?),
        };
        let min_sales = match self.min_sales.trim() {
            "" => None,
            s => Some(s.parse::<i64>().map_err(|_| AdminError::BadRequest(x::BAD_MIN_SALES.into()))?),
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

fn input(name: &str, value: &str, placeholder: &str) -> Markup {
    html! { label { (placeholder) input name=(name) value=(value) maxlength="80"; } }
}

/// The filter form, filled with the query.
fn filter_form(q: &SelectionQuery, categories: &[String]) -> Markup {
    let mut platforms = vec![("", x::ALL_PLATFORMS)];
    platforms.extend(Platform::ALL.iter().map(|p| (p.code(), p.display_name())));
    let mut all_categories = vec![("", x::ALL_CATEGORIES)];
    all_categories.extend(categories.iter().map(|c| (c.as_str(), c.as_str())));
    html! {
        form #selection-filter.card.filters method="get" {
            (view::select("platform", &q.platform, &platforms))
            (view::select("category", &q.category, &all_categories))
            (input("q", &q.q, x::KEYWORDS))
            (input("exclude", &q.exclude, x::EXCLUDE))
            (input("exclude_shops", &q.exclude_shops, x::EXCLUDE_SHOPS))
            (input("min_price", &q.min_price, x::MIN_PRICE))
            (input("max_price", &q.max_price, x::MAX_PRICE))
            (input("min_coupon", &q.min_coupon, x::MIN_COUPON))
            (input("min_rate", &q.min_rate, x::MIN_RATE))
            (input("min_commission", &q.min_commission, x::MIN_COMMISSION))
            (input("min_sales", &q.min_sales, x::MIN_SALES))
            (view::select("sort", &q.sort, x::SORT_OPTIONS))
            button type="submit" { (x::FILTER) }
        }
    }
}

/// The links to the previous and next page, when there is more than one.
fn pager(q: &SelectionQuery, page: i64, pages: i64) -> Markup {
    let query = |page: i64| {
        let page = page.to_string();
        format::filter_query(&[
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
            ("page", &page),
        ])
    };
    html! {
        @if pages > 1 {
            p.pager {
                @if page > 1 {
                    a href={ "/admin/selection?" (query(page - 1)) } { (x::PREVIOUS_PAGE) } " "
                }
                (x::page_of(page, pages)) " "
                @if page < pages {
                    a href={ "/admin/selection?" (query(page + 1)) } { (x::NEXT_PAGE) }
                }
            }
        }
    }
}

pub async fn page(State(st): State<AppState>, v: Viewer, Query(q): Query<SelectionQuery>) -> Result<Markup, PageError> {
    let d = data(&st, &q).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let rows: Vec<Vec<Markup>> = d
        .items
        .iter()
        .map(|s| {
            let it = &s.item;
            vec![
                html! {
                    @if let Some(u) = it.image_url.as_deref().filter(|u| u.starts_with("http://") || u.starts_with("https://")) {
                        img src=(u) alt="" width="48" height="48" loading="lazy";
                    }
                },
                html! { span.item-title { (it.short_title.as_deref().unwrap_or(&it.title)) } },
                html! { (it.platform.display_name()) },
                html! { (yuan(it.price)) },
                html! { (it.coupon.as_ref().map_or_else(|| "-".into(), |c| yuan(c.amount))) },
                html! { (yuan(it.final_price)) },
                html! { (it.commission_rate.percent_string()) },
                html! { (yuan(it.commission)) },
                html! { (it.sales_text.clone().unwrap_or_else(|| it.sales.to_string())) },
                html! { (it.shop) },
                html! { (it.category) },
                html! { (format::datetime(s.last_seen_at, offset)) },
                html! { span.item-id { (s.id) } },
                html! {
                    input type="checkbox" name="item" value=(s.id) form="selection-actions" aria-label=(x::pick_item(s.id));
                },
            ]
        })
        .collect();
    let pages = (d.total + PAGE_SIZE - 1) / PAGE_SIZE;
    let actions = actions(&st, &v).await?;
    let body = html! {
        (view::notice(q.msg.as_deref()))
        (filter_form(&q, &d.categories))
        p #selection-total { (x::items_total(d.total)) }
        (view::table(x::SELECTION_COLUMNS, &rows))
        (pager(&q, d.page, pages))
        (actions)
    };
    Ok(view::page(&v, "/admin/selection", x::SELECTION, body))
}

/// The form the ticked items go with: into a plan of hand-picked items, or posted now to the chosen groups. It
/// carries an id (the table's checkboxes name it), so it is written out here rather than with [`view::form`].
async fn actions(st: &AppState, v: &Viewer) -> Result<Markup, AdminError> {
    let plans = super::posting::plans_data(st, v).await?;
    let groups = st.store.groups_overview(v.scope(), 0).await?;
    Ok(html! {
        form #selection-actions method="post" action="/admin/selection/pick" class="card selection-actions" {
            (view::csrf_field(v))
            h2 { (x::TICKED_ITEMS) }
            label {
                (x::ADD_TO_PLAN)
                select name="plan_id" {
                    @for p in plans.iter().filter(|p| matches!(p.plan.source, crate::posting::Source::Items(_))) {
                        option value=(p.id) { (p.plan.name) }
                    }
                }
            }
            button #selection-pick type="submit" { (x::ADD_TO_PLAN) }
            fieldset #selection-groups {
                legend { (x::POST_NOW_TO) }
                @for g in groups.iter().filter(|g| g.enabled) {
                    label.inline { input type="checkbox" name="group" value=(g.id); " " (g.name) }
                }
            }
            button #selection-post type="submit" formaction="/admin/selection/post" { (x::POST_NOW) }
        }
    })
}
