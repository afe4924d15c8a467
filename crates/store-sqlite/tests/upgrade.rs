//! Upgrading a database written by an earlier release: the migration of the enrollment life
//! cycle (`0006_enrollment_life`) keeps every enrollment and its id, reads the first
//! release's `active` as `enrolled`, starts each history with where the enrollment stands,
//! and leaves the audit triggers working on the rebuilt table.

use berdaya_domain::registry::{EnrollmentStatus, StatusChange};
use berdaya_store::registry::RegistryStore;
use berdaya_store::{AuditStore, Store};
use rusqlite::Connection;
use time::macros::date;

/// The migrations of the release before the enrollment life cycle.
const BEFORE: [&str; 5] = [
    include_str!("../migrations/0001_registry.sql"),
    include_str!("../migrations/0002_survey.sql"),
    include_str!("../migrations/0003_access.sql"),
    include_str!("../migrations/0004_survey_created_at.sql"),
    include_str!("../migrations/0005_survey_files.sql"),
];

/// A database at the previous release with two enrollments: one `active`, one ended.
fn previous_release(path: &std::path::Path) {
    let c = Connection::open(path).expect("open");
    for sql in BEFORE {
        c.execute_batch(sql).expect("migration");
    }
    // Rows as an import of that release writes them: without audit entries.
    c.execute_batch(
        "UPDATE audit_context SET bulk = 1 WHERE id = 1;
         INSERT INTO regions (code, parent, name, name_key, kind) VALUES ('33', NULL, 'Jawa Tengah', 'jawa tengah', 'province');
         INSERT INTO agencies (id, name, name_key, kind, region) VALUES (1, 'Dinas Sosial', 'dinas sosial', 'agency', '33');
         INSERT INTO programs (id, name, name_key, agency_id, starts_on) VALUES (1, 'PKH', 'pkh', 1, '2020-01-01');
         INSERT INTO households (id, kk, address, address_key, region, welfare_stage, dtks_listed)
             VALUES (1, 3316090101200034, 'Jl. Pilang 1', 'jl. pilang 1', '33', 'pra_sejahtera', 1),
                    (2, 3316090101200035, 'Jl. Pilang 2', 'jl. pilang 2', '33', 'pra_sejahtera', 1);
         INSERT INTO enrollments (id, program_id, household_id, status, enrolled_on, ended_on, version)
             VALUES (7, 1, 1, 'active', '2020-02-01', NULL, 3),
                    (9, 1, 2, 'graduated', '2020-02-01', '2022-12-31', 2);
         UPDATE audit_context SET bulk = 0 WHERE id = 1;",
    )
    .expect("rows of the previous release");
    c.pragma_update(None, "user_version", BEFORE.len() as i64).expect("version");
}

#[tokio::test]
async fn active_enrollments_become_enrolled_with_a_first_history_row() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("old.db");
    previous_release(&path);
    let s = berdaya_store_sqlite::SqliteStore::open(&path).await.expect("open and migrate");

    let active = s.enrollment(7).await.expect("kept");
    assert_eq!((active.status, active.version, active.ended_on), (EnrollmentStatus::Enrolled, 3, None));
    let graduated = s.enrollment(9).await.expect("kept");
    assert_eq!((graduated.status, graduated.ended_on), (EnrollmentStatus::Graduated, Some(date!(2022 - 12 - 31))));
    let first = s.enrollment_history(9).await.expect("history");
    let c = &first[0].change;
    assert_eq!((first.len(), c.from, c.to, c.on), (1, None, EnrollmentStatus::Graduated, date!(2022 - 12 - 31)));
    assert_eq!((c.decided_by, c.decided_by_name.as_str()), (None, "system"));
    assert_eq!(s.enrollment_history(7).await.expect("history")[0].change.on, date!(2020 - 02 - 01));

    // The rebuilt table refuses the old code and keeps its audit triggers.
    let change =
        StatusChange { to: EnrollmentStatus::Suspended, on: date!(2023 - 01 - 02), reason: Some("absen".into()) };
    s.change_enrollment_status(7, &change, 3).await.expect("change");
    let filter = berdaya_store::access::AuditFilter { entity: Some("enrollments".into()), ..Default::default() };
    let log = s.audit_entries(&filter, berdaya_store::PageRequest::new(1, 10)).await.expect("audit");
    assert_eq!(log.items.len(), 1, "the status change is audited, the migration is not");
    assert!(log.items[0].after.as_deref().is_some_and(|a| a.contains("\"suspended\"")));
    let raw = Connection::open(&path).expect("open");
    let refused = raw.execute("UPDATE enrollments SET status = 'active' WHERE id = 7", []);
    assert!(refused.is_err(), "the CHECK lists the new statuses only");
    assert!(s.ping().await.is_ok());
}
