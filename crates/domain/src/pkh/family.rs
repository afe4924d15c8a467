//! A PKH family (KPM): the enrollment of a DTKS household in a PKH program, the dated facts
//! recorded about its members (pregnancy, school, severe disability) and the history of its
//! status on the sanction ladder.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::components::Fact;
use super::{FactKind, FamilyStatus, Period, SchoolLevel};
use crate::registry::Id;
use crate::registry::text::Checker;
use crate::vocabulary;

/// An enrollment to make: a household, its welfare decile if known, its facilitator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFamily {
    pub household_id: Id,
    /// 1 (poorest) to 10.
    pub decile: Option<u8>,
    pub facilitator_id: Option<Id>,
    pub enrolled_on: Date,
}

impl NewFamily {
    pub fn check(&self) -> Result<(), crate::registry::Invalid> {
        let mut c = Checker::new();
        if let Some(d) = self.decile
            && !(1..=10).contains(&d)
        {
            c.push("decile", "must be between 1 and 10");
        }
        c.finish()
    }
}

/// An enrolled family as listed and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Family {
    pub id: Id,
    pub program_id: Id,
    pub household_id: Id,
    pub enrollment_id: Id,
    pub decile: Option<u8>,
    pub facilitator_id: Option<Id>,
    pub facilitator_name: Option<String>,
    pub status: FamilyStatus,
    /// Non-compliant periods in a row.
    pub consecutive: u32,
    pub enrolled_on: Date,
    pub version: i64,
    /// The household's head (name), address and village code.
    pub head_name: Option<String>,
    pub address: String,
    pub region: String,
    pub region_name: Option<String>,
    /// The household's family card number (KK) (the web layer masks it).
    pub kk: i64,
}

/// A fact to record about a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFact {
    pub person_id: Id,
    pub kind: FactKind,
    /// For `school`: the level (not `none`).
    pub level: Option<SchoolLevel>,
    pub school_name: Option<String>,
    pub starts_on: Date,
    /// For `pregnant`: the expected delivery date.
    pub expected_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub note: Option<String>,
}

impl NewFact {
    /// The rules of a fact: a school fact has a level and a pregnancy an expected date no
    /// earlier than its start; no other kind carries either; an end is not before the start.
    pub fn check(&self) -> Result<(), crate::registry::Invalid> {
        let mut c = Checker::new();
        match self.kind {
            FactKind::School => match self.level {
                None | Some(SchoolLevel::None) => c.push("level", "is required for a school fact (SD, SMP or SMA)"),
                Some(_) => {}
            },
            _ => {
                if self.level.is_some() {
                    c.push("level", "only a school fact has a level");
                }
                if self.school_name.is_some() {
                    c.push("school_name", "only a school fact names a school");
                }
            }
        }
        match (self.kind, self.expected_on) {
            (FactKind::Pregnant, None) => c.push("expected_on", "is required for a pregnancy"),
            (FactKind::Pregnant, Some(e)) if e < self.starts_on => {
                c.push("expected_on", "must not be before the start date")
            }
            (FactKind::Pregnant, Some(e)) if (e - self.starts_on).whole_days() > 300 => {
                c.push("expected_on", "must be at most 300 days after the start date")
            }
            (FactKind::Pregnant, _) | (_, None) => {}
            (_, Some(_)) => c.push("expected_on", "only a pregnancy has an expected delivery date"),
        }
        if let Some(end) = self.ends_on
            && end < self.starts_on
        {
            c.push("ends_on", "must not be before the start date");
        }
        if let Some(s) = &self.school_name
            && s.chars().count() > 200
        {
            c.push("school_name", "must be at most 200 characters");
        }
        if let Some(s) = &self.note
            && s.chars().count() > 1000
        {
            c.push("note", "must be at most 1000 characters");
        }
        c.finish()
    }
}

/// A recorded fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFact {
    pub id: Id,
    pub family_id: Id,
    pub person_id: Id,
    pub person_name: String,
    pub kind: FactKind,
    pub level: Option<SchoolLevel>,
    pub school_name: Option<String>,
    pub starts_on: Date,
    pub expected_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub note: Option<String>,
    pub version: i64,
}

impl StoredFact {
    /// The fact as the components read it.
    pub fn fact(&self) -> Fact {
        Fact {
            kind: self.kind,
            level: self.level,
            starts_on: self.starts_on,
            expected_on: self.expected_on,
            ends_on: self.ends_on,
        }
    }
}

vocabulary! {
    /// Why a family's status changed.
    EventKind {
        Enrolled => "enrolled", "Didaftarkan", "Enrolled";
        Ladder => "ladder", "Hasil verifikasi", "Verification result";
        Reinstated => "reinstated", "Dipulihkan", "Reinstated";
        Decision => "decision", "Keputusan", "Decision";
    }
}

/// A change of a family's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub id: Id,
    pub family_id: Id,
    pub period_id: Option<Id>,
    pub period: Option<Period>,
    pub kind: EventKind,
    pub status: FamilyStatus,
    pub reason: Option<String>,
    pub decided_by: Option<Id>,
    pub decided_by_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub decided_at: OffsetDateTime,
}

/// The frozen result of one closed period for a family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyPeriod {
    pub period_id: Id,
    pub period: Period,
    pub compliant: bool,
    pub appeal_upheld: bool,
    pub status: FamilyStatus,
    pub consecutive: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::text::date;

    fn fact(kind: FactKind) -> NewFact {
        NewFact {
            person_id: 1,
            kind,
            level: None,
            school_name: None,
            starts_on: date("2025-01-01").unwrap(),
            expected_on: None,
            ends_on: None,
            note: None,
        }
    }

    #[test]
    fn facts_carry_what_their_kind_needs() {
        let err = fact(FactKind::School).check().unwrap_err();
        assert_eq!(err.0[0].field, "level");
        let school = NewFact { level: Some(SchoolLevel::Smp), ..fact(FactKind::School) };
        assert!(school.check().is_ok());
        let err = fact(FactKind::Pregnant).check().unwrap_err();
        assert_eq!(err.0[0].field, "expected_on");
        let early = NewFact { expected_on: Some(date("2024-12-01").unwrap()), ..fact(FactKind::Pregnant) };
        assert!(early.check().unwrap_err().to_string().contains("before the start"));
        let bad = NewFact { level: Some(SchoolLevel::Sd), ..fact(FactKind::Disability) };
        assert_eq!(bad.check().unwrap_err().0[0].field, "level");
        let ends = NewFact { ends_on: Some(date("2024-01-01").unwrap()), ..fact(FactKind::Disability) };
        assert_eq!(ends.check().unwrap_err().0[0].field, "ends_on");
    }

    #[test]
    fn deciles_are_one_to_ten() {
        let f = NewFamily {
            household_id: 1,
            decile: Some(11),
            facilitator_id: None,
            enrolled_on: date("2025-01-01").unwrap(),
        };
        assert_eq!(f.check().unwrap_err().0[0].field, "decile");
        assert!(NewFamily { decile: Some(1), ..f }.check().is_ok());
    }
}
