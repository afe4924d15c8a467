//! The store conformance suite: every backend runs these same checks, unchanged.
//!
//! Each check gets a fresh, empty, migrated store and asserts the contract written on
//! [`Store`] and [`RegistryStore`]: create/read/update of every record, versions and
//! conflicts, the error variants and field names both backends must produce, search and
//! pagination semantics, the import contract, export order, counts, settings, two
//! concurrent edits of one record, and (in `access`) accounts, sessions, tokens, scoped
//! searches and the audit log.
//!
//! A backend crate runs the suite from an integration test, one `#[tokio::test]` per check
//! (it needs `tokio` with the `macros` and `rt-multi-thread` features as a dev-dependency):
//!
//! ```ignore
//! use berdaya_store::testkit::TestStore;
//!
//! async fn make_store() -> Option<TestStore> {
//!     let dir = tempfile::tempdir().unwrap();
//!     let store = MyStore::open(&dir.path().join("t.db")).await.unwrap();
//!     Some(TestStore::new(store).with_cleanup(move || async move { drop(dir) }))
//! }
//!
//! berdaya_store::store_conformance!(make_store);
//! ```
//!
//! The factory returns `None` to skip (e.g. no database server configured). Orderings the
//! trait leaves implicit are pinned here so that both backends agree: names compare
//! case-insensitively by code point (lower-cased, then byte order, then id); region codes
//! compare byte-wise; people without a household come last in an export; listing the
//! members of a missing household or group, or the enrollments of a missing program, is
//! `NotFound`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use berdaya_domain::registry::{
    AgencyKind, Disability, Education, EnrollmentStatus, GroupKind, GroupRole, Household, Id, Kk, NewAgency,
    NewEnrollment, NewGroup, NewHousehold, NewMember, NewPerson, NewProgram, NewRegion, NewStaff, Nik, NikMismatch,
    Person, RegionCode, RegionKind, Relation, Sex, StatusChange, Subject, SubjectKind, WelfareStage,
};
use time::Date;
use time::macros::date;

use crate::import::{RegistryRecord, RowError};
use crate::registry::{Query, RegistryExportRow, Sort, Within};
use crate::{COUNT_CAP, ImportOptions, ImportReport, Page, PageRequest, Store, StoreError};

/// A boxed future, as cleanups and the check table use.
pub type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

type Cleanup = Box<dyn FnOnce() -> BoxFuture + Send>;

/// A store made for one check, and what to do with it afterwards (drop a test database,
/// delete a temporary directory).
pub struct TestStore {
    /// The fresh, empty, migrated store.
    pub store: Arc<dyn Store>,
    cleanup: Option<Cleanup>,
}

impl TestStore {
    /// Wraps a fresh store with no cleanup.
    pub fn new(store: impl Store) -> Self {
        TestStore { store: Arc::new(store), cleanup: None }
    }

    /// Runs `cleanup` after the check, whether it passed or not, once the check has
    /// dropped its handle on the store.
    pub fn with_cleanup<F, Fut>(mut self, cleanup: F) -> Self
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.cleanup = Some(Box::new(move || Box::pin(cleanup())));
        self
    }
}

/// Runs one check on a store from `factory`; `None` from the factory skips it. The check
/// runs in its own task so that the cleanup runs even when it panics; the panic is then
/// passed on.
pub async fn run_check<F, Fut, C, CFut>(name: &str, factory: F, check: C)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Option<TestStore>>,
    C: FnOnce(Arc<dyn Store>) -> CFut,
    CFut: Future<Output = ()> + Send + 'static,
{
    let Some(TestStore { store, cleanup }) = factory().await else {
        return;
    };
    let result = tokio::spawn(check(store)).await;
    if let Some(cleanup) = cleanup {
        cleanup().await;
    }
    if let Err(e) = result {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("conformance check `{name}` was cancelled");
    }
}

/// One check of the suite.
pub type Check = fn(Arc<dyn Store>) -> BoxFuture;

/// Every check, by name, in the order [`run_all`] runs them. [`store_conformance!`] names
/// the same checks.
pub const CHECKS: &[(&str, Check)] = &[
    ("settings_and_health", |s| Box::pin(checks::settings_and_health(s))),
    ("region_create_read_update", |s| Box::pin(checks::region_create_read_update(s))),
    ("region_errors", |s| Box::pin(checks::region_errors(s))),
    ("region_tree", |s| Box::pin(checks::region_tree(s))),
    ("region_search", |s| Box::pin(checks::region_search(s))),
    ("household_create_read_update", |s| Box::pin(checks::household_create_read_update(s))),
    ("household_errors", |s| Box::pin(checks::household_errors(s))),
    ("household_search", |s| Box::pin(checks::household_search(s))),
    ("person_create_read_update", |s| Box::pin(checks::person_create_read_update(s))),
    ("person_errors", |s| Box::pin(checks::person_errors(s))),
    ("person_search", |s| Box::pin(checks::person_search(s))),
    ("group_create_read_update", |s| Box::pin(checks::group_create_read_update(s))),
    ("group_members", |s| Box::pin(checks::group_members(s))),
    ("group_search", |s| Box::pin(checks::group_search(s))),
    ("agency_create_read_update", |s| Box::pin(checks::agency_create_read_update(s))),
    ("agency_units_staff_search", |s| Box::pin(checks::agency_units_staff_search(s))),
    ("program_create_read_update", |s| Box::pin(checks::program_create_read_update(s))),
    ("program_search", |s| Box::pin(checks::program_search(s))),
    ("enrollments", |s| Box::pin(checks::enrollments(s))),
    ("enrollment_status_changes", |s| Box::pin(checks::enrollment_status_changes(s))),
    ("enrollment_history_scope", |s| Box::pin(checks::enrollment_history_scope(s))),
    ("count_cap", |s| Box::pin(checks::count_cap(s))),
    ("listing_sorts", |s| Box::pin(checks::listing_sorts(s))),
    ("listing_filters", |s| Box::pin(checks::listing_filters(s))),
    ("programs_by_area", |s| Box::pin(checks::programs_by_area(s))),
    ("import_commits_valid_file", |s| Box::pin(checks::import_commits_valid_file(s))),
    ("import_rolls_back_on_any_error", |s| Box::pin(checks::import_rolls_back_on_any_error(s))),
    ("import_skip_invalid", |s| Box::pin(checks::import_skip_invalid(s))),
    ("import_dry_run", |s| Box::pin(checks::import_dry_run(s))),
    ("export_registry", |s| Box::pin(checks::export_registry(s))),
    ("registry_counts", |s| Box::pin(checks::registry_counts(s))),
    ("dashboard_registry", |s| Box::pin(checks::dashboard_registry(s))),
    ("dashboard_programs", |s| Box::pin(checks::dashboard_programs(s))),
    ("concurrent_updates", |s| Box::pin(checks::concurrent_updates(s))),
    ("frameworks_shipped", |s| Box::pin(checks::frameworks_shipped(s))),
    ("frameworks_added_as_data", |s| Box::pin(checks::frameworks_added_as_data(s))),
    ("survey_analyses", |s| Box::pin(checks::survey_analyses(s))),
    ("survey_person_facts", |s| Box::pin(checks::survey_person_facts(s))),
    ("access_users", |s| Box::pin(checks::access_users(s))),
    ("access_passwords", |s| Box::pin(checks::access_passwords(s))),
    ("access_sessions", |s| Box::pin(checks::access_sessions(s))),
    ("access_tokens", |s| Box::pin(checks::access_tokens(s))),
    ("access_assignments", |s| Box::pin(checks::access_assignments(s))),
    ("access_within", |s| Box::pin(checks::access_within(s))),
    ("access_bulk_assignments", |s| Box::pin(checks::access_bulk_assignments(s))),
    ("access_move_assignments", |s| Box::pin(checks::access_move_assignments(s))),
    ("access_caseload", |s| Box::pin(checks::access_caseload(s))),
    ("audit_row_changes", |s| Box::pin(checks::audit_row_changes(s))),
    ("audit_failed_writes_leave_nothing", |s| Box::pin(checks::audit_failed_writes_leave_nothing(s))),
    ("audit_events_and_filters", |s| Box::pin(checks::audit_events_and_filters(s))),
    ("audit_chain_under_concurrency", |s| Box::pin(checks::audit_chain_under_concurrency(s))),
    ("audit_import", |s| Box::pin(checks::audit_import(s))),
    ("regions_load_adds_renames_and_keeps", |s| Box::pin(checks::regions_load_adds_renames_and_keeps(s))),
    ("regions_load_twice_changes_nothing_and_is_audited", |s| {
        Box::pin(checks::regions_load_twice_changes_nothing_and_is_audited(s))
    }),
    ("regions_load_refuses_a_bad_list_whole", |s| Box::pin(checks::regions_load_refuses_a_bad_list_whole(s))),
    ("machine_create_read_update", |s| Box::pin(checks::machine_create_read_update(s))),
    ("machine_loan_overlap", |s| Box::pin(checks::machine_loan_overlap(s))),
    ("machine_loan_lifecycle", |s| Box::pin(checks::machine_loan_lifecycle(s))),
    ("machine_maintenance_summary", |s| Box::pin(checks::machine_maintenance_summary(s))),
    ("machine_concurrent_bookings", |s| Box::pin(checks::machine_concurrent_bookings(s))),
    ("aid_land_and_facts", |s| Box::pin(checks::aid_land_and_facts(s))),
    ("aid_dose_table", |s| Box::pin(checks::aid_dose_table(s))),
    ("aid_plan_allocation", |s| Box::pin(checks::aid_plan_allocation(s))),
    ("aid_distributions", |s| Box::pin(checks::aid_distributions(s))),
    ("pkh_pay_list_eligibility", |s| Box::pin(checks::pkh_pay_list_eligibility(s))),
    ("pkh_pay_freeze", |s| Box::pin(checks::pkh_pay_freeze(s))),
    ("pkh_pay_results", |s| Box::pin(checks::pkh_pay_results(s))),
    ("pkh_caseload_report", |s| Box::pin(checks::pkh_caseload_report(s))),
    ("pkh_family_enrollment_and_facts", |s| Box::pin(checks::pkh_family_enrollment_and_facts(s))),
    ("pkh_verify_ladder_and_freezing", |s| Box::pin(checks::pkh_verify_ladder_and_freezing(s))),
    ("pkh_school_attendance_import", |s| Box::pin(checks::pkh_school_attendance_import(s))),
    ("pkh_rules_per_year", |s| Box::pin(checks::pkh_rules_per_year(s))),
    ("pkh_grievance_records_and_decisions", |s| Box::pin(checks::pkh_grievance_records_and_decisions(s))),
    ("pkh_grievance_appeal_reinstates", |s| Box::pin(checks::pkh_grievance_appeal_reinstates(s))),
    ("pkh_welfare_figures", |s| Box::pin(checks::pkh_welfare_figures(s))),
    ("pkh_targeting_exclusion", |s| Box::pin(checks::pkh_targeting_exclusion(s))),
    ("pkh_p2k2_catalogue", |s| Box::pin(checks::pkh_p2k2_catalogue(s))),
    ("pkh_targeting_inclusion", |s| Box::pin(checks::pkh_targeting_inclusion(s))),
    ("pkh_p2k2_progress", |s| Box::pin(checks::pkh_p2k2_progress(s))),
    ("activity_create_read_update", |s| Box::pin(checks::activity_create_read_update(s))),
    ("activity_attendance", |s| Box::pin(checks::activity_attendance(s))),
    ("activity_search_calendar", |s| Box::pin(checks::activity_search_calendar(s))),
    ("activity_attachments", |s| Box::pin(checks::activity_attachments(s))),
    ("class_default_instrument", |s| Box::pin(checks::class_default_instrument(s))),
    ("class_assessments", |s| Box::pin(checks::class_assessments(s))),
    ("class_instrument_versions", |s| Box::pin(checks::class_instrument_versions(s))),
    ("findings_matrix", |s| Box::pin(checks::findings_matrix(s))),
    ("kotaku_grant_caps", |s| Box::pin(checks::kotaku_grant_caps(s))),
    ("kotaku_books_append_only", |s| Box::pin(checks::kotaku_books_append_only(s))),
    ("kotaku_stage_cycles", |s| Box::pin(checks::kotaku_stage_cycles(s))),
    ("kotaku_partners_outcomes_slums", |s| Box::pin(checks::kotaku_partners_outcomes_slums(s))),
    ("qual_study_coding_conclusions", |s| Box::pin(checks::qual_study_coding_conclusions(s))),
];

/// Runs every check in turn, each on a fresh store from `factory`. Prefer
/// [`store_conformance!`], which reports each check as its own test.
pub async fn run_all<F, Fut>(factory: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<TestStore>>,
{
    for (name, check) in CHECKS {
        run_check(name, &factory, check).await;
    }
}

/// Declares one `#[tokio::test]` per conformance check, in a module `conformance`, each
/// running on a fresh store from `$factory` (an `async fn() -> Option<TestStore>` or a
/// closure returning such a future). The calling crate needs `tokio` (macros, multi-thread
/// runtime) as a dev-dependency.
#[macro_export]
macro_rules! store_conformance {
    ($factory:expr) => {
        $crate::__store_conformance_tests!($factory;
            settings_and_health
            region_create_read_update
            region_errors
            region_tree
            region_search
            household_create_read_update
            household_errors
            household_search
            person_create_read_update
            person_errors
            person_search
            group_create_read_update
            group_members
            group_search
            agency_create_read_update
            agency_units_staff_search
            program_create_read_update
            program_search
            enrollments
            enrollment_status_changes
            enrollment_history_scope
            count_cap
            listing_sorts
            listing_filters
            programs_by_area
            import_commits_valid_file
            import_rolls_back_on_any_error
            import_skip_invalid
            import_dry_run
            export_registry
            registry_counts
            dashboard_registry
            dashboard_programs
            concurrent_updates
            frameworks_shipped
            frameworks_added_as_data
            survey_analyses
            survey_person_facts
            access_users
            access_passwords
            access_sessions
            access_tokens
            access_assignments
            access_within
            access_bulk_assignments
            access_move_assignments
            access_caseload
            audit_row_changes
            audit_failed_writes_leave_nothing
            audit_events_and_filters
            audit_chain_under_concurrency
            audit_import
            regions_load_adds_renames_and_keeps
            regions_load_twice_changes_nothing_and_is_audited
            regions_load_refuses_a_bad_list_whole
            machine_create_read_update
            machine_loan_overlap
            machine_loan_lifecycle
            machine_maintenance_summary
            machine_concurrent_bookings
            aid_land_and_facts
            aid_dose_table
            aid_plan_allocation
            aid_distributions
            pkh_pay_list_eligibility
            pkh_pay_freeze
            pkh_pay_results
            pkh_caseload_report
            pkh_family_enrollment_and_facts
            pkh_verify_ladder_and_freezing
            pkh_school_attendance_import
            pkh_rules_per_year
            pkh_grievance_records_and_decisions
            pkh_grievance_appeal_reinstates
            pkh_welfare_figures
            pkh_targeting_exclusion
            pkh_p2k2_catalogue
            pkh_targeting_inclusion
            pkh_p2k2_progress
            activity_create_read_update
            activity_attendance
            activity_search_calendar
            activity_attachments
            class_default_instrument
            class_assessments
            class_instrument_versions
            findings_matrix
            kotaku_grant_caps
            kotaku_books_append_only
            kotaku_stage_cycles
            kotaku_partners_outcomes_slums
            qual_study_coding_conclusions
        );
    };
}

/// Implementation detail of [`store_conformance!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __store_conformance_tests {
    ($factory:expr; $($name:ident)*) => {
        mod conformance {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::testkit::run_check(stringify!($name), $factory, $crate::testkit::checks::$name).await;
                }
            )*
        }
    };
}

/// Asserts that a store call failed with an error matching the pattern.
macro_rules! assert_err {
    ($result:expr, $pattern:pat $(if $guard:expr)? $(,)?) => {
        match $result {
            Err(ref e) if matches!(e, $pattern $(if $guard)?) => {}
            other => panic!(
                "{}:{}: expected Err({}), got {:?}",
                file!(),
                line!(),
                stringify!($pattern),
                other
            ),
        }
    };
}

// --- Fixtures --------------------------------------------------------------------------------

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("test region code")
}

fn new_region(c: &str, name: &str, kind: RegionKind) -> NewRegion {
    NewRegion { code: code(c), name: name.into(), kind }
}

/// The standard tree: three provinces, inserted out of code order, 17 regions. Lingkungan
/// `L1` and `L12` share a string prefix but not a subtree.
const REGIONS: &[(&str, &str, RegionKind)] = &[
    ("33", "Jawa Tengah", RegionKind::Province),
    ("33.16", "Blora", RegionKind::Regency),
    ("33.16.09", "Randublatung", RegionKind::District),
    ("33.16.09.2001", "Pilang", RegionKind::Village),
    ("33.16.09.2002", "Kutukan", RegionKind::Village),
    ("33.17", "Rembang", RegionKind::Regency),
    ("62", "Kalimantan Tengah", RegionKind::Province),
    ("62.71", "Palangka Raya", RegionKind::City),
    ("62.71.04", "Sebangau", RegionKind::District),
    ("62.71.04.1005", "Kalampangan", RegionKind::Kelurahan),
    ("18", "Lampung", RegionKind::Province),
    ("18.71", "Bandar Lampung", RegionKind::City),
    ("18.71.10", "Tanjung Karang Barat", RegionKind::District),
    ("18.71.10.1003", "Kaliawi Persada", RegionKind::Kelurahan),
    ("18.71.10.1003.L1", "Lingkungan 1", RegionKind::Lingkungan),
    ("18.71.10.1003.L12", "Lingkungan 12", RegionKind::Lingkungan),
    ("18.71.10.1003.L1.RT03", "RT 03", RegionKind::Rt),
];

const PILANG: &str = "33.16.09.2001";
const KUTUKAN: &str = "33.16.09.2002";
const KALAMPANGAN: &str = "62.71.04.1005";
const L1_RT03: &str = "18.71.10.1003.L1.RT03";
const L12: &str = "18.71.10.1003.L12";

async fn seed_regions(s: &dyn Store) {
    for (c, name, kind) in REGIONS {
        s.create_region(&new_region(c, name, *kind)).await.unwrap_or_else(|e| panic!("create region {c}: {e:?}"));
    }
}

/// A KK number in `district` (six digits) with a serial.
fn kk(district: &str, serial: u16) -> Kk {
    Kk::parse(&format!("{district}010120{serial:04}")).expect("test KK")
}

fn nik(district: &str, birth: Date, sex: Sex, serial: u16) -> Nik {
    Nik::compose(district, birth, sex, serial).expect("test NIK")
}

fn new_household(kk: Kk, address: &str, region: &str) -> NewHousehold {
    NewHousehold {
        kk,
        address: address.into(),
        region: code(region),
        welfare_stage: WelfareStage::PraSejahtera,
        dtks_listed: false,
        dtks_since: None,
    }
}

fn new_person(nik: Nik, household_id: Option<Id>, name: &str, sex: Sex, birth: Date, relation: Relation) -> NewPerson {
    NewPerson {
        nik,
        household_id,
        name: name.into(),
        sex,
        birth_date: birth,
        relation,
        education: Education::Sd,
        occupation: None,
        disability: Disability::None,
    }
}

/// Five households and their people, made through the API:
///
/// | household | region | address | people (relation) |
/// |---|---|---|---|
/// | h1 | Pilang | Jl. Pilang Raya No. 5 | Sutrisno (head), Sulastri (spouse), Agus (child) |
/// | h2 | Kutukan | Dukuh Kutukan Kidul | Wibowo (head), Budiman (child) |
/// | h3 | Kalampangan | Jl. Mahir Mahar km 18 | Siti Aminah (head), budi santoso (child) |
/// | h4 | L1.RT03 | Gang Mawar | Rina (child; no head) |
/// | h5 | L12 | Gang Anggrek | Joko (head), Ahmad Budi (other) |
/// | — | — | — | Budi Santoso (no household) |
struct Registry {
    h: Vec<Household>,
    p: Vec<Person>,
}

impl Registry {
    fn person(&self, name: &str) -> &Person {
        self.p.iter().find(|p| p.name == name).expect("fixture person")
    }
}

async fn seed_registry(s: &dyn Store) -> Registry {
    seed_regions(s).await;
    let households = [
        (kk("331609", 1), "Jl. Pilang Raya No. 5", PILANG),
        (kk("331609", 2), "Dukuh Kutukan Kidul", KUTUKAN),
        (kk("627104", 3), "Jl. Mahir Mahar km 18", KALAMPANGAN),
        (kk("187110", 4), "Gang Mawar", L1_RT03),
        (kk("187110", 5), "Gang Anggrek", L12),
    ];
    let mut h = Vec::new();
    for (kk, address, region) in households {
        h.push(s.create_household(&new_household(kk, address, region)).await.expect("create household"));
    }
    let people: [(usize, &str, Sex, Date, Relation); 12] = [
        (0, "Sutrisno", Sex::Male, date!(1970 - 05 - 01), Relation::Head),
        (0, "Sulastri", Sex::Female, date!(1974 - 08 - 17), Relation::Spouse),
        (0, "Agus", Sex::Male, date!(2001 - 02 - 03), Relation::Child),
        (1, "Wibowo", Sex::Male, date!(1965 - 11 - 30), Relation::Head),
        (1, "Budiman", Sex::Male, date!(1995 - 01 - 09), Relation::Child),
        (2, "Siti Aminah", Sex::Female, date!(1980 - 03 - 12), Relation::Head),
        (2, "budi santoso", Sex::Male, date!(2004 - 06 - 21), Relation::Child),
        (3, "Rina", Sex::Female, date!(2010 - 12 - 01), Relation::Child),
        (4, "Joko", Sex::Male, date!(1968 - 04 - 04), Relation::Head),
        (4, "Ahmad Budi", Sex::Male, date!(1990 - 07 - 07), Relation::Other),
        (9, "Budi Santoso", Sex::Male, date!(1999 - 09 - 09), Relation::Head),
        (9, "Dewi", Sex::Female, date!(1998 - 10 - 10), Relation::Head),
    ];
    let mut p = Vec::new();
    for (i, (hi, name, sex, birth, relation)) in people.into_iter().enumerate() {
        let (household_id, district) = match h.get(hi) {
            Some(hh) => (Some(hh.id), hh.region.district_digits().expect("district")),
            None => (None, "331609".to_string()),
        };
        let nik = nik(&district, birth, sex, 100 + i as u16);
        p.push(
            s.create_person(&new_person(nik, household_id, name, sex, birth, relation)).await.expect("create person"),
        );
    }
    Registry { h, p }
}

fn q(text: &str) -> Query {
    Query { page: PageRequest::new(1, 200), ..Query::text(text) }
}

fn in_region(text: &str, region: &str) -> Query {
    Query { region: Some(code(region)), ..q(text) }
}

fn region_codes(page: &Page<berdaya_domain::registry::Region>) -> Vec<&str> {
    page.items.iter().map(|r| r.code.as_str()).collect()
}

fn names(page: &Page<Person>) -> Vec<&str> {
    page.items.iter().map(|p| p.name.as_str()).collect()
}

/// Asserts a page holds everything that matched: not capped, `total` items.
fn assert_whole<T>(page: &Page<T>, n: usize) {
    assert_eq!(page.items.len(), n, "items on the page");
    assert_eq!(page.total, n as u64, "page total");
    assert!(!page.total_capped, "a small total is not capped");
}

fn record(row: u64, h: &NewHousehold, p: &NewPerson) -> SourceRow {
    Ok(RegistryRecord {
        row,
        household: h.clone(),
        person: p.clone(),
        raw: vec![h.kk.reveal(), p.nik.reveal(), p.name.clone()],
    })
}

fn bad_row(row: u64, column: &str) -> SourceRow {
    Err(vec![RowError { row, column: column.into(), rule: "is not a date written YYYY-MM-DD".into(), raw: vec![] }])
}

async fn import(s: &dyn Store, rows: Vec<SourceRow>, skip_invalid: bool, dry_run: bool) -> ImportReport {
    let mut source = (rows.into_iter(), 0u64);
    s.import_registry(&mut source, &ImportOptions { skip_invalid, dry_run }).await.expect("import runs")
}

/// Rows of one import file: three people a household, households alternating between Pilang
/// and Kalampangan, KK serials from `kk_serial`, every NIK agreeing with its row and unique
/// (also across calls with different `kk_serial`).
fn import_rows(kk_serial: u16, people: usize) -> Vec<(NewHousehold, NewPerson)> {
    let mut out = Vec::new();
    for i in 0..people {
        let hi = i / 3;
        let (district, region) = if hi % 2 == 0 { ("331609", PILANG) } else { ("627104", KALAMPANGAN) };
        let mut h =
            new_household(kk(district, kk_serial + hi as u16), &format!("Alamat impor {kk_serial}-{hi}"), region);
        h.welfare_stage = WelfareStage::Sejahtera1;
        h.dtks_listed = true;
        h.dtks_since = Some(date!(2019 - 01 - 15));
        let birth = Date::from_calendar_date(1980 + (i / 9999) as i32, time::Month::January, 1 + (i % 28) as u8)
            .expect("birth date");
        let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
        let serial = 1 + ((usize::from(kk_serial) * 31 + i) % 9999) as u16;
        let relation = if i % 3 == 0 { Relation::Head } else { Relation::Child };
        let name = format!("Impor {kk_serial}-{i:03}");
        out.push((h, new_person(nik(district, birth, sex, serial), None, &name, sex, birth, relation)));
    }
    out
}

fn flip(sex: Sex) -> Sex {
    match sex {
        Sex::Male => Sex::Female,
        Sex::Female => Sex::Male,
    }
}

/// One row as a source yields it.
type SourceRow = Result<RegistryRecord, Vec<RowError>>;

/// What a failed import must not have changed.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    counts: crate::RegistryCounts,
    people: Vec<(Id, String, Option<Id>, i64)>,
    households: Vec<(Id, String, i64)>,
}

async fn snapshot(s: &dyn Store) -> Snapshot {
    let counts = s.registry_counts().await.expect("counts");
    let people = s.search_people(&q("")).await.expect("people");
    let households = s.search_households(&q("")).await.expect("households");
    Snapshot {
        counts,
        people: people.items.iter().map(|p| (p.id, p.name.clone(), p.household_id, p.version)).collect(),
        households: households
            .items
            .iter()
            .map(|h| (h.household.id, h.household.address.clone(), h.household.version))
            .collect(),
    }
}

/// Asserts a store error names no identity number.
fn assert_no_number(e: &StoreError, number: &str) {
    assert!(!format!("{e}").contains(number), "error message leaks an identity number: {e}");
    assert!(!format!("{e:?}").contains(number), "error debug leaks an identity number: {e:?}");
}

mod access;
mod activity;
mod aid;
mod class;
mod dashboard;
mod finding;
mod framework;
mod kotaku;
mod mach;
mod pkh_family;
mod pkh_pay;
mod pkh_rules;
mod pkh_target;
mod qual;
mod regions;

/// The conformance checks, one function each; see the module documentation.
pub mod checks {
    use super::*;

    pub use super::access::{
        access_assignments, access_bulk_assignments, access_caseload, access_move_assignments, access_passwords,
        access_sessions, access_tokens, access_users, access_within, audit_chain_under_concurrency,
        audit_events_and_filters, audit_failed_writes_leave_nothing, audit_import, audit_row_changes,
    };
    pub use super::activity::{
        activity_attachments, activity_attendance, activity_create_read_update, activity_search_calendar,
    };
    pub use super::aid::{aid_distributions, aid_dose_table, aid_land_and_facts, aid_plan_allocation};
    pub use super::class::{class_assessments, class_default_instrument, class_instrument_versions};
    pub use super::dashboard::{dashboard_programs, dashboard_registry};
    pub use super::finding::findings_matrix;
    pub use super::framework::{frameworks_added_as_data, frameworks_shipped};
    pub use super::kotaku::{
        kotaku_books_append_only, kotaku_grant_caps, kotaku_partners_outcomes_slums, kotaku_stage_cycles,
    };
    pub use super::mach::{
        machine_concurrent_bookings, machine_create_read_update, machine_loan_lifecycle, machine_loan_overlap,
        machine_maintenance_summary,
    };
    pub use super::pkh_family::{
        pkh_family_enrollment_and_facts, pkh_school_attendance_import, pkh_verify_ladder_and_freezing,
    };
    pub use super::pkh_pay::{pkh_caseload_report, pkh_pay_freeze, pkh_pay_list_eligibility, pkh_pay_results};
    pub use super::pkh_rules::{
        pkh_grievance_appeal_reinstates, pkh_grievance_records_and_decisions, pkh_rules_per_year,
    };
    pub use super::pkh_target::{
        pkh_p2k2_catalogue, pkh_p2k2_progress, pkh_targeting_exclusion, pkh_targeting_inclusion, pkh_welfare_figures,
    };
    pub use super::qual::qual_study_coding_conclusions;
    pub use super::regions::{
        regions_load_adds_renames_and_keeps, regions_load_refuses_a_bad_list_whole,
        regions_load_twice_changes_nothing_and_is_audited,
    };

    /// Settings round-trip and overwrite; the backend names itself and answers a ping.
    pub async fn settings_and_health(s: Arc<dyn Store>) {
        let s = &*s;
        assert!(matches!(s.backend(), "sqlite" | "postgres"), "backend() = {}", s.backend());
        s.ping().await.expect("ping");
        assert_eq!(s.setting("demo").await.expect("read"), None);
        s.set_setting("demo", "1").await.expect("write");
        s.set_setting("note", "Data demo — bukan data asli").await.expect("write");
        assert_eq!(s.setting("demo").await.expect("read").as_deref(), Some("1"));
        s.set_setting("demo", "loaded 2024-01-01").await.expect("overwrite");
        assert_eq!(s.setting("demo").await.expect("read").as_deref(), Some("loaded 2024-01-01"));
        assert_eq!(s.setting("note").await.expect("read").as_deref(), Some("Data demo — bukan data asli"));
        s.set_setting("empty", "").await.expect("write empty");
        assert_eq!(s.setting("empty").await.expect("read").as_deref(), Some(""));
        assert_eq!(s.setting("DEMO").await.expect("read"), None, "keys are case-sensitive");
    }

    /// Regions: create, read, update bumps the version, stale versions conflict, missing
    /// codes are `NotFound { entity: "region" }`.
    pub async fn region_create_read_update(s: Arc<dyn Store>) {
        let s = &*s;
        let province = s.create_region(&new_region("33", "Jawa Tengah", RegionKind::Province)).await.expect("province");
        assert_eq!(province.code, code("33"));
        assert_eq!(province.parent, None);
        assert_eq!(province.version, 1);
        s.create_region(&new_region("33.16", "Blora", RegionKind::Regency)).await.expect("regency");
        let created =
            s.create_region(&new_region("33.16.09", "Randublatung", RegionKind::District)).await.expect("district");
        assert_eq!(created.parent, Some(code("33.16")));
        assert_eq!(created.kind, RegionKind::District);
        assert_eq!(created.version, 1);
        assert_eq!(s.region(&code("33.16.09")).await.expect("read"), created);

        let updated = s
            .update_region(&new_region("33.16.09", "Kecamatan Randublatung", RegionKind::District), 1)
            .await
            .expect("update");
        assert_eq!(updated.version, 2);
        assert_eq!(updated.name, "Kecamatan Randublatung");
        assert_eq!(updated.parent, Some(code("33.16")));
        assert_eq!(s.region(&code("33.16.09")).await.expect("read"), updated);

        let city = s.update_region(&new_region("33.16", "Kabupaten Blora", RegionKind::City), 1).await.expect("kind");
        assert_eq!((city.kind, city.version), (RegionKind::City, 2));

        assert_err!(
            s.update_region(&new_region("33.16.09", "Stale", RegionKind::District), 1).await,
            StoreError::Conflict { entity: "region", expected: 1, actual: 2 }
        );
        assert_eq!(s.region(&code("33.16.09")).await.expect("read").name, "Kecamatan Randublatung");
        let third =
            s.update_region(&new_region("33.16.09", "Randublatung", RegionKind::District), 2).await.expect("again");
        assert_eq!(third.version, 3);

        assert_err!(s.region(&code("33.16.10")).await, StoreError::NotFound { entity: "region" });
        assert_err!(
            s.update_region(&new_region("33.16.10", "Nowhere", RegionKind::District), 1).await,
            StoreError::NotFound { entity: "region" }
        );
    }

    /// A taken code is `Duplicate { field: "code" }`; a missing parent is
    /// `Reference { field: "code" }`; neither writes anything.
    pub async fn region_errors(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        assert_err!(
            s.create_region(&new_region("33.16", "Blora again", RegionKind::Regency)).await,
            StoreError::Duplicate { field: "code", .. }
        );
        assert_err!(
            s.create_region(&new_region("33", "Jawa Tengah again", RegionKind::Province)).await,
            StoreError::Duplicate { field: "code", .. }
        );
        assert_err!(
            s.create_region(&new_region("33.18.01", "Orphan", RegionKind::District)).await,
            StoreError::Reference { field: "code", .. }
        );
        assert_err!(
            s.create_region(&new_region("18.71.10.1003.L2.RT01", "Orphan RT", RegionKind::Rt)).await,
            StoreError::Reference { field: "code", .. }
        );
        assert_eq!(s.registry_counts().await.expect("counts").regions, REGIONS.len() as u64);
        assert_eq!(s.region(&code("33.16")).await.expect("read").name, "Blora");
        assert_err!(s.region(&code("33.18.01")).await, StoreError::NotFound { entity: "region" });
    }

    /// `region_path` runs province → … → region; `region_children` lists by code.
    pub async fn region_tree(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let path = s.region_path(&code(L1_RT03)).await.expect("path");
        let codes: Vec<&str> = path.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["18", "18.71", "18.71.10", "18.71.10.1003", "18.71.10.1003.L1", L1_RT03]);
        assert_eq!(path[3].name, "Kaliawi Persada");
        let province = s.region_path(&code("62")).await.expect("path");
        assert_eq!(province.len(), 1);
        assert_eq!(province[0].name, "Kalimantan Tengah");
        assert_err!(s.region_path(&code("62.71.05")).await, StoreError::NotFound { entity: "region" });

        let provinces = s.region_children(None).await.expect("provinces");
        let codes: Vec<&str> = provinces.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["18", "33", "62"], "provinces in code order");
        assert!(provinces.iter().all(|r| r.kind == RegionKind::Province && r.parent.is_none()));
        let of = |c: &'static str| async move {
            s.region_children(Some(&code(c)))
                .await
                .expect("children")
                .into_iter()
                .map(|r| r.code.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(of("33").await, ["33.16", "33.17"]);
        assert_eq!(of("18.71.10.1003").await, ["18.71.10.1003.L1", L12]);
        assert_eq!(of("18.71.10.1003.L1").await, [L1_RT03]);
        assert!(of(PILANG).await.is_empty());
    }

    /// Regions match when the name contains the text (case-insensitive, literally) or the
    /// code starts with it, in code order; `Query.region` keeps a subtree.
    pub async fn region_search(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let search = |query: Query| async move { s.search_regions(&query).await.expect("search") };

        let page = search(q("lampung")).await;
        assert_eq!(region_codes(&page), ["18", "18.71"]);
        assert_whole(&page, 2);
        assert_eq!(region_codes(&search(q("LAMPANG")).await), [KALAMPANGAN]);
        assert_eq!(region_codes(&search(q("karang bar")).await), ["18.71.10"]);
        assert_eq!(region_codes(&search(q("33.16")).await), ["33.16", "33.16.09", PILANG, KUTUKAN]);
        assert_eq!(
            region_codes(&search(q("18.71.10.1003.L1")).await),
            ["18.71.10.1003.L1", L1_RT03, L12],
            "code prefix is a string prefix"
        );
        assert!(search(q("3316")).await.items.is_empty(), "codes are matched as written, with dots");
        assert!(search(q("%")).await.items.is_empty(), "% is literal");
        assert!(search(q("_")).await.items.is_empty(), "_ is literal");
        assert!(search(q("bandung")).await.items.is_empty());

        let page = search(in_region("", "18.71.10.1003.L1")).await;
        assert_eq!(region_codes(&page), ["18.71.10.1003.L1", L1_RT03], "a subtree stops at segment boundaries");
        assert_eq!(region_codes(&search(in_region("ling", "18.71.10.1003.L1")).await), ["18.71.10.1003.L1"]);
        assert_eq!(region_codes(&search(in_region("", "33.16")).await), ["33.16", "33.16.09", PILANG, KUTUKAN]);
        assert_eq!(region_codes(&search(in_region("a", "62")).await), ["62", "62.71", "62.71.04", KALAMPANGAN]);

        // Pagination: every region once, in code order, 5 a page.
        let mut all: Vec<String> = REGIONS.iter().map(|r| r.0.to_string()).collect();
        all.sort();
        let mut seen = Vec::new();
        for page_no in 1..=4 {
            let page = search(Query { page: PageRequest::new(page_no, 5), ..Query::default() }).await;
            assert_eq!((page.page, page.per_page, page.total, page.total_capped), (page_no, 5, 17, false));
            assert_eq!(page.items.len(), if page_no < 4 { 5 } else { 2 });
            assert_eq!(page.pages(), 4);
            seen.extend(page.items.iter().map(|r| r.code.to_string()));
        }
        assert_eq!(seen, all);
        let beyond = search(Query { page: PageRequest::new(9, 5), ..Query::default() }).await;
        assert!(beyond.items.is_empty());
        assert_eq!(beyond.total, 17);
    }

    /// Households: create, read, update bumps the version, stale versions conflict,
    /// missing ids are `NotFound { entity: "household" }`.
    pub async fn household_create_read_update(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let mut draft = new_household(kk("331609", 7), "Jl. Pilang Raya No. 5, RT 02/RW 01", PILANG);
        let created = s.create_household(&draft).await.expect("create");
        assert!(created.id > 0);
        assert_eq!(created.version, 1);
        assert_eq!(
            (
                created.kk,
                &created.address,
                &created.region,
                created.welfare_stage,
                created.dtks_listed,
                created.dtks_since
            ),
            (draft.kk, &draft.address, &draft.region, draft.welfare_stage, false, None)
        );
        assert_eq!(s.household(created.id).await.expect("read"), created);

        draft.address = "Jl. Pilang Raya No. 7".into();
        draft.region = code(KUTUKAN);
        draft.welfare_stage = WelfareStage::Sejahtera3Plus;
        draft.dtks_listed = true;
        draft.dtks_since = Some(date!(2018 - 07 - 01));
        draft.kk = kk("331609", 8);
        let updated = s.update_household(created.id, &draft, 1).await.expect("update");
        assert_eq!(updated.id, created.id);
        assert_eq!(updated.version, 2);
        assert_eq!(
            (
                updated.kk,
                &updated.address,
                &updated.region,
                updated.welfare_stage,
                updated.dtks_listed,
                updated.dtks_since
            ),
            (draft.kk, &draft.address, &draft.region, WelfareStage::Sejahtera3Plus, true, Some(date!(2018 - 07 - 01)))
        );
        assert_eq!(s.household(created.id).await.expect("read"), updated);

        let mut stale = draft.clone();
        stale.address = "Stale".into();
        assert_err!(
            s.update_household(created.id, &stale, 1).await,
            StoreError::Conflict { entity: "household", expected: 1, actual: 2 }
        );
        assert_eq!(s.household(created.id).await.expect("read"), updated);
        assert_eq!(s.update_household(created.id, &stale, 2).await.expect("update").version, 3);

        let missing = created.id + 1000;
        assert_err!(s.household(missing).await, StoreError::NotFound { entity: "household" });
        assert_err!(s.update_household(missing, &draft, 1).await, StoreError::NotFound { entity: "household" });
        assert_err!(s.household_members(missing).await, StoreError::NotFound { entity: "household" });
        assert!(s.household_members(created.id).await.expect("members").is_empty());
    }

    /// A taken KK is `Duplicate { field: "kk" }` without the number in the message; an
    /// unknown region is `Reference { field: "region" }`.
    pub async fn household_errors(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let a = s.create_household(&new_household(kk("331609", 1), "A", PILANG)).await.expect("a");
        let b = s.create_household(&new_household(kk("331609", 2), "B", PILANG)).await.expect("b");
        let dup = s.create_household(&new_household(kk("331609", 1), "A again", KUTUKAN)).await;
        assert_err!(dup, StoreError::Duplicate { field: "kk", .. });
        if let Err(e) = &dup {
            assert_no_number(e, &a.kk.reveal());
        }
        let dup = s.update_household(b.id, &new_household(a.kk, "B", PILANG), 1).await;
        assert_err!(dup, StoreError::Duplicate { field: "kk", .. });
        assert_err!(
            s.create_household(&new_household(kk("331609", 3), "C", "33.16.09.2099")).await,
            StoreError::Reference { field: "region", .. }
        );
        assert_err!(
            s.update_household(b.id, &new_household(b.kk, "B", "33.16.09.2099"), 1).await,
            StoreError::Reference { field: "region", .. }
        );
        assert_eq!(s.household(b.id).await.expect("read"), b, "failed updates change nothing");
        assert_eq!(s.registry_counts().await.expect("counts").households, 2);
        // The same KK may be written back unchanged.
        assert_eq!(s.update_household(a.id, &new_household(a.kk, "A2", PILANG), 1).await.expect("same kk").version, 2);
    }

    /// Households match by whole KK, or text contained in the address or the head's name
    /// (case-insensitive), in id order; `Query.region` keeps the household region's subtree.
    pub async fn household_search(s: Arc<dyn Store>) {
        let s = &*s;
        let reg = seed_registry(s).await;
        let ids = |page: Page<crate::HouseholdSummary>| page.items.iter().map(|h| h.household.id).collect::<Vec<_>>();
        let search = |query: Query| async move { s.search_households(&query).await.expect("search") };
        let h = |i: usize| reg.h[i].id;

        let page = search(q("pilang")).await;
        assert_whole(&page, 1);
        let h1 = &page.items[0];
        assert_eq!(h1.household, reg.h[0]);
        assert_eq!(h1.region_name, "Pilang");
        assert_eq!(h1.head_name.as_deref(), Some("Sutrisno"));
        assert_eq!(h1.members, 3);
        assert_eq!(ids(search(q("MAWAR")).await), [h(3)], "address, case-insensitive");
        assert_eq!(ids(search(q("TRISNO")).await), [h(0)], "head's name contained, case-insensitive");
        assert_eq!(ids(search(q("wibowo")).await), [h(1)]);
        assert!(search(q("sulastri")).await.items.is_empty(), "a spouse's name does not match");
        assert!(search(q("rina")).await.items.is_empty(), "a child's name does not match");
        assert_eq!(ids(search(q("gang")).await), [h(3), h(4)], "id order, not address order");
        assert!(search(q("%")).await.items.is_empty(), "% is literal");

        let kk3 = reg.h[2].kk.reveal();
        assert_eq!(ids(search(q(&kk3)).await), [h(2)], "whole KK");
        let spaced = format!("{} {} {} {}", &kk3[..4], &kk3[4..8], &kk3[8..12], &kk3[12..]);
        assert_eq!(ids(search(q(&spaced)).await), [h(2)], "whole KK with separators");
        assert!(search(q(&kk("627104", 999).reveal())).await.items.is_empty(), "an unknown KK matches nothing");

        let rina = search(q("mawar")).await;
        assert_eq!(rina.items[0].head_name, None, "no head, no head name");
        assert_eq!(rina.items[0].members, 1);
        assert_eq!(rina.items[0].region_name, "RT 03");

        assert_eq!(ids(search(in_region("", "33.16")).await), [h(0), h(1)]);
        assert_eq!(ids(search(in_region("", "18.71.10.1003.L1")).await), [h(3)], "L12 is not inside L1");
        assert_eq!(ids(search(in_region("gang", "18")).await), [h(3), h(4)]);
        assert_eq!(ids(search(in_region("gang", L12)).await), [h(4)]);
        assert!(search(in_region("pilang", "62")).await.items.is_empty());
        assert_eq!(ids(search(in_region(&kk3, "62.71")).await), [h(2)]);
        assert!(search(in_region(&kk3, "33")).await.items.is_empty());

        let all: Vec<Id> = reg.h.iter().map(|x| x.id).collect();
        let mut seen = Vec::new();
        for page_no in 1..=3 {
            let page = search(Query { page: PageRequest::new(page_no, 2), ..Query::default() }).await;
            assert_eq!((page.total, page.total_capped, page.pages()), (5, false, 3));
            seen.extend(ids(page));
        }
        assert_eq!(seen, all);

        let mut members: Vec<(Id, String)> =
            s.household_members(h(0)).await.expect("members").into_iter().map(|p| (p.id, p.name)).collect();
        members.sort();
        let names: Vec<&str> = members.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(names, ["Sutrisno", "Sulastri", "Agus"]);
    }

    /// People: create with and without a household, read, update bumps the version, stale
    /// versions conflict, missing ids are `NotFound { entity: "person" }`.
    pub async fn person_create_read_update(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let h = s.create_household(&new_household(kk("331609", 1), "Jl. Pilang", PILANG)).await.expect("household");
        let birth = date!(1985 - 03 - 12);
        let mut draft = new_person(
            nik("331609", birth, Sex::Female, 12),
            Some(h.id),
            "Siti Aminah",
            Sex::Female,
            birth,
            Relation::Spouse,
        );
        draft.education = Education::Sma;
        draft.occupation = Some("Petani buah naga".into());
        draft.disability = Disability::Sensory;
        let created = s.create_person(&draft).await.expect("create");
        assert!(created.id > 0);
        assert_eq!(created.version, 1);
        assert_eq!(
            (created.nik, created.household_id, &created.name, created.sex, created.birth_date, created.relation),
            (draft.nik, Some(h.id), &draft.name, Sex::Female, birth, Relation::Spouse)
        );
        assert_eq!(
            (created.education, &created.occupation, created.disability),
            (Education::Sma, &draft.occupation, Disability::Sensory)
        );
        assert_eq!(s.person(created.id).await.expect("read"), created);

        let loner_birth = date!(1950 - 12 - 31);
        let loner = new_person(
            nik("627104", loner_birth, Sex::Male, 1),
            None,
            "Pak Tua",
            Sex::Male,
            loner_birth,
            Relation::Head,
        );
        let loner = s.create_person(&loner).await.expect("create without household");
        assert_eq!(loner.household_id, None);
        assert_eq!(s.person(loner.id).await.expect("read").household_id, None);

        draft.household_id = None;
        draft.name = "Siti Aminah Lestari".into();
        draft.occupation = None;
        draft.education = Education::Bachelor;
        draft.disability = Disability::None;
        let updated = s.update_person(created.id, &draft, 1).await.expect("update");
        assert_eq!(updated.version, 2);
        assert_eq!(
            (updated.household_id, updated.name.as_str(), &updated.occupation),
            (None, "Siti Aminah Lestari", &None)
        );
        assert_eq!((updated.education, updated.disability), (Education::Bachelor, Disability::None));
        assert_eq!(s.person(created.id).await.expect("read"), updated);
        assert!(s.household_members(h.id).await.expect("members").is_empty());

        draft.household_id = Some(h.id);
        let moved = s.update_person(created.id, &draft, 2).await.expect("back into the household");
        assert_eq!((moved.household_id, moved.version), (Some(h.id), 3));
        assert_eq!(s.household_members(h.id).await.expect("members"), std::slice::from_ref(&moved));

        assert_err!(
            s.update_person(created.id, &draft, 2).await,
            StoreError::Conflict { entity: "person", expected: 2, actual: 3 }
        );
        assert_eq!(s.person(created.id).await.expect("read"), moved);
        let missing = loner.id.max(created.id) + 1000;
        assert_err!(s.person(missing).await, StoreError::NotFound { entity: "person" });
        assert_err!(s.update_person(missing, &draft, 1).await, StoreError::NotFound { entity: "person" });
    }

    /// A taken NIK is `Duplicate { field: "nik" }` without the number in the message; an
    /// unknown household is `Reference { field: "household_id" }`.
    pub async fn person_errors(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let h = s.create_household(&new_household(kk("331609", 1), "Jl. Pilang", PILANG)).await.expect("household");
        let birth = date!(1990 - 01 - 02);
        let a = new_person(nik("331609", birth, Sex::Male, 1), Some(h.id), "Ahmad", Sex::Male, birth, Relation::Head);
        let b =
            new_person(nik("331609", birth, Sex::Male, 2), Some(h.id), "Bambang", Sex::Male, birth, Relation::Child);
        let a_stored = s.create_person(&a).await.expect("a");
        let b_stored = s.create_person(&b).await.expect("b");
        let dup = s.create_person(&NewPerson { name: "Someone else".into(), ..a.clone() }).await;
        assert_err!(dup, StoreError::Duplicate { field: "nik", .. });
        if let Err(e) = &dup {
            assert_no_number(e, &a.nik.reveal());
        }
        let dup = s.update_person(b_stored.id, &NewPerson { nik: a.nik, ..b.clone() }, 1).await;
        assert_err!(dup, StoreError::Duplicate { field: "nik", .. });
        if let Err(e) = &dup {
            assert_no_number(e, &a.nik.reveal());
        }
        let orphan =
            NewPerson { nik: nik("331609", birth, Sex::Male, 3), household_id: Some(h.id + 1000), ..b.clone() };
        assert_err!(s.create_person(&orphan).await, StoreError::Reference { field: "household_id", .. });
        assert_err!(
            s.update_person(b_stored.id, &NewPerson { household_id: Some(h.id + 1000), ..b.clone() }, 1).await,
            StoreError::Reference { field: "household_id", .. }
        );
        assert_eq!(s.person(b_stored.id).await.expect("read"), b_stored);
        assert_eq!(s.person(a_stored.id).await.expect("read"), a_stored);
        assert_eq!(s.registry_counts().await.expect("counts").people, 2);
    }

    /// People match by whole NIK, or by a case-insensitive prefix of the whole name, ordered
    /// by name then id; `Query.region` keeps people whose household lies in the subtree.
    pub async fn person_search(s: Arc<dyn Store>) {
        let s = &*s;
        let reg = seed_registry(s).await;
        let search = |query: Query| async move { s.search_people(&query).await.expect("search") };

        let page = search(q("budi")).await;
        assert_eq!(names(&page), ["budi santoso", "Budi Santoso", "Budiman"], "name, case-insensitive, then id");
        assert_whole(&page, 3);
        assert_eq!(page.items[0], *reg.person("budi santoso"));
        assert_eq!(names(&search(q("BUDI S")).await), ["budi santoso", "Budi Santoso"]);
        assert!(search(q("santoso")).await.items.is_empty(), "a prefix of the whole name, not of a word");
        assert!(search(q("udi")).await.items.is_empty());
        assert!(search(q("%")).await.items.is_empty(), "% is literal");
        assert!(search(q("_")).await.items.is_empty(), "_ is literal");
        assert_eq!(names(&search(q("s")).await), ["Siti Aminah", "Sulastri", "Sutrisno"]);

        let agus = reg.person("Agus");
        let whole = agus.nik.reveal();
        assert_eq!(names(&search(q(&whole)).await), ["Agus"]);
        let dotted = format!("{}.{}.{}.{}", &whole[..2], &whole[2..4], &whole[4..6], &whole[6..]);
        assert_eq!(names(&search(q(&dotted)).await), ["Agus"], "NIK with separators");
        let unknown = nik("331609", date!(2001 - 02 - 03), Sex::Male, 9999).reveal();
        assert!(search(q(&unknown)).await.items.is_empty(), "an unknown NIK matches nothing");
        assert!(search(q(&whole[..12])).await.items.is_empty(), "part of a NIK is not a NIK");

        assert_eq!(names(&search(in_region("budi", "33.16")).await), ["Budiman"]);
        assert_eq!(names(&search(in_region("", "18.71.10.1003.L1")).await), ["Rina"], "L12 is not inside L1");
        assert_eq!(names(&search(in_region("", "18")).await), ["Ahmad Budi", "Joko", "Rina"]);
        assert_eq!(names(&search(in_region(&whole, "33")).await), ["Agus"]);
        assert!(search(in_region(&whole, "62")).await.items.is_empty());
        let dewi = search(q("dewi")).await;
        assert_eq!(names(&dewi), ["Dewi"]);
        assert!(search(in_region("dewi", "33")).await.items.is_empty(), "no household, in no region");

        let mut all: Vec<(String, Id)> = reg.p.iter().map(|p| (p.name.to_lowercase(), p.id)).collect();
        all.sort();
        let mut seen = Vec::new();
        for page_no in 1..=4 {
            let page = search(Query { page: PageRequest::new(page_no, 5), ..Query::default() }).await;
            assert_eq!((page.total, page.total_capped, page.pages()), (12, false, 3));
            assert_eq!(page.items.len(), [5, 5, 2, 0][page_no as usize - 1]);
            seen.extend(page.items.iter().map(|p| (p.name.to_lowercase(), p.id)));
        }
        assert_eq!(seen, all);
    }

    /// Groups: create, read, update bumps the version, stale versions conflict, missing ids
    /// are `NotFound { entity: "group" }`, an unknown region is `Reference { field: "region" }`.
    pub async fn group_create_read_update(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let mut draft = NewGroup {
            name: "Kelompok Tani Karya Makmur II".into(),
            kind: GroupKind::FarmerGroup,
            region: code(PILANG),
            founded_on: Some(date!(2008 - 03 - 01)),
            description: Some("Optimasi lahan; 78 anggota".into()),
        };
        let created = s.create_group(&draft).await.expect("create");
        assert_eq!(created.version, 1);
        assert_eq!(
            (&created.name, created.kind, &created.region, created.founded_on, &created.description),
            (&draft.name, draft.kind, &draft.region, draft.founded_on, &draft.description)
        );
        assert_eq!(s.group(created.id).await.expect("read"), created);

        draft.name = "KWT Sukawangi Sejahtera".into();
        draft.kind = GroupKind::WomenFarmerGroup;
        draft.region = code(L1_RT03);
        draft.founded_on = None;
        draft.description = None;
        let updated = s.update_group(created.id, &draft, 1).await.expect("update");
        assert_eq!(updated.version, 2);
        assert_eq!(
            (&updated.name, updated.kind, &updated.region, updated.founded_on, &updated.description),
            (&draft.name, GroupKind::WomenFarmerGroup, &code(L1_RT03), None, &None)
        );
        assert_eq!(s.group(created.id).await.expect("read"), updated);
        assert_err!(
            s.update_group(created.id, &draft, 1).await,
            StoreError::Conflict { entity: "group", expected: 1, actual: 2 }
        );
        let missing = created.id + 1000;
        assert_err!(s.group(missing).await, StoreError::NotFound { entity: "group" });
        assert_err!(s.update_group(missing, &draft, 2).await, StoreError::NotFound { entity: "group" });

        let nowhere = NewGroup { region: code("33.16.09.2099"), ..draft.clone() };
        assert_err!(s.create_group(&nowhere).await, StoreError::Reference { field: "region", .. });
        assert_err!(s.update_group(created.id, &nowhere, 2).await, StoreError::Reference { field: "region", .. });
        assert_eq!(s.group(created.id).await.expect("read"), updated);
        assert_eq!(s.registry_counts().await.expect("counts").groups, 1);
    }

    /// Members: a person at most once per group; `add_members` is all or nothing.
    pub async fn group_members(s: Arc<dyn Store>) {
        let s = &*s;
        let reg = seed_registry(s).await;
        let g = NewGroup {
            name: "LKM Persada Mandiri".into(),
            kind: GroupKind::Lkm,
            region: code("18.71.10.1003"),
            founded_on: None,
            description: None,
        };
        let g = s.create_group(&g).await.expect("group");
        let member = |p: &Person, role| NewMember { person_id: p.id, role, since: None, until: None };
        let (sutrisno, sulastri, agus, rina) =
            (reg.person("Sutrisno"), reg.person("Sulastri"), reg.person("Agus"), reg.person("Rina"));
        let missing_person = reg.p.iter().map(|p| p.id).max().expect("people") + 1000;

        let chair = NewMember {
            since: Some(date!(2019 - 01 - 01)),
            until: Some(date!(2021 - 12 - 31)),
            ..member(sutrisno, GroupRole::Chair)
        };
        let added = s.add_member(g.id, &chair).await.expect("add");
        assert_eq!(
            (added.group_id, added.person_id, added.person_name.as_str(), added.role, added.since, added.until),
            (g.id, sutrisno.id, "Sutrisno", GroupRole::Chair, chair.since, chair.until)
        );
        assert_eq!(s.group_members(g.id).await.expect("members"), std::slice::from_ref(&added));

        assert_err!(
            s.add_member(g.id, &member(sutrisno, GroupRole::Member)).await,
            StoreError::Duplicate { field: "person_id", .. }
        );
        assert_err!(
            s.add_member(g.id, &NewMember { person_id: missing_person, ..member(agus, GroupRole::Member) }).await,
            StoreError::Reference { field: "person_id", .. }
        );
        assert_err!(
            s.add_member(g.id + 1000, &member(agus, GroupRole::Member)).await,
            StoreError::NotFound { entity: "group" }
        );
        assert_err!(s.group_members(g.id + 1000).await, StoreError::NotFound { entity: "group" });

        let ghost = NewMember { person_id: missing_person, ..member(agus, GroupRole::Member) };
        assert_err!(
            s.add_members(g.id, &[member(sulastri, GroupRole::Treasurer), member(agus, GroupRole::Member), ghost])
                .await,
            StoreError::Reference { field: "person_id", .. }
        );
        assert_err!(
            s.add_members(g.id, &[member(sulastri, GroupRole::Treasurer), member(sutrisno, GroupRole::Member)]).await,
            StoreError::Duplicate { field: "person_id", .. }
        );
        assert_err!(
            s.add_members(
                g.id,
                &[member(rina, GroupRole::Member), member(agus, GroupRole::Member), member(rina, GroupRole::Secretary)]
            )
            .await,
            StoreError::Duplicate { field: "person_id", .. }
        );
        assert_err!(
            s.add_members(g.id + 1000, &[member(rina, GroupRole::Member)]).await,
            StoreError::NotFound { entity: "group" }
        );
        assert_eq!(
            s.group_members(g.id).await.expect("members"),
            std::slice::from_ref(&added),
            "failed batches add nobody"
        );

        assert_eq!(s.add_members(g.id, &[]).await.expect("empty batch"), 0);
        let n = s
            .add_members(
                g.id,
                &[
                    member(sulastri, GroupRole::Treasurer),
                    member(agus, GroupRole::Member),
                    member(rina, GroupRole::Secretary),
                ],
            )
            .await
            .expect("batch");
        assert_eq!(n, 3);
        let mut got: Vec<(Id, String, GroupRole)> = s
            .group_members(g.id)
            .await
            .expect("members")
            .into_iter()
            .map(|m| (m.person_id, m.person_name, m.role))
            .collect();
        got.sort();
        let mut want = vec![
            (sutrisno.id, "Sutrisno".to_string(), GroupRole::Chair),
            (sulastri.id, "Sulastri".to_string(), GroupRole::Treasurer),
            (agus.id, "Agus".to_string(), GroupRole::Member),
            (rina.id, "Rina".to_string(), GroupRole::Secretary),
        ];
        want.sort();
        assert_eq!(got, want);

        // The same person may be in another group.
        let other = s
            .create_group(&NewGroup { name: "KPP Kaliawi".into(), kind: GroupKind::Kpp, ..g_draft(L12) })
            .await
            .expect("g2");
        s.add_member(other.id, &member(sutrisno, GroupRole::Member)).await.expect("second group");
        let summary = s.search_groups(&q("")).await.expect("groups");
        let counts: Vec<(&str, u32)> = summary.items.iter().map(|g| (g.group.name.as_str(), g.members)).collect();
        assert_eq!(counts, [("KPP Kaliawi", 1), ("LKM Persada Mandiri", 4)]);
    }

    fn g_draft(region: &str) -> NewGroup {
        NewGroup { name: "x".into(), kind: GroupKind::Ksm, region: code(region), founded_on: None, description: None }
    }

    /// Groups match when the name contains the text (case-insensitive, literally), ordered
    /// by name then id; `Query.region` keeps a subtree.
    pub async fn group_search(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let groups = [
            ("KWT Sukawangi Sejahtera", GroupKind::WomenFarmerGroup, L1_RT03),
            ("Kelompok Tani Karya Makmur II", GroupKind::FarmerGroup, PILANG),
            ("kelompok tani Maju", GroupKind::FarmerGroup, KALAMPANGAN),
            ("KPP Kaliawi", GroupKind::Kpp, L12),
            ("LKM Persada Mandiri", GroupKind::Lkm, "18.71.10.1003"),
            ("KSM 100% Mandiri", GroupKind::Ksm, "18.71.10.1003"),
            ("Kelompok Tani Karya Makmur II", GroupKind::FarmerGroup, KUTUKAN),
        ];
        let mut ids = Vec::new();
        for (name, kind, region) in groups {
            ids.push(s.create_group(&NewGroup { name: name.into(), kind, ..g_draft(region) }).await.expect("group").id);
        }
        let search = |query: Query| async move {
            let page = s.search_groups(&query).await.expect("search");
            assert_eq!(page.total, page.items.len() as u64);
            page.items.into_iter().map(|g| (g.group.name, g.group.id)).collect::<Vec<_>>()
        };
        let named = |v: &[(usize, &str)]| v.iter().map(|(i, n)| (n.to_string(), ids[*i])).collect::<Vec<_>>();

        assert_eq!(
            search(q("kelompok tani")).await,
            named(&[
                (1, "Kelompok Tani Karya Makmur II"),
                (6, "Kelompok Tani Karya Makmur II"),
                (2, "kelompok tani Maju")
            ])
        );
        assert_eq!(search(q("MANDIRI")).await, named(&[(5, "KSM 100% Mandiri"), (4, "LKM Persada Mandiri")]));
        assert_eq!(search(q("wangi")).await, named(&[(0, "KWT Sukawangi Sejahtera")]), "contained, not a prefix");
        assert_eq!(search(q("%")).await, named(&[(5, "KSM 100% Mandiri")]), "% is literal");
        assert!(search(q("_")).await.is_empty(), "_ is literal");
        assert_eq!(search(in_region("", "18.71.10.1003.L1")).await, named(&[(0, "KWT Sukawangi Sejahtera")]));
        assert_eq!(
            search(in_region("", "18")).await,
            named(&[
                (3, "KPP Kaliawi"),
                (5, "KSM 100% Mandiri"),
                (0, "KWT Sukawangi Sejahtera"),
                (4, "LKM Persada Mandiri")
            ])
        );
        assert_eq!(search(in_region("karya", "33.16.09.2002")).await, named(&[(6, "Kelompok Tani Karya Makmur II")]));
        let page = s.search_groups(&in_region("maju", "62")).await.expect("search");
        assert_eq!(page.items[0].region_name, "Kalampangan");
        assert_eq!(page.items[0].members, 0);
        let page = s.search_groups(&Query { page: PageRequest::new(2, 3), ..Query::default() }).await.expect("page");
        assert_eq!((page.items.len(), page.total, page.pages()), (3, 7, 3));
    }

    fn agency_draft(name: &str, kind: AgencyKind, region: &str, parent_id: Option<Id>) -> NewAgency {
        NewAgency { name: name.into(), kind, region: code(region), parent_id }
    }

    /// Agencies: create, read, update bumps the version, stale versions conflict, missing
    /// ids are `NotFound { entity: "agency" }`; unknown region or parent are references;
    /// an agency cannot be its own parent.
    pub async fn agency_create_read_update(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let dinas = s
            .create_agency(&agency_draft(
                "Dinas Pertanian dan Ketahanan Pangan Kota Palangka Raya",
                AgencyKind::Agency,
                "62.71",
                None,
            ))
            .await
            .expect("dinas");
        assert_eq!((dinas.version, dinas.parent_id, dinas.kind), (1, None, AgencyKind::Agency));
        assert_eq!(s.agency(dinas.id).await.expect("read"), dinas);
        let mut bpp_draft = agency_draft("UPTD BPP Kalampangan", AgencyKind::Unit, KALAMPANGAN, Some(dinas.id));
        let bpp = s.create_agency(&bpp_draft).await.expect("unit");
        assert_eq!((bpp.parent_id, &bpp.region, bpp.kind), (Some(dinas.id), &code(KALAMPANGAN), AgencyKind::Unit));

        bpp_draft.name = "UPTD Balai Penyuluhan Pertanian Kalampangan".into();
        bpp_draft.region = code("62.71.04");
        let updated = s.update_agency(bpp.id, &bpp_draft, 1).await.expect("update");
        assert_eq!(
            (updated.version, updated.name.as_str(), &updated.region),
            (2, bpp_draft.name.as_str(), &code("62.71.04"))
        );
        assert_eq!(s.agency(bpp.id).await.expect("read"), updated);
        assert_err!(
            s.update_agency(bpp.id, &bpp_draft, 1).await,
            StoreError::Conflict { entity: "agency", expected: 1, actual: 2 }
        );
        let detached =
            s.update_agency(bpp.id, &NewAgency { parent_id: None, ..bpp_draft.clone() }, 2).await.expect("detach");
        assert_eq!((detached.parent_id, detached.version), (None, 3));

        let missing = bpp.id.max(dinas.id) + 1000;
        assert_err!(s.agency(missing).await, StoreError::NotFound { entity: "agency" });
        assert_err!(s.update_agency(missing, &bpp_draft, 1).await, StoreError::NotFound { entity: "agency" });

        let own = s
            .update_agency(
                dinas.id,
                &NewAgency { parent_id: Some(dinas.id), ..agency_draft("Dinas", AgencyKind::Agency, "62.71", None) },
                1,
            )
            .await;
        match &own {
            Err(StoreError::Invalid(inv)) => assert!(inv.0.iter().any(|f| f.field == "parent_id"), "{inv:?}"),
            other => panic!("expected Invalid on parent_id, got {other:?}"),
        }
        assert_err!(
            s.create_agency(&agency_draft("Dinas Sosial", AgencyKind::Agency, "33.16.99", None)).await,
            StoreError::Reference { field: "region", .. }
        );
        assert_err!(
            s.create_agency(&agency_draft("UPTD", AgencyKind::Unit, "62.71", Some(missing))).await,
            StoreError::Reference { field: "parent_id", .. }
        );
        assert_err!(
            s.update_agency(bpp.id, &NewAgency { parent_id: Some(missing), ..bpp_draft.clone() }, 3).await,
            StoreError::Reference { field: "parent_id", .. }
        );
        assert_err!(
            s.update_agency(bpp.id, &NewAgency { region: code("62.99"), ..bpp_draft.clone() }, 3).await,
            StoreError::Reference { field: "region", .. }
        );
        assert_eq!(s.agency(dinas.id).await.expect("read"), dinas);
        assert_eq!(s.agency(bpp.id).await.expect("read"), detached);
        assert_eq!(s.registry_counts().await.expect("counts").agencies, 2);
    }

    /// Units, staff and agency search (name contains, case-insensitive, by name then id;
    /// `Query.region` keeps a subtree).
    pub async fn agency_units_staff_search(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let dinas = s
            .create_agency(&agency_draft("Dinas Pertanian Palangka Raya", AgencyKind::Agency, "62.71", None))
            .await
            .expect("a1");
        let bpp = s
            .create_agency(&agency_draft("UPTD BPP Kalampangan", AgencyKind::Unit, KALAMPANGAN, Some(dinas.id)))
            .await
            .expect("a2");
        let sosial =
            s.create_agency(&agency_draft("Dinas Sosial Blora", AgencyKind::Agency, "33.16", None)).await.expect("a3");
        let seed = s
            .create_agency(&agency_draft("Balai Benih", AgencyKind::Unit, "62.71.04", Some(dinas.id)))
            .await
            .expect("a4");

        let mut units: Vec<Id> = s.agency_units(dinas.id).await.expect("units").into_iter().map(|a| a.id).collect();
        units.sort();
        assert_eq!(units, [bpp.id, seed.id]);
        assert!(s.agency_units(sosial.id).await.expect("units").is_empty());

        let staff = s
            .add_staff(bpp.id, &NewStaff { name: "Rahmat".into(), position: "Penyuluh pertanian".into() })
            .await
            .expect("staff");
        assert_eq!(
            (staff.agency_id, staff.name.as_str(), staff.position.as_str()),
            (bpp.id, "Rahmat", "Penyuluh pertanian")
        );
        let head = s
            .add_staff(bpp.id, &NewStaff { name: "Ir. Sari".into(), position: "Kepala BPP".into() })
            .await
            .expect("staff");
        let mut listed = s.agency_staff(bpp.id).await.expect("staff list");
        listed.sort_by_key(|x| x.id);
        assert_eq!(listed, [staff, head]);
        assert!(s.agency_staff(dinas.id).await.expect("staff list").is_empty());
        assert_err!(
            s.add_staff(sosial.id + 1000, &NewStaff { name: "X".into(), position: "Y".into() }).await,
            StoreError::NotFound { entity: "agency" }
        );

        let search = |query: Query| async move {
            let page = s.search_agencies(&query).await.expect("search");
            assert_eq!(page.total, page.items.len() as u64);
            page.items.into_iter().map(|a| a.id).collect::<Vec<_>>()
        };
        assert_eq!(search(q("dinas")).await, [dinas.id, sosial.id]);
        assert_eq!(search(q("KALAMPANG")).await, [bpp.id]);
        assert_eq!(search(q("")).await, [seed.id, dinas.id, sosial.id, bpp.id]);
        assert_eq!(search(in_region("", "62")).await, [seed.id, dinas.id, bpp.id]);
        assert_eq!(search(in_region("", "62.71.04")).await, [seed.id, bpp.id]);
        assert!(
            search(in_region("", "33.16.09")).await.is_empty(),
            "an agency of the regency is not inside its district"
        );
        assert_eq!(search(in_region("dinas", "33")).await, [sosial.id]);
    }

    pub(super) fn program_draft(name: &str, agency_id: Id, targets: &[&str]) -> NewProgram {
        NewProgram {
            name: name.into(),
            agency_id,
            starts_on: date!(2019 - 01 - 01),
            ends_on: None,
            description: None,
            target_regions: targets.iter().map(|c| code(c)).collect(),
        }
    }

    /// Programs: create with target regions (order kept), read, update bumps the version,
    /// stale versions conflict, missing ids are `NotFound { entity: "program" }`; unknown
    /// agency or target region are references and write nothing.
    pub async fn program_create_read_update(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let agency = s
            .create_agency(&agency_draft("Dinas Sosial Blora", AgencyKind::Agency, "33.16", None))
            .await
            .expect("agency");
        let other =
            s.create_agency(&agency_draft("Dinas Pertanian", AgencyKind::Agency, "62.71", None)).await.expect("agency");
        let mut draft = program_draft("PKH Desa Pilang", agency.id, &[PILANG, "33.16.09", KUTUKAN]);
        draft.description = Some("Program Keluarga Harapan".into());
        draft.ends_on = Some(date!(2023 - 12 - 31));
        let created = s.create_program(&draft).await.expect("create");
        assert_eq!(created.version, 1);
        assert_eq!(
            (
                &created.name,
                created.agency_id,
                created.starts_on,
                created.ends_on,
                &created.description,
                &created.target_regions
            ),
            (&draft.name, agency.id, draft.starts_on, draft.ends_on, &draft.description, &draft.target_regions)
        );
        assert_eq!(s.program(created.id).await.expect("read"), created);

        draft.name = "PKH Randublatung".into();
        draft.agency_id = other.id;
        draft.target_regions = vec![code("33.16.09")];
        draft.ends_on = None;
        draft.description = None;
        let updated = s.update_program(created.id, &draft, 1).await.expect("update");
        assert_eq!(updated.version, 2);
        assert_eq!(
            (&updated.name, updated.agency_id, updated.ends_on, &updated.description, &updated.target_regions),
            (&draft.name, other.id, None, &None, &vec![code("33.16.09")])
        );
        assert_eq!(s.program(created.id).await.expect("read"), updated);
        assert_err!(
            s.update_program(created.id, &draft, 1).await,
            StoreError::Conflict { entity: "program", expected: 1, actual: 2 }
        );
        let untargeted = s
            .update_program(created.id, &NewProgram { target_regions: vec![], ..draft.clone() }, 2)
            .await
            .expect("none");
        assert!(untargeted.target_regions.is_empty());
        assert_eq!(untargeted.version, 3);

        let missing = created.id + 1000;
        assert_err!(s.program(missing).await, StoreError::NotFound { entity: "program" });
        assert_err!(s.update_program(missing, &draft, 1).await, StoreError::NotFound { entity: "program" });

        assert_err!(
            s.create_program(&program_draft("Ghost agency", other.id + 1000, &[PILANG])).await,
            StoreError::Reference { field: "agency_id", .. }
        );
        assert_err!(
            s.create_program(&program_draft("Ghost region", agency.id, &[PILANG, "33.16.09.2099"])).await,
            StoreError::Reference { field: "target_regions", .. }
        );
        assert_err!(
            s.update_program(created.id, &NewProgram { agency_id: other.id + 1000, ..draft.clone() }, 3).await,
            StoreError::Reference { field: "agency_id", .. }
        );
        assert_err!(
            s.update_program(created.id, &program_draft("Ghost region", agency.id, &[KUTUKAN, "62.99"]), 3).await,
            StoreError::Reference { field: "target_regions", .. }
        );
        assert_eq!(s.program(created.id).await.expect("read"), untargeted, "failed updates change nothing");
        assert_eq!(s.registry_counts().await.expect("counts").programs, 1, "failed creates write nothing");
    }

    /// Programs match when the name contains the text (case-insensitive), by name then id,
    /// with their agency's name and enrollment count.
    pub async fn program_search(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let a = s
            .create_agency(&agency_draft("Dinas Sosial Blora", AgencyKind::Agency, "33.16", None))
            .await
            .expect("agency");
        let mut ids = Vec::new();
        for name in ["PKH Desa Pilang", "Optimasi Lahan", "pkh Kutukan", "BPM KOTAKU 2019", "PKH Desa Pilang"] {
            ids.push(s.create_program(&program_draft(name, a.id, &[PILANG])).await.expect("program").id);
        }
        let page = s.search_programs(&q("pkh")).await.expect("search");
        assert_whole(&page, 3);
        let got: Vec<(Id, &str, &str, u32)> = page
            .items
            .iter()
            .map(|p| (p.program.id, p.program.name.as_str(), p.agency_name.as_str(), p.enrolled))
            .collect();
        assert_eq!(
            got,
            [
                (ids[0], "PKH Desa Pilang", "Dinas Sosial Blora", 0),
                (ids[4], "PKH Desa Pilang", "Dinas Sosial Blora", 0),
                (ids[2], "pkh Kutukan", "Dinas Sosial Blora", 0)
            ]
        );
        assert_eq!(page.items[0].program.target_regions, [code(PILANG)]);
        let page = s.search_programs(&q("kotaku")).await.expect("search");
        assert_eq!(page.items.iter().map(|p| p.program.id).collect::<Vec<_>>(), [ids[3]]);
        assert!(s.search_programs(&q("%")).await.expect("search").items.is_empty());
        let page = s.search_programs(&Query { page: PageRequest::new(3, 2), ..Query::default() }).await.expect("page");
        assert_eq!((page.items.len(), page.total, page.pages()), (1, 5, 3));
        assert_eq!(page.items[0].program.id, ids[2], "the last by name is `pkh Kutukan`");
    }

    /// Enrollment of households, people and groups: once per program and subject; unknown
    /// program is `NotFound`, unknown subject a `Reference { field: "subject_id" }`.
    pub async fn enrollments(s: Arc<dyn Store>) {
        let s = &*s;
        let reg = seed_registry(s).await;
        let a = s
            .create_agency(&agency_draft("Dinas Sosial Blora", AgencyKind::Agency, "33.16", None))
            .await
            .expect("agency");
        let pkh = s.create_program(&program_draft("PKH Desa Pilang", a.id, &[PILANG])).await.expect("program");
        let p2k2 = s.create_program(&program_draft("P2K2", a.id, &[])).await.expect("program");
        let g = s
            .create_group(&NewGroup {
                name: "Kelompok P2K2 Mawar".into(),
                kind: GroupKind::FamilyCohort,
                ..g_draft(PILANG)
            })
            .await
            .expect("group");
        let subject = |kind, id| NewEnrollment {
            subject: Subject { kind, id },
            status: EnrollmentStatus::Enrolled,
            enrolled_on: date!(2020 - 02 - 01),
            ended_on: None,
        };
        let h1 = &reg.h[0];
        let agus = reg.person("Agus");

        let e1 = s.enroll(pkh.id, &subject(SubjectKind::Household, h1.id)).await.expect("household");
        assert_eq!(
            (e1.program_id, e1.subject, e1.subject_label.as_str(), e1.status, e1.enrolled_on, e1.ended_on, e1.version),
            (
                pkh.id,
                Subject { kind: SubjectKind::Household, id: h1.id },
                "Jl. Pilang Raya No. 5",
                EnrollmentStatus::Enrolled,
                date!(2020 - 02 - 01),
                None,
                1
            )
        );
        let suspended = NewEnrollment {
            status: EnrollmentStatus::Suspended,
            ended_on: Some(date!(2021 - 06 - 30)),
            ..subject(SubjectKind::Person, agus.id)
        };
        let e2 = s.enroll(pkh.id, &suspended).await.expect("person");
        assert_eq!(
            (e2.subject_label.as_str(), e2.status, e2.ended_on),
            ("Agus", EnrollmentStatus::Suspended, Some(date!(2021 - 06 - 30)))
        );
        let e3 = s.enroll(pkh.id, &subject(SubjectKind::Group, g.id)).await.expect("group");
        assert_eq!(e3.subject_label, "Kelompok P2K2 Mawar");
        s.enroll(p2k2.id, &subject(SubjectKind::Household, h1.id)).await.expect("same household, other program");

        assert_err!(
            s.enroll(pkh.id, &subject(SubjectKind::Household, h1.id)).await,
            StoreError::Duplicate { field: "subject_id", .. }
        );
        assert_err!(
            s.enroll(pkh.id, &subject(SubjectKind::Person, agus.id)).await,
            StoreError::Duplicate { field: "subject_id", .. }
        );
        assert_err!(
            s.enroll(pkh.id, &subject(SubjectKind::Group, g.id)).await,
            StoreError::Duplicate { field: "subject_id", .. }
        );
        assert_err!(
            s.enroll(pkh.id + 1000, &subject(SubjectKind::Household, h1.id)).await,
            StoreError::NotFound { entity: "program" }
        );
        let missing = 1_000_000;
        for kind in [SubjectKind::Household, SubjectKind::Person, SubjectKind::Group] {
            assert_err!(
                s.enroll(pkh.id, &subject(kind, missing)).await,
                StoreError::Reference { field: "subject_id", .. }
            );
        }

        let mut seen = Vec::new();
        for page_no in 1..=2 {
            let page = s
                .program_enrollments(pkh.id, &Query { page: PageRequest::new(page_no, 2), ..Query::default() })
                .await
                .expect("enrollments");
            assert_eq!((page.total, page.total_capped, page.items.len()), (3, false, [2, 1][page_no as usize - 1]));
            seen.extend(page.items);
        }
        seen.sort_by_key(|e| e.id);
        assert_eq!(seen, [e1.clone(), e2.clone(), e3.clone()]);
        assert_err!(
            s.program_enrollments(pkh.id + 1000, &Query::default()).await,
            StoreError::NotFound { entity: "program" }
        );

        let mut of_h1: Vec<(Id, String)> = s
            .subject_enrollments(Subject { kind: SubjectKind::Household, id: h1.id })
            .await
            .expect("subject")
            .into_iter()
            .map(|x| (x.enrollment.program_id, x.program_name))
            .collect();
        of_h1.sort();
        assert_eq!(of_h1, [(pkh.id, "PKH Desa Pilang".to_string()), (p2k2.id, "P2K2".to_string())]);
        let of_agus = s.subject_enrollments(Subject { kind: SubjectKind::Person, id: agus.id }).await.expect("subject");
        assert_eq!(of_agus.len(), 1);
        assert_eq!(of_agus[0].enrollment, e2);
        assert!(
            s.subject_enrollments(Subject { kind: SubjectKind::Person, id: reg.person("Rina").id })
                .await
                .expect("none")
                .is_empty()
        );
        // A household id used as a person id finds nothing of the household's.
        let as_group = s.subject_enrollments(Subject { kind: SubjectKind::Group, id: h1.id }).await.expect("subject");
        assert!(as_group.iter().all(|x| x.enrollment.subject.kind == SubjectKind::Group));

        let programs = s.search_programs(&q("")).await.expect("programs");
        let enrolled: Vec<(Id, u32)> = programs.items.iter().map(|p| (p.program.id, p.enrolled)).collect();
        assert_eq!(enrolled, [(p2k2.id, 1), (pkh.id, 3)]);
        assert_eq!(s.registry_counts().await.expect("counts").enrollments, 4);
    }

    fn change(to: EnrollmentStatus, on: Date, reason: Option<&str>) -> StatusChange {
        StatusChange { to, on, reason: reason.map(Into::into) }
    }

    /// A status change: checks the version (`Conflict` when stale, `NotFound` when missing),
    /// refuses a move the transition table does not allow (`Invalid` on `status`), sets
    /// `ended_on` for an ending status and clears it on re-entry, and writes the history row
    /// with the acting user in the same transaction (a refused change leaves no row). The
    /// first row is written by `enroll`, decided by the system outside any actor.
    pub async fn enrollment_status_changes(s: Arc<dyn Store>) {
        use crate::access::{Actor, acting_as};
        use EnrollmentStatus::*;
        let s = &*s;
        let reg = seed_registry(s).await;
        let a =
            s.create_agency(&agency_draft("Dinas Sosial", AgencyKind::Agency, "33.16", None)).await.expect("agency");
        let pkh = s.create_program(&program_draft("PKH Pilang", a.id, &[PILANG])).await.expect("program");
        let officer = super::access::user(s, "petugas.pkh", berdaya_domain::access::Role::ProgramOfficer).await;
        let actor = Actor::user(officer.id, "petugas.pkh");
        let h = reg.h[0].id;
        let new = NewEnrollment {
            subject: Subject { kind: SubjectKind::Household, id: h },
            status: Enrolled,
            enrolled_on: date!(2021 - 01 - 15),
            ended_on: None,
        };
        let e = s.enroll(pkh.id, &new).await.expect("enroll");
        let first = s.enrollment_history(e.id).await.expect("history");
        assert_eq!(first.len(), 1);
        let c = &first[0].change;
        assert_eq!(
            (c.from, c.to, c.on, c.decided_by, c.decided_by_name.as_str()),
            (None, Enrolled, date!(2021 - 01 - 15), None, "system")
        );
        assert_eq!(
            (first[0].program_name.as_str(), first[0].subject_label.as_str()),
            ("PKH Pilang", "Jl. Pilang Raya No. 5")
        );

        let why = "tidak hadir P2K2 tiga bulan berturut-turut";
        let suspend = change(Suspended, date!(2023 - 03 - 01), Some(why));
        let suspended = acting_as(actor.clone(), s.change_enrollment_status(e.id, &suspend, 1)).await.expect("suspend");
        assert_eq!((suspended.status, suspended.ended_on, suspended.version), (Suspended, None, 2));
        assert_eq!(s.enrollment(e.id).await.expect("read"), suspended);
        assert_err!(
            acting_as(
                actor.clone(),
                s.change_enrollment_status(e.id, &change(Enrolled, date!(2023 - 04 - 01), None), 1)
            )
            .await,
            StoreError::Conflict { entity: "enrollment", expected: 1, actual: 2 }
        );
        assert_err!(
            s.change_enrollment_status(e.id + 1000, &suspend, 1).await,
            StoreError::NotFound { entity: "enrollment" }
        );
        assert_err!(
            s.change_enrollment_status(e.id, &change(Graduated, date!(2023 - 04 - 01), None), 2).await,
            StoreError::Invalid(inv) if inv.0[0].field == "status"
        );
        let exited = s
            .change_enrollment_status(e.id, &change(Exited, date!(2023 - 05 - 02), Some("pindah ke Kalimantan")), 2)
            .await
            .expect("exit");
        assert_eq!((exited.status, exited.ended_on), (Exited, Some(date!(2023 - 05 - 02))));
        let back = acting_as(
            actor.clone(),
            s.change_enrollment_status(e.id, &change(Enrolled, date!(2024 - 01 - 10), None), 3),
        )
        .await
        .expect("re-entry");
        assert_eq!((back.status, back.ended_on, back.enrolled_on), (Enrolled, None, date!(2021 - 01 - 15)));
        let graduated = s
            .change_enrollment_status(e.id, &change(Graduated, date!(2024 - 06 - 30), None), 4)
            .await
            .expect("graduate");
        assert_eq!((graduated.status, graduated.ended_on), (Graduated, Some(date!(2024 - 06 - 30))));
        assert_err!(
            s.change_enrollment_status(e.id, &change(Enrolled, date!(2024 - 07 - 01), None), 5).await,
            StoreError::Invalid(_)
        );

        let history = s.enrollment_history(e.id).await.expect("history");
        let moves: Vec<_> = history.iter().map(|x| (x.change.from, x.change.to, x.change.on)).collect();
        assert_eq!(
            moves,
            [
                (Some(Enrolled), Graduated, date!(2024 - 06 - 30)),
                (Some(Exited), Enrolled, date!(2024 - 01 - 10)),
                (Some(Suspended), Exited, date!(2023 - 05 - 02)),
                (Some(Enrolled), Suspended, date!(2023 - 03 - 01)),
                (None, Enrolled, date!(2021 - 01 - 15)),
            ],
            "newest first, refused changes left no row"
        );
        let by_officer = &history[3].change;
        assert_eq!((by_officer.decided_by, by_officer.decided_by_name.as_str()), (Some(officer.id), "petugas.pkh"));
        assert_eq!(by_officer.reason.as_deref(), Some(why));
        assert_eq!(history[2].change.decided_by, None, "outside any actor: the system");
        assert!(history.windows(2).all(|w| w[0].change.recorded_at >= w[1].change.recorded_at));
        assert_err!(s.enrollment_history(e.id + 1000).await, StoreError::NotFound { entity: "enrollment" });
        assert_err!(s.enrollment(e.id + 1000).await, StoreError::NotFound { entity: "enrollment" });

        // Each change is in the audit log, attributed to who made it.
        let log = super::access::entries_of(s, "enrollment_changes", Some(history[3].change.id.to_string())).await;
        assert_eq!(log.len(), 1);
        assert_eq!((log[0].action.as_str(), log[0].actor_id), ("create", Some(officer.id)));
        assert_eq!(super::access::json_of(&log[0].after)["to_status"], serde_json::json!("suspended"));
        let rows = super::access::entries_of(s, "enrollments", Some(e.id.to_string())).await;
        assert_eq!(rows.iter().filter(|x| x.action == "update").count(), 4);
    }

    /// History by subject and by program: newest first, paged, and for a program limited to
    /// the query's region and scope exactly as `program_enrollments`.
    pub async fn enrollment_history_scope(s: Arc<dyn Store>) {
        use EnrollmentStatus::*;
        let s = &*s;
        let reg = seed_registry(s).await;
        let a = s.create_agency(&agency_draft("Dinas Sosial", AgencyKind::Agency, "33", None)).await.expect("agency");
        let wide = s.create_program(&program_draft("Jawa Tengah", a.id, &["33"])).await.expect("program");
        let other = s.create_program(&program_draft("Lain", a.id, &["33"])).await.expect("program");
        let enroll = |kind, id, on| NewEnrollment {
            subject: Subject { kind, id },
            status: Candidate,
            enrolled_on: on,
            ended_on: None,
        };
        let pilang = s
            .enroll(wide.id, &enroll(SubjectKind::Household, reg.h[0].id, date!(2022 - 01 - 01)))
            .await
            .expect("enroll");
        let kalampangan = s
            .enroll(wide.id, &enroll(SubjectKind::Household, reg.h[2].id, date!(2022 - 02 - 01)))
            .await
            .expect("enroll");
        let wibowo = s
            .enroll(wide.id, &enroll(SubjectKind::Person, reg.person("Wibowo").id, date!(2022 - 03 - 01)))
            .await
            .expect("enroll");
        let elsewhere = s
            .enroll(other.id, &enroll(SubjectKind::Household, reg.h[0].id, date!(2022 - 04 - 01)))
            .await
            .expect("enroll");
        s.change_enrollment_status(pilang.id, &change(Enrolled, date!(2022 - 05 - 01), None), 1).await.expect("enroll");
        s.change_enrollment_status(kalampangan.id, &change(Enrolled, date!(2022 - 06 - 01), None), 1)
            .await
            .expect("enroll");
        s.change_enrollment_status(elsewhere.id, &change(Exited, date!(2022 - 07 - 01), Some("menolak")), 1)
            .await
            .expect("exit");

        let h0 = Subject { kind: SubjectKind::Household, id: reg.h[0].id };
        let of_h0 = s.subject_history(&[h0], PageRequest::new(1, 25)).await.expect("subject");
        let seen: Vec<_> = of_h0.items.iter().map(|x| (x.program_name.as_str(), x.change.to)).collect();
        assert_eq!(
            seen,
            [("Lain", Exited), ("Jawa Tengah", Enrolled), ("Lain", Candidate), ("Jawa Tengah", Candidate)]
        );
        let page2 = s.subject_history(&[h0], PageRequest::new(2, 3)).await.expect("page");
        assert_eq!((page2.total, page2.items.len()), (4, 1));
        let as_person = [Subject { kind: SubjectKind::Person, id: reg.h[0].id }];
        let as_person = s.subject_history(&as_person, PageRequest::new(1, 25)).await.expect("none");
        assert!(as_person.items.is_empty(), "a household id as a person id finds nothing");
        assert!(s.subject_history(&[], PageRequest::new(1, 25)).await.expect("none").items.is_empty());
        // A person with their household: both histories, newest first.
        let wibowo_subject = Subject { kind: SubjectKind::Person, id: reg.person("Wibowo").id };
        let both = s.subject_history(&[wibowo_subject, h0], PageRequest::new(1, 25)).await.expect("both");
        assert_eq!(both.total, 5);
        assert_eq!(both.items.iter().filter(|x| x.subject == wibowo_subject).count(), 1);

        let of_program = |query: Query| async move {
            let page = s.program_history(wide.id, &query).await.expect("program history");
            assert_eq!(page.total, page.items.len() as u64);
            page.items.iter().map(|x| (x.change.enrollment_id, x.change.to)).collect::<Vec<_>>()
        };
        assert_eq!(
            of_program(q("")).await,
            [
                (kalampangan.id, Enrolled),
                (pilang.id, Enrolled),
                (wibowo.id, Candidate),
                (kalampangan.id, Candidate),
                (pilang.id, Candidate)
            ]
        );
        assert_eq!(
            of_program(in_region("", "33.16.09")).await,
            [(pilang.id, Enrolled), (wibowo.id, Candidate), (pilang.id, Candidate)]
        );
        assert_eq!(
            of_program(in_region("", KALAMPANGAN)).await,
            [(kalampangan.id, Enrolled), (kalampangan.id, Candidate)]
        );
        let within = Query { within: Some(Within::AssignedTo(1_000_000)), ..q("") };
        assert!(of_program(within).await.is_empty(), "nothing assigned, nothing seen");
        let paged = s.program_history(wide.id, &Query { page: PageRequest::new(2, 2), ..q("") }).await.expect("page");
        assert_eq!((paged.total, paged.items.len()), (5, 2));
        assert_err!(s.program_history(wide.id + 1000, &q("")).await, StoreError::NotFound { entity: "program" });
    }

    fn sorted(key: &str, descending: bool) -> Query {
        Query { sort: Some(Sort { key: key.into(), descending }), ..q("") }
    }

    fn filtered(key: &str, value: &str) -> Query {
        Query { filters: vec![(key.into(), value.into())], ..q("") }
    }

    /// `expected` ordered ascending by `key` (then id), and descending by `key` (then id).
    fn both_ways<K: Ord + Clone>(items: &[(Id, K)]) -> (Vec<Id>, Vec<Id>) {
        let mut up = items.to_vec();
        up.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        let mut down = items.to_vec();
        down.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        (up.into_iter().map(|x| x.0).collect(), down.into_iter().map(|x| x.0).collect())
    }

    /// Every listing sorts by each key it names, both ways, the id breaking ties (NULLs last
    /// both ways); an unknown key keeps the natural order.
    pub async fn listing_sorts(s: Arc<dyn Store>) {
        let s = &*s;
        let reg = seed_registry(s).await;

        // Regions: keyed by code, so the "ids" here are positions in REGIONS.
        let regions = |key: &'static str| async move {
            let up = s.search_regions(&sorted(key, false)).await.expect("regions");
            let down = s.search_regions(&sorted(key, true)).await.expect("regions");
            (
                region_codes(&up).into_iter().map(String::from).collect::<Vec<_>>(),
                region_codes(&down).into_iter().map(String::from).collect::<Vec<_>>(),
            )
        };
        let mut by_name: Vec<(&str, String)> = REGIONS.iter().map(|(c, n, _)| (*c, n.to_lowercase())).collect();
        by_name.sort_by(|a, b| a.1.cmp(&b.1));
        let (up, down) = regions("name").await;
        assert_eq!(up, by_name.iter().map(|x| x.0).collect::<Vec<_>>(), "regions by name");
        assert_eq!(down, by_name.iter().rev().map(|x| x.0).collect::<Vec<_>>(), "regions by name, descending");
        let (up, _) = regions("kind").await;
        let mut by_kind: Vec<(&str, &str)> = REGIONS.iter().map(|(c, _, k)| (k.code(), *c)).collect();
        by_kind.sort();
        assert_eq!(up, by_kind.iter().map(|x| x.1).collect::<Vec<_>>(), "regions by kind, then code");
        let (up, down) = regions("code").await;
        assert_eq!(up.iter().rev().collect::<Vec<_>>(), down.iter().collect::<Vec<_>>(), "regions by code");
        assert_eq!(regions("nonsense").await.0, up, "an unknown key keeps the code order");

        // Households: h4 has no head, so it comes last both ways by head.
        let h = &reg.h;
        let households = |key: &'static str, descending: bool| async move {
            let page = s.search_households(&sorted(key, descending)).await.expect("households");
            page.items.iter().map(|x| x.household.id).collect::<Vec<_>>()
        };
        assert_eq!(households("head", false).await, [h[4].id, h[2].id, h[0].id, h[1].id, h[3].id], "by head");
        assert_eq!(
            households("head", true).await,
            [h[1].id, h[0].id, h[2].id, h[4].id, h[3].id],
            "by head, descending"
        );
        assert_eq!(households("members", true).await, [h[0].id, h[1].id, h[2].id, h[4].id, h[3].id], "by members");
        assert_eq!(households("members", false).await, [h[3].id, h[1].id, h[2].id, h[4].id, h[0].id], "by members");
        assert_eq!(households("address", false).await, [h[1].id, h[4].id, h[3].id, h[2].id, h[0].id], "by address");
        assert_eq!(households("address", true).await, [h[0].id, h[2].id, h[3].id, h[4].id, h[1].id], "by address");
        assert_eq!(households("region", false).await, [h[2].id, h[1].id, h[4].id, h[0].id, h[3].id], "by region name");
        let stages: Vec<(Id, &str)> = h.iter().map(|x| (x.id, x.welfare_stage.code())).collect();
        assert_eq!(households("welfare_stage", true).await, both_ways(&stages).1, "by welfare stage");

        // People.
        let people = |key: &'static str, descending: bool| async move {
            let page = s.search_people(&sorted(key, descending)).await.expect("people");
            page.items.iter().map(|x| x.id).collect::<Vec<_>>()
        };
        let births: Vec<(Id, Date)> = reg.p.iter().map(|p| (p.id, p.birth_date)).collect();
        let (up, down) = both_ways(&births);
        assert_eq!((people("birth_date", false).await, people("birth_date", true).await), (up, down), "by birth date");
        let sexes: Vec<(Id, &str)> = reg.p.iter().map(|p| (p.id, p.sex.code())).collect();
        let (up, down) = both_ways(&sexes);
        assert_eq!((people("sex", false).await, people("sex", true).await), (up, down), "by sex");
        let names: Vec<(Id, String)> = reg.p.iter().map(|p| (p.id, p.name.to_lowercase())).collect();
        let (up, down) = both_ways(&names);
        assert_eq!((people("name", false).await, people("name", true).await), (up, down), "by name");

        // Groups, agencies, programs.
        let a1 = s
            .create_agency(&agency_draft("Dinas Sosial", AgencyKind::Agency, KALAMPANGAN, None))
            .await
            .expect("agency");
        let a2 = s
            .create_agency(&agency_draft("BPP Kutukan", AgencyKind::Unit, KUTUKAN, Some(a1.id)))
            .await
            .expect("agency");
        let a3 = s.create_agency(&agency_draft("Bappeda", AgencyKind::Agency, PILANG, None)).await.expect("agency");
        let agencies = |key: &'static str, descending: bool| async move {
            let page = s.search_agencies(&sorted(key, descending)).await.expect("agencies");
            page.items.iter().map(|x| x.id).collect::<Vec<_>>()
        };
        assert_eq!(agencies("name", true).await, [a1.id, a2.id, a3.id], "agencies by name, descending");
        assert_eq!(agencies("region", false).await, [a1.id, a2.id, a3.id], "agencies by region name");
        assert_eq!(agencies("kind", false).await, [a1.id, a3.id, a2.id], "agencies by kind, then id");
        assert_eq!(agencies("kind", true).await, [a2.id, a1.id, a3.id], "agencies by kind, descending, then id");

        let g = |name: &str, kind: GroupKind, region: &str| NewGroup { name: name.into(), kind, ..g_draft(region) };
        let g1 = s.create_group(&g("Kelompok A", GroupKind::Ksm, PILANG)).await.expect("group");
        let g2 = s.create_group(&g("Kelompok B", GroupKind::FamilyCohort, KALAMPANGAN)).await.expect("group");
        let g3 = s.create_group(&g("Kelompok C", GroupKind::Ksm, KUTUKAN)).await.expect("group");
        let members: Vec<NewMember> = ["Sutrisno", "Sulastri"]
            .iter()
            .map(|n| NewMember { person_id: reg.person(n).id, role: GroupRole::Member, since: None, until: None })
            .collect();
        s.add_members(g3.id, &members).await.expect("members");
        s.add_members(g2.id, &members[..1]).await.expect("members");
        let groups = |key: &'static str, descending: bool| async move {
            let page = s.search_groups(&sorted(key, descending)).await.expect("groups");
            page.items.iter().map(|x| x.group.id).collect::<Vec<_>>()
        };
        assert_eq!(groups("members", true).await, [g3.id, g2.id, g1.id], "groups by members");
        assert_eq!(groups("name", true).await, [g3.id, g2.id, g1.id], "groups by name, descending");
        assert_eq!(groups("region", false).await, [g2.id, g3.id, g1.id], "groups by region name");
        let kinds: Vec<(Id, &str)> = [&g1, &g2, &g3].iter().map(|x| (x.id, x.kind.code())).collect();
        assert_eq!((groups("kind", false).await, groups("kind", true).await), both_ways(&kinds), "groups by kind");

        let mut p = program_draft("Zeta", a3.id, &[PILANG]);
        let p1 = s.create_program(&p).await.expect("program");
        p = NewProgram {
            name: "Alpha".into(),
            agency_id: a2.id,
            starts_on: date!(2021 - 01 - 01),
            ends_on: Some(date!(2022 - 01 - 01)),
            ..p
        };
        let p2 = s.create_program(&p).await.expect("program");
        p = NewProgram {
            name: "Mid".into(),
            agency_id: a1.id,
            starts_on: date!(2020 - 01 - 01),
            ends_on: Some(date!(2023 - 01 - 01)),
            ..p
        };
        let p3 = s.create_program(&p).await.expect("program");
        let enroll = |id| NewEnrollment {
            subject: Subject { kind: SubjectKind::Household, id },
            status: EnrollmentStatus::Enrolled,
            enrolled_on: date!(2021 - 02 - 01),
            ended_on: None,
        };
        s.enroll(p3.id, &enroll(h[0].id)).await.expect("enroll");
        s.enroll(p3.id, &enroll(h[1].id)).await.expect("enroll");
        s.enroll(p2.id, &enroll(h[0].id)).await.expect("enroll");
        let programs = |key: &'static str, descending: bool| async move {
            let page = s.search_programs(&sorted(key, descending)).await.expect("programs");
            page.items.iter().map(|x| x.program.id).collect::<Vec<_>>()
        };
        assert_eq!(programs("name", false).await, [p2.id, p3.id, p1.id], "programs by name");
        assert_eq!(programs("agency", false).await, [p1.id, p2.id, p3.id], "programs by agency name");
        assert_eq!(programs("starts_on", true).await, [p2.id, p3.id, p1.id], "programs by start, descending");
        assert_eq!(programs("ends_on", false).await, [p2.id, p3.id, p1.id], "open-ended last");
        assert_eq!(programs("ends_on", true).await, [p3.id, p2.id, p1.id], "open-ended last, descending too");
        assert_eq!(programs("enrolled", true).await, [p3.id, p2.id, p1.id], "programs by enrolled");
        assert_eq!(programs("enrolled", false).await, [p1.id, p2.id, p3.id], "programs by enrolled");
    }

    /// Each listing's filters keep exact matches; the total counts only those; a value the
    /// field cannot hold matches nothing; unknown keys are ignored.
    pub async fn listing_filters(s: Arc<dyn Store>) {
        let s = &*s;
        let reg = seed_registry(s).await;
        let villages = s.search_regions(&filtered("kind", RegionKind::Village.code())).await.expect("regions");
        assert_eq!(region_codes(&villages), [PILANG, KUTUKAN]);
        assert_whole(&villages, 2);
        let all = s.search_regions(&filtered("no_such_key", "x")).await.expect("regions");
        assert_eq!(all.total, REGIONS.len() as u64, "an unknown key is ignored");

        let h2 = &reg.h[1];
        let changed = NewHousehold {
            kk: h2.kk,
            address: h2.address.clone(),
            region: h2.region.clone(),
            welfare_stage: WelfareStage::Sejahtera1,
            dtks_listed: true,
            dtks_since: Some(date!(2020 - 01 - 01)),
        };
        s.update_household(h2.id, &changed, h2.version).await.expect("update");
        let ids = |p: &Page<crate::HouseholdSummary>| p.items.iter().map(|x| x.household.id).collect::<Vec<_>>();
        let stage = s.search_households(&filtered("welfare_stage", "sejahtera_1")).await.expect("households");
        assert_eq!((ids(&stage), stage.total), (vec![h2.id], 1));
        let listed = s.search_households(&filtered("dtks_listed", "true")).await.expect("households");
        assert_eq!((ids(&listed), listed.total), (vec![h2.id], 1));
        let unlisted = s.search_households(&filtered("dtks_listed", "false")).await.expect("households");
        assert_eq!(unlisted.total, 4);
        assert!(!ids(&unlisted).contains(&h2.id));
        let nonsense = s.search_households(&filtered("dtks_listed", "maybe")).await.expect("households");
        assert_whole(&nonsense, 0);
        let both = Query { filters: vec![("dtks_listed".into(), "false".into())], ..in_region("", "33") };
        assert_eq!(
            ids(&s.search_households(&both).await.expect("households")),
            [reg.h[0].id],
            "filters AND the region"
        );

        let expect = |pred: &dyn Fn(&Person) -> bool| {
            let mut v: Vec<(String, Id)> =
                reg.p.iter().filter(|p| pred(p)).map(|p| (p.name.to_lowercase(), p.id)).collect();
            v.sort();
            v.into_iter().map(|x| x.1).collect::<Vec<_>>()
        };
        let people = |key: &'static str, value: &'static str| async move {
            let page = s.search_people(&filtered(key, value)).await.expect("people");
            assert_eq!(page.total, page.items.len() as u64);
            page.items.iter().map(|p| p.id).collect::<Vec<_>>()
        };
        assert_eq!(people("sex", "female").await, expect(&|p| p.sex == Sex::Female), "by sex");
        assert_eq!(people("relation", "head").await, expect(&|p| p.relation == Relation::Head), "by relation");
        assert_eq!(people("disability", Disability::None.code()).await.len(), reg.p.len(), "by disability");
        assert!(people("disability", Disability::Physical.code()).await.is_empty(), "by disability");

        let a1 =
            s.create_agency(&agency_draft("Dinas Sosial", AgencyKind::Agency, PILANG, None)).await.expect("agency");
        let a2 = s.create_agency(&agency_draft("BPP", AgencyKind::Unit, PILANG, Some(a1.id))).await.expect("agency");
        let units = s.search_agencies(&filtered("kind", AgencyKind::Unit.code())).await.expect("agencies");
        assert_eq!(units.items.iter().map(|a| a.id).collect::<Vec<_>>(), [a2.id]);
        assert_whole(&units, 1);

        let ksm = s.create_group(&g_draft(PILANG)).await.expect("group");
        let other = NewGroup { kind: GroupKind::FamilyCohort, ..g_draft(PILANG) };
        s.create_group(&other).await.expect("group");
        let found = s.search_groups(&filtered("kind", GroupKind::Ksm.code())).await.expect("groups");
        assert_eq!(found.items.iter().map(|g| g.group.id).collect::<Vec<_>>(), [ksm.id]);
        assert_whole(&found, 1);

        let p1 = s.create_program(&program_draft("PKH", a1.id, &[PILANG])).await.expect("program");
        s.create_program(&program_draft("Optimasi", a2.id, &[PILANG])).await.expect("program");
        let of_a1 = s.search_programs(&filtered("agency_id", &a1.id.to_string())).await.expect("programs");
        assert_eq!(of_a1.items.iter().map(|p| p.program.id).collect::<Vec<_>>(), [p1.id]);
        assert_whole(&of_a1, 1);
        assert_whole(&s.search_programs(&filtered("agency_id", "not a number")).await.expect("programs"), 0);
    }

    /// With a region, programs are those targeting a region in the area or above it, and
    /// both the `enrolled` count and `program_enrollments` keep only subjects in the area
    /// (and within the query's scope), so a list and a program's page agree.
    pub async fn programs_by_area(s: Arc<dyn Store>) {
        let s = &*s;
        let reg = seed_registry(s).await;
        let a = s.create_agency(&agency_draft("Dinas Sosial", AgencyKind::Agency, "33", None)).await.expect("agency");
        let wide = s.create_program(&program_draft("Jawa Tengah", a.id, &["33"])).await.expect("program");
        let pilang = s.create_program(&program_draft("Pilang", a.id, &[PILANG])).await.expect("program");
        let lampung = s.create_program(&program_draft("Lampung", a.id, &[L12, KALAMPANGAN])).await.expect("program");
        let nowhere = s.create_program(&program_draft("Nowhere", a.id, &[])).await.expect("program");
        let g = s.create_group(&NewGroup { name: "Kutukan".into(), ..g_draft(KUTUKAN) }).await.expect("group");
        let sutrisno = reg.person("Sutrisno");
        s.add_member(g.id, &NewMember { person_id: sutrisno.id, role: GroupRole::Member, since: None, until: None })
            .await
            .expect("member");
        let enroll = |kind, id| NewEnrollment {
            subject: Subject { kind, id },
            status: EnrollmentStatus::Enrolled,
            enrolled_on: date!(2021 - 02 - 01),
            ended_on: None,
        };
        // Wide: a Pilang household, a Kutukan person, a Kutukan group, a Kalampangan household.
        s.enroll(wide.id, &enroll(SubjectKind::Household, reg.h[0].id)).await.expect("enroll");
        s.enroll(wide.id, &enroll(SubjectKind::Person, reg.person("Wibowo").id)).await.expect("enroll");
        s.enroll(wide.id, &enroll(SubjectKind::Group, g.id)).await.expect("enroll");
        s.enroll(wide.id, &enroll(SubjectKind::Household, reg.h[2].id)).await.expect("enroll");
        s.enroll(lampung.id, &enroll(SubjectKind::Household, reg.h[4].id)).await.expect("enroll");

        let listed = |query: Query| async move {
            let page = s.search_programs(&query).await.expect("programs");
            assert_eq!(page.total, page.items.len() as u64, "the total counts what is listed");
            page.items.iter().map(|p| (p.program.name.clone(), p.enrolled)).collect::<Vec<_>>()
        };
        let all = listed(q("")).await;
        assert_eq!(
            all,
            [("Jawa Tengah".into(), 4), ("Lampung".into(), 1), ("Nowhere".into(), 0), ("Pilang".into(), 0)]
        );
        // A district: the province-wide program (above it) and Pilang's (below it).
        let district = listed(in_region("", "33.16.09")).await;
        assert_eq!(district, [("Jawa Tengah".into(), 3), ("Pilang".into(), 0)]);
        // A village: the wide program counts only Pilang's household.
        assert_eq!(listed(in_region("", PILANG)).await, [("Jawa Tengah".into(), 1), ("Pilang".into(), 0)]);
        // An RT below a lingkungan: the Lampung program targets L12, not L1.
        assert!(listed(in_region("", L1_RT03)).await.is_empty());
        assert_eq!(listed(in_region("", L12)).await, [("Lampung".into(), 1)]);
        assert_eq!(listed(in_region("", "62")).await, [("Lampung".into(), 0)], "Lampung also targets Kalampangan");
        // Within a group: the group, its members, their households.
        let members_of = Query { within: Some(Within::MembersOf(g.id)), ..q("") };
        assert_eq!(listed(members_of.clone()).await[0], ("Jawa Tengah".into(), 2), "the group and Pilang's household");

        let enrolled = |query: Query| async move {
            let page = s.program_enrollments(wide.id, &query).await.expect("enrollments");
            assert_eq!(page.total, page.items.len() as u64);
            page.items.iter().map(|e| e.subject).collect::<Vec<_>>()
        };
        assert_eq!(enrolled(q("")).await.len(), 4);
        let in_district = enrolled(in_region("", "33.16.09")).await;
        assert_eq!(
            in_district.iter().map(|x| x.kind).collect::<Vec<_>>(),
            [SubjectKind::Household, SubjectKind::Person, SubjectKind::Group]
        );
        assert_eq!(
            enrolled(in_region("", KALAMPANGAN)).await,
            [Subject { kind: SubjectKind::Household, id: reg.h[2].id }]
        );
        assert_eq!(enrolled(members_of).await.len(), 2);
        let paged = s
            .program_enrollments(wide.id, &Query { page: PageRequest::new(2, 2), ..in_region("", "33") })
            .await
            .expect("page");
        assert_eq!((paged.total, paged.items.len()), (3, 1));
        assert!(s.program_enrollments(nowhere.id, &q("")).await.expect("none").items.is_empty());
        assert_eq!(pilang.target_regions, [code(PILANG)]);
    }

    /// Totals are exact up to `COUNT_CAP` and capped past it.
    pub async fn count_cap(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let n = COUNT_CAP as usize + 5;
        let rows = import_rows(1, n);
        let in_62 = rows.iter().filter(|(h, _)| h.region.as_str().starts_with("62.")).count() as u64;
        let records: Vec<_> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (h, mut p))| {
                p.name = format!("Warga {i:05}");
                record(2 + i as u64, &h, &p)
            })
            .collect();
        let report = import(s, records, false, false).await;
        assert!(report.committed, "{:?}", report.errors.first());
        assert_eq!(report.people_created, n as u64);

        let page = s.search_people(&Query { page: PageRequest::new(3, 10), ..Query::default() }).await.expect("people");
        assert_eq!((page.total, page.total_capped), (COUNT_CAP, true));
        assert_eq!(page.pages(), (COUNT_CAP / 10) as u32);
        assert_eq!(names(&page), (20..30).map(|i| format!("Warga {i:05}")).collect::<Vec<_>>());
        let page = s.search_people(&q("warga 1000")).await.expect("prefix");
        assert_eq!(names(&page), ["Warga 10000", "Warga 10001", "Warga 10002", "Warga 10003", "Warga 10004"]);
        assert_whole(&page, 5);
        let page = s.search_people(&Query { page: PageRequest::new(1, 200), ..q("warga 0") }).await.expect("prefix");
        assert_eq!(
            (page.total, page.total_capped, page.items.len()),
            (COUNT_CAP, false, 200),
            "exactly the cap is not capped"
        );
        let page = s.search_people(&in_region("", "62")).await.expect("region");
        assert_eq!((page.total, page.total_capped), (in_62, false));
        let households = s.search_households(&q("")).await.expect("households");
        assert_eq!((households.total, households.total_capped), (n.div_ceil(3) as u64, false));
    }

    /// A clean file commits: households once per KK, people linked, NIK mismatches warned.
    pub async fn import_commits_valid_file(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let mut rows = import_rows(1, 6);
        // Row 3: the NIK's birth date is a day off; row 4: registered in another district;
        // row 5: the NIK says male.
        rows[1].1.birth_date = rows[1].1.birth_date.next_day().expect("day");
        rows[2].1.nik = nik("331610", rows[2].1.birth_date, rows[2].1.sex, 4321);
        rows[3].1.sex = flip(rows[3].1.sex);
        let records: Vec<_> = rows.iter().enumerate().map(|(i, (h, p))| record(2 + i as u64, h, p)).collect();
        let report = import(s, records, false, false).await;
        assert!(report.committed);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!((report.rows, report.households_created, report.people_created, report.rejected_rows), (6, 2, 6, 0));
        assert_eq!(report.warnings_total, 3);
        let warned: Vec<u64> = report.warnings.iter().map(|w| w.row).collect();
        assert_eq!(warned, [3, 4, 5]);
        assert!(matches!(report.warnings[0].mismatch, NikMismatch::BirthDate { .. }), "{:?}", report.warnings[0]);
        assert!(matches!(report.warnings[1].mismatch, NikMismatch::Region { .. }), "{:?}", report.warnings[1]);
        assert!(matches!(report.warnings[2].mismatch, NikMismatch::Sex { .. }), "{:?}", report.warnings[2]);

        let counts = s.registry_counts().await.expect("counts");
        assert_eq!((counts.households, counts.people), (2, 6));
        for (h, p) in &rows {
            let found = s.search_people(&q(&p.nik.reveal())).await.expect("by NIK");
            assert_eq!(found.items.len(), 1);
            let person = &found.items[0];
            assert_eq!(
                (&person.name, person.sex, person.birth_date, person.relation),
                (&p.name, p.sex, p.birth_date, p.relation)
            );
            let household = s.household(person.household_id.expect("linked to a household")).await.expect("household");
            assert_eq!(
                (
                    household.kk,
                    &household.address,
                    &household.region,
                    household.welfare_stage,
                    household.dtks_listed,
                    household.dtks_since
                ),
                (h.kk, &h.address, &h.region, h.welfare_stage, h.dtks_listed, h.dtks_since)
            );
        }
        let first = s.search_households(&q(&rows[0].0.kk.reveal())).await.expect("by KK");
        assert_eq!(first.items.len(), 1);
        assert_eq!(first.items[0].members, 3);
        assert_eq!(first.items[0].head_name.as_deref(), Some(rows[0].1.name.as_str()));
    }

    /// By default any bad row — from the source, or found by the store — imports nothing.
    pub async fn import_rolls_back_on_any_error(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        // Already in the database: one household with one person.
        let existing = import_rows(500, 1);
        let report = import(s, vec![record(2, &existing[0].0, &existing[0].1)], false, false).await;
        assert!(report.committed);
        let before = snapshot(s).await;

        let good = import_rows(1, 4);
        let mut cases: Vec<(&str, Vec<SourceRow>, u64, &str)> = Vec::new();
        let rows_with = |bad: SourceRow| {
            let mut v: Vec<_> = good.iter().enumerate().map(|(i, (h, p))| record(2 + i as u64, h, p)).collect();
            v.insert(2, bad);
            for (i, r) in v.iter_mut().enumerate() {
                if let Ok(r) = r {
                    r.row = 2 + i as u64;
                }
            }
            v
        };
        cases.push(("source error", rows_with(bad_row(4, "birth_date")), 4, "birth_date"));
        let (h, p) = &good[3];
        let extra_person = NewPerson { nik: nik("331609", p.birth_date, p.sex, 7777), ..p.clone() };
        cases.push((
            "KK in the database",
            rows_with(record(4, &NewHousehold { kk: existing[0].0.kk, ..h.clone() }, &extra_person)),
            4,
            "kk",
        ));
        let clash = NewPerson { nik: existing[0].1.nik, ..p.clone() };
        let fresh_h = NewHousehold { kk: kk("331609", 4000), ..h.clone() };
        cases.push(("NIK in the database", rows_with(record(4, &fresh_h, &clash)), 4, "nik"));
        let nowhere = NewHousehold { region: code("33.16.09.2099"), ..fresh_h.clone() };
        cases.push(("unknown region", rows_with(record(4, &nowhere, &extra_person)), 4, "region"));
        cases.push(("NIK twice in the file", rows_with(record(4, &fresh_h, &good[0].1)), 4, "nik"));
        let disagreeing = NewHousehold { address: "Somewhere else".into(), ..good[0].0.clone() };
        cases.push(("rows of one KK disagree", rows_with(record(4, &disagreeing, &extra_person)), 4, "address"));

        for (what, rows, bad_row_no, column) in cases {
            let n = rows.len() as u64;
            let report = import(s, rows, false, false).await;
            assert!(!report.committed, "{what}: committed");
            assert_eq!(report.rows, n, "{what}: rows read");
            assert_eq!(report.rejected_rows, 1, "{what}: {:?}", report.errors);
            assert!(
                report.errors.iter().all(|e| e.row == bad_row_no) && report.errors.iter().any(|e| e.column == column),
                "{what}: expected row {bad_row_no} column {column}, got {:?}",
                report.errors
            );
            assert_eq!(snapshot(s).await, before, "{what}: the database changed");
            for (h, p) in &good {
                assert!(s.search_people(&q(&p.nik.reveal())).await.expect("search").items.is_empty(), "{what}");
                assert!(s.search_households(&q(&h.kk.reveal())).await.expect("search").items.is_empty(), "{what}");
            }
            assert!(s.search_people(&q("impor 1-")).await.expect("search").items.is_empty(), "{what}");
        }
    }

    /// With `skip_invalid`, valid rows commit and every rejected row is reported.
    pub async fn import_skip_invalid(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let existing = import_rows(500, 1);
        assert!(import(s, vec![record(2, &existing[0].0, &existing[0].1)], false, false).await.committed);
        let before = s.registry_counts().await.expect("counts");

        let good = import_rows(1, 3); // three people of KK A
        let (ha, pa) = &good[0];
        let nowhere = NewHousehold { region: code("33.16.09.2099"), kk: kk("331609", 4000), ..ha.clone() };
        let two_faults = NewPerson { nik: existing[0].1.nik, ..pa.clone() };
        let other =
            NewPerson { nik: nik("331609", pa.birth_date, pa.sex, 8888), name: "Impor lain".into(), ..pa.clone() };
        let rows = vec![
            record(2, &good[0].0, &good[0].1),
            record(3, &good[1].0, &good[1].1),
            record(4, ha, &good[0].1),        // NIK already on row 2
            bad_row(5, "birth_date"),         // the source rejected it
            record(6, &nowhere, &two_faults), // unknown region and NIK in the database
            record(7, &good[2].0, &good[2].1),
            record(8, &nowhere, &other), // unknown region
        ];
        let report = import(s, rows, true, false).await;
        assert!(report.committed);
        assert_eq!((report.rows, report.rejected_rows), (7, 4));
        assert_eq!((report.households_created, report.people_created), (1, 3));
        let mut rejected: Vec<u64> = report.errors.iter().map(|e| e.row).collect();
        rejected.dedup();
        assert_eq!(rejected, [4, 5, 6, 8], "{:?}", report.errors);
        let row6: Vec<&str> = report.errors.iter().filter(|e| e.row == 6).map(|e| e.column.as_str()).collect();
        assert!(row6.contains(&"region") && row6.contains(&"nik"), "row 6 has both faults: {row6:?}");
        assert!(report.errors.iter().all(|e| !e.rule.is_empty()));

        let after = s.registry_counts().await.expect("counts");
        assert_eq!((after.households, after.people), (before.households + 1, before.people + 3));
        let a = s.search_households(&q(&ha.kk.reveal())).await.expect("KK A");
        assert_eq!(a.items.len(), 1);
        assert_eq!(a.items[0].members, 3, "rows 2, 3 and 7 share KK A");
        assert!(s.search_people(&q(&other.nik.reveal())).await.expect("search").items.is_empty());
        assert!(s.search_households(&q(&nowhere.kk.reveal())).await.expect("search").items.is_empty());
        assert_eq!(
            s.search_people(&q(&existing[0].1.nik.reveal())).await.expect("search").items[0].name,
            existing[0].1.name
        );

        // When the first row of a KK is rejected, a later valid row of that KK creates it.
        let later = import_rows(700, 2);
        let (h0, p0) = &later[0];
        let clash = NewPerson { nik: existing[0].1.nik, ..p0.clone() };
        let sibling =
            NewPerson { nik: nik("331609", p0.birth_date, p0.sex, 9001), name: "Impor adik".into(), ..p0.clone() };
        let report = import(s, vec![record(2, h0, &clash), record(3, h0, &sibling)], true, false).await;
        assert!(report.committed);
        assert_eq!((report.rejected_rows, report.households_created, report.people_created), (1, 1, 1));
        let found = s.search_people(&q(&sibling.nik.reveal())).await.expect("search");
        let hid = found.items[0].household_id.expect("linked");
        assert_eq!(s.household(hid).await.expect("household").kk, h0.kk);
    }

    /// A dry run checks everything and writes nothing.
    pub async fn import_dry_run(s: Arc<dyn Store>) {
        let s = &*s;
        seed_regions(s).await;
        let mut rows = import_rows(1, 5);
        rows[4].1.sex = flip(rows[4].1.sex); // the NIK disagrees: a warning
        let records = || rows.iter().enumerate().map(|(i, (h, p))| record(2 + i as u64, h, p)).collect::<Vec<_>>();
        let before = snapshot(s).await;
        let report = import(s, records(), false, true).await;
        assert!(!report.committed);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.rows, 5);
        assert_eq!(report.warnings_total, 1);
        assert_eq!(report.warnings[0].row, 6);
        assert_eq!(snapshot(s).await, before);

        let mut with_bad = records();
        with_bad.push(bad_row(7, "sex"));
        let report = import(s, with_bad, true, true).await;
        assert!(!report.committed, "dry run with skip_invalid writes nothing either");
        assert_eq!((report.rows, report.rejected_rows), (6, 1));
        assert_eq!(snapshot(s).await, before);

        // Nothing was left behind: the same file now imports cleanly.
        let report = import(s, records(), false, false).await;
        assert!(report.committed, "{:?}", report.errors);
        assert_eq!((report.households_created, report.people_created), (2, 5));
    }

    /// Export streams every person with their household, by household id then person id
    /// (people without a household last), honours the region and stops when told.
    pub async fn export_registry(s: Arc<dyn Store>) {
        let s = &*s;
        let reg = seed_registry(s).await;
        // A later person in the first household, so person ids interleave across households.
        let birth = date!(2015 - 05 - 05);
        let late = s
            .create_person(&new_person(
                nik("331609", birth, Sex::Male, 4444),
                Some(reg.h[0].id),
                "Bayu",
                Sex::Male,
                birth,
                Relation::Grandchild,
            ))
            .await
            .expect("late");

        let collect = |region: Option<&'static str>| async move {
            let mut rows: Vec<RegistryExportRow> = Vec::new();
            let region = region.map(code);
            let n = s
                .export_registry(region.as_ref(), &mut |row| {
                    rows.push(row);
                    true
                })
                .await
                .expect("export");
            assert_eq!(n, rows.len() as u64);
            rows
        };
        let rows = collect(None).await;
        assert_eq!(rows.len(), reg.p.len() + 1);
        let mut want: Vec<&Person> = reg.p.iter().chain([&late]).collect();
        want.sort_by_key(|p| (p.household_id.is_none(), p.household_id, p.id));
        let got: Vec<&Person> = rows.iter().map(|r| &r.person).collect();
        assert_eq!(got, want);
        for row in &rows {
            match row.person.household_id {
                Some(id) => assert_eq!(row.household.as_ref(), reg.h.iter().find(|h| h.id == id)),
                None => assert_eq!(row.household, None),
            }
        }

        let ids = |rows: Vec<RegistryExportRow>| rows.into_iter().map(|r| r.person.name).collect::<Vec<_>>();
        assert_eq!(ids(collect(Some("33.16")).await), ["Sutrisno", "Sulastri", "Agus", "Bayu", "Wibowo", "Budiman"]);
        assert_eq!(ids(collect(Some("18.71.10.1003.L1")).await), ["Rina"]);
        assert!(collect(Some("33.17")).await.is_empty());

        let mut calls = 0;
        let n = s
            .export_registry(None, &mut |_| {
                calls += 1;
                calls < 2
            })
            .await
            .expect("export");
        assert_eq!(calls, 2, "the sink is not called again after it returns false");
        assert_eq!(n, 2);
    }

    /// Counts of every record.
    pub async fn registry_counts(s: Arc<dyn Store>) {
        let s = &*s;
        assert_eq!(s.registry_counts().await.expect("counts"), crate::RegistryCounts::default());
        let reg = seed_registry(s).await;
        let a = s
            .create_agency(&agency_draft("Dinas Sosial Blora", AgencyKind::Agency, "33.16", None))
            .await
            .expect("agency");
        s.create_agency(&agency_draft("UPTD", AgencyKind::Unit, "33.16", Some(a.id))).await.expect("unit");
        let p = s.create_program(&program_draft("PKH", a.id, &[PILANG])).await.expect("program");
        let g = s.create_group(&g_draft(PILANG)).await.expect("group");
        s.add_member(g.id, &NewMember { person_id: reg.p[0].id, role: GroupRole::Chair, since: None, until: None })
            .await
            .expect("member");
        let e = NewEnrollment {
            subject: Subject { kind: SubjectKind::Group, id: g.id },
            status: EnrollmentStatus::Enrolled,
            enrolled_on: date!(2020 - 01 - 01),
            ended_on: None,
        };
        s.enroll(p.id, &e).await.expect("enroll");
        assert_eq!(
            s.registry_counts().await.expect("counts"),
            crate::RegistryCounts {
                regions: 17,
                households: 5,
                people: 12,
                groups: 1,
                agencies: 2,
                programs: 1,
                enrollments: 1
            }
        );
    }

    /// Two tasks update one record from the same version: exactly one wins, the other gets
    /// a `Conflict` naming both versions.
    pub async fn concurrent_updates(s: Arc<dyn Store>) {
        let reg = seed_registry(&*s).await;
        let a = s.create_agency(&agency_draft("Dinas", AgencyKind::Agency, "33.16", None)).await.expect("agency");
        let p = s.create_program(&program_draft("PKH", a.id, &[PILANG])).await.expect("program");
        let g = s.create_group(&g_draft(PILANG)).await.expect("group");
        let (hid, pid, gid, aid, prog) = (reg.h[0].id, reg.p[0].id, g.id, a.id, p.id);

        for round in 0..4i64 {
            let version = 1 + round;
            let race = |entity: &'static str| {
                let barrier = Arc::new(tokio::sync::Barrier::new(2));
                (0..2)
                    .map(|t| {
                        let s = s.clone();
                        let barrier = barrier.clone();
                        let label = format!("{entity} round {round} writer {t}");
                        let reg_h = reg.h[0].clone();
                        let reg_p = reg.p[0].clone();
                        tokio::spawn(async move {
                            barrier.wait().await;
                            match entity {
                                "household" => {
                                    let mut d = new_household(reg_h.kk, &label, PILANG);
                                    d.welfare_stage = reg_h.welfare_stage;
                                    s.update_household(hid, &d, version).await.map(|x| x.version)
                                }
                                "person" => {
                                    let d = NewPerson {
                                        name: label,
                                        ..new_person(
                                            reg_p.nik,
                                            reg_p.household_id,
                                            "x",
                                            reg_p.sex,
                                            reg_p.birth_date,
                                            reg_p.relation,
                                        )
                                    };
                                    s.update_person(pid, &d, version).await.map(|x| x.version)
                                }
                                "region" => s
                                    .update_region(&new_region(PILANG, &label, RegionKind::Village), version)
                                    .await
                                    .map(|x| x.version),
                                "group" => s
                                    .update_group(gid, &NewGroup { name: label, ..g_draft(PILANG) }, version)
                                    .await
                                    .map(|x| x.version),
                                "agency" => s
                                    .update_agency(
                                        aid,
                                        &agency_draft(&label, AgencyKind::Agency, "33.16", None),
                                        version,
                                    )
                                    .await
                                    .map(|x| x.version),
                                _ => s
                                    .update_program(prog, &program_draft(&label, aid, &[PILANG, KUTUKAN]), version)
                                    .await
                                    .map(|x| x.version),
                            }
                        })
                    })
                    .collect::<Vec<_>>()
            };
            for entity in ["household", "person", "region", "group", "agency", "program"] {
                let mut results = Vec::new();
                for t in race(entity) {
                    results.push(t.await.expect("task"));
                }
                let wins = results.iter().filter(|r| matches!(r, Ok(v) if *v == version + 1)).count();
                let conflicts = results
                    .iter()
                    .filter(|r| matches!(r, Err(StoreError::Conflict { entity: e, expected, actual }) if *e == entity && *expected == version && *actual == version + 1))
                    .count();
                assert_eq!((wins, conflicts), (1, 1), "{entity} round {round}: {results:?}");
            }
        }
        assert_eq!(s.household(hid).await.expect("read").version, 5);
        assert_eq!(s.program(prog).await.expect("read").target_regions, [code(PILANG), code(KUTUKAN)]);
    }

    /// Survey respondents linked to the registry: facts found by NIK or by person id, with
    /// group names; a person outside the caller's scope is left out exactly like an unknown
    /// key.
    pub async fn survey_person_facts(s: Arc<dyn Store>) {
        use berdaya_domain::survey::link::PersonLookup;

        let s = &*s;
        let reg = seed_registry(s).await;
        let g = s.create_group(&g_draft("18.71.10.1003")).await.expect("group");
        let (sutrisno, wibowo) = (reg.person("Sutrisno"), reg.person("Wibowo"));
        let member = NewMember { person_id: sutrisno.id, role: GroupRole::Member, since: None, until: None };
        s.add_member(g.id, &member).await.expect("member");
        let digits = |n: &Nik| format!("{:016}", n.as_u64());
        let unknown = digits(&nik("331609", date!(1970 - 01 - 01), Sex::Male, 999));
        let keys = [digits(&sutrisno.nik), wibowo.id.to_string(), unknown.clone(), "abc".into(), String::new()];
        let all = s.person_facts(&keys, &q("")).await.expect("facts");
        assert_eq!(all.len(), 2);
        let found = all.find(&digits(&sutrisno.nik)).expect("by NIK");
        assert_eq!(found.person_id, sutrisno.id.to_string());
        assert_eq!(found.birth_date, Some(sutrisno.birth_date));
        assert_eq!(found.groups, std::slice::from_ref(&g.name));
        assert_eq!(found.land_area_m2, None);
        assert_eq!(all.find(&sutrisno.id.to_string()), Some(found.clone()), "by id too");
        let by_id = all.find(&wibowo.id.to_string()).expect("by id");
        assert_eq!((by_id.birth_date, by_id.groups.len()), (Some(wibowo.birth_date), 0));
        assert!(all.find(&unknown).is_none());
        // Within the group, Wibowo (no member) is not found, exactly like the unknown NIK.
        let scoped = Query { within: Some(Within::MembersOf(g.id)), ..q("") };
        let members = s.person_facts(&keys, &scoped).await.expect("scoped facts");
        assert_eq!(members.len(), 1);
        assert!(members.find(&digits(&sutrisno.nik)).is_some());
        assert_eq!(members.find(&wibowo.id.to_string()), members.find(&unknown));
        assert!(members.find(&digits(&wibowo.nik)).is_none());
        // A region outside Wibowo's household leaves him out too.
        let region = Query { region: Some(code(PILANG)), ..q("") };
        let in_pilang = s.person_facts(&keys, &region).await.expect("regional facts");
        assert!(in_pilang.find(&digits(&sutrisno.nik)).is_some());
        assert!(in_pilang.find(&wibowo.id.to_string()).is_none());
    }

    /// Survey analyses: saved files and report read back byte for byte, times to the
    /// microsecond in UTC, listings newest first with pagination, `NotFound` for a missing id.
    pub async fn survey_analyses(s: Arc<dyn Store>) {
        use crate::survey::{AnalysisTitle, NewAnalysis, UploadedFile};
        use time::macros::datetime;

        let s = &*s;
        assert_eq!(s.list_analyses(PageRequest::default()).await.expect("empty list").total, 0);
        let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let new = |title: &str, at: time::OffsetDateTime| NewAnalysis {
            title: AnalysisTitle::parse(title).expect("title"),
            instrument: UploadedFile { name: "instrumen 004.xlsx".into(), bytes: bytes.clone() },
            responses: UploadedFile { name: "jawaban.csv".into(), bytes: b"id,a\nR001,1\n".to_vec() },
            responses_file: None,
            alpha: 0.05,
            drop_incomplete: false,
            report_json: r#"{"n":43,"title":"Partisipasi — Desa Pilang"}"#.into(),
            respondents: 43,
            created_at: at,
        };
        let first = new("Analisis pertama", datetime!(2024-03-01 08:00:00.123456789 +07:00));
        let saved = s.save_analysis(&first).await.expect("save");
        assert!(saved.id > 0);
        assert_eq!(saved.title, "Analisis pertama");
        assert_eq!(saved.created_at, datetime!(2024-03-01 01:00:00.123456 UTC));
        let read = s.analysis(saved.id).await.expect("read");
        assert_eq!(read, saved);
        assert_eq!(read.instrument.bytes, bytes);
        assert_eq!(read.instrument.name, "instrumen 004.xlsx");
        assert_eq!(read.responses.bytes, first.responses.bytes);
        assert_eq!(read.report_json, first.report_json);
        assert_eq!((read.alpha, read.drop_incomplete, read.respondents), (0.05, false, 43));

        let mut newer = new("Analisis kedua", datetime!(2024-03-02 08:00:00 UTC));
        // Responses kept in the files directory: the row names the file and its size.
        newer.responses.bytes = Vec::new();
        newer.responses_file =
            Some(crate::survey::StoredFile { key: "0190-jawaban.csv".into(), size: 256 * 1024 * 1024 });
        newer.drop_incomplete = true;
        newer.alpha = 0.01;
        let second = s.save_analysis(&newer).await.expect("save");
        let read = s.analysis(second.id).await.expect("read");
        assert_eq!(read, second);
        assert_eq!(
            read.responses_file.as_ref().map(|f| (f.key.as_str(), f.size)),
            Some(("0190-jawaban.csv", 256 << 20))
        );
        assert!(read.responses.bytes.is_empty());
        assert_eq!(s.analysis(saved.id).await.expect("read").responses_file, None);
        // Same time as the second: the later id comes first.
        let third = s.save_analysis(&new("Analisis ketiga", datetime!(2024-03-02 08:00:00 UTC))).await.expect("save");
        let older = s.save_analysis(&new("Analisis lama", datetime!(2023-01-01 00:00:00 UTC))).await.expect("save");

        let page = s.list_analyses(PageRequest::new(1, 3)).await.expect("list");
        assert_eq!(page.total, 4);
        assert_eq!(page.pages(), 2);
        let ids: Vec<_> = page.items.iter().map(|a| a.id).collect();
        assert_eq!(ids, [third.id, second.id, saved.id]);
        let top = &page.items[1];
        assert_eq!(
            (top.title.as_str(), top.instrument_name.as_str(), top.responses_name.as_str()),
            ("Analisis kedua", "instrumen 004.xlsx", "jawaban.csv")
        );
        assert_eq!((top.alpha, top.drop_incomplete, top.respondents), (0.01, true, 43));
        let rest = s.list_analyses(PageRequest::new(2, 3)).await.expect("list");
        assert_eq!(rest.items.iter().map(|a| a.id).collect::<Vec<_>>(), [older.id]);

        assert_err!(s.analysis(older.id + 1000).await, StoreError::NotFound { .. });
    }
}

/// [`crate::kit::Conn::insert_rows`] on a backend: every kit type, NULLs of each, a row
/// shorter than the columns, more rows than one default batch; read back in order. `create`
/// makes the table `kit_insert_probe (n, i, r, t, b, d, y, ts)` in the backend's own types
/// (`n` the row number, `ts` an instant).
pub async fn kit_insert_rows<B: crate::kit::Backend>(b: &B, create: &'static str) {
    use crate::kit::{Sql, Type, Value, exec, insert_rows, job, rows};
    let at = time::macros::datetime!(2026-12-02 10:11:12.123456 UTC);
    let row = move |n: i64| -> Vec<Value> {
        if n % 3 == 2 {
            // NULLs of every type; the last column left out.
            return vec![
                Value::Int(n),
                Value::Null(Type::Int),
                Value::Null(Type::Real),
                Value::Null(Type::Text),
                Value::Null(Type::Bool),
                Value::Null(Type::Date),
                Value::Null(Type::Bytes),
            ];
        }
        vec![
            Value::Int(n),
            Value::Int(-n * 1_000_000_007),
            Value::Real(n as f64 / 4.0),
            Value::Text(format!("bariś {n} 'quoted' ✓")),
            Value::Bool(n % 2 == 0),
            Value::Date(time::macros::date!(2026 - 01 - 31) + time::Duration::days(n)),
            Value::Bytes(vec![0, 255, n as u8]),
            Value::Time(at + time::Duration::seconds(n)),
        ]
    };
    let columns = [
        ("n", Type::Int),
        ("i", Type::Int),
        ("r", Type::Real),
        ("t", Type::Text),
        ("b", Type::Bool),
        ("d", Type::Date),
        ("y", Type::Bytes),
        ("ts", Type::Time),
    ];
    let written: Vec<Vec<Value>> = (0..1_203).map(row).collect();
    let read = b
        .write(job(move |c| {
            Box::pin(async move {
                exec(c, &Sql::new(create)).await?;
                assert_eq!(insert_rows(c, "kit_insert_probe", &columns, &written).await?, 1_203);
                assert_eq!(insert_rows(c, "kit_insert_probe", &columns, &[]).await?, 0);
                rows(c, &Sql::new("SELECT n, i, r, t, b, d, y, ts FROM kit_insert_probe ORDER BY n")).await
            })
        }))
        .await
        .expect("insert and read back");
    assert_eq!(read.len(), 1_203);
    for (n, r) in read.iter().enumerate() {
        let n = n as i64;
        assert_eq!(r.int("n").unwrap(), n);
        if n % 3 == 2 {
            assert_eq!(r.opt_int("i").unwrap(), None, "row {n}");
            assert_eq!(r.opt_text("t").unwrap(), None, "row {n}");
            assert_eq!(r.opt_date("d").unwrap(), None, "row {n}");
            assert_eq!(r.opt_time("ts").unwrap(), None, "row {n}");
            assert!(matches!(r.value("b").unwrap(), Value::Null(_)), "row {n}");
            assert!(matches!(r.value("r").unwrap(), Value::Null(_)), "row {n}");
            assert!(matches!(r.value("y").unwrap(), Value::Null(_)), "row {n}");
            continue;
        }
        assert_eq!(r.int("i").unwrap(), -n * 1_000_000_007);
        assert_eq!(r.real("r").unwrap(), n as f64 / 4.0);
        assert_eq!(r.text("t").unwrap(), format!("bariś {n} 'quoted' ✓"));
        assert_eq!(r.bool("b").unwrap(), n % 2 == 0);
        assert_eq!(r.date("d").unwrap(), time::macros::date!(2026 - 01 - 31) + time::Duration::days(n));
        assert_eq!(r.bytes("y").unwrap(), vec![0, 255, n as u8]);
        assert_eq!(r.time("ts").unwrap(), at + time::Duration::seconds(n));
    }
}
