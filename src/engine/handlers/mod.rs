//! One file per handler of the chain (see `engine/mod.rs` for the order).

pub mod group_gate;
pub mod ignore;
pub mod product_link;
