//! The posting engine (云发单): plans post deals to groups on their own. When a plan posts to each group
//! ([`schedule`]), which item a group gets next ([`pick`]), whether it may still go out ([`validate`], [`choose`]),
//! and the run that turns due slots into queued posts ([`run`]).

pub mod choose;
pub mod content;
pub mod mass;
pub mod pick;
pub mod plan;
pub mod queue;
pub mod run;
pub mod schedule;
pub mod text;
pub mod validate;

pub use choose::{Choice, choose};
pub use pick::{GroupHistory, eligible};
pub use plan::{Content, Plan, PlanError, Source, Targets};
pub use run::{RunReport, post_now, run_due, worker};
pub use schedule::{Cadence, Placement, Schedule, TimeWindow};
pub use validate::{Checked, Rules, SkipReason, check};
