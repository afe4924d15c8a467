//! Storage of the registry: regions, households, people, groups, agencies, programs and
//! enrollments.
//!
//! [`RegistryStore`] is the contract; it is implemented once, on the store kit, at the end of
//! this file (each record type's table, columns and row mapping, the listings' text, region,
//! scope, sort and filter rules), for every [`crate::kit::Backend`]. Only the bulk path
//! ([`RegistryBulk`]) is each backend's own.

use async_trait::async_trait;
use berdaya_domain::registry::{
    Agency, Enrollment, EnrollmentChange, Group, GroupMember, Household, Id, NewAgency, NewEnrollment, NewGroup,
    NewHousehold, NewMember, NewPerson, NewProgram, NewRegion, NewStaff, Person, Program, Region, RegionCode, Staff,
    StatusChange, Subject, Version,
};

use crate::import::{ImportOptions, ImportReport, RowSource};
use crate::regions::{ListedRegion, RegionLoad};
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

/// A change of an enrollment's status with what it is about: the program and the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentEvent {
    pub change: EnrollmentChange,
    pub program_id: Id,
    pub program_name: String,
    pub subject: Subject,
    /// The subject's display name (a household shows its address).
    pub subject_label: String,
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
    /// One enrollment, with its subject's label.
    async fn enrollment(&self, id: Id) -> StoreResult<Enrollment>;
    /// Moves an enrollment to a new status if it is still at `version` (else
    /// [`crate::StoreError::Conflict`]), in one transaction with its history row, decided by
    /// the task's actor ([`crate::access::current_actor`]). An ending status
    /// ([`berdaya_domain::registry::EnrollmentStatus::ends`]) sets `ended_on` to the change's
    /// date; any other clears it (a re-entry). A move the transition table does not allow is
    /// refused as [`crate::StoreError::Invalid`] on `status`.
    async fn change_enrollment_status(
        &self,
        id: Id,
        change: &StatusChange,
        version: Version,
    ) -> StoreResult<Enrollment>;
    /// The status history of one enrollment, newest first (by date, then as recorded).
    async fn enrollment_history(&self, id: Id) -> StoreResult<Vec<EnrollmentEvent>>;
    /// The status changes of every enrollment of any of these subjects (a person and their
    /// household, as a person's page shows them), newest first, a page at a time.
    async fn subject_history(&self, subjects: &[Subject], page: PageRequest) -> StoreResult<Page<EnrollmentEvent>>;
    /// The status changes of a program's enrollments, newest first, one page of
    /// `query.page`, limited to `query.region` and `query.within` exactly as
    /// [`RegistryStore::program_enrollments`].
    async fn program_history(&self, program_id: Id, query: &Query) -> StoreResult<Page<EnrollmentEvent>>;

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

    /// Loads an official region list (see [`crate::regions::load`]) in one transaction:
    /// adds new codes, renames changed ones, keeps codes the list lacks. `source` names the
    /// list in the audit entry.
    async fn load_regions(&self, list: Vec<ListedRegion>, source: &str) -> StoreResult<RegionLoad>;

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

// --- Declared on the store kit ---------------------------------------------------------

/// Scoping shared with other capabilities' queries (survey respondents linked to people, the
/// dashboard's aggregates); the head of a household (caseloads).
pub(crate) use on_kit::{HOUSEHOLD_HEAD, enrollment_scope, households_within, is_in, people_within, program_overlaps};

mod on_kit {
    //! The tables, row mapping and queries of this capability, declared once on the store
    //! kit for both backends.

    use super::*;
    use async_trait::async_trait;
    use berdaya_domain::registry::{
        Agency, AgencyKind, Disability, Education, Enrollment, EnrollmentChange, EnrollmentStatus, Group, GroupKind,
        GroupMember, GroupRole, Household, Id, Invalid, Kk, NewAgency, NewEnrollment, NewGroup, NewHousehold,
        NewMember, NewPerson, NewProgram, NewRegion, NewStaff, Nik, Person, Program, Region, RegionCode, RegionKind,
        Relation, Sex, Staff, StatusChange, Subject, SubjectKind, Version, WelfareStage,
    };
    use time::Date;

    use crate::kit::{
        Backend, Conn, Listing, Record, Reference, Row, Spec, Sql, Type, Value, Where, Writable, contains, exec, first,
        get, insert, job, key, list, page, prefix_end, require, rows, subtree, update,
    };
    use crate::{Page, StoreError, StoreResult};

    // --- Records --------------------------------------------------------------------------------

    impl Record for Region {
        const TABLE: &'static str = "regions";
        const ALIAS: &'static str = "r";
        const KEY: &'static str = "code";
        const ENTITY: &'static str = "region";
        const COLUMNS: &'static str = "code, name, kind, parent, version";

        fn from_row(row: &Row) -> StoreResult<Region> {
            Ok(Region {
                code: row.parsed("code", RegionCode::parse)?,
                name: row.text("name")?,
                kind: row.parsed("kind", RegionKind::parse)?,
                parent: row.opt_parsed("parent", RegionCode::parse)?,
                version: row.int("version")?,
            })
        }
    }

    impl Writable for Region {
        type New = NewRegion;
        const UNIQUE: Option<(&'static str, &'static str)> = Some(("code", "a region with this code already exists"));

        /// What an update may change; the code and parent are written once, on create.
        fn values(r: &NewRegion) -> Vec<(&'static str, Value)> {
            vec![("name", r.name.as_str().into()), ("name_key", key(&r.name).into()), ("kind", r.kind.code().into())]
        }
    }

    impl Record for Household {
        const TABLE: &'static str = "households";
        const ALIAS: &'static str = "h";
        const ENTITY: &'static str = "household";
        const COLUMNS: &'static str = "id, kk, address, region, welfare_stage, dtks_listed, dtks_since, version";

        fn from_row(row: &Row) -> StoreResult<Household> {
            Ok(Household {
                id: row.int("id")?,
                kk: Kk::from_stored(row.int("kk")?).map_err(|e| crate::kit::corrupt("kk", e))?,
                address: row.text("address")?,
                region: row.parsed("region", RegionCode::parse)?,
                welfare_stage: row.parsed("welfare_stage", WelfareStage::parse)?,
                dtks_listed: row.bool("dtks_listed")?,
                dtks_since: row.opt_date("dtks_since")?,
                version: row.int("version")?,
            })
        }
    }

    impl Writable for Household {
        type New = NewHousehold;
        const UNIQUE: Option<(&'static str, &'static str)> = Some(("kk", "this KK number is already registered"));

        fn values(h: &NewHousehold) -> Vec<(&'static str, Value)> {
            vec![
                ("kk", (h.kk.as_u64() as i64).into()),
                ("address", h.address.as_str().into()),
                ("address_key", key(&h.address).into()),
                ("region", h.region.as_str().into()),
                ("welfare_stage", h.welfare_stage.code().into()),
                ("dtks_listed", h.dtks_listed.into()),
                ("dtks_since", h.dtks_since.into()),
            ]
        }

        fn references(h: &NewHousehold) -> Vec<Reference> {
            vec![Reference::region("region", &h.region)]
        }
    }

    impl Record for Person {
        const TABLE: &'static str = "people";
        const ALIAS: &'static str = "p";
        const ENTITY: &'static str = "person";
        const COLUMNS: &'static str =
            "id, nik, household_id, name, sex, birth_date, relation, education, occupation, disability, version";

        fn from_row(row: &Row) -> StoreResult<Person> {
            Ok(Person {
                id: row.int("id")?,
                nik: Nik::from_stored(row.int("nik")?).map_err(|e| crate::kit::corrupt("nik", e))?,
                household_id: row.opt_int("household_id")?,
                name: row.text("name")?,
                sex: row.parsed("sex", Sex::parse)?,
                birth_date: row.date("birth_date")?,
                relation: row.parsed("relation", Relation::parse)?,
                education: row.parsed("education", Education::parse)?,
                occupation: row.opt_text("occupation")?,
                disability: row.parsed("disability", Disability::parse)?,
                version: row.int("version")?,
            })
        }
    }

    impl Writable for Person {
        type New = NewPerson;
        const UNIQUE: Option<(&'static str, &'static str)> = Some(("nik", "this NIK is already registered"));

        fn values(p: &NewPerson) -> Vec<(&'static str, Value)> {
            vec![
                ("nik", (p.nik.as_u64() as i64).into()),
                ("household_id", p.household_id.into()),
                ("name", p.name.as_str().into()),
                ("name_key", key(&p.name).into()),
                ("sex", p.sex.code().into()),
                ("birth_date", p.birth_date.into()),
                ("relation", p.relation.code().into()),
                ("education", p.education.code().into()),
                ("occupation", p.occupation.as_deref().into()),
                ("disability", p.disability.code().into()),
            ]
        }

        fn references(p: &NewPerson) -> Vec<Reference> {
            p.household_id.map(|h| Reference::id("household_id", "households", "household", h)).into_iter().collect()
        }
    }

    impl Record for Group {
        const TABLE: &'static str = "groups";
        const ALIAS: &'static str = "g";
        const ENTITY: &'static str = "group";
        const COLUMNS: &'static str = "id, name, kind, region, founded_on, description, version";

        fn from_row(row: &Row) -> StoreResult<Group> {
            Ok(Group {
                id: row.int("id")?,
                name: row.text("name")?,
                kind: row.parsed("kind", GroupKind::parse)?,
                region: row.parsed("region", RegionCode::parse)?,
                founded_on: row.opt_date("founded_on")?,
                description: row.opt_text("description")?,
                version: row.int("version")?,
            })
        }
    }

    impl Writable for Group {
        type New = NewGroup;

        fn values(g: &NewGroup) -> Vec<(&'static str, Value)> {
            vec![
                ("name", g.name.as_str().into()),
                ("name_key", key(&g.name).into()),
                ("kind", g.kind.code().into()),
                ("region", g.region.as_str().into()),
                ("founded_on", g.founded_on.into()),
                ("description", g.description.as_deref().into()),
            ]
        }

        fn references(g: &NewGroup) -> Vec<Reference> {
            vec![Reference::region("region", &g.region)]
        }
    }

    impl Record for GroupMember {
        const TABLE: &'static str = "group_members";
        const ALIAS: &'static str = "m";
        const ENTITY: &'static str = "member";
        const COLUMNS: &'static str = "id, group_id, person_id, role, since, until";

        fn from_row(row: &Row) -> StoreResult<GroupMember> {
            Ok(GroupMember {
                id: row.int("id")?,
                group_id: row.int("group_id")?,
                person_id: row.int("person_id")?,
                person_name: row.text("person_name")?,
                role: row.parsed("role", GroupRole::parse)?,
                since: row.opt_date("since")?,
                until: row.opt_date("until")?,
            })
        }

        fn select() -> String {
            format!(
                "SELECT {}, p.name AS person_name FROM group_members m JOIN people p ON p.id = m.person_id",
                Self::columns()
            )
        }
    }

    impl Writable for GroupMember {
        type New = NewMember;
        const UNIQUE: Option<(&'static str, &'static str)> =
            Some(("person_id", "this person is already a member of the group"));

        fn values(m: &NewMember) -> Vec<(&'static str, Value)> {
            vec![
                ("person_id", m.person_id.into()),
                ("role", m.role.code().into()),
                ("since", m.since.into()),
                ("until", m.until.into()),
            ]
        }

        fn references(m: &NewMember) -> Vec<Reference> {
            vec![Reference::id("person_id", "people", "person", m.person_id)]
        }
    }

    impl Record for Agency {
        const TABLE: &'static str = "agencies";
        const ALIAS: &'static str = "a";
        const ENTITY: &'static str = "agency";
        const COLUMNS: &'static str = "id, name, kind, region, parent_id, version";

        fn from_row(row: &Row) -> StoreResult<Agency> {
            Ok(Agency {
                id: row.int("id")?,
                name: row.text("name")?,
                kind: row.parsed("kind", AgencyKind::parse)?,
                region: row.parsed("region", RegionCode::parse)?,
                parent_id: row.opt_int("parent_id")?,
                version: row.int("version")?,
            })
        }
    }

    impl Writable for Agency {
        type New = NewAgency;

        fn values(a: &NewAgency) -> Vec<(&'static str, Value)> {
            vec![
                ("name", a.name.as_str().into()),
                ("name_key", key(&a.name).into()),
                ("kind", a.kind.code().into()),
                ("region", a.region.as_str().into()),
                ("parent_id", a.parent_id.into()),
            ]
        }

        fn references(a: &NewAgency) -> Vec<Reference> {
            let parent = a.parent_id.map(|p| Reference::id("parent_id", "agencies", "agency", p));
            std::iter::once(Reference::region("region", &a.region)).chain(parent).collect()
        }
    }

    impl Record for Staff {
        const TABLE: &'static str = "staff";
        const ALIAS: &'static str = "s";
        const ENTITY: &'static str = "staff";
        const COLUMNS: &'static str = "id, agency_id, name, position";

        fn from_row(row: &Row) -> StoreResult<Staff> {
            Ok(Staff {
                id: row.int("id")?,
                agency_id: row.int("agency_id")?,
                name: row.text("name")?,
                position: row.text("position")?,
            })
        }
    }

    impl Writable for Staff {
        type New = NewStaff;

        fn values(s: &NewStaff) -> Vec<(&'static str, Value)> {
            vec![("name", s.name.as_str().into()), ("position", s.position.as_str().into())]
        }
    }

    /// A program as its row holds it; [`with_regions`] adds the target regions.
    impl Record for Program {
        const TABLE: &'static str = "programs";
        const ALIAS: &'static str = "p";
        const ENTITY: &'static str = "program";
        const COLUMNS: &'static str = "id, name, agency_id, starts_on, ends_on, description, version";

        fn from_row(row: &Row) -> StoreResult<Program> {
            Ok(Program {
                id: row.int("id")?,
                name: row.text("name")?,
                agency_id: row.int("agency_id")?,
                starts_on: row.date("starts_on")?,
                ends_on: row.opt_date("ends_on")?,
                description: row.opt_text("description")?,
                target_regions: Vec::new(),
                version: row.int("version")?,
            })
        }
    }

    impl Writable for Program {
        type New = NewProgram;

        fn values(p: &NewProgram) -> Vec<(&'static str, Value)> {
            vec![
                ("name", p.name.as_str().into()),
                ("name_key", key(&p.name).into()),
                ("agency_id", p.agency_id.into()),
                ("starts_on", p.starts_on.into()),
                ("ends_on", p.ends_on.into()),
                ("description", p.description.as_deref().into()),
            ]
        }

        fn references(p: &NewProgram) -> Vec<Reference> {
            let agency = Reference::id("agency_id", "agencies", "agency", p.agency_id);
            std::iter::once(agency)
                .chain(p.target_regions.iter().map(|r| Reference::region("target_regions", r)))
                .collect()
        }
    }

    /// The column of an enrollment that holds a subject of this kind.
    fn subject_column(kind: SubjectKind) -> &'static str {
        match kind {
            SubjectKind::Household => "household_id",
            SubjectKind::Person => "person_id",
            SubjectKind::Group => "group_id",
        }
    }

    /// Enrollments with their subject's label (an address or a name).
    const ENROLLMENT_FROM: &str = "FROM enrollments e LEFT JOIN households hh ON hh.id = e.household_id \
         LEFT JOIN people pp ON pp.id = e.person_id LEFT JOIN groups gg ON gg.id = e.group_id";

    impl Record for Enrollment {
        const TABLE: &'static str = "enrollments";
        const ALIAS: &'static str = "e";
        const ENTITY: &'static str = "enrollment";
        const COLUMNS: &'static str =
            "id, program_id, household_id, person_id, group_id, status, enrolled_on, ended_on, version";

        fn from_row(row: &Row) -> StoreResult<Enrollment> {
            Ok(Enrollment {
                id: row.int("id")?,
                program_id: row.int("program_id")?,
                subject: subject_of(row)?,
                subject_label: row.opt_text("subject_label")?.unwrap_or_default(),
                status: row.parsed("status", EnrollmentStatus::parse)?,
                enrolled_on: row.date("enrolled_on")?,
                ended_on: row.opt_date("ended_on")?,
                version: row.int("version")?,
            })
        }

        fn select() -> String {
            format!(
                "SELECT {}, COALESCE(hh.address, pp.name, gg.name) AS subject_label {ENROLLMENT_FROM}",
                Self::columns()
            )
        }
    }

    /// The subject of an enrollment row: the one subject column that is set.
    fn subject_of(row: &Row) -> StoreResult<Subject> {
        let subjects = [SubjectKind::Household, SubjectKind::Person, SubjectKind::Group];
        let mut set = Vec::new();
        for kind in subjects {
            if let Some(id) = row.opt_int(subject_column(kind))? {
                set.push(Subject { kind, id });
            }
        }
        let [subject] = set[..] else {
            return Err(crate::kit::corrupt("enrollment subject", "not exactly one subject"));
        };
        Ok(subject)
    }

    impl Writable for Enrollment {
        type New = NewEnrollment;
        const UNIQUE: Option<(&'static str, &'static str)> =
            Some(("subject_id", "this subject is already enrolled in the program"));

        fn values(e: &NewEnrollment) -> Vec<(&'static str, Value)> {
            vec![
                (subject_column(e.subject.kind), e.subject.id.into()),
                ("status", e.status.code().into()),
                ("enrolled_on", e.enrolled_on.into()),
                ("ended_on", e.ended_on.into()),
            ]
        }

        fn references(e: &NewEnrollment) -> Vec<Reference> {
            let table = match e.subject.kind {
                SubjectKind::Household => "households",
                SubjectKind::Person => "people",
                SubjectKind::Group => "groups",
            };
            vec![Reference::id("subject_id", table, e.subject.kind.code(), e.subject.id)]
        }
    }

    /// A history row to write: the enrollment it belongs to and the change, as decided by
    /// `actor`.
    #[derive(Clone)]
    pub struct NewChange {
        enrollment_id: Id,
        from: Option<EnrollmentStatus>,
        to: EnrollmentStatus,
        on: Date,
        reason: Option<String>,
        actor: crate::access::Actor,
    }

    impl Record for EnrollmentChange {
        const TABLE: &'static str = "enrollment_changes";
        const ALIAS: &'static str = "ch";
        const ENTITY: &'static str = "enrollment change";
        const COLUMNS: &'static str =
            "id, enrollment_id, from_status, to_status, changed_on, reason, decided_by, decided_by_name, recorded_at";

        fn from_row(row: &Row) -> StoreResult<EnrollmentChange> {
            Ok(EnrollmentChange {
                id: row.int("id")?,
                enrollment_id: row.int("enrollment_id")?,
                from: row.opt_parsed("from_status", EnrollmentStatus::parse)?,
                to: row.parsed("to_status", EnrollmentStatus::parse)?,
                on: row.date("changed_on")?,
                reason: row.opt_text("reason")?,
                decided_by: row.opt_int("decided_by")?,
                decided_by_name: row.text("decided_by_name")?,
                recorded_at: row.time("recorded_at")?,
            })
        }
    }

    impl Writable for EnrollmentChange {
        type New = NewChange;

        fn values(c: &NewChange) -> Vec<(&'static str, Value)> {
            vec![
                ("enrollment_id", c.enrollment_id.into()),
                ("from_status", c.from.map(EnrollmentStatus::code).into()),
                ("to_status", c.to.code().into()),
                ("changed_on", c.on.into()),
                ("reason", c.reason.as_deref().into()),
                ("decided_by", c.actor.user_id.into()),
                ("decided_by_name", c.actor.name.as_str().into()),
                ("recorded_at", Value::Time(crate::kit::now())),
            ]
        }
    }

    /// Status changes with their enrollment's program and subject.
    const HISTORY_FROM: &str = "FROM enrollment_changes ch JOIN enrollments e ON e.id = ch.enrollment_id \
         JOIN programs pr ON pr.id = e.program_id LEFT JOIN households hh ON hh.id = e.household_id \
         LEFT JOIN people pp ON pp.id = e.person_id LEFT JOIN groups gg ON gg.id = e.group_id";

    /// Newest first: by the day a change took effect, then as recorded.
    const HISTORY_ORDER: &str = "ch.changed_on DESC, ch.id DESC";

    fn history_select() -> Sql {
        Sql::new(format!(
            "SELECT {}, e.program_id, e.household_id, e.person_id, e.group_id, pr.name AS program_name, \
             COALESCE(hh.address, pp.name, gg.name) AS subject_label",
            EnrollmentChange::columns()
        ))
    }

    /// A history listing: the changes that meet `w`, newest first.
    fn history_listing(w: Where, page: PageRequest) -> Listing {
        let mut from = Sql::new(HISTORY_FROM);
        from.append(&w.to_sql());
        Listing { select: history_select(), from, order: Sql::new(HISTORY_ORDER), page }
    }

    fn enrollment_event(row: &Row) -> StoreResult<EnrollmentEvent> {
        Ok(EnrollmentEvent {
            change: EnrollmentChange::from_row(row)?,
            program_id: row.int("program_id")?,
            program_name: row.text("program_name")?,
            subject: subject_of(row)?,
            subject_label: row.opt_text("subject_label")?.unwrap_or_default(),
        })
    }

    /// Writes an enrollment's history row.
    async fn record_change(c: &mut dyn Conn, change: &NewChange) -> StoreResult<()> {
        insert::<EnrollmentChange>(c, change, Vec::new()).await?;
        Ok(())
    }

    /// The day an enrollment made with `e` took its status: its end if it has one.
    fn first_change_on(e: &NewEnrollment) -> Date {
        e.ended_on.unwrap_or(e.enrolled_on)
    }

    // --- Programs' target regions ---------------------------------------------------------------

    /// Fills in the target regions of programs, in their stored order, with one query.
    async fn with_regions(c: &mut dyn Conn, programs: &mut [Program]) -> StoreResult<()> {
        if programs.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new("SELECT program_id, region FROM program_regions WHERE program_id IN ");
        sql.list(programs.iter().map(|p| p.id)).push(" ORDER BY program_id, position");
        for row in rows(c, &sql).await? {
            let id = row.int("program_id")?;
            let code = row.parsed("region", RegionCode::parse)?;
            if let Some(p) = programs.iter_mut().find(|p| p.id == id) {
                p.target_regions.push(code);
            }
        }
        Ok(())
    }

    async fn get_program(c: &mut dyn Conn, id: Id) -> StoreResult<Program> {
        let mut p = [get::<Program>(c, id).await?];
        with_regions(c, &mut p).await?;
        let [p] = p;
        Ok(p)
    }

    /// Replaces a program's target regions (duplicates dropped, first position kept).
    async fn write_program_regions(c: &mut dyn Conn, id: Id, regions: &[RegionCode]) -> StoreResult<()> {
        let mut delete = Sql::new("DELETE FROM program_regions WHERE program_id = ");
        exec(c, delete.bind(id)).await?;
        let mut seen: Vec<&RegionCode> = Vec::with_capacity(regions.len());
        for r in regions {
            if seen.contains(&r) {
                continue;
            }
            let mut sql = Sql::new("INSERT INTO program_regions (program_id, region, position) VALUES ");
            exec(c, sql.list([Value::Int(id), r.as_str().into(), Value::Int(seen.len() as i64)])).await?;
            seen.push(r);
        }
        Ok(())
    }

    // --- Scopes ---------------------------------------------------------------------------------

    /// The ids of the households a [`Within`] lets a user see.
    pub(crate) fn households_within(w: Within) -> Sql {
        let mut s = Sql::default();
        match w {
            Within::AssignedTo(user) => s
                .push("SELECT a.household_id FROM assignments a WHERE a.user_id = ")
                .bind(user)
                .push(" AND a.household_id IS NOT NULL"),
            Within::MembersOf(group) => s
                .push("SELECT x.household_id FROM group_members m JOIN people x ON x.id = m.person_id WHERE m.group_id = ")
                .bind(group)
                .push(" AND x.household_id IS NOT NULL"),
        };
        s
    }

    /// The ids of the people a [`Within`] lets a user see.
    pub(crate) fn people_within(w: Within) -> Sql {
        let mut s = Sql::default();
        match w {
            Within::AssignedTo(user) => {
                s.push("SELECT x.id FROM people x WHERE x.household_id IN (").append(&households_within(w));
                s.push(
                    ") UNION SELECT m.person_id FROM group_members m JOIN assignments a ON a.group_id = m.group_id ",
                );
                s.push("WHERE a.user_id = ").bind(user)
            }
            Within::MembersOf(group) => {
                s.push("SELECT m.person_id FROM group_members m WHERE m.group_id = ").bind(group)
            }
        };
        s
    }

    /// The ids of the groups a [`Within`] lets a user see.
    fn groups_within(w: Within) -> Sql {
        let mut s = Sql::default();
        match w {
            Within::AssignedTo(user) => s
                .push("SELECT a.group_id FROM assignments a WHERE a.user_id = ")
                .bind(user)
                .push(" AND a.group_id IS NOT NULL"),
            Within::MembersOf(group) => s.push("SELECT ").bind(group),
        };
        s
    }

    /// `col IN (subquery)`.
    pub(crate) fn is_in(col: &str, set: &Sql) -> Sql {
        let mut s = Sql::new(format!("{col} IN ("));
        s.append(set).push(")");
        s
    }

    /// Conditions on an enrollment `e`: its subject lies in the query's region (a household's
    /// region, a person's household's, a group's) and within its scope.
    pub(crate) fn enrollment_scope(q: &Query, w: &mut Where) {
        let any_of = |parts: [Sql; 3]| {
            let mut s = Sql::new("(");
            for (i, p) in parts.iter().enumerate() {
                s.push(if i == 0 { "" } else { " OR " }).append(p);
            }
            s.push(")");
            s
        };
        if let Some(r) = &q.region {
            let mut h = Sql::new("SELECT h.id FROM households h WHERE ");
            h.append(&subtree("h.region", r.as_str()));
            let mut p = Sql::new("SELECT x.id FROM people x JOIN households h ON h.id = x.household_id WHERE ");
            p.append(&subtree("h.region", r.as_str()));
            let mut g = Sql::new("SELECT g.id FROM groups g WHERE ");
            g.append(&subtree("g.region", r.as_str()));
            w.and(any_of([is_in("e.household_id", &h), is_in("e.person_id", &p), is_in("e.group_id", &g)]));
        }
        if let Some(within) = q.within {
            w.and(any_of([
                is_in("e.household_id", &households_within(within)),
                is_in("e.person_id", &people_within(within)),
                is_in("e.group_id", &groups_within(within)),
            ]));
        }
    }

    /// A condition: a program `p` targets a region in the area or above it.
    pub(crate) fn program_overlaps(area: &RegionCode) -> Sql {
        let mut s = Sql::new("EXISTS (SELECT 1 FROM program_regions pr WHERE pr.program_id = p.id AND (");
        s.append(&subtree("pr.region", area.as_str()));
        let ancestors: Vec<String> =
            std::iter::successors(area.parent(), RegionCode::parent).map(|r| r.to_string()).collect();
        if !ancestors.is_empty() {
            s.push(" OR pr.region IN ").list(ancestors);
        }
        s.push("))");
        s
    }

    // --- Listings -------------------------------------------------------------------------------

    const REGIONS: Spec = Spec {
        sorts: &[("code", "r.code"), ("name", "r.name_key"), ("kind", "r.kind")],
        natural: "r.code",
        tie: "r.code",
        filters: &[("kind", "r.kind", Type::Text)],
    };

    /// The name of a household's head (`h`), as one SQL expression.
    pub(crate) const HOUSEHOLD_HEAD: &str =
        "(SELECT x.name FROM people x WHERE x.household_id = h.id AND x.relation = 'head' ORDER BY x.id LIMIT 1)";
    const HOUSEHOLD_MEMBERS: &str = "(SELECT count(*) FROM people x WHERE x.household_id = h.id)";

    const HOUSEHOLDS: Spec = Spec {
        sorts: &[
            ("address", "h.address_key"),
            (
                "head",
                "(SELECT x.name_key FROM people x WHERE x.household_id = h.id AND x.relation = 'head' ORDER BY x.id LIMIT 1)",
            ),
            ("region", "r.name_key"),
            ("welfare_stage", "h.welfare_stage"),
            ("members", HOUSEHOLD_MEMBERS),
        ],
        natural: "h.id",
        tie: "h.id",
        filters: &[("welfare_stage", "h.welfare_stage", Type::Text), ("dtks_listed", "h.dtks_listed", Type::Bool)],
    };

    const PEOPLE: Spec = Spec {
        sorts: &[("name", "p.name_key"), ("birth_date", "p.birth_date"), ("sex", "p.sex")],
        natural: "p.name_key",
        tie: "p.id",
        filters: &[
            ("sex", "p.sex", Type::Text),
            ("relation", "p.relation", Type::Text),
            ("disability", "p.disability", Type::Text),
        ],
    };

    const GROUP_MEMBERS: &str = "(SELECT count(*) FROM group_members m WHERE m.group_id = g.id)";

    const GROUPS: Spec = Spec {
        sorts: &[("name", "g.name_key"), ("kind", "g.kind"), ("region", "r.name_key"), ("members", GROUP_MEMBERS)],
        natural: "g.name_key",
        tie: "g.id",
        filters: &[("kind", "g.kind", Type::Text)],
    };

    const AGENCIES: Spec = Spec {
        sorts: &[
            ("name", "a.name_key"),
            ("kind", "a.kind"),
            ("region", "(SELECT r.name_key FROM regions r WHERE r.code = a.region)"),
        ],
        natural: "a.name_key",
        tie: "a.id",
        filters: &[("kind", "a.kind", Type::Text)],
    };

    const PROGRAMS: Spec = Spec {
        sorts: &[
            ("name", "p.name_key"),
            ("agency", "a.name_key"),
            ("starts_on", "p.starts_on"),
            ("ends_on", "p.ends_on"),
        ],
        natural: "p.name_key",
        tie: "p.id",
        filters: &[("agency_id", "p.agency_id", Type::Int)],
    };

    /// FROM `from`, the conditions and the query's filters, ordered by the query's sort.
    fn listing(q: &Query, spec: &Spec, select: Sql, from: &str, mut w: Where, bound: &[(&str, &Sql)]) -> Listing {
        spec.filter(q, &mut w);
        let mut from = Sql::new(from);
        from.append(&w.to_sql());
        Listing { select, from, order: spec.order(q, bound), page: q.page }
    }

    fn region_listing(q: &Query) -> Listing {
        let mut w = Where::default();
        if let Some(t) = q.text_str() {
            let code = t.to_uppercase();
            let mut cond = Sql::new("(");
            cond.append(&contains("r.name_key", t)).push(" OR (r.code >= ").bind(code.as_str());
            cond.push(" AND r.code < ").bind(prefix_end(&code)).push("))");
            w.and(cond);
        }
        if let Some(r) = &q.region {
            w.and(subtree("r.code", r.as_str()));
        }
        listing(q, &REGIONS, Sql::new(format!("SELECT {}", Region::columns())), "FROM regions r", w, &[])
    }

    fn household_listing(q: &Query) -> Listing {
        let mut w = Where::default();
        if let Some(kk) = q.as_identity_number() {
            let mut cond = Sql::new("h.kk = ");
            w.and(cond.bind(kk as i64).clone());
        } else if let Some(t) = q.text_str() {
            let mut cond = Sql::new("(");
            cond.append(&contains("h.address_key", t));
            cond.push(" OR EXISTS (SELECT 1 FROM people x WHERE x.household_id = h.id AND x.relation = 'head' AND ");
            cond.append(&contains("x.name_key", t)).push("))");
            w.and(cond);
        }
        if let Some(r) = &q.region {
            w.and(subtree("h.region", r.as_str()));
        }
        if let Some(within) = q.within {
            w.and(is_in("h.id", &households_within(within)));
        }
        let select = Sql::new(format!(
            "SELECT {}, r.name AS region_name, {HOUSEHOLD_HEAD} AS head_name, {HOUSEHOLD_MEMBERS} AS members",
            Household::columns()
        ));
        listing(q, &HOUSEHOLDS, select, "FROM households h JOIN regions r ON r.code = h.region", w, &[])
    }

    fn person_listing(q: &Query) -> Listing {
        let mut w = Where::default();
        if let Some(nik) = q.as_identity_number() {
            let mut cond = Sql::new("p.nik = ");
            w.and(cond.bind(nik as i64).clone());
        } else if let Some(t) = q.text_str() {
            let k = key(t);
            let mut cond = Sql::new("p.name_key >= ");
            cond.bind(k.as_str()).push(" AND p.name_key < ").bind(prefix_end(&k));
            w.and(cond);
        }
        let from = match &q.region {
            Some(r) => {
                w.and(subtree("h.region", r.as_str()));
                "FROM people p JOIN households h ON h.id = p.household_id"
            }
            None => "FROM people p",
        };
        if let Some(within) = q.within {
            w.and(is_in("p.id", &people_within(within)));
        }
        listing(q, &PEOPLE, Sql::new(format!("SELECT {}", Person::columns())), from, w, &[])
    }

    fn group_listing(q: &Query) -> Listing {
        let mut w = Where::default();
        if let Some(t) = q.text_str() {
            w.and(contains("g.name_key", t));
        }
        if let Some(r) = &q.region {
            w.and(subtree("g.region", r.as_str()));
        }
        if let Some(within) = q.within {
            w.and(is_in("g.id", &groups_within(within)));
        }
        let select =
            Sql::new(format!("SELECT {}, r.name AS region_name, {GROUP_MEMBERS} AS members", Group::columns()));
        listing(q, &GROUPS, select, "FROM groups g JOIN regions r ON r.code = g.region", w, &[])
    }

    fn agency_listing(q: &Query) -> Listing {
        let mut w = Where::default();
        if let Some(t) = q.text_str() {
            w.and(contains("a.name_key", t));
        }
        if let Some(r) = &q.region {
            w.and(subtree("a.region", r.as_str()));
        }
        listing(q, &AGENCIES, Sql::new(format!("SELECT {}", Agency::columns())), "FROM agencies a", w, &[])
    }

    fn program_listing(q: &Query) -> Listing {
        let mut w = Where::default();
        if let Some(t) = q.text_str() {
            w.and(contains("p.name_key", t));
        }
        if let Some(area) = &q.region {
            w.and(program_overlaps(area));
        }
        let mut scope = Where::default();
        enrollment_scope(q, &mut scope);
        let mut enrolled = Sql::new("(SELECT count(*) FROM enrollments e WHERE e.program_id = p.id");
        for cond in scope.conditions() {
            enrolled.push(" AND ").append(cond);
        }
        enrolled.push(")");
        let mut select = Sql::new(format!("SELECT {}, a.name AS agency_name, ", Program::columns()));
        select.append(&enrolled).push(" AS enrolled");
        let from = "FROM programs p JOIN agencies a ON a.id = p.agency_id";
        listing(q, &PROGRAMS, select, from, w, &[("enrolled", &enrolled)])
    }

    fn enrollment_listing(program_id: Id, q: &Query) -> Listing {
        let mut w = Where::default();
        let mut cond = Sql::new("e.program_id = ");
        w.and(cond.bind(program_id).clone());
        enrollment_scope(q, &mut w);
        let select = Sql::new(format!(
            "SELECT {}, COALESCE(hh.address, pp.name, gg.name) AS subject_label",
            Enrollment::columns()
        ));
        let mut from = Sql::new(ENROLLMENT_FROM);
        from.append(&w.to_sql());
        Listing { select, from, order: Sql::new("e.id"), page: q.page }
    }

    // --- The store ------------------------------------------------------------------------------

    /// Reads a [`HouseholdSummary`] from a household listing row.
    fn household_summary(row: &Row) -> StoreResult<HouseholdSummary> {
        Ok(HouseholdSummary {
            household: Household::from_row(row)?,
            region_name: row.text("region_name")?,
            head_name: row.opt_text("head_name")?,
            members: row.count("members")?,
        })
    }

    fn group_summary(row: &Row) -> StoreResult<GroupSummary> {
        Ok(GroupSummary {
            group: Group::from_row(row)?,
            region_name: row.text("region_name")?,
            members: row.count("members")?,
        })
    }

    fn program_summary(row: &Row) -> StoreResult<ProgramSummary> {
        Ok(ProgramSummary {
            program: Program::from_row(row)?,
            agency_name: row.text("agency_name")?,
            enrolled: row.count("enrolled")?,
        })
    }

    #[async_trait]
    impl<B: Backend> RegistryStore for B {
        async fn create_region(&self, region: &NewRegion) -> StoreResult<Region> {
            let r = region.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    let parent = r.parent();
                    if let Some(p) = &parent
                        && crate::kit::find::<Region>(c, p.as_str()).await?.is_none()
                    {
                        let message = format!("parent region {p} does not exist");
                        return Err(StoreError::Reference { field: "code", message });
                    }
                    let extra =
                        vec![("code", r.code.as_str().into()), ("parent", parent.as_ref().map(|p| p.as_str()).into())];
                    let code = insert::<Region>(c, &r, extra).await?;
                    get(c, code).await
                })
            }))
            .await
        }

        async fn update_region(&self, region: &NewRegion, version: Version) -> StoreResult<Region> {
            let r = region.clone();
            self.write(job(move |c| Box::pin(async move { update::<Region>(c, r.code.as_str(), &r, version).await })))
                .await
        }

        async fn region(&self, code: &RegionCode) -> StoreResult<Region> {
            let code = code.to_string();
            self.read(job(move |c| Box::pin(async move { get(c, code).await }))).await
        }

        async fn region_path(&self, code: &RegionCode) -> StoreResult<Vec<Region>> {
            let code = code.clone();
            self.read(job(move |c| {
                Box::pin(async move {
                    let chain: Vec<String> =
                        std::iter::successors(Some(code.clone()), RegionCode::parent).map(|r| r.to_string()).collect();
                    let mut cond = Sql::new("r.code IN ");
                    cond.list(chain);
                    let path: Vec<Region> = list(c, cond, "length(r.code), r.code").await?;
                    if path.last().map(|r| &r.code) != Some(&code) {
                        return Err(StoreError::NotFound { entity: "region" });
                    }
                    Ok(path)
                })
            }))
            .await
        }

        async fn region_children(&self, parent: Option<&RegionCode>) -> StoreResult<Vec<Region>> {
            let parent = parent.map(|p| p.to_string());
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut cond = Sql::default();
                    match parent {
                        Some(p) => cond.push("r.parent = ").bind(p),
                        None => cond.push("r.parent IS NULL"),
                    };
                    list(c, cond, "r.code").await
                })
            }))
            .await
        }

        async fn search_regions(&self, query: &Query) -> StoreResult<Page<Region>> {
            let l = region_listing(query);
            self.read(job(move |c| Box::pin(async move { page(c, &l, Region::from_row).await }))).await
        }

        async fn create_household(&self, household: &NewHousehold) -> StoreResult<Household> {
            let h = household.clone();
            self.write(job(move |c| Box::pin(async move { crate::kit::create::<Household>(c, &h).await }))).await
        }

        async fn update_household(&self, id: Id, household: &NewHousehold, version: Version) -> StoreResult<Household> {
            let h = household.clone();
            self.write(job(move |c| Box::pin(async move { update::<Household>(c, id, &h, version).await }))).await
        }

        async fn household(&self, id: Id) -> StoreResult<Household> {
            self.read(job(move |c| Box::pin(async move { get(c, id).await }))).await
        }

        async fn search_households(&self, query: &Query) -> StoreResult<Page<HouseholdSummary>> {
            let l = household_listing(query);
            self.read(job(move |c| Box::pin(async move { page(c, &l, household_summary).await }))).await
        }

        async fn household_members(&self, id: Id) -> StoreResult<Vec<Person>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    require::<Household>(c, id).await?;
                    let mut cond = Sql::new("p.household_id = ");
                    cond.bind(id);
                    list(c, cond, "p.id").await
                })
            }))
            .await
        }

        async fn create_person(&self, person: &NewPerson) -> StoreResult<Person> {
            let p = person.clone();
            self.write(job(move |c| Box::pin(async move { crate::kit::create::<Person>(c, &p).await }))).await
        }

        async fn update_person(&self, id: Id, person: &NewPerson, version: Version) -> StoreResult<Person> {
            let p = person.clone();
            self.write(job(move |c| Box::pin(async move { update::<Person>(c, id, &p, version).await }))).await
        }

        async fn person(&self, id: Id) -> StoreResult<Person> {
            self.read(job(move |c| Box::pin(async move { get(c, id).await }))).await
        }

        async fn search_people(&self, query: &Query) -> StoreResult<Page<Person>> {
            let l = person_listing(query);
            self.read(job(move |c| Box::pin(async move { page(c, &l, Person::from_row).await }))).await
        }

        async fn create_group(&self, group: &NewGroup) -> StoreResult<Group> {
            let g = group.clone();
            self.write(job(move |c| Box::pin(async move { crate::kit::create::<Group>(c, &g).await }))).await
        }

        async fn update_group(&self, id: Id, group: &NewGroup, version: Version) -> StoreResult<Group> {
            let g = group.clone();
            self.write(job(move |c| Box::pin(async move { update::<Group>(c, id, &g, version).await }))).await
        }

        async fn group(&self, id: Id) -> StoreResult<Group> {
            self.read(job(move |c| Box::pin(async move { get(c, id).await }))).await
        }

        async fn search_groups(&self, query: &Query) -> StoreResult<Page<GroupSummary>> {
            let l = group_listing(query);
            self.read(job(move |c| Box::pin(async move { page(c, &l, group_summary).await }))).await
        }

        async fn add_member(&self, group_id: Id, member: &NewMember) -> StoreResult<GroupMember> {
            let m = member.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    require::<Group>(c, group_id).await?;
                    let id = insert::<GroupMember>(c, &m, vec![("group_id", group_id.into())]).await?;
                    get(c, id).await
                })
            }))
            .await
        }

        async fn group_members(&self, group_id: Id) -> StoreResult<Vec<GroupMember>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    require::<Group>(c, group_id).await?;
                    let mut cond = Sql::new("m.group_id = ");
                    cond.bind(group_id);
                    list(c, cond, "m.id").await
                })
            }))
            .await
        }

        async fn remove_member(&self, group_id: Id, person_id: Id) -> StoreResult<()> {
            self.write(job(move |c| {
                Box::pin(async move {
                    require::<Group>(c, group_id).await?;
                    let mut sql = Sql::new("DELETE FROM group_members WHERE group_id = ");
                    sql.bind(group_id).push(" AND person_id = ").bind(person_id);
                    if exec(c, &sql).await? == 0 { Err(StoreError::NotFound { entity: "member" }) } else { Ok(()) }
                })
            }))
            .await
        }

        async fn add_members(&self, group_id: Id, members: &[NewMember]) -> StoreResult<u64> {
            let members = members.to_vec();
            self.write(job(move |c| {
                Box::pin(async move {
                    require::<Group>(c, group_id).await?;
                    for m in &members {
                        insert::<GroupMember>(c, m, vec![("group_id", group_id.into())]).await?;
                    }
                    Ok(members.len() as u64)
                })
            }))
            .await
        }

        async fn create_agency(&self, agency: &NewAgency) -> StoreResult<Agency> {
            let a = agency.clone();
            self.write(job(move |c| Box::pin(async move { crate::kit::create::<Agency>(c, &a).await }))).await
        }

        async fn update_agency(&self, id: Id, agency: &NewAgency, version: Version) -> StoreResult<Agency> {
            if agency.parent_id == Some(id) {
                return Err(Invalid::one("parent_id", "an agency cannot be its own parent").into());
            }
            let a = agency.clone();
            self.write(job(move |c| Box::pin(async move { update::<Agency>(c, id, &a, version).await }))).await
        }

        async fn agency(&self, id: Id) -> StoreResult<Agency> {
            self.read(job(move |c| Box::pin(async move { get(c, id).await }))).await
        }

        async fn search_agencies(&self, query: &Query) -> StoreResult<Page<Agency>> {
            let l = agency_listing(query);
            self.read(job(move |c| Box::pin(async move { page(c, &l, Agency::from_row).await }))).await
        }

        async fn agency_units(&self, id: Id) -> StoreResult<Vec<Agency>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    require::<Agency>(c, id).await?;
                    let mut cond = Sql::new("a.parent_id = ");
                    cond.bind(id);
                    list(c, cond, "a.name_key, a.id").await
                })
            }))
            .await
        }

        async fn add_staff(&self, agency_id: Id, staff: &NewStaff) -> StoreResult<Staff> {
            let s = staff.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    require::<Agency>(c, agency_id).await?;
                    let id = insert::<Staff>(c, &s, vec![("agency_id", agency_id.into())]).await?;
                    get(c, id).await
                })
            }))
            .await
        }

        async fn agency_staff(&self, agency_id: Id) -> StoreResult<Vec<Staff>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    require::<Agency>(c, agency_id).await?;
                    let mut cond = Sql::new("s.agency_id = ");
                    cond.bind(agency_id);
                    list(c, cond, "s.id").await
                })
            }))
            .await
        }

        async fn create_program(&self, program: &NewProgram) -> StoreResult<Program> {
            let p = program.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    let id = insert::<Program>(c, &p, Vec::new()).await?;
                    let id = match id {
                        Value::Int(id) => id,
                        other => return Err(StoreError::Backend(format!("program id is {other:?}"))),
                    };
                    write_program_regions(c, id, &p.target_regions).await?;
                    get_program(c, id).await
                })
            }))
            .await
        }

        async fn update_program(&self, id: Id, program: &NewProgram, version: Version) -> StoreResult<Program> {
            let p = program.clone();
            self.write(job(move |c| {
                Box::pin(async move {
                    update::<Program>(c, id, &p, version).await?;
                    write_program_regions(c, id, &p.target_regions).await?;
                    get_program(c, id).await
                })
            }))
            .await
        }

        async fn program(&self, id: Id) -> StoreResult<Program> {
            self.read(job(move |c| Box::pin(async move { get_program(c, id).await }))).await
        }

        async fn search_programs(&self, query: &Query) -> StoreResult<Page<ProgramSummary>> {
            let l = program_listing(query);
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut found = page(c, &l, program_summary).await?;
                    let mut programs: Vec<Program> = found.items.iter().map(|s| s.program.clone()).collect();
                    with_regions(c, &mut programs).await?;
                    for (s, p) in found.items.iter_mut().zip(programs) {
                        s.program = p;
                    }
                    Ok(found)
                })
            }))
            .await
        }

        async fn enroll(&self, program_id: Id, enrollment: &NewEnrollment) -> StoreResult<Enrollment> {
            let e = enrollment.clone();
            let actor = crate::access::current_actor();
            self.write(job(move |c| {
                Box::pin(async move {
                    require::<Program>(c, program_id).await?;
                    let id = insert::<Enrollment>(c, &e, vec![("program_id", program_id.into())]).await?;
                    let enrollment: Enrollment = get(c, id).await?;
                    let first = NewChange {
                        enrollment_id: enrollment.id,
                        from: None,
                        to: e.status,
                        on: first_change_on(&e),
                        reason: None,
                        actor,
                    };
                    record_change(c, &first).await?;
                    Ok(enrollment)
                })
            }))
            .await
        }

        async fn enrollment(&self, id: Id) -> StoreResult<Enrollment> {
            self.read(job(move |c| Box::pin(async move { get(c, id).await }))).await
        }

        async fn change_enrollment_status(
            &self,
            id: Id,
            change: &StatusChange,
            version: Version,
        ) -> StoreResult<Enrollment> {
            let change = change.clone();
            let actor = crate::access::current_actor();
            self.write(job(move |c| {
                Box::pin(async move {
                    let now: Enrollment = get(c, id).await?;
                    if now.version == version && !now.status.next().contains(&change.to) {
                        let message = format!("a {} enrollment cannot become {}", now.status, change.to);
                        return Err(Invalid::one("status", message).into());
                    }
                    let ended_on = change.to.ends().then_some(change.on);
                    let new = NewEnrollment {
                        subject: now.subject,
                        status: change.to,
                        enrolled_on: now.enrolled_on,
                        ended_on,
                    };
                    let changed: Enrollment = update(c, id, &new, version).await?;
                    let row = NewChange {
                        enrollment_id: id,
                        from: Some(now.status),
                        to: change.to,
                        on: change.on,
                        reason: change.reason,
                        actor,
                    };
                    record_change(c, &row).await?;
                    Ok(changed)
                })
            }))
            .await
        }

        async fn enrollment_history(&self, id: Id) -> StoreResult<Vec<EnrollmentEvent>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    require::<Enrollment>(c, id).await?;
                    let mut sql = history_select();
                    sql.push(" ").push(HISTORY_FROM).push(" WHERE ch.enrollment_id = ").bind(id);
                    sql.push(&format!(" ORDER BY {HISTORY_ORDER}"));
                    rows(c, &sql).await?.iter().map(enrollment_event).collect()
                })
            }))
            .await
        }

        async fn subject_history(&self, subjects: &[Subject], at: PageRequest) -> StoreResult<Page<EnrollmentEvent>> {
            let mut any = Sql::new("(1 = 0");
            for subject in subjects {
                any.push(&format!(" OR e.{} = ", subject_column(subject.kind))).bind(subject.id);
            }
            any.push(")");
            let mut w = Where::default();
            w.and(any);
            let l = history_listing(w, at);
            self.read(job(move |c| Box::pin(async move { page(c, &l, enrollment_event).await }))).await
        }

        async fn program_history(&self, program_id: Id, query: &Query) -> StoreResult<Page<EnrollmentEvent>> {
            let mut w = Where::default();
            let mut cond = Sql::new("e.program_id = ");
            w.and(cond.bind(program_id).clone());
            enrollment_scope(query, &mut w);
            let l = history_listing(w, query.page);
            self.read(job(move |c| {
                Box::pin(async move {
                    require::<Program>(c, program_id).await?;
                    page(c, &l, enrollment_event).await
                })
            }))
            .await
        }

        async fn program_enrollments(&self, program_id: Id, query: &Query) -> StoreResult<Page<Enrollment>> {
            let l = enrollment_listing(program_id, query);
            self.read(job(move |c| {
                Box::pin(async move {
                    require::<Program>(c, program_id).await?;
                    page(c, &l, Enrollment::from_row).await
                })
            }))
            .await
        }

        async fn subject_enrollments(&self, subject: Subject) -> StoreResult<Vec<SubjectEnrollment>> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let mut sql = Sql::new(format!(
                        "SELECT {}, COALESCE(hh.address, pp.name, gg.name) AS subject_label, pr.name AS program_name \
                         {ENROLLMENT_FROM} JOIN programs pr ON pr.id = e.program_id WHERE e.{} = ",
                        Enrollment::columns(),
                        subject_column(subject.kind)
                    ));
                    sql.bind(subject.id).push(" ORDER BY e.id");
                    rows(c, &sql)
                        .await?
                        .iter()
                        .map(|row| {
                            Ok(SubjectEnrollment {
                                enrollment: Enrollment::from_row(row)?,
                                program_name: row.text("program_name")?,
                            })
                        })
                        .collect()
                })
            }))
            .await
        }

        async fn registry_counts(&self) -> StoreResult<RegistryCounts> {
            self.read(job(move |c| {
                Box::pin(async move {
                    let tables = ["regions", "households", "people", "groups", "agencies", "programs", "enrollments"];
                    let counts: Vec<String> =
                        tables.iter().map(|t| format!("(SELECT count(*) FROM {t}) AS {t}")).collect();
                    let row = first(c, &Sql::new(format!("SELECT {}", counts.join(", "))))
                        .await?
                        .ok_or_else(|| StoreError::Backend("counts returned nothing".into()))?;
                    let n = |t: &&str| -> StoreResult<u64> { Ok(u64::try_from(row.int(t)?).unwrap_or(0)) };
                    let counts = tables.iter().map(n).collect::<StoreResult<Vec<u64>>>()?;
                    let [regions, households, people, groups, agencies, programs, enrollments] = counts[..] else {
                        return Err(StoreError::Backend("counts returned too few columns".into()));
                    };
                    Ok(RegistryCounts { regions, households, people, groups, agencies, programs, enrollments })
                })
            }))
            .await
        }
    }
}
