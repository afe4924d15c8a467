//! Conformance checks of input aid: land and the survey's land-area fact, the season plan
//! computed exactly to the gram with the 2 ha cap and stored as lines, recomputing, and
//! distributions refused past the plan (database unchanged) unless overridden with a reason
//! that the audit log keeps.

use berdaya_domain::agriculture::aid::{
    BaseUnit, CapRule, Crop, DistributionDraft, DoseDraft, ItemDraft, ItemKind, LandDraft, NewDistribution, NewPlan,
    OverCap, PlanDraft, Season, Term,
};
use berdaya_domain::registry::{NewAgency, NewMember};

use super::access::{entries_of, json_of};
use super::checks::program_draft;
use super::*;
use crate::access::{Actor, acting_as};
use berdaya_domain::survey::link::PersonLookup;

/// A farmer group in Kalampangan enrolled in a program of the Dinas, and `areas.len()` new
/// members with rice land of those areas (m²; 0 means no land).
struct World {
    program: Id,
    group: Id,
    members: Vec<Id>,
}

async fn world(s: &dyn Store, areas: &[i64]) -> World {
    seed_regions(s).await;
    let agency = s
        .create_agency(&NewAgency {
            name: "Dinas Pertanian".into(),
            kind: AgencyKind::Agency,
            region: code("62.71"),
            parent_id: None,
        })
        .await
        .expect("agency");
    let program =
        s.create_program(&program_draft("Bantuan saprodi", agency.id, &[KALAMPANGAN])).await.expect("program");
    let group = s
        .create_group(&NewGroup {
            name: "Poktan Buah Naga Makmur".into(),
            kind: GroupKind::FarmerGroup,
            region: code(KALAMPANGAN),
            founded_on: None,
            description: None,
        })
        .await
        .expect("group");
    s.enroll(
        program.id,
        &NewEnrollment {
            subject: Subject { kind: SubjectKind::Group, id: group.id },
            status: EnrollmentStatus::Enrolled,
            enrolled_on: date!(2023 - 01 - 02),
            ended_on: None,
        },
    )
    .await
    .expect("enroll");
    let mut members = Vec::new();
    for (i, area) in areas.iter().enumerate() {
        let birth = date!(1975 - 01 - 01);
        let nik = nik("627104", birth, Sex::Male, 500 + i as u16);
        let p = s
            .create_person(&new_person(nik, None, &format!("Petani {i:02}"), Sex::Male, birth, Relation::Head))
            .await
            .expect("person");
        s.add_member(group.id, &NewMember { person_id: p.id, role: GroupRole::Member, since: None, until: None })
            .await
            .expect("member");
        if *area > 0 {
            let land = LandDraft {
                person_id: p.id.to_string(),
                crop: "rice".into(),
                land_area: format!("{area} m2"),
                note: None,
            };
            s.add_land(&land.parse().expect("land")).await.expect("add land");
        }
        members.push(p.id);
    }
    World { program: program.id, group: group.id, members }
}

async fn item_id(s: &dyn Store, code: &str) -> Id {
    s.aid_items().await.expect("items").into_iter().find(|i| i.code == code).expect("shipped item").id
}

fn mt1() -> Season {
    Season { year: 2023, term: Term::Mt1 }
}

/// Land: parsed from hectares, listed per person and group, versioned; the survey's
/// `land_area` fact is the sum of a person's parcels.
pub async fn aid_land_and_facts(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s, &[0, 0]).await;
    let (a, b) = (w.members[0], w.members[1]);
    let quarter = LandDraft {
        person_id: a.to_string(),
        crop: "dragon_fruit".into(),
        land_area: "0,25 ha".into(),
        note: Some("Kebun belakang".into()),
    };
    let first = s.add_land(&quarter.parse().expect("parse")).await.expect("add");
    assert_eq!((first.area_m2, first.crop, first.version), (2_500, Crop::DragonFruit, 1));
    let chilli = LandDraft { person_id: a.to_string(), crop: "chilli".into(), land_area: "1.5 ha".into(), note: None };
    s.add_land(&chilli.parse().expect("parse")).await.expect("add");
    assert_eq!(s.person_land(a).await.expect("land").iter().map(|l| l.area_m2).sum::<i64>(), 17_500);
    assert_eq!(s.group_land(w.group).await.expect("group land").len(), 2);
    let changed = LandDraft { land_area: "3000".into(), ..quarter };
    let updated = s.update_land(first.id, &changed.parse().expect("parse"), 1).await.expect("update");
    assert_eq!((updated.area_m2, updated.version), (3_000, 2));
    assert_err!(s.update_land(first.id, &changed.parse().expect("parse"), 1).await, StoreError::Conflict { .. });
    let nobody = LandDraft { person_id: "999999".into(), crop: "rice".into(), land_area: "1 ha".into(), note: None };
    assert_err!(s.add_land(&nobody.parse().expect("parse")).await, StoreError::Reference { field: "person_id", .. });
    // The survey's registry factor reads the sum of the parcels; no land, no area.
    let facts = s.person_facts(&[a.to_string(), b.to_string()], &q("")).await.expect("facts");
    assert_eq!(facts.find(&a.to_string()).expect("a").land_area_m2, Some(18_000.0));
    assert_eq!(facts.find(&b.to_string()).expect("b").land_area_m2, None);
    s.remove_land(first.id).await.expect("remove");
    assert_err!(s.land(first.id).await, StoreError::NotFound { entity: "land" });
    let facts = s.person_facts(&[a.to_string()], &q("")).await.expect("facts");
    assert_eq!(facts.find(&a.to_string()).expect("a").land_area_m2, Some(15_000.0));
}

/// The dose table and items: shipped defaults, edits, a duplicate crop and item refused on
/// `item_id`, the cap rule versioned.
pub async fn aid_dose_table(s: Arc<dyn Store>) {
    let s = &*s;
    let urea = item_id(s, "urea").await;
    let doses = s.aid_doses().await.expect("doses");
    let rice_urea = doses.iter().find(|d| d.crop == Crop::Rice && d.item_id == urea).expect("default dose");
    assert_eq!((rice_urea.per_ha, rice_urea.unit), (250_000, BaseUnit::Gram), "urea 250 kg/ha in grams");
    assert!(rice_urea.source.as_deref().is_some_and(|s| s.contains("edit to your agency")));
    let item = ItemDraft { code: "biosaka".into(), name: "Biosaka".into(), kind: "other".into(), unit: "ml".into() };
    let biosaka = s.create_aid_item(&item.parse().expect("item")).await.expect("create item");
    assert_eq!((biosaka.kind, biosaka.unit), (ItemKind::Other, BaseUnit::Millilitre));
    assert_err!(s.create_aid_item(&item.parse().expect("item")).await, StoreError::Duplicate { field: "code", .. });
    let draft = DoseDraft {
        crop: "rice".into(),
        item_id: biosaka.id.to_string(),
        per_ha: "1,5 l".into(),
        unit: None,
        source: None,
    };
    let dose = s.create_aid_dose(&draft.parse(biosaka.unit).expect("dose")).await.expect("create dose");
    assert_eq!(dose.per_ha, 1_500);
    assert_err!(
        s.create_aid_dose(&draft.parse(biosaka.unit).expect("dose")).await,
        StoreError::Duplicate { field: "item_id", .. }
    );
    let more = DoseDraft { per_ha: "2".into(), unit: Some("l".into()), ..draft };
    let changed = s.update_aid_dose(dose.id, &more.parse(biosaka.unit).expect("dose"), 1).await.expect("update");
    assert_eq!((changed.per_ha, changed.version), (2_000, 2));
    let (rule, version) = s.aid_rule().await.expect("rule");
    assert_eq!(rule, CapRule::default());
    let strict = CapRule { cap_m2: 10_000, over_cap: OverCap::Exclude };
    assert_eq!(s.set_aid_rule(&strict, version).await.expect("set"), (strict, version + 1));
    assert_err!(s.set_aid_rule(&strict, version).await, StoreError::Conflict { .. });
}

/// A plan: one line per member, crop and item, `floor(eligible × dose / 10 000)` to the
/// gram, the cap at 2 ha (exactly 2 ha, 2 ha + 1 m², 1 m², no land); computed by the actor;
/// one per season; recomputed from changed land; a group outside the program refused.
pub async fn aid_plan_allocation(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s, &[20_000, 20_001, 1, 0, 12_345]).await;
    let (urea, seed) = (item_id(s, "urea").await, item_id(s, "seed_rice").await);
    let new = NewPlan { program_id: w.program, group_id: w.group, season: mt1(), crops: vec![Crop::Rice] };
    let plan = acting_as(Actor::system("petugas-dinas"), s.create_aid_plan(&new)).await.expect("plan");
    assert_eq!((plan.season, plan.crops.clone(), plan.rule), (mt1(), vec![Crop::Rice], CapRule::default()));
    assert_eq!(plan.computed_by_name, "petugas-dinas");
    let lines = s.aid_plan_lines(plan.id).await.expect("lines");
    let line = |person: Id, item: Id| {
        lines.iter().find(|l| l.person_id == person && l.item_id == item).map(|l| (l.eligible_m2, l.quantity))
    };
    let m = &w.members;
    assert_eq!(line(m[0], urea), Some((20_000, 500_000)), "exactly 2 ha: 500 kg");
    assert_eq!(line(m[1], urea), Some((20_000, 500_000)), "2 ha + 1 m²: the square metre over the cap is not counted");
    assert_eq!(line(m[2], urea), Some((1, 25)), "1 m² × 250 000 g/ha = 25 g");
    assert_eq!(line(m[2], seed), Some((1, 2)), "2,5 g of seed rounds down to 2 g");
    assert_eq!(line(m[3], urea), None, "no land, no line");
    assert_eq!(line(m[4], urea), Some((12_345, 308_625)));
    assert_eq!(line(m[4], seed), Some((12_345, 30_862)), "30 862,5 g rounds down");
    let rice_items = s.aid_doses().await.expect("doses").iter().filter(|d| d.crop == Crop::Rice).count();
    assert_eq!(lines.len(), 4 * rice_items);
    // Plan vs received, before anything is given.
    let vs = s.aid_plan_vs_received(plan.id).await.expect("vs");
    let urea_total: i64 = vs.iter().filter(|v| v.item_id == urea).map(|v| v.planned).sum();
    assert_eq!(urea_total, 500_000 + 500_000 + 25 + 308_625);
    assert!(vs.iter().all(|v| v.received == 0));
    // One plan per season.
    assert_err!(s.create_aid_plan(&new).await, StoreError::Duplicate { field: "season", .. });
    // Land changes; the stored lines do not until the plan is recomputed.
    let more = LandDraft { person_id: m[3].to_string(), crop: "rice".into(), land_area: "0,5 ha".into(), note: None };
    s.add_land(&more.parse().expect("land")).await.expect("land");
    assert_eq!(s.aid_plan_lines(plan.id).await.expect("lines").len(), 4 * rice_items);
    let again = s.recompute_aid_plan(plan.id).await.expect("recompute");
    assert_eq!(again.version, plan.version + 1);
    let lines = s.aid_plan_lines(plan.id).await.expect("lines");
    assert_eq!(lines.len(), 5 * rice_items);
    assert!(lines.iter().any(|l| l.person_id == m[3] && l.item_id == urea && l.quantity == 125_000));
    // A group that is not enrolled in the program gets no plan.
    let other = s
        .create_group(&NewGroup {
            name: "Poktan Lain".into(),
            kind: GroupKind::FarmerGroup,
            region: code(KALAMPANGAN),
            founded_on: None,
            description: None,
        })
        .await
        .expect("group");
    let outside = NewPlan { group_id: other.id, ..new.clone() };
    assert_err!(s.create_aid_plan(&outside).await, StoreError::Invalid(i) if i.0[0].field == "group_id");
    let missing = NewPlan { program_id: w.program + 1000, ..new };
    assert_err!(s.create_aid_plan(&missing).await, StoreError::Reference { field: "program_id", .. });
    // The plan is audited with its lines.
    let audited = entries_of(s, "aid_plans", Some(plan.id.to_string())).await;
    assert_eq!(audited.len(), 2, "created and recomputed");
    assert!(!entries_of(s, "aid_plan_lines", None).await.is_empty());
    let plans = PlanDraft {
        program_id: w.program.to_string(),
        group_id: w.group.to_string(),
        season: "MT2 2023".into(),
        crops: vec!["rice".into()],
    };
    let mt2 = s.create_aid_plan(&plans.parse().expect("plan")).await.expect("MT2");
    let listed: Vec<Id> = s.group_aid_plans(w.group).await.expect("plans").iter().map(|p| p.id).collect();
    assert_eq!(listed, [mt2.id, plan.id], "newest season first");
}

/// What the database holds of distributions and the audit log, to compare around a refusal.
async fn given(s: &dyn Store, plan: Id) -> (usize, usize) {
    let log = s.audit_entries(&Default::default(), PageRequest::new(1, 1)).await.expect("audit").total as usize;
    (s.aid_distributions(plan).await.expect("distributions").len(), log)
}

/// Distributions: within the plan accepted; past it refused naming the plan figure and what
/// was received, leaving the database as it was; an override with a reason accepted and its
/// reason in the audit log; negative or zero quantities, unknown units and non-members
/// refused; no recompute once something was given; the program summary adds up.
pub async fn aid_distributions(s: Arc<dyn Store>) {
    let s = &*s;
    let w = world(s, &[20_000, 4_000]).await;
    let urea = item_id(s, "urea").await;
    let (a, b) = (w.members[0], w.members[1]);
    let new = NewPlan { program_id: w.program, group_id: w.group, season: mt1(), crops: vec![Crop::Rice] };
    let plan = s.create_aid_plan(&new).await.expect("plan");
    let draft = |person: Id, quantity: &str| DistributionDraft {
        person_id: person.to_string(),
        item_id: urea.to_string(),
        quantity: quantity.into(),
        unit: Some("kg".into()),
        given_on: "2023-10-02".into(),
        received_by_name: Some("Ketua kelompok".into()),
        ..Default::default()
    };
    let parse = |d: DistributionDraft| d.parse(BaseUnit::Gram).expect("distribution");
    let first = s.add_aid_distribution(plan.id, &parse(draft(a, "300"))).await.expect("within the plan");
    assert_eq!((first.quantity, first.override_reason.clone()), (300_000, None));
    s.add_aid_distribution(plan.id, &parse(draft(a, "200"))).await.expect("exactly up to the plan");
    // 500 kg planned, 500 kg received: one gram more is refused, naming both figures.
    let before = given(s, plan.id).await;
    let over = parse(DistributionDraft { quantity: "1".into(), unit: Some("g".into()), ..draft(a, "") });
    match s.add_aid_distribution(plan.id, &over).await {
        Err(StoreError::Invalid(i)) => {
            assert_eq!(i.0[0].field, "quantity");
            let m = &i.0[0].message;
            assert!(m.contains("500000 g") && m.contains("500000 g already received"), "{m}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(given(s, plan.id).await, before, "the refusal wrote nothing");
    // Member b: 4 000 m² → 100 kg planned; 60 kg given, then 50 kg more refused (names 100 kg and 60 kg).
    s.add_aid_distribution(plan.id, &parse(draft(b, "60"))).await.expect("within");
    let before = given(s, plan.id).await;
    match s.add_aid_distribution(plan.id, &parse(draft(b, "50"))).await {
        Err(StoreError::Invalid(i)) => {
            let m = &i.0[0].message;
            assert!(
                m.contains("100000 g") && m.contains("60000 g already received") && m.contains("40000 g more"),
                "{m}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(given(s, plan.id).await, before);
    // An officer overrides with a reason: accepted, the reason on the row and in the log.
    let reason = "Tambahan lahan sewa musim ini, disetujui kepala dinas";
    let forced = DistributionDraft { override_reason: Some(reason.into()), ..draft(b, "50") };
    let d =
        acting_as(Actor::system("kabid-psp"), s.add_aid_distribution(plan.id, &parse(forced))).await.expect("override");
    assert_eq!(d.override_reason.as_deref(), Some(reason));
    assert_eq!(d.recorded_by_name, "kabid-psp");
    let log = entries_of(s, "aid_distributions", Some(d.id.to_string())).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].actor, "kabid-psp");
    assert_eq!(json_of(&log[0].after)["override_reason"], reason);
    // Bad input: negative, zero, unknown unit (domain), a zero quantity at the store, a non-member.
    for (q, unit, field) in [("-5", "kg", "quantity"), ("0", "kg", "quantity"), ("5", "karung", "unit")] {
        let e = DistributionDraft { unit: Some(unit.into()), ..draft(a, q) }.parse(BaseUnit::Gram).expect_err(q);
        assert_eq!(e.0[0].field, field, "{q} {unit}");
    }
    let stranger = s
        .create_person(&new_person(
            nik("627104", date!(1980 - 02 - 02), Sex::Female, 900),
            None,
            "Bukan Anggota",
            Sex::Female,
            date!(1980 - 02 - 02),
            Relation::Head,
        ))
        .await
        .expect("person");
    let before = given(s, plan.id).await;
    let zero = NewDistribution { quantity: 0, ..parse(draft(a, "1")) };
    let negative = NewDistribution { quantity: -5, ..parse(draft(a, "1")) };
    let unknown_item = NewDistribution { item_id: urea + 10_000, ..parse(draft(a, "1")) };
    assert_err!(s.add_aid_distribution(plan.id, &zero).await, StoreError::Invalid(i) if i.0[0].field == "quantity");
    assert_err!(s.add_aid_distribution(plan.id, &negative).await, StoreError::Invalid(i) if i.0[0].field == "quantity");
    let outsider = DistributionDraft { override_reason: Some("x".into()), ..draft(stranger.id, "1") };
    assert_err!(
        s.add_aid_distribution(plan.id, &parse(outsider)).await,
        StoreError::Invalid(i) if i.0[0].field == "person_id"
    );
    assert_err!(s.add_aid_distribution(plan.id, &unknown_item).await, StoreError::Reference { field: "item_id", .. });
    assert_eq!(given(s, plan.id).await, before, "no refusal wrote anything");
    // Nothing can be recomputed once given.
    assert_err!(s.recompute_aid_plan(plan.id).await, StoreError::Invalid(i) if i.0[0].field == "plan_id");
    // Plan vs received per member, and the program's summary per season and item.
    let vs = s.aid_plan_vs_received(plan.id).await.expect("vs");
    let of = |p: Id| vs.iter().find(|v| v.person_id == Some(p) && v.item_id == urea).map(|v| (v.planned, v.received));
    assert_eq!(of(a), Some((500_000, 500_000)));
    assert_eq!(of(b), Some((100_000, 110_000)));
    let summary = s.aid_summary(w.program).await.expect("summary");
    let row = summary.iter().find(|r| r.item_id == urea).expect("urea");
    assert_eq!((row.season, row.planned, row.received), (mt1(), 600_000, 610_000));
    let totals = s.group_aid_totals(w.group).await.expect("totals");
    assert_eq!(totals.len(), 1);
    let t = totals[0].items.iter().find(|v| v.item_id == urea).expect("urea total");
    assert_eq!((t.planned, t.received, t.outstanding()), (600_000, 610_000, 0));
}
