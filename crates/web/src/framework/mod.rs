//! Frameworks over HTTP: the list of frameworks with their dimensions, a framework's page,
//! adding a framework or a dimension, and the dimension picker every tagged record uses.
//! Reading needs a role that reads programs; adding, an administrator or a program officer
//! (frameworks are shared by every agency's programs, and never removed).

pub mod findings;

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::framework::{Dimension, DimensionDraft, Framework, FrameworkDraft};
use berdaya_domain::registry::Id;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::access::guard::Auth;
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody};
use crate::html::{Cell, Field, Form, Layout, Link, Section, Table, ViewPage, render};
use crate::i18n::Lang;
use crate::kit::section_done;
use crate::registry::{created, crumbs};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/frameworks", get(list).post(create))
        .route("/api/v1/frameworks/{id}", get(show))
        .route("/api/v1/frameworks/{id}/dimensions", post(add_dimension))
        .route("/frameworks", get(list_page).post(create_page))
        .route("/frameworks/{id}", get(page))
        .route("/frameworks/{id}/dimensions", post(add_dimension_page))
        .merge(findings::router())
}

fn may_read(auth: &Auth) -> bool {
    auth.principal().reads_programs()
}

fn may_manage(auth: &Auth) -> bool {
    let p = auth.principal();
    p.manages_reference_data() || p.role() == berdaya_domain::access::Role::ProgramOfficer
}

/// The picker field of dimensions (`name` submits their ids joined by ", "), showing each
/// chosen dimension as `Framework — Dimension`.
pub async fn dimensions_field(state: &AppState, name: &str, label: &str, chosen: &[Id]) -> Field {
    let mut shown = Vec::new();
    if !chosen.is_empty()
        && let Ok(frameworks) = state.store().frameworks().await
    {
        for id in chosen {
            let name = frameworks
                .iter()
                .find_map(|f| f.dimension(*id).map(|d| dimension_label(f, d)))
                .unwrap_or_else(|| id.to_string());
            shown.push((id.to_string(), name));
        }
    }
    Field::picker_many(name, label, "dimension", shown)
}

/// `Empat Bina (Mardikanto) — Bina Manusia`.
pub fn dimension_label(f: &Framework, d: &Dimension) -> String {
    format!("{} — {}", f.name, d.name)
}

// API ----------------------------------------------------------------------------------------

/// One dimension of a framework.
#[derive(Debug, Serialize, ToSchema)]
pub struct DimensionDto {
    pub id: i64,
    pub framework_id: i64,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    /// Order within the framework, from 1.
    pub position: i64,
}

/// A framework with its dimensions in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub dimensions: Vec<DimensionDto>,
    pub version: i64,
}

impl From<Dimension> for DimensionDto {
    fn from(d: Dimension) -> Self {
        DimensionDto {
            id: d.id,
            framework_id: d.framework_id,
            code: d.code.to_string(),
            name: d.name,
            description: d.description,
            position: d.position,
        }
    }
}

impl From<Framework> for FrameworkDto {
    fn from(f: Framework) -> Self {
        FrameworkDto {
            id: f.id,
            code: f.code.to_string(),
            name: f.name,
            description: f.description,
            dimensions: f.dimensions.into_iter().map(Into::into).collect(),
            version: f.version,
        }
    }
}

/// A new framework.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct FrameworkInput {
    /// 1 to 40 of `a-z 0-9 _ -`, unique.
    code: String,
    name: String,
    description: Option<String>,
}

/// A new dimension, added after the framework's last.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct DimensionInput {
    /// 1 to 40 of `a-z 0-9 _ -`, unique in the framework.
    code: String,
    name: String,
    description: Option<String>,
}

/// Every framework with its dimensions.
#[utoipa::path(get, path = "/api/v1/frameworks", tag = "frameworks",
    responses((status = 200, body = Vec<FrameworkDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<FrameworkDto>>, Error> {
    auth.require(may_read(&auth))?;
    Ok(Json(state.store().frameworks().await?.into_iter().map(Into::into).collect()))
}

/// One framework with its dimensions.
#[utoipa::path(get, path = "/api/v1/frameworks/{id}", tag = "frameworks",
    params(("id" = i64, Path, description = "Framework id")),
    responses((status = 200, body = FrameworkDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<FrameworkDto>, Error> {
    auth.require(may_read(&auth))?;
    Ok(Json(state.store().framework(id).await?.into()))
}

/// Adds a framework (administrators and program officers).
#[utoipa::path(post, path = "/api/v1/frameworks", tag = "frameworks", request_body = FrameworkInput,
    responses((status = 201, body = FrameworkDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(may_manage(&auth))?;
    let draft: FrameworkDraft = body.decode()?;
    let f = state.store().create_framework(&draft.parse()?).await?;
    Ok(created(FrameworkDto::from(f)))
}

/// Adds a dimension after the framework's last one.
#[utoipa::path(post, path = "/api/v1/frameworks/{id}/dimensions", tag = "frameworks", request_body = DimensionInput,
    params(("id" = i64, Path, description = "Framework id")),
    responses((status = 201, body = DimensionDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_dimension(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    auth.require(may_manage(&auth))?;
    let draft: DimensionDraft = body.decode()?;
    let d = state.store().add_dimension(id, &draft.parse()?).await?;
    Ok(created(DimensionDto::from(d)))
}

// Pages --------------------------------------------------------------------------------------

async fn list_page(Cx { state, lang, auth }: Cx) -> Result<Response, Error> {
    auth.require(may_read(&auth)).map_err(|e| e.page(lang))?;
    Ok(render(&frameworks_view(&state, &auth, lang, None).await.map_err(|e| e.page(lang))?))
}

async fn create_page(Cx { state, lang, auth }: Cx, form: FormData) -> Result<Response, Error> {
    auth.require(may_manage(&auth)).map_err(|e| e.page(lang))?;
    let draft = FrameworkDraft { code: form.get("code"), name: form.get("name"), description: form.opt("description") };
    let result = async { Ok::<_, Error>(state.store().create_framework(&draft.parse()?).await?) }.await;
    let done = match &result {
        Ok(f) => format!("/frameworks/{}", f.id),
        Err(_) => String::new(),
    };
    section_done(lang, result, done, "add", || frameworks_view(&state, &auth, lang, Some(draft.clone()))).await
}

async fn page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    auth.require(may_read(&auth)).map_err(|e| e.page(lang))?;
    let f = state.store().framework(id).await.map_err(|e| Error::from(e).page(lang))?;
    Ok(render(&framework_view(&auth, lang, f, None)))
}

async fn add_dimension_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    auth.require(may_manage(&auth)).map_err(|e| e.page(lang))?;
    let f = state.store().framework(id).await.map_err(|e| Error::from(e).page(lang))?;
    let draft = DimensionDraft { code: form.get("code"), name: form.get("name"), description: form.opt("description") };
    let result = async { Ok::<_, Error>(state.store().add_dimension(id, &draft.parse()?).await?) }.await;
    let again = || async { Ok(framework_view(&auth, lang, f, Some(draft.clone()))) };
    section_done(lang, result, format!("/frameworks/{id}#dimensions"), "add-dimension", again).await
}

fn dimensions_table(lang: Lang, dims: &[Dimension]) -> Table {
    let t = lang.tr();
    Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("frameworks.position").into(),
            t.t("frameworks.code").into(),
            t.t("frameworks.dimension").into(),
            t.t("frameworks.description").into(),
        ],
        rows: dims
            .iter()
            .map(|d| {
                vec![
                    Cell::text(d.position.to_string()),
                    Cell::text(d.code.to_string()),
                    Cell::text(d.name.clone()),
                    Cell::text(d.description.clone().unwrap_or_else(|| "—".into())),
                ]
            })
            .collect(),
        empty: t.t("frameworks.no_dimensions").into(),
    }
}

fn text_fields(lang: Lang, code: &str, name: &str, description: &str, name_label: &str) -> Vec<Field> {
    let t = lang.tr();
    vec![
        Field::text("code", t.t("frameworks.code"), code).required().hint(t.t("frameworks.code_hint")),
        Field::text("name", name_label, name).required(),
        Field::textarea("description", t.t("frameworks.description"), description),
    ]
}

async fn frameworks_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    input: Option<FrameworkDraft>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let frameworks = state.store().frameworks().await?;
    let mut sections: Vec<Section> = frameworks
        .iter()
        .map(|f| Section {
            id: format!("framework-{}", f.code),
            title: f.name.clone(),
            table: Some(dimensions_table(lang, &f.dimensions)),
            links: vec![Link::new(t.t("frameworks.open"), format!("/frameworks/{}", f.id))],
            ..Default::default()
        })
        .collect();
    if may_manage(auth) {
        let d = input.unwrap_or_default();
        let fields =
            text_fields(lang, &d.code, &d.name, d.description.as_deref().unwrap_or(""), t.t("frameworks.name"));
        sections.push(Section {
            id: "add".into(),
            title: t.t("frameworks.add").into(),
            form: Some(Form::new("framework", "/frameworks", t.t("common.save"), fields)),
            ..Default::default()
        });
    }
    let heading = t.t("frameworks.title").to_string();
    Ok(ViewPage {
        l: Layout::new(lang, heading.clone(), "frameworks"),
        heading,
        breadcrumbs: vec![Link::new(t.t("nav.home"), "/")],
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: vec![(t.t("frameworks.intro_label").into(), Cell::text(t.t("frameworks.intro")))],
        sections,
    })
}

fn framework_view(auth: &Auth, lang: Lang, f: Framework, input: Option<DimensionDraft>) -> ViewPage {
    let t = lang.tr();
    let mut sections = vec![Section {
        id: "dimensions".into(),
        title: t.t("frameworks.dimensions").into(),
        table: Some(dimensions_table(lang, &f.dimensions)),
        ..Default::default()
    }];
    if may_manage(auth) {
        let d = input.unwrap_or_default();
        let fields =
            text_fields(lang, &d.code, &d.name, d.description.as_deref().unwrap_or(""), t.t("frameworks.dimension"));
        sections.push(Section {
            id: "add-dimension".into(),
            title: t.t("frameworks.add_dimension").into(),
            form: Some(Form::new("dimension", format!("/frameworks/{}/dimensions", f.id), t.t("common.save"), fields)),
            ..Default::default()
        });
    }
    let mut breadcrumbs = crumbs(lang, "frameworks.title", "/frameworks");
    breadcrumbs.truncate(2);
    ViewPage {
        l: Layout::new(lang, f.name.clone(), "frameworks"),
        heading: f.name.clone(),
        breadcrumbs,
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: vec![
            (t.t("frameworks.code").into(), Cell::text(f.code.to_string())),
            (t.t("frameworks.description").into(), Cell::text(f.description.clone().unwrap_or_else(|| "—".into()))),
            (t.t("common.version").into(), Cell::text(f.version.to_string())),
        ],
        sections,
    }
}
