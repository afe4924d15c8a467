//! The agriculture story of seed 000 (and seed 004's land optimization) on top of the demo
//! registry: the BPP's nine standing programs, then each part's records — activities and
//! attendance, input aid, machinery loans, class assessments and findings — loaded by its
//! own module with the ids gathered here in [`Agri`].

use std::collections::HashMap;

use anyhow::{Context, anyhow};
use berdaya_domain::registry::{Agency, Group, GroupMember, Id, NewProgram, Program, RegionCode, Staff};
use berdaya_store::{PageRequest, Query, Store};
use time::macros::date;

use super::places;

mod act;
mod aid;
mod class;
mod mach;

/// The seed-000 and seed-004 world as stored, for the parts' loaders.
#[allow(dead_code)]
pub(super) struct Agri {
    /// Dinas Pertanian dan Ketahanan Pangan Kota Palangka Raya.
    pub dinas: Agency,
    /// UPTD BPP Kalampangan, the Dinas's extension center.
    pub bpp: Agency,
    /// The BPP's head.
    pub bpp_head: Staff,
    /// The BPP's extension workers (PNS, THL-TB PP, swadaya), in that order.
    pub extension_workers: Vec<Staff>,
    /// The dragon-fruit program of the Dinas (seed 000).
    pub program: Program,
    /// The BPP's nine standing programs, in the seed's order (the seventh is the farmer-group
    /// class assessment).
    pub standing: Vec<Program>,
    /// The three dragon-fruit farmer groups of Kalampangan.
    pub groups: Vec<Group>,
    /// Each group's members, by group id (Karya Makmur II's too).
    pub members: HashMap<Id, Vec<GroupMember>>,
    /// Kelurahan Kalampangan.
    pub region: RegionCode,
    /// Karya Makmur II (seed 004), its land-optimization program and its BPP and extension worker.
    pub karya_makmur: Group,
    pub km_program: Program,
    pub km_bpp: Agency,
    pub km_extension_worker: Staff,
}

/// The BPP Kalampangan's standing programs, as the seed lists them.
pub(super) const STANDING: [&str; 9] = [
    "Pengembangan tanaman pangan dan hortikultura",
    "Gerakan bersama pemanfaatan lahan terlantar",
    "Bantuan bibit tanaman perkebunan untuk masyarakat",
    "Sosialisasi pengolahan lahan tanpa bakar",
    "Peningkatan kapasitas sumber daya aparatur (pelatihan)",
    "Peningkatan kesejahteraan petani (rembuk kelompok tani)",
    "Penilaian kelas kelompok tani",
    "Penilaian petani berprestasi",
    "Peningkatan ketahanan pangan (pemanfaatan lahan pekarangan)",
];

fn named(text: &str) -> Query {
    Query { text: Some(text.into()), page: PageRequest::new(1, 50), ..Query::default() }
}

async fn agency(store: &dyn Store, name: &str) -> anyhow::Result<Agency> {
    let found = store.search_agencies(&named(name)).await.context("searching demo agencies")?;
    found.items.into_iter().find(|a| a.name == name).ok_or_else(|| anyhow!("demo agency {name} missing"))
}

async fn group(store: &dyn Store, name: &str) -> anyhow::Result<Group> {
    let found = store.search_groups(&named(name)).await.context("searching demo groups")?;
    found
        .items
        .into_iter()
        .map(|g| g.group)
        .find(|g| g.name == name)
        .ok_or_else(|| anyhow!("demo group {name} missing"))
}

async fn program(store: &dyn Store, name: &str) -> anyhow::Result<Program> {
    let found = store.search_programs(&named(name)).await.context("searching demo programs")?;
    found
        .items
        .into_iter()
        .map(|p| p.program)
        .find(|p| p.name == name)
        .ok_or_else(|| anyhow!("demo program {name} missing"))
}

/// Gathers the world, adds the standing programs, and loads each part. Returns the number of
/// programs created.
pub(super) async fn load(store: &dyn Store) -> anyhow::Result<u64> {
    let dinas = agency(store, "Dinas Pertanian dan Ketahanan Pangan Kota Palangka Raya").await?;
    let bpp = agency(store, "UPTD Balai Penyuluhan Pertanian (BPP) Kalampangan").await?;
    let km_bpp = agency(store, "Balai Penyuluhan Pertanian (BPP) Kecamatan Ngadirojo").await?;
    let staff = store.agency_staff(bpp.id).await?;
    let bpp_head = staff.iter().find(|s| s.position.starts_with("Kepala")).cloned().context("BPP head")?;
    let extension_workers: Vec<Staff> = staff.iter().filter(|s| s.position.starts_with("Penyuluh")).cloned().collect();
    let km_extension_worker = store.agency_staff(km_bpp.id).await?.into_iter().next().context("BPP Ngadirojo staff")?;
    let program_ = program(store, "Pemberdayaan Kelompok Tani Buah Naga Kelurahan Kalampangan").await?;
    let km_program = program(store, "Optimasi Lahan 2014 — Kelompok Tani Karya Makmur II").await?;
    let mut groups = Vec::new();
    for n in ["I", "II", "III"] {
        groups.push(group(store, &format!("Kelompok Tani Buah Naga Kalampangan {n}")).await?);
    }
    let karya_makmur = group(store, "Kelompok Tani Karya Makmur II").await?;
    let mut members = HashMap::new();
    for g in groups.iter().chain(std::iter::once(&karya_makmur)) {
        members.insert(g.id, store.group_members(g.id).await?);
    }
    let region = RegionCode::parse(places::KALAMPANGAN).map_err(|e| anyhow!("{e}"))?;

    let mut standing = Vec::new();
    for name in STANDING {
        let new = NewProgram {
            name: format!("{name} — BPP Kalampangan"),
            agency_id: bpp.id,
            starts_on: date!(2019 - 01 - 01),
            ends_on: None,
            description: Some(
                "Program tetap UPTD Balai Penyuluhan Pertanian Kalampangan (seed 000). Data demo.".into(),
            ),
            target_regions: vec![region.clone()],
        };
        standing.push(store.create_program(&new).await.with_context(|| format!("demo program {name}"))?);
    }
    let created = standing.len() as u64;

    let agri = Agri {
        dinas,
        bpp,
        bpp_head,
        extension_workers,
        program: program_,
        standing,
        groups,
        members,
        region,
        karya_makmur,
        km_program,
        km_bpp,
        km_extension_worker,
    };
    // Each part's loader, in order (activities first: findings may cite them).
    let _ = &agri;
    act::load(store, &agri).await.context("demo activities")?;
    aid::load(store, &agri).await.context("demo input aid")?;
    mach::load(store, &agri).await.context("demo machinery")?;
    class::load(store, &agri).await.context("loading class assessments and findings")?;
    Ok(created)
}
