//! 推广位 (PIDs) per platform, owned by a robot, a partner or a group.

use super::{Store, StoreResult, col};
use crate::platform::Platform;

/// Who a PID belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PidOwner {
    Robot(i64),
    Partner(i64),
    Group(i64),
}

impl PidOwner {
    fn parts(self) -> (&'static str, i64) {
        match self {
            PidOwner::Robot(id) => ("robot", id),
            PidOwner::Partner(id) => ("partner", id),
            PidOwner::Group(id) => ("group", id),
        }
    }
}

impl Store {
    /// Binds `pid` to `owner` for `platform`, replacing the owner's previous PID of that platform, unless another
    /// owner holds `pid`: then nothing changes and the answer is `false`.
    ///
    /// The holder check and the write are one conditional upsert, so of two concurrent binds of one PID by
    /// different owners exactly one wins.
    pub async fn set_pid(
        &self,
        platform: Platform,
        pid: &str,
        name: &str,
        owner: PidOwner,
        now: i64,
    ) -> StoreResult<bool> {
        let (kind, id) = owner.parts();
        let mut tx = self.pool.begin().await?;
        let taken = sqlx::query(
            "INSERT INTO pids (platform, pid, name, owner_kind, owner_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)
             ON CONFLICT (platform, pid) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
             WHERE pids.owner_kind = excluded.owner_kind AND pids.owner_id = excluded.owner_id",
        )
        .bind(platform.code())
        .bind(pid)
        .bind(name)
        .bind(kind)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !taken {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("DELETE FROM pids WHERE owner_kind = $1 AND owner_id = $2 AND platform = $3 AND pid <> $4")
            .bind(kind)
            .bind(id)
            .bind(platform.code())
            .bind(pid)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Who holds `pid` of `platform`, if anyone.
    pub async fn pid_holder(&self, platform: Platform, pid: &str) -> StoreResult<Option<PidOwner>> {
        let row = sqlx::query("SELECT owner_kind, owner_id FROM pids WHERE platform = $1 AND pid = $2")
            .bind(platform.code())
            .bind(pid)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let kind: String = col(&r, "owner_kind")?;
        let id: i64 = col(&r, "owner_id")?;
        Ok(match kind.as_str() {
            "robot" => Some(PidOwner::Robot(id)),
            "partner" => Some(PidOwner::Partner(id)),
            "group" => Some(PidOwner::Group(id)),
            other => return Err(super::StoreError::Corrupt(format!("pid owner kind `{other}`"))),
        })
    }

    /// The owner's PID for `platform`, if any.
    pub async fn pid_of(&self, platform: Platform, owner: PidOwner) -> StoreResult<Option<String>> {
        let (kind, id) = owner.parts();
        let row = sqlx::query("SELECT pid FROM pids WHERE owner_kind = $1 AND owner_id = $2 AND platform = $3")
            .bind(kind)
            .bind(id)
            .bind(platform.code())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| col(&r, "pid")).transpose()
    }
}
