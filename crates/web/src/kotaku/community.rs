//! Stage cycles, stakeholders, outcomes and slum scores over HTTP.
//!
//! `/programs/{id}/community` shows where each community stands in its cycle (stalled
//! stages flagged), the stakeholders with the PPCP table of who contributed what, the outcome
//! indicators with what changed, and the neighbourhoods' slum scores before and after the
//! works; each with the form its officers use. A cycle's page moves its stages, ticks
//! milestones and records the activities held in a stage; a stakeholder's page its
//! contributions; an indicator's page its households' or groups' values; a baseline's page
//! its sixteen parameters. The program's stage model is edited as JSON.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::kotaku::outcome::{IndicatorDraft, Measure, OutcomeDraft, Subject, change};
use berdaya_domain::kotaku::partner::{ContributionDraft, ContributionKind, PartnerRole, Sector, StakeholderDraft};
use berdaya_domain::kotaku::slum::{Measure as SlumMeasure, Parameter, SlumRules, score};
use berdaya_domain::kotaku::stage::{StageModel, StageMove, StageStatus, stalled};
use berdaya_domain::registry::{Id, Program, RegionCode, text};
use berdaya_store::kotaku::cycle::Cycle;
use berdaya_store::kotaku::partner::{NewSlumBaseline, SlumBaseline};
use berdaya_store::{PageRequest, Query};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::{Page, officer, rp};
use crate::AppState;
use crate::access::guard::{Auth, hidden, missing_reference};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody};
use crate::html::{Cell, Field, Form, Layout, Link, Section, vocabulary};
use crate::i18n::Lang;
use crate::registry::programs::readable_program;
use crate::registry::{created, crumbs};

/// The OpenAPI paths and schemas of stage cycles, stakeholders, outcomes and slum scores.
#[derive(OpenApi)]
#[openapi(
    paths(
        cycles_api,
        start_api,
        model_api,
        set_model_api,
        move_api,
        milestone_api,
        stage_activity_api,
        stakeholders_api,
        add_stakeholder_api,
        contribution_api,
        indicators_api,
        add_indicator_api,
        outcome_api,
        baselines_api,
        add_baseline_api
    ),
    components(schemas(
        CycleDto,
        StageDto,
        CycleInput,
        MoveInput,
        MilestoneInput,
        ActivityInput,
        StakeholderDto,
        IndicatorDto,
        BaselineDto,
        BaselineInput
    ))
)]
pub struct CommunityApi;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/programs/{id}/cycles", get(cycles_api).post(start_api))
        .route("/api/v1/programs/{id}/stage-model", get(model_api).put(set_model_api))
        .route("/api/v1/stages/{id}/move", post(move_api))
        .route("/api/v1/stages/{id}/milestones", post(milestone_api))
        .route("/api/v1/stages/{id}/activities", post(stage_activity_api))
        .route("/api/v1/programs/{id}/stakeholders", get(stakeholders_api).post(add_stakeholder_api))
        .route("/api/v1/stakeholders/{id}/contributions", post(contribution_api))
        .route("/api/v1/programs/{id}/indicators", get(indicators_api).post(add_indicator_api))
        .route("/api/v1/indicators/{id}/values", post(outcome_api))
        .route("/api/v1/programs/{id}/slum-baselines", get(baselines_api).post(add_baseline_api))
        .route("/programs/{id}/community", get(community_page))
        .route("/programs/{id}/community.xlsx", get(community_xlsx))
        .route("/programs/{id}/cycles", post(start_page))
        .route("/programs/{id}/stakeholders", post(add_stakeholder_page))
        .route("/programs/{id}/indicators", post(add_indicator_page))
        .route("/programs/{id}/slum-baselines", post(add_baseline_page))
        .route("/programs/{id}/stage-model", get(model_page).post(model_post))
        .route("/cycles/{id}", get(cycle_page))
        .route("/cycles/{id}/move", post(move_page))
        .route("/stages/{id}/milestones", post(milestone_page))
        .route("/stages/{id}/activities", post(stage_activity_page))
        .route("/stakeholders/{id}", get(stakeholder_page).post(contribution_page))
        .route("/indicators/{id}", get(indicator_page).post(outcome_page))
        .route("/slum-baselines/{id}", get(baseline_page))
}

fn today() -> time::Date {
    crate::agriculture::machines::today()
}

// --- Access -----------------------------------------------------------------------------------

async fn program_of(state: &AppState, auth: &Auth, id: Id) -> Result<Program, Error> {
    readable_program(state, auth, id).await
}

async fn managed(state: &AppState, auth: &Auth, id: Id) -> Result<Program, Error> {
    let p = program_of(state, auth, id).await?;
    auth.require(officer(auth, &p))?;
    Ok(p)
}

/// A record of a program, reached by its own id: missing when its program is out of reach.
async fn through(state: &AppState, auth: &Auth, program: Id, what: &'static str) -> Result<Program, Error> {
    program_of(state, auth, program)
        .await
        .map_err(|e| if e.status() == StatusCode::FORBIDDEN { e } else { hidden(what) })
}

async fn stage_cycle(state: &AppState, auth: &Auth, stage: Id, write: bool) -> Result<(Cycle, Program), Error> {
    let c = state.store().stage_cycle(stage).await?;
    let p = through(state, auth, c.program_id, "stage").await?;
    if write {
        auth.require(officer(auth, &p))?;
    }
    Ok((c, p))
}

/// The model a program runs: its own, else KOTAKU's.
async fn model_of(state: &AppState, program: Id) -> Result<StageModel, Error> {
    Ok(state.store().stage_model(program).await?.unwrap_or_else(StageModel::kotaku))
}

fn model_by_code(custom: &StageModel, code: &str) -> Option<StageModel> {
    if custom.code == code {
        return Some(custom.clone());
    }
    StageModel::defaults().into_iter().find(|m| m.code == code)
}

fn region_in_scope(auth: &Auth, raw: &str) -> Result<RegionCode, Error> {
    let code = RegionCode::parse(raw).map_err(|m| Error::unprocessable("region", m))?;
    if auth.principal().in_area(&code) { Ok(code) } else { Err(missing_reference("region", "region", &code)) }
}

// --- Steps ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CycleInput {
    pub community: String,
    pub region: String,
    /// `kotaku`, `7d` or the program's own model's code; default the program's.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub started_on: Option<String>,
}

async fn start(state: &AppState, auth: &Auth, p: &Program, input: &CycleInput) -> Result<Cycle, Error> {
    let region = region_in_scope(auth, &input.region)?;
    let own = model_of(state, p.id).await?;
    let model = match input.model.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => model_by_code(&own, code)
            .ok_or_else(|| Error::unprocessable("model", "is not a stage model of this program"))?,
        None => own,
    };
    let on = match input.started_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => text::date(s).map_err(|m| Error::unprocessable("started_on", m))?,
        None => today(),
    };
    Ok(state.store().start_cycle(p.id, &input.community, &region, &model, on).await?)
}

async fn move_stage(
    state: &AppState,
    auth: &Auth,
    stage: Id,
    mv: &str,
    on: Option<&str>,
    note: Option<&str>,
    version: i64,
) -> Result<Id, Error> {
    let (c, _) = stage_cycle(state, auth, stage, true).await?;
    let mv = StageMove::parse(mv).map_err(|m| Error::unprocessable("move", m))?;
    let on = match on.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => text::date(s).map_err(|m| Error::unprocessable("on", m))?,
        None => today(),
    };
    state.store().move_stage(stage, mv, on, note, version).await?;
    Ok(c.id)
}

async fn tick(state: &AppState, auth: &Auth, stage: Id, code: &str, done: bool, on: Option<&str>) -> Result<Id, Error> {
    let (c, _) = stage_cycle(state, auth, stage, true).await?;
    let on = match on.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => text::date(s).map_err(|m| Error::unprocessable("on", m))?,
        None => today(),
    };
    state.store().tick_milestone(stage, code, on, done).await?;
    Ok(c.id)
}

/// Records an activity of the program as held in the stage (one the caller may read).
async fn link_activity(state: &AppState, auth: &Auth, stage: Id, raw: &str) -> Result<Id, Error> {
    let (c, _) = stage_cycle(state, auth, stage, true).await?;
    let activity = text::id(raw).map_err(|m| Error::unprocessable("activity_id", m))?;
    if crate::activity::readable_activity(state, auth, activity).await.is_err() {
        return Err(missing_reference("activity_id", "activity", activity));
    }
    state.store().link_stage_activity(stage, activity).await?;
    Ok(c.id)
}

/// Parses `affected/total` per parameter from fields `p_1a` … `p_7b`.
fn measures_of(form: &FormData) -> Result<BTreeMap<Parameter, SlumMeasure>, Error> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for p in Parameter::ALL {
        let name = format!("p_{}", p.code());
        let raw = form.get(&name);
        let parsed = raw
            .split_once('/')
            .and_then(|(a, t)| Some((a.trim().parse::<u64>().ok()?, t.trim().parse::<u64>().ok()?)))
            .ok_or_else(|| "must be affected/total, e.g. 12/40".to_string())
            .and_then(|(a, t)| SlumMeasure::new(a, t));
        match parsed {
            Ok(m) => {
                out.insert(p, m);
            }
            Err(m) => errors.push(berdaya_domain::registry::text::FieldError::new(name, m)),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(berdaya_domain::registry::Invalid(errors).into()) }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BaselineInput {
    pub region: String,
    pub neighbourhood: String,
    pub measured_on: String,
    /// `before` or `after` the works.
    pub phase: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Parameter code → `[affected, total]`.
    #[schema(value_type = Object)]
    pub measures: BTreeMap<String, (u64, u64)>,
}

async fn add_baseline(
    state: &AppState,
    auth: &Auth,
    p: &Program,
    input: &BaselineInput,
    measures: BTreeMap<Parameter, SlumMeasure>,
) -> Result<SlumBaseline, Error> {
    let region = region_in_scope(auth, &input.region)?;
    let neighbourhood =
        text::text(&input.neighbourhood, 1, 100).map_err(|m| Error::unprocessable("neighbourhood", m))?;
    let measured_on = text::date(&input.measured_on).map_err(|m| Error::unprocessable("measured_on", m))?;
    let note = text::optional_text(input.note.as_deref(), 500).map_err(|m| Error::unprocessable("note", m))?;
    let new = NewSlumBaseline {
        program_id: Some(p.id),
        region,
        neighbourhood,
        measured_on,
        phase: input.phase.trim().to_string(),
        note,
        measures,
    };
    Ok(state.store().add_slum_baseline(&new).await?)
}

/// A subject of an indicator, resolved through the caller's scope.
async fn subject_ref(state: &AppState, auth: &Auth, subject: Subject, id: Id) -> Result<(), Error> {
    match subject {
        Subject::Household => auth
            .readable_household(state.store(), id)
            .await
            .map(|_| ())
            .map_err(|_| missing_reference("subject_id", "household", id)),
        Subject::Group => super::group_ref(state, auth, "subject_id", id).await.map(|_| ()),
    }
}

// --- DTOs and API -----------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct StageDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub status: String,
    pub started_on: Option<String>,
    pub done_on: Option<String>,
    #[schema(value_type = Vec<Vec<String>>)]
    pub milestones: Vec<(String, String)>,
    pub activities: Vec<i64>,
    pub stalled: bool,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CycleDto {
    pub id: i64,
    pub community: String,
    pub region: String,
    pub model: String,
    pub cycle_no: i32,
    pub started_on: String,
    /// The first stage not done, if any.
    pub current: Option<String>,
    pub stages: Vec<StageDto>,
}

fn cycle_dto(c: &Cycle) -> CycleDto {
    CycleDto {
        id: c.id,
        community: c.community.clone(),
        region: c.region.to_string(),
        model: c.model.code.clone(),
        cycle_no: c.cycle_no,
        started_on: c.started_on.to_string(),
        current: c.current().map(|s| s.code.clone()),
        stages: c
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| StageDto {
                id: s.id,
                code: s.code.clone(),
                name: c.model.stage_name(i, "id"),
                status: s.status.code().into(),
                started_on: s.started_on.map(|d| d.to_string()),
                done_on: s.done_on.map(|d| d.to_string()),
                milestones: s.milestones.iter().map(|(m, d)| (m.clone(), d.to_string())).collect(),
                activities: c.activities.iter().filter(|(st, _)| *st == s.id).map(|(_, a)| *a).collect(),
                stalled: stalled(s, &c.model, today()),
                version: s.version,
            })
            .collect(),
    }
}

/// A program's community cycles.
#[utoipa::path(get, path = "/api/v1/programs/{id}/cycles", tag = "community", params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [CycleDto]), (status = 404, body = ErrorBody)))]
pub async fn cycles_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<CycleDto>>, Error> {
    program_of(&state, &auth, id).await?;
    Ok(Json(state.store().program_cycles(id).await?.iter().map(cycle_dto).collect()))
}

/// Starts a community's cycle (program officers).
#[utoipa::path(post, path = "/api/v1/programs/{id}/cycles", tag = "community", request_body = CycleInput,
    params(("id" = i64, Path, description = "Program id")), responses((status = 201, body = CycleDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let p = managed(&state, &auth, id).await?;
    let input: CycleInput = body.decode()?;
    let c = start(&state, &auth, &p, &input).await?;
    Ok(created(cycle_dto(&c)))
}

/// The program's stage model (KOTAKU's when it has set none).
#[utoipa::path(get, path = "/api/v1/programs/{id}/stage-model", tag = "community", params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn model_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<StageModel>, Error> {
    program_of(&state, &auth, id).await?;
    Ok(Json(model_of(&state, id).await?))
}

/// Sets the program's stage model (checked); cycles already started keep theirs.
#[utoipa::path(put, path = "/api/v1/programs/{id}/stage-model", tag = "community", request_body = Object,
    params(("id" = i64, Path, description = "Program id")), responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_model_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<StageModel>, Error> {
    managed(&state, &auth, id).await?;
    let model: StageModel = body.decode()?;
    state.store().set_stage_model(id, &model).await?;
    Ok(Json(model))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveInput {
    /// `start`, `finish` or `reopen`.
    #[serde(rename = "move")]
    pub mv: String,
    pub on: Option<String>,
    pub note: Option<String>,
    pub version: i64,
}

/// Starts, finishes or reopens a stage.
#[utoipa::path(post, path = "/api/v1/stages/{id}/move", tag = "community", request_body = MoveInput,
    params(("id" = i64, Path, description = "Stage id")), responses((status = 200, body = CycleDto), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn move_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<CycleDto>, Error> {
    let m: MoveInput = body.decode()?;
    let cycle = move_stage(&state, &auth, id, &m.mv, m.on.as_deref(), m.note.as_deref(), m.version).await?;
    Ok(Json(cycle_dto(&state.store().cycle(cycle).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MilestoneInput {
    pub code: String,
    #[serde(default = "yes")]
    pub done: bool,
    pub on: Option<String>,
}

fn yes() -> bool {
    true
}

/// Ticks or unticks a milestone of a stage in progress.
#[utoipa::path(post, path = "/api/v1/stages/{id}/milestones", tag = "community", request_body = MilestoneInput,
    params(("id" = i64, Path, description = "Stage id")), responses((status = 200, body = CycleDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn milestone_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<CycleDto>, Error> {
    let m: MilestoneInput = body.decode()?;
    let cycle = tick(&state, &auth, id, &m.code, m.done, m.on.as_deref()).await?;
    Ok(Json(cycle_dto(&state.store().cycle(cycle).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityInput {
    #[schema(value_type = i64)]
    pub activity_id: serde_json::Value,
}

fn id_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// Records an activity of the program as held in the stage.
#[utoipa::path(post, path = "/api/v1/stages/{id}/activities", tag = "community", request_body = ActivityInput,
    params(("id" = i64, Path, description = "Stage id")), responses((status = 200, body = CycleDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stage_activity_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<CycleDto>, Error> {
    let a: ActivityInput = body.decode()?;
    let cycle = link_activity(&state, &auth, id, &id_text(&a.activity_id)).await?;
    Ok(Json(cycle_dto(&state.store().cycle(cycle).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StakeholderDto {
    pub id: i64,
    pub name: String,
    pub organisation: bool,
    pub sector: String,
    pub role: String,
    /// `[kind, description, value_rp, given_on]`.
    #[schema(value_type = Vec<Vec<Object>>)]
    pub contributions: Vec<(String, String, i64, String)>,
    pub total_rp: i64,
}

/// A program's stakeholders with their contributions (kind, description, value, date).
#[utoipa::path(get, path = "/api/v1/programs/{id}/stakeholders", tag = "community", params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [StakeholderDto]), (status = 404, body = ErrorBody)))]
pub async fn stakeholders_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<StakeholderDto>>, Error> {
    program_of(&state, &auth, id).await?;
    let list = state.store().stakeholders(id).await?;
    Ok(Json(
        list.iter()
            .map(|(s, cs)| StakeholderDto {
                id: s.id,
                name: s.name.clone(),
                organisation: s.organisation,
                sector: s.sector.code().into(),
                role: s.role.code().into(),
                contributions: cs
                    .iter()
                    .map(|c| (c.kind.code().into(), c.description.clone(), c.value_rp, c.given_on.to_string()))
                    .collect(),
                total_rp: cs.iter().map(|c| c.value_rp).sum(),
            })
            .collect(),
    ))
}

/// Adds a stakeholder (program officers).
#[utoipa::path(post, path = "/api/v1/programs/{id}/stakeholders", tag = "community", request_body = Object,
    params(("id" = i64, Path, description = "Program id")), responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_stakeholder_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    managed(&state, &auth, id).await?;
    let d: StakeholderDraft = body.draft(&[])?;
    let s = state.store().add_stakeholder(id, &d.parse()?).await?;
    Ok(created(serde_json::json!({ "id": s.id, "name": s.name, "version": s.version })))
}

async fn add_contribution(state: &AppState, auth: &Auth, stakeholder: Id, d: &ContributionDraft) -> Result<(), Error> {
    let s = state.store().stakeholder(stakeholder).await?;
    let p = through(state, auth, s.program_id, "stakeholder").await?;
    auth.require(officer(auth, &p))?;
    let new = d.parse()?;
    if let Some(a) = new.activity_id
        && crate::activity::readable_activity(state, auth, a).await.is_err()
    {
        return Err(missing_reference("activity_id", "activity", a));
    }
    state.store().add_contribution(stakeholder, &new).await?;
    Ok(())
}

/// Adds a contribution of a stakeholder (its activity, when named, one the caller may read).
#[utoipa::path(post, path = "/api/v1/stakeholders/{id}/contributions", tag = "community", request_body = Object,
    params(("id" = i64, Path, description = "Stakeholder id")), responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn contribution_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let d: ContributionDraft = body.draft(&["activity_id"])?;
    add_contribution(&state, &auth, id, &d).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "stakeholder_id": id }))).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorDto {
    pub id: i64,
    pub name: String,
    pub measure: String,
    pub subject: String,
    pub subjects: u64,
    pub followed: u64,
    pub baseline_total: i64,
    pub followup_total: i64,
    pub improved: u64,
}

async fn indicator_dtos(state: &AppState, program: Id) -> Result<Vec<IndicatorDto>, Error> {
    let mut out = Vec::new();
    for i in state.store().indicators(program).await? {
        let ch = change(&state.store().outcomes(i.id).await?);
        out.push(IndicatorDto {
            id: i.id,
            name: i.name,
            measure: i.measure.code().into(),
            subject: i.subject.code().into(),
            subjects: ch.subjects,
            followed: ch.followed,
            baseline_total: ch.baseline_total,
            followup_total: ch.followup_total,
            improved: ch.improved,
        });
    }
    Ok(out)
}

/// A program's outcome indicators with what changed.
#[utoipa::path(get, path = "/api/v1/programs/{id}/indicators", tag = "community", params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [IndicatorDto]), (status = 404, body = ErrorBody)))]
pub async fn indicators_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<IndicatorDto>>, Error> {
    program_of(&state, &auth, id).await?;
    Ok(Json(indicator_dtos(&state, id).await?))
}

/// Adds an outcome indicator (program officers).
#[utoipa::path(post, path = "/api/v1/programs/{id}/indicators", tag = "community", request_body = Object,
    params(("id" = i64, Path, description = "Program id")), responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_indicator_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    managed(&state, &auth, id).await?;
    let d: IndicatorDraft = body.decode()?;
    let i = state.store().add_indicator(id, &d.parse()?).await?;
    Ok(created(serde_json::json!({ "id": i.id, "name": i.name })))
}

async fn set_outcome(state: &AppState, auth: &Auth, indicator: Id, d: &OutcomeDraft) -> Result<(), Error> {
    let i = state.store().indicator(indicator).await?;
    let p = through(state, auth, i.program_id, "indicator").await?;
    auth.require(officer(auth, &p) || auth.role() == berdaya_domain::access::Role::Facilitator)?;
    let new = d.parse(i.measure)?;
    subject_ref(state, auth, i.subject, new.subject_id).await?;
    state.store().set_outcome(indicator, &new).await?;
    Ok(())
}

/// Records a household's or group's baseline and follow-up of an indicator.
#[utoipa::path(post, path = "/api/v1/indicators/{id}/values", tag = "community", request_body = Object,
    params(("id" = i64, Path, description = "Indicator id")), responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn outcome_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let d: OutcomeDraft = body.draft(&["subject_id"])?;
    set_outcome(&state, &auth, id, &d).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "indicator_id": id }))).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineDto {
    pub id: i64,
    pub region: String,
    pub neighbourhood: String,
    pub measured_on: String,
    pub phase: String,
    pub total: u32,
    pub class: String,
}

fn baseline_dto(b: &SlumBaseline) -> BaselineDto {
    let s = score(&b.measures, &SlumRules::default()).ok();
    BaselineDto {
        id: b.id,
        region: b.region.to_string(),
        neighbourhood: b.neighbourhood.clone(),
        measured_on: b.measured_on.to_string(),
        phase: b.phase.clone(),
        total: s.as_ref().map_or(0, |s| s.total),
        class: s.map(|s| s.class.code().to_string()).unwrap_or_default(),
    }
}

/// A program's slum baselines, scored.
#[utoipa::path(get, path = "/api/v1/programs/{id}/slum-baselines", tag = "community", params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [BaselineDto]), (status = 404, body = ErrorBody)))]
pub async fn baselines_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<BaselineDto>>, Error> {
    program_of(&state, &auth, id).await?;
    Ok(Json(state.store().program_slum_baselines(id).await?.iter().map(baseline_dto).collect()))
}

/// Stores a neighbourhood's baseline (all sixteen parameters as `[affected, total]`).
#[utoipa::path(post, path = "/api/v1/programs/{id}/slum-baselines", tag = "community", request_body = BaselineInput,
    params(("id" = i64, Path, description = "Program id")), responses((status = 201, body = BaselineDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_baseline_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let p = managed(&state, &auth, id).await?;
    let input: BaselineInput = body.decode()?;
    let mut measures = BTreeMap::new();
    for (code, (a, t)) in &input.measures {
        let param = Parameter::parse(code).map_err(|m| Error::unprocessable("measures", m))?;
        let m = SlumMeasure::new(*a, *t).map_err(|m| Error::unprocessable(param.code(), m))?;
        measures.insert(param, m);
    }
    let b = add_baseline(&state, &auth, &p, &input, measures).await?;
    Ok(created(baseline_dto(&b)))
}

// --- Pages ------------------------------------------------------------------------------------

fn page(lang: Lang, title: String, p: &Program) -> Page {
    let mut c = crumbs(lang, "nav.programs", "/programs");
    c.push(Link::new(p.name.clone(), format!("/programs/{}", p.id)));
    Page {
        l: Layout::new(lang, title.clone(), "programs"),
        heading: title,
        breadcrumbs: c,
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: Vec::new(),
        cards: Vec::new(),
        charts: Vec::new(),
        sections: Vec::new(),
    }
}

fn filled(form: Option<(&str, &FormData)>, which: &str, k: &str) -> String {
    match form {
        Some((w, f)) if w == which => f.get(k),
        _ => String::new(),
    }
}

fn slum_pairs(list: &[SlumBaseline]) -> Vec<(String, Option<&SlumBaseline>, Option<&SlumBaseline>)> {
    let mut out: Vec<(String, Option<&SlumBaseline>, Option<&SlumBaseline>)> = Vec::new();
    for b in list {
        let key = format!("{} — {}", b.neighbourhood, b.region_name);
        let i = match out.iter().position(|(k, _, _)| *k == key) {
            Some(i) => i,
            None => {
                out.push((key, None, None));
                out.len() - 1
            }
        };
        // The latest of each phase.
        if b.phase == "before" {
            out[i].1 = Some(b);
        } else {
            out[i].2 = Some(b);
        }
    }
    out
}

async fn community_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    form: Option<(&str, &FormData)>,
) -> Result<Page, Error> {
    let t = lang.tr();
    let p = program_of(state, auth, id).await?;
    let manage = officer(auth, &p);
    let mut pg = page(lang, format!("{} — {}", t.t("community.page"), p.name), &p);
    pg.actions.push(Link::new(t.t("common.download_xlsx"), format!("/programs/{id}/community.xlsx")));
    if manage {
        pg.actions.push(Link::new(t.t("cycle.model"), format!("/programs/{id}/stage-model")));
    }
    // Cycles.
    let cycles = state.store().program_cycles(id).await?;
    let now = today();
    let mut stalled_n = 0;
    let rows = cycles
        .iter()
        .map(|c| {
            let (current, flag) = match c.stages.iter().position(|s| s.status != StageStatus::Done) {
                Some(i) => {
                    let s = &c.stages[i];
                    let st = stalled(s, &c.model, now);
                    if st {
                        stalled_n += 1;
                    }
                    (
                        format!("{} ({})", c.model.stage_name(i, lang.code()), s.status.label(lang.code())),
                        if st { t.t("cycle.stalled").to_string() } else { String::new() },
                    )
                }
                None => (t.t("cycle.finished").to_string(), String::new()),
            };
            let done = c.stages.iter().filter(|s| s.status == StageStatus::Done).count();
            vec![
                Cell::link(
                    format!("{} · {} {}", c.community, t.t("cycle.no"), c.cycle_no),
                    format!("/cycles/{}", c.id),
                ),
                Cell::text(c.model.name.clone()),
                Cell::text(current),
                Cell::text(format!("{done}/{}", c.stages.len())),
                Cell::text(flag),
                Cell::text(c.started_on.to_string()),
            ]
        })
        .collect();
    if stalled_n > 0 {
        pg.warnings.push(format!("{}: {stalled_n}", t.t("cycle.stalled_count")));
    }
    let mut cs = Section::table(
        t,
        "cycles",
        t.t("cycle.title"),
        &["cycle.community", "cycle.model_name", "cycle.current", "cycle.done", "cycle.stalled", "field.started_on"],
        rows,
        t.t("cycle.none"),
    );
    if manage {
        let own = model_of(state, id).await?;
        let mut models: Vec<(String, String)> = vec![(own.code.clone(), own.name.clone())];
        for m in StageModel::defaults() {
            if !models.iter().any(|(c, _)| *c == m.code) {
                models.push((m.code.clone(), m.name.clone()));
            }
        }
        let region = crate::kit::refs::record_field(
            state,
            auth,
            "region",
            "region",
            t.t("field.region"),
            &filled(form, "cycle", "region"),
        )
        .await;
        cs.form = Some(Form::new(
            "cycle",
            format!("/programs/{id}/cycles"),
            t.t("cycle.start"),
            vec![
                Field::text("community", t.t("field.community"), filled(form, "cycle", "community"))
                    .required()
                    .hint(t.t("cycle.community_hint")),
                region.required(),
                Field::select("model", t.t("cycle.model_name"), &filled(form, "cycle", "model"), models, None),
                Field::date("started_on", t.t("field.started_on"), filled(form, "cycle", "started_on")),
            ],
        ));
    }
    pg.sections.push(cs);
    // Stakeholders and the PPCP table.
    let partners = state.store().stakeholders(id).await?;
    let rows = partners
        .iter()
        .map(|(s, cs)| {
            vec![
                Cell::link(s.name.clone(), format!("/stakeholders/{}", s.id)),
                Cell::text(s.sector.label(lang.code())),
                Cell::text(s.role.label(lang.code())),
                Cell::text(rp(cs.iter().map(|c| c.value_rp).sum())),
            ]
        })
        .collect();
    let mut ps = Section::table(
        t,
        "stakeholders",
        t.t("partner.title"),
        &["field.name", "field.sector", "field.role", "partner.total"],
        rows,
        t.t("partner.none"),
    );
    if manage {
        ps.form = Some(Form::new(
            "stakeholder",
            format!("/programs/{id}/stakeholders"),
            t.t("partner.add"),
            vec![
                Field::text("name", t.t("field.name"), filled(form, "stakeholder", "name")).required(),
                Field::select(
                    "sector",
                    t.t("field.sector"),
                    &filled(form, "stakeholder", "sector"),
                    vocabulary(Sector::ALL, Sector::code, Sector::label, lang),
                    Some(t.t("common.choose")),
                )
                .required(),
                Field::select(
                    "role",
                    t.t("field.role"),
                    &filled(form, "stakeholder", "role"),
                    vocabulary(PartnerRole::ALL, PartnerRole::code, PartnerRole::label, lang),
                    Some(t.t("common.choose")),
                )
                .required(),
                Field::checkbox(
                    "organisation",
                    t.t("field.organisation"),
                    form.is_none() || filled(form, "stakeholder", "organisation") == "true",
                ),
                Field::text("note", t.t("field.note"), filled(form, "stakeholder", "note")),
            ],
        ));
    }
    pg.sections.push(ps);
    let mut ppcp_rows = Vec::new();
    for sector in Sector::ALL {
        let of: Vec<_> = partners.iter().filter(|(s, _)| s.sector == *sector).flat_map(|(_, cs)| cs.iter()).collect();
        if of.is_empty() {
            continue;
        }
        let mut row = vec![Cell::text(sector.label(lang.code()))];
        for kind in ContributionKind::ALL {
            row.push(Cell::text(rp(of.iter().filter(|c| c.kind == *kind).map(|c| c.value_rp).sum())));
        }
        row.push(Cell::text(rp(of.iter().map(|c| c.value_rp).sum())));
        ppcp_rows.push(row);
    }
    let mut ppcp = Section::table(t, "ppcp", t.t("partner.ppcp"), &["field.sector"], ppcp_rows, t.t("partner.none"));
    if let Some(table) = ppcp.table.as_mut() {
        table.headers.extend(ContributionKind::ALL.iter().map(|k| k.label(lang.code()).to_string()));
        table.headers.push(t.t("partner.total").into());
    }
    pg.sections.push(ppcp);
    // Outcomes.
    let inds = indicator_dtos(state, id).await?;
    let rows = inds
        .iter()
        .map(|i| {
            let m = Measure::parse(&i.measure).unwrap_or(Measure::Count);
            vec![
                Cell::link(i.name.clone(), format!("/indicators/{}", i.id)),
                Cell::text(format!("{}/{}", i.followed, i.subjects)),
                Cell::text(m.show(i.baseline_total, lang.code())),
                Cell::text(m.show(i.followup_total, lang.code())),
                Cell::text(i.improved.to_string()),
            ]
        })
        .collect();
    let mut os = Section::table(
        t,
        "indicators",
        t.t("outcome.list"),
        &["field.name", "outcome.followed", "outcome.baseline_total", "outcome.followup_total", "outcome.improved"],
        rows,
        t.t("outcome.none"),
    );
    if manage {
        os.form = Some(Form::new(
            "indicator",
            format!("/programs/{id}/indicators"),
            t.t("outcome.add"),
            vec![
                Field::text("name", t.t("field.name"), filled(form, "indicator", "name")).required(),
                Field::select(
                    "measure",
                    t.t("field.measure"),
                    &filled(form, "indicator", "measure"),
                    vocabulary(Measure::ALL, Measure::code, Measure::label, lang),
                    Some(t.t("common.choose")),
                )
                .required(),
                Field::select(
                    "subject",
                    t.t("field.subject"),
                    &filled(form, "indicator", "subject"),
                    vocabulary(Subject::ALL, Subject::code, Subject::label, lang),
                    Some(t.t("common.choose")),
                )
                .required(),
            ],
        ));
    }
    pg.sections.push(os);
    // Slum scores before and after.
    let baselines = state.store().program_slum_baselines(id).await?;
    let rules = SlumRules::default();
    let shown = |b: Option<&SlumBaseline>| match b.and_then(|b| score(&b.measures, &rules).ok().map(|s| (b, s))) {
        Some((b, s)) => Cell::link(
            format!("{} ({}, {})", s.total, s.class.label(lang.code()), b.measured_on),
            format!("/slum-baselines/{}", b.id),
        ),
        None => Cell::text("—"),
    };
    let rows = slum_pairs(&baselines)
        .into_iter()
        .map(|(k, before, after)| {
            let total =
                |b: Option<&SlumBaseline>| b.and_then(|b| score(&b.measures, &rules).ok()).map(|s| i64::from(s.total));
            let delta = match (total(before), total(after)) {
                (Some(a), Some(b)) => format!("{:+}", b - a),
                _ => "—".into(),
            };
            vec![Cell::text(k), shown(before), shown(after), Cell::text(delta)]
        })
        .collect();
    let mut ss = Section::table(
        t,
        "slum",
        t.t("slum.title"),
        &["slum.neighbourhood", "slum.before", "slum.after", "slum.change"],
        rows,
        t.t("slum.none"),
    );
    if manage {
        let region = crate::kit::refs::record_field(
            state,
            auth,
            "region",
            "region",
            t.t("field.region"),
            &filled(form, "baseline", "region"),
        )
        .await;
        let mut fields = vec![
            region.required(),
            Field::text("neighbourhood", t.t("slum.neighbourhood"), filled(form, "baseline", "neighbourhood"))
                .required(),
            Field::date("measured_on", t.t("field.measured_on"), filled(form, "baseline", "measured_on")).required(),
            Field::select(
                "phase",
                t.t("field.phase"),
                &filled(form, "baseline", "phase"),
                vec![("before".into(), t.t("slum.before").into()), ("after".into(), t.t("slum.after").into())],
                Some(t.t("common.choose")),
            )
            .required(),
        ];
        for prm in Parameter::ALL {
            fields.push(
                Field::text(
                    &format!("p_{}", prm.code()),
                    &format!("{} {}", prm.code(), prm.label(lang.code())),
                    filled(form, "baseline", &format!("p_{}", prm.code())),
                )
                .required()
                .hint(t.t("slum.pair_hint")),
            );
        }
        ss.form = Some(Form::new("baseline", format!("/programs/{id}/slum-baselines"), t.t("slum.add"), fields));
    }
    pg.sections.push(ss);
    Ok(pg)
}

async fn community_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = community_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

/// Back to `to` on success; the community page with the error at form `which` otherwise.
async fn community_answer(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    (which, section): (&str, &str),
    form: &FormData,
    result: Result<String, Error>,
) -> Result<Response, Error> {
    super::answer(lang, result, section, || community_view(state, auth, lang, id, Some((which, form)))).await
}

async fn start_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let p = managed(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let input = CycleInput {
        community: form.get("community"),
        region: form.get("region"),
        model: form.opt("model"),
        started_on: form.opt("started_on"),
    };
    let result = start(&state, &auth, &p, &input).await.map(|c| format!("/cycles/{}", c.id));
    community_answer(&state, &auth, lang, id, ("cycle", "cycles"), &form, result).await
}

async fn add_stakeholder_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    managed(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let d = StakeholderDraft {
        name: form.get("name"),
        organisation: Some(if form.get("organisation") == "true" { "true".into() } else { "false".into() }),
        sector: form.get("sector"),
        role: form.get("role"),
        note: form.opt("note"),
    };
    let result = async {
        let s = state.store().add_stakeholder(id, &d.parse()?).await?;
        Ok::<_, Error>(format!("/stakeholders/{}", s.id))
    }
    .await;
    community_answer(&state, &auth, lang, id, ("stakeholder", "stakeholders"), &form, result).await
}

async fn add_indicator_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    managed(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let d = IndicatorDraft { name: form.get("name"), measure: form.get("measure"), subject: form.get("subject") };
    let result = async {
        let i = state.store().add_indicator(id, &d.parse()?).await?;
        Ok::<_, Error>(format!("/indicators/{}", i.id))
    }
    .await;
    community_answer(&state, &auth, lang, id, ("indicator", "indicators"), &form, result).await
}

async fn add_baseline_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let p = managed(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let input = BaselineInput {
        region: form.get("region"),
        neighbourhood: form.get("neighbourhood"),
        measured_on: form.get("measured_on"),
        phase: form.get("phase"),
        note: None,
        measures: BTreeMap::new(),
    };
    let result = async {
        let measures = measures_of(&form)?;
        let b = add_baseline(&state, &auth, &p, &input, measures).await?;
        Ok::<_, Error>(format!("/slum-baselines/{}", b.id))
    }
    .await;
    community_answer(&state, &auth, lang, id, ("baseline", "slum"), &form, result).await
}

// --- The stage model --------------------------------------------------------------------------

async fn model_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    text_value: Option<String>,
) -> Result<Page, Error> {
    let t = lang.tr();
    let p = managed(state, auth, id).await?;
    let model = model_of(state, id).await?;
    let mut pg = page(lang, format!("{} — {}", t.t("cycle.model"), p.name), &p);
    let doc = text_value.unwrap_or_else(|| serde_json::to_string_pretty(&model).unwrap_or_default());
    pg.facts.push((t.t("cycle.model_name").into(), Cell::text(model.name.clone())));
    pg.sections.push(Section {
        id: "model".into(),
        title: t.t("cycle.model").into(),
        form: Some(Form::new(
            "model",
            format!("/programs/{id}/stage-model"),
            t.t("common.save"),
            vec![Field::textarea("document", t.t("cycle.model_json"), doc).required().hint(t.t("cycle.model_hint"))],
        )),
        ..Default::default()
    });
    Ok(pg)
}

async fn model_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = model_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn model_post(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    managed(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let doc = form.get("document");
    let result = async {
        let model: StageModel = serde_json::from_str(&doc)
            .map_err(|e| Error::unprocessable("document", format!("is not a stage model: {e}")))?;
        state.store().set_stage_model(id, &model).await?;
        Ok::<_, Error>(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/programs/{id}/community")).into_response()),
        Err(e) if e.status().is_server_error() => Err(e.page(lang)),
        Err(e) => {
            let mut pg = model_view(&state, &auth, lang, id, Some(doc)).await.map_err(|e| e.page(lang))?;
            let status = pg.fail(lang, "model", &e);
            Ok(crate::html::render_with(status, &pg))
        }
    }
}

// --- A cycle's page ---------------------------------------------------------------------------

async fn cycle_view(state: &AppState, auth: &Auth, lang: Lang, id: Id, error: Option<&Error>) -> Result<Page, Error> {
    let t = lang.tr();
    let c = state.store().cycle(id).await?;
    let p = through(state, auth, c.program_id, "cycle").await?;
    let manage = officer(auth, &p);
    let mut pg = page(lang, format!("{} · {} {}", c.community, t.t("cycle.no"), c.cycle_no), &p);
    pg.breadcrumbs.push(Link::new(t.t("community.page"), format!("/programs/{}/community", p.id)));
    pg.facts = vec![
        (t.t("cycle.model_name").into(), Cell::text(c.model.name.clone())),
        (t.t("field.region").into(), Cell::link(c.region_name.clone(), format!("/regions/{}", c.region))),
        (t.t("field.started_on").into(), Cell::text(c.started_on.to_string())),
    ];
    if let Some(e) = error {
        pg.warnings.push(e.text(lang));
    }
    let now = today();
    let mut activity_names: BTreeMap<Id, (String, time::Date)> = BTreeMap::new();
    let mut q = Query { page: PageRequest::new(1, 200), ..Query::default() };
    q.filters.push(("program_id".into(), p.id.to_string()));
    let acts = state.store().search_activities(&q).await?;
    for a in &acts.items {
        activity_names.insert(a.id, (a.title.clone(), a.held_on));
    }
    let mut rows = Vec::new();
    let mut moves: Vec<(String, String)> = Vec::new();
    for (i, s) in c.stages.iter().enumerate() {
        let def = &c.model.stages[i.min(c.model.stages.len().saturating_sub(1))];
        let ticked = s.milestones.len();
        let mut state_text = s.status.label(lang.code()).to_string();
        if stalled(s, &c.model, now) {
            state_text = format!("{state_text} — {}", t.t("cycle.stalled"));
        }
        if manage {
            let name = c.model.stage_name(i, lang.code());
            let mv = match s.status {
                StageStatus::NotStarted if i == 0 || c.stages[i - 1].status == StageStatus::Done => {
                    Some(("start", t.t("cycle.start_stage")))
                }
                StageStatus::InProgress => Some(("finish", t.t("cycle.finish_stage"))),
                StageStatus::Done if c.stages.get(i + 1).is_none_or(|n| n.status == StageStatus::NotStarted) => {
                    Some(("reopen", t.t("cycle.reopen_stage")))
                }
                _ => None,
            };
            if let Some((code, label)) = mv {
                moves.push((format!("{}:{}:{code}", s.id, s.version), format!("{label}: {}. {name}", i + 1)));
            }
        }
        let held: Vec<String> = c
            .activities
            .iter()
            .filter(|(st, _)| *st == s.id)
            .filter_map(|(_, a)| activity_names.get(a).map(|(n, d)| format!("{n} ({d})")))
            .collect();
        rows.push(vec![
            Cell::text(format!("{}. {}", i + 1, c.model.stage_name(i, lang.code()))),
            Cell::text(state_text),
            Cell::text(s.started_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())),
            Cell::text(s.done_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())),
            Cell::text(format!("{ticked}/{}", def.milestones.len())),
            Cell::text(if held.is_empty() { "—".into() } else { held.join("; ") }),
        ]);
    }
    pg.sections.push(Section::table(
        t,
        "stages",
        t.t("cycle.stages"),
        &["cycle.stage", "field.status", "field.started_on", "cycle.done_on", "field.milestones", "cycle.activities"],
        rows,
        String::new(),
    ));
    if !moves.is_empty() {
        pg.sections.push(Section {
            id: "moves".into(),
            title: t.t("cycle.move").into(),
            form: Some(Form::new(
                "move",
                format!("/cycles/{id}/move"),
                t.t("common.save"),
                vec![
                    Field::select("step", t.t("cycle.stage"), "", moves, Some(t.t("common.choose"))).required(),
                    Field::date("on", t.t("field.on"), String::new()).required(),
                    Field::text("note", t.t("field.note"), String::new()),
                ],
            )),
            ..Default::default()
        });
    }
    // The stage in progress: its milestones and the activities held in it.
    if let Some(i) = c.stages.iter().position(|s| s.status == StageStatus::InProgress) {
        let s = &c.stages[i];
        let def = &c.model.stages[i.min(c.model.stages.len().saturating_sub(1))];
        let rows = def
            .milestones
            .iter()
            .map(|m| {
                let done = s.milestones.iter().find(|(code, _)| *code == m.code);
                vec![
                    Cell::text(m.name.clone()),
                    Cell::text(done.map(|(_, d)| d.to_string()).unwrap_or_else(|| "—".into())),
                ]
            })
            .collect();
        let mut ms = Section::table(
            t,
            "milestones",
            format!("{} — {}", t.t("field.milestones"), c.model.stage_name(i, lang.code())),
            &["field.milestone", "cycle.done_on"],
            rows,
            String::new(),
        );
        if manage {
            let ticks: Vec<(String, String)> = def
                .milestones
                .iter()
                .map(|m| {
                    let done = s.milestones.iter().any(|(code, _)| *code == m.code);
                    let (flag, label) = if done { ("false", t.t("cycle.untick")) } else { ("true", t.t("cycle.tick")) };
                    (format!("{}:{flag}", m.code), format!("{label}: {}", m.name))
                })
                .collect();
            pg.sections.push(Section {
                id: "ticks".into(),
                title: t.t("cycle.ticks").into(),
                form: Some(Form::new(
                    "tick",
                    format!("/stages/{}/milestones", s.id),
                    t.t("common.save"),
                    vec![
                        Field::select("milestone", t.t("field.milestone"), "", ticks, Some(t.t("common.choose")))
                            .required(),
                        Field::date("on", t.t("field.on"), String::new()).required(),
                    ],
                )),
                ..Default::default()
            });
        }
        if manage {
            let choices: Vec<(String, String)> =
                acts.items.iter().map(|a| (a.id.to_string(), format!("{} ({})", a.title, a.held_on))).collect();
            ms.form = Some(Form::new(
                "activity",
                format!("/stages/{}/activities", s.id),
                t.t("cycle.link_activity"),
                vec![
                    Field::select("activity_id", t.t("field.activity_id"), "", choices, Some(t.t("common.choose")))
                        .required(),
                ],
            ));
            ms.links.push(Link::new(t.t("cycle.new_activity"), format!("/activities/new?program={}", p.id)));
        }
        pg.sections.push(ms);
    }
    // The community's history: its other cycles.
    let others: Vec<Vec<Cell>> = state
        .store()
        .program_cycles(p.id)
        .await?
        .into_iter()
        .filter(|o| o.community == c.community)
        .map(|o| {
            let end = o.stages.iter().filter_map(|s| s.done_on).max();
            vec![
                Cell::link(format!("{} {}", t.t("cycle.no"), o.cycle_no), format!("/cycles/{}", o.id)),
                Cell::text(o.started_on.to_string()),
                Cell::text(if o.finished() {
                    end.map(|d| d.to_string()).unwrap_or_default()
                } else {
                    t.t("cycle.running").to_string()
                }),
            ]
        })
        .collect();
    pg.sections.push(Section::table(
        t,
        "history",
        t.t("cycle.history"),
        &["cycle.no", "field.started_on", "cycle.done_on"],
        others,
        String::new(),
    ));
    if manage && c.finished() && c.model.repeating {
        pg.sections.push(Section {
            id: "next".into(),
            title: t.t("cycle.next").into(),
            form: Some(
                Form::new(
                    "cycle",
                    format!("/programs/{}/cycles", p.id),
                    t.t("cycle.start"),
                    vec![Field::date("started_on", t.t("field.started_on"), String::new())],
                )
                .hidden("community", c.community.clone())
                .hidden("region", c.region.to_string())
                .hidden("model", c.model.code.clone()),
            ),
            ..Default::default()
        });
    }
    Ok(pg)
}

async fn cycle_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = cycle_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn stage_answer(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    stage: Id,
    result: Result<Id, Error>,
) -> Result<Response, Error> {
    match result {
        Ok(cycle) => Ok(Redirect::to(&format!("/cycles/{cycle}#stages")).into_response()),
        Err(e)
            if e.status().is_server_error()
                || e.status() == StatusCode::FORBIDDEN
                || e.status() == StatusCode::NOT_FOUND =>
        {
            Err(e.page(lang))
        }
        Err(e) => {
            let c = state.store().stage_cycle(stage).await.map_err(|e| Error::from(e).page(lang))?;
            let pg = cycle_view(state, auth, lang, c.id, Some(&e)).await.map_err(|e| e.page(lang))?;
            Ok(crate::html::render_with(e.status(), &pg))
        }
    }
}

/// Back to the cycle's page on success; the page with the error beside the form otherwise.
async fn cycle_answer(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    cycle: Id,
    section: &str,
    result: Result<Id, Error>,
) -> Result<Response, Error> {
    let to = result.map(|c| format!("/cycles/{c}#stages"));
    super::answer(lang, to, section, || cycle_view(state, auth, lang, cycle, None)).await
}

/// Starts, finishes or reopens the stage the form names (`stage:version:move`) on `on`.
async fn move_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let result = async {
        let raw = form.get("step");
        let mut parts = raw.split(':');
        let (Some(stage), Some(version), Some(mv)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::unprocessable("step", "is required"));
        };
        let stage = text::id(stage).map_err(|m| Error::unprocessable("step", m))?;
        let version = version.parse::<i64>().map_err(|_| Error::unprocessable("step", "is required"))?;
        text::date(&form.get("on")).map_err(|m| Error::unprocessable("on", m))?;
        match state.store().stage_cycle(stage).await {
            Ok(c) if c.id == id => {}
            Ok(_) | Err(berdaya_store::StoreError::NotFound { .. }) => {
                return Err(missing_reference("step", "stage", stage));
            }
            Err(e) => return Err(e.into()),
        }
        move_stage(&state, &auth, stage, mv, form.opt("on").as_deref(), form.opt("note").as_deref(), version).await
    }
    .await;
    cycle_answer(&state, &auth, lang, id, "moves", result).await
}

/// Ticks or unticks the milestone the form names (`code:true|false`) on `on`.
async fn milestone_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let cycle = state.store().stage_cycle(id).await.map_err(|e| Error::from(e).page(lang))?.id;
    let result = async {
        let raw = form.get("milestone");
        let Some((code, done)) = raw.rsplit_once(':') else {
            return Err(Error::unprocessable("milestone", "is required"));
        };
        text::date(&form.get("on")).map_err(|m| Error::unprocessable("on", m))?;
        tick(&state, &auth, id, code, done == "true", form.opt("on").as_deref()).await
    }
    .await;
    cycle_answer(&state, &auth, lang, cycle, "ticks", result).await
}

async fn stage_activity_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let result = link_activity(&state, &auth, id, &form.get("activity_id")).await;
    stage_answer(&state, &auth, lang, id, result).await
}

// --- A stakeholder, an indicator, a baseline ---------------------------------------------------

async fn stakeholder_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    form: Option<&FormData>,
) -> Result<Page, Error> {
    let t = lang.tr();
    let s = state.store().stakeholder(id).await?;
    let p = through(state, auth, s.program_id, "stakeholder").await?;
    let list = state.store().stakeholders(p.id).await?;
    let contributions = list.into_iter().find(|(x, _)| x.id == id).map(|(_, c)| c).unwrap_or_default();
    let mut pg = page(lang, s.name.clone(), &p);
    pg.breadcrumbs.push(Link::new(t.t("community.page"), format!("/programs/{}/community#stakeholders", p.id)));
    pg.facts = vec![
        (t.t("field.sector").into(), Cell::text(s.sector.label(lang.code()))),
        (t.t("field.role").into(), Cell::text(s.role.label(lang.code()))),
        (t.t("field.organisation").into(), Cell::text(crate::html::yes_no(t, s.organisation))),
        (t.t("field.note").into(), Cell::text(s.note.clone().unwrap_or_else(|| "—".into()))),
    ];
    let rows = contributions
        .iter()
        .map(|c| {
            vec![
                Cell::text(c.given_on.to_string()),
                Cell::text(c.kind.label(lang.code())),
                Cell::text(c.description.clone()),
                Cell::text(rp(c.value_rp)),
                match c.activity_id {
                    Some(a) => Cell::link(t.t("field.activity_id"), format!("/activities/{a}")),
                    None => Cell::text("—"),
                },
            ]
        })
        .collect();
    let mut sec = Section::table(
        t,
        "contributions",
        t.t("partner.contributions"),
        &["field.given_on", "field.kind", "field.description", "field.value", "field.activity_id"],
        rows,
        t.t("partner.no_contributions"),
    );
    if officer(auth, &p) {
        let v = |k: &str| form.map(|f| f.get(k)).unwrap_or_default();
        let mut q = Query { page: PageRequest::new(1, 200), ..Query::default() };
        q.filters.push(("program_id".into(), p.id.to_string()));
        let choices = state
            .store()
            .search_activities(&q)
            .await?
            .items
            .iter()
            .map(|a| (a.id.to_string(), format!("{} ({})", a.title, a.held_on)))
            .collect();
        sec.form = Some(Form::new(
            "contribution",
            format!("/stakeholders/{id}"),
            t.t("partner.add_contribution"),
            vec![
                Field::select(
                    "kind",
                    t.t("field.kind"),
                    &v("kind"),
                    vocabulary(ContributionKind::ALL, ContributionKind::code, ContributionKind::label, lang),
                    Some(t.t("common.choose")),
                )
                .required(),
                Field::text("description", t.t("field.description"), v("description")).required(),
                Field::text("value", t.t("field.value"), v("value")).required(),
                Field::date("given_on", t.t("field.given_on"), v("given_on")).required(),
                Field::select("activity_id", t.t("field.activity_id"), &v("activity_id"), choices, Some("—")),
            ],
        ));
    }
    pg.sections.push(sec);
    Ok(pg)
}

async fn stakeholder_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = stakeholder_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn contribution_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let d = ContributionDraft {
        kind: form.get("kind"),
        description: form.get("description"),
        value: form.get("value"),
        given_on: form.get("given_on"),
        activity_id: form.opt("activity_id"),
    };
    match add_contribution(&state, &auth, id, &d).await {
        Ok(()) => Ok(Redirect::to(&format!("/stakeholders/{id}#contributions")).into_response()),
        Err(e)
            if e.status().is_server_error()
                || e.status() == StatusCode::FORBIDDEN
                || e.status() == StatusCode::NOT_FOUND =>
        {
            Err(e.page(lang))
        }
        Err(e) => {
            let mut pg = stakeholder_view(&state, &auth, lang, id, Some(&form)).await.map_err(|e| e.page(lang))?;
            let status = pg.fail(lang, "contributions", &e);
            Ok(crate::html::render_with(status, &pg))
        }
    }
}

async fn subject_name(state: &AppState, auth: &Auth, subject: Subject, id: Id) -> String {
    let kind = match subject {
        Subject::Household => "household",
        Subject::Group => "group",
    };
    crate::kit::refs::record_name(state, auth, kind, &id.to_string()).await.unwrap_or_else(|| "—".into())
}

async fn indicator_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    form: Option<&FormData>,
) -> Result<Page, Error> {
    let t = lang.tr();
    let i = state.store().indicator(id).await?;
    let p = through(state, auth, i.program_id, "indicator").await?;
    let values = state.store().outcomes(id).await?;
    let mut pg = page(lang, i.name.clone(), &p);
    pg.breadcrumbs.push(Link::new(t.t("community.page"), format!("/programs/{}/community#indicators", p.id)));
    let ch = change(&values);
    pg.facts = vec![
        (t.t("field.measure").into(), Cell::text(i.measure.label(lang.code()))),
        (t.t("field.subject").into(), Cell::text(i.subject.label(lang.code()))),
    ];
    pg.cards = vec![
        (t.t("outcome.followed").into(), format!("{}/{}", ch.followed, ch.subjects)),
        (t.t("outcome.baseline_total").into(), i.measure.show(ch.baseline_total, lang.code())),
        (t.t("outcome.followup_total").into(), i.measure.show(ch.followup_total, lang.code())),
        (t.t("outcome.improved").into(), ch.improved.to_string()),
    ];
    let mut rows = Vec::new();
    for v in &values {
        rows.push(vec![
            Cell::text(subject_name(state, auth, i.subject, v.subject_id).await),
            Cell::text(format!("{} ({})", i.measure.show(v.baseline, lang.code()), v.baseline_on)),
            Cell::text(match (v.followup, v.followup_on) {
                (Some(f), Some(d)) => format!("{} ({d})", i.measure.show(f, lang.code())),
                _ => "—".into(),
            }),
        ]);
    }
    let mut sec = Section::table(
        t,
        "values",
        t.t("outcome.values"),
        &["field.subject", "field.baseline", "field.followup"],
        rows,
        t.t("outcome.no_values"),
    );
    if officer(auth, &p) || auth.role() == berdaya_domain::access::Role::Facilitator {
        let v = |k: &str| form.map(|f| f.get(k)).unwrap_or_default();
        let kind = match i.subject {
            Subject::Household => "household",
            Subject::Group => "group",
        };
        let picker =
            crate::kit::refs::record_field(state, auth, kind, "subject_id", t.t("field.subject"), &v("subject_id"))
                .await;
        sec.form = Some(Form::new(
            "value",
            format!("/indicators/{id}"),
            t.t("outcome.add_value"),
            vec![
                picker.required(),
                Field::text("baseline", t.t("field.baseline"), v("baseline")).required().hint(t.t(match i.measure {
                    Measure::YesNo => "outcome.yes_no_hint",
                    Measure::Rupiah => "grant.amount_hint",
                    Measure::Count => "outcome.count_hint",
                })),
                Field::date("baseline_on", t.t("field.baseline_on"), v("baseline_on")).required(),
                Field::text("followup", t.t("field.followup"), v("followup")),
                Field::date("followup_on", t.t("field.followup_on"), v("followup_on")),
            ],
        ));
    }
    pg.sections.push(sec);
    Ok(pg)
}

async fn indicator_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let pg = indicator_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(crate::html::render(&pg))
}

async fn outcome_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let d = OutcomeDraft {
        subject_id: form.get("subject_id"),
        baseline: form.get("baseline"),
        baseline_on: form.get("baseline_on"),
        followup: form.opt("followup"),
        followup_on: form.opt("followup_on"),
    };
    match set_outcome(&state, &auth, id, &d).await {
        Ok(()) => Ok(Redirect::to(&format!("/indicators/{id}#values")).into_response()),
        Err(e)
            if e.status().is_server_error()
                || e.status() == StatusCode::FORBIDDEN
                || e.status() == StatusCode::NOT_FOUND =>
        {
            Err(e.page(lang))
        }
        Err(e) => {
            let mut pg = indicator_view(&state, &auth, lang, id, Some(&form)).await.map_err(|e| e.page(lang))?;
            let status = pg.fail(lang, "values", &e);
            Ok(crate::html::render_with(status, &pg))
        }
    }
}

async fn baseline_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let go = async {
        let t = lang.tr();
        let b = state.store().slum_baseline(id).await?;
        let program = b.program_id.ok_or_else(|| hidden("baseline"))?;
        let p = through(&state, &auth, program, "baseline").await?;
        if !auth.principal().in_area(&b.region) {
            return Err(hidden("baseline"));
        }
        let rules = SlumRules::default();
        let s = score(&b.measures, &rules)
            .map_err(|_| Error::from(berdaya_store::StoreError::Backend(format!("baseline {id} lacks a parameter"))))?;
        // The other phase of the same neighbourhood, for the change per parameter.
        let all = state.store().program_slum_baselines(program).await?;
        let other = all
            .iter()
            .filter(|o| o.region == b.region && o.neighbourhood == b.neighbourhood && o.phase != b.phase)
            .max_by_key(|o| o.measured_on);
        let other_score = other.and_then(|o| score(&o.measures, &rules).ok());
        let mut pg = page(lang, format!("{} — {}", t.t("slum.title"), b.neighbourhood), &p);
        pg.breadcrumbs.push(Link::new(t.t("community.page"), format!("/programs/{}/community#slum", p.id)));
        pg.facts = vec![
            (t.t("field.region").into(), Cell::link(b.region_name.clone(), format!("/regions/{}", b.region))),
            (t.t("field.measured_on").into(), Cell::text(b.measured_on.to_string())),
            (
                t.t("field.phase").into(),
                Cell::text(t.t(if b.phase == "before" { "slum.before" } else { "slum.after" })),
            ),
        ];
        pg.cards = vec![
            (t.t("slum.total").into(), s.total.to_string()),
            (t.t("slum.class").into(), s.class.label(lang.code()).to_string()),
        ];
        if let (Some(o), Some(os)) = (other, &other_score) {
            pg.cards.push((
                format!("{} ({})", t.t("slum.other"), o.measured_on),
                format!("{} · {}", os.total, os.class.label(lang.code())),
            ));
        }
        let rows = s
            .parameters
            .iter()
            .map(|ps| {
                let other_cell = other_score
                    .as_ref()
                    .and_then(|os| os.parameters.iter().find(|x| x.parameter == ps.parameter))
                    .map(|x| format!("{}/{} → {}", x.measure.affected, x.measure.total, x.score))
                    .unwrap_or_else(|| "—".into());
                vec![
                    Cell::text(format!("{} {}", ps.parameter.code(), ps.parameter.label(lang.code()))),
                    Cell::text(format!("{}/{}", ps.measure.affected, ps.measure.total)),
                    Cell::text(format!("{:.1} %", ps.measure.share() * 100.0).replace('.', ",")),
                    Cell::text(ps.score.to_string()),
                    Cell::text(other_cell),
                ]
            })
            .collect();
        pg.sections.push(Section::table(
            t,
            "parameters",
            t.t("slum.parameters"),
            &["slum.parameter", "slum.affected", "slum.share", "slum.score", "slum.other"],
            rows,
            String::new(),
        ));
        Ok::<_, Error>(crate::html::render(&pg))
    };
    go.await.map_err(|e| e.page(lang))
}

// --- XLSX -------------------------------------------------------------------------------------

async fn community_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    use super::{nc, tc};
    use berdaya_files::tables::SheetTable;
    let go = async {
        let t = lang.tr();
        let p = program_of(&state, &auth, id).await?;
        let heads = |keys: &[&str]| keys.iter().map(|k| t.t(k).to_string()).collect::<Vec<_>>();
        let mut cycles = SheetTable {
            name: t.t("cycle.title").into(),
            headers: heads(&[
                "cycle.community",
                "cycle.no",
                "cycle.stage",
                "field.status",
                "field.started_on",
                "cycle.done_on",
                "field.milestones",
            ]),
            rows: Vec::new(),
        };
        for c in state.store().program_cycles(id).await? {
            for (i, s) in c.stages.iter().enumerate() {
                cycles.rows.push(vec![
                    tc(c.community.clone()),
                    nc(i64::from(c.cycle_no)),
                    tc(format!("{}. {}", i + 1, c.model.stage_name(i, lang.code()))),
                    tc(s.status.label(lang.code())),
                    tc(s.started_on.map(|d| d.to_string()).unwrap_or_default()),
                    tc(s.done_on.map(|d| d.to_string()).unwrap_or_default()),
                    nc(s.milestones.len() as i64),
                ]);
            }
        }
        let mut partners = SheetTable {
            name: t.t("partner.title").into(),
            headers: heads(&[
                "field.name",
                "field.sector",
                "field.role",
                "field.kind",
                "field.description",
                "field.value",
                "field.given_on",
            ]),
            rows: Vec::new(),
        };
        for (s, cs) in state.store().stakeholders(id).await? {
            for c in &cs {
                partners.rows.push(vec![
                    tc(s.name.clone()),
                    tc(s.sector.label(lang.code())),
                    tc(s.role.label(lang.code())),
                    tc(c.kind.label(lang.code())),
                    tc(c.description.clone()),
                    nc(c.value_rp),
                    tc(c.given_on.to_string()),
                ]);
            }
        }
        let indicators = SheetTable {
            name: t.t("outcome.list").into(),
            headers: heads(&[
                "field.name",
                "field.measure",
                "outcome.followed",
                "outcome.baseline_total",
                "outcome.followup_total",
                "outcome.improved",
            ]),
            rows: indicator_dtos(&state, id)
                .await?
                .into_iter()
                .map(|i| {
                    vec![
                        tc(i.name),
                        tc(i.measure),
                        tc(format!("{}/{}", i.followed, i.subjects)),
                        nc(i.baseline_total),
                        nc(i.followup_total),
                        nc(i.improved as i64),
                    ]
                })
                .collect(),
        };
        let rules = SlumRules::default();
        let mut slum_heads =
            heads(&["slum.neighbourhood", "field.measured_on", "field.phase", "slum.total", "slum.class"]);
        slum_heads.extend(Parameter::ALL.iter().map(|p| format!("{} {}", p.code(), p.label(lang.code()))));
        let mut slums = SheetTable { name: t.t("slum.title").into(), headers: slum_heads, rows: Vec::new() };
        for b in state.store().program_slum_baselines(id).await? {
            let Ok(sc) = score(&b.measures, &rules) else { continue };
            let mut row = vec![
                tc(format!("{} — {}", b.neighbourhood, b.region_name)),
                tc(b.measured_on.to_string()),
                tc(t.t(if b.phase == "before" { "slum.before" } else { "slum.after" })),
                nc(i64::from(sc.total)),
                tc(sc.class.label(lang.code())),
            ];
            row.extend(
                sc.parameters
                    .iter()
                    .map(|ps| tc(format!("{}/{} → {}", ps.measure.affected, ps.measure.total, ps.score))),
            );
            slums.rows.push(row);
        }
        super::xlsx(&format!("komunitas-{}.xlsx", p.id), &[cycles, partners, indicators, slums])
    };
    go.await.map_err(|e| e.page(lang))
}
