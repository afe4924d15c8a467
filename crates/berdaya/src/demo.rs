//! Demo data: the places, institutions and groups of the five seed documents, filled with
//! synthetic households and people.
//!
//! **Everything personal in the demo is fictional.** Regions carry their real Kemendagri
//! codes and the agencies, community institutions and programs their real names from the
//! seeds, but every household, person, NIK, KK number, staff name and group member is
//! invented by a fixed-seed generator, so every load gives the same data. The `demo`
//! setting says so too.
//!
//! Households and people go in through one [`import_registry`](berdaya_store::RegistryBulk::import_registry)
//! call (one transaction), group members through `add_members`; the rest is a few hundred
//! single writes. Only the [`Store`] trait is used, so the demo loads on every backend.
//! Every write is attributed to `demo` in the audit log.
//!
//! [`demo_accounts`] adds one account per role on top, with fresh random passwords.

mod accounts;
mod agriculture;
mod institutions;
mod kotaku;
mod people;
mod pkh;
mod places;
mod qual;
pub mod survey;

use std::collections::HashMap;

use anyhow::Context;
use berdaya_domain::registry::RegionDraft;
use berdaya_store::access::{Actor, acting_as};
use berdaya_store::{ImportOptions, RegistryRecord, RowError, Store, StoreError};
use rand::SeedableRng;
use rand::rngs::StdRng;

pub use accounts::{DemoAccount, FACILITATOR_HOUSEHOLDS, demo_accounts};
pub use places::{
    GERDU, KALAMPANGAN, KALIAWI_PERSADA, KOTAKU_RT_UNITS, NGADIROJO_KIDUL, PILANG, RANDUBLATUNG, RANDUBLATUNG_TABLE_1,
    TABLE_1_SCALE, TULUNGREJO, VillageWelfare,
};

/// The generator's seed: change it and every synthetic name and number changes.
const SEED: u64 = 0xBE2D_A7A0_2025;

/// The key of the setting that records that the demo was loaded.
pub const SETTING: &str = "demo";

/// The value stored under [`SETTING`].
pub const SETTING_VALUE: &str = "Berdaya demo data v1 — DATA DEMO. Places and institutions are real, from the five seed \
documents (Kalampangan, Dusun Gerdu, Randublatung, Kaliawi Persada, Karya Makmur II); every household, person, NIK, KK, \
staff member and group member is synthetic (fictional). Semua keluarga dan orang dalam data demo ini fiktif.";

/// What the demo loaded: the records it created of each kind (regions that already existed
/// with the same code are kept as they are and not counted).
pub type DemoSummary = berdaya_store::RegistryCounts;

/// Why the demo was not loaded. Returned inside the `anyhow::Error`, so a caller can
/// `downcast_ref::<DemoRefused>()` and decide (e.g. carry on serving an already-loaded demo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoRefused {
    /// The `demo` setting is set; its value is carried along.
    AlreadyLoaded(String),
    /// The registry already holds households or people.
    NotEmpty { households: u64, people: u64 },
}

impl std::fmt::Display for DemoRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemoRefused::AlreadyLoaded(value) => {
                write!(f, "the demo data is already loaded in this database (setting `demo`: {value})")
            }
            DemoRefused::NotEmpty { households, people } => write!(
                f,
                "this database already holds {households} households and {people} people; \
                 the demo data loads only into an empty database"
            ),
        }
    }
}

impl std::error::Error for DemoRefused {}

/// Which regions a demo database gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoRegions {
    /// The whole country from the shipped Kemendagri list (91,599 regions, what
    /// `berdaya import regions` loads), so the region picker works anywhere; `serve --demo`.
    Country,
    /// Only the places of the seed documents (a few dozen regions, with the same official
    /// codes and names): what tests load, since the whole country costs a debug build about
    /// a second more per demo database (see `tests/demo.rs`).
    Seeds,
}

/// Loads the demo with only the seeds' places ([`DemoRegions::Seeds`]); see [`load_with`].
pub async fn load(store: &dyn Store) -> anyhow::Result<DemoSummary> {
    load_with(store, DemoRegions::Seeds).await
}

/// Loads the demo into an empty store and sets the `demo` setting.
///
/// Refuses ([`DemoRefused`]) when the demo is already loaded or the registry already holds
/// households or people.
///
/// The households and people arrive in one transaction, but the load as a whole is not
/// atomic (the store has no transaction spanning calls): if it fails half-way the database
/// holds part of the demo without the `demo` setting, and a new, empty database is the way
/// to try again.
pub async fn load_with(store: &dyn Store, regions: DemoRegions) -> anyhow::Result<DemoSummary> {
    acting_as(Actor::system("demo"), load_all(store, regions)).await
}

async fn load_all(store: &dyn Store, regions: DemoRegions) -> anyhow::Result<DemoSummary> {
    if let Some(value) = store.setting(SETTING).await.context("reading the `demo` setting")? {
        return Err(DemoRefused::AlreadyLoaded(value).into());
    }
    let counts = store.registry_counts().await.context("counting the registry")?;
    if counts.households > 0 || counts.people > 0 {
        return Err(DemoRefused::NotEmpty { households: counts.households, people: counts.people }.into());
    }

    let mut summary = DemoSummary { regions: load_regions(store, regions).await?, ..DemoSummary::default() };

    let mut rng = StdRng::seed_from_u64(SEED);
    let households = people::generate(&mut rng)?;

    // Households and people: one import, one transaction.
    let mut row = 1u64;
    let records = households.iter().flat_map(|h| h.members.iter().map(move |p| (h, p)));
    let records = records.map(move |(h, p)| {
        row += 1;
        Ok::<_, Vec<RowError>>(RegistryRecord {
            row,
            household: h.household.clone(),
            person: p.clone(),
            raw: Vec::new(),
        })
    });
    let mut source = (records, 0u64);
    let report =
        store.import_registry(&mut source, &ImportOptions::default()).await.context("importing the demo registry")?;
    if !report.committed || report.rejected_rows > 0 {
        let first: Vec<String> = report.errors.iter().take(5).map(ToString::to_string).collect();
        anyhow::bail!(
            "the demo registry was not imported ({} rows rejected): {}",
            report.rejected_rows,
            first.join("; ")
        );
    }
    if report.warnings_total > 0 {
        tracing::warn!(warnings = report.warnings_total, "demo import reported NIK mismatches");
    }
    summary.households = report.households_created;
    summary.people = report.people_created;

    // What the store assigned: person ids by NIK, household ids by KK.
    let mut stored_people = HashMap::new();
    let mut household_ids = HashMap::new();
    store
        .export_registry(None, &mut |r| {
            if let Some(h) = &r.household {
                household_ids.insert(h.kk.as_u64(), h.id);
            }
            stored_people.insert(r.person.nik.as_u64(), r.person);
            true
        })
        .await
        .context("reading back the demo registry")?;

    let registry = institutions::Registry { households: &households, people: stored_people, household_ids };
    let created = institutions::load(store, &registry, &mut rng).await?;
    summary.groups = created.groups;
    summary.agencies = created.agencies;
    summary.programs = created.programs;
    summary.enrollments = created.enrollments;

    // The seed-004 survey, its respondents linked to the program's members.
    survey::load(store).await?;

    // The agriculture story: activities, input aid, machinery, classes and findings.
    summary.programs += agriculture::load(store).await?;

    // The PKH story: families, facts and eight closed verification periods.
    let pkh = pkh::load(store).await?;
    summary.enrollments += pkh.new_enrollments;

    // The community programs: KOTAKU's grant, works and books; Kampung Tangguh's 7D.
    kotaku::load(store).await.context("loading the community programs")?;

    // The qualitative studies of seeds 000 and 001.
    qual::load(store).await.context("loading the qualitative studies")?;

    store.set_setting(SETTING, SETTING_VALUE).await.context("recording the `demo` setting")?;
    tracing::info!(?summary, "demo data loaded");
    Ok(summary)
}

/// Creates the demo regions, parents first, after the whole country when asked; a region
/// whose code exists is left alone. Returns how many were created.
async fn load_regions(store: &dyn Store, regions: DemoRegions) -> anyhow::Result<u64> {
    let mut created = 0;
    if regions == DemoRegions::Country {
        let list = berdaya_files::regions::shipped().context("reading the shipped region list")?;
        let source = berdaya_files::regions::KEMENDAGRI_2025_NAME;
        created += store.load_regions(list, source).await.context("loading the country's regions")?.added;
    }
    for (code, name, kind) in places::regions() {
        let draft = RegionDraft { code: code.into(), name: name.into(), kind: kind.code().into() };
        let region = draft.parse().with_context(|| format!("demo region {code}"))?;
        match store.region(&region.code).await {
            Ok(_) => continue,
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e).with_context(|| format!("looking up region {code}")),
        }
        store.create_region(&region).await.with_context(|| format!("creating demo region {code}"))?;
        created += 1;
    }
    Ok(created)
}
