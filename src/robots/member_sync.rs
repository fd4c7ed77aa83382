//! The periodic member-list sync (`[engine] member_sync_hours`): every group of every online robot, one group
//! after another spread over the period so that the gateway sees a trickle and not a burst, under a lease so that
//! of several instances sharing the database one syncs at a time. A sync notes the invited newcomers who left.

use super::Lifecycle;
use crate::orders::lease::Lease;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::watch;

/// The name of the lease.
const LEASE: &str = "member-sync";
/// The longest pause between two groups' syncs.
const MAX_GAP: Duration = Duration::from_secs(60);
/// The lease outlives the longest pause; it is renewed before each group.
const LEASE_TTL_MS: i64 = 5 * 60_000;

/// The pause between two of `groups` groups synced in one round: the groups take at most half the period.
pub fn spread_gap(period: Duration, groups: usize) -> Duration {
    let groups = u32::try_from(groups.max(1)).unwrap_or(u32::MAX);
    (period / 2 / groups).min(MAX_GAP)
}

/// Syncs the groups every `hours` (the start-up and login syncs cover the first period), until shutdown.
pub async fn worker(lifecycle: Lifecycle, holder: String, hours: u64, mut shutdown: watch::Receiver<bool>) {
    if hours == 0 {
        return;
    }
    let period = Duration::from_secs(hours.saturating_mul(3600));
    let inner = &lifecycle.inner;
    let lease = Lease::new(inner.store.clone(), inner.clock.clone(), LEASE, holder, LEASE_TTL_MS);
    loop {
        let stop = tokio::select! {
            _ = tokio::time::sleep(period) => false,
            _ = shutdown.wait_for(|v| *v) => true,
        };
        if stop || round(&lifecycle, &lease, period, &mut shutdown).await {
            let _ = lease.release().await;
            return;
        }
    }
}

/// One round over every group while the lease is ours; true when shutdown came.
async fn round(lifecycle: &Lifecycle, lease: &Lease, period: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    let accounts: Vec<(i64, bool)> =
        lifecycle.accounts().values().map(|a| (a.id, a.offline.load(Ordering::SeqCst))).collect();
    let mut rooms = Vec::new();
    for (robot_id, offline) in accounts {
        if offline {
            continue;
        }
        match lifecycle.inner.store.robot_rooms(robot_id).await {
            Ok(r) => rooms.extend(r.into_iter().map(|room| (robot_id, room))),
            Err(e) => tracing::warn!(robot = robot_id, error = %e, "cannot list the robot's groups"),
        }
    }
    let gap = spread_gap(period, rooms.len());
    let mut synced = 0;
    for (robot_id, room) in &rooms {
        match lease.renew().await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!("another instance syncs the member lists");
                return false;
            }
            Err(e) => {
                tracing::warn!(error = %e, "member sync lease check failed");
                return false;
            }
        }
        match lifecycle.sync_room(*robot_id, room).await {
            Ok(()) => synced += 1,
            Err(e) => tracing::warn!(robot = robot_id, room, error = %e, "cannot sync the group's members"),
        }
        let stop = tokio::select! {
            _ = tokio::time::sleep(gap) => false,
            _ = shutdown.wait_for(|v| *v) => true,
        };
        if stop {
            return true;
        }
    }
    tracing::info!(groups = synced, "member lists synced");
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_groups_of_a_round_are_spread_over_half_the_period_at_most_a_minute_apart() {
        let six_hours = Duration::from_secs(6 * 3600);
        assert_eq!(spread_gap(six_hours, 1_000), Duration::from_millis(10_800));
        assert_eq!(spread_gap(six_hours, 3), MAX_GAP);
        assert_eq!(spread_gap(six_hours, 0), MAX_GAP);
        assert_eq!(spread_gap(Duration::from_secs(3600), 100_000), Duration::from_millis(18));
    }
}
