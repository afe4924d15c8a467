//! NIK, the 16-digit national identity number: `PPKKCC DDMMYY SSSS`.
//!
//! The first six digits are the district of registration, the next six the birth date with
//! 40 added to the day for women, the last four a serial. A NIK is personal data: its
//! `Display` and `Debug` print it masked; the full number comes only from [`Nik::reveal`].

use std::fmt;

use serde::Serialize;
use time::{Date, Month};

use super::person::Sex;
use super::region::RegionCode;

/// A NIK whose form is valid. Whether it matches the person is a separate check,
/// [`Nik::check`], because registries hold mismatches that must be reported, not refused.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nik(u64);

/// How a valid-looking NIK disagrees with what is recorded about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NikMismatch {
    /// The day field says one sex, the record another.
    Sex { nik_says: Sex, recorded: Sex },
    /// The birth date in the NIK is not the recorded one.
    BirthDate { nik_says: String, recorded: String },
    /// The NIK's district prefix is not the district of the household's region.
    Region { nik_district: String, recorded_district: String },
}

impl fmt::Display for NikMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NikMismatch::Sex { nik_says, recorded } => {
                write!(f, "NIK says sex {}, record says {}", nik_says.code(), recorded.code())
            }
            NikMismatch::BirthDate { nik_says, recorded } => {
                write!(f, "NIK says born {nik_says} (DD-MM-YY), record says {recorded}")
            }
            NikMismatch::Region { nik_district, recorded_district } => {
                write!(f, "NIK district {nik_district} differs from the region's district {recorded_district}")
            }
        }
    }
}

impl Nik {
    /// Parses 16 digits (spaces and dots allowed as separators) and checks the form:
    /// a province code, a real day and month (day + 40 for women), and a non-zero serial.
    pub fn parse(raw: &str) -> Result<Nik, String> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
        if digits.is_empty() {
            return Err("is required".into());
        }
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("must be exactly 16 digits (got {} characters)", digits.chars().count()));
        }
        let b = digits.as_bytes();
        let two = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
        let province = two(0);
        if !(11..=99).contains(&province) {
            return Err(format!("starts with province code {province:02}, which does not exist"));
        }
        if two(2) == 0 || two(4) == 0 {
            return Err("regency and district digits (3–6) cannot be 00".into());
        }
        let day_field = two(6);
        let month = two(8);
        let day = if day_field > 40 { day_field - 40 } else { day_field };
        if !(1..=12).contains(&month) {
            return Err(format!("digits 9–10 give month {month:02}, which does not exist"));
        }
        if !(1..=31).contains(&day) {
            return Err(format!("digits 7–8 give day {day_field:02}: a day must be 01–31, or 41–71 for women"));
        }
        // Some century must make the date real (29 February needs a leap year).
        let yy = two(10) as i32;
        let month_t = Month::try_from(month as u8).map_err(|_| "bad month".to_string())?;
        let real = [1900 + yy, 2000 + yy].iter().any(|&y| Date::from_calendar_date(y, month_t, day as u8).is_ok());
        if !real {
            return Err(format!("digits 7–12 give {day:02}-{month:02}-{yy:02}, which is not a date"));
        }
        if &digits[12..] == "0000" {
            return Err("the serial (last 4 digits) cannot be 0000".into());
        }
        digits.parse::<u64>().map(Nik).map_err(|_| "must be exactly 16 digits".into())
    }

    /// Builds a NIK from its parts; the day is the real day (40 is added for women here).
    pub fn compose(district_digits: &str, birth: Date, sex: Sex, serial: u16) -> Result<Nik, String> {
        let day = birth.day() as u32 + if sex == Sex::Female { 40 } else { 0 };
        let s = format!(
            "{district_digits}{day:02}{:02}{:02}{serial:04}",
            u8::from(birth.month()),
            birth.year().rem_euclid(100)
        );
        Nik::parse(&s)
    }

    /// The full 16 digits. Call only where the viewer may see them.
    pub fn reveal(&self) -> String {
        format!("{:016}", self.0)
    }

    /// The number as an integer, for compact storage and indexes.
    pub fn as_u64(&self) -> u64 {
        self.0
    }

    /// Rebuilds a NIK read back from storage (it was valid when stored).
    pub fn from_stored(value: i64) -> Result<Nik, String> {
        Nik::parse(&format!("{value:016}"))
    }

    /// `3316••••••••0012`: the province and regency, and the serial.
    pub fn masked(&self) -> String {
        let s = self.reveal();
        format!("{}••••••••{}", &s[..4], &s[12..])
    }

    /// The six-digit district of registration.
    pub fn district_digits(&self) -> String {
        self.reveal()[..6].to_string()
    }

    pub fn sex(&self) -> Sex {
        if self.day_field() > 40 { Sex::Female } else { Sex::Male }
    }

    fn day_field(&self) -> u32 {
        ((self.0 / 10u64.pow(8)) % 100) as u32
    }

    /// The birth date digits as `DD-MM-YY` (the real day, without the 40).
    pub fn birth_ddmmyy(&self) -> String {
        let s = self.reveal();
        let day = if self.day_field() > 40 { self.day_field() - 40 } else { self.day_field() };
        format!("{day:02}-{}-{}", &s[8..10], &s[10..12])
    }

    /// Every way this NIK disagrees with the recorded sex, birth date and region.
    /// The region check applies when the region is at district level or below.
    pub fn check(&self, birth_date: Date, sex: Sex, region: Option<&RegionCode>) -> Vec<NikMismatch> {
        // Compared as numbers; the texts of the report are made only for a mismatch (an
        // import checks a million of these).
        let mut out = Vec::new();
        if self.sex() != sex {
            out.push(NikMismatch::Sex { nik_says: self.sex(), recorded: sex });
        }
        let day = match self.day_field() {
            d if d > 40 => d - 40,
            d => d,
        };
        let (month, yy) = (((self.0 / 10u64.pow(6)) % 100) as u8, ((self.0 / 10u64.pow(4)) % 100) as i32);
        if (day, month, yy)
            != (u32::from(birth_date.day()), u8::from(birth_date.month()), birth_date.year().rem_euclid(100))
        {
            let recorded = format!(
                "{:02}-{:02}-{:02}",
                birth_date.day(),
                u8::from(birth_date.month()),
                birth_date.year().rem_euclid(100)
            );
            out.push(NikMismatch::BirthDate { nik_says: self.birth_ddmmyy(), recorded });
        }
        if let Some(district) = region.and_then(RegionCode::district_number)
            && district != self.0 / 10u64.pow(10)
        {
            out.push(NikMismatch::Region {
                nik_district: self.district_digits(),
                recorded_district: format!("{district:06}"),
            });
        }
        out
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn parses_and_reads_parts() {
        // A woman born 12 March 1985, registered in district 33.16.09.
        let nik = Nik::parse("3316095203850012").unwrap();
        assert_eq!(nik.sex(), Sex::Female);
        assert_eq!(nik.birth_ddmmyy(), "12-03-85");
        assert_eq!(nik.masked(), "3316••••••••0012");
        assert_eq!(format!("{nik:?}"), "Nik(3316••••••••0012)");
        assert_eq!(nik.district_digits(), "331609");
        assert!(
            nik.check(date!(1985 - 03 - 12), Sex::Female, Some(&RegionCode::parse("33.16.09.2001").unwrap()))
                .is_empty()
        );
    }

    #[test]
    fn rejects_bad_forms() {
        assert!(Nik::parse("331609520385001").unwrap_err().contains("16 digits"));
        assert!(Nik::parse("33160952038500a2").is_err());
        assert!(Nik::parse("0016095203850012").unwrap_err().contains("province"));
        assert!(Nik::parse("3316093203850012").unwrap_err().contains("day"));
        assert!(Nik::parse("3316097203850012").unwrap_err().contains("day"));
        assert!(Nik::parse("3316091213850012").unwrap_err().contains("month"));
        assert!(Nik::parse("3316093002850012").unwrap_err().contains("not a date"));
        assert!(Nik::parse("3316091203850000").unwrap_err().contains("serial"));
        // 29 February exists in 2000 and 1900+yy leap years.
        assert!(Nik::parse("3316092902000012").is_ok());
    }

    #[test]
    fn reports_mismatches() {
        let nik = Nik::parse("3316091203850012").unwrap();
        let m = nik.check(date!(1985 - 03 - 13), Sex::Female, Some(&RegionCode::parse("62.71.04").unwrap()));
        assert_eq!(m.len(), 3, "{m:?}");
    }

    #[test]
    fn compose_round_trips() {
        let nik = Nik::compose("627104", date!(1970 - 07 - 05), Sex::Female, 7).unwrap();
        assert_eq!(nik.reveal(), "6271044507700007");
        assert_eq!(Nik::from_stored(nik.as_u64() as i64).unwrap(), nik);
    }
}
