//! Simulated Taobao affiliate gateway. Work in progress.

use super::SimCredentials;
use axum::Router;
use std::sync::Arc;

#[derive(Clone)]
pub struct TaobaoSim {
    inner: Arc<Inner>,
}

struct Inner {
    creds: SimCredentials,
    cdn_base: String,
}

impl TaobaoSim {
    pub fn new(creds: &SimCredentials, cdn_base: &str) -> Self {
        TaobaoSim { inner: Arc::new(Inner { creds: creds.clone(), cdn_base: cdn_base.to_string() }) }
    }

    pub fn router(&self) -> Router {
        let _ = (&self.inner.creds, &self.inner.cdn_base);
        Router::new()
    }
}
