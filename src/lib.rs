//! dealbot: a WeChat group promotion robot (淘客机器人).
//!
//! Data flows one way: gateway webhook → `chat` parse → inbox (`store`, deduped) → `engine` →
//! `affiliate` / `poster` → `outbox` → `chat` send. See the architecture section of README.md.

pub mod admin;
pub mod affiliate;
pub mod agents;
pub mod campaigns;
pub mod chat;
pub mod clock;
pub mod collection;
pub mod config;
pub mod demo;
pub mod engine;
pub mod feeds;
pub mod fetch;
pub mod http;
pub mod ledger;
pub mod links;
pub mod money;
pub mod notices;
pub mod order;
pub mod orders;
pub mod outbox;
pub mod platform;
pub mod poster;
pub mod posting;
pub mod robots;
pub mod sim;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tools;

#[cfg(test)]
mod dependency_tests;
#[cfg(test)]
mod text_catalogue_tests;
