//! Input aid over HTTP: members' land, the dose table and cap rule, season plans with plan
//! vs received, distributions (an over-distribution needs an officer's override with a
//! reason), the program's aid page, the group page's panels and the XLSX export.
//!
//! Access: reading needs a role that reads programs, the plan's program in the caller's area
//! and its group in their area (a group officer: their own group); evaluators see members
//! under pseudonyms. Plans and distributions are written by administrators and the program
//! officers of the program's agency; so is an override (a separate check, same roles). Land
//! is written by whoever may change the person. Items, doses and the cap rule are written by
//! administrators and program officers. Every id a request carries is resolved through the
//! caller's scope; out of scope answers exactly like a missing record.

use axum::extract::{Query as UriQuery, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use berdaya_domain::access::Role;
use berdaya_domain::access::deidentify::Pseudonymizer;
use berdaya_domain::agriculture::aid::{
    BaseUnit, CapRuleDraft, Crop, Distribution, DistributionDraft, Dose, DoseDraft, Item, ItemDraft, Land, LandDraft,
    Plan, PlanDraft, PlanLine, PlanVsReceived, show_amount, show_area,
};
use berdaya_domain::registry::{Group, Id, Program, text};
use berdaya_files::tables::{SheetTable, TableCell};
use berdaya_store::agriculture::aid::AidSummaryRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::access::guard::{Auth, hidden, missing_reference};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody};
use crate::html::{Cell, Field, Form, Layout, Link, Section, Table, ViewPage, render, render_with, vocabulary};
use crate::i18n::Lang;
use crate::registry::programs::readable_program;
use crate::registry::{created, crumbs, iso};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/aid/items", get(list_items).post(create_item))
        .route("/api/v1/aid/doses", get(list_doses).post(create_dose))
        .route("/api/v1/aid/doses/{id}", put(update_dose))
        .route("/api/v1/aid/rule", get(show_rule).put(update_rule))
        .route("/api/v1/people/{id}/land", get(person_land).post(add_land))
        .route("/api/v1/land/{id}", put(update_land).delete(remove_land))
        .route("/api/v1/aid/plans", get(list_plans).post(create_plan))
        .route("/api/v1/aid/plans/{id}", get(show_plan))
        .route("/api/v1/aid/plans/{id}/recompute", post(recompute_plan))
        .route("/api/v1/aid/plans/{id}/distributions", get(list_distributions).post(add_distribution))
        .route("/api/v1/programs/{id}/aid", get(program_summary))
        .route("/programs/{id}/aid", get(program_page).post(create_plan_page))
        .route("/aid/plans/{id}", get(plan_page))
        .route("/aid/plans/{id}/distributions", post(add_distribution_page))
        .route("/aid/plans/{id}/recompute", post(recompute_page))
        .route("/aid/plans/{id}/export.xlsx", get(plan_xlsx))
        .route("/aid/doses", get(doses_page).post(add_dose_page))
        .route("/groups/{id}/land", post(add_land_page))
}

/// The OpenAPI paths and schemas of input aid, merged into the document in `openapi.rs`.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_items, create_item, list_doses, create_dose, update_dose, show_rule, update_rule, person_land, add_land,
        update_land, remove_land, list_plans, create_plan, show_plan, recompute_plan, list_distributions,
        add_distribution, program_summary
    ),
    components(schemas(
        ItemDto, DoseDto, RuleDto, LandDto, PlanDto, PlanLineDto, PlanVsReceivedDto, PlanDetailDto, DistributionDto,
        AidSummaryDto, ItemInput, DoseInput, CapRuleInput, LandInput, PlanInput, DistributionInput
    )),
    tags((name = "aid", description = "Input aid: land, dose table, season plans, distributions"))
)]
pub struct AidApi;

// --- DTOs ------------------------------------------------------------------------------------

/// An input item; quantities of it are whole numbers of its `unit` (`g`, `ml` or `piece`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `seed`, `seedling`, `fertilizer`, `pesticide` or `other`.
    pub kind: String,
    pub unit: String,
    pub version: i64,
}

impl From<Item> for ItemDto {
    fn from(i: Item) -> Self {
        ItemDto {
            id: i.id,
            code: i.code,
            name: i.name,
            kind: i.kind.code().into(),
            unit: i.unit.code().into(),
            version: i.version,
        }
    }
}

/// A row of the dose table: `per_ha` of the item's unit per hectare of `crop`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DoseDto {
    pub id: i64,
    pub crop: String,
    pub item_id: i64,
    pub item_name: String,
    pub unit: String,
    pub per_ha: i64,
    pub source: Option<String>,
    pub version: i64,
}

impl From<Dose> for DoseDto {
    fn from(d: Dose) -> Self {
        DoseDto {
            id: d.id,
            crop: d.crop.code().into(),
            item_id: d.item_id,
            item_name: d.item_name,
            unit: d.unit.code().into(),
            per_ha: d.per_ha,
            source: d.source,
            version: d.version,
        }
    }
}

/// The cap rule: land counts up to `cap_m2`; `over_cap` is `truncate` (the part over the cap
/// is not counted) or `exclude` (members above the cap get nothing).
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleDto {
    pub cap_m2: i64,
    pub over_cap: String,
    pub version: i64,
}

/// A change of the cap rule: `cap` in m² or ha (`2 ha`), `over_cap`, and the `version` read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CapRuleInput {
    pub cap: String,
    pub over_cap: String,
    pub version: i64,
}

/// A member's land under one crop, in whole m².
#[derive(Debug, Serialize, ToSchema)]
pub struct LandDto {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub crop: String,
    pub area_m2: i64,
    pub note: Option<String>,
    pub version: i64,
}

impl From<Land> for LandDto {
    fn from(l: Land) -> Self {
        LandDto {
            id: l.id,
            person_id: l.person_id,
            person_name: l.person_name,
            crop: l.crop.code().into(),
            area_m2: l.area_m2,
            note: l.note,
            version: l.version,
        }
    }
}

/// A season plan of a group in a program, with the cap rule it was computed with.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDto {
    pub id: i64,
    pub program_id: i64,
    pub group_id: i64,
    pub group_name: String,
    /// `MT1 2023`.
    pub season: String,
    pub crops: Vec<String>,
    pub cap_m2: i64,
    pub over_cap: String,
    pub computed_by_name: String,
    pub computed_at: String,
    pub version: i64,
}

impl From<Plan> for PlanDto {
    fn from(p: Plan) -> Self {
        PlanDto {
            id: p.id,
            program_id: p.program_id,
            group_id: p.group_id,
            group_name: p.group_name,
            season: p.season.code(),
            crops: p.crops.iter().map(|c| c.code().to_string()).collect(),
            cap_m2: p.rule.cap_m2,
            over_cap: p.rule.over_cap.code().into(),
            computed_by_name: p.computed_by_name,
            computed_at: p.computed_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            version: p.version,
        }
    }
}

/// One line of a plan: `quantity = floor(eligible_m2 × per_ha / 10 000)` of the item's unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanLineDto {
    pub person_id: i64,
    pub person_name: String,
    pub crop: String,
    pub item_id: i64,
    pub item_name: String,
    pub unit: String,
    pub eligible_m2: i64,
    pub per_ha: i64,
    pub quantity: i64,
}

/// Planned against received of one item, for a member (or the whole plan when `person_id`
/// is absent).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanVsReceivedDto {
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub item_id: i64,
    pub item_name: String,
    pub unit: String,
    pub planned: i64,
    pub received: i64,
    pub outstanding: i64,
}

/// A plan with its lines, per-member and total planned against received.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDetailDto {
    pub plan: PlanDto,
    pub lines: Vec<PlanLineDto>,
    pub members: Vec<PlanVsReceivedDto>,
    pub totals: Vec<PlanVsReceivedDto>,
}

/// Aid handed to a member against a plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistributionDto {
    pub id: i64,
    pub plan_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub item_id: i64,
    pub item_name: String,
    pub unit: String,
    pub quantity: i64,
    pub given_on: String,
    pub received_by_person_id: Option<i64>,
    pub received_by_name: Option<String>,
    pub note: Option<String>,
    pub override_reason: Option<String>,
    pub recorded_by_name: String,
}

/// Planned and received totals of one item in one season of a program.
#[derive(Debug, Serialize, ToSchema)]
pub struct AidSummaryDto {
    pub season: String,
    pub item_id: i64,
    pub item_name: String,
    pub unit: String,
    pub planned: i64,
    pub received: i64,
}

impl From<AidSummaryRow> for AidSummaryDto {
    fn from(r: AidSummaryRow) -> Self {
        AidSummaryDto {
            season: r.season.code(),
            item_id: r.item_id,
            item_name: r.item_name,
            unit: r.unit.code().into(),
            planned: r.planned,
            received: r.received,
        }
    }
}

/// A new input item.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ItemInput {
    /// Lower-case letters, digits, `_` and `-`.
    code: String,
    name: String,
    /// `seed`, `seedling`, `fertilizer`, `pesticide` or `other`.
    kind: String,
    /// `g`, `ml` or `piece` (kg and litre are ways of writing g and ml).
    unit: String,
}

/// A dose: `per_ha` with its unit (`250 kg`), or the number with `unit` apart; `version`
/// when changing one.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct DoseInput {
    crop: String,
    item_id: i64,
    per_ha: String,
    unit: Option<String>,
    source: Option<String>,
    version: Option<i64>,
}

/// Land under a crop: `land_area` in m² (`2500`) or ha (`0,25 ha`); `version` when changing.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct LandInput {
    /// Taken from the path when adding.
    person_id: Option<i64>,
    /// `rice`, `maize`, `soybean`, `chilli`, `shallot`, `garlic`, `sugarcane`, `cocoa`,
    /// `coffee`, `dragon_fruit` or `other`.
    crop: String,
    land_area: String,
    note: Option<String>,
    version: Option<i64>,
}

/// A season plan to compute: crops in the order the 2 ha cap is filled.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PlanInput {
    program_id: i64,
    group_id: i64,
    /// `MT1 2023`, `MT2 2023`, `MT3 2023`.
    season: String,
    crops: Vec<String>,
}

/// A distribution: `quantity` with its unit (`25 kg`, `1,5 l`, `40 bibit`) or `unit` apart;
/// who received it (`received_by_person_id` or `received_by_name`); `override_reason` lets an
/// officer exceed the plan.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct DistributionInput {
    person_id: i64,
    item_id: i64,
    quantity: String,
    unit: Option<String>,
    /// `YYYY-MM-DD`.
    given_on: String,
    received_by_person_id: Option<i64>,
    received_by_name: Option<String>,
    note: Option<String>,
    override_reason: Option<String>,
}

// --- Access --------------------------------------------------------------------------------------

/// Names as the caller may see them: evaluators see pseudonyms.
struct Names(Option<Pseudonymizer>);

impl Names {
    async fn for_caller(state: &AppState, auth: &Auth) -> Result<Names, Error> {
        Ok(Names(if auth.role() == Role::Evaluator {
            Some(crate::registry::export::pseudonymizer(state).await?)
        } else {
            None
        }))
    }

    fn person(&self, id: Id, name: String) -> String {
        match &self.0 {
            Some(p) => p.pseudonym('P', id),
            None => name,
        }
    }
}

fn vs_dto(v: PlanVsReceived, names: &Names) -> PlanVsReceivedDto {
    let outstanding = v.outstanding();
    PlanVsReceivedDto {
        person_id: if names.0.is_some() { None } else { v.person_id },
        person_name: match (v.person_id, v.person_name) {
            (Some(id), Some(n)) => Some(names.person(id, n)),
            _ => None,
        },
        item_id: v.item_id,
        item_name: v.item_name,
        unit: v.unit.code().into(),
        planned: v.planned,
        received: v.received,
        outstanding,
    }
}

fn dist_dto(d: Distribution, names: &Names) -> DistributionDto {
    let hide = names.0.is_some();
    DistributionDto {
        id: d.id,
        plan_id: d.plan_id,
        person_id: if hide { 0 } else { d.person_id },
        person_name: names.person(d.person_id, d.person_name),
        item_id: d.item_id,
        item_name: d.item_name,
        unit: d.unit.code().into(),
        quantity: d.quantity,
        given_on: iso(d.given_on),
        received_by_person_id: if hide { None } else { d.received_by_person_id },
        received_by_name: if hide { None } else { d.received_by_name },
        note: d.note,
        override_reason: d.override_reason,
        recorded_by_name: d.recorded_by_name,
    }
}

fn line_dto(l: PlanLine, names: &Names) -> PlanLineDto {
    PlanLineDto {
        person_id: if names.0.is_some() { 0 } else { l.person_id },
        person_name: names.person(l.person_id, l.person_name),
        crop: l.crop.code().into(),
        item_id: l.item_id,
        item_name: l.item_name,
        unit: l.unit.code().into(),
        eligible_m2: l.eligible_m2,
        per_ha: l.per_ha,
        quantity: l.quantity,
    }
}

/// Whether the caller sees a group's aid: in their area, and their own group for a group
/// officer.
fn group_visible(auth: &Auth, g: &Group) -> bool {
    auth.in_area(&g.region) && (auth.role() != Role::GroupOfficer || auth.principal().user.group_id == Some(g.id))
}

/// Whether the caller edits the dose table, items and the cap rule.
fn edits_table(auth: &Auth) -> bool {
    matches!(auth.role(), Role::Administrator | Role::ProgramOfficer)
}

/// Whether the caller writes plans and distributions of `program`.
fn manages(auth: &Auth, program: &Program) -> bool {
    auth.principal().manages_program(program.agency_id)
}

/// Whether the caller may let a distribution exceed the plan (with a reason): a separate
/// permission, held by the same roles as writing distributions.
fn may_override(auth: &Auth, program: &Program) -> bool {
    auth.principal().manages_program(program.agency_id)
}

/// A plan the caller may read, with its program and group; out of scope reads as missing.
async fn readable_plan(state: &AppState, auth: &Auth, id: Id) -> Result<(Plan, Program, Group), Error> {
    auth.require(auth.principal().reads_programs())?;
    let plan = state.store().aid_plan(id).await?;
    let program = readable_program(state, auth, plan.program_id).await.map_err(|_| hidden("plan"))?;
    let group = state.store().group(plan.group_id).await?;
    if !group_visible(auth, &group) {
        return Err(hidden("plan"));
    }
    Ok((plan, program, group))
}

/// A plan the caller may write to.
async fn writable_plan(state: &AppState, auth: &Auth, id: Id) -> Result<(Plan, Program, Group), Error> {
    let (plan, program, group) = readable_plan(state, auth, id).await?;
    auth.require(manages(auth, &program))?;
    Ok((plan, program, group))
}

/// An item named by `item_id` in a request.
async fn item_ref(state: &AppState, id: Id) -> Result<Item, Error> {
    state.store().aid_item(id).await.map_err(|_| missing_reference("item_id", "item", id))
}

/// A program named by `program_id` in a request, readable and managed by the caller.
async fn program_ref(state: &AppState, auth: &Auth, id: Id) -> Result<Program, Error> {
    let program = readable_program(state, auth, id).await.map_err(|e| match e.status() {
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN => missing_reference("program_id", "program", id),
        _ => e,
    })?;
    if !manages(auth, &program) {
        return Err(Error::unprocessable("program_id", "you may manage only the programs of your own agency"));
    }
    Ok(program)
}

// --- API: items, doses, rule -------------------------------------------------------------------

/// The input items.
#[utoipa::path(get, path = "/api/v1/aid/items", tag = "aid", responses((status = 200, body = [ItemDto])))]
pub async fn list_items(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<ItemDto>>, Error> {
    auth.require(auth.principal().reads_programs())?;
    Ok(Json(state.store().aid_items().await?.into_iter().map(ItemDto::from).collect()))
}

/// Adds an input item (administrators and program officers); its code is unique.
#[utoipa::path(post, path = "/api/v1/aid/items", tag = "aid", request_body = ItemInput,
    responses((status = 201, body = ItemDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_item(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(edits_table(&auth))?;
    let draft: ItemDraft = body.draft(&[])?;
    let item = state.store().create_aid_item(&draft.parse()?).await?;
    Ok(created(ItemDto::from(item)))
}

/// The dose table, by crop then item.
#[utoipa::path(get, path = "/api/v1/aid/doses", tag = "aid", responses((status = 200, body = [DoseDto])))]
pub async fn list_doses(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<DoseDto>>, Error> {
    auth.require(auth.principal().reads_programs())?;
    Ok(Json(state.store().aid_doses().await?.into_iter().map(DoseDto::from).collect()))
}

async fn parse_dose(state: &AppState, draft: &DoseDraft) -> Result<berdaya_domain::agriculture::aid::NewDose, Error> {
    let item = item_ref(state, draft.item()?).await?;
    Ok(draft.parse(item.unit)?)
}

/// Adds a dose: `per_ha` with its unit (`250 kg`), one row per crop and item.
#[utoipa::path(post, path = "/api/v1/aid/doses", tag = "aid", request_body = DoseInput,
    responses((status = 201, body = DoseDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_dose(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(edits_table(&auth))?;
    let draft: DoseDraft = body.draft(&["item_id"])?;
    let new = parse_dose(&state, &draft).await?;
    Ok(created(DoseDto::from(state.store().create_aid_dose(&new).await?)))
}

/// Changes a dose; `version` must be the one read, else 409.
#[utoipa::path(put, path = "/api/v1/aid/doses/{id}", tag = "aid", request_body = DoseInput, params(("id" = i64, Path, description = "Dose id")),
    responses((status = 200, body = DoseDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_dose(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<DoseDto>, Error> {
    auth.require(edits_table(&auth))?;
    let version = body.version()?;
    let draft: DoseDraft = body.draft(&["item_id"])?;
    let new = parse_dose(&state, &draft).await?;
    Ok(Json(DoseDto::from(state.store().update_aid_dose(id, &new, version).await?)))
}

/// The cap rule in force.
#[utoipa::path(get, path = "/api/v1/aid/rule", tag = "aid", responses((status = 200, body = RuleDto)))]
pub async fn show_rule(State(state): State<AppState>, auth: Auth) -> Result<Json<RuleDto>, Error> {
    auth.require(auth.principal().reads_programs())?;
    let (rule, version) = state.store().aid_rule().await?;
    Ok(Json(RuleDto { cap_m2: rule.cap_m2, over_cap: rule.over_cap.code().into(), version }))
}

/// Changes the cap rule (administrators and program officers); plans computed before keep
/// the rule they were computed with.
#[utoipa::path(put, path = "/api/v1/aid/rule", tag = "aid", request_body = CapRuleInput,
    responses((status = 200, body = RuleDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_rule(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Json<RuleDto>, Error> {
    auth.require(edits_table(&auth))?;
    let version = body.version()?;
    let draft: CapRuleDraft = body.draft(&[])?;
    let (rule, version) = state.store().set_aid_rule(&draft.parse()?, version).await?;
    Ok(Json(RuleDto { cap_m2: rule.cap_m2, over_cap: rule.over_cap.code().into(), version }))
}

// --- API: land -----------------------------------------------------------------------------------

/// A person's land, by crop.
#[utoipa::path(get, path = "/api/v1/people/{id}/land", tag = "aid", params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = [LandDto]), (status = 404, body = ErrorBody)))]
pub async fn person_land(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<LandDto>>, Error> {
    auth.readable_person(state.store(), id).await?;
    Ok(Json(state.store().person_land(id).await?.into_iter().map(LandDto::from).collect()))
}

/// Registers a person's land under a crop: `land_area` in m² or ha (`0,25 ha`).
#[utoipa::path(post, path = "/api/v1/people/{id}/land", tag = "aid", params(("id" = i64, Path, description = "Person id")),
    request_body = LandInput, responses((status = 201, body = LandDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_land(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    auth.editable_person(state.store(), id).await?;
    let body = body.with("person_id", &id.to_string())?;
    let draft: LandDraft = body.draft(&[])?;
    let land = state.store().add_land(&draft.parse()?).await?;
    Ok(created(LandDto::from(land)))
}

/// A parcel the caller may change (through its person).
async fn editable_land(state: &AppState, auth: &Auth, id: Id) -> Result<Land, Error> {
    let land = state.store().land(id).await?;
    auth.editable_person(state.store(), land.person_id).await.map_err(|e| match e.status() {
        StatusCode::NOT_FOUND => hidden("land"),
        _ => e,
    })?;
    Ok(land)
}

/// Changes a parcel; `version` must be the one read, else 409.
#[utoipa::path(put, path = "/api/v1/land/{id}", tag = "aid", params(("id" = i64, Path, description = "Land id")),
    request_body = LandInput, responses((status = 200, body = LandDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_land(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<LandDto>, Error> {
    let land = editable_land(&state, &auth, id).await?;
    let version = body.version()?;
    let draft: LandDraft = body.draft(&["person_id"])?;
    let new = draft.parse()?;
    if new.person_id != land.person_id {
        auth.editable_person(state.store(), new.person_id)
            .await
            .map_err(|_| missing_reference("person_id", "person", new.person_id))?;
    }
    Ok(Json(LandDto::from(state.store().update_land(id, &new, version).await?)))
}

/// Removes a parcel; the audit log keeps it.
#[utoipa::path(delete, path = "/api/v1/land/{id}", tag = "aid", params(("id" = i64, Path, description = "Land id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_land(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Response, Error> {
    editable_land(&state, &auth, id).await?;
    state.store().remove_land(id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// --- API: plans and distributions --------------------------------------------------------------

/// Which plans to list: those of a program or of a group.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanParams {
    /// The program's plans.
    pub program_id: Option<String>,
    /// The group's plans.
    pub group_id: Option<String>,
}

/// The plans of a program or a group the caller may read, newest season first.
#[utoipa::path(get, path = "/api/v1/aid/plans", tag = "aid", params(PlanParams),
    responses((status = 200, body = [PlanDto]), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_plans(
    State(state): State<AppState>,
    auth: Auth,
    UriQuery(params): UriQuery<PlanParams>,
) -> Result<Json<Vec<PlanDto>>, Error> {
    auth.require(auth.principal().reads_programs())?;
    let id = |raw: &str, field: &str| text::id(raw).map_err(|m| Error::bad_request(field, m));
    let plans = match (params.program_id.as_deref(), params.group_id.as_deref()) {
        (Some(p), None) => {
            let p = id(p, "program_id")?;
            readable_program(&state, &auth, p).await.map_err(|_| missing_reference("program_id", "program", p))?;
            state.store().program_aid_plans(p).await?
        }
        (None, Some(g)) => {
            let g = id(g, "group_id")?;
            let group = state.store().group(g).await.map_err(|_| missing_reference("group_id", "group", g))?;
            if !group_visible(&auth, &group) {
                return Err(missing_reference("group_id", "group", g));
            }
            state.store().group_aid_plans(g).await?
        }
        _ => return Err(Error::bad_request("program_id", "give either program_id or group_id")),
    };
    let mut out = Vec::new();
    for plan in plans {
        // Plans of a program list only groups the caller sees, and of programs in their area.
        let group = state.store().group(plan.group_id).await?;
        let program = state.store().program(plan.program_id).await?;
        if group_visible(&auth, &group) && auth.program_in_area(&program) {
            out.push(PlanDto::from(plan));
        }
    }
    Ok(Json(out))
}

/// Computes a group's season plan from its members' land (under `crops`), the dose table and
/// the cap rule; the group must be enrolled in the program.
#[utoipa::path(post, path = "/api/v1/aid/plans", tag = "aid", request_body = PlanInput,
    responses((status = 201, body = PlanDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_plan(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    let draft: PlanDraft = body.draft(&["program_id", "group_id"])?;
    let plan = make_plan(&state, &auth, &draft).await?;
    Ok(created(PlanDto::from(plan)))
}

async fn make_plan(state: &AppState, auth: &Auth, draft: &PlanDraft) -> Result<Plan, Error> {
    auth.require(auth.principal().reads_programs() && edits_table(auth))?;
    let new = draft.parse()?;
    program_ref(state, auth, new.program_id).await?;
    let group = auth.group_ref(state.store(), "group_id", new.group_id).await?;
    if !group_visible(auth, &group) {
        return Err(missing_reference("group_id", "group", new.group_id));
    }
    Ok(state.store().create_aid_plan(&new).await?)
}

/// A plan with its lines and planned against received, per member and in total.
#[utoipa::path(get, path = "/api/v1/aid/plans/{id}", tag = "aid", params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = PlanDetailDto), (status = 404, body = ErrorBody)))]
pub async fn show_plan(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<PlanDetailDto>, Error> {
    let (plan, _, _) = readable_plan(&state, &auth, id).await?;
    let names = Names::for_caller(&state, &auth).await?;
    let store = state.store();
    let lines = store.aid_plan_lines(id).await?.into_iter().map(|l| line_dto(l, &names)).collect();
    let members = store.aid_plan_vs_received(id).await?;
    let totals = totals_of(&members).into_iter().map(|v| vs_dto(v, &names)).collect();
    let members = members.into_iter().map(|v| vs_dto(v, &names)).collect();
    Ok(Json(PlanDetailDto { plan: plan.into(), lines, members, totals }))
}

/// Totals per item of per-member rows.
fn totals_of(rows: &[PlanVsReceived]) -> Vec<PlanVsReceived> {
    let mut out: Vec<PlanVsReceived> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|t| t.item_id == r.item_id) {
            Some(t) => {
                t.planned += r.planned;
                t.received += r.received;
            }
            None => out.push(PlanVsReceived { person_id: None, person_name: None, ..r.clone() }),
        }
    }
    out.sort_by_key(|t| t.item_id);
    out
}

/// Computes a plan again from today's land and doses; refused once anything was distributed.
#[utoipa::path(post, path = "/api/v1/aid/plans/{id}/recompute", tag = "aid", params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = PlanDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recompute_plan(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<PlanDto>, Error> {
    writable_plan(&state, &auth, id).await?;
    Ok(Json(state.store().recompute_aid_plan(id).await?.into()))
}

/// A plan's distributions, by date.
#[utoipa::path(get, path = "/api/v1/aid/plans/{id}/distributions", tag = "aid", params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = [DistributionDto]), (status = 404, body = ErrorBody)))]
pub async fn list_distributions(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<DistributionDto>>, Error> {
    readable_plan(&state, &auth, id).await?;
    let names = Names::for_caller(&state, &auth).await?;
    Ok(Json(state.store().aid_distributions(id).await?.into_iter().map(|d| dist_dto(d, &names)).collect()))
}

/// Records aid handed to a member: `quantity` with its unit (`25 kg`, or `unit` apart),
/// refused past the member's plan line unless `override_reason` is given by an officer.
#[utoipa::path(post, path = "/api/v1/aid/plans/{id}/distributions", tag = "aid", params(("id" = i64, Path, description = "Plan id")),
    request_body = DistributionInput,
    responses((status = 201, body = DistributionDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_distribution(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let draft: DistributionDraft = body.draft(&["person_id", "item_id", "received_by_person_id"])?;
    let d = distribute(&state, &auth, id, &draft).await?;
    Ok(created(dist_dto(d, &Names(None))))
}

async fn distribute(
    state: &AppState,
    auth: &Auth,
    plan_id: Id,
    draft: &DistributionDraft,
) -> Result<Distribution, Error> {
    let (_, program, _) = writable_plan(state, auth, plan_id).await?;
    let item = item_ref(state, draft.item()?).await?;
    let new = draft.parse(item.unit)?;
    auth.person_ref(state.store(), "person_id", new.person_id).await?;
    if let Some(r) = new.received_by_person_id {
        auth.person_ref(state.store(), "received_by_person_id", r).await?;
    }
    if new.override_reason.is_some() && !may_override(auth, &program) {
        return Err(Error::unprocessable(
            "override_reason",
            "only an officer of the program's agency may override the plan",
        ));
    }
    Ok(state.store().add_aid_distribution(plan_id, &new).await?)
}

/// Planned and received totals per season and item of a program's plans (the dashboard's
/// figures).
#[utoipa::path(get, path = "/api/v1/programs/{id}/aid", tag = "aid", params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [AidSummaryDto]), (status = 404, body = ErrorBody)))]
pub async fn program_summary(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<AidSummaryDto>>, Error> {
    readable_program(&state, &auth, id).await?;
    Ok(Json(state.store().aid_summary(id).await?.into_iter().map(AidSummaryDto::from).collect()))
}

/// The source the migration gives its shipped dose rows.
const DEFAULT_SOURCE: &str = "default, edit to your agency's table";

// --- Pages ---------------------------------------------------------------------------------------

fn amount(n: i64, unit: BaseUnit, lang: Lang) -> String {
    show_amount(n, unit, lang.code())
}

fn page(lang: Lang, title: String, section: &'static str, breadcrumbs: Vec<Link>, sections: Vec<Section>) -> ViewPage {
    ViewPage {
        l: Layout::new(lang, title.clone(), section),
        heading: title,
        breadcrumbs,
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: Vec::new(),
        sections,
    }
}

/// The program page's link to its aid.
pub fn program_section(lang: Lang, program_id: Id) -> Section {
    let t = lang.tr();
    Section {
        id: "agriculture".into(),
        title: t.t("aid.section").into(),
        links: vec![Link::new(t.t("aid.plans"), format!("/programs/{program_id}/aid"))],
        ..Default::default()
    }
}

fn plan_table(lang: Lang, rows: &[PlanVsReceived], per_member: bool, names: &Names) -> Table {
    let t = lang.tr();
    let mut headers = Vec::new();
    if per_member {
        headers.push(t.t("aid.member").into());
    }
    headers.extend([
        t.t("aid.item").into(),
        t.t("aid.planned").into(),
        t.t("aid.received").into(),
        t.t("aid.outstanding").into(),
    ]);
    Table {
        sorts: Vec::new(),
        headers,
        rows: rows
            .iter()
            .map(|r| {
                let mut row = Vec::new();
                if per_member {
                    let name = match (r.person_id, &r.person_name) {
                        (Some(id), Some(n)) => names.person(id, n.clone()),
                        _ => "—".into(),
                    };
                    row.push(Cell::text(name));
                }
                row.extend([
                    Cell::text(r.item_name.clone()),
                    Cell::text(amount(r.planned, r.unit, lang)),
                    Cell::text(amount(r.received, r.unit, lang)),
                    Cell::text(amount(r.outstanding(), r.unit, lang)),
                ]);
                row
            })
            .collect(),
        empty: t.t("aid.no_lines").into(),
    }
}

fn crop_choices(lang: Lang) -> Vec<(String, String)> {
    vocabulary(Crop::ALL, Crop::code, Crop::label, lang)
}

fn plan_form(lang: Lang, program_id: Id, d: &PlanDraft, group_shown: String) -> Form {
    let t = lang.tr();
    let crops = d.crops.join(",");
    Form::new(
        "plan",
        format!("/programs/{program_id}/aid"),
        t.t("aid.compute"),
        vec![
            Field::picker("group_id", t.t("aid.group"), "group", d.group_id.clone(), group_shown).required(),
            Field::text("season", t.t("aid.season"), d.season.clone()).required().hint(t.t("aid.season_hint")),
            Field::select("crops", t.t("aid.crop"), &crops, crop_choices(lang), Some(t.t("common.choose"))).required(),
        ],
    )
}

async fn program_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    program: Program,
    form: Option<PlanDraft>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let mut plan_rows = Vec::new();
    for plan in store.program_aid_plans(program.id).await? {
        let group = store.group(plan.group_id).await?;
        if !group_visible(auth, &group) {
            continue;
        }
        plan_rows.push(vec![
            Cell::link(plan.season.code(), format!("/aid/plans/{}", plan.id)),
            Cell::text(plan.group_name.clone()),
            Cell::text(plan.crops.iter().map(|c| c.label(lang.code())).collect::<Vec<_>>().join(", ")),
            Cell::text(plan.computed_by_name.clone()),
        ]);
    }
    let plans = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("aid.season").into(),
            t.t("aid.group").into(),
            t.t("aid.crop").into(),
            t.t("aid.computed_by").into(),
        ],
        rows: plan_rows,
        empty: t.t("aid.no_plans").into(),
    };
    let summary = store.aid_summary(program.id).await?;
    let summary_table = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("aid.season").into(),
            t.t("aid.item").into(),
            t.t("aid.planned").into(),
            t.t("aid.received").into(),
        ],
        rows: summary
            .iter()
            .map(|r| {
                vec![
                    Cell::text(r.season.code()),
                    Cell::text(r.item_name.clone()),
                    Cell::text(amount(r.planned, r.unit, lang)),
                    Cell::text(amount(r.received, r.unit, lang)),
                ]
            })
            .collect(),
        empty: t.t("aid.no_plans").into(),
    };
    let mut sections = vec![
        Section {
            id: "plans".into(),
            title: t.t("aid.plans").into(),
            table: Some(plans),
            links: vec![Link::new(t.t("aid.doses"), "/aid/doses")],
            ..Default::default()
        },
        Section {
            id: "summary".into(),
            title: t.t("aid.summary").into(),
            table: Some(summary_table),
            ..Default::default()
        },
    ];
    if manages(auth, &program) {
        let d = form.unwrap_or_default();
        let shown = crate::kit::refs::record_name(state, auth, "group", &d.group_id).await.unwrap_or_default();
        sections.push(Section {
            id: "new-plan".into(),
            title: t.t("aid.new_plan").into(),
            form: Some(plan_form(lang, program.id, &d, shown)),
            ..Default::default()
        });
    }
    let mut crumbs = crumbs(lang, "nav.programs", "/programs");
    crumbs.push(Link::new(program.name.clone(), format!("/programs/{}", program.id)));
    let title = format!("{} — {}", t.t("aid.plans"), program.name);
    Ok(page(lang, title, "programs", crumbs, sections))
}

async fn program_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(render(&program_view(&state, &auth, lang, program, None).await.map_err(|e| e.page(lang))?))
}

fn plan_draft_from(program_id: Id, form: &FormData) -> PlanDraft {
    PlanDraft {
        program_id: program_id.to_string(),
        group_id: form.get("group_id"),
        season: form.get("season"),
        crops: vec![form.get("crops")],
    }
}

async fn create_plan_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !manages(&auth, &program) {
        return Err(crate::access::guard::forbidden().page(lang));
    }
    let draft = plan_draft_from(id, &form);
    match make_plan(&state, &auth, &draft).await {
        Ok(plan) => Ok(Redirect::to(&format!("/aid/plans/{}", plan.id)).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let mut view = program_view(&state, &auth, lang, program, Some(draft)).await.map_err(|e| e.page(lang))?;
            let mut status = err.status();
            if let Some(f) = view.sections.iter_mut().find(|s| s.id == "new-plan").and_then(|s| s.form.as_mut()) {
                status = f.show_error(lang.tr(), &err);
            }
            Ok(render_with(status, &view))
        }
    }
}

fn item_choices(items: &[Item]) -> Vec<(String, String)> {
    items.iter().map(|i| (i.id.to_string(), format!("{} ({})", i.name, i.unit.code()))).collect()
}

async fn distribution_form(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    plan_id: Id,
    d: &DistributionDraft,
) -> Result<Form, Error> {
    let t = lang.tr();
    let items = state.store().aid_items().await?;
    let person =
        crate::kit::refs::record_field(state, auth, "person", "person_id", t.t("aid.member"), &d.person_id).await;
    let received_by = crate::kit::refs::record_field(
        state,
        auth,
        "person",
        "received_by_person_id",
        t.t("aid.received_by_person"),
        d.received_by_person_id.as_deref().unwrap_or(""),
    )
    .await;
    Ok(Form::new(
        "distribution",
        format!("/aid/plans/{plan_id}/distributions"),
        t.t("aid.record"),
        vec![
            person.required(),
            Field::select("item_id", t.t("aid.item"), &d.item_id, item_choices(&items), Some(t.t("common.choose")))
                .required(),
            Field::text("quantity", t.t("aid.quantity"), d.quantity.clone()).required().hint(t.t("aid.quantity_hint")),
            Field::text("unit", t.t("aid.unit"), d.unit.clone().unwrap_or_default()),
            Field::date("given_on", t.t("aid.given_on"), d.given_on.clone()).required(),
            received_by,
            Field::text(
                "received_by_name",
                t.t("aid.received_by_name"),
                d.received_by_name.clone().unwrap_or_default(),
            ),
            Field::textarea("note", t.t("aid.note"), d.note.clone().unwrap_or_default()),
            Field::textarea(
                "override_reason",
                t.t("aid.override_reason"),
                d.override_reason.clone().unwrap_or_default(),
            )
            .hint(t.t("aid.override_hint")),
        ],
    ))
}

async fn plan_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    form: Option<DistributionDraft>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let (plan, program, _) = readable_plan(state, auth, id).await?;
    let names = Names::for_caller(state, auth).await?;
    let store = state.store();
    let members = store.aid_plan_vs_received(id).await?;
    let totals = totals_of(&members);
    let given = store.aid_distributions(id).await?;
    let dist_table = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("aid.given_on").into(),
            t.t("aid.member").into(),
            t.t("aid.item").into(),
            t.t("aid.quantity").into(),
            t.t("aid.received_by").into(),
            t.t("aid.override_reason").into(),
        ],
        rows: given
            .into_iter()
            .map(|d| {
                let by = if names.0.is_some() {
                    "—".to_string()
                } else {
                    d.received_by_name.clone().unwrap_or_else(|| "—".into())
                };
                vec![
                    Cell::text(iso(d.given_on)),
                    Cell::text(names.person(d.person_id, d.person_name.clone())),
                    Cell::text(d.item_name.clone()),
                    Cell::text(amount(d.quantity, d.unit, lang)),
                    Cell::text(by),
                    Cell::text(d.override_reason.clone().unwrap_or_else(|| "—".into())),
                ]
            })
            .collect(),
        empty: t.t("aid.no_distributions").into(),
    };
    let mut sections = vec![
        Section {
            id: "totals".into(),
            title: t.t("aid.group_totals").into(),
            table: Some(plan_table(lang, &totals, false, &names)),
            links: vec![Link::new(t.t("aid.export"), format!("/aid/plans/{id}/export.xlsx"))],
            ..Default::default()
        },
        Section {
            id: "members".into(),
            title: t.t("aid.per_member").into(),
            table: Some(plan_table(lang, &members, true, &names)),
            ..Default::default()
        },
        Section {
            id: "distributions".into(),
            title: t.t("aid.distributions").into(),
            table: Some(dist_table),
            ..Default::default()
        },
    ];
    if manages(auth, &program) {
        let d = form.unwrap_or_else(|| DistributionDraft { given_on: crate::print::today(), ..Default::default() });
        sections.push(Section {
            id: "distribute".into(),
            title: t.t("aid.record").into(),
            form: Some(distribution_form(state, auth, lang, id, &d).await?),
            ..Default::default()
        });
    }
    let mut crumbs = crumbs(lang, "nav.programs", "/programs");
    crumbs.push(Link::new(program.name.clone(), format!("/programs/{}", program.id)));
    crumbs.push(Link::new(t.t("aid.plans"), format!("/programs/{}/aid", program.id)));
    let title = format!("{} — {} {}", t.t("aid.plan"), plan.group_name, plan.season.code());
    let mut view = page(lang, title, "programs", crumbs, sections);
    view.facts = vec![
        (t.t("aid.group").into(), Cell::text(plan.group_name.clone())),
        (t.t("aid.season").into(), Cell::text(plan.season.code())),
        (
            t.t("aid.crop").into(),
            Cell::text(plan.crops.iter().map(|c| c.label(lang.code())).collect::<Vec<_>>().join(", ")),
        ),
        (
            t.t("aid.cap").into(),
            Cell::text(format!("{} — {}", show_area(plan.rule.cap_m2), plan.rule.over_cap.label(lang.code()))),
        ),
        (t.t("aid.computed_by").into(), Cell::text(plan.computed_by_name.clone())),
    ];
    if manages(auth, &program) {
        view.actions.push(Link::new(t.t("aid.recompute"), "#recompute"));
        view.sections.push(Section {
            id: "recompute".into(),
            title: t.t("aid.recompute").into(),
            form: Some(Form::new("recompute", format!("/aid/plans/{id}/recompute"), t.t("aid.recompute"), Vec::new())),
            ..Default::default()
        });
    }
    Ok(view)
}

async fn plan_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    Ok(render(&plan_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?))
}

fn distribution_draft_from(form: &FormData) -> DistributionDraft {
    DistributionDraft {
        person_id: form.get("person_id"),
        item_id: form.get("item_id"),
        quantity: form.get("quantity"),
        unit: form.opt("unit"),
        given_on: form.get("given_on"),
        received_by_person_id: form.opt("received_by_person_id"),
        received_by_name: form.opt("received_by_name"),
        note: form.opt("note"),
        override_reason: form.opt("override_reason"),
    }
}

async fn add_distribution_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    writable_plan(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft = distribution_draft_from(&form);
    let result = distribute(&state, &auth, id, &draft).await;
    let page = || plan_view(&state, &auth, lang, id, Some(draft.clone()));
    crate::kit::section_done(lang, result, format!("/aid/plans/{id}#distributions"), "distribute", page).await
}

async fn recompute_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    writable_plan(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let result = state.store().recompute_aid_plan(id).await.map_err(Error::from);
    let page = || plan_view(&state, &auth, lang, id, None);
    crate::kit::section_done(lang, result, format!("/aid/plans/{id}#members"), "recompute", page).await
}

/// Plan vs received as a workbook: totals, per member, distributions. Quantities in the
/// items' base units (g, ml, piece), as whole numbers.
async fn plan_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let t = lang.tr();
    let (plan, _, _) = readable_plan(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let names = Names::for_caller(&state, &auth).await.map_err(|e| e.page(lang))?;
    let members = state.store().aid_plan_vs_received(id).await.map_err(|e| Error::from(e).page(lang))?;
    let given = state.store().aid_distributions(id).await.map_err(|e| Error::from(e).page(lang))?;
    let count = |n: i64| TableCell::Count(u64::try_from(n).unwrap_or(0));
    let vs_headers = |member: bool| {
        let mut h: Vec<String> = Vec::new();
        if member {
            h.push(t.t("aid.member").into());
        }
        h.extend([
            t.t("aid.item").to_string(),
            t.t("aid.unit").to_string(),
            t.t("aid.planned").to_string(),
            t.t("aid.received").to_string(),
            t.t("aid.outstanding").to_string(),
        ]);
        h
    };
    let vs_row = |r: &PlanVsReceived, member: bool| {
        let mut row = Vec::new();
        if member {
            let name = match (r.person_id, &r.person_name) {
                (Some(pid), Some(n)) => names.person(pid, n.clone()),
                _ => String::new(),
            };
            row.push(TableCell::Text(name));
        }
        row.extend([
            TableCell::Text(r.item_name.clone()),
            TableCell::Text(r.unit.code().into()),
            count(r.planned),
            count(r.received),
            count(r.outstanding()),
        ]);
        row
    };
    let sheets = vec![
        SheetTable {
            name: t.t("aid.group_totals").into(),
            headers: vs_headers(false),
            rows: totals_of(&members).iter().map(|r| vs_row(r, false)).collect(),
        },
        SheetTable {
            name: t.t("aid.per_member").into(),
            headers: vs_headers(true),
            rows: members.iter().map(|r| vs_row(r, true)).collect(),
        },
        SheetTable {
            name: t.t("aid.distributions").into(),
            headers: vec![
                t.t("aid.given_on").into(),
                t.t("aid.member").into(),
                t.t("aid.item").into(),
                t.t("aid.unit").into(),
                t.t("aid.quantity").into(),
                t.t("aid.override_reason").into(),
            ],
            rows: given
                .iter()
                .map(|d| {
                    vec![
                        TableCell::Text(iso(d.given_on)),
                        TableCell::Text(names.person(d.person_id, d.person_name.clone())),
                        TableCell::Text(d.item_name.clone()),
                        TableCell::Text(d.unit.code().into()),
                        count(d.quantity),
                        TableCell::Text(d.override_reason.clone().unwrap_or_default()),
                    ]
                })
                .collect(),
        },
    ];
    let body = berdaya_files::tables::write_tables(&sheets).map_err(|e| {
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot write the workbook: {e}")).page(lang)
    })?;
    let name = format!("bantuan-{}-{}.xlsx", plan.group_id, plan.season.code().replace(' ', "-"));
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

async fn doses_view(state: &AppState, auth: &Auth, lang: Lang, form: Option<DoseDraft>) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let doses = store.aid_doses().await?;
    let (rule, _) = store.aid_rule().await?;
    let table = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("aid.crop").into(),
            t.t("aid.item").into(),
            t.t("aid.per_ha").into(),
            t.t("aid.source").into(),
        ],
        rows: doses
            .iter()
            .map(|d| {
                vec![
                    Cell::text(d.crop.label(lang.code())),
                    Cell::text(d.item_name.clone()),
                    Cell::text(amount(d.per_ha, d.unit, lang)),
                    Cell::text(match d.source.as_deref() {
                        None => "—".to_string(),
                        Some(DEFAULT_SOURCE) => t.t("aid.default_source").to_string(),
                        Some(s) => s.to_string(),
                    }),
                ]
            })
            .collect(),
        empty: t.t("aid.no_doses").into(),
    };
    let mut sections =
        vec![Section { id: "doses".into(), title: t.t("aid.doses").into(), table: Some(table), ..Default::default() }];
    if edits_table(auth) {
        let d = form.unwrap_or_default();
        let items = store.aid_items().await?;
        sections.push(Section {
            id: "add-dose".into(),
            title: t.t("aid.add_dose").into(),
            form: Some(Form::new(
                "dose",
                "/aid/doses",
                t.t("common.save"),
                vec![
                    Field::select("crop", t.t("aid.crop"), &d.crop, crop_choices(lang), Some(t.t("common.choose")))
                        .required(),
                    Field::select(
                        "item_id",
                        t.t("aid.item"),
                        &d.item_id,
                        item_choices(&items),
                        Some(t.t("common.choose")),
                    )
                    .required(),
                    Field::text("per_ha", t.t("aid.per_ha"), d.per_ha.clone())
                        .required()
                        .hint(t.t("aid.quantity_hint")),
                    Field::text("source", t.t("aid.source"), d.source.clone().unwrap_or_default()),
                ],
            )),
            ..Default::default()
        });
    }
    let mut view = page(lang, t.t("aid.doses").into(), "programs", crumbs(lang, "nav.programs", "/programs"), sections);
    view.facts = vec![(
        t.t("aid.cap").into(),
        Cell::text(format!("{} — {}", show_area(rule.cap_m2), rule.over_cap.label(lang.code()))),
    )];
    Ok(view)
}

async fn doses_page(Cx { state, lang, auth }: Cx) -> Result<Response, Error> {
    auth.require(auth.principal().reads_programs()).map_err(|e| e.page(lang))?;
    Ok(render(&doses_view(&state, &auth, lang, None).await.map_err(|e| e.page(lang))?))
}

async fn add_dose_page(Cx { state, lang, auth }: Cx, form: FormData) -> Result<Response, Error> {
    auth.require(edits_table(&auth)).map_err(|e| e.page(lang))?;
    let draft = DoseDraft {
        crop: form.get("crop"),
        item_id: form.get("item_id"),
        per_ha: form.get("per_ha"),
        unit: None,
        source: form.opt("source"),
    };
    let result = async {
        let new = parse_dose(&state, &draft).await?;
        Ok::<_, Error>(state.store().create_aid_dose(&new).await?)
    }
    .await;
    let page = || doses_view(&state, &auth, lang, Some(draft.clone()));
    crate::kit::section_done(lang, result, "/aid/doses#doses".into(), "add-dose", page).await
}

// --- The group page's panels ------------------------------------------------------------------

/// The group page's aid panel: its seasons' plans with planned against received per item.
pub async fn group_panel(state: &AppState, auth: &Auth, lang: Lang, group: &Group) -> Result<Option<Section>, Error> {
    if !auth.principal().reads_programs() || !group_visible(auth, group) {
        return Ok(None);
    }
    let t = lang.tr();
    let mut rows = Vec::new();
    let mut links = Vec::new();
    for pt in state.store().group_aid_totals(group.id).await? {
        let program = state.store().program(pt.plan.program_id).await?;
        if !auth.program_in_area(&program) {
            continue;
        }
        links.push(Link::new(
            format!("{} {} — {}", t.t("aid.plan"), pt.plan.season.code(), program.name),
            format!("/aid/plans/{}", pt.plan.id),
        ));
        for v in &pt.items {
            rows.push(vec![
                Cell::link(pt.plan.season.code(), format!("/aid/plans/{}", pt.plan.id)),
                Cell::text(v.item_name.clone()),
                Cell::text(amount(v.planned, v.unit, lang)),
                Cell::text(amount(v.received, v.unit, lang)),
                Cell::text(amount(v.outstanding(), v.unit, lang)),
            ]);
        }
    }
    Ok(Some(Section {
        id: "aid".into(),
        title: t.t("aid.section").into(),
        table: Some(Table {
            sorts: Vec::new(),
            headers: vec![
                t.t("aid.season").into(),
                t.t("aid.item").into(),
                t.t("aid.planned").into(),
                t.t("aid.received").into(),
                t.t("aid.outstanding").into(),
            ],
            rows,
            empty: t.t("aid.no_plans").into(),
        }),
        links,
        ..Default::default()
    }))
}

/// The group page's land panel: each member's land by crop, and (for those who may change
/// the members) the form that registers land.
pub async fn land_panel(state: &AppState, auth: &Auth, lang: Lang, group: &Group) -> Result<Option<Section>, Error> {
    land_section(state, auth, lang, group, None).await
}

async fn land_section(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    group: &Group,
    form: Option<LandDraft>,
) -> Result<Option<Section>, Error> {
    if !auth.reads_people() || !group_visible(auth, group) {
        return Ok(None);
    }
    let t = lang.tr();
    let land = state.store().group_land(group.id).await?;
    let table = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("aid.member").into(),
            t.t("aid.crop").into(),
            t.t("aid.land_area").into(),
            t.t("aid.note").into(),
        ],
        rows: land
            .iter()
            .map(|l| {
                vec![
                    Cell::text(l.person_name.clone()),
                    Cell::text(l.crop.label(lang.code())),
                    Cell::text(show_area(l.area_m2)),
                    Cell::text(l.note.clone().unwrap_or_else(|| "—".into())),
                ]
            })
            .collect(),
        empty: t.t("aid.no_land").into(),
    };
    let editable = auth.principal().edits_registry();
    let form = if editable {
        let members = state.store().group_members(group.id).await?;
        let d = form.unwrap_or_default();
        let choices = members.iter().map(|m| (m.person_id.to_string(), m.person_name.clone())).collect();
        Some(Form::new(
            "land",
            format!("/groups/{}/land", group.id),
            t.t("aid.add_land"),
            vec![
                Field::select("person_id", t.t("aid.member"), &d.person_id, choices, Some(t.t("common.choose")))
                    .required(),
                Field::select("crop", t.t("aid.crop"), &d.crop, crop_choices(lang), Some(t.t("common.choose")))
                    .required(),
                Field::text("land_area", t.t("aid.land_area"), d.land_area.clone())
                    .required()
                    .hint(t.t("aid.land_area_hint")),
                Field::text("note", t.t("aid.note"), d.note.clone().unwrap_or_default()),
            ],
        ))
    } else {
        None
    };
    Ok(Some(Section {
        id: "land".into(),
        title: t.t("aid.land").into(),
        table: Some(table),
        form,
        ..Default::default()
    }))
}

async fn add_land_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let (group, _) = auth.readable_group(state.store(), id).await.map_err(|e| e.page(lang))?;
    let draft = LandDraft {
        person_id: form.get("person_id"),
        crop: form.get("crop"),
        land_area: form.get("land_area"),
        note: form.opt("note"),
    };
    let result = async {
        let new = draft.parse()?;
        if !state.store().is_member(id, new.person_id).await? {
            return Err(missing_reference("person_id", "member", new.person_id));
        }
        auth.editable_person(state.store(), new.person_id)
            .await
            .map_err(|_| missing_reference("person_id", "person", new.person_id))?;
        Ok(state.store().add_land(&new).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/groups/{id}#land")).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            // The land panel again, with the errors, on its own page.
            let mut section = land_section(&state, &auth, lang, &group, Some(draft)).await.map_err(|e| e.page(lang))?;
            let mut status = err.status();
            if let Some(f) = section.as_mut().and_then(|s| s.form.as_mut()) {
                status = f.show_error(lang.tr(), &err);
            }
            let mut crumbs = crumbs(lang, "nav.groups", "/groups");
            crumbs.push(Link::new(group.name.clone(), format!("/groups/{id}")));
            let view = page(
                lang,
                format!("{} — {}", lang.tr().t("aid.land"), group.name),
                "groups",
                crumbs,
                section.into_iter().collect(),
            );
            Ok(render_with(status, &view))
        }
    }
}
