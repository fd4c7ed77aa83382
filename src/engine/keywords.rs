//! Keyword auto-replies (回复设置): exact, contains or regular-expression rules with priorities, per group and
//! global. Patterns are parsed and regexes compiled (size-bounded; the regex engine runs in linear time) when a
//! rule is saved and again when rules are loaded.

use crate::engine::text;
use regex::{Regex, RegexBuilder};

/// Longest accepted pattern, in characters.
pub const MAX_PATTERN_CHARS: usize = 100;
/// Longest accepted reply, in characters.
pub const MAX_REPLY_CHARS: usize = 1000;
const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// Longer messages are not matched against rules or questions at all (they are not questions), which bounds
/// the matching time per message together with the linear-time regex engine.
pub const MAX_MATCHED_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchKind {
    /// The whole message equals the word.
    Exact,
    /// The message contains the word.
    Contains,
    /// The regular expression matches somewhere in the message.
    Regex,
}

impl MatchKind {
    pub fn code(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Contains => "contains",
            MatchKind::Regex => "regex",
        }
    }

    pub fn from_code(s: &str) -> Option<MatchKind> {
        match s {
            "exact" => Some(MatchKind::Exact),
            "contains" => Some(MatchKind::Contains),
            "regex" => Some(MatchKind::Regex),
            _ => None,
        }
    }

    /// Ties between rules of equal priority go to the more specific kind.
    fn rank(self) -> u8 {
        match self {
            MatchKind::Exact => 0,
            MatchKind::Regex => 1,
            MatchKind::Contains => 2,
        }
    }
}

/// What a rule answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyBody {
    Text(String),
    /// An image fetched by the gateway from this URL.
    Image(String),
}

impl ReplyBody {
    /// A reply that is a single http(s) URL of a picture is sent as the picture.
    pub fn from_input(s: &str) -> ReplyBody {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        let path = lower.split(['?', '#']).next().unwrap_or_default();
        let is_url =
            (lower.starts_with("http://") || lower.starts_with("https://")) && !t.contains(char::is_whitespace);
        if is_url && [".jpg", ".jpeg", ".png", ".gif", ".webp"].iter().any(|ext| path.ends_with(ext)) {
            ReplyBody::Image(t.to_string())
        } else {
            ReplyBody::Text(t.to_string())
        }
    }

    pub fn kind_code(&self) -> &'static str {
        match self {
            ReplyBody::Text(_) => "text",
            ReplyBody::Image(_) => "image",
        }
    }

    pub fn content(&self) -> &str {
        match self {
            ReplyBody::Text(s) | ReplyBody::Image(s) => s,
        }
    }

    pub fn from_parts(kind: &str, content: String) -> ReplyBody {
        if kind == "image" { ReplyBody::Image(content) } else { ReplyBody::Text(content) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("empty")]
    Empty,
    #[error("too long")]
    TooLong,
    #[error("bad regular expression")]
    BadRegex,
}

/// An owner's word as typed: `=词` exact, `/正则/` regex, anything else contains. Returns the kind and the
/// pattern as stored (without the markers).
pub fn parse_pattern(input: &str) -> Result<(MatchKind, String), PatternError> {
    let t = input.trim();
    let (kind, p) = if let Some(rest) = t.strip_prefix(text::EXACT_MARKS) {
        (MatchKind::Exact, rest.trim())
    } else if t.len() >= 3 && t.starts_with('/') && t.ends_with('/') {
        (MatchKind::Regex, &t[1..t.len() - 1])
    } else {
        (MatchKind::Contains, t)
    };
    if p.is_empty() {
        return Err(PatternError::Empty);
    }
    if p.chars().count() > MAX_PATTERN_CHARS {
        return Err(PatternError::TooLong);
    }
    if kind == MatchKind::Regex {
        compile(p).ok_or(PatternError::BadRegex)?;
    }
    Ok((kind, p.to_string()))
}

/// How an owner typed the pattern (the inverse of [`parse_pattern`]).
pub fn display_pattern(kind: MatchKind, pattern: &str) -> String {
    match kind {
        MatchKind::Exact => format!("={pattern}"),
        MatchKind::Contains => pattern.to_string(),
        MatchKind::Regex => format!("/{pattern}/"),
    }
}

fn compile(p: &str) -> Option<Regex> {
    RegexBuilder::new(p).size_limit(REGEX_SIZE_LIMIT).dfa_size_limit(REGEX_SIZE_LIMIT).build().ok()
}

/// A stored rule, ready to match.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: i64,
    /// 0 for a global rule.
    pub group_id: i64,
    pub kind: MatchKind,
    pub pattern: String,
    pub reply: ReplyBody,
    pub priority: i64,
    regex: Option<Regex>,
}

impl Rule {
    /// `None` for a regex that no longer compiles (logged by the caller).
    pub fn new(
        id: i64,
        group_id: i64,
        kind: MatchKind,
        pattern: String,
        reply: ReplyBody,
        priority: i64,
    ) -> Option<Rule> {
        let regex = match kind {
            MatchKind::Regex => Some(compile(&pattern)?),
            _ => None,
        };
        Some(Rule { id, group_id, kind, pattern, reply, priority, regex })
    }

    pub fn matches(&self, text: &str) -> bool {
        let t = text.trim();
        match self.kind {
            MatchKind::Exact => t.eq_ignore_ascii_case(&self.pattern),
            MatchKind::Contains => t.to_lowercase().contains(&self.pattern.to_lowercase()),
            MatchKind::Regex => self.regex.as_ref().is_some_and(|r| r.is_match(t)),
        }
    }
}

/// Orders rules as they are tried: the group's own before global ones, then by priority (high first), then
/// exact before regex before contains, longer patterns first, older rules first.
pub fn sort(rules: &mut [Rule]) {
    rules.sort_by(|a, b| {
        (a.group_id == 0)
            .cmp(&(b.group_id == 0))
            .then(b.priority.cmp(&a.priority))
            .then(a.kind.rank().cmp(&b.kind.rank()))
            .then(b.pattern.chars().count().cmp(&a.pattern.chars().count()))
            .then(a.id.cmp(&b.id))
    });
}

/// The first rule (in [`sort`] order) that matches.
pub fn first_match<'a>(rules: &'a [Rule], text: &str) -> Option<&'a Rule> {
    rules.iter().find(|r| r.matches(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, group: i64, input: &str, reply: &str, priority: i64) -> Rule {
        let (kind, p) = parse_pattern(input).unwrap();
        Rule::new(id, group, kind, p, ReplyBody::from_input(reply), priority).unwrap()
    }

    #[test]
    fn patterns_parse_by_their_markers() {
        assert_eq!(parse_pattern("发货"), Ok((MatchKind::Contains, "发货".into())));
        assert_eq!(parse_pattern("=你好"), Ok((MatchKind::Exact, "你好".into())));
        assert_eq!(parse_pattern("＝ 你好"), Ok((MatchKind::Exact, "你好".into())));
        assert_eq!(parse_pattern("/^几点.*发货$/"), Ok((MatchKind::Regex, "^几点.*发货$".into())));
        assert_eq!(parse_pattern("/("), Ok((MatchKind::Contains, "/(".into())));
        assert_eq!(parse_pattern("/(/"), Err(PatternError::BadRegex));
        assert_eq!(parse_pattern("="), Err(PatternError::Empty));
        assert_eq!(parse_pattern(&"长".repeat(MAX_PATTERN_CHARS + 1)), Err(PatternError::TooLong));
        // A pattern compiling into a huge automaton is refused rather than run.
        assert_eq!(parse_pattern(r"/\w{1000}\w{1000}/"), Err(PatternError::BadRegex));
        for input in ["发货", "=你好", "/a+b/"] {
            let (k, p) = parse_pattern(input).unwrap();
            assert_eq!(display_pattern(k, &p), input);
        }
    }

    #[test]
    fn replies_that_are_picture_urls_are_images() {
        assert_eq!(
            ReplyBody::from_input(" https://x.cn/a.PNG?x=1 "),
            ReplyBody::Image("https://x.cn/a.PNG?x=1".into())
        );
        assert_eq!(ReplyBody::from_input("看图 https://x.cn/a.png"), ReplyBody::Text("看图 https://x.cn/a.png".into()));
        assert_eq!(ReplyBody::from_input("https://x.cn/page"), ReplyBody::Text("https://x.cn/page".into()));
    }

    #[test]
    fn the_group_and_the_priority_decide_which_rule_answers() {
        let mut rules = vec![
            rule(1, 0, "发货", "全局发货", 0),
            rule(2, 7, "发货", "本群发货", 0),
            rule(3, 7, "=几点发货", "精确", 0),
            rule(4, 7, "/^几点.+$/", "正则", 0),
            rule(5, 7, "红包", "普通", 0),
            rule(6, 7, "红包雨", "更长", 0),
            rule(7, 7, "雨", "高优先级", 5),
            rule(8, 0, "晚安", "全局晚安", 0),
        ];
        sort(&mut rules);
        let answer = |t: &str| first_match(&rules, t).map(|r| r.reply.content().to_string());
        assert_eq!(answer("什么时候发货").as_deref(), Some("本群发货"));
        assert_eq!(answer("几点发货").as_deref(), Some("精确"));
        assert_eq!(answer("几点开始").as_deref(), Some("正则"));
        assert_eq!(answer("抢红包了").as_deref(), Some("普通"));
        assert_eq!(answer("红包雨来了").as_deref(), Some("高优先级"));
        assert_eq!(answer("大家晚安").as_deref(), Some("全局晚安"));
        assert_eq!(answer("今天天气不错"), None);
    }
}
