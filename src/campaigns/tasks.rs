//! Daily tasks (每日任务): the operator's list (check in, convert a link, invite a newcomer, place a first
//! order), each with points per completion and a daily limit. `任务` shows today's progress and books the points
//! of every completion not booked yet; each completion is booked (and so announced) once, keyed by member, day,
//! task and its number.

use crate::config::{TaskKind, TaskSettings};
use crate::store::points::{NewPoints, PointsOutcome};
use crate::store::tasks::DayCounts;
use crate::store::{Store, StoreResult};

/// The points ledger kind of task rewards.
pub const POINTS_KIND: &str = "task";

/// One task's line for today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskLine {
    pub kind: TaskKind,
    /// Completions today, at most `limit`.
    pub done: i64,
    pub limit: i64,
    pub points: i64,
    /// Points booked by this call: completions not announced before.
    pub new_points: i64,
}

/// Today's tasks of a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Today {
    pub lines: Vec<TaskLine>,
    /// The member's points balance after booking.
    pub balance: i64,
}

pub fn code(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::Checkin => "checkin",
        TaskKind::Convert => "convert",
        TaskKind::Invite => "invite",
        TaskKind::FirstOrder => "first_order",
    }
}

/// Completions of `kind` counted in `c`, capped at the day's limit.
pub fn done(kind: TaskKind, c: &DayCounts, limit: i64) -> i64 {
    let n = match kind {
        TaskKind::Checkin => c.checkins,
        TaskKind::Convert => c.conversions,
        TaskKind::Invite => c.invites,
        TaskKind::FirstOrder => c.first_order,
    };
    n.clamp(0, limit.max(0))
}

/// The member who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asker<'a> {
    pub member_id: i64,
    pub wxid: &'a str,
    pub group_id: Option<i64>,
}

/// Counts the member's local `day` (starting at `from_ms`) and books what was completed and not booked yet.
pub async fn today(
    store: &Store,
    tasks: &[TaskSettings],
    who: Asker<'_>,
    day: i64,
    from_ms: i64,
    now: i64,
) -> StoreResult<Today> {
    let counts = store.day_counts(who.member_id, who.wxid, day, from_ms).await?;
    let mut lines = Vec::with_capacity(tasks.len());
    for t in tasks.iter().filter(|t| t.points > 0 && t.daily_limit > 0) {
        let done = done(t.task, &counts, t.daily_limit);
        let mut new_points = 0;
        for n in 1..=done {
            let source = format!("{}:{}:{day}:{n}", code(t.task), who.member_id);
            let p = NewPoints {
                member_id: who.member_id,
                kind: POINTS_KIND,
                source: &source,
                delta: t.points,
                group_id: who.group_id,
            };
            if let PointsOutcome::Applied { .. } = store.book_points(p, now).await? {
                new_points += t.points;
            }
        }
        lines.push(TaskLine { kind: t.task, done, limit: t.daily_limit, points: t.points, new_points });
    }
    Ok(Today { lines, balance: store.points_balance(who.member_id).await? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_are_capped_at_the_daily_limit() {
        let c = DayCounts { checkins: 1, conversions: 7, invites: 0, first_order: 1 };
        assert_eq!(done(TaskKind::Convert, &c, 3), 3);
        assert_eq!(done(TaskKind::Checkin, &c, 1), 1);
        assert_eq!(done(TaskKind::Invite, &c, 5), 0);
        assert_eq!(done(TaskKind::FirstOrder, &c, 0), 0);
    }
}
