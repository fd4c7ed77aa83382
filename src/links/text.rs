//! The Chinese the recognizer matches in chat text: 淘口令 markers, Taobao hints, the punctuation that ends a
//! URL, the brackets of share-text titles and their platform hints, and the names of the platforms we only
//! recognize to hint the member.

use crate::platform::text as platform;

// 淘口令 (spec §6).
/// A token needs one of these on each side (any combination).
pub const STRONG_MARKERS: [char; 14] = ['￥', '¥', '$', '€', '£', '₤', '₳', '¢', '₴', '₰', '₵', '₲', '₱', '₹'];
/// (open, close) pairs accepted around a token when the message has a Taobao hint.
pub const WEAK_MARKERS: [(char, char); 6] =
    [('(', ')'), ('（', '）'), ('(', '）'), ('（', ')'), ('《', '》'), ('/', '/')];
/// A 淘口令 body in its canonical markers, as conversion APIs take it and copy texts show it.
pub fn marked_token(body: &str) -> String {
    format!("￥{body}￥")
}
/// Lower-case substrings that make a message Taobao-related.
pub const TAOBAO_HINTS: [&str; 8] = ["淘宝", "淘寶", "手淘", "τao", "tb.cn", "天猫", "taobao", "tmall"];

// URLs (spec §3).
/// Full-width punctuation and brackets that end a URL candidate (the ASCII ones stand in the pattern).
pub const URL_STOPS: &str = "「」【】《》，。！？；、（）￥";

// Share-text titles (spec §7).
/// `「title」`: the preferred title.
pub const QUOTE: (char, char) = ('「', '」');
/// `【title】`: a title unless it is a platform hint.
pub const BRACKET: (char, char) = ('【', '】');
/// `【淘宝】`, `【天猫】`, `【京东】`, `【拼多多】` only hint at the platform; they are not titles.
pub const PLATFORM_HINTS: [&str; 4] = [platform::TAOBAO, platform::TMALL, platform::JD, platform::PDD];

// Out-of-scope platforms (spec §5 end).
pub const VIPSHOP: &str = "唯品会";
pub const DOUYIN: &str = "抖音";
pub const SUNING: &str = "苏宁";
