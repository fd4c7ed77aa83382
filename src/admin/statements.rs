//! 月度对账单: one partner's (or agent's) month in local time — the orders of their groups and of the partners
//! they are agent of, the commission, their shares, adjustments, what was paid out, and the opening and closing
//! balances of both accounts — on the dashboard and as CSV. A partner sees only their own.
//! JSON at `/admin/api/statements?partner_id=…&month=yyyy-MM`.

use super::csv::{self, Csv};
use super::error::{AdminError, ApiError, PageError};
use super::format::{self, yuan};
use super::session::Viewer;
use super::text::money as m;
use super::view;
use crate::http::AppState;
use crate::ledger::month::{Month, MonthlyStatement, balance};
use crate::money::Fen;
use crate::platform::Platform;
use crate::store::finance::MonthFigures;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, Render, html};
use serde::{Deserialize, Serialize};

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
        p => Some(p.parse::<i64>().map_err(|_| AdminError::BadRequest(m::BAD_PARTNER_ID.into()))?),
    };
    let partner_id = match (v.scope(), named) {
        (Some(own), Some(p)) if p != own => return Err(AdminError::Forbidden),
        (Some(own), _) => own,
        (None, Some(p)) => p,
        // An admin who names nobody sees the first partner.
        (None, None) => {
            st.store.partners(None).await?.first().map(|p| p.id).ok_or(AdminError::BadRequest(m::NO_PARTNERS.into()))?
        }
    };
    let name = st.store.partners(Some(partner_id)).await?.into_iter().next().ok_or(AdminError::NotFound)?.name;
    let offset = st.settings.chat.utc_offset_hours;
    let month = match q.month.trim() {
        "" => Month::of(st.clock.now_ms(), offset),
        m => Month::parse(m).ok_or_else(|| AdminError::BadRequest(m::BAD_MONTH.into()))?,
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
    if kind == "agent" { m::SHARE_AGENT } else { m::SHARE_PARTNER }
}

fn phase_label(p: &str) -> &'static str {
    match p {
        "pending" => m::PHASE_PENDING,
        "available" => m::PHASE_AVAILABLE,
        "reversed" => m::PHASE_REVERSED,
        "clawed_back" => m::PHASE_CLAWED_BACK,
        _ => "",
    }
}

fn platform_label(p: &str) -> String {
    p.parse::<Platform>().map(|p| p.display_name().to_string()).unwrap_or_else(|_| p.to_string())
}

/// An account's line, as [`m::STATEMENT_ACCOUNT_COLUMNS`]: its name, then its figures in 元.
fn account_cells(a: &AccountMonthView) -> [String; 9] {
    [
        account_label(a.account_kind).to_string(),
        yuan(Fen(a.opening_balance_fen)),
        yuan(Fen(a.orders_fen)),
        yuan(Fen(a.adjustments_fen)),
        yuan(Fen(a.paid_out_fen)),
        yuan(Fen(a.closing_balance_fen)),
        yuan(Fen(a.closing_available_fen)),
        yuan(Fen(a.closing_withdrawing_fen)),
        yuan(Fen(a.closing_pending_fen)),
    ]
}

/// An order's line, as [`m::STATEMENT_ORDER_COLUMNS`]: four texts, then three amounts in 元.
fn order_cells(o: &StatementOrderView, utc_offset_hours: i64) -> [String; 7] {
    [
        o.paid_at.map(|t| format::datetime(t * 1000, utc_offset_hours)).unwrap_or_default(),
        platform_label(&o.platform),
        o.order_key.clone(),
        phase_label(&o.phase).to_string(),
        yuan(Fen(o.commission_fen)),
        yuan(Fen(o.partner_share_fen)),
        yuan(Fen(o.agent_share_fen)),
    ]
}

/// The statement as CSV: a summary per account, then the orders. Amounts in 元 from integer 分.
pub fn csv(s: &StatementView, utc_offset_hours: i64) -> Csv {
    let mut out = Csv::default();
    out.row(&[m::PARTNER.to_string(), csv::field(&s.partner_name), m::MONTH.into(), s.month.clone()]);
    out.row(&[
        m::ORDER_COUNT.to_string(),
        s.orders.to_string(),
        m::COMMISSION.into(),
        yuan(Fen(s.commission_fen)),
        m::SHARE_PARTNER.into(),
        yuan(Fen(s.partner_share_fen)),
        m::SHARE_AGENT.into(),
        yuan(Fen(s.agent_share_fen)),
    ]);
    out.row(m::STATEMENT_ACCOUNT_COLUMNS);
    for a in &s.accounts {
        out.row(&account_cells(a));
    }
    out.row(m::STATEMENT_ORDER_COLUMNS);
    for o in &s.order_lines {
        let [paid_at, platform, key, phase, commission, partner, agent] = order_cells(o, utc_offset_hours);
        out.row(&[
            csv::field(&paid_at),
            csv::field(&platform),
            csv::field(&key),
            csv::field(&phase),
            commission,
            partner,
            agent,
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

/// A summary card: what it counts, and the figure.
pub(super) fn figure(label: &str, value: impl Render) -> Markup {
    html! { div.card { span { (label) } b { (value) } } }
}

pub async fn page(State(st): State<AppState>, v: Viewer, Query(q): Query<StatementQuery>) -> Result<Markup, PageError> {
    let partners = st.store.partners(v.scope()).await?;
    let s = match data(&st, &v, &q).await {
        Ok(s) => s,
        Err(AdminError::BadRequest(msg)) => {
            return Ok(view::page(&v, "/admin/statements", m::STATEMENT, view::notice(Some(&msg))));
        }
        Err(e) => return Err(e.into()),
    };
    let offset = st.settings.chat.utc_offset_hours;
    let partners: Vec<(String, String)> = partners.into_iter().map(|p| (p.id.to_string(), p.name)).collect();
    let accounts: Vec<Vec<Markup>> =
        s.accounts.iter().map(|a| account_cells(a).iter().take(7).map(|c| html! { (c) }).collect()).collect();
    let orders: Vec<Vec<Markup>> = s
        .order_lines
        .iter()
        .map(|o| {
            let [paid_at, platform, key, phase, commission, partner, agent] = order_cells(o, offset);
            vec![
                html! { (paid_at) },
                html! { (platform) },
                html! { a href={ "/admin/finance?order=" (o.order_id) } { (key) } },
                html! { (phase) },
                html! { (commission) },
                html! { (partner) },
                html! { (agent) },
            ]
        })
        .collect();
    let body = html! {
        form method="get" action="/admin/statements" class="card row filters" {
            (view::select("partner_id", &s.partner_id.to_string(), &partners))
            input name="month" type="month" value=(s.month);
            button type="submit" { (m::VIEW) }
            a href={ "/admin/statements.csv?partner_id=" (s.partner_id) "&month=" (s.month) } download {
                (m::EXPORT_CSV)
            }
        }
        div.cards #statement-summary {
            (figure(m::ORDERS, s.orders))
            (figure(m::COMMISSION, yuan(Fen(s.commission_fen))))
            (figure(m::SHARE_PARTNER, yuan(Fen(s.partner_share_fen))))
            (figure(m::SHARE_AGENT, yuan(Fen(s.agent_share_fen))))
        }
        (view::table(&m::STATEMENT_ACCOUNT_COLUMNS[..7], &accounts))
        h2 { (m::ORDERS) }
        (view::table(m::STATEMENT_ORDER_COLUMNS, &orders))
    };
    Ok(view::page(&v, "/admin/statements", &m::statement_title(&s.partner_name, &s.month), body))
}
