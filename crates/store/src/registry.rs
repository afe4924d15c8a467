//! Storage of the registry: regions, households, people, groups, agencies, programs and
//! enrollments.
//!
//! [`RegistryStore`] is the contract; it is implemented once, on the store kit
//! ([`crate::kit::registry`]), for every backend that runs the kit's jobs.

use async_trait::async_trait;
use berdaya_domain::registry::{
    Agency, Enrollment, Group, GroupMember, Household, Id, NewAgency, NewEnrollment, NewGroup, NewHousehold, NewMember,
    NewPerson, NewProgram, NewRegion, NewStaff, Person, Program, Region, RegionCode, Staff, Subject, Version,
};

use crate::import::{ImportOptions, ImportReport, RowSource};
use crate::{Page, PageRequest, StoreResult};

/// A search over a listing: free text, an optional region subtree, a page.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Free text; what it matches depends on the listing (see each method).
    pub text: Option<String>,
    /// Only records in this region or below it.
    pub region: Option<RegionCode>,
    pub page: PageRequest,
    /// Only records a facilitator is assigned or a group's members (access scoping).
    pub within: Option<Within>,
    /// The order of the listing, by one of the sort keys the listing names (see each
    /// search method); `None` or an unknown key keeps the listing's natural order.
    pub sort: Option<Sort>,
    /// Exact-match filters by key (`kind`, `status`, …), each naming a field the listing
    /// documents; unknown keys are ignored by the store (the web layer refuses them).
    pub filters: Vec<(String, String)>,
}

/// A listing's order: a sort key the listing names, ascending unless `descending`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    pub key: String,
    pub descending: bool,
}

impl Query {
    /// The value of a filter, if set.
    pub fn filter(&self, key: &str) -> Option<&str> {
        self.filters.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A restriction of a search to what one user may see beyond their area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    /// Households assigned to the user, the people of those households, and groups assigned
    /// to the user (with, for people, the members of those groups).
    AssignedTo(berdaya_domain::access::UserId),
    /// The group itself, the people who are its members, and those members' households.
    MembersOf(Id),
}

impl Query {
    pub fn text(text: &str) -> Self {
        let t = text.trim();
        Query { text: (!t.is_empty()).then(|| t.to_string()), ..Default::default() }
    }

    /// The text, trimmed, if any.
    pub fn text_str(&self) -> Option<&str> {
        self.text.as_deref().map(str::trim).filter(|t| !t.is_empty())
    }

    /// The text as a 16-digit identity number (NIK or KK), if it is one.
    pub fn as_identity_number(&self) -> Option<u64> {
        let t = self.text_str()?;
        let digits: String = t.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
        (digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.parse().ok()).flatten()
    }
}

/// A household in a listing, with its head's name and member count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdSummary {
    pub household: Household,
    pub region_name: String,
    pub head_name: Option<String>,
    pub members: u32,
}

/// A group in a listing, with its member count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    pub group: Group,
    pub region_name: String,
    pub members: u32,
}

/// A program in a listing, with its agency's name and enrollment count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramSummary {
    pub program: Program,
    pub agency_name: String,
    pub enrolled: u32,
}

/// An enrollment seen from its subject: which program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectEnrollment {
    pub enrollment: Enrollment,
    pub program_name: String,
}

/// One person and household row of a registry export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryExportRow {
    pub household: Option<Household>,
    pub person: Person,
}

#[async_trait]
pub trait RegistryStore {
    // Regions -----------------------------------------------------------------------------

    /// Adds a region; its parent must exist (a province has none).
    async fn create_region(&self, region: &NewRegion) -> StoreResult<Region>;
    /// Changes a region's name and kind (its code is its identity).
    async fn update_region(&self, region: &NewRegion, version: Version) -> StoreResult<Region>;
    async fn region(&self, code: &RegionCode) -> StoreResult<Region>;
    /// The region and every region above it, from the province down.
    async fn region_path(&self, code: &RegionCode) -> StoreResult<Vec<Region>>;
    /// Direct children of a region, or the provinces when `parent` is `None`, by code.
    async fn region_children(&self, parent: Option<&RegionCode>) -> StoreResult<Vec<Region>>;
    /// Regions whose name contains the text or whose code starts with it, in code order.
    /// Sort keys `code`, `name`, `kind`; filter `kind`.
    async fn search_regions(&self, query: &Query) -> StoreResult<Page<Region>>;

    // Households --------------------------------------------------------------------------

    async fn create_household(&self, household: &NewHousehold) -> StoreResult<Household>;
    async fn update_household(&self, id: Id, household: &NewHousehold, version: Version) -> StoreResult<Household>;
    async fn household(&self, id: Id) -> StoreResult<Household>;
    /// Text matches a whole KK number, or is contained in the address or the head's name.
    /// Sort keys `address`, `head`, `region`, `welfare_stage`, `members`; filters
    /// `welfare_stage`, `dtks_listed` (`true`/`false`).
    async fn search_households(&self, query: &Query) -> StoreResult<Page<HouseholdSummary>>;
    async fn household_members(&self, id: Id) -> StoreResult<Vec<Person>>;

    // People ------------------------------------------------------------------------------

    async fn create_person(&self, person: &NewPerson) -> StoreResult<Person>;
    async fn update_person(&self, id: Id, person: &NewPerson, version: Version) -> StoreResult<Person>;
    async fn person(&self, id: Id) -> StoreResult<Person>;
    /// Text matches a whole NIK, or the start of the name (case-insensitive). Ordered by name.
    /// Sort keys `name`, `birth_date`, `sex`; filters `sex`, `relation`, `disability`.
    async fn search_people(&self, query: &Query) -> StoreResult<Page<Person>>;

    // Groups ------------------------------------------------------------------------------

    async fn create_group(&self, group: &NewGroup) -> StoreResult<Group>;
    async fn update_group(&self, id: Id, group: &NewGroup, version: Version) -> StoreResult<Group>;
    async fn group(&self, id: Id) -> StoreResult<Group>;
    /// Text is contained in the name. Sort keys `name`, `kind`, `region`, `members`; filter
    /// `kind`.
    async fn search_groups(&self, query: &Query) -> StoreResult<Page<GroupSummary>>;
    /// Adds a member; a person is at most once in a group.
    async fn add_member(&self, group_id: Id, member: &NewMember) -> StoreResult<GroupMember>;
    async fn group_members(&self, group_id: Id) -> StoreResult<Vec<GroupMember>>;
    /// Ends a person's membership by removing it (the audit log keeps the row as it was);
    /// `NotFound { entity: "member" }` when the person is not a member.
    async fn remove_member(&self, group_id: Id, person_id: Id) -> StoreResult<()>;
    /// Adds many members in one transaction: all or none.
    async fn add_members(&self, group_id: Id, members: &[NewMember]) -> StoreResult<u64>;

    // Agencies ----------------------------------------------------------------------------

    async fn create_agency(&self, agency: &NewAgency) -> StoreResult<Agency>;
    async fn update_agency(&self, id: Id, agency: &NewAgency, version: Version) -> StoreResult<Agency>;
    async fn agency(&self, id: Id) -> StoreResult<Agency>;
    /// Text is contained in the name. Sort keys `name`, `kind`, `region`; filter `kind`.
    async fn search_agencies(&self, query: &Query) -> StoreResult<Page<Agency>>;
    /// Units whose parent is this agency.
    async fn agency_units(&self, id: Id) -> StoreResult<Vec<Agency>>;
    async fn add_staff(&self, agency_id: Id, staff: &NewStaff) -> StoreResult<Staff>;
    async fn agency_staff(&self, agency_id: Id) -> StoreResult<Vec<Staff>>;

    // Programs and enrollment -------------------------------------------------------------

    /// Adds a program; its agency and every target region must exist.
    async fn create_program(&self, program: &NewProgram) -> StoreResult<Program>;
    async fn update_program(&self, id: Id, program: &NewProgram, version: Version) -> StoreResult<Program>;
    async fn program(&self, id: Id) -> StoreResult<Program>;
    /// Text is contained in the name. With a region, only programs that target a region in
    /// that area or above it (the area lies in a target region), and `enrolled` counts only
    /// enrollments whose subject lies in the area (a household's region, a person's
    /// household's, a group's) and, with `within`, in that scope. Sort keys `name`,
    /// `agency`, `starts_on`, `ends_on`, `enrolled`; filter `agency_id`.
    async fn search_programs(&self, query: &Query) -> StoreResult<Page<ProgramSummary>>;
    /// Enrolls a household, person or group; each subject at most once per program.
    async fn enroll(&self, program_id: Id, enrollment: &NewEnrollment) -> StoreResult<Enrollment>;
    /// A program's enrollments by id, one page of `query.page`, limited to `query.region` and
    /// `query.within` exactly as the `enrolled` count of [`RegistryStore::search_programs`].
    async fn program_enrollments(&self, program_id: Id, query: &Query) -> StoreResult<Page<Enrollment>>;
    async fn subject_enrollments(&self, subject: Subject) -> StoreResult<Vec<SubjectEnrollment>>;

    /// Counts of what the registry holds, for the dashboard.
    async fn registry_counts(&self) -> StoreResult<RegistryCounts>;
}

/// The registry's bulk path: each backend's own, tuned to its driver (the rest of the registry
/// is declared once on the store kit).
#[async_trait]
pub trait RegistryBulk {
    /// Imports households and people from a row source in one transaction.
    /// See [`ImportOptions`] for what happens to invalid rows.
    async fn import_registry(&self, rows: &mut dyn RowSource, options: &ImportOptions) -> StoreResult<ImportReport>;

    /// Streams every person with their household, ordered by household then person id.
    /// `sink` returns `false` to stop early.
    async fn export_registry(
        &self,
        region: Option<&RegionCode>,
        sink: &mut (dyn FnMut(RegistryExportRow) -> bool + Send),
    ) -> StoreResult<u64>;
}

/// How many of each record the registry holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RegistryCounts {
    pub regions: u64,
    pub households: u64,
    pub people: u64,
    pub groups: u64,
    pub agencies: u64,
    pub programs: u64,
    pub enrollments: u64,
}
