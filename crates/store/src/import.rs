//! The contract of a registry import: rows in, a report out, all-or-nothing by default.
//!
//! A file reader (in `berdaya-files`) turns each line into a [`RegistryRecord`] or a
//! [`RowError`]; the store checks what only it can (duplicates against the database,
//! unknown regions, rows sharing a KK that disagree) and writes in one transaction.

use std::collections::HashMap;

use berdaya_domain::registry::{NewHousehold, NewPerson, NikMismatch};
use serde::Serialize;

/// One line of a registry file: a person and the household they belong to.
#[derive(Debug, Clone)]
pub struct RegistryRecord {
    /// Line number in the file as a spreadsheet shows it (the header is row 1).
    pub row: u64,
    pub household: NewHousehold,
    pub person: NewPerson,
    /// The line as read, so a rejected row can be written back out unchanged.
    pub raw: Vec<String>,
}

impl RegistryRecord {
    /// This row broke `rule` in `column`.
    pub fn error(&self, column: &str, rule: &str) -> RowError {
        RowError { row: self.row, column: column.into(), rule: rule.into(), raw: self.raw.clone() }
    }
}

/// Why a row was rejected: which row, which column, which rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: u64,
    pub column: String,
    pub rule: String,
    #[serde(skip)]
    pub raw: Vec<String>,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, column `{}`: {}", self.row, self.column, self.rule)
    }
}

/// A NIK that disagrees with its row; imported, but reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowWarning {
    pub row: u64,
    pub mismatch: NikMismatch,
}

/// Where rows come from. A source may fail for the whole file (unreadable, wrong columns);
/// that aborts the import with the error.
pub trait RowSource: Send {
    /// The next row, `None` at the end of the file.
    fn next_row(&mut self) -> Option<Result<RegistryRecord, Vec<RowError>>>;
    /// Called after each row, for progress bars.
    fn rows_read(&self) -> u64;
}

impl<I> RowSource for (I, u64)
where
    I: Iterator<Item = Result<RegistryRecord, Vec<RowError>>> + Send,
{
    fn next_row(&mut self) -> Option<Result<RegistryRecord, Vec<RowError>>> {
        let r = self.0.next();
        if r.is_some() {
            self.1 += 1;
        }
        r
    }

    fn rows_read(&self) -> u64 {
        self.1
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Import the valid rows and report the others, instead of importing nothing.
    pub skip_invalid: bool,
    /// Check everything, write nothing.
    pub dry_run: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub rows: u64,
    pub households_created: u64,
    pub people_created: u64,
    /// The errors of the first rejected rows, every reason of each, until [`MAX_ERRORS`]
    /// errors are kept; `errors_total` counts them all.
    pub errors: Vec<RowError>,
    pub errors_total: u64,
    /// Number of distinct rows rejected.
    pub rejected_rows: u64,
    /// NIK mismatches, up to [`MAX_WARNINGS`]; `warnings_total` counts them all.
    pub warnings: Vec<RowWarning>,
    pub warnings_total: u64,
    /// Whether anything was written.
    pub committed: bool,
}

/// Warnings kept in a report; the rest are counted.
pub const MAX_WARNINGS: usize = 1000;

/// Errors kept in a report (whole rows: a row's errors are kept together); the rest are
/// counted, so a file of millions of bad rows costs no more memory than one of a thousand.
pub const MAX_ERRORS: usize = 1000;

impl ImportReport {
    pub fn warn(&mut self, row: u64, mismatches: Vec<NikMismatch>) {
        for mismatch in mismatches {
            self.warnings_total += 1;
            if self.warnings.len() < MAX_WARNINGS {
                self.warnings.push(RowWarning { row, mismatch });
            }
        }
    }

    pub fn reject(&mut self, mut errors: Vec<RowError>) {
        if !errors.is_empty() {
            self.rejected_rows += 1;
            self.errors_total += errors.len() as u64;
            if self.errors.len() < MAX_ERRORS {
                self.errors.append(&mut errors);
            }
        }
    }

    /// Whether every error is in [`errors`](Self::errors).
    pub fn all_errors_kept(&self) -> bool {
        self.errors.len() as u64 == self.errors_total
    }
}

/// Checks that need the whole file but not the database: a NIK twice in the file, and rows
/// sharing a KK that disagree on the household. Backends run every record through it.
#[derive(Debug, Default)]
pub struct InFileChecks {
    niks: HashMap<u64, u64, NumberHash>,
    households: HashMap<u64, (u64, NewHousehold), NumberHash>,
}

/// Hashes the NIK and KK numbers the checks key on with a seeded mix of the number
/// (SplitMix64's finaliser) instead of SipHash, which costs more than a national import
/// can spare. The random seed keeps a file from choosing numbers that collide.
#[derive(Debug, Clone, Copy)]
struct NumberHash {
    seed: u64,
}

impl Default for NumberHash {
    fn default() -> Self {
        NumberHash { seed: std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), 0u64) }
    }
}

impl std::hash::BuildHasher for NumberHash {
    type Hasher = NumberHasher;

    fn build_hasher(&self) -> NumberHasher {
        NumberHasher(self.seed)
    }
}

#[derive(Debug)]
struct NumberHasher(u64);

impl std::hash::Hasher for NumberHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u64(&mut self, n: u64) {
        let mut z = (self.0 ^ n).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        self.0 = z ^ (z >> 31);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What the in-file check says of a record's household.
#[derive(Debug, PartialEq, Eq)]
pub enum HouseholdSeen {
    /// First row with this KK: the household must be created.
    New,
    /// An earlier row (this one) introduced the same household.
    Earlier(u64),
}

impl InFileChecks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks one record; on success, remembers it.
    pub fn check(&mut self, rec: &RegistryRecord) -> Result<HouseholdSeen, Vec<RowError>> {
        let mut errors = Vec::new();
        let nik = rec.person.nik.as_u64();
        if let Some(first) = self.niks.get(&nik) {
            errors.push(RowError {
                row: rec.row,
                column: "nik".into(),
                rule: format!("duplicate NIK: the same NIK is on row {first}"),
                raw: rec.raw.clone(),
            });
        }
        let kk = rec.household.kk.as_u64();
        let seen = match self.households.get(&kk) {
            Some((first, h)) if *h != rec.household => {
                let column = if h.region != rec.household.region {
                    "region"
                } else if h.address != rec.household.address {
                    "address"
                } else if h.welfare_stage != rec.household.welfare_stage {
                    "welfare_stage"
                } else {
                    "dtks_listed"
                };
                errors.push(RowError {
                    row: rec.row,
                    column: column.into(),
                    rule: format!("KK is also on row {first} with a different {column}; rows of one KK must agree"),
                    raw: rec.raw.clone(),
                });
                HouseholdSeen::Earlier(*first)
            }
            Some((first, _)) => HouseholdSeen::Earlier(*first),
            None => HouseholdSeen::New,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        self.niks.insert(nik, rec.row);
        if seen == HouseholdSeen::New {
            self.households.insert(kk, (rec.row, rec.household.clone()));
        }
        Ok(seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_keeps_the_first_errors_and_counts_the_rest() {
        let mut report = ImportReport::default();
        for row in 2..2_000_002u64 {
            let e = |column: &str| RowError { row, column: column.into(), rule: "bad".into(), raw: vec!["x".into()] };
            report.reject(vec![e("nik"), e("kk")]);
        }
        assert_eq!(report.rejected_rows, 2_000_000);
        assert_eq!(report.errors_total, 4_000_000);
        assert_eq!(report.errors.len(), MAX_ERRORS);
        assert!(!report.all_errors_kept());
        // A row's errors stay together.
        assert_eq!(report.errors.last().map(|e| (e.row, e.column.as_str())), Some((501, "kk")));
    }
}
