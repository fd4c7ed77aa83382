//! 订单: orders filtered by platform, status, group, partner, member and payment dates, paged, and exported as
//! CSV with the same filters. Partners see their own orders only.

use super::csv::{self, Csv};
use super::error::{AdminError, ApiError, PageError};
use super::format::{self, yuan};
use super::session::{Admin, Viewer};
use super::text::money as m;
use super::view;
use crate::http::AppState;
use crate::ledger::Ledger;
use crate::order::Lifecycle;
use crate::orders::OrdersError;
use crate::orders::claims::{self, AssignError};
use crate::platform::Platform;
use crate::store::order_list::{BookedRates, OrderFilter, OrderListRow};
use axum::extract::{Path, Query, State};
use axum::response::{Redirect, Response};
use axum::{Form, Json};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

const PAGE_SIZE: i64 = 50;
/// The most rows one CSV export holds.
const CSV_MAX_ROWS: i64 = 50_000;

/// The filters as the form and the API send them; empty strings mean "any".
#[derive(Debug, Default, Clone, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub partner: String,
    #[serde(default)]
    pub member: String,
    /// `yyyy-MM-dd`, local day of payment, inclusive.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: Option<i64>,
}

/// An optional number typed into a filter field (`what` names it in the error): empty means none.
pub(super) fn opt_id(s: &str, what: &str) -> Result<Option<i64>, AdminError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| AdminError::BadRequest(m::not_a_number(what)))
}

/// Unix seconds of local midnight starting `yyyy-MM-dd`.
pub(crate) fn day_start(s: &str, utc_offset_hours: i64) -> Result<Option<i64>, AdminError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(t, &fmt).map_err(|_| AdminError::BadRequest(m::bad_date(t)))?;
    Ok(Some(d.midnight().assume_utc().unix_timestamp() - utc_offset_hours * 3600))
}

/// An optional platform filter: empty means any.
fn platform(s: &str) -> Result<Option<Platform>, AdminError> {
    match s.trim() {
        "" => Ok(None),
        p => Ok(Some(p.parse::<Platform>().map_err(|_| AdminError::BadRequest(m::UNKNOWN_PLATFORM.into()))?)),
    }
}

impl OrderQuery {
    /// The store filter, narrowed to the viewer's own orders for partners.
    pub fn filter(&self, v: &Viewer, utc_offset_hours: i64) -> Result<OrderFilter, AdminError> {
        let platform = platform(&self.platform)?;
        let lifecycle = match self.status.trim() {
            "" => None,
            s => Some(s.parse::<Lifecycle>().map_err(|_| AdminError::BadRequest(m::UNKNOWN_STATUS.into()))?),
        };
        let mut partner_id = opt_id(&self.partner, m::PARTNER)?;
        if let Some(own) = v.scope() {
            if partner_id.is_some_and(|p| p != own) {
                return Err(AdminError::Forbidden);
            }
            partner_id = Some(own);
        }
        Ok(OrderFilter {
            platform,
            lifecycle,
            group_id: opt_id(&self.group, m::GROUP)?,
            partner_id,
            member_id: opt_id(&self.member, m::MEMBER)?,
            paid_from: day_start(&self.from, utc_offset_hours)?,
            paid_until: day_start(&self.to, utc_offset_hours)?.map(|t| t + 86_400),
        })
    }

    fn query_string(&self) -> String {
        super::format::filter_query(&[
            ("platform", self.platform.as_str()),
            ("status", self.status.as_str()),
            ("group", self.group.as_str()),
            ("partner", self.partner.as_str()),
            ("member", self.member.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ])
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderPage {
    pub orders: Vec<OrderListRow>,
    pub page: i64,
    pub has_more: bool,
}

pub async fn data(st: &AppState, v: &Viewer, q: &OrderQuery) -> Result<OrderPage, AdminError> {
    let filter = q.filter(v, st.settings.chat.utc_offset_hours)?;
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let mut orders = st.store.order_list(&filter, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await?;
    let has_more = orders.len() as i64 > PAGE_SIZE;
    orders.truncate(PAGE_SIZE as usize);
    Ok(OrderPage { orders, page, has_more })
}

fn local_time(secs: Option<i64>, offset: i64) -> String {
    secs.map(|t| format::datetime(t * 1000, offset)).unwrap_or_else(|| "-".into())
}

/// The platforms as (code, name) pairs for a `<select>`.
pub(super) fn platform_options() -> Vec<(&'static str, &'static str)> {
    Platform::ALL.iter().map(|p| (p.code(), p.display_name())).collect()
}

/// A list's pager: the previous and the next page of `path` under the filter's query string `qs`, and the page's
/// number.
pub(super) fn pager(path: &str, qs: &str, page: i64, has_more: bool) -> Markup {
    let sep = if qs.is_empty() { "" } else { "&" };
    html! {
        p.pager {
            @if page > 1 {
                a href={ (path) "?" (qs) (sep) "page=" (page - 1) } { (m::PREVIOUS_PAGE) } " "
            }
            (m::page_number(page))
            @if has_more {
                " " a href={ (path) "?" (qs) (sep) "page=" (page + 1) } { (m::NEXT_PAGE) }
            }
        }
    }
}

/// An order's member: a link, or for an admin the form that gives an order without a member to one, with a reason.
fn member_cell(v: &Viewer, o: &OrderListRow) -> Markup {
    match o.member_id {
        Some(id) => html! { a href={ "/admin/members/" (id) } { (o.member_name.as_deref().unwrap_or("-")) } },
        None if v.is_admin() => {
            let fields = html! {
                input name="member_id" required inputmode="numeric" size="5" placeholder=(m::MEMBER_ID);
                input name="reason" required maxlength="200" size="8" placeholder=(m::REASON);
                button type="submit" { (m::ASSIGN) }
            };
            view::form(v, &format!("/admin/orders/{}/assign", o.id), "inline assign", fields)
        }
        None => html! { "-" },
    }
}

pub async fn page(State(st): State<AppState>, v: Viewer, Query(q): Query<OrderQuery>) -> Result<Markup, PageError> {
    let d = data(&st, &v, &q).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let states: Vec<(&str, &str)> = Lifecycle::ALL.iter().map(|l| (l.code(), l.display_name())).collect();
    let groups: Vec<(String, String)> = st
        .store
        .groups_overview(v.scope(), 0)
        .await?
        .into_iter()
        .map(|g| (g.id.to_string(), if g.name.is_empty() { g.room_id } else { g.name }))
        .collect();
    let partners: Vec<(String, String)> = if v.is_admin() {
        st.store.partners(None).await?.into_iter().map(|p| (p.id.to_string(), p.name)).collect()
    } else {
        Vec::new()
    };
    let rows: Vec<Vec<Markup>> = d
        .orders
        .iter()
        .map(|o| {
            vec![
                html! { (local_time(o.paid_at, offset)) },
                html! { (o.platform.display_name()) },
                html! { (o.order_key) },
                html! { (o.item_title.chars().take(24).collect::<String>()) },
                html! { (yuan(o.paid_amount)) },
                html! { (yuan(o.estimated_commission)) },
                html! { (yuan(o.settled_commission)) },
                html! { (o.lifecycle.display_name()) },
                html! { (o.group_name.as_deref().unwrap_or("-")) },
                html! { (o.partner_name.as_deref().unwrap_or("-")) },
                member_cell(&v, o),
                booked_rates(o.booked.as_ref()),
            ]
        })
        .collect();
    let headings: Vec<&str> =
        m::ORDER_COLUMNS.iter().copied().chain(m::ORDER_PAGE_MEMBER_COLUMNS.iter().copied()).collect();
    let qs = q.query_string();
    let body = html! {
        form method="get" class="card row" #order-filter {
            label { (m::PLATFORM) (view::select_or_all("platform", &q.platform, &platform_options())) }
            label { (m::STATUS) (view::select_or_all("status", &q.status, &states)) }
            label { (m::GROUP) (view::select_or_all("group", &q.group, &groups)) }
            @if v.is_admin() {
                label { (m::PARTNER) (view::select_or_all("partner", &q.partner, &partners)) }
            }
            label { (m::MEMBER_ID) input name="member" inputmode="numeric" size="6" value=(q.member); }
            label { (m::PAID_FROM) input type="date" name="from" value=(q.from); }
            label { (m::DATE_TO) input type="date" name="to" value=(q.to); }
            button type="submit" { (m::FILTER) }
            a #csv href={ "/admin/orders.csv?" (qs) } { (m::EXPORT_CSV) }
        }
        (view::table(&headings, &rows))
        (pager("/admin/orders", &qs, d.page, d.has_more))
    };
    Ok(view::page(&v, "/admin/orders", m::ORDERS, body))
}

/// The rates an order was booked with and the rule behind each (`默认`: the `[ledger]` default).
fn booked_rates(b: Option<&BookedRates>) -> Markup {
    let Some(b) = b else { return html! { (m::NOT_BOOKED) } };
    let part = |name: &str, bps: i64, rule: Option<i64>| {
        html! {
            (name) " " (crate::money::Bps(bps).percent_string()) (m::OPEN_PAREN)
            @match rule {
                Some(id) => a href="/admin/rates" { "#" (id) },
                None => (m::DEFAULT_RATE),
            }
            (m::CLOSE_PAREN)
        }
    };
    let mut parts = vec![
        part(m::REBATE, b.rebate_bps, b.rules.rebate),
        part(m::PARTNER, b.partner_bps, b.rules.partner),
        part(m::AGENT, b.agent_bps, b.rules.agent),
    ];
    if b.agent2_bps > 0 {
        parts.push(part(m::AGENT2, b.agent2_bps, b.rules.agent2));
    }
    html! {
        @for (i, p) in parts.iter().enumerate() {
            @if i > 0 { br; }
            (p)
        }
    }
}

pub fn csv(rows: &[OrderListRow], utc_offset_hours: i64) -> Csv {
    let mut out = Csv::default();
    let headings: Vec<&str> =
        m::ORDER_COLUMNS.iter().copied().chain(m::ORDER_CSV_MEMBER_COLUMNS.iter().copied()).collect();
    out.row(&headings);
    for o in rows {
        out.row(&[
            csv::field(&local_time(o.paid_at, utc_offset_hours)),
            csv::field(o.platform.display_name()),
            csv::field(&o.order_key),
            csv::field(&o.item_title),
            yuan(o.paid_amount),
            yuan(o.estimated_commission),
            yuan(o.settled_commission),
            csv::field(o.lifecycle.display_name()),
            csv::field(o.group_name.as_deref().unwrap_or_default()),
            csv::field(o.partner_name.as_deref().unwrap_or_default()),
            o.member_id.map(|m| m.to_string()).unwrap_or_default(),
            csv::field(o.member_name.as_deref().unwrap_or_default()),
        ]);
    }
    out
}

pub async fn export(State(st): State<AppState>, v: Viewer, Query(q): Query<OrderQuery>) -> Result<Response, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let filter = q.filter(&v, offset)?;
    let rows = st.store.order_list(&filter, CSV_MAX_ROWS, 0).await?;
    Ok(csv(&rows, offset).download("orders.csv"))
}

/// Orders, filtered by platform, status, group, partner, member and paid day (from, to), one page at a time;
/// amounts in fen.
#[utoipa::path(
    get,
    path = "/admin/api/orders",
    tag = "orders",
    params(OrderQuery),
    responses((status = 200, body = OrderPage)),
)]
pub async fn api(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<OrderQuery>,
) -> Result<Json<OrderPage>, ApiError> {
    Ok(Json(data(&st, &v, &q).await?))
}

/// An admin's assignment of an order to a member.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Assignment {
    pub member_id: i64,
    pub reason: String,
}

/// The same, as the orders page's form sends it.
#[derive(Debug, Deserialize)]
pub struct AssignmentForm {
    pub member_id: String,
    pub reason: String,
}

async fn assign(st: &AppState, v: &Admin, id: i64, member_id: i64, reason: &str) -> Result<(), AdminError> {
    let ledger = Ledger::with_settings(st.store.clone(), st.settings.ledger.clone(), st.settings.chat.utc_offset_hours)
        .with_invite_reward(crate::campaigns::invites::reward(&st.settings.campaigns));
    match claims::assign(&st.store, &ledger, id, member_id, &v.username, reason, st.clock.now_ms()).await {
        Ok(()) => Ok(()),
        Err(AssignError::Orders(OrdersError::Store(e))) => Err(e.into()),
        Err(AssignError::Orders(e)) => {
            tracing::error!(error = %e, "assigning an order failed");
            Err(AdminError::BadRequest(m::ASSIGN_FAILED.into()))
        }
        Err(e) => Err(AdminError::BadRequest(e.to_string())),
    }
}

/// `POST /admin/orders/{id}/assign` (the form): then the member's orders.
pub async fn assign_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Form(f): Form<AssignmentForm>,
) -> Result<Redirect, PageError> {
    let member_id: i64 =
        f.member_id.trim().parse().map_err(|_| AdminError::BadRequest(m::not_a_number(m::MEMBER_ID)))?;
    assign(&st, &v, id, member_id, &f.reason).await?;
    Ok(Redirect::to(&format!("/admin/orders?member={member_id}")))
}

/// `POST /admin/api/orders/{id}/assign`: an admin gives an order (typically one of no group, which members cannot
/// claim) to a member, with a reason; logged, and the ledger re-splits the order at once.
#[utoipa::path(
    post,
    path = "/admin/api/orders/{id}/assign",
    tag = "orders",
    params(("id" = i64, Path, description = "Order id")),
    request_body(content = Assignment, example = json!({"member_id": 1, "reason": super::text::api::ASSIGN_REASON})),
    responses((status = 200, body = Assigned)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_assign(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Json(a): Json<Assignment>,
) -> Result<Json<Assigned>, ApiError> {
    assign(&st, &v, id, a.member_id, &a.reason).await?;
    Ok(Json(Assigned { order_id: id, member_id: a.member_id }))
}

/// An order given to a member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Assigned {
    pub order_id: i64,
    pub member_id: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnattributedQuery {
    platform: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnattributedOrder {
    platform: Platform,
    order_key: String,
    item_title: String,
    lifecycle: Lifecycle,
    commission_fen: i64,
    group_id: Option<i64>,
    pid: String,
    member_tag: Option<String>,
}

/// Orders without a member (optionally of one platform), newest first: what an admin may assign.
#[utoipa::path(
    get,
    path = "/admin/api/orders/unattributed",
    tag = "orders",
    params(UnattributedQuery),
    responses((status = 200, body = Vec<UnattributedOrder>)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_unattributed(
    State(st): State<AppState>,
    _v: Admin,
    Query(q): Query<UnattributedQuery>,
) -> Result<Json<Vec<UnattributedOrder>>, ApiError> {
    let platform = platform(q.platform.as_deref().unwrap_or(""))?;
    let orders = st.store.unattributed_orders(platform, 500).await?;
    Ok(Json(
        orders
            .into_iter()
            .map(|o| UnattributedOrder {
                platform: o.platform,
                commission_fen: o.commission().0,
                order_key: o.order_key,
                item_title: o.item_title,
                lifecycle: o.lifecycle,
                group_id: o.attribution.group_id,
                pid: o.pid,
                member_tag: o.member_tag,
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_local_days() {
        // 2026-11-29 00:00 in UTC+8 is 2026-11-28 16:00 UTC
        assert_eq!(day_start("2026-11-29", 8).unwrap(), Some(1_795_881_600));
        assert!(day_start("29/11/2026", 8).is_err());
        assert_eq!(day_start(" ", 8).unwrap(), None);
    }
}
