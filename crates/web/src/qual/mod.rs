//! Qualitative evaluation over HTTP: studies with their informants, sources and codebook
//! ([`studies`]), coding in the browser, keyword-in-context search and redaction
//! ([`coding`]), matrices, co-occurrence and coverage gaps ([`display`]), conclusions with
//! their evidence and triangulation ([`conclusions`]), inter-coder agreement and
//! reconciliation ([`agreement`]) and REFI-QDA and XLSX exchange ([`exchange`]).
//!
//! Access. A study is read by the roles that read survey analyses and qualitative material
//! (administrators, program officers, evaluators) whose area holds the study's region; it is
//! kept (sources, codes, codings, conclusions) by administrators and evaluators of that area.
//! Any other study answers exactly as a missing one, and so does every id a request carries
//! (a source, code, coding, informant or conclusion of a study the caller may not read, a
//! program or group out of scope). An informant's real name is shown only to administrators
//! and to the study's author, on request, and every such showing is recorded in the audit
//! log; everyone else sees pseudonyms, and exports carry pseudonyms and redacted texts.

pub mod agreement;
pub mod coding;
pub mod conclusions;
pub mod display;
pub mod exchange;
pub mod studies;

use axum::Router;
use berdaya_domain::access::Role;
use berdaya_domain::qual::{Code, Coding, Conclusion, Informant, Source, Study};
use berdaya_domain::registry::Id;

use crate::AppState;
use crate::access::guard::{Auth, forbidden, hidden};
use crate::error::Error;
use crate::html::{Layout, Link};
use crate::i18n::Lang;
use crate::kotaku::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(studies::router())
        .merge(coding::router())
        .merge(display::router())
        .merge(conclusions::router())
        .merge(agreement::router())
        .merge(exchange::router())
}

/// The study `id` as the caller may read it; `write` also requires keeping it.
pub async fn study_of(state: &AppState, auth: &Auth, id: Id, write: bool) -> Result<Study, Error> {
    auth.require(auth.principal().reads_surveys())?;
    let s = match state.store().study(id).await {
        Ok(s) => s,
        Err(berdaya_store::StoreError::NotFound { .. }) => return Err(hidden("study")),
        Err(e) => return Err(e.into()),
    };
    let visible = match &s.region {
        Some(r) => auth.principal().in_area(r),
        None => auth.principal().user.area.is_none(),
    };
    if !visible {
        return Err(hidden("study"));
    }
    if write && !auth.principal().writes_surveys() {
        return Err(forbidden());
    }
    Ok(s)
}

/// Resolves a record of a study through the study: out of scope answers as missing.
async fn through(state: &AppState, auth: &Auth, study_id: Id, write: bool, what: &'static str) -> Result<Study, Error> {
    study_of(state, auth, study_id, write)
        .await
        .map_err(|e| if e.status() == axum::http::StatusCode::FORBIDDEN { e } else { hidden(what) })
}

pub async fn source_of(state: &AppState, auth: &Auth, id: Id, write: bool) -> Result<(Source, Study), Error> {
    let s = state.store().source(id).await.map_err(|e| not_found_as(e, "source"))?;
    let st = through(state, auth, s.study_id, write, "source").await?;
    Ok((s, st))
}

pub async fn informant_of(state: &AppState, auth: &Auth, id: Id, write: bool) -> Result<(Informant, Study), Error> {
    let i = state.store().informant(id).await.map_err(|e| not_found_as(e, "informant"))?;
    let st = through(state, auth, i.study_id, write, "informant").await?;
    Ok((i, st))
}

pub async fn code_of(state: &AppState, auth: &Auth, id: Id, write: bool) -> Result<(Code, Study), Error> {
    let c = state.store().code(id).await.map_err(|e| not_found_as(e, "code"))?;
    let st = through(state, auth, c.study_id, write, "code").await?;
    Ok((c, st))
}

pub async fn coding_of(state: &AppState, auth: &Auth, id: Id, write: bool) -> Result<(Coding, Source, Study), Error> {
    let g = state.store().coding(id).await.map_err(|e| not_found_as(e, "coding"))?;
    let (s, st) = source_of(state, auth, g.source_id, write)
        .await
        .map_err(|e| if e.status() == axum::http::StatusCode::NOT_FOUND { hidden("coding") } else { e })?;
    Ok((g, s, st))
}

pub async fn conclusion_of(state: &AppState, auth: &Auth, id: Id, write: bool) -> Result<(Conclusion, Study), Error> {
    let c = state.store().conclusion(id).await.map_err(|e| not_found_as(e, "conclusion"))?;
    let st = through(state, auth, c.study_id, write, "conclusion").await?;
    Ok((c, st))
}

fn not_found_as(e: berdaya_store::StoreError, what: &'static str) -> Error {
    match e {
        berdaya_store::StoreError::NotFound { .. } => hidden(what),
        e => e.into(),
    }
}

/// Whether the caller may see informants' real names in `study`: administrators, and the
/// study's author.
pub fn sees_names(auth: &Auth, study: &Study) -> bool {
    match auth.role() {
        Role::Administrator => true,
        Role::Evaluator => auth.principal().user.username.as_str() == study.created_by,
        _ => false,
    }
}

/// Whether the caller keeps the study (adds sources, codes, codings, conclusions).
pub fn keeps(auth: &Auth) -> bool {
    auth.principal().writes_surveys()
}

/// A page of a study, with the breadcrumbs up to it.
pub fn page(lang: Lang, title: String, study: Option<&Study>) -> Page {
    let t = lang.tr();
    let mut breadcrumbs = vec![Link::new(t.t("nav.home"), "/"), Link::new(t.t("nav.qual"), "/qual")];
    if let Some(s) = study {
        breadcrumbs.push(Link::new(s.title.clone(), format!("/qual/studies/{}", s.id)));
    }
    Page {
        l: Layout::new(lang, title.clone(), "qual"),
        heading: title,
        breadcrumbs,
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: Vec::new(),
        cards: Vec::new(),
        charts: Vec::new(),
        sections: Vec::new(),
    }
}

/// A short excerpt of a quote for tables.
pub fn excerpt(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out.replace('\n', " ⏎ ")
}

/// A whole number written in a form field, or a 422 naming the field.
pub fn number(form: &crate::extract::FormData, field: &str) -> Result<Id, Error> {
    let raw = form.get(field);
    berdaya_domain::registry::text::id(&raw).map_err(|m| Error::unprocessable(field, m))
}

/// A day as the interface writes it.
pub fn day(d: time::Date) -> String {
    berdaya_domain::registry::text::format_date(d)
}
