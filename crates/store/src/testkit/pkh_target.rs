//! Conformance checks of PKH targeting and P2K2: official welfare figures stored and
//! replaced whole, the welfare table computed from the registry, DTKS deciles, the exclusion
//! error with each of its reasons, and the shipped P2K2 catalogue.

use berdaya_domain::activity::{ActivityKind, AttendanceEntry, AttendanceStatus, NewActivity};
use berdaya_domain::pkh::family::{NewFact, NewFamily};
use berdaya_domain::pkh::p2k2::{NewCohort, NewSession};
use berdaya_domain::pkh::targeting::{ErrorKind, Reason};
use berdaya_domain::pkh::{Component, FactKind, SchoolLevel};

use super::checks::program_draft;
use super::*;
use crate::pkh::targeting::NewWelfareFigure;

fn figure(region: &str, counts: [i64; 5]) -> NewWelfareFigure {
    NewWelfareFigure { region: region.into(), counts, source: Some("PLKB Randublatung".into()) }
}

/// Official figures: stored per village and year, read back by district, replaced on a
/// second entry, refused whole for a region that is not a village; the registry table
/// counts households by stage under each village (zeros for a village without any).
pub async fn pkh_welfare_figures(s: Arc<dyn Store>) {
    let s = &*s;
    seed_registry(s).await;
    let n = s
        .set_welfare_figures(2020, &[figure(PILANG, [436, 2505, 653, 0, 0]), figure(KUTUKAN, [324, 1862, 485, 0, 0])])
        .await
        .expect("figures");
    assert_eq!(n, 2);
    let rows = s.welfare_figures("33.16.09", 2020).await.expect("read");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].row.name, "Pilang");
    assert_eq!(rows[0].row.total(), 3594);
    assert_eq!(rows[0].source.as_deref(), Some("PLKB Randublatung"));
    s.set_welfare_figures(2020, &[figure(PILANG, [400, 2500, 650, 0, 0])]).await.expect("replace");
    let rows = s.welfare_figures("33.16.09", 2020).await.expect("read");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].row.counts[0], 400);
    assert!(s.welfare_figures("33.16.09", 2021).await.expect("read").is_empty());
    assert_eq!(s.welfare_years("33.16.09").await.expect("years"), vec![2020]);
    let e = s
        .set_welfare_figures(2021, &[figure(PILANG, [1, 1, 1, 0, 0]), figure("33.16.09", [1, 1, 1, 0, 0])])
        .await
        .expect_err("a district is no village");
    assert!(matches!(e, StoreError::Reference { field: "region", .. }), "{e:?}");
    assert!(s.welfare_figures("33.16.09", 2021).await.expect("read").is_empty(), "nothing written");
    let e = s.set_welfare_figures(2021, &[figure(PILANG, [-1, 0, 0, 0, 0])]).await.expect_err("negative");
    assert!(matches!(&e, StoreError::Invalid(i) if i.0[0].field == "pra_sejahtera"), "{e:?}");

    let table = s.registry_welfare("33.16.09").await.expect("registry table");
    assert_eq!(table.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Pilang", "Kutukan"]);
    assert_eq!(table[0].counts[0], 1, "one Pra Sejahtera household in Pilang");
    assert_eq!(table[1].total(), 1);
}

/// A household of `region` in DTKS at `stage`, with one person born on `birth`.
async fn household_with(
    s: &dyn Store,
    serial: u16,
    region: &str,
    dtks: bool,
    stage: WelfareStage,
    people: &[(Date, Education, Disability)],
) -> Id {
    people_of(s, serial, region, dtks, stage, people).await.0
}

/// A household as [`household_with`] makes it, with its people's ids.
async fn people_of(
    s: &dyn Store,
    serial: u16,
    region: &str,
    dtks: bool,
    stage: WelfareStage,
    people: &[(Date, Education, Disability)],
) -> (Id, Vec<Id>) {
    let district = code(region).district_digits().expect("district");
    let mut h = new_household(kk(&district, serial), &format!("Dukuh {serial}"), region);
    h.dtks_listed = dtks;
    h.welfare_stage = stage;
    let hh = s.create_household(&h).await.expect("household");
    let mut ids = Vec::new();
    for (i, (birth, education, disability)) in people.iter().enumerate() {
        let mut p = new_person(
            nik(&district, *birth, Sex::Female, serial * 10 + i as u16),
            Some(hh.id),
            &format!("Warga {serial}-{i}"),
            Sex::Female,
            *birth,
            if i == 0 { Relation::Head } else { Relation::Child },
        );
        p.education = *education;
        p.disability = *disability;
        ids.push(s.create_person(&p).await.expect("person").id);
    }
    (hh.id, ids)
}

/// Exclusion: a DTKS household not enrolled, Pra Sejahtera or in the decile range, with a
/// component computed from the registry — each reason named; households outside DTKS, out
/// of range or without a component are not errors; a village filter narrows the report.
pub async fn pkh_targeting_exclusion(s: Arc<dyn Store>) {
    let s = &*s;
    seed_regions(s).await;
    let agency = s
        .create_agency(&NewAgency {
            name: "Dinas Sosial Blora".into(),
            kind: AgencyKind::Agency,
            region: code("33.16"),
            parent_id: None,
        })
        .await
        .expect("agency");
    let program = s.create_program(&program_draft("PKH Blora", agency.id, &["33.16.09"])).await.expect("program");
    let on = date!(2024 - 07 - 01);
    let adult = (date!(1985 - 01 - 01), Education::Smp, Disability::None);
    let pupil = (date!(2015 - 05 - 01), Education::Sd, Disability::None);
    let elder = (date!(1950 - 01 - 01), Education::None, Disability::None);
    let disabled = (date!(1980 - 01 - 01), Education::None, Disability::Physical);
    let pra = household_with(s, 1, PILANG, true, WelfareStage::PraSejahtera, &[adult, pupil]).await;
    let by_decile = household_with(s, 2, KUTUKAN, true, WelfareStage::Sejahtera2, &[adult, elder]).await;
    s.set_dtks_decile(by_decile, 2, date!(2024 - 01 - 01)).await.expect("decile");
    let out_of_range = household_with(s, 3, PILANG, true, WelfareStage::Sejahtera2, &[adult, pupil]).await;
    s.set_dtks_decile(out_of_range, 5, date!(2024 - 01 - 01)).await.expect("decile");
    let _not_dtks = household_with(s, 4, PILANG, false, WelfareStage::PraSejahtera, &[adult, pupil]).await;
    let _no_component = household_with(s, 5, PILANG, true, WelfareStage::PraSejahtera, &[adult]).await;
    let verify = household_with(s, 6, PILANG, true, WelfareStage::PraSejahtera, &[disabled]).await;
    let _elsewhere = household_with(s, 7, KALAMPANGAN, true, WelfareStage::PraSejahtera, &[pupil]).await;

    assert_eq!(s.dtks_decile(by_decile).await.expect("decile"), Some((2, date!(2024 - 01 - 01))));
    s.set_dtks_decile(by_decile, 1, date!(2024 - 03 - 01)).await.expect("replace");
    assert_eq!(s.dtks_decile(by_decile).await.expect("decile"), Some((1, date!(2024 - 03 - 01))));
    let e = s.set_dtks_decile(by_decile, 11, on).await.expect_err("decile 11");
    assert!(matches!(&e, StoreError::Invalid(i) if i.0[0].field == "decile"), "{e:?}");
    let e = s.set_dtks_decile(999_999, 1, on).await.expect_err("no household");
    assert!(matches!(e, StoreError::Reference { field: "household_id", .. }), "{e:?}");

    let errors = s.targeting_errors(program.id, None, on).await.expect("report");
    let found: Vec<(Id, &str)> = errors.iter().map(|e| (e.household_id, e.kind.code())).collect();
    assert_eq!(found, vec![(pra, "exclusion"), (verify, "exclusion"), (by_decile, "exclusion")], "{errors:#?}");
    let first = &errors[0];
    assert_eq!(first.village, PILANG);
    assert_eq!(first.village_name, "Pilang");
    assert_eq!(
        first.reasons,
        vec![Reason::PraSejahtera, Reason::HasComponents { components: vec![Component::Sd], annual: 900_000 }]
    );
    assert!(errors[1].reasons.contains(&Reason::DisabilityToVerify));
    assert_eq!(errors[2].reasons[0], Reason::DecileInRange { decile: 1 });
    assert!(
        matches!(&errors[2].reasons[1], Reason::HasComponents { components, .. } if components == &[Component::Lansia])
    );
    assert!(errors.iter().all(|e| e.kind == ErrorKind::Exclusion && e.family_id.is_none()));

    let village = s.targeting_errors(program.id, Some(KUTUKAN), on).await.expect("village");
    assert_eq!(village.iter().map(|e| e.household_id).collect::<Vec<_>>(), vec![by_decile]);
    let e = s.targeting_errors(999_999, None, on).await.expect_err("no program");
    assert!(matches!(e, StoreError::NotFound { entity: "program" }), "{e:?}");
}

/// The shipped P2K2 catalogue: five modules of 4, 3, 3, 2, 2 sessions, then the stunting
/// module marked as added later; a session added takes the next position and a code once.
pub async fn pkh_p2k2_catalogue(s: Arc<dyn Store>) {
    let s = &*s;
    let cat = s.p2k2_catalogue().await.expect("catalogue");
    let sizes: Vec<usize> = cat.iter().map(|m| m.sessions.len()).collect();
    assert_eq!(sizes, [4, 3, 3, 2, 2, 2]);
    assert!(cat[..5].iter().all(|m| !m.added_later));
    assert!(cat[5].added_later && cat[5].code == "STUNTING");
    let added = s
        .add_p2k2_session(&NewSession::parse(cat[5].id, "p6.3", "Sanitasi", "Sanitation").expect("session"))
        .await
        .expect("add");
    assert_eq!((added.code.as_str(), added.position), ("P6.3", 3));
    let e = s
        .add_p2k2_session(&NewSession::parse(cat[0].id, "P6.3", "Lagi", "").expect("session"))
        .await
        .expect_err("code taken");
    assert!(matches!(e, StoreError::Duplicate { field: "code", .. }), "{e:?}");
    let e = s
        .add_p2k2_session(&NewSession::parse(999_999, "P9.1", "X", "").expect("session"))
        .await
        .expect_err("no module");
    assert!(matches!(e, StoreError::Reference { field: "module_id", .. }), "{e:?}");
    assert_eq!(s.p2k2_catalogue().await.expect("catalogue")[5].sessions.len(), 3);
}

async fn blora_program(s: &dyn Store) -> (Id, Id) {
    let agency = s
        .create_agency(&NewAgency {
            name: "Dinas Sosial Blora".into(),
            kind: AgencyKind::Agency,
            region: code("33.16"),
            parent_id: None,
        })
        .await
        .expect("agency");
    let pkh = s.create_program(&program_draft("PKH Blora", agency.id, &["33.16.09"])).await.expect("program");
    let other = s.create_program(&program_draft("PKH lain", agency.id, &["33.16.09"])).await.expect("program");
    (pkh.id, other.id)
}

fn family(household_id: Id, decile: Option<u8>) -> NewFamily {
    NewFamily { household_id, decile, facilitator_id: None, enrolled_on: date!(2024 - 01 - 02) }
}

fn school(person_id: Id) -> NewFact {
    NewFact {
        person_id,
        kind: FactKind::School,
        level: Some(SchoolLevel::Sd),
        school_name: Some("SD Negeri Pilang 1".into()),
        starts_on: date!(2023 - 07 - 17),
        expected_on: None,
        ends_on: None,
        note: None,
    }
}

/// Inclusion: an enrolled family not in DTKS, one with no component on the date, one above
/// the welfare range, one with a decile outside the range — each its reason; a family with
/// a component, in DTKS and in range is no error, nor is it an exclusion error.
pub async fn pkh_targeting_inclusion(s: Arc<dyn Store>) {
    let s = &*s;
    seed_regions(s).await;
    let (program, _) = blora_program(s).await;
    let on = date!(2024 - 07 - 01);
    let adult = (date!(1985 - 01 - 01), Education::Smp, Disability::None);
    let pupil = (date!(2015 - 05 - 01), Education::Sd, Disability::None);
    let mut enrolled = Vec::new();
    for (serial, stage, decile, with_fact) in [
        (11, WelfareStage::PraSejahtera, Some(1), true),
        (12, WelfareStage::PraSejahtera, None, false),
        (13, WelfareStage::PraSejahtera, None, true),
        (14, WelfareStage::Sejahtera3, None, true),
        (15, WelfareStage::PraSejahtera, Some(5), true),
    ] {
        let (hh, people) = people_of(s, serial, PILANG, true, stage, &[adult, pupil]).await;
        let f = s.enroll_pkh_family(program, &family(hh, decile)).await.expect("enroll");
        if with_fact {
            s.add_pkh_fact(f.id, &school(people[1])).await.expect("fact");
        }
        enrolled.push((hh, f.id));
    }
    // The third household leaves DTKS after enrolling.
    let h = s.household(enrolled[2].0).await.expect("household");
    let mut changed = new_household(h.kk, &h.address, PILANG);
    changed.dtks_listed = false;
    s.update_household(h.id, &changed, h.version).await.expect("leave DTKS");

    let errors = s.targeting_errors(program, None, on).await.expect("report");
    let found: Vec<(Id, Option<Id>, Vec<Reason>)> =
        errors.iter().map(|e| (e.household_id, e.family_id, e.reasons.clone())).collect();
    assert_eq!(
        found,
        vec![
            (enrolled[1].0, Some(enrolled[1].1), vec![Reason::NoComponent]),
            (enrolled[2].0, Some(enrolled[2].1), vec![Reason::NotInDtks]),
            (
                enrolled[3].0,
                Some(enrolled[3].1),
                vec![Reason::WelfareAboveRange { stage: WelfareStage::Sejahtera3, max: WelfareStage::Sejahtera1 }]
            ),
            (enrolled[4].0, Some(enrolled[4].1), vec![Reason::DecileOutOfRange { decile: 5 }]),
        ],
        "{errors:#?}"
    );
    assert!(errors.iter().all(|e| e.kind == ErrorKind::Inclusion));
    // Before the school fact starts, the first family has no component either.
    let early = s.targeting_errors(program, None, date!(2023 - 01 - 01)).await.expect("report");
    assert!(early.iter().any(|e| e.household_id == enrolled[0].0 && e.reasons == [Reason::NoComponent]));
}

/// P2K2 progress: a cohort of a program's families; activities of the program linked to
/// catalogue sessions; a family's progress counts the distinct sessions a member attended
/// (present), per module; links and memberships are checked.
pub async fn pkh_p2k2_progress(s: Arc<dyn Store>) {
    let s = &*s;
    seed_regions(s).await;
    let (program, other) = blora_program(s).await;
    let adult = (date!(1985 - 01 - 01), Education::Smp, Disability::None);
    let (h1, p1) = people_of(s, 21, PILANG, true, WelfareStage::PraSejahtera, &[adult]).await;
    let (h2, p2) = people_of(s, 22, PILANG, true, WelfareStage::PraSejahtera, &[adult]).await;
    let (h3, _) = people_of(s, 23, PILANG, true, WelfareStage::PraSejahtera, &[adult]).await;
    let f1 = s.enroll_pkh_family(program, &family(h1, None)).await.expect("enroll").id;
    let f2 = s.enroll_pkh_family(program, &family(h2, None)).await.expect("enroll").id;
    let f_other = s.enroll_pkh_family(other, &family(h3, None)).await.expect("enroll").id;
    let cohort = s
        .create_p2k2_cohort(&NewCohort::parse(program, "KPM Pilang 1", PILANG, None).expect("cohort"))
        .await
        .expect("cohort");
    let e = s
        .create_p2k2_cohort(&NewCohort::parse(program, "X", "33.99", None).expect("cohort"))
        .await
        .expect_err("region");
    assert!(matches!(e, StoreError::Reference { field: "region", .. }), "{e:?}");
    assert_eq!(s.add_p2k2_families(cohort.id, &[f1, f2]).await.expect("families"), 2);
    assert_eq!(s.add_p2k2_families(cohort.id, &[f1]).await.expect("again"), 0, "already in it");
    let e = s.add_p2k2_families(cohort.id, &[f_other]).await.expect_err("other program");
    assert!(matches!(e, StoreError::Reference { field: "family_id", .. }), "{e:?}");
    let second = s
        .create_p2k2_cohort(&NewCohort::parse(program, "KPM Pilang 2", PILANG, None).expect("cohort"))
        .await
        .expect("cohort");
    let e = s.add_p2k2_families(second.id, &[f1]).await.expect_err("two cohorts");
    assert!(matches!(e, StoreError::Duplicate { field: "family_id", .. }), "{e:?}");
    assert_eq!(s.p2k2_family_cohort(f1).await.expect("cohort").map(|c| c.id), Some(cohort.id));

    let cat = s.p2k2_catalogue().await.expect("catalogue");
    let activity = |program_id: Id, day: u8| NewActivity {
        program_id,
        kind: ActivityKind::Counseling,
        title: format!("P2K2 pertemuan {day}"),
        topic: None,
        held_on: Date::from_calendar_date(2024, time::Month::March, day).expect("date"),
        starts_at: None,
        duration_min: 120,
        region: code(PILANG),
        place: Some("Rumah ketua kelompok".into()),
        staff_ids: Vec::new(),
        group_ids: Vec::new(),
        tag_ids: Vec::new(),
        materials: None,
        report: None,
    };
    let mut acts = Vec::new();
    for (day, session) in
        [(1, &cat[0].sessions[0]), (8, &cat[0].sessions[1]), (15, &cat[0].sessions[0]), (22, &cat[1].sessions[0])]
    {
        let a = s.create_activity(&activity(program, day)).await.expect("activity");
        s.link_p2k2_session(a.id, session.id, cohort.id).await.expect("link");
        acts.push(a.id);
    }
    let foreign = s.create_activity(&activity(other, 2)).await.expect("activity");
    let e = s.link_p2k2_session(foreign.id, cat[0].sessions[0].id, cohort.id).await.expect_err("other program");
    assert!(matches!(e, StoreError::Reference { field: "activity_id", .. }), "{e:?}");
    let e = s.link_p2k2_session(acts[0], cat[0].sessions[1].id, cohort.id).await.expect_err("linked");
    assert!(matches!(e, StoreError::Duplicate { field: "activity_id", .. }), "{e:?}");
    let e = s.link_p2k2_session(foreign.id, 999_999, cohort.id).await.expect_err("no session");
    assert!(matches!(e, StoreError::Reference { .. }), "{e:?}");

    let mark = |person: Id, status: AttendanceStatus| vec![AttendanceEntry { person_id: person, status }];
    // Family 1: sessions 1.1 (twice), 1.2 and 2.1; family 2 absent from one, excused from another.
    for &a in &acts {
        s.record_attendance(a, &mark(p1[0], AttendanceStatus::Present)).await.expect("attendance");
    }
    s.record_attendance(acts[0], &mark(p2[0], AttendanceStatus::Absent)).await.expect("attendance");
    s.record_attendance(acts[1], &mark(p2[0], AttendanceStatus::Excused)).await.expect("attendance");
    s.record_attendance(acts[3], &mark(p2[0], AttendanceStatus::Present)).await.expect("attendance");

    let progress = s.p2k2_progress(cohort.id).await.expect("progress");
    assert_eq!(progress.iter().map(|f| f.family_id).collect::<Vec<_>>(), vec![f1, f2]);
    let counts = |i: usize| progress[i].modules.iter().map(|m| (m.attended, m.total)).collect::<Vec<_>>();
    assert_eq!(counts(0), vec![(2, 4), (1, 3), (0, 3), (0, 2), (0, 2), (0, 2)]);
    assert_eq!(counts(1), vec![(0, 4), (1, 3), (0, 3), (0, 2), (0, 2), (0, 2)]);
    assert_eq!(s.p2k2_family_progress(f1).await.expect("family"), progress[0].modules);
    let held = s.p2k2_held(cohort.id).await.expect("held");
    assert_eq!(
        held.iter().map(|h| (h.activity_id, h.families_present)).collect::<Vec<_>>(),
        vec![(acts[3], 2), (acts[2], 1), (acts[1], 1), (acts[0], 1)]
    );
    let free = s.p2k2_free_families(program, 10).await.expect("free");
    assert!(free.is_empty(), "both families are in a cohort: {free:?}");
    let free = s.p2k2_free_activities(program, 10).await.expect("free");
    assert!(free.is_empty(), "every activity of the program is a session: {free:?}");
    let e = s.p2k2_family_progress(999_999).await.expect_err("no family");
    assert!(matches!(e, StoreError::NotFound { entity: "family" }), "{e:?}");
}
