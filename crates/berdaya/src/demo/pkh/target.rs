//! Seed 002's targeting and poverty-movement story on top of the PKH families: Table 1 as
//! the official 2020 figures of Kecamatan Randublatung; the village activities of the
//! "Sesarengan Ngopeni Kadang Kekurangan" movement in Pilang as activities of the PKH
//! program with attendance (the reading house four times a month, crafts training for
//! people with disabilities monthly, soy processing training, the pregnant-women class, MPASI
//! training and the elderly posyandu monthly); and a P2K2 cohort of the facilitator's
//! families meeting monthly for two years, each meeting a catalogue session in order.

use anyhow::Context;
use berdaya_domain::activity::{ActivityKind, AttendanceEntry, AttendanceStatus, NewActivity};
use berdaya_domain::pkh::age_on;
use berdaya_domain::pkh::p2k2::NewCohort;
use berdaya_domain::registry::{Disability, Id, Person, RegionCode, Sex};
use berdaya_store::Store;
use berdaya_store::pkh::targeting::NewWelfareFigure;
use time::{Date, Month};

use super::super::places;

/// The source line of Table 1.
const TABLE_1_SOURCE: &str = "Petugas Lapangan Keluarga Berencana Kecamatan Randublatung 2022 (Tabel 1, data 2020)";
/// Families in the demo cohort (a P2K2 group is 20–30 families).
const COHORT: usize = 25;
/// The two years of activities: December 2024 to November 2026.
const FIRST: (i32, Month) = (2024, Month::December);
const MONTHS: usize = 24;

/// A small deterministic scrambler, so the demo is the same on every load.
fn mix(a: u64, b: u64) -> u64 {
    let mut x = a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

/// `pct` percent of the time, by seed.
fn chance(seed: u64, salt: u64, pct: u64) -> bool {
    mix(seed, salt) % 100 < pct
}

fn month_at(i: usize) -> anyhow::Result<(i32, Month)> {
    let n = FIRST.0 * 12 + i32::from(u8::from(FIRST.1)) - 1 + i as i32;
    let month = Month::try_from((n % 12 + 1) as u8).context("a month")?;
    Ok((n / 12, month))
}

fn day(year: i32, month: Month, d: u8) -> anyhow::Result<Date> {
    Date::from_calendar_date(year, month, d).context("a demo date")
}

struct Planned<'a> {
    kind: ActivityKind,
    title: String,
    topic: &'a str,
    on: Date,
    minutes: i64,
    place: &'a str,
    people: Vec<Id>,
    /// Percent of the invited present.
    turnout: u64,
}

/// Loads Table 1, the movement's activities and the P2K2 cohort.
pub(super) async fn load(store: &dyn Store, pkh: &super::Pkh) -> anyhow::Result<()> {
    let figures: Vec<NewWelfareFigure> = places::RANDUBLATUNG_TABLE_1
        .iter()
        .map(|v| NewWelfareFigure {
            region: v.code.to_string(),
            counts: [i64::from(v.pra_sejahtera), i64::from(v.sejahtera_1), i64::from(v.sejahtera_2), 0, 0],
            source: Some(TABLE_1_SOURCE.into()),
        })
        .collect();
    store.set_welfare_figures(2020, &figures).await.context("Table 1 of seed 002")?;

    // The people of the PKH families, by household.
    let mut people: Vec<(Id, Vec<Person>)> = Vec::with_capacity(pkh.families.len());
    for &(family, household) in &pkh.families {
        let members = store.household_members(household).await.context("PKH household members")?;
        people.push((family, members));
    }
    let on_mid = day(2025, Month::December, 1)?;
    let age = |p: &Person| age_on(p.birth_date, on_mid);
    let mothers: Vec<(Id, Id)> = people
        .iter()
        .filter_map(|(f, ps)| {
            ps.iter()
                .filter(|p| p.sex == Sex::Female && (18..60).contains(&age(p)))
                .min_by_key(|p| p.id)
                .map(|p| (*f, p.id))
        })
        .collect();
    let pick = |pred: &dyn Fn(&Person) -> bool| -> Vec<Id> {
        people.iter().flat_map(|(_, ps)| ps.iter().filter(|p| pred(p)).map(|p| p.id)).collect()
    };
    let readers: Vec<Id> = pick(&|p| (6..=15).contains(&age(p))).into_iter().take(30).collect();
    let disabled = pick(&|p| p.disability != Disability::None);
    let elderly = pick(&|p| age(p) >= 60);
    let young_mothers: Vec<Id> = people
        .iter()
        .filter(|(_, ps)| ps.iter().any(|p| age(p) < 6))
        .filter_map(|(_, ps)| {
            ps.iter().filter(|p| p.sex == Sex::Female && (18..50).contains(&age(p))).min_by_key(|p| p.id).map(|p| p.id)
        })
        .collect();
    let expecting: Vec<Id> = people
        .iter()
        .filter_map(|(_, ps)| ps.iter().find(|p| p.sex == Sex::Female && (18..40).contains(&age(p))).map(|p| p.id))
        .take(12)
        .collect();
    let soy: Vec<Id> = mothers.iter().map(|(_, p)| *p).take(20).collect();

    let mut plan: Vec<Planned> = Vec::new();
    for i in 0..MONTHS {
        let (y, m) = month_at(i)?;
        for (w, d) in [3u8, 10, 17, 24].into_iter().enumerate() {
            plan.push(Planned {
                kind: ActivityKind::Mentoring,
                title: format!("Rumah Baca Desa Pilang — pertemuan {}", w + 1),
                topic: "Taman bacaan anak KPM: membaca, berhitung, mewarnai",
                on: day(y, m, d)?,
                minutes: 120,
                place: "Rumah Baca Desa Pilang, balai desa",
                people: readers.clone(),
                turnout: 80,
            });
        }
        plan.push(Planned {
            kind: ActivityKind::Training,
            title: "Pelatihan kerajinan barang bekas bagi penyandang disabilitas".into(),
            topic: "Hiasan dinding dari gelas dan botol plastik bekas",
            on: day(y, m, 12)?,
            minutes: 180,
            place: "Aula balai desa Pilang",
            people: disabled.clone(),
            turnout: 85,
        });
        plan.push(Planned {
            kind: ActivityKind::Counseling,
            title: "Kelas ibu hamil".into(),
            topic: "Pemeriksaan kandungan, vitamin, imunisasi, PHBS",
            on: day(y, m, 14)?,
            minutes: 120,
            place: "Polindes Desa Pilang",
            people: expecting.clone(),
            turnout: 75,
        });
        plan.push(Planned {
            kind: ActivityKind::Training,
            title: "Pelatihan pengolahan MPASI".into(),
            topic: "MPASI untuk bayi di atas 6 bulan: pencegahan stunting",
            on: day(y, m, 19)?,
            minutes: 150,
            place: "Aula balai desa Pilang",
            people: young_mothers.clone(),
            turnout: 80,
        });
        plan.push(Planned {
            kind: ActivityKind::Other,
            title: "Posyandu lansia".into(),
            topic: "Senam lansia, pemeriksaan kesehatan, pelatihan",
            on: day(y, m, 6)?,
            minutes: 120,
            place: "Posyandu Desa Pilang",
            people: elderly.clone(),
            turnout: 70,
        });
    }
    for (i, (y, m, d)) in
        [(2025, Month::March, 20), (2025, Month::April, 17), (2025, Month::May, 22)].into_iter().enumerate()
    {
        plan.push(Planned {
            kind: ActivityKind::Training,
            title: format!("Pelatihan olahan kedelai — sesi {}", i + 1),
            topic: "Tempe daun jati, tahu, keripik tempe dan kecap",
            on: day(y, m, d)?,
            minutes: 240,
            place: "Aula balai desa Pilang",
            people: soy.clone(),
            turnout: 90,
        });
    }
    let region = RegionCode::parse(places::PILANG).map_err(|e| anyhow::anyhow!("{e}"))?;
    for (n, p) in plan.iter().enumerate() {
        let a = store
            .create_activity(&NewActivity {
                program_id: pkh.program,
                kind: p.kind,
                title: p.title.clone(),
                topic: Some(p.topic.into()),
                held_on: p.on,
                starts_at: None,
                duration_min: p.minutes,
                region: region.clone(),
                place: Some(p.place.into()),
                staff_ids: Vec::new(),
                group_ids: Vec::new(),
                tag_ids: Vec::new(),
                materials: None,
                report: None,
            })
            .await
            .with_context(|| format!("demo activity {}", p.title))?;
        let entries: Vec<AttendanceEntry> = p
            .people
            .iter()
            .map(|&person| AttendanceEntry {
                person_id: person,
                status: if chance(person as u64, n as u64, p.turnout) {
                    AttendanceStatus::Present
                } else if chance(person as u64, n as u64 + 7, 50) {
                    AttendanceStatus::Excused
                } else {
                    AttendanceStatus::Absent
                },
            })
            .collect();
        if !entries.is_empty() {
            store.record_attendance(a.id, &entries).await.context("demo attendance")?;
        }
    }

    // The P2K2 cohort: the first families, monthly meetings, the catalogue in order.
    let cohort = store
        .create_p2k2_cohort(&NewCohort {
            program_id: pkh.program,
            name: "Kelompok P2K2 Pilang 1".into(),
            region: places::PILANG.into(),
            facilitator_id: Some(pkh.facilitator),
        })
        .await
        .context("the P2K2 cohort")?;
    let members: Vec<(Id, Id)> = mothers.iter().take(COHORT).copied().collect();
    let family_ids: Vec<Id> = members.iter().map(|(f, _)| *f).collect();
    store.add_p2k2_families(cohort.id, &family_ids).await.context("the cohort's families")?;
    let sessions: Vec<(String, Id)> = store
        .p2k2_catalogue()
        .await
        .context("the P2K2 catalogue")?
        .into_iter()
        .flat_map(|m| m.sessions.into_iter().map(|s| (format!("{} {}", s.code, s.title), s.id)))
        .collect();
    anyhow::ensure!(!sessions.is_empty(), "the P2K2 catalogue is empty");
    for i in 0..MONTHS {
        let (y, m) = month_at(i)?;
        let (title, session) = &sessions[i % sessions.len()];
        let a = store
            .create_activity(&NewActivity {
                program_id: pkh.program,
                kind: ActivityKind::Mentoring,
                title: format!("P2K2 {title}"),
                topic: Some("Pertemuan Peningkatan Kemampuan Keluarga".into()),
                held_on: day(y, m, 8)?,
                starts_at: None,
                duration_min: 120,
                region: region.clone(),
                place: Some("Rumah ketua kelompok P2K2".into()),
                staff_ids: Vec::new(),
                group_ids: Vec::new(),
                tag_ids: Vec::new(),
                materials: None,
                report: None,
            })
            .await
            .context("a P2K2 meeting")?;
        store.link_p2k2_session(a.id, *session, cohort.id).await.context("linking a P2K2 meeting")?;
        let entries: Vec<AttendanceEntry> = members
            .iter()
            .map(|&(_, mother)| AttendanceEntry {
                person_id: mother,
                status: if chance(mother as u64, 1000 + i as u64, 88) {
                    AttendanceStatus::Present
                } else {
                    AttendanceStatus::Absent
                },
            })
            .collect();
        store.record_attendance(a.id, &entries).await.context("P2K2 attendance")?;
    }
    Ok(())
}
