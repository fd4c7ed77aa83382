//! The Dockerfile, compose.yaml, the Caddyfile and the systemd units name paths, settings and commands that exist.
//! Nothing here builds an image (no Docker in CI); these checks catch a renamed folder, setting or subcommand.

use crate::helpers::*;
use dealbot::config::Settings;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Settings from deploy/dealbot.toml with `vars` applied as environment overrides; panics with the reason.
fn settings_with(vars: &[(String, String)]) -> Settings {
    Settings::from_toml_and_env(&read("deploy/dealbot.toml"), Some("deploy/dealbot.toml"), vars.to_vec())
        .unwrap_or_else(|e| panic!("{vars:?}: {e}"))
}

/// `KEY=VALUE` words after `ENV` / `Environment=` lines, or `KEY: VALUE` lines of compose.
fn dealbot_vars(pairs: impl Iterator<Item = (String, String)>) -> Vec<(String, String)> {
    pairs.filter(|(k, _)| k.starts_with("DEALBOT__")).collect()
}

struct Dockerfile {
    /// (stage name, instructions) in order.
    stages: Vec<(String, Vec<String>)>,
}

impl Dockerfile {
    fn parse(text: &str) -> Dockerfile {
        let mut joined = Vec::new();
        let mut current = String::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            match line.strip_suffix('\\') {
                Some(head) => current.push_str(head),
                None => {
                    current.push_str(line);
                    joined.push(std::mem::take(&mut current));
                }
            }
        }
        let mut stages: Vec<(String, Vec<String>)> = Vec::new();
        for instr in joined {
            if let Some(from) = instr.strip_prefix("FROM ") {
                let name = from.split_whitespace().last().unwrap().to_string();
                stages.push((name, Vec::new()));
            } else {
                stages.last_mut().expect("FROM first").1.push(instr);
            }
        }
        Dockerfile { stages }
    }
}

#[test]
fn the_dockerfile_copies_what_exists_and_runs_the_binary_unprivileged_with_valid_settings() {
    let docker = Dockerfile::parse(&read("Dockerfile"));
    assert!(docker.stages.len() >= 2, "multi-stage");
    let ignored: Vec<String> =
        read(".dockerignore").lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    let (runtime, instructions) = docker.stages.last().unwrap();
    assert_eq!(runtime, "runtime");
    let mut copied_to_workdir = Vec::new();
    let mut workdir = String::new();
    let mut copied_files = Vec::new();
    for (_, instrs) in &docker.stages {
        for instr in instrs {
            let Some(args) = instr.strip_prefix("COPY ") else { continue };
            let words: Vec<&str> = args.split_whitespace().collect();
            if let Some(stage) = words[0].strip_prefix("--from=") {
                assert_eq!(stage, "build");
                assert_eq!(words[1], "/src/target/release/dealbot", "the [[bin]] of Cargo.toml");
                continue;
            }
            let (dest, sources) = words.split_last().unwrap();
            for src in sources {
                assert!(repo().join(src).exists(), "COPY {src}: no such path in the repository");
                assert!(
                    !ignored.iter().any(|i| src == i || src.starts_with(&format!("{i}/"))),
                    "COPY {src} is excluded by .dockerignore"
                );
            }
            copied_to_workdir.extend(sources.iter().map(|s| s.to_string()));
            copied_files.push(dest.to_string());
        }
    }
    for instr in instructions {
        if let Some(dir) = instr.strip_prefix("WORKDIR ") {
            workdir = dir.to_string();
        }
    }
    assert_eq!(workdir, "/opt/dealbot");
    let defaults = Settings::default();
    for needed in [&defaults.poster.templates_dir, &defaults.poster.fonts_dir] {
        assert!(copied_to_workdir.contains(needed), "the runtime image lacks {needed} (relative to its WORKDIR)");
    }
    let user = instructions.iter().find_map(|i| i.strip_prefix("USER ")).expect("a USER");
    assert!(user != "root" && user != "0", "runs unprivileged");

    let env: Vec<(String, String)> = dealbot_vars(
        instructions
            .iter()
            .filter_map(|i| i.strip_prefix("ENV "))
            .flat_map(|rest| rest.split_whitespace().map(String::from).collect::<Vec<_>>())
            .filter_map(|w| w.split_once('=').map(|(k, v)| (k.to_string(), v.to_string()))),
    );
    assert!(env.len() >= 3, "{env:?}");
    let settings = settings_with(&env);
    assert_eq!(settings.server.host, "0.0.0.0");
    assert!(settings.database.url.starts_with("sqlite:///var/lib/dealbot/"));
    let cmd = instructions.iter().find_map(|i| i.strip_prefix("CMD ")).expect("a CMD");
    let cmd: Vec<String> = serde_json::from_str(cmd).expect("CMD in exec form");
    assert_eq!(cmd[..2], ["serve".to_string(), "--config".to_string()]);
    assert!(copied_files.contains(&cmd[2]), "the config file {} is put into the image", cmd[2]);
    let help = Command::new(env!("CARGO_BIN_EXE_dealbot")).args([&cmd[0], "--help"]).output().unwrap();
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("--config"));
}

/// One compose service: its `DEALBOT__…` environment entries and its `- ./host:container` volume sources.
struct Service {
    name: String,
    env: Vec<(String, String)>,
    volumes: Vec<String>,
}

fn compose_services(text: &str) -> Vec<Service> {
    let mut services = Vec::new();
    let mut in_services = false;
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            in_services = line.starts_with("services:");
            continue;
        }
        if !in_services {
            continue;
        }
        let t = line.trim();
        if indent == 2 {
            services.push(Service { name: t.trim_end_matches(':').to_string(), env: Vec::new(), volumes: Vec::new() });
        } else if let Some((k, v)) = t.split_once(": ").filter(|(k, _)| k.starts_with("DEALBOT__")) {
            services.last_mut().unwrap().env.push((k.to_string(), v.trim_matches('"').to_string()));
        } else if let Some(vol) = t.strip_prefix("- ./") {
            services.last_mut().unwrap().volumes.push(vol.split(':').next().unwrap().to_string());
        }
    }
    services
}

#[tokio::test]
async fn compose_and_caddy_name_services_paths_settings_and_a_health_route_that_exist() {
    let compose = read("compose.yaml");
    let services = compose_services(&compose);
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"db") && names.contains(&"proxy"), "{names:?}");
    let instances: Vec<&Service> = services.iter().filter(|s| s.name.starts_with("dealbot-")).collect();
    assert_eq!(instances.len(), 2, "two dealbot instances");
    for instance in &instances {
        let settings = settings_with(&instance.env);
        assert!(settings.database.url.starts_with("postgres://"), "{} uses PostgreSQL", instance.name);
        assert_eq!(settings.server.host, "0.0.0.0");
        assert!(!instance.volumes.is_empty());
    }
    for service in &services {
        for v in &service.volumes {
            assert!(repo().join(v).exists(), "{}: ./{v} does not exist", service.name);
        }
    }
    assert!(compose.contains("build: .") && repo().join("Dockerfile").exists());

    let caddy = read("deploy/Caddyfile");
    let proxy_line = caddy.lines().find(|l| l.trim_start().starts_with("reverse_proxy")).expect("reverse_proxy");
    let upstreams: Vec<&str> = proxy_line.split_whitespace().skip(1).filter(|w| w.contains(':')).collect();
    assert_eq!(upstreams.len(), 2);
    for up in upstreams {
        let (host, port) = up.split_once(':').unwrap();
        let instance = instances.iter().find(|s| s.name == host).unwrap_or_else(|| panic!("{host} is no service"));
        assert_eq!(settings_with(&instance.env).server.port.to_string(), port, "{host} listens on {port}");
    }
    let health = caddy.lines().find_map(|l| l.trim().strip_prefix("health_uri ")).expect("health_uri").trim();
    let app = TestApp::spawn().await;
    let res = app.http.get(format!("{}{health}", app.base)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{health} answers on a running instance");
}

fn unit_lines<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines().filter_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('='))).collect()
}

fn check_exec(unit: &str, exec: &str) {
    let words: Vec<&str> = exec.split_whitespace().collect();
    let (bin_at, sub) = if words[0] == "/bin/sh" {
        let at = words.iter().position(|w| w.ends_with("/dealbot")).unwrap();
        (at, words[at + 1])
    } else {
        (0, words[1])
    };
    assert_eq!(words[bin_at].trim_start_matches("'exec "), "/usr/local/bin/dealbot", "{unit}");
    let help = Command::new(env!("CARGO_BIN_EXE_dealbot")).args([sub, "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    for flag in words[bin_at + 2..].iter().filter(|w| w.starts_with("--")) {
        assert!(help.contains(*flag), "{unit}: `dealbot {sub}` has no {flag}");
    }
}

#[test]
fn the_systemd_units_run_subcommands_and_settings_that_exist() {
    for unit in ["deploy/dealbot.service", "deploy/dealbot-backup.service"] {
        let text = read(unit);
        let exec = unit_lines(&text, "ExecStart");
        assert_eq!(exec.len(), 1, "{unit}");
        check_exec(unit, exec[0]);
        let env = dealbot_vars(
            unit_lines(&text, "Environment")
                .into_iter()
                .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string()))),
        );
        let settings = settings_with(&env);
        assert!(settings.database.url.starts_with("sqlite:///var/lib/dealbot/"), "{unit}");
        assert_eq!(unit_lines(&text, "User"), ["dealbot"], "{unit} runs unprivileged");
        assert_eq!(unit_lines(&text, "WorkingDirectory"), ["/opt/dealbot"], "{unit}: templates and fonts are relative");
    }
    let timer = read("deploy/dealbot-backup.timer");
    assert_eq!(unit_lines(&timer, "OnCalendar").len(), 1);
    assert!(Path::new(&repo().join("deploy/dealbot-backup.service")).exists(), "the timer's service");
}
