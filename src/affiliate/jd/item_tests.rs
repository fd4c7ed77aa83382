//! Item lookups shared across members: one goods.query per sku however many members convert it.

use super::*;
use crate::config::Secret;
use crate::links::RefSource;
use crate::sim::SimCredentials;
use crate::sim::catalog;
use crate::sim::jd::JdSim;

const POSITION: &str = "3100000001";

async fn setup() -> (JdSim, JdClient) {
    let creds = SimCredentials::default();
    let sim = JdSim::new(&creds, "http://cdn.test/cdn");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().nest("/jd", sim.router());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let settings = JdSettings {
        enabled: true,
        gateway_url: format!("{base}/jd/routerjson"),
        app_key: creds.jd_app_key.clone(),
        app_secret: Secret::new(&creds.jd_app_secret),
        default_pid: POSITION.into(),
        site_id: "61866".into(),
        qps: 1000,
        timeout_ms: 5_000,
        max_attempts: 3,
    };
    (sim, JdClient::new(settings, reqwest::Client::new()))
}

#[tokio::test]
async fn thirty_members_converting_one_sku_make_thirty_conversions_and_one_goods_query() {
    let (sim, client) = setup().await;
    let sku = catalog::listed(Platform::Jd).into_iter().find(|i| i.commission_bps > 0).unwrap().id;
    let url = format!("https://item.jd.com/{sku}.html");
    let r = ProductRef {
        platform: Platform::Jd,
        kind: RefKind::Url,
        key: sku.to_string(),
        url: Some(url.clone()),
        token: None,
        tk: None,
        title: None,
        source: RefSource::Text,
        raw: url,
    };
    let member = |n: usize| Attribution { member: Some(format!("m{n}")), ..Attribution::pid_only(POSITION) };
    let mut links = Vec::new();
    for n in 0..10 {
        links.push(client.convert(&r, &member(n)).await.unwrap().promotion.url);
    }
    let at_once = futures::future::join_all((10..30).map(|n| {
        let (client, r, attr) = (client.clone(), r.clone(), member(n));
        async move { client.convert(&r, &attr).await.unwrap().promotion.url }
    }))
    .await;
    links.extend(at_once);
    assert_eq!(sim.calls(BYSUBUNIONID), 30, "one conversion per member");
    assert_eq!(sim.calls(GOODS_QUERY), 1, "one item lookup");
    let distinct: std::collections::HashSet<_> = links.iter().collect();
    assert_eq!(distinct.len(), 30, "each member's own link");
    // Pre-send validation asks the union; the conversion after it uses its reading.
    client.goods(&sku.to_string()).await.unwrap();
    client.convert(&r, &member(31)).await.unwrap();
    assert_eq!(sim.calls(GOODS_QUERY), 2);
}
