//! The PKH story of seed 002 on top of the demo registry: Pilang's KPM (and more DTKS
//! households of Randublatung, so the facilitator carries a realistic caseload of more than
//! a hundred families) enrolled as PKH families with the facts their members bring
//! (children in school by age, pregnant mothers, a severe disability; the elderly by birth
//! date), eight verification periods closed from 2025-1 to 2026-3 with their compliance
//! (mostly compliant; a few warned, one suspended then back to active by compliance, one
//! terminated) and 2026-4 open with part of its verification done.
//!
//! The other PKH parts load their records from the ids gathered here in [`Pkh`].

use std::collections::HashMap;

use anyhow::{Context, anyhow};
use berdaya_domain::access::{PasswordHash, Role, UserDraft};
use berdaya_domain::pkh::components::{Fact, Member};
use berdaya_domain::pkh::family::{NewFact, NewFamily};
use berdaya_domain::pkh::rules::PkhRules;
use berdaya_domain::pkh::verify::{ComplianceEntry, obligations_due};
use berdaya_domain::pkh::{FactKind, Period, SchoolLevel, age_on};
use berdaya_domain::registry::{Disability, EnrollmentStatus, Id, Person, Sex, SubjectKind};
use berdaya_store::{PageRequest, Query, Store};
use time::Date;
use time::macros::date;

use super::places;

mod grievance;
mod pay;
mod target;
mod verify;

/// The PKH world as stored, for the parts' loaders.
#[allow(dead_code)]
pub(super) struct Pkh {
    /// The PKH program of Pilang.
    pub program: Id,
    /// The demo facilitator `pendamping.pkh`, who carries every family.
    pub facilitator: Id,
    /// Families as (family id, household id), in enrollment order.
    pub families: Vec<(Id, Id)>,
    /// Verification periods, oldest first: 2025-1 … 2026-3 closed, 2026-4 open.
    pub periods: Vec<(Period, Id)>,
    /// Program enrollments made here (households that were not in the program before).
    pub new_enrollments: u64,
}

const PKH: &str = "Program Keluarga Harapan";
/// The demo facilitator (the account `demo_accounts` gives a password later).
pub(super) const FACILITATOR: &str = "pendamping.pkh";
const FACILITATOR_NAME: &str = "Nur Fadilah, S.Sos.";
/// Families the facilitator carries.
const CASELOAD: usize = 130;
/// When the families joined PKH as families with components (after the 2024 re-verification).
const ENROLLED_ON: Date = date!(2024 - 12 - 02);

/// Loads the PKH families, facts and verification history.
pub(super) async fn load(store: &dyn Store) -> anyhow::Result<Pkh> {
    let program = store
        .search_programs(&Query::text(PKH))
        .await
        .context("finding the PKH program")?
        .items
        .into_iter()
        .map(|p| p.program)
        .find(|p| p.name.starts_with(PKH))
        .ok_or_else(|| anyhow!("the demo's PKH program is missing"))?;
    let facilitator = facilitator(store).await?;

    // Pilang's KPM first (enrolled or suspended in the program), then DTKS households of
    // Pilang and Randublatung not in the program.
    let mut households: Vec<Id> = Vec::new();
    let mut skipped: Vec<Id> = Vec::new();
    let mut page_no = 1;
    loop {
        let page = store
            .program_enrollments(
                program.id,
                &Query { page: PageRequest::new(page_no, PageRequest::MAX_PER_PAGE), ..Query::default() },
            )
            .await
            .context("reading PKH enrollments")?;
        for e in page.items.iter().filter(|e| e.subject.kind == SubjectKind::Household) {
            if matches!(e.status, EnrollmentStatus::Enrolled | EnrollmentStatus::Suspended) {
                households.push(e.subject.id);
            } else {
                skipped.push(e.subject.id);
            }
        }
        if page_no >= page.pages() || page.items.is_empty() {
            break;
        }
        page_no += 1;
    }
    let in_program = households.len();
    for region in [places::PILANG, places::RANDUBLATUNG] {
        let mut page_no = 1;
        while households.len() < CASELOAD {
            let q = Query {
                region: Some(berdaya_domain::registry::RegionCode::parse(region).map_err(|e| anyhow!("{e}"))?),
                filters: vec![("dtks_listed".into(), "true".into())],
                page: PageRequest::new(page_no, PageRequest::MAX_PER_PAGE),
                ..Query::default()
            };
            let page = store.search_households(&q).await.context("reading DTKS households")?;
            for h in &page.items {
                let id = h.household.id;
                if households.len() < CASELOAD && !households.contains(&id) && !skipped.contains(&id) {
                    households.push(id);
                }
            }
            if page_no >= page.pages() || page.items.is_empty() {
                break;
            }
            page_no += 1;
        }
    }

    let rules = PkhRules::default_for(2025);
    let mut families = Vec::with_capacity(households.len());
    let mut facts_of: HashMap<Id, Vec<(Person, Vec<Fact>)>> = HashMap::new();
    let mut pregnancies = 0;
    let mut disabilities = 0;
    for (i, &household_id) in households.iter().enumerate() {
        let new = NewFamily {
            household_id,
            decile: Some(if i % 5 == 4 { 2 } else { 1 }),
            facilitator_id: Some(facilitator),
            enrolled_on: ENROLLED_ON,
        };
        let family = store.enroll_pkh_family(program.id, &new).await.context("enrolling a demo PKH family")?;
        let people = store.household_members(household_id).await.context("demo household members")?;
        let mut with_facts = Vec::new();
        for p in people {
            let mut facts = Vec::new();
            for fact in school_facts(&p) {
                facts.push(fact.clone());
                store.add_pkh_fact(family.id, &fact).await.context("demo school fact")?;
            }
            let age = age_on(p.birth_date, date!(2025 - 06 - 01));
            if p.sex == Sex::Female && (20..=38).contains(&age) && i % 9 == 2 && pregnancies < 12 {
                pregnancies += 1;
                let starts_on = date!(2025 - 02 - 10) + time::Duration::days(23 * (i as i64 % 11));
                let fact = NewFact {
                    person_id: p.id,
                    kind: FactKind::Pregnant,
                    level: None,
                    school_name: None,
                    starts_on,
                    expected_on: Some(starts_on + time::Duration::days(240)),
                    ends_on: None,
                    note: Some("Buku KIA dari bidan desa".into()),
                };
                facts.push(fact.clone());
                store.add_pkh_fact(family.id, &fact).await.context("demo pregnancy")?;
            }
            if p.disability != Disability::None && disabilities < 3 {
                disabilities += 1;
                let fact = NewFact {
                    person_id: p.id,
                    kind: FactKind::Disability,
                    level: None,
                    school_name: None,
                    starts_on: date!(2024 - 11 - 15),
                    expected_on: None,
                    ends_on: None,
                    note: Some("Asesmen pendamping dan puskesmas".into()),
                };
                facts.push(fact.clone());
                store.add_pkh_fact(family.id, &fact).await.context("demo disability")?;
            }
            let as_facts: Vec<Fact> = facts
                .iter()
                .map(|f| Fact {
                    kind: f.kind,
                    level: f.level,
                    starts_on: f.starts_on,
                    expected_on: f.expected_on,
                    ends_on: f.ends_on,
                })
                .collect();
            with_facts.push((p, as_facts));
        }
        facts_of.insert(family.id, with_facts);
        families.push((family.id, household_id));
    }

    let periods = verify::load(store, program.id, &families, &facts_of, &rules).await?;
    let new_enrollments = (families.len() - in_program) as u64;
    let pkh = Pkh { program: program.id, facilitator, families, periods, new_enrollments };
    pay::load(store, &pkh).await?;
    grievance::load(store, &pkh).await?;
    target::load(store, &pkh).await?;
    Ok(pkh)
}

/// The school facts of a member from their age: SD from the July they are 7 for six years,
/// SMP for three, SMA for three; only those reaching past mid-2024.
fn school_facts(p: &Person) -> Vec<NewFact> {
    let year = p.birth_date.year();
    let mut out = Vec::new();
    let stages = [
        (SchoolLevel::Sd, 7, 6, "SD Negeri Pilang 1"),
        (SchoolLevel::Smp, 13, 3, "SMP Negeri 1 Randublatung"),
        (SchoolLevel::Sma, 16, 3, "SMA Negeri 1 Randublatung"),
    ];
    for (level, from, years, school) in stages {
        let starts_on = Date::from_calendar_date(year + from, time::Month::July, 15).ok();
        let ends_on = Date::from_calendar_date(year + from + years, time::Month::June, 20).ok();
        let (Some(starts_on), Some(ends_on)) = (starts_on, ends_on) else { continue };
        if ends_on < date!(2024 - 07 - 01) || starts_on > date!(2026 - 12 - 31) {
            continue;
        }
        // One in ten stops after SD (a school dropout the facilitator follows up).
        if level != SchoolLevel::Sd && p.id % 10 == 0 {
            continue;
        }
        out.push(NewFact {
            person_id: p.id,
            kind: FactKind::School,
            level: Some(level),
            school_name: Some(school.into()),
            starts_on,
            expected_on: None,
            ends_on: Some(ends_on),
            note: None,
        });
    }
    out
}

/// The demo facilitator's account, made here (with a hash no password matches) when the
/// accounts are not made yet; `demo_accounts` gives it a password later.
async fn facilitator(store: &dyn Store) -> anyhow::Result<Id> {
    if let Some(u) =
        store.users().await.context("reading accounts")?.into_iter().find(|u| u.username.as_str() == FACILITATOR)
    {
        return Ok(u.id);
    }
    let draft = UserDraft {
        username: FACILITATOR.into(),
        display_name: FACILITATOR_NAME.into(),
        role: Role::Facilitator.code().into(),
        area: Some(places::RANDUBLATUNG.into()),
        agency_id: None,
        group_id: None,
    };
    let new = draft.parse().map_err(|e| anyhow!("{e}"))?;
    let none: String = std::iter::repeat_n('A', 43).collect();
    let hash = PasswordHash::from_stored(format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0${none}"))
        .map_err(|e| anyhow!(e))?;
    Ok(store.create_user(&new, &hash).await.context("creating the demo facilitator")?.id)
}

/// The obligations due from a family in a period, from its members and their facts.
pub(super) fn due(
    people: &[(Person, Vec<Fact>)],
    period: Period,
    rules: &PkhRules,
) -> Vec<berdaya_domain::pkh::verify::Due> {
    let on = period.last_day();
    let members: Vec<Member> =
        people.iter().map(|(p, facts)| Member::from_facts(p.id, p.id, p.birth_date, facts, on, rules)).collect();
    obligations_due(&members, period, rules)
}

/// Compliance entries for every due obligation, all met unless `broken`: then the first
/// (a pupil's attendance when there is one, else P2K2) is not.
pub(super) fn entries(family_id: Id, due: &[berdaya_domain::pkh::verify::Due], broken: bool) -> Vec<ComplianceEntry> {
    due.iter()
        .enumerate()
        .map(|(i, d)| {
            let fails = broken && i == 0;
            ComplianceEntry {
                family_id,
                person_id: d.person_id,
                obligation: d.obligation.clone(),
                compliant: !fails,
                attendance_tenths: (d.obligation == "school_attendance").then_some(if fails { 700 } else { 950 }),
                note: fails.then(|| "Tidak hadir tanpa keterangan".to_string()),
            }
        })
        .collect()
}
