//! The PKH payments of the demo: each stage's payment list from stage I of 2025 to stage III
//! of 2026 built on the ladder's status, frozen and reconciled with the bank's results (a
//! few failed: "rekening tidak aktif"), and stage IV of 2026 still a draft.

use anyhow::Context;
use berdaya_domain::pkh::payment::{LineKey, PayResult, ResultRow};
use berdaya_store::Store;
use time::{Date, Month};

/// One line in this many fails at the bank.
const FAILS_EVERY: usize = 29;

pub(super) async fn load(store: &dyn Store, pkh: &super::Pkh) -> anyhow::Result<()> {
    let stages: [(i32, u8); 7] = [(2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3)];
    for (n, (year, stage)) in stages.into_iter().enumerate() {
        let list = store
            .build_pkh_payment_list(pkh.program, year, stage)
            .await
            .with_context(|| format!("building the payment list of {year} stage {stage}"))?;
        let list = store.freeze_pkh_payment_list(list.id, list.version).await.context("freezing a payment list")?;
        let month = Month::try_from(stage * 3).unwrap_or(Month::December);
        let paid_on = Date::from_calendar_date(year, month, 10).context("paid-on date")?;
        let lines = store.pkh_payment_lines(list.id, 0, 100_000).await.context("reading the lines")?;
        let results: Vec<ResultRow> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let failed = (i + n * 7) % FAILS_EVERY == 3;
                ResultRow {
                    row: i as u64 + 2,
                    key: LineKey::Line(l.id),
                    result: if failed { PayResult::Failed } else { PayResult::Paid },
                    reason: failed.then(|| "rekening tidak aktif".to_string()),
                    paid_on: (!failed).then_some(paid_on),
                }
            })
            .collect();
        store.record_pkh_payment_results(list.id, &results).await.context("recording the bank's results")?.map_err(
            |p| anyhow::anyhow!("demo results refused: {}", p.first().map(|p| p.to_string()).unwrap_or_default()),
        )?;
    }
    store.build_pkh_payment_list(pkh.program, 2026, 4).await.context("building the draft of 2026 stage IV")?;
    Ok(())
}
