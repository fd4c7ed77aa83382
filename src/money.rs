//! Money is integer 分 (`Fen`) and rates are integer basis points (`Bps`, 1 bp = 0.01 %).
//!
//! Platform units (元 as strings or JSON numbers, ‰, ‱, %) are converted here, at the client border, with
//! decimal string arithmetic. No floats are ever used for amounts.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in 分 (1/100 元).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

/// A rate in basis points: 10000 = 100 %.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Bps(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a decimal amount: `{0}`")]
pub struct BadAmount(pub String);

/// Parses a non-negative or negative decimal string into an integer scaled by `10^scale`, rounding half up
/// (away from zero) on the first dropped digit. Accepts `"12"`, `"12.9"`, `"-0.015"`, `"1e2"` is refused.
fn parse_scaled(s: &str, scale: u32) -> Result<i64, BadAmount> {
    let bad = || BadAmount(s.to_string());
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if t.is_empty() {
        return Err(bad());
    }
    let (int_part, frac_part) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit()) || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let mut value: i64 = 0;
    for b in int_part.bytes() {
        value = value.checked_mul(10).and_then(|v| v.checked_add(i64::from(b - b'0'))).ok_or_else(bad)?;
    }
    let frac = frac_part.as_bytes();
    for i in 0..scale as usize {
        let d = frac.get(i).map_or(0, |b| i64::from(b - b'0'));
        value = value.checked_mul(10).and_then(|v| v.checked_add(d)).ok_or_else(bad)?;
    }
    if frac.get(scale as usize).is_some_and(|b| *b >= b'5') {
        value = value.checked_add(1).ok_or_else(bad)?;
    }
    Ok(if neg { -value } else { value })
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// `"12.90"` 元 → 1290 分 (half up on the third decimal).
    pub fn from_yuan_str(s: &str) -> Result<Fen, BadAmount> {
        parse_scaled(s, 2).map(Fen)
    }

    /// A JSON number or string in 元 (JD sends floats such as `2.43`; their shortest decimal form is exact text).
    pub fn from_yuan_json(v: &serde_json::Value) -> Result<Fen, BadAmount> {
        match v {
            serde_json::Value::Number(n) => Fen::from_yuan_str(&n.to_string()),
            serde_json::Value::String(s) => Fen::from_yuan_str(s),
            other => Err(BadAmount(other.to_string())),
        }
    }

    /// `amount × rate`, truncated toward zero (the platforms' own rule: 3432 分 × 20 % = 686).
    pub fn apply_rate(self, rate: Bps) -> Fen {
        Fen(((i128::from(self.0) * i128::from(rate.0)) / 10_000) as i64)
    }

    pub fn saturating_sub(self, other: Fen) -> Fen {
        Fen(self.0.saturating_sub(other.0))
    }

    /// `12.90` (no currency sign).
    pub fn yuan_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// `12.9` / `13` : trailing zeros dropped, for chat copy.
    pub fn yuan_compact(self) -> String {
        let s = self.yuan_string();
        let s = s.trim_end_matches('0');
        s.trim_end_matches('.').to_string()
    }
}

impl fmt::Display for Fen {
    /// `¥12.90`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{}", self.yuan_string())
    }
}

impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        Fen(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Fen {
    type Output = Fen;
    fn sub(self, rhs: Fen) -> Fen {
        Fen(self.0 - rhs.0)
    }
}

impl Bps {
    /// Pinduoduo ‰ (per mille): 200 ‰ = 20 % = 2000 bp.
    pub fn from_permille(permille: i64) -> Bps {
        Bps(permille.saturating_mul(10))
    }

    /// Taobao ‱ (per ten thousand) strings such as `"1550"` = 15.50 %: already basis points.
    pub fn from_permyriad_str(s: &str) -> Result<Bps, BadAmount> {
        parse_scaled(s, 0).map(Bps)
    }

    /// Percent as text or JSON (`"1.35"`, `5.0`) → basis points.
    pub fn from_percent_str(s: &str) -> Result<Bps, BadAmount> {
        parse_scaled(s, 2).map(Bps)
    }

    pub fn from_percent_json(v: &serde_json::Value) -> Result<Bps, BadAmount> {
        match v {
            serde_json::Value::Number(n) => Bps::from_percent_str(&n.to_string()),
            serde_json::Value::String(s) => Bps::from_percent_str(s),
            other => Err(BadAmount(other.to_string())),
        }
    }

    /// `15.5%`
    pub fn percent_string(self) -> String {
        let whole = self.0 / 100;
        let frac = (self.0 % 100).abs();
        if frac == 0 {
            format!("{whole}%")
        } else if frac % 10 == 0 {
            format!("{whole}.{}%", frac / 10)
        } else {
            format!("{whole}.{frac:02}%")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_strings_become_fen_without_floats() {
        assert_eq!(Fen::from_yuan_str("12.90"), Ok(Fen(1290)));
        assert_eq!(Fen::from_yuan_str("1"), Ok(Fen(100)));
        assert_eq!(Fen::from_yuan_str("0.015"), Ok(Fen(2)));
        assert_eq!(Fen::from_yuan_str("0.014"), Ok(Fen(1)));
        assert_eq!(Fen::from_yuan_str("-3.5"), Ok(Fen(-350)));
        assert_eq!(Fen::from_yuan_str(".5"), Ok(Fen(50)));
        assert!(Fen::from_yuan_str("--").is_err());
        assert!(Fen::from_yuan_str("1e3").is_err());
        assert!(Fen::from_yuan_str("").is_err());
        assert!(Fen::from_yuan_str("99999999999999999999").is_err());
    }

    #[test]
    fn json_floats_are_read_through_their_text() {
        let v: serde_json::Value = serde_json::from_str("2.43").unwrap_or_default();
        assert_eq!(Fen::from_yuan_json(&v), Ok(Fen(243)));
        let v: serde_json::Value = serde_json::from_str("69.0").unwrap_or_default();
        assert_eq!(Fen::from_yuan_json(&v), Ok(Fen(6900)));
        let v = serde_json::Value::String("0.07".into());
        assert_eq!(Fen::from_yuan_json(&v), Ok(Fen(7)));
    }

    #[test]
    fn rates_convert_from_every_platform_unit() {
        assert_eq!(Bps::from_permille(200), Bps(2000));
        assert_eq!(Bps::from_permyriad_str("1550"), Ok(Bps(1550)));
        assert_eq!(Bps::from_percent_str("1.35"), Ok(Bps(135)));
        let v: serde_json::Value = serde_json::from_str("5.0").unwrap_or_default();
        assert_eq!(Bps::from_percent_json(&v), Ok(Bps(500)));
    }

    #[test]
    fn commission_truncates_like_the_platforms() {
        assert_eq!(Fen(3432).apply_rate(Bps::from_permille(200)), Fen(686));
        assert_eq!(Fen(1290).apply_rate(Bps(1000)), Fen(129));
    }

    #[test]
    fn formats_prices_for_people() {
        assert_eq!(Fen(1290).to_string(), "¥12.90");
        assert_eq!(Fen(5).to_string(), "¥0.05");
        assert_eq!(Fen(-250).to_string(), "¥-2.50");
        assert_eq!(Fen(1290).yuan_compact(), "12.9");
        assert_eq!(Fen(1300).yuan_compact(), "13");
        assert_eq!(Bps(1550).percent_string(), "15.5%");
        assert_eq!(Bps(2000).percent_string(), "20%");
        assert_eq!(Bps(135).percent_string(), "1.35%");
    }
}
