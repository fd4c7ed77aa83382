//! The DNS resolver of the photo client: it drops every address that is not public.
//!
//! The connector connects only to the addresses returned here, so there is no gap between the check and the
//! connection (no DNS rebinding). IP-literal URLs never reach a resolver; [`super::guard::Guard::check`]
//! refuses them first.

use super::guard::is_public;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Every address of a host name was refused (or it had none).
#[derive(Debug, thiserror::Error)]
#[error("`{host}` resolves to no public address")]
pub struct NoPublicAddress {
    pub host: String,
}

/// Resolves with the system resolver and keeps public addresses only; trusted overrides (operator
/// configuration) answer with their fixed address instead.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    overrides: Arc<HashMap<String, SocketAddr>>,
}

impl GuardedResolver {
    pub fn new(overrides: HashMap<String, SocketAddr>) -> Self {
        GuardedResolver { overrides: Arc::new(overrides) }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        if let Some(addr) = self.overrides.get(&host).copied() {
            // A non-zero port is kept by the connector when the URL names no port.
            return Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as Addrs) });
        }
        Box::pin(async move {
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = resolved.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(NoPublicAddress { host }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn resolve(r: &GuardedResolver, host: &str) -> Result<Vec<SocketAddr>, String> {
        let name: Name = host.parse().map_err(|_| "bad name".to_string())?;
        r.resolve(name).await.map(|a| a.collect()).map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_yields_no_address() {
        let r = GuardedResolver::new(HashMap::new());
        let err = resolve(&r, "localhost").await.unwrap_err();
        assert!(err.contains("no public address"), "{err}");
    }

    #[tokio::test]
    async fn an_override_answers_with_its_configured_address() {
        let addr: SocketAddr = "127.0.0.1:4010".parse().unwrap();
        let r = GuardedResolver::new(HashMap::from([("cdn.sim.test".to_string(), addr)]));
        assert_eq!(resolve(&r, "CDN.sim.test").await.unwrap(), vec![addr]);
        assert!(resolve(&r, "localhost").await.is_err());
    }
}
