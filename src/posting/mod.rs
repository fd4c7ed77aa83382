//! The posting engine (云发单): plans post deals to groups on their own. This part holds what is pure: when a plan
//! posts to each group ([`schedule`]), which item a group gets next ([`pick`]) and whether it may still go
//! out ([`validate`]).

pub mod choose;
pub mod pick;
pub mod plan;
pub mod schedule;
pub mod validate;

pub use choose::{Choice, choose};
pub use pick::{GroupHistory, eligible};
pub use plan::{Plan, PlanError, Source, Targets};
pub use schedule::{Cadence, Placement, Schedule, TimeWindow};
pub use validate::{Checked, Rules, SkipReason, check};
