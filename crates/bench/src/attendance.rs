//! Recording attendance for a 500-person activity: one bulk upsert (`ActivityStore::
//! record_attendance`, one transaction, audit rows included) on SQLite and on PostgreSQL,
//! first as new rows, then as changes to every row. Prints each run's milliseconds, the median
//! and the slowest against the 100 ms target, and fails past it.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use berdaya::store::DatabaseUrl;
use berdaya_domain::activity::{ActivityDraft, AttendanceEntry, AttendanceStatus};
use berdaya_domain::registry::{
    AgencyDraft, Disability, Education, GroupDraft, NewPerson, Nik, ProgramDraft, RegionDraft, Relation, Sex,
};
use berdaya_store::Store;
use berdaya_store_postgres::testing::TestDatabase;

/// The target from the issue.
const TARGET: Duration = Duration::from_millis(100);

#[derive(Debug, clap::Args)]
pub struct AttendanceArgs {
    /// People at the activity.
    #[arg(long, default_value_t = 500)]
    people: usize,
    /// Timed runs per backend (each alternates new rows and changed rows).
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// A PostgreSQL server that may run `CREATE DATABASE`; a database is created for the
    /// benchmark and dropped after it.
    #[arg(long, env = "BERDAYA_BENCH_PG_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Only SQLite.
    #[arg(long)]
    sqlite_only: bool,
}

pub fn run(args: &AttendanceArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let dir = tempfile::tempdir()?;
        let store = berdaya::store::open(&DatabaseUrl::Sqlite(dir.path().join("attendance.sqlite3"))).await?;
        let mut ok = bench(&*store, "SQLite", args).await?;
        if !args.sqlite_only {
            let db = TestDatabase::create(&args.pg_url).await.context("creating a PostgreSQL database")?;
            let result = async {
                let store = berdaya::store::open(&DatabaseUrl::Postgres(db.url.clone())).await?;
                bench(&*store, "PostgreSQL", args).await
            }
            .await;
            if let Err(e) = db.drop_database().await {
                eprintln!("warning: could not drop the benchmark's PostgreSQL database: {e}");
            }
            ok &= result?;
        }
        if !ok {
            bail!("recording attendance missed the {} ms target", TARGET.as_millis());
        }
        Ok(())
    })
}

/// Seeds a program, an activity and `people` people, then times the upserts.
async fn bench(store: &dyn Store, backend: &str, args: &AttendanceArgs) -> anyhow::Result<bool> {
    for (code, name, kind) in [
        ("62", "Kalimantan Tengah", "province"),
        ("62.71", "Kota Palangka Raya", "city"),
        ("62.71.04", "Sebangau", "district"),
        ("62.71.04.1005", "Kalampangan", "kelurahan"),
    ] {
        store.create_region(&RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse()?).await?;
    }
    let agency = AgencyDraft { name: "BPP".into(), kind: "unit".into(), region: "62.71.04".into(), parent_id: None };
    let agency = store.create_agency(&agency.parse()?).await?;
    let program = ProgramDraft {
        name: "Bench".into(),
        agency_id: agency.id.to_string(),
        starts_on: "2023-01-01".into(),
        target_regions: "62.71.04.1005".into(),
        ..Default::default()
    };
    let program = store.create_program(&program.parse()?).await?;
    let group = GroupDraft {
        name: "Poktan".into(),
        kind: "farmer_group".into(),
        region: "62.71.04.1005".into(),
        ..Default::default()
    };
    let group = store.create_group(&group.parse()?).await?;
    let activity = ActivityDraft {
        program_id: program.id.to_string(),
        kind: "counseling".into(),
        title: "Penyuluhan besar".into(),
        held_on: "2023-05-01".into(),
        duration_min: "180".into(),
        region: "62.71.04.1005".into(),
        group_ids: group.id.to_string(),
        ..Default::default()
    };
    let activity = store.create_activity(&activity.parse()?).await?;
    let seeded = Instant::now();
    let mut people = Vec::with_capacity(args.people);
    for i in 0..args.people {
        let birth = time::Date::from_calendar_date(1970 + (i % 40) as i32, time::Month::March, 1 + (i % 28) as u8)?;
        let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
        let nik = Nik::compose("627104", birth, sex, 1 + i as u16).map_err(anyhow::Error::msg)?;
        let p = NewPerson {
            nik,
            household_id: None,
            name: format!("Peserta {i:04}"),
            sex,
            birth_date: birth,
            relation: Relation::Head,
            education: Education::Sd,
            occupation: None,
            disability: Disability::None,
        };
        people.push(store.create_person(&p).await?.id);
    }
    println!(
        "attendance, {backend}: {} people seeded in {:.1} s; one bulk upsert per run",
        args.people,
        seeded.elapsed().as_secs_f64()
    );
    let mut times = Vec::with_capacity(args.runs);
    for run in 0..args.runs {
        let entries: Vec<AttendanceEntry> = people
            .iter()
            .enumerate()
            .map(|(i, id)| AttendanceEntry {
                person_id: *id,
                status: match (i + run) % 5 {
                    0 => AttendanceStatus::Absent,
                    1 => AttendanceStatus::Excused,
                    _ => AttendanceStatus::Present,
                },
            })
            .collect();
        let started = Instant::now();
        let written = store.record_attendance(activity.id, &entries).await?;
        let took = started.elapsed();
        anyhow::ensure!(written as usize == people.len(), "wrote {written} rows");
        let what = if run == 0 { "new rows" } else { "changed rows" };
        println!("  run {:2} ({what:12}): {:7.1} ms", run + 1, took.as_secs_f64() * 1000.0);
        times.push(took);
    }
    let rate = store.activity_rate(activity.id).await?;
    anyhow::ensure!(rate.recorded as usize == people.len(), "{} rows recorded", rate.recorded);
    times.sort();
    let median = times[times.len() / 2];
    let slowest = times[times.len() - 1];
    let ok = slowest < TARGET;
    println!(
        "  median {:.1} ms, slowest {:.1} ms (target < {} ms: {}); rate after the last run {}",
        median.as_secs_f64() * 1000.0,
        slowest.as_secs_f64() * 1000.0,
        TARGET.as_millis(),
        if ok { "met" } else { "MISSED" },
        rate.describe()
    );
    Ok(ok)
}
