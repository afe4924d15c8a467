//! PKH's rules for one year, as data: component amounts, the cap on counted components, age
//! limits, obligations, the verification period, the sanction ladder, the disbursement stages,
//! the targeting ranges and the facilitators' caseload warning.
//!
//! [`PkhRules::default_for`] is the shipped default (amounts 2020–2025, PROGRAM-RULES.md), to be
//! checked by the agency against the year's guidelines. An agency stores its own document per
//! program and year (JSON, the serde form of [`PkhRules`]); [`PkhRules::check`] validates one.

use serde::{Deserialize, Serialize};

use super::Component;
use crate::registry::text::Checker;
use crate::registry::{Invalid, WelfareStage};

/// The yearly amount of one component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentRule {
    pub component: Component,
    /// Whole rupiah per year.
    pub annual: i64,
}

/// An obligation a family or one of its members must meet in each verification period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligationRule {
    /// Stable code (`anc`, `immunisation`, `school_attendance`, `p2k2`, ...).
    pub code: String,
    /// The components whose holder carries it; empty: the family as a whole.
    pub components: Vec<Component>,
    pub label_id: String,
    pub label_en: String,
    /// For attendance obligations: the least share of effective days attended, in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_attendance_pct: Option<u32>,
}

/// A disbursement stage (tahap): its number and the months it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRule {
    /// 1-based; stage `n` is paid on the status the ladder leaves after period `n`.
    pub stage: u8,
    pub first_month: u8,
    pub last_month: u8,
}

/// The sanction ladder: how many consecutive non-compliant periods lead to each sanction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderRule {
    pub warning_after: u32,
    pub suspended_after: u32,
    pub terminated_after: u32,
}

/// A year's PKH rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PkhRules {
    pub year: i32,
    /// Components in priority order: on equal amounts, the earlier one wins.
    pub components: Vec<ComponentRule>,
    /// The most components counted per family (persons with a component).
    pub max_counted: u32,
    /// `anak_usia_dini`: under this age (7: ages 0–6) on the reference date, not in school.
    pub early_childhood_under: i32,
    /// School components: enrolled, and at least this old ...
    pub school_min_age: i32,
    /// ... and at most this old.
    pub school_max_age: i32,
    /// `lansia`: at least this old (the regulation: 60; payouts in practice: 70).
    pub elderly_min_age: i32,
    /// Days after the expected delivery date a pregnancy fact without an end still counts
    /// (post-partum, nifas).
    pub postpartum_days: i64,
    pub obligations: Vec<ObligationRule>,
    /// Months per verification period (3: a quarter).
    pub verification_months: u8,
    pub ladder: LadderRule,
    pub stages: Vec<StageRule>,
    /// The welfare deciles the program serves (1 poorest).
    pub decile_min: u8,
    pub decile_max: u8,
    /// The highest welfare stage an enrolled family may have.
    pub max_welfare_stage: WelfareStage,
    /// Families per facilitator above which the caseload report warns.
    pub caseload_warning: u32,
}

impl PkhRules {
    /// The shipped default for a year (the 2020–2025 amounts; no other year is known, so
    /// every year gets them until an agency stores its own).
    pub fn default_for(year: i32) -> Self {
        use Component::*;
        let amounts = [
            (IbuHamil, 3_000_000),
            (AnakUsiaDini, 3_000_000),
            (Sd, 900_000),
            (Smp, 1_500_000),
            (Sma, 2_000_000),
            (DisabilitasBerat, 2_400_000),
            (Lansia, 2_400_000),
        ];
        let ob = |code: &str, components: &[Component], id: &str, en: &str, pct: Option<u32>| ObligationRule {
            code: code.into(),
            components: components.to_vec(),
            label_id: id.into(),
            label_en: en.into(),
            min_attendance_pct: pct,
        };
        PkhRules {
            year,
            components: amounts.iter().map(|&(component, annual)| ComponentRule { component, annual }).collect(),
            max_counted: 4,
            early_childhood_under: 7,
            school_min_age: 6,
            school_max_age: 21,
            elderly_min_age: 60,
            postpartum_days: 42,
            obligations: vec![
                ob("anc", &[IbuHamil], "Pemeriksaan kehamilan", "Antenatal visits", None),
                ob("immunisation", &[AnakUsiaDini], "Imunisasi", "Immunisation", None),
                ob("weighing", &[AnakUsiaDini], "Penimbangan bulanan", "Monthly weighing", None),
                ob("school_attendance", &[Sd, Smp, Sma], "Kehadiran sekolah", "School attendance", Some(85)),
                ob(
                    "welfare_visit",
                    &[Lansia, DisabilitasBerat],
                    "Layanan kesejahteraan sosial",
                    "Social-welfare service visits",
                    None,
                ),
                ob("p2k2", &[], "Kehadiran P2K2 bulanan", "Monthly P2K2 attendance", None),
            ],
            verification_months: 3,
            ladder: LadderRule { warning_after: 1, suspended_after: 2, terminated_after: 3 },
            stages: (1..=4).map(|s| StageRule { stage: s, first_month: s * 3 - 2, last_month: s * 3 }).collect(),
            decile_min: 1,
            decile_max: 2,
            max_welfare_stage: WelfareStage::Sejahtera1,
            caseload_warning: 250,
        }
    }

    /// The yearly amount of a component, if the rules pay it.
    pub fn annual(&self, component: Component) -> Option<i64> {
        self.components.iter().find(|c| c.component == component).map(|c| c.annual)
    }

    /// The position of a component in the priority order (ties on amount go to the lower).
    pub fn rank(&self, component: Component) -> usize {
        self.components.iter().position(|c| c.component == component).unwrap_or(usize::MAX)
    }

    /// The obligations a holder of `component` carries.
    pub fn obligations_of(&self, component: Component) -> impl Iterator<Item = &ObligationRule> {
        self.obligations.iter().filter(move |o| o.components.contains(&component))
    }

    /// The obligations of the family as a whole.
    pub fn family_obligations(&self) -> impl Iterator<Item = &ObligationRule> {
        self.obligations.iter().filter(|o| o.components.is_empty())
    }

    /// Stage amounts of a yearly amount: an equal share per stage in whole rupiah, any
    /// remainder to the last stage.
    pub fn split(&self, annual: i64) -> Vec<i64> {
        split(annual, self.stages.len())
    }

    /// Validates a document an agency wrote; every broken rule is named by its field.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Checker::new();
        if !(2000..=2100).contains(&self.year) {
            c.push("year", "must be between 2000 and 2100");
        }
        if self.components.is_empty() {
            c.push("components", "must list at least one component");
        }
        for (i, rule) in self.components.iter().enumerate() {
            if rule.annual < 0 || rule.annual > 1_000_000_000 {
                c.push(&format!("components[{i}].annual"), "must be between 0 and 1,000,000,000 rupiah");
            }
            if self.components[..i].iter().any(|r| r.component == rule.component) {
                c.push(&format!("components[{i}].component"), format!("`{}` is listed twice", rule.component));
            }
        }
        if !(1..=20).contains(&self.max_counted) {
            c.push("max_counted", "must be between 1 and 20");
        }
        if !(1..=18).contains(&self.early_childhood_under) {
            c.push("early_childhood_under", "must be between 1 and 18");
        }
        if !(0..=30).contains(&self.school_min_age)
            || self.school_max_age < self.school_min_age
            || self.school_max_age > 30
        {
            c.push("school_max_age", "must be at least school_min_age and at most 30");
        }
        if !(40..=100).contains(&self.elderly_min_age) {
            c.push("elderly_min_age", "must be between 40 and 100");
        }
        if !(0..=365).contains(&self.postpartum_days) {
            c.push("postpartum_days", "must be between 0 and 365");
        }
        for (i, o) in self.obligations.iter().enumerate() {
            if o.code.trim().is_empty()
                || !o.code.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
            {
                c.push(&format!("obligations[{i}].code"), "must be lowercase letters, digits and _");
            }
            if self.obligations[..i].iter().any(|p| p.code == o.code) {
                c.push(&format!("obligations[{i}].code"), format!("`{}` is listed twice", o.code));
            }
            if o.label_id.trim().is_empty() || o.label_en.trim().is_empty() {
                c.push(&format!("obligations[{i}].label_id"), "is required");
            }
            if o.min_attendance_pct.is_some_and(|p| p > 100) {
                c.push(&format!("obligations[{i}].min_attendance_pct"), "must be between 0 and 100");
            }
        }
        if !matches!(self.verification_months, 1 | 2 | 3 | 4 | 6 | 12) {
            c.push("verification_months", "must divide a year: 1, 2, 3, 4, 6 or 12");
        }
        let l = &self.ladder;
        if !(l.warning_after >= 1
            && l.warning_after <= l.suspended_after
            && l.suspended_after <= l.terminated_after
            && l.terminated_after <= 24)
        {
            c.push("ladder", "needs 1 ≤ warning_after ≤ suspended_after ≤ terminated_after ≤ 24");
        }
        if self.stages.is_empty() || self.stages.len() > 12 {
            c.push("stages", "must list 1 to 12 stages");
        }
        let mut month = 1;
        for (i, s) in self.stages.iter().enumerate() {
            if usize::from(s.stage) != i + 1
                || s.first_month != month
                || s.last_month < s.first_month
                || s.last_month > 12
            {
                c.push(
                    &format!("stages[{i}]"),
                    "stages must be numbered from 1 and cover the months in order without gaps",
                );
                break;
            }
            month = s.last_month + 1;
        }
        if month != 13 && !self.stages.is_empty() {
            c.push("stages", "must cover January to December");
        }
        if !(1..=10).contains(&self.decile_min) || self.decile_max < self.decile_min || self.decile_max > 10 {
            c.push("decile_max", "needs 1 ≤ decile_min ≤ decile_max ≤ 10");
        }
        if !(1..=100_000).contains(&self.caseload_warning) {
            c.push("caseload_warning", "must be between 1 and 100,000");
        }
        c.finish()
    }
}

/// Splits a yearly amount into `stages` whole-rupiah parts, the remainder in the last.
pub fn split(annual: i64, stages: usize) -> Vec<i64> {
    if stages == 0 {
        return Vec::new();
    }
    let n = stages as i64;
    let share = annual / n;
    let mut parts = vec![share; stages];
    parts[stages - 1] = annual - share * (n - 1);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_are_the_shipped_amounts_and_valid() {
        let r = PkhRules::default_for(2024);
        r.check().unwrap();
        assert_eq!(r.annual(Component::IbuHamil), Some(3_000_000));
        assert_eq!(r.annual(Component::Sd), Some(900_000));
        assert_eq!(r.annual(Component::Lansia), Some(2_400_000));
        assert_eq!(r.stages.len(), 4);
        assert_eq!(r.stages[3].first_month, 10);
        assert_eq!(r.obligations_of(Component::Smp).next().unwrap().min_attendance_pct, Some(85));
        assert_eq!(r.family_obligations().map(|o| o.code.as_str()).collect::<Vec<_>>(), ["p2k2"]);
    }

    #[test]
    fn splits_give_the_remainder_to_the_last_stage() {
        assert_eq!(split(900_000, 4), [225_000; 4]);
        assert_eq!(split(1_000_001, 4), [250_000, 250_000, 250_000, 250_001]);
        assert_eq!(split(3, 4), [0, 0, 0, 3]);
        assert_eq!(split(7_300_000, 4).iter().sum::<i64>(), 7_300_000);
    }

    #[test]
    fn broken_documents_name_the_field() {
        let mut r = PkhRules::default_for(2024);
        r.components[1].component = Component::IbuHamil;
        r.ladder.suspended_after = 0;
        r.stages.pop();
        r.components[0].annual = -1;
        let err = r.check().unwrap_err().to_string();
        for field in ["components[1].component", "ladder", "stages", "components[0].annual"] {
            assert!(err.contains(field), "{field} in {err}");
        }
    }
}
