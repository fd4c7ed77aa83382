//! The `dealbot` command line: a thin layer over the library.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use dealbot::config::Settings;
use dealbot::startup::{Application, Extras};
use std::io::Read as _;
use std::path::PathBuf;

/// WeChat group promotion robot (淘客机器人)
#[derive(Parser)]
#[command(name = "dealbot", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the robot with the given configuration.
    Serve {
        /// Configuration file (TOML); `DEALBOT__SECTION__KEY` environment variables override it.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Run the robot with SQLite and every simulator, plus a browser playground group chat.
    Demo {
        /// Port to listen on (127.0.0.1).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Folder for the demo database.
        #[arg(long, default_value = "demo-data")]
        data_dir: PathBuf,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Run the simulators alone (GeWe gateway, Pinduoduo, JD, Taobao, image CDN) for wiring your own setup.
    Sim {
        #[arg(long, default_value_t = 4010)]
        port: u16,
        /// Where simulated group messages are posted (dealbot's webhook URL).
        #[arg(long)]
        callback_url: Option<String>,
    },
    /// Print the product references found in TEXT (or standard input), one JSON object per line, with the links
    /// spec's fields (platform, kind, key, url, token, tk, title where present); says on standard error when the
    /// per-message limit cut the list.
    Links {
        /// The message text; read from standard input when absent.
        text: Option<String>,
        /// At most this many references, as `engine.max_refs_per_message` (the spec's default: 3).
        #[arg(long, default_value_t = 3)]
        max: usize,
    },
    /// Affiliate orders: backfill the sync, reconcile a period with the union.
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
    /// Copy the SQLite database into a new file while `serve` may be running (a consistent online copy, checked
    /// with `PRAGMA integrity_check`); prints one JSON report. PostgreSQL: use `pg_dump` (README: Backup and restore).
    Backup {
        /// The new file to write (must not exist, or be empty).
        #[arg(long)]
        out: PathBuf,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Manage dashboard (/admin) users.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Convert every product reference in TEXT (or standard input) through the configured unions and print the
    /// promotion (or the error) as one JSON object per line. With no union enabled, the built-in simulators answer.
    Convert {
        /// The message text; read from standard input when absent.
        text: Option<String>,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Convert the first product reference in LINK (a URL or a whole message) through the configured unions
    /// (with none enabled, the built-in simulators answer) and write its poster as a JPEG.
    Poster {
        /// A product link, or message text containing one.
        #[arg(long)]
        link: String,
        /// Where to write the JPEG.
        #[arg(long)]
        out: PathBuf,
        /// Poster template (a file stem in the templates folder); the configured default when absent.
        #[arg(long)]
        template: Option<String>,
        /// A local product photo (JPEG, PNG or WebP); a placeholder is drawn when absent.
        #[arg(long)]
        photo: Option<PathBuf>,
        /// Show the estimated rebate, as for a group whose copy shows it.
        #[arg(long)]
        show_rebate: bool,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum OrdersCommand {
    /// Sync the orders of one union updated since DATE (a backfill), window by window; safe to interrupt and rerun.
    Sync {
        /// pdd, jd or taobao.
        #[arg(long)]
        platform: dealbot::platform::Platform,
        /// Unix seconds, `yyyy-MM-dd` or `yyyy-MM-dd HH:mm:ss` (Beijing time).
        #[arg(long)]
        since: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Compare the orders the union reports for a period with the stored ones; prints one JSON report.
    Reconcile {
        #[arg(long)]
        platform: dealbot::platform::Platform,
        #[arg(long)]
        since: String,
        /// Defaults to now.
        #[arg(long)]
        until: Option<String>,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

fn time_arg(s: &str) -> anyhow::Result<i64> {
    dealbot::orders::parse_time_arg(s).with_context(|| format!("not a time: `{s}` (unix seconds or yyyy-MM-dd)"))
}

/// The store and the sync of `platform` as configured.
async fn order_sync(
    config: Option<&std::path::Path>,
    platform: dealbot::platform::Platform,
) -> anyhow::Result<dealbot::orders::sync::OrderSync> {
    let settings = Settings::load(config)?;
    dealbot::telemetry::init(settings.server.json_logs);
    let store = dealbot::store::Store::connect(&settings.database.url, settings.database.max_connections).await?;
    store.migrate().await?;
    let http = dealbot::startup::api_http_client()?;
    let affiliates = dealbot::startup::build_affiliates(&settings, &http);
    let clock = dealbot::clock::Clock::system();
    Ok(dealbot::orders::sync::OrderSync::for_platform(&store, &affiliates, platform, &settings, &clock)?)
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin user (argon2id). The password is read from the first line of standard input.
    Create {
        /// The login name.
        user: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Lift the login lock-out of a user (too many failed attempts, e.g. by a stranger guessing).
    Unlock {
        /// The login name.
        user: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

fn read_text(text: Option<String>) -> anyhow::Result<String> {
    match text {
        Some(t) => Ok(t),
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).context("reading standard input")?;
            Ok(s)
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { config } => {
            let settings = Settings::load(config.as_deref())?;
            dealbot::telemetry::init(settings.server.json_logs);
            let app = Application::build(settings, Extras::default()).await?;
            tracing::info!(port = app.port(), "dealbot listening");
            app.run_until_stopped().await?;
        }
        Command::Demo { port, data_dir } => {
            dealbot::telemetry::init(false);
            dealbot::demo::run(port, &data_dir).await?;
        }
        Command::Migrate { config } => {
            let settings = Settings::load(config.as_deref())?;
            dealbot::telemetry::init(settings.server.json_logs);
            let store = dealbot::store::Store::connect(&settings.database.url, 1).await?;
            store.migrate().await?;
            println!("migrations applied to {}", redact_url(&settings.database.url));
        }
        Command::Sim { port, callback_url } => {
            dealbot::telemetry::init(false);
            dealbot::demo::run_simulators(port, callback_url).await?;
        }
        Command::Links { text, max } => {
            let text = read_text(text)?;
            let all = dealbot::links::recognize_with(
                &text,
                &dealbot::links::RecognizerOptions { max_refs: usize::MAX, ..Default::default() },
            );
            for r in all.iter().take(max) {
                let mut line = serde_json::json!({
                    "platform": r.platform,
                    "kind": r.kind,
                    "key": r.key,
                    "source": r.source,
                    "raw": r.raw,
                });
                for (name, value) in [("url", &r.url), ("token", &r.token), ("tk", &r.tk), ("title", &r.title)] {
                    if let Some(v) = value {
                        line[name] = serde_json::Value::String(v.clone());
                    }
                }
                println!("{line}");
            }
            if all.len() > max {
                eprintln!(
                    "stopped at the limit of {max} references per message: {} more not shown (--max N)",
                    all.len() - max
                );
            }
        }
        Command::Orders { command: OrdersCommand::Sync { platform, since, config } } => {
            let since = time_arg(&since)?;
            let sync = order_sync(config.as_deref(), platform).await?;
            let report = dealbot::orders::backfill(&sync, since).await?;
            println!("{}", serde_json::to_string(&report)?);
        }
        Command::Orders { command: OrdersCommand::Reconcile { platform, since, until, config } } => {
            let since = time_arg(&since)?;
            let sync = order_sync(config.as_deref(), platform).await?;
            let now = sync.clock.now_secs();
            let until = until.as_deref().map(time_arg).transpose()?.unwrap_or(now);
            let report = dealbot::orders::reconcile::reconcile(&sync.store, &sync.source, since, until, now).await?;
            println!("{}", serde_json::to_string(&report)?);
        }
        Command::Backup { out, config } => {
            let settings = Settings::load(config.as_deref())?;
            let report = dealbot::store::backup::backup_sqlite(&settings.database.url, &out).await?;
            println!("{}", serde_json::to_string(&report)?);
        }
        Command::Admin { command: AdminCommand::Create { user, config } } => {
            let settings = Settings::load(config.as_deref())?;
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprint!("password for {user}: ");
            }
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let store = dealbot::store::Store::connect(&settings.database.url, 1).await?;
            store.migrate().await?;
            let role = dealbot::store::users::Role::Admin;
            let now = dealbot::store::now_ms();
            dealbot::admin::settings::add_user(&store, &user, password, role, None, now)
                .await
                .map_err(|e| anyhow::anyhow!("cannot create admin `{user}`: {e}"))?;
            println!("admin `{user}` created");
        }
        Command::Admin { command: AdminCommand::Unlock { user, config } } => {
            let settings = Settings::load(config.as_deref())?;
            let store = dealbot::store::Store::connect(&settings.database.url, 1).await?;
            store.migrate().await?;
            if dealbot::admin::ratelimit::LoginLimiter::unlock(&store, &user).await? {
                println!("login lock-out of `{user}` lifted");
            } else {
                println!("`{user}` was not locked out");
            }
        }
        Command::Convert { text, config } => {
            let settings = Settings::load(config.as_deref())?;
            let text = read_text(text)?;
            for line in dealbot::tools::convert(settings, &text).await? {
                println!("{line}");
            }
        }
        Command::Poster { link, out, template, photo, show_rebate, config } => {
            let settings = Settings::load(config.as_deref())?;
            let job = dealbot::tools::poster::PosterJob { text: &link, template, photo: photo.as_deref(), show_rebate };
            let (poster, summary) = dealbot::tools::poster::poster(settings, job).await?;
            std::fs::write(&out, &poster.jpeg).with_context(|| format!("writing {}", out.display()))?;
            println!("{summary}");
        }
    }
    Ok(())
}

/// Drops a password from a database URL before printing it.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
