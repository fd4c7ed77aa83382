//! Faithful simulators of every external system: the GeWe gateway, the three affiliate platforms and an image
//! CDN. They verify signatures and envelopes exactly as the real systems do, so the real clients can be tested
//! over HTTP against them. Client code never references this module: clients only get a base URL.

pub mod catalog;
pub mod cdn;
pub mod feed;
pub mod gewe;
pub mod jd;
pub mod pdd;
pub mod signature;
pub mod support;
pub mod taobao;
pub mod text;
pub mod wecom;
pub mod world;

use axum::Router;

/// Credentials the simulated platforms accept (and that the demo configures its clients with).
#[derive(Debug, Clone)]
pub struct SimCredentials {
    pub pdd_client_id: String,
    pub pdd_client_secret: String,
    pub jd_app_key: String,
    pub jd_app_secret: String,
    pub taobao_app_key: String,
    pub taobao_app_secret: String,
    pub gewe_token: String,
}

impl Default for SimCredentials {
    fn default() -> Self {
        SimCredentials {
            pdd_client_id: "sim-pdd-client".into(),
            pdd_client_secret: "sim-pdd-secret".into(),
            jd_app_key: "sim-jd-key".into(),
            jd_app_secret: "sim-jd-secret".into(),
            taobao_app_key: "12345678".into(),
            taobao_app_secret: "sim-taobao-secret".into(),
            gewe_token: "sim-gewe-token".into(),
        }
    }
}

/// All simulators, sharing one HTTP server. Paths: `/gewe/v2/api/...`, `/pdd/api/router`,
/// `/jd/routerjson`, `/taobao/router/rest`, `/cdn/...`.
#[derive(Clone)]
pub struct Simulators {
    pub gewe: gewe::GeweSim,
    pub pdd: pdd::PddSim,
    pub jd: jd::JdSim,
    pub taobao: taobao::TaobaoSim,
    pub cdn: cdn::CdnSim,
    pub wecom: wecom::WecomSim,
}

impl Simulators {
    /// `base_url` is where this server will be reachable (e.g. `http://localhost:4010`); the simulators use it to
    /// build the photo URLs they hand out.
    pub fn new(creds: &SimCredentials, base_url: &str) -> Self {
        let cdn_base = format!("{}/cdn", base_url.trim_end_matches('/'));
        Simulators {
            gewe: gewe::GeweSim::new(creds),
            pdd: pdd::PddSim::new(creds, &cdn_base),
            jd: jd::JdSim::new(creds, &cdn_base),
            taobao: taobao::TaobaoSim::new(creds, &cdn_base),
            cdn: cdn::CdnSim::new(),
            wecom: wecom::WecomSim::new(&format!("{}/wecom", base_url.trim_end_matches('/'))),
        }
    }

    pub fn router(&self) -> Router {
        self.router_with(None)
    }

    /// [`Simulators::router`], with the hook that runs after the playground's 快进 moved the unions' clocks.
    pub fn router_with(&self, after_advance: Option<world::AfterAdvance>) -> Router {
        Router::new()
            .nest("/gewe", self.gewe.router().merge(world::router(self.clone(), after_advance)))
            .nest("/pdd", self.pdd.router())
            .nest("/jd", self.jd.router())
            .nest("/taobao", self.taobao.router())
            .nest("/cdn", self.cdn.router())
            .nest("/wecom", self.wecom.router())
    }
}
