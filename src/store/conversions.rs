//! Conversions: one row per product reference converted for a member in a group.

use super::{Store, StoreResult, col};
use crate::money::Fen;
use crate::platform::Platform;
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConversion {
    pub robot_id: i64,
    pub group_id: Option<i64>,
    pub member_wxid: Option<String>,
    pub platform: Platform,
    pub item_key: String,
    pub item_id: String,
    pub title: String,
    pub pid: String,
    pub member_param: Option<String>,
    pub promotion_url: String,
    pub short_url: Option<String>,
    pub price: Fen,
    pub final_price: Fen,
    pub commission: Fen,
}

pub(super) async fn insert_conversion(
    tx: &mut Transaction<'_, Any>,
    inbound_id: i64,
    c: &NewConversion,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO conversions (inbound_id, robot_id, group_id, member_wxid, platform, item_key, item_id, title, pid,
             member_param, promotion_url, short_url, price_fen, final_price_fen, commission_fen, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (inbound_id, platform, item_key) DO NOTHING",
    )
    .bind(inbound_id)
    .bind(c.robot_id)
    .bind(c.group_id)
    .bind(c.member_wxid.as_deref())
    .bind(c.platform.code())
    .bind(&c.item_key)
    .bind(&c.item_id)
    .bind(&c.title)
    .bind(&c.pid)
    .bind(c.member_param.as_deref())
    .bind(&c.promotion_url)
    .bind(c.short_url.as_deref())
    .bind(c.price.0)
    .bind(c.final_price.0)
    .bind(c.commission.0)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Conversions in a group since `since` (unix ms).
    pub async fn count_conversions(&self, group_id: i64, since: i64) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM conversions WHERE group_id = $1 AND created_at >= $2")
            .bind(group_id)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        col(&row, "n")
    }
}

/// A stored conversion, as the admin views and tests read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionRow {
    pub id: i64,
    pub group_id: Option<i64>,
    pub member_wxid: Option<String>,
    pub platform: String,
    pub item_key: String,
    pub pid: String,
    pub member_param: Option<String>,
    pub promotion_url: String,
    pub short_url: Option<String>,
}

impl Store {
    /// The latest conversions, newest first.
    pub async fn recent_conversions(&self, limit: i64) -> StoreResult<Vec<ConversionRow>> {
        let rows = sqlx::query(
            "SELECT id, group_id, member_wxid, platform, item_key, pid, member_param, promotion_url, short_url
             FROM conversions ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ConversionRow {
                    id: col(r, "id")?,
                    group_id: col(r, "group_id")?,
                    member_wxid: col(r, "member_wxid")?,
                    platform: col(r, "platform")?,
                    item_key: col(r, "item_key")?,
                    pid: col(r, "pid")?,
                    member_param: col(r, "member_param")?,
                    promotion_url: col(r, "promotion_url")?,
                    short_url: col(r, "short_url")?,
                })
            })
            .collect()
    }
}
