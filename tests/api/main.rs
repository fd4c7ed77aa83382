//! Black-box tests: dealbot on a real port with a real database, the simulators on another port, real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Runs each named `async fn(TestDb)` as two tests, on SQLite and on PostgreSQL (which must be reachable).
/// `multi_thread:` first runs them on a multi-threaded runtime, for tests of concurrency.
macro_rules! on_both_engines {
    (multi_thread: $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    super::$name(crate::helpers::TestDb::sqlite().await).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    super::$name(crate::helpers::TestDb::postgres().await).await
                }
            }
        )*
    };
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(crate::helpers::TestDb::sqlite().await).await
                }
                #[tokio::test]
                async fn postgres() {
                    super::$name(crate::helpers::TestDb::postgres().await).await
                }
            }
        )*
    };
}

mod admin_api;
mod admin_auth;
mod admin_browser;
#[allow(dead_code)]
mod admin_helpers;
mod admin_store;
mod admin_webdriver;
mod agent_levels;
mod agent_tree_props;
mod agents;
mod attribution;
mod authorization;
mod backup;
mod campaign_chat;
mod campaigns;
mod chat_store;
mod cli;
mod collect_commands;
mod collection;
mod collection_images;
mod collection_queue;
#[allow(dead_code)]
mod conversation;
mod crash;
mod dashboard_headers;
mod database_files;
mod demo;
mod deploy_files;
mod fanout;
mod fanout_crash;
mod feeds;
mod fetch_guard;
mod group_order;
#[allow(dead_code)]
mod helpers;
mod honest_replies;
mod leaves;
mod ledger;
mod ledger_props;
mod login_limits;
mod mass;
mod mass_friends;
mod mass_uploads;
mod member_commands;
mod money_chat;
mod multi_item;
mod not_annoying;
mod orders;
mod orders_crash;
mod orders_store;
mod owner_commands;
mod payouts;
mod payouts_browser;
mod pdd_posts;
mod pg_cluster;
mod pid_rules;
mod playground;
mod posting;
mod posting_commands;
mod posting_dashboard;
mod presend;
mod private_chat;
mod rate_rules;
mod rate_rules_props;
mod robot_login;
mod robots;
mod scale_out;
mod selection;
mod selection_actions;
mod slow_gateway;
mod small_defects;
mod spine;
mod store;
mod webhook_robustness;
mod wecom;
mod welcome;
mod withdrawals;
