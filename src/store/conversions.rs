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
    /// The conversion's attribution tag (a row of `attribution_tags`), when it has one.
    pub tag_id: Option<i64>,
}

pub(super) async fn insert_conversion(
    tx: &mut Transaction<'_, Any>,
    inbound_id: i64,
    c: &NewConversion,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO conversions (inbound_id, robot_id, group_id, member_wxid, platform, item_key, item_id, title, pid,
             member_param, promotion_url, short_url, price_fen, final_price_fen, commission_fen, created_at, tag_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
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
    .bind(c.tag_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Who one conversion was made for: the row an attribution tag `c<id>` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRow {
    pub id: i64,
    pub robot_id: i64,
    pub group_id: Option<i64>,
    pub member_id: Option<i64>,
    pub platform: Platform,
}

impl Store {
    /// The attribution tag for a conversion about to be made: the tag of the same conversion (robot, group, member,
    /// item) made since `reuse_since` (so repeated pastes share one link and the conversion cache), else a new one.
    #[allow(clippy::too_many_arguments)]
    pub async fn attribution_tag_for(
        &self,
        robot_id: i64,
        group_id: Option<i64>,
        member_id: Option<i64>,
        platform: Platform,
        item_key: &str,
        reuse_since: i64,
        now: i64,
    ) -> StoreResult<i64> {
        let same = sqlx::query(
            "SELECT id FROM attribution_tags
             WHERE robot_id = $1 AND group_id IS NOT DISTINCT FROM $2 AND member_id IS NOT DISTINCT FROM $3
                 AND platform = $4 AND item_key = $5 AND created_at >= $6
             ORDER BY id DESC LIMIT 1",
        )
        .bind(robot_id)
        .bind(group_id)
        .bind(member_id)
        .bind(platform.code())
        .bind(item_key)
        .bind(reuse_since)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(r) = same {
            return col(&r, "id");
        }
        let row = sqlx::query(
            "INSERT INTO attribution_tags (robot_id, group_id, member_id, platform, item_key, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(robot_id)
        .bind(group_id)
        .bind(member_id)
        .bind(platform.code())
        .bind(item_key)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        col(&row, "id")
    }

    /// The conversion an attribution tag names.
    pub async fn attribution_tag(&self, id: i64) -> StoreResult<Option<TagRow>> {
        let row = sqlx::query("SELECT id, robot_id, group_id, member_id, platform FROM attribution_tags WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let platform: String = col(&r, "platform")?;
        Ok(Some(TagRow {
            id: col(&r, "id")?,
            robot_id: col(&r, "robot_id")?,
            group_id: col(&r, "group_id")?,
            member_id: col(&r, "member_id")?,
            platform: platform.parse().map_err(|e| super::StoreError::Corrupt(format!("{e}")))?,
        }))
    }

    /// The robot and group chat of the member's latest conversion in a group.
    pub async fn last_conversion_group(&self, member_wxid: &str) -> StoreResult<Option<(i64, String)>> {
        let row = sqlx::query(
            "SELECT c.robot_id AS robot_id, g.room_id AS room_id FROM conversions c JOIN groups g ON g.id = c.group_id
             WHERE c.member_wxid = $1 ORDER BY c.id DESC LIMIT 1",
        )
        .bind(member_wxid)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((col(&r, "robot_id")?, col(&r, "room_id")?))).transpose()
    }

    /// Whether the member has written to the robot in private chat (a contact the robot can message).
    pub async fn is_private_contact(&self, robot_id: i64, wxid: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT id FROM inbound WHERE conversation_id = $1 AND robot_id = $2 AND sender_id = $1 LIMIT 1",
        )
        .bind(wxid)
        .bind(robot_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }
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
    pub item_id: String,
    pub final_price: Fen,
    /// The estimated commission of one piece.
    pub commission: Fen,
}

impl Store {
    /// The latest conversions, newest first.
    pub async fn recent_conversions(&self, limit: i64) -> StoreResult<Vec<ConversionRow>> {
        let rows = sqlx::query(
            "SELECT id, group_id, member_wxid, platform, item_key, pid, member_param, promotion_url, short_url,
                 item_id, final_price_fen, commission_fen
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
                    item_id: col(r, "item_id")?,
                    final_price: Fen(col(r, "final_price_fen")?),
                    commission: Fen(col(r, "commission_fen")?),
                })
            })
            .collect()
    }
}
