//! The verification history of the demo families: eight quarters closed (2025-1 … 2026-3)
//! and 2026-4 open. Most families meet every obligation every quarter; the exceptions tell
//! the ladder's story:
//!
//! - the 4th family misses school attendance in 2025-2 (warning), then complies (active);
//! - the 6th misses in 2025-3 and 2025-4 (suspended) and complies in 2026-1 (active again);
//! - the 8th misses three quarters in a row from 2025-2 (terminated, and stays so);
//! - the 10th and 12th miss in 2026-3, the last close (newly warned);
//! - a few others miss one quarter here and there.
//!
//! In the open quarter, the first half of the families is verified.

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
        if !open {
            store.close_pkh_period(p.id, None).await.context("closing a demo period")?;
        }
        periods.push((period, p.id));
        period = period.next();
    }
    Ok(periods)
}
