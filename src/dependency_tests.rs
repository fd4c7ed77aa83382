//! Every dependency named in Cargo.toml is used by the code: a crate path (`name::`) or a macro (`name!`)
//! appears in src/, tests/ or benches/.

use std::path::Path;

/// Packages whose library name is not their package name with `-` turned into `_`.
const LIBRARY_NAMES: &[(&str, &str)] = &[("md-5", "md5")];

fn rust_sources(dir: &Path, out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            out.push('\n');
        }
    }
}

/// Whether `lib` starts a path (`lib::`) or names a macro (`lib!`) somewhere, not as the tail of a longer name
/// or path (`std::time::` does not use the `time` crate).
fn mentions(sources: &str, lib: &str) -> bool {
    sources.match_indices(lib).any(|(at, _)| {
        let before = sources[..at].chars().next_back();
        let after = &sources[at + lib.len()..];
        before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'))
            && (after.starts_with("::") || after.starts_with('!'))
    })
}

#[test]
fn every_dependency_in_the_manifest_is_used_by_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml")).unwrap().parse().unwrap();
    let mut sources = String::new();
    for dir in ["src", "tests", "benches"] {
        rust_sources(&root.join(dir), &mut sources);
    }
    let mut unused = Vec::new();
    for section in ["dependencies", "dev-dependencies"] {
        for package in manifest[section].as_table().unwrap().keys() {
            let lib = LIBRARY_NAMES
                .iter()
                .find(|(p, _)| p == package)
                .map_or_else(|| package.replace('-', "_"), |(_, l)| l.to_string());
            if !mentions(&sources, &lib) {
                unused.push(package.clone());
            }
        }
    }
    assert!(unused.is_empty(), "dependencies nothing uses: {unused:?}");
}
