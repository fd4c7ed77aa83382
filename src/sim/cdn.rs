//! Simulated image CDN serving deterministic product photos. Work in progress.

use axum::Router;

#[derive(Clone, Default)]
pub struct CdnSim {}

impl CdnSim {
    pub fn new() -> Self {
        CdnSim {}
    }

    pub fn router(&self) -> Router {
        Router::new()
    }
}
