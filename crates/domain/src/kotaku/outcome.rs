//! Outcome indicators: what a program changed for a household or a group, each measured at
//! a baseline and at a follow-up (a warung opened: no → yes; extra monthly income: Rp 0 →
//! Rp 750.000; a group's turnover). Values are whole numbers: rupiah, counts, or 0/1 for
//! yes/no.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::agriculture::machine::{format_rupiah, group_digits, optional, parse_rupiah};
use crate::registry::text::{self, Checker, Invalid};
use crate::registry::{Id, Version};
use crate::vocabulary;

vocabulary! {
    Measure {
        YesNo => "yes_no", "Ya/tidak", "Yes/no";
        Rupiah => "rupiah", "Rupiah", "Rupiah";
        Count => "count", "Jumlah", "Count";
    }
}

vocabulary! {
    Subject {
        Household => "household", "Rumah tangga", "Household";
        Group => "group", "Kelompok", "Group";
    }
}

impl Measure {
    /// Parses a value as typed: `ya`/`tidak`, rupiah, or a whole count.
    pub fn value(self, raw: &str) -> Result<i64, String> {
        match self {
            Measure::YesNo => match raw.trim().to_lowercase().as_str() {
                "ya" | "yes" | "1" | "true" => Ok(1),
                "tidak" | "no" | "0" | "false" => Ok(0),
                _ => Err("must be ya or tidak".into()),
            },
            Measure::Rupiah => parse_rupiah(raw),
            Measure::Count => match raw.trim().replace('.', "").parse::<i64>() {
                Ok(n) if (0..=1_000_000_000).contains(&n) => Ok(n),
                _ => Err("must be a whole number from 0".into()),
            },
        }
    }

    pub fn show(self, v: i64, lang: &str) -> String {
        match (self, lang == "en") {
            (Measure::YesNo, false) => if v != 0 { "Ya" } else { "Tidak" }.into(),
            (Measure::YesNo, true) => if v != 0 { "Yes" } else { "No" }.into(),
            (Measure::Rupiah, _) => format_rupiah(v),
            (Measure::Count, _) => group_digits(v),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub id: Id,
    pub program_id: Id,
    pub name: String,
    pub measure: Measure,
    pub subject: Subject,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIndicator {
    pub name: String,
    pub measure: Measure,
    pub subject: Subject,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IndicatorDraft {
    pub name: String,
    pub measure: String,
    pub subject: String,
}

impl IndicatorDraft {
    pub fn parse(&self) -> Result<NewIndicator, Invalid> {
        let mut c = Checker::new();
        let name = c.field("name", text::text(&self.name, 1, 150));
        let measure = c.field("measure", Measure::parse(&self.measure));
        let subject = c.field("subject", Subject::parse(&self.subject));
        c.finish()?;
        match (name, measure, subject) {
            (Some(name), Some(measure), Some(subject)) => Ok(NewIndicator { name, measure, subject }),
            _ => Err(Invalid::one("indicator", "is invalid")),
        }
    }
}

/// One subject's baseline and follow-up of an indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeValue {
    pub id: Id,
    pub indicator_id: Id,
    /// The household or group measured (by the indicator's subject).
    pub subject_id: Id,
    pub baseline: i64,
    pub baseline_on: Date,
    pub followup: Option<i64>,
    pub followup_on: Option<Date>,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutcomeValue {
    pub subject_id: Id,
    pub baseline: i64,
    pub baseline_on: Date,
    pub followup: Option<i64>,
    pub followup_on: Option<Date>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OutcomeDraft {
    pub subject_id: String,
    pub baseline: String,
    pub baseline_on: String,
    #[serde(default)]
    pub followup: Option<String>,
    #[serde(default)]
    pub followup_on: Option<String>,
}

impl OutcomeDraft {
    pub fn parse(&self, measure: Measure) -> Result<NewOutcomeValue, Invalid> {
        let mut c = Checker::new();
        let subject_id = c.field("subject_id", text::id(&self.subject_id));
        let baseline = c.field("baseline", measure.value(&self.baseline));
        let baseline_on = c.field("baseline_on", text::date(&self.baseline_on));
        let followup = c.field("followup", optional(self.followup.as_deref(), |s| measure.value(s)));
        let followup_on = c.field("followup_on", text::optional_date(self.followup_on.as_deref()));
        if followup.as_ref().is_some_and(Option::is_some) != followup_on.as_ref().is_some_and(Option::is_some) {
            c.push("followup_on", "a follow-up needs both its value and its date");
        }
        if let (Some(b), Some(Some(f))) = (baseline_on, followup_on)
            && f < b
        {
            c.push("followup_on", "must not be before the baseline");
        }
        c.finish()?;
        match (subject_id, baseline, baseline_on, followup, followup_on) {
            (Some(subject_id), Some(baseline), Some(baseline_on), Some(followup), Some(followup_on)) => {
                Ok(NewOutcomeValue { subject_id, baseline, baseline_on, followup, followup_on })
            }
            _ => Err(Invalid::one("outcome", "is invalid")),
        }
    }
}

/// What an indicator shows over its subjects: how many were measured, how many followed up,
/// the baseline and follow-up totals of those followed up, and how many improved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Change {
    pub subjects: u64,
    pub followed: u64,
    pub baseline_total: i64,
    pub followup_total: i64,
    pub improved: u64,
}

pub fn change(values: &[OutcomeValue]) -> Change {
    let mut c = Change { subjects: values.len() as u64, ..Change::default() };
    for v in values {
        if let Some(f) = v.followup {
            c.followed += 1;
            c.baseline_total += v.baseline;
            c.followup_total += f;
            if f > v.baseline {
                c.improved += 1;
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn values_parse_by_measure_and_changes_sum_the_followed() {
        assert_eq!(Measure::YesNo.value("Ya"), Ok(1));
        assert_eq!(Measure::Rupiah.value("Rp 750.000"), Ok(750_000));
        assert!(Measure::Count.value("-1").is_err());
        let e = OutcomeDraft {
            subject_id: "3".into(),
            baseline: "tidak".into(),
            baseline_on: "2019-01-01".into(),
            followup: Some("ya".into()),
            followup_on: None,
        }
        .parse(Measure::YesNo)
        .unwrap_err();
        assert_eq!(e.0[0].field, "followup_on");
        let v = |b: i64, f: Option<i64>| OutcomeValue {
            id: 1,
            indicator_id: 1,
            subject_id: 1,
            baseline: b,
            baseline_on: date!(2019 - 01 - 01),
            followup: f,
            followup_on: f.map(|_| date!(2020 - 01 - 01)),
            version: 1,
        };
        let c = change(&[v(0, Some(1)), v(0, Some(0)), v(1, None)]);
        assert_eq!(c, Change { subjects: 3, followed: 2, baseline_total: 0, followup_total: 1, improved: 1 });
    }
}
