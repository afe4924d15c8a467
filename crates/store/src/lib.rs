//! The storage contract of Berdaya, written in domain terms.
//!
//! Backends (`berdaya-store-sqlite`, `berdaya-store-postgres`) implement [`Store`]; nothing
//! above this crate sees a driver type. Every multi-row change a method makes happens in one
//! transaction. Updates carry the version the caller read; a stale version is a
//! [`StoreError::Conflict`], never a silent overwrite.

pub mod access;
pub mod activity;
pub mod agriculture;
pub mod dashboard;
pub mod finding;
pub mod framework;
pub mod import;
pub mod kit;
pub mod kotaku;
pub mod pkh;
pub mod qual;
pub mod regions;
pub mod registry;
pub mod survey;
#[cfg(feature = "testkit")]
pub mod testkit;

use async_trait::async_trait;
use berdaya_domain::registry::{Invalid, Version};
use serde::Serialize;

pub use access::{AccessStore, AuditStore};
pub use activity::ActivityStore;
pub use agriculture::ClassStore;
pub use agriculture::aid::AidStore;
pub use agriculture::machine::MachineStore;
pub use dashboard::DashboardStore;
pub use finding::FindingStore;
pub use framework::FrameworkStore;
pub use import::{ImportOptions, ImportReport, RegistryRecord, RowError, RowSource};
pub use kotaku::book::BookStore;
pub use kotaku::cycle::CycleStore;
pub use kotaku::grant::GrantStore;
pub use kotaku::partner::PartnerStore;
pub use pkh::caseload::PkhCaseloadStore;
pub use pkh::family::PkhFamilyStore;
pub use pkh::p2k2::P2k2Store;
pub use pkh::payment::PkhPayStore;
pub use pkh::school::PkhSchoolStore;
pub use pkh::targeting::PkhTargetStore;
pub use pkh::verify::PkhVerifyStore;
pub use regions::{ListedRegion, RegionLoad};
pub use registry::*;
pub use survey::SurveyStore;

/// What went wrong in the store, in the user's terms.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record (or, later, none the caller may see).
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// The record changed since the caller read it.
    #[error(
        "{entity} was changed by someone else (you edited version {expected}, it is now at version {actual}); reload and try again"
    )]
    Conflict { entity: &'static str, expected: Version, actual: Version },
    /// A unique key is taken.
    #[error("{field}: {message}")]
    Duplicate { field: &'static str, message: String },
    /// A reference points at nothing (an unknown region code, a missing household).
    #[error("{field}: {message}")]
    Reference { field: &'static str, message: String },
    /// The input broke a rule only the store can check.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The operation does not exist on this backend.
    #[error("{0}")]
    Unsupported(String),
    /// The database is busy with other writers (an import) beyond the wait allowed; trying
    /// again shortly will do.
    #[error("the database is busy; try again in a moment")]
    Busy,
    /// The database failed; the message is for logs, not for users.
    #[error("database error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Which page of a listing to read. Pages count from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    pub const MAX_PER_PAGE: u32 = 200;

    /// Clamps to page ≥ 1 and 1 ≤ per_page ≤ 200.
    pub fn new(page: u32, per_page: u32) -> Self {
        PageRequest { page: page.max(1), per_page: per_page.clamp(1, Self::MAX_PER_PAGE) }
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::new(1, 25)
    }
}

/// One page of a listing. Totals are counted exactly up to [`COUNT_CAP`]; past it,
/// `total_capped` is set, so a search over millions of rows stays fast.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
    pub total_capped: bool,
}

/// Listings count matching rows up to this many.
pub const COUNT_CAP: u64 = 10_000;

impl<T> Page<T> {
    pub fn new(items: Vec<T>, req: PageRequest, counted: u64) -> Self {
        Page {
            items,
            page: req.page,
            per_page: req.per_page,
            total: counted.min(COUNT_CAP),
            total_capped: counted > COUNT_CAP,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
            total_capped: self.total_capped,
        }
    }

    /// Number of pages, counting the capped total.
    pub fn pages(&self) -> u32 {
        (self.total.div_ceil(u64::from(self.per_page.max(1)))).max(1) as u32
    }
}

/// The whole store. Both backends pass the same test suite.
#[async_trait]
pub trait Store:
    registry::RegistryStore
    + registry::RegistryBulk
    + survey::SurveyStore
    + dashboard::DashboardStore
    + framework::FrameworkStore
    + finding::FindingStore
    + access::AccessStore
    + access::AuditStore
    + agriculture::machine::MachineStore
    + agriculture::aid::AidStore
    + activity::ActivityStore
    + agriculture::class::ClassStore
    + pkh::rules::PkhRulesStore
    + pkh::grievance::PkhGrievanceStore
    + pkh::payment::PkhPayStore
    + pkh::caseload::PkhCaseloadStore
    + pkh::family::PkhFamilyStore
    + pkh::school::PkhSchoolStore
    + pkh::verify::PkhVerifyStore
    + pkh::targeting::PkhTargetStore
    + pkh::p2k2::P2k2Store
    + kotaku::grant::GrantStore
    + kotaku::book::BookStore
    + kotaku::cycle::CycleStore
    + kotaku::partner::PartnerStore
    + qual::QualStore
    + Send
    + Sync
    + 'static
{
    /// Which backend this is (`sqlite` or `postgres`), for health checks and logs.
    fn backend(&self) -> &'static str;

    /// Checks the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// Writes a consistent copy of the database to `path` while it stays in use.
    /// Backends that cannot (PostgreSQL: use pg_dump) answer [`StoreError::Unsupported`].
    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()>;

    /// Reads an installation setting (e.g. `demo` is set when the demo data was loaded).
    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;

    /// Writes an installation setting.
    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()>;
}
