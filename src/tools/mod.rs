//! Operator tools behind the command line: `dealbot convert` answers "why did my link not convert?";
//! `dealbot poster` renders the poster of a link.

pub mod poster;

use crate::affiliate::{Affiliates, Attribution};
use crate::config::Settings;
use crate::demo::settings_for_simulators;
use crate::links;
use crate::platform::Platform;
use crate::sim::{SimCredentials, Simulators};
use crate::startup::{StartupError, api_http_client, build_affiliates};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Platform clients for the operator tools: the configured ones, or, when no platform is enabled, the built-in
/// simulators started in this process (as the demo does). The returned guard keeps the simulators running.
pub async fn affiliates_or_simulators(
    settings: Settings,
) -> Result<(Settings, Affiliates, Option<tokio::task::JoinHandle<()>>), StartupError> {
    let http = api_http_client()?;
    let a = &settings.affiliate;
    if a.pdd.enabled || a.jd.enabled || a.taobao.enabled {
        let affiliates = build_affiliates(&settings, &http);
        return Ok((settings, affiliates, None));
    }
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let base = format!("http://localhost:{}", listener.local_addr()?.port());
    let sims = Simulators::new(&SimCredentials::default(), &base);
    sims.pdd.set_require_member_auth(false);
    let router = sims.router();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let mut sim_settings = settings_for_simulators(&base, &base, &settings.database.url, &crate::demo::random_secret());
    sim_settings.poster = settings.poster.clone();
    let affiliates = build_affiliates(&sim_settings, &http);
    Ok((sim_settings, affiliates, Some(task)))
}

fn default_pid(settings: &Settings, p: Platform) -> String {
    let a = &settings.affiliate;
    match p {
        Platform::Pdd => a.pdd.default_pid.clone(),
        Platform::Jd => a.jd.default_pid.clone(),
        Platform::Taobao => a.taobao.default_pid.clone(),
    }
}

/// Converts every reference in `text`; one JSON object per reference (the promotion, or the error).
pub async fn convert(settings: Settings, text: &str) -> Result<Vec<Value>, StartupError> {
    let (settings, affiliates, _sims) = affiliates_or_simulators(settings).await?;
    let mut out = Vec::new();
    for r in links::recognize(text) {
        let attr = Attribution::pid_only(default_pid(&settings, r.platform));
        let line = match affiliates.convert(&r, &attr).await {
            Ok(c) => json!({
                "platform": r.platform,
                "key": r.key,
                "pid": attr.pid,
                "title": c.product.title,
                "price_fen": c.product.price.0,
                "final_price_fen": c.product.final_price.0,
                "commission_rate_bps": c.product.commission_rate.0,
                "estimated_commission_fen": c.product.estimated_commission.0,
                "url": c.promotion.url,
                "short_url": c.promotion.short_url,
                "command": c.promotion.command,
            }),
            Err(e) => json!({ "platform": r.platform, "key": r.key, "error": e.to_string() }),
        };
        out.push(line);
    }
    Ok(out)
}
