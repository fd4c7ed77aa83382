//! Media (posters) served to the gateway at `/media/{id}.jpg` under unguessable, expiring ids.

use super::{Store, StoreResult, col};

#[derive(Debug, Clone)]
pub struct Media {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Store {
    pub async fn put_media(
        &self,
        id: &str,
        content_type: &str,
        bytes: &[u8],
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO media (id, content_type, bytes, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(content_type)
            .bind(bytes)
            .bind(expires_at)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The media if it exists and has not expired at `now`.
    pub async fn get_media(&self, id: &str, now: i64) -> StoreResult<Option<Media>> {
        let row = sqlx::query("SELECT content_type, bytes FROM media WHERE id = $1 AND expires_at > $2")
            .bind(id)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok(Media { content_type: col(&r, "content_type")?, bytes: col(&r, "bytes")? })).transpose()
    }

    pub async fn prune_media(&self, now: i64) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM media WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(r.rows_affected())
    }
}
