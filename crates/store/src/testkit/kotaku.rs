//! Conformance checks of community programs: a block grant's caps (tranches and allocations
//! within the grant, spending within the tranches received, the override kept on the entry
//! and in the audit log), budget against realisation, progress and handover, maintenance;
//! append-only group books with reversing corrections and statements equal to the sum of
//! their entries; stage cycles; stakeholders, outcomes and slum baselines.

use std::collections::BTreeMap;

use berdaya_domain::kotaku::book::{EntryDraft, EntryKind, SaleDraft, statements};
use berdaya_domain::kotaku::grant::{
    Handover, NewGrant, NewProgress, NewSpending, NewTranche, NewUnit, NewUpkeep, NewWork, TrancheStatus, TrancheStep,
    WorkCondition, WorkKind,
};
use berdaya_domain::kotaku::outcome::{Measure, NewIndicator, NewOutcomeValue, Subject as OutcomeSubject};
use berdaya_domain::kotaku::partner::{ContributionKind, NewContribution, NewStakeholder, PartnerRole, Sector};
use berdaya_domain::kotaku::slum::{Measure as SlumMeasure, Parameter, SlumClass, SlumRules, score};
use berdaya_domain::kotaku::stage::{StageModel, StageMove, StageStatus};

use super::*;
use crate::access::{Actor, AuditFilter, acting_as};
use crate::kotaku::book::Span;
use crate::kotaku::partner::NewSlumBaseline;

struct World {
    program: Id,
    lkm: Id,
    kpp: Id,
    kwt: Id,
}

async fn world(s: &dyn Store) -> World {
    seed_regions(s).await;
    let agency = s
        .create_agency(&NewAgency {
            name: "Balai Prasarana Permukiman Wilayah".into(),
            kind: AgencyKind::Agency,
            region: code("62.71"),
            parent_id: None,
        })
        .await
        .expect("agency");
    let group = |name: &str, kind| NewGroup {
        name: name.into(),
        kind,
        region: code(KALAMPANGAN),
        founded_on: None,
        description: None,
    };
    let lkm = s.create_group(&group("LKM Persada Mandiri", GroupKind::Lkm)).await.expect("lkm");
    let kpp = s.create_group(&group("KPP Persada", GroupKind::Kpp)).await.expect("kpp");
    let kwt = s.create_group(&group("KWT Sukawangi Sejahtera", GroupKind::WomenFarmerGroup)).await.expect("kwt");
    let program = s
        .create_program(&NewProgram {
            name: "KOTAKU Kaliawi Persada".into(),
            agency_id: agency.id,
            starts_on: date!(2019 - 01 - 01),
            ends_on: None,
            description: None,
            target_regions: vec![code(KALAMPANGAN)],
        })
        .await
        .expect("program");
    World { program: program.id, lkm: lkm.id, kpp: kpp.id, kwt: kwt.id }
}

fn invalid_on(e: StoreError, field: &str) -> String {
    match e {
        StoreError::Invalid(i) if i.0.iter().any(|f| f.field == field) => {
            i.0.into_iter().find(|f| f.field == field).map(|f| f.message).unwrap_or_default()
        }
        e => panic!("expected an invalid {field}, got {e:?}"),
    }
}

fn work(name: &str, budget: i64, labour: i64) -> NewWork {
    NewWork {
        kind: WorkKind::ConcreteRoad,
        name: name.into(),
        volume_milli: 120_500,
        volume_unit: "m".into(),
        location: None,
        budget_rp: budget,
        swadaya_cash_rp: 1_000_000,
        swadaya_labour_rp: labour,
        builder: "KSM Mawar".into(),
        builder_group_id: None,
        maintain_every_days: None,
    }
}

fn spend(amount: i64, reason: Option<&str>) -> NewSpending {
    NewSpending {
        spent_on: date!(2019 - 05 - 10),
        item: "Semen 50 sak".into(),
        amount_rp: amount,
        override_reason: reason.map(str::to_string),
    }
}

pub async fn kotaku_grant_caps(s: Arc<dyn Store>) {
    let w = world(&*s).await;
    let grant = s
        .create_grant(&NewGrant {
            program_id: w.program,
            name: "BPM 2019".into(),
            source: "APBN KOTAKU".into(),
            year: 2019,
            amount_rp: 1_500_000_000,
            recipient_group_id: w.lkm,
            region: code(KALAMPANGAN),
            note: None,
        })
        .await
        .expect("grant");
    // Allocations: four units up to the grant exactly; one rupiah more is refused.
    let unit = |name: &str, amount| NewUnit {
        name: name.into(),
        region: code(KALAMPANGAN),
        rt: Some("003".into()),
        rw: Some("001".into()),
        amount_rp: amount,
    };
    let mut units = Vec::new();
    for (i, amount) in [400_000_000, 350_000_000, 400_000_000, 350_000_000].into_iter().enumerate() {
        units.push(s.add_unit(grant.id, &unit(&format!("RT {i}"), amount)).await.expect("unit"));
    }
    let msg = invalid_on(s.add_unit(grant.id, &unit("RT 9", 1)).await.expect_err("over the grant"), "amount");
    assert!(msg.contains("Rp 0 is left"), "{msg}");
    // Growing one unit past what is left is refused; shrinking then growing another fits.
    let u0 = &units[0];
    assert!(s.update_unit(u0.id, &unit("RT 0", 400_000_001), u0.version).await.is_err());
    let u0 = s.update_unit(u0.id, &unit("RT 0", 390_000_000), u0.version).await.expect("shrink");
    let u1 = &units[1];
    s.update_unit(u1.id, &unit("RT 1", 360_000_000), u1.version).await.expect("grow into the room");
    assert!(matches!(s.add_unit(grant.id, &unit("RT 1", 0)).await, Err(StoreError::Duplicate { field: "name", .. })));
    // The grant may not shrink below its allocations.
    let g = s.grant(grant.id).await.expect("grant");
    assert_eq!(g.allocated_rp, 1_500_000_000);
    let mut smaller = NewGrant {
        program_id: w.program,
        name: "BPM 2019".into(),
        source: "APBN KOTAKU".into(),
        year: 2019,
        amount_rp: 1_400_000_000,
        recipient_group_id: w.lkm,
        region: code(KALAMPANGAN),
        note: None,
    };
    invalid_on(s.update_grant(grant.id, &smaller, g.grant.version).await.expect_err("below"), "amount");
    smaller.amount_rp = 1_600_000_000;
    s.update_grant(grant.id, &smaller, g.grant.version).await.expect("grow");

    // Tranches: never past the grant; approved then received, in order.
    let tranche = |amount| NewTranche { amount_rp: amount, planned_on: date!(2019 - 04 - 01), conditions: None };
    let t1 = s.add_tranche(grant.id, &tranche(600_000_000)).await.expect("t1");
    let t2 = s.add_tranche(grant.id, &tranche(1_000_000_000)).await.expect("t2");
    assert_eq!((t1.seq, t2.seq), (1, 2));
    invalid_on(s.add_tranche(grant.id, &tranche(1)).await.expect_err("past the grant"), "amount");
    invalid_on(
        s.step_tranche(t1.id, &TrancheStep::Receive { on: date!(2019 - 04 - 02) }, t1.version)
            .await
            .expect_err("order"),
        "status",
    );
    let t1 = acting_as(
        Actor::system("pak.koordinator"),
        s.step_tranche(t1.id, &TrancheStep::Approve { on: date!(2019 - 04 - 02) }, t1.version),
    )
    .await
    .expect("approve");
    assert_eq!((t1.status, t1.approved_by.as_deref()), (TrancheStatus::Approved, Some("pak.koordinator")));
    assert!(matches!(
        s.step_tranche(t1.id, &TrancheStep::Receive { on: date!(2019 - 04 - 03) }, t1.version - 1).await,
        Err(StoreError::Conflict { .. })
    ));
    let t1 = s.step_tranche(t1.id, &TrancheStep::Receive { on: date!(2019 - 04 - 03) }, t1.version).await.expect("rcv");
    assert_eq!(t1.status, TrancheStatus::Received);

    // Spending: within the 600 M received, over two works of two units.
    let a = s.add_work(u0.id, &work("Rabat beton gang Mawar", 300_000_000, 5_000_000)).await.expect("work a");
    let b = s.add_work(units[2].id, &work("Drainase RT 2", 250_000_000, 0)).await.expect("work b");
    s.add_spending(a.id, &spend(350_000_000, None)).await.expect("a");
    s.add_spending(b.id, &spend(250_000_000, None)).await.expect("b, exactly at the cap");
    let msg = invalid_on(s.add_spending(b.id, &spend(1, None)).await.expect_err("over"), "amount");
    assert!(msg.contains("Rp 600.000.000 received, Rp 600.000.000 spent, Rp 0 left"), "{msg}");
    // The officer's override passes, kept on the entry and in the audit log.
    let over = acting_as(
        Actor::system("ibu.pejabat"),
        s.add_spending(b.id, &spend(10_000_000, Some("Tahap II sudah disetujui, dana menyusul"))),
    )
    .await
    .expect("override");
    assert_eq!(over.override_reason.as_deref(), Some("Tahap II sudah disetujui, dana menyusul"));
    let log = s
        .audit_entries(
            &AuditFilter {
                entity: Some("work_spending".into()),
                entity_id: Some(over.id.to_string()),
                ..AuditFilter::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .expect("log");
    assert_eq!(log.items.len(), 1);
    assert_eq!(log.items[0].actor, "ibu.pejabat");
    assert!(log.items[0].after.as_deref().unwrap_or_default().contains("Tahap II sudah disetujui"));

    // A reversal frees room under the cap; entries are never edited.
    let first_b = s.spending_of(grant.id, Some(b.id)).await.expect("b spending")[0].clone();
    let rev = s.reverse_spending(first_b.spending.id, date!(2019 - 05 - 11), "salah nota").await.expect("reverse");
    assert_eq!((rev.amount_rp, rev.reverses_id), (-250_000_000, Some(first_b.spending.id)));
    invalid_on(
        s.reverse_spending(first_b.spending.id, date!(2019 - 05 - 12), "lagi").await.expect_err("twice"),
        "entry",
    );
    invalid_on(s.reverse_spending(rev.id, date!(2019 - 05 - 12), "x").await.expect_err("a reversal"), "entry");
    s.add_spending(b.id, &spend(240_000_000, None)).await.expect("fits again");

    // Budget against realisation sums per work, unit and grant.
    let r = s.grant_report(grant.id).await.expect("report");
    let by_work: Vec<(i64, i64, i64)> = r.works.iter().map(|(_, x)| (x.budget_rp, x.spent_rp, x.swadaya_rp)).collect();
    assert_eq!(by_work, [(300_000_000, 350_000_000, 6_000_000), (250_000_000, 250_000_000, 1_000_000)]);
    assert_eq!(r.units.len(), 4);
    assert_eq!(r.units[0].1.spent_rp, 350_000_000);
    assert_eq!(r.units[1].1, Default::default());
    assert_eq!((r.total.budget_rp, r.total.spent_rp, r.total.swadaya_rp), (550_000_000, 600_000_000, 7_000_000));
    assert_eq!(r.grant.spent_rp, 600_000_000);
    assert_eq!(r.grant.received_rp, 600_000_000);
    assert_eq!(r.units[0].1.per_mille(), 1166);

    // Progress moves forward; handover needs 100 %; maintenance by the keeper after it.
    let p = NewProgress { on: date!(2019 - 06 - 01), percent: 60, note: None };
    s.add_progress(a.id, &p).await.expect("60");
    invalid_on(
        s.add_progress(a.id, &NewProgress { percent: 50, ..p.clone() }).await.expect_err("backwards"),
        "percent",
    );
    let a_now = s.work(a.id).await.expect("work").work;
    assert_eq!(a_now.progress_pct, 60);
    let h = Handover { keeper_group_id: w.kpp, on: date!(2019 - 08 - 01), maintain_every_days: 30 };
    invalid_on(s.hand_over(a.id, &h, a_now.version).await.expect_err("unfinished"), "on");
    s.add_progress(a.id, &NewProgress { on: date!(2019 - 07 - 20), percent: 100, note: None }).await.expect("100");
    let a_now = s.work(a.id).await.expect("work").work;
    invalid_on(s.add_upkeep(a.id, &upkeep(date!(2019 - 09 - 01))).await.expect_err("not handed over"), "work");
    let a_now = s.hand_over(a.id, &h, a_now.version).await.expect("handover");
    assert_eq!((a_now.keeper_group_id, a_now.handed_over_on), (Some(w.kpp), Some(date!(2019 - 08 - 01))));
    invalid_on(s.hand_over(a.id, &h, a_now.version).await.expect_err("twice"), "keeper_group_id");
    invalid_on(s.add_upkeep(a.id, &upkeep(date!(2019 - 07 - 01))).await.expect_err("before"), "done_on");
    let k = s.add_upkeep(a.id, &upkeep(date!(2019 - 09 - 01))).await.expect("upkeep");
    assert_eq!((k.group_id, k.cost_rp), (w.kpp, 150_000));
    let kept = s.kept_works(w.kpp).await.expect("kept");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].last_upkeep, Some(date!(2019 - 09 - 01)));
    assert_eq!(kept[0].work.maintenance_due(kept[0].last_upkeep), Some(date!(2019 - 10 - 01)));
    // Region listings find the grant and its works.
    assert_eq!(s.region_grants(&code("62.71")).await.expect("grants").len(), 1);
    assert_eq!(s.region_works(&code(KALAMPANGAN), Some("003"), None).await.expect("works").len(), 2);
    assert_eq!(s.region_works(&code("33.16"), None, None).await.expect("none").len(), 0);
}

fn upkeep(on: Date) -> NewUpkeep {
    NewUpkeep { done_on: on, cost_rp: 150_000, condition: WorkCondition::Good, note: None }
}

pub async fn kotaku_books_append_only(s: Arc<dyn Store>) {
    let w = world(&*s).await;
    let today = date!(2026 - 01 - 01);
    let e = |on: &str, kind: &str, cat: &str, amount: &str| {
        EntryDraft {
            entry_on: on.into(),
            kind: kind.into(),
            category: cat.into(),
            amount: amount.into(),
            counterpart: None,
            note: None,
        }
        .parse(today)
        .expect("entry")
    };
    let sale = SaleDraft {
        entry_on: "2024-01-06".into(),
        product: "Keripik bayam".into(),
        quantity: "120".into(),
        unit: "bungkus".into(),
        price: "15.000".into(),
        outlet: Some("Outlet KSM".into()),
        counterpart: None,
    }
    .parse(today)
    .expect("sale");
    let sold = s.add_entry(w.kwt, &sale).await.expect("sale");
    assert_eq!(sold.amount_rp, 1_800_000);
    assert_eq!(sold.sale.as_ref().map(|x| x.quantity), Some(120));
    s.add_entry(w.kwt, &e("2024-01-08", "cost", "bahan_baku", "600.000")).await.expect("cost");
    let wrong = s.add_entry(w.kwt, &e("2024-01-20", "profit_use", "benih", "500.000")).await.expect("use");
    s.add_entry(w.kwt, &e("2024-02-03", "income", "iuran", "100.000")).await.expect("fee");
    // A correction is a reversing entry, and an entry reverses once.
    let rev = s.reverse_entry(wrong.id, date!(2024 - 02 - 01), "salah catat").await.expect("reverse");
    assert_eq!((rev.amount_rp, rev.reverses_id, rev.kind), (-500_000, Some(wrong.id), EntryKind::ProfitUse));
    assert!(s.entry(wrong.id).await.expect("entry").reversed);
    invalid_on(s.reverse_entry(wrong.id, date!(2024 - 02 - 02), "lagi").await.expect_err("twice"), "entry");
    invalid_on(s.reverse_entry(rev.id, date!(2024 - 02 - 02), "x").await.expect_err("a reversal"), "entry");
    let mut sneaky = e("2024-02-05", "cost", "lainnya", "1");
    sneaky.reverses_id = Some(wrong.id);
    invalid_on(s.add_entry(w.kwt, &sneaky).await.expect_err("by hand"), "reverses_id");
    // Balances are exact: the cash on hand is the sum of the entries.
    let (opening, list) = s.entries(w.kwt, None, None).await.expect("entries");
    assert_eq!(opening, 0);
    assert_eq!(list.len(), 5);
    assert_eq!(list.iter().map(|x| x.cash_rp()).sum::<i64>(), 1_800_000 - 600_000 - 500_000 + 500_000 + 100_000);
    let (opening, feb) = s.entries(w.kwt, Some(date!(2024 - 02 - 01)), None).await.expect("feb");
    assert_eq!((opening, feb.len()), (700_000, 2));
    // Statements equal the sums of their entries, per month and per year.
    let months = statements(0, &s.book_sums(w.kwt, Span::Month).await.expect("sums"));
    assert_eq!(months.len(), 2);
    assert_eq!(
        (months[0].income_rp, months[0].cost_rp, months[0].profit_rp, months[0].profit_use_rp, months[0].closing_rp),
        (1_800_000, 600_000, 1_200_000, 500_000, 700_000)
    );
    assert_eq!((months[1].profit_use_rp, months[1].income_rp, months[1].closing_rp), (-500_000, 100_000, 1_300_000));
    let years = statements(0, &s.book_sums(w.kwt, Span::Year).await.expect("years"));
    assert_eq!(years.len(), 1);
    assert_eq!((years[0].period.as_str(), years[0].closing_rp, years[0].sales_rp), ("2024", 1_300_000, 1_800_000));
    assert_eq!(years[0].entries, 5);
    // Bulk posting and the all-groups sums agree with each group's.
    let bulk: Vec<_> = (1..=28).map(|d| e(&format!("2024-03-{d:02}"), "income", "penjualan", "10.000")).collect();
    assert_eq!(s.post_entries(w.kpp, &bulk).await.expect("bulk"), 28);
    let all = s.all_book_sums().await.expect("all");
    assert_eq!(all.iter().map(|(g, _)| *g).collect::<Vec<_>>(), [w.kpp, w.kwt]);
    assert_eq!(statements(0, &all[0].1)[0].income_rp, 280_000);
    assert_eq!(all[1].1, s.book_sums(w.kwt, Span::Month).await.expect("sums"));
    assert!(matches!(s.add_entry(987_654, &bulk[0]).await, Err(StoreError::Reference { field: "group_id", .. })));
}

pub async fn kotaku_stage_cycles(s: Arc<dyn Store>) {
    let w = world(&*s).await;
    let model = StageModel::kotaku();
    s.set_stage_model(w.program, &model).await.expect("model");
    assert_eq!(s.stage_model(w.program).await.expect("read"), Some(model.clone()));
    let mut bad = model.clone();
    bad.stages.clear();
    assert!(matches!(s.set_stage_model(w.program, &bad).await, Err(StoreError::Invalid(_))));
    let cy = s
        .start_cycle(w.program, "Kelurahan Kaliawi Persada", &code(KALAMPANGAN), &model, date!(2019 - 01 - 10))
        .await
        .expect("cycle");
    assert_eq!((cy.cycle_no, cy.stages.len()), (1, 4));
    assert!(cy.stages.iter().all(|st| st.status == StageStatus::NotStarted));
    let st = |c: &crate::kotaku::cycle::Cycle, i: usize| c.stages[i].clone();
    // The second stage cannot start before the first is done.
    let p1 = st(&cy, 1);
    invalid_on(
        s.move_stage(p1.id, StageMove::Start, date!(2019 - 02 - 01), None, p1.version).await.expect_err("order"),
        "status",
    );
    let p0 = st(&cy, 0);
    invalid_on(
        s.move_stage(p0.id, StageMove::Start, date!(2019 - 01 - 01), None, p0.version).await.expect_err("early"),
        "on",
    );
    let p0 = s.move_stage(p0.id, StageMove::Start, date!(2019 - 01 - 15), None, p0.version).await.expect("start");
    assert_eq!(p0.status, StageStatus::InProgress);
    // Done only when every milestone is ticked.
    let msg = invalid_on(
        s.move_stage(p0.id, StageMove::Finish, date!(2019 - 02 - 01), None, p0.version).await.expect_err("unmet"),
        "milestones",
    );
    assert!(msg.contains("Rembug kesiapan masyarakat"), "{msg}");
    invalid_on(s.tick_milestone(p0.id, "nope", date!(2019 - 01 - 20), true).await.expect_err("unknown"), "milestone");
    for m in ["sosialisasi", "rembug_kesiapan", "relawan"] {
        s.tick_milestone(p0.id, m, date!(2019 - 01 - 20), true).await.expect("tick");
    }
    let p0 = s.tick_milestone(p0.id, "relawan", date!(2019 - 01 - 25), false).await.expect("untick");
    assert_eq!(p0.milestones.len(), 2);
    let p0 = s.tick_milestone(p0.id, "relawan", date!(2019 - 01 - 25), true).await.expect("tick again");
    assert!(matches!(
        s.move_stage(p0.id, StageMove::Finish, date!(2019 - 02 - 01), None, p0.version - 1).await,
        Err(StoreError::Conflict { .. })
    ));
    let p0 = s.move_stage(p0.id, StageMove::Finish, date!(2019 - 02 - 01), None, p0.version).await.expect("finish");
    assert_eq!((p0.status, p0.done_on), (StageStatus::Done, Some(date!(2019 - 02 - 01))));
    let cy = s.cycle(cy.id).await.expect("cycle");
    let p1 = st(&cy, 1);
    let p1 = s.move_stage(p1.id, StageMove::Start, date!(2019 - 02 - 02), None, p1.version).await.expect("start 2");
    // A done stage reopens only while the next has not started.
    let p0 = s.cycle(cy.id).await.expect("cycle").stages[0].clone();
    invalid_on(
        s.move_stage(p0.id, StageMove::Reopen, date!(2019 - 02 - 03), None, p0.version).await.expect_err("later"),
        "status",
    );
    assert_eq!(s.cycle(cy.id).await.expect("cycle").current().map(|x| x.id), Some(p1.id));
    // A next cycle waits for this one to finish.
    invalid_on(
        s.start_cycle(w.program, "Kelurahan Kaliawi Persada", &code(KALAMPANGAN), &model, date!(2020 - 01 - 01))
            .await
            .expect_err("unfinished"),
        "community",
    );
    assert_eq!(s.program_cycles(w.program).await.expect("list").len(), 1);
    assert_eq!(s.region_cycles(&code("62")).await.expect("region").len(), 1);
    // A 7D run elsewhere in the same program.
    let seven = s
        .start_cycle(w.program, "Dusun Gerdu", &code(KALAMPANGAN), &StageModel::seven_d(), date!(2019 - 01 - 01))
        .await
        .expect("7d");
    assert_eq!(seven.stages.len(), 7);
    assert!(matches!(
        s.link_stage_activity(seven.stages[0].id, 99_999).await,
        Err(StoreError::Reference { field: "activity_id", .. })
    ));
}

pub async fn kotaku_partners_outcomes_slums(s: Arc<dyn Store>) {
    let w = world(&*s).await;
    let sh = s
        .add_stakeholder(
            w.program,
            &NewStakeholder {
                name: "Universitas Lampung".into(),
                organisation: true,
                sector: Sector::University,
                role: PartnerRole::Facilitator,
                note: None,
            },
        )
        .await
        .expect("stakeholder");
    let c = NewContribution {
        kind: ContributionKind::Labour,
        description: "KKN".into(),
        value_rp: 12_000_000,
        given_on: date!(2019 - 07 - 15),
        activity_id: Some(4242),
    };
    assert!(matches!(s.add_contribution(sh.id, &c).await, Err(StoreError::Reference { field: "activity_id", .. })));
    s.add_contribution(sh.id, &NewContribution { activity_id: None, ..c }).await.expect("contribution");
    let list = s.stakeholders(w.program).await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].1.iter().map(|x| x.value_rp).sum::<i64>(), 12_000_000);

    let ind = s
        .add_indicator(
            w.program,
            &NewIndicator {
                name: "Pendapatan tambahan".into(),
                measure: Measure::Rupiah,
                subject: OutcomeSubject::Group,
            },
        )
        .await
        .expect("indicator");
    let v = NewOutcomeValue {
        subject_id: 777_777,
        baseline: 0,
        baseline_on: date!(2019 - 01 - 01),
        followup: Some(1_200_000),
        followup_on: Some(date!(2020 - 01 - 01)),
    };
    assert!(matches!(s.set_outcome(ind.id, &v).await, Err(StoreError::Reference { field: "subject_id", .. })));
    s.set_outcome(ind.id, &NewOutcomeValue { subject_id: w.kwt, ..v.clone() }).await.expect("value");
    s.set_outcome(ind.id, &NewOutcomeValue { subject_id: w.kwt, followup: Some(1_300_000), ..v }).await.expect("again");
    let values = s.outcomes(ind.id).await.expect("values");
    assert_eq!(values.len(), 1);
    assert_eq!(values[0].followup, Some(1_300_000));
    assert_eq!(s.subject_outcomes(OutcomeSubject::Group, w.kwt).await.expect("subject").len(), 1);

    // A baseline stores all 16 measures and scores as the domain does.
    let measures: BTreeMap<Parameter, SlumMeasure> =
        Parameter::ALL.iter().map(|p| (*p, SlumMeasure { affected: 76, total: 100 })).collect();
    let new = NewSlumBaseline {
        program_id: Some(w.program),
        region: code(KALAMPANGAN),
        neighbourhood: "RT 03 Lingkungan 1".into(),
        measured_on: date!(2018 - 11 - 01),
        phase: "before".into(),
        note: None,
        measures: measures.clone(),
    };
    let b = s.add_slum_baseline(&new).await.expect("baseline");
    let sc = score(&b.measures, &SlumRules::default()).expect("score");
    assert_eq!((sc.total, sc.class), (80, SlumClass::Berat));
    assert!(matches!(s.add_slum_baseline(&new).await, Err(StoreError::Duplicate { .. })));
    let mut short = new.clone();
    short.measures.remove(&Parameter::ALL[3]);
    assert!(matches!(s.add_slum_baseline(&short).await, Err(StoreError::Invalid(_))));
    let after = NewSlumBaseline {
        phase: "after".into(),
        measured_on: date!(2020 - 11 - 01),
        measures: Parameter::ALL.iter().map(|p| (*p, SlumMeasure { affected: 24, total: 100 })).collect(),
        ..new
    };
    s.add_slum_baseline(&after).await.expect("after");
    let both = s.program_slum_baselines(w.program).await.expect("both");
    assert_eq!(both.iter().map(|b| b.phase.as_str()).collect::<Vec<_>>(), ["before", "after"]);
    assert_eq!(score(&both[1].measures, &SlumRules::default()).expect("after").total, 0);
    assert_eq!(s.slum_baselines(&code("62.71")).await.expect("region").len(), 2);
}
