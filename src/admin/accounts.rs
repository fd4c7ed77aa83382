//! 资产管理: partners' balances — their share as partner and as agent (pending, available, withdrawing, paid).
//! Admins see every partner; a partner sees only their own accounts. JSON at `/admin/api/accounts`.

use super::error::{ApiError, PageError};
use super::html::{self, esc, yuan};
use super::session::Viewer;
use crate::http::AppState;
use crate::ledger::rules::Buckets;
use crate::money::Fen;
use crate::store::accounts::PartnerAccounts;
use axum::Json;
use axum::extract::State;
use axum::response::Html;
use serde::Serialize;

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct AccountView {
    pub partner_id: i64,
    pub name: String,
    pub partner: BalanceView,
    pub agent: BalanceView,
}

/// The accounts the viewer may see.
async fn data(st: &AppState, v: &Viewer) -> Result<Vec<PartnerAccounts>, super::error::AdminError> {
    Ok(st.store.partner_accounts(v.scope()).await?)
}

pub async fn api(State(st): State<AppState>, v: Viewer) -> Result<Json<Vec<AccountView>>, ApiError> {
    let rows = data(&st, &v).await?;
    Ok(Json(
        rows.into_iter()
            .map(|a| AccountView {
                partner_id: a.partner_id,
                name: a.name,
                partner: a.partner.into(),
                agent: a.agent.into(),
            })
            .collect(),
    ))
}

fn cells(b: &Buckets) -> [String; 4] {
    [yuan(Fen(b.pending)), yuan(Fen(b.available)), yuan(Fen(b.withdrawing)), yuan(Fen(b.paid_out))]
}

pub async fn page(State(st): State<AppState>, v: Viewer) -> Result<Html<String>, PageError> {
    let rows: Vec<Vec<String>> = data(&st, &v)
        .await?
        .iter()
        .flat_map(|a| {
            [("合伙人分成", &a.partner), ("代理分成", &a.agent)].into_iter().map(|(kind, b)| {
                let mut r =
                    vec![format!("<a href=\"/admin/partners/{}\">{}</a>", a.partner_id, esc(&a.name)), kind.into()];
                r.extend(cells(b));
                r
            })
        })
        .collect();
    let b = html::table(&["合伙人", "账户", "待结算", "可提现", "提现中", "已提现"], &rows);
    Ok(html::page(&v, "/admin/accounts", "资产管理", &b))
}
