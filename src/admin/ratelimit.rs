//! Login limits, kept in the database (so every instance sharing it counts the same, and `dealbot admin unlock`
//! works on a running server): at most `login_max_failures` attempts per user name and
//! `login_max_attempts_per_address` per client address within `login_window_secs`. Beyond that every attempt for
//! the name (right password or not) or from the address is refused until the window ends.
//!
//! An attempt is counted *before* its password is verified, in one atomic upsert: forty parallel guesses get
//! counts 1 to 40 and only the first `login_max_failures` are verified. A successful login clears its name and
//! takes its own attempt back from its address; an attempt that could not be verified (no password slot free)
//! is taken back from both. Keys are only forgotten one by one when their window is over, never all at once.

use crate::config::AdminSettings;
use crate::store::{Store, StoreError};
use std::net::IpAddr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error("too many login attempts; retry in {retry_after_secs} s")]
    Locked { retry_after_secs: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct LoginLimiter {
    store: Store,
    max_per_user: i64,
    /// 0: no limit per address.
    max_per_address: i64,
    window_ms: i64,
}

/// An attempt that was counted and may be verified.
#[derive(Debug)]
pub struct Admitted {
    user_key: String,
    addr_key: Option<String>,
}

impl LoginLimiter {
    pub fn new(store: Store, settings: &AdminSettings) -> LoginLimiter {
        LoginLimiter {
            store,
            max_per_user: i64::from(settings.login_max_failures.max(1)),
            max_per_address: i64::from(settings.login_max_attempts_per_address),
            window_ms: i64::try_from(settings.login_window_secs.max(1)).unwrap_or(i64::MAX).saturating_mul(1000),
        }
    }

    /// The key of a user name (case and surrounding blanks do not make a new name).
    pub fn user_key(name: &str) -> String {
        format!("user:{}", name.trim().to_lowercase())
    }

    /// The key of a client address: IPv4 as is, IPv6 by its /64 (one site or customer gets a whole /64).
    pub fn addr_key(ip: IpAddr) -> String {
        match ip {
            IpAddr::V4(v4) => format!("addr:{v4}"),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => format!("addr:{v4}"),
                None => {
                    let s = v6.segments();
                    format!("addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        }
    }

    /// Counts one login attempt for `name` from `addr` at `now` (unix ms): first against the address, then
    /// against the name. `Err(Locked)` when either is over its limit; the password must then not be verified.
    pub async fn admit(&self, name: &str, addr: Option<IpAddr>, now: i64) -> Result<Admitted, LimitError> {
        let addr_key = addr.filter(|_| self.max_per_address > 0).map(Self::addr_key);
        if let Some(key) = &addr_key {
            let c = self.store.count_login_attempt(key, now, self.window_ms).await?;
            if c.attempts > self.max_per_address {
                return Err(self.locked(c.window_start, now));
            }
        }
        let user_key = Self::user_key(name);
        let c = self.store.count_login_attempt(&user_key, now, self.window_ms).await?;
        if c.attempts > self.max_per_user {
            return Err(self.locked(c.window_start, now));
        }
        Ok(Admitted { user_key, addr_key })
    }

    fn locked(&self, window_start: i64, now: i64) -> LimitError {
        let left_ms = (window_start + self.window_ms - now).max(1000);
        LimitError::Locked { retry_after_secs: Duration::from_millis(left_ms as u64).as_secs().max(1) }
    }

    /// The password was right: the name starts afresh and the address gets this attempt back.
    pub async fn succeeded(&self, a: &Admitted) -> Result<(), StoreError> {
        self.store.clear_login_attempts(&a.user_key).await?;
        if let Some(key) = &a.addr_key {
            self.store.forgive_login_attempt(key).await?;
        }
        Ok(())
    }

    /// The password could not be checked (no slot free): the attempt does not count.
    pub async fn not_checked(&self, a: &Admitted) -> Result<(), StoreError> {
        self.store.forgive_login_attempt(&a.user_key).await?;
        if let Some(key) = &a.addr_key {
            self.store.forgive_login_attempt(key).await?;
        }
        Ok(())
    }

    /// Lifts the lock-out of user `name` (the `dealbot admin unlock` command). True when there was one to lift.
    pub async fn unlock(store: &Store, name: &str) -> Result<bool, StoreError> {
        store.clear_login_attempts(&Self::user_key(name)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_case_and_ipv6_hosts_of_one_network() {
        assert_eq!(LoginLimiter::user_key(" Boss "), "user:boss");
        assert_eq!(LoginLimiter::addr_key("10.0.0.7".parse().unwrap()), "addr:10.0.0.7");
        assert_eq!(LoginLimiter::addr_key("::ffff:10.0.0.7".parse().unwrap()), "addr:10.0.0.7");
        let a = LoginLimiter::addr_key("2001:db8:1:2::1".parse().unwrap());
        assert_eq!(a, LoginLimiter::addr_key("2001:db8:1:2:ffff::9".parse().unwrap()));
        assert_eq!(a, "addr:2001:db8:1:2::/64");
    }
}
