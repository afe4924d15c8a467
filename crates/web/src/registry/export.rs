//! Registry exports over HTTP, under the same rules as the pages: only the principal's area
//! (and, for facilitators, their assigned households), NIK and KK in full only for roles
//! that may see them, and a de-identified export for evaluators. Every export is recorded
//! in the audit log.
//!
//! `/export` (page), `/export/registry.csv`, `/export/registry-deidentified.csv`, and the same
//! files under `/api/v1/export/…` for machine clients.

use std::collections::HashSet;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use berdaya_domain::access::secret::new_secret;
use berdaya_domain::access::{AgeBand, Pseudonymizer, Role};
use berdaya_files::registry::CsvRegistryWriter;
use berdaya_store::RegistryExportRow;
use berdaya_store::access::{Assigned, AuditEvent};
use serde_json::json;

use crate::AppState;
use crate::access::guard::Auth;
use crate::error::Error;
use crate::html::{Layout, render};
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/export", get(export_page))
        .route("/export/registry.csv", get(identified_page))
        .route("/export/registry-deidentified.csv", get(deidentified_page))
        .route("/api/v1/export/registry.csv", get(identified))
        .route("/api/v1/export/registry-deidentified.csv", get(deidentified))
}

#[derive(Template)]
#[template(path = "export.html")]
struct ExportPage {
    l: Layout,
    identified: bool,
    deidentified: bool,
}

async fn export_page(lang: Lang, auth: Auth) -> Result<Response, Error> {
    let p = auth.principal();
    auth.require(p.exports_registry() || p.exports_deidentified()).map_err(|e| e.page(lang))?;
    Ok(render(&ExportPage {
        l: Layout::new(lang, lang.tr().t("export.title"), "export"),
        identified: p.exports_registry(),
        deidentified: p.exports_deidentified(),
    }))
}

/// The rows the principal may export: their area, and for a facilitator their households.
async fn rows(state: &AppState, auth: &Auth) -> Result<Vec<RegistryExportRow>, Error> {
    let p = auth.principal();
    let assigned: Option<HashSet<i64>> = if p.role() == Role::Facilitator {
        let mine = state.store().assignments(p.user.id).await?;
        Some(mine.into_iter().filter_map(|a| if let Assigned::Household(h) = a { Some(h) } else { None }).collect())
    } else {
        None
    };
    let national = p.user.area.is_none();
    let mut out = Vec::new();
    state
        .store()
        .export_registry(p.user.area.as_ref(), &mut |row| {
            let keep = match (&row.household, &assigned) {
                (Some(h), Some(set)) => set.contains(&h.id),
                (Some(_), None) => true,
                // People without a household have no region: only national users export them.
                (None, _) => national && assigned.is_none(),
            };
            if keep {
                out.push(row);
            }
            true
        })
        .await?;
    Ok(out)
}

fn csv_response(name: &str, body: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

async fn record(state: &AppState, kind: &str, rows: usize, auth: &Auth) -> Result<(), Error> {
    let area = auth.principal().user.area.as_ref().map(|a| a.to_string());
    state
        .store()
        .record_event(&AuditEvent {
            action: "export".into(),
            entity: "registry".into(),
            entity_id: None,
            details: json!({ "kind": kind, "rows": rows, "area": area }),
        })
        .await?;
    Ok(())
}

/// Households and people with their identities: NIK and KK in full for roles that see them
/// in full (administrators and program officers in their area, facilitators for their
/// households).
#[utoipa::path(get, path = "/api/v1/export/registry.csv", tag = "export",
    responses((status = 200, content_type = "text/csv", description = "The registry CSV (the import's columns), NIK and KK masked unless the role sees them; recorded in the audit log"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn identified(State(state): State<AppState>, auth: Auth) -> Result<Response, Error> {
    auth.require(auth.principal().exports_registry())?;
    let rows = rows(&state, &auth).await?;
    let failed = |e: berdaya_files::registry::RegistryFileError| {
        Error::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot write the export: {e}"))
    };
    let mut w = CsvRegistryWriter::new(Vec::new(), true).map_err(failed)?;
    for row in &rows {
        w.write(row).map_err(failed)?;
    }
    let body = w.finish().map_err(failed)?;
    record(&state, "identified", rows.len(), &auth).await?;
    Ok(csv_response("berdaya-registry.csv", body))
}

async fn identified_page(state: State<AppState>, lang: Lang, auth: Auth) -> Result<Response, Error> {
    identified(state, auth).await.map_err(|e| e.page(lang))
}

/// The columns of the de-identified export.
pub const DEIDENTIFIED_COLUMNS: [&str; 10] = [
    "person",
    "household",
    "region",
    "sex",
    "age_band",
    "relation",
    "education",
    "disability",
    "welfare_stage",
    "dtks_listed",
];

/// The installation's pseudonym key, made on first use and kept in the settings.
pub(crate) async fn pseudonymizer(state: &AppState) -> Result<Pseudonymizer, Error> {
    let key = match state.store().setting("pseudonym_key").await? {
        Some(k) => k,
        None => {
            let k = new_secret("");
            state.store().set_setting("pseudonym_key", &k).await?;
            k
        }
    };
    Ok(Pseudonymizer::new(key.as_bytes()))
}

/// People with pseudonyms instead of NIK and names, ages in bands, no address or birth date.
#[utoipa::path(get, path = "/api/v1/export/registry-deidentified.csv", tag = "export",
    responses((status = 200, content_type = "text/csv", description = "One row per person: stable pseudonym, household pseudonym, region, sex, five-year age band, welfare stage and the other non-identifying columns"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn deidentified(State(state): State<AppState>, auth: Auth) -> Result<Response, Error> {
    auth.require(auth.principal().exports_deidentified())?;
    let rows = rows(&state, &auth).await?;
    let pseudo = pseudonymizer(&state).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut w = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| {
        Error::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot write the export: {e}"))
    };
    w.write_record(DEIDENTIFIED_COLUMNS).map_err(failed)?;
    for row in &rows {
        let p = &row.person;
        let h = row.household.as_ref();
        w.write_record([
            pseudo.pseudonym('P', p.id),
            h.map(|h| pseudo.pseudonym('H', h.id)).unwrap_or_default(),
            h.map(|h| h.region.to_string()).unwrap_or_default(),
            p.sex.code().to_string(),
            AgeBand::of(p.birth_date, today).code().to_string(),
            p.relation.code().to_string(),
            p.education.code().to_string(),
            p.disability.code().to_string(),
            h.map(|h| h.welfare_stage.code().to_string()).unwrap_or_default(),
            h.map(|h| h.dtks_listed.to_string()).unwrap_or_default(),
        ])
        .map_err(failed)?;
    }
    let body = w.into_inner().map_err(|e| failed(e.into_error().into()))?;
    record(&state, "deidentified", rows.len(), &auth).await?;
    Ok(csv_response("berdaya-registry-deidentified.csv", body))
}

async fn deidentified_page(state: State<AppState>, lang: Lang, auth: Auth) -> Result<Response, Error> {
    deidentified(state, auth).await.map_err(|e| e.page(lang))
}
