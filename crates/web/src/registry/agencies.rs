//! Agencies over HTTP (a Dinas and its UPTD units): search, view with units, staff and the
//! add-staff form, create and edit.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::registry::{Agency, AgencyDraft, AgencyKind, Id, Staff, StaffDraft};
use berdaya_store::{PageRequest, Query};
use serde::Serialize;
use utoipa::ToSchema;

use super::{PageDto, SearchParams, created, crumbs, form_failed, list_href, section_form_failed};
use crate::AppState;
use crate::error::{Error, ErrorBody};
use crate::extract::{FormData, IdPath, JsonBody, ListParams};
use crate::html::{
    Cell, Field, Form, FormPage, Layout, Link, ListPage, Pager, Search, Section, Table, ViewPage, render, vocabulary,
};
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/agencies", get(list).post(create))
        .route("/api/v1/agencies/{id}", get(show).put(update))
        .route("/api/v1/agencies/{id}/units", get(units))
        .route("/api/v1/agencies/{id}/staff", get(staff).post(add_staff))
        .route("/agencies", get(list_page).post(create_page))
        .route("/agencies/new", get(new_page))
        .route("/agencies/{id}", get(view_page))
        .route("/agencies/{id}/edit", get(edit_page).post(update_page))
        .route("/agencies/{id}/staff", post(add_staff_page))
}

/// An agency or one of its units.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyDto {
    pub id: i64,
    pub name: String,
    /// `agency`, `unit`, `ministry`, `village_government` or `other`.
    pub kind: String,
    pub region: String,
    /// The agency this unit belongs to.
    pub parent_id: Option<i64>,
    pub version: i64,
}

impl From<Agency> for AgencyDto {
    fn from(a: Agency) -> Self {
        AgencyDto {
            id: a.id,
            name: a.name,
            kind: a.kind.code().into(),
            region: a.region.to_string(),
            parent_id: a.parent_id,
            version: a.version,
        }
    }
}

/// A member of an agency's staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffDto {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
    pub position: String,
}

impl From<Staff> for StaffDto {
    fn from(s: Staff) -> Self {
        StaffDto { id: s.id, agency_id: s.agency_id, name: s.name, position: s.position }
    }
}

/// Agencies whose name contains `q`.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "agencies", params(SearchParams),
    responses((status = 200, body = PageDto<AgencyDto>), (status = 400, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, params: ListParams) -> Result<Json<PageDto<AgencyDto>>, Error> {
    let page = state.store().search_agencies(&params.query()).await?;
    Ok(Json(PageDto::from_page(page, AgencyDto::from)))
}

/// Adds an agency or unit; its region (and parent agency, if any) must exist.
#[utoipa::path(post, path = "/api/v1/agencies", tag = "agencies", request_body = crate::openapi::AgencyInput,
    responses((status = 201, body = AgencyDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, body: JsonBody) -> Result<Response, Error> {
    let draft: AgencyDraft = body.decode()?;
    let agency = state.store().create_agency(&draft.parse()?).await?;
    Ok(created(AgencyDto::from(agency)))
}

/// One agency.
#[utoipa::path(get, path = "/api/v1/agencies/{id}", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    responses((status = 200, body = AgencyDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, IdPath(id): IdPath) -> Result<Json<AgencyDto>, Error> {
    Ok(Json(state.store().agency(id).await?.into()))
}

/// Changes an agency; `version` must be the one read, else 409.
#[utoipa::path(put, path = "/api/v1/agencies/{id}", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    request_body = crate::openapi::AgencyUpdate,
    responses((status = 200, body = AgencyDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<AgencyDto>, Error> {
    let draft: AgencyDraft = body.decode()?;
    let version = body.version()?;
    Ok(Json(state.store().update_agency(id, &draft.parse()?, version).await?.into()))
}

/// The agency's units (a Dinas's UPTD).
#[utoipa::path(get, path = "/api/v1/agencies/{id}/units", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    responses((status = 200, body = Vec<AgencyDto>), (status = 404, body = ErrorBody)))]
pub async fn units(State(state): State<AppState>, IdPath(id): IdPath) -> Result<Json<Vec<AgencyDto>>, Error> {
    state.store().agency(id).await?;
    let list = state.store().agency_units(id).await?;
    Ok(Json(list.into_iter().map(AgencyDto::from).collect()))
}

/// The agency's staff.
#[utoipa::path(get, path = "/api/v1/agencies/{id}/staff", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    responses((status = 200, body = Vec<StaffDto>), (status = 404, body = ErrorBody)))]
pub async fn staff(State(state): State<AppState>, IdPath(id): IdPath) -> Result<Json<Vec<StaffDto>>, Error> {
    state.store().agency(id).await?;
    let list = state.store().agency_staff(id).await?;
    Ok(Json(list.into_iter().map(StaffDto::from).collect()))
}

/// Adds a member of staff.
#[utoipa::path(post, path = "/api/v1/agencies/{id}/staff", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    request_body = crate::openapi::StaffInput,
    responses((status = 201, body = StaffDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_staff(State(state): State<AppState>, IdPath(id): IdPath, body: JsonBody) -> Result<Response, Error> {
    let draft: StaffDraft = body.decode()?;
    let staff = state.store().add_staff(id, &draft.parse()?).await?;
    Ok(created(StaffDto::from(staff)))
}

// Pages ------------------------------------------------------------------------------------

fn agency_table(lang: Lang, list: Vec<Agency>) -> Table {
    let t = lang.tr();
    Table {
        headers: vec![t.t("agencies.name").into(), t.t("agencies.kind").into(), t.t("agencies.region").into()],
        rows: list
            .into_iter()
            .map(|a| {
                vec![
                    Cell::link(a.name, format!("/agencies/{}", a.id)),
                    Cell::text(a.kind.label(lang.code())),
                    Cell::link(a.region.to_string(), format!("/regions/{}", a.region)),
                ]
            })
            .collect(),
        empty: t.t("agencies.none").into(),
    }
}

async fn list_page(State(state): State<AppState>, lang: Lang, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    let page = state.store().search_agencies(&params.query()).await.map_err(|e| Error::from(e).page(lang))?;
    let pager = Pager::new(t, &page, |n| list_href("/agencies", &params, n));
    Ok(render(&ListPage {
        l: Layout::new(lang, t.t("agencies.title"), "agencies"),
        heading: t.t("agencies.title").into(),
        breadcrumbs: Vec::new(),
        intro: None,
        search: Some(Search {
            action: "/agencies".into(),
            q: params.q_str().into(),
            placeholder: t.t("agencies.search_placeholder").into(),
            region: None,
        }),
        actions: vec![Link::new(t.t("agencies.add"), "/agencies/new")],
        table: agency_table(lang, page.items),
        pager: Some(pager),
    }))
}

fn staff_form(lang: Lang, id: Id, d: &StaffDraft) -> Form {
    let t = lang.tr();
    Form::new(
        "staff",
        format!("/agencies/{id}/staff"),
        t.t("agencies.add_staff"),
        vec![
            Field::text("name", t.t("agencies.staff_name"), &d.name).required(),
            Field::text("position", t.t("agencies.position"), &d.position).required(),
        ],
    )
}

async fn view(state: &AppState, lang: Lang, id: Id, staff: Option<StaffDraft>) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let a = store.agency(id).await?;
    let parent = match a.parent_id {
        Some(p) => store.agency(p).await.ok(),
        None => None,
    };
    let units = store.agency_units(id).await?;
    let members = store.agency_staff(id).await?;
    let staff_table = Table {
        headers: vec![t.t("agencies.staff_name").into(), t.t("agencies.position").into()],
        rows: members.into_iter().map(|s| vec![Cell::text(s.name), Cell::text(s.position)]).collect(),
        empty: t.t("agencies.no_staff").into(),
    };
    let staff = staff.unwrap_or_default();
    Ok(ViewPage {
        l: Layout::new(lang, a.name.clone(), "agencies"),
        heading: a.name.clone(),
        breadcrumbs: crumbs(lang, "nav.agencies", "/agencies"),
        actions: vec![
            Link::new(t.t("common.edit"), format!("/agencies/{id}/edit")),
            Link::new(t.t("programs.add"), format!("/programs/new?agency={id}")),
        ],
        warnings: Vec::new(),
        facts: vec![
            (t.t("agencies.name").into(), Cell::text(a.name.clone())),
            (t.t("agencies.kind").into(), Cell::text(a.kind.label(lang.code()))),
            (t.t("agencies.region").into(), Cell::link(a.region.to_string(), format!("/regions/{}", a.region))),
            (
                t.t("agencies.parent").into(),
                match parent {
                    Some(p) => Cell::link(p.name, format!("/agencies/{}", p.id)),
                    None => Cell::text("—"),
                },
            ),
            (t.t("common.version").into(), Cell::text(a.version.to_string())),
        ],
        sections: vec![
            Section {
                id: "units".into(),
                title: t.t("agencies.units").into(),
                table: Some(agency_table(lang, units)),
                ..Default::default()
            },
            Section {
                id: "staff".into(),
                title: t.t("agencies.staff").into(),
                table: Some(staff_table),
                ..Default::default()
            },
            Section {
                id: "add-staff".into(),
                title: t.t("agencies.add_staff").into(),
                form: Some(staff_form(lang, id, &staff)),
                ..Default::default()
            },
        ],
    })
}

async fn view_page(State(state): State<AppState>, lang: Lang, IdPath(id): IdPath) -> Result<Response, Error> {
    let page = view(&state, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(render(&page))
}

async fn add_staff_page(
    State(state): State<AppState>,
    lang: Lang,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let draft = StaffDraft { name: form.get("name"), position: form.get("position") };
    let result = match draft.parse() {
        Ok(new) => state.store().add_staff(id, &new).await.map_err(Error::from),
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/agencies/{id}#staff")).into_response()),
        Err(err) => {
            let page = view(&state, lang, id, Some(draft)).await.map_err(|e| e.page(lang))?;
            Ok(section_form_failed(lang, err, page, "add-staff"))
        }
    }
}

async fn parent_choices(state: &AppState, except: Option<Id>) -> Result<Vec<(String, String)>, Error> {
    let page = state
        .store()
        .search_agencies(&Query { page: PageRequest::new(1, PageRequest::MAX_PER_PAGE), ..Default::default() })
        .await?;
    Ok(page.items.into_iter().filter(|a| Some(a.id) != except).map(|a| (a.id.to_string(), a.name)).collect())
}

fn agency_form(lang: Lang, d: &AgencyDraft, action: String, parents: Vec<(String, String)>) -> Form {
    let t = lang.tr();
    let kinds = vocabulary(AgencyKind::ALL, AgencyKind::code, AgencyKind::label, lang);
    Form::new(
        "agency",
        action,
        t.t("common.save"),
        vec![
            Field::text("name", t.t("agencies.name"), &d.name).required(),
            Field::select("kind", t.t("agencies.kind"), &d.kind, kinds, Some(t.t("common.choose"))).required(),
            Field::text("region", t.t("agencies.region"), &d.region).required().hint(t.t("common.region_hint")),
            Field::select(
                "parent_id",
                t.t("agencies.parent"),
                d.parent_id.as_deref().unwrap_or(""),
                parents,
                Some(t.t("common.none")),
            ),
        ],
    )
}

fn draft_from(form: &FormData) -> AgencyDraft {
    AgencyDraft {
        name: form.get("name"),
        kind: form.get("kind"),
        region: form.get("region"),
        parent_id: form.opt("parent_id"),
    }
}

fn form_page(lang: Lang, heading: &str, form: Form) -> FormPage {
    FormPage {
        l: Layout::new(lang, heading, "agencies"),
        heading: heading.into(),
        breadcrumbs: crumbs(lang, "nav.agencies", "/agencies"),
        form,
    }
}

async fn new_page(State(state): State<AppState>, lang: Lang) -> Result<Response, Error> {
    let t = lang.tr();
    let parents = parent_choices(&state, None).await.map_err(|e| e.page(lang))?;
    Ok(render(&form_page(
        lang,
        t.t("agencies.new"),
        agency_form(lang, &AgencyDraft::default(), "/agencies".into(), parents),
    )))
}

async fn create_page(State(state): State<AppState>, lang: Lang, form: FormData) -> Result<Response, Error> {
    let t = lang.tr();
    let draft = draft_from(&form);
    let result = match draft.parse() {
        Ok(new) => state.store().create_agency(&new).await.map_err(Error::from),
        Err(invalid) => Err(invalid.into()),
    };
    Ok(match result {
        Ok(a) => Redirect::to(&format!("/agencies/{}", a.id)).into_response(),
        Err(err) => {
            let parents = parent_choices(&state, None).await.map_err(|e| e.page(lang))?;
            form_failed(
                lang,
                err,
                form_page(lang, t.t("agencies.new"), agency_form(lang, &draft, "/agencies".into(), parents)),
            )
        }
    })
}

async fn edit_page(State(state): State<AppState>, lang: Lang, IdPath(id): IdPath) -> Result<Response, Error> {
    let t = lang.tr();
    let a = state.store().agency(id).await.map_err(|e| Error::from(e).page(lang))?;
    let parents = parent_choices(&state, Some(id)).await.map_err(|e| e.page(lang))?;
    let form = agency_form(lang, &AgencyDraft::from(&a), format!("/agencies/{id}/edit"), parents)
        .hidden("version", a.version.to_string());
    Ok(render(&form_page(lang, t.t("agencies.edit"), form)))
}

async fn update_page(
    State(state): State<AppState>,
    lang: Lang,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let t = lang.tr();
    let draft = draft_from(&form);
    let version = form.version().unwrap_or(0);
    let result = match draft.parse() {
        Ok(new) => state.store().update_agency(id, &new, version).await.map_err(Error::from),
        Err(invalid) => Err(invalid.into()),
    };
    Ok(match result {
        Ok(a) => Redirect::to(&format!("/agencies/{}", a.id)).into_response(),
        Err(err) => {
            let parents = parent_choices(&state, Some(id)).await.map_err(|e| e.page(lang))?;
            let form = agency_form(lang, &draft, format!("/agencies/{id}/edit"), parents)
                .hidden("version", version.to_string());
            form_failed(lang, err, form_page(lang, t.t("agencies.edit"), form))
        }
    })
}
