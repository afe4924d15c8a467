//! The registry: regions, households, people, groups, agencies and programs.
//!
//! Input from users and files arrives as a *draft* of plain strings; `Draft::parse` turns it
//! into a validated value or into [`Invalid`], which names every field that broke a rule.

pub mod agency;
pub mod group;
pub mod household;
pub mod nik;
pub mod person;
pub mod program;
pub mod region;
pub mod text;

pub use agency::{Agency, AgencyDraft, AgencyKind, NewAgency, NewStaff, Staff, StaffDraft};
pub use group::{Group, GroupDraft, GroupKind, GroupMember, GroupRole, MemberDraft, NewGroup, NewMember};
pub use household::{Household, HouseholdDraft, Kk, NewHousehold, WelfareStage};
pub use nik::{Nik, NikMismatch};
pub use person::{Disability, Education, NewPerson, Person, PersonDraft, Relation, Sex};
pub use program::{
    Enrollment, EnrollmentChange, EnrollmentDraft, EnrollmentStatus, NewEnrollment, NewProgram, Program, ProgramDraft,
    StatusChange, StatusChangeDraft, StatusNow, Subject, SubjectKind,
};
pub use region::{NewRegion, Region, RegionCode, RegionDraft, RegionKind};
pub use text::{FieldError, Invalid};

/// Every record the registry keeps carries a version, bumped on each update; an update names
/// the version it read, so two concurrent edits can never silently overwrite each other.
pub type Version = i64;

/// Database identity of a record.
pub type Id = i64;
