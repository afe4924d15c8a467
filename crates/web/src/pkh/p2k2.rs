//! PKH P2K2 over HTTP: the module and session catalogue (shipped default, sessions can be
//! added), a program's cohorts of families with their facilitator, sessions held (the
//! program's activities, with attendance recorded on the activity) linked to a catalogue
//! session, and each family's progress through the modules — the program's P2K2 page, a
//! cohort's page with its progress matrix, the family panel, and the JSON twins.
//!
//! Access: whoever reads the program reads the catalogue and cohorts; family addresses and
//! the progress matrix go to administrators, the program's officers and facilitators;
//! cohorts, their families and session links are written by administrators and the program
//! officers of the program's agency; catalogue sessions by administrators and program
//! officers.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::Role;
use berdaya_domain::pkh::p2k2::{Cohort, Module, ModuleProgress, NewCohort, NewSession, overall};
use berdaya_domain::registry::{Id, Program, RegionCode};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::access::guard::{Auth, forbidden, hidden, missing_reference};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, IdsPath, JsonBody};
use crate::html::{Cell, Field, Form, Layout, Link, Section, Table, ViewPage, render, render_with};
use crate::i18n::Lang;
use crate::registry::programs::readable_program;
use crate::registry::{created, crumbs, iso};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programs/{id}/pkh/p2k2", get(program_page).post(create_cohort_page))
        .route("/programs/{id}/pkh/p2k2/cohorts/{cohort}", get(cohort_page))
        .route("/programs/{id}/pkh/p2k2/cohorts/{cohort}/families", post(add_families_page))
        .route("/programs/{id}/pkh/p2k2/cohorts/{cohort}/sessions", post(link_session_page))
        .route("/api/v1/pkh/p2k2/catalogue", get(catalogue_api))
        .route("/api/v1/pkh/p2k2/sessions", post(add_session_api))
        .route("/api/v1/programs/{id}/pkh/p2k2/cohorts", get(cohorts_api).post(create_cohort_api))
        .route("/api/v1/pkh/p2k2/cohorts/{id}/families", post(add_families_api))
        .route("/api/v1/pkh/p2k2/cohorts/{id}/sessions", post(link_session_api))
        .route("/api/v1/pkh/p2k2/cohorts/{id}/progress", get(progress_api))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        catalogue_api, add_session_api, cohorts_api, create_cohort_api, add_families_api, link_session_api,
        progress_api
    ),
    components(schemas(
        ModuleDto, SessionDto, SessionInput, CohortDto, CohortInput, FamiliesInput, LinkInput, FamilyProgressDto,
        ModuleProgressDto
    )),
    tags((name = "pkh", description = "PKH, the conditional cash transfer"))
)]
pub struct P2k2Api;

// --- DTOs -------------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub position: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleDto {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub title_en: String,
    /// Added after the original five modules (stunting).
    pub added_later: bool,
    pub sessions: Vec<SessionDto>,
}

impl From<Module> for ModuleDto {
    fn from(m: Module) -> Self {
        ModuleDto {
            id: m.id,
            code: m.code,
            title: m.title,
            title_en: m.title_en,
            added_later: m.added_later,
            sessions: m
                .sessions
                .into_iter()
                .map(|s| SessionDto {
                    id: s.id,
                    code: s.code,
                    title: s.title,
                    title_en: s.title_en,
                    position: s.position,
                })
                .collect(),
        }
    }
}

/// A session added to the catalogue.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SessionInput {
    pub module_id: i64,
    /// Unique in the catalogue: letters, digits, `.`, `_`, `-` (stored upper-case).
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub title_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CohortDto {
    pub id: i64,
    pub program_id: i64,
    pub name: String,
    pub region: String,
    pub facilitator_id: Option<i64>,
    pub families: u32,
    pub sessions_held: u32,
}

/// A new cohort.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CohortInput {
    pub name: String,
    /// Where it meets: a region code in the caller's area.
    pub region: String,
    /// A facilitator's user id.
    pub facilitator_id: Option<i64>,
}

/// Families added to a cohort.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FamiliesInput {
    pub family_ids: Vec<i64>,
}

/// An activity of the program held as a catalogue session with the cohort.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkInput {
    pub activity_id: i64,
    pub session_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleProgressDto {
    pub module_id: i64,
    pub code: String,
    pub attended: usize,
    pub total: usize,
}

impl From<&ModuleProgress> for ModuleProgressDto {
    fn from(p: &ModuleProgress) -> Self {
        ModuleProgressDto { module_id: p.module_id, code: p.code.clone(), attended: p.attended, total: p.total }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FamilyProgressDto {
    pub family_id: i64,
    pub household_id: i64,
    /// Distinct sessions attended over the catalogue's sessions.
    pub attended: usize,
    pub total: usize,
    pub modules: Vec<ModuleProgressDto>,
}

// --- Access -----------------------------------------------------------------------------------------

fn manages(auth: &Auth, p: &Program) -> bool {
    auth.principal().manages_program(p.agency_id)
}

fn edits_catalogue(auth: &Auth) -> bool {
    matches!(auth.role(), Role::Administrator | Role::ProgramOfficer)
}

/// Whether the caller sees families (addresses, progress): managers and facilitators.
fn sees_families(auth: &Auth, p: &Program) -> bool {
    manages(auth, p) || auth.role() == Role::Facilitator
}

/// A cohort the caller may read, with its program; out of scope reads as missing.
async fn readable_cohort(state: &AppState, auth: &Auth, id: Id) -> Result<(Cohort, Program), Error> {
    let cohort = state.store().p2k2_cohort(id).await?;
    let program = readable_program(state, auth, cohort.program_id).await.map_err(|_| hidden("cohort"))?;
    let region = RegionCode::parse(&cohort.region).map_err(|_| hidden("cohort"))?;
    if !auth.region_code_visible(&region) {
        return Err(hidden("cohort"));
    }
    Ok((cohort, program))
}

async fn writable_cohort(state: &AppState, auth: &Auth, id: Id) -> Result<(Cohort, Program), Error> {
    let (c, p) = readable_cohort(state, auth, id).await?;
    auth.require(manages(auth, &p))?;
    Ok((c, p))
}

/// The families named, each a family of the cohort's program whose household the caller
/// may read (else a missing reference).
async fn family_refs(state: &AppState, auth: &Auth, program: &Program, ids: &[Id]) -> Result<(), Error> {
    let free: HashMap<Id, Id> =
        state.store().p2k2_free_families(program.id, 100_000).await?.into_iter().map(|(f, h, _)| (f, h)).collect();
    for &id in ids {
        let Some(&hh) = free.get(&id) else { return Err(missing_reference("family_ids", "family", id)) };
        if auth.readable_household(state.store(), hh).await.is_err() {
            return Err(missing_reference("family_ids", "family", id));
        }
    }
    Ok(())
}

async fn cohort_from(
    state: &AppState,
    auth: &Auth,
    program: &Program,
    input: &CohortInput,
) -> Result<NewCohort, Error> {
    let mut new = NewCohort::parse(program.id, &input.name, &input.region, input.facilitator_id)?;
    let code = RegionCode::parse(&new.region).map_err(|e| Error::unprocessable("region", e))?;
    auth.region_ref(state.store(), "region", &code).await?;
    new.region = code.as_str().to_string();
    if let Some(u) = input.facilitator_id {
        let user = state.store().user(u).await.map_err(|_| missing_reference("facilitator_id", "user", u))?;
        if user.role != Role::Facilitator || !user.area.as_ref().is_none_or(|a| auth.in_area(a)) {
            return Err(missing_reference("facilitator_id", "user", u));
        }
    }
    Ok(new)
}

async fn link(state: &AppState, auth: &Auth, cohort: &Cohort, input: &LinkInput) -> Result<(), Error> {
    let readable = crate::activity::readable_activity(state, auth, input.activity_id)
        .await
        .map_err(|_| missing_reference("activity_id", "activity", input.activity_id))?;
    let _ = readable;
    state.store().link_p2k2_session(input.activity_id, input.session_id, cohort.id).await?;
    Ok(())
}

// --- API --------------------------------------------------------------------------------------------

/// The P2K2 catalogue: modules in order with their sessions.
#[utoipa::path(get, path = "/api/v1/pkh/p2k2/catalogue", tag = "pkh", responses((status = 200, body = [ModuleDto])))]
pub async fn catalogue_api(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<ModuleDto>>, Error> {
    auth.require(auth.principal().reads_programs())?;
    Ok(Json(state.store().p2k2_catalogue().await?.into_iter().map(ModuleDto::from).collect()))
}

/// Adds a session to a catalogue module (administrators and program officers).
#[utoipa::path(post, path = "/api/v1/pkh/p2k2/sessions", tag = "pkh", request_body = SessionInput,
    responses((status = 201, body = SessionDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_session_api(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(edits_catalogue(&auth))?;
    let input: SessionInput = body.decode()?;
    let new = NewSession::parse(input.module_id, &input.code, &input.title, &input.title_en)?;
    let s = state.store().add_p2k2_session(&new).await?;
    Ok(created(SessionDto { id: s.id, code: s.code, title: s.title, title_en: s.title_en, position: s.position }))
}

fn cohort_dto(c: &berdaya_store::pkh::p2k2::CohortRow) -> CohortDto {
    CohortDto {
        id: c.cohort.id,
        program_id: c.cohort.program_id,
        name: c.cohort.name.clone(),
        region: c.cohort.region.clone(),
        facilitator_id: c.cohort.facilitator_id,
        families: c.families,
        sessions_held: c.sessions_held,
    }
}

async fn visible_cohorts(
    state: &AppState,
    auth: &Auth,
    program_id: Id,
) -> Result<Vec<berdaya_store::pkh::p2k2::CohortRow>, Error> {
    Ok(state
        .store()
        .p2k2_cohorts(program_id)
        .await?
        .into_iter()
        .filter(|c| RegionCode::parse(&c.cohort.region).is_ok_and(|r| auth.region_code_visible(&r)))
        .collect())
}

/// A program's P2K2 cohorts in the caller's area.
#[utoipa::path(get, path = "/api/v1/programs/{id}/pkh/p2k2/cohorts", tag = "pkh",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [CohortDto]), (status = 404, body = ErrorBody)))]
pub async fn cohorts_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<CohortDto>>, Error> {
    let p = readable_program(&state, &auth, id).await?;
    Ok(Json(visible_cohorts(&state, &auth, p.id).await?.iter().map(cohort_dto).collect()))
}

/// Creates a cohort of the program (administrators and the program's officers).
#[utoipa::path(post, path = "/api/v1/programs/{id}/pkh/p2k2/cohorts", tag = "pkh",
    params(("id" = i64, Path, description = "Program id")), request_body = CohortInput,
    responses((status = 201, body = CohortDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_cohort_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let p = readable_program(&state, &auth, id).await?;
    auth.require(manages(&auth, &p))?;
    let input: CohortInput = body.decode()?;
    let new = cohort_from(&state, &auth, &p, &input).await?;
    let c = state.store().create_p2k2_cohort(&new).await?;
    Ok(created(CohortDto {
        id: c.id,
        program_id: c.program_id,
        name: c.name,
        region: c.region,
        facilitator_id: c.facilitator_id,
        families: 0,
        sessions_held: 0,
    }))
}

/// Adds families of the program to a cohort; a family is in one cohort.
#[utoipa::path(post, path = "/api/v1/pkh/p2k2/cohorts/{id}/families", tag = "pkh",
    params(("id" = i64, Path, description = "Cohort id")), request_body = FamiliesInput,
    responses((status = 200, body = [FamilyProgressDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_families_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<Vec<FamilyProgressDto>>, Error> {
    let (cohort, p) = writable_cohort(&state, &auth, id).await?;
    let input: FamiliesInput = body.decode()?;
    if input.family_ids.is_empty() || input.family_ids.len() > 1000 {
        return Err(Error::unprocessable("family_ids", "must name 1 to 1000 families"));
    }
    family_refs(&state, &auth, &p, &input.family_ids).await?;
    state.store().add_p2k2_families(cohort.id, &input.family_ids).await?;
    progress_dtos(&state, cohort.id).await.map(Json)
}

/// Records an activity of the program as a catalogue session held with the cohort; the
/// activity's attendance then counts towards each family's progress.
#[utoipa::path(post, path = "/api/v1/pkh/p2k2/cohorts/{id}/sessions", tag = "pkh",
    params(("id" = i64, Path, description = "Cohort id")), request_body = LinkInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn link_session_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let (cohort, _) = writable_cohort(&state, &auth, id).await?;
    let input: LinkInput = body.decode()?;
    link(&state, &auth, &cohort, &input).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

async fn progress_dtos(state: &AppState, cohort_id: Id) -> Result<Vec<FamilyProgressDto>, Error> {
    Ok(state
        .store()
        .p2k2_progress(cohort_id)
        .await?
        .iter()
        .map(|f| {
            let (attended, total) = overall(&f.modules);
            FamilyProgressDto {
                family_id: f.family_id,
                household_id: f.household_id,
                attended,
                total,
                modules: f.modules.iter().map(ModuleProgressDto::from).collect(),
            }
        })
        .collect())
}

/// Each family of a cohort with the distinct sessions attended per module.
#[utoipa::path(get, path = "/api/v1/pkh/p2k2/cohorts/{id}/progress", tag = "pkh",
    params(("id" = i64, Path, description = "Cohort id")),
    responses((status = 200, body = [FamilyProgressDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn progress_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<FamilyProgressDto>>, Error> {
    let (cohort, p) = readable_cohort(&state, &auth, id).await?;
    auth.require(sees_families(&auth, &p))?;
    progress_dtos(&state, cohort.id).await.map(Json)
}

// --- Pages ------------------------------------------------------------------------------------------

async fn program_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    p: &Program,
    form: Option<&FormData>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let catalogue = state.store().p2k2_catalogue().await?;
    let cohorts = visible_cohorts(state, auth, p.id).await?;
    let heading = format!("{} — {}", t.t("pkh_p2k2.title"), p.name);
    let mut breadcrumbs = crumbs(lang, "nav.programs", "/programs");
    breadcrumbs.push(Link::new(p.name.clone(), format!("/programs/{}", p.id)));
    let en = lang.code() == "en";
    let title =
        |id: &str, en_title: &str| if en && !en_title.is_empty() { en_title.to_string() } else { id.to_string() };
    let mut sections = vec![Section {
        id: "catalogue".into(),
        title: t.t("pkh_p2k2.catalogue").into(),
        table: Some(Table {
            headers: vec![
                t.t("pkh_p2k2.module").into(),
                t.t("pkh_p2k2.sessions").into(),
                t.t("pkh_p2k2.session_list").into(),
            ],
            rows: catalogue
                .iter()
                .map(|m| {
                    let mut name = title(&m.title, &m.title_en);
                    if m.added_later {
                        name.push_str(&format!(" ({})", t.t("pkh_p2k2.added_later")));
                    }
                    vec![
                        Cell::text(name),
                        Cell::text(m.sessions.len().to_string()),
                        Cell::text(
                            m.sessions
                                .iter()
                                .map(|s| format!("{} {}", s.code, title(&s.title, &s.title_en)))
                                .collect::<Vec<_>>()
                                .join("; "),
                        ),
                    ]
                })
                .collect(),
            empty: t.t("pkh_p2k2.none").into(),
            ..Default::default()
        }),
        ..Default::default()
    }];
    let mut cohort_section = Section {
        id: "cohorts".into(),
        title: t.t("pkh_p2k2.cohorts").into(),
        table: Some(Table {
            headers: vec![
                t.t("pkh_p2k2.cohort").into(),
                t.t("pkh_p2k2.region").into(),
                t.t("pkh_p2k2.families").into(),
                t.t("pkh_p2k2.held").into(),
            ],
            rows: cohorts
                .iter()
                .map(|c| {
                    vec![
                        Cell::link(
                            c.cohort.name.clone(),
                            format!("/programs/{}/pkh/p2k2/cohorts/{}", p.id, c.cohort.id),
                        ),
                        Cell::text(c.region_name.clone()),
                        Cell::text(c.families.to_string()),
                        Cell::text(c.sessions_held.to_string()),
                    ]
                })
                .collect(),
            empty: t.t("pkh_p2k2.no_cohorts").into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    if manages(auth, p) {
        let get = |n: &str| form.map(|f| f.get(n)).unwrap_or_default();
        let facilitators: Vec<(String, String)> = state
            .store()
            .users()
            .await?
            .into_iter()
            .filter(|u| u.role == Role::Facilitator && !u.disabled && u.area.as_ref().is_none_or(|a| auth.in_area(a)))
            .map(|u| (u.id.to_string(), u.display_name))
            .collect();
        cohort_section.form = Some(Form::new(
            "cohort",
            format!("/programs/{}/pkh/p2k2", p.id),
            t.t("pkh_p2k2.create"),
            vec![
                Field::text("name", t.t("pkh_p2k2.cohort"), get("name")).required(),
                Field::picker("region", t.t("pkh_p2k2.region"), "region", get("region"), "").required(),
                Field::select(
                    "facilitator_id",
                    t.t("pkh_p2k2.facilitator"),
                    &get("facilitator_id"),
                    facilitators,
                    Some(t.t("pkh_p2k2.no_facilitator")),
                ),
            ],
        ));
    }
    sections.push(cohort_section);
    Ok(ViewPage {
        l: Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs,
        actions: vec![Link::new(t.t("nav.activities"), format!("/activities?program_id={}", p.id))],
        warnings: Vec::new(),
        facts: vec![(t.t("pkh_p2k2.program").to_string(), Cell::link(p.name.clone(), format!("/programs/{}", p.id)))],
        sections,
    })
}

async fn program_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let go = async {
        let p = readable_program(&state, &auth, id).await?;
        program_view(&state, &auth, lang, &p, None).await
    };
    Ok(render(&go.await.map_err(|e| e.page(lang))?))
}

async fn create_cohort_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let p = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !manages(&auth, &p) {
        return Err(forbidden().page(lang));
    }
    let input = CohortInput {
        name: form.get("name"),
        region: form.get("region"),
        facilitator_id: form.opt("facilitator_id").and_then(|s| s.trim().parse().ok()),
    };
    let go = async {
        let new = cohort_from(&state, &auth, &p, &input).await?;
        Ok::<_, Error>(state.store().create_p2k2_cohort(&new).await?)
    };
    match go.await {
        Ok(c) => Ok(Redirect::to(&format!("/programs/{id}/pkh/p2k2/cohorts/{}", c.id)).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let mut view = program_view(&state, &auth, lang, &p, Some(&form)).await.map_err(|e| e.page(lang))?;
            let mut status = err.status();
            if let Some(f) = view.sections.iter_mut().find(|s| s.id == "cohorts").and_then(|s| s.form.as_mut()) {
                status = f.show_error(lang.tr(), &err);
            }
            Ok(render_with(status, &view))
        }
    }
}

/// The cohort of the path, checked to belong to the program of the path.
async fn path_cohort(state: &AppState, auth: &Auth, program: Id, cohort: Id) -> Result<(Cohort, Program), Error> {
    let (c, p) = readable_cohort(state, auth, cohort).await?;
    if p.id != program {
        return Err(hidden("cohort"));
    }
    Ok((c, p))
}

async fn cohort_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    c: &Cohort,
    p: &Program,
    which: Option<(&str, &FormData)>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let catalogue = store.p2k2_catalogue().await?;
    let held = store.p2k2_held(c.id).await?;
    let base = format!("/programs/{}/pkh/p2k2/cohorts/{}", p.id, c.id);
    let heading = format!("{} — {}", t.t("pkh_p2k2.cohort"), c.name);
    let mut breadcrumbs = crumbs(lang, "nav.programs", "/programs");
    breadcrumbs.push(Link::new(p.name.clone(), format!("/programs/{}", p.id)));
    breadcrumbs.push(Link::new(t.t("pkh_p2k2.title"), format!("/programs/{}/pkh/p2k2", p.id)));
    let mut sections = Vec::new();
    if sees_families(auth, p) {
        let progress = store.p2k2_progress(c.id).await?;
        let mut headers = vec![t.t("pkh_p2k2.family").to_string()];
        headers.extend(catalogue.iter().map(|m| m.code.clone()));
        headers.push(t.t("pkh_p2k2.overall").into());
        sections.push(Section {
            id: "progress".into(),
            title: t.t("pkh_p2k2.progress").into(),
            table: Some(Table {
                headers,
                rows: progress
                    .iter()
                    .map(|f| {
                        let (a, n) = overall(&f.modules);
                        let mut row = vec![Cell::link(f.address.clone(), format!("/households/{}", f.household_id))];
                        row.extend(f.modules.iter().map(|m| Cell::text(format!("{}/{}", m.attended, m.total))));
                        row.push(Cell::text(format!("{a}/{n}")));
                        row
                    })
                    .collect(),
                empty: t.t("pkh_p2k2.no_families").into(),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    let mut held_section = Section {
        id: "held".into(),
        title: t.t("pkh_p2k2.held_sessions").into(),
        table: Some(Table {
            headers: vec![
                t.t("pkh_p2k2.date").into(),
                t.t("pkh_p2k2.activity").into(),
                t.t("pkh_p2k2.session").into(),
                t.t("pkh_p2k2.present").into(),
            ],
            rows: held
                .iter()
                .map(|h| {
                    vec![
                        Cell::text(iso(h.held_on)),
                        Cell::link(h.title.clone(), format!("/activities/{}", h.activity_id)),
                        Cell::text(h.session_code.clone()),
                        Cell::text(h.families_present.to_string()),
                    ]
                })
                .collect(),
            empty: t.t("pkh_p2k2.none_held").into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    if manages(auth, p) {
        let get = |form: &str, n: &str| match which {
            Some((f, data)) if f == form => data.get(n),
            _ => String::new(),
        };
        let activities = store.p2k2_free_activities(p.id, 200).await?;
        let sessions: Vec<(String, String)> = catalogue
            .iter()
            .flat_map(|m| m.sessions.iter().map(|s| (s.id.to_string(), format!("{} {}", s.code, s.title))))
            .collect();
        held_section.form = Some(Form::new(
            "link",
            format!("{base}/sessions"),
            t.t("pkh_p2k2.link"),
            vec![
                Field::select(
                    "activity_id",
                    t.t("pkh_p2k2.activity"),
                    &get("link", "activity_id"),
                    activities
                        .into_iter()
                        .map(|(id, d, title)| (id.to_string(), format!("{} {title}", iso(d))))
                        .collect(),
                    Some(t.t("pkh_p2k2.pick")),
                )
                .required(),
                Field::select(
                    "session_id",
                    t.t("pkh_p2k2.session"),
                    &get("link", "session_id"),
                    sessions,
                    Some(t.t("pkh_p2k2.pick")),
                )
                .required(),
            ],
        ));
        let free = store.p2k2_free_families(p.id, 200).await?;
        sections.push(Section {
            id: "add".into(),
            title: t.t("pkh_p2k2.add_families").into(),
            form: Some(Form::new(
                "families",
                format!("{base}/families"),
                t.t("pkh_p2k2.add"),
                vec![
                    Field::select(
                        "family_id",
                        t.t("pkh_p2k2.family"),
                        &get("families", "family_id"),
                        free.into_iter().map(|(id, _, address)| (id.to_string(), address)).collect(),
                        Some(t.t("pkh_p2k2.pick")),
                    )
                    .required(),
                ],
            )),
            ..Default::default()
        });
    }
    sections.insert(0, held_section);
    let region = RegionCode::parse(&c.region).ok();
    let region_name = match &region {
        Some(r) => store.region(r).await.map(|r| r.name).unwrap_or_else(|_| c.region.clone()),
        None => c.region.clone(),
    };
    Ok(ViewPage {
        l: Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs,
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: vec![
            (t.t("pkh_p2k2.program").to_string(), Cell::link(p.name.clone(), format!("/programs/{}", p.id))),
            (t.t("pkh_p2k2.region").to_string(), Cell::text(region_name)),
            (t.t("pkh_p2k2.held").to_string(), Cell::text(held.len().to_string())),
        ],
        sections,
    })
}

async fn cohort_page(Cx { state, lang, auth }: Cx, IdsPath(program, cohort): IdsPath) -> Result<Response, Error> {
    let go = async {
        let (c, p) = path_cohort(&state, &auth, program, cohort).await?;
        cohort_view(&state, &auth, lang, &c, &p, None).await
    };
    Ok(render(&go.await.map_err(|e| e.page(lang))?))
}

async fn cohort_write(cx: Cx, program: Id, cohort: Id, which: &'static str, form: FormData) -> Result<Response, Error> {
    let Cx { state, lang, auth } = cx;
    let (c, p) = path_cohort(&state, &auth, program, cohort).await.map_err(|e| e.page(lang))?;
    if !manages(&auth, &p) {
        return Err(forbidden().page(lang));
    }
    let go = async {
        let number = |name: &'static str| -> Result<Id, Error> {
            form.get(name).trim().parse::<Id>().map_err(|_| Error::unprocessable(name, "is required"))
        };
        if which == "families" {
            let id = number("family_id")?;
            family_refs(&state, &auth, &p, &[id]).await.map_err(|_| missing_reference("family_id", "family", id))?;
            state.store().add_p2k2_families(c.id, &[id]).await?;
        } else {
            let input = LinkInput { activity_id: number("activity_id")?, session_id: number("session_id")? };
            link(&state, &auth, &c, &input).await?;
        }
        Ok::<_, Error>(())
    };
    match go.await {
        Ok(()) => Ok(Redirect::to(&format!("/programs/{program}/pkh/p2k2/cohorts/{cohort}")).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let mut view =
                cohort_view(&state, &auth, lang, &c, &p, Some((which, &form))).await.map_err(|e| e.page(lang))?;
            let id = if which == "families" { "add" } else { "held" };
            let mut status = err.status();
            if let Some(f) = view.sections.iter_mut().find(|s| s.id == id).and_then(|s| s.form.as_mut()) {
                status = f.show_error(lang.tr(), &err);
            }
            Ok(render_with(status, &view))
        }
    }
}

async fn add_families_page(cx: Cx, IdsPath(program, cohort): IdsPath, form: FormData) -> Result<Response, Error> {
    cohort_write(cx, program, cohort, "families", form).await
}

async fn link_session_page(cx: Cx, IdsPath(program, cohort): IdsPath, form: FormData) -> Result<Response, Error> {
    cohort_write(cx, program, cohort, "link", form).await
}

/// This part's section of a PKH family's page and of the household page's PKH panel: the
/// family's cohort and its progress per module.
pub async fn family_panel(
    state: &AppState,
    lang: crate::i18n::Lang,
    family_id: berdaya_domain::registry::Id,
) -> Result<Option<crate::html::Section>, crate::error::Error> {
    let t = lang.tr();
    let store = state.store();
    let progress = match store.p2k2_family_progress(family_id).await {
        Ok(p) => p,
        Err(berdaya_store::StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let cohort = store.p2k2_family_cohort(family_id).await?;
    let catalogue = store.p2k2_catalogue().await?;
    let en = lang.code() == "en";
    let name_of = |id: Id| {
        catalogue
            .iter()
            .find(|m| m.id == id)
            .map(|m| if en && !m.title_en.is_empty() { m.title_en.clone() } else { m.title.clone() })
            .unwrap_or_default()
    };
    let (a, n) = overall(&progress);
    let mut rows: Vec<Vec<Cell>> = progress
        .iter()
        .map(|m| vec![Cell::text(name_of(m.module_id)), Cell::text(format!("{}/{}", m.attended, m.total))])
        .collect();
    rows.push(vec![Cell::text(t.t("pkh_p2k2.overall")), Cell::text(format!("{a}/{n}"))]);
    let links = cohort
        .map(|c| {
            vec![Link::new(
                format!("{}: {}", t.t("pkh_p2k2.cohort"), c.name),
                format!("/programs/{}/pkh/p2k2/cohorts/{}", c.program_id, c.id),
            )]
        })
        .unwrap_or_default();
    Ok(Some(Section {
        id: "p2k2".into(),
        title: t.t("pkh_p2k2.progress").into(),
        table: Some(Table {
            headers: vec![t.t("pkh_p2k2.module").into(), t.t("pkh_p2k2.attended").into()],
            rows,
            empty: t.t("pkh_p2k2.none").into(),
            ..Default::default()
        }),
        links,
        ..Default::default()
    }))
}
