//! 会员: members with their points and conversions; one member's points history.

use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc, yuan};
use super::session::Viewer;
use crate::http::AppState;
use crate::money::Fen;
use crate::store::dashboard::MemberSummary;
use crate::store::ledger::AccountKind;
use crate::store::order_list::{OrderFilter, OrderListRow};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

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

pub async fn list_page(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<MemberQuery>,
) -> Result<Html<String>, PageError> {
    let list = list_data(&st, &v, &q).await?;
    let page = q.page.unwrap_or(1).max(1);
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|m| {
            vec![
                format!(
                    "<a href=\"/admin/members/{}\">{}</a>",
                    m.id,
                    esc(if m.nickname.is_empty() { &m.wxid } else { &m.nickname })
                ),
                esc(&m.wxid),
                m.points.to_string(),
                m.conversions.to_string(),
                m.groups.to_string(),
            ]
        })
        .collect();
    let mut b = format!(
        "<form method=get class=\"card row\"><input name=q value=\"{}\" maxlength=64 placeholder=昵称或微信号><button type=submit>搜索</button></form>",
        esc(&q.q)
    );
    b.push_str(&html::table(&["会员", "微信号", "积分", "转链", "群数"], &rows));
    let qs = super::groups::urlenc(&q.q);
    b.push_str("<p class=pager>");
    if page > 1 {
        let _ = write!(b, "<a href=\"/admin/members?q={qs}&page={}\">上一页</a> ", page - 1);
    }
    if list.len() as i64 == PAGE_SIZE {
        let _ = write!(b, "<a href=\"/admin/members?q={qs}&page={}\">下一页</a>", page + 1);
    }
    b.push_str("</p>");
    Ok(html::page(&v, "/admin/members", "会员", &b))
}

pub async fn detail_page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let d = detail_data(&st, &v, id).await?;
    let m = &d.member;
    let offset = st.settings.chat.utc_offset_hours;
    let bal = &d.balance;
    let mut b = format!(
        "<div class=cards><div class=card><span>积分</span><b>{}</b></div><div class=card><span>转链</span><b>{}</b></div>\
         <div class=card><span>群数</span><b>{}</b></div></div><h2>返利余额（元{}）</h2><div class=cards id=balance>\
         <div class=card><span>待结算</span><b>{}</b></div><div class=card><span>可提现</span><b>{}</b></div>\
         <div class=card><span>提现中</span><b>{}</b></div><div class=card><span>已提现</span><b>{}</b></div>\
         <div class=card><span>欠款</span><b>{}</b></div></div><h2>积分记录</h2>",
        m.points,
        m.conversions,
        m.groups,
        if v.scope().is_some() { "，来自你的群" } else { "" },
        yuan(bal.pending),
        yuan(bal.available),
        yuan(bal.withdrawing),
        yuan(bal.paid_out),
        yuan(bal.debt)
    );
    let rows: Vec<Vec<String>> = d
        .recent_points
        .iter()
        .map(|p| vec![html::datetime(p.created_at, offset), esc(&p.kind), format!("{:+}", p.delta)])
        .collect();
    b.push_str(&html::table(&["时间", "类型", "积分"], &rows));
    b.push_str("<h2>最近订单</h2>");
    let rows: Vec<Vec<String>> = d
        .orders
        .iter()
        .map(|o| {
            vec![
                o.paid_at.map(|t| html::datetime(t * 1000, offset)).unwrap_or_else(|| "-".into()),
                o.platform.display_name().into(),
                esc(&o.order_key),
                yuan(o.paid_amount),
                yuan(o.estimated_commission),
                o.lifecycle.display_name().into(),
            ]
        })
        .collect();
    b.push_str(&html::table(&["付款时间", "平台", "订单号", "付款金额", "预估佣金", "状态"], &rows));
    let title = format!("会员 · {}", if m.nickname.is_empty() { &m.wxid } else { &m.nickname });
    Ok(html::page(&v, "/admin/members", &title, &b))
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
