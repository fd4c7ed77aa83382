//! Reply budgets shared by every instance: per conversation, the times of the replies of the last minute. The rule
//! (how many fit) is the caller's; the store makes each read-modify-write atomic with a version check, retried on
//! a concurrent update.

use super::{Store, StoreError, StoreResult, col};

/// Concurrent updates of one budget tried before giving up.
const TRIES: usize = 8;

fn parse(sends: &str) -> Vec<i64> {
    sends.split(',').filter_map(|t| t.parse().ok()).collect()
}

fn join(sends: &[i64]) -> String {
    sends.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl Store {
    /// Reads the budget `key`, lets `spend` decide on (and change) its reply times, and writes them back when it
    /// returns true, unless another instance changed them meanwhile (then it reads again). Returns what `spend`
    /// returned on the version it was written on.
    pub async fn spend_reply_budget(
        &self,
        key: &str,
        now: i64,
        spend: impl Fn(&mut Vec<i64>) -> bool,
    ) -> StoreResult<bool> {
        for _ in 0..TRIES {
            let row = sqlx::query("SELECT sends, version FROM reply_budgets WHERE budget_key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
            let (mut sends, version) = match &row {
                Some(r) => (parse(&col::<String>(r, "sends")?), Some(col::<i64>(r, "version")?)),
                None => (Vec::new(), None),
            };
            if !spend(&mut sends) {
                return Ok(false);
            }
            let written = match version {
                Some(v) => sqlx::query(
                    "UPDATE reply_budgets SET sends = $1, version = version + 1, updated_at = $2
                     WHERE budget_key = $3 AND version = $4",
                )
                .bind(join(&sends))
                .bind(now)
                .bind(key)
                .bind(v)
                .execute(&self.pool)
                .await?
                .rows_affected(),
                None => sqlx::query(
                    "INSERT INTO reply_budgets (budget_key, sends, version, created_at, updated_at)
                     VALUES ($1, $2, 0, $3, $3) ON CONFLICT (budget_key) DO NOTHING",
                )
                .bind(key)
                .bind(join(&sends))
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected(),
            };
            if written == 1 {
                return Ok(true);
            }
        }
        Err(StoreError::Conflict(format!("reply budget {key} kept changing")))
    }
}
