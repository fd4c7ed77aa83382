//! The affiliate platforms dealbot converts for.

pub mod text;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An affiliate platform (联盟).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Pinduoduo 多多进宝.
    Pdd,
    /// JD 京东联盟.
    Jd,
    /// Taobao / Tmall 淘宝联盟.
    Taobao,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Pdd, Platform::Jd, Platform::Taobao];

    /// Stable lower-case code used in the database, config and JSON.
    pub fn code(self) -> &'static str {
        match self {
            Platform::Pdd => "pdd",
            Platform::Jd => "jd",
            Platform::Taobao => "taobao",
        }
    }

    /// Chinese display name.
    pub fn display_name(self) -> &'static str {
        match self {
            Platform::Pdd => text::PDD,
            Platform::Jd => text::JD,
            Platform::Taobao => text::TAOBAO,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown platform `{0}` (expected pdd, jd or taobao)")]
pub struct UnknownPlatform(pub String);

impl FromStr for Platform {
    type Err = UnknownPlatform;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pdd" | "pinduoduo" | text::PDD => Ok(Platform::Pdd),
            "jd" | text::JD => Ok(Platform::Jd),
            "taobao" | "tb" | "tmall" | text::TAOBAO | text::TMALL => Ok(Platform::Taobao),
            _ => Err(UnknownPlatform(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_chinese_names() {
        assert_eq!("pdd".parse::<Platform>().ok(), Some(Platform::Pdd));
        assert_eq!("京东".parse::<Platform>().ok(), Some(Platform::Jd));
        assert_eq!("Tmall".parse::<Platform>().ok(), Some(Platform::Taobao));
        assert!("vip".parse::<Platform>().is_err());
        for p in Platform::ALL {
            assert_eq!(p.code().parse::<Platform>().ok(), Some(p));
        }
    }
}
