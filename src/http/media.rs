//! `GET /media/{id}.jpg`: posters for the gateway to fetch, under unguessable, expiring ids.

use super::AppState;
use super::error::AppError;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new().route("/media/{file}", get(media))
}

async fn media(State(st): State<AppState>, Path(file): Path<String>) -> Result<impl IntoResponse, AppError> {
    let id = file.strip_suffix(".jpg").unwrap_or(&file);
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let media = st.store.get_media(id, st.clock.now_ms()).await?.ok_or(AppError::NotFound)?;
    Ok((
        [(header::CONTENT_TYPE, media.content_type), (header::CACHE_CONTROL, "private, max-age=86400".to_string())],
        media.bytes,
    ))
}
