//! The feeds area's Chinese: the words of the unions' fuzzy numbers the feed reader parses.

/// `2.3万`: sales in units of ten thousand (PDD).
pub const TEN_THOUSAND: char = '万';
