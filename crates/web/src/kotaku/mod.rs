//! Community-driven programs over HTTP: block grants and their works ([`grants`]), group
//! cash books ([`books`]), stage cycles, stakeholders, outcomes and slum scores
//! ([`community`]), and the sections they add to program, group, region and household pages
//! ([`panel`]).
//!
//! Access. Reading a grant needs the program readable (in the caller's area); keeping its
//! records (units, works, spending, progress, handover, maintenance) is for the program's
//! officers and the group officers of the recipient institution (the LKM); approving and
//! receiving tranches and overriding the cap of tranches received is for the program's
//! officers only. A group's book is kept by its own group officers and by officers and
//! administrators of its area; evaluators read it with counterparts and recorders hidden.
//! Every id a request carries is resolved through the caller's scope: one the caller may not
//! see answers exactly as a missing one.

pub mod books;
pub mod community;
pub mod grants;
pub mod panel;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use berdaya_domain::access::Role;
use berdaya_domain::registry::{Id, Program};
use berdaya_files::tables::SheetTable;

use crate::AppState;
use crate::access::guard::{Auth, missing_reference};
use crate::error::Error;
use crate::html::{Cell, Layout, Link, Section};

pub fn router() -> Router<AppState> {
    Router::new().merge(grants::router()).merge(books::router()).merge(community::router())
}

/// A page of community records: facts, figure cards, charts and sections.
#[derive(Template)]
#[template(path = "kotaku/page.html")]
pub struct Page {
    pub l: Layout,
    pub heading: String,
    pub breadcrumbs: Vec<Link>,
    pub actions: Vec<Link>,
    pub warnings: Vec<String>,
    pub facts: Vec<(String, Cell)>,
    pub cards: Vec<(String, String)>,
    /// SVG charts ([`crate::chart`]).
    pub charts: Vec<String>,
    pub sections: Vec<Section>,
}

impl Page {
    /// Shows an error on the form of section `id` (the rest at the top); answers the status.
    pub fn fail(&mut self, lang: crate::i18n::Lang, id: &str, err: &Error) -> StatusCode {
        match self.sections.iter_mut().find(|s| s.id == id).and_then(|s| s.form.as_mut()) {
            Some(f) => f.show_error(lang.tr(), err),
            None => {
                self.warnings.push(err.text(lang));
                err.status()
            }
        }
    }
}

/// Whether the caller manages the program (its agency's officers, administrators).
pub fn officer(auth: &Auth, program: &Program) -> bool {
    auth.principal().manages_program(program.agency_id)
}

/// Whether the caller is a group officer of `group_id`.
pub fn keeps(auth: &Auth, group_id: Id) -> bool {
    auth.role() == Role::GroupOfficer && auth.principal().user.group_id == Some(group_id)
}

/// A group a form names, resolved through the caller's scope (`field` names it when not).
pub async fn group_ref(state: &AppState, auth: &Auth, field: &'static str, id: Id) -> Result<Id, Error> {
    match state.store().group(id).await {
        Ok(g) if auth.group_access(state.store(), &g).await? != berdaya_domain::access::RecordAccess::None => Ok(g.id),
        Ok(_) | Err(berdaya_store::StoreError::NotFound { .. }) => Err(missing_reference(field, "group", id)),
        Err(e) => Err(e.into()),
    }
}

/// An XLSX download of `tables`.
pub fn xlsx(name: &str, tables: &[SheetTable]) -> Result<Response, Error> {
    let body = berdaya_files::tables::write_tables(tables).map_err(|e| {
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot write the workbook: {e}"))
    })?;
    Ok((
        [
            (CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// Whole rupiah, Indonesian style.
pub fn rp(v: i64) -> String {
    berdaya_domain::agriculture::machine::format_rupiah(v)
}

/// A share in whole per mille as a percentage with one decimal: 1166 → `116,6 %`.
pub fn per_mille(v: i64) -> String {
    format!("{},{} %", v / 10, (v % 10).abs())
}

/// A sheet's text cell.
pub fn tc(s: impl Into<String>) -> berdaya_files::tables::TableCell {
    berdaya_files::tables::TableCell::Text(s.into())
}

/// A sheet's number cell (rupiah may be negative: written as text then).
pub fn nc(v: i64) -> berdaya_files::tables::TableCell {
    match u64::try_from(v) {
        Ok(n) => berdaya_files::tables::TableCell::Count(n),
        Err(_) => berdaya_files::tables::TableCell::Text(v.to_string()),
    }
}

/// The page asking why an entry (of a grant's spending or a group's book) is reversed:
/// what the entry is, the reason (required) and the day of the correction.
pub fn reversal_page(
    lang: crate::i18n::Lang,
    what: &str,
    back: Link,
    action: String,
    form: Option<&crate::extract::FormData>,
) -> crate::html::FormPage {
    let t = lang.tr();
    let title = format!("{} — {what}", t.t("book.reverse"));
    let v = |k: &str| form.map(|f| f.get(k)).unwrap_or_default();
    let on = match v("on") {
        s if s.is_empty() => crate::agriculture::machines::today().to_string(),
        s => s,
    };
    let mut c = crate::registry::crumbs(lang, "nav.programs", "/programs");
    c.push(back);
    crate::html::FormPage {
        l: Layout::new(lang, title.clone(), "programs"),
        heading: title,
        breadcrumbs: c,
        form: crate::html::Form::new(
            "reverse",
            action,
            t.t("book.reverse"),
            vec![
                crate::html::Field::text("reason", t.t("field.reason"), v("reason"))
                    .required()
                    .hint(t.t("book.reason_hint")),
                crate::html::Field::date("on", t.t("field.on"), on).required(),
            ],
        ),
    }
}

/// The reason and day of a reversal form: both required.
pub fn reversal_of(form: &crate::extract::FormData) -> Result<(String, time::Date), Error> {
    let (reason_raw, on_raw) = (form.get("reason"), form.get("on"));
    let reason_checked = berdaya_domain::registry::text::text(&reason_raw, 1, 500);
    let on_checked = berdaya_domain::registry::text::date(&on_raw).and_then(not_future);
    let mut c = berdaya_domain::registry::text::Checker::new();
    let reason = c.field("reason", reason_checked);
    let on = c.field("on", on_checked);
    c.finish()?;
    match (reason, on) {
        (Some(r), Some(d)) => Ok((r, d)),
        _ => Err(Error::unprocessable("reason", "is required")),
    }
}

fn not_future(d: time::Date) -> Result<time::Date, String> {
    if d > crate::agriculture::machines::today() { Err("must not be in the future".into()) } else { Ok(d) }
}

/// A group's name, linked to its page when the caller may open it.
pub async fn group_cell(state: &AppState, auth: &Auth, id: Id, name: String) -> Cell {
    if auth.readable_group(state.store(), id).await.is_ok() {
        Cell::link(name, format!("/groups/{id}"))
    } else {
        Cell::text(name)
    }
}

/// Answers a page's form: a redirect to `to` on success; on the user's mistake the page
/// rebuilt by `rebuild` with the error beside the form of section `section` (status 4xx);
/// otherwise (refused, the database) the error page.
pub async fn answer<F, Fut>(
    lang: crate::i18n::Lang,
    result: Result<String, Error>,
    section: &str,
    rebuild: F,
) -> Result<Response, Error>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Page, Error>>,
{
    match result {
        Ok(to) => Ok(axum::response::Redirect::to(&to).into_response()),
        Err(e) if e.status().is_server_error() || e.status() == StatusCode::FORBIDDEN => Err(e.page(lang)),
        Err(e) => {
            let mut pg = rebuild().await.map_err(|e| e.page(lang))?;
            let status = pg.fail(lang, section, &e);
            Ok(crate::html::render_with(status, &pg))
        }
    }
}

/// The file of an upload checked as an attachment of `entity` (its id set once the record
/// exists), before anything is written; `None` when no file was chosen.
pub fn attachment_of(
    upload: &crate::extract::Upload,
    entity: &str,
) -> Result<Option<berdaya_domain::activity::NewAttachment>, Error> {
    match &upload.file {
        Some((name, bytes)) if !bytes.is_empty() => {
            berdaya_domain::activity::NewAttachment::parse(entity, 0, name, bytes.clone())
                .map(Some)
                .map_err(|m| Error::unprocessable("file", m))
        }
        _ => Ok(None),
    }
}
