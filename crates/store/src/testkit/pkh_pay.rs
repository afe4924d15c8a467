//! Conformance checks of PKH stage payments and caseloads: who is on a stage's list (warned
//! in, suspended and terminated out, zero amounts counted apart), the amounts in whole
//! rupiah, a frozen list unchanged by later registry edits, the bank's results imported all
//! or nothing, the reconciliation totals, and the caseload report.

use berdaya_domain::access::Role;
use berdaya_domain::pkh::family::{NewFact, NewFamily};
use berdaya_domain::pkh::payment::{LineKey, ListStatus, PayResult, ResultRow};
use berdaya_domain::pkh::verify::ComplianceEntry;
use berdaya_domain::pkh::{FactKind, Period, SchoolLevel};

use super::access::user;
use super::checks::program_draft;
use super::*;
use crate::access::Assigned;

/// Five families of a program in Pilang (and one in Kutukan), each with an elder (lansia,
/// Rp 600,000 a stage) except `none`; `school` also has a primary-school child (Rp 225,000).
/// Periods 2025-2..4 are closed: `warned` missed 2025-4, `suspended` 2025-3 and 2025-4,
/// `terminated` all three.
struct World {
    program: Id,
    school: Id,
    warned: Id,
    suspended: Id,
    terminated: Id,
    none: Id,
    households: Vec<Id>,
    /// The recipient of `school` (the female spouse).
    mother: Person,
    facilitator: Id,
}

async fn world(s: &dyn Store) -> World {
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
    let program = s.create_program(&program_draft("PKH Blora", agency.id, &["33.16"])).await.expect("program").id;
    let facilitator = user(s, "pendamping", Role::Facilitator).await.id;
    let mut ids = Vec::new();
    let mut households = Vec::new();
    let mut mother = None;
    for (i, name) in ["school", "warned", "suspended", "terminated", "none"].iter().enumerate() {
        let serial = 700 + i as u16;
        let mut h =
            new_household(kk("331609", serial), &format!("Dukuh {name}"), if i == 1 { KUTUKAN } else { PILANG });
        h.dtks_listed = true;
        h.dtks_since = Some(date!(2020 - 01 - 01));
        let h = s.create_household(&h).await.expect("household");
        households.push(h.id);
        let head_birth = if *name == "none" { date!(1985 - 05 - 05) } else { date!(1950 - 03 - 03) };
        let head = new_person(
            nik("331609", head_birth, Sex::Male, serial),
            Some(h.id),
            &format!("Kepala {name}"),
            Sex::Male,
            head_birth,
            Relation::Head,
        );
        s.create_person(&head).await.expect("head");
        let fam = s
            .enroll_pkh_family(
                program,
                &NewFamily {
                    household_id: h.id,
                    decile: Some(1),
                    facilitator_id: None,
                    enrolled_on: date!(2025 - 01 - 02),
                },
            )
            .await
            .expect("enroll")
            .id;
        if *name == "school" {
            let birth = date!(1988 - 02 - 02);
            let m = new_person(
                nik("331609", birth, Sex::Female, 800),
                Some(h.id),
                "Ibu Sekolah",
                Sex::Female,
                birth,
                Relation::Spouse,
            );
            mother = Some(s.create_person(&m).await.expect("mother"));
            let birth = date!(2016 - 07 - 01);
            let child = new_person(
                nik("331609", birth, Sex::Male, 801),
                Some(h.id),
                "Anak Sekolah",
                Sex::Male,
                birth,
                Relation::Child,
            );
            let child = s.create_person(&child).await.expect("child");
            s.add_pkh_fact(
                fam,
                &NewFact {
                    person_id: child.id,
                    kind: FactKind::School,
                    level: Some(SchoolLevel::Sd),
                    school_name: Some("SDN Pilang 1".into()),
                    starts_on: date!(2022 - 07 - 15),
                    expected_on: None,
                    ends_on: None,
                    note: None,
                },
            )
            .await
            .expect("school fact");
        }
        ids.push(fam);
    }
    // Three closed periods; a family is compliant when every due obligation is recorded met.
    let missed: [(&str, Id); 6] = [
        ("2025-2", ids[3]),
        ("2025-3", ids[2]),
        ("2025-3", ids[3]),
        ("2025-4", ids[1]),
        ("2025-4", ids[2]),
        ("2025-4", ids[3]),
    ];
    for period in ["2025-2", "2025-3", "2025-4"] {
        let p = s.open_pkh_period(program, Period::parse(period).expect("period")).await.expect("open");
        let mut entries = Vec::new();
        for (i, fam) in ids.iter().enumerate() {
            let met = !missed.contains(&(period, *fam));
            let family = |obligation: &str| ComplianceEntry {
                family_id: *fam,
                person_id: None,
                obligation: obligation.into(),
                compliant: met,
                attendance_tenths: None,
                note: None,
            };
            entries.push(family("p2k2"));
            let members = s.household_members(households[i]).await.expect("members");
            for m in members {
                let old = m.birth_date.year() < 1960;
                if old {
                    entries.push(ComplianceEntry { person_id: Some(m.id), ..family("welfare_visit") });
                } else if m.birth_date.year() > 2010 {
                    entries.push(ComplianceEntry {
                        person_id: Some(m.id),
                        attendance_tenths: Some(950),
                        ..family("school_attendance")
                    });
                }
            }
        }
        s.record_compliance(p.id, &entries).await.expect("compliance");
        s.close_pkh_period(p.id, None).await.expect("close");
    }
    World {
        program,
        school: ids[0],
        warned: ids[1],
        suspended: ids[2],
        terminated: ids[3],
        none: ids[4],
        households,
        mother: mother.expect("mother"),
        facilitator,
    }
}

/// The lines of a list, whole.
async fn lines(s: &dyn Store, list: Id) -> Vec<berdaya_domain::pkh::payment::PaymentLine> {
    s.pkh_payment_lines(list, 0, 10_000).await.expect("lines")
}

/// Stage IV of 2025 is decided by period 2025-4: the warned family is paid, the suspended
/// and terminated ones are not, and the family without a component is counted apart.
/// Amounts are the stage's quarter of the counted components in whole rupiah.
pub async fn pkh_pay_list_eligibility(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let list = s.build_pkh_payment_list(w.program, 2025, 4).await.expect("build");
    assert_eq!(list.status, ListStatus::Draft);
    assert_eq!(list.decided_by_period.as_deref(), Some("2025-4"));
    assert_eq!((list.skipped_suspended, list.skipped_terminated, list.skipped_zero), (1, 1, 1));
    assert_eq!(list.not_paid(), 3);
    let got = lines(s, list.id).await;
    let fams: Vec<Id> = got.iter().map(|l| l.family_id).collect();
    assert_eq!(fams, vec![w.school, w.warned]);
    assert!(!fams.contains(&w.suspended) && !fams.contains(&w.terminated) && !fams.contains(&w.none));
    assert_eq!(got[0].amount, 600_000 + 225_000);
    assert_eq!(got[0].components, "lansia,sd");
    assert_eq!(got[0].recipient_name, "Ibu Sekolah");
    assert_eq!(got[0].village_code, PILANG);
    assert_eq!(got[0].village_name, "Pilang");
    assert_eq!(got[0].district_code, "33.16.09");
    assert_eq!(got[1].family_status, berdaya_domain::pkh::FamilyStatus::Warning);
    assert_eq!(got[1].amount, 600_000);
    assert_eq!(got[1].village_name, "Kutukan");
    assert_eq!(got[1].recipient_name, "Kepala warned");
    assert_eq!(list.families, 2);
    assert_eq!(list.total, 1_425_000);
    // Stage II was decided by 2025-2: only the terminated-to-be family had missed (warning).
    let early = s.build_pkh_payment_list(w.program, 2025, 2).await.expect("stage 2");
    assert_eq!(early.families, 4);
    assert_eq!(early.skipped_zero, 1);
    // Stage I: no period closed yet, every family active.
    let first = s.build_pkh_payment_list(w.program, 2025, 1).await.expect("stage 1");
    assert_eq!(first.decided_by_period, None);
    assert_eq!(first.families, 4);
    // 2026 stage I: 2026-1 is not closed, so 2025-4 decides.
    let next = s.build_pkh_payment_list(w.program, 2026, 1).await.expect("2026");
    assert_eq!(next.decided_by_period.as_deref(), Some("2025-4"));
    assert_eq!(next.families, 2);
    // A stage outside the year's rules, or a missing program.
    assert_err!(s.build_pkh_payment_list(w.program, 2025, 5).await, StoreError::Invalid(_));
    assert_err!(s.build_pkh_payment_list(999_999, 2025, 1).await, StoreError::NotFound { .. });
    let all = s.pkh_payment_lists(w.program).await.expect("lists");
    assert_eq!(
        all.iter().map(|l| (l.year, l.stage)).collect::<Vec<_>>(),
        vec![(2026, 1), (2025, 4), (2025, 2), (2025, 1)]
    );
    let panel = s.family_pkh_payments(w.school).await.expect("family lines");
    assert_eq!(
        panel.iter().map(|p| (p.year, p.stage)).collect::<Vec<_>>(),
        vec![(2025, 1), (2025, 2), (2025, 4), (2026, 1)]
    );
}

/// A draft is rebuilt from today's registry; a frozen list is never rebuilt and does not
/// change when the recipient's name, the household's village or the family's components
/// change.
pub async fn pkh_pay_freeze(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let draft = s.build_pkh_payment_list(w.program, 2025, 4).await.expect("build");
    assert_err!(s.freeze_pkh_payment_list(draft.id, draft.version - 1).await, StoreError::Conflict { .. });
    let frozen = s.freeze_pkh_payment_list(draft.id, draft.version).await.expect("freeze");
    assert_eq!(frozen.status, ListStatus::Frozen);
    assert!(frozen.frozen_at.is_some());
    let before = lines(s, frozen.id).await;
    // Registry edits after freezing.
    let mut m = NewPerson {
        nik: w.mother.nik,
        household_id: w.mother.household_id,
        name: "Ibu Sudah Diganti".into(),
        sex: w.mother.sex,
        birth_date: w.mother.birth_date,
        relation: w.mother.relation,
        education: w.mother.education,
        occupation: None,
        disability: w.mother.disability,
    };
    s.update_person(w.mother.id, &m, w.mother.version).await.expect("rename");
    let h = s.household(w.households[0]).await.expect("household");
    let mut moved = new_household(h.kk, "Dukuh pindah", KUTUKAN);
    moved.dtks_listed = true;
    s.update_household(h.id, &moved, h.version).await.expect("move");
    assert_eq!(lines(s, frozen.id).await, before, "a frozen list changed with the registry");
    assert_eq!(s.pkh_payment_list(frozen.id).await.expect("list").total, frozen.total);
    assert_err!(s.build_pkh_payment_list(w.program, 2025, 4).await, StoreError::Invalid(_));
    assert_err!(s.freeze_pkh_payment_list(frozen.id, frozen.version).await, StoreError::Invalid(_));
    // A draft of another stage follows the registry.
    let other = s.build_pkh_payment_list(w.program, 2026, 1).await.expect("build 2026");
    let l = lines(s, other.id).await;
    assert_eq!(l[0].recipient_name, "Ibu Sudah Diganti");
    assert_eq!(l[0].village_code, KUTUKAN);
    m.name = "Ibu Lagi".into();
    let now = s.person(w.mother.id).await.expect("person");
    s.update_person(w.mother.id, &m, now.version).await.expect("rename again");
    let rebuilt = s.build_pkh_payment_list(w.program, 2026, 1).await.expect("rebuild");
    assert_eq!(rebuilt.id, other.id);
    assert_eq!(lines(s, other.id).await[0].recipient_name, "Ibu Lagi");
    assert_eq!(rebuilt.families, other.families);
}

/// Results go on frozen lists only, by line id or KK; one bad row refuses the whole file
/// (row and column named) and nothing changes; the reconciliation adds up per village, per
/// facilitator and in total.
pub async fn pkh_pay_results(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    s.assign_pkh_facilitator(w.program, &[w.school], w.facilitator).await.expect("assign");
    let draft = s.build_pkh_payment_list(w.program, 2025, 4).await.expect("build");
    let got = lines(s, draft.id).await;
    let row = |row: u64, key: LineKey, result: PayResult, reason: Option<&str>| ResultRow {
        row,
        key,
        result,
        reason: reason.map(str::to_string),
        paid_on: (result == PayResult::Paid).then_some(date!(2025 - 11 - 20)),
    };
    let paid = row(2, LineKey::Line(got[0].id), PayResult::Paid, None);
    assert_err!(s.record_pkh_payment_results(draft.id, std::slice::from_ref(&paid)).await, StoreError::Invalid(_));
    let list = s.freeze_pkh_payment_list(draft.id, draft.version).await.expect("freeze");
    // One unknown KK refuses the file.
    let bad = [paid.clone(), row(3, LineKey::Kk(3316090101209999), PayResult::Failed, Some("rekening tidak aktif"))];
    let problems = s.record_pkh_payment_results(list.id, &bad).await.expect("ran").expect_err("refused");
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].row, problems[0].column.as_str()), (3, "kk"));
    assert!(lines(s, list.id).await.iter().all(|l| l.result == PayResult::Pending), "a refused file changed lines");
    let good = [paid, row(3, LineKey::Kk(got[1].kk), PayResult::Failed, Some("rekening tidak aktif"))];
    assert_eq!(s.record_pkh_payment_results(list.id, &good).await.expect("ran").expect("recorded"), 2);
    let after = lines(s, list.id).await;
    assert_eq!(after[0].result, PayResult::Paid);
    assert_eq!(after[0].paid_on, Some(date!(2025 - 11 - 20)));
    assert_eq!(after[1].result, PayResult::Failed);
    assert_eq!(after[1].reason.as_deref(), Some("rekening tidak aktif"));
    let r = s.pkh_reconciliation(list.id).await.expect("reconcile");
    assert_eq!((r.total.issued, r.total.issued_amount), (2, 1_425_000));
    assert_eq!((r.total.paid, r.total.paid_amount), (1, 825_000));
    assert_eq!((r.total.failed, r.total.failed_amount), (1, 600_000));
    assert_eq!((r.total.pending, r.total.pending_amount), (0, 0));
    let villages: Vec<(&str, i64, i64)> =
        r.by_village.iter().map(|v| (v.name.as_str(), v.tally.issued_amount, v.tally.paid_amount)).collect();
    assert_eq!(villages, vec![("Kutukan", 600_000, 0), ("Pilang", 825_000, 825_000)]);
    assert_eq!(r.by_facilitator.len(), 2);
    let named = r.by_facilitator.iter().find(|f| f.key == Some(w.facilitator.to_string())).expect("facilitator");
    assert_eq!((named.tally.issued, named.tally.paid_amount), (1, 825_000));
    assert_err!(s.pkh_reconciliation(999_999).await, StoreError::NotFound { .. });
}

/// Families given to a facilitator in bulk: their facilitator set and their households
/// assigned; the report counts families, components, the last closed period's compliance
/// and the families with nothing recorded in the open period.
pub async fn pkh_caseload_report(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let officer = user(s, "petugas", Role::ProgramOfficer).await.id;
    assert_err!(s.assign_pkh_facilitator(w.program, &[w.school], officer).await, StoreError::Invalid(_));
    assert_err!(
        s.assign_pkh_facilitator(w.program, &[w.school, 999_999], w.facilitator).await,
        StoreError::Reference { field: "family_ids", .. }
    );
    assert!(!s.is_assigned(w.facilitator, Assigned::Household(w.households[0])).await.expect("assigned?"));
    let n = s.assign_pkh_facilitator(w.program, &[w.school, w.warned, w.none], w.facilitator).await.expect("assign");
    assert_eq!(n, 3);
    assert!(s.is_assigned(w.facilitator, Assigned::Household(w.households[0])).await.expect("assigned?"));
    assert!(s.is_assigned(w.facilitator, Assigned::Household(w.households[1])).await.expect("assigned?"));
    let open = s.open_pkh_period(w.program, Period::parse("2026-1").expect("p")).await.expect("open");
    s.record_compliance(
        open.id,
        &[ComplianceEntry {
            family_id: w.school,
            person_id: None,
            obligation: "p2k2".into(),
            compliant: true,
            attendance_tenths: None,
            note: None,
        }],
    )
    .await
    .expect("record");
    let r = s.pkh_caseload(w.program, date!(2026 - 01 - 15)).await.expect("report");
    assert_eq!(r.limit, 250);
    assert_eq!(r.last_closed.as_deref(), Some("2025-4"));
    assert_eq!(r.open_period.as_deref(), Some("2026-1"));
    // The terminated family is no longer in anyone's caseload.
    assert_eq!(r.total.families, 4);
    let f = r.by_facilitator.iter().find(|f| f.key == Some(w.facilitator.to_string())).expect("row");
    assert_eq!(f.name, "Pengguna pendamping");
    assert_eq!(f.families, 3);
    assert_eq!(f.components, 3);
    assert_eq!((f.judged, f.compliant), (3, 2));
    assert_eq!(f.compliance_pct(), Some(66));
    assert_eq!(f.overdue, 2);
    assert!(!f.over_limit);
    let unassigned = r.by_facilitator.iter().find(|f| f.key.is_none()).expect("unassigned row");
    assert_eq!(unassigned.families, 1);
    assert_eq!(r.by_district.len(), 1);
    assert_eq!(r.by_district[0].name, "Randublatung");
    assert_eq!(r.by_district[0].families, 4);
    let facs = s.pkh_facilitators().await.expect("facilitators");
    assert_eq!(facs.iter().map(|f| f.id).collect::<Vec<_>>(), vec![w.facilitator]);
}
