//! Conformance checks of PKH rules per program and year (the shipped default until stored,
//! optimistic saves, documents checked field by field) and of grievances and appeals:
//! references checked, decisions need a reason and an open grievance, listing filters and
//! scope, and an upheld appeal about status reinstating a terminated family — status active,
//! no count, a `reinstated` event with the reason and the appealed period — while a rejected
//! complaint leaves its family as it was.

use berdaya_domain::access::Role;
use berdaya_domain::pkh::family::{EventKind, NewFamily};
use berdaya_domain::pkh::grievance::{Category, Channel, Decision, GrievanceKind, GrievanceStatus, NewGrievance};
use berdaya_domain::pkh::rules::PkhRules;
use berdaya_domain::pkh::{Component, FamilyStatus, Period};
use berdaya_domain::registry::NewAgency;

use super::access::user;
use super::checks::program_draft;
use super::*;
use crate::access::{Actor, Assigned, acting_as};
use crate::registry::Within;

struct World {
    program: Id,
    other_program: Id,
    families: Vec<Id>,
    households: Vec<Id>,
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
    let other = s.create_program(&program_draft("PKH Kutukan", agency.id, &[KUTUKAN])).await.expect("program");
    let mut w = World { program: program.id, other_program: other.id, families: vec![], households: vec![] };
    for i in 0..n {
        let h = NewHousehold {
            dtks_listed: true,
            dtks_since: Some(date!(2020 - 01 - 01)),
            ..new_household(kk("331609", 900 + i), &format!("Dukuh Pilang RT {i}"), PILANG)
        };
        let h = s.create_household(&h).await.expect("household");
        let birth = date!(1980 - 03 - 03);
        s.create_person(&new_person(
            nik("331609", birth, Sex::Female, 900 + i),
            Some(h.id),
            &format!("Ibu Keluhan {i:02}"),
            Sex::Female,
            birth,
            Relation::Head,
        ))
        .await
        .expect("head");
        let f = s
            .enroll_pkh_family(
                program.id,
                &NewFamily {
                    household_id: h.id,
                    decile: Some(1),
                    facilitator_id: None,
                    enrolled_on: date!(2024 - 01 - 01),
                },
            )
            .await
            .expect("enroll");
        w.households.push(h.id);
        w.families.push(f.id);
    }
    w
}

fn grievance(family_id: Id, kind: GrievanceKind, category: Category, received: Date) -> NewGrievance {
    NewGrievance {
        family_id,
        kind,
        channel: Channel::Pendamping,
        category,
        description: "Keluarga menyanggah sanksi: anak sakit selama triwulan".into(),
        period_id: None,
        received_on: received,
        deadline: received + time::Duration::days(14),
    }
}

fn decision(status: GrievanceStatus, reason: Option<&str>, on: Date) -> Decision {
    Decision { status, reason: reason.map(str::to_string), decided_on: on }
}

/// Rules per program and year: the default until stored, then the stored document with its
/// version; saves are optimistic; documents are checked with the field named.
pub async fn pkh_rules_per_year(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s, 0).await;
    let y = s.pkh_rules(w.program, 2025).await.expect("default");
    assert_eq!(y.rules, PkhRules::default_for(2025));
    assert_eq!(y.version, None);
    assert!(s.pkh_rule_years(w.program).await.expect("years").is_empty());
    assert_err!(s.pkh_rules(w.program + 1000, 2025).await, StoreError::NotFound { .. });

    let mut mine = PkhRules::default_for(2025);
    mine.elderly_min_age = 70;
    mine.components.iter_mut().find(|c| c.component == Component::Sd).expect("sd").annual = 1_000_001;
    let saved = s.save_pkh_rules(w.program, &mine, None).await.expect("first save");
    assert_eq!((saved.version, saved.rules.elderly_min_age), (Some(1), 70));
    assert_eq!(s.pkh_rules(w.program, 2025).await.expect("read").rules.annual(Component::Sd), Some(1_000_001));
    // The other year and the other program keep the default.
    assert_eq!(s.pkh_rules(w.program, 2026).await.expect("2026").version, None);
    assert_eq!(s.pkh_rules(w.other_program, 2025).await.expect("other").rules.elderly_min_age, 60);
    // A second first save, and a stale version, are conflicts; the right version saves.
    assert_err!(s.save_pkh_rules(w.program, &mine, None).await, StoreError::Conflict { .. });
    mine.max_counted = 3;
    assert_err!(s.save_pkh_rules(w.program, &mine, Some(7)).await, StoreError::Conflict { .. });
    let again = s.save_pkh_rules(w.program, &mine, Some(1)).await.expect("second save");
    assert_eq!((again.version, again.rules.max_counted), (Some(2), 3));
    // A broken document is refused naming the field; nothing changes.
    let mut broken = mine.clone();
    broken.ladder.terminated_after = 0;
    broken.decile_max = 11;
    match s.save_pkh_rules(w.program, &broken, Some(2)).await {
        Err(StoreError::Invalid(inv)) => {
            let fields: Vec<&str> = inv.0.iter().map(|f| f.field.as_str()).collect();
            assert!(fields.contains(&"ladder") && fields.contains(&"decile_max"), "{fields:?}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(s.pkh_rules(w.program, 2025).await.expect("unchanged").rules, mine);
    let mut next = mine.clone();
    next.year = 2026;
    s.save_pkh_rules(w.program, &next, None).await.expect("copy to 2026");
    assert_eq!(s.pkh_rule_years(w.program).await.expect("years"), [2025, 2026]);
    assert_err!(s.save_pkh_rules(w.program + 1000, &next, None).await, StoreError::NotFound { .. });
}

/// Grievances: references, edits while open, decisions with a reason, filters and scope.
pub async fn pkh_grievance_records_and_decisions(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s, 3).await;
    let (a, b, c) = (w.families[0], w.families[1], w.families[2]);
    let other_period = s.open_pkh_period(w.other_program, Period::parse("2025-1").unwrap()).await.expect("period");
    assert_err!(
        s.create_pkh_grievance(&grievance(
            a + 1000,
            GrievanceKind::Complaint,
            Category::Payment,
            date!(2025 - 02 - 01)
        ))
        .await,
        StoreError::Reference { field: "family_id", .. }
    );
    let foreign = NewGrievance {
        period_id: Some(other_period.id),
        ..grievance(a, GrievanceKind::Appeal, Category::Status, date!(2025 - 02 - 01))
    };
    assert_err!(s.create_pkh_grievance(&foreign).await, StoreError::Reference { field: "period_id", .. });

    let g1 = s
        .create_pkh_grievance(&grievance(a, GrievanceKind::Complaint, Category::Payment, date!(2025 - 02 - 01)))
        .await
        .expect("complaint");
    assert_eq!((g1.status, g1.version, g1.reinstated), (GrievanceStatus::Received, 1, false));
    let g2 = s
        .create_pkh_grievance(&grievance(b, GrievanceKind::Complaint, Category::Data, date!(2025 - 03 - 01)))
        .await
        .expect("second");
    let g3 = s
        .create_pkh_grievance(&grievance(c, GrievanceKind::Complaint, Category::Facilitator, date!(2025 - 04 - 01)))
        .await
        .expect("third");
    // Edits while open, with the version; the family cannot change.
    let mut changed = grievance(a, GrievanceKind::Complaint, Category::Payment, date!(2025 - 02 - 01));
    changed.description = "Bantuan tahap I belum diterima".into();
    let g1 = s.update_pkh_grievance(g1.id, &changed, 1).await.expect("edit");
    assert_eq!((g1.version, g1.description.as_str()), (2, "Bantuan tahap I belum diterima"));
    assert_err!(s.update_pkh_grievance(g1.id, &changed, 1).await, StoreError::Conflict { .. });
    let moved = NewGrievance { family_id: b, ..changed.clone() };
    assert_err!(s.update_pkh_grievance(g1.id, &moved, 2).await, StoreError::Invalid(_));

    // Into review, then rejected with a reason (a complaint: the family is left as it was).
    let officer = user(s, "petugas.pkh", Role::ProgramOfficer).await;
    let g1 = acting_as(Actor::user(officer.id, "petugas.pkh"), async {
        let r = s
            .decide_pkh_grievance(g1.id, &decision(GrievanceStatus::InReview, None, date!(2025 - 02 - 03)), 2)
            .await
            .expect("review");
        assert_eq!((r.status, r.decided_by), (GrievanceStatus::InReview, None));
        s.decide_pkh_grievance(
            g1.id,
            &decision(GrievanceStatus::Rejected, Some("Bantuan sudah cair di rekening KKS"), date!(2025 - 02 - 10)),
            3,
        )
        .await
        .expect("reject")
    })
    .await;
    assert_eq!(g1.status, GrievanceStatus::Rejected);
    assert_eq!(g1.decided_by, Some(officer.id));
    assert_eq!(g1.decided_on, Some(date!(2025 - 02 - 10)));
    assert!(!g1.reinstated);
    let row = s.pkh_grievance(g1.id).await.expect("row");
    assert_eq!(row.decided_by_name.as_deref(), Some(officer.display_name.as_str()));
    assert_eq!(row.head_name.as_deref(), Some("Ibu Keluhan 00"));
    // A decided grievance neither moves nor changes.
    assert_err!(
        s.decide_pkh_grievance(g1.id, &decision(GrievanceStatus::Closed, Some("x"), date!(2025 - 02 - 11)), 4).await,
        StoreError::Invalid(_)
    );
    assert_err!(s.update_pkh_grievance(g1.id, &changed, 4).await, StoreError::Invalid(_));
    // A decision dated before receipt is refused.
    assert_err!(
        s.decide_pkh_grievance(g2.id, &decision(GrievanceStatus::Closed, Some("x"), date!(2025 - 01 - 01)), 1).await,
        StoreError::Invalid(_)
    );

    // Listing: newest first; filters; overdue = open past the deadline; scope.
    let all = s.pkh_grievances(w.program, &Query::default()).await.expect("all");
    assert_eq!(all.items.iter().map(|r| r.grievance.id).collect::<Vec<_>>(), [g3.id, g2.id, g1.id]);
    let q = |k: &str, v: &str| Query { filters: vec![(k.to_string(), v.to_string())], ..Query::default() };
    let ids = |p: Page<crate::pkh::grievance::GrievanceRow>| p.items.iter().map(|r| r.grievance.id).collect::<Vec<_>>();
    assert_eq!(ids(s.pkh_grievances(w.program, &q("status", "rejected")).await.expect("status")), [g1.id]);
    assert_eq!(ids(s.pkh_grievances(w.program, &q("family_id", &b.to_string())).await.expect("family")), [g2.id]);
    // On 2025-04-10: g2 (deadline 03-15) is overdue, g3 (04-15) not yet, g1 is decided.
    assert_eq!(ids(s.pkh_grievances(w.program, &q("overdue_on", "2025-04-10")).await.expect("overdue")), [g2.id]);
    assert!(s.pkh_grievances(w.other_program, &Query::default()).await.expect("other").items.is_empty());
    let fac = user(s, "pendamping.pkh", Role::Facilitator).await;
    s.assign(fac.id, Assigned::Household(w.households[2])).await.expect("assign");
    let mine = Query { within: Some(Within::AssignedTo(fac.id)), ..Query::default() };
    assert_eq!(ids(s.pkh_grievances(w.program, &mine).await.expect("within")), [g3.id]);
    let away = Query { region: Some(code(KUTUKAN)), ..Query::default() };
    assert!(s.pkh_grievances(w.program, &away).await.expect("region").items.is_empty());
    assert_eq!(s.family_pkh_grievances(b).await.expect("family").len(), 1);
    let fr = s.pkh_family_ref(c).await.expect("ref");
    assert_eq!((fr.program_id, fr.household_id), (w.program, w.households[2]));
    assert_eq!(s.pkh_family_of_household(w.program, w.households[1]).await.expect("of").map(|f| f.family_id), Some(b));
    assert_eq!(s.pkh_family_of_household(w.other_program, w.households[1]).await.expect("none"), None);
    assert_err!(s.pkh_family_ref(a + 1000).await, StoreError::NotFound { .. });
}

/// An upheld appeal about status reinstates a terminated family in the decision's
/// transaction; an upheld complaint about payment does not touch the status.
pub async fn pkh_grievance_appeal_reinstates(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s, 2).await;
    let (a, b) = (w.families[0], w.families[1]);
    // Three periods closed with nothing recorded: obligations not met, the ladder terminates.
    let mut last = None;
    for p in ["2025-1", "2025-2", "2025-3"] {
        let period = s.open_pkh_period(w.program, Period::parse(p).unwrap()).await.expect("open");
        s.close_pkh_period(period.id, None).await.expect("close");
        last = Some(period.id);
    }
    assert_eq!(s.pkh_family(a).await.expect("a").status, FamilyStatus::Terminated);
    assert_eq!(s.pkh_family(b).await.expect("b").status, FamilyStatus::Terminated);
    assert_eq!(s.pkh_period_id(w.program, "2025-3").await.expect("period id"), last);

    let appeal = s
        .create_pkh_grievance(&NewGrievance {
            period_id: last,
            ..grievance(a, GrievanceKind::Appeal, Category::Status, date!(2025 - 10 - 06))
        })
        .await
        .expect("appeal");
    let complaint = s
        .create_pkh_grievance(&grievance(b, GrievanceKind::Complaint, Category::Payment, date!(2025 - 10 - 06)))
        .await
        .expect("complaint");
    // A decision needs a reason (checked by the draft; the store keeps what it is given).
    let officer = user(s, "kasi.linjamsos", Role::ProgramOfficer).await;
    let reason = "Anak dirawat di RSUD Blora selama triwulan III (surat keterangan dokter)";
    let decided = acting_as(Actor::user(officer.id, "kasi.linjamsos"), async {
        s.decide_pkh_grievance(appeal.id, &decision(GrievanceStatus::Upheld, Some(reason), date!(2025 - 10 - 15)), 1)
            .await
            .expect("uphold")
    })
    .await;
    assert_eq!((decided.status, decided.reinstated), (GrievanceStatus::Upheld, true));
    let fam = s.pkh_family(a).await.expect("a");
    assert_eq!((fam.status, fam.consecutive), (FamilyStatus::Active, 0));
    let events = s.pkh_status_events(a).await.expect("events");
    let last_event = events.last().expect("an event");
    assert_eq!((last_event.kind, last_event.status), (EventKind::Reinstated, FamilyStatus::Active));
    assert_eq!(last_event.reason.as_deref(), Some(reason));
    assert_eq!(last_event.period_id, last);
    assert_eq!(last_event.decided_by, Some(officer.id));
    assert_eq!(s.pkh_grievance(appeal.id).await.expect("row").family_status, FamilyStatus::Active);

    // Upholding a payment complaint does not reinstate: b stays terminated, no event.
    let before = s.pkh_status_events(b).await.expect("events b").len();
    let upheld = s
        .decide_pkh_grievance(
            complaint.id,
            &decision(GrievanceStatus::Upheld, Some("Dibayar susulan"), date!(2025 - 10 - 20)),
            1,
        )
        .await
        .expect("uphold complaint");
    assert!(!upheld.reinstated);
    assert_eq!(s.pkh_family(b).await.expect("b").status, FamilyStatus::Terminated);
    assert_eq!(s.pkh_status_events(b).await.expect("events b").len(), before);

    // Reinstated, the family climbs the ladder again from the start: one more
    // non-compliant period is a warning, not termination.
    let p4 = s.open_pkh_period(w.program, Period::parse("2025-4").unwrap()).await.expect("open 4");
    s.close_pkh_period(p4.id, None).await.expect("close 4");
    assert_eq!(s.pkh_family(a).await.expect("a").status, FamilyStatus::Warning);
    assert_eq!(s.pkh_family(b).await.expect("b").status, FamilyStatus::Terminated);
}
