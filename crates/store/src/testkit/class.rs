//! Conformance checks of [`ClassStore`](crate::agriculture::ClassStore): the shipped default
//! instrument, assessments scored by the bands at their boundaries, a score above its
//! indicator's maximum refused with nothing written, the previous class and the change, the
//! due date, instrument versions that leave stored assessments alone, a program's groups per
//! class, and the audit log of every write.

use berdaya_domain::access::Role;
use berdaya_domain::agriculture::class::{
    Ability, Bands, ClassBand, ClassChange, Instrument, InstrumentDraft, NewAssessment, Number,
};
use berdaya_domain::registry::{Agency, Group};

use super::access::{entries_of, user};
use super::checks::program_draft;
use super::*;
use crate::access::{Actor, acting_as};
use crate::agriculture::ClassCounts;

struct World {
    group: Group,
    other: Group,
    program: Id,
    staff: Id,
    instrument: Instrument,
}

async fn world(s: &dyn Store) -> World {
    seed_regions(s).await;
    let agency: Agency = s
        .create_agency(&NewAgency {
            name: "UPTD BPP Kalampangan".into(),
            kind: AgencyKind::Unit,
            region: code(KALAMPANGAN),
            parent_id: None,
        })
        .await
        .expect("agency");
    let staff = s
        .add_staff(agency.id, &NewStaff { name: "Penyuluh Satu".into(), position: "Penyuluh".into() })
        .await
        .expect("staff");
    let program =
        s.create_program(&program_draft("Penilaian kelas", agency.id, &[KALAMPANGAN])).await.expect("program");
    let group = |name: &str| NewGroup {
        name: name.into(),
        kind: GroupKind::FarmerGroup,
        region: code(KALAMPANGAN),
        founded_on: None,
        description: None,
    };
    let g = s.create_group(&group("Poktan Buah Naga A")).await.expect("group");
    let other = s.create_group(&group("Poktan Buah Naga B")).await.expect("group");
    s.enroll(
        program.id,
        &NewEnrollment {
            subject: Subject { kind: SubjectKind::Group, id: other.id },
            status: EnrollmentStatus::Enrolled,
            enrolled_on: date!(2020 - 01 - 01),
            ended_on: None,
        },
    )
    .await
    .expect("enroll");
    let instrument = s.current_class_instrument().await.expect("read").expect("a default instrument");
    World { group: g, other, program: program.id, staff: staff.id, instrument }
}

fn new_group_c() -> NewGroup {
    NewGroup {
        name: "c".into(),
        kind: GroupKind::FarmerGroup,
        region: code(KALAMPANGAN),
        founded_on: None,
        description: None,
    }
}

/// Scores of every indicator summing to `total`, filled in indicator order.
fn scores(i: &Instrument, total: i64) -> Vec<(Id, i64)> {
    let mut left = total;
    i.indicators
        .iter()
        .map(|ind| {
            let s = left.min(ind.max_score);
            left -= s;
            (ind.id, s)
        })
        .collect()
}

fn assessment(w: &World, group: Id, on: Date, total: i64) -> NewAssessment {
    NewAssessment {
        group_id: group,
        program_id: w.program,
        instrument_id: w.instrument.id,
        assessor_id: w.staff,
        assessed_on: on,
        notes: None,
        scores: scores(&w.instrument, total),
    }
}

/// The default instrument ships with the migration: five abilities, maxima summing to 1000,
/// the quoted bands labelled unverified, reassessment every 36 months.
pub async fn class_default_instrument(s: Arc<dyn Store>) {
    let s = &*s;
    let all = s.class_instruments().await.expect("instruments");
    assert_eq!(all.len(), 1);
    let i = &all[0];
    assert!(i.active && i.replaces_id.is_none());
    assert_eq!(i.bands, Bands::DEFAULT);
    assert_eq!(i.reassess_months, 36);
    assert_eq!(i.max_total(), 1000);
    assert!(i.note.as_deref().unwrap_or_default().contains("belum terverifikasi"), "{:?}", i.note);
    for a in Ability::ALL {
        assert_eq!(i.of(*a).count(), 4, "{a}");
    }
    assert_eq!(s.class_instrument(i.id).await.expect("by id"), *i);
    assert_err!(s.class_instrument(i.id + 100).await, StoreError::NotFound { entity: "instrument" });
}

/// Bands at their boundaries, the previous class and the change, the due date, a score
/// above its maximum refused with nothing written, history newest first, the program's
/// groups per class, the audit log.
pub async fn class_assessments(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let admin = user(s, "admin", Role::Administrator).await;
    let actor = Actor::user(admin.id, "admin");

    let first =
        acting_as(actor.clone(), s.record_class_assessment(&assessment(&w, w.group.id, date!(2020 - 02 - 29), 250)))
            .await
            .expect("first");
    assert_eq!((first.total, first.class, first.previous_class, first.change), (250, ClassBand::Pemula, None, None));
    assert_eq!(first.due_on, date!(2023 - 02 - 28), "36 months later, clamped to the month's end");
    assert_eq!(first.scores, scores(&w.instrument, 250));

    let second = s.record_class_assessment(&assessment(&w, w.group.id, date!(2023 - 03 - 01), 251)).await;
    let second = second.expect("second");
    assert_eq!((second.total, second.class), (251, ClassBand::Lanjut));
    assert_eq!(
        (second.previous_id, second.previous_class, second.change),
        (Some(first.id), Some(ClassBand::Pemula), Some(ClassChange::Up))
    );

    // The boundaries of the other bands.
    for (total, class) in
        [(500, ClassBand::Lanjut), (501, ClassBand::Madya), (750, ClassBand::Madya), (751, ClassBand::Utama)]
    {
        let a =
            s.record_class_assessment(&assessment(&w, w.other.id, date!(2021 - 01 - 01), total)).await.expect("band");
        assert_eq!(a.class, class, "{total}");
    }

    // Above an indicator's maximum: refused naming the indicator, nothing written.
    let before = s.group_class_history(w.group.id).await.expect("history");
    let mut bad = assessment(&w, w.group.id, date!(2024 - 01 - 01), 900);
    let ind = w.instrument.indicators[3].clone();
    bad.scores[3].1 = ind.max_score + 1;
    match s.record_class_assessment(&bad).await {
        Err(StoreError::Invalid(inv)) => {
            assert_eq!(inv.0[0].field, format!("scores.{}", ind.id));
            assert!(inv.0[0].message.contains(&format!("maximum of {}", ind.max_score)), "{inv}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    bad.scores.pop();
    bad.scores[3].1 = 0;
    assert_err!(s.record_class_assessment(&bad).await, StoreError::Invalid(_));
    let missing = NewAssessment { assessor_id: w.staff + 50, ..assessment(&w, w.group.id, date!(2024 - 01 - 01), 10) };
    assert_err!(s.record_class_assessment(&missing).await, StoreError::Reference { field: "assessor_id", .. });
    let missing =
        NewAssessment { instrument_id: w.instrument.id + 50, ..assessment(&w, w.group.id, date!(2024 - 01 - 01), 10) };
    assert_err!(s.record_class_assessment(&missing).await, StoreError::Reference { field: "instrument_id", .. });
    let missing = NewAssessment { group_id: w.group.id + 50, ..assessment(&w, w.group.id, date!(2024 - 01 - 01), 10) };
    assert_err!(s.record_class_assessment(&missing).await, StoreError::Reference { field: "group_id", .. });
    assert_eq!(s.group_class_history(w.group.id).await.expect("history"), before, "nothing written");

    // A drop, then history newest first.
    let third =
        s.record_class_assessment(&assessment(&w, w.group.id, date!(2024 - 06 - 01), 100)).await.expect("third");
    assert_eq!((third.previous_class, third.change), (Some(ClassBand::Lanjut), Some(ClassChange::Down)));
    let history = s.group_class_history(w.group.id).await.expect("history");
    assert_eq!(history.iter().map(|a| a.id).collect::<Vec<_>>(), [third.id, second.id, first.id]);
    assert_eq!(s.class_assessment(second.id).await.expect("one"), second);
    assert_err!(s.class_assessment(third.id + 100).await, StoreError::NotFound { entity: "assessment" });
    assert_err!(s.group_class_history(w.group.id + 100).await, StoreError::NotFound { entity: "group" });

    // The program's groups: one assessed under it (A), one enrolled (B, latest Utama).
    let classes = s.program_classes(w.program).await.expect("classes");
    let shown: Vec<(&str, Option<ClassBand>)> =
        classes.iter().map(|g| (g.group.name.as_str(), g.latest.as_ref().map(|a| a.class))).collect();
    assert_eq!(
        shown,
        [("Poktan Buah Naga A", Some(ClassBand::Pemula)), ("Poktan Buah Naga B", Some(ClassBand::Utama))]
    );
    let counts = s.class_counts(w.program, date!(2024 - 07 - 01)).await.expect("counts");
    assert_eq!(
        counts,
        ClassCounts {
            by_class: vec![
                (ClassBand::Pemula, 1),
                (ClassBand::Lanjut, 0),
                (ClassBand::Madya, 0),
                (ClassBand::Utama, 1)
            ],
            unassessed: 0,
            overdue: 1,
        },
        "B was last assessed 2021-01-01, due 2024-01-01"
    );
    let c = s
        .create_group(&NewGroup { name: "Poktan Baru".into(), ..NewGroup::clone(&new_group_c()) })
        .await
        .expect("group c");
    let enrolled = NewEnrollment {
        subject: Subject { kind: SubjectKind::Group, id: c.id },
        status: EnrollmentStatus::Enrolled,
        enrolled_on: date!(2024 - 01 - 01),
        ended_on: None,
    };
    s.enroll(w.program, &enrolled).await.expect("enroll c");
    let counts = s.class_counts(w.program, date!(2023 - 12 - 31)).await.expect("counts");
    assert_eq!((counts.unassessed, counts.overdue), (1, 0), "C never assessed; B not yet due");

    // Every write is in the audit log, attributed.
    let log = entries_of(s, "class_assessments", Some(first.id.to_string())).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!((log[0].action.as_str(), log[0].actor_id), ("create", Some(admin.id)));
    assert!(log[0].after.as_deref().unwrap_or_default().contains("pemula"));
}

/// Editing an instrument makes a new version and retires the old one; assessments keep
/// their scores, total and class; a stale version conflicts.
pub async fn class_instrument_versions(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let a = s.record_class_assessment(&assessment(&w, w.group.id, date!(2020 - 05 - 01), 600)).await.expect("assess");
    let mut draft = InstrumentDraft::from(&w.instrument);
    draft.name = "Penilaian kelas — tabel resmi".into();
    draft.lanjut_from = Number::Int(301);
    draft.reassess_months = Number::Int(12);
    let new = draft.parse().expect("draft");
    let v2 = s.create_class_instrument(&new, Some((w.instrument.id, w.instrument.version))).await.expect("v2");
    assert_eq!(
        (v2.replaces_id, v2.active, v2.bands.lanjut_from, v2.reassess_months),
        (Some(w.instrument.id), true, 301, 12)
    );
    assert_eq!(v2.indicators.len(), 20);
    assert!(v2.indicators.iter().all(|i| !w.instrument.indicators.iter().any(|o| o.id == i.id)), "new indicators");
    let old = s.class_instrument(w.instrument.id).await.expect("old");
    assert!(!old.active);
    assert_eq!(old.indicators, w.instrument.indicators, "the old version is unchanged");
    assert_eq!(s.current_class_instrument().await.expect("current").map(|i| i.id), Some(v2.id));
    assert_eq!(s.class_assessment(a.id).await.expect("kept"), a, "stored results unchanged");
    assert_err!(
        s.create_class_instrument(&new, Some((w.instrument.id, w.instrument.version))).await,
        StoreError::Conflict { entity: "instrument", .. }
    );
    assert_eq!(s.class_instruments().await.expect("all").len(), 2, "the conflict wrote nothing");
    // A 12-month instrument: due a year later; the group's previous class carries over versions.
    let n = NewAssessment {
        instrument_id: v2.id,
        scores: v2.indicators.iter().map(|i| (i.id, 10)).collect(),
        ..assessment(&w, w.group.id, date!(2021 - 05 - 01), 0)
    };
    let b = s.record_class_assessment(&n).await.expect("v2 assessment");
    assert_eq!(
        (b.total, b.class, b.change, b.due_on),
        (200, ClassBand::Pemula, Some(ClassChange::Down), date!(2022 - 05 - 01))
    );
    let staff = s.search_assessors(&q("satu")).await.expect("staff");
    assert_eq!(staff.items.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Penyuluh Satu"]);
    assert_eq!(s.search_assessors(&in_region("", PILANG)).await.expect("staff").total, 0);
    assert_eq!(s.assessor(w.staff).await.expect("one").agency_name, "UPTD BPP Kalampangan");
}
