//! 提现审核: the requests of members, partners and agents. Admins approve many at once (checkboxes), reject with
//! a reason that reaches the requester, and record how each approved request was paid (method and transfer
//! reference, per request or for the batch): only then is it paid. The approved, unpaid ones export as a CSV for a
//! batch transfer. Partners see the requests of their own accounts and of their groups' members, read-only.
//! JSON at `/admin/api/withdrawals…`.

use super::csv::{self, Csv};
use super::error::{AdminError, ApiError, PageError};
use super::groups::urlenc;
use super::html::{self, esc, yuan};
use super::session::{Admin, Viewer};
use crate::http::AppState;
use crate::ledger::{Ledger, LedgerError};
use crate::store::StoreError;
use crate::store::ledger::AccountKind;
use crate::store::withdrawals::{Payment, Withdrawal, status};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect, Response};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

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
        return Err(AdminError::BadRequest("驳回须填写原因".into()));
    }
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(AdminError::BadRequest(format!("原因最多 {MAX_REASON_CHARS} 字")));
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
            return Err(AdminError::BadRequest(format!("打款方式须为 1 到 {MAX_METHOD_CHARS} 个字")));
        }
        if reference.is_empty() || reference.chars().count() > MAX_REFERENCE_CHARS {
            return Err(AdminError::BadRequest(format!("流水号须为 1 到 {MAX_REFERENCE_CHARS} 个字")));
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
        return Err(AdminError::BadRequest("请先勾选提现申请".into()));
    }
    if ids.len() > MAX_BATCH {
        return Err(AdminError::BadRequest(format!("一次最多处理 {MAX_BATCH} 笔")));
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
    out.row(&["申请编号", "账户类型", "账户ID", "姓名", "金额（元）", "申请时间"]);
    let offset = st.settings.chat.utc_offset_hours;
    for w in with_status(st, v, status::APPROVED).await? {
        let kind = AccountKind::from_code(w.account_kind).map(AccountKind::label).unwrap_or_default();
        out.row(&[
            w.id.to_string(),
            csv::field(kind),
            w.account_id.to_string(),
            csv::field(&w.name),
            yuan(crate::money::Fen(w.amount_fen)),
            csv::field(&html::datetime(w.created_at, offset)),
        ]);
    }
    Ok(out)
}

// ---- pages ----

#[derive(Deserialize)]
pub struct Msg {
    pub msg: Option<String>,
}

fn requester(w: &WithdrawalView) -> String {
    let kind = AccountKind::from_code(w.account_kind).map(AccountKind::label).unwrap_or_default();
    let link = match w.member_id {
        Some(m) => format!("<a href=\"/admin/members/{m}\">{}</a>", esc(&w.name)),
        None => format!("<a href=\"/admin/partners/{}\">{}</a>", w.account_id, esc(&w.name)),
    };
    format!("{link} <span class=muted>{kind}</span>")
}

fn reject_form(v: &Viewer, id: i64) -> String {
    let mut cell = html::form_open(v, &format!("/admin/withdrawals/{id}"), "inline reject");
    cell.push_str(
        "<input type=hidden name=action value=reject><input name=reason required maxlength=200 \
         placeholder=驳回原因 size=10><button type=submit>驳回</button></form>",
    );
    cell
}

fn checkbox(form: &str, id: i64) -> String {
    format!("<input type=checkbox name=ids value={id} form={form} aria-label=\"选择 {id}\">")
}

pub async fn page(State(st): State<AppState>, v: Viewer, Query(q): Query<Msg>) -> Result<Html<String>, PageError> {
    let d = data(&st, &v).await?;
    let offset = st.settings.chat.utc_offset_hours;
    let admin = v.is_admin();
    let mut b = html::notice(q.msg.as_deref());

    b.push_str("<h2>待审核</h2>");
    let rows: Vec<Vec<String>> = d
        .queue
        .iter()
        .map(|w| {
            let mut r = Vec::new();
            if admin {
                r.push(checkbox("batch-approve", w.id));
            }
            r.extend([
                w.id.to_string(),
                html::datetime(w.created_at, offset),
                requester(w),
                yuan(crate::money::Fen(w.amount_fen)),
            ]);
            if admin {
                let mut cell = html::form_open(&v, &format!("/admin/withdrawals/{}", w.id), "inline approve");
                let _ = write!(
                    cell,
                    "<input type=hidden name=action value=approve><button type=submit data-id={}>通过</button></form> ",
                    w.id
                );
                cell.push_str(&reject_form(&v, w.id));
                r.push(cell);
            }
            r
        })
        .collect();
    let headers: &[&str] = if admin {
        &["选择", "编号", "申请时间", "申请人", "金额（元）", "审核"]
    } else {
        &["编号", "申请时间", "申请人", "金额（元）"]
    };
    b.push_str(&html::table(headers, &rows));
    if admin {
        b.push_str(&html::form_open(&v, "/admin/withdrawals/approve", "card row batch-approve").replacen(
            "<form ",
            "<form id=batch-approve ",
            1,
        ));
        b.push_str("<span>勾选后批量通过（打款后再记录打款）</span><button type=submit>批量通过</button></form>");
    }

    b.push_str("<h2>待打款</h2>");
    let rows: Vec<Vec<String>> = d
        .approved
        .iter()
        .map(|w| {
            let mut r = Vec::new();
            if admin {
                r.push(checkbox("batch-pay", w.id));
            }
            r.extend([
                w.id.to_string(),
                w.decided_at.map(|t| html::datetime(t, offset)).unwrap_or_default(),
                requester(w),
                yuan(crate::money::Fen(w.amount_fen)),
                esc(w.decided_by.as_deref().unwrap_or("")),
            ]);
            if admin {
                r.push(reject_form(&v, w.id));
            }
            r
        })
        .collect();
    let headers: &[&str] = if admin {
        &["选择", "编号", "通过时间", "申请人", "金额（元）", "审核人", "撤回"]
    } else {
        &["编号", "通过时间", "申请人", "金额（元）", "审核人"]
    };
    b.push_str(&html::table(headers, &rows));
    if admin {
        b.push_str(&html::form_open(&v, "/admin/withdrawals/pay", "card row batch-pay").replacen(
            "<form ",
            "<form id=batch-pay ",
            1,
        ));
        b.push_str(
            "<span>勾选已打款的申请：</span><input name=method required maxlength=20 placeholder=打款方式（如 银行转账） \
             value=银行转账><input name=reference required maxlength=64 placeholder=转账流水号>\
             <button type=submit>记录打款</button></form>\
             <p><a href=\"/admin/withdrawals/approved.csv\" download>导出待打款 CSV（批量转账）</a></p>",
        );
    }

    b.push_str("<h2>已处理</h2>");
    let rows: Vec<Vec<String>> = d
        .done
        .iter()
        .map(|w| {
            let (result, note) = if w.status == status::PAID {
                (
                    "<b class=ok>已打款</b>".to_string(),
                    format!(
                        "{} {}",
                        esc(w.payment_method.as_deref().unwrap_or("")),
                        esc(w.payment_ref.as_deref().unwrap_or(""))
                    ),
                )
            } else {
                ("<b class=warn>已驳回</b>".to_string(), esc(&w.reason))
            };
            vec![
                w.id.to_string(),
                w.paid_at.or(w.decided_at).map(|t| html::datetime(t, offset)).unwrap_or_default(),
                requester(w),
                yuan(crate::money::Fen(w.amount_fen)),
                result,
                note,
                esc(w.paid_by.as_deref().or(w.decided_by.as_deref()).unwrap_or("")),
            ]
        })
        .collect();
    b.push_str(&html::table(&["编号", "处理时间", "申请人", "金额（元）", "结果", "打款信息 / 原因", "经办人"], &rows));
    Ok(html::page(&v, "/admin/withdrawals", "提现审核", &b))
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
        Err(AdminError::NotFound) => "该申请不存在或已处理".to_string(),
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
        "approve" => approve(&st, &v, id)
            .await
            .map(|w| format!("已通过 {} 号提现（{} 元），打款后请记录打款", w.id, yuan(w.amount))),
        "reject" => reject(&st, &v, id, &d.reason).await.map(|w| format!("已驳回 {} 号提现", w.id)),
        _ => Err(AdminError::BadRequest("操作须为 approve 或 reject".into())),
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
    let mut m = format!("已{verb} {} 笔，共 {} 元", r.done.len(), yuan(crate::money::Fen(total)));
    if !r.skipped.is_empty() {
        let _ = write!(m, "；{} 笔已处理过，跳过", r.skipped.len());
    }
    m
}

pub async fn approve_batch_page(State(st): State<AppState>, v: Admin, body: Bytes) -> Result<Redirect, PageError> {
    let (ids, _) = batch_form(&body);
    back(approve_batch(&st, &v, &ids).await.map(|r| batch_message("通过", &r)))
}

pub async fn pay_batch_page(State(st): State<AppState>, v: Admin, body: Bytes) -> Result<Redirect, PageError> {
    let (ids, mut f) = batch_form(&body);
    let p = PaymentInput {
        method: f.remove("method").unwrap_or_default(),
        reference: f.remove("reference").unwrap_or_default(),
    };
    back(pay_batch(&st, &v, &ids, &p).await.map(|r| batch_message("记录打款", &r)))
}

pub async fn approved_csv_page(State(st): State<AppState>, v: Admin) -> Result<Response, PageError> {
    Ok(approved_csv(&st, &v).await?.download("withdrawals-approved.csv"))
}

// ---- API ----

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
    let wanted = q.status.as_deref().unwrap_or(status::OPEN);
    if !status::ALL.contains(&wanted) {
        return Err(AdminError::BadRequest("status 须为 open、approved、paid 或 rejected".into()).into());
    }
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
