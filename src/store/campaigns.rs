//! 免单 campaigns: the campaigns with their items and target groups, and the subsidies paid for orders.
//!
//! A subsidy is booked in one transaction: the payout row (its unique keys enforce one subsidy per order and the
//! campaign's one-per-member / one-per-item limits), the budget taken by a conditional update (`spent + amount <=
//! budget`, so concurrent orders can never overspend it) and the member's ledger entry. A refund after payout
//! takes the entry back the same way every clawback does (what is not available any more becomes debt) and returns
//! the amount to the campaign's budget; the member's one-per-member chance stays used.

use super::ledger::lock_bookings;
use super::member_money::{MemberAdjustment, adjust, mark_clawed_back};
use super::{Store, StoreResult, col};
use crate::money::Fen;
use crate::platform::Platform;
use sqlx::any::AnyRow;

/// Ledger entry kinds of campaigns.
pub mod entry_kind {
    pub const SUBSIDY: &str = "campaign_subsidy";
    pub const SUBSIDY_CLAWBACK: &str = "campaign_clawback";
}

/// How much a campaign pays per order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subsidy {
    /// The paid amount, up to this cap.
    Full { cap: Fen },
    /// This amount (never more than the paid amount).
    Fixed { amount: Fen },
}

impl Subsidy {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Subsidy::Full { cap } => ("full", cap.0),
            Subsidy::Fixed { amount } => ("fixed", amount.0),
        }
    }

    fn from_parts(kind: &str, fen: i64) -> Option<Subsidy> {
        match kind {
            "full" => Some(Subsidy::Full { cap: Fen(fen) }),
            "fixed" => Some(Subsidy::Fixed { amount: Fen(fen) }),
            _ => None,
        }
    }

    /// What an order paying `paid` gets: never more than it paid.
    pub fn for_paid(self, paid: Fen) -> Fen {
        let limit = match self {
            Subsidy::Full { cap } => cap,
            Subsidy::Fixed { amount } => amount,
        };
        Fen(limit.0.min(paid.0).max(0))
    }
}

/// Who may take part and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub one_per_member: bool,
    pub one_per_item: bool,
    /// Only a member's first order counts.
    pub new_members_only: bool,
}

/// One item of a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignItem {
    pub platform: Platform,
    pub item_id: String,
    pub title: String,
    pub price: Fen,
}

/// A campaign to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    pub name: String,
    pub subsidy: Subsidy,
    pub budget: Fen,
    pub limits: Limits,
    /// Unix milliseconds; orders paid in `[starts_at, ends_at)` count.
    pub starts_at: i64,
    pub ends_at: i64,
    pub items: Vec<CampaignItem>,
    /// Empty: every group.
    pub groups: Vec<i64>,
}

/// A campaign as stored, with its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub running: bool,
    pub subsidy: Subsidy,
    pub budget: Fen,
    pub spent: Fen,
    pub limits: Limits,
    pub starts_at: i64,
    pub ends_at: i64,
    pub items: Vec<CampaignItem>,
    pub groups: Vec<i64>,
}

impl Campaign {
    pub fn budget_left(&self) -> Fen {
        Fen(self.budget.0 - self.spent.0)
    }

    /// Running, within its dates and open to `group` (`None`: private chat, every campaign).
    pub fn open_at(&self, now_ms: i64, group: Option<i64>) -> bool {
        self.running
            && self.starts_at <= now_ms
            && now_ms < self.ends_at
            && group.is_none_or(|g| self.groups.is_empty() || self.groups.contains(&g))
    }
}

/// A subsidy paid for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    pub order_id: i64,
    pub member_id: i64,
    pub nickname: String,
    pub item_id: String,
    pub amount: Fen,
    pub clawed_back: bool,
    pub created_at: i64,
}

/// The campaign conversion an order may be paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub campaign_id: i64,
    pub conversion_id: i64,
}

/// A subsidy to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRequest<'a> {
    pub campaign_id: i64,
    pub order_id: i64,
    pub member_id: i64,
    pub item_id: &'a str,
    pub conversion_id: i64,
    pub limits: Limits,
    pub amount: Fen,
}

/// What paying a subsidy did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutOutcome {
    Paid,
    /// This order was paid a subsidy before: nothing changed.
    AlreadyPaid,
    /// The member (or the item) had their subsidy already.
    LimitReached,
    /// What is left of the budget does not cover it.
    BudgetExhausted,
}

const CAMPAIGN_COLUMNS: &str = "id, name, status, subsidy_kind, subsidy_fen, budget_fen, spent_fen, one_per_member, \
    one_per_item, new_members_only, starts_at, ends_at";

fn campaign_from_row(r: &AnyRow) -> StoreResult<Campaign> {
    let kind: String = col(r, "subsidy_kind")?;
    let status: String = col(r, "status")?;
    Ok(Campaign {
        id: col(r, "id")?,
        name: col(r, "name")?,
        running: status == "running",
        subsidy: Subsidy::from_parts(&kind, col(r, "subsidy_fen")?)
            .ok_or_else(|| super::StoreError::Corrupt(format!("subsidy kind {kind}")))?,
        budget: Fen(col(r, "budget_fen")?),
        spent: Fen(col(r, "spent_fen")?),
        limits: Limits {
            one_per_member: col::<i64>(r, "one_per_member")? != 0,
            one_per_item: col::<i64>(r, "one_per_item")? != 0,
            new_members_only: col::<i64>(r, "new_members_only")? != 0,
        },
        starts_at: col(r, "starts_at")?,
        ends_at: col(r, "ends_at")?,
        items: Vec::new(),
        groups: Vec::new(),
    })
}

impl Store {
    pub async fn create_campaign(&self, c: &NewCampaign, now: i64) -> StoreResult<i64> {
        let mut tx = self.pool.begin().await?;
        let (kind, fen) = c.subsidy.parts();
        let row = sqlx::query(
            "INSERT INTO free_campaigns (name, status, subsidy_kind, subsidy_fen, budget_fen, one_per_member,
                 one_per_item, new_members_only, starts_at, ends_at, created_at, updated_at)
             VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(&c.name)
        .bind(kind)
        .bind(fen)
        .bind(c.budget.0)
        .bind(i64::from(c.limits.one_per_member))
        .bind(i64::from(c.limits.one_per_item))
        .bind(i64::from(c.limits.new_members_only))
        .bind(c.starts_at)
        .bind(c.ends_at)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = col(&row, "id")?;
        for i in &c.items {
            sqlx::query(
                "INSERT INTO free_campaign_items (campaign_id, platform, item_id, title, price_fen, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (campaign_id, platform, item_id) DO NOTHING",
            )
            .bind(id)
            .bind(i.platform.code())
            .bind(&i.item_id)
            .bind(&i.title)
            .bind(i.price.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        for g in &c.groups {
            sqlx::query(
                "INSERT INTO free_campaign_groups (campaign_id, group_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (campaign_id, group_id) DO NOTHING",
            )
            .bind(id)
            .bind(g)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Pauses or resumes a campaign; false when there is no such campaign.
    pub async fn set_campaign_running(&self, id: i64, running: bool, now: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE free_campaigns SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(if running { "running" } else { "paused" })
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every campaign, newest first, with items and groups.
    pub async fn campaigns(&self) -> StoreResult<Vec<Campaign>> {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CAMPAIGN_COLUMNS} FROM free_campaigns ORDER BY id DESC")))
                .fetch_all(&self.pool)
                .await?;
        let mut out = rows.iter().map(campaign_from_row).collect::<StoreResult<Vec<_>>>()?;
        for c in &mut out {
            self.fill_campaign(c).await?;
        }
        Ok(out)
    }

    pub async fn campaign(&self, id: i64) -> StoreResult<Option<Campaign>> {
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CAMPAIGN_COLUMNS} FROM free_campaigns WHERE id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        let Some(r) = row else { return Ok(None) };
        let mut c = campaign_from_row(&r)?;
        self.fill_campaign(&mut c).await?;
        Ok(Some(c))
    }

    async fn fill_campaign(&self, c: &mut Campaign) -> StoreResult<()> {
        let items = sqlx::query(
            "SELECT platform, item_id, title, price_fen FROM free_campaign_items WHERE campaign_id = $1
             ORDER BY created_at, item_id",
        )
        .bind(c.id)
        .fetch_all(&self.pool)
        .await?;
        c.items = items
            .iter()
            .map(|r| {
                let p: String = col(r, "platform")?;
                Ok(CampaignItem {
                    platform: p.parse().map_err(|_| super::StoreError::Corrupt(format!("platform {p}")))?,
                    item_id: col(r, "item_id")?,
                    title: col(r, "title")?,
                    price: Fen(col(r, "price_fen")?),
                })
            })
            .collect::<StoreResult<_>>()?;
        let groups = sqlx::query("SELECT group_id FROM free_campaign_groups WHERE campaign_id = $1 ORDER BY group_id")
            .bind(c.id)
            .fetch_all(&self.pool)
            .await?;
        c.groups = groups.iter().map(|r| col(r, "group_id")).collect::<StoreResult<_>>()?;
        Ok(())
    }

    /// The campaigns whose item this order is, which the member converted through the robot (in a target group,
    /// within the campaign's dates) before the order was paid: the tagged conversions, oldest campaign first.
    pub async fn campaign_candidates(
        &self,
        platform: Platform,
        item_id: &str,
        member_id: i64,
        paid_at_ms: i64,
    ) -> StoreResult<Vec<Candidate>> {
        let rows = sqlx::query(
            "SELECT c.id AS campaign_id, MIN(v.id) AS conversion_id
             FROM free_campaigns c
             JOIN free_campaign_items i ON i.campaign_id = c.id
             JOIN members m ON m.id = $3
             JOIN conversions v ON v.platform = i.platform AND v.item_id = i.item_id AND v.member_wxid = m.wxid
             WHERE i.platform = $1 AND i.item_id = $2 AND c.status = 'running'
               AND c.starts_at <= $4 AND $4 < c.ends_at
               AND v.created_at >= c.starts_at AND v.created_at <= $4
               AND (NOT EXISTS (SELECT 1 FROM free_campaign_groups g WHERE g.campaign_id = c.id)
                    OR EXISTS (SELECT 1 FROM free_campaign_groups g
                               WHERE g.campaign_id = c.id AND g.group_id = v.group_id))
             GROUP BY c.id ORDER BY c.id",
        )
        .bind(platform.code())
        .bind(item_id)
        .bind(member_id)
        .bind(paid_at_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(Candidate { campaign_id: col(r, "campaign_id")?, conversion_id: col(r, "conversion_id")? }))
            .collect()
    }

    /// Whether the member has a valid order paid before this one (or at the same second with a smaller id).
    pub async fn member_has_earlier_order(&self, member_id: i64, order_id: i64, paid_at: i64) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM orders
             WHERE member_id = $1 AND id <> $2 AND lifecycle NOT IN ('invalid', 'unpaid', 'unknown')
               AND paid_at IS NOT NULL AND (paid_at < $3 OR (paid_at = $3 AND id < $2))",
        )
        .bind(member_id)
        .bind(order_id)
        .bind(paid_at)
        .fetch_one(&self.pool)
        .await?;
        Ok(col::<i64>(&row, "n")? > 0)
    }

    /// Pays a subsidy: the payout row, the budget and the member's ledger entry in one transaction.
    pub async fn pay_campaign_subsidy(&self, p: &PayoutRequest<'_>, now: i64) -> StoreResult<PayoutOutcome> {
        let mut tx = self.pool.begin().await?;
        lock_bookings(&mut tx, self.dialect).await?;
        let order_slot = format!("o{}", p.order_id);
        let member_slot = if p.limits.one_per_member { format!("m{}", p.member_id) } else { order_slot.clone() };
        let item_slot = if p.limits.one_per_item { format!("i{}", p.item_id) } else { order_slot };
        let paid_before = sqlx::query("SELECT 1 AS one FROM free_campaign_payouts WHERE order_id = $1")
            .bind(p.order_id)
            .fetch_optional(&mut *tx)
            .await?;
        if paid_before.is_some() {
            tx.rollback().await?;
            return Ok(PayoutOutcome::AlreadyPaid);
        }
        let inserted = sqlx::query(
            "INSERT INTO free_campaign_payouts (campaign_id, order_id, member_id, item_id, conversion_id, member_slot,
                 item_slot, amount_fen, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'paid', $9, $9) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(p.campaign_id)
        .bind(p.order_id)
        .bind(p.member_id)
        .bind(p.item_id)
        .bind(p.conversion_id)
        .bind(&member_slot)
        .bind(&item_slot)
        .bind(p.amount.0)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if inserted.is_none() {
            tx.rollback().await?;
            return Ok(PayoutOutcome::LimitReached);
        }
        let taken = sqlx::query(
            "UPDATE free_campaigns SET spent_fen = spent_fen + $1, updated_at = $2
             WHERE id = $3 AND status = 'running' AND spent_fen + $1 <= budget_fen RETURNING spent_fen",
        )
        .bind(p.amount.0)
        .bind(now)
        .bind(p.campaign_id)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_none() {
            tx.rollback().await?;
            return Ok(PayoutOutcome::BudgetExhausted);
        }
        let key = format!("c{}:o{}:{}", p.campaign_id, p.order_id, entry_kind::SUBSIDY);
        let a = MemberAdjustment {
            key: &key,
            kind: entry_kind::SUBSIDY,
            member_id: p.member_id,
            order_id: Some(p.order_id),
            delta: p.amount.0,
            flagged: false,
        };
        adjust(&mut tx, self.dialect, a, now).await?;
        tx.commit().await?;
        Ok(PayoutOutcome::Paid)
    }

    /// Takes back the subsidy paid for a refunded order; the amount taken, `None` when there was none to take.
    pub async fn claw_back_campaign_subsidy(&self, order_id: i64, now: i64) -> StoreResult<Option<(i64, Fen)>> {
        let mut tx = self.pool.begin().await?;
        lock_bookings(&mut tx, self.dialect).await?;
        let returning = "campaign_id, member_id, amount_fen";
        let Some(r) = mark_clawed_back(&mut tx, "free_campaign_payouts", returning, order_id, now).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        let (campaign_id, member_id, amount): (i64, i64, i64) =
            (col(&r, "campaign_id")?, col(&r, "member_id")?, col(&r, "amount_fen")?);
        // What was taken back is budget again: the campaign spent nothing on this order.
        sqlx::query("UPDATE free_campaigns SET spent_fen = spent_fen - $1, updated_at = $2 WHERE id = $3")
            .bind(amount)
            .bind(now)
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?;
        let key = format!("c{campaign_id}:o{order_id}:{}", entry_kind::SUBSIDY_CLAWBACK);
        let a = MemberAdjustment {
            key: &key,
            kind: entry_kind::SUBSIDY_CLAWBACK,
            member_id,
            order_id: Some(order_id),
            delta: -amount,
            flagged: true,
        };
        adjust(&mut tx, self.dialect, a, now).await?;
        tx.commit().await?;
        Ok(Some((member_id, Fen(amount))))
    }

    /// The subsidies a campaign paid, newest first.
    pub async fn campaign_payouts(&self, campaign_id: i64, limit: i64) -> StoreResult<Vec<Payout>> {
        let rows = sqlx::query(
            "SELECT p.order_id, p.member_id, COALESCE(m.nickname, '') AS nickname, p.item_id, p.amount_fen, p.status,
                 p.created_at
             FROM free_campaign_payouts p LEFT JOIN members m ON m.id = p.member_id
             WHERE p.campaign_id = $1 ORDER BY p.id DESC LIMIT $2",
        )
        .bind(campaign_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Payout {
                    order_id: col(r, "order_id")?,
                    member_id: col(r, "member_id")?,
                    nickname: col(r, "nickname")?,
                    item_id: col(r, "item_id")?,
                    amount: Fen(col(r, "amount_fen")?),
                    clawed_back: col::<String>(r, "status")? == "clawed_back",
                    created_at: col(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Members who converted one of the campaign's items since it started.
    pub async fn campaign_participants(&self, campaign_id: i64) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT COUNT(DISTINCT v.member_wxid) AS n
             FROM free_campaigns c
             JOIN free_campaign_items i ON i.campaign_id = c.id
             JOIN conversions v ON v.platform = i.platform AND v.item_id = i.item_id
             WHERE c.id = $1 AND v.created_at >= c.starts_at AND v.created_at < c.ends_at
               AND v.member_wxid IS NOT NULL",
        )
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await?;
        col(&row, "n")
    }
}
