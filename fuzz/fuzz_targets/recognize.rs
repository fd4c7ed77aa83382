//! Fuzzes the link recognizer with arbitrary text and card XML: it must not panic and its output must
//! keep the recognizer's invariants.
#![no_main]

use dealbot::links::{RecognizerOptions, recognize, unsupported_platform};
use dealbot::platform::Platform;
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let refs = recognize(text);
    assert!(refs.len() <= RecognizerOptions::default().max_refs);
    let mut seen = HashSet::new();
    for r in &refs {
        assert!(seen.insert((r.platform, r.key.clone())), "duplicate reference {r:?}");
        assert!(!r.key.is_empty());
        assert!(!r.material().is_empty());
        if let Some(token) = &r.token {
            assert_eq!(r.platform, Platform::Taobao);
            assert_eq!(token.len(), 11);
            assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(token.bytes().any(|b| b.is_ascii_alphabetic()));
        }
        if let Some(url) = &r.url {
            assert!(url.to_ascii_lowercase().starts_with("http"));
        }
    }
    let _ = unsupported_platform(text);
});
