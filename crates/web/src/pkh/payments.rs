//! PKH stage payments over HTTP: a program's payment lists (daftar nominatif), building and
//! rebuilding a draft, freezing it, the export for the bank (XLSX, CSV), the bank's results
//! imported back (CSV or XLSX, all or nothing, errors by row and column), the reconciliation
//! (issued, paid, failed, pending by village and by facilitator) and the family panel.
//!
//! Access: reading needs a role that reads programs and the program in the caller's area;
//! the lines on screen show the KK masked. Building, freezing, exporting (full KK, what the
//! bank needs) and importing results are for the program officers of the program's agency
//! and administrators. Out of scope answers exactly like a missing list.

use axum::extract::{DefaultBodyLimit, Query as UriQuery, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::agriculture::machine::format_rupiah;
use berdaya_domain::pkh::Component;
use berdaya_domain::pkh::payment::{
    ListStatus, MAX_RESULT_ROWS, PaymentLine, PaymentList, ReconRow, Reconciliation, RowProblem, Tally, parse_results,
};
use berdaya_domain::registry::text::FieldError;
use berdaya_domain::registry::{Id, Invalid, Kk, Program};
use berdaya_files::tables::{SheetTable, TableCell};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody, UPLOAD_BODY_LIMIT, UPLOAD_LIMIT_MB, Upload};
use crate::html::{Cell, Field, Form, Layout, Link, Section, Table, ViewPage, render, render_with};
use crate::i18n::Lang;
use crate::registry::programs::readable_program;
use crate::registry::{created, crumbs, iso};

/// The most lines shown on the list's page (the export has them all).
const SHOWN_LINES: u32 = 200;
/// Lines read per query when exporting.
const EXPORT_CHUNK: u32 = 5_000;
/// The largest results file accepted.
pub const RESULTS_LIMIT: usize = 64 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/programs/{id}/pkh/payment-lists", get(api_lists).post(api_build))
        .route("/api/v1/pkh/payment-lists/{id}", get(api_list))
        .route("/api/v1/pkh/payment-lists/{id}/lines", get(api_lines))
        .route("/api/v1/pkh/payment-lists/{id}/freeze", post(api_freeze))
        .route(
            "/api/v1/pkh/payment-lists/{id}/results",
            post(api_results).layer(axum::extract::DefaultBodyLimit::max(RESULTS_LIMIT)),
        )
        .route("/programs/{id}/pkh/payments", get(program_page).post(build_page))
        .route("/pkh/payment-lists/{id}", get(list_page))
        .route("/pkh/payment-lists/{id}/rebuild", post(rebuild_page))
        .route("/pkh/payment-lists/{id}/freeze", post(freeze_page))
        .route("/pkh/payment-lists/{id}/results", post(results_page).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/pkh/payment-lists/{id}/export.xlsx", get(export_xlsx))
        .route("/pkh/payment-lists/{id}/export.csv", get(export_csv))
}

// --- DTOs ------------------------------------------------------------------------------------

/// A stage payment list. Money in whole rupiah.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListDto {
    pub id: Id,
    pub program_id: Id,
    pub year: i32,
    pub stage: u8,
    /// `draft` or `frozen`.
    pub status: String,
    pub decided_by_period: Option<String>,
    pub families: i64,
    pub total: i64,
    pub not_paid: NotPaidDto,
    pub built_by: String,
    pub built_at: String,
    pub frozen_by: Option<String>,
    pub frozen_at: Option<String>,
    pub version: i64,
}

/// Enrolled families left off the list, by reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotPaidDto {
    pub suspended: i64,
    pub terminated: i64,
    pub no_component: i64,
}

fn stamp(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

impl From<PaymentList> for ListDto {
    fn from(l: PaymentList) -> Self {
        ListDto {
            id: l.id,
            program_id: l.program_id,
            year: l.year,
            stage: l.stage,
            status: l.status.code().into(),
            decided_by_period: l.decided_by_period,
            families: l.families,
            total: l.total,
            not_paid: NotPaidDto {
                suspended: l.skipped_suspended,
                terminated: l.skipped_terminated,
                no_component: l.skipped_zero,
            },
            built_by: l.built_by_name,
            built_at: stamp(l.built_at),
            frozen_by: l.frozen_by_name,
            frozen_at: l.frozen_at.map(stamp),
            version: l.version,
        }
    }
}

/// A line: the snapshot taken when the list was built. `kk` is masked unless the caller
/// manages the program.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineDto {
    pub id: Id,
    pub family_id: Id,
    pub household_id: Id,
    pub kk: String,
    pub recipient: String,
    pub village_code: String,
    pub village: String,
    pub facilitator: Option<String>,
    pub family_status: String,
    pub components: Vec<String>,
    pub amount: i64,
    /// `pending`, `paid` or `failed`.
    pub result: String,
    pub reason: Option<String>,
    pub paid_on: Option<String>,
}

fn kk_text(kk: i64, full: bool) -> String {
    match Kk::from_stored(kk) {
        Ok(k) if full => k.reveal(),
        Ok(k) => k.masked(),
        Err(_) => String::new(),
    }
}

fn line_dto(l: PaymentLine, full: bool) -> LineDto {
    LineDto {
        id: l.id,
        family_id: l.family_id,
        household_id: l.household_id,
        kk: kk_text(l.kk, full),
        recipient: l.recipient_name,
        village_code: l.village_code,
        village: l.village_name,
        facilitator: l.facilitator_name,
        family_status: l.family_status.code().into(),
        components: l.components.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect(),
        amount: l.amount,
        result: l.result.code().into(),
        reason: l.reason,
        paid_on: l.paid_on.map(iso),
    }
}

/// What a results import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsDto {
    /// Lines updated.
    pub updated: u64,
}

/// The OpenAPI paths and schemas of PKH payments, merged into the document in `openapi.rs`.
#[derive(OpenApi)]
#[openapi(
    paths(api_lists, api_build, api_list, api_lines, api_freeze, api_results),
    components(schemas(ListDto, NotPaidDto, LineDto, ListDetailDto, BuildInput, FreezeInput, ResultsDto)),
    tags((name = "pkh", description = "PKH: payment lists, results, reconciliation, caseloads"))
)]
pub struct PkhPayApi;

/// A list with its reconciliation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListDetailDto {
    pub list: ListDto,
    /// `by_village`, `by_facilitator` (rows of `key`, `name`, `tally`) and `total`; a tally has
    /// `issued`, `paid`, `failed`, `pending` and each with `_amount` in whole rupiah.
    #[schema(value_type = Object)]
    pub reconciliation: Reconciliation,
}

/// What to build: the year and the stage (1–4 under the default rules).
#[derive(Debug, Deserialize, ToSchema)]
pub struct BuildInput {
    #[schema(value_type = i32)]
    pub year: serde_json::Value,
    #[schema(value_type = u8)]
    pub stage: serde_json::Value,
}

/// The version of the draft being frozen.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FreezeInput {
    pub version: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LinesParams {
    pub after: Option<Id>,
    pub limit: Option<u32>,
}

// --- Access ----------------------------------------------------------------------------------

fn manages(auth: &Auth, program: &Program) -> bool {
    auth.principal().manages_program(program.agency_id)
}

/// A list the caller may read, with its program; out of scope reads as missing.
async fn readable_list(state: &AppState, auth: &Auth, id: Id) -> Result<(PaymentList, Program), Error> {
    auth.require(auth.principal().reads_programs())?;
    let list = state.store().pkh_payment_list(id).await?;
    let program = readable_program(state, auth, list.program_id).await.map_err(|_| hidden("payment list"))?;
    Ok((list, program))
}

/// A list the caller may write to (and export in full).
async fn writable_list(state: &AppState, auth: &Auth, id: Id) -> Result<(PaymentList, Program), Error> {
    let (list, program) = readable_list(state, auth, id).await?;
    auth.require(manages(auth, &program))?;
    Ok((list, program))
}

/// Year and stage from text, each error naming its field.
fn year_stage(year: &str, stage: &str) -> Result<(i32, u8), Error> {
    let mut errors = Vec::new();
    let y = year.trim().parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
    if y.is_none() {
        errors.push(FieldError::new("year", "must be a year between 2000 and 2100"));
    }
    let s = stage.trim().parse::<u8>().ok().filter(|s| (1..=12).contains(s));
    if s.is_none() {
        errors.push(FieldError::new("stage", "must be a stage number (1 to 4)"));
    }
    match (y, s) {
        (Some(y), Some(s)) => Ok((y, s)),
        _ => Err(Invalid(errors).into()),
    }
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

// --- Results files ---------------------------------------------------------------------------

/// The rows of an uploaded CSV or XLSX file of at most `data_rows` rows under its header,
/// within [`berdaya_files::grid::limits`]: a limit broken is named with its value.
pub fn read_grid(bytes: &[u8], data_rows: u64) -> Result<Vec<Vec<String>>, Error> {
    berdaya_files::grid::read_grid(bytes, berdaya_files::grid::limits(data_rows))
        .map_err(|e| Error::unprocessable("file", e.to_string()))
}

pub(crate) fn problems_error(problems: &[RowProblem]) -> Error {
    Invalid(
        problems
            .iter()
            .take(100)
            .map(|p| {
                FieldError::new(
                    "file",
                    format!(
                        "row {line}, column {column}: {message}",
                        line = p.row,
                        column = p.column,
                        message = p.rule
                    ),
                )
            })
            .collect(),
    )
    .into()
}

/// Reads, checks and records a results file; the number of lines updated.
async fn import_results(state: &AppState, list_id: Id, bytes: &[u8]) -> Result<u64, Error> {
    let grid = read_grid(bytes, MAX_RESULT_ROWS as u64)?;
    let rows = parse_results(&grid).map_err(|p| problems_error(&p))?;
    match state.store().record_pkh_payment_results(list_id, &rows).await? {
        Ok(n) => Ok(n),
        Err(p) => Err(problems_error(&p)),
    }
}

// --- API -------------------------------------------------------------------------------------

/// A program's payment lists, newest first.
#[utoipa::path(get, path = "/api/v1/programs/{id}/pkh/payment-lists", tag = "pkh", params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [ListDto]), (status = 404, body = ErrorBody)))]
pub async fn api_lists(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<ListDto>>, Error> {
    readable_program(&state, &auth, id).await?;
    Ok(Json(state.store().pkh_payment_lists(id).await?.into_iter().map(ListDto::from).collect()))
}

/// Builds (or rebuilds, while a draft) the list of a stage.
#[utoipa::path(post, path = "/api/v1/programs/{id}/pkh/payment-lists", tag = "pkh", request_body = BuildInput, params(("id" = i64, Path, description = "Program id")),
    responses((status = 201, body = ListDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_build(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await?;
    auth.require(manages(&auth, &program))?;
    let input: BuildInput = body.decode()?;
    let (year, stage) = year_stage(&json_text(&input.year), &json_text(&input.stage))?;
    let list = state.store().build_pkh_payment_list(id, year, stage).await?;
    Ok(created(ListDto::from(list)))
}

/// A list and its reconciliation.
#[utoipa::path(get, path = "/api/v1/pkh/payment-lists/{id}", tag = "pkh", params(("id" = i64, Path, description = "List id")),
    responses((status = 200, body = ListDetailDto), (status = 404, body = ErrorBody)))]
pub async fn api_list(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<ListDetailDto>, Error> {
    let (list, _) = readable_list(&state, &auth, id).await?;
    let reconciliation = state.store().pkh_reconciliation(id).await?;
    Ok(Json(ListDetailDto { list: list.into(), reconciliation }))
}

/// Lines of a list in id order: `after` the last id read, `limit` at most 5,000.
#[utoipa::path(get, path = "/api/v1/pkh/payment-lists/{id}/lines", tag = "pkh", params(("id" = i64, Path, description = "List id"), LinesParams),
    responses((status = 200, body = [LineDto]), (status = 404, body = ErrorBody)))]
pub async fn api_lines(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    UriQuery(p): UriQuery<LinesParams>,
) -> Result<Json<Vec<LineDto>>, Error> {
    let (_, program) = readable_list(&state, &auth, id).await?;
    let full = manages(&auth, &program);
    let limit = p.limit.unwrap_or(500).clamp(1, EXPORT_CHUNK);
    let lines = state.store().pkh_payment_lines(id, p.after.unwrap_or(0), limit).await?;
    Ok(Json(lines.into_iter().map(|l| line_dto(l, full)).collect()))
}

/// Freezes a draft at its version.
#[utoipa::path(post, path = "/api/v1/pkh/payment-lists/{id}/freeze", tag = "pkh", request_body = FreezeInput, params(("id" = i64, Path, description = "List id")),
    responses((status = 200, body = ListDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_freeze(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<ListDto>, Error> {
    writable_list(&state, &auth, id).await?;
    let input: FreezeInput = body.decode()?;
    Ok(Json(state.store().freeze_pkh_payment_list(id, input.version).await?.into()))
}

/// The bank's results (the body: a CSV or XLSX file).
#[utoipa::path(post, path = "/api/v1/pkh/payment-lists/{id}/results", tag = "pkh", request_body(content = String, description = "CSV or XLSX: line or kk, status, reason, paid_on", content_type = "text/csv"), params(("id" = i64, Path, description = "List id")),
    responses((status = 200, body = ResultsDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_results(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: axum::body::Bytes,
) -> Result<Json<ResultsDto>, Error> {
    writable_list(&state, &auth, id).await?;
    Ok(Json(ResultsDto { updated: import_results(&state, id, &body).await? }))
}

// --- Pages -----------------------------------------------------------------------------------

fn page(lang: Lang, title: String, breadcrumbs: Vec<Link>, sections: Vec<Section>) -> ViewPage {
    ViewPage {
        l: Layout::new(lang, title.clone(), "programs"),
        heading: title,
        breadcrumbs,
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: Vec::new(),
        sections,
    }
}

fn stage_label(lang: Lang, year: i32, stage: u8) -> String {
    let roman = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"];
    let r = roman.get(usize::from(stage).saturating_sub(1)).copied().unwrap_or("?");
    format!("{} {r} {year}", lang.tr().t("pkh_pay.stage"))
}

/// Component codes (`lansia,sd`) as their labels in `lang`.
fn components_label(lang: Lang, codes: &str) -> String {
    codes
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| Component::parse(c).map(|k| k.label(lang.code()).to_string()).unwrap_or_else(|_| c.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn status_label(lang: Lang, s: ListStatus) -> String {
    s.label(lang.code()).to_string()
}

fn build_form(lang: Lang, program_id: Id, year: &str, stage: &str) -> Form {
    let t = lang.tr();
    let stages = (1..=4).map(|s| (s.to_string(), stage_label(lang, 0, s).replace(" 0", ""))).collect();
    Form::new(
        "build",
        format!("/programs/{program_id}/pkh/payments"),
        t.t("pkh_pay.build"),
        vec![
            Field::text("year", t.t("pkh_pay.year"), year).required(),
            Field::select("stage", t.t("pkh_pay.stage"), stage, stages, Some(t.t("common.choose"))).required(),
        ],
    )
}

async fn program_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    program: &Program,
    form: Option<Form>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let lists = state.store().pkh_payment_lists(program.id).await?;
    let table = Table {
        headers: vec![
            t.t("pkh_pay.stage").into(),
            t.t("pkh_pay.status").into(),
            t.t("pkh_pay.families").into(),
            t.t("pkh_pay.total").into(),
            t.t("pkh_pay.not_paid").into(),
        ],
        sorts: Vec::new(),
        rows: lists
            .iter()
            .map(|l| {
                vec![
                    Cell::link(stage_label(lang, l.year, l.stage), format!("/pkh/payment-lists/{}", l.id)),
                    Cell::text(status_label(lang, l.status)),
                    Cell::text(l.families.to_string()),
                    Cell::text(format_rupiah(l.total)),
                    Cell::text(l.not_paid().to_string()),
                ]
            })
            .collect(),
        empty: t.t("pkh_pay.no_lists").into(),
    };
    let mut sections = vec![Section {
        id: "lists".into(),
        title: t.t("pkh_pay.lists").into(),
        table: Some(table),
        ..Default::default()
    }];
    if manages(auth, program) {
        let year = time::OffsetDateTime::now_utc().year().to_string();
        sections.push(Section {
            id: "build".into(),
            title: t.t("pkh_pay.build").into(),
            form: Some(form.unwrap_or_else(|| build_form(lang, program.id, &year, ""))),
            ..Default::default()
        });
    }
    let mut crumbs = crumbs(lang, "nav.programs", "/programs");
    crumbs.push(Link::new(program.name.clone(), format!("/programs/{}", program.id)));
    Ok(page(lang, format!("{} — {}", t.t("pkh.payments"), program.name), crumbs, sections))
}

async fn program_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(render(&program_view(&state, &auth, lang, &program, None).await.map_err(|e| e.page(lang))?))
}

async fn build_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !manages(&auth, &program) {
        return Err(crate::access::guard::forbidden().page(lang));
    }
    let (year, stage) = (form.get("year"), form.get("stage"));
    let built = match year_stage(&year, &stage) {
        Ok((y, s)) => state.store().build_pkh_payment_list(id, y, s).await.map_err(Error::from),
        Err(e) => Err(e),
    };
    match built {
        Ok(list) => Ok(Redirect::to(&format!("/pkh/payment-lists/{}", list.id)).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let mut f = build_form(lang, id, &year, &stage);
            let status = f.show_error(lang.tr(), &err);
            let view = program_view(&state, &auth, lang, &program, Some(f)).await.map_err(|e| e.page(lang))?;
            Ok(render_with(status, &view))
        }
    }
}

fn tally_cells(t: &Tally) -> Vec<Cell> {
    vec![
        Cell::text(t.issued.to_string()),
        Cell::text(format_rupiah(t.issued_amount)),
        Cell::text(t.paid.to_string()),
        Cell::text(format_rupiah(t.paid_amount)),
        Cell::text(t.failed.to_string()),
        Cell::text(format_rupiah(t.failed_amount)),
        Cell::text(t.pending.to_string()),
        Cell::text(format_rupiah(t.pending_amount)),
    ]
}

fn recon_table(lang: Lang, first: &str, rows: &[ReconRow], total: &Tally) -> Table {
    let t = lang.tr();
    let mut headers = vec![first.to_string()];
    for k in ["issued", "issued_amount", "paid", "paid_amount", "failed", "failed_amount", "pending", "pending_amount"]
    {
        headers.push(t.t(&format!("pkh_pay.{k}")).into());
    }
    let mut out: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let name = if r.name.is_empty() { t.t("pkh_pay.no_facilitator").to_string() } else { r.name.clone() };
            let mut row = vec![Cell::text(name)];
            row.extend(tally_cells(&r.tally));
            row
        })
        .collect();
    if !rows.is_empty() {
        let mut row = vec![Cell::text(t.t("pkh_pay.grand_total"))];
        row.extend(tally_cells(total));
        out.push(row);
    }
    Table { headers, sorts: Vec::new(), rows: out, empty: t.t("pkh_pay.no_lines").into() }
}

async fn list_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    list: &PaymentList,
    program: &Program,
    results: Option<Form>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let officer = manages(auth, program);
    let recon = store.pkh_reconciliation(list.id).await?;
    let lines = store.pkh_payment_lines(list.id, 0, SHOWN_LINES).await?;
    let line_table = Table {
        headers: vec![
            t.t("pkh_pay.recipient").into(),
            t.t("pkh_pay.kk").into(),
            t.t("pkh_pay.village").into(),
            t.t("pkh_pay.facilitator").into(),
            t.t("pkh_pay.components").into(),
            t.t("pkh_pay.amount").into(),
            t.t("pkh_pay.result").into(),
        ],
        sorts: Vec::new(),
        rows: lines
            .iter()
            .map(|l| {
                let result = match &l.reason {
                    Some(r) => format!("{} ({r})", l.result.label(lang.code())),
                    None => l.result.label(lang.code()).to_string(),
                };
                vec![
                    Cell::text(l.recipient_name.clone()),
                    Cell::text(kk_text(l.kk, false)),
                    Cell::text(l.village_name.clone()),
                    Cell::text(l.facilitator_name.clone().unwrap_or_else(|| "—".into())),
                    Cell::text(components_label(lang, &l.components)),
                    Cell::text(format_rupiah(l.amount)),
                    Cell::text(result),
                ]
            })
            .collect(),
        empty: t.t("pkh_pay.no_lines").into(),
    };
    let mut line_links = Vec::new();
    if officer {
        line_links.push(Link::new(t.t("pkh_pay.export_xlsx"), format!("/pkh/payment-lists/{}/export.xlsx", list.id)));
        line_links.push(Link::new(t.t("pkh_pay.export_csv"), format!("/pkh/payment-lists/{}/export.csv", list.id)));
    }
    let mut sections = vec![
        Section {
            id: "by-village".into(),
            title: t.t("pkh_pay.by_village").into(),
            table: Some(recon_table(lang, t.t("pkh_pay.village"), &recon.by_village, &recon.total)),
            ..Default::default()
        },
        Section {
            id: "by-facilitator".into(),
            title: t.t("pkh_pay.by_facilitator").into(),
            table: Some(recon_table(lang, t.t("pkh_pay.facilitator"), &recon.by_facilitator, &recon.total)),
            ..Default::default()
        },
        Section {
            id: "lines".into(),
            title: if list.families > i64::from(SHOWN_LINES) {
                format!("{} ({} {})", t.t("pkh_pay.lines"), SHOWN_LINES, t.t("pkh_pay.first_shown"))
            } else {
                t.t("pkh_pay.lines").into()
            },
            table: Some(line_table),
            links: line_links,
            ..Default::default()
        },
    ];
    if officer {
        match list.status {
            ListStatus::Draft => {
                sections.push(Section {
                    id: "freeze".into(),
                    title: t.t("pkh_pay.freeze").into(),
                    form: Some(
                        Form::new(
                            "freeze",
                            format!("/pkh/payment-lists/{}/freeze", list.id),
                            t.t("pkh_pay.freeze"),
                            vec![],
                        )
                        .hidden("version", list.version.to_string()),
                    ),
                    ..Default::default()
                });
                sections.push(Section {
                    id: "rebuild".into(),
                    title: t.t("pkh_pay.rebuild").into(),
                    form: Some(Form::new(
                        "rebuild",
                        format!("/pkh/payment-lists/{}/rebuild", list.id),
                        t.t("pkh_pay.rebuild"),
                        vec![],
                    )),
                    ..Default::default()
                });
            }
            ListStatus::Frozen => sections.push(Section {
                id: "results".into(),
                title: t.t("pkh_pay.results").into(),
                form: Some(results.unwrap_or_else(|| results_form(lang, list.id))),
                ..Default::default()
            }),
        }
    }
    let mut view = page(
        lang,
        format!("{} — {}", stage_label(lang, list.year, list.stage), program.name),
        {
            let mut c = crumbs(lang, "nav.programs", "/programs");
            c.push(Link::new(program.name.clone(), format!("/programs/{}", program.id)));
            c.push(Link::new(t.t("pkh.payments"), format!("/programs/{}/pkh/payments", program.id)));
            c
        },
        sections,
    );
    view.facts = vec![
        (t.t("pkh_pay.status").into(), Cell::text(status_label(lang, list.status))),
        (
            t.t("pkh_pay.decided_by").into(),
            Cell::text(list.decided_by_period.clone().unwrap_or_else(|| t.t("pkh_pay.no_period").into())),
        ),
        (t.t("pkh_pay.families").into(), Cell::text(list.families.to_string())),
        (t.t("pkh_pay.total").into(), Cell::text(format_rupiah(list.total))),
        (t.t("pkh_pay.skipped_suspended").into(), Cell::text(list.skipped_suspended.to_string())),
        (t.t("pkh_pay.skipped_terminated").into(), Cell::text(list.skipped_terminated.to_string())),
        (t.t("pkh_pay.skipped_zero").into(), Cell::text(list.skipped_zero.to_string())),
        (t.t("pkh_pay.built_by").into(), Cell::text(list.built_by_name.clone())),
    ];
    if let Some(by) = &list.frozen_by_name {
        view.facts.push((t.t("pkh_pay.frozen_by").into(), Cell::text(by.clone())));
    }
    Ok(view)
}

fn results_form(lang: Lang, list_id: Id) -> Form {
    let t = lang.tr();
    Form::new(
        "results",
        format!("/pkh/payment-lists/{list_id}/results"),
        t.t("pkh_pay.import_results"),
        vec![Field::file("file", t.t("pkh_pay.results_csv"), ".csv,.xlsx,text/csv").required().hint(&format!(
            "{} {}",
            t.t("pkh_pay.results_hint").replace("{rows}", &lang.group(MAX_RESULT_ROWS as u64)),
            t.t("upload.limit").replace("{mb}", &UPLOAD_LIMIT_MB.to_string())
        ))],
    )
}

async fn list_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (list, program) = readable_list(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(render(&list_view(&state, &auth, lang, &list, &program, None).await.map_err(|e| e.page(lang))?))
}

async fn rebuild_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (list, _) = writable_list(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    state
        .store()
        .build_pkh_payment_list(list.program_id, list.year, list.stage)
        .await
        .map_err(|e| Error::from(e).page(lang))?;
    Ok(Redirect::to(&format!("/pkh/payment-lists/{id}")).into_response())
}

async fn freeze_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let (list, _) = writable_list(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let version = form.version().unwrap_or(list.version);
    state.store().freeze_pkh_payment_list(id, version).await.map_err(|e| Error::from(e).page(lang))?;
    Ok(Redirect::to(&format!("/pkh/payment-lists/{id}")).into_response())
}

async fn results_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, upload: Upload) -> Result<Response, Error> {
    let (list, program) = writable_list(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let result = match upload.bytes() {
        Ok(bytes) => import_results(&state, id, bytes).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/pkh/payment-lists/{id}")).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let mut f = results_form(lang, id);
            let status = f.show_error(lang.tr(), &err);
            let view = list_view(&state, &auth, lang, &list, &program, Some(f)).await.map_err(|e| e.page(lang))?;
            Ok(render_with(status, &view))
        }
    }
}

/// The export's columns: what the bank needs.
const EXPORT_HEADERS: [&str; 11] = [
    "line",
    "kk",
    "recipient",
    "village_code",
    "village",
    "facilitator",
    "components",
    "amount",
    "status",
    "reason",
    "paid_on",
];

fn export_row(l: &PaymentLine) -> [String; 11] {
    [
        l.id.to_string(),
        kk_text(l.kk, true),
        l.recipient_name.clone(),
        l.village_code.clone(),
        l.village_name.clone(),
        l.facilitator_name.clone().unwrap_or_default(),
        l.components.clone(),
        l.amount.to_string(),
        l.result.code().into(),
        l.reason.clone().unwrap_or_default(),
        l.paid_on.map(iso).unwrap_or_default(),
    ]
}

async fn all_lines(state: &AppState, id: Id, mut each: impl FnMut(&PaymentLine)) -> Result<(), Error> {
    let mut after = 0;
    loop {
        let chunk = state.store().pkh_payment_lines(id, after, EXPORT_CHUNK).await?;
        let Some(last) = chunk.last() else { break };
        after = last.id;
        chunk.iter().for_each(&mut each);
        if chunk.len() < EXPORT_CHUNK as usize {
            break;
        }
    }
    Ok(())
}

fn file_name(list: &PaymentList, ext: &str) -> String {
    format!("daftar-nominatif-pkh-{}-{}-tahap-{}.{ext}", list.program_id, list.year, list.stage)
}

async fn export_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (list, _) = writable_list(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let mut rows = Vec::new();
    all_lines(&state, id, |l| {
        let r = export_row(l);
        rows.push(
            r.into_iter()
                .enumerate()
                .map(|(i, v)| if i == 7 { TableCell::Count(v.parse().unwrap_or(0)) } else { TableCell::Text(v) })
                .collect(),
        );
    })
    .await
    .map_err(|e| e.page(lang))?;
    let sheet = SheetTable {
        name: stage_label(lang, list.year, list.stage),
        headers: EXPORT_HEADERS.iter().map(|h| h.to_string()).collect(),
        rows,
    };
    let body = berdaya_files::tables::write_tables(&[sheet]).map_err(|e| {
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot write the workbook: {e}")).page(lang)
    })?;
    Ok(crate::dashboard::xlsx_response(&file_name(&list, "xlsx"), body))
}

async fn export_csv(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (list, _) = writable_list(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut failed = w.write_record(EXPORT_HEADERS).is_err();
    all_lines(&state, id, |l| failed |= w.write_record(export_row(l)).is_err()).await.map_err(|e| e.page(lang))?;
    let body = w.into_inner().ok().filter(|_| !failed).ok_or_else(|| {
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "cannot write the CSV file").page(lang)
    })?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file_name(&list, "csv"))),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// This part's section of a PKH family's page and of the household page's PKH panel: the
/// family's lines by stage (amount, result). The caller has checked the family is readable.
pub async fn family_panel(
    state: &AppState,
    lang: crate::i18n::Lang,
    family_id: berdaya_domain::registry::Id,
) -> Result<Option<crate::html::Section>, crate::error::Error> {
    let t = lang.tr();
    let lines = state.store().family_pkh_payments(family_id).await?;
    let rows = lines
        .iter()
        .map(|p| {
            let result = match &p.line.reason {
                Some(r) => format!("{} ({r})", p.line.result.label(lang.code())),
                None => p.line.result.label(lang.code()).to_string(),
            };
            vec![
                Cell::text(stage_label(lang, p.year, p.stage)),
                Cell::text(status_label(lang, p.list_status)),
                Cell::text(components_label(lang, &p.line.components)),
                Cell::text(format_rupiah(p.line.amount)),
                Cell::text(result),
                Cell::text(p.line.paid_on.map(iso).unwrap_or_else(|| "—".into())),
            ]
        })
        .collect();
    Ok(Some(Section {
        id: "pkh-payments".into(),
        title: t.t("pkh_pay.panel").into(),
        table: Some(Table {
            headers: vec![
                t.t("pkh_pay.stage").into(),
                t.t("pkh_pay.status").into(),
                t.t("pkh_pay.components").into(),
                t.t("pkh_pay.amount").into(),
                t.t("pkh_pay.result").into(),
                t.t("pkh_pay.paid_on").into(),
            ],
            sorts: Vec::new(),
            rows,
            empty: t.t("pkh_pay.no_payments").into(),
        }),
        ..Default::default()
    }))
}
