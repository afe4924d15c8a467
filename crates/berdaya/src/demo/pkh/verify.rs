//! The verification history of the demo families: eight quarters closed (2025-1 … 2026-4)
//! and 2027-1 open. Most families meet every obligation every quarter; the exceptions tell
//! the ladder's story:
//!
//! - the 4th family misses school attendance in 2025-2 (warning), then complies (active);
//! - the 6th misses in 2025-3 and 2025-4 (suspended) and complies in 2026-1 (active again);
//! - the 8th misses three quarters in a row from 2025-2 (terminated, and stays so);
//! - the 10th and 12th miss in 2026-3 (warned) and comply in 2026-4;
//! - a few others miss one quarter here and there.
//!
//! In the open quarter, the first half of the families is verified. In 2026-4 the schools'
//! education forms of October and November came in for the first ten families' pupils
//! (all at least 85 %, so the story above holds).

use std::collections::HashMap;

use anyhow::Context;
use berdaya_domain::pkh::Period;
use berdaya_domain::pkh::components::Fact;
use berdaya_domain::pkh::rules::PkhRules;
use berdaya_domain::registry::{Id, Person};
use berdaya_store::Store;

/// Whether the `i`-th family misses an obligation in the `q`-th period (0 = 2025-1).
fn misses(i: usize, q: usize) -> bool {
    match i {
        3 => q == 1,
        5 => q == 2 || q == 3,
        7 => (1..=3).contains(&q),
        9 | 11 => q == 6,
        _ => i > 12 && (i * 7 + q * 3).is_multiple_of(41),
    }
}

pub(super) async fn load(
    store: &dyn Store,
    program: Id,
    families: &[(Id, Id)],
    people: &HashMap<Id, Vec<(Person, Vec<Fact>)>>,
    rules: &PkhRules,
) -> anyhow::Result<Vec<(Period, Id)>> {
    let mut periods = Vec::new();
    let mut period = Period { year: 2025, quarter: 1 };
    for q in 0..9 {
        let p = store.open_pkh_period(program, period).await.context("opening a demo period")?;
        let open = q == 8;
        let mut entries = Vec::new();
        for (i, (family_id, _)) in families.iter().enumerate() {
            if open && i >= families.len() / 2 {
                break;
            }
            let Some(members) = people.get(family_id) else { continue };
            let due = super::due(members, period, rules);
            entries.extend(super::entries(*family_id, &due, misses(i, q)));
        }
        store.record_compliance(p.id, &entries).await.context("recording demo compliance")?;
        if period == (Period { year: 2026, quarter: 4 }) {
            school_forms(store, p.id, families, people).await?;
        }
        if !open {
            store.close_pkh_period(p.id, None).await.context("closing a demo period")?;
        }
        periods.push((period, p.id));
        period = period.next();
    }
    Ok(periods)
}

/// The education forms of October and November 2026 for the pupils of the first ten
/// families (a day or two of alpa here and there, every month at least 90 %).
async fn school_forms(
    store: &dyn Store,
    period_id: Id,
    families: &[(Id, Id)],
    people: &HashMap<Id, Vec<(Person, Vec<Fact>)>>,
) -> anyhow::Result<()> {
    use berdaya_domain::pkh::verify::MonthAttendance;
    use berdaya_domain::pkh::{FactKind, SchoolLevel};
    use berdaya_store::pkh::school::SchoolEntry;
    let on = time::macros::date!(2026 - 11 - 30);
    let mut entries = Vec::new();
    for (i, (family_id, _)) in families.iter().enumerate().take(10) {
        let Some(members) = people.get(family_id) else { continue };
        for (person, facts) in members {
            let Some(level) = facts
                .iter()
                .filter(|f| f.kind == FactKind::School && f.starts_on <= on && f.ends_on.is_none_or(|e| e >= on))
                .find_map(|f| f.level)
            else {
                continue;
            };
            let school = match level {
                SchoolLevel::Sd => "SD Negeri Pilang 1",
                SchoolLevel::Smp => "SMP Negeri 2 Randublatung",
                _ => "SMA Negeri 1 Randublatung",
            };
            for (month, days) in [(10u8, 22u32), (11, 20)] {
                let absent = u32::try_from(i % 3).unwrap_or(0);
                entries.push(SchoolEntry {
                    family_id: *family_id,
                    person_id: person.id,
                    school: school.into(),
                    month,
                    attendance: MonthAttendance {
                        absent,
                        permitted: u32::from(month == 10),
                        sick: 0,
                        effective_days: days,
                    },
                });
            }
        }
    }
    if !entries.is_empty() {
        store.import_school_attendance(period_id, &entries).await.context("importing the demo education forms")?;
    }
    Ok(())
}
