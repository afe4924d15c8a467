//! Demo activities and attendance: a year (2023) of counseling, training, mentoring and
//! socialization for the three dragon-fruit groups of Kalampangan by the BPP's extension
//! workers, tagged with the four *bina*, with plausible attendance (most present, some excused,
//! a few absent); and Karya Makmur II's land-optimization activities of 2014–2015 (group
//! account, village deliberation, RUKK, land preparation…), tagged with the participation
//! stages. Deterministic: a seeded generator.

use anyhow::{Context, anyhow};
use berdaya_domain::activity::{ActivityKind, AttendanceEntry, AttendanceStatus, ClockTime, NewActivity};
use berdaya_domain::registry::{GroupMember, Id, RegionCode};
use berdaya_store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Date, Month};

use super::Agri;

const SEED: u64 = 0xAC71_2023;

/// The year's program for each group: (month, day, kind, title, topic, bina dimension codes).
/// One session of the year: month, day, kind, title, topic, bina dimension codes.
type Session = (u8, u8, ActivityKind, &'static str, &'static str, &'static [&'static str]);

const YEAR: &[Session] = &[
    (
        1,
        12,
        ActivityKind::Counseling,
        "Penyuluhan pemupukan berimbang buah naga",
        "Dosis pupuk NPK dan kapur di lahan gambut",
        &["manusia", "lingkungan"],
    ),
    (
        2,
        9,
        ActivityKind::Training,
        "Pelatihan penyambungan dan perbanyakan bibit",
        "Stek batang dan pemilihan bibit unggul",
        &["manusia", "usaha"],
    ),
    (
        3,
        16,
        ActivityKind::Mentoring,
        "Pendampingan pengolahan lahan gambut",
        "Drainase dan pengapuran tanpa bakar",
        &["lingkungan"],
    ),
    (
        4,
        13,
        ActivityKind::Socialization,
        "Sosialisasi pembukaan lahan tanpa bakar",
        "Larangan membakar dan alternatifnya",
        &["lingkungan", "kelembagaan"],
    ),
    (
        5,
        11,
        ActivityKind::Counseling,
        "Penyuluhan pengendalian hama dan penyakit",
        "Busuk batang dan kutu putih",
        &["manusia"],
    ),
    (
        6,
        15,
        ActivityKind::Training,
        "Pelatihan pengoperasian hand tractor",
        "Alat mesin pertanian bantuan Dinas",
        &["manusia", "usaha"],
    ),
    (
        7,
        13,
        ActivityKind::Mentoring,
        "Pendampingan administrasi kelompok",
        "Buku anggota, notulen, kas kelompok",
        &["kelembagaan"],
    ),
    (
        8,
        10,
        ActivityKind::Counseling,
        "Penyuluhan pascapanen dan pemasaran",
        "Sortasi, kemasan, harga di pasar Palangka Raya",
        &["usaha"],
    ),
    (
        9,
        14,
        ActivityKind::Socialization,
        "Sosialisasi bantuan bibit dan pupuk bersubsidi",
        "Syarat e-RDKK dan batas 2 ha",
        &["usaha", "kelembagaan"],
    ),
    (
        10,
        12,
        ActivityKind::Training,
        "Pelatihan pengolahan hasil buah naga",
        "Selai, sirup dan keripik kulit buah naga",
        &["manusia", "usaha"],
    ),
    (
        11,
        9,
        ActivityKind::Mentoring,
        "Pendampingan persiapan penilaian kelas kelompok",
        "Lima kemampuan kelompok tani",
        &["kelembagaan"],
    ),
    (
        12,
        7,
        ActivityKind::Counseling,
        "Penyuluhan perencanaan musim tanam berikutnya",
        "Rencana kerja dan RDKK kelompok",
        &["manusia", "kelembagaan"],
    ),
];

/// Karya Makmur II's land optimization (seed 004): (date, kind, title, participation stage).
/// One land-optimization activity: (year, month, day), kind, title, participation stage.
type Step = ((i32, u8, u8), ActivityKind, &'static str, &'static str);

const KARYA_MAKMUR: &[Step] = &[
    ((2014, 6, 10), ActivityKind::Socialization, "Sosialisasi program optimasi lahan", "persiapan"),
    ((2014, 6, 24), ActivityKind::Deliberation, "Pembukaan rekening kelompok", "persiapan"),
    ((2014, 7, 8), ActivityKind::Deliberation, "Rembug desa optimasi lahan", "persiapan"),
    ((2014, 7, 22), ActivityKind::Deliberation, "Penyusunan RUKK (Rencana Usaha Kegiatan Kelompok)", "persiapan"),
    ((2014, 9, 2), ActivityKind::FieldSchool, "Pengolahan lahan bersama", "pelaksanaan"),
    ((2014, 10, 14), ActivityKind::Training, "Peningkatan kesuburan tanah: pupuk organik", "pelaksanaan"),
    ((2014, 11, 18), ActivityKind::FieldSchool, "Perbaikan saluran irigasi kelompok", "pelaksanaan"),
    ((2014, 12, 9), ActivityKind::Counseling, "Penyuluhan sarana produksi dan penanaman", "pelaksanaan"),
    ((2015, 2, 10), ActivityKind::Mentoring, "Pendampingan pemeliharaan tanaman", "keaktifan"),
    ((2015, 4, 21), ActivityKind::Deliberation, "Evaluasi kegiatan optimasi lahan", "keaktifan"),
];

/// The framework dimension with `code` in framework `framework`.
async fn dimensions(store: &dyn Store, framework: &str) -> anyhow::Result<Vec<(String, Id)>> {
    let all = store.frameworks().await.context("reading frameworks")?;
    let f = all.into_iter().find(|f| f.code.as_str() == framework).ok_or_else(|| anyhow!("framework {framework}"))?;
    Ok(f.dimensions.iter().map(|d| (d.code.as_str().to_string(), d.id)).collect())
}

fn tags(dims: &[(String, Id)], codes: &[&str]) -> Vec<Id> {
    codes.iter().filter_map(|c| dims.iter().find(|(d, _)| d == c).map(|(_, id)| *id)).collect()
}

fn day(y: i32, m: u8, d: u8) -> anyhow::Result<Date> {
    Ok(Date::from_calendar_date(y, Month::try_from(m)?, d)?)
}

/// Members on the day, each present (about 3 in 4), excused (1 in 8) or absent.
fn attendance(rng: &mut StdRng, members: &[GroupMember], on: Date) -> Vec<AttendanceEntry> {
    members
        .iter()
        .filter(|m| m.since.is_none_or(|s| s <= on) && m.until.is_none_or(|u| u >= on))
        .map(|m| {
            let roll = rng.random_range(0..100);
            let status = match roll {
                0..76 => AttendanceStatus::Present,
                76..88 => AttendanceStatus::Excused,
                _ => AttendanceStatus::Absent,
            };
            AttendanceEntry { person_id: m.person_id, status }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn activity(
    program_id: Id,
    kind: ActivityKind,
    title: String,
    topic: Option<String>,
    held_on: Date,
    region: &RegionCode,
    place: &str,
    staff_ids: Vec<Id>,
    group_ids: Vec<Id>,
    tag_ids: Vec<Id>,
) -> NewActivity {
    NewActivity {
        program_id,
        kind,
        title,
        topic,
        held_on,
        starts_at: ClockTime::parse("09:00").ok(),
        duration_min: if kind == ActivityKind::Training { 240 } else { 120 },
        region: region.clone(),
        place: Some(place.to_string()),
        staff_ids,
        group_ids,
        tag_ids,
        materials: Some("Materi dan daftar hadir di berkas BPP. Data demo.".into()),
        report: Some("Kegiatan berjalan sesuai rencana; peserta aktif bertanya. Data demo.".into()),
    }
}

pub(super) async fn load(store: &dyn Store, agri: &Agri) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let bina = dimensions(store, "bina").await?;
    let workers: Vec<Id> = agri.extension_workers.iter().map(|s| s.id).collect();
    anyhow::ensure!(!workers.is_empty(), "the BPP has no extension worker");
    for (gi, g) in agri.groups.iter().enumerate() {
        let members = agri.members.get(&g.id).map(Vec::as_slice).unwrap_or_default();
        for (i, (month, d, kind, title, topic, codes)) in YEAR.iter().enumerate() {
            // The groups meet on consecutive days; the workers take turns.
            let on = day(2023, *month, d + gi as u8)?;
            let lead = workers[(i + gi) % workers.len()];
            let mut staff = vec![lead];
            if *kind == ActivityKind::Training && workers.len() > 1 {
                staff.push(workers[(i + gi + 1) % workers.len()]);
            }
            let new = activity(
                agri.program.id,
                *kind,
                format!("{title} — {}", g.name.trim_start_matches("Kelompok Tani ")),
                Some((*topic).into()),
                on,
                &agri.region,
                "Balai pertemuan kelompok tani",
                staff,
                vec![g.id],
                tags(&bina, codes),
            );
            let a = store.create_activity(&new).await.with_context(|| format!("demo activity {title}"))?;
            store.record_attendance(a.id, &attendance(&mut rng, members, on)).await.context("demo attendance")?;
        }
    }
    // One joint exhibition for the three groups (Palangka Raya Fair).
    let all: Vec<Id> = agri.groups.iter().map(|g| g.id).collect();
    let fair = activity(
        agri.program.id,
        ActivityKind::Exhibition,
        "Promosi buah naga di Palangka Raya Fair".into(),
        Some("Stan bersama tiga kelompok tani".into()),
        day(2023, 6, 24)?,
        &agri.region,
        "Arena Palangka Raya Fair",
        workers.clone(),
        all,
        tags(&bina, &["usaha", "kelembagaan"]),
    );
    store.create_activity(&fair).await.context("demo exhibition")?;

    let stages = dimensions(store, "partisipasi").await?;
    let km_members = agri.members.get(&agri.karya_makmur.id).map(Vec::as_slice).unwrap_or_default();
    for ((y, m, d), kind, title, stage) in KARYA_MAKMUR {
        let on = day(*y, *m, *d)?;
        let new = activity(
            agri.km_program.id,
            *kind,
            (*title).into(),
            None,
            on,
            &agri.karya_makmur.region,
            "Balai desa Ngadirojo Kidul",
            vec![agri.km_extension_worker.id],
            vec![agri.karya_makmur.id],
            tags(&stages, &[stage]),
        );
        let a = store.create_activity(&new).await.with_context(|| format!("demo activity {title}"))?;
        store.record_attendance(a.id, &attendance(&mut rng, km_members, on)).await.context("demo attendance")?;
    }
    Ok(())
}
