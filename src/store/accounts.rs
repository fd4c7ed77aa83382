//! Partners' and agents' money accounts (资产管理): their ledger balances by partner, for the dashboard and for
//! 我的 in private chat.

use super::ledger::AccountKind;
use super::{Store, StoreResult, col};
use crate::ledger::rules::Buckets;

/// One partner's balances: their share as the groups' partner and as the agent of other partners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerAccounts {
    pub partner_id: i64,
    pub name: String,
    pub partner: Buckets,
    pub agent: Buckets,
}

impl Store {
    /// Every partner's balances (`only`: just that partner), by partner id.
    pub async fn partner_accounts(&self, only: Option<i64>) -> StoreResult<Vec<PartnerAccounts>> {
        let mut out = Vec::new();
        for p in self.partners(only).await? {
            out.push(PartnerAccounts {
                partner_id: p.id,
                name: p.name,
                partner: self.ledger_balance(AccountKind::Partner, p.id).await?,
                agent: self.ledger_balance(AccountKind::Agent, p.id).await?,
            });
        }
        Ok(out)
    }

    /// The partner whose WeChat id this is, if any.
    pub async fn partner_by_wxid(&self, wxid: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT id FROM partners WHERE wxid = $1").bind(wxid).fetch_optional(&self.pool).await?;
        row.map(|r| col(&r, "id")).transpose()
    }
}
