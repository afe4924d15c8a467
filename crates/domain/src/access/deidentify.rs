//! De-identification for evaluators: stable pseudonyms instead of NIK and names, ages in
//! bands instead of birth dates.
//!
//! A pseudonym is a keyed hash (HMAC-SHA256) of the record's kind and id with a secret kept
//! by the installation: stable across exports, so an evaluator can join two exports, but not
//! reversible without the key, and not guessable from a NIK.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::Date;

/// Makes pseudonyms with one installation's key.
#[derive(Clone)]
pub struct Pseudonymizer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer(…)")
    }
}

impl Pseudonymizer {
    pub fn new(key: &[u8]) -> Pseudonymizer {
        Pseudonymizer { key: key.to_vec() }
    }

    /// `P-1A2B3C4D5E` for a person, `H-…` for a household: 10 hex digits of the HMAC.
    pub fn pseudonym(&self, kind: char, id: i64) -> String {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => return format!("{kind}-?"),
        };
        mac.update(&[kind as u8]);
        mac.update(&id.to_be_bytes());
        let out = mac.finalize().into_bytes();
        let hex: String = out[..5].iter().map(|b| format!("{b:02X}")).collect();
        format!("{kind}-{hex}")
    }
}

crate::vocabulary! {
    /// Age in bands of five years up to 65, then one band, as in BPS tables.
    AgeBand {
        Under5 => "0-4", "0-4 tahun", "0-4 years";
        From5 => "5-9", "5-9 tahun", "5-9 years";
        From10 => "10-14", "10-14 tahun", "10-14 years";
        From15 => "15-19", "15-19 tahun", "15-19 years";
        From20 => "20-24", "20-24 tahun", "20-24 years";
        From25 => "25-29", "25-29 tahun", "25-29 years";
        From30 => "30-34", "30-34 tahun", "30-34 years";
        From35 => "35-39", "35-39 tahun", "35-39 years";
        From40 => "40-44", "40-44 tahun", "40-44 years";
        From45 => "45-49", "45-49 tahun", "45-49 years";
        From50 => "50-54", "50-54 tahun", "50-54 years";
        From55 => "55-59", "55-59 tahun", "55-59 years";
        From60 => "60-64", "60-64 tahun", "60-64 years";
        From65 => "65+", "65 tahun ke atas", "65 years and over";
    }
}

impl AgeBand {
    /// The band of someone born on `birth` on the day `today`.
    pub fn of(birth: Date, today: Date) -> AgeBand {
        let mut age = today.year() - birth.year();
        if (today.month() as u8, today.day()) < (birth.month() as u8, birth.day()) {
            age -= 1;
        }
        let i = (age.max(0) / 5) as usize;
        AgeBand::ALL[i.min(AgeBand::ALL.len() - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn pseudonyms_are_stable_keyed_and_distinct() {
        let p = Pseudonymizer::new(b"installation key one");
        let q = Pseudonymizer::new(b"installation key two");
        assert_eq!(p.pseudonym('P', 42), p.pseudonym('P', 42));
        assert_ne!(p.pseudonym('P', 42), p.pseudonym('P', 43));
        assert_ne!(p.pseudonym('P', 42), p.pseudonym('H', 42));
        assert_ne!(p.pseudonym('P', 42), q.pseudonym('P', 42));
        assert!(p.pseudonym('P', 42).starts_with("P-"));
        assert_eq!(p.pseudonym('P', 42).len(), 12);
    }

    #[test]
    fn ages_fall_in_bands_on_birthdays() {
        let today = date!(2026 - 11 - 24);
        assert_eq!(AgeBand::of(date!(2021 - 11 - 24), today), AgeBand::From5);
        assert_eq!(AgeBand::of(date!(2021 - 11 - 25), today), AgeBand::Under5);
        assert_eq!(AgeBand::of(date!(1950 - 01 - 01), today), AgeBand::From65);
        assert_eq!(AgeBand::of(date!(1990 - 06 - 01), today).code(), "35-39");
    }
}
