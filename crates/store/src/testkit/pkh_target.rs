//! Conformance checks of PKH targeting and P2K2: official welfare figures stored and
//! replaced whole, the welfare table computed from the registry, DTKS deciles, the exclusion
//! error with each of its reasons, and the shipped P2K2 catalogue.

use berdaya_domain::pkh::Component;
use berdaya_domain::pkh::p2k2::NewSession;
use berdaya_domain::pkh::targeting::{ErrorKind, Reason};

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
    let district = code(region).district_digits().expect("district");
    let mut h = new_household(kk(&district, serial), &format!("Dukuh {serial}"), region);
    h.dtks_listed = dtks;
    h.welfare_stage = stage;
    let hh = s.create_household(&h).await.expect("household");
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
        s.create_person(&p).await.expect("person");
    }
    hh.id
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
    assert_eq!(first.reasons, vec![Reason::PraSejahtera, Reason::HasComponents {
        components: vec![Component::Sd],
        annual: 900_000
    }]);
    assert!(errors[1].reasons.contains(&Reason::DisabilityToVerify));
    assert_eq!(errors[2].reasons[0], Reason::DecileInRange { decile: 1 });
    assert!(matches!(&errors[2].reasons[1], Reason::HasComponents { components, .. } if components == &[Component::Lansia]));
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
