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

pub const DEFAULT_APP_ID: &str = "wx_sim_robot_000000000001";
pub const DEFAULT_BOT_WXID: &str = "wxid_dealbot_sim";
pub const DEFAULT_BOT_NICKNAME: &str = "省钱小助手";

impl GeweSim {
    pub fn set_callback_url(&self, url: &str) {
        let _ = url;
    }
}
