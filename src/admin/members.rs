//! 会员: members with their points and conversions; one member's points history.

use super::error::{AdminError, ApiError, PageError};
use super::format::{self, yuan};
use super::overview::card;
use super::session::Viewer;
use super::text::people as x;
use super::view;
use crate::http::AppState;
use crate::money::Fen;
use crate::store::dashboard::MemberSummary;
use crate::store::ledger::AccountKind;
use crate::store::order_list::{OrderFilter, OrderListRow};
use axum::Json;
use axum::extract::{Path, Query, State};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<i64>,
}

pub async fn list_data(st: &AppState, v: &Viewer, q: &MemberQuery) -> Result<Vec<MemberSummary>, AdminError> {
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let search: String = q.q.trim().chars().take(64).collect();
    Ok(st.store.members_overview(v.scope(), &search, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PointsLine {
    pub kind: String,
    pub delta: i64,
    pub created_at: i64,
}

/// The member's rebate account in the ledger, in 分 (for a partner: only what their groups' orders brought).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Balance {
    pub pending: Fen,
    pub available: Fen,
    pub withdrawing: Fen,
    pub paid_out: Fen,
    /// Clawed back after payment and not yet recovered.
    pub debt: Fen,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberDetail {
    #[serde(flatten)]
    pub member: MemberSummary,
    pub balance: Balance,
    pub recent_points: Vec<PointsLine>,
    /// The member's latest orders (partners: of their own groups).
    pub orders: Vec<OrderListRow>,
}

pub async fn detail_data(st: &AppState, v: &Viewer, id: i64) -> Result<MemberDetail, AdminError> {
    let member = match st.store.member_summary(id, v.scope()).await? {
        Some(m) => m,
        None if st.store.member_summary(id, None).await?.is_some() => return Err(AdminError::Forbidden),
        None => return Err(AdminError::NotFound),
    };
    let recent_points = st
        .store
        .recent_points(id, 20)
        .await?
        .into_iter()
        .map(|e| PointsLine { kind: e.kind, delta: e.delta, created_at: e.created_at })
        .collect();
    // A partner sees the part of the balance earned in their own groups (a member may be in other partners'
    // groups too).
    let b = match v.scope() {
        None => st.store.ledger_balance(AccountKind::Member, id).await?,
        Some(partner) => st.store.member_balance_from_partner(id, partner).await?,
    };
    let balance = Balance {
        pending: Fen(b.pending),
        available: Fen(b.available),
        withdrawing: Fen(b.withdrawing),
        paid_out: Fen(b.paid_out),
        debt: Fen(b.debt),
    };
    let filter = OrderFilter { member_id: Some(id), partner_id: v.scope(), ..OrderFilter::default() };
    let orders = st.store.order_list(&filter, 20, 0).await?;
    Ok(MemberDetail { member, balance, recent_points, orders })
}

/// A member's nickname, or their wxid while they have none.
fn shown_name(m: &MemberSummary) -> &str {
    if m.nickname.is_empty() { &m.wxid } else { &m.nickname }
}

pub async fn list_page(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<MemberQuery>,
) -> Result<Markup, PageError> {
    let list = list_data(&st, &v, &q).await?;
    let page = q.page.unwrap_or(1).max(1);
    let rows: Vec<Vec<Markup>> = list
        .iter()
        .map(|m| {
            vec![
                html! { a href={ "/admin/members/" (m.id) } { (shown_name(m)) } },
                html! { (m.wxid) },
                html! { (m.points) },
                html! { (m.conversions) },
                html! { (m.groups) },
            ]
        })
        .collect();
    let qs = super::groups::urlenc(&q.q);
    let body = html! {
        form.card.row method="get" {
            input name="q" value=(q.q) maxlength="64" placeholder=(x::NICKNAME_OR_WXID);
            button type="submit" { (x::SEARCH) }
        }
        (view::table(x::MEMBER_LIST_COLUMNS, &rows))
        p.pager {
            @if page > 1 {
                a href={ "/admin/members?q=" (qs) "&page=" (page - 1) } { (x::PREVIOUS_PAGE) } " "
            }
            @if list.len() as i64 == PAGE_SIZE {
                a href={ "/admin/members?q=" (qs) "&page=" (page + 1) } { (x::NEXT_PAGE) }
            }
        }
    };
    Ok(view::page(&v, "/admin/members", x::MEMBER, body))
}

pub async fn detail_page(State(st): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Markup, PageError> {
    let d = detail_data(&st, &v, id).await?;
    let m = &d.member;
    let offset = st.settings.chat.utc_offset_hours;
    let bal = &d.balance;
    let points: Vec<Vec<Markup>> = d
        .recent_points
        .iter()
        .map(|p| {
            vec![
                html! { (format::datetime(p.created_at, offset)) },
                html! { (p.kind) },
                html! { (format!("{:+}", p.delta)) },
            ]
        })
        .collect();
    let orders: Vec<Vec<Markup>> = d
        .orders
        .iter()
        .map(|o| {
            vec![
                html! { (o.paid_at.map(|t| format::datetime(t * 1000, offset)).unwrap_or_else(|| "-".into())) },
                html! { (o.platform.display_name()) },
                html! { (o.order_key) },
                html! { (yuan(o.paid_amount)) },
                html! { (yuan(o.estimated_commission)) },
                html! { (o.lifecycle.display_name()) },
            ]
        })
        .collect();
    let body = html! {
        div.cards {
            (card(x::POINTS, m.points))
            (card(x::CONVERSIONS, m.conversions))
            (card(x::GROUP_COUNT, m.groups))
        }
        h2 { (x::rebate_balance(v.scope().is_some())) }
        div.cards #balance {
            (card(x::PENDING, yuan(bal.pending)))
            (card(x::AVAILABLE, yuan(bal.available)))
            (card(x::WITHDRAWING, yuan(bal.withdrawing)))
            (card(x::WITHDRAWN, yuan(bal.paid_out)))
            (card(x::DEBT, yuan(bal.debt)))
        }
        h2 { (x::POINTS_HISTORY) }
        (view::table(x::POINTS_COLUMNS, &points))
        h2 { (x::RECENT_ORDERS) }
        (view::table(x::RECENT_ORDERS_COLUMNS, &orders))
    };
    Ok(view::page(&v, "/admin/members", &x::member_title(shown_name(m)), body))
}

/// Members, searched with q, one page at a time.
#[utoipa::path(
    get,
    path = "/admin/api/members",
    tag = "members",
    params(MemberQuery),
    responses((status = 200, body = Vec<MemberSummary>)),
)]
pub async fn api_list(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<MemberQuery>,
) -> Result<Json<Vec<MemberSummary>>, ApiError> {
    Ok(Json(list_data(&st, &v, &q).await?))
}

/// One member: balance, recent points and orders.
#[utoipa::path(
    get,
    path = "/admin/api/members/{id}",
    tag = "members",
    params(("id" = i64, Path, description = "Member id")),
    responses((status = 200, body = MemberDetail)),
)]
pub async fn api_detail(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Json<MemberDetail>, ApiError> {
    Ok(Json(detail_data(&st, &v, id).await?))
}
