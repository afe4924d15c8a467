//! The demo's accounts: one per role, each bound to the demo's records the way a real
//! deployment would bind it (the program officer to the agency that runs PKH in Blora, the
//! facilitator to PKH families of Pilang, the group officer to LKM Persada Mandiri).
//!
//! There are no fixed demo passwords: every call gives each account a fresh random one and
//! returns it, so `serve --demo` can show them once. Made only in a database whose `demo`
//! setting is set, so no real account is ever reset this way.

use anyhow::Context;
use berdaya_domain::access::{NewUser, PasswordHash, Role, User, UserDraft, check_password_rules};
use berdaya_domain::registry::{Group, GroupRole, Id, RegionCode, SubjectKind};
use berdaya_store::access::{Actor, Assigned, acting_as};
use berdaya_store::{PageRequest, Query, Store};
use rand::Rng;

use super::places;

/// How many PKH families the demo facilitator carries (a real one has more than 100).
pub const FACILITATOR_HOUSEHOLDS: usize = 20;

/// The regency the program officer and the viewer are bound to: Kabupaten Blora.
const BLORA: &str = "33.16";
const PKH: &str = "Program Keluarga Harapan";
const P2K2_GROUP: &str = "Kelompok P2K2 Desa Pilang";
const LKM_GROUP: &str = "LKM Persada Mandiri";
const KWT_GROUP: &str = "KWT Sukawangi Sejahtera";
const KOTAKU_AGENCY: &str = "Kementerian PUPR — Program Kota Tanpa Kumuh (KOTAKU), Tim Koordinator Kota Bandar Lampung";
const BANDAR_LAMPUNG: &str = "18.71";
/// Seed 000: the agriculture agency of Palangka Raya and the dragon-fruit groups its
/// extension worker coaches.
const DISTAN: &str = "Dinas Pertanian dan Ketahanan Pangan Kota Palangka Raya";
const PALANGKA_RAYA: &str = "62.71";
const DRAGON_FRUIT_GROUPS: [&str; 3] = [
    "Kelompok Tani Buah Naga Kalampangan I",
    "Kelompok Tani Buah Naga Kalampangan II",
    "Kelompok Tani Buah Naga Kalampangan III",
];

/// One demo account and the password it was just given.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The region the account is bound to; `None` is national.
    pub area: Option<RegionCode>,
    /// The area's name, or `nasional / national`.
    pub area_name: String,
    /// What else the account is bound to (agency, group, assigned families), for people.
    pub bound_to: String,
    /// The password set by this call, in clear, to show once.
    pub password: String,
}

impl std::fmt::Debug for DemoAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoAccount")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("area", &self.area)
            .field("bound_to", &self.bound_to)
            .field("password", &"…")
            .finish()
    }
}

impl DemoAccount {
    /// The area for a table: `33.16 Kabupaten Blora`, or `nasional / national`.
    pub fn area_label(&self) -> String {
        match &self.area {
            Some(code) => format!("{code} {}", self.area_name),
            None => self.area_name.clone(),
        }
    }
}

/// What one demo account should be.
struct Spec {
    draft: UserDraft,
    bound_to: String,
    assignments: Vec<Assigned>,
}

/// Creates the demo accounts, or, when they exist, rebinds them as below, enables them
/// and gives each a fresh random password (ending their sessions). Returns them in role
/// order with their new passwords.
///
/// Refused unless the demo data is loaded (the `demo` setting is set): it finds the records
/// the accounts are bound to by their demo names. Writes are attributed to `demo`.
pub async fn demo_accounts(store: &dyn Store) -> anyhow::Result<Vec<DemoAccount>> {
    acting_as(Actor::system("demo"), make(store)).await
}

async fn make(store: &dyn Store) -> anyhow::Result<Vec<DemoAccount>> {
    if store.setting(super::SETTING).await.context("reading the `demo` setting")?.is_none() {
        anyhow::bail!(
            "demo accounts are made only in a database holding the demo data (the `demo` setting is not set); \
             load the demo into a new database first (`berdaya serve --demo --database …`)"
        );
    }
    let specs = specs(store).await?;
    let existing = store.users().await.context("reading the accounts")?;

    // Hash the new passwords side by side: argon2id is slow on purpose.
    let mut hashing = Vec::with_capacity(specs.len());
    for spec in &specs {
        let password = new_password(&spec.draft.username);
        hashing.push(tokio::task::spawn_blocking(move || {
            let hash = PasswordHash::new(&password);
            (password, hash)
        }));
    }

    let mut accounts = Vec::with_capacity(specs.len());
    for (spec, hashing) in specs.into_iter().zip(hashing) {
        let (password, hash) = hashing.await.context("hashing a demo password")?;
        let hash = hash.map_err(|e| anyhow::anyhow!(e))?;
        let new = spec.draft.parse().with_context(|| format!("demo account {}", spec.draft.username))?;
        let user = match existing.iter().find(|u| u.username == new.username) {
            Some(old) => reset(store, old, &new, &hash).await?,
            None => store
                .create_user(&new, &hash)
                .await
                .with_context(|| format!("creating demo account {}", new.username))?,
        };
        for what in &spec.assignments {
            store.assign(user.id, *what).await.with_context(|| format!("assigning {what:?} to {}", user.username))?;
        }
        let area_name = match &user.area {
            Some(code) => store.region(code).await.with_context(|| format!("region {code}"))?.name,
            None => "nasional / national".into(),
        };
        accounts.push(DemoAccount {
            username: user.username.to_string(),
            display_name: user.display_name,
            role: user.role,
            area: user.area,
            area_name,
            bound_to: spec.bound_to,
            password,
        });
    }
    tracing::info!(accounts = accounts.len(), "demo accounts ready with fresh passwords");
    Ok(accounts)
}

/// Brings an existing demo account back to its demo state with a new password.
async fn reset(store: &dyn Store, old: &User, new: &NewUser, hash: &PasswordHash) -> anyhow::Result<User> {
    let context = || format!("resetting demo account {}", new.username);
    let same = old.display_name == new.display_name
        && old.role == new.role
        && old.area == new.area
        && old.agency_id == new.agency_id
        && old.group_id == new.group_id;
    let mut user =
        if same { old.clone() } else { store.update_user(old.id, new, old.version).await.with_context(context)? };
    store.set_password(user.id, hash).await.with_context(context)?;
    if user.disabled {
        user = store.set_user_disabled(user.id, false).await.with_context(context)?;
    }
    Ok(user)
}

/// The demo accounts (one per role, and the agriculture agency's officer and extension
/// worker), bound to the records the demo loaded.
async fn specs(store: &dyn Store) -> anyhow::Result<Vec<Spec>> {
    // Seed 002: the agency that runs PKH in Pilang, and the families it enrolled.
    let programs = store.search_programs(&Query::text(PKH)).await.context("finding the PKH program")?;
    let pkh = programs
        .items
        .iter()
        .map(|p| &p.program)
        .find(|p| p.name.starts_with(PKH))
        .context("the demo's PKH program is missing")?;
    let agency = store.agency(pkh.agency_id).await.context("reading the agency that runs PKH")?;
    let families = caseload(store, pkh.id).await?;
    let p2k2 = group_named(store, P2K2_GROUP).await?;
    let lkm = group_named(store, LKM_GROUP).await?.with_context(|| format!("the demo group {LKM_GROUP} is missing"))?;
    let kwt = group_named(store, KWT_GROUP).await?.with_context(|| format!("the demo group {KWT_GROUP} is missing"))?;
    let kotaku = store
        .search_agencies(&Query::text("KOTAKU"))
        .await
        .context("finding the KOTAKU agency")?
        .items
        .into_iter()
        .find(|a| a.name == KOTAKU_AGENCY)
        .with_context(|| format!("the demo agency {KOTAKU_AGENCY} is missing"))?;
    let coordinator = store
        .group_members(lkm.id)
        .await
        .context("reading the LKM's members")?
        .into_iter()
        .find(|m| m.role == GroupRole::Coordinator)
        .map_or_else(|| "Koordinator LKM Persada Mandiri".to_string(), |m| m.person_name);

    let draft = |username: &str, name: &str, role: Role, area: Option<&str>| UserDraft {
        username: username.into(),
        display_name: name.into(),
        role: role.code().into(),
        area: area.map(String::from),
        agency_id: None,
        group_id: None,
    };
    let distan = store
        .search_agencies(&Query::text(DISTAN))
        .await
        .context("finding the agriculture agency")?
        .items
        .into_iter()
        .find(|a| a.name == DISTAN)
        .with_context(|| format!("the demo agency {DISTAN} is missing"))?;
    let mut dragon_fruit = Vec::new();
    for name in DRAGON_FRUIT_GROUPS {
        let g = group_named(store, name).await?.with_context(|| format!("the demo group {name} is missing"))?;
        dragon_fruit.push(Assigned::Group(g.id));
    }
    let mut facilitator_work: Vec<Assigned> = families.iter().map(|id| Assigned::Household(*id)).collect();
    let mut facilitator_note = format!("{} keluarga PKH Desa Pilang / PKH families of Pilang", families.len());
    if let Some(g) = &p2k2 {
        facilitator_work.push(Assigned::Group(g.id));
        facilitator_note.push_str(&format!(" + {}", g.name));
    }
    Ok(vec![
        Spec {
            draft: draft("admin", "Administrator Demo", Role::Administrator, None),
            bound_to: "semua / everything".into(),
            assignments: Vec::new(),
        },
        Spec {
            draft: UserDraft {
                agency_id: Some(agency.id),
                ..draft("petugas.pkh", "Endah Purwaningsih, S.Sos.", Role::ProgramOfficer, Some(BLORA))
            },
            bound_to: agency.name.clone(),
            assignments: Vec::new(),
        },
        Spec {
            draft: draft("pendamping.pkh", "Nur Fadilah, S.Sos.", Role::Facilitator, Some(places::RANDUBLATUNG)),
            bound_to: facilitator_note,
            assignments: facilitator_work,
        },
        Spec {
            draft: UserDraft {
                agency_id: Some(distan.id),
                ..draft("petugas.distan", "Rina Marlina, S.P.", Role::ProgramOfficer, Some(PALANGKA_RAYA))
            },
            bound_to: distan.name.clone(),
            assignments: Vec::new(),
        },
        Spec {
            draft: draft("penyuluh", "Sugiarto, S.P.", Role::Facilitator, Some(places::KALAMPANGAN)),
            bound_to: "BPP Kalampangan: 3 kelompok tani buah naga / 3 dragon-fruit farmer groups".into(),
            assignments: dragon_fruit,
        },
        Spec {
            draft: UserDraft {
                group_id: Some(lkm.id),
                ..draft("pengurus.lkm", &coordinator, Role::GroupOfficer, Some(lkm.region.as_str()))
            },
            bound_to: lkm.name.clone(),
            assignments: Vec::new(),
        },
        Spec {
            draft: UserDraft {
                agency_id: Some(kotaku.id),
                ..draft("petugas.kotaku", "Ir. Dodi Saputra", Role::ProgramOfficer, Some(BANDAR_LAMPUNG))
            },
            bound_to: kotaku.name.clone(),
            assignments: Vec::new(),
        },
        Spec {
            draft: UserDraft {
                group_id: Some(kwt.id),
                ..draft(
                    "bendahara.kwt",
                    "Bendahara KWT Sukawangi Sejahtera",
                    Role::GroupOfficer,
                    Some(kwt.region.as_str()),
                )
            },
            bound_to: kwt.name.clone(),
            assignments: Vec::new(),
        },
        Spec {
            draft: draft("evaluator", "Evaluator Demo (peneliti)", Role::Evaluator, None),
            bound_to: "survei dan data kualitatif / surveys and qualitative data".into(),
            assignments: Vec::new(),
        },
        Spec {
            draft: draft("pemantau", "Pemantau Kabupaten Blora (demo)", Role::Viewer, Some(BLORA)),
            bound_to: "angka agregat / aggregates only".into(),
            assignments: Vec::new(),
        },
    ])
}

/// The first [`FACILITATOR_HOUSEHOLDS`] families PKH currently serves (active or suspended),
/// by household id.
async fn caseload(store: &dyn Store, program_id: Id) -> anyhow::Result<Vec<Id>> {
    let mut households = Vec::new();
    let mut page_no = 1;
    loop {
        let page = store
            .program_enrollments(
                program_id,
                &Query { page: PageRequest::new(page_no, PageRequest::MAX_PER_PAGE), ..Query::default() },
            )
            .await
            .context("reading PKH enrollments")?;
        households.extend(
            page.items
                .iter()
                .filter(|e| e.subject.kind == SubjectKind::Household)
                .filter(|e| !e.status.ends())
                .map(|e| e.subject.id),
        );
        if page_no >= page.pages() || page.items.is_empty() {
            break;
        }
        page_no += 1;
    }
    households.sort_unstable();
    households.dedup();
    households.truncate(FACILITATOR_HOUSEHOLDS);
    anyhow::ensure!(!households.is_empty(), "the demo's PKH program has no enrolled families");
    Ok(households)
}

async fn group_named(store: &dyn Store, name: &str) -> anyhow::Result<Option<Group>> {
    let page = store.search_groups(&Query::text(name)).await.with_context(|| format!("finding the group {name}"))?;
    Ok(page.items.into_iter().map(|g| g.group).find(|g| g.name == name))
}

/// Words for readable passwords: Indonesian things from the seeds' world.
const WORDS: &[&str] = &[
    "anggrek",
    "bayam",
    "belimbing",
    "bibit",
    "cangkul",
    "cabai",
    "durian",
    "embung",
    "gabah",
    "jagung",
    "jambu",
    "kacang",
    "kangkung",
    "kedelai",
    "kelapa",
    "kemangi",
    "kopi",
    "kunyit",
    "lumbung",
    "mangga",
    "melati",
    "nangka",
    "padi",
    "pare",
    "pepaya",
    "pisang",
    "rambutan",
    "salak",
    "sawah",
    "serai",
    "singkong",
    "talas",
    "tempe",
    "terong",
    "tomat",
    "ubi",
    "waru",
    "wortel",
];

/// A random readable password: two different words and four digits (`kedelai-salak-4821`),
/// about 2^20 possibilities: enough for a demo, which is all it is for.
fn new_password(username: &str) -> String {
    let mut rng = rand::rng();
    loop {
        let a = WORDS[rng.random_range(0..WORDS.len())];
        let b = WORDS[rng.random_range(0..WORDS.len())];
        let candidate = format!("{a}-{b}-{:04}", rng.random_range(0..10_000));
        if a != b && check_password_rules(&candidate, username).is_ok() {
            return candidate;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_random_readable_and_meet_the_rules() {
        let a = new_password("admin");
        let b = new_password("admin");
        assert_ne!(a, b);
        for p in [&a, &b] {
            assert!(check_password_rules(p, "admin").is_ok(), "{p}");
            assert_eq!(p.split('-').count(), 3, "{p}");
        }
    }
}
