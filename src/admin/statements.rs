//! 月度对账单: one partner's (or agent's) month in local time — the orders of their groups and of the partners
//! they are agent of, the commission, their shares, adjustments, what was paid out, and the opening and closing
//! balances of both accounts — on the dashboard and as CSV. A partner sees only their own.
//! JSON at `/admin/api/statements?partner_id=…&month=yyyy-MM`.

use super::csv::{self, Csv};
use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc, yuan};
use super::session::Viewer;
use crate::http::AppState;
use crate::ledger::month::{Month, MonthlyStatement, balance};
use crate::money::Fen;
use crate::platform::Platform;
use crate::store::finance::MonthFigures;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// The partner; a partner may leave it out (their own) and may name no other; an admin who leaves it out sees
    /// the first partner.
    #[serde(default)]
    pub partner_id: String,
    /// `yyyy-MM`; the current local month when empty.
    #[serde(default)]
    pub month: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountMonthView {
    /// `partner` or `agent`.
    pub account_kind: &'static str,
    pub opening_balance_fen: i64,
    pub closing_balance_fen: i64,
    /// The month's shares booked on orders (pending and available, less clawbacks).
    pub orders_fen: i64,
    pub adjustments_fen: i64,
    pub paid_out_fen: i64,
    pub closing_available_fen: i64,
    pub closing_withdrawing_fen: i64,
    pub closing_pending_fen: i64,
}

impl From<&MonthFigures> for AccountMonthView {
    fn from(f: &MonthFigures) -> Self {
        AccountMonthView {
            account_kind: f.account_kind.code(),
            opening_balance_fen: balance(&f.opening),
            closing_balance_fen: balance(&f.closing),
            orders_fen: balance(&f.orders),
            adjustments_fen: balance(&f.adjustments),
            paid_out_fen: f.paid_out,
            closing_available_fen: f.closing.available,
            closing_withdrawing_fen: f.closing.withdrawing,
            closing_pending_fen: f.closing.pending,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatementOrderView {
    pub order_id: i64,
    pub platform: String,
    pub order_key: String,
    pub phase: String,
    pub paid_at: Option<i64>,
    pub commission_fen: i64,
    pub partner_share_fen: i64,
    pub agent_share_fen: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatementView {
    pub partner_id: i64,
    pub partner_name: String,
    pub month: String,
    pub orders: i64,
    pub commission_fen: i64,
    pub partner_share_fen: i64,
    pub agent_share_fen: i64,
    pub accounts: Vec<AccountMonthView>,
    pub order_lines: Vec<StatementOrderView>,
}

async fn load(st: &AppState, v: &Viewer, q: &StatementQuery) -> Result<(MonthlyStatement, String), AdminError> {
    let named = match q.partner_id.trim() {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| AdminError::BadRequest("合伙人编号不对".into()))?),
    };
    let partner_id = match (v.scope(), named) {
        (Some(own), Some(p)) if p != own => return Err(AdminError::Forbidden),
        (Some(own), _) => own,
        (None, Some(p)) => p,
        // An admin who names nobody sees the first partner.
        (None, None) => {
            st.store.partners(None).await?.first().map(|p| p.id).ok_or(AdminError::BadRequest("暂无合伙人".into()))?
        }
    };
    let name = st.store.partners(Some(partner_id)).await?.into_iter().next().ok_or(AdminError::NotFound)?.name;
    let offset = st.settings.chat.utc_offset_hours;
    let month = match q.month.trim() {
        "" => Month::of(st.clock.now_ms(), offset),
        m => Month::parse(m).ok_or_else(|| AdminError::BadRequest("月份格式应为 2026-12".into()))?,
    };
    Ok((MonthlyStatement::load(&st.store, partner_id, month, offset).await?, name))
}

fn view(s: &MonthlyStatement, name: String) -> StatementView {
    StatementView {
        partner_id: s.partner_id,
        partner_name: name,
        month: s.month.label(),
        orders: s.orders.len() as i64,
        commission_fen: s.commission(),
        partner_share_fen: s.orders.iter().map(|o| o.partner_share).sum(),
        agent_share_fen: s.orders.iter().map(|o| o.agent_share).sum(),
        accounts: s.accounts.iter().map(AccountMonthView::from).collect(),
        order_lines: s
            .orders
            .iter()
            .map(|o| StatementOrderView {
                order_id: o.order_id,
                platform: o.platform.clone(),
                order_key: o.order_key.clone(),
                phase: o.phase.clone(),
                paid_at: o.paid_at,
                commission_fen: o.commission,
                partner_share_fen: o.partner_share,
                agent_share_fen: o.agent_share,
            })
            .collect(),
    }
}

pub async fn data(st: &AppState, v: &Viewer, q: &StatementQuery) -> Result<StatementView, AdminError> {
    let (s, name) = load(st, v, q).await?;
    Ok(view(&s, name))
}

/// A partner's or agent's monthly statement (partner_id, month as yyyy-MM, this month by default; a partner sees
/// their own).
#[utoipa::path(
    get,
    path = "/admin/api/statements",
    tag = "finance",
    params(StatementQuery),
    responses((status = 200, body = StatementView)),
)]
pub async fn api(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<StatementQuery>,
) -> Result<Json<StatementView>, ApiError> {
    Ok(Json(data(&st, &v, &q).await?))
}

fn account_label(kind: &str) -> &'static str {
    if kind == "agent" { "代理分成" } else { "合伙人分成" }
}

fn phase_label(p: &str) -> &'static str {
    match p {
        "pending" => "待结算",
        "available" => "已结算",
        "reversed" => "已失效",
        "clawed_back" => "已退款扣回",
        _ => "",
    }
}

fn platform_label(p: &str) -> String {
    p.parse::<Platform>().map(|p| p.display_name().to_string()).unwrap_or_else(|_| p.to_string())
}

/// The statement as CSV: a summary per account, then the orders. Amounts in 元 from integer 分.
pub fn csv(s: &StatementView, utc_offset_hours: i64) -> Csv {
    let mut out = Csv::default();
    out.row(&["合伙人".to_string(), csv::field(&s.partner_name), "月份".into(), s.month.clone()]);
    out.row(&[
        "订单数".to_string(),
        s.orders.to_string(),
        "佣金".into(),
        yuan(Fen(s.commission_fen)),
        "合伙人分成".into(),
        yuan(Fen(s.partner_share_fen)),
        "代理分成".into(),
        yuan(Fen(s.agent_share_fen)),
    ]);
    out.row(&["账户", "期初余额", "订单分成", "调整", "已打款", "期末余额", "期末可提现", "期末提现中", "期末待结算"]);
    for a in &s.accounts {
        out.row(&[
            account_label(a.account_kind).to_string(),
            yuan(Fen(a.opening_balance_fen)),
            yuan(Fen(a.orders_fen)),
            yuan(Fen(a.adjustments_fen)),
            yuan(Fen(a.paid_out_fen)),
            yuan(Fen(a.closing_balance_fen)),
            yuan(Fen(a.closing_available_fen)),
            yuan(Fen(a.closing_withdrawing_fen)),
            yuan(Fen(a.closing_pending_fen)),
        ]);
    }
    out.row(&["付款时间", "平台", "订单号", "状态", "佣金", "合伙人分成", "代理分成"]);
    for o in &s.order_lines {
        out.row(&[
            csv::field(&o.paid_at.map(|t| html::datetime(t * 1000, utc_offset_hours)).unwrap_or_default()),
            csv::field(&platform_label(&o.platform)),
            csv::field(&o.order_key),
            csv::field(phase_label(&o.phase)),
            yuan(Fen(o.commission_fen)),
            yuan(Fen(o.partner_share_fen)),
            yuan(Fen(o.agent_share_fen)),
        ]);
    }
    out
}

pub async fn export(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<StatementQuery>,
) -> Result<Response, PageError> {
    let s = data(&st, &v, &q).await?;
    let name = format!("statement-{}-{}.csv", s.partner_id, s.month);
    Ok(csv(&s, st.settings.chat.utc_offset_hours).download(&name))
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<StatementQuery>,
) -> Result<Html<String>, PageError> {
    let partners = st.store.partners(v.scope()).await?;
    let s = match data(&st, &v, &q).await {
        Ok(s) => s,
        Err(AdminError::BadRequest(m)) => {
            let b = format!("<p class=notice>{}</p>", esc(&m));
            return Ok(html::page(&v, "/admin/statements", "月度对账单", &b));
        }
        Err(e) => return Err(e.into()),
    };
    let offset = st.settings.chat.utc_offset_hours;
    let mut b = String::from("<form method=get action=\"/admin/statements\" class=\"card row filters\">");
    b.push_str("<select name=partner_id>");
    for p in &partners {
        let sel = if p.id == s.partner_id { " selected" } else { "" };
        let _ = write!(b, "<option value={}{sel}>{}</option>", p.id, esc(&p.name));
    }
    let _ = write!(
        b,
        "</select><input name=month type=month value=\"{}\"><button type=submit>查看</button>\
         <a href=\"/admin/statements.csv?partner_id={}&amp;month={}\" download>导出 CSV</a></form>",
        esc(&s.month),
        s.partner_id,
        esc(&s.month)
    );
    let _ = write!(
        b,
        "<div class=cards id=statement-summary><div class=card><span>订单</span><b>{}</b></div>\
         <div class=card><span>佣金</span><b>{}</b></div><div class=card><span>合伙人分成</span><b>{}</b></div>\
         <div class=card><span>代理分成</span><b>{}</b></div></div>",
        s.orders,
        yuan(Fen(s.commission_fen)),
        yuan(Fen(s.partner_share_fen)),
        yuan(Fen(s.agent_share_fen))
    );
    let rows: Vec<Vec<String>> = s
        .accounts
        .iter()
        .map(|a| {
            vec![
                account_label(a.account_kind).into(),
                yuan(Fen(a.opening_balance_fen)),
                yuan(Fen(a.orders_fen)),
                yuan(Fen(a.adjustments_fen)),
                yuan(Fen(a.paid_out_fen)),
                yuan(Fen(a.closing_balance_fen)),
                yuan(Fen(a.closing_available_fen)),
            ]
        })
        .collect();
    b.push_str(&html::table(&["账户", "期初余额", "订单分成", "调整", "已打款", "期末余额", "期末可提现"], &rows));
    b.push_str("<h2>订单</h2>");
    let rows: Vec<Vec<String>> = s
        .order_lines
        .iter()
        .map(|o| {
            vec![
                o.paid_at.map(|t| html::datetime(t * 1000, offset)).unwrap_or_default(),
                esc(&platform_label(&o.platform)),
                format!("<a href=\"/admin/finance?order={}\">{}</a>", o.order_id, esc(&o.order_key)),
                phase_label(&o.phase).into(),
                yuan(Fen(o.commission_fen)),
                yuan(Fen(o.partner_share_fen)),
                yuan(Fen(o.agent_share_fen)),
            ]
        })
        .collect();
    b.push_str(&html::table(&["付款时间", "平台", "订单号", "状态", "佣金", "合伙人分成", "代理分成"], &rows));
    Ok(html::page(&v, "/admin/statements", &format!("月度对账单 · {} · {}", s.partner_name, s.month), &b))
}
