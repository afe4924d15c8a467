//! Block grants over HTTP: a program's grants, a grant's dashboard (allocation by unit,
//! budget against realisation with charts, tranches, the community's share), its works with
//! their spending (receipts attached), progress (dated photos), handover and maintenance; the
//! API twins; and the XLSX of a grant's tables.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::activity::{ATTACHMENT_LIMIT, ATTACHMENT_LIMIT_MB, NewAttachment};
use berdaya_domain::agriculture::machine::format_milli;
use berdaya_domain::kotaku::grant::{
    GrantDraft, HandoverDraft, ProgressDraft, SpendingDraft, TrancheStatus, TrancheStep, UnitDraft, UpkeepDraft,
    WorkCondition, WorkDraft, WorkKind,
};
use berdaya_domain::registry::{Id, Program, text};
use berdaya_store::kotaku::grant::{GrantReport, GrantRow, SpendingRow, WorkRow};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::{Page, group_ref, keeps, nc, officer, per_mille, rp, tc, xlsx};
use crate::AppState;
use crate::access::guard::{Auth, forbidden, hidden, missing_reference};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody, Upload};
use crate::html::{Cell, Field, Form, Layout, Link, Section, Table, vocabulary};
use crate::i18n::Lang;
use crate::registry::programs::readable_program;
use crate::registry::{created, crumbs};

/// What a multipart body may hold beyond the file.
const ENVELOPE: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    let upload = DefaultBodyLimit::max(ATTACHMENT_LIMIT + ENVELOPE);
    Router::new()
        .route("/api/v1/programs/{id}/grants", get(list_api).post(create_api))
        .route("/api/v1/grants/{id}", get(show_api))
        .route("/api/v1/grants/{id}/units", post(unit_api))
        .route("/api/v1/grants/{id}/tranches", post(tranche_api))
        .route("/api/v1/grants/{id}/works", post(work_api))
        .route("/api/v1/tranches/{id}/approve", post(approve_api))
        .route("/api/v1/tranches/{id}/receive", post(receive_api))
        .route("/api/v1/works/{id}", get(work_show_api))
        .route("/api/v1/works/{id}/spending", post(spending_api))
        .route("/api/v1/spending/{id}/reverse", post(reverse_api))
        .route("/api/v1/works/{id}/progress", post(progress_api))
        .route("/api/v1/works/{id}/handover", post(handover_api))
        .route("/api/v1/works/{id}/maintenance", post(upkeep_api))
        .route("/programs/{id}/grants", get(list_page).post(create_page))
        .route("/grants/{id}", get(grant_page))
        .route("/grants/{id}/report.xlsx", get(grant_xlsx))
        .route("/grants/{id}/units", post(unit_page))
        .route("/grants/{id}/tranches", post(tranche_page))
        .route("/grants/{id}/works", post(work_page_post))
        .route("/grants/{id}/tranche-step", post(tranche_step_page))
        .route("/works/{id}", get(work_page))
        .route("/works/{id}/spending", post(spending_page).layer(upload))
        .route("/works/{id}/progress", post(progress_page).layer(upload))
        .route("/works/{id}/handover", post(handover_page))
        .route("/works/{id}/maintenance", post(upkeep_page))
        .route("/spending/{id}/reverse", get(reverse_get).post(reverse_page))
        .route("/spending/{id}", get(spending_redirect))
        .route("/progress/{id}", get(progress_redirect))
}

/// A spending entry's place: its work's page.
async fn spending_redirect(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let go = async {
        let work = spending_work(&state, id).await?;
        readable_work(&state, &auth, work).await?;
        Ok::<_, Error>(Redirect::to(&format!("/works/{work}#spendings")).into_response())
    };
    go.await.map_err(|e| e.page(lang))
}

/// A progress report's place: its work's page.
async fn progress_redirect(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let go = async {
        let work = progress_work(&state, id).await?;
        readable_work(&state, &auth, work).await?;
        Ok::<_, Error>(Redirect::to(&format!("/works/{work}#progresss")).into_response())
    };
    go.await.map_err(|e| e.page(lang))
}

/// The OpenAPI paths and schemas of block grants.
#[derive(OpenApi)]
#[openapi(
    paths(list_api, create_api, show_api, unit_api, tranche_api, work_api, approve_api, receive_api, work_show_api,
        spending_api, reverse_api, progress_api, handover_api, upkeep_api),
    components(schemas(GrantDto, GrantInput, ReportDto, UnitDto, TrancheDto, WorkDto, SpendingDto, WorkDetailDto,
        StepInput, ReverseInput)),
    tags((name = "community", description = "Community programs: block grants, works, group books"))
)]
pub struct GrantApi;

fn today() -> time::Date {
    crate::agriculture::machines::today()
}

// --- Access -----------------------------------------------------------------------------------

/// A grant the caller may read, with its program; out of scope reads as missing.
pub(crate) async fn readable(state: &AppState, auth: &Auth, id: Id) -> Result<(GrantRow, Program), Error> {
    let g = state.store().grant(id).await?;
    let p = readable_program(state, auth, g.grant.program_id)
        .await
        .map_err(|e| if e.status() == StatusCode::FORBIDDEN { e } else { hidden("grant") })?;
    Ok((g, p))
}

/// Whether the caller keeps the grant's records: the program's officers, the recipient's
/// group officers.
fn keeps_grant(auth: &Auth, g: &GrantRow, p: &Program) -> bool {
    officer(auth, p) || keeps(auth, g.grant.recipient_group_id)
}

async fn writable(state: &AppState, auth: &Auth, id: Id) -> Result<(GrantRow, Program), Error> {
    let (g, p) = readable(state, auth, id).await?;
    auth.require(keeps_grant(auth, &g, &p))?;
    Ok((g, p))
}

pub(crate) async fn readable_work(
    state: &AppState,
    auth: &Auth,
    id: Id,
) -> Result<(WorkRow, GrantRow, Program), Error> {
    let w = state.store().work(id).await?;
    let (g, p) = readable(state, auth, w.grant_id)
        .await
        .map_err(|e| if e.status() == StatusCode::NOT_FOUND { hidden("work") } else { e })?;
    Ok((w, g, p))
}

pub(crate) async fn writable_work(
    state: &AppState,
    auth: &Auth,
    id: Id,
) -> Result<(WorkRow, GrantRow, Program), Error> {
    let (w, g, p) = readable_work(state, auth, id).await?;
    auth.require(keeps_grant(auth, &g, &p))?;
    Ok((w, g, p))
}

/// A spending entry's work, for its receipts' access.
pub(crate) async fn spending_work(state: &AppState, id: Id) -> Result<Id, Error> {
    Ok(state.store().spending(id).await?.spending.work_id)
}

/// A progress report's work.
pub(crate) async fn progress_work(state: &AppState, id: Id) -> Result<Id, Error> {
    Ok(state.store().progress_work(id).await?)
}

// --- DTOs -------------------------------------------------------------------------------------

/// A block grant with its totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantDto {
    pub id: i64,
    pub program_id: i64,
    pub name: String,
    pub source: String,
    pub year: i32,
    pub amount_rp: i64,
    pub recipient_group_id: i64,
    pub recipient_name: String,
    pub region: String,
    pub allocated_rp: i64,
    pub received_rp: i64,
    pub spent_rp: i64,
    pub version: i64,
}

impl From<&GrantRow> for GrantDto {
    fn from(g: &GrantRow) -> Self {
        GrantDto {
            id: g.grant.id,
            program_id: g.grant.program_id,
            name: g.grant.name.clone(),
            source: g.grant.source.clone(),
            year: g.grant.year,
            amount_rp: g.grant.amount_rp,
            recipient_group_id: g.grant.recipient_group_id,
            recipient_name: g.recipient_name.clone(),
            region: g.grant.region.to_string(),
            allocated_rp: g.allocated_rp,
            received_rp: g.received_rp,
            spent_rp: g.spent_rp,
            version: g.grant.version,
        }
    }
}

/// A new grant (program officers of the program's agency).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct GrantInput {
    name: String,
    source: String,
    year: String,
    /// Whole rupiah (`1500000000` or `Rp 1.500.000.000`).
    amount: String,
    /// The recipient institution (a group the caller may see).
    recipient_group_id: i64,
    region: String,
    note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrancheDto {
    pub id: i64,
    pub seq: i32,
    pub amount_rp: i64,
    pub planned_on: String,
    pub conditions: Option<String>,
    /// `planned`, `approved`, `received`.
    pub status: String,
    pub approved_by: Option<String>,
    pub approved_on: Option<String>,
    pub received_on: Option<String>,
    pub version: i64,
}

impl From<&berdaya_domain::kotaku::grant::Tranche> for TrancheDto {
    fn from(t: &berdaya_domain::kotaku::grant::Tranche) -> Self {
        TrancheDto {
            id: t.id,
            seq: t.seq,
            amount_rp: t.amount_rp,
            planned_on: t.planned_on.to_string(),
            conditions: t.conditions.clone(),
            status: t.status.code().into(),
            approved_by: t.approved_by.clone(),
            approved_on: t.approved_on.map(|d| d.to_string()),
            received_on: t.received_on.map(|d| d.to_string()),
            version: t.version,
        }
    }
}

/// A neighbourhood unit with its allocation and realisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDto {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub rt: Option<String>,
    pub rw: Option<String>,
    pub allocated_rp: i64,
    pub budget_rp: i64,
    pub spent_rp: i64,
    pub swadaya_rp: i64,
    pub version: i64,
}

/// A work with its budget and realisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkDto {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    /// `concrete_road`, `drainage`, `borehole`, `other`.
    pub kind: String,
    pub name: String,
    /// Exact decimal text (`120.5`).
    pub volume: String,
    pub volume_unit: String,
    pub location: Option<String>,
    pub budget_rp: i64,
    pub spent_rp: i64,
    pub swadaya_cash_rp: i64,
    pub swadaya_labour_rp: i64,
    pub builder: String,
    pub progress_pct: i32,
    pub keeper_group_id: Option<i64>,
    pub handed_over_on: Option<String>,
    pub version: i64,
}

impl From<&WorkRow> for WorkDto {
    fn from(r: &WorkRow) -> Self {
        let w = &r.work;
        WorkDto {
            id: w.id,
            unit_id: w.unit_id,
            unit_name: r.unit_name.clone(),
            kind: w.kind.code().into(),
            name: w.name.clone(),
            volume: format_milli(w.volume_milli).replace('.', "").replace(',', "."),
            volume_unit: w.volume_unit.clone(),
            location: w.location.clone(),
            budget_rp: w.budget_rp,
            spent_rp: r.spent_rp,
            swadaya_cash_rp: w.swadaya_cash_rp,
            swadaya_labour_rp: w.swadaya_labour_rp,
            builder: w.builder.clone(),
            progress_pct: w.progress_pct,
            keeper_group_id: w.keeper_group_id,
            handed_over_on: w.handed_over_on.map(|d| d.to_string()),
            version: w.version,
        }
    }
}

/// A grant's budget against realisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDto {
    pub grant: GrantDto,
    pub tranches: Vec<TrancheDto>,
    pub units: Vec<UnitDto>,
    pub works: Vec<WorkDto>,
    pub budget_rp: i64,
    pub spent_rp: i64,
    pub swadaya_rp: i64,
}

impl From<&GrantReport> for ReportDto {
    fn from(r: &GrantReport) -> Self {
        ReportDto {
            grant: GrantDto::from(&r.grant),
            tranches: r.tranches.iter().map(TrancheDto::from).collect(),
            units: r
                .units
                .iter()
                .map(|(u, x)| UnitDto {
                    id: u.id,
                    name: u.name.clone(),
                    region: u.region.to_string(),
                    rt: u.rt.clone(),
                    rw: u.rw.clone(),
                    allocated_rp: u.amount_rp,
                    budget_rp: x.budget_rp,
                    spent_rp: x.spent_rp,
                    swadaya_rp: x.swadaya_rp,
                    version: u.version,
                })
                .collect(),
            works: r.works.iter().map(|(w, _)| WorkDto::from(w)).collect(),
            budget_rp: r.total.budget_rp,
            spent_rp: r.total.spent_rp,
            swadaya_rp: r.total.swadaya_rp,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpendingDto {
    pub id: i64,
    pub work_id: i64,
    pub spent_on: String,
    pub item: String,
    pub amount_rp: i64,
    pub reverses_id: Option<i64>,
    pub reversed: bool,
    pub override_reason: Option<String>,
    pub recorded_by: String,
    /// Where to download each receipt.
    pub receipts: Vec<String>,
}

impl From<&SpendingRow> for SpendingDto {
    fn from(r: &SpendingRow) -> Self {
        let s = &r.spending;
        SpendingDto {
            id: s.id,
            work_id: s.work_id,
            spent_on: s.spent_on.to_string(),
            item: s.item.clone(),
            amount_rp: s.amount_rp,
            reverses_id: s.reverses_id,
            reversed: r.reversed,
            override_reason: s.override_reason.clone(),
            recorded_by: s.recorded_by.clone(),
            receipts: r.receipts.iter().map(|a| format!("/api/v1/attachments/{a}")).collect(),
        }
    }
}

/// A work with its spending, progress and maintenance.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkDetailDto {
    pub work: WorkDto,
    pub spending: Vec<SpendingDto>,
    /// `(date, percent)` reports, oldest first.
    pub progress: Vec<(String, i32)>,
    /// `(date, cost_rp, condition)` visits, oldest first.
    pub maintenance: Vec<(String, i64, String)>,
    /// The next maintenance due, once handed over.
    pub maintenance_due: Option<String>,
}

/// A tranche's approval or receipt.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StepInput {
    /// `YYYY-MM-DD`; default today.
    pub on: Option<String>,
    pub version: i64,
}

/// A reversal of a spending entry or a book entry.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReverseInput {
    pub reason: String,
    /// `YYYY-MM-DD`; default today.
    pub on: Option<String>,
}

fn day(raw: Option<&str>, field: &str) -> Result<time::Date, Error> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => text::date(s).map_err(|m| Error::unprocessable(field, m)),
        None => Ok(today()),
    }
}

// --- Shared steps -----------------------------------------------------------------------------

async fn create_grant(state: &AppState, auth: &Auth, program: &Program, mut d: GrantDraft) -> Result<GrantRow, Error> {
    auth.require(officer(auth, program))?;
    d.program_id = program.id.to_string();
    let new = d.parse()?;
    group_ref(state, auth, "recipient_group_id", new.recipient_group_id).await?;
    if !auth.principal().in_area(&new.region) {
        return Err(missing_reference("region", "region", &new.region));
    }
    let g = state.store().create_grant(&new).await?;
    Ok(state.store().grant(g.id).await?)
}

async fn add_unit(state: &AppState, auth: &Auth, grant: Id, d: &UnitDraft) -> Result<(), Error> {
    writable(state, auth, grant).await?;
    let new = d.parse()?;
    if !auth.principal().in_area(&new.region) {
        return Err(missing_reference("region", "region", &new.region));
    }
    state.store().add_unit(grant, &new).await?;
    Ok(())
}

async fn add_tranche(
    state: &AppState,
    auth: &Auth,
    grant: Id,
    d: &berdaya_domain::kotaku::grant::TrancheDraft,
) -> Result<(), Error> {
    let (_, p) = readable(state, auth, grant).await?;
    auth.require(officer(auth, &p))?;
    state.store().add_tranche(grant, &d.parse()?).await?;
    Ok(())
}

/// A work's draft names its unit; the unit must be one of the grant's.
async fn add_work(state: &AppState, auth: &Auth, grant: Id, unit: &str, d: &WorkDraft) -> Result<Id, Error> {
    writable(state, auth, grant).await?;
    let unit_id = text::id(unit).map_err(|m| Error::unprocessable("unit_id", m))?;
    match state.store().unit(unit_id).await {
        Ok(u) if u.grant_id == grant => {}
        Ok(_) | Err(berdaya_store::StoreError::NotFound { .. }) => {
            return Err(missing_reference("unit_id", "unit", unit_id));
        }
        Err(e) => return Err(e.into()),
    }
    let new = d.parse()?;
    if let Some(g) = new.builder_group_id {
        group_ref(state, auth, "builder_group_id", g).await?;
    }
    Ok(state.store().add_work(unit_id, &new).await?.id)
}

async fn step(
    state: &AppState,
    auth: &Auth,
    id: Id,
    receive: bool,
    on: time::Date,
    version: i64,
) -> Result<i64, Error> {
    let t = state.store().tranche(id).await?;
    let (_, p) = readable(state, auth, t.grant_id)
        .await
        .map_err(|e| if e.status() == StatusCode::NOT_FOUND { hidden("tranche") } else { e })?;
    auth.require(officer(auth, &p))?;
    let s = if receive { TrancheStep::Receive { on } } else { TrancheStep::Approve { on } };
    state.store().step_tranche(id, &s, version).await?;
    Ok(t.grant_id)
}

/// Records spending; an override reason is the program officer's alone.
async fn add_spending(state: &AppState, auth: &Auth, work: Id, d: &SpendingDraft) -> Result<Id, Error> {
    let (_, _, p) = writable_work(state, auth, work).await?;
    let new = d.parse(today())?;
    if new.override_reason.is_some() && !officer(auth, &p) {
        return Err(Error::unprocessable("override_reason", "only a program officer may pass the tranches received"));
    }
    Ok(state.store().add_spending(work, &new).await?.id)
}

async fn reverse_spending(state: &AppState, auth: &Auth, id: Id, reason: &str, on: time::Date) -> Result<Id, Error> {
    let s = state.store().spending(id).await?;
    writable_work(state, auth, s.spending.work_id)
        .await
        .map_err(|e| if e.status() == StatusCode::NOT_FOUND { hidden("spending") } else { e })?;
    let reason = text::text(reason, 1, 500).map_err(|m| Error::unprocessable("reason", m))?;
    state.store().reverse_spending(id, on, &reason).await?;
    Ok(s.spending.work_id)
}

async fn hand_over(state: &AppState, auth: &Auth, work: Id, d: &HandoverDraft, version: i64) -> Result<(), Error> {
    writable_work(state, auth, work).await?;
    let h = d.parse(today())?;
    group_ref(state, auth, "keeper_group_id", h.keeper_group_id).await?;
    state.store().hand_over(work, &h, version).await?;
    Ok(())
}

/// Maintenance is recorded by the work's keeper (its group officers) or the program's
/// officers and the recipient's.
async fn add_upkeep(state: &AppState, auth: &Auth, work: Id, d: &UpkeepDraft) -> Result<(), Error> {
    let (w, g, p) = readable_work(state, auth, work).await?;
    let keeper = w.work.keeper_group_id.is_some_and(|k| keeps(auth, k));
    auth.require(keeper || keeps_grant(auth, &g, &p))?;
    state.store().add_upkeep(work, &d.parse(today())?).await?;
    Ok(())
}

async fn attach(state: &AppState, file: Option<NewAttachment>, id: Id) -> Result<(), Error> {
    if let Some(mut f) = file {
        f.entity_id = id;
        state.store().add_attachment(&f).await?;
    }
    Ok(())
}

// --- API --------------------------------------------------------------------------------------

/// A program's block grants, newest year first.
#[utoipa::path(get, path = "/api/v1/programs/{id}/grants", tag = "community",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [GrantDto]), (status = 404, body = ErrorBody)))]
pub async fn list_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<GrantDto>>, Error> {
    readable_program(&state, &auth, id).await?;
    Ok(Json(state.store().program_grants(id).await?.iter().map(GrantDto::from).collect()))
}

/// Adds a block grant to a program (its officers). The recipient and region must be ones
/// the caller may see.
#[utoipa::path(post, path = "/api/v1/programs/{id}/grants", tag = "community", request_body = GrantInput,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 201, body = GrantDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let p = readable_program(&state, &auth, id).await?;
    let d: GrantDraft = body.draft(&["recipient_group_id", "year"])?;
    let g = create_grant(&state, &auth, &p, d).await?;
    Ok(created(GrantDto::from(&g)))
}

/// A grant's budget against realisation: tranches, units, works.
#[utoipa::path(get, path = "/api/v1/grants/{id}", tag = "community",
    params(("id" = i64, Path, description = "Grant id")),
    responses((status = 200, body = ReportDto), (status = 404, body = ErrorBody)))]
pub async fn show_api(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<ReportDto>, Error> {
    readable(&state, &auth, id).await?;
    Ok(Json(ReportDto::from(&state.store().grant_report(id).await?)))
}

/// Allocates part of the grant to a neighbourhood unit; the units never sum past the grant.
#[utoipa::path(post, path = "/api/v1/grants/{id}/units", tag = "community",
    params(("id" = i64, Path, description = "Grant id")),
    responses((status = 201, body = ReportDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn unit_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let d: UnitDraft = body.draft(&[])?;
    add_unit(&state, &auth, id, &d).await?;
    Ok(created(ReportDto::from(&state.store().grant_report(id).await?)))
}

/// Schedules a tranche (program officers); tranches never sum past the grant.
#[utoipa::path(post, path = "/api/v1/grants/{id}/tranches", tag = "community",
    params(("id" = i64, Path, description = "Grant id")),
    responses((status = 201, body = ReportDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tranche_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let d: berdaya_domain::kotaku::grant::TrancheDraft = body.draft(&[])?;
    add_tranche(&state, &auth, id, &d).await?;
    Ok(created(ReportDto::from(&state.store().grant_report(id).await?)))
}

#[derive(Debug, Deserialize)]
struct WorkBody {
    unit_id: serde_json::Value,
    #[serde(flatten)]
    work: WorkDraft,
}

/// Adds a work to one of the grant's units (`unit_id`).
#[utoipa::path(post, path = "/api/v1/grants/{id}/works", tag = "community",
    params(("id" = i64, Path, description = "Grant id")),
    responses((status = 201, body = WorkDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn work_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let b: WorkBody = body.draft(&["builder_group_id", "maintain_every_days"])?;
    let unit = match &b.unit_id {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        _ => String::new(),
    };
    let wid = add_work(&state, &auth, id, &unit, &b.work).await?;
    Ok(created(WorkDto::from(&state.store().work(wid).await?)))
}

/// Approves a planned tranche (program officers).
#[utoipa::path(post, path = "/api/v1/tranches/{id}/approve", tag = "community", request_body = StepInput,
    params(("id" = i64, Path, description = "Tranche id")),
    responses((status = 200, body = TrancheDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn approve_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<TrancheDto>, Error> {
    let s: StepInput = body.decode()?;
    step(&state, &auth, id, false, day(s.on.as_deref(), "on")?, s.version).await?;
    Ok(Json(TrancheDto::from(&state.store().tranche(id).await?)))
}

/// Marks an approved tranche received (program officers).
#[utoipa::path(post, path = "/api/v1/tranches/{id}/receive", tag = "community", request_body = StepInput,
    params(("id" = i64, Path, description = "Tranche id")),
    responses((status = 200, body = TrancheDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn receive_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<TrancheDto>, Error> {
    let s: StepInput = body.decode()?;
    step(&state, &auth, id, true, day(s.on.as_deref(), "on")?, s.version).await?;
    Ok(Json(TrancheDto::from(&state.store().tranche(id).await?)))
}

async fn work_detail(state: &AppState, w: &WorkRow) -> Result<WorkDetailDto, Error> {
    let spending = state.store().spending_of(w.grant_id, Some(w.work.id)).await?;
    let progress = state.store().progress_of(w.work.id).await?;
    let upkeep = state.store().upkeep_of(w.work.id).await?;
    Ok(WorkDetailDto {
        work: WorkDto::from(w),
        spending: spending.iter().map(SpendingDto::from).collect(),
        progress: progress.iter().map(|p| (p.on.to_string(), p.percent)).collect(),
        maintenance: upkeep
            .iter()
            .map(|u| (u.done_on.to_string(), u.cost_rp, u.condition.code().to_string()))
            .collect(),
        maintenance_due: w.work.maintenance_due(w.last_upkeep).map(|d| d.to_string()),
    })
}

/// A work with its spending, progress and maintenance.
#[utoipa::path(get, path = "/api/v1/works/{id}", tag = "community",
    params(("id" = i64, Path, description = "Work id")),
    responses((status = 200, body = WorkDetailDto), (status = 404, body = ErrorBody)))]
pub async fn work_show_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<WorkDetailDto>, Error> {
    let (w, _, _) = readable_work(&state, &auth, id).await?;
    Ok(Json(work_detail(&state, &w).await?))
}

/// Records spending on a work (JSON; attach the receipt with the page's form). Refused on
/// `amount` when the grant's spending would pass the tranches received, unless a program
/// officer gives `override_reason`.
#[utoipa::path(post, path = "/api/v1/works/{id}/spending", tag = "community",
    params(("id" = i64, Path, description = "Work id")),
    responses((status = 201, body = WorkDetailDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn spending_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let d: SpendingDraft = body.draft(&[])?;
    add_spending(&state, &auth, id, &d).await?;
    Ok(created(work_detail(&state, &state.store().work(id).await?).await?))
}

/// Reverses a spending entry with a reason (entries are never edited).
#[utoipa::path(post, path = "/api/v1/spending/{id}/reverse", tag = "community", request_body = ReverseInput,
    params(("id" = i64, Path, description = "Spending entry id")),
    responses((status = 201, body = WorkDetailDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reverse_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let r: ReverseInput = body.decode()?;
    let work = reverse_spending(&state, &auth, id, &r.reason, day(r.on.as_deref(), "on")?).await?;
    Ok(created(work_detail(&state, &state.store().work(work).await?).await?))
}

/// Reports physical progress (percent, not below the last report).
#[utoipa::path(post, path = "/api/v1/works/{id}/progress", tag = "community",
    params(("id" = i64, Path, description = "Work id")),
    responses((status = 201, body = WorkDetailDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn progress_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    writable_work(&state, &auth, id).await?;
    let d: ProgressDraft = body.draft(&["percent"])?;
    state.store().add_progress(id, &d.parse(today())?).await?;
    Ok(created(work_detail(&state, &state.store().work(id).await?).await?))
}

#[derive(Debug, Deserialize)]
struct HandoverBody {
    #[serde(flatten)]
    handover: HandoverDraft,
    version: i64,
}

/// Hands a finished work to its maintenance group (a group the caller may see).
#[utoipa::path(post, path = "/api/v1/works/{id}/handover", tag = "community",
    params(("id" = i64, Path, description = "Work id")),
    responses((status = 200, body = WorkDetailDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn handover_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<WorkDetailDto>, Error> {
    let b: HandoverBody = body.draft(&["keeper_group_id", "maintain_every_days"])?;
    hand_over(&state, &auth, id, &b.handover, b.version).await?;
    Ok(Json(work_detail(&state, &state.store().work(id).await?).await?))
}

/// Records a maintenance visit by the work's keeper.
#[utoipa::path(post, path = "/api/v1/works/{id}/maintenance", tag = "community",
    params(("id" = i64, Path, description = "Work id")),
    responses((status = 201, body = WorkDetailDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upkeep_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let d: UpkeepDraft = body.draft(&[])?;
    add_upkeep(&state, &auth, id, &d).await?;
    Ok(created(work_detail(&state, &state.store().work(id).await?).await?))
}

// --- Pages ------------------------------------------------------------------------------------

fn page(lang: Lang, title: String, breadcrumbs: Vec<Link>) -> Page {
    Page {
        l: Layout::new(lang, title.clone(), "programs"),
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

fn program_crumbs(lang: Lang, p: &Program) -> Vec<Link> {
    let mut c = crumbs(lang, "nav.programs", "/programs");
    c.push(Link::new(p.name.clone(), format!("/programs/{}", p.id)));
    c.push(Link::new(lang.tr().t("grant.list"), format!("/programs/{}/grants", p.id)));
    c
}

async fn grant_form(state: &AppState, auth: &Auth, lang: Lang, p: &Program, form: Option<&FormData>) -> Form {
    let t = lang.tr();
    let v = |k: &str| form.map(|f| f.get(k)).unwrap_or_default();
    let recipient = crate::kit::refs::record_field(
        state,
        auth,
        "group",
        "recipient_group_id",
        t.t("field.recipient_group_id"),
        &v("recipient_group_id"),
    )
    .await;
    let region =
        crate::kit::refs::record_field(state, auth, "region", "region", t.t("field.region"), &v("region")).await;
    Form::new(
        "grant",
        format!("/programs/{}/grants", p.id),
        t.t("grant.create"),
        vec![
            Field::text("name", t.t("field.name"), v("name")).required().hint(t.t("grant.name_hint")),
            Field::text("source", t.t("field.source"), v("source")).required().hint(t.t("grant.source_hint")),
            Field::text("year", t.t("field.year"), v("year")).required(),
            Field::text("amount", t.t("field.amount"), v("amount")).required().hint(t.t("grant.amount_hint")),
            recipient.required(),
            region.required(),
            Field::textarea("note", t.t("field.note"), v("note")),
        ],
    )
}

async fn list_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    p: &Program,
    form: Option<&FormData>,
) -> Result<Page, Error> {
    let t = lang.tr();
    let grants = state.store().program_grants(p.id).await?;
    let mut pg = page(lang, format!("{} — {}", t.t("grant.list"), p.name), program_crumbs(lang, p));
    pg.breadcrumbs.pop();
    let rows = grants
        .iter()
        .map(|g| {
            vec![
                Cell::link(g.grant.name.clone(), format!("/grants/{}", g.grant.id)),
                Cell::text(g.grant.year.to_string()),
                Cell::text(g.recipient_name.clone()),
                Cell::text(g.region_name.clone()),
                Cell::text(rp(g.grant.amount_rp)),
                Cell::text(rp(g.received_rp)),
                Cell::text(rp(g.spent_rp)),
            ]
        })
        .collect();
    pg.sections.push(Section::table(
        t,
        "grants",
        t.t("grant.list"),
        &[
            "field.name",
            "field.year",
            "field.recipient_group_id",
            "field.region",
            "field.amount",
            "grant.received",
            "grant.spent",
        ],
        rows,
        t.t("grant.none"),
    ));
    if officer(auth, p) {
        pg.sections.push(Section {
            id: "new-grant".into(),
            title: t.t("grant.create").into(),
            form: Some(grant_form(state, auth, lang, p, form).await),
            ..Default::default()
        });
    }
    Ok(pg)
}

async fn list_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let go = async {
        let p = readable_program(&state, &auth, id).await?;
        list_view(&state, &auth, lang, &p, None).await
    };
    Ok(crate::html::render(&go.await.map_err(|e| e.page(lang))?))
}

fn grant_draft(form: &FormData) -> GrantDraft {
    GrantDraft {
        program_id: String::new(),
        name: form.get("name"),
        source: form.get("source"),
        year: form.get("year"),
        amount: form.get("amount"),
        recipient_group_id: form.get("recipient_group_id"),
        region: form.get("region"),
        note: form.opt("note"),
    }
}

async fn create_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let p = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !officer(&auth, &p) {
        return Err(forbidden().page(lang));
    }
    match create_grant(&state, &auth, &p, grant_draft(&form)).await {
        Ok(g) => Ok(Redirect::to(&format!("/grants/{}", g.grant.id)).into_response()),
        Err(e) if e.status().is_server_error() => Err(e.page(lang)),
        Err(e) => {
            let mut pg = list_view(&state, &auth, lang, &p, Some(&form)).await.map_err(|e| e.page(lang))?;
            let status = pg.fail(lang, "new-grant", &e);
            Ok(crate::html::render_with(status, &pg))
        }
    }
}

fn tranche_status(lang: Lang, t: &berdaya_domain::kotaku::grant::Tranche) -> String {
    let mut s = t.status.label(lang.code()).to_string();
    if let Some(d) = t.received_on.or(t.approved_on) {
        s = format!("{s} ({d})");
    }
    s
}

/// The grant's dashboard: cards, charts, tranches, units, works, and the forms the caller
/// may use (with `form` and `which` re-filling the one that failed).
async fn grant_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    form: Option<(&str, &FormData)>,
) -> Result<Page, Error> {
    let t = lang.tr();
    let (g, p) = readable(state, auth, id).await?;
    let r = state.store().grant_report(id).await?;
    let is_officer = officer(auth, &p);
    let keeper = keeps_grant(auth, &g, &p);
    let filled = |which: &str, k: &str| match form {
        Some((w, f)) if w == which => f.get(k),
        _ => String::new(),
    };
    let mut pg = page(lang, g.grant.name.clone(), program_crumbs(lang, &p));
    pg.actions.push(Link::new(t.t("common.download_xlsx"), format!("/grants/{id}/report.xlsx")));
    pg.facts = vec![
        (t.t("field.source").into(), Cell::text(format!("{} ({})", g.grant.source, g.grant.year))),
        (
            t.t("field.recipient_group_id").into(),
            super::group_cell(state, auth, g.grant.recipient_group_id, g.recipient_name.clone()).await,
        ),
        (t.t("field.region").into(), Cell::link(g.region_name.clone(), format!("/regions/{}", g.grant.region))),
    ];
    let swadaya_share = if r.total.budget_rp + r.total.swadaya_rp > 0 {
        r.total.swadaya_rp * 1000 / (r.total.budget_rp + r.total.swadaya_rp)
    } else {
        0
    };
    let avg_progress = if r.works.is_empty() {
        0
    } else {
        r.works.iter().map(|(w, _)| i64::from(w.work.progress_pct)).sum::<i64>() / r.works.len() as i64
    };
    pg.cards = vec![
        (t.t("grant.amount").into(), rp(g.grant.amount_rp)),
        (t.t("grant.allocated").into(), rp(g.allocated_rp)),
        (t.t("grant.received").into(), rp(g.received_rp)),
        (t.t("grant.spent").into(), rp(g.spent_rp)),
        (t.t("grant.swadaya_share").into(), per_mille(swadaya_share)),
        (t.t("grant.progress").into(), format!("{avg_progress} %")),
    ];
    if g.spent_rp > g.received_rp {
        pg.warnings.push(t.t("grant.overspent").into());
    }
    let unit_label = |u: &berdaya_domain::kotaku::grant::Unit| u.name.clone();
    pg.charts.push(crate::chart::bars(
        t.t("grant.chart_allocation"),
        &r.units.iter().map(|(u, _)| (unit_label(u), Some(u.amount_rp.max(0) as u64))).collect::<Vec<_>>(),
    ));
    pg.charts.push(crate::chart::stacked(
        t.t("grant.chart_realisation"),
        &[t.t("grant.spent"), t.t("grant.left")],
        &r.units
            .iter()
            .map(|(u, x)| (unit_label(u), vec![Some(x.spent_rp.max(0) as u64), Some(x.left_rp().max(0) as u64)]))
            .collect::<Vec<_>>(),
    ));
    // Tranches.
    let tranche_rows = r
        .tranches
        .iter()
        .map(|tr| {
            vec![
                Cell::text(tr.seq.to_string()),
                Cell::text(rp(tr.amount_rp)),
                Cell::text(tr.planned_on.to_string()),
                Cell::text(tr.conditions.clone().unwrap_or_default()),
                Cell::text(tranche_status(lang, tr)),
            ]
        })
        .collect();
    let mut tranches = Section::table(
        t,
        "tranches",
        t.t("grant.tranches"),
        &["grant.seq", "field.amount", "field.planned_on", "field.conditions", "field.status"],
        tranche_rows,
        t.t("grant.no_tranches"),
    );
    let steps: Vec<(String, String)> = r
        .tranches
        .iter()
        .filter_map(|tr| match tr.status {
            TrancheStatus::Planned => Some((
                format!("{}:{}:approve", tr.id, tr.version),
                format!("{} {} ({}) — {}", t.t("grant.seq"), tr.seq, rp(tr.amount_rp), t.t("grant.approve")),
            )),
            TrancheStatus::Approved => Some((
                format!("{}:{}:receive", tr.id, tr.version),
                format!("{} {} ({}) — {}", t.t("grant.seq"), tr.seq, rp(tr.amount_rp), t.t("grant.receive")),
            )),
            TrancheStatus::Received => None,
        })
        .collect();
    if is_officer {
        tranches.form = Some(Form::new(
            "tranche",
            format!("/grants/{id}/tranches"),
            t.t("grant.add_tranche"),
            vec![
                Field::text("amount", t.t("field.amount"), filled("tranche", "amount")).required(),
                Field::date("planned_on", t.t("field.planned_on"), filled("tranche", "planned_on")).required(),
                Field::text("conditions", t.t("field.conditions"), filled("tranche", "conditions")),
            ],
        ));
    }
    let step_section = (is_officer && !steps.is_empty()).then(|| Section {
        id: "tranche-steps".into(),
        title: t.t("grant.tranche_step").into(),
        form: Some(Form::new(
            "tranche-step",
            format!("/grants/{id}/tranche-step"),
            t.t("common.save"),
            vec![
                Field::select(
                    "step",
                    t.t("field.tranche"),
                    &filled("tranche-step", "step"),
                    steps,
                    Some(t.t("common.choose")),
                )
                .required(),
                Field::date("on", t.t("field.on"), filled("tranche-step", "on")).required(),
            ],
        )),
        ..Default::default()
    });
    pg.sections.push(tranches);
    pg.sections.extend(step_section);
    // Units: allocation, budget, realisation.
    let unit_rows = r
        .units
        .iter()
        .map(|(u, x)| {
            vec![
                Cell::text(u.name.clone()),
                Cell::text(rp(u.amount_rp)),
                Cell::text(rp(x.budget_rp)),
                Cell::text(rp(x.spent_rp)),
                Cell::text(per_mille(x.per_mille())),
                Cell::text(rp(x.swadaya_rp)),
            ]
        })
        .collect();
    let mut units = Section::table(
        t,
        "units",
        t.t("grant.units"),
        &["field.name", "grant.allocated", "field.budget", "grant.spent", "grant.realisation", "grant.swadaya"],
        unit_rows,
        t.t("grant.no_units"),
    );
    if let Some(table) = units.table.as_mut() {
        table.rows.push(vec![
            Cell::text(t.t("grant.total")),
            Cell::text(rp(g.allocated_rp)),
            Cell::text(rp(r.total.budget_rp)),
            Cell::text(rp(r.total.spent_rp)),
            Cell::text(per_mille(r.total.per_mille())),
            Cell::text(rp(r.total.swadaya_rp)),
        ]);
    }
    if keeper {
        let region = crate::kit::refs::record_field(
            state,
            auth,
            "region",
            "region",
            t.t("field.region"),
            &match form {
                Some(("unit", f)) => f.get("region"),
                _ => g.grant.region.to_string(),
            },
        )
        .await;
        units.form = Some(Form::new(
            "unit",
            format!("/grants/{id}/units"),
            t.t("grant.add_unit"),
            vec![
                Field::text("name", t.t("field.name"), filled("unit", "name")).required().hint(t.t("grant.unit_hint")),
                region.required(),
                Field::text("rw", t.t("field.rw"), filled("unit", "rw")),
                Field::text("rt", t.t("field.rt"), filled("unit", "rt")),
                Field::text("amount", t.t("field.amount"), filled("unit", "amount")).required(),
            ],
        ));
    }
    pg.sections.push(units);
    // Works.
    let work_rows = r
        .works
        .iter()
        .map(|(w, x)| {
            vec![
                Cell::link(w.work.name.clone(), format!("/works/{}", w.work.id)),
                Cell::text(w.unit_name.clone()),
                Cell::text(w.work.kind.label(lang.code())),
                Cell::text(format!("{} {}", format_milli(w.work.volume_milli), w.work.volume_unit)),
                Cell::text(rp(x.budget_rp)),
                Cell::text(rp(x.spent_rp)),
                Cell::text(format!("{} %", w.work.progress_pct)),
                Cell::text(w.keeper_name.clone().unwrap_or_else(|| "—".into())),
            ]
        })
        .collect();
    let mut works = Section::table(
        t,
        "works",
        t.t("grant.works"),
        &[
            "field.name",
            "grant.unit",
            "field.kind",
            "field.volume",
            "field.budget",
            "grant.spent",
            "grant.progress",
            "field.keeper_group_id",
        ],
        work_rows,
        t.t("grant.no_works"),
    );
    if keeper && !r.units.is_empty() {
        let units: Vec<(String, String)> = r.units.iter().map(|(u, _)| (u.id.to_string(), u.name.clone())).collect();
        let builder = crate::kit::refs::record_field(
            state,
            auth,
            "group",
            "builder_group_id",
            t.t("field.builder_group_id"),
            &filled("work", "builder_group_id"),
        )
        .await;
        works.form = Some(Form::new(
            "work",
            format!("/grants/{id}/works"),
            t.t("grant.add_work"),
            vec![
                Field::select(
                    "unit_id",
                    t.t("grant.unit"),
                    &filled("work", "unit_id"),
                    units,
                    Some(t.t("common.choose")),
                )
                .required(),
                Field::select(
                    "kind",
                    t.t("field.kind"),
                    &filled("work", "kind"),
                    vocabulary(WorkKind::ALL, WorkKind::code, WorkKind::label, lang),
                    Some(t.t("common.choose")),
                )
                .required(),
                Field::text("name", t.t("field.name"), filled("work", "name")).required(),
                Field::text("volume", t.t("field.volume"), filled("work", "volume")).required(),
                Field::text("volume_unit", t.t("field.volume_unit"), filled("work", "volume_unit"))
                    .required()
                    .hint("m, m², unit"),
                Field::text("location", t.t("field.location"), filled("work", "location")),
                Field::text("budget", t.t("field.budget"), filled("work", "budget")).required(),
                Field::text("swadaya_cash", t.t("field.swadaya_cash"), filled("work", "swadaya_cash")),
                Field::text("swadaya_labour", t.t("field.swadaya_labour"), filled("work", "swadaya_labour")),
                Field::text("builder", t.t("field.builder"), filled("work", "builder")).required(),
                builder,
            ],
        ));
    }
    pg.sections.push(works);
    Ok(pg)
}

async fn grant_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = grant_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

/// Answers a grant page's form: back to the page on success, the page with the error
/// beside the form otherwise.
async fn grant_answer(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    which: &str,
    form: &FormData,
    result: Result<(), Error>,
) -> Result<Response, Error> {
    let to = result.map(|()| format!("/grants/{id}#{which}s"));
    super::answer(lang, to, &format!("{which}s"), || grant_view(state, auth, lang, id, Some((which, form)))).await
}

async fn unit_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let d = UnitDraft {
        name: form.get("name"),
        region: form.get("region"),
        rt: form.opt("rt"),
        rw: form.opt("rw"),
        amount: form.get("amount"),
    };
    let result = add_unit(&state, &auth, id, &d).await;
    grant_answer(&state, &auth, lang, id, "unit", &form, result).await
}

async fn tranche_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let d = berdaya_domain::kotaku::grant::TrancheDraft {
        amount: form.get("amount"),
        planned_on: form.get("planned_on"),
        conditions: form.opt("conditions"),
    };
    let result = add_tranche(&state, &auth, id, &d).await;
    grant_answer(&state, &auth, lang, id, "tranche", &form, result).await
}

fn work_draft(form: &FormData) -> WorkDraft {
    WorkDraft {
        kind: form.get("kind"),
        name: form.get("name"),
        volume: form.get("volume"),
        volume_unit: form.get("volume_unit"),
        location: form.opt("location"),
        budget: form.get("budget"),
        swadaya_cash: form.opt("swadaya_cash"),
        swadaya_labour: form.opt("swadaya_labour"),
        builder: form.get("builder"),
        builder_group_id: form.opt("builder_group_id"),
        maintain_every_days: form.opt("maintain_every_days"),
    }
}

async fn work_page_post(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = add_work(&state, &auth, id, &form.get("unit_id"), &work_draft(&form)).await.map(|_| ());
    grant_answer(&state, &auth, lang, id, "work", &form, result).await
}

/// Approves or receives the tranche the form names (`id:version:approve|receive`) on `on`.
async fn tranche_step_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let result = async {
        let raw = form.get("step");
        let mut parts = raw.split(':');
        let (Some(tid), Some(version), Some(kind)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::unprocessable("step", "is required"));
        };
        let tid = text::id(tid).map_err(|m| Error::unprocessable("step", m))?;
        let version = version.parse::<i64>().map_err(|_| Error::unprocessable("step", "is required"))?;
        let on = text::date(&form.get("on")).map_err(|m| Error::unprocessable("on", m))?;
        match state.store().tranche(tid).await {
            Ok(t) if t.grant_id == id => {}
            Ok(_) | Err(berdaya_store::StoreError::NotFound { .. }) => {
                return Err(missing_reference("step", "tranche", tid));
            }
            Err(e) => return Err(e.into()),
        }
        step(&state, &auth, tid, kind == "receive", on, version).await.map(|_| ())
    }
    .await;
    grant_answer(&state, &auth, lang, id, "tranche-step", &form, result).await
}

// --- A work's page ----------------------------------------------------------------------------

async fn work_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    form: Option<(&str, &FormData)>,
) -> Result<Page, Error> {
    let t = lang.tr();
    let (w, g, p) = readable_work(state, auth, id).await?;
    let keeper = keeps_grant(auth, &g, &p);
    let is_officer = officer(auth, &p);
    let filled = |which: &str, k: &str| match form {
        Some((x, f)) if x == which => f.get(k),
        _ => String::new(),
    };
    let mut crumbs = program_crumbs(lang, &p);
    crumbs.push(Link::new(g.grant.name.clone(), format!("/grants/{}", g.grant.id)));
    let mut pg = page(lang, w.work.name.clone(), crumbs);
    let wk = &w.work;
    pg.facts = vec![
        (t.t("grant.unit").into(), Cell::text(w.unit_name.clone())),
        (t.t("field.kind").into(), Cell::text(wk.kind.label(lang.code()))),
        (t.t("field.volume").into(), Cell::text(format!("{} {}", format_milli(wk.volume_milli), wk.volume_unit))),
        (t.t("field.location").into(), Cell::text(wk.location.clone().unwrap_or_else(|| "—".into()))),
        (t.t("field.builder").into(), Cell::text(wk.builder.clone())),
        (t.t("grant.swadaya").into(), Cell::text(format!("{} + {}", rp(wk.swadaya_cash_rp), rp(wk.swadaya_labour_rp)))),
    ];
    if let (Some(k), Some(on)) = (wk.keeper_group_id, wk.handed_over_on) {
        pg.facts.push((
            t.t("field.keeper_group_id").into(),
            super::group_cell(state, auth, k, format!("{} ({on})", w.keeper_name.clone().unwrap_or_default())).await,
        ));
    }
    pg.cards = vec![
        (t.t("field.budget").into(), rp(wk.budget_rp)),
        (t.t("grant.spent").into(), rp(w.spent_rp)),
        (t.t("grant.left").into(), rp(wk.budget_rp - w.spent_rp)),
        (t.t("grant.progress").into(), format!("{} %", wk.progress_pct)),
    ];
    if let Some(due) = wk.maintenance_due(w.last_upkeep)
        && due < today()
    {
        pg.warnings.push(format!("{} {due}", t.t("grant.maintenance_overdue")));
    }
    // Spending.
    let spending = state.store().spending_of(g.grant.id, Some(id)).await?;
    let rows = spending
        .iter()
        .map(|s| {
            let e = &s.spending;
            let receipts = match s.receipts.first() {
                Some(a) => Cell::link(t.t("grant.receipt"), format!("/attachments/{a}")),
                None => Cell::text("—"),
            };
            let mut note = e.override_reason.clone().unwrap_or_default();
            if s.reversed {
                note = format!("{} {note}", t.t("book.reversed"));
            }
            let action = if keeper && e.reverses_id.is_none() && !s.reversed {
                Cell::link(t.t("book.reverse"), format!("/spending/{}/reverse", e.id))
            } else {
                Cell::text("")
            };
            vec![
                Cell::text(e.spent_on.to_string()),
                Cell::text(e.item.clone()),
                Cell::text(rp(e.amount_rp)),
                receipts,
                Cell::text(note.trim().to_string()),
                Cell::text(e.recorded_by.clone()),
                action,
            ]
        })
        .collect();
    let mut sp = Section::table(
        t,
        "spendings",
        t.t("grant.spending"),
        &[
            "field.spent_on",
            "field.item",
            "field.amount",
            "grant.receipt",
            "field.note",
            "grant.recorded_by",
            "common.actions",
        ],
        rows,
        t.t("grant.no_spending"),
    );
    if keeper {
        let mut fields = vec![
            Field::date(
                "spent_on",
                t.t("field.spent_on"),
                match filled("spending", "spent_on") {
                    s if s.is_empty() => today().to_string(),
                    s => s,
                },
            )
            .required(),
            Field::text("item", t.t("field.item"), filled("spending", "item")).required(),
            Field::text("amount", t.t("field.amount"), filled("spending", "amount")).required(),
            Field::file("file", t.t("grant.receipt_photo"), "image/*,application/pdf").hint(t.t("grant.receipt_hint")),
        ];
        if is_officer {
            fields.push(
                Field::text("override_reason", t.t("field.override_reason"), filled("spending", "override_reason"))
                    .hint(t.t("grant.override_hint")),
            );
        }
        sp.form = Some(Form::new("spending", format!("/works/{id}/spending"), t.t("grant.add_spending"), fields));
    }
    pg.sections.push(sp);
    // Progress.
    let progress = state.store().progress_of(id).await?;
    let rows = progress
        .iter()
        .map(|x| {
            vec![
                Cell::text(x.on.to_string()),
                Cell::text(format!("{} %", x.percent)),
                Cell::text(x.note.clone().unwrap_or_default()),
                match x.photo_id {
                    Some(a) => Cell::link(t.t("grant.photo"), format!("/attachments/{a}")),
                    None => Cell::text("—"),
                },
            ]
        })
        .collect();
    let mut pr = Section::table(
        t,
        "progresss",
        t.t("grant.progress"),
        &["field.on", "field.percent", "field.note", "grant.photo"],
        rows,
        t.t("grant.no_progress"),
    );
    if keeper && wk.progress_pct < 100 {
        pr.form = Some(Form::new(
            "progress",
            format!("/works/{id}/progress"),
            t.t("grant.add_progress"),
            vec![
                Field::date(
                    "on",
                    t.t("field.on"),
                    match filled("progress", "on") {
                        s if s.is_empty() => today().to_string(),
                        s => s,
                    },
                )
                .required(),
                Field::text("percent", t.t("field.percent"), filled("progress", "percent")).required(),
                Field::text("note", t.t("field.note"), filled("progress", "note")),
                Field::file("file", t.t("grant.photo"), "image/*"),
            ],
        ));
    }
    pg.sections.push(pr);
    // Handover and maintenance.
    if wk.keeper_group_id.is_none() {
        let mut ho = Section { id: "handovers".into(), title: t.t("grant.handover").into(), ..Default::default() };
        if keeper && wk.progress_pct == 100 {
            let keeper_field = crate::kit::refs::record_field(
                state,
                auth,
                "group",
                "keeper_group_id",
                t.t("field.keeper_group_id"),
                &filled("handover", "keeper_group_id"),
            )
            .await;
            ho.form = Some(
                Form::new(
                    "handover",
                    format!("/works/{id}/handover"),
                    t.t("grant.hand_over"),
                    vec![
                        keeper_field.required(),
                        Field::date("on", t.t("field.on"), filled("handover", "on")).required(),
                        Field::text(
                            "maintain_every_days",
                            t.t("field.maintain_every_days"),
                            filled("handover", "maintain_every_days"),
                        )
                        .hint(t.t("grant.every_hint")),
                    ],
                )
                .hidden("version", wk.version.to_string()),
            );
        } else {
            ho.links = Vec::new();
            ho.table = Some(Table {
                headers: Vec::new(),
                sorts: Vec::new(),
                rows: Vec::new(),
                empty: t.t("grant.handover_after").into(),
            });
        }
        pg.sections.push(ho);
    } else {
        let upkeep = state.store().upkeep_of(id).await?;
        let rows = upkeep
            .iter()
            .map(|u| {
                vec![
                    Cell::text(u.done_on.to_string()),
                    Cell::text(u.condition.label(lang.code())),
                    Cell::text(rp(u.cost_rp)),
                    Cell::text(u.note.clone().unwrap_or_default()),
                ]
            })
            .collect();
        let mut mt = Section::table(
            t,
            "maintenances",
            t.t("grant.maintenance"),
            &["field.done_on", "field.condition", "field.cost", "field.note"],
            rows,
            t.t("grant.no_maintenance"),
        );
        let may = wk.keeper_group_id.is_some_and(|k| keeps(auth, k)) || keeper;
        if may {
            mt.form = Some(Form::new(
                "maintenance",
                format!("/works/{id}/maintenance"),
                t.t("grant.add_maintenance"),
                vec![
                    Field::date("done_on", t.t("field.done_on"), filled("maintenance", "done_on")).required(),
                    Field::select(
                        "condition",
                        t.t("field.condition"),
                        &filled("maintenance", "condition"),
                        vocabulary(WorkCondition::ALL, WorkCondition::code, WorkCondition::label, lang),
                        Some(t.t("common.choose")),
                    )
                    .required(),
                    Field::text("cost", t.t("field.cost"), filled("maintenance", "cost")),
                    Field::text("note", t.t("field.note"), filled("maintenance", "note")),
                ],
            ));
        }
        pg.sections.push(mt);
    }
    Ok(pg)
}

async fn work_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = work_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn work_answer(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    which: &str,
    form: &FormData,
    result: Result<(), Error>,
) -> Result<Response, Error> {
    let to = result.map(|()| format!("/works/{id}#{which}s"));
    super::answer(lang, to, &format!("{which}s"), || work_view(state, auth, lang, id, Some((which, form)))).await
}

async fn spending_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Error> {
    writable_work(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let upload = match Upload::read(multipart, ATTACHMENT_LIMIT_MB).await {
        Ok(u) => u,
        Err(e) => return work_answer(&state, &auth, lang, id, "spending", &FormData::default(), Err(e)).await,
    };
    let form = upload.form.clone();
    let result = async {
        let file = super::attachment_of(&upload, "work_spending")?;
        let d = SpendingDraft {
            spent_on: form.get("spent_on"),
            item: form.get("item"),
            amount: form.get("amount"),
            override_reason: form.opt("override_reason"),
        };
        let sid = add_spending(&state, &auth, id, &d).await?;
        attach(&state, file, sid).await
    }
    .await;
    work_answer(&state, &auth, lang, id, "spending", &form, result).await
}

async fn progress_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Error> {
    writable_work(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let upload = match Upload::read(multipart, ATTACHMENT_LIMIT_MB).await {
        Ok(u) => u,
        Err(e) => return work_answer(&state, &auth, lang, id, "progress", &FormData::default(), Err(e)).await,
    };
    let form = upload.form.clone();
    let result = async {
        let file = super::attachment_of(&upload, "work_progress")?;
        let d = ProgressDraft { on: form.get("on"), percent: form.get("percent"), note: form.opt("note") };
        let p = state.store().add_progress(id, &d.parse(today())?).await?;
        attach(&state, file, p.id).await
    }
    .await;
    work_answer(&state, &auth, lang, id, "progress", &form, result).await
}

async fn handover_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let d = HandoverDraft {
        keeper_group_id: form.get("keeper_group_id"),
        on: form.get("on"),
        maintain_every_days: form.opt("maintain_every_days"),
    };
    let result = hand_over(&state, &auth, id, &d, form.version().unwrap_or(0)).await;
    work_answer(&state, &auth, lang, id, "handover", &form, result).await
}

async fn upkeep_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let d = UpkeepDraft {
        done_on: form.get("done_on"),
        cost: form.opt("cost"),
        condition: form.get("condition"),
        note: form.opt("note"),
    };
    let result = add_upkeep(&state, &auth, id, &d).await;
    work_answer(&state, &auth, lang, id, "maintenance", &form, result).await
}

async fn reverse_form(state: &AppState, auth: &Auth, lang: Lang, id: Id) -> Result<(SpendingRow, Link), Error> {
    let s = state.store().spending(id).await?;
    writable_work(state, auth, s.spending.work_id)
        .await
        .map_err(|e| if e.status() == StatusCode::NOT_FOUND { hidden("spending") } else { e })?;
    let back = Link::new(s.work_name.clone(), format!("/works/{}#spendings", s.spending.work_id));
    let _ = lang;
    Ok((s, back))
}

async fn reverse_get(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (s, back) = reverse_form(&state, &auth, lang, id).await.map_err(|e| e.page(lang))?;
    let what = format!("{} {} ({})", s.spending.item, rp(s.spending.amount_rp), s.spending.spent_on);
    Ok(crate::html::render(&super::reversal_page(lang, &what, back, format!("/spending/{id}/reverse"), None)))
}

async fn reverse_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let (s, back) = reverse_form(&state, &auth, lang, id).await.map_err(|e| e.page(lang))?;
    let result = async {
        let (reason, on) = super::reversal_of(&form)?;
        reverse_spending(&state, &auth, id, &reason, on).await
    }
    .await;
    match result {
        Ok(work) => Ok(Redirect::to(&format!("/works/{work}#spendings")).into_response()),
        Err(e) if e.status().is_server_error() || e.status() == StatusCode::FORBIDDEN => Err(e.page(lang)),
        Err(e) => {
            let what = format!("{} {} ({})", s.spending.item, rp(s.spending.amount_rp), s.spending.spent_on);
            let mut pg = super::reversal_page(lang, &what, back, format!("/spending/{id}/reverse"), Some(&form));
            let status = pg.form.show_error(lang.tr(), &e);
            Ok(crate::html::render_with(status, &pg))
        }
    }
}

// --- XLSX -------------------------------------------------------------------------------------

async fn grant_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let go = async {
        readable(&state, &auth, id).await?;
        let t = lang.tr();
        let r = state.store().grant_report(id).await?;
        let spending = state.store().spending_of(id, None).await?;
        let units = SheetTable {
            name: t.t("grant.units").into(),
            headers: ["field.name", "grant.allocated", "field.budget", "grant.spent", "grant.swadaya"]
                .iter()
                .map(|k| t.t(k).to_string())
                .collect(),
            rows: r
                .units
                .iter()
                .map(|(u, x)| {
                    vec![tc(u.name.clone()), nc(u.amount_rp), nc(x.budget_rp), nc(x.spent_rp), nc(x.swadaya_rp)]
                })
                .collect(),
        };
        let works = SheetTable {
            name: t.t("grant.works").into(),
            headers: [
                "field.name",
                "grant.unit",
                "field.kind",
                "field.volume",
                "field.volume_unit",
                "field.budget",
                "grant.spent",
                "field.swadaya_cash",
                "field.swadaya_labour",
                "grant.progress",
            ]
            .iter()
            .map(|k| t.t(k).to_string())
            .collect(),
            rows: r
                .works
                .iter()
                .map(|(w, x)| {
                    vec![
                        tc(w.work.name.clone()),
                        tc(w.unit_name.clone()),
                        tc(w.work.kind.label(lang.code())),
                        tc(format_milli(w.work.volume_milli)),
                        tc(w.work.volume_unit.clone()),
                        nc(x.budget_rp),
                        nc(x.spent_rp),
                        nc(w.work.swadaya_cash_rp),
                        nc(w.work.swadaya_labour_rp),
                        nc(i64::from(w.work.progress_pct)),
                    ]
                })
                .collect(),
        };
        let spend = SheetTable {
            name: t.t("grant.spending").into(),
            headers: [
                "field.spent_on",
                "field.work",
                "field.item",
                "field.amount",
                "field.override_reason",
                "grant.recorded_by",
            ]
            .iter()
            .map(|k| t.t(k).to_string())
            .collect(),
            rows: spending
                .iter()
                .map(|s| {
                    vec![
                        tc(s.spending.spent_on.to_string()),
                        tc(s.work_name.clone()),
                        tc(s.spending.item.clone()),
                        nc(s.spending.amount_rp),
                        tc(s.spending.override_reason.clone().unwrap_or_default()),
                        tc(s.spending.recorded_by.clone()),
                    ]
                })
                .collect(),
        };
        let tranches = SheetTable {
            name: t.t("grant.tranches").into(),
            headers: ["grant.seq", "field.amount", "field.planned_on", "field.status"]
                .iter()
                .map(|k| t.t(k).to_string())
                .collect(),
            rows: r
                .tranches
                .iter()
                .map(|x| {
                    vec![
                        nc(i64::from(x.seq)),
                        nc(x.amount_rp),
                        tc(x.planned_on.to_string()),
                        tc(tranche_status(lang, x)),
                    ]
                })
                .collect(),
        };
        xlsx(&format!("hibah-{id}.xlsx"), &[units, works, spend, tranches])
    };
    go.await.map_err(|e| e.page(lang))
}

use berdaya_files::tables::SheetTable;
