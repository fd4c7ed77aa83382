//! Group collection (微信群采集): source groups with their rules (one typed JSON document each,
//! `collection::SourceSpec`), every source message with its outcome, what each forwarded message became in each
//! target group (with the attribution tag its link carries), and the items forwarded recently.

use super::{Store, StoreResult, col};
use crate::collection::SourceSpec;
use crate::platform::Platform;
use serde::Serialize;
use sqlx::any::AnyRow;

/// A source group and its rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SourceRow {
    pub group_id: i64,
    pub room_id: String,
    pub group_name: String,
    pub spec: SourceSpec,
}

/// A message seen in a source group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCollectMessage<'a> {
    pub source_group_id: i64,
    pub dedupe_key: &'a str,
    pub sender: Option<&'a str>,
    /// `text`, `card` or `image`.
    pub kind: &'a str,
    pub body: &'a str,
    /// `forwarded`, `dropped` or `image`.
    pub outcome: &'a str,
    /// A drop reason: its code, then `: ` and the Chinese text.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CollectMessageRow {
    pub id: i64,
    pub source_group_id: i64,
    pub sender: Option<String>,
    pub kind: String,
    pub body: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub paired_with: Option<i64>,
    /// Unix ms.
    pub created_at: i64,
}

/// One item of a forwarded message in one target group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCollectDelivery<'a> {
    pub message_id: i64,
    pub source_group_id: i64,
    pub group_id: i64,
    pub platform: Platform,
    pub item_key: &'a str,
    /// The union's item id, when the item was converted.
    pub item_id: Option<&'a str>,
    pub tag_id: Option<i64>,
    /// Unix ms: when the post may go out.
    pub not_before: i64,
}

/// What a source did: messages seen, forwarded, dropped by reason code, and what its deals earned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SourceStats {
    pub group_id: i64,
    pub seen: i64,
    pub forwarded: i64,
    pub dropped: Vec<(String, i64)>,
    pub deliveries: i64,
    pub orders: i64,
    pub gmv_fen: i64,
    pub estimated_fen: i64,
    pub settled_fen: i64,
}

fn spec_of(text: &str) -> StoreResult<SourceSpec> {
    super::from_json_text("collect source", text)
}

fn message_row(r: &AnyRow) -> StoreResult<CollectMessageRow> {
    Ok(CollectMessageRow {
        id: col(r, "id")?,
        source_group_id: col(r, "source_group_id")?,
        sender: col(r, "sender")?,
        kind: col(r, "kind")?,
        body: col(r, "body")?,
        outcome: col(r, "outcome")?,
        reason: col(r, "reason")?,
        paired_with: col(r, "paired_with")?,
        created_at: col(r, "created_at")?,
    })
}

impl Store {
    /// The rules of a source group, when the group is one.
    pub async fn collect_source(&self, group_id: i64) -> StoreResult<Option<SourceSpec>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT spec FROM collect_sources WHERE group_id = $1")
            .bind(group_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(s,)| spec_of(&s)).transpose()
    }

    /// Every source group, by group id.
    pub async fn collect_sources(&self) -> StoreResult<Vec<SourceRow>> {
        let rows = sqlx::query(
            "SELECT s.group_id, s.spec, g.room_id, g.name FROM collect_sources s JOIN groups g ON g.id = s.group_id
             ORDER BY s.group_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SourceRow {
                    group_id: col(r, "group_id")?,
                    room_id: col(r, "room_id")?,
                    group_name: col(r, "name")?,
                    spec: spec_of(&col::<String>(r, "spec")?)?,
                })
            })
            .collect()
    }

    /// Makes `group_id` a source with `spec`, or replaces its rules. A new source remembers whether the group was
    /// a member group (enabled) then.
    pub async fn save_collect_source(&self, group_id: i64, spec: &SourceSpec, now: i64) -> StoreResult<()> {
        let text = super::to_json_text("collect source", spec)?;
        sqlx::query(
            "INSERT INTO collect_sources (group_id, spec, was_member, created_at, updated_at)
             VALUES ($1, $2, COALESCE((SELECT enabled FROM groups WHERE id = $1), 0), $3, $3)
             ON CONFLICT (group_id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
        )
        .bind(group_id)
        .bind(text)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stops collecting from `group_id`: `None` when it was no source, else whether it was a member group when it
    /// became one.
    pub async fn remove_collect_source(&self, group_id: i64) -> StoreResult<Option<bool>> {
        let row: Option<(i64,)> =
            sqlx::query_as("DELETE FROM collect_sources WHERE group_id = $1 RETURNING was_member")
                .bind(group_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(m,)| m != 0))
    }

    /// Records a source message once (by its inbound dedupe key); `None` when it was recorded before.
    pub async fn record_collect_message(&self, m: &NewCollectMessage<'_>, now: i64) -> StoreResult<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO collect_messages (source_group_id, dedupe_key, sender, kind, body, outcome, reason, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        )
        .bind(m.source_group_id)
        .bind(m.dedupe_key)
        .bind(m.sender)
        .bind(m.kind)
        .bind(m.body)
        .bind(m.outcome)
        .bind(m.reason.as_deref())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id,)| id))
    }

    /// Pairs the latest unpaired image of `sender` in the source since `since` (unix ms) with the text message
    /// `message_id`, or the latest unpaired text with the image `message_id`; returns the partner's id.
    pub async fn pair_collect_message(
        &self,
        source_group_id: i64,
        sender: &str,
        message_id: i64,
        partner_is_image: bool,
        since: i64,
    ) -> StoreResult<Option<i64>> {
        let kind_test = if partner_is_image { "kind = 'image'" } else { "kind <> 'image'" };
        let sql = format!(
            "SELECT id FROM collect_messages WHERE source_group_id = $1 AND sender = $2 AND {kind_test}
               AND paired_with IS NULL AND id <> $3 AND created_at >= $4 ORDER BY id DESC LIMIT 1"
        );
        let found: Option<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(source_group_id)
            .bind(sender)
            .bind(message_id)
            .bind(since)
            .fetch_optional(&self.pool)
            .await?;
        let Some((partner,)) = found else { return Ok(None) };
        sqlx::query("UPDATE collect_messages SET paired_with = $1 WHERE id = $2 AND paired_with IS NULL")
            .bind(message_id)
            .bind(partner)
            .execute(&self.pool)
            .await?;
        sqlx::query("UPDATE collect_messages SET paired_with = $1 WHERE id = $2")
            .bind(partner)
            .bind(message_id)
            .execute(&self.pool)
            .await?;
        Ok(Some(partner))
    }

    /// The body of a recorded message (an image's CDN XML).
    pub async fn collect_message_body(&self, id: i64) -> StoreResult<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT body FROM collect_messages WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(b,)| b))
    }

    /// Sets a recorded message's outcome.
    pub async fn set_collect_outcome(&self, id: i64, outcome: &str, reason: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE collect_messages SET outcome = $1, reason = $2 WHERE id = $3")
            .bind(outcome)
            .bind(reason)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The most recent source messages (of one source, or all), newest first.
    pub async fn recent_collect_messages(
        &self,
        source: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<CollectMessageRow>> {
        const COLUMNS: &str = "id, source_group_id, sender, kind, body, outcome, reason, paired_with, created_at";
        let rows = match source {
            Some(id) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM collect_messages WHERE source_group_id = $1 ORDER BY id DESC LIMIT $2"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(limit).fetch_all(&self.pool).await?
            }
            None => {
                let sql = format!("SELECT {COLUMNS} FROM collect_messages ORDER BY id DESC LIMIT $1");
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&self.pool).await?
            }
        };
        rows.iter().map(message_row).collect()
    }

    /// How many of `keys` were forwarded since `since` (unix ms).
    pub async fn collect_seen_count(&self, keys: &[(Platform, String)], since: i64) -> StoreResult<usize> {
        let mut n = 0;
        for (platform, key) in keys {
            let row: Option<(i64,)> = sqlx::query_as(
                "SELECT seen_at FROM collect_seen WHERE platform = $1 AND item_key = $2 AND seen_at >= $3",
            )
            .bind(platform.code())
            .bind(key)
            .bind(since)
            .fetch_optional(&self.pool)
            .await?;
            n += usize::from(row.is_some());
        }
        Ok(n)
    }

    /// Notes `keys` as forwarded at `now`.
    pub async fn mark_collect_seen(&self, keys: &[(Platform, String)], now: i64) -> StoreResult<()> {
        for (platform, key) in keys {
            sqlx::query(
                "INSERT INTO collect_seen (platform, item_key, seen_at) VALUES ($1, $2, $3)
                 ON CONFLICT (platform, item_key) DO UPDATE SET seen_at = excluded.seen_at",
            )
            .bind(platform.code())
            .bind(key)
            .bind(now)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// For one target group: forwarded messages planned at or after `since` (unix ms) and the latest planned time.
    pub async fn collect_group_load(&self, group_id: i64, since: i64) -> StoreResult<(i64, Option<i64>)> {
        let (n, last): (i64, Option<i64>) = sqlx::query_as(
            "SELECT CAST(COUNT(DISTINCT message_id) AS BIGINT), MAX(not_before) FROM collect_deliveries
             WHERE group_id = $1 AND not_before >= $2",
        )
        .bind(group_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok((n, last))
    }

    /// Per source: messages seen (images left out), forwarded, dropped by reason code, deliveries, and the orders
    /// that came back with the tag of a forwarded link (invalid orders left out).
    pub async fn collect_stats(&self) -> StoreResult<Vec<SourceStats>> {
        let mut stats: std::collections::BTreeMap<i64, SourceStats> = std::collections::BTreeMap::new();
        for s in self.collect_sources().await? {
            stats.insert(s.group_id, SourceStats { group_id: s.group_id, ..SourceStats::default() });
        }
        let rows = sqlx::query(
            "SELECT source_group_id, outcome, reason, CAST(COUNT(*) AS BIGINT) AS n FROM collect_messages
             WHERE kind <> 'image' GROUP BY source_group_id, outcome, reason",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let id: i64 = col(r, "source_group_id")?;
            let n: i64 = col(r, "n")?;
            let s = stats.entry(id).or_insert_with(|| SourceStats { group_id: id, ..SourceStats::default() });
            s.seen += n;
            let outcome: String = col(r, "outcome")?;
            if outcome == "forwarded" {
                s.forwarded += n;
            } else {
                let reason: Option<String> = col(r, "reason")?;
                let code = reason.as_deref().and_then(|r| r.split(':').next()).unwrap_or("other").to_string();
                match s.dropped.iter_mut().find(|(c, _)| *c == code) {
                    Some((_, total)) => *total += n,
                    None => s.dropped.push((code, n)),
                }
            }
        }
        let rows = sqlx::query(
            "SELECT d.source_group_id, CAST(COUNT(DISTINCT d.id) AS BIGINT) AS deliveries,
                CAST(COUNT(o.id) AS BIGINT) AS n,
                CAST(COALESCE(SUM(o.paid_amount_fen), 0) AS BIGINT) AS gmv,
                CAST(COALESCE(SUM(o.estimated_commission_fen), 0) AS BIGINT) AS est,
                CAST(COALESCE(SUM(o.settled_commission_fen), 0) AS BIGINT) AS settled
             FROM collect_deliveries d
             LEFT JOIN orders o ON o.platform = d.platform AND o.lifecycle <> 'invalid' AND d.tag_id IS NOT NULL
                AND (o.member_tag = 'c' || CAST(d.tag_id AS TEXT)
                     OR o.member_tag LIKE ('%\\_c' || CAST(d.tag_id AS TEXT)) ESCAPE '\\')
             GROUP BY d.source_group_id",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let id: i64 = col(r, "source_group_id")?;
            let s = stats.entry(id).or_insert_with(|| SourceStats { group_id: id, ..SourceStats::default() });
            s.deliveries = col(r, "deliveries")?;
            s.orders = col(r, "n")?;
            s.gmv_fen = col(r, "gmv")?;
            s.estimated_fen = col(r, "est")?;
            s.settled_fen = col(r, "settled")?;
        }
        Ok(stats.into_values().collect())
    }
}

pub(super) async fn insert_collect_delivery(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    d: &NewCollectDelivery<'_>,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO collect_deliveries
           (message_id, source_group_id, group_id, platform, item_key, item_id, tag_id, not_before, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (message_id, group_id, item_key) DO NOTHING",
    )
    .bind(d.message_id)
    .bind(d.source_group_id)
    .bind(d.group_id)
    .bind(d.platform.code())
    .bind(d.item_key)
    .bind(d.item_id)
    .bind(d.tag_id)
    .bind(d.not_before)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
