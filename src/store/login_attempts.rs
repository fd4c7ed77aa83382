//! Login attempts per key (a user name or a client address), counted before the password is verified so that
//! parallel guesses cannot overtake the limit. One row per key; a row's window starts at its first attempt and
//! rows are only forgotten one by one when their window has ended (never all at once).

use super::{Store, StoreResult, col};

/// The count of a key's attempts in its current window, this one included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptCount {
    pub attempts: i64,
    /// Unix ms of the window's first attempt.
    pub window_start: i64,
}

impl Store {
    /// Counts one attempt for `key` at `now`; a window that started at or before `now - window_ms` is over and a
    /// new one starts. Atomic (one upsert), so concurrent attempts each get their own count.
    pub async fn count_login_attempt(&self, key: &str, now: i64, window_ms: i64) -> StoreResult<AttemptCount> {
        let row = sqlx::query(
            "INSERT INTO login_attempts (key, attempts, window_start, created_at, updated_at) VALUES ($1, 1, $2, $2, $2)
             ON CONFLICT (key) DO UPDATE SET
               attempts = CASE WHEN login_attempts.window_start <= $3 THEN 1 ELSE login_attempts.attempts + 1 END,
               window_start = CASE WHEN login_attempts.window_start <= $3 THEN $2 ELSE login_attempts.window_start END,
               updated_at = $2
             RETURNING attempts, window_start",
        )
        .bind(key)
        .bind(now)
        .bind(now.saturating_sub(window_ms))
        .fetch_one(&self.pool)
        .await?;
        Ok(AttemptCount { attempts: col(&row, "attempts")?, window_start: col(&row, "window_start")? })
    }

    /// Takes one attempt back (a successful login from a client address).
    pub async fn forgive_login_attempt(&self, key: &str) -> StoreResult<()> {
        sqlx::query("UPDATE login_attempts SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets the attempts of `key` (a successful login, or an operator's unlock). True when there were any.
    pub async fn clear_login_attempts(&self, key: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM login_attempts WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(r.rows_affected() > 0)
    }

    /// Forgets keys whose window started at or before `before` (their window is over).
    pub async fn prune_login_attempts(&self, before: i64) -> StoreResult<u64> {
        let r =
            sqlx::query("DELETE FROM login_attempts WHERE window_start <= $1").bind(before).execute(&self.pool).await?;
        Ok(r.rows_affected())
    }
}
