//! 资产管理: partners' balances — their share as partner and as agent (pending, available, withdrawing, paid) —
//! and their withdrawal requests (提现) from either account, with the same limits as members'. Admins see every
//! partner; a partner sees and withdraws only their own accounts. JSON at `/admin/api/accounts` and
//! `/admin/api/accounts/withdraw`.

use super::error::{AdminError, ApiError, PageError};
use super::format::{self, yuan};
use super::groups::urlenc;
use super::session::Viewer;
use super::text::money as m;
use super::view;
use super::withdrawals::{WithdrawalView, visible};
use crate::http::AppState;
use crate::ledger::rules::Buckets;
use crate::ledger::{Ledger, LedgerError};
use crate::money::Fen;
use crate::store::accounts::PartnerAccounts;
use crate::store::ledger::AccountKind;
use crate::store::withdrawals::WithdrawalRequest;
use axum::extract::{Query, State};
use axum::response::Redirect;
use axum::{Form, Json};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BalanceView {
    pub pending_fen: i64,
    pub available_fen: i64,
    pub withdrawing_fen: i64,
    pub paid_fen: i64,
    pub debt_fen: i64,
}

impl From<Buckets> for BalanceView {
    fn from(b: Buckets) -> Self {
        BalanceView {
            pending_fen: b.pending,
            available_fen: b.available,
            withdrawing_fen: b.withdrawing,
            paid_fen: b.paid_out,
            debt_fen: b.debt,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    pub partner_id: i64,
    pub name: String,
    pub partner: BalanceView,
    pub agent: BalanceView,
    /// The partner's and agent account's withdrawals, newest first.
    pub withdrawals: Vec<WithdrawalView>,
}

/// The accounts the viewer may see.
async fn data(st: &AppState, v: &Viewer) -> Result<Vec<PartnerAccounts>, super::error::AdminError> {
    Ok(st.store.partner_accounts(v.scope()).await?)
}

/// Withdrawals of a partner's two accounts, newest first.
async fn partner_withdrawals(st: &AppState, v: &Viewer, partner_id: i64) -> Result<Vec<WithdrawalView>, AdminError> {
    let mut list = st.store.account_withdrawals((AccountKind::Partner, partner_id), 20).await?;
    list.extend(st.store.account_withdrawals((AccountKind::Agent, partner_id), 20).await?);
    list.sort_by_key(|w| std::cmp::Reverse(w.id));
    visible(st, v, list).await
}

/// Partner and agent share balances (a partner sees their own).
#[utoipa::path(
    get,
    path = "/admin/api/accounts",
    tag = "accounts",
    responses((status = 200, body = Vec<AccountView>)),
)]
pub async fn api(State(st): State<AppState>, v: Viewer) -> Result<Json<Vec<AccountView>>, ApiError> {
    let mut out = Vec::new();
    for a in data(&st, &v).await? {
        out.push(AccountView {
            partner_id: a.partner_id,
            withdrawals: partner_withdrawals(&st, &v, a.partner_id).await?,
            name: a.name,
            partner: a.partner.into(),
            agent: a.agent.into(),
        });
    }
    Ok(Json(out))
}

/// A partner's withdrawal request from one of their accounts.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WithdrawInput {
    /// `partner` (合伙人分成) or `agent` (代理分成).
    pub account: String,
    /// 分 (API) …
    #[serde(default)]
    pub amount_fen: Option<i64>,
    /// … or 元 as typed in the form, e.g. `50` or `12.34`.
    #[serde(default)]
    pub amount: Option<String>,
    /// The partner; a partner may leave it out (their own) and may name no other.
    #[serde(default)]
    pub partner_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WithdrawOutcome {
    /// `accepted`, `already_open`, `insufficient`, `below_minimum` or `above_maximum`.
    pub outcome: &'static str,
    /// The new request, when accepted.
    pub id: Option<i64>,
    pub amount_fen: i64,
    /// The account's available balance after the request (accepted or insufficient).
    pub available_fen: Option<i64>,
    /// The answer in Chinese, as chat says it.
    pub message: String,
}

pub async fn withdraw(st: &AppState, v: &Viewer, input: &WithdrawInput) -> Result<WithdrawOutcome, AdminError> {
    let kind = match input.account.as_str() {
        "partner" => AccountKind::Partner,
        "agent" => AccountKind::Agent,
        _ => return Err(AdminError::BadRequest(m::PARTNER_OR_AGENT_ACCOUNT.into())),
    };
    let named = match input.partner_id.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(p.parse::<i64>().map_err(|_| AdminError::BadRequest(m::BAD_PARTNER_ID.into()))?),
        None => None,
    };
    let partner_id = match (v.scope(), named) {
        (Some(own), Some(p)) if p != own => return Err(AdminError::Forbidden),
        (Some(own), _) => own,
        (None, Some(p)) => p,
        (None, None) => return Err(AdminError::BadRequest(m::NAME_A_PARTNER.into())),
    };
    if st.store.partners(Some(partner_id)).await?.is_empty() {
        return Err(AdminError::NotFound);
    }
    let amount = match (input.amount_fen, input.amount.as_deref()) {
        (Some(f), _) => Fen(f),
        (None, Some(y)) => Fen::from_yuan_str(y.trim()).map_err(|_| AdminError::BadRequest(m::BAD_AMOUNT.into()))?,
        (None, None) => return Err(AdminError::BadRequest(m::AMOUNT_REQUIRED.into())),
    };
    if amount.0 <= 0 {
        return Err(AdminError::BadRequest(m::AMOUNT_POSITIVE.into()));
    }
    let ledger = Ledger::with_settings(st.store.clone(), st.settings.ledger.clone(), st.settings.chat.utc_offset_hours);
    let outcome = ledger.request_account_withdrawal((kind, partner_id), amount).await.map_err(|e| match e {
        LedgerError::Store(s) => AdminError::from(s),
    })?;
    tracing::info!(partner = partner_id, account = kind.code(), amount = amount.0, ?outcome, "partner withdrawal");
    let message = crate::engine::text::account_withdrawal(kind.label(), amount, &outcome);
    let (code, id, available) = match outcome {
        WithdrawalRequest::Accepted { id, available } => ("accepted", Some(id), Some(available.0)),
        WithdrawalRequest::AlreadyOpen => ("already_open", None, None),
        WithdrawalRequest::Insufficient { available } => ("insufficient", None, Some(available.0)),
        WithdrawalRequest::BelowMinimum { .. } => ("below_minimum", None, None),
        WithdrawalRequest::AboveMaximum { .. } => ("above_maximum", None, None),
    };
    Ok(WithdrawOutcome { outcome: code, id, amount_fen: amount.0, available_fen: available, message })
}

/// A partner or agent asks to withdraw (account partner or agent, amount_fen; an admin names the partner_id).
#[utoipa::path(
    post,
    path = "/admin/api/accounts/withdraw",
    tag = "accounts",
    request_body(content = WithdrawInput, example = json!({"account": "partner", "amount_fen": 1000, "partner_id": "1"})),
    responses((status = 200, body = WithdrawOutcome)),
)]
pub async fn api_withdraw(
    State(st): State<AppState>,
    v: Viewer,
    Json(input): Json<WithdrawInput>,
) -> Result<Json<WithdrawOutcome>, ApiError> {
    Ok(Json(withdraw(&st, &v, &input).await?))
}

pub async fn withdraw_page(
    State(st): State<AppState>,
    v: Viewer,
    Form(input): Form<WithdrawInput>,
) -> Result<Redirect, PageError> {
    let msg = match withdraw(&st, &v, &input).await {
        Ok(o) => o.message,
        Err(AdminError::BadRequest(m)) => m,
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/admin/accounts?msg={}", urlenc(&msg))))
}

fn cells(b: &Buckets) -> [Markup; 4] {
    [b.pending, b.available, b.withdrawing, b.paid_out].map(|f| html! { (yuan(Fen(f))) })
}

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

fn status_label(s: &str) -> &'static str {
    match s {
        "open" => m::STATUS_OPEN,
        "approved" => m::STATUS_APPROVED,
        "paid" => m::STATUS_PAID,
        "rejected" => m::STATUS_REJECTED,
        _ => "",
    }
}

pub async fn page(State(st): State<AppState>, v: Viewer, Query(q): Query<Msg>) -> Result<Markup, PageError> {
    let accounts = data(&st, &v).await?;
    let mut rows = Vec::new();
    for a in &accounts {
        for (kind, b) in [(AccountKind::Partner, &a.partner), (AccountKind::Agent, &a.agent)] {
            let fields = html! {
                input type="hidden" name="account" value=(kind.code());
                input type="hidden" name="partner_id" value=(a.partner_id);
                input name="amount" required inputmode="decimal" size="6" placeholder=(m::AMOUNT_IN_YUAN);
                button type="submit" { (m::WITHDRAW) }
            };
            let mut r =
                vec![html! { a href={ "/admin/partners/" (a.partner_id) } { (a.name) } }, html! { (kind.label()) }];
            r.extend(cells(b));
            r.push(view::form(&v, "/admin/accounts/withdraw", "inline withdraw", fields));
            r.push(html! { a href={ "/admin/statements?partner_id=" (a.partner_id) } { (m::STATEMENT) } });
            rows.push(r);
        }
    }
    let offset = st.settings.chat.utc_offset_hours;
    let mut withdrawals = Vec::new();
    for a in &accounts {
        for w in partner_withdrawals(&st, &v, a.partner_id).await? {
            let kind = AccountKind::from_code(w.account_kind).map(AccountKind::label).unwrap_or_default();
            withdrawals.push(vec![
                html! { (w.id) },
                html! { (format::datetime(w.created_at, offset)) },
                html! { (w.name) },
                html! { (kind) },
                html! { (yuan(Fen(w.amount_fen))) },
                html! { (status_label(&w.status)) },
                html! { (w.reason) },
            ]);
        }
    }
    let body = html! {
        (view::notice(q.msg.as_deref()))
        (view::table(m::ACCOUNT_COLUMNS, &rows))
        h2 { (m::WITHDRAWAL_RECORDS) }
        (view::table(m::ACCOUNT_WITHDRAWAL_COLUMNS, &withdrawals))
    };
    Ok(view::page(&v, "/admin/accounts", m::ACCOUNTS, body))
}
