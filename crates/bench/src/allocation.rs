//! Input-aid allocation benchmark: a 10,000-member group's season plan, computed by the pure
//! function (`allocate`) and through the store on SQLite (reading the members' land and the
//! dose table, writing the plan lines and their audit entries in one transaction).

use std::time::{Duration, Instant};

use anyhow::Context;
use berdaya_domain::agriculture::aid::{
    CapRule, Crop, DoseRate, LandDraft, MemberLand, NewPlan, Season, Term, allocate,
};
use berdaya_domain::registry::{
    AgencyKind, Disability, Education, EnrollmentStatus, GroupKind, GroupRole, NewAgency, NewEnrollment, NewGroup,
    NewMember, NewPerson, NewProgram, NewRegion, Nik, RegionCode, RegionKind, Relation, Sex, Subject, SubjectKind,
};
use berdaya_store::Store;
use berdaya_store_sqlite::SqliteStore;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Members of the group.
    #[arg(long, default_value_t = 10_000)]
    members: usize,
    /// Timed repetitions; the best is reported (and the median for the store path).
    #[arg(long, default_value_t = 5)]
    repeat: usize,
}

/// A member's land: dragon fruit from 500 m² to 2,6 ha (some over the 2 ha cap), a third
/// with chilli too.
fn parcels(i: usize) -> Vec<(Crop, i64)> {
    let mut p = vec![(Crop::DragonFruit, 500 + (i as i64 * 37) % 25_500)];
    if i.is_multiple_of(3) {
        p.push((Crop::Chilli, 1_000 + (i as i64 * 11) % 4_000));
    }
    p
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let crops = [Crop::DragonFruit, Crop::Chilli];
    // The pure function, on the shipped dose rates of the two crops.
    let members: Vec<MemberLand> =
        (0..args.members).map(|i| MemberLand { person_id: i as i64 + 1, parcels: parcels(i) }).collect();
    let doses = [
        DoseRate { crop: Crop::DragonFruit, item_id: 1, per_ha: 100_000 },
        DoseRate { crop: Crop::DragonFruit, item_id: 4, per_ha: 300_000 },
        DoseRate { crop: Crop::DragonFruit, item_id: 5, per_ha: 2_000_000 },
        DoseRate { crop: Crop::DragonFruit, item_id: 10, per_ha: 4_000 },
        DoseRate { crop: Crop::DragonFruit, item_id: 11, per_ha: 2_000 },
        DoseRate { crop: Crop::Chilli, item_id: 1, per_ha: 200_000 },
        DoseRate { crop: Crop::Chilli, item_id: 4, per_ha: 300_000 },
    ];
    let mut best = Duration::MAX;
    let mut lines = 0;
    for _ in 0..args.repeat.max(1) + 1 {
        let t = Instant::now();
        let out = allocate(&members, &doses, &crops, CapRule::default());
        best = best.min(t.elapsed());
        lines = out.len();
    }
    println!(
        "allocation (pure function): {} members, {lines} lines, best of {}: {:.2} ms",
        args.members,
        args.repeat,
        ms(best)
    );

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(store_path(args, &crops))
}

async fn store_path(args: &Args, crops: &[Crop]) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("bench.sqlite3")).await.context("open SQLite")?;
    let s: &dyn Store = &store;
    let setup = Instant::now();
    let code = |c: &str| RegionCode::parse(c).map_err(|e| anyhow::anyhow!("{e}"));
    for (c, name, kind) in [
        ("62", "Kalimantan Tengah", RegionKind::Province),
        ("62.71", "Palangka Raya", RegionKind::City),
        ("62.71.04", "Sebangau", RegionKind::District),
        ("62.71.04.1005", "Kalampangan", RegionKind::Kelurahan),
    ] {
        s.create_region(&NewRegion { code: code(c)?, name: name.into(), kind }).await?;
    }
    let agency = s
        .create_agency(&NewAgency {
            name: "Dinas Pertanian".into(),
            kind: AgencyKind::Agency,
            region: code("62.71")?,
            parent_id: None,
        })
        .await?;
    let program = s
        .create_program(&NewProgram {
            name: "Bantuan saprodi".into(),
            agency_id: agency.id,
            starts_on: time::macros::date!(2023 - 01 - 01),
            ends_on: None,
            description: None,
            target_regions: vec![code("62.71.04.1005")?],
        })
        .await?;
    let group = s
        .create_group(&NewGroup {
            name: "Poktan besar".into(),
            kind: GroupKind::FarmerGroup,
            region: code("62.71.04.1005")?,
            founded_on: None,
            description: None,
        })
        .await?;
    s.enroll(
        program.id,
        &NewEnrollment {
            subject: Subject { kind: SubjectKind::Group, id: group.id },
            status: EnrollmentStatus::Enrolled,
            enrolled_on: time::macros::date!(2023 - 01 - 02),
            ended_on: None,
        },
    )
    .await?;
    for i in 0..args.members {
        let birth = time::Date::from_calendar_date(1960 + (i / 9_000) as i32, time::Month::March, 1)?;
        let nik =
            Nik::compose("627104", birth, Sex::Male, 1 + (i % 9_000) as u16).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let person = s
            .create_person(&NewPerson {
                nik,
                household_id: None,
                name: format!("Petani {i:05}"),
                sex: Sex::Male,
                birth_date: birth,
                relation: Relation::Head,
                education: Education::Sd,
                occupation: None,
                disability: Disability::None,
            })
            .await?;
        s.add_member(group.id, &NewMember { person_id: person.id, role: GroupRole::Member, since: None, until: None })
            .await?;
        for (crop, area) in parcels(i) {
            let land = LandDraft {
                person_id: person.id.to_string(),
                crop: crop.code().into(),
                land_area: area.to_string(),
                note: None,
            };
            s.add_land(&land.parse().map_err(|e| anyhow::anyhow!("{e}"))?).await?;
        }
    }
    println!(
        "setup (SQLite, {} members with land, one write each): {:.1} s",
        args.members,
        setup.elapsed().as_secs_f64()
    );
    let plan = NewPlan {
        program_id: program.id,
        group_id: group.id,
        season: Season { year: 2023, term: Term::Mt1 },
        crops: crops.to_vec(),
    };
    let t = Instant::now();
    let made = s.create_aid_plan(&plan).await?;
    let first = t.elapsed();
    let lines = s.aid_plan_lines(made.id).await?.len();
    let mut times = Vec::new();
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        s.recompute_aid_plan(made.id).await?;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "allocation (store, SQLite: read land + doses, write {lines} plan lines with their audit entries, one transaction): \
         first {:.1} ms; recompute best {:.1} ms, median {:.1} ms of {}",
        ms(first),
        ms(times[0]),
        ms(times[times.len() / 2]),
        times.len()
    );
    Ok(())
}
