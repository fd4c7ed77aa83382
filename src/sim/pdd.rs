//! Simulated Pdd affiliate gateway. Work in progress.

use super::SimCredentials;
use axum::Router;
use std::sync::Arc;

#[derive(Clone)]
pub struct PddSim {
    inner: Arc<Inner>,
}

struct Inner {
    creds: SimCredentials,
    cdn_base: String,
}

impl PddSim {
    pub fn new(creds: &SimCredentials, cdn_base: &str) -> Self {
        PddSim { inner: Arc::new(Inner { creds: creds.clone(), cdn_base: cdn_base.to_string() }) }
    }

    pub fn router(&self) -> Router {
        let _ = (&self.inner.creds, &self.inner.cdn_base);
        Router::new()
    }
}

impl PddSim {
    pub fn set_require_member_auth(&self, on: bool) {
        let _ = on;
    }
}
