//! Group books benchmark: posts `--entries` book entries (default 1,000,000) over `--groups`
//! groups (default 1,000) on SQLite, 24 months of sales, costs and uses of profit, then times
//! producing every group's monthly statements (one grouped read of the whole table, then the
//! statements carried month to month). The target: under 2 s. Prints the figures and checks
//! that the statements' closing cash equals the sum of the entries.

use std::time::Instant;

use anyhow::Context;
use berdaya_domain::kotaku::book::{EntryKind, NewEntry, statements};
use berdaya_domain::registry::{GroupKind, NewGroup, NewRegion, RegionCode, RegionKind};
use berdaya_store::Store;
use berdaya_store_sqlite::SqliteStore;
use time::Duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Book entries in all.
    #[arg(long, default_value_t = 1_000_000)]
    entries: usize,
    /// Groups keeping books.
    #[arg(long, default_value_t = 1_000)]
    groups: usize,
    /// Timed repetitions of producing the statements; best and median are reported.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
}

/// The `i`th entry of a group: sales most days, costs, and a few uses of profit a month.
fn entry(i: usize) -> NewEntry {
    let day = time::macros::date!(2023 - 01 - 01) + Duration::days((i * 730 / 1000) as i64 % 730);
    let (kind, category, amount) = match i % 10 {
        0..=4 => (EntryKind::Income, "penjualan", 100_000 + (i as i64 * 7_919) % 50_000),
        5..=7 => (EntryKind::Cost, "bahan_baku", 40_000 + (i as i64 * 104_729) % 30_000),
        8 => (EntryKind::Cost, "kemasan", 15_000),
        _ => (EntryKind::ProfitUse, ["pemeliharaan", "benih", "operasional"][i / 10 % 3], 50_000),
    };
    NewEntry {
        entry_on: day,
        kind,
        category: category.into(),
        amount_rp: amount,
        counterpart: None,
        note: None,
        sale: None,
        reverses_id: None,
    }
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(bench(args))
}

async fn bench(args: &Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("books.sqlite3")).await.context("open SQLite")?;
    let s: &dyn Store = &store;
    let code = |c: &str| RegionCode::parse(c).map_err(|e| anyhow::anyhow!("{e}"));
    for (c, name, kind) in [
        ("18", "Lampung", RegionKind::Province),
        ("18.71", "Bandar Lampung", RegionKind::City),
        ("18.71.01", "Tanjung Karang Barat", RegionKind::District),
        ("18.71.01.1001", "Kaliawi Persada", RegionKind::Kelurahan),
    ] {
        s.create_region(&NewRegion { code: code(c)?, name: name.into(), kind }).await?;
    }
    let per_group = args.entries / args.groups.max(1);
    let load = Instant::now();
    let mut expected: i64 = 0;
    for g in 0..args.groups {
        let group = s
            .create_group(&NewGroup {
                name: format!("KWT {g:04}"),
                kind: GroupKind::WomenFarmerGroup,
                region: code("18.71.01.1001")?,
                founded_on: None,
                description: None,
            })
            .await?;
        let list: Vec<NewEntry> = (0..per_group).map(|i| entry(i + g)).collect();
        expected += list.iter().map(|e| e.kind.cash_sign() * e.amount_rp).sum::<i64>();
        s.post_entries(group.id, &list).await?;
    }
    let total = per_group * args.groups;
    println!(
        "books: posted {total} entries over {} groups ({per_group} each, 24 months) in {:.1} s",
        args.groups,
        load.elapsed().as_secs_f64()
    );
    let mut times = Vec::new();
    let mut months = 0;
    let mut closing: i64 = 0;
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        let all = s.all_book_sums().await?;
        let made: Vec<_> = all.iter().map(|(g, sums)| (*g, statements(0, sums))).collect();
        times.push(t.elapsed().as_secs_f64());
        months = made.iter().map(|(_, st)| st.len()).sum::<usize>();
        closing = made.iter().filter_map(|(_, st)| st.last().map(|x| x.closing_rp)).sum();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "books: monthly statements of all {} groups ({months} statements from {total} entries): best {:.3} s, median {:.3} s (target < 2 s)",
        args.groups,
        times[0],
        times[times.len() / 2]
    );
    anyhow::ensure!(
        closing == expected,
        "the statements' closing cash {closing} differs from the entries' sum {expected}"
    );
    println!("books: closing cash of all statements equals the sum of the entries (Rp {closing})");
    Ok(())
}
