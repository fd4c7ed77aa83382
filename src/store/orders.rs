//! Affiliate orders: upserted by (platform, order key) with a history of changes, the sync cursors, the leases of
//! periodic jobs, member tags and members' order claims.
//!
//! An order only ever changes the way the platforms' lifecycle allows ([`Lifecycle::may_become`]): a record that
//! arrives again, late or out of order leaves the stored order as it is. Every change bumps `revision`; the ledger
//! has seen an order up to `ledger_revision`, so a change the ledger has not taken yet survives a crash.

use super::pids::PidOwner;
use super::{Store, StoreError, StoreResult, col};
use crate::affiliate::orders::SyncedOrder;
use crate::money::{Bps, Fen};
use crate::order::{Lifecycle, OrderFacts};
use crate::platform::Platform;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// How an order's member was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributionKind {
    /// Nothing known.
    None,
    /// Group (and partner) from the PID, no member.
    Group,
    /// The member parameter came back on the order.
    Tag,
    /// No member parameter: the only member who converted that item in the group shortly before.
    Heuristic,
    /// The member claimed the order (`绑定订单`).
    Claim,
    /// An admin assigned the order to the member (logged with a reason).
    Admin,
}

impl AttributionKind {
    pub fn code(self) -> &'static str {
        match self {
            AttributionKind::None => "none",
            AttributionKind::Group => "group",
            AttributionKind::Tag => "tag",
            AttributionKind::Heuristic => "heuristic",
            AttributionKind::Claim => "claim",
            AttributionKind::Admin => "admin",
        }
    }

    fn parse(s: &str) -> StoreResult<Self> {
        Ok(match s {
            "none" => AttributionKind::None,
            "group" => AttributionKind::Group,
            "tag" => AttributionKind::Tag,
            "heuristic" => AttributionKind::Heuristic,
            "claim" => AttributionKind::Claim,
            "admin" => AttributionKind::Admin,
            other => return Err(StoreError::Corrupt(format!("attribution `{other}`"))),
        })
    }
}

/// Who an order belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderAttribution {
    pub group_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub member_id: Option<i64>,
    pub kind: AttributionKind,
    /// The order's tag and its PID named different groups or partners (the tag won).
    pub conflict: bool,
}

impl OrderAttribution {
    pub const NONE: OrderAttribution = OrderAttribution {
        group_id: None,
        partner_id: None,
        member_id: None,
        kind: AttributionKind::None,
        conflict: false,
    };
}

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    pub id: i64,
    pub platform: Platform,
    pub order_key: String,
    pub item_id: String,
    pub item_title: String,
    pub paid_amount: Fen,
    pub estimated_commission: Fen,
    pub settled_commission: Fen,
    pub rate: Bps,
    pub raw_status: String,
    pub lifecycle: Lifecycle,
    pub pid: String,
    pub member_tag: Option<String>,
    pub attribution: OrderAttribution,
    pub paid_at: Option<i64>,
    pub settled_at: Option<i64>,
    pub modified_at: i64,
    pub revision: i64,
}

impl StoredOrder {
    /// The commission the ledger distributes: the estimate until settled, then the settled value.
    pub fn commission(&self) -> Fen {
        if self.lifecycle == Lifecycle::Settled { self.settled_commission } else { self.estimated_commission }
    }

    pub fn facts(&self) -> OrderFacts {
        OrderFacts {
            order_id: self.id,
            platform: self.platform,
            order_key: self.order_key.clone(),
            lifecycle: self.lifecycle,
            commission: self.commission(),
            paid_amount: self.paid_amount,
            group_id: self.attribution.group_id,
            partner_id: self.attribution.partner_id,
            member_id: self.attribution.member_id,
            paid_at: self.paid_at,
        }
    }
}

const ORDER_COLUMNS: &str = "id, platform, order_key, item_id, item_title, paid_amount_fen, estimated_commission_fen,
    settled_commission_fen, rate_bps, raw_status, lifecycle, pid, member_tag, group_id, partner_id, member_id,
    attribution, attribution_conflict, paid_at, settled_at, modified_at, revision";

fn order_from_row(r: &AnyRow) -> StoreResult<StoredOrder> {
    let platform: String = col(r, "platform")?;
    let lifecycle: String = col(r, "lifecycle")?;
    let kind: String = col(r, "attribution")?;
    Ok(StoredOrder {
        id: col(r, "id")?,
        platform: platform.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        order_key: col(r, "order_key")?,
        item_id: col(r, "item_id")?,
        item_title: col(r, "item_title")?,
        paid_amount: Fen(col(r, "paid_amount_fen")?),
        estimated_commission: Fen(col(r, "estimated_commission_fen")?),
        settled_commission: Fen(col(r, "settled_commission_fen")?),
        rate: Bps(col(r, "rate_bps")?),
        raw_status: col(r, "raw_status")?,
        lifecycle: lifecycle.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        pid: col(r, "pid")?,
        member_tag: col(r, "member_tag")?,
        attribution: OrderAttribution {
            group_id: col(r, "group_id")?,
            partner_id: col(r, "partner_id")?,
            member_id: col(r, "member_id")?,
            kind: AttributionKind::parse(&kind)?,
            conflict: col::<i64>(r, "attribution_conflict")? != 0,
        },
        paid_at: col(r, "paid_at")?,
        settled_at: col(r, "settled_at")?,
        modified_at: col(r, "modified_at")?,
        revision: col(r, "revision")?,
    })
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Inserted,
    /// The stored order changed (state, amounts or attribution).
    Changed,
    /// Nothing the record says changes the stored order.
    Unchanged,
}

/// One entry of an order's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    pub lifecycle: Lifecycle,
    pub raw_status: String,
    pub commission: Fen,
    pub paid_amount: Fen,
    pub modified_at: i64,
    pub note: String,
}

/// A member's claim on an order (`绑定订单`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderClaim {
    pub order_key: String,
    pub member_id: i64,
    pub group_id: Option<i64>,
    pub status: ClaimStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimStatus {
    /// The order is not synced yet; the claim is applied when it arrives.
    Pending,
    Applied,
    /// The order belongs to someone else or another group.
    Rejected,
}

impl ClaimStatus {
    fn code(self) -> &'static str {
        match self {
            ClaimStatus::Pending => "pending",
            ClaimStatus::Applied => "applied",
            ClaimStatus::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> StoreResult<Self> {
        Ok(match s {
            "pending" => ClaimStatus::Pending,
            "applied" => ClaimStatus::Applied,
            "rejected" => ClaimStatus::Rejected,
            other => return Err(StoreError::Corrupt(format!("claim status `{other}`"))),
        })
    }
}

/// How many times an upsert re-reads after losing a race with another writer.
const UPSERT_ATTEMPTS: usize = 5;

impl Store {
    /// Stores `o` (attributed as `attr` when the order is new or its attribution still unknown) and records the
    /// change in its history. Records that would move the order backwards, or repeat what is stored, change nothing.
    pub async fn upsert_order(&self, o: &SyncedOrder, attr: &OrderAttribution, now: i64) -> StoreResult<Upserted> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO orders (platform, order_key, parent_key, item_id, item_title, paid_amount_fen,
                 estimated_commission_fen, settled_commission_fen, rate_bps, raw_status, lifecycle, pid, member_tag,
                 group_id, partner_id, member_id, attribution, ordered_at, paid_at, settled_at, modified_at, raw,
                 created_at, updated_at, attribution_conflict)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                 $22, $23, $23, $24)
             ON CONFLICT (platform, order_key) DO NOTHING
             RETURNING id",
        )
        .bind(o.platform.code())
        .bind(&o.order_key)
        .bind(o.parent_key.as_deref())
        .bind(&o.item_id)
        .bind(&o.item_title)
        .bind(o.paid_amount.0)
        .bind(o.estimated_commission.0)
        .bind(o.settled_commission.0)
        .bind(o.rate.0)
        .bind(&o.raw_status)
        .bind(o.lifecycle.code())
        .bind(&o.pid)
        .bind(o.member_tag.as_deref())
        .bind(attr.group_id)
        .bind(attr.partner_id)
        .bind(attr.member_id)
        .bind(attr.kind.code())
        .bind(o.ordered_at)
        .bind(o.paid_at)
        .bind(o.settled_at)
        .bind(o.modified_at)
        .bind(&o.raw)
        .bind(now)
        .bind(i64::from(attr.conflict))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = inserted {
            let id: i64 = col(&row, "id")?;
            let event = Event::new(o.lifecycle, &o.raw_status, o.commission(), o.paid_amount, o.modified_at, "new");
            insert_event(&mut tx, id, &event, now).await?;
            tx.commit().await?;
            return Ok(Upserted::Inserted);
        }
        drop(tx);
        for _ in 0..UPSERT_ATTEMPTS {
            let stored = self
                .order_by_key(o.platform, &o.order_key)
                .await?
                .ok_or_else(|| StoreError::Conflict(format!("order {} vanished", o.order_key)))?;
            let Some(change) = Change::of(&stored, o, attr) else { return Ok(Upserted::Unchanged) };
            let (lifecycle, raw_status, estimated, settled, paid, rate, modified, settled_at) = if change.record {
                (
                    o.lifecycle,
                    o.raw_status.as_str(),
                    o.estimated_commission,
                    o.settled_commission,
                    o.paid_amount,
                    o.rate,
                    o.modified_at.max(stored.modified_at),
                    o.settled_at,
                )
            } else {
                (
                    stored.lifecycle,
                    stored.raw_status.as_str(),
                    stored.estimated_commission,
                    stored.settled_commission,
                    stored.paid_amount,
                    stored.rate,
                    stored.modified_at,
                    stored.settled_at,
                )
            };
            let a = change.attribution.unwrap_or(stored.attribution);
            let mut tx = self.pool.begin().await?;
            let done = sqlx::query(
                "UPDATE orders SET lifecycle = $1, raw_status = $2, estimated_commission_fen = $3,
                     settled_commission_fen = $4, paid_amount_fen = $5, rate_bps = $6, modified_at = $7,
                     settled_at = $8, group_id = $9, partner_id = $10, member_id = $11, attribution = $12,
                     raw = CASE WHEN $13 = 1 THEN $14 ELSE raw END, revision = revision + 1, updated_at = $15,
                     attribution_conflict = $18
                 WHERE id = $16 AND revision = $17",
            )
            .bind(lifecycle.code())
            .bind(raw_status)
            .bind(estimated.0)
            .bind(settled.0)
            .bind(paid.0)
            .bind(rate.0)
            .bind(modified)
            .bind(settled_at)
            .bind(a.group_id)
            .bind(a.partner_id)
            .bind(a.member_id)
            .bind(a.kind.code())
            .bind(i64::from(change.record))
            .bind(&o.raw)
            .bind(now)
            .bind(stored.id)
            .bind(stored.revision)
            .bind(i64::from(a.conflict))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                let commission = if lifecycle == Lifecycle::Settled { settled } else { estimated };
                let note = if change.record { "update" } else { "attributed" };
                let event = Event::new(lifecycle, raw_status, commission, paid, modified, note);
                insert_event(&mut tx, stored.id, &event, now).await?;
                tx.commit().await?;
                return Ok(Upserted::Changed);
            }
        }
        Err(StoreError::Conflict(format!("order {} keeps changing under this writer", o.order_key)))
    }

    pub async fn order_by_key(&self, platform: Platform, order_key: &str) -> StoreResult<Option<StoredOrder>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE platform = $1 AND order_key = $2"
        )))
        .bind(platform.code())
        .bind(order_key)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(order_from_row).transpose()
    }

    /// Orders with this key on any platform (keys are unique per platform only).
    pub async fn orders_by_key(&self, order_key: &str) -> StoreResult<Vec<StoredOrder>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE order_key = $1 ORDER BY id"
        )))
        .bind(order_key)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// Orders of `platform` whose platform update time is in `[since, until]` (unix seconds), oldest first.
    pub async fn orders_modified_between(
        &self,
        platform: Platform,
        since: i64,
        until: i64,
    ) -> StoreResult<Vec<StoredOrder>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE platform = $1 AND modified_at >= $2 AND modified_at <= $3
             ORDER BY modified_at, id"
        )))
        .bind(platform.code())
        .bind(since)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// Orders without a member, newest first (the unattributed list of the dashboard and reconciliation).
    pub async fn unattributed_orders(&self, platform: Option<Platform>, limit: i64) -> StoreResult<Vec<StoredOrder>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE member_id IS NULL AND ($1 = '' OR platform = $1)
             ORDER BY id DESC LIMIT $2"
        )))
        .bind(platform.map(Platform::code).unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    pub async fn count_orders(&self, platform: Platform) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM orders WHERE platform = $1")
            .bind(platform.code())
            .fetch_one(&self.pool)
            .await?;
        col(&row, "n")
    }

    /// An order's history, oldest first.
    pub async fn order_events(&self, order_id: i64) -> StoreResult<Vec<OrderEvent>> {
        let rows = sqlx::query(
            "SELECT lifecycle, raw_status, commission_fen, paid_amount_fen, modified_at, note FROM order_events
             WHERE order_id = $1 ORDER BY id",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let lifecycle: String = col(r, "lifecycle")?;
                Ok(OrderEvent {
                    lifecycle: lifecycle.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
                    raw_status: col(r, "raw_status")?,
                    commission: Fen(col(r, "commission_fen")?),
                    paid_amount: Fen(col(r, "paid_amount_fen")?),
                    modified_at: col(r, "modified_at")?,
                    note: col(r, "note")?,
                })
            })
            .collect()
    }

    /// Orders whose latest change the ledger has not taken yet, oldest first.
    pub async fn orders_awaiting_ledger(&self, limit: i64) -> StoreResult<Vec<StoredOrder>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE ledger_revision < revision ORDER BY id LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// Records that the ledger has taken the order as of `revision`.
    pub async fn mark_ledger_applied(&self, order_id: i64, revision: i64) -> StoreResult<()> {
        sqlx::query("UPDATE orders SET ledger_revision = $2 WHERE id = $1 AND ledger_revision < $2")
            .bind(order_id)
            .bind(revision)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Gives an order without a member to `member_id` (a checked claim). False when the order already has one.
    pub async fn assign_order_member(
        &self,
        order_id: i64,
        member_id: i64,
        kind: AttributionKind,
        now: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE orders SET member_id = $1, attribution = $2, revision = revision + 1, updated_at = $3
             WHERE id = $4 AND member_id IS NULL",
        )
        .bind(member_id)
        .bind(kind.code())
        .bind(now)
        .bind(order_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// An admin gives an order to `member_id` (replacing any member), logged with the reason. False when there
    /// is no such order.
    pub async fn assign_order_by_admin(
        &self,
        order_id: i64,
        member_id: i64,
        actor: &str,
        reason: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE orders SET member_id = $1, attribution = $2, revision = revision + 1, updated_at = $3 WHERE id = $4",
        )
        .bind(member_id)
        .bind(AttributionKind::Admin.code())
        .bind(now)
        .bind(order_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO order_assignments (order_id, member_id, group_id, actor, reason, created_at)
             SELECT id, member_id, group_id, $2, $3, $4 FROM orders WHERE id = $1",
        )
        .bind(order_id)
        .bind(actor)
        .bind(reason)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The admins' assignments of an order: (member, actor, reason), oldest first.
    pub async fn order_assignments(&self, order_id: i64) -> StoreResult<Vec<(i64, String, String)>> {
        let rows =
            sqlx::query("SELECT member_id, actor, reason FROM order_assignments WHERE order_id = $1 ORDER BY id")
                .bind(order_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok((col(r, "member_id")?, col(r, "actor")?, col(r, "reason")?))).collect()
    }

    // --- sync cursors ---

    /// Up to which platform update time (unix seconds) `platform` has been synced.
    pub async fn sync_cursor(&self, platform: Platform) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT synced_until FROM sync_cursors WHERE platform = $1")
            .bind(platform.code())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| col(&r, "synced_until")).transpose()
    }

    /// Moves the cursor forward to `until`; never back (a backfill of an older period leaves it alone).
    pub async fn advance_sync_cursor(&self, platform: Platform, until: i64, now: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sync_cursors (platform, synced_until, created_at, updated_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT (platform) DO UPDATE SET
                 synced_until = CASE WHEN excluded.synced_until > sync_cursors.synced_until
                     THEN excluded.synced_until ELSE sync_cursors.synced_until END,
                 updated_at = excluded.updated_at",
        )
        .bind(platform.code())
        .bind(until)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // --- leases ---

    /// Takes or renews the lease `name` for `holder` until `now + ttl_ms` (unix ms). True when `holder` has it: it
    /// was free, expired, or already `holder`'s. One conditional UPDATE decides, so two instances never both win.
    pub async fn try_lease(&self, name: &str, holder: &str, ttl_ms: i64, now: i64) -> StoreResult<bool> {
        sqlx::query(
            "INSERT INTO leases (name, holder, expires_at, created_at, updated_at) VALUES ($1, '', 0, $2, $2)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let done = sqlx::query(
            "UPDATE leases SET holder = $1, expires_at = $2, updated_at = $3
             WHERE name = $4 AND (holder = $1 OR expires_at < $3)",
        )
        .bind(holder)
        .bind(now + ttl_ms)
        .bind(now)
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the lease up (when `holder` has it).
    pub async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        sqlx::query("UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // --- attribution lookups ---

    /// The holder of the Taobao PID `mm_<member>_<site>_<adzone>` with this adzone (orders carry only the adzone).
    pub async fn taobao_pid_holder_by_adzone(&self, adzone_id: &str) -> StoreResult<Option<PidOwner>> {
        let rows = sqlx::query("SELECT pid FROM pids WHERE platform = $1 AND pid LIKE $2")
            .bind(Platform::Taobao.code())
            .bind(format!("mm%{adzone_id}"))
            .fetch_all(&self.pool)
            .await?;
        for r in &rows {
            let pid: String = col(r, "pid")?;
            if pid.rsplit('_').next() == Some(adzone_id) {
                return self.pid_holder(Platform::Taobao, &pid).await;
            }
        }
        Ok(None)
    }

    /// The partner that owns a group.
    pub async fn group_partner(&self, group_id: i64) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT partner_id FROM groups WHERE id = $1")
            .bind(group_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| col::<Option<i64>>(&r, "partner_id")).transpose()?.flatten())
    }

    /// Whether a member with this id exists.
    pub async fn member_exists(&self, member_id: i64) -> StoreResult<bool> {
        let row =
            sqlx::query("SELECT id FROM members WHERE id = $1").bind(member_id).fetch_optional(&self.pool).await?;
        Ok(row.is_some())
    }

    /// Binds a member tag that is not a member id (Taobao `relation:<id>` / `special:<id>`) to a member.
    pub async fn bind_member_tag(&self, platform: Platform, tag: &str, member_id: i64, now: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        upsert_member_tag(&mut tx, platform, tag, member_id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn member_by_tag(&self, platform: Platform, tag: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT member_id FROM member_tags WHERE platform = $1 AND tag = $2")
            .bind(platform.code())
            .bind(tag)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| col(&r, "member_id")).transpose()
    }

    /// The distinct (group, member wxid, pid) of the conversions of `item_id` on `platform` in `[from_ms, to_ms]`.
    pub async fn converters_of_item(
        &self,
        platform: Platform,
        item_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<(Option<i64>, String, String)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT group_id, member_wxid, pid FROM conversions
             WHERE platform = $1 AND item_id = $2 AND created_at >= $3 AND created_at <= $4
                 AND member_wxid IS NOT NULL",
        )
        .bind(platform.code())
        .bind(item_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((col(r, "group_id")?, col(r, "member_wxid")?, col(r, "pid")?))).collect()
    }

    // --- claims ---

    /// Records a member's claim on `order_key` with `status`; a key can be claimed once.
    /// Returns the claim as stored (an earlier claim wins).
    pub async fn record_claim(
        &self,
        order_key: &str,
        member_id: i64,
        group_id: Option<i64>,
        status: ClaimStatus,
        now: i64,
    ) -> StoreResult<OrderClaim> {
        sqlx::query(
            "INSERT INTO order_claims (order_key, member_id, group_id, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (order_key) DO UPDATE SET member_id = excluded.member_id, group_id = excluded.group_id,
                 status = excluded.status, updated_at = excluded.updated_at
             WHERE order_claims.status = 'rejected'",
        )
        .bind(order_key)
        .bind(member_id)
        .bind(group_id)
        .bind(status.code())
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.claim(order_key).await?.ok_or(StoreError::NotFound)
    }

    pub async fn claim(&self, order_key: &str) -> StoreResult<Option<OrderClaim>> {
        let row = sqlx::query("SELECT order_key, member_id, group_id, status FROM order_claims WHERE order_key = $1")
            .bind(order_key)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let status: String = col(&r, "status")?;
        Ok(Some(OrderClaim {
            order_key: col(&r, "order_key")?,
            member_id: col(&r, "member_id")?,
            group_id: col(&r, "group_id")?,
            status: ClaimStatus::parse(&status)?,
        }))
    }

    pub async fn set_claim_status(&self, order_key: &str, status: ClaimStatus, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE order_claims SET status = $1, updated_at = $2 WHERE order_key = $3")
            .bind(status.code())
            .bind(now)
            .bind(order_key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A history entry about to be written.
struct Event<'a> {
    lifecycle: Lifecycle,
    raw_status: &'a str,
    commission: Fen,
    paid: Fen,
    modified_at: i64,
    note: &'static str,
}

impl<'a> Event<'a> {
    fn new(
        lifecycle: Lifecycle,
        raw_status: &'a str,
        commission: Fen,
        paid: Fen,
        modified_at: i64,
        note: &'static str,
    ) -> Self {
        Event { lifecycle, raw_status, commission, paid, modified_at, note }
    }
}

async fn insert_event(tx: &mut Transaction<'_, Any>, order_id: i64, e: &Event<'_>, now: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO order_events (order_id, lifecycle, raw_status, commission_fen, paid_amount_fen, modified_at, note,
             created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(order_id)
    .bind(e.lifecycle.code())
    .bind(e.raw_status)
    .bind(e.commission.0)
    .bind(e.paid.0)
    .bind(e.modified_at)
    .bind(e.note)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Binds `tag` of `platform` to `member_id` inside `tx`.
pub(super) async fn upsert_member_tag(
    tx: &mut Transaction<'_, Any>,
    platform: Platform,
    tag: &str,
    member_id: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO member_tags (platform, tag, member_id, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (platform, tag) DO UPDATE SET member_id = excluded.member_id",
    )
    .bind(platform.code())
    .bind(tag)
    .bind(member_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What an incoming record changes in a stored order.
struct Change {
    /// Take the record's state, amounts and times.
    record: bool,
    /// Fill in the attribution.
    attribution: Option<OrderAttribution>,
}

impl Change {
    fn of(stored: &StoredOrder, o: &SyncedOrder, attr: &OrderAttribution) -> Option<Change> {
        let moves = stored.lifecycle.may_become(o.lifecycle);
        // Same state, newer record with other figures (e.g. PDD 0 已支付 → 1 已成团, or a corrected estimate).
        let refresh = stored.lifecycle == o.lifecycle
            && o.modified_at > stored.modified_at
            && (stored.raw_status != o.raw_status
                || stored.estimated_commission != o.estimated_commission
                || stored.settled_commission != o.settled_commission
                || stored.paid_amount != o.paid_amount);
        let s = &stored.attribution;
        let better = (s.member_id.is_none() && attr.member_id.is_some())
            || (s.group_id.is_none() && s.member_id.is_none() && attr.group_id.is_some());
        let attribution = better.then(|| OrderAttribution {
            group_id: s.group_id.or(attr.group_id),
            partner_id: s.partner_id.or(attr.partner_id),
            member_id: s.member_id.or(attr.member_id),
            kind: if s.member_id.is_some() { s.kind } else { attr.kind },
            conflict: s.conflict || attr.conflict,
        });
        (moves || refresh || attribution.is_some()).then_some(Change { record: moves || refresh, attribution })
    }
}
