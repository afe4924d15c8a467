//! The education form over HTTP: a school's monthly attendance of its PKH pupils, uploaded
//! as CSV or XLSX into an open verification period (page `/pkh/periods/{id}/school`, API
//! `POST /api/v1/pkh/periods/{id}/school-attendance`), with a template to fill in.
//!
//! Every pupil is named by NIK and must live in a family of the period's program that the
//! caller may verify (the program's managers: any; a facilitator: the families of their
//! area); a pupil outside that is refused exactly like an unknown NIK. The whole file is
//! checked first (every problem with its row and column) and stored in one transaction, or
//! not at all.

use std::collections::HashMap;

use axum::extract::DefaultBodyLimit;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::Role;
use berdaya_domain::pkh::payment::RowProblem;
use berdaya_domain::pkh::school::{MAX_SCHOOL_ROWS, SCHOOL_HEADERS, SchoolImport, parse_school_form};
use berdaya_domain::pkh::verify::{PeriodStatus, PkhPeriod};
use berdaya_domain::registry::{Id, Program};
use berdaya_store::pkh::school::SchoolEntry;

use super::families::{manages, readable_family, verifies};
use super::payments::{problems_error, read_grid};
use super::verify::{periods_crumbs, readable_period};
use crate::AppState;
use crate::access::guard::{Auth, forbidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, IdPath, UPLOAD_BODY_LIMIT, UPLOAD_LIMIT_MB, Upload};
use crate::html::{Cell, Field, Form, Layout, Link, Section, ViewPage, render, render_with};
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/pkh/periods/{id}/school-attendance",
            post(api_import).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/pkh/periods/{id}/school", get(page).post(upload_page).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/pkh/periods/{id}/school/template.csv", get(template))
}

/// The routes that write, each probed by the scope suite in `pkh_school.rs`.
pub const PROBED_HERE: &[&str] = &["POST /api/v1/pkh/periods/{id}/school-attendance", "POST /pkh/periods/{id}/school"];

/// Whether the caller may record verification at all (a manager or a facilitator).
fn may_import(auth: &Auth, program: &Program) -> bool {
    manages(auth, program) || auth.role() == Role::Facilitator
}

/// Reads, checks and stores an education form.
async fn import(
    state: &AppState,
    auth: &Auth,
    p: &PkhPeriod,
    program: &Program,
    bytes: &[u8],
) -> Result<SchoolImport, Error> {
    auth.require(may_import(auth, program))?;
    let grid = read_grid(bytes, MAX_SCHOOL_ROWS as u64)?;
    let rows = parse_school_form(&grid, p.period).map_err(|e| problems_error(&e))?;
    let mut niks: Vec<u64> = rows.iter().map(|r| r.nik.as_u64()).collect();
    niks.sort_unstable();
    niks.dedup();
    let pupils = state.store().pkh_pupils_by_nik(program.id, &niks).await?;
    let mut may: HashMap<Id, bool> = HashMap::new();
    let mut problems = Vec::new();
    let mut entries = Vec::with_capacity(rows.len());
    for r in &rows {
        let found = match pupils.get(&r.nik.as_u64()) {
            Some(pupil) => {
                let allowed = match may.get(&pupil.family_id) {
                    Some(&a) => a,
                    None => {
                        let a = match readable_family(state, auth, program.id, pupil.family_id).await {
                            Ok(rec) => verifies(auth, &rec),
                            Err(e) if e.status().is_server_error() => return Err(e),
                            Err(_) => false,
                        };
                        may.insert(pupil.family_id, a);
                        a
                    }
                };
                allowed.then_some(pupil)
            }
            None => None,
        };
        match found {
            Some(pupil) => entries.push(SchoolEntry {
                family_id: pupil.family_id,
                person_id: pupil.person_id,
                school: r.school.clone(),
                month: r.month,
                attendance: r.attendance,
            }),
            None => problems.push(RowProblem {
                row: r.row,
                column: "nik".into(),
                rule: "is not a member of a PKH family of this program that you verify".into(),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(problems_error(&problems));
    }
    Ok(state.store().import_school_attendance(p.id, &entries).await?)
}

// --- API -------------------------------------------------------------------------------------

/// Imports an education form into an open period (the body: a CSV or XLSX file with the
/// columns school, nik, month, absent, permitted, sick, effective_days; at most 10 MB). Each
/// pupil's school-attendance obligation is recorded from all the period's months.
#[utoipa::path(post, path = "/api/v1/pkh/periods/{id}/school-attendance", tag = "pkh",
    request_body(content = String, description = "CSV or XLSX: school, nik, name, month, absent, permitted, sick, effective_days", content_type = "text/csv"),
    params(("id" = i64, Path, description = "Period id")),
    responses((status = 200, body = SchoolImportDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_import(
    Cx { state, auth, .. }: Cx,
    IdPath(id): IdPath,
    body: axum::body::Bytes,
) -> Result<Json<SchoolImportDto>, Error> {
    let (p, program) = readable_period(&state, &auth, id).await?;
    Ok(Json(import(&state, &auth, &p, &program, &body).await?.into()))
}

/// What an import stored.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SchoolImportDto {
    /// Month rows stored.
    pub rows: u64,
    /// Pupils whose school-attendance obligation was recorded.
    pub pupils: u64,
    pub compliant: u64,
    pub not_compliant: u64,
}

impl From<SchoolImport> for SchoolImportDto {
    fn from(s: SchoolImport) -> Self {
        SchoolImportDto { rows: s.rows, pupils: s.pupils, compliant: s.compliant, not_compliant: s.not_compliant }
    }
}

// --- Pages -----------------------------------------------------------------------------------

fn upload_form(lang: Lang, period_id: Id) -> Form {
    let t = lang.tr();
    Form::new(
        "school",
        format!("/pkh/periods/{period_id}/school"),
        t.t("pkh_school.import"),
        vec![
            Field::file("file", t.t("pkh_school.file"), ".csv,.xlsx,text/csv").required().hint(
                &t.t("pkh_school.file_hint")
                    .replace("{rows}", &lang.group(MAX_SCHOOL_ROWS as u64))
                    .replace("{mb}", &UPLOAD_LIMIT_MB.to_string()),
            ),
        ],
    )
}

fn view(lang: Lang, p: &PkhPeriod, program: &Program, form: Option<Form>, done: Option<SchoolImport>) -> ViewPage {
    let t = lang.tr();
    let heading = format!("{} — {}", t.t("pkh_school.title"), p.period.label(lang.code()));
    let mut breadcrumbs = periods_crumbs(lang, program);
    breadcrumbs.push(Link::new(p.period.label(lang.code()), format!("/pkh/periods/{}", p.id)));
    let columns = [
        ("school", "pkh_school.col_school"),
        ("nik", "pkh_school.col_nik"),
        ("name", "pkh_school.col_name"),
        ("month", "pkh_school.col_month"),
        ("absent", "pkh_school.col_absent"),
        ("permitted", "pkh_school.col_permitted"),
        ("sick", "pkh_school.col_sick"),
        ("effective_days", "pkh_school.col_days"),
    ];
    let mut sections = vec![Section {
        links: vec![Link::new(t.t("pkh_school.template"), format!("/pkh/periods/{}/school/template.csv", p.id))],
        ..Section::table(
            t,
            "columns",
            t.t("pkh_school.columns"),
            &["pkh_school.column", "pkh_school.meaning"],
            columns.iter().map(|(c, key)| vec![Cell::text(*c), Cell::text(t.t(key))]).collect(),
            String::new(),
        )
    }];
    let mut warnings = Vec::new();
    if p.status == PeriodStatus::Closed {
        warnings.push(t.t("pkh_verify.closed_note").into());
    } else if let Some(f) = form {
        sections.insert(
            0,
            Section {
                id: "upload".into(),
                title: t.t("pkh_school.import").into(),
                form: Some(f),
                ..Default::default()
            },
        );
    }
    if let Some(d) = done {
        warnings.push(
            t.t("pkh_school.done")
                .replace("{rows}", &d.rows.to_string())
                .replace("{pupils}", &d.pupils.to_string())
                .replace("{compliant}", &d.compliant.to_string())
                .replace("{not_compliant}", &d.not_compliant.to_string()),
        );
    }
    ViewPage {
        l: Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs,
        actions: vec![Link::new(t.t("pkh_school.back"), format!("/pkh/periods/{}", p.id))],
        warnings,
        facts: vec![(t.t("pkh_school.rule").into(), Cell::text(t.t("pkh_school.rule_text")))],
        sections,
    }
}

async fn page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (p, program) = readable_period(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !may_import(&auth, &program) {
        return Err(forbidden().page(lang));
    }
    Ok(render(&view(lang, &p, &program, Some(upload_form(lang, p.id)), None)))
}

async fn upload_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, upload: Upload) -> Result<Response, Error> {
    let (p, program) = readable_period(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !may_import(&auth, &program) {
        return Err(forbidden().page(lang));
    }
    let result = match upload.bytes() {
        Ok(bytes) => import(&state, &auth, &p, &program, bytes).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(done) => Ok(render(&view(lang, &p, &program, Some(upload_form(lang, p.id)), Some(done)))),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let mut f = upload_form(lang, p.id);
            let status = f.show_error(lang.tr(), &err);
            Ok(render_with(status, &view(lang, &p, &program, Some(f), None)))
        }
    }
}

/// The form's header, ready to fill in (UTF-8 with a byte-order mark so spreadsheets read it).
async fn template(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (p, _) = readable_period(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let mut body = "\u{feff}".to_string();
    body.push_str(&SCHOOL_HEADERS.join(","));
    body.push('\n');
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"formulir-pendidikan-{}.csv\"", p.period)),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// The OpenAPI paths and schemas of the education form, merged into the document in
/// `openapi.rs`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_import), components(schemas(SchoolImportDto)))]
pub struct PkhSchoolApi;
