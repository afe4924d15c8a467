//! The sanction ladder: a family's status after each verification period, from whether it
//! met its obligations in that period.
//!
//! With the default thresholds: one non-compliant period gives a **warning**, two in a row a
//! **suspension** (no payment for the stage), three in a row **termination**. A compliant
//! period returns a warned or suspended family to active and starts the count again.
//! Termination is final: later periods, compliant or not, leave it terminated, unless an
//! appeal is upheld. An upheld appeal on a period reinstates the family: the period's status
//! is active and the count starts again, whatever the period's compliance.
//!
//! Periods are taken in order; a period that was not verified (a gap) neither breaks nor
//! extends a run of non-compliant periods.

use serde::{Deserialize, Serialize};

use super::rules::LadderRule;
use super::{FamilyStatus, Period};

/// One verification period of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub period: Period,
    pub compliant: bool,
    /// An appeal about this period's sanction was upheld.
    pub appeal_upheld: bool,
}

/// Where a family stands on the ladder: its status and the non-compliant periods in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub status: FamilyStatus,
    pub consecutive: u32,
}

impl Standing {
    pub const START: Standing = Standing { status: FamilyStatus::Active, consecutive: 0 };

    /// The standing after one more period.
    pub fn after(self, compliant: bool, appeal_upheld: bool, rule: &LadderRule) -> Standing {
        if appeal_upheld {
            return Standing::START;
        }
        if self.status == FamilyStatus::Terminated {
            return self;
        }
        if compliant {
            return Standing::START;
        }
        let consecutive = self.consecutive + 1;
        let status = if consecutive >= rule.terminated_after {
            FamilyStatus::Terminated
        } else if consecutive >= rule.suspended_after {
            FamilyStatus::Suspended
        } else if consecutive >= rule.warning_after {
            FamilyStatus::Warning
        } else {
            FamilyStatus::Active
        };
        Standing { status, consecutive }
    }
}

/// The status after each step, in order. Steps must be in strictly increasing period order;
/// the error names the index of the first that is not.
pub fn timeline(steps: &[Step], rule: &LadderRule) -> Result<Vec<(Period, Standing)>, (usize, String)> {
    let mut out = Vec::with_capacity(steps.len());
    let mut standing = Standing::START;
    for (i, step) in steps.iter().enumerate() {
        if let Some(prev) = i.checked_sub(1).map(|j| steps[j].period)
            && step.period <= prev
        {
            return Err((i, format!("period {} is not after the previous period {prev}", step.period)));
        }
        standing = standing.after(step.compliant, step.appeal_upheld, rule);
        out.push((step.period, standing));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pkh::rules::PkhRules;

    fn run(history: &[(&str, bool, bool)]) -> Vec<FamilyStatus> {
        let rule = PkhRules::default_for(2024).ladder;
        let steps: Vec<Step> = history
            .iter()
            .map(|&(p, compliant, appeal_upheld)| Step { period: Period::parse(p).unwrap(), compliant, appeal_upheld })
            .collect();
        timeline(&steps, &rule).unwrap().into_iter().map(|(_, s)| s.status).collect()
    }

    use FamilyStatus::*;

    #[test]
    fn each_transition() {
        let h = [("2023-1", true, false), ("2023-2", false, false), ("2023-3", false, false), ("2023-4", true, false)];
        assert_eq!(run(&h), [Active, Warning, Suspended, Active]);
        let h = [("2023-1", false, false), ("2023-2", true, false), ("2023-3", false, false), ("2023-4", false, false)];
        assert_eq!(run(&h), [Warning, Active, Warning, Suspended]);
    }

    #[test]
    fn termination_is_final_until_an_appeal_is_upheld() {
        let h = [
            ("2023-1", false, false),
            ("2023-2", false, false),
            ("2023-3", false, false),
            ("2023-4", true, false),
            ("2024-1", true, false),
            ("2024-2", true, true),
            ("2024-3", false, false),
        ];
        assert_eq!(run(&h), [Warning, Suspended, Terminated, Terminated, Terminated, Active, Warning]);
    }

    #[test]
    fn an_upheld_appeal_reinstates_whatever_the_compliance() {
        let h = [("2023-1", false, false), ("2023-2", false, true), ("2023-3", false, false)];
        assert_eq!(run(&h), [Warning, Active, Warning]);
    }

    #[test]
    fn thresholds_are_data() {
        let rule = LadderRule { warning_after: 1, suspended_after: 1, terminated_after: 2 };
        let steps: Vec<Step> = ["2024-1", "2024-2"]
            .iter()
            .map(|p| Step { period: Period::parse(p).unwrap(), compliant: false, appeal_upheld: false })
            .collect();
        let got: Vec<_> = timeline(&steps, &rule).unwrap().into_iter().map(|(_, s)| s.status).collect();
        assert_eq!(got, [Suspended, Terminated]);
    }

    #[test]
    fn periods_out_of_order_are_refused() {
        let rule = PkhRules::default_for(2024).ladder;
        let steps: Vec<Step> = ["2024-2", "2024-2"]
            .iter()
            .map(|p| Step { period: Period::parse(p).unwrap(), compliant: true, appeal_upheld: false })
            .collect();
        let (i, err) = timeline(&steps, &rule).unwrap_err();
        assert_eq!(i, 1);
        assert!(err.contains("not after"));
    }
}
