//! PKH at national scale: 1,000,000 enrolled families (4,000,000 members) on SQLite and on
//! PostgreSQL. The registry is loaded through the registry bulk import
//! (`RegistryBulk::import_registry`), the PKH rows (enrollments, families, school facts,
//! compliance) by set-based inserts in bulk mode (no audit row per record). Then it times
//! **closing one verification period** (`PkhVerifyStore::close_pkh_period`) and **building
//! the stage's payment list** (`PkhPayStore::build_pkh_payment_list`), printing each one's
//! seconds and the process's peak memory (VmHWM) against the targets (60 s, 1 GB).
//!
//! Every household: a head (every tenth one 70 years old: `lansia`), a spouse, a child at
//! primary school (`sd`) and a child under 7 (`anak_usia_dini`). Nine families in ten have
//! every obligation of period 2026-1 recorded met; the tenth misses them (warning).

use std::time::Instant;

use anyhow::{Context, bail};
use berdaya_domain::pkh::Period;
use berdaya_domain::registry::{
    AgencyDraft, Disability, Education, Kk, NewHousehold, NewPerson, Nik, ProgramDraft, RegionCode, RegionDraft,
    Relation, Sex, WelfareStage,
};
use berdaya_store::kit::{Backend, Sql, exec, job};
use berdaya_store::{ImportOptions, RegistryRecord, RowError, Store};
use berdaya_store_postgres::testing::TestDatabase;
use time::macros::date;
use time::{Date, Duration};

const TARGET_SECONDS: f64 = 60.0;
const TARGET_MB: f64 = 1024.0;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Enrolled families (each of four members).
    #[arg(long, default_value_t = 1_000_000)]
    families: usize,
    /// A PostgreSQL server that may run `CREATE DATABASE`; a database is created for the
    /// benchmark and dropped after it.
    #[arg(long = "pg", env = "BERDAYA_BENCH_PG_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Only SQLite.
    #[arg(long)]
    sqlite_only: bool,
    /// Only PostgreSQL.
    #[arg(long)]
    pg_only: bool,
}

/// The process's peak resident memory so far, in MB (VmHWM), if the system tells.
pub fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    if args.families == 0 || args.families > 5_000_000 {
        bail!("--families must be between 1 and 5,000,000");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let mut ok = true;
        if !args.pg_only {
            let dir = tempfile::tempdir()?;
            let store = berdaya_store_sqlite::SqliteStore::open(&dir.path().join("pkh.sqlite3")).await?;
            ok &= bench(&store, "SQLite", args).await?;
        }
        if !args.sqlite_only {
            let db = TestDatabase::create(&args.pg_url).await.context("creating a PostgreSQL database")?;
            let result = async {
                let store = berdaya_store_postgres::PgStore::connect(&db.url).await?;
                bench(&store, "PostgreSQL", args).await
            }
            .await;
            if let Err(e) = db.drop_database().await {
                eprintln!("warning: could not drop the benchmark's PostgreSQL database: {e}");
            }
            ok &= result?;
        }
        if !ok {
            bail!("PKH benchmark missed a target ({TARGET_SECONDS} s, {TARGET_MB} MB)");
        }
        Ok(())
    })
}

const VILLAGES: usize = 20;

fn village(i: usize) -> String {
    format!("33.16.09.{}", 2001 + i % VILLAGES)
}

/// The `i`th household's KK: district 331609, an issue date, a serial.
fn kk_of(i: usize) -> anyhow::Result<Kk> {
    let serial = i % 9000 + 1;
    let n = i / 9000;
    let (day, month, year) = (1 + n % 28, 1 + (n / 28) % 12, (n / 336) % 100);
    Kk::parse(&format!("331609{day:02}{month:02}{year:02}{serial:04}")).map_err(anyhow::Error::msg)
}

/// The four people of household `i`: (name, sex, birth, relation).
fn people_of(i: usize) -> [(String, Sex, Date, Relation); 4] {
    let shift = Duration::days((i / 9000) as i64);
    let head_birth = if i.is_multiple_of(10) { date!(1950 - 01 - 01) } else { date!(1980 - 01 - 01) };
    [
        (format!("Kepala {i}"), Sex::Male, head_birth + shift, Relation::Head),
        (format!("Ibu {i}"), Sex::Female, date!(1983 - 01 - 01) + shift, Relation::Spouse),
        (format!("Anak SD {i}"), Sex::Male, date!(2016 - 01 - 01) + shift, Relation::Child),
        (format!("Balita {i}"), Sex::Female, date!(2021 - 06 - 01) + shift, Relation::Child),
    ]
}

/// The registry rows: four per household, generated as they are read.
fn records(families: usize) -> impl Iterator<Item = Result<RegistryRecord, Vec<RowError>>> + Send {
    (0..families).flat_map(move |i| {
        let household = NewHousehold {
            kk: kk_of(i).expect("bench KK"),
            address: format!("Dukuh {} RT {:02}", i % 50, i % 12 + 1),
            region: RegionCode::parse(&village(i)).expect("village code"),
            welfare_stage: WelfareStage::PraSejahtera,
            dtks_listed: true,
            dtks_since: Some(date!(2020 - 01 - 01)),
        };
        people_of(i).into_iter().enumerate().map(move |(j, (name, sex, birth, relation))| {
            let serial = (i % 9000 + 1) as u16;
            let nik = Nik::compose("331609", birth, sex, serial).expect("bench NIK");
            Ok(RegistryRecord {
                row: (i * 4 + j + 2) as u64,
                household: household.clone(),
                person: NewPerson {
                    nik,
                    household_id: None,
                    name,
                    sex,
                    birth_date: birth,
                    relation,
                    education: Education::Sd,
                    occupation: None,
                    disability: Disability::None,
                },
                raw: Vec::new(),
            })
        })
    })
}

async fn bench<S: Store + Backend>(store: &S, backend: &str, args: &Args) -> anyhow::Result<bool> {
    let started = Instant::now();
    for (code, name, kind) in
        [("33", "Jawa Tengah", "province"), ("33.16", "Blora", "regency"), ("33.16.09", "Randublatung", "district")]
    {
        store.create_region(&RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse()?).await?;
    }
    for v in 0..VILLAGES {
        let draft = RegionDraft { code: village(v), name: format!("Desa {}", v + 1), kind: "village".into() };
        store.create_region(&draft.parse()?).await?;
    }
    let agency =
        AgencyDraft { name: "Dinas Sosial".into(), kind: "agency".into(), region: "33.16".into(), parent_id: None };
    let agency = store.create_agency(&agency.parse()?).await?;
    let program = ProgramDraft {
        name: "PKH".into(),
        agency_id: agency.id.to_string(),
        starts_on: "2024-01-01".into(),
        target_regions: "33.16".into(),
        ..Default::default()
    };
    let program = store.create_program(&program.parse()?).await?.id;
    let report = store
        .import_registry(&mut (records(args.families), 0u64), &ImportOptions { skip_invalid: false, dry_run: false })
        .await?;
    anyhow::ensure!(
        report.people_created as usize == args.families * 4,
        "the registry import created {} people",
        report.people_created
    );
    println!(
        "pkh, {backend}: {} households and {} people imported in {:.1} s",
        report.households_created,
        report.people_created,
        started.elapsed().as_secs_f64()
    );
    let period = store.open_pkh_period(program, Period::new(2026, 1).map_err(anyhow::Error::msg)?).await?;
    let loaded = Instant::now();
    let sqlite = backend == "SQLite";
    store
        .write(job(move |c| {
            Box::pin(async move {
                let quiet = if sqlite {
                    Sql::new("UPDATE audit_context SET bulk = 1 WHERE id = 1")
                } else {
                    Sql::new("SELECT set_config('berdaya.bulk', '1', true)")
                };
                if sqlite {
                    exec(c, &quiet).await?;
                } else {
                    berdaya_store::kit::rows(c, &quiet).await?;
                }
                let enrolled = date!(2025 - 01 - 02);
                let mut sql = Sql::new("INSERT INTO enrollments (program_id, household_id, status, enrolled_on) SELECT ");
                sql.bind(program).push(", h.id, 'enrolled', ").bind(enrolled).push(" FROM households h ORDER BY h.id");
                exec(c, &sql).await?;
                let mut sql = Sql::new(
                    "INSERT INTO pkh_families (program_id, household_id, enrollment_id, decile, status, consecutive, enrolled_on) \
                     SELECT e.program_id, e.household_id, e.id, 1, 'active', 0, ",
                );
                sql.bind(enrolled).push(" FROM enrollments e WHERE e.program_id = ").bind(program).push(" ORDER BY e.id");
                exec(c, &sql).await?;
                let mut sql = Sql::new(
                    "INSERT INTO pkh_facts (family_id, person_id, kind, level, school_name, starts_on) \
                     SELECT f.id, p.id, 'school', 'sd', 'SD Negeri', ",
                );
                sql.bind(date!(2022 - 07 - 15)).push(
                    " FROM pkh_families f JOIN people p ON p.household_id = f.household_id \
                     WHERE p.name LIKE 'Anak SD %' ORDER BY f.id",
                );
                exec(c, &sql).await?;
                // Compliance of 2026-1: nine families in ten meet every due obligation.
                let met = "f.id % 10 <> 7";
                let now = berdaya_store::kit::now();
                for (obligation, person) in [
                    ("p2k2", None),
                    ("school_attendance", Some("Anak SD %")),
                    ("immunisation", Some("Balita %")),
                    ("weighing", Some("Balita %")),
                    ("welfare_visit", Some("Kepala %")),
                ] {
                    let mut sql = Sql::new(
                        "INSERT INTO pkh_compliance (period_id, family_id, person_id, obligation, compliant, \
                         attendance_tenths, recorded_at) SELECT ",
                    );
                    sql.bind(period.id);
                    match person {
                        None => {
                            sql.push(", f.id, NULL, ").bind(obligation).push(&format!(", {met}, NULL, "));
                            sql.bind(now).push(" FROM pkh_families f WHERE f.program_id = ").bind(program);
                        }
                        Some(like) => {
                            let tenths = if obligation == "school_attendance" { "950" } else { "NULL" };
                            sql.push(", f.id, p.id, ").bind(obligation).push(&format!(", {met}, {tenths}, "));
                            sql.bind(now)
                                .push(" FROM pkh_families f JOIN people p ON p.household_id = f.household_id WHERE f.program_id = ")
                                .bind(program)
                                .push(" AND p.name LIKE ")
                                .bind(like);
                            if obligation == "welfare_visit" {
                                sql.push(" AND p.birth_date < ").bind(date!(1960 - 01 - 01));
                            }
                        }
                    }
                    exec(c, &sql).await?;
                }
                Ok(())
            })
        }))
        .await?;
    println!("  PKH rows (families, facts, compliance) written in {:.1} s", loaded.elapsed().as_secs_f64());
    let mut ok = true;
    reset_peak();
    let t = Instant::now();
    let closed = store.close_pkh_period(period.id, None).await?;
    ok &= figure(
        "close period 2026-1",
        t.elapsed().as_secs_f64(),
        &format!("{closed:?}").chars().take(160).collect::<String>(),
    );
    reset_peak();
    let t = Instant::now();
    let list = store.build_pkh_payment_list(program, 2026, 1).await?;
    ok &= figure(
        "build stage I payment list",
        t.elapsed().as_secs_f64(),
        &format!("{} families listed, Rp {} in total, {} not paid", list.families, list.total, list.not_paid()),
    );
    anyhow::ensure!(list.families as usize == args.families, "{} families listed", list.families);
    Ok(ok)
}

/// Starts measuring the peak memory afresh (writing 5 to `clear_refs` resets VmHWM), so
/// that each step's figure is its own and not the registry import's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Prints one timed step with the peak memory so far; whether both targets are met.
fn figure(what: &str, seconds: f64, detail: &str) -> bool {
    let peak = peak_mb();
    let ok = seconds < TARGET_SECONDS && peak.is_none_or(|mb| mb < TARGET_MB);
    println!(
        "  {what}: {seconds:.1} s, peak memory {} (targets < {TARGET_SECONDS} s, < {TARGET_MB} MB: {}) — {detail}",
        peak.map_or("unknown".into(), |mb| format!("{mb:.0} MB")),
        if ok { "met" } else { "MISSED" }
    );
    ok
}
