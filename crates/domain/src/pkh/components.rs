//! What a family is paid: each member's component on a reference date, the family's cap on
//! counted components, and the stage amounts.
//!
//! A person holds at most one component, the one with the highest yearly amount (equal
//! amounts: the earlier in the rules' list). A family counts at most `max_counted` of its
//! members' components, the highest amounts first; on equal amounts the older person first,
//! then the lower `order` (the row of a file, or the person's id). Every component held and
//! every one passed over carries the reason, so an officer can answer "why this amount".

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use super::rules::PkhRules;
use super::{Component, FactKind, SchoolLevel, age_on};

/// A member as the components see them on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub person: i64,
    /// Tie-breaker after age: the row of a file, or the person's id.
    pub order: i64,
    pub birth_date: Date,
    pub pregnant: bool,
    pub school: SchoolLevel,
    pub severe_disability: bool,
}

/// A dated fact about a member, as recorded by a facilitator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub kind: FactKind,
    /// For `school`: the level.
    pub level: Option<SchoolLevel>,
    pub starts_on: Date,
    /// For `pregnant`: the expected delivery date.
    pub expected_on: Option<Date>,
    pub ends_on: Option<Date>,
}

impl Fact {
    /// Whether the fact holds on `on`. A pregnancy without an end holds until `postpartum_days`
    /// after the expected delivery date (or, with no expected date, until it is ended).
    pub fn holds_on(&self, on: Date, rules: &PkhRules) -> bool {
        if on < self.starts_on {
            return false;
        }
        match (self.ends_on, self.kind, self.expected_on) {
            (Some(end), _, _) => on <= end,
            (None, FactKind::Pregnant, Some(expected)) => on <= expected + Duration::days(rules.postpartum_days),
            (None, _, _) => true,
        }
    }
}

impl Member {
    /// A member on `on` from the facts recorded about them.
    pub fn from_facts(person: i64, order: i64, birth_date: Date, facts: &[Fact], on: Date, rules: &PkhRules) -> Self {
        let holding = |kind| facts.iter().filter(move |f| f.kind == kind && f.holds_on(on, rules));
        Member {
            person,
            order,
            birth_date,
            pregnant: holding(FactKind::Pregnant).next().is_some(),
            // The latest-starting school fact wins when two overlap.
            school: holding(FactKind::School)
                .max_by_key(|f| f.starts_on)
                .and_then(|f| f.level)
                .unwrap_or(SchoolLevel::None),
            severe_disability: holding(FactKind::Disability).next().is_some(),
        }
    }
}

/// Why a member qualifies for a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum Basis {
    Pregnant,
    EarlyChildhood { age: i32 },
    School { level: SchoolLevel, age: i32 },
    SevereDisability,
    Elderly { age: i32 },
}

impl Basis {
    pub fn describe(self, lang: &str) -> String {
        let en = lang == "en";
        match self {
            Basis::Pregnant => (if en { "pregnant or post-partum" } else { "hamil atau nifas" }).into(),
            Basis::EarlyChildhood { age } => {
                if en {
                    format!("aged {age}, not in school")
                } else {
                    format!("usia {age} tahun, belum sekolah")
                }
            }
            Basis::School { level, age } => {
                if en {
                    format!("enrolled at {}, aged {age}", level.label("en"))
                } else {
                    format!("bersekolah di {}, usia {age} tahun", level.label("id"))
                }
            }
            Basis::SevereDisability => (if en { "severe disability" } else { "disabilitas berat" }).into(),
            Basis::Elderly { age } => {
                if en {
                    format!("aged {age}")
                } else {
                    format!("usia {age} tahun")
                }
            }
        }
    }
}

/// What became of a component a member qualifies for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Held and counted in the family's amount.
    Counted,
    /// Held, but the family already counts `cap` higher-ranked components.
    OverCap { cap: u32 },
    /// Not held: the member holds a higher-ranked component.
    Superseded { by: Component },
}

/// One component a member qualifies for, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub person: i64,
    pub component: Component,
    pub annual: i64,
    pub basis: Basis,
    pub outcome: Outcome,
}

impl Line {
    /// Whether this is the member's component (counted or over the cap).
    pub fn held(&self) -> bool {
        !matches!(self.outcome, Outcome::Superseded { .. })
    }
    pub fn counted(&self) -> bool {
        self.outcome == Outcome::Counted
    }
}

/// A member who qualifies for nothing although close to a rule, with the rule missed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearMiss {
    pub person: i64,
    pub component: Component,
    /// The rule, in English (the interface translates it).
    pub rule: String,
}

/// A family's benefit on a reference date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Benefit {
    /// Held components in counting order (counted first), then the superseded ones.
    pub lines: Vec<Line>,
    pub near_misses: Vec<NearMiss>,
    /// The sum of the counted components.
    pub annual: i64,
    /// The stage amounts of `annual`.
    pub per_stage: Vec<i64>,
}

impl Benefit {
    pub fn held(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.held())
    }
    pub fn counted(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.counted())
    }
}

/// Every component a member qualifies for on `on`, with the basis; and the near misses.
pub fn qualifies(member: &Member, on: Date, rules: &PkhRules) -> (Vec<(Component, Basis)>, Vec<NearMiss>) {
    let age = age_on(member.birth_date, on);
    let mut found = Vec::new();
    let mut near = Vec::new();
    let miss = |component, rule: String| NearMiss { person: member.person, component, rule };
    if member.pregnant {
        found.push((Component::IbuHamil, Basis::Pregnant));
    }
    if (0..rules.early_childhood_under).contains(&age) && member.school == SchoolLevel::None {
        found.push((Component::AnakUsiaDini, Basis::EarlyChildhood { age }));
    }
    let school = match member.school {
        SchoolLevel::None => None,
        SchoolLevel::Sd => Some(Component::Sd),
        SchoolLevel::Smp => Some(Component::Smp),
        SchoolLevel::Sma => Some(Component::Sma),
    };
    if let Some(component) = school {
        if (rules.school_min_age..=rules.school_max_age).contains(&age) {
            found.push((component, Basis::School { level: member.school, age }));
        } else {
            near.push(miss(
                component,
                format!(
                    "school components need an age of {} to {}; the member is {age}",
                    rules.school_min_age, rules.school_max_age
                ),
            ));
        }
    }
    if member.severe_disability {
        found.push((Component::DisabilitasBerat, Basis::SevereDisability));
    }
    if age >= rules.elderly_min_age {
        found.push((Component::Lansia, Basis::Elderly { age }));
    } else if age >= rules.elderly_min_age - 5 {
        near.push(miss(
            Component::Lansia,
            format!("the elderly component needs an age of at least {}; the member is {age}", rules.elderly_min_age),
        ));
    }
    // A component the year's rules do not pay is no component.
    found.retain(|(c, _)| rules.annual(*c).is_some());
    (found, near)
}

/// A family's components and amounts on `on` under `rules`.
pub fn benefit(members: &[Member], on: Date, rules: &PkhRules) -> Benefit {
    struct Held<'a> {
        member: &'a Member,
        line: Line,
    }
    let mut held = Vec::new();
    let mut superseded = Vec::new();
    let mut near_misses = Vec::new();
    for member in members {
        let (mut found, near) = qualifies(member, on, rules);
        if found.is_empty() {
            near_misses.extend(near);
            continue;
        }
        let amount = |c: Component| rules.annual(c).unwrap_or(0);
        found.sort_by_key(|&(c, _)| (std::cmp::Reverse(amount(c)), rules.rank(c)));
        let (best, basis) = found[0];
        for &(c, b) in &found[1..] {
            superseded.push(Line {
                person: member.person,
                component: c,
                annual: amount(c),
                basis: b,
                outcome: Outcome::Superseded { by: best },
            });
        }
        held.push(Held {
            member,
            line: Line {
                person: member.person,
                component: best,
                annual: amount(best),
                basis,
                outcome: Outcome::Counted,
            },
        });
    }
    held.sort_by(|a, b| {
        b.line
            .annual
            .cmp(&a.line.annual)
            .then(a.member.birth_date.cmp(&b.member.birth_date))
            .then(a.member.order.cmp(&b.member.order))
            .then(a.member.person.cmp(&b.member.person))
    });
    let cap = rules.max_counted;
    let mut lines = Vec::with_capacity(held.len() + superseded.len());
    for (i, h) in held.into_iter().enumerate() {
        let mut line = h.line;
        if i as u32 >= cap {
            line.outcome = Outcome::OverCap { cap };
        }
        lines.push(line);
    }
    lines.extend(superseded);
    let annual = lines.iter().filter(|l| l.counted()).map(|l| l.annual).sum();
    Benefit { lines, near_misses, annual, per_stage: rules.split(annual) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::text::date;

    fn m(person: i64, birth: &str) -> Member {
        Member {
            person,
            order: person,
            birth_date: date(birth).unwrap(),
            pregnant: false,
            school: SchoolLevel::None,
            severe_disability: false,
        }
    }

    fn on() -> Date {
        date("2024-07-01").unwrap()
    }

    #[test]
    fn each_component_and_its_age_limits() {
        let r = PkhRules::default_for(2024);
        let toddler = m(1, "2019-07-02"); // 4
        let six_not_in_school = m(2, "2017-07-01"); // 7 today: too old
        let pupil = Member { school: SchoolLevel::Sd, ..m(3, "2016-01-01") };
        let old_pupil = Member { school: SchoolLevel::Sma, ..m(4, "2002-01-01") }; // 22
        let elder = m(5, "1964-07-01"); // 60 today
        let b = benefit(&[toddler, six_not_in_school, pupil, old_pupil, elder], on(), &r);
        let got: Vec<_> = b.held().map(|l| (l.person, l.component)).collect();
        assert_eq!(got, [(1, Component::AnakUsiaDini), (5, Component::Lansia), (3, Component::Sd)]);
        assert_eq!(b.annual, 3_000_000 + 2_400_000 + 900_000);
        assert_eq!(b.per_stage, [1_575_000; 4]);
        assert_eq!(b.near_misses.len(), 1);
        assert_eq!(b.near_misses[0].person, 4);
        assert!(b.near_misses[0].rule.contains("6 to 21"));
    }

    #[test]
    fn a_person_holds_the_highest_component_ties_in_list_order() {
        let r = PkhRules::default_for(2024);
        // Pregnant (3.0M) and disabled (2.4M): pregnant wins, disability superseded.
        let mother = Member { pregnant: true, severe_disability: true, ..m(1, "1990-01-01") };
        // Elderly and disabled: both 2.4M; disabilitas_berat is listed first.
        let grandpa = Member { severe_disability: true, ..m(2, "1950-01-01") };
        let b = benefit(&[mother, grandpa], on(), &r);
        let held: Vec<_> = b.held().map(|l| (l.person, l.component)).collect();
        assert_eq!(held, [(1, Component::IbuHamil), (2, Component::DisabilitasBerat)]);
        let superseded: Vec<_> =
            b.lines.iter().filter(|l| !l.held()).map(|l| (l.person, l.component, l.outcome)).collect();
        assert_eq!(
            superseded,
            [
                (1, Component::DisabilitasBerat, Outcome::Superseded { by: Component::IbuHamil }),
                (2, Component::Lansia, Outcome::Superseded { by: Component::DisabilitasBerat }),
            ]
        );
    }

    #[test]
    fn four_are_counted_highest_first_then_older_then_order() {
        let r = PkhRules::default_for(2024);
        let kids = [
            Member { school: SchoolLevel::Sd, ..m(10, "2015-01-01") },
            Member { school: SchoolLevel::Sd, ..m(11, "2014-01-01") },
            Member { school: SchoolLevel::Sd, ..m(12, "2014-01-01") },
            Member { school: SchoolLevel::Sma, ..m(13, "2007-01-01") },
            Member { school: SchoolLevel::Smp, ..m(14, "2010-01-01") },
            Member { pregnant: true, ..m(15, "1995-01-01") },
        ];
        let b = benefit(&kids, on(), &r);
        let counted: Vec<_> = b.counted().map(|l| l.person).collect();
        // 3.0M, 2.0M, 1.5M, then of three SD pupils: the older (2014) pair, lower id first.
        assert_eq!(counted, [15, 13, 14, 11]);
        let over: Vec<_> = b.held().filter(|l| !l.counted()).map(|l| (l.person, l.outcome)).collect();
        assert_eq!(over, [(12, Outcome::OverCap { cap: 4 }), (10, Outcome::OverCap { cap: 4 })]);
        assert_eq!(b.annual, 3_000_000 + 2_000_000 + 1_500_000 + 900_000);
        assert_eq!(b.per_stage, [1_850_000; 4]);
    }

    #[test]
    fn facts_hold_over_their_dates() {
        let r = PkhRules::default_for(2024);
        let pregnancy = Fact {
            kind: FactKind::Pregnant,
            level: None,
            starts_on: date("2024-01-10").unwrap(),
            expected_on: Some(date("2024-06-01").unwrap()),
            ends_on: None,
        };
        assert!(pregnancy.holds_on(date("2024-07-13").unwrap(), &r)); // 42 days after
        assert!(!pregnancy.holds_on(date("2024-07-14").unwrap(), &r));
        assert!(!pregnancy.holds_on(date("2024-01-09").unwrap(), &r));
        let sd = Fact {
            kind: FactKind::School,
            level: Some(SchoolLevel::Sd),
            starts_on: date("2018-07-15").unwrap(),
            expected_on: None,
            ends_on: Some(date("2024-06-30").unwrap()),
        };
        let smp = Fact {
            kind: FactKind::School,
            level: Some(SchoolLevel::Smp),
            starts_on: date("2024-07-15").unwrap(),
            expected_on: None,
            ends_on: None,
        };
        let birth = date("2012-03-01").unwrap();
        assert_eq!(
            Member::from_facts(1, 1, birth, &[sd.clone(), smp.clone()], date("2024-05-01").unwrap(), &r).school,
            SchoolLevel::Sd
        );
        assert_eq!(
            Member::from_facts(1, 1, birth, &[sd.clone(), smp.clone()], date("2024-07-01").unwrap(), &r).school,
            SchoolLevel::None
        );
        assert_eq!(
            Member::from_facts(1, 1, birth, &[sd, smp], date("2024-08-01").unwrap(), &r).school,
            SchoolLevel::Smp
        );
    }

    #[test]
    fn amounts_come_from_the_rules() {
        let mut r = PkhRules::default_for(2024);
        r.components.retain(|c| c.component != Component::Lansia);
        r.components[0].annual = 3_100_001;
        let b = benefit(&[m(1, "1950-01-01"), Member { pregnant: true, ..m(2, "1990-01-01") }], on(), &r);
        assert_eq!(b.held().count(), 1);
        assert_eq!(b.annual, 3_100_001);
        assert_eq!(b.per_stage, [775_000, 775_000, 775_000, 775_001]);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::registry::text::date;

    fn member() -> impl Strategy<Value = (i64, u32, bool, u8, bool)> {
        (1i64..40, 0u32..30_000, any::<bool>(), 0u8..4, any::<bool>())
    }

    proptest! {
        /// Whatever the family, the counted components never exceed the cap, every counted one
        /// is worth at least every one left over the cap, each person holds at most one, and
        /// the stages add up to the yearly amount in whole rupiah.
        #[test]
        fn cap_order_and_split_hold(raw in proptest::collection::vec(member(), 0..12)) {
            let rules = PkhRules::default_for(2024);
            let on = date("2024-07-01").unwrap();
            let members: Vec<Member> = raw
                .iter()
                .enumerate()
                .map(|(i, &(_, days, pregnant, school, disabled))| Member {
                    person: i as i64 + 1,
                    order: i as i64 + 1,
                    birth_date: on - time::Duration::days(i64::from(days)),
                    pregnant,
                    school: SchoolLevel::ALL[usize::from(school)],
                    severe_disability: disabled,
                })
                .collect();
            let b = benefit(&members, on, &rules);
            let counted: Vec<&Line> = b.counted().collect();
            prop_assert!(counted.len() <= rules.max_counted as usize);
            let least_counted = counted.iter().map(|l| l.annual).min().unwrap_or(i64::MAX);
            for over in b.held().filter(|l| !l.counted()) {
                prop_assert!(over.annual <= least_counted);
            }
            let mut holders: Vec<i64> = b.held().map(|l| l.person).collect();
            holders.sort_unstable();
            let before = holders.len();
            holders.dedup();
            prop_assert_eq!(before, holders.len());
            prop_assert_eq!(b.annual, counted.iter().map(|l| l.annual).sum::<i64>());
            prop_assert_eq!(b.per_stage.iter().sum::<i64>(), b.annual);
            prop_assert!(b.per_stage.iter().all(|&s| s >= 0));
        }
    }
}
