//! The posting engine (云发单): plans post deals to groups on their own. This part holds what is pure: when a plan
//! posts to each group ([`schedule`]) and which item a group gets next ([`pick`]).

pub mod pick;
pub mod schedule;

pub use pick::{GroupHistory, eligible};
pub use schedule::{Cadence, Placement, Schedule, TimeWindow};
