//! Dashboard users (people who log in to `/admin`) and their sessions. Chat admins by wxid are in `admins.rs`.

use super::{Store, StoreError, StoreResult, col};
use sqlx::any::AnyRow;

/// What a dashboard user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything.
    Admin,
    /// Only their own groups, PIDs, members and orders; money read-only.
    Partner,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Partner => "partner",
        }
    }

    fn parse(s: &str) -> StoreResult<Role> {
        match s {
            "admin" => Ok(Role::Admin),
            "partner" => Ok(Role::Partner),
            other => Err(StoreError::Corrupt(format!("user role `{other}`"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    /// The partner a `Partner` user acts for.
    pub partner_id: Option<i64>,
    pub disabled: bool,
}

/// A user about to be created.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub partner_id: Option<i64>,
}

/// A live session and its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: i64,
}

const USER_COLUMNS: &str = "u.id, u.username, u.password_hash, u.role, u.partner_id, u.disabled";

fn user_from_row(r: &AnyRow) -> StoreResult<User> {
    Ok(User {
        id: col(r, "id")?,
        username: col(r, "username")?,
        password_hash: col(r, "password_hash")?,
        role: Role::parse(&col::<String>(r, "role")?)?,
        partner_id: col(r, "partner_id")?,
        disabled: col::<i64>(r, "disabled")? != 0,
    })
}

impl Store {
    /// Creates a user; [`StoreError::Conflict`] when the name is taken.
    pub async fn create_user(&self, u: &NewUser<'_>, now: i64) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO users (username, password_hash, role, partner_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (username) DO NOTHING RETURNING id",
        )
        .bind(u.username)
        .bind(u.password_hash)
        .bind(u.role.code())
        .bind(u.partner_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => col(&r, "id"),
            None => Err(StoreError::Conflict(format!("user `{}` exists", u.username))),
        }
    }

    pub async fn user_by_name(&self, username: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1")))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| user_from_row(&r)).transpose()
    }

    pub async fn users(&self) -> StoreResult<Vec<User>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Sets a new password hash and ends every session of the user.
    pub async fn set_user_password(&self, user_id: i64, password_hash: &str, now: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables or enables a user; disabling ends their sessions.
    pub async fn set_user_disabled(&self, user_id: i64, disabled: bool, now: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(disabled))
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a session under the hash of its id.
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(expires_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The unexpired session with this id hash, with its enabled user.
    pub async fn session(&self, id_hash: &str, now: i64) -> StoreResult<Option<SessionRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = 0"
        )))
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(SessionRow {
            user: user_from_row(&r)?,
            csrf_token: col(&r, "csrf_token")?,
            expires_at: col(&r, "expires_at")?,
        }))
    }

    pub async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Forgets expired sessions; returns how many.
    pub async fn prune_sessions(&self, now: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}
