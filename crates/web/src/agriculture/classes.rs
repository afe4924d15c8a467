//! Farmer-group class assessment over HTTP: the instrument (kept as data, edited as a new
//! version), a group's scored assessment, its class history on the group page, a program's
//! groups per class with due and overdue reassessments, and their XLSX export.
//!
//! Reads: every role that reads programs (not viewers, who see the dashboard's aggregates),
//! within the area; a group officer only their own group. Writes (assessments, instrument
//! versions): administrators and program officers — an assessment, of the agency running its
//! program. Every id a request carries is resolved through the caller's scope; one out of
//! scope answers as a missing one.

use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use berdaya_domain::access::Role;
use berdaya_domain::agriculture::class::{
    Ability, Assessment, AssessmentDraft, ClassBand, IndicatorDraft, Instrument, InstrumentDraft, Number,
};
use berdaya_domain::registry::{Group, Id, Program};
use berdaya_files::tables::{SheetTable, TableCell};
use berdaya_store::agriculture::{GroupClass, StaffPick};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::access::guard::{Auth, hidden, missing_reference};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody};
use crate::html::{Cell, Field, Form, FormPage, Layout, Link, Section, Table, ViewPage, render, vocabulary};
use crate::i18n::Lang;
use crate::kit::{field_failed, link_if};
use crate::registry::programs::readable_program;
use crate::registry::{created, crumbs, iso};

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/class-instruments", get(instruments_api).post(create_instrument_api))
        .route("/api/v1/class-instruments/{id}", get(instrument_api))
        .route("/api/v1/class-assessments", axum::routing::post(create_assessment_api))
        .route("/api/v1/class-assessments/{id}", get(assessment_api))
        .route("/api/v1/groups/{id}/class-assessments", get(group_history_api))
        .route("/api/v1/programs/{id}/classes", get(program_classes_api))
        .route("/class-instruments", get(instruments_page))
        .route("/class-instruments/{id}", get(instrument_page))
        .route("/class-instruments/{id}/edit", get(edit_instrument_page).post(save_instrument_page))
        .route("/groups/{id}/class-assessments/new", get(new_assessment_page))
        .route("/groups/{id}/class-assessments", axum::routing::post(create_assessment_page))
        .route("/class-assessments/{id}", get(assessment_page))
        .route("/programs/{id}/classes", get(program_classes_page))
        .route("/programs/{id}/classes.xlsx", get(program_classes_xlsx))
}

// Access ------------------------------------------------------------------------------------

/// Whether the role reads class records at all (viewers see aggregates only).
fn reads(auth: &Auth) -> bool {
    auth.principal().reads_programs() && auth.role() != Role::Viewer
}

/// Whether the role edits the instrument (a new version).
fn edits_instrument(auth: &Auth) -> bool {
    matches!(auth.role(), Role::Administrator | Role::ProgramOfficer)
}

/// Whether the role may record assessments at all (of some agency's program).
fn assesses(auth: &Auth) -> bool {
    matches!(auth.role(), Role::Administrator | Role::ProgramOfficer)
}

/// A group whose class records the caller may read: in their area (a group officer: their own
/// group; evaluators too, groups not being people); out of scope reads as missing.
pub(crate) async fn class_group(state: &AppState, auth: &Auth, id: Id) -> Result<Group, Error> {
    auth.require(reads(auth))?;
    if auth.role() == Role::Evaluator {
        let g = state.store().group(id).await?;
        return if auth.in_area(&g.region) { Ok(g) } else { Err(hidden("group")) };
    }
    Ok(auth.readable_group(state.store(), id).await?.0)
}

/// Whether a group of a listing is one the caller may see.
fn group_visible(auth: &Auth, g: &Group) -> bool {
    match auth.role() {
        Role::GroupOfficer => auth.principal().user.group_id == Some(g.id),
        _ => auth.in_area(&g.region),
    }
}

/// An assessment the caller may read (its group's rule).
async fn readable_assessment(state: &AppState, auth: &Auth, id: Id) -> Result<Assessment, Error> {
    auth.require(reads(auth))?;
    let a = state.store().class_assessment(id).await?;
    match class_group(state, auth, a.group_id).await {
        Ok(_) => Ok(a),
        Err(e) if matches!(e.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) => Err(hidden("assessment")),
        Err(e) => Err(e),
    }
}

/// An instrument (instruments are configuration: every reader sees them).
async fn readable_instrument(state: &AppState, auth: &Auth, id: Id) -> Result<Instrument, Error> {
    auth.require(reads(auth))?;
    Ok(state.store().class_instrument(id).await?)
}

/// A staff member as an assessor: their agency lies in the caller's area.
async fn assessor_ref(state: &AppState, auth: &Auth, id: Id) -> Result<StaffPick, Error> {
    match state.store().assessor(id).await {
        Ok(s) if auth.in_area(&s.region) => Ok(s),
        Ok(_) | Err(berdaya_store::StoreError::NotFound { .. }) => Err(missing_reference("assessor_id", "staff", id)),
        Err(e) => Err(e.into()),
    }
}

/// Resolves every id of an assessment through the caller's scope, and checks they may assess
/// for the program's agency.
async fn check_assessment(
    state: &AppState,
    auth: &Auth,
    new: &berdaya_domain::agriculture::class::NewAssessment,
) -> Result<Program, Error> {
    auth.require(assesses(auth))?;
    let program = match readable_program(state, auth, new.program_id).await {
        Ok(p) => p,
        Err(e) if matches!(e.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) => {
            return Err(missing_reference("program_id", "program", new.program_id));
        }
        Err(e) => return Err(e),
    };
    if !auth.principal().manages_program(program.agency_id) {
        return Err(Error::unprocessable("program_id", "is a program of an agency you do not manage"));
    }
    auth.group_ref(state.store(), "group_id", new.group_id).await?;
    assessor_ref(state, auth, new.assessor_id).await?;
    if let Err(berdaya_store::StoreError::NotFound { .. }) = state.store().class_instrument(new.instrument_id).await {
        return Err(missing_reference("instrument_id", "instrument", new.instrument_id));
    }
    Ok(program)
}

async fn record(state: &AppState, auth: &Auth, draft: &AssessmentDraft) -> Result<Assessment, Error> {
    let new = draft.parse()?;
    check_assessment(state, auth, &new).await?;
    Ok(state.store().record_class_assessment(&new).await?)
}

// JSON ---------------------------------------------------------------------------------------

/// An indicator of an instrument.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorDto {
    pub id: i64,
    /// `planning`, `organizing`, `implementing`, `controlling` or `leadership`.
    pub ability: String,
    pub position: i64,
    pub text: String,
    pub max_score: i64,
}

/// An assessment instrument version.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstrumentDto {
    pub id: i64,
    pub name: String,
    pub note: Option<String>,
    /// Lower bounds of the totals of Lanjut, Madya and Utama (Pemula from 0).
    pub lanjut_from: i64,
    pub madya_from: i64,
    pub utama_from: i64,
    pub max_total: i64,
    pub reassess_months: i64,
    /// Whether new assessments use it; a replaced version is kept for its assessments.
    pub active: bool,
    pub replaces_id: Option<i64>,
    pub version: i64,
    pub indicators: Vec<IndicatorDto>,
}

impl From<Instrument> for InstrumentDto {
    fn from(i: Instrument) -> Self {
        InstrumentDto {
            id: i.id,
            max_total: i.max_total(),
            name: i.name,
            note: i.note,
            lanjut_from: i.bands.lanjut_from,
            madya_from: i.bands.madya_from,
            utama_from: i.bands.utama_from,
            reassess_months: i.reassess_months,
            active: i.active,
            replaces_id: i.replaces_id,
            version: i.version,
            indicators: i
                .indicators
                .into_iter()
                .map(|d| IndicatorDto {
                    id: d.id,
                    ability: d.ability.code().into(),
                    position: d.position,
                    text: d.text,
                    max_score: d.max_score,
                })
                .collect(),
        }
    }
}

/// One indicator's score.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreDto {
    pub indicator_id: i64,
    pub score: i64,
}

/// A group's assessment with what it earned when it was recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentDto {
    pub id: i64,
    pub group_id: i64,
    pub program_id: i64,
    pub instrument_id: i64,
    pub assessor_id: i64,
    pub assessed_on: String,
    pub total: i64,
    /// `pemula`, `lanjut`, `madya` or `utama`.
    pub class: String,
    pub previous_id: Option<i64>,
    pub previous_class: Option<String>,
    /// `naik`, `tetap` or `turun`; none for a group's first assessment.
    pub change: Option<String>,
    pub due_on: String,
    pub notes: Option<String>,
    pub scores: Vec<ScoreDto>,
}

impl From<Assessment> for AssessmentDto {
    fn from(a: Assessment) -> Self {
        AssessmentDto {
            id: a.id,
            group_id: a.group_id,
            program_id: a.program_id,
            instrument_id: a.instrument_id,
            assessor_id: a.assessor_id,
            assessed_on: iso(a.assessed_on),
            total: a.total,
            class: a.class.code().into(),
            previous_id: a.previous_id,
            previous_class: a.previous_class.map(|c| c.code().into()),
            change: a.change.map(|c| c.code().into()),
            due_on: iso(a.due_on),
            notes: a.notes,
            scores: a.scores.into_iter().map(|(indicator_id, score)| ScoreDto { indicator_id, score }).collect(),
        }
    }
}

/// A group of a program with its current class.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupClassDto {
    pub group_id: i64,
    pub group_name: String,
    pub region_name: String,
    pub class: Option<String>,
    pub total: Option<i64>,
    pub assessed_on: Option<String>,
    pub due_on: Option<String>,
    /// The next assessment's due date has passed.
    pub overdue: bool,
}

/// Groups per class of a program.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassCountDto {
    pub class: String,
    pub groups: u64,
}

/// A program's groups per current class, with due and overdue reassessments.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramClassesDto {
    pub program_id: i64,
    pub counts: Vec<ClassCountDto>,
    pub unassessed: u64,
    pub overdue: u64,
    pub groups: Vec<GroupClassDto>,
}

/// An assessment to record (`AssessmentDraft`): a score for every indicator of the instrument.
#[derive(Debug, ToSchema, Deserialize)]
#[allow(dead_code)]
pub struct AssessmentInput {
    group_id: i64,
    program_id: i64,
    instrument_id: i64,
    /// A staff member of an agency in the caller's area.
    assessor_id: i64,
    /// `YYYY-MM-DD`.
    assessed_on: String,
    notes: Option<String>,
    /// Indicator id → whole score from 0 to the indicator's maximum.
    scores: std::collections::BTreeMap<String, i64>,
}

/// A new instrument version (`InstrumentDraft`), replacing `replaces_id` at `version`.
#[derive(Debug, ToSchema, Deserialize)]
#[allow(dead_code)]
pub struct InstrumentInput {
    name: String,
    note: Option<String>,
    lanjut_from: i64,
    madya_from: i64,
    utama_from: i64,
    /// Months until the next assessment is due (default 36).
    reassess_months: Option<i64>,
    indicators: Vec<IndicatorInput>,
    /// The version replaced (retired in the same write), with the `version` read.
    replaces_id: Option<i64>,
    version: Option<i64>,
}

/// An indicator of a new instrument version.
#[derive(Debug, ToSchema, Deserialize)]
#[allow(dead_code)]
pub struct IndicatorInput {
    /// `planning`, `organizing`, `implementing`, `controlling` or `leadership`.
    ability: String,
    text: String,
    max_score: i64,
}

/// Every instrument version, newest first.
#[utoipa::path(get, path = "/api/v1/class-instruments", tag = "agriculture",
    responses((status = 200, body = Vec<InstrumentDto>), (status = 403, body = ErrorBody)))]
pub async fn instruments_api(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<InstrumentDto>>, Error> {
    auth.require(reads(&auth))?;
    Ok(Json(state.store().class_instruments().await?.into_iter().map(InstrumentDto::from).collect()))
}

/// One instrument version with its indicators.
#[utoipa::path(get, path = "/api/v1/class-instruments/{id}", tag = "agriculture",
    params(("id" = i64, Path, description = "Instrument id")),
    responses((status = 200, body = InstrumentDto), (status = 404, body = ErrorBody)))]
pub async fn instrument_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<InstrumentDto>, Error> {
    Ok(Json(readable_instrument(&state, &auth, id).await?.into()))
}

#[derive(Deserialize)]
struct Replaces {
    replaces_id: Option<i64>,
    version: Option<i64>,
}

/// Stores a new instrument version; with `replaces_id` the old version is retired (its
/// assessments keep what they earned). Administrators and program officers.
#[utoipa::path(post, path = "/api/v1/class-instruments", tag = "agriculture",
    request_body = InstrumentInput,
    responses((status = 201, body = InstrumentDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_instrument_api(
    State(state): State<AppState>,
    auth: Auth,
    body: JsonBody,
) -> Result<Response, Error> {
    auth.require(edits_instrument(&auth))?;
    let draft: InstrumentDraft = body.decode()?;
    let replaces: Replaces = body.decode()?;
    let new = draft.parse()?;
    let replaces = match replaces.replaces_id {
        Some(id) => {
            if state.store().class_instrument(id).await.is_err() {
                return Err(missing_reference("replaces_id", "instrument", id));
            }
            Some((id, replaces.version.ok_or_else(|| Error::unprocessable("version", "is required"))?))
        }
        None => None,
    };
    let made = state.store().create_class_instrument(&new, replaces).await?;
    Ok(created(InstrumentDto::from(made)))
}

/// Records an assessment: every indicator scored from 0 to its maximum; answers the total,
/// the class by the instrument's bands, the previous class, the change and the due date.
#[utoipa::path(post, path = "/api/v1/class-assessments", tag = "agriculture",
    request_body = AssessmentInput,
    responses((status = 201, body = AssessmentDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_assessment_api(
    State(state): State<AppState>,
    auth: Auth,
    body: JsonBody,
) -> Result<Response, Error> {
    auth.require(assesses(&auth))?;
    let draft: AssessmentDraft = body.decode()?;
    Ok(created(AssessmentDto::from(record(&state, &auth, &draft).await?)))
}

/// One assessment with its scores.
#[utoipa::path(get, path = "/api/v1/class-assessments/{id}", tag = "agriculture",
    params(("id" = i64, Path, description = "Assessment id")),
    responses((status = 200, body = AssessmentDto), (status = 404, body = ErrorBody)))]
pub async fn assessment_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<AssessmentDto>, Error> {
    Ok(Json(readable_assessment(&state, &auth, id).await?.into()))
}

/// A group's assessments, newest first.
#[utoipa::path(get, path = "/api/v1/groups/{id}/class-assessments", tag = "agriculture",
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, body = Vec<AssessmentDto>), (status = 404, body = ErrorBody)))]
pub async fn group_history_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<AssessmentDto>>, Error> {
    class_group(&state, &auth, id).await?;
    Ok(Json(state.store().group_class_history(id).await?.into_iter().map(AssessmentDto::from).collect()))
}

/// What the caller sees of a program's groups per class (the groups they may see; counts of
/// those).
async fn program_classes(state: &AppState, auth: &Auth, id: Id) -> Result<(Program, ProgramClassesDto), Error> {
    auth.require(reads(auth))?;
    let program = readable_program(state, auth, id).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let groups: Vec<GroupClass> =
        state.store().program_classes(id).await?.into_iter().filter(|g| group_visible(auth, &g.group)).collect();
    let mut counts: Vec<ClassCountDto> =
        ClassBand::ALL.iter().map(|b| ClassCountDto { class: b.code().into(), groups: 0 }).collect();
    let (mut unassessed, mut overdue) = (0, 0);
    let rows = groups
        .into_iter()
        .map(|g| {
            let late = g.latest.as_ref().is_some_and(|a| a.due_on < today);
            match &g.latest {
                Some(a) => {
                    if let Some(c) = counts.iter_mut().find(|c| c.class == a.class.code()) {
                        c.groups += 1;
                    }
                }
                None => unassessed += 1,
            }
            if late {
                overdue += 1;
            }
            GroupClassDto {
                group_id: g.group.id,
                group_name: g.group.name,
                region_name: g.region_name,
                class: g.latest.as_ref().map(|a| a.class.code().into()),
                total: g.latest.as_ref().map(|a| a.total),
                assessed_on: g.latest.as_ref().map(|a| iso(a.assessed_on)),
                due_on: g.latest.as_ref().map(|a| iso(a.due_on)),
                overdue: late,
            }
        })
        .collect();
    Ok((program, ProgramClassesDto { program_id: id, counts, unassessed, overdue, groups: rows }))
}

/// A program's groups (enrolled in it or assessed under it) per current class, with due and
/// overdue reassessments.
#[utoipa::path(get, path = "/api/v1/programs/{id}/classes", tag = "agriculture",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = ProgramClassesDto), (status = 404, body = ErrorBody)))]
pub async fn program_classes_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<ProgramClassesDto>, Error> {
    Ok(Json(program_classes(&state, &auth, id).await?.1))
}

// Pages --------------------------------------------------------------------------------------

fn class_label(lang: Lang, c: Option<ClassBand>) -> String {
    c.map(|c| c.label(lang.code()).to_string()).unwrap_or_else(|| "—".into())
}

fn view_page(lang: Lang, heading: String, crumbs: Vec<Link>) -> ViewPage {
    ViewPage {
        l: Layout::new(lang, heading.clone(), "groups"),
        heading,
        breadcrumbs: crumbs,
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: Vec::new(),
        sections: Vec::new(),
    }
}

/// The group page's panel: the group's class history, and the link to assess it.
pub async fn group_panel(state: &AppState, auth: &Auth, lang: Lang, group: &Group) -> Result<Option<Section>, Error> {
    if !reads(auth) {
        return Ok(None);
    }
    let t = lang.tr();
    let history = state.store().group_class_history(group.id).await?;
    let table = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("classes.assessed_on").into(),
            t.t("classes.total").into(),
            t.t("classes.class").into(),
            t.t("classes.change").into(),
            t.t("classes.due_on").into(),
        ],
        rows: history
            .into_iter()
            .map(|a| {
                vec![
                    Cell::link(iso(a.assessed_on), format!("/class-assessments/{}", a.id)),
                    Cell::text(a.total.to_string()),
                    Cell::text(a.class.label(lang.code())),
                    Cell::text(a.change.map(|c| c.label(lang.code()).to_string()).unwrap_or_else(|| "—".into())),
                    Cell::text(iso(a.due_on)),
                ]
            })
            .collect(),
        empty: t.t("classes.none").into(),
    };
    let mut links = Vec::new();
    if assesses(auth) {
        links.push(Link::new(t.t("classes.assess"), format!("/groups/{}/class-assessments/new", group.id)));
    }
    links.push(Link::new(t.t("classes.instruments"), "/class-instruments"));
    Ok(Some(Section {
        id: "classes".into(),
        title: t.t("classes.history").into(),
        table: Some(table),
        links,
        ..Default::default()
    }))
}

/// The program page's link to its groups per class.
pub fn program_link(lang: Lang, program_id: Id) -> Link {
    Link::new(lang.tr().t("classes.per_class"), format!("/programs/{program_id}/classes"))
}

async fn instruments_page(Cx { state, lang, auth }: Cx) -> Result<Response, Error> {
    auth.require(reads(&auth)).map_err(|e| e.page(lang))?;
    let t = lang.tr();
    let list = state.store().class_instruments().await.map_err(|e| Error::from(e).page(lang))?;
    let mut page = view_page(lang, t.t("classes.instruments").into(), crumbs(lang, "nav.groups", "/groups"));
    page.sections.push(Section {
        id: "instruments".into(),
        title: t.t("classes.instruments").into(),
        table: Some(Table {
            sorts: Vec::new(),
            headers: vec![
                t.t("classes.instrument").into(),
                t.t("classes.bands").into(),
                t.t("classes.reassess_months").into(),
                t.t("classes.status").into(),
            ],
            rows: list
                .into_iter()
                .map(|i| {
                    vec![
                        Cell::link(i.name.clone(), format!("/class-instruments/{}", i.id)),
                        Cell::text(bands_text(&i)),
                        Cell::text(i.reassess_months.to_string()),
                        Cell::text(t.t(if i.active { "classes.active" } else { "classes.replaced" })),
                    ]
                })
                .collect(),
            empty: t.t("classes.none").into(),
        }),
        ..Default::default()
    });
    Ok(render(&page))
}

fn bands_text(i: &Instrument) -> String {
    let b = i.bands;
    format!(
        "Pemula 0–{}, Lanjut {}–{}, Madya {}–{}, Utama {}–{}",
        b.lanjut_from - 1,
        b.lanjut_from,
        b.madya_from - 1,
        b.madya_from,
        b.utama_from - 1,
        b.utama_from,
        i.max_total()
    )
}

async fn instrument_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let i = readable_instrument(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let t = lang.tr();
    let mut page = view_page(lang, i.name.clone(), crumbs(lang, "classes.instruments", "/class-instruments"));
    if edits_instrument(&auth) && i.active {
        page.actions.push(Link::new(t.t("classes.new_version"), format!("/class-instruments/{id}/edit")));
    }
    page.facts = vec![
        (t.t("classes.instrument").into(), Cell::text(i.name.clone())),
        (t.t("classes.note").into(), Cell::text(i.note.clone().unwrap_or_else(|| "—".into()))),
        (t.t("classes.bands").into(), Cell::text(bands_text(&i))),
        (t.t("classes.max_total").into(), Cell::text(i.max_total().to_string())),
        (t.t("classes.reassess_months").into(), Cell::text(i.reassess_months.to_string())),
        (t.t("classes.status").into(), Cell::text(t.t(if i.active { "classes.active" } else { "classes.replaced" }))),
    ];
    for a in Ability::ALL {
        page.sections.push(Section {
            id: format!("ability-{}", a.code()),
            title: a.label(lang.code()).into(),
            table: Some(Table {
                sorts: Vec::new(),
                headers: vec![t.t("classes.indicator").into(), t.t("classes.max_score").into()],
                rows: i.of(*a).map(|d| vec![Cell::text(d.text.clone()), Cell::text(d.max_score.to_string())]).collect(),
                empty: "—".into(),
            }),
            ..Default::default()
        });
    }
    Ok(render(&page))
}

/// How many blank indicator rows the edit form offers.
const BLANK_ROWS: usize = 2;

fn instrument_form(lang: Lang, id: Id, version: i64, d: &InstrumentDraft) -> Form {
    let t = lang.tr();
    let abilities = vocabulary(Ability::ALL, Ability::code, Ability::label, lang);
    let mut fields = vec![
        Field::text("name", t.t("classes.instrument"), &d.name).required(),
        Field::textarea("note", t.t("classes.note"), d.note.clone().unwrap_or_default()),
        Field::new("number", "lanjut_from", t.t("classes.lanjut_from"), d.lanjut_from.text()).required(),
        Field::new("number", "madya_from", t.t("classes.madya_from"), d.madya_from.text()).required(),
        Field::new("number", "utama_from", t.t("classes.utama_from"), d.utama_from.text()).required(),
        Field::new("number", "reassess_months", t.t("classes.reassess_months"), d.reassess_months.text()),
    ];
    let blank = IndicatorDraft::default();
    for (n, ind) in d.indicators.iter().chain(std::iter::repeat_n(&blank, BLANK_ROWS)).enumerate() {
        let label = format!("{} {}", t.t("classes.indicator"), n + 1);
        fields.push(Field::select(
            &format!("indicators.{n}.ability"),
            &format!("{label} — {}", t.t("classes.ability")),
            &ind.ability,
            abilities.clone(),
            Some(t.t("common.choose")),
        ));
        fields.push(Field::text(&format!("indicators.{n}.text"), &label, &ind.text));
        fields.push(Field::new(
            "number",
            &format!("indicators.{n}.max_score"),
            &format!("{label} — {}", t.t("classes.max_score")),
            ind.max_score.text(),
        ));
    }
    Form::new("instrument", format!("/class-instruments/{id}/edit"), t.t("classes.save_version"), fields)
        .hidden("version", version.to_string())
}

fn instrument_form_page(lang: Lang, form: Form) -> FormPage {
    let heading = lang.tr().t("classes.new_version").to_string();
    FormPage {
        l: Layout::new(lang, heading.clone(), "groups"),
        heading,
        breadcrumbs: crumbs(lang, "classes.instruments", "/class-instruments"),
        form,
    }
}

async fn edit_instrument_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    auth.require(edits_instrument(&auth)).map_err(|e| e.page(lang))?;
    let i = readable_instrument(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft = InstrumentDraft::from(&i);
    Ok(render(&instrument_form_page(lang, instrument_form(lang, id, i.version, &draft))))
}

/// The instrument draft of a submitted form; indicator rows left blank are dropped.
fn instrument_draft(form: &FormData) -> InstrumentDraft {
    let mut indicators = Vec::new();
    for n in 0..=berdaya_domain::agriculture::class::MAX_INDICATORS {
        let (a, t, m) = (
            form.get(&format!("indicators.{n}.ability")),
            form.get(&format!("indicators.{n}.text")),
            form.get(&format!("indicators.{n}.max_score")),
        );
        if !form.0.contains_key(&format!("indicators.{n}.text")) {
            break;
        }
        if a.trim().is_empty() && t.trim().is_empty() && m.trim().is_empty() {
            continue;
        }
        indicators.push(IndicatorDraft { ability: a, text: t, max_score: Number::Text(m) });
    }
    InstrumentDraft {
        name: form.get("name"),
        note: form.opt("note"),
        lanjut_from: Number::Text(form.get("lanjut_from")),
        madya_from: Number::Text(form.get("madya_from")),
        utama_from: Number::Text(form.get("utama_from")),
        reassess_months: Number::Text(form.get("reassess_months")),
        indicators,
    }
}

async fn save_instrument_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    auth.require(edits_instrument(&auth)).map_err(|e| e.page(lang))?;
    readable_instrument(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft = instrument_draft(&form);
    let version = form.version().unwrap_or(0);
    let result: Result<Instrument, Error> = async {
        let new = draft.parse()?;
        Ok(state.store().create_class_instrument(&new, Some((id, version))).await?)
    }
    .await;
    match result {
        Ok(i) => Ok(Redirect::to(&format!("/class-instruments/{}", i.id)).into_response()),
        Err(err) => Ok(field_failed(lang, err, instrument_form_page(lang, instrument_form(lang, id, version, &draft)))),
    }
}

async fn assessment_form(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    group: &Group,
    d: &AssessmentDraft,
) -> Result<FormPage, Error> {
    let t = lang.tr();
    let instrument = match d.instrument_id.whole() {
        Ok(id) => state.store().class_instrument(id).await.ok(),
        Err(_) => None,
    };
    let instrument = match instrument {
        Some(i) => i,
        None => state
            .store()
            .current_class_instrument()
            .await?
            .ok_or_else(|| Error::unprocessable("instrument_id", "no assessment instrument is set up"))?,
    };
    let program = d.program_id.text();
    let program_name = crate::kit::refs::record_name(state, auth, "program", &program).await.unwrap_or_default();
    let assessor = d.assessor_id.text();
    let assessor_name = match d.assessor_id.whole() {
        Ok(id) => assessor_ref(state, auth, id).await.map(|s| s.name).unwrap_or_default(),
        Err(_) => String::new(),
    };
    let mut fields = vec![
        Field::picker("program_id", t.t("classes.program"), "program", program, program_name).required(),
        Field::picker("assessor_id", t.t("classes.assessor"), "staff", assessor, assessor_name).required(),
        Field::date("assessed_on", t.t("classes.assessed_on"), &d.assessed_on).required(),
    ];
    for a in Ability::ALL {
        for ind in instrument.of(*a) {
            let value = d.scores.get(&ind.id.to_string()).map(Number::text).unwrap_or_default();
            let label = format!("{} — {} ({} {})", a.label(lang.code()), ind.text, t.t("classes.max"), ind.max_score);
            fields.push(Field::new("number", &format!("scores.{}", ind.id), &label, value).required());
        }
    }
    fields.push(Field::textarea("notes", t.t("classes.notes"), d.notes.clone().unwrap_or_default()));
    let form = Form::new("assessment", format!("/groups/{}/class-assessments", group.id), t.t("common.save"), fields)
        .hidden("instrument_id", instrument.id.to_string());
    let heading = format!("{} — {}", t.t("classes.assess"), group.name);
    Ok(FormPage {
        l: Layout::new(lang, heading.clone(), "groups"),
        heading,
        breadcrumbs: vec![
            Link::new(t.t("nav.home"), "/"),
            Link::new(t.t("nav.groups"), "/groups"),
            Link::new(group.name.clone(), format!("/groups/{}", group.id)),
        ],
        form,
    })
}

async fn new_assessment_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    auth.require(assesses(&auth)).map_err(|e| e.page(lang))?;
    let group = class_group(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft =
        AssessmentDraft { assessed_on: iso(time::OffsetDateTime::now_utc().date()), ..AssessmentDraft::default() };
    let page = assessment_form(&state, &auth, lang, &group, &draft).await.map_err(|e| e.page(lang))?;
    Ok(render(&page))
}

fn assessment_draft(group: Id, form: &FormData) -> AssessmentDraft {
    AssessmentDraft {
        group_id: Number::Int(group),
        program_id: Number::Text(form.get("program_id")),
        instrument_id: Number::Text(form.get("instrument_id")),
        assessor_id: Number::Text(form.get("assessor_id")),
        assessed_on: form.get("assessed_on"),
        notes: form.opt("notes"),
        scores: form
            .0
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("scores.").map(|id| (id.to_string(), Number::Text(v.clone()))))
            .collect(),
    }
}

async fn create_assessment_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    auth.require(assesses(&auth)).map_err(|e| e.page(lang))?;
    let group = class_group(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft = assessment_draft(id, &form);
    match record(&state, &auth, &draft).await {
        Ok(a) => Ok(Redirect::to(&format!("/class-assessments/{}", a.id)).into_response()),
        Err(err) => {
            let page = assessment_form(&state, &auth, lang, &group, &draft).await.map_err(|e| e.page(lang))?;
            Ok(field_failed(lang, err, page))
        }
    }
}

async fn assessment_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let page = async {
        let a = readable_assessment(&state, &auth, id).await?;
        let group = state.store().group(a.group_id).await?;
        let instrument = state.store().class_instrument(a.instrument_id).await?;
        let program = readable_program(&state, &auth, a.program_id).await.ok();
        let assessor = state.store().assessor(a.assessor_id).await.ok();
        let t = lang.tr();
        let heading = format!("{} — {}", t.t("classes.assessment"), group.name);
        let mut page = view_page(
            lang,
            heading,
            vec![
                Link::new(t.t("nav.home"), "/"),
                Link::new(t.t("nav.groups"), "/groups"),
                Link::new(group.name.clone(), format!("/groups/{}#classes", group.id)),
            ],
        );
        page.facts = vec![
            (t.t("classes.group").into(), Cell::link(group.name.clone(), format!("/groups/{}", group.id))),
            (
                t.t("classes.program").into(),
                match &program {
                    Some(p) => Cell::link(p.name.clone(), format!("/programs/{}", p.id)),
                    None => Cell::text("—"),
                },
            ),
            (t.t("classes.assessor").into(), Cell::text(assessor.map(|s| s.name).unwrap_or_else(|| "—".into()))),
            (t.t("classes.assessed_on").into(), Cell::text(iso(a.assessed_on))),
            (
                t.t("classes.instrument").into(),
                Cell::link(instrument.name.clone(), format!("/class-instruments/{}", instrument.id)),
            ),
            (t.t("classes.total").into(), Cell::text(format!("{} / {}", a.total, instrument.max_total()))),
            (t.t("classes.class").into(), Cell::text(a.class.label(lang.code()))),
            (t.t("classes.previous_class").into(), Cell::text(class_label(lang, a.previous_class))),
            (
                t.t("classes.change").into(),
                Cell::text(a.change.map(|c| c.label(lang.code()).to_string()).unwrap_or_else(|| "—".into())),
            ),
            (t.t("classes.due_on").into(), Cell::text(iso(a.due_on))),
            (t.t("classes.notes").into(), Cell::text(a.notes.clone().unwrap_or_else(|| "—".into()))),
        ];
        let rows = instrument
            .indicators
            .iter()
            .map(|ind| {
                let score = a.scores.iter().find(|(i, _)| *i == ind.id).map(|(_, s)| s.to_string());
                vec![
                    Cell::text(ind.ability.label(lang.code())),
                    Cell::text(ind.text.clone()),
                    Cell::text(score.unwrap_or_else(|| "—".into())),
                    Cell::text(ind.max_score.to_string()),
                ]
            })
            .collect();
        page.sections.push(Section {
            id: "scores".into(),
            title: t.t("classes.scores").into(),
            table: Some(Table {
                sorts: Vec::new(),
                headers: vec![
                    t.t("classes.ability").into(),
                    t.t("classes.indicator").into(),
                    t.t("classes.score").into(),
                    t.t("classes.max_score").into(),
                ],
                rows,
                empty: "—".into(),
            }),
            ..Default::default()
        });
        Ok::<_, Error>(page)
    }
    .await
    .map_err(|e| e.page(lang))?;
    Ok(render(&page))
}

fn class_name(lang: Lang, code: &Option<String>) -> String {
    code.as_deref()
        .and_then(|c| ClassBand::parse(c).ok())
        .map(|c| c.label(lang.code()).to_string())
        .unwrap_or_else(|| "—".into())
}

async fn program_classes_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (program, dto) = program_classes(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let t = lang.tr();
    let heading = format!("{} — {}", t.t("classes.per_class"), program.name);
    let mut page = view_page(
        lang,
        heading,
        vec![
            Link::new(t.t("nav.home"), "/"),
            Link::new(t.t("nav.programs"), "/programs"),
            Link::new(program.name.clone(), format!("/programs/{id}")),
        ],
    );
    page.l.section = "programs";
    page.actions.push(Link::new(t.t("classes.download_xlsx"), format!("/programs/{id}/classes.xlsx")));
    let mut counts: Vec<Vec<Cell>> = dto
        .counts
        .iter()
        .map(|c| vec![Cell::text(class_name(lang, &Some(c.class.clone()))), Cell::text(c.groups.to_string())])
        .collect();
    counts.push(vec![Cell::text(t.t("classes.unassessed")), Cell::text(dto.unassessed.to_string())]);
    counts.push(vec![Cell::text(t.t("classes.overdue")), Cell::text(dto.overdue.to_string())]);
    page.sections.push(Section {
        id: "counts".into(),
        title: t.t("classes.per_class").into(),
        table: Some(Table {
            sorts: Vec::new(),
            headers: vec![t.t("classes.class").into(), t.t("classes.groups").into()],
            rows: counts,
            empty: "—".into(),
        }),
        ..Default::default()
    });
    let opens = auth.reads_people();
    page.sections.push(Section {
        id: "groups".into(),
        title: t.t("classes.groups").into(),
        table: Some(Table {
            sorts: Vec::new(),
            headers: group_headers(lang),
            rows: dto
                .groups
                .iter()
                .map(|g| {
                    let mut row = vec![link_if(opens, g.group_name.clone(), format!("/groups/{}#classes", g.group_id))];
                    row.extend(group_cells(lang, g).into_iter().skip(1).map(Cell::text));
                    row
                })
                .collect(),
            empty: t.t("classes.no_groups").into(),
        }),
        ..Default::default()
    });
    Ok(render(&page))
}

fn group_headers(lang: Lang) -> Vec<String> {
    let t = lang.tr();
    [
        "classes.group",
        "classes.region",
        "classes.class",
        "classes.total",
        "classes.assessed_on",
        "classes.due_on",
        "classes.overdue",
    ]
    .iter()
    .map(|k| t.t(k).to_string())
    .collect()
}

fn group_cells(lang: Lang, g: &GroupClassDto) -> Vec<String> {
    let t = lang.tr();
    vec![
        g.group_name.clone(),
        g.region_name.clone(),
        class_name(lang, &g.class),
        g.total.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
        g.assessed_on.clone().unwrap_or_else(|| "—".into()),
        g.due_on.clone().unwrap_or_else(|| "—".into()),
        t.t(if g.overdue { "common.yes" } else { "common.no" }).to_string(),
    ]
}

async fn program_classes_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (_, dto) = program_classes(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let t = lang.tr();
    let mut counts: Vec<Vec<TableCell>> = dto
        .counts
        .iter()
        .map(|c| vec![TableCell::Text(class_name(lang, &Some(c.class.clone()))), TableCell::Count(c.groups)])
        .collect();
    counts.push(vec![TableCell::Text(t.t("classes.unassessed").into()), TableCell::Count(dto.unassessed)]);
    counts.push(vec![TableCell::Text(t.t("classes.overdue").into()), TableCell::Count(dto.overdue)]);
    let sheets = vec![
        SheetTable {
            name: t.t("classes.per_class").into(),
            headers: vec![t.t("classes.class").into(), t.t("classes.groups").into()],
            rows: counts,
        },
        SheetTable {
            name: t.t("classes.groups").into(),
            headers: group_headers(lang),
            rows: dto.groups.iter().map(|g| group_cells(lang, g).into_iter().map(TableCell::Text).collect()).collect(),
        },
    ];
    let bytes = berdaya_files::tables::write_tables(&sheets).map_err(|e| {
        tracing::error!(error = %e, "class workbook failed");
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error: the workbook could not be written")
            .page(lang)
    })?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"kelas-kelompok-program-{id}.xlsx\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok(([(CONTENT_TYPE, HeaderValue::from_static(XLSX_TYPE)), (CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}
