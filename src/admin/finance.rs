//! 财务日志: the ledger's entries (every movement of money on a member's, partner's, agent's or the operator's
//! account), filtered by account, kind and date range, paginated, exported as CSV; each entry links to its order
//! (the order's entries on every account) or its withdrawal request. A partner sees only their own partner and
//! agent accounts. JSON at `/admin/api/ledger-entries`.

use super::csv::{self, Csv};
use super::error::{AdminError, ApiError, PageError};
use super::format::{self, yuan};
use super::orders::{day_start, opt_id, pager};
use super::session::Viewer;
use super::text::money as m;
use super::view;
use crate::http::AppState;
use crate::money::Fen;
use crate::store::finance::{EntryFilter, EntryRow};
use crate::store::ledger::AccountKind;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

const PAGE_SIZE: i64 = 50;
const CSV_MAX_ROWS: i64 = 10_000;

/// The filter as the page's form and the API send it; empty fields do not filter.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryQuery {
    /// `member`, `partner`, `agent` or `operator`.
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub account_id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub order: String,
    /// `yyyy-MM-dd`, local days, inclusive.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: Option<i64>,
}

impl EntryQuery {
    /// The store filter; a partner is held to their own accounts.
    pub fn filter(&self, v: &Viewer, utc_offset_hours: i64) -> Result<EntryFilter, AdminError> {
        let kind = match self.account.trim() {
            "" => None,
            k => Some(AccountKind::from_code(k).ok_or_else(|| AdminError::BadRequest(m::UNKNOWN_ACCOUNT_KIND.into()))?),
        };
        let id = opt_id(&self.account_id, m::ACCOUNT_ID)?;
        let account = match (kind, id) {
            (Some(AccountKind::Operator), _) => Some((AccountKind::Operator, 0)),
            (Some(k), Some(id)) => Some((k, id)),
            (Some(_), None) => return Err(AdminError::BadRequest(m::ACCOUNT_ID_REQUIRED.into())),
            (None, Some(_)) => return Err(AdminError::BadRequest(m::ACCOUNT_KIND_REQUIRED.into())),
            (None, None) => None,
        };
        let partner = v.scope();
        if let (Some(own), Some((k, id))) = (partner, account)
            && (!matches!(k, AccountKind::Partner | AccountKind::Agent) || id != own)
        {
            return Err(AdminError::Forbidden);
        }
        let kind = self.kind.trim();
        if kind.chars().count() > 32 {
            return Err(AdminError::BadRequest(m::KIND_TOO_LONG.into()));
        }
        Ok(EntryFilter {
            account,
            partner,
            kind: (!kind.is_empty()).then(|| kind.to_string()),
            order_id: opt_id(&self.order, m::ORDERS)?,
            since: day_start(&self.from, utc_offset_hours)?.map(|s| s * 1000),
            until: day_start(&self.to, utc_offset_hours)?.map(|s| (s + 86_400) * 1000),
        })
    }

    fn query_string(&self) -> String {
        super::format::filter_query(&[
            ("account", self.account.as_str()),
            ("account_id", self.account_id.as_str()),
            ("kind", self.kind.as_str()),
            ("order", self.order.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ])
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub id: i64,
    pub account_kind: &'static str,
    pub account_id: i64,
    pub kind: String,
    pub order_id: Option<i64>,
    pub order_key: Option<String>,
    pub withdrawal_id: Option<i64>,
    pub pending_fen: i64,
    pub available_fen: i64,
    pub withdrawing_fen: i64,
    pub debt_fen: i64,
    pub paid_out_fen: i64,
    pub flagged: bool,
    pub created_at: i64,
    /// Where the entry comes from: its order's entries or its withdrawal request, on the dashboard.
    pub link: Option<String>,
}

fn link(e: &EntryRow) -> Option<String> {
    match (e.order_id, e.withdrawal_id) {
        (Some(o), _) => Some(format!("/admin/finance?order={o}")),
        (None, Some(w)) => Some(format!("/admin/withdrawals#w{w}")),
        (None, None) => None,
    }
}

impl From<EntryRow> for EntryView {
    fn from(e: EntryRow) -> Self {
        EntryView {
            link: link(&e),
            id: e.id,
            account_kind: e.account_kind.code(),
            account_id: e.account_id,
            kind: e.kind,
            order_id: e.order_id,
            order_key: e.order_key,
            withdrawal_id: e.withdrawal_id,
            pending_fen: e.delta.pending,
            available_fen: e.delta.available,
            withdrawing_fen: e.delta.withdrawing,
            debt_fen: e.delta.debt,
            paid_out_fen: e.delta.paid_out,
            flagged: e.flagged,
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryPage {
    pub entries: Vec<EntryView>,
    pub page: i64,
    pub has_more: bool,
}

pub async fn data(st: &AppState, v: &Viewer, q: &EntryQuery) -> Result<EntryPage, AdminError> {
    let filter = q.filter(v, st.settings.chat.utc_offset_hours)?;
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let mut rows = st.store.ledger_entries(&filter, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(EntryPage { entries: rows.into_iter().map(EntryView::from).collect(), page, has_more })
}

/// Ledger entries (account member, partner, agent or operator with account_id, kind, order, from and to as
/// yyyy-MM-dd, page; a partner sees their own accounts).
#[utoipa::path(
    get,
    path = "/admin/api/ledger-entries",
    tag = "finance",
    params(EntryQuery),
    responses((status = 200, body = EntryPage)),
)]
pub async fn api(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<EntryQuery>,
) -> Result<Json<EntryPage>, ApiError> {
    Ok(Json(data(&st, &v, &q).await?))
}

/// The kind's name on the dashboard.
fn kind_label(k: &str) -> String {
    match k {
        "book" => m::ENTRY_BOOK.into(),
        "settle" => m::ENTRY_SETTLE.into(),
        "reverse" => m::ENTRY_REVERSE.into(),
        "clawback" => m::ENTRY_CLAWBACK.into(),
        "resplit" => m::ENTRY_RESPLIT.into(),
        "withdrawal" => m::WITHDRAW.into(),
        other => other.into(),
    }
}

fn signed(f: i64) -> String {
    if f == 0 { String::new() } else { yuan(Fen(f)) }
}

pub fn csv(rows: &[EntryRow], utc_offset_hours: i64) -> Csv {
    let mut out = Csv::default();
    out.row(m::ENTRY_CSV_COLUMNS);
    for e in rows {
        out.row(&[
            e.id.to_string(),
            csv::field(&format::datetime(e.created_at, utc_offset_hours)),
            csv::field(e.account_kind.label()),
            e.account_id.to_string(),
            csv::field(&kind_label(&e.kind)),
            csv::field(e.order_key.as_deref().unwrap_or_default()),
            e.withdrawal_id.map(|w| w.to_string()).unwrap_or_default(),
            yuan(Fen(e.delta.pending)),
            yuan(Fen(e.delta.available)),
            yuan(Fen(e.delta.withdrawing)),
            yuan(Fen(e.delta.debt)),
            yuan(Fen(e.delta.paid_out)),
        ]);
    }
    out
}

pub async fn export(State(st): State<AppState>, v: Viewer, Query(q): Query<EntryQuery>) -> Result<Response, PageError> {
    let offset = st.settings.chat.utc_offset_hours;
    let filter = q.filter(&v, offset)?;
    let rows = st.store.ledger_entries(&filter, CSV_MAX_ROWS, 0).await?;
    Ok(csv(&rows, offset).download("finance-log.csv"))
}

fn source(e: &EntryView) -> Markup {
    match (&e.link, e.order_id, e.withdrawal_id) {
        (Some(l), Some(_), _) => html! { a href=(l) { (m::ORDERS) " " (e.order_key.as_deref().unwrap_or("")) } },
        (Some(l), None, Some(w)) => html! { a href=(l) { (m::WITHDRAW) " #" (w) } },
        _ => html! { "-" },
    }
}

pub async fn page(State(st): State<AppState>, v: Viewer, Query(q): Query<EntryQuery>) -> Result<Markup, PageError> {
    let d = data(&st, &v, &q).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let accounts: Vec<(&str, &str)> = AccountKind::ALL
        .iter()
        .filter(|k| v.is_admin() || matches!(k, AccountKind::Partner | AccountKind::Agent))
        .map(|k| (k.code(), k.label()))
        .collect();
    let kinds: Vec<(String, String)> =
        st.store.ledger_entry_kinds().await?.into_iter().map(|k| (k.clone(), kind_label(&k))).collect();
    let rows: Vec<Vec<Markup>> = d
        .entries
        .iter()
        .map(|e| {
            let kind = AccountKind::from_code(e.account_kind).map(AccountKind::label).unwrap_or("");
            vec![
                html! { (e.id) },
                html! { (format::datetime(e.created_at, offset)) },
                html! { (kind) " " (e.account_id) },
                html! { (kind_label(&e.kind)) },
                source(e),
                html! { (signed(e.pending_fen)) },
                html! { (signed(e.available_fen)) },
                html! { (signed(e.withdrawing_fen)) },
                html! { (signed(e.debt_fen)) },
                html! { (signed(e.paid_out_fen)) },
            ]
        })
        .collect();
    let qs = q.query_string();
    let body = html! {
        form method="get" action="/admin/finance" class="card row filters" {
            (view::select_or_all("account", q.account.trim(), &accounts))
            input name="account_id" size="6" placeholder=(m::ACCOUNT_ID) value=(q.account_id.trim());
            (view::select_or_all("kind", q.kind.trim(), &kinds))
            input name="from" type="date" value=(q.from.trim());
            input name="to" type="date" value=(q.to.trim());
            input type="hidden" name="order" value=(q.order.trim());
            button type="submit" { (m::FILTER) }
            a href={ "/admin/finance.csv?" (qs) } download { (m::EXPORT_CSV) }
        }
        (view::table(m::ENTRY_COLUMNS, &rows))
        (pager("/admin/finance", &qs, d.page, d.has_more))
    };
    Ok(view::page(&v, "/admin/finance", m::FINANCE_LOG, body))
}
