//! Binding a 推广位 to a group or a partner, the same way from chat (`#绑定推广位`) and from the dashboard: one
//! parser, the operator's default PIDs reserved, only PIDs the union confirms as the operator's, and an atomic
//! bind (another owner's PID is never taken over).

use super::Engine;
use crate::affiliate::{AffiliateError, pid};
use crate::platform::Platform;
use crate::store::StoreError;
use crate::store::pids::PidOwner;

/// Why a PID was not bound.
#[derive(Debug, thiserror::Error)]
pub enum PidRefusal {
    #[error("malformed PID")]
    Malformed,
    #[error("the operator's default PID is reserved")]
    Reserved,
    #[error("the union does not list the PID under the operator's account")]
    NotTheOperators,
    #[error("the union could not confirm the PID: {0}")]
    Unconfirmed(AffiliateError),
    #[error("another owner holds the PID")]
    Taken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Engine {
    /// The operator's default PIDs of `platform`: the configured one and every robot's own.
    fn reserved_pids(&self, platform: Platform) -> impl Iterator<Item = &str> {
        let a = &self.settings.affiliate;
        let configured = match platform {
            Platform::Pdd => &a.pdd.default_pid,
            Platform::Jd => &a.jd.default_pid,
            Platform::Taobao => &a.taobao.default_pid,
        };
        let robots = self.settings.robots.iter().map(move |r| match platform {
            Platform::Pdd => r.pdd_pid.as_str(),
            Platform::Jd => r.jd_pid.as_str(),
            Platform::Taobao => r.taobao_pid.as_str(),
        });
        std::iter::once(configured.as_str()).chain(robots).map(str::trim).filter(|p| !p.is_empty())
    }

    /// Binds the PID typed as `raw` to `owner` (named `name` in the PID list). Returns the PID as bound.
    #[tracing::instrument(skip(self, raw, name), fields(%platform))]
    pub async fn bind_pid(
        &self,
        platform: Platform,
        raw: &str,
        owner: PidOwner,
        name: &str,
        now_ms: i64,
    ) -> Result<String, PidRefusal> {
        let pid = pid::parse(platform, raw).ok_or(PidRefusal::Malformed)?;
        if self.reserved_pids(platform).any(|r| r == pid) {
            return Err(PidRefusal::Reserved);
        }
        match self.store.pid_holder(platform, &pid).await? {
            Some(holder) if holder == owner => {}
            Some(_) => return Err(PidRefusal::Taken),
            None => match self.affiliates.operator_owns_pid(platform, &pid).await {
                Ok(true) => {}
                Ok(false) => return Err(PidRefusal::NotTheOperators),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot confirm a PID with the union");
                    return Err(PidRefusal::Unconfirmed(e));
                }
            },
        }
        // The check above is advice; this conditional write decides when two owners race for the PID.
        if !self.store.set_pid(platform, &pid, name, owner, now_ms).await? {
            return Err(PidRefusal::Taken);
        }
        tracing::info!(pid = %pid, ?owner, "pid bound");
        Ok(pid)
    }
}
