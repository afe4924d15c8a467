//! The conditional cash transfer PKH (Program Keluarga Harapan): the program's rules as data,
//! the benefit a family's members bring ([`components`]), the sanction ladder that follows a
//! family's compliance period after period ([`ladder`]), and the vocabularies the rest of the
//! capability shares (verification periods, obligations, statuses).
//!
//! Money is whole rupiah in `i64` throughout; nothing here rounds except the split of a yearly
//! amount into stages, which gives any remainder to the last stage.

pub mod components;
pub mod family;
pub mod grievance;
pub mod ladder;
pub mod p2k2;
pub mod payment;
pub mod rules;
pub mod school;
pub mod targeting;
pub mod verify;

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::vocabulary;

vocabulary! {
    /// A benefit component: what one member of a family is paid for. The codes are stable
    /// (files, API, rules documents); the amounts are in the year's [`rules::PkhRules`].
    Component {
        IbuHamil => "ibu_hamil", "Ibu hamil/nifas", "Pregnant or post-partum";
        AnakUsiaDini => "anak_usia_dini", "Anak usia dini", "Early childhood";
        Sd => "sd", "Anak SD/MI", "Primary-school child";
        Smp => "smp", "Anak SMP/MTs", "Junior-secondary child";
        Sma => "sma", "Anak SMA/MA", "Senior-secondary child";
        DisabilitasBerat => "disabilitas_berat", "Penyandang disabilitas berat", "Severe disability";
        Lansia => "lansia", "Lanjut usia", "Elderly";
    }
}

vocabulary! {
    /// The school level a member is enrolled at (`none` when not in school).
    SchoolLevel {
        None => "none", "Tidak sekolah", "Not in school";
        Sd => "sd", "SD/MI", "Primary";
        Smp => "smp", "SMP/MTs", "Junior secondary";
        Sma => "sma", "SMA/MA", "Senior secondary";
    }
}

vocabulary! {
    /// A family's place on the sanction ladder.
    FamilyStatus {
        Active => "active", "Aktif", "Active";
        Warning => "warning", "Peringatan", "Warning";
        Suspended => "suspended", "Ditangguhkan", "Suspended";
        Terminated => "terminated", "Dihentikan", "Terminated";
    }
}

impl FamilyStatus {
    /// Whether a family in this status is paid for the stage the status applies to.
    pub fn is_paid(self) -> bool {
        matches!(self, FamilyStatus::Active | FamilyStatus::Warning)
    }
}

vocabulary! {
    /// A member fact the components are computed from, recorded with the dates it holds.
    FactKind {
        Pregnant => "pregnant", "Hamil/nifas", "Pregnant or post-partum";
        School => "school", "Bersekolah", "In school";
        Disability => "disability", "Disabilitas berat", "Severe disability";
    }
}

/// A verification period: one quarter of a year, written `YYYY-Q` (`2024-3`). The ladder runs
/// per period; the stage with the same number is paid on the status it leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    pub year: i32,
    /// 1 to 4.
    pub quarter: u8,
}

impl Period {
    pub fn new(year: i32, quarter: u8) -> Result<Self, String> {
        if !(1..=4).contains(&quarter) {
            return Err(format!("quarter {quarter} is not 1 to 4"));
        }
        if !(2000..=2100).contains(&year) {
            return Err(format!("year {year} is not between 2000 and 2100"));
        }
        Ok(Period { year, quarter })
    }

    /// Parses `YYYY-Q`; `YYYY-QN` (`2024-Q3`) is read the same.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("is required".into());
        }
        let bad = || format!("`{}` is not a period written YYYY-Q (e.g. 2024-3)", crate::registry::text::shorten(s));
        let (y, q) = s.split_once('-').ok_or_else(bad)?;
        let q = q.strip_prefix(['Q', 'q']).unwrap_or(q);
        if y.len() != 4 || q.len() != 1 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let quarter: u8 = q.parse().map_err(|_| bad())?;
        Period::new(year, quarter).map_err(|e| format!("`{}`: {e}", crate::registry::text::shorten(s)))
    }

    /// The period holding a day.
    pub fn of(day: Date) -> Self {
        Period { year: day.year(), quarter: (u8::from(day.month()) - 1) / 3 + 1 }
    }

    pub fn first_day(self) -> Date {
        let month = Month::try_from(self.quarter * 3 - 2).expect("quarter is 1 to 4");
        Date::from_calendar_date(self.year, month, 1).expect("first of a month")
    }

    pub fn last_day(self) -> Date {
        let month = Month::try_from(self.quarter * 3).expect("quarter is 1 to 4");
        let first = Date::from_calendar_date(self.year, month, 1).expect("first of a month");
        Date::from_calendar_date(self.year, month, first.month().length(self.year)).expect("last of a month")
    }

    pub fn next(self) -> Self {
        if self.quarter == 4 {
            Period { year: self.year + 1, quarter: 1 }
        } else {
            Period { quarter: self.quarter + 1, ..self }
        }
    }

    pub fn previous(self) -> Self {
        if self.quarter == 1 {
            Period { year: self.year - 1, quarter: 4 }
        } else {
            Period { quarter: self.quarter - 1, ..self }
        }
    }

    /// `Triwulan III 2024` / `Quarter 3, 2024`.
    pub fn label(self, lang: &str) -> String {
        if lang == "en" {
            format!("Quarter {}, {}", self.quarter, self.year)
        } else {
            format!("Triwulan {} {}", ["I", "II", "III", "IV"][usize::from(self.quarter - 1)], self.year)
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.year, self.quarter)
    }
}

impl TryFrom<String> for Period {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Period::parse(&s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

/// Whole years from `birth` to `on` (negative when `on` is before the birth).
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (u8::from(on.month()), on.day()) < (u8::from(birth.month()), birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::text::date;

    #[test]
    fn periods_parse_order_and_bound() {
        let p = Period::parse("2024-3").unwrap();
        assert_eq!(p, Period::parse("2024-Q3").unwrap());
        assert_eq!(p.to_string(), "2024-3");
        assert_eq!(p.first_day(), date("2024-07-01").unwrap());
        assert_eq!(p.last_day(), date("2024-09-30").unwrap());
        assert_eq!(Period::parse("2024-4").unwrap().next(), Period::parse("2025-1").unwrap());
        assert_eq!(Period::parse("2025-1").unwrap().previous().to_string(), "2024-4");
        assert_eq!(Period::of(date("2024-02-29").unwrap()).to_string(), "2024-1");
        assert!(Period::parse("2024-5").unwrap_err().contains("not 1 to 4"));
        assert!(Period::parse("2024/3").unwrap_err().contains("YYYY-Q"));
        assert!(Period::parse("24-3").is_err());
        assert!(Period::parse("").unwrap_err().contains("required"));
        assert!(Period::parse("2024-1") < Period::parse("2024-2"));
        assert_eq!(Period::parse("2024-2").unwrap().label("id"), "Triwulan II 2024");
    }

    #[test]
    fn ages_count_whole_years() {
        let birth = date("2018-03-15").unwrap();
        assert_eq!(age_on(birth, date("2025-03-14").unwrap()), 6);
        assert_eq!(age_on(birth, date("2025-03-15").unwrap()), 7);
    }
}
