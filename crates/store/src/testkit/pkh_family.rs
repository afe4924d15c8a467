//! Conformance checks of PKH families and verification: enrollment of DTKS households only
//! (with the program enrollment and the `enrolled` event), facts checked against the family's
//! members, the sanction ladder through closed periods (warning → suspended → terminated,
//! a compliant period returns to active, termination stays), missing records counted as not
//! met, frozen periods refusing writes, and periods closed only in order.

use berdaya_domain::access::Role;
use berdaya_domain::pkh::family::{EventKind, NewFact, NewFamily};
use berdaya_domain::pkh::verify::{ComplianceEntry, PeriodStatus};
use berdaya_domain::pkh::{FactKind, FamilyStatus, Period, SchoolLevel};
use berdaya_domain::registry::NewAgency;

use super::access::user;
use super::checks::program_draft;
use super::*;

struct World {
    program: Id,
    /// Households (DTKS-listed), each with a head born 1985 and a child born 2015.
    households: Vec<Id>,
    heads: Vec<Id>,
    children: Vec<Id>,
    /// A household not listed in DTKS.
    unlisted: Id,
}

async fn world(s: &dyn Store, n: u16) -> World {
    seed_regions(s).await;
    let agency = s
        .create_agency(&NewAgency {
            name: "Dinas Sosial".into(),
            kind: AgencyKind::Agency,
            region: code("33.16"),
            parent_id: None,
        })
        .await
        .expect("agency");
    let program = s.create_program(&program_draft("PKH Pilang", agency.id, &[PILANG])).await.expect("program");
    let mut w = World { program: program.id, households: vec![], heads: vec![], children: vec![], unlisted: 0 };
    for i in 0..=n {
        let listed = i < n;
        let h = NewHousehold {
            dtks_listed: listed,
            dtks_since: listed.then_some(date!(2020 - 01 - 01)),
            ..new_household(kk("331609", 700 + i), &format!("Dukuh Pilang RT {i}"), PILANG)
        };
        let h = s.create_household(&h).await.expect("household");
        let head_birth = date!(1985 - 05 - 05);
        let head = s
            .create_person(&new_person(
                nik("331609", head_birth, Sex::Female, 700 + i),
                Some(h.id),
                &format!("Ibu {i:02}"),
                Sex::Female,
                head_birth,
                Relation::Head,
            ))
            .await
            .expect("head");
        let child_birth = date!(2015 - 02 - 02);
        let child = s
            .create_person(&new_person(
                nik("331609", child_birth, Sex::Male, 800 + i),
                Some(h.id),
                &format!("Anak {i:02}"),
                Sex::Male,
                child_birth,
                Relation::Child,
            ))
            .await
            .expect("child");
        if listed {
            w.households.push(h.id);
            w.heads.push(head.id);
            w.children.push(child.id);
        } else {
            w.unlisted = h.id;
        }
    }
    w
}

fn family(household_id: Id) -> NewFamily {
    NewFamily { household_id, decile: Some(1), facilitator_id: None, enrolled_on: date!(2024 - 01 - 01) }
}

fn school(person_id: Id) -> NewFact {
    NewFact {
        person_id,
        kind: FactKind::School,
        level: Some(SchoolLevel::Sd),
        school_name: Some("SD Negeri Pilang 1".into()),
        starts_on: date!(2021 - 07 - 15),
        expected_on: None,
        ends_on: None,
        note: None,
    }
}

fn entry(family_id: Id, person_id: Option<Id>, obligation: &str, compliant: bool) -> ComplianceEntry {
    ComplianceEntry {
        family_id,
        person_id,
        obligation: obligation.into(),
        compliant,
        attendance_tenths: None,
        note: None,
    }
}

fn period(p: &str) -> Period {
    Period::parse(p).expect("period")
}

/// Enrollment: DTKS households only, once per program, with the program enrollment, the
/// `enrolled` event and the facilitator's assignment; facts only about the household's
/// members, versioned, ended not before their start.
pub async fn pkh_family_enrollment_and_facts(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s, 2).await;
    let fac = user(s, "pendamping", Role::Facilitator).await;
    let viewer = user(s, "pemantau", Role::Viewer).await;
    assert_err!(
        s.enroll_pkh_family(w.program, &family(w.unlisted)).await,
        StoreError::Invalid(inv) if inv.0[0].field == "household_id"
    );
    assert_err!(
        s.enroll_pkh_family(w.program, &NewFamily { facilitator_id: Some(viewer.id), ..family(w.households[0]) }).await,
        StoreError::Invalid(inv) if inv.0[0].field == "facilitator_id"
    );
    let f = s
        .enroll_pkh_family(w.program, &NewFamily { facilitator_id: Some(fac.id), ..family(w.households[0]) })
        .await
        .expect("enroll");
    assert_eq!((f.status, f.consecutive, f.decile, f.facilitator_id), (FamilyStatus::Active, 0, Some(1), Some(fac.id)));
    assert_eq!(f.head_name.as_deref(), Some("Ibu 00"));
    let enrollment = s.enrollment(f.enrollment_id).await.expect("enrollment");
    assert_eq!(enrollment.status, EnrollmentStatus::Enrolled);
    assert!(s.is_assigned(fac.id, crate::access::Assigned::Household(w.households[0])).await.expect("assigned"));
    assert_err!(
        s.enroll_pkh_family(w.program, &family(w.households[0])).await,
        StoreError::Duplicate { field: "household_id", .. }
    );
    let events = s.pkh_status_events(f.id).await.expect("events");
    assert_eq!(
        events.iter().map(|e| (e.kind, e.status)).collect::<Vec<_>>(),
        [(EventKind::Enrolled, FamilyStatus::Active)]
    );
    // An existing candidate enrollment is reused.
    s.enroll(
        w.program,
        &NewEnrollment {
            subject: Subject { kind: SubjectKind::Household, id: w.households[1] },
            status: EnrollmentStatus::Candidate,
            enrolled_on: date!(2023 - 06 - 01),
            ended_on: None,
        },
    )
    .await
    .expect("candidate");
    let g = s.enroll_pkh_family(w.program, &family(w.households[1])).await.expect("enroll candidate");
    assert_eq!(s.enrollment(g.enrollment_id).await.expect("reused").status, EnrollmentStatus::Enrolled);
    let page = s.pkh_families(w.program, &q("")).await.expect("families");
    assert_eq!(page.items.len(), 2);
    let mut by_fac = q("");
    by_fac.filters = vec![("facilitator".into(), fac.id.to_string())];
    assert_eq!(s.pkh_families(w.program, &by_fac).await.expect("by facilitator").items.len(), 1);
    assert_eq!(s.pkh_families(w.program, &q("ibu 01")).await.expect("by name").items[0].id, g.id);
    // Facts.
    let fact = s.add_pkh_fact(f.id, &school(w.children[0])).await.expect("fact");
    assert_eq!((fact.level, fact.version), (Some(SchoolLevel::Sd), 1));
    assert_err!(
        s.add_pkh_fact(f.id, &school(w.children[1])).await,
        StoreError::Invalid(inv) if inv.0[0].field == "person_id"
    );
    let no_level = NewFact { level: None, ..school(w.children[0]) };
    assert_err!(s.add_pkh_fact(f.id, &no_level).await, StoreError::Invalid(inv) if inv.0[0].field == "level");
    assert_err!(
        s.end_pkh_fact(fact.id, date!(2020 - 01 - 01), 1).await,
        StoreError::Invalid(inv) if inv.0[0].field == "ends_on"
    );
    let ended = s.end_pkh_fact(fact.id, date!(2027 - 06 - 30), 1).await.expect("end");
    assert_eq!((ended.ends_on, ended.version), (Some(date!(2027 - 06 - 30)), 2));
    assert_err!(s.end_pkh_fact(fact.id, date!(2027 - 06 - 30), 1).await, StoreError::Conflict { .. });
    let smp = NewFact { level: Some(SchoolLevel::Smp), ..school(w.children[0]) };
    assert_eq!(s.update_pkh_fact(fact.id, &smp, 2).await.expect("update").level, Some(SchoolLevel::Smp));
    assert_eq!(s.pkh_facts(f.id).await.expect("facts").len(), 1);
    // The facilitator can be changed and cleared.
    let cleared = s.set_pkh_facilitator(f.id, None, f.version).await.expect("clear");
    assert_eq!(cleared.facilitator_id, None);
    assert_eq!(s.household_pkh_families(w.households[0]).await.expect("household").len(), 1);
}

/// The ladder through closes: non-compliant thrice → warning, suspended, terminated (and it
/// stays terminated when compliant); another family warned then compliant returns to active;
/// missing records count as not met. Closed periods refuse writes; periods close in order.
pub async fn pkh_verify_ladder_and_freezing(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s, 3).await;
    let mut fams = Vec::new();
    for &h in &w.households {
        let f = s.enroll_pkh_family(w.program, &family(h)).await.expect("enroll");
        fams.push(f.id);
    }
    for (i, &f) in fams.iter().enumerate() {
        s.add_pkh_fact(f, &school(w.children[i])).await.expect("fact");
    }
    let (a, b, c) = (fams[0], fams[1], fams[2]);
    // Periods must come after the latest; each opens once.
    let p1 = s.open_pkh_period(w.program, period("2025-1")).await.expect("open 1");
    assert_eq!(p1.status, PeriodStatus::Open);
    assert_err!(s.open_pkh_period(w.program, period("2025-1")).await, StoreError::Duplicate { field: "period", .. });
    let p2 = s.open_pkh_period(w.program, period("2025-2")).await.expect("open 2");
    assert_err!(
        s.open_pkh_period(w.program, period("2024-4")).await,
        StoreError::Invalid(inv) if inv.0[0].field == "period"
    );
    // A period cannot close while an earlier one is open.
    assert_err!(
        s.close_pkh_period(p2.id, None).await,
        StoreError::Invalid(inv) if inv.0[0].field == "period_id" && inv.to_string().contains("2025-1")
    );
    // Unknown obligations and strangers are refused, all or nothing.
    assert_err!(
        s.record_compliance(p1.id, &[entry(a, None, "p2k2", true), entry(a, None, "dance", true)]).await,
        StoreError::Invalid(inv) if inv.0[0].field == "entries[1].obligation"
    );
    assert_err!(
        s.record_compliance(p1.id, &[entry(a, Some(w.children[1]), "school_attendance", true)]).await,
        StoreError::Invalid(inv) if inv.0[0].field == "entries[0].person_id"
    );
    assert!(s.pkh_compliance(p1.id, a).await.expect("none").is_empty());

    let record = |p: Id, f: Id, child: Id, ok: bool| {
        let entries = vec![entry(f, Some(child), "school_attendance", ok), entry(f, None, "p2k2", true)];
        async move { s.record_compliance(p, &entries).await.expect("record") }
    };
    // 2025-1: a non-compliant, b non-compliant, c compliant except a missing p2k2 record.
    record(p1.id, a, w.children[0], false).await;
    record(p1.id, b, w.children[1], false).await;
    s.record_compliance(p1.id, &[entry(c, Some(w.children[2]), "school_attendance", true)]).await.expect("c");
    // Recording again replaces.
    assert_eq!(record(p1.id, a, w.children[0], false).await, 2);
    assert_eq!(s.pkh_compliance(p1.id, a).await.expect("a").len(), 2);
    let preview = s.preview_close(p1.id).await.expect("preview");
    assert_eq!((preview.families, preview.compliant, preview.missing), (3, 0, 1));
    let report = s.close_pkh_period(p1.id, None).await.expect("close 1");
    assert_eq!((report.families, report.to_warning), (3, 3));
    assert_eq!(s.pkh_period(p1.id).await.expect("p1").status, PeriodStatus::Closed);
    // Frozen.
    assert_err!(
        s.record_compliance(p1.id, &[entry(a, None, "p2k2", true)]).await,
        StoreError::Invalid(inv) if inv.0[0].field == "period_id"
    );
    assert_err!(s.close_pkh_period(p1.id, None).await, StoreError::Invalid(_));
    // 2025-2: a and c non-compliant again, b compliant.
    record(p2.id, a, w.children[0], false).await;
    record(p2.id, b, w.children[1], true).await;
    record(p2.id, c, w.children[2], false).await;
    s.close_pkh_period(p2.id, None).await.expect("close 2");
    let status = |f: Id| async move {
        let f = s.pkh_family(f).await.expect("family");
        (f.status, f.consecutive)
    };
    assert_eq!(status(a).await, (FamilyStatus::Suspended, 2));
    assert_eq!(status(b).await, (FamilyStatus::Active, 0));
    assert_eq!(status(c).await, (FamilyStatus::Suspended, 2));
    // 2025-3: a non-compliant → terminated; c compliant → active.
    let p3 = s.open_pkh_period(w.program, period("2025-3")).await.expect("open 3");
    record(p3.id, a, w.children[0], false).await;
    record(p3.id, b, w.children[1], true).await;
    record(p3.id, c, w.children[2], true).await;
    s.close_pkh_period(p3.id, None).await.expect("close 3");
    assert_eq!(status(a).await.0, FamilyStatus::Terminated);
    assert_eq!(status(c).await, (FamilyStatus::Active, 0));
    // 2025-4: a compliant, still terminated, and still given a row.
    let p4 = s.open_pkh_period(w.program, period("2025-4")).await.expect("open 4");
    record(p4.id, a, w.children[0], true).await;
    let r4 = s.close_pkh_period(p4.id, None).await.expect("close 4");
    assert_eq!(r4.families, 3);
    assert_eq!(status(a).await.0, FamilyStatus::Terminated);
    let history = s.pkh_family_periods(a).await.expect("history");
    assert_eq!(
        history.iter().map(|h| (h.period.to_string(), h.compliant, h.status)).collect::<Vec<_>>(),
        [
            ("2025-1".to_string(), false, FamilyStatus::Warning),
            ("2025-2".to_string(), false, FamilyStatus::Suspended),
            ("2025-3".to_string(), false, FamilyStatus::Terminated),
            ("2025-4".to_string(), true, FamilyStatus::Terminated),
        ]
    );
    let events: Vec<_> =
        s.pkh_status_events(a).await.expect("events").into_iter().map(|e| (e.kind, e.status)).collect();
    assert_eq!(
        events,
        [
            (EventKind::Enrolled, FamilyStatus::Active),
            (EventKind::Ladder, FamilyStatus::Warning),
            (EventKind::Ladder, FamilyStatus::Suspended),
            (EventKind::Ladder, FamilyStatus::Terminated),
        ]
    );
    let summaries = s.pkh_periods(w.program).await.expect("periods");
    assert_eq!(summaries.len(), 4);
    assert_eq!(summaries[0].period.period, period("2025-4"));
    assert_eq!((summaries[3].results, summaries[3].compliant), (3, 0));
}

/// The education form: pupils found by NIK only in the program's families; each month stored
/// (again: replaced), the school-attendance obligation recorded from every stored month of
/// the period (one month under 85 % fails the period); a stranger refuses the whole import;
/// a closed period refuses it.
pub async fn pkh_school_attendance_import(s: Arc<dyn Store>) {
    use crate::pkh::school::SchoolEntry;
    use berdaya_domain::pkh::verify::MonthAttendance;
    let s = &*s;
    let w = world(s, 2).await;
    let a = s.enroll_pkh_family(w.program, &family(w.households[0])).await.expect("enroll a");
    let b = s.enroll_pkh_family(w.program, &family(w.households[1])).await.expect("enroll b");
    s.add_pkh_fact(a.id, &school(w.children[0])).await.expect("fact a");
    s.add_pkh_fact(b.id, &school(w.children[1])).await.expect("fact b");
    let p = s.open_pkh_period(w.program, period("2025-3")).await.expect("open");
    // NIKs resolve only inside the program's families.
    let child_a = s.person(w.children[0]).await.expect("child a");
    let stranger = s.person(w.heads[1]).await.expect("head b");
    let outsider = s
        .create_person(&new_person(
            nik("331609", date!(2014 - 03 - 03), Sex::Male, 990),
            Some(w.unlisted),
            "Anak Luar",
            Sex::Male,
            date!(2014 - 03 - 03),
            Relation::Child,
        ))
        .await
        .expect("outsider");
    let niks = [child_a.nik.as_u64(), stranger.nik.as_u64(), outsider.nik.as_u64()];
    let found = s.pkh_pupils_by_nik(w.program, &niks).await.expect("pupils");
    assert_eq!(found.len(), 2, "the unlisted household's child is not a pupil of the program");
    assert_eq!(found[&child_a.nik.as_u64()].family_id, a.id);
    assert!(!found.contains_key(&outsider.nik.as_u64()));

    let month = |family_id: Id, person_id: Id, month: u8, absent: u32| SchoolEntry {
        family_id,
        person_id,
        school: "SD Negeri Pilang 1".into(),
        month,
        attendance: MonthAttendance { absent, permitted: 1, sick: 1, effective_days: 20 },
    };
    // a: 3 alpa of 20 in July (85.0 %: met), none after; b: 4 alpa in August (80 %: not met).
    let report = s
        .import_school_attendance(
            p.id,
            &[
                month(a.id, w.children[0], 7, 3),
                month(a.id, w.children[0], 8, 0),
                month(b.id, w.children[1], 7, 0),
                month(b.id, w.children[1], 8, 4),
            ],
        )
        .await
        .expect("import");
    assert_eq!((report.rows, report.pupils, report.compliant, report.not_compliant), (4, 2, 1, 1));
    let rec = |f: Id| async move {
        s.pkh_compliance(p.id, f)
            .await
            .expect("compliance")
            .into_iter()
            .find(|c| c.obligation == "school_attendance")
            .map(|c| (c.compliant, c.attendance_tenths))
    };
    assert_eq!(rec(a.id).await, Some((true, Some(850))));
    assert_eq!(rec(b.id).await, Some((false, Some(800))));
    // A corrected August for b replaces the month and the verdict; July is kept.
    let again = s.import_school_attendance(p.id, &[month(b.id, w.children[1], 8, 1)]).await.expect("again");
    assert_eq!((again.rows, again.pupils, again.compliant), (1, 1, 1));
    assert_eq!(rec(b.id).await, Some((true, Some(950))));
    let months = s.pkh_school_months(p.id, b.id).await.expect("months");
    assert_eq!(
        months.iter().map(|m| (m.month.as_str(), m.attendance.absent)).collect::<Vec<_>>(),
        [("2025-07", 0), ("2025-08", 1)]
    );
    // A person outside the family refuses the whole import; nothing of it is stored.
    assert_err!(
        s.import_school_attendance(p.id, &[month(a.id, w.children[0], 9, 0), month(a.id, w.children[1], 9, 0)])
            .await,
        StoreError::Invalid(inv) if inv.0[0].field.ends_with("person_id")
    );
    // So does a month outside the period, or days beyond the month's effective days.
    assert_err!(
        s.import_school_attendance(p.id, &[month(a.id, w.children[0], 10, 0)]).await,
        StoreError::Invalid(inv) if inv.0[0].field == "entries[0].month"
    );
    assert_err!(
        s.import_school_attendance(p.id, &[month(a.id, w.children[0], 9, 19)]).await,
        StoreError::Invalid(inv) if inv.0[0].field == "entries[0].absent"
    );
    assert_eq!(s.pkh_school_months(p.id, a.id).await.expect("a months").len(), 2);
    assert_eq!(rec(a.id).await, Some((true, Some(850))));
    // A closed period refuses.
    s.close_pkh_period(p.id, None).await.expect("close");
    assert_err!(
        s.import_school_attendance(p.id, &[month(a.id, w.children[0], 9, 0)]).await,
        StoreError::Invalid(inv) if inv.0[0].field == "period_id"
    );
}
