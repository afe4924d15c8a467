//! Verification: per period, whether each family and its members met their obligations, and
//! the rule that decides a family's compliance when the period closes.
//!
//! The obligations due in a period are those of the components each member **holds** on the
//! period's last day (counted or over the cap), plus the family's own (P2K2). A family is
//! compliant when every due obligation is recorded compliant; a due obligation with no record
//! counts as not met (the close page shows how many are missing before the officer confirms).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::components::{Member, benefit};
use super::rules::PkhRules;
use super::{Component, Period};
use crate::registry::Id;
use crate::registry::text::Checker;
use crate::vocabulary;

vocabulary! {
    /// Whether compliance can still be recorded in a period.
    PeriodStatus {
        Open => "open", "Terbuka", "Open";
        Closed => "closed", "Ditutup", "Closed";
    }
}

/// A verification period of a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PkhPeriod {
    pub id: Id,
    pub program_id: Id,
    pub period: Period,
    pub status: PeriodStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub closed_by: Option<Id>,
    pub version: i64,
}

/// One obligation due from a family in a period: the member who carries it (`None`: the
/// family as a whole), the obligation code, and the component it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    pub person_id: Option<Id>,
    pub obligation: String,
    pub component: Option<Component>,
}

/// The obligations due from a family whose members are `members` on the period's last day.
/// A member holding a component carries each of its obligations once.
pub fn obligations_due(members: &[Member], period: Period, rules: &PkhRules) -> Vec<Due> {
    let b = benefit(members, period.last_day(), rules);
    let mut due: Vec<Due> = Vec::new();
    for line in b.held() {
        for ob in rules.obligations_of(line.component) {
            let person_id = Some(line.person);
            if !due.iter().any(|d| d.person_id == person_id && d.obligation == ob.code) {
                due.push(Due { person_id, obligation: ob.code.clone(), component: Some(line.component) });
            }
        }
    }
    for ob in rules.family_obligations() {
        due.push(Due { person_id: None, obligation: ob.code.clone(), component: None });
    }
    due
}

/// A family's compliance in a period from what was recorded: `(compliant, missing)`, where
/// `missing` counts due obligations with no record (each counts as not met). Records for
/// obligations that are not due are ignored.
pub fn family_compliance(due: &[Due], recorded: &HashMap<(Option<Id>, String), bool>) -> (bool, u32) {
    let mut compliant = true;
    let mut missing = 0;
    for d in due {
        match recorded.get(&(d.person_id, d.obligation.clone())) {
            Some(true) => {}
            Some(false) => compliant = false,
            None => {
                compliant = false;
                missing += 1;
            }
        }
    }
    (compliant, missing)
}

/// One compliance record to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceEntry {
    pub family_id: Id,
    /// `None`: a family obligation.
    pub person_id: Option<Id>,
    pub obligation: String,
    pub compliant: bool,
    /// For attendance obligations: the share attended, in tenths of a percent (0–1000).
    pub attendance_tenths: Option<i64>,
    pub note: Option<String>,
}

impl ComplianceEntry {
    pub fn check(&self) -> Result<(), crate::registry::Invalid> {
        let mut c = Checker::new();
        let code_ok = !self.obligation.is_empty()
            && self.obligation.len() <= 40
            && self.obligation.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !code_ok {
            c.push("obligation", "must be an obligation code (lower-case letters, digits, _)");
        }
        if let Some(t) = self.attendance_tenths
            && !(0..=1000).contains(&t)
        {
            c.push("attendance_tenths", "must be between 0 and 1000");
        }
        if let Some(n) = &self.note
            && n.chars().count() > 500
        {
            c.push("note", "must be at most 500 characters");
        }
        c.finish()
    }
}

/// A stored compliance record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compliance {
    pub id: Id,
    pub period_id: Id,
    pub family_id: Id,
    pub person_id: Option<Id>,
    pub obligation: String,
    pub compliant: bool,
    pub attendance_tenths: Option<i64>,
    pub note: Option<String>,
    pub recorded_by: Option<Id>,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// What closing a period did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseReport {
    /// Families given a result for the period.
    pub families: u64,
    pub compliant: u64,
    /// Due obligations with no record (counted as not met).
    pub missing: u64,
    /// Families whose status changed, by the status they took.
    pub to_active: u64,
    pub to_warning: u64,
    pub to_suspended: u64,
    pub to_terminated: u64,
}

/// One month of a pupil's attendance from an education form (absent = alpa, permitted =
/// izin, sick = sakit, out of `effective_days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthAttendance {
    pub absent: u32,
    pub permitted: u32,
    pub sick: u32,
    pub effective_days: u32,
}

impl MonthAttendance {
    /// The share attended in tenths of a percent, rounded down: (effective − absent) /
    /// effective. Permitted and sick days count as attended (only alpa is a breach).
    pub fn tenths(self) -> i64 {
        if self.effective_days == 0 {
            return 1000;
        }
        let attended = i64::from(self.effective_days.saturating_sub(self.absent));
        attended * 1000 / i64::from(self.effective_days)
    }

    /// The rule a row must meet: counts within the month's effective days.
    pub fn check(self) -> Result<(), (&'static str, String)> {
        if !(1..=31).contains(&self.effective_days) {
            return Err(("effective_days", "must be between 1 and 31".into()));
        }
        if self.absent + self.permitted + self.sick > self.effective_days {
            return Err((
                "absent",
                format!(
                    "absent, permitted and sick days ({}) are more than the effective days ({})",
                    self.absent + self.permitted + self.sick,
                    self.effective_days
                ),
            ));
        }
        Ok(())
    }
}

/// Whether a pupil met the attendance rule over a period: every month at least `min_pct`.
/// Returns the lowest month's share in tenths, with the verdict.
pub fn attendance_compliant(months: &[MonthAttendance], min_pct: u32) -> (bool, i64) {
    let lowest = months.iter().map(|m| m.tenths()).min().unwrap_or(1000);
    (lowest >= i64::from(min_pct) * 10, lowest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pkh::SchoolLevel;
    use crate::registry::text::date;

    fn member(person: i64, birth: &str, school: SchoolLevel) -> Member {
        Member {
            person,
            order: person,
            birth_date: date(birth).unwrap(),
            pregnant: false,
            school,
            severe_disability: false,
        }
    }

    #[test]
    fn obligations_follow_the_components_held_on_the_last_day() {
        let rules = PkhRules::default_for(2025);
        let period = Period::parse("2025-3").unwrap();
        let members = [member(1, "2015-01-01", SchoolLevel::Sd), member(2, "1990-01-01", SchoolLevel::None)];
        let due = obligations_due(&members, period, &rules);
        let codes: Vec<_> = due.iter().map(|d| (d.person_id, d.obligation.as_str())).collect();
        assert_eq!(codes, [(Some(1), "school_attendance"), (None, "p2k2")]);
    }

    #[test]
    fn missing_records_count_as_not_met() {
        let due = vec![
            Due { person_id: Some(1), obligation: "school_attendance".into(), component: Some(Component::Sd) },
            Due { person_id: None, obligation: "p2k2".into(), component: None },
        ];
        let mut rec = HashMap::new();
        rec.insert((None, "p2k2".to_string()), true);
        assert_eq!(family_compliance(&due, &rec), (false, 1));
        rec.insert((Some(1), "school_attendance".to_string()), true);
        assert_eq!(family_compliance(&due, &rec), (true, 0));
        rec.insert((Some(1), "school_attendance".to_string()), false);
        assert_eq!(family_compliance(&due, &rec), (false, 0));
    }

    #[test]
    fn attendance_is_effective_days_less_alpa() {
        let m = MonthAttendance { absent: 3, permitted: 2, sick: 1, effective_days: 20 };
        assert_eq!(m.tenths(), 850);
        assert!(attendance_compliant(&[m], 85).0);
        let worse = MonthAttendance { absent: 4, ..m };
        assert_eq!(attendance_compliant(&[m, worse], 85), (false, 800));
        assert!(MonthAttendance { absent: 20, permitted: 1, sick: 0, effective_days: 20 }.check().is_err());
        assert!(MonthAttendance { effective_days: 0, ..m }.check().is_err());
    }
}
