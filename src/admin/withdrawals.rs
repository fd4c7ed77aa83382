//! 提现审核: the requests of members, partners and agents. Admins approve many at once (checkboxes), reject with
//! a reason that reaches the requester, and record how each approved request was paid (method and transfer
//! reference, per request or for the batch): only then is it paid. The approved, unpaid ones export as a CSV for a
//! batch transfer. Partners see the requests of their own accounts and of their groups' members, read-only.
//! JSON at `/admin/api/withdrawals…`.

use super::csv::{self, Csv};
use super::error::{AdminError, ApiError, PageError};
use super::format::{self, yuan};
use super::groups::urlenc;
use super::session::{Admin, Viewer};
use super::text::money as m;
use super::view;
use crate::http::AppState;
use crate::ledger::{Ledger, LedgerError};
use crate::store::StoreError;
use crate::store::ledger::AccountKind;
use crate::store::withdrawals::{Payment, Withdrawal, status};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{Redirect, Response};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

const LIST_LIMIT: i64 = 200;
/// Most requests decided in one batch.
pub const MAX_BATCH: usize = 200;
const MAX_REASON_CHARS: usize = 200;
const MAX_METHOD_CHARS: usize = 20;
const MAX_REFERENCE_CHARS: usize = 64;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WithdrawalView {
    pub id: i64,
    /// `member`, `partner` or `agent`.
    pub account_kind: &'static str,
    pub account_id: i64,
    /// The member, for a member's request.
    pub member_id: Option<i64>,
    /// The partner (or agent), for a partner's or agent's request.
    pub partner_id: Option<i64>,
    /// The requester's name (member nickname or partner name).
    pub name: String,
    pub amount_fen: i64,
    pub status: String,
    pub reason: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub payment_method: Option<String>,
    pub payment_ref: Option<String>,
    pub paid_by: Option<String>,
    pub paid_at: Option<i64>,
    pub created_at: i64,
}

/// The requester's name when the viewer may see this request.
async fn visible_name(st: &AppState, v: &Viewer, w: &Withdrawal) -> Result<Option<String>, AdminError> {
    match w.member_id() {
        Some(m) => Ok(st
            .store
            .member_summary(m, v.scope())
            .await?
            .map(|m| if m.nickname.is_empty() { m.wxid } else { m.nickname })),
        None if v.owns(Some(w.account_id)) => Ok(Some(
            st.store.partners(Some(w.account_id)).await?.into_iter().next().map(|p| p.name).unwrap_or_default(),
        )),
        None => Ok(None),
    }
}

fn view(w: Withdrawal, name: String) -> WithdrawalView {
    WithdrawalView {
        id: w.id,
        account_kind: w.account_kind.code(),
        account_id: w.account_id,
        member_id: w.member_id(),
        partner_id: w.partner_id(),
        name,
        amount_fen: w.amount.0,
        status: w.status,
        reason: w.reason,
        decided_by: w.decided_by,
        decided_at: w.decided_at,
        payment_method: w.payment_method,
        payment_ref: w.payment_ref,
        paid_by: w.paid_by,
        paid_at: w.paid_at,
        created_at: w.created_at,
    }
}

/// The rows the viewer may see, with the requesters' names.
pub async fn visible(st: &AppState, v: &Viewer, list: Vec<Withdrawal>) -> Result<Vec<WithdrawalView>, AdminError> {
    let mut out = Vec::new();
    for w in list {
        if let Some(name) = visible_name(st, v, &w).await? {
            out.push(view(w, name));
        }
    }
    Ok(out)
}

async fn with_status(st: &AppState, v: &Viewer, s: &str) -> Result<Vec<WithdrawalView>, AdminError> {
    visible(st, v, st.store.withdrawals_with_status(s, LIST_LIMIT).await?).await
}

#[derive(Debug, Serialize)]
pub struct WithdrawalsView {
    /// Open requests, oldest first.
    pub queue: Vec<WithdrawalView>,
    /// Approved, not yet paid, oldest first.
    pub approved: Vec<WithdrawalView>,
    /// Paid or rejected, newest first.
    pub done: Vec<WithdrawalView>,
}

pub async fn data(st: &AppState, v: &Viewer) -> Result<WithdrawalsView, AdminError> {
    let queue = with_status(st, v, status::OPEN).await?;
    let approved = with_status(st, v, status::APPROVED).await?;
    let mut done = Vec::new();
    for s in [status::PAID, status::REJECTED] {
        done.extend(with_status(st, v, s).await?);
    }
    done.sort_by(|a, b| b.paid_at.or(b.decided_at).cmp(&a.paid_at.or(a.decided_at)).then(b.id.cmp(&a.id)));
    done.truncate(LIST_LIMIT as usize);
    Ok(WithdrawalsView { queue, approved, done })
}

fn ledger(st: &AppState) -> Ledger {
    Ledger::with_settings(st.store.clone(), st.settings.ledger.clone(), st.settings.chat.utc_offset_hours)
}

fn not_open(e: LedgerError) -> AdminError {
    match e {
        LedgerError::Store(StoreError::NotFound) => AdminError::NotFound,
        LedgerError::Store(s) => s.into(),
    }
}

/// A checked rejection reason.
fn reason(r: &str) -> Result<&str, AdminError> {
    let r = r.trim();
    if r.is_empty() {
        return Err(AdminError::BadRequest(m::REASON_REQUIRED.into()));
    }
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(AdminError::BadRequest(m::reason_too_long(MAX_REASON_CHARS)));
    }
    Ok(r)
}

/// How a request was paid, as the admin types it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PaymentInput {
    /// 银行转账, 支付宝, 微信 …
    pub method: String,
    /// The transfer's reference (流水号).
    pub reference: String,
}

impl PaymentInput {
    fn checked(&self) -> Result<Payment<'_>, AdminError> {
        let (method, reference) = (self.method.trim(), self.reference.trim());
        if method.is_empty() || method.chars().count() > MAX_METHOD_CHARS {
            return Err(AdminError::BadRequest(m::payment_method_length(MAX_METHOD_CHARS)));
        }
        if reference.is_empty() || reference.chars().count() > MAX_REFERENCE_CHARS {
            return Err(AdminError::BadRequest(m::payment_reference_length(MAX_REFERENCE_CHARS)));
        }
        Ok(Payment { method, reference })
    }
}

pub async fn approve(st: &AppState, v: &Admin, id: i64) -> Result<Withdrawal, AdminError> {
    let w = ledger(st).decide_withdrawal(id, true, &v.username, "").await.map_err(not_open)?;
    tracing::info!(withdrawal = id, by = %v.username, "withdrawal approved");
    Ok(w)
}

pub async fn reject(st: &AppState, v: &Admin, id: i64, why: &str) -> Result<Withdrawal, AdminError> {
    let why = reason(why)?;
    let w = ledger(st).decide_withdrawal(id, false, &v.username, why).await.map_err(not_open)?;
    tracing::info!(withdrawal = id, by = %v.username, "withdrawal rejected");
    Ok(w)
}

pub async fn pay(st: &AppState, v: &Admin, id: i64, p: &PaymentInput) -> Result<Withdrawal, AdminError> {
    let payment = p.checked()?;
    let w = ledger(st).record_payment(id, &payment, &v.username).await.map_err(not_open)?;
    tracing::info!(withdrawal = id, by = %v.username, "withdrawal paid");
    Ok(w)
}

/// What a batch did: the requests it decided, and the ids it skipped (unknown, or decided before).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    pub done: Vec<WithdrawalView>,
    pub skipped: Vec<i64>,
}

fn batch_ids(ids: &[i64]) -> Result<Vec<i64>, AdminError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AdminError::BadRequest(m::TICK_FIRST.into()));
    }
    if ids.len() > MAX_BATCH {
        return Err(AdminError::BadRequest(m::batch_too_large(MAX_BATCH)));
    }
    Ok(ids)
}

async fn batch<F, Fut>(st: &AppState, v: &Admin, ids: &[i64], one: F) -> Result<BatchResult, AdminError>
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = Result<Withdrawal, AdminError>>,
{
    let mut out = BatchResult { done: Vec::new(), skipped: Vec::new() };
    for id in batch_ids(ids)? {
        match one(id).await {
            Ok(w) => {
                let name = visible_name(st, v, &w).await?.unwrap_or_default();
                out.done.push(view(w, name));
            }
            Err(AdminError::NotFound) => out.skipped.push(id),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

pub async fn approve_batch(st: &AppState, v: &Admin, ids: &[i64]) -> Result<BatchResult, AdminError> {
    batch(st, v, ids, |id| approve(st, v, id)).await
}

pub async fn pay_batch(st: &AppState, v: &Admin, ids: &[i64], p: &PaymentInput) -> Result<BatchResult, AdminError> {
    p.checked()?;
    batch(st, v, ids, |id| pay(st, v, id, p)).await
}

/// The approved, unpaid requests as a CSV for a batch transfer: amounts in 元 with two decimals (from integer 分).
pub async fn approved_csv(st: &AppState, v: &Admin) -> Result<Csv, AdminError> {
    let mut out = Csv::default();
    out.row(m::APPROVED_CSV_COLUMNS);
    let offset = st.settings.chat.utc_offset_hours;
    for w in with_status(st, v, status::APPROVED).await? {
        let kind = AccountKind::from_code(w.account_kind).map(AccountKind::label).unwrap_or_default();
        out.row(&[
            w.id.to_string(),
            csv::field(kind),
            w.account_id.to_string(),
            csv::field(&w.name),
            yuan(crate::money::Fen(w.amount_fen)),
            csv::field(&format::datetime(w.created_at, offset)),
        ]);
    }
    Ok(out)
}

// ---- pages ----

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

fn requester(w: &WithdrawalView) -> Markup {
    let kind = AccountKind::from_code(w.account_kind).map(AccountKind::label).unwrap_or_default();
    let href = match w.member_id {
        Some(m) => format!("/admin/members/{m}"),
        None => format!("/admin/partners/{}", w.account_id),
    };
    html! { a href=(href) { (w.name) } " " span.muted { (kind) } }
}

/// The inline form that rejects the request (withdrawal or agent application) at `action`, with a reason.
pub(super) fn reject_form(v: &Viewer, action: &str) -> Markup {
    let fields = html! {
        input type="hidden" name="action" value="reject";
        input name="reason" required maxlength=(MAX_REASON_CHARS) placeholder=(m::REJECT_REASON) size="10";
        button type="submit" { (m::REJECT) }
    };
    view::form(v, action, "inline reject", fields)
}

/// The inline form that approves the request at `action`: `fields` (hidden or chosen), then the button.
pub(super) fn approve_form(v: &Viewer, action: &str, id: i64, fields: Markup) -> Markup {
    let fields = html! {
        input type="hidden" name="action" value="approve";
        (fields)
        button type="submit" data-id=(id) { (m::APPROVE) }
    };
    view::form(v, action, "inline approve", fields)
}

fn checkbox(form: &str, id: i64) -> Markup {
    html! { input type="checkbox" name="ids" value=(id) form=(form) aria-label={ (m::SELECT) " " (id) }; }
}

/// A batch form (`id` is also its class) that the checkboxes of the table above join with `form=id`.
fn batch_decision(v: &Viewer, id: &str, action: &str, content: Markup) -> Markup {
    html! {
        form id=(id) method="post" action=(action) class={ "card row " (id) } {
            (view::csrf_field(v))
            (content)
        }
    }
}

fn amount(w: &WithdrawalView) -> Markup {
    html! { (yuan(crate::money::Fen(w.amount_fen))) }
}

pub async fn page(State(st): State<AppState>, v: Viewer, Query(q): Query<Msg>) -> Result<Markup, PageError> {
    let d = data(&st, &v).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let admin = v.is_admin();
    let time = |t: Option<i64>| html! { (t.map(|t| format::datetime(t, offset)).unwrap_or_default()) };
    let action = |id: i64| format!("/admin/withdrawals/{id}");

    let queue: Vec<Vec<Markup>> = d
        .queue
        .iter()
        .map(|w| {
            let mut r = Vec::new();
            if admin {
                r.push(checkbox("batch-approve", w.id));
            }
            r.extend([html! { (w.id) }, time(Some(w.created_at)), requester(w), amount(w)]);
            if admin {
                r.push(html! {
                    (approve_form(&v, &action(w.id), w.id, html! {})) " " (reject_form(&v, &action(w.id)))
                });
            }
            r
        })
        .collect();
    let approved: Vec<Vec<Markup>> = d
        .approved
        .iter()
        .map(|w| {
            let mut r = Vec::new();
            if admin {
                r.push(checkbox("batch-pay", w.id));
            }
            r.extend([
                html! { (w.id) },
                time(w.decided_at),
                requester(w),
                amount(w),
                html! { (w.decided_by.as_deref().unwrap_or("")) },
            ]);
            if admin {
                r.push(reject_form(&v, &action(w.id)));
            }
            r
        })
        .collect();
    let done: Vec<Vec<Markup>> = d
        .done
        .iter()
        .map(|w| {
            let (result, note) = if w.status == status::PAID {
                (
                    html! { b.ok { (m::STATUS_PAID) } },
                    html! { (w.payment_method.as_deref().unwrap_or("")) " " (w.payment_ref.as_deref().unwrap_or("")) },
                )
            } else {
                (html! { b.warn { (m::STATUS_REJECTED) } }, html! { (w.reason) })
            };
            vec![
                html! { (w.id) },
                time(w.paid_at.or(w.decided_at)),
                requester(w),
                amount(w),
                result,
                note,
                html! { (w.paid_by.as_deref().or(w.decided_by.as_deref()).unwrap_or("")) },
            ]
        })
        .collect();

    let body = html! {
        (view::notice(q.msg.as_deref()))
        h2 { (m::STATUS_OPEN) }
        (view::table(if admin { m::QUEUE_COLUMNS_ADMIN } else { m::QUEUE_COLUMNS }, &queue))
        @if admin {
            (batch_decision(&v, "batch-approve", "/admin/withdrawals/approve", html! {
                span { (m::BATCH_APPROVE_HINT) }
                button type="submit" { (m::BATCH_APPROVE) }
            }))
        }
        h2 { (m::STATUS_APPROVED) }
        (view::table(if admin { m::APPROVED_COLUMNS_ADMIN } else { m::APPROVED_COLUMNS }, &approved))
        @if admin {
            (batch_decision(&v, "batch-pay", "/admin/withdrawals/pay", html! {
                span { (m::BATCH_PAY_HINT) }
                input name="method" required maxlength=(MAX_METHOD_CHARS) placeholder=(m::PAYMENT_METHOD_EXAMPLE)
                    value=(m::BANK_TRANSFER);
                input name="reference" required maxlength=(MAX_REFERENCE_CHARS) placeholder=(m::TRANSFER_REFERENCE);
                button type="submit" { (m::RECORD_PAYMENT) }
            }))
            p { a href="/admin/withdrawals/approved.csv" download { (m::EXPORT_APPROVED_CSV) } }
        }
        h2 { (m::DONE) }
        (view::table(m::DONE_COLUMNS, &done))
    };
    Ok(view::page(&v, "/admin/withdrawals", m::WITHDRAWALS, body))
}

#[derive(Debug, Deserialize)]
pub struct Decision {
    /// `approve` or `reject`.
    pub action: String,
    /// Required when rejecting; shown to the requester.
    #[serde(default)]
    pub reason: String,
}

fn back(r: Result<String, AdminError>) -> Result<Redirect, PageError> {
    let msg = match r {
        Ok(m) | Err(AdminError::BadRequest(m)) => m,
        Err(AdminError::NotFound) => m::NOT_FOUND_OR_DECIDED.to_string(),
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/admin/withdrawals?msg={}", urlenc(&msg))))
}

pub async fn decide_page(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    axum::Form(d): axum::Form<Decision>,
) -> Result<Redirect, PageError> {
    back(match d.action.as_str() {
        "approve" => approve(&st, &v, id).await.map(|w| m::withdrawal_approved(w.id, &yuan(w.amount))),
        "reject" => reject(&st, &v, id, &d.reason).await.map(|w| m::withdrawal_rejected(w.id)),
        _ => Err(AdminError::BadRequest(m::APPROVE_OR_REJECT.into())),
    })
}

/// The checked ids and the other fields of a batch form (`ids` repeats).
fn batch_form(body: &[u8]) -> (Vec<i64>, std::collections::HashMap<String, String>) {
    let mut ids = Vec::new();
    let mut fields = std::collections::HashMap::new();
    for (k, val) in url::form_urlencoded::parse(body) {
        if k == "ids" {
            if let Ok(id) = val.trim().parse() {
                ids.push(id);
            }
        } else {
            fields.insert(k.into_owned(), val.into_owned());
        }
    }
    (ids, fields)
}

fn batch_message(verb: &str, r: &BatchResult) -> String {
    let total: i64 = r.done.iter().map(|w| w.amount_fen).sum();
    m::batch_done(verb, r.done.len(), &yuan(crate::money::Fen(total)), r.skipped.len())
}

pub async fn approve_batch_page(State(st): State<AppState>, v: Admin, body: Bytes) -> Result<Redirect, PageError> {
    let (ids, _) = batch_form(&body);
    back(approve_batch(&st, &v, &ids).await.map(|r| batch_message(m::APPROVE, &r)))
}

pub async fn pay_batch_page(State(st): State<AppState>, v: Admin, body: Bytes) -> Result<Redirect, PageError> {
    let (ids, mut f) = batch_form(&body);
    let p = PaymentInput {
        method: f.remove("method").unwrap_or_default(),
        reference: f.remove("reference").unwrap_or_default(),
    };
    back(pay_batch(&st, &v, &ids, &p).await.map(|r| batch_message(m::RECORD_PAYMENT, &r)))
}

pub async fn approved_csv_page(State(st): State<AppState>, v: Admin) -> Result<Response, PageError> {
    Ok(approved_csv(&st, &v).await?.download("withdrawals-approved.csv"))
}

// ---- API ----

/// The status a list asks for (`default` when none), if it is one of `allowed`; `refused` names those.
pub(super) fn listed_status<'a>(
    asked: Option<&'a str>,
    default: &'a str,
    allowed: &[&str],
    refused: &str,
) -> Result<&'a str, AdminError> {
    let wanted = asked.unwrap_or(default);
    if allowed.contains(&wanted) { Ok(wanted) } else { Err(AdminError::BadRequest(refused.into())) }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub status: Option<String>,
}

/// Withdrawal requests of members, partners and agents (status open, approved, paid or rejected, open by default; a
/// partner sees their own and their groups' members').
#[utoipa::path(
    get,
    path = "/admin/api/withdrawals",
    tag = "withdrawals",
    params(ListQuery),
    responses((status = 200, body = Vec<WithdrawalView>)),
)]
pub async fn api_list(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<WithdrawalView>>, ApiError> {
    let wanted = listed_status(q.status.as_deref(), status::OPEN, &status::ALL, m::WITHDRAWAL_STATUS_FILTER)?;
    Ok(Json(with_status(&st, &v, wanted).await?))
}

async fn one_view(st: &AppState, v: &Viewer, w: Withdrawal) -> Result<Json<WithdrawalView>, ApiError> {
    let name = visible_name(st, v, &w).await?.unwrap_or_default();
    Ok(Json(view(w, name)))
}

/// Approves a withdrawal (to be paid).
#[utoipa::path(
    post,
    path = "/admin/api/withdrawals/{id}/approve",
    tag = "withdrawals",
    params(("id" = i64, Path, description = "Withdrawal id")),
    responses((status = 200, body = WithdrawalView)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_approve(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
) -> Result<Json<WithdrawalView>, ApiError> {
    let w = approve(&st, &v, id).await?;
    one_view(&st, &v, w).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RejectBody {
    pub reason: String,
}

/// Rejects a withdrawal with a reason (told to the applicant; the amount becomes available again).
#[utoipa::path(
    post,
    path = "/admin/api/withdrawals/{id}/reject",
    tag = "withdrawals",
    params(("id" = i64, Path, description = "Withdrawal id")),
    request_body(content = RejectBody, example = json!({"reason": super::text::api::REJECT_REASON})),
    responses((status = 200, body = WithdrawalView)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_reject(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Json(body): Json<RejectBody>,
) -> Result<Json<WithdrawalView>, ApiError> {
    let w = reject(&st, &v, id, &body.reason).await?;
    one_view(&st, &v, w).await
}

/// Records the payment of an approved withdrawal (method, reference).
#[utoipa::path(
    post,
    path = "/admin/api/withdrawals/{id}/pay",
    tag = "withdrawals",
    params(("id" = i64, Path, description = "Withdrawal id")),
    request_body(content = PaymentInput, example = json!({"method": super::text::api::PAY_METHOD_ALIPAY, "reference": "A20261203001"})),
    responses((status = 200, body = WithdrawalView)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_pay(
    State(st): State<AppState>,
    v: Admin,
    Path(id): Path<i64>,
    Json(p): Json<PaymentInput>,
) -> Result<Json<WithdrawalView>, ApiError> {
    let w = pay(&st, &v, id, &p).await?;
    one_view(&st, &v, w).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BatchBody {
    pub ids: Vec<i64>,
}

/// Approves withdrawals in a batch (ids; decided ones are skipped).
#[utoipa::path(
    post,
    path = "/admin/api/withdrawals/approve",
    tag = "withdrawals",
    request_body(content = BatchBody, example = json!({"ids": [999999]})),
    responses((status = 200, body = BatchResult)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_approve_batch(
    State(st): State<AppState>,
    v: Admin,
    Json(b): Json<BatchBody>,
) -> Result<Json<BatchResult>, ApiError> {
    Ok(Json(approve_batch(&st, &v, &b.ids).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PayBatchBody {
    pub ids: Vec<i64>,
    #[serde(flatten)]
    pub payment: PaymentInput,
}

/// Records the payment of approved withdrawals in a batch (ids, payment method and reference): only then are they
/// paid.
#[utoipa::path(
    post,
    path = "/admin/api/withdrawals/pay",
    tag = "withdrawals",
    request_body(content = PayBatchBody, example = json!({"ids": [999999], "method": super::text::api::PAY_METHOD_BANK, "reference": "B20261203001"})),
    responses((status = 200, body = BatchResult)),
    extensions(("x-admin-only" = json!(true))),
)]
pub async fn api_pay_batch(
    State(st): State<AppState>,
    v: Admin,
    Json(b): Json<PayBatchBody>,
) -> Result<Json<BatchResult>, ApiError> {
    Ok(Json(pay_batch(&st, &v, &b.ids, &b.payment).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_form_collects_every_checked_id() {
        let (ids, f) = batch_form(b"_csrf=t&ids=3&ids=5&ids=x&method=%E6%94%AF%E4%BB%98%E5%AE%9D&reference=R1");
        assert_eq!(ids, vec![3, 5]);
        assert_eq!(f.get("method").map(String::as_str), Some("支付宝"));
        assert_eq!(f.get("reference").map(String::as_str), Some("R1"));
    }

    #[test]
    fn batches_are_deduplicated_bounded_and_not_empty() {
        assert_eq!(batch_ids(&[5, 3, 5]).unwrap(), vec![3, 5]);
        assert!(batch_ids(&[]).is_err());
        assert!(batch_ids(&(0..=MAX_BATCH as i64).collect::<Vec<_>>()).is_err());
    }
}
