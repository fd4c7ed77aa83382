//! Tunables of the recognizer. The marker sets and the mini-program ids are **[UNVERIFIED]** in the
//! spec, so they are data rather than code.

use super::text;

/// Identifies one platform's mini-program in a share card (`<weappinfo>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MiniProgramIds {
    /// `<weappinfo><appid>` values.
    pub appids: Vec<String>,
    /// `<weappinfo><username>` values.
    pub usernames: Vec<String>,
}

impl MiniProgramIds {
    /// True when the card's appid or username is one of ours. Empty values never match.
    pub fn matches(&self, appid: &str, username: &str) -> bool {
        (!appid.is_empty() && self.appids.iter().any(|a| a == appid))
            || (!username.is_empty() && self.usernames.iter().any(|u| u == username))
    }
}

/// Recognizer configuration; [`Default`] follows the links spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecognizerOptions {
    /// At most this many references per message (spec §2: `max_refs_per_message`).
    pub max_refs: usize,
    /// Length of a 淘口令 body (spec §6.1).
    pub tpwd_len: usize,
    /// A token needs one of these on each side (any combination).
    pub strong_markers: Vec<char>,
    /// (open, close) pairs accepted around a token when the message has a Taobao hint.
    pub weak_markers: Vec<(char, char)>,
    /// Lower-case substrings that make a message Taobao-related (enables weak markers).
    pub taobao_hints: Vec<String>,
    /// Pinduoduo mini-program ids.
    pub pdd_mini_program: MiniProgramIds,
    /// JD mini-program ids.
    pub jd_mini_program: MiniProgramIds,
}

impl Default for RecognizerOptions {
    fn default() -> Self {
        RecognizerOptions {
            max_refs: 3,
            tpwd_len: 11,
            strong_markers: text::STRONG_MARKERS.to_vec(),
            weak_markers: text::WEAK_MARKERS.to_vec(),
            taobao_hints: text::TAOBAO_HINTS.map(String::from).to_vec(),
            pdd_mini_program: MiniProgramIds {
                appids: vec!["wx32540bd863b27570".into()],
                usernames: vec!["gh_0e7477744313@app".into()],
            },
            jd_mini_program: MiniProgramIds { appids: vec!["wx91d27dbf599dff74".into()], usernames: Vec::new() },
        }
    }
}

impl RecognizerOptions {
    /// True when `text` mentions Taobao (case-insensitive).
    pub(super) fn has_taobao_hint(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        self.taobao_hints.iter().any(|hint| !hint.is_empty() && lower.contains(&hint.to_lowercase()))
    }
}
