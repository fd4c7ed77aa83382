//! One file per handler of the chain (see `engine/mod.rs` for the order).

pub mod auto_reply;
pub mod campaigns;
pub mod commands;
pub mod coupon_search;
pub mod dialog;
pub mod group_gate;
pub mod ignore;
pub mod leave;
pub mod member_commands;
pub mod order_claim;
pub mod owner_commands;
pub mod private_chat;
pub mod product_link;
pub mod welcome;
