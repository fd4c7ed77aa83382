//! Platform OAuth tokens, authorization states and expiry warnings. Tokens are never logged.

use super::{Store, StoreResult, col};
use crate::config::Secret;
use crate::platform::Platform;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTokens {
    pub access_token: Secret,
    pub refresh_token: Secret,
    /// Unix seconds.
    pub expires_at: i64,
    pub refresh_expires_at: i64,
    pub owner_id: String,
    pub owner_name: String,
    pub refreshed_at: i64,
}

impl Store {
    pub async fn save_tokens(&self, platform: Platform, t: &StoredTokens, now_ms: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO platform_tokens (platform, access_token, refresh_token, expires_at, refresh_expires_at,
                 owner_id, owner_name, refreshed_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
             ON CONFLICT (platform) DO UPDATE SET access_token = excluded.access_token,
                 refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
                 refresh_expires_at = excluded.refresh_expires_at, owner_id = excluded.owner_id,
                 owner_name = excluded.owner_name, refreshed_at = excluded.refreshed_at, updated_at = excluded.updated_at",
        )
        .bind(platform.code())
        .bind(t.access_token.expose())
        .bind(t.refresh_token.expose())
        .bind(t.expires_at)
        .bind(t.refresh_expires_at)
        .bind(&t.owner_id)
        .bind(&t.owner_name)
        .bind(t.refreshed_at)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn tokens(&self, platform: Platform) -> StoreResult<Option<StoredTokens>> {
        let row = sqlx::query(
            "SELECT access_token, refresh_token, expires_at, refresh_expires_at, owner_id, owner_name, refreshed_at
             FROM platform_tokens WHERE platform = $1",
        )
        .bind(platform.code())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(StoredTokens {
                access_token: Secret::new(col::<String>(&r, "access_token")?),
                refresh_token: Secret::new(col::<String>(&r, "refresh_token")?),
                expires_at: col(&r, "expires_at")?,
                refresh_expires_at: col(&r, "refresh_expires_at")?,
                owner_id: col(&r, "owner_id")?,
                owner_name: col(&r, "owner_name")?,
                refreshed_at: col(&r, "refreshed_at")?,
            })
        })
        .transpose()
    }

    /// Records a single-use authorization `state`.
    pub async fn put_oauth_state(
        &self,
        platform: Platform,
        state: &str,
        expires_at: i64,
        now_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO oauth_states (state, platform, expires_at, created_at) VALUES ($1, $2, $3, $4)")
            .bind(state)
            .bind(platform.code())
            .bind(expires_at)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Consumes `state`: true when it existed for `platform` and had not expired at `now` (unix seconds).
    pub async fn take_oauth_state(&self, platform: Platform, state: &str, now: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM oauth_states WHERE state = $1 AND platform = $2 AND expires_at > $3")
            .bind(state)
            .bind(platform.code())
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Records that the warning for `threshold_days` before `refresh_expires_at` was sent. False if it already was.
    pub async fn mark_token_warning(
        &self,
        platform: Platform,
        refresh_expires_at: i64,
        threshold_days: i64,
        now_ms: i64,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "INSERT INTO token_warnings (platform, refresh_expires_at, threshold_days, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (platform, refresh_expires_at, threshold_days) DO NOTHING",
        )
        .bind(platform.code())
        .bind(refresh_expires_at)
        .bind(threshold_days)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_tokens_never_print() {
        let t = StoredTokens {
            access_token: Secret::new("access-token-value"),
            refresh_token: Secret::new("refresh-token-value"),
            expires_at: 1,
            refresh_expires_at: 2,
            owner_id: "o".into(),
            owner_name: "n".into(),
            refreshed_at: 3,
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("access-token-value") && !shown.contains("refresh-token-value"), "{shown}");
    }
}
