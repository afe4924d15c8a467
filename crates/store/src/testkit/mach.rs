//! Conformance checks of [`MachineStore`](crate::agriculture::machine::MachineStore):
//! machines and their unique inventory numbers, bookings refused on an overlapping period
//! (inclusive dates, both boundaries), loans of a machine that cannot be lent, a return
//! before the check-out, maintenance, overdue loans and the dashboard summary. Every refusal
//! leaves the database as it was (loans, machines and the audit log).

use berdaya_domain::agriculture::machine::{
    CheckOut, LoanStatus, MachineCondition, MachineKind, MaintenanceKind, NewLoan, NewMachine, NewMaintenance, Return,
};

use super::*;
use crate::access::AuditFilter;
use crate::agriculture::machine::{MachineOwner, MachineSummary};

struct World {
    dinas: Id,
    bpp: Id,
    other_agency: Id,
    group_a: Id,
    group_b: Id,
    program: Id,
}

async fn world(s: &dyn Store) -> World {
    seed_regions(s).await;
    let agency = |name: &str, kind, region: &str, parent| NewAgency {
        name: name.into(),
        kind,
        region: code(region),
        parent_id: parent,
    };
    let dinas = s.create_agency(&agency("Dinas Pertanian", AgencyKind::Agency, "62.71", None)).await.expect("dinas");
    let bpp = s
        .create_agency(&agency("UPTD BPP Kalampangan", AgencyKind::Unit, KALAMPANGAN, Some(dinas.id)))
        .await
        .expect("bpp");
    let other = s.create_agency(&agency("Dinas Blora", AgencyKind::Agency, "33.16", None)).await.expect("other");
    let group = |name: &str| NewGroup {
        name: name.into(),
        kind: GroupKind::FarmerGroup,
        region: code(KALAMPANGAN),
        founded_on: None,
        description: None,
    };
    let a = s.create_group(&group("Poktan Harapan Jaya")).await.expect("group a");
    let b = s.create_group(&group("Poktan Tunas Baru")).await.expect("group b");
    let program = s
        .create_program(&NewProgram {
            name: "Pemberdayaan petani buah naga".into(),
            agency_id: dinas.id,
            starts_on: date!(2025 - 01 - 01),
            ends_on: None,
            description: None,
            target_regions: vec![code(KALAMPANGAN)],
        })
        .await
        .expect("program");
    World { dinas: dinas.id, bpp: bpp.id, other_agency: other.id, group_a: a.id, group_b: b.id, program: program.id }
}

fn machine(agency_id: Id, kind: MachineKind, name: &str, inventory_no: &str) -> NewMachine {
    NewMachine {
        agency_id,
        kind,
        name: name.into(),
        inventory_no: inventory_no.into(),
        region: code(KALAMPANGAN),
        place: Some("Gudang BPP".into()),
        condition: MachineCondition::Good,
        acquired_on: Some(date!(2022 - 06 - 01)),
        note: None,
    }
}

fn booking(machine_id: Id, group_id: Id, from: Date, to: Date) -> NewLoan {
    NewLoan { machine_id, group_id, program_id: None, starts_on: from, due_on: to, note: None }
}

/// What a refused write must not change: the loans and machines as listed, and the log.
async fn state(s: &dyn Store) -> (Vec<(Id, LoanStatus, i64)>, Vec<(Id, MachineCondition, i64)>, u64) {
    let all = Query { page: PageRequest::new(1, 200), ..Query::default() };
    let loans = s.search_loans(&all).await.expect("loans");
    let machines = s.search_machines(&all).await.expect("machines");
    let log = s.audit_entries(&AuditFilter::default(), PageRequest::new(1, 1)).await.expect("log").total;
    (
        loans.items.iter().map(|r| (r.loan.id, r.loan.status, r.loan.version)).collect(),
        machines.items.iter().map(|r| (r.machine.id, r.machine.condition, r.machine.version)).collect(),
        log,
    )
}

fn invalid_field(e: &StoreError) -> (&str, &str) {
    match e {
        StoreError::Invalid(i) => (i.0[0].field.as_str(), i.0[0].message.as_str()),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// Machines: create and read back, unique inventory number per agency (another agency may
/// reuse it), references, version conflict, search by text and filters.
pub async fn machine_create_read_update(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let tractor = s
        .create_machine(&machine(w.bpp, MachineKind::HandTractor, "Quick G1000 Boxer", "ALS-2022-001"))
        .await
        .expect("create");
    assert_eq!(tractor.version, 1);
    assert_eq!(s.machine(tractor.id).await.expect("read"), tractor);
    assert_eq!(tractor.acquired_on, Some(date!(2022 - 06 - 01)));

    assert_err!(
        s.create_machine(&machine(w.bpp, MachineKind::Cultivator, "Kultivator", "ALS-2022-001")).await,
        StoreError::Duplicate { field: "inventory_no", .. }
    );
    s.create_machine(&machine(w.dinas, MachineKind::WaterPump, "Pompa Honda WB30", "ALS-2022-001"))
        .await
        .expect("another agency may use the same number");
    assert_err!(
        s.create_machine(&machine(9_999, MachineKind::Other, "X", "X-1")).await,
        StoreError::Reference { field: "agency_id", .. }
    );
    let mut nowhere = machine(w.bpp, MachineKind::Other, "X", "X-2");
    nowhere.region = code("62.71.05");
    assert_err!(s.create_machine(&nowhere).await, StoreError::Reference { field: "region", .. });

    let mut changed = machine(w.bpp, MachineKind::HandTractor, "Quick G1000 Boxer", "ALS-2022-001");
    changed.condition = MachineCondition::LightDamage;
    let updated = s.update_machine(tractor.id, &changed, 1).await.expect("update");
    assert_eq!((updated.version, updated.condition), (2, MachineCondition::LightDamage));
    assert_err!(
        s.update_machine(tractor.id, &changed, 1).await,
        StoreError::Conflict { entity: "machine", expected: 1, actual: 2 }
    );
    assert_err!(s.machine(9_999).await, StoreError::NotFound { entity: "machine" });

    let q = |text: &str, filters: &[(&str, &str)]| Query {
        page: PageRequest::new(1, 50),
        filters: filters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Query::text(text)
    };
    let found = s.search_machines(&q("boxer", &[])).await.expect("search");
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].agency_name, "UPTD BPP Kalampangan");
    assert_eq!(found.items[0].region_name, "Kalampangan");
    assert_eq!(s.search_machines(&q("als-2022", &[])).await.expect("by number").total, 2);
    assert_eq!(s.search_machines(&q("", &[("kind", "water_pump")])).await.expect("kind").total, 1);
    assert_eq!(s.search_machines(&q("", &[("condition", "light_damage")])).await.expect("cond").total, 1);
    assert_eq!(s.search_machines(&q("", &[("agency_id", &w.dinas.to_string())])).await.expect("agency").total, 1);
    let blora = Query { region: Some(code("33.16")), ..q("", &[]) };
    assert_eq!(s.search_machines(&blora).await.expect("region").total, 0);
    let _ = w.other_agency;
}

/// Overlapping bookings of one machine are refused naming the other loan; periods are
/// inclusive: ending the day another starts overlaps, the day before does not (both sides).
/// Cancelled loans hold nothing. Each refusal leaves loans, machines and the log unchanged.
pub async fn machine_loan_overlap(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let m = s.create_machine(&machine(w.bpp, MachineKind::HandTractor, "Traktor", "T-1")).await.expect("machine");
    let other = s.create_machine(&machine(w.bpp, MachineKind::HandTractor, "Traktor 2", "T-2")).await.expect("m2");
    let first = s
        .book_machine(&booking(m.id, w.group_a, date!(2025 - 03 - 03), date!(2025 - 03 - 05)))
        .await
        .expect("first booking");
    assert_eq!(first.status, LoanStatus::Booked);
    assert_eq!((first.machine_id, first.group_id), (m.id, w.group_a));

    for (from, to) in [
        (date!(2025 - 03 - 05), date!(2025 - 03 - 07)), // starts the day the first ends
        (date!(2025 - 03 - 01), date!(2025 - 03 - 03)), // ends the day the first starts
        (date!(2025 - 03 - 04), date!(2025 - 03 - 04)), // inside
        (date!(2025 - 02 - 01), date!(2025 - 04 - 01)), // around
    ] {
        let before = state(s).await;
        let e = s.book_machine(&booking(m.id, w.group_b, from, to)).await.expect_err("overlap refused");
        let (field, message) = invalid_field(&e);
        assert_eq!(field, "starts_on");
        assert!(
            message.contains(&format!("loan {}", first.id))
                && message.contains("Poktan Harapan Jaya")
                && message.contains("2025-03-03")
                && message.contains("2025-03-05"),
            "names the other loan: {message}"
        );
        assert_eq!(state(s).await, before, "a refused booking changes nothing");
    }
    // The days just outside, on both sides, are free.
    let after = s
        .book_machine(&booking(m.id, w.group_b, date!(2025 - 03 - 06), date!(2025 - 03 - 08)))
        .await
        .expect("the day after");
    let before = s
        .book_machine(&booking(m.id, w.group_b, date!(2025 - 02 - 27), date!(2025 - 03 - 02)))
        .await
        .expect("the day before");
    // Another machine is not held by these.
    s.book_machine(&booking(other.id, w.group_b, date!(2025 - 03 - 04), date!(2025 - 03 - 04))).await.expect("other");
    // A cancelled booking frees its days.
    let cancelled = s.cancel_loan(after.id, after.version).await.expect("cancel");
    assert_eq!(cancelled.status, LoanStatus::Cancelled);
    s.book_machine(&booking(m.id, w.group_a, date!(2025 - 03 - 07), date!(2025 - 03 - 07))).await.expect("freed");
    assert_err!(s.cancel_loan(after.id, cancelled.version).await, StoreError::Invalid(_));
    assert_err!(s.cancel_loan(before.id, 7).await, StoreError::Conflict { entity: "loan", .. });

    // Changing a booking's period follows the same rule, itself excepted.
    let moved = s
        .update_loan(before.id, &booking(m.id, w.group_b, date!(2025 - 02 - 26), date!(2025 - 03 - 01)), before.version)
        .await
        .expect("move within free days");
    assert_eq!(moved.due_on, date!(2025 - 03 - 01));
    let e = s
        .update_loan(before.id, &booking(m.id, w.group_b, date!(2025 - 02 - 26), date!(2025 - 03 - 03)), moved.version)
        .await
        .expect_err("move onto the first");
    assert_eq!(invalid_field(&e).0, "starts_on");

    // Unknown references.
    assert_err!(
        s.book_machine(&booking(9_999, w.group_a, date!(2025 - 05 - 01), date!(2025 - 05 - 02))).await,
        StoreError::Reference { field: "machine_id", .. }
    );
    assert_err!(
        s.book_machine(&booking(m.id, 9_999, date!(2025 - 05 - 01), date!(2025 - 05 - 02))).await,
        StoreError::Reference { field: "group_id", .. }
    );
    let mut bad_program = booking(m.id, w.group_a, date!(2025 - 05 - 01), date!(2025 - 05 - 02));
    bad_program.program_id = Some(9_999);
    assert_err!(s.book_machine(&bad_program).await, StoreError::Reference { field: "program_id", .. });
}

/// A machine in repair or heavily damaged cannot be lent (`machine_id`); check-out and
/// return move the loan and the machine's condition; a return before the check-out is
/// refused (`returned_on`); loans in the wrong status are refused; nothing changes on refusal.
pub async fn machine_loan_lifecycle(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let mut repair = machine(w.bpp, MachineKind::Cultivator, "Kultivator", "K-1");
    repair.condition = MachineCondition::InRepair;
    let in_repair = s.create_machine(&repair).await.expect("machine in repair");
    let mut wreck = machine(w.bpp, MachineKind::WaterPump, "Pompa", "P-1");
    wreck.condition = MachineCondition::HeavyDamage;
    let wreck = s.create_machine(&wreck).await.expect("wreck");
    for (m, words) in [(in_repair.id, "in repair"), (wreck.id, "heavily damaged")] {
        let before = state(s).await;
        let e = s
            .book_machine(&booking(m, w.group_a, date!(2025 - 03 - 01), date!(2025 - 03 - 02)))
            .await
            .expect_err("cannot be lent");
        let (field, message) = invalid_field(&e);
        assert_eq!(field, "machine_id");
        assert!(message.contains(words), "{message}");
        assert_eq!(state(s).await, before);
    }

    let m = s.create_machine(&machine(w.bpp, MachineKind::HandTractor, "Traktor", "T-1")).await.expect("machine");
    let mut new = booking(m.id, w.group_a, date!(2025 - 03 - 03), date!(2025 - 03 - 05));
    new.program_id = Some(w.program);
    let loan = s.book_machine(&new).await.expect("book");
    assert_eq!(loan.program_id, Some(w.program));
    let ret = |on: Date| Return {
        returned_on: on,
        condition_in: MachineCondition::LightDamage,
        usage_minutes: Some(390),
        usage_m2: Some(2_500),
        damage_note: Some("Rantai longgar".into()),
    };
    assert_err!(s.return_loan(loan.id, &ret(date!(2025 - 03 - 05)), loan.version).await, StoreError::Invalid(_));
    let out = CheckOut { out_on: date!(2025 - 03 - 03), condition_out: MachineCondition::Good, out_by: "Sri".into() };
    assert_err!(s.check_out(loan.id, &out, 9).await, StoreError::Conflict { entity: "loan", .. });
    let lent = s.check_out(loan.id, &out, loan.version).await.expect("check out");
    assert_eq!((lent.status, lent.out_on, lent.out_by.as_deref()), (LoanStatus::Out, Some(out.out_on), Some("Sri")));
    assert_err!(s.check_out(loan.id, &out, lent.version).await, StoreError::Invalid(_));
    assert_err!(s.cancel_loan(loan.id, lent.version).await, StoreError::Invalid(_));

    // Another booking of the machine cannot leave while this one is out.
    let next = s
        .book_machine(&booking(m.id, w.group_b, date!(2025 - 03 - 10), date!(2025 - 03 - 12)))
        .await
        .expect("book next");
    let before = state(s).await;
    let e = s
        .check_out(next.id, &CheckOut { out_on: date!(2025 - 03 - 10), ..out.clone() }, next.version)
        .await
        .expect_err("still out");
    let (field, message) = invalid_field(&e);
    assert_eq!(field, "out_on");
    assert!(message.contains(&format!("loan {}", loan.id)) && message.contains("Poktan Harapan Jaya"), "{message}");
    assert_eq!(state(s).await, before);

    // Overdue: out past its due date.
    let overdue = |day: &str| Query {
        page: PageRequest::new(1, 50),
        filters: vec![("overdue_on".into(), day.into())],
        ..Query::default()
    };
    assert_eq!(s.search_loans(&overdue("2025-03-05")).await.expect("due day").total, 0, "due today is not late");
    let late = s.search_loans(&overdue("2025-03-06")).await.expect("late");
    assert_eq!(late.items.iter().map(|r| r.loan.id).collect::<Vec<_>>(), [loan.id]);
    assert_eq!(late.items[0].group_name, "Poktan Harapan Jaya");

    // A return before the check-out is refused and changes nothing.
    let before = state(s).await;
    let e = s.return_loan(loan.id, &ret(date!(2025 - 03 - 02)), lent.version).await.expect_err("before check-out");
    let (field, message) = invalid_field(&e);
    assert_eq!(field, "returned_on");
    assert!(message.contains("2025-03-03"), "{message}");
    assert_eq!(state(s).await, before);

    let back = s.return_loan(loan.id, &ret(date!(2025 - 03 - 07)), lent.version).await.expect("return");
    assert_eq!(back.status, LoanStatus::Returned);
    assert_eq!((back.usage_minutes, back.usage_m2), (Some(390), Some(2_500)));
    assert_eq!(back.condition_in, Some(MachineCondition::LightDamage));
    assert_eq!(back.damage_note.as_deref(), Some("Rantai longgar"));
    let after = s.machine(m.id).await.expect("machine");
    assert_eq!(after.condition, MachineCondition::LightDamage, "the machine takes the return condition");
    assert_eq!(after.version, m.version + 1);
    assert_err!(s.return_loan(loan.id, &ret(date!(2025 - 03 - 08)), back.version).await, StoreError::Invalid(_));
    assert_eq!(s.search_loans(&overdue("2025-04-01")).await.expect("none late").total, 0);

    // The next booking may leave now.
    s.check_out(next.id, &CheckOut { out_on: date!(2025 - 03 - 10), ..out }, next.version).await.expect("next out");

    // Listings of a machine and a group, filters.
    let history = s.machine_loans(m.id).await.expect("machine loans");
    assert_eq!(history.iter().map(|r| r.loan.id).collect::<Vec<_>>(), [loan.id, next.id]);
    let of_a = s.group_loans(w.group_a).await.expect("group loans");
    assert_eq!(of_a.iter().map(|r| r.loan.id).collect::<Vec<_>>(), [loan.id]);
    assert_eq!(of_a[0].machine_name, "Traktor");
    assert_err!(s.group_loans(9_999).await, StoreError::NotFound { entity: "group" });
    let by = |k: &str, v: &str| Query {
        page: PageRequest::new(1, 50),
        filters: vec![(k.into(), v.into())],
        ..Query::default()
    };
    assert_eq!(s.search_loans(&by("status", "returned")).await.expect("status").total, 1);
    assert_eq!(s.search_loans(&by("group_id", &w.group_b.to_string())).await.expect("group").total, 1);
    assert_eq!(s.search_loans(&by("program_id", &w.program.to_string())).await.expect("program").total, 1);
    let scoped = Query { within: Some(Within::MembersOf(w.group_b)), ..by("machine_id", &m.id.to_string()) };
    assert_eq!(s.search_loans(&scoped).await.expect("group officer's").items[0].loan.id, next.id);
    let loan_row = s.loan(loan.id).await.expect("loan");
    assert_eq!((loan_row.inventory_no.as_str(), loan_row.agency_id), ("T-1", w.bpp));
    assert_err!(s.loan(9_999).await, StoreError::NotFound { entity: "loan" });
}

/// Maintenance puts a machine into repair (then it cannot be lent) and out of it; the
/// summary counts machines by condition, loans out and overdue, and usage per month, for an
/// agency (with its units) and for a program (its loans).
pub async fn machine_maintenance_summary(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s).await;
    let tractor = s.create_machine(&machine(w.bpp, MachineKind::HandTractor, "Traktor", "T-1")).await.expect("t");
    let pump = s.create_machine(&machine(w.dinas, MachineKind::WaterPump, "Pompa", "P-1")).await.expect("p");
    s.create_machine(&machine(w.other_agency, MachineKind::WaterPump, "Pompa Blora", "P-1")).await.expect("other");

    let fix = |kind, condition_after, on: Date, cost_rp| NewMaintenance {
        done_on: on,
        kind,
        description: "Ganti oli dan busi".into(),
        cost_rp,
        condition_after,
    };
    let first = s
        .add_maintenance(pump.id, &fix(MaintenanceKind::Repair, MachineCondition::InRepair, date!(2025 - 02 - 01), 0))
        .await
        .expect("into repair");
    assert_eq!(first.condition_after, MachineCondition::InRepair);
    assert_eq!(s.machine(pump.id).await.expect("pump").condition, MachineCondition::InRepair);
    let e = s
        .book_machine(&booking(pump.id, w.group_a, date!(2025 - 02 - 03), date!(2025 - 02 - 04)))
        .await
        .expect_err("in repair");
    assert_eq!(invalid_field(&e).0, "machine_id");
    s.add_maintenance(pump.id, &fix(MaintenanceKind::Service, MachineCondition::Good, date!(2025 - 02 - 10), 350_000))
        .await
        .expect("out of repair");
    s.book_machine(&booking(pump.id, w.group_a, date!(2025 - 02 - 11), date!(2025 - 02 - 12))).await.expect("lendable");
    let log = s.machine_maintenance(pump.id).await.expect("maintenance");
    assert_eq!(
        log.iter().map(|m| (m.done_on, m.cost_rp)).collect::<Vec<_>>(),
        [(date!(2025 - 02 - 01), 0), (date!(2025 - 02 - 10), 350_000)]
    );
    assert_err!(
        s.add_maintenance(9_999, &fix(MaintenanceKind::Inspection, MachineCondition::Good, date!(2025 - 02 - 01), 0))
            .await,
        StoreError::NotFound { entity: "machine" }
    );

    // Loans: one returned in March (program), one out and overdue in April (program), one
    // out in April for no program.
    let out = |on: Date| CheckOut { out_on: on, condition_out: MachineCondition::Good, out_by: "Sri".into() };
    let mut a = booking(tractor.id, w.group_a, date!(2025 - 03 - 03), date!(2025 - 03 - 05));
    a.program_id = Some(w.program);
    let a = s.book_machine(&a).await.expect("a");
    let a = s.check_out(a.id, &out(date!(2025 - 03 - 03)), a.version).await.expect("a out");
    s.return_loan(
        a.id,
        &Return {
            returned_on: date!(2025 - 03 - 05),
            condition_in: MachineCondition::Good,
            usage_minutes: Some(390),
            usage_m2: Some(2_500),
            damage_note: None,
        },
        a.version,
    )
    .await
    .expect("a back");
    let mut b = booking(tractor.id, w.group_b, date!(2025 - 04 - 01), date!(2025 - 04 - 03));
    b.program_id = Some(w.program);
    let b = s.book_machine(&b).await.expect("b");
    s.check_out(b.id, &out(date!(2025 - 04 - 01)), b.version).await.expect("b out");
    let pump_loan = s.search_loans(&Query { page: PageRequest::new(1, 50), ..Query::default() }).await.expect("all");
    let p = pump_loan.items.iter().find(|r| r.loan.machine_id == pump.id).expect("pump loan").loan.clone();
    s.check_out(p.id, &out(date!(2025 - 04 - 11)), p.version).await.expect("pump out");

    let today = date!(2025 - 04 - 05);
    let agency: MachineSummary = s
        .machine_summary(MachineOwner::Agency(w.dinas), today, date!(2025 - 01 - 01), date!(2025 - 12 - 31))
        .await
        .expect("agency summary");
    assert_eq!(agency.machines, 2, "the Dinas's and its BPP's, not Blora's");
    assert_eq!(
        agency.by_condition,
        vec![
            (MachineCondition::Good, 2),
            (MachineCondition::LightDamage, 0),
            (MachineCondition::HeavyDamage, 0),
            (MachineCondition::InRepair, 0),
        ]
    );
    assert_eq!((agency.out_now, agency.overdue_now), (2, 2), "the pump's loan was due in February");
    let months: Vec<(&str, u64, i64, i64)> =
        agency.months.iter().map(|m| (m.month.as_str(), m.loans, m.usage_minutes, m.usage_m2)).collect();
    assert_eq!(months, [("2025-03", 1, 390, 2_500), ("2025-04", 2, 0, 0)]);

    let program = s
        .machine_summary(MachineOwner::Program(w.program), today, date!(2025 - 03 - 01), date!(2025 - 03 - 31))
        .await
        .expect("program summary");
    assert_eq!((program.machines, program.out_now, program.overdue_now), (2, 1, 1));
    assert_eq!(program.months.len(), 1, "only March is asked for");
    let bpp = s
        .machine_summary(
            MachineOwner::Agency(w.bpp),
            date!(2025 - 04 - 02),
            date!(2025 - 01 - 01),
            date!(2025 - 12 - 31),
        )
        .await
        .expect("bpp");
    assert_eq!((bpp.machines, bpp.out_now, bpp.overdue_now), (1, 1, 0));
    assert_err!(
        s.machine_summary(MachineOwner::Program(9_999), today, today, today).await,
        StoreError::NotFound { entity: "program" }
    );
}

/// Eight bookings of one machine for the same days, at once: exactly one is made.
pub async fn machine_concurrent_bookings(s: Arc<dyn Store>) {
    let w = world(&*s).await;
    let m = s.create_machine(&machine(w.bpp, MachineKind::HandTractor, "Traktor", "T-1")).await.expect("machine");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = s.clone();
        let group = if i % 2 == 0 { w.group_a } else { w.group_b };
        tasks.push(tokio::spawn(async move {
            s.book_machine(&booking(m.id, group, date!(2025 - 03 - 03), date!(2025 - 03 - 05))).await
        }));
    }
    let mut made = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => made += 1,
            Err(StoreError::Invalid(_) | StoreError::Busy) => {}
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!(made, 1, "exactly one booking of the same days");
    assert_eq!(s.machine_loans(m.id).await.expect("loans").len(), 1);
}
