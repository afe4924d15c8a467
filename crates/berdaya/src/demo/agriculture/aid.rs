//! Input aid of the demo: land for the dragon-fruit groups' members (dragon fruit, some chilli
//! and maize, a few above the 2 ha cap) and Karya Makmur II's members (rice), the shipped dose
//! table, MT1 2023 and MT2 2023 plans for the three dragon-fruit groups, and seedling and
//! fertilizer distributions: mostly complete, group III short, one audited override.
//! Deterministic: areas and amounts follow from each member's position.

use anyhow::{Context, anyhow};
use berdaya_domain::agriculture::aid::{BaseUnit, Crop, NewDistribution, NewLand, NewPlan, Season, Term};
use berdaya_domain::registry::Id;
use berdaya_store::Store;
use time::macros::date;

use super::Agri;

/// The items handed out in the demo: the dragon-fruit seedlings and the fertilizers.
const GIVEN: [&str; 4] = ["seedling_dragon_fruit", "npk_phonska", "petroganik", "urea"];

/// A member's land by position `i` in their group: dragon fruit 2 000–14 000 m², every
/// seventh (from the fourth) 2,1–2,6 ha; every fourth also chilli, every fifth also maize.
fn dragon_fruit_land(i: usize) -> Vec<(Crop, i64)> {
    let i64i = i as i64;
    let naga = if i % 7 == 3 { 21_000 + (i64i * 1_300) % 5_000 } else { 2_000 + (i64i * 1_750) % 12_000 };
    let mut land = vec![(Crop::DragonFruit, naga)];
    if i % 4 == 1 {
        land.push((Crop::Chilli, 1_000 + (i64i * 250) % 2_000));
    }
    if i % 5 == 2 {
        land.push((Crop::Maize, 2_500));
    }
    land
}

async fn add_land(store: &dyn Store, person_id: Id, crop: Crop, area_m2: i64) -> anyhow::Result<()> {
    let note = Some("Data demo".to_string());
    store.add_land(&NewLand { person_id, crop, area_m2, note }).await.context("demo land")?;
    Ok(())
}

pub(super) async fn load(store: &dyn Store, agri: &Agri) -> anyhow::Result<()> {
    // Land.
    for g in &agri.groups {
        for (i, m) in agri.members.get(&g.id).into_iter().flatten().enumerate() {
            for (crop, area) in dragon_fruit_land(i) {
                add_land(store, m.person_id, crop, area).await?;
            }
        }
    }
    for (i, m) in agri.members.get(&agri.karya_makmur.id).into_iter().flatten().enumerate() {
        add_land(store, m.person_id, Crop::Rice, 2_500 + (i as i64 * 1_250) % 7_500).await?;
    }

    // Plans and distributions.
    let items = store.aid_items().await?;
    let item = |code: &str| items.iter().find(|i| i.code == code).ok_or_else(|| anyhow!("demo item {code} missing"));
    let given: Vec<(Id, BaseUnit)> = GIVEN.iter().map(|c| item(c).map(|i| (i.id, i.unit))).collect::<Result<_, _>>()?;
    let seasons = [
        (Season { year: 2023, term: Term::Mt1 }, date!(2023 - 10 - 12), date!(2023 - 11 - 20)),
        (Season { year: 2023, term: Term::Mt2 }, date!(2024 - 04 - 15), date!(2024 - 05 - 22)),
    ];
    for (gi, g) in agri.groups.iter().enumerate() {
        for (si, (season, first_on, second_on)) in seasons.iter().enumerate() {
            let new = NewPlan {
                program_id: agri.program.id,
                group_id: g.id,
                season: *season,
                crops: vec![Crop::DragonFruit, Crop::Chilli],
            };
            let plan = store.create_aid_plan(&new).await.with_context(|| format!("demo plan {season}"))?;
            let lines = store.aid_plan_vs_received(plan.id).await?;
            // Group III received only part of MT2 2023 (the fertilizer came late).
            let share = if gi == 2 && si == 1 { 60 } else { 100 };
            for (li, line) in lines.iter().enumerate() {
                let Some(person_id) = line.person_id else { continue };
                if !given.iter().any(|(id, _)| *id == line.item_id) || line.planned == 0 {
                    continue;
                }
                let total = line.planned * share / 100;
                // Two handovers: most at the start of the season, the rest a month later.
                let first = total * 7 / 10;
                for (quantity, on) in [(first, *first_on), (total - first, *second_on)] {
                    if quantity <= 0 {
                        continue;
                    }
                    let d = NewDistribution {
                        person_id,
                        item_id: line.item_id,
                        quantity,
                        given_on: on,
                        received_by_person_id: None,
                        received_by_name: li.is_multiple_of(3).then(|| "Ketua kelompok (diwakilkan)".to_string()),
                        note: None,
                        override_reason: None,
                    };
                    store.add_aid_distribution(plan.id, &d).await.context("demo distribution")?;
                }
            }
            // One audited override: 25 kg more urea for the first member of group I in MT1 2023.
            if gi == 0 && si == 0 {
                let urea = item("urea")?;
                if let Some(person_id) = lines.iter().find_map(|l| l.person_id) {
                    let d = NewDistribution {
                        person_id,
                        item_id: urea.id,
                        quantity: 25_000,
                        given_on: *second_on,
                        received_by_person_id: None,
                        received_by_name: None,
                        note: Some("Tambahan pupuk untuk lahan gambut yang baru dibuka".into()),
                        override_reason: Some(
                            "Lahan gambut baru dibuka butuh pupuk tambahan; disetujui Kepala BPP Kalampangan".into(),
                        ),
                    };
                    store.add_aid_distribution(plan.id, &d).await.context("demo override")?;
                }
            }
        }
    }
    Ok(())
}
