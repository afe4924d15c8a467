//! PKH facilitators' caseloads over HTTP: assigning families to a facilitator in bulk (the
//! family's facilitator, and its household in the facilitator's assignments), and the
//! caseload report per facilitator and per district (families, components held, compliance
//! in the last closed period, families with nothing recorded in the open period, a warning
//! above the year's `caseload_warning`), on a page, as JSON and as XLSX.
//!
//! Access: reading needs a role that reads programs and the program in the caller's area.
//! Assigning is for the program officers of the program's agency and administrators; every
//! household named must be readable by the caller (else it reads as missing).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::registry::{Id, Program};
use berdaya_files::tables::{SheetTable, TableCell};
use berdaya_store::pkh::caseload::{CaseloadReport, CaseloadRow};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::access::guard::{Auth, missing_reference};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody};
use crate::html::{Cell, Field, Form, Layout, Link, Section, Table, ViewPage, render, render_with};
use crate::i18n::Lang;
use crate::registry::crumbs;
use crate::registry::programs::readable_program;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/programs/{id}/pkh/caseload", get(api_report))
        .route("/api/v1/programs/{id}/pkh/caseload/assign", post(api_assign))
        .route("/programs/{id}/pkh/caseload", get(page).post(assign_page))
        .route("/programs/{id}/pkh/caseload/export.xlsx", get(export_xlsx))
}

fn manages(auth: &Auth, program: &Program) -> bool {
    auth.principal().manages_program(program.agency_id)
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// Families to give a facilitator: the households (of families of the program).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignInput {
    #[schema(value_type = i64)]
    pub facilitator_id: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(value_type = Vec<i64>)]
    pub household_ids: Vec<serde_json::Value>,
}

/// How many families were given.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedDto {
    pub assigned: u64,
}

/// The caseload report: per facilitator and per district, rows of `key`, `name`, `families`,
/// `components`, `judged`, `compliant`, `overdue`, `over_limit`; and the `total`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseloadDto {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub report: CaseloadReport,
}

/// The OpenAPI paths and schemas of PKH caseloads.
#[derive(OpenApi)]
#[openapi(paths(api_report, api_assign), components(schemas(AssignInput, AssignedDto, CaseloadDto)))]
pub struct PkhCaseloadApi;

fn id_of(v: &serde_json::Value) -> Option<Id> {
    match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Resolves the households through the caller's scope to the program's families and
/// assigns them; the number of families.
async fn assign(
    state: &AppState,
    auth: &Auth,
    program: &Program,
    facilitator: Option<Id>,
    households: &[Option<Id>],
) -> Result<u64, Error> {
    let Some(facilitator) = facilitator else {
        return Err(Error::unprocessable("facilitator_id", "is required"));
    };
    if households.is_empty() {
        return Err(Error::unprocessable("household_ids", "choose at least one family"));
    }
    let store = state.store();
    let mut ids = Vec::with_capacity(households.len());
    for h in households {
        let Some(h) = *h else {
            return Err(Error::unprocessable("household_ids", "must be household ids"));
        };
        auth.readable_household(store, h).await.map_err(|_| missing_reference("household_ids", "household", h))?;
        ids.push(h);
    }
    let families = store.pkh_families_of_households(program.id, &ids).await?;
    if let Some(h) = ids.iter().find(|h| !families.iter().any(|(hh, _)| hh == *h)) {
        return Err(Error::unprocessable("household_ids", format!("household {h} is not a family of this program")));
    }
    let family_ids: Vec<Id> = families.iter().map(|(_, f)| *f).collect();
    Ok(store.assign_pkh_facilitator(program.id, &family_ids, facilitator).await?)
}

/// The caseload report of a program today.
#[utoipa::path(get, path = "/api/v1/programs/{id}/pkh/caseload", tag = "pkh", params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = CaseloadDto), (status = 404, body = ErrorBody)))]
pub async fn api_report(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<CaseloadDto>, Error> {
    readable_program(&state, &auth, id).await?;
    Ok(Json(CaseloadDto { report: state.store().pkh_caseload(id, today()).await? }))
}

/// Gives the families of `household_ids` to the facilitator `facilitator_id`.
#[utoipa::path(post, path = "/api/v1/programs/{id}/pkh/caseload/assign", tag = "pkh", request_body = AssignInput, params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = AssignedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_assign(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<AssignedDto>, Error> {
    let program = readable_program(&state, &auth, id).await?;
    auth.require(manages(&auth, &program))?;
    let input: AssignInput = body.decode()?;
    let households: Vec<Option<Id>> = input.household_ids.iter().map(id_of).collect();
    let n = assign(&state, &auth, &program, input.facilitator_id.as_ref().and_then(id_of), &households).await?;
    Ok(Json(AssignedDto { assigned: n }))
}

fn row_cells(lang: Lang, r: &CaseloadRow, facilitator: bool) -> Vec<Cell> {
    let t = lang.tr();
    let name = if r.name.is_empty() {
        if facilitator { t.t("pkh_case.unassigned").to_string() } else { r.key.clone().unwrap_or_default() }
    } else {
        r.name.clone()
    };
    let mut cells = vec![
        Cell::text(name),
        Cell::text(r.families.to_string()),
        Cell::text(r.components.to_string()),
        Cell::text(r.compliance_pct().map_or("—".into(), |p| format!("{p} %"))),
        Cell::text(r.overdue.to_string()),
    ];
    if facilitator {
        cells.push(Cell::text(if r.over_limit { t.t("pkh_case.over_limit") } else { "" }));
    }
    cells
}

fn table(lang: Lang, rows: &[CaseloadRow], total: &CaseloadRow, facilitator: bool) -> Table {
    let t = lang.tr();
    let mut headers = vec![
        t.t(if facilitator { "pkh_case.facilitator" } else { "pkh_case.district" }).to_string(),
        t.t("pkh_case.families").into(),
        t.t("pkh_case.components").into(),
        t.t("pkh_case.compliance").into(),
        t.t("pkh_case.overdue").into(),
    ];
    if facilitator {
        headers.push(t.t("pkh_case.warning").into());
    }
    let mut out: Vec<Vec<Cell>> = rows.iter().map(|r| row_cells(lang, r, facilitator)).collect();
    if !rows.is_empty() {
        let mut all =
            row_cells(lang, &CaseloadRow { name: t.t("pkh_case.total").into(), ..total.clone() }, facilitator);
        if facilitator {
            all.pop();
            all.push(Cell::text(""));
        }
        out.push(all);
    }
    Table { headers, sorts: Vec::new(), rows: out, empty: t.t("pkh_case.no_families").into() }
}

fn assign_form(lang: Lang, program_id: Id, facilitators: Vec<(String, String)>, chosen: &str) -> Form {
    let t = lang.tr();
    Form::new(
        "assign",
        format!("/programs/{program_id}/pkh/caseload"),
        t.t("pkh_case.assign"),
        vec![
            Field::select(
                "facilitator_id",
                t.t("pkh_case.facilitator"),
                chosen,
                facilitators,
                Some(t.t("common.choose")),
            )
            .required(),
            Field::picker_many("household_ids", t.t("pkh_case.households"), "household", Vec::new())
                .required()
                .hint(t.t("pkh_case.households_hint")),
        ],
    )
}

async fn view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    program: &Program,
    form: Option<Form>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let report = state.store().pkh_caseload(program.id, today()).await?;
    let mut sections = vec![
        Section {
            id: "by-facilitator".into(),
            title: t.t("pkh_case.by_facilitator").into(),
            table: Some(table(lang, &report.by_facilitator, &report.total, true)),
            links: vec![Link::new(
                t.t("pkh_case.export"),
                format!("/programs/{}/pkh/caseload/export.xlsx", program.id),
            )],
            ..Default::default()
        },
        Section {
            id: "by-district".into(),
            title: t.t("pkh_case.by_district").into(),
            table: Some(table(lang, &report.by_district, &report.total, false)),
            ..Default::default()
        },
    ];
    if manages(auth, program) {
        let facilitators =
            state.store().pkh_facilitators().await?.into_iter().map(|f| (f.id.to_string(), f.name)).collect();
        sections.push(Section {
            id: "assign".into(),
            title: t.t("pkh_case.assign").into(),
            form: Some(form.unwrap_or_else(|| assign_form(lang, program.id, facilitators, ""))),
            ..Default::default()
        });
    }
    let mut c = crumbs(lang, "nav.programs", "/programs");
    c.push(Link::new(program.name.clone(), format!("/programs/{}", program.id)));
    let title = format!("{} — {}", t.t("pkh.caseload"), program.name);
    let over: Vec<String> = report
        .by_facilitator
        .iter()
        .filter(|r| r.over_limit)
        .map(|r| {
            format!(
                "{}: {} {} ({} {})",
                r.name,
                r.families,
                t.t("pkh_case.families_word"),
                t.t("pkh_case.limit"),
                report.limit
            )
        })
        .collect();
    Ok(ViewPage {
        l: Layout::new(lang, title.clone(), "programs"),
        heading: title,
        breadcrumbs: c,
        actions: Vec::new(),
        warnings: over,
        facts: vec![
            (t.t("pkh_case.limit").into(), Cell::text(report.limit.to_string())),
            (t.t("pkh_case.last_closed").into(), Cell::text(report.last_closed.clone().unwrap_or_else(|| "—".into()))),
            (t.t("pkh_case.open_period").into(), Cell::text(report.open_period.clone().unwrap_or_else(|| "—".into()))),
        ],
        sections,
    })
}

async fn page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(render(&view(&state, &auth, lang, &program, None).await.map_err(|e| e.page(lang))?))
}

async fn assign_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !manages(&auth, &program) {
        return Err(crate::access::guard::forbidden().page(lang));
    }
    let fac = form.get("facilitator_id");
    let households: Vec<Option<Id>> =
        form.get("household_ids").split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.parse().ok()).collect();
    match assign(&state, &auth, &program, fac.trim().parse().ok(), &households).await {
        Ok(_) => Ok(Redirect::to(&format!("/programs/{id}/pkh/caseload")).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let facilitators = state.store().pkh_facilitators().await.map_err(|e| Error::from(e).page(lang))?;
            let mut f =
                assign_form(lang, id, facilitators.into_iter().map(|f| (f.id.to_string(), f.name)).collect(), &fac);
            let status = f.show_error(lang.tr(), &err);
            let v = view(&state, &auth, lang, &program, Some(f)).await.map_err(|e| e.page(lang))?;
            Ok(render_with(status, &v))
        }
    }
}

async fn export_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let t = lang.tr();
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let report = state.store().pkh_caseload(program.id, today()).await.map_err(|e| Error::from(e).page(lang))?;
    let n = |v: i64| TableCell::Count(u64::try_from(v).unwrap_or(0));
    let sheet = |name: &str, first: &str, rows: &[CaseloadRow], facilitator: bool| SheetTable {
        name: name.into(),
        headers: {
            let mut h = vec![
                first.to_string(),
                t.t("pkh_case.families").into(),
                t.t("pkh_case.components").into(),
                t.t("pkh_case.judged").into(),
                t.t("pkh_case.compliant").into(),
                t.t("pkh_case.compliance").into(),
                t.t("pkh_case.overdue").into(),
            ];
            if facilitator {
                h.push(t.t("pkh_case.warning").into());
            }
            h
        },
        rows: rows
            .iter()
            .map(|r| {
                let mut row = vec![
                    TableCell::Text(if r.name.is_empty() { r.key.clone().unwrap_or_default() } else { r.name.clone() }),
                    n(r.families),
                    n(r.components),
                    n(r.judged),
                    n(r.compliant),
                    TableCell::Text(r.compliance_pct().map_or(String::new(), |p| format!("{p} %"))),
                    n(r.overdue),
                ];
                if facilitator {
                    row.push(TableCell::Text(if r.over_limit {
                        t.t("pkh_case.over_limit").into()
                    } else {
                        String::new()
                    }));
                }
                row
            })
            .collect(),
    };
    let sheets = [
        sheet(t.t("pkh_case.by_facilitator"), t.t("pkh_case.facilitator"), &report.by_facilitator, true),
        sheet(t.t("pkh_case.by_district"), t.t("pkh_case.district"), &report.by_district, false),
    ];
    let body = berdaya_files::tables::write_tables(&sheets).map_err(|e| {
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot write the workbook: {e}")).page(lang)
    })?;
    Ok(crate::dashboard::xlsx_response(&format!("beban-dampingan-pkh-{id}.xlsx"), body))
}
