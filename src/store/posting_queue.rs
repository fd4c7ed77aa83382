//! The posting engine's queue: deals that collection made ours, one row per (source message, target group),
//! waiting until the group's pacing lets them out. Serving a row hands its sends to the outbox and writes its
//! delivery rows in the same transaction as the row's status, so after a crash a deal is either waiting or queued
//! with all its rows, never half.

use super::collection::NewCollectDelivery;
use super::posting::NewDelivery;
use super::{Store, StoreResult, col};
use crate::affiliate::Conversion;
use crate::chat::OutboundBody;
use crate::outbox::NewOutbox;
use crate::platform::Platform;
use crate::posting::queue::Pace;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

/// One item of a queued deal, as converted for its target group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedItem {
    pub platform: Platform,
    /// The source's reference key.
    pub item_key: String,
    /// The union's item id (a plan's library key).
    pub item_id: String,
    pub tag_id: Option<i64>,
    pub promotion_url: String,
}

/// A deal offered to one target group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQueuedPost {
    pub message_id: i64,
    pub source_group_id: i64,
    pub group_id: i64,
    pub robot_id: i64,
    pub items: Vec<QueuedItem>,
    pub bodies: Vec<OutboundBody>,
    /// The headline item's conversion, drawn as the group's poster (put before the bodies) when the deal goes out.
    pub poster: Option<Conversion>,
    pub pace: Pace,
    /// Unix ms: a deal still waiting then is skipped as expired.
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedPost {
    pub id: i64,
    pub message_id: i64,
    pub source_group_id: i64,
    pub group_id: i64,
    pub robot_id: i64,
    pub items: Vec<QueuedItem>,
    #[serde(skip)]
    pub bodies: Vec<OutboundBody>,
    #[serde(skip)]
    pub poster: Option<Conversion>,
    pub pace: Pace,
    /// `waiting`, `queued` or `skipped`.
    pub status: String,
    pub reason: Option<String>,
    /// The plan that paced it out, when one did.
    pub plan_id: Option<i64>,
    pub expires_at: i64,
    pub created_at: i64,
}

fn json<T: Serialize>(v: &T) -> StoreResult<String> {
    super::to_json_text("posting queue", v)
}

fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> StoreResult<T> {
    super::from_json_text("posting queue", text)
}

fn read(r: &AnyRow) -> StoreResult<QueuedPost> {
    Ok(QueuedPost {
        id: col(r, "id")?,
        message_id: col(r, "message_id")?,
        source_group_id: col(r, "source_group_id")?,
        group_id: col(r, "group_id")?,
        robot_id: col(r, "robot_id")?,
        items: parse(&col::<String>(r, "items")?)?,
        bodies: parse(&col::<String>(r, "bodies")?)?,
        poster: col::<Option<String>>(r, "poster")?.map(|p| parse(&p)).transpose()?,
        pace: parse(&col::<String>(r, "pace")?)?,
        status: col(r, "status")?,
        reason: col(r, "reason")?,
        plan_id: col(r, "plan_id")?,
        expires_at: col(r, "expires_at")?,
        created_at: col(r, "created_at")?,
    })
}

const COLUMNS: &str = "id, message_id, source_group_id, group_id, robot_id, items, bodies, poster, pace, status, \
                       reason, plan_id, expires_at, created_at";

/// What serving a queued deal writes besides its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served<'a> {
    pub sends: &'a [NewOutbox],
    pub collect_rows: &'a [NewCollectDelivery<'a>],
    /// The governing plan's delivery rows, when a plan paced it.
    pub plan_rows: &'a [NewDelivery<'a>],
    pub plan_id: Option<i64>,
}

impl Store {
    /// Offers a deal to a target group; a second offer of the same (message, group) is ignored.
    pub async fn offer_post(&self, p: &NewQueuedPost, now: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO posting_queue (message_id, source_group_id, group_id, robot_id, items, bodies, poster, pace,
                status, expires_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'waiting', $9, $10, $10) ON CONFLICT (message_id, group_id) DO NOTHING",
        )
        .bind(p.message_id)
        .bind(p.source_group_id)
        .bind(p.group_id)
        .bind(p.robot_id)
        .bind(json(&p.items)?)
        .bind(json(&p.bodies)?)
        .bind(p.poster.as_ref().map(json).transpose()?)
        .bind(json(&p.pace)?)
        .bind(p.expires_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The groups with waiting deals.
    pub async fn groups_with_waiting_posts(&self) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT DISTINCT group_id FROM posting_queue WHERE status = 'waiting' ORDER BY group_id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(g,)| g).collect())
    }

    /// A group's waiting deals, oldest first.
    pub async fn waiting_posts(&self, group_id: i64) -> StoreResult<Vec<QueuedPost>> {
        let sql = format!("SELECT {COLUMNS} FROM posting_queue WHERE group_id = $1 AND status = 'waiting' ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(group_id).fetch_all(&self.pool).await?;
        rows.iter().map(read).collect()
    }

    /// A group's deals in any state, newest first.
    pub async fn queued_posts(&self, group_id: i64, limit: i64) -> StoreResult<Vec<QueuedPost>> {
        let sql = format!("SELECT {COLUMNS} FROM posting_queue WHERE group_id = $1 ORDER BY id DESC LIMIT $2");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(group_id).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(read).collect()
    }

    /// Skips a waiting deal with its reason.
    pub async fn skip_queued_post(&self, id: i64, reason: &str, now: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE posting_queue SET status = 'skipped', reason = $1, updated_at = $2 WHERE id = $3 AND status = 'waiting'",
        )
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Serves a waiting deal: its status, its sends and its delivery rows in one transaction. False when it was no
    /// longer waiting (served or skipped meanwhile): then nothing is written.
    pub async fn serve_queued_post(&self, id: i64, served: &Served<'_>, now: i64) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE posting_queue SET status = 'queued', plan_id = $1, updated_at = $2 WHERE id = $3 AND status = 'waiting'",
        )
        .bind(served.plan_id)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        for s in served.sends {
            super::outbox::insert_outbox(&mut tx, s, now).await?;
        }
        for d in served.collect_rows {
            super::collection::insert_collect_delivery(&mut tx, d, now).await?;
        }
        for d in served.plan_rows {
            super::posting::insert_delivery(&mut tx, d, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// For one plan and group: the plan's queued posts with a slot at or after `since` (unix seconds) and the
    /// latest slot.
    pub async fn plan_group_load(&self, plan_id: i64, group_id: i64, since: i64) -> StoreResult<(i64, Option<i64>)> {
        let (n, last): (i64, Option<i64>) = sqlx::query_as(
            "SELECT CAST(COUNT(DISTINCT slot_at) AS BIGINT), MAX(slot_at) FROM posting_deliveries
             WHERE plan_id = $1 AND group_id = $2 AND status = 'queued' AND slot_at >= $3",
        )
        .bind(plan_id)
        .bind(group_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok((n, last))
    }
}
