//! The registry over HTTP: regions, households, people, groups, agencies and programs, each
//! as JSON under `/api/v1` and as pages.

/// The access rules the people registry (households, individuals, groups) shares, written
/// once in each of their `Resource` impls: a role that reads people lists the records, and a
/// role that edits the registry changes one it may see in full.
macro_rules! people_registry_rules {
    ($record:ty) => {
        fn may_list(auth: &Auth) -> bool {
            auth.reads_people()
        }
        fn may_edit(auth: &Auth, (_, access): &($record, RecordAccess)) -> bool {
            auth.principal().edits_registry() && *access == RecordAccess::Full
        }
    };
}

pub mod agencies;
pub mod enrollments;
pub mod export;
pub mod groups;
pub mod households;
pub mod people;
pub mod programs;
pub mod regions;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use berdaya_store::Page;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::html::Link;
use crate::i18n::Lang;

/// Every registry route, API and pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(regions::router())
        .merge(households::router())
        .merge(people::router())
        .merge(groups::router())
        .merge(agencies::router())
        .merge(programs::router())
        .merge(enrollments::router())
        .merge(export::router())
}

/// One page of a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageDto<T> {
    pub items: Vec<T>,
    /// Pages count from 1.
    pub page: u32,
    pub per_page: u32,
    /// Matching records, counted up to 10,000.
    pub total: u64,
    /// Set when there are more than `total` matches.
    pub total_capped: bool,
    pub pages: u32,
}

impl<T> PageDto<T> {
    pub fn from_page<U>(page: Page<U>, f: impl FnMut(U) -> T) -> PageDto<T> {
        let pages = page.pages();
        let page = page.map(f);
        PageDto {
            items: page.items,
            page: page.page,
            per_page: page.per_page,
            total: page.total,
            total_capped: page.total_capped,
            pages,
        }
    }
}

/// The query parameters of a plain paginated listing.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageParams {
    /// Page number, from 1.
    page: Option<u32>,
    /// Records per page, 1 to 200 (default 25).
    per_page: Option<u32>,
}

/// A 201 with the created record.
pub(crate) fn created<T: Serialize>(value: T) -> Response {
    (StatusCode::CREATED, axum::Json(value)).into_response()
}

/// `Beranda › Keluarga`: the root of a capability's breadcrumbs.
pub(crate) fn crumbs(lang: Lang, key: &str, href: &str) -> Vec<Link> {
    let t = lang.tr();
    vec![Link::new(t.t("nav.home"), "/"), Link::new(t.t(key), href)]
}

/// A date as `YYYY-MM-DD`.
pub(crate) fn iso(d: time::Date) -> String {
    berdaya_domain::registry::text::format_date(d)
}
