//! The community-program stories of seeds 003 and 001 on top of the demo registry.
//!
//! Seed 003: KOTAKU's BPM 2019 of Rp 1,500,000,000 to LKM Persada Mandiri, in three
//! tranches, allocated to the four RT units (RT 3 and RT 5 of Lingkungan 1, RT 2 and RT 3 of
//! Lingkungan 2). The units' works are concrete roads, drainage and boreholes, each with the
//! community's contribution, spending, progress and handover to the KPP. The KPP keeps them
//! and collects fees; one work's visits stopped in May 2026, so it is overdue. The KWT
//! Sukawangi Sejahtera keeps its seed house with the agriculture agency and sells spinach and
//! bitter-melon chips weekly at the KSM outlet: two years of books from December 2024 to
//! November 2026, about Rp 1,200,000 profit a month, spent on maintenance, seed and
//! operations. The PPCP partners are the agriculture agency, ITB, UIN Raden Intan and Unila.
//! The KOTAKU cycle ran once in 2019 and runs again from 2020. The slum scores of the four
//! RTs are recorded before (2018) and after (2020) the works.
//!
//! Seed 001: Kampung Tangguh Semeru in Dusun Gerdu through the seven stages (7D), with its
//! stakeholders (the police, the village government, the managers), the warung and the extra
//! income as outcomes, and the seed's supporting and inhibiting factors as findings.
//!
//! All amounts, dates and counts below the seeds' own are synthetic, marked "Data demo".

use std::collections::BTreeMap;

use anyhow::{Context, anyhow};
use berdaya_domain::activity::{ActivityKind, ClockTime, NewActivity};
use berdaya_domain::framework::finding::{EvidenceKind, FindingKind, LinkKind, NewEvidence, NewFinding};
use berdaya_domain::kotaku::book::{EntryKind, NewEntry, Sale};
use berdaya_domain::kotaku::grant::{
    Handover, NewGrant, NewProgress, NewSpending, NewTranche, NewUnit, NewUpkeep, NewWork, TrancheStep, WorkCondition,
    WorkKind,
};
use berdaya_domain::kotaku::outcome::{Measure, NewIndicator, NewOutcomeValue, Subject};
use berdaya_domain::kotaku::partner::{ContributionKind, NewContribution, NewStakeholder, PartnerRole, Sector};
use berdaya_domain::kotaku::slum::{Measure as SlumMeasure, Parameter};
use berdaya_domain::kotaku::stage::{StageModel, StageMove};
use berdaya_domain::registry::{Group, Id, Program, RegionCode, SubjectKind};
use berdaya_store::kotaku::partner::NewSlumBaseline;
use berdaya_store::{PageRequest, Query, Store};
use time::macros::date;
use time::{Date, Duration};

use super::places;

const KOTAKU: &str = "KOTAKU — BPM 2019 Kelurahan Kaliawi Persada";
const KTS: &str = "Kampung Tangguh Semeru Dusun Gerdu";

fn code(c: &str) -> anyhow::Result<RegionCode> {
    RegionCode::parse(c).map_err(|e| anyhow!("demo region {c}: {e}"))
}

pub(super) async fn program_named(store: &dyn Store, name: &str) -> anyhow::Result<Program> {
    let page = store.search_programs(&Query::text(name)).await.with_context(|| format!("finding {name}"))?;
    page.items
        .into_iter()
        .map(|p| p.program)
        .find(|p| p.name == name)
        .with_context(|| format!("the demo program {name} is missing"))
}

pub(super) async fn group_named(store: &dyn Store, name: &str) -> anyhow::Result<Group> {
    let page = store.search_groups(&Query::text(name)).await.with_context(|| format!("finding the group {name}"))?;
    page.items
        .into_iter()
        .map(|g| g.group)
        .find(|g| g.name == name)
        .with_context(|| format!("the demo group {name} is missing"))
}

pub(super) async fn load(store: &dyn Store) -> anyhow::Result<()> {
    kaliawi(store).await?;
    gerdu(store).await
}

// --- Seed 003 ---------------------------------------------------------------------------------

/// (unit name, RT region, allocation, works: (kind, name, volume m/unit, unit, budget, cash, labour))
type UnitPlan = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static [(WorkKind, &'static str, i64, &'static str, i64, i64, i64)],
);

const UNITS: [UnitPlan; 4] = [
    (
        "RT 03 Lingkungan 1",
        places::KOTAKU_RT_UNITS[0],
        "003",
        "001",
        400_000_000,
        &[
            (WorkKind::ConcreteRoad, "Jalan rabat beton Gang Mawar", 320_000, "m", 250_000_000, 4_000_000, 12_000_000),
            (WorkKind::Drainage, "Drainase Gang Mawar", 180_000, "m", 140_000_000, 2_000_000, 6_000_000),
        ],
    ),
    (
        "RT 05 Lingkungan 1",
        places::KOTAKU_RT_UNITS[1],
        "005",
        "001",
        350_000_000,
        &[
            (WorkKind::ConcreteRoad, "Jalan rabat beton Gang Melati", 280_500, "m", 220_000_000, 3_500_000, 10_000_000),
            (WorkKind::Borehole, "Sumur bor komunal RT 05", 2_000, "unit", 120_000_000, 1_500_000, 4_000_000),
        ],
    ),
    (
        "RT 02 Lingkungan 2",
        places::KOTAKU_RT_UNITS[2],
        "002",
        "002",
        400_000_000,
        &[
            (WorkKind::Drainage, "Drainase Jalan Sukawangi", 250_000, "m", 230_000_000, 3_000_000, 9_000_000),
            (WorkKind::ConcreteRoad, "Jalan rabat beton Gang Kenanga", 190_000, "m", 160_000_000, 2_500_000, 7_000_000),
        ],
    ),
    (
        "RT 03 Lingkungan 2",
        places::KOTAKU_RT_UNITS[3],
        "003",
        "002",
        350_000_000,
        &[
            (WorkKind::Borehole, "Sumur bor komunal RT 03", 2_000, "unit", 130_000_000, 1_500_000, 4_500_000),
            (WorkKind::Drainage, "Drainase Gang Anggrek", 210_000, "m", 210_000_000, 2_500_000, 8_000_000),
        ],
    ),
];

async fn kaliawi(store: &dyn Store) -> anyhow::Result<()> {
    let p = program_named(store, KOTAKU).await?;
    let lkm = group_named(store, "LKM Persada Mandiri").await?;
    let kpp = group_named(store, "KPP Kelurahan Kaliawi Persada").await?;
    let kwt = group_named(store, "KWT Sukawangi Sejahtera").await?;
    let ksm = group_named(store, "KSM Olahan Sayur Kaliawi Persada").await?;
    let kelurahan = code(places::KALIAWI_PERSADA)?;

    // The grant, its tranches, units, works, spending, progress and handover.
    let grant = store
        .create_grant(&NewGrant {
            program_id: p.id,
            name: "BPM 2019 Kelurahan Kaliawi Persada".into(),
            source: "APBN — Program KOTAKU".into(),
            year: 2019,
            amount_rp: 1_500_000_000,
            recipient_group_id: lkm.id,
            region: kelurahan.clone(),
            note: Some("Bantuan Pemerintah untuk Masyarakat (seed 003). Data demo.".into()),
        })
        .await
        .context("demo grant")?;
    for (amount, planned, approved, received, conditions) in [
        (600_000_000, date!(2019 - 04 - 01), date!(2019 - 04 - 03), date!(2019 - 04 - 10), "RPLP dan RKM disahkan"),
        (
            600_000_000,
            date!(2019 - 07 - 01),
            date!(2019 - 07 - 02),
            date!(2019 - 07 - 09),
            "Laporan penggunaan tahap I, progres fisik 40 %",
        ),
        (
            300_000_000,
            date!(2019 - 10 - 01),
            date!(2019 - 10 - 01),
            date!(2019 - 10 - 08),
            "Laporan tahap II, progres fisik 80 %",
        ),
    ] {
        let t = store
            .add_tranche(
                grant.id,
                &NewTranche { amount_rp: amount, planned_on: planned, conditions: Some(conditions.into()) },
            )
            .await?;
        let t = store.step_tranche(t.id, &TrancheStep::Approve { on: approved }, t.version).await?;
        store.step_tranche(t.id, &TrancheStep::Receive { on: received }, t.version).await?;
    }
    let mut works = Vec::new();
    for (name, region, rt, rw, amount, plan) in UNITS {
        let unit = store
            .add_unit(
                grant.id,
                &NewUnit {
                    name: name.into(),
                    region: code(region)?,
                    rt: Some(rt.into()),
                    rw: Some(rw.into()),
                    amount_rp: amount,
                },
            )
            .await
            .with_context(|| format!("demo unit {name}"))?;
        for (kind, wname, volume, vunit, budget, cash, labour) in plan {
            let w = store
                .add_work(
                    unit.id,
                    &NewWork {
                        kind: *kind,
                        name: (*wname).into(),
                        volume_milli: *volume,
                        volume_unit: (*vunit).into(),
                        location: Some(format!("{name}, Kaliawi Persada")),
                        budget_rp: *budget,
                        swadaya_cash_rp: *cash,
                        swadaya_labour_rp: *labour,
                        builder: "KSM pelaksana bersama warga (padat karya)".into(),
                        builder_group_id: None,
                        maintain_every_days: None,
                    },
                )
                .await
                .with_context(|| format!("demo work {wname}"))?;
            works.push((w, *budget));
        }
    }
    // Spending in four steps per work, within the tranches received at each date.
    let steps: [(Date, &str, i64); 4] = [
        (date!(2019 - 05 - 06), "Semen, pasir dan batu split", 30),
        (date!(2019 - 08 - 12), "Besi, bekisting dan upah tukang", 35),
        (date!(2019 - 10 - 21), "Material tahap akhir dan upah", 25),
        (date!(2019 - 11 - 25), "Finishing, papan proyek, dokumentasi", 8),
    ];
    for (w, budget) in &works {
        for (on, item, pct) in steps {
            let amount = budget * pct / 100;
            store
                .add_spending(
                    w.id,
                    &NewSpending { spent_on: on, item: item.into(), amount_rp: amount, override_reason: None },
                )
                .await?;
        }
    }
    // A mistaken receipt, corrected by a reversing entry.
    let first = works.first().map(|(w, _)| w.id).context("demo works")?;
    let wrong = store
        .add_spending(
            first,
            &NewSpending {
                spent_on: date!(2019 - 11 - 26),
                item: "Semen (nota tercatat dua kali)".into(),
                amount_rp: 3_250_000,
                override_reason: None,
            },
        )
        .await?;
    store.reverse_spending(wrong.id, date!(2019 - 11 - 28), "Nota yang sama sudah dicatat 6 Mei; dikoreksi").await?;
    for (i, (w, _)) in works.iter().enumerate() {
        for (on, pct) in [(date!(2019 - 06 - 15), 35), (date!(2019 - 09 - 15), 75), (date!(2019 - 11 - 30), 100)] {
            store
                .add_progress(
                    w.id,
                    &NewProgress { on, percent: pct, note: Some("Laporan MC fasilitator. Data demo.".into()) },
                )
                .await?;
        }
        let now = store.work(w.id).await?.work;
        let every = if i % 2 == 0 { 90 } else { 120 };
        store
            .hand_over(
                w.id,
                &Handover { keeper_group_id: kpp.id, on: date!(2019 - 12 - 10), maintain_every_days: every },
                now.version,
            )
            .await?;
        // Visits every `every` days; the first work's visits stopped in May 2026 (overdue).
        let stop = if i == 0 { date!(2026 - 05 - 31) } else { date!(2026 - 11 - 20) };
        let mut on = date!(2019 - 12 - 10) + Duration::days(i64::from(every));
        let mut n = 0;
        while on <= stop {
            let condition = if n % 7 == 6 { WorkCondition::LightDamage } else { WorkCondition::Good };
            let cost = if condition == WorkCondition::LightDamage { 450_000 } else { 150_000 };
            store
                .add_upkeep(
                    w.id,
                    &NewUpkeep {
                        done_on: on,
                        cost_rp: cost,
                        condition,
                        note: Some("Pembersihan dan pemeriksaan. Data demo.".into()),
                    },
                )
                .await?;
            on += Duration::days(i64::from(every));
            n += 1;
        }
    }

    // The KPP's fees and maintenance costs; the KWT's two years of sales.
    let mut kpp_book = Vec::new();
    let mut month = date!(2024 - 12 - 01);
    while month <= date!(2026 - 11 - 01) {
        kpp_book.push(entry(
            month + Duration::days(4),
            EntryKind::Income,
            "iuran",
            640_000,
            Some("Iuran pemeliharaan warga 4 RT"),
        ));
        kpp_book.push(entry(
            month + Duration::days(20),
            EntryKind::Cost,
            "bahan_baku",
            300_000,
            Some("Alat kebersihan dan perbaikan kecil"),
        ));
        month = next_month(month);
    }
    store.post_entries(kpp.id, &kpp_book).await.context("demo KPP book")?;
    store.post_entries(kwt.id, &kwt_book()).await.context("demo KWT book")?;

    // The PPCP partners of seed 003.
    let partners: [(&str, Sector, PartnerRole, ContributionKind, &str, i64, Date); 7] = [
        (
            "Kementerian PUPR — KOTAKU",
            Sector::Government,
            PartnerRole::Funder,
            ContributionKind::Cash,
            "BPM 2019",
            1_500_000_000,
            date!(2019 - 04 - 10),
        ),
        (
            "Dinas Pertanian Kota Bandar Lampung",
            Sector::Government,
            PartnerRole::Facilitator,
            ContributionKind::InKind,
            "Rumah bibit: bibit sayur, polibag, pendampingan penyuluh",
            18_000_000,
            date!(2020 - 02 - 15),
        ),
        (
            "Pemerintah Kelurahan Kaliawi Persada",
            Sector::Government,
            PartnerRole::Supervisor,
            ContributionKind::Expertise,
            "Pembinaan dan rembug warga",
            6_000_000,
            date!(2019 - 02 - 01),
        ),
        (
            "Institut Teknologi Bandung (ITB)",
            Sector::University,
            PartnerRole::Facilitator,
            ContributionKind::Expertise,
            "Kuliah Kerja Nyata: desain drainase dan pemetaan",
            15_000_000,
            date!(2019 - 07 - 20),
        ),
        (
            "UIN Raden Intan Lampung",
            Sector::University,
            PartnerRole::Facilitator,
            ContributionKind::Labour,
            "Praktek Kerja Lapangan: pendampingan KWT dan pembukuan",
            12_000_000,
            date!(2020 - 08 - 10),
        ),
        (
            "Universitas Lampung (Unila)",
            Sector::University,
            PartnerRole::Facilitator,
            ContributionKind::Expertise,
            "KKN: pengolahan keripik bayam dan pare",
            10_000_000,
            date!(2021 - 01 - 25),
        ),
        (
            "Warga Kaliawi Persada",
            Sector::Community,
            PartnerRole::Implementer,
            ContributionKind::Labour,
            "Swadaya tenaga padat karya",
            60_500_000,
            date!(2019 - 11 - 30),
        ),
    ];
    for (name, sector, role, kind, what, value, on) in partners {
        let s = store
            .add_stakeholder(
                p.id,
                &NewStakeholder {
                    name: name.into(),
                    organisation: true,
                    sector,
                    role,
                    note: Some("Data demo.".into()),
                },
            )
            .await?;
        store
            .add_contribution(
                s.id,
                &NewContribution { kind, description: what.into(), value_rp: value, given_on: on, activity_id: None },
            )
            .await?;
    }
    let lkm_partner = store
        .add_stakeholder(
            p.id,
            &NewStakeholder {
                name: lkm.name.clone(),
                organisation: true,
                sector: Sector::Community,
                role: PartnerRole::Implementer,
                note: None,
            },
        )
        .await?;
    store
        .add_contribution(
            lkm_partner.id,
            &NewContribution {
                kind: ContributionKind::Cash,
                description: "Swadaya uang warga lewat LKM".into(),
                value_rp: 20_500_000,
                given_on: date!(2019 - 11 - 30),
                activity_id: None,
            },
        )
        .await?;

    // The KOTAKU cycle: 2019 complete with its activities, 2020 under way.
    let model = StageModel::kotaku();
    store.set_stage_model(p.id, &model).await?;
    let rw = RegionCode::parse(places::KOTAKU_RT_UNITS[0]).map_err(|e| anyhow!("{e}"))?;
    let community = "Kelurahan Kaliawi Persada";
    let cycle = store.start_cycle(p.id, community, &kelurahan, &model, date!(2019 - 01 - 10)).await?;
    let stage_days = [
        (date!(2019 - 01 - 14), date!(2019 - 02 - 28)),
        (date!(2019 - 03 - 01), date!(2019 - 04 - 05)),
        (date!(2019 - 04 - 08), date!(2019 - 12 - 10)),
        (date!(2019 - 12 - 11), date!(2020 - 01 - 31)),
    ];
    let activities: [(usize, ActivityKind, &str, Date); 5] = [
        (0, ActivityKind::Socialization, "Sosialisasi KOTAKU tingkat kelurahan", date!(2019 - 01 - 18)),
        (0, ActivityKind::Deliberation, "Rembug kesiapan masyarakat", date!(2019 - 02 - 09)),
        (1, ActivityKind::Deliberation, "Rembug penyusunan RPLP dan baseline kumuh", date!(2019 - 03 - 16)),
        (2, ActivityKind::Deliberation, "Rapat KSM pelaksana dan pencairan tahap I", date!(2019 - 04 - 20)),
        (3, ActivityKind::Training, "Pelatihan KPP: pemeliharaan drainase dan iuran", date!(2019 - 12 - 14)),
    ];
    for (i, s) in cycle.stages.iter().enumerate() {
        let (start, end) = stage_days[i];
        let s = store.move_stage(s.id, StageMove::Start, start, None, s.version).await?;
        for (_, kind, title, on) in activities.iter().filter(|a| a.0 == i) {
            let a = store.create_activity(&activity(p.id, *kind, title, *on, &rw, vec![lkm.id])).await?;
            store.link_stage_activity(s.id, a.id).await?;
        }
        for m in &model.stages[i].milestones {
            store.tick_milestone(s.id, &m.code, end, true).await?;
        }
        let s = store.cycle(cycle.id).await?.stages[i].clone();
        store.move_stage(s.id, StageMove::Finish, end, None, s.version).await?;
    }
    let next = store.start_cycle(p.id, community, &kelurahan, &model, date!(2020 - 03 - 01)).await?;
    let s0 = &next.stages[0];
    let s0 = store
        .move_stage(
            s0.id,
            StageMove::Start,
            date!(2020 - 03 - 02),
            Some("Siklus kedua: penguatan KSM dan KWT"),
            s0.version,
        )
        .await?;
    for m in ["sosialisasi", "rembug_kesiapan", "relawan"] {
        store.tick_milestone(s0.id, m, date!(2020 - 04 - 15), true).await?;
    }
    let s0 = store.cycle(next.id).await?.stages[0].clone();
    store.move_stage(s0.id, StageMove::Finish, date!(2020 - 04 - 30), None, s0.version).await?;
    let s1 = store.cycle(next.id).await?.stages[1].clone();
    let s1 = store.move_stage(s1.id, StageMove::Start, date!(2020 - 05 - 04), None, s1.version).await?;
    store.tick_milestone(s1.id, "baseline", date!(2020 - 11 - 20), true).await?;

    // Slum scores before and after the works, per RT.
    let before: [[u64; 16]; 4] = [
        [62, 30, 70, 80, 78, 40, 55, 76, 80, 77, 60, 58, 76, 52, 90, 85],
        [55, 28, 64, 72, 70, 45, 60, 70, 76, 78, 55, 52, 70, 50, 88, 80],
        [58, 20, 60, 68, 80, 38, 50, 80, 85, 82, 52, 60, 72, 55, 92, 90],
        [50, 25, 58, 60, 62, 55, 66, 65, 70, 68, 48, 45, 66, 51, 86, 78],
    ];
    for (u, (name, region, ..)) in UNITS.iter().enumerate() {
        for (phase, on, shares) in
            [("before", date!(2018 - 11 - 15), before[u]), ("after", date!(2020 - 11 - 20), before[u].map(after_share))]
        {
            let measures: BTreeMap<Parameter, SlumMeasure> =
                Parameter::ALL.iter().zip(shares).map(|(p, s)| (*p, SlumMeasure { affected: s, total: 100 })).collect();
            store
                .add_slum_baseline(&NewSlumBaseline {
                    program_id: Some(p.id),
                    region: code(region)?,
                    neighbourhood: (*name).into(),
                    measured_on: on,
                    phase: phase.into(),
                    note: Some("Persen rumah tangga/kawasan terdampak dari 100. Data demo.".into()),
                    measures,
                })
                .await?;
        }
    }

    // Outcomes: the groups' monthly profit and turnover.
    let profit = store
        .add_indicator(
            p.id,
            &NewIndicator {
                name: "Laba bersih per bulan kelompok".into(),
                measure: Measure::Rupiah,
                subject: Subject::Group,
            },
        )
        .await?;
    for (g, base, follow) in [(kwt.id, 0, 1_200_000), (ksm.id, 0, 450_000)] {
        store
            .set_outcome(
                profit.id,
                &NewOutcomeValue {
                    subject_id: g,
                    baseline: base,
                    baseline_on: date!(2019 - 12 - 31),
                    followup: Some(follow),
                    followup_on: Some(date!(2026 - 10 - 31)),
                },
            )
            .await?;
    }
    let findings = [
        (
            FindingKind::Supporting,
            "Kolaborasi pemerintah, swasta dan masyarakat (PPCP) dengan KKN ITB, UIN Raden Intan dan Unila",
        ),
        (
            FindingKind::Supporting,
            "Laba KWT sekitar Rp 1.200.000 per bulan membiayai pemeliharaan, benih dan operasional",
        ),
        (FindingKind::Inhibiting, "Pemeliharaan sarana bergantung pada iuran warga yang belum rutin"),
    ];
    let mut factor = None;
    for (kind, title) in findings {
        let f = store
            .create_finding(&NewFinding {
                program_id: p.id,
                kind,
                title: title.into(),
                description: None,
                noted_on: Some(date!(2021 - 06 - 30)),
                answers: Vec::new(),
                dimensions: Vec::new(),
                links: vec![(LinkKind::Group, lkm.id)],
            })
            .await?;
        if kind == FindingKind::Inhibiting {
            factor = Some(f.id);
        }
    }
    if let Some(f) = factor {
        store
            .create_finding(&NewFinding {
                program_id: p.id,
                kind: FindingKind::Effort,
                title: "KPP menarik iuran bulanan dan mencatatnya di buku kas kelompok".into(),
                description: None,
                noted_on: Some(date!(2021 - 06 - 30)),
                answers: vec![f],
                dimensions: Vec::new(),
                links: vec![(LinkKind::Group, kpp.id)],
            })
            .await?;
    }
    Ok(())
}

/// The share after the works: what the works addressed fell under a quarter.
fn after_share(s: u64) -> u64 {
    if s >= 76 {
        s / 4
    } else if s >= 51 {
        s / 3
    } else {
        s / 2
    }
}

fn next_month(d: Date) -> Date {
    let (y, m) = if d.month() == time::Month::December {
        (d.year() + 1, time::Month::January)
    } else {
        (d.year(), d.month().next())
    };
    Date::from_calendar_date(y, m, 1).unwrap_or(d)
}

fn entry(on: Date, kind: EntryKind, category: &str, amount: i64, counterpart: Option<&str>) -> NewEntry {
    NewEntry {
        entry_on: on,
        kind,
        category: category.into(),
        amount_rp: amount,
        counterpart: counterpart.map(str::to_string),
        note: Some("Data demo.".into()),
        sale: None,
        reverses_id: None,
    }
}

fn sale(on: Date, product: &str, quantity: i64, price: i64) -> NewEntry {
    NewEntry {
        entry_on: on,
        kind: EntryKind::Income,
        category: "penjualan".into(),
        amount_rp: quantity * price,
        counterpart: Some("Pembeli di outlet".into()),
        note: None,
        sale: Some(Sale {
            product: product.into(),
            quantity,
            unit: "bungkus".into(),
            price_rp: price,
            outlet: Some("Outlet KSM Kaliawi Persada".into()),
        }),
        reverses_id: None,
    }
}

/// The KWT's book: every Saturday from December 2024 to November 2026 it sells spinach and
/// bitter-melon chips at the KSM outlet; each month it buys raw materials and packaging,
/// and spends the month's profit (about Rp 1,200,000) on maintenance, seed and operations,
/// keeping the rest.
fn kwt_book() -> Vec<NewEntry> {
    let mut out = Vec::new();
    let mut month = date!(2024 - 12 - 01);
    let mut i: i64 = 0;
    while month <= date!(2026 - 11 - 01) {
        let next = next_month(month);
        let mut day = month;
        let mut sales = 0;
        while day < next {
            if day.weekday() == time::Weekday::Saturday {
                let spinach = 30 + (i * 7) % 11;
                let pare = 22 + (i * 5) % 9;
                out.push(sale(day, "Keripik bayam", spinach, 15_000));
                out.push(sale(day, "Keripik pare", pare, 15_000));
                sales += (spinach + pare) * 15_000;
                i += 1;
            }
            day += Duration::days(1);
        }
        let profit_target = 1_150_000 + (i * 13_579) % 100_000;
        let costs = sales - profit_target;
        let raw = costs * 7 / 10;
        out.push(entry(month + Duration::days(1), EntryKind::Cost, "bahan_baku", raw, Some("Petani sayur dan pasar")));
        out.push(entry(
            month + Duration::days(2),
            EntryKind::Cost,
            "kemasan",
            costs - raw - 100_000,
            Some("Toko kemasan"),
        ));
        out.push(entry(month + Duration::days(25), EntryKind::Cost, "sewa_lapak", 100_000, Some("KSM Olahan Sayur")));
        out.push(entry(month + Duration::days(26), EntryKind::ProfitUse, "pemeliharaan", 300_000, Some("Rumah bibit")));
        out.push(entry(
            month + Duration::days(26),
            EntryKind::ProfitUse,
            "benih",
            350_000,
            Some("Dinas Pertanian / toko tani"),
        ));
        out.push(entry(month + Duration::days(27), EntryKind::ProfitUse, "operasional", 250_000, None));
        month = next;
    }
    out
}

fn activity(
    program_id: Id,
    kind: ActivityKind,
    title: &str,
    held_on: Date,
    region: &RegionCode,
    group_ids: Vec<Id>,
) -> NewActivity {
    NewActivity {
        program_id,
        kind,
        title: title.into(),
        topic: None,
        held_on,
        starts_at: ClockTime::parse("19:30").ok(),
        duration_min: 120,
        region: region.clone(),
        place: Some("Balai warga".into()),
        staff_ids: Vec::new(),
        group_ids,
        tag_ids: Vec::new(),
        materials: None,
        report: Some("Data demo.".into()),
    }
}

// --- Seed 001 ---------------------------------------------------------------------------------

async fn gerdu(store: &dyn Store) -> anyhow::Result<()> {
    let p = program_named(store, KTS).await?;
    let managers = group_named(store, "Pengelola Kampung Tangguh Semeru Dusun Gerdu").await?;
    let dusun = code(places::GERDU)?;
    let model = StageModel::seven_d();
    store.set_stage_model(p.id, &model).await?;
    let seven = store.framework_by_code("7d").await?.ok_or_else(|| anyhow!("the 7D framework is missing"))?;
    let dim = |c: &str| seven.dimensions.iter().find(|d| d.code.as_str() == c).map(|d| d.id);
    let cycle = store.start_cycle(p.id, "Dusun Gerdu", &dusun, &model, date!(2020 - 06 - 01)).await?;
    // (activity, kind, held on, stage done on): the seed's words for each stage.
    let story: [(&str, ActivityKind, Date, Date); 7] = [
        (
            "Silaturahmi pengurus, kepolisian dan warga",
            ActivityKind::Deliberation,
            date!(2020 - 06 - 10),
            date!(2020 - 07 - 15),
        ),
        ("Pemetaan potensi Dusun Gerdu", ActivityKind::Deliberation, date!(2020 - 07 - 25), date!(2020 - 08 - 31)),
        ("Cangkrukan: cita-cita kampung", ActivityKind::Deliberation, date!(2020 - 09 - 12), date!(2020 - 09 - 30)),
        (
            "Sosialisasi visi dan misi Kampung Tangguh",
            ActivityKind::Socialization,
            date!(2020 - 10 - 10),
            date!(2020 - 10 - 31),
        ),
        (
            "Rapat pengurus dengan kepolisian dan Pemerintah Desa Tulungrejo",
            ActivityKind::Deliberation,
            date!(2020 - 11 - 14),
            date!(2020 - 11 - 30),
        ),
        (
            "Pemantauan warung dan kegiatan oleh kepolisian",
            ActivityKind::Mentoring,
            date!(2021 - 02 - 06),
            date!(2021 - 06 - 30),
        ),
        (
            "Dokumentasi dan refleksi pembelajaran",
            ActivityKind::Deliberation,
            date!(2021 - 07 - 17),
            date!(2021 - 07 - 31),
        ),
    ];
    for (i, (title, kind, held, done)) in story.iter().enumerate() {
        let s = store.cycle(cycle.id).await?.stages[i].clone();
        let start = if i == 0 { date!(2020 - 06 - 02) } else { story[i - 1].3 + Duration::days(1) };
        let s = store.move_stage(s.id, StageMove::Start, start, None, s.version).await?;
        let mut a = activity(p.id, *kind, title, *held, &dusun, vec![managers.id]);
        a.tag_ids = dim(&model.stages[i].code).into_iter().collect();
        let a = store.create_activity(&a).await?;
        store.link_stage_activity(s.id, a.id).await?;
        for m in &model.stages[i].milestones {
            store.tick_milestone(s.id, &m.code, *done, true).await?;
        }
        let s = store.cycle(cycle.id).await?.stages[i].clone();
        store.move_stage(s.id, StageMove::Finish, *done, None, s.version).await?;
    }
    for (name, sector, role, kind, what, value) in [
        (
            "Polres Batu",
            Sector::Police,
            PartnerRole::Initiator,
            ContributionKind::Expertise,
            "Inisiasi, fasilitasi dan pemantauan",
            8_000_000,
        ),
        (
            "Pemerintah Desa Tulungrejo",
            Sector::Government,
            PartnerRole::Supervisor,
            ContributionKind::Expertise,
            "Pembinaan dan koordinasi",
            4_000_000,
        ),
        (
            "Pengelola Kampung Tangguh Semeru",
            Sector::Community,
            PartnerRole::Implementer,
            ContributionKind::Labour,
            "Pengelolaan dan kerja bakti",
            6_000_000,
        ),
    ] {
        let s = store
            .add_stakeholder(
                p.id,
                &NewStakeholder {
                    name: name.into(),
                    organisation: true,
                    sector,
                    role,
                    note: Some("Data demo.".into()),
                },
            )
            .await?;
        store
            .add_contribution(
                s.id,
                &NewContribution {
                    kind,
                    description: what.into(),
                    value_rp: value,
                    given_on: date!(2020 - 12 - 31),
                    activity_id: None,
                },
            )
            .await?;
    }
    // The warung outcome of the enrolled households.
    let warung = store
        .add_indicator(
            p.id,
            &NewIndicator { name: "Membuka warung".into(), measure: Measure::YesNo, subject: Subject::Household },
        )
        .await?;
    let income = store
        .add_indicator(
            p.id,
            &NewIndicator {
                name: "Penghasilan tambahan per bulan".into(),
                measure: Measure::Rupiah,
                subject: Subject::Household,
            },
        )
        .await?;
    let enrolled = store
        .program_enrollments(p.id, &Query { page: PageRequest::new(1, 100), ..Query::default() })
        .await?
        .items
        .into_iter()
        .filter(|e| e.subject.kind == SubjectKind::Household)
        .map(|e| e.subject.id)
        .collect::<Vec<_>>();
    for (i, h) in enrolled.iter().enumerate() {
        let opened = i % 3 != 2;
        let v = |base: i64, follow: i64| NewOutcomeValue {
            subject_id: *h,
            baseline: base,
            baseline_on: date!(2020 - 06 - 01),
            followup: Some(follow),
            followup_on: Some(date!(2021 - 07 - 31)),
        };
        store.set_outcome(warung.id, &v(0, i64::from(opened))).await?;
        store.set_outcome(income.id, &v(0, if opened { 600_000 + 150_000 * (i as i64 % 3) } else { 0 })).await?;
    }
    // The seed's factors, tagged with the stage they concern.
    let source = Some("Seed 001: penelitian Kampung Tangguh Semeru Dusun Gerdu".to_string());
    let outcome = store
        .create_finding(&NewFinding {
            program_id: p.id,
            kind: FindingKind::Supporting,
            title: "Beberapa warung dibuka dan memberi penghasilan tambahan; program belum sepenuhnya berhasil".into(),
            description: None,
            noted_on: Some(date!(2021 - 07 - 31)),
            answers: Vec::new(),
            dimensions: dim("delivering").into_iter().collect(),
            links: vec![(LinkKind::Group, managers.id)],
        })
        .await?;
    store
        .add_evidence(outcome.id, &NewEvidence { kind: EvidenceKind::Quote, text: "Perekonomian membaik dengan dibukanya beberapa warung yang mampu memberikan penghasilan tambahan dan pekerjaan sampingan bagi masyarakat yang menganggur.".into(), source: source.clone(), attachment_id: None })
        .await?;
    for title in ["Rasa gotong royong", "Semangat ingin maju yang tinggi", "Lokasi yang strategis"] {
        store
            .create_finding(&NewFinding {
                program_id: p.id,
                kind: FindingKind::Supporting,
                title: title.into(),
                description: None,
                noted_on: Some(date!(2021 - 07 - 31)),
                answers: Vec::new(),
                dimensions: dim("discovering").into_iter().collect(),
                links: vec![(LinkKind::Group, managers.id)],
            })
            .await?;
    }
    for (factor, effort, stage) in [
        (
            "Modal bagi pengembangan KTS",
            "Kepolisian dan pemerintah desa mencarikan solusi permodalan sebagai pembina",
            "delivering",
        ),
        (
            "Mental masyarakat yang belum terbentuk",
            "Sosialisasi visi dan misi kampung kepada setiap warga",
            "directing",
        ),
        (
            "Pemasaran dan promosi yang belum maksimal",
            "Dokumentasi kegiatan dan pembelajaran bersama pengurus",
            "documenting",
        ),
    ] {
        let f = store
            .create_finding(&NewFinding {
                program_id: p.id,
                kind: FindingKind::Inhibiting,
                title: factor.into(),
                description: None,
                noted_on: Some(date!(2021 - 07 - 31)),
                answers: Vec::new(),
                dimensions: dim(stage).into_iter().collect(),
                links: vec![(LinkKind::Group, managers.id)],
            })
            .await?;
        store
            .create_finding(&NewFinding {
                program_id: p.id,
                kind: FindingKind::Effort,
                title: effort.into(),
                description: None,
                noted_on: Some(date!(2021 - 07 - 31)),
                answers: vec![f.id],
                dimensions: dim(stage).into_iter().collect(),
                links: vec![(LinkKind::Group, managers.id)],
            })
            .await?;
    }
    Ok(())
}
