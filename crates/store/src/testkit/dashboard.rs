//! Conformance checks of [`DashboardStore`](crate::dashboard::DashboardStore): the registry's
//! and the programs' aggregates against counts made by hand over the standard fixtures, in a
//! national scope, an area, a facilitator's assignments and a group officer's group.

use berdaya_domain::access::Role;
use berdaya_domain::registry::Program;

use super::*;
use crate::access::Assigned;
use crate::dashboard::{AgeBandCount, MonthCounts, OLDEST_BAND, RegionCount, running_status};
use crate::registry::Within;

/// The day the checks count on: Rina (born 2010-12-01) turns 15 on it, Wibowo (1965-11-30)
/// turned 60 the day before.
const TODAY: Date = date!(2025 - 12 - 01);

fn scope(region: Option<&str>, within: Option<Within>) -> Query {
    Query { region: region.map(code), within, ..Query::default() }
}

/// The fixture households made more varied: h1 Sejahtera I and in DTKS, h2 in DTKS, Agus
/// physically disabled.
async fn seed(s: &dyn Store) -> Registry {
    let reg = seed_registry(s).await;
    for (h, stage) in [(&reg.h[0], WelfareStage::Sejahtera1), (&reg.h[1], WelfareStage::PraSejahtera)] {
        let new = NewHousehold {
            welfare_stage: stage,
            dtks_listed: true,
            ..new_household(h.kk, &h.address, h.region.as_str())
        };
        s.update_household(h.id, &new, h.version).await.expect("update household");
    }
    let agus = reg.person("Agus");
    let new = NewPerson {
        disability: Disability::Physical,
        ..new_person(agus.nik, agus.household_id, &agus.name, agus.sex, agus.birth_date, agus.relation)
    };
    s.update_person(agus.id, &new, agus.version).await.expect("update person");
    reg
}

fn regions(rows: &[RegionCount]) -> Vec<(Option<&str>, u64, u64)> {
    rows.iter().map(|r| (r.code.as_ref().map(|c| c.as_str()), r.households, r.people)).collect()
}

/// The non-empty bands as (from, male, female).
fn bands(rows: &[AgeBandCount]) -> Vec<(u32, u64, u64)> {
    rows.iter().filter(|b| b.male + b.female > 0).map(|b| (b.from, b.male, b.female)).collect()
}

/// A month's counts of the running, suspended and graduated statuses.
fn month(m: &MonthCounts) -> (u64, u64, u64) {
    let n = |status| m.counts.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n);
    (n(running_status()), n(EnrollmentStatus::Suspended), n(EnrollmentStatus::Graduated))
}

/// Registry aggregates: national, an area (Blora), a facilitator's assignments and a group
/// officer's group; every vocabulary value present (zeros included), age bands taken on the
/// day asked.
pub async fn dashboard_registry(s: Arc<dyn Store>) {
    let s = &*s;
    let reg = seed(s).await;

    let all = s.registry_dashboard(&scope(None, None), TODAY).await.expect("national");
    assert_eq!((all.households, all.people), (5, 12));
    assert_eq!(regions(&all.regions), [(Some("18"), 2, 3), (Some("33"), 2, 5), (Some("62"), 1, 2), (None, 0, 2)]);
    assert_eq!(all.regions[1].name, "Jawa Tengah");
    let stages: Vec<u64> = all.welfare.iter().map(|(_, n)| *n).collect();
    assert_eq!(stages, [4, 1, 0, 0, 0]);
    assert_eq!(all.welfare.len(), WelfareStage::ALL.len());
    assert_eq!((all.dtks_listed, all.dtks_unlisted), (2, 3));
    assert_eq!(all.disability.len(), Disability::ALL.len());
    assert_eq!(all.disability.iter().find(|(d, _)| *d == Disability::Physical).map(|(_, n)| *n), Some(1));
    assert_eq!(all.disability.iter().find(|(d, _)| *d == Disability::None).map(|(_, n)| *n), Some(11));
    assert_eq!(all.pyramid.len() as u32, OLDEST_BAND / 5 + 1);
    assert_eq!(
        bands(&all.pyramid),
        [(15, 0, 1), (20, 2, 0), (25, 1, 1), (30, 1, 0), (35, 1, 0), (45, 0, 1), (50, 0, 1), (55, 2, 0), (60, 1, 0)]
    );
    let day_before = s.registry_dashboard(&scope(None, None), date!(2025 - 11 - 29)).await.expect("national");
    let young = bands(&day_before.pyramid);
    assert!(young.contains(&(10, 0, 1)) && young.contains(&(55, 3, 0)), "birthdays not yet reached: {young:?}");

    let blora = s.registry_dashboard(&scope(Some("33.16"), None), TODAY).await.expect("Blora");
    assert_eq!((blora.households, blora.people), (2, 5));
    assert_eq!(regions(&blora.regions), [(Some("33.16.09"), 2, 5)]);
    assert_eq!(blora.welfare.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [1, 1, 0, 0, 0]);
    assert_eq!((blora.dtks_listed, blora.dtks_unlisted), (2, 0));
    assert_eq!(bands(&blora.pyramid), [(20, 1, 0), (30, 1, 0), (50, 0, 1), (55, 1, 0), (60, 1, 0)]);
    let pilang = s.registry_dashboard(&scope(Some(PILANG), None), TODAY).await.expect("Pilang");
    assert_eq!((pilang.households, pilang.people, regions(&pilang.regions)), (1, 3, vec![(None, 1, 3)]));

    // A facilitator assigned h2 and a group of Agus and Rina.
    let g = s
        .create_group(&NewGroup {
            name: "KSM Maju".into(),
            kind: GroupKind::Ksm,
            region: code(L1_RT03),
            founded_on: None,
            description: None,
        })
        .await
        .expect("group");
    for name in ["Agus", "Rina"] {
        let m = NewMember { person_id: reg.person(name).id, role: GroupRole::Member, since: None, until: None };
        s.add_member(g.id, &m).await.expect("member");
    }
    let f = facilitator(s).await;
    s.assign(f, Assigned::Household(reg.h[1].id)).await.expect("assign");
    s.assign(f, Assigned::Group(g.id)).await.expect("assign");
    let mine = s.registry_dashboard(&scope(None, Some(Within::AssignedTo(f))), TODAY).await.expect("facilitator");
    assert_eq!((mine.households, mine.people), (1, 4));
    assert_eq!(regions(&mine.regions), [(Some("18"), 0, 1), (Some("33"), 1, 3), (Some("62"), 0, 0)]);
    assert_eq!((mine.dtks_listed, mine.dtks_unlisted), (1, 0));
    let in_blora = scope(Some("33.16"), Some(Within::AssignedTo(f)));
    let mine_blora = s.registry_dashboard(&in_blora, TODAY).await.expect("facilitator in Blora");
    assert_eq!((mine_blora.households, mine_blora.people), (1, 3));

    let group = s.registry_dashboard(&scope(None, Some(Within::MembersOf(g.id))), TODAY).await.expect("group");
    assert_eq!((group.households, group.people), (2, 2));
    assert_eq!(bands(&group.pyramid), [(15, 0, 1), (20, 1, 0)]);
    assert_eq!(group.disability.iter().find(|(d, _)| *d == Disability::Physical).map(|(_, n)| *n), Some(1));
}

async fn facilitator(s: &dyn Store) -> berdaya_domain::access::UserId {
    let new = berdaya_domain::access::NewUser {
        username: berdaya_domain::access::Username::parse("fasil").expect("username"),
        display_name: "Fasilitator".into(),
        role: Role::Facilitator,
        area: None,
        agency_id: None,
        group_id: None,
    };
    let hash = berdaya_domain::access::PasswordHash::from_stored(format!(
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0${}A",
        "B".repeat(42)
    ))
    .expect("PHC string");
    s.create_user(&new, &hash).await.expect("user").id
}

async fn program(s: &dyn Store, name: &str, agency_id: Id, targets: &[&str]) -> Program {
    s.create_program(&super::checks::program_draft(name, agency_id, targets)).await.expect("program")
}

/// Enrolls `subject` on `on`, then moves it through `changes` (status and day) in order.
async fn enroll(s: &dyn Store, program: &Program, subject: Subject, on: Date, changes: &[(EnrollmentStatus, Date)]) {
    let new = NewEnrollment { subject, status: running_status(), enrolled_on: on, ended_on: None };
    let mut e = s.enroll(program.id, &new).await.expect("enroll");
    for (to, day) in changes {
        let change = berdaya_domain::registry::StatusChange { to: *to, on: *day, reason: Some("uji".into()) };
        e = s.change_enrollment_status(e.id, &change, e.version).await.expect("change status");
    }
}

/// Programs' aggregates: the status of each enrollment month by month as its history tells
/// it (a change in the same month as the next one never shows), and each program's enrolled subjects per target
/// region, in an area and a facilitator's scope.
pub async fn dashboard_programs(s: Arc<dyn Store>) {
    let s = &*s;
    let reg = seed(s).await;
    let dinas = s
        .create_agency(&NewAgency {
            name: "Dinas Sosial".into(),
            kind: AgencyKind::Agency,
            region: code("33"),
            parent_id: None,
        })
        .await
        .expect("agency");
    let pkh = program(s, "PKH Blora", dinas.id, &[PILANG, KUTUKAN]).await;
    let kotaku = program(s, "KOTAKU Kaliawi", dinas.id, &["18.71.10.1003"]).await;
    let household = |i: usize| Subject { kind: SubjectKind::Household, id: reg.h[i].id };
    use EnrollmentStatus::{Enrolled, Graduated, Suspended};
    enroll(s, &pkh, household(0), date!(2025 - 01 - 15), &[]).await;
    enroll(s, &pkh, household(1), date!(2024 - 06 - 01), &[(Graduated, date!(2025 - 06 - 30))]).await;
    let budiman = Subject { kind: SubjectKind::Person, id: reg.person("Budiman").id };
    // Suspended and reinstated within April, suspended again in May: April ends enrolled.
    let budiman_changes =
        [(Suspended, date!(2025 - 04 - 02)), (Enrolled, date!(2025 - 04 - 20)), (Suspended, date!(2025 - 05 - 20))];
    enroll(s, &pkh, budiman, date!(2025 - 03 - 10), &budiman_changes).await;
    enroll(s, &kotaku, household(3), date!(2025 - 11 - 20), &[]).await;

    let all = s.program_dashboard(&scope(None, None), TODAY).await.expect("national");
    assert_eq!(all.months.len(), 24);
    assert_eq!((all.months[0].month, all.months[23].month), (date!(2024 - 01 - 01), date!(2025 - 12 - 01)));
    assert_eq!(all.months[0].counts.len(), EnrollmentStatus::ALL.len());
    let series: Vec<(u64, u64, u64)> = all.months.iter().map(month).collect();
    // 2024-05, 2024-06, 2024-12, 2025-01, 2025-03, 2025-04, 2025-05, 2025-06, 2025-10, 2025-11, 2025-12.
    let at = |i: usize| series[i];
    assert_eq!([at(4), at(5), at(11), at(12)], [(0, 0, 0), (1, 0, 0), (1, 0, 0), (2, 0, 0)]);
    assert_eq!([at(14), at(15), at(16), at(17)], [(3, 0, 0), (3, 0, 0), (2, 1, 0), (1, 1, 1)]);
    assert_eq!([at(21), at(22), at(23)], [(1, 1, 1), (2, 1, 1), (2, 1, 1)]);
    let names: Vec<&str> = all.coverage.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["KOTAKU Kaliawi", "PKH Blora"]);
    let targets = |p: &crate::dashboard::ProgramCoverage| -> Vec<(String, u64)> {
        p.targets.iter().map(|t| (t.region.to_string(), t.enrolled)).collect()
    };
    assert_eq!(targets(&all.coverage[0]), [("18.71.10.1003".to_string(), 1)]);
    assert_eq!(targets(&all.coverage[1]), [(PILANG.to_string(), 1), (KUTUKAN.to_string(), 0)]);
    assert_eq!((all.coverage[1].covered(), all.coverage[1].targets[0].name.as_str()), (1, "Pilang"));

    let blora = s.program_dashboard(&scope(Some("33.16"), None), TODAY).await.expect("Blora");
    assert_eq!(blora.coverage.iter().map(|p| p.program_id).collect::<Vec<_>>(), [pkh.id]);
    assert_eq!([month(&blora.months[22]), month(&blora.months[23])], [(1, 1, 1), (1, 1, 1)]);
    let kutukan = s.program_dashboard(&scope(Some(KUTUKAN), None), TODAY).await.expect("Kutukan");
    assert_eq!(month(&kutukan.months[23]), (0, 1, 1));
    assert_eq!(targets(&kutukan.coverage[0]), [(PILANG.to_string(), 0), (KUTUKAN.to_string(), 0)]);

    let f = facilitator(s).await;
    s.assign(f, Assigned::Household(reg.h[1].id)).await.expect("assign");
    let mine = s.program_dashboard(&scope(None, Some(Within::AssignedTo(f))), TODAY).await.expect("facilitator");
    assert_eq!(month(&mine.months[23]), (0, 1, 1));
    assert_eq!(month(&mine.months[16]), (1, 1, 0));
    assert!(mine.coverage.iter().all(|p| p.covered() == 0), "h1 and h4 are not assigned: {:?}", mine.coverage);
}
