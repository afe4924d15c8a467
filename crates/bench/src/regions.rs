//! Loading Indonesia's regions: `berdaya import regions` (the shipped Kemendagri list,
//! 91,599 regions) into an empty, migrated database on SQLite and on PostgreSQL, then the
//! same load again, which must change nothing. Prints the wall time of each load (the whole
//! command: reading the list, the transaction, sealing the audit log) against the 10 s
//! target, and fails if the first load added other than every region or the second changed
//! anything.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use berdaya_store_postgres::testing::TestDatabase;

use crate::process::{Workdir, berdaya_binary, remove_sqlite};

/// The target from the issue: the full list into an empty database.
const TARGET: Duration = Duration::from_secs(10);

#[derive(Debug, clap::Args)]
pub struct RegionsArgs {
    /// A PostgreSQL server that may run `CREATE DATABASE`; a database is created for the
    /// benchmark and dropped after it.
    #[arg(long, env = "BERDAYA_TEST_PG_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Only SQLite.
    #[arg(long)]
    sqlite_only: bool,
}

pub fn run(args: &RegionsArgs) -> anyhow::Result<()> {
    let berdaya = berdaya_binary()?;
    let work = Workdir::new(None)?;
    let sqlite = work.path.join("regions.sqlite3");
    remove_sqlite(&sqlite);
    let mut failed = !twice(&berdaya, &work.path, "SQLite", sqlite.as_os_str())?;
    if !args.sqlite_only {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let db = runtime.block_on(TestDatabase::create(&args.pg_url)).context("creating a PostgreSQL database")?;
        let result = twice(&berdaya, &work.path, "PostgreSQL", &OsString::from(&db.url));
        if let Err(e) = runtime.block_on(db.drop_database()) {
            eprintln!("warning: could not drop the benchmark's PostgreSQL database: {e}");
        }
        failed |= !result?;
    }
    if failed {
        bail!("a region load missed its target or did not do what it should");
    }
    Ok(())
}

/// Migrates an empty database, then loads the list twice; whether both loads did as they
/// should within the target.
fn twice(berdaya: &Path, work: &Path, backend: &str, database: &OsStr) -> anyhow::Result<bool> {
    berdaya_run(berdaya, work, &["migrate"], database)?;
    let (first, first_out) = timed(|| berdaya_run(berdaya, work, &["import", "regions"], database))?;
    let (second, second_out) = timed(|| berdaya_run(berdaya, work, &["import", "regions"], database))?;
    let first_ok = first_out.contains("91599 regions, 91599 added, 0 renamed") && first < TARGET;
    let second_ok = second_out.contains("0 added, 0 renamed; nothing changed");
    println!("regions, {backend}: the shipped Kemendagri list (91,599 regions) into an empty database");
    println!(
        "  first load  : {:6.2} s   (target < {} s: {})   {first_out}",
        first.as_secs_f64(),
        TARGET.as_secs(),
        verdict(first_ok)
    );
    println!(
        "  second load : {:6.2} s   (changes nothing: {})   {second_out}",
        second.as_secs_f64(),
        verdict(second_ok)
    );
    Ok(first_ok && second_ok)
}

fn timed<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<(Duration, T)> {
    let started = Instant::now();
    let out = f()?;
    Ok((started.elapsed(), out))
}

/// Runs `berdaya ARGS --database DATABASE` with its audit key and seals in `work`; its stdout.
fn berdaya_run(berdaya: &Path, work: &Path, args: &[&str], database: &OsStr) -> anyhow::Result<String> {
    let out = Command::new(berdaya)
        .args(args)
        .arg("--database")
        .arg(database)
        .arg("--audit-key")
        .arg(work.join("audit.key"))
        .arg("--audit-seals")
        .arg(work.join(format!("seals-{}", database.len())))
        .env("RUST_LOG", "warn")
        .output()
        .with_context(|| format!("running berdaya {}", args.join(" ")))?;
    if !out.status.success() {
        bail!("berdaya {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}
