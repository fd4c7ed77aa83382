//! Points exchange (积分兑换): the operator's rate, minimum and daily cap, applied exactly (no rounding: the
//! amount must be a whole number of exchange units).

use crate::config::CampaignSettings;
use crate::money::Fen;

/// The exchange rule: `points` 积分 buy `fen` 分, from `min_points`, at most `daily_cap` a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeRule {
    pub points: i64,
    pub fen: i64,
    pub min_points: i64,
    pub daily_cap: i64,
}

/// Why an exchange request is refused before anything is booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeRefusal {
    /// Exchange is switched off (a zero rate).
    Off,
    BelowMinimum {
        min: i64,
    },
    /// Not a whole number of units.
    NotAMultiple {
        unit: i64,
    },
    AboveDailyCap {
        cap: i64,
    },
}

impl ExchangeRule {
    pub fn from_settings(s: &CampaignSettings) -> ExchangeRule {
        ExchangeRule {
            points: s.exchange_points,
            fen: s.exchange_fen,
            min_points: s.exchange_min_points,
            daily_cap: s.exchange_daily_cap_points,
        }
    }

    /// What `points` buy, or why not.
    pub fn value(&self, points: i64) -> Result<Fen, ExchangeRefusal> {
        if self.points <= 0 || self.fen <= 0 {
            return Err(ExchangeRefusal::Off);
        }
        if points < self.min_points.max(1) {
            return Err(ExchangeRefusal::BelowMinimum { min: self.min_points.max(1) });
        }
        if points % self.points != 0 {
            return Err(ExchangeRefusal::NotAMultiple { unit: self.points });
        }
        if points > self.daily_cap {
            return Err(ExchangeRefusal::AboveDailyCap { cap: self.daily_cap });
        }
        points.checked_div(self.points).and_then(|u| u.checked_mul(self.fen)).map(Fen).ok_or(ExchangeRefusal::Off)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: ExchangeRule = ExchangeRule { points: 100, fen: 100, min_points: 500, daily_cap: 2000 };

    #[test]
    fn whole_units_between_the_minimum_and_the_cap_exchange_exactly() {
        assert_eq!(RULE.value(500), Ok(Fen(500)));
        assert_eq!(RULE.value(2000), Ok(Fen(2000)));
        let odd = ExchangeRule { points: 300, fen: 100, ..RULE };
        assert_eq!(odd.value(900), Ok(Fen(300)));
        assert_eq!(odd.value(1000), Err(ExchangeRefusal::NotAMultiple { unit: 300 }));
    }

    #[test]
    fn below_the_minimum_above_the_cap_and_a_zero_rate_are_refused() {
        assert_eq!(RULE.value(400), Err(ExchangeRefusal::BelowMinimum { min: 500 }));
        assert_eq!(RULE.value(550), Err(ExchangeRefusal::NotAMultiple { unit: 100 }));
        assert_eq!(RULE.value(2100), Err(ExchangeRefusal::AboveDailyCap { cap: 2000 }));
        assert_eq!(ExchangeRule { fen: 0, ..RULE }.value(500), Err(ExchangeRefusal::Off));
        assert_eq!(RULE.value(-500), Err(ExchangeRefusal::BelowMinimum { min: 500 }));
    }
}
