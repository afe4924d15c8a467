//! Attendance rates, exact: a rate keeps its numerator (present) and denominator (recorded)
//! as integers, and its percent is computed by integer arithmetic to one decimal.
//!
//! Rounding: the percent in tenths is `(present × 1000 + recorded / 2) / recorded` in whole
//! numbers — half a tenth or more rounds up (half-up), less rounds down. So 2/3 = 66,666…% is
//! 66,7 %, 1/8 = 12,5 % exactly, 1/6 = 16,666…% is 16,7 %, 1/7 = 14,285…% is 14,3 %,
//! 1/16 = 6,25 % is 6,3 %, and 1/2000 = 0,05 % is 0,1 %. Nothing recorded has no rate ("—").

use serde::Serialize;

/// Present out of recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Rate {
    pub present: u64,
    pub recorded: u64,
}

impl Rate {
    pub fn new(present: u64, recorded: u64) -> Rate {
        Rate { present, recorded }
    }

    /// The percent in tenths (667 for 66,7 %), rounded half-up; `None` when nothing is recorded.
    pub fn tenths(self) -> Option<u64> {
        if self.recorded == 0 {
            return None;
        }
        let p = u128::from(self.present) * 1000 + u128::from(self.recorded) / 2;
        Some(u64::try_from(p / u128::from(self.recorded)).unwrap_or(u64::MAX))
    }

    /// The percent Indonesian style (`66,7 %`), or `—`.
    pub fn percent_id(self) -> String {
        match self.tenths() {
            Some(t) => format!("{},{} %", t / 10, t % 10),
            None => "—".into(),
        }
    }

    /// The percent with a decimal point (`66.7`), for JSON and English pages, or `None`.
    pub fn percent_text(self) -> Option<String> {
        self.tenths().map(|t| format!("{}.{}", t / 10, t % 10))
    }

    /// `2/3 (66,7 %)`.
    pub fn describe(self) -> String {
        format!("{}/{} ({})", self.present, self.recorded, self.percent_id())
    }

    pub fn plus(self, other: Rate) -> Rate {
        Rate { present: self.present + other.present, recorded: self.recorded + other.recorded }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_up_at_one_decimal() {
        let cases = [
            ((2, 3), "66,7 %"),
            ((1, 8), "12,5 %"),
            ((1, 6), "16,7 %"),
            ((1, 7), "14,3 %"),
            ((1, 16), "6,3 %"),
            ((1, 2000), "0,1 %"),
            ((1, 2001), "0,0 %"),
            ((0, 5), "0,0 %"),
            ((5, 5), "100,0 %"),
            ((1, 3), "33,3 %"),
            ((0, 0), "—"),
        ];
        for ((p, r), want) in cases {
            assert_eq!(Rate::new(p, r).percent_id(), want, "{p}/{r}");
        }
        assert_eq!(Rate::new(2, 3).percent_text().as_deref(), Some("66.7"));
        assert_eq!(Rate::new(2, 3).describe(), "2/3 (66,7 %)");
        assert_eq!(Rate::new(u64::MAX, u64::MAX).tenths(), Some(1000));
    }
}
