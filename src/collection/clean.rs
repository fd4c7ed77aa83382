//! Cleaning: the source's signatures, contacts and ads ("加微信…", "群号…") removed by the source's rules, then
//! blank lines squeezed. Rules compile once per source ([`Cleaner::new`]).

use super::source::CleanRule;
use regex::Regex;

/// A source's compiled cleaning rules.
#[derive(Debug, Clone, Default)]
pub struct Cleaner {
    lines: Vec<String>,
    regexes: Vec<Regex>,
}

impl Cleaner {
    /// Compiles the rules; an invalid regex (refused when the rules are saved) is left out.
    pub fn new(rules: &[CleanRule]) -> Self {
        let mut cleaner = Cleaner::default();
        for rule in rules {
            match rule {
                CleanRule::Line(word) => cleaner.lines.push(word.trim().to_string()),
                CleanRule::Regex(p) => match Regex::new(p) {
                    Ok(re) => cleaner.regexes.push(re),
                    Err(e) => tracing::warn!(error = %e, "invalid cleaning regex left out"),
                },
            }
        }
        cleaner
    }

    /// The text without what the rules match, trailing spaces and runs of blank lines.
    pub fn clean(&self, text: &str) -> String {
        let mut out = text.to_string();
        for re in &self.regexes {
            if re.is_match(&out) {
                out = re.replace_all(&out, "").into_owned();
            }
        }
        let mut lines: Vec<&str> = Vec::new();
        for line in out.lines() {
            let line = line.trim_end();
            if self.lines.iter().any(|w| !w.is_empty() && line.contains(w.as_str())) {
                continue;
            }
            if line.trim().is_empty() && lines.last().is_none_or(|l| l.trim().is_empty()) {
                continue;
            }
            lines.push(line);
        }
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_rules_drop_the_line_and_regexes_the_match() {
        let c = Cleaner::new(&[CleanRule::Line("加微信".into()), CleanRule::Regex(r"群号[:：]?\d+".into())]);
        let text = "【券后9.9】保温杯\n\n\n加微信 abc123 领更多\n下单链接 群号：123456\n";
        assert_eq!(c.clean(text), "【券后9.9】保温杯\n\n下单链接");
    }

    #[test]
    fn without_rules_only_blank_runs_go() {
        assert_eq!(Cleaner::default().clean("a  \n\n\n\nb\n\n"), "a\n\nb");
    }
}
