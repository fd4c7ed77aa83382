//! The dashboard's stylesheet and script, compiled into the binary and served by dealbot itself.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../assets/admin/admin.css");
const JS: &str = include_str!("../../assets/admin/admin.js");

pub async fn serve(Path(name): Path<String>) -> Response {
    let (ty, body) = match name.as_str() {
        "admin.css" => ("text/css; charset=utf-8", CSS),
        "admin.js" => ("text/javascript; charset=utf-8", JS),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, ty), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}
