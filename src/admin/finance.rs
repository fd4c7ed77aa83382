//! 财务日志: the ledger's entries (every movement of money on a member's, partner's, agent's or the operator's
//! account), filtered by account, kind and date range, paginated, exported as CSV; each entry links to its order
//! (the order's entries on every account) or its withdrawal request. A partner sees only their own partner and
//! agent accounts. JSON at `/admin/api/ledger-entries`.

use super::csv::{self, Csv};
use super::error::{AdminError, ApiError, PageError};
use super::html::{self, esc, yuan};
use super::orders::day_start;
use super::session::Viewer;
use crate::http::AppState;
use crate::money::Fen;
use crate::store::finance::{EntryFilter, EntryRow};
use crate::store::ledger::AccountKind;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

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

fn opt_id(s: &str, what: &str) -> Result<Option<i64>, AdminError> {
    match s.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| AdminError::BadRequest(format!("{what}须为数字"))),
    }
}

impl EntryQuery {
    /// The store filter; a partner is held to their own accounts.
    pub fn filter(&self, v: &Viewer, utc_offset_hours: i64) -> Result<EntryFilter, AdminError> {
        let kind = match self.account.trim() {
            "" => None,
            k => Some(AccountKind::from_code(k).ok_or_else(|| AdminError::BadRequest("未知账户类型".into()))?),
        };
        let id = opt_id(&self.account_id, "账户ID")?;
        let account = match (kind, id) {
            (Some(AccountKind::Operator), _) => Some((AccountKind::Operator, 0)),
            (Some(k), Some(id)) => Some((k, id)),
            (Some(_), None) => return Err(AdminError::BadRequest("请填写账户ID".into())),
            (None, Some(_)) => return Err(AdminError::BadRequest("请选择账户类型".into())),
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
            return Err(AdminError::BadRequest("类型过长".into()));
        }
        Ok(EntryFilter {
            account,
            partner,
            kind: (!kind.is_empty()).then(|| kind.to_string()),
            order_id: opt_id(&self.order, "订单")?,
            since: day_start(&self.from, utc_offset_hours)?.map(|s| s * 1000),
            until: day_start(&self.to, utc_offset_hours)?.map(|s| (s + 86_400) * 1000),
        })
    }

    fn query_string(&self) -> String {
        super::html::filter_query(&[
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
        "book" => "下单入账".into(),
        "settle" => "结算".into(),
        "reverse" => "失效冲回".into(),
        "clawback" => "退款扣回".into(),
        "resplit" => "重新分账".into(),
        "withdrawal" => "提现".into(),
        other => other.into(),
    }
}

fn signed(f: i64) -> String {
    if f == 0 { String::new() } else { yuan(Fen(f)) }
}

pub fn csv(rows: &[EntryRow], utc_offset_hours: i64) -> Csv {
    let mut out = Csv::default();
    out.row(&[
        "编号",
        "时间",
        "账户类型",
        "账户ID",
        "类型",
        "订单号",
        "提现申请",
        "待结算",
        "可提现",
        "提现中",
        "欠款",
        "已提现",
    ]);
    for e in rows {
        out.row(&[
            e.id.to_string(),
            csv::field(&html::datetime(e.created_at, utc_offset_hours)),
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

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<EntryQuery>,
) -> Result<Html<String>, PageError> {
    let d = data(&st, &v, &q).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let accounts: Vec<(String, String)> = AccountKind::ALL
        .iter()
        .filter(|k| v.is_admin() || matches!(k, AccountKind::Partner | AccountKind::Agent))
        .map(|k| (k.code().to_string(), k.label().to_string()))
        .collect();
    let kinds: Vec<(String, String)> =
        st.store.ledger_entry_kinds().await?.into_iter().map(|k| (k.clone(), kind_label(&k))).collect();
    let mut b = String::from("<form method=get action=\"/admin/finance\" class=\"card row filters\">");
    b.push_str(&html::select_or_all("account", q.account.trim(), &accounts));
    let _ = write!(
        b,
        "<input name=account_id size=6 placeholder=账户ID value=\"{}\">{}\
         <input name=from type=date value=\"{}\"><input name=to type=date value=\"{}\">\
         <input type=hidden name=order value=\"{}\"><button type=submit>筛选</button>\
         <a href=\"/admin/finance.csv?{}\" download>导出 CSV</a></form>",
        esc(q.account_id.trim()),
        html::select_or_all("kind", q.kind.trim(), &kinds),
        esc(q.from.trim()),
        esc(q.to.trim()),
        esc(q.order.trim()),
        esc(&q.query_string()),
    );
    let rows: Vec<Vec<String>> = d
        .entries
        .iter()
        .map(|e| {
            let source = match (&e.link, e.order_id, e.withdrawal_id) {
                (Some(l), Some(_), _) => {
                    format!("<a href=\"{}\">订单 {}</a>", esc(l), esc(e.order_key.as_deref().unwrap_or("")))
                }
                (Some(l), None, Some(w)) => format!("<a href=\"{}\">提现 #{w}</a>", esc(l)),
                _ => "-".into(),
            };
            vec![
                e.id.to_string(),
                html::datetime(e.created_at, offset),
                format!(
                    "{} {}",
                    AccountKind::from_code(e.account_kind).map(AccountKind::label).unwrap_or(""),
                    e.account_id
                ),
                esc(&kind_label(&e.kind)),
                source,
                signed(e.pending_fen),
                signed(e.available_fen),
                signed(e.withdrawing_fen),
                signed(e.debt_fen),
                signed(e.paid_out_fen),
            ]
        })
        .collect();
    b.push_str(&html::table(
        &["编号", "时间", "账户", "类型", "来源", "待结算", "可提现", "提现中", "欠款", "已提现"],
        &rows,
    ));
    let qs = q.query_string();
    let sep = if qs.is_empty() { "" } else { "&" };
    b.push_str("<p class=pager>");
    if d.page > 1 {
        let _ = write!(b, "<a href=\"/admin/finance?{}{sep}page={}\">上一页</a> ", esc(&qs), d.page - 1);
    }
    let _ = write!(b, "第 {} 页", d.page);
    if d.has_more {
        let _ = write!(b, " <a href=\"/admin/finance?{}{sep}page={}\">下一页</a>", esc(&qs), d.page + 1);
    }
    b.push_str("</p>");
    Ok(html::page(&v, "/admin/finance", "财务日志", &b))
}
