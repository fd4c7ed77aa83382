//! User-facing Chinese text lives in catalogue modules, one per area (`text.rs`, or files under a `text/`
//! directory): no Chinese literal stands anywhere else in `src/`. Comments and test code (inline test modules, files
//! declared `#[cfg(test)] mod …;`) may hold Chinese: test inputs are what members type.

use std::path::{Path, PathBuf};

/// CJK ideographs, CJK punctuation and full-width forms.
fn is_chinese(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_catalogue(path: &Path) -> bool {
    path.file_stem().is_some_and(|s| s == "text") || path.components().any(|c| c.as_os_str() == "text")
}

/// The files declared as `#[cfg(test)] mod name;` (test-only modules), as paths.
fn test_only_files(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = source.lines().map(str::trim).collect();
        for pair in lines.windows(2) {
            let [attr, decl] = pair else { continue };
            let Some(name) = decl.strip_prefix("mod ").and_then(|d| d.strip_suffix(';')) else { continue };
            if *attr != "#[cfg(test)]" {
                continue;
            }
            let dir = if file.file_name().is_some_and(|n| n == "mod.rs" || n == "lib.rs" || n == "main.rs") {
                file.parent().unwrap().to_path_buf()
            } else {
                file.with_extension("")
            };
            out.push(dir.join(format!("{name}.rs")));
            out.push(dir.join(name).join("mod.rs"));
        }
    }
    out
}

/// The code of a line without its `//` comment (a `//` inside a string literal is not a comment).
fn code_of(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// `mod name {`, `pub(crate) mod name {` …
fn is_inline_module(line: &str) -> bool {
    line.ends_with('{') && line.split_whitespace().any(|w| w == "mod")
}

/// `file:line: text` of every Chinese literal outside catalogues, comments and tests.
fn stray_chinese(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let test_only = test_only_files(&files);
    let mut found = Vec::new();
    for file in &files {
        if is_catalogue(file.strip_prefix(root).unwrap()) || test_only.contains(file) {
            continue;
        }
        let source = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = source.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            // An inline test module ends what is checked (test modules stand at the end of a file).
            let next = lines.get(n + 1).map_or("", |l| l.trim());
            if line.trim() == "#[cfg(test)]" && is_inline_module(next) {
                break;
            }
            if code_of(line).chars().any(is_chinese) {
                found.push(format!("{}:{}: {}", file.strip_prefix(root).unwrap().display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn chinese_text_stands_only_in_catalogues() {
    let stray = stray_chinese(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(stray.is_empty(), "{} lines with Chinese outside the text catalogues:\n{}", stray.len(), stray.join("\n"));
}

#[test]
fn comments_and_test_modules_are_not_counted_but_code_is() {
    assert_eq!(code_of(r#"let a = "http://x"; // 注释"#), r#"let a = "http://x"; "#);
    assert_eq!(code_of(r#"let b = "a\"//b"; "#), r#"let b = "a\"//b"; "#);
    assert!(code_of(r#"reply("你好") // hi"#).chars().any(is_chinese));
    assert!(!code_of("/// 文档").chars().any(is_chinese));
    assert!(is_catalogue(Path::new("src/engine/text.rs")));
    assert!(is_catalogue(Path::new("src/admin/text/money.rs")));
    assert!(!is_catalogue(Path::new("src/admin/texts.rs")));
    assert!(is_inline_module("pub(crate) mod tests {"));
    assert!(!is_inline_module("mod tests;"));
}
