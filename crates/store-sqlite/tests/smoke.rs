//! Quick checks of the SQLite backend's own features: online backup and restore, and an
//! import that rolls back.

use berdaya_domain::registry::*;
use berdaya_store::registry::{Query, RegistryBulk, RegistryStore};
use berdaya_store::{ImportOptions, RegistryRecord, Store, StoreError};

async fn store() -> (tempfile::TempDir, berdaya_store_sqlite::SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = berdaya_store_sqlite::SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    (dir, s)
}

fn region(code: &str, name: &str, kind: &str) -> NewRegion {
    RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse().unwrap()
}

#[tokio::test]
async fn registry_round_trip() {
    let (dir, s) = store().await;
    s.create_region(&region("33", "Jawa Tengah", "province")).await.unwrap();
    s.create_region(&region("33.16", "Blora", "regency")).await.unwrap();
    s.create_region(&region("33.16.09", "Randublatung", "district")).await.unwrap();
    s.create_region(&region("33.16.09.2001", "Pilang", "village")).await.unwrap();
    assert!(matches!(
        s.create_region(&region("34.16", "X", "regency")).await,
        Err(StoreError::Reference { field: "code", .. })
    ));
    assert_eq!(s.region_path(&RegionCode::parse("33.16.09.2001").unwrap()).await.unwrap().len(), 4);
    let h = HouseholdDraft {
        kk: "3316090101200034".into(),
        address: "Jl. Pilang 1".into(),
        region: "33.16.09.2001".into(),
        welfare_stage: "pra_sejahtera".into(),
        dtks_listed: true,
        dtks_since: Some("2019-01-01".into()),
    }
    .parse()
    .unwrap();
    let hh = s.create_household(&h).await.unwrap();
    assert!(matches!(s.create_household(&h).await, Err(StoreError::Duplicate { field: "kk", .. })));
    let p = PersonDraft {
        nik: "3316095203850012".into(),
        household_id: Some(hh.id.to_string()),
        name: "Siti Aminah".into(),
        sex: "P".into(),
        birth_date: "1985-03-12".into(),
        relation: "head".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let person = s.create_person(&p).await.unwrap();
    assert_eq!(s.search_people(&Query::text("siti")).await.unwrap().items.len(), 1);
    assert_eq!(s.search_people(&Query::text("3316095203850012")).await.unwrap().items[0].id, person.id);
    assert_eq!(s.search_households(&Query::text("aminah")).await.unwrap().items[0].members, 1);
    assert_eq!(s.update_household(hh.id, &h, 1).await.unwrap().version, 2);
    assert!(matches!(s.update_household(hh.id, &h, 1).await, Err(StoreError::Conflict { expected: 1, actual: 2, .. })));
    let ag = s
        .create_agency(
            &AgencyDraft {
                name: "Dinas Sosial".into(),
                kind: "agency".into(),
                region: "33.16".into(),
                parent_id: None,
            }
            .parse()
            .unwrap(),
        )
        .await
        .unwrap();
    let prog = s
        .create_program(
            &ProgramDraft {
                name: "PKH".into(),
                agency_id: ag.id.to_string(),
                starts_on: "2019-01-01".into(),
                target_regions: "33.16.09".into(),
                ..Default::default()
            }
            .parse()
            .unwrap(),
        )
        .await
        .unwrap();
    let e = EnrollmentDraft {
        subject_kind: "household".into(),
        subject_id: hh.id.to_string(),
        enrolled_on: "2019-02-01".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let en = s.enroll(prog.id, &e).await.unwrap();
    assert_eq!(en.subject_label, "Jl. Pilang 1");
    assert!(matches!(s.enroll(prog.id, &e).await, Err(StoreError::Duplicate { field: "subject_id", .. })));
    assert_eq!(s.program_enrollments(prog.id, &Default::default()).await.unwrap().total, 1);
    assert_eq!(s.search_programs(&Query::default()).await.unwrap().items[0].enrolled, 1);
    assert_eq!(s.subject_enrollments(en.subject).await.unwrap().len(), 1);

    // An import with one bad row writes nothing.
    let good = RegistryRecord {
        row: 2,
        household: HouseholdDraft { kk: "3316090101200035".into(), ..HouseholdDraft::from(&hh) }.parse().unwrap(),
        person: PersonDraft {
            nik: "3316091203850013".into(),
            name: "Budi".into(),
            sex: "L".into(),
            birth_date: "1985-03-12".into(),
            relation: "head".into(),
            ..Default::default()
        }
        .parse()
        .unwrap(),
        raw: vec![],
    };
    let dup = RegistryRecord { row: 3, person: p.clone(), ..good.clone() };
    let mut src = (vec![Ok(good.clone()), Ok(dup)].into_iter(), 0u64);
    let rep = s.import_registry(&mut src, &ImportOptions::default()).await.unwrap();
    assert!(!rep.committed, "{rep:?}");
    assert_eq!(rep.errors[0].column, "nik");
    assert_eq!(s.registry_counts().await.unwrap().people, 1);
    let mut src = (vec![Ok(good)].into_iter(), 0u64);
    let rep = s.import_registry(&mut src, &ImportOptions::default()).await.unwrap();
    assert!(rep.committed && rep.people_created == 1, "{rep:?}");

    // Online backup, then restore into a new file that holds the same registry.
    s.backup_to(&dir.path().join("b.db")).await.unwrap();
    assert!(s.backup_to(&dir.path().join("b.db")).await.is_err(), "a backup never overwrites");
    berdaya_store_sqlite::SqliteStore::restore(&dir.path().join("b.db"), &dir.path().join("r.db")).unwrap();
    let restored = berdaya_store_sqlite::SqliteStore::open(&dir.path().join("r.db")).await.unwrap();
    assert_eq!(restored.registry_counts().await.unwrap(), s.registry_counts().await.unwrap());
    std::fs::write(dir.path().join("junk.db"), b"not a database").unwrap();
    assert!(berdaya_store_sqlite::SqliteStore::restore(&dir.path().join("junk.db"), &dir.path().join("r.db")).is_err());
    assert_eq!(restored.registry_counts().await.unwrap().people, 2, "a failed restore leaves the target as it was");
}

#[tokio::test]
async fn insert_rows_keeps_every_type_and_null() {
    let (_dir, s) = store().await;
    berdaya_store::testkit::kit_insert_rows(
        &s,
        "CREATE TABLE kit_insert_probe (n INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b INTEGER, d TEXT, y BLOB, ts TEXT)",
    )
    .await;
}
