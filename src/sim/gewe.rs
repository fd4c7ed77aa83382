//! Simulated GeWe gateway. Work in progress.

use super::SimCredentials;
use axum::Router;
use std::sync::Arc;

#[derive(Clone)]
pub struct GeweSim {
    inner: Arc<Inner>,
}

struct Inner {
    token: String,
}

impl GeweSim {
    pub fn new(creds: &SimCredentials) -> Self {
        GeweSim { inner: Arc::new(Inner { token: creds.gewe_token.clone() }) }
    }

    pub fn router(&self) -> Router {
        let _ = &self.inner.token;
        Router::new()
    }
}
