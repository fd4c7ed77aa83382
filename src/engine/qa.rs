//! Q&A matching (智能问答): a question matches a stored one by normalized similarity, so that "怎么领券" finds
//! "如何领取优惠券".
//!
//! Normalization folds width and case, drops punctuation, spaces and filler words, and maps synonyms to one
//! canonical form (如何/怎样/咋 → 怎么, 优惠券/卷 → 券, 什么时候/多久 → 多久 …), each canonical word counting as one
//! unit. Similarity is the mean of the Dice coefficients of units and of (unordered) neighbouring unit pairs, in
//! percent.

use crate::engine::text;

/// Canonical units of `s`.
pub fn normalize(s: &str) -> Vec<String> {
    let folded: Vec<char> = s
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect();
    let mut units = Vec::new();
    let mut i = 0;
    'outer: while i < folded.len() {
        let mut best: Option<(usize, &str)> = None;
        // A canonical word written as such is one unit too.
        let identities = text::qa::LEXICON.iter().map(|(_, c)| (*c, *c)).filter(|(c, _)| !c.is_empty());
        for (word, canon) in text::qa::LEXICON.iter().copied().chain(identities) {
            let n = word.chars().count();
            if best.is_some_and(|(len, _)| len >= n) || i + n > folded.len() {
                continue;
            }
            if word.chars().zip(&folded[i..i + n]).all(|(a, b)| a == *b) {
                best = Some((n, canon));
            }
        }
        if let Some((n, canon)) = best {
            i += n;
            if !canon.is_empty() {
                units.push(canon.to_string());
            }
            continue 'outer;
        }
        units.push(folded[i].to_string());
        i += 1;
    }
    units
}

/// Multiset intersection size.
fn common<T: PartialEq + Clone>(a: &[T], b: &[T]) -> usize {
    let mut rest: Vec<T> = b.to_vec();
    let mut n = 0;
    for x in a {
        if let Some(pos) = rest.iter().position(|y| y == x) {
            rest.swap_remove(pos);
            n += 1;
        }
    }
    n
}

fn dice<T: PartialEq + Clone>(a: &[T], b: &[T]) -> u32 {
    if a.is_empty() && b.is_empty() {
        return 0;
    }
    (200 * common(a, b) / (a.len() + b.len())) as u32
}

/// Neighbouring units, unordered: "链接为什么打不开" and "为什么链接打不开" share a pair.
fn pairs(u: &[String]) -> Vec<(String, String)> {
    u.windows(2)
        .map(|w| if w[0] <= w[1] { (w[0].clone(), w[1].clone()) } else { (w[1].clone(), w[0].clone()) })
        .collect()
}

/// Similarity of two normalized questions, 0–100: units alone when either has a single unit.
pub fn similarity(a: &[String], b: &[String]) -> u32 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    if a.len() < 2 || b.len() < 2 {
        return dice(a, b);
    }
    (dice(a, b) + dice(&pairs(a), &pairs(b))) / 2
}

/// The best-matching entry's index and score, when the score reaches `threshold` (percent). Questions of
/// fewer than two characters after normalization never match: single characters are chat, not questions.
pub fn best_match<'a>(
    question: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    threshold: u32,
) -> Option<(usize, u32)> {
    let q = normalize(question);
    if q.iter().map(|u| u.chars().count()).sum::<usize>() < 2 {
        return None;
    }
    let mut best: Option<(usize, u32)> = None;
    for (i, c) in candidates.into_iter().enumerate() {
        let score = similarity(&q, &normalize(c));
        if score >= threshold && best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAQ: &[&str] = &[
        "如何领取优惠券",
        "返利什么时候到账",
        "怎么提现",
        "积分有什么用",
        "怎么查券",
        "为什么链接打不开",
        "淘宝的链接怎么转",
        "签到有什么奖励",
        "怎么邀请好友进群",
        "京东能用吗",
    ];

    /// (question, expected FAQ entry or None).
    const TABLE: &[(&str, Option<usize>)] = &[
        ("怎么领券", Some(0)),
        ("如何领取优惠券", Some(0)),
        ("优惠券怎么领", Some(0)),
        ("请问一下优惠卷怎么领取呀？", Some(0)),
        ("大家好，请问优惠券怎么领", Some(0)),
        ("领券", Some(0)),
        ("咋领券", Some(0)),
        ("返利多久到账", Some(1)),
        ("返现什么时候到帐啊", Some(1)),
        ("佣金几天到账", Some(1)),
        ("如何提现", Some(2)),
        ("提现", Some(2)),
        ("怎样取现？", Some(2)),
        ("积分有啥用", Some(3)),
        ("积分能干嘛", None),
        ("怎么查优惠券", Some(4)),
        ("查券怎么用", Some(4)),
        ("链接为什么打不开", Some(5)),
        ("为啥链接用不了", Some(5)),
        ("天猫链接怎么转", Some(6)),
        ("淘宝链接如何转换", Some(6)),
        ("签到有啥奖励", Some(7)),
        ("签到奖励是什么", Some(7)),
        ("怎么拉好友进群", Some(8)),
        ("如何邀请朋友", Some(8)),
        ("京东可以用吗", Some(9)),
        ("ＨＥＬＬＯ", None),
        ("今天天气不错", None),
        ("哈哈哈哈", None),
        ("有人吗", None),
        ("券", None),
        ("好的", None),
        ("晚上吃什么", None),
        ("这个耳机好用吗", None),
        ("积分", None),
        ("👍👍", None),
        ("", None),
        ("谢谢大家", None),
        ("钱什么时候到", None),
        ("我也想要优惠券", None),
    ];

    #[test]
    fn normalization_folds_synonyms_width_punctuation_and_fillers() {
        assert_eq!(normalize("怎么领券"), normalize("如何领取优惠券"));
        assert_eq!(normalize("请问，优惠卷怎么领取呀？"), vec!["券", "怎", "领"]);
        assert_eq!(normalize("ＡＢＣ abc"), vec!["a", "b", "c", "a", "b", "c"]);
        assert_eq!(normalize("什么时候"), vec!["久"], "the longest match wins over 什么");
        assert!(normalize("！？。 ，").is_empty());
    }

    #[test]
    fn the_qa_table_hits_and_misses_as_expected() {
        assert!(TABLE.len() >= 30);
        let mut wrong = Vec::new();
        for (q, expected) in TABLE {
            let got = best_match(q, FAQ.iter().copied(), 60);
            if got.map(|(i, _)| i) != *expected {
                wrong.push(format!("{q}: expected {expected:?}, got {got:?} {:?}", normalize(q)));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn similarity_is_symmetric_and_bounded() {
        for a in FAQ {
            for b in FAQ {
                let (x, y) = (normalize(a), normalize(b));
                assert_eq!(similarity(&x, &y), similarity(&y, &x));
                assert!(similarity(&x, &y) <= 100);
            }
            assert_eq!(similarity(&normalize(a), &normalize(a)), 100);
        }
    }
}
