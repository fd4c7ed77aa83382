//! Taobao member registration (会员运营 `special_id` / 渠道 `relation_id`): a member is sent the registration link
//! once; when the union confirms it (`taobao.tbk.sc.publisher.info.save`), the binding is stored with the member's
//! tag, so their later Taobao orders carry it and are theirs without any heuristic.

use super::{Store, StoreResult, col};
use crate::platform::Platform;

/// A member's registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaobaoRegistration {
    pub member_id: i64,
    pub robot_id: i64,
    /// The state the consent page echoes back.
    pub token: String,
    /// `sent` until confirmed, then `bound`.
    pub status: String,
    /// `special:<id>` or `relation:<id>` once bound.
    pub tag: Option<String>,
}

impl Store {
    /// Starts the member's registration with `token`; false when the member has one already (sent or bound).
    pub async fn start_taobao_registration(
        &self,
        member_id: i64,
        robot_id: i64,
        token: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let row = sqlx::query(
            "INSERT INTO taobao_registrations (member_id, robot_id, token, status, created_at, updated_at)
             VALUES ($1, $2, $3, 'sent', $4, $4) ON CONFLICT (member_id) DO NOTHING RETURNING member_id",
        )
        .bind(member_id)
        .bind(robot_id)
        .bind(token)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    pub async fn taobao_registration_by_token(&self, token: &str) -> StoreResult<Option<TaobaoRegistration>> {
        let row =
            sqlx::query("SELECT member_id, robot_id, token, status, tag FROM taobao_registrations WHERE token = $1")
                .bind(token)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok(TaobaoRegistration {
                member_id: col(&r, "member_id")?,
                robot_id: col(&r, "robot_id")?,
                token: col(&r, "token")?,
                status: col(&r, "status")?,
                tag: col(&r, "tag")?,
            })
        })
        .transpose()
    }

    /// Records the union's confirmation: the member's tag (`special:<id>` / `relation:<id>`) is bound to them.
    /// False when the registration was completed already (a link works once).
    pub async fn complete_taobao_registration(&self, member_id: i64, tag: &str, now: i64) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE taobao_registrations SET status = 'bound', tag = $1, updated_at = $2
             WHERE member_id = $3 AND status = 'sent'",
        )
        .bind(tag)
        .bind(now)
        .bind(member_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        super::orders::upsert_member_tag(&mut tx, Platform::Taobao, tag, member_id, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The member's bound Taobao tag, once registered.
    pub async fn taobao_member_tag(&self, member_id: i64) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT tag FROM taobao_registrations WHERE member_id = $1 AND status = 'bound'")
            .bind(member_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| col::<Option<String>>(&r, "tag")).transpose()?.flatten())
    }
}
