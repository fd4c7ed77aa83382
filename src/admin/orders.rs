//! 订单: orders filtered by platform, status, group, partner, member and payment dates, paged, and exported as
//! CSV with the same filters. Partners see their own orders only.

use super::csv::{self, Csv};
use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc, yuan};
use super::session::{Admin, Viewer};
use crate::http::AppState;
use crate::ledger::Ledger;
use crate::order::Lifecycle;
use crate::orders::OrdersError;
use crate::orders::claims::{self, AssignError};
use crate::platform::Platform;
use crate::store::order_list::{BookedRates, OrderFilter, OrderListRow};
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

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

fn opt_id(s: &str, what: &str) -> Result<Option<i64>, AdminError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| AdminError::BadRequest(format!("{what}须为数字")))
}

/// Unix seconds of local midnight starting `yyyy-MM-dd`.
pub(crate) fn day_start(s: &str, utc_offset_hours: i64) -> Result<Option<i64>, AdminError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(t, &fmt).map_err(|_| AdminError::BadRequest(format!("日期格式应为 2026-01-31：{t}")))?;
    Ok(Some(d.midnight().assume_utc().unix_timestamp() - utc_offset_hours * 3600))
}

/// An optional platform filter: empty means any.
fn platform(s: &str) -> Result<Option<Platform>, AdminError> {
    match s.trim() {
        "" => Ok(None),
        p => Ok(Some(p.parse::<Platform>().map_err(|_| AdminError::BadRequest("未知平台".into()))?)),
    }
}

impl OrderQuery {
    /// The store filter, narrowed to the viewer's own orders for partners.
    pub fn filter(&self, v: &Viewer, utc_offset_hours: i64) -> Result<OrderFilter, AdminError> {
        let platform = platform(&self.platform)?;
        let lifecycle = match self.status.trim() {
            "" => None,
            s => Some(s.parse::<Lifecycle>().map_err(|_| AdminError::BadRequest("未知状态".into()))?),
        };
        let mut partner_id = opt_id(&self.partner, "合伙人")?;
        if let Some(own) = v.scope() {
            if partner_id.is_some_and(|p| p != own) {
                return Err(AdminError::Forbidden);
            }
            partner_id = Some(own);
        }
        Ok(OrderFilter {
            platform,
            lifecycle,
            group_id: opt_id(&self.group, "群")?,
            partner_id,
            member_id: opt_id(&self.member, "会员")?,
            paid_from: day_start(&self.from, utc_offset_hours)?,
            paid_until: day_start(&self.to, utc_offset_hours)?.map(|t| t + 86_400),
        })
    }

    fn query_string(&self) -> String {
        super::html::filter_query(&[
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
    secs.map(|t| html::datetime(t * 1000, offset)).unwrap_or_else(|| "-".into())
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<OrderQuery>,
) -> Result<Html<String>, PageError> {
    let d = data(&st, &v, &q).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let platforms: Vec<(String, String)> =
        Platform::ALL.iter().map(|p| (p.code().to_string(), p.display_name().to_string())).collect();
    let states: Vec<(String, String)> =
        Lifecycle::ALL.iter().map(|l| (l.code().to_string(), l.display_name().to_string())).collect();
    let groups: Vec<(String, String)> = st
        .store
        .groups_overview(v.scope(), 0)
        .await?
        .into_iter()
        .map(|g| (g.id.to_string(), if g.name.is_empty() { g.room_id } else { g.name }))
        .collect();
    let mut b = String::from("<form method=get class=\"card row\" id=order-filter>");
    let _ = write!(
        b,
        "<label>平台{}</label><label>状态{}</label><label>群{}</label>",
        html::select_or_all("platform", &q.platform, &platforms),
        html::select_or_all("status", &q.status, &states),
        html::select_or_all("group", &q.group, &groups)
    );
    if v.is_admin() {
        let partners: Vec<(String, String)> =
            st.store.partners(None).await?.into_iter().map(|p| (p.id.to_string(), p.name)).collect();
        let _ = write!(b, "<label>合伙人{}</label>", html::select_or_all("partner", &q.partner, &partners));
    }
    let _ = write!(
        b,
        "<label>会员ID<input name=member inputmode=numeric size=6 value=\"{}\"></label>\
         <label>付款从<input type=date name=from value=\"{}\"></label><label>到<input type=date name=to value=\"{}\"></label>\
         <button type=submit>筛选</button><a id=csv href=\"/admin/orders.csv?{}\">导出 CSV</a></form>",
        esc(&q.member),
        esc(&q.from),
        esc(&q.to),
        esc(&q.query_string())
    );
    let rows: Vec<Vec<String>> = d
        .orders
        .iter()
        .map(|o| {
            vec![
                local_time(o.paid_at, offset),
                o.platform.display_name().to_string(),
                esc(&o.order_key),
                esc(&o.item_title.chars().take(24).collect::<String>()),
                yuan(o.paid_amount),
                yuan(o.estimated_commission),
                yuan(o.settled_commission),
                o.lifecycle.display_name().to_string(),
                esc(o.group_name.as_deref().unwrap_or("-")),
                esc(o.partner_name.as_deref().unwrap_or("-")),
                match o.member_id {
                    Some(id) => {
                        format!("<a href=\"/admin/members/{id}\">{}</a>", esc(o.member_name.as_deref().unwrap_or("-")))
                    }
                    // An admin gives an order without a member to one, with a reason.
                    None if v.is_admin() => {
                        let mut cell = html::form_open(&v, &format!("/admin/orders/{}/assign", o.id), "inline assign");
                        cell.push_str(
                            "<input name=member_id required inputmode=numeric size=5 placeholder=会员ID>\
                             <input name=reason required maxlength=200 size=8 placeholder=原因>\
                             <button type=submit>分配</button></form>",
                        );
                        cell
                    }
                    None => "-".into(),
                },
                booked_rates(o.booked.as_ref()),
            ]
        })
        .collect();
    let headings: Vec<&str> = ORDER_COLUMNS.iter().copied().chain(["会员", "分佣规则"]).collect();
    b.push_str(&html::table(&headings, &rows));
    let qs = esc(&q.query_string());
    b.push_str("<p class=pager>");
    if d.page > 1 {
        let _ = write!(b, "<a href=\"/admin/orders?{qs}&amp;page={}\">上一页</a>", d.page - 1);
    }
    if d.has_more {
        let _ = write!(b, "<a href=\"/admin/orders?{qs}&amp;page={}\">下一页</a>", d.page + 1);
    }
    b.push_str("</p>");
    Ok(html::page(&v, "/admin/orders", "订单", &b))
}

/// The rates an order was booked with and the rule behind each (`默认`: the `[ledger]` default).
fn booked_rates(b: Option<&BookedRates>) -> String {
    let Some(b) = b else { return "未入账".into() };
    let part = |name: &str, bps: i64, rule: Option<i64>| {
        let from = rule.map_or_else(|| "默认".to_string(), |id| format!("<a href=\"/admin/rates\">#{id}</a>"));
        format!("{name} {}（{from}）", crate::money::Bps(bps).percent_string())
    };
    let mut parts = vec![
        part("返利", b.rebate_bps, b.rules.rebate),
        part("合伙人", b.partner_bps, b.rules.partner),
        part("代理", b.agent_bps, b.rules.agent),
    ];
    if b.agent2_bps > 0 {
        parts.push(part("二级代理", b.agent2_bps, b.rules.agent2));
    }
    parts.join("<br>")
}

/// The columns the order table and its CSV share, before their member columns.
const ORDER_COLUMNS: [&str; 10] =
    ["付款时间", "平台", "订单号", "商品", "付款金额", "预估佣金", "结算佣金", "状态", "群", "合伙人"];

pub fn csv(rows: &[OrderListRow], utc_offset_hours: i64) -> Csv {
    let mut out = Csv::default();
    let headings: Vec<&str> = ORDER_COLUMNS.iter().copied().chain(["会员ID", "会员"]).collect();
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
            Err(AdminError::BadRequest("分配失败，请稍后再试".into()))
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
    let member_id: i64 = f.member_id.trim().parse().map_err(|_| AdminError::BadRequest("会员ID须为数字".into()))?;
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
    responses((status = 200, body = Object)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_assign(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Json(a): Json<Assignment>,
) -> Result<Json<serde_json::Value>, ApiError> {
    assign(&st, &v, id, a.member_id, &a.reason).await?;
    Ok(Json(serde_json::json!({ "order_id": id, "member_id": a.member_id })))
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
