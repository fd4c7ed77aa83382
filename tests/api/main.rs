//! Black-box tests: dealbot on a real port with a real database, the simulators on another port, real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod authorization;
mod chat_store;
mod cli;
#[allow(dead_code)]
mod conversation;
mod crash;
#[allow(dead_code)]
mod helpers;
mod ledger;
mod ledger_props;
mod member_commands;
mod not_annoying;
mod owner_commands;
mod spine;
mod store;
mod welcome;
mod withdrawals;
