//! Black-box tests: dealbot on a real port with a real database, the simulators on another port, real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod authorization;
mod cli;
mod crash;
#[allow(dead_code)]
mod helpers;
mod spine;
mod store;
