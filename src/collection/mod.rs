//! Group collection (微信群采集): the robot sits in other deal groups (sources), turns each deal message into our
//! own (every reference converted with our PIDs per target group, in place) and hands it to the target groups'
//! paced queue. Nothing that could not be made ours is ever forwarded.
//!
//! [`source`] holds a source's rules, [`clean`] its cleaning, [`deal`] the pure message work (recognize, check,
//! rewrite), [`image`] the QR scan of a source's own picture and [`receive`] the step of the engine chain that
//! records, pairs, converts and queues.

pub mod clean;
pub mod deal;
pub mod image;
pub mod receive;
pub mod source;
pub mod text;

pub use clean::Cleaner;
pub use deal::{DropReason, Prepared, Rewritten};
pub use source::{CleanRule, SourceSpec, SpecError};

use std::sync::Arc;

/// A source group's rules with its cleaning compiled.
#[derive(Debug, Clone)]
pub struct Source {
    pub group_id: i64,
    pub spec: SourceSpec,
    pub cleaner: Cleaner,
}

impl Source {
    pub fn new(group_id: i64, spec: SourceSpec) -> Arc<Source> {
        let cleaner = Cleaner::new(&spec.rules);
        Arc::new(Source { group_id, spec, cleaner })
    }
}

#[cfg(test)]
mod fixtures;
