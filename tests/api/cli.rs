//! The command line, run as a user would.

use std::io::Write;
use std::process::{Command, Stdio};

fn dealbot(args: &[&str], stdin: Option<&str>) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dealbot"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn links_prints_one_json_object_per_reference() {
    let (ok, out) = dealbot(
        &["links", "看看 https://item.jd.com/100087654321.html 和 ￥Rt7bQm2XzPa￥ 还有 https://t.cn/A6xYz12"],
        None,
    );
    assert!(ok);
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0]["platform"], "jd");
    assert_eq!(lines[0]["kind"], "url");
    assert_eq!(lines[0]["key"], "100087654321");
    assert_eq!(lines[0]["raw"], "https://item.jd.com/100087654321.html");
    assert_eq!(lines[1]["platform"], "taobao");
    assert_eq!(lines[1]["key"], "Rt7bQm2XzPa");
}

#[test]
fn links_reads_standard_input_as_one_message() {
    let (ok, out) = dealbot(&["links"], Some("【京东】https://u.jd.com/Qm7Zt2K「迷你电煮锅」\n点击链接直接打开"));
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["key"], "Qm7Zt2K");
    assert_eq!(v["kind"], "short");
}

#[test]
fn links_prints_the_specs_fields_where_present_and_says_when_the_limit_cut_the_list() {
    let text = "【淘宝】https://m.tb.cn/h.7KpQzR2mXwY4aBc?tk=Pq3Lm8ZtR2w CZ0057 「加厚珊瑚绒毯子冬季保暖」\n\
                https://item.jd.com/100087654321.html https://item.jd.com/100087654322.html \
                https://item.jd.com/100087654323.html https://item.jd.com/100087654324.html";
    let out = Command::new(env!("CARGO_BIN_EXE_dealbot")).args(["links", text]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(lines[0]["url"], "https://m.tb.cn/h.7KpQzR2mXwY4aBc?tk=Pq3Lm8ZtR2w");
    assert_eq!(lines[0]["tk"], "Pq3Lm8ZtR2w");
    assert_eq!(lines[0]["title"], "加厚珊瑚绒毯子冬季保暖");
    assert_eq!(lines[1]["url"], "https://item.jd.com/100087654321.html");
    assert!(lines[1].get("tk").is_none() && lines[1].get("token").is_none(), "absent fields are left out");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("limit of 3") && stderr.contains("2 more"), "{stderr}");

    let out = Command::new(env!("CARGO_BIN_EXE_dealbot")).args(["links", "--max", "10", text]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 5);
    assert!(out.stderr.is_empty());
}

#[test]
fn every_subcommand_has_help() {
    for cmd in ["serve", "demo", "migrate", "sim", "links", "convert", "backup"] {
        let (ok, out) = dealbot(&[cmd, "--help"], None);
        assert!(ok, "{cmd} --help");
        assert!(out.contains("Usage: dealbot"), "{cmd}: {out}");
    }
}

#[test]
fn a_bad_configuration_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[database]\nurl = \"mysql://nope\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dealbot")).args(["migrate", "--config"]).arg(&path).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("database.url must start with sqlite: or postgres:"), "{err}");
}

#[test]
fn convert_without_union_credentials_answers_through_the_built_in_simulators() {
    let (ok, out) = dealbot(&["convert", "https://item.jd.com/100087654321.html ￥Rt7bQm2XzPa￥"], None);
    assert!(ok, "{out}");
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0]["platform"], "jd");
    assert_eq!(lines[0]["pid"], dealbot::demo::DEMO_JD_PID);
    assert!(lines[0]["short_url"].as_str().unwrap().starts_with("https://u.jd.com/"), "{out}");
    assert!(lines[0]["final_price_fen"].as_i64().unwrap() > 0);
    assert_eq!(lines[1]["platform"], "taobao");
    assert!(lines[1]["command"].as_str().unwrap().starts_with('￥'), "{out}");
}
