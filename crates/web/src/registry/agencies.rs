//! Agencies over HTTP (a Dinas and its UPTD units): search, view with units, staff and the
//! add-staff form, create and edit.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::registry::{Agency, AgencyDraft, AgencyKind, Id, Staff, StaffDraft};
use berdaya_store::{Page, PageRequest, Query};
use serde::Serialize;
use utoipa::ToSchema;

use super::{PageDto, SearchParams, created, crumbs, form_failed, list_href, section_form_failed};
use crate::AppState;
use crate::access::guard::{Auth, hidden};
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
    responses((status = 200, body = PageDto<AgencyDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    params: ListParams,
) -> Result<Json<PageDto<AgencyDto>>, Error> {
    let page = search(&state, &auth, &params).await?;
    Ok(Json(PageDto::from_page(page, AgencyDto::from)))
}

/// The agencies in the principal's area that match the search.
async fn search(state: &AppState, auth: &Auth, params: &ListParams) -> Result<Page<Agency>, Error> {
    auth.require(auth.principal().reads_programs())?;
    match auth.scope(params.query()) {
        Some(q) => Ok(state.store().search_agencies(&q).await?),
        None => Ok(Page::new(Vec::new(), params.page, 0)),
    }
}

/// An agency the principal may read; one outside their area reads as missing.
async fn readable(state: &AppState, auth: &Auth, id: Id) -> Result<Agency, Error> {
    auth.require(auth.principal().reads_programs())?;
    let a = state.store().agency(id).await?;
    if auth.region_code_visible(&a.region) { Ok(a) } else { Err(hidden("agency")) }
}

/// An agency the principal may change (administrators only).
async fn editable(state: &AppState, auth: &Auth, id: Id) -> Result<Agency, Error> {
    auth.require(auth.principal().manages_reference_data())?;
    readable(state, auth, id).await
}

/// Adds an agency or unit; its region (and parent agency, if any) must exist.
#[utoipa::path(post, path = "/api/v1/agencies", tag = "agencies", request_body = crate::openapi::AgencyInput,
    responses((status = 201, body = AgencyDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(auth.principal().manages_reference_data())?;
    let draft: AgencyDraft = body.decode()?;
    let new = draft.parse()?;
    check_refs(&state, &auth, &new).await?;
    let agency = state.store().create_agency(&new).await?;
    Ok(created(AgencyDto::from(agency)))
}

/// One agency.
#[utoipa::path(get, path = "/api/v1/agencies/{id}", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    responses((status = 200, body = AgencyDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<AgencyDto>, Error> {
    Ok(Json(readable(&state, &auth, id).await?.into()))
}

/// Changes an agency; `version` must be the one read, else 409.
#[utoipa::path(put, path = "/api/v1/agencies/{id}", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    request_body = crate::openapi::AgencyUpdate,
    responses((status = 200, body = AgencyDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<AgencyDto>, Error> {
    editable(&state, &auth, id).await?;
    let draft: AgencyDraft = body.decode()?;
    let version = body.version()?;
    let new = draft.parse()?;
    check_refs(&state, &auth, &new).await?;
    Ok(Json(state.store().update_agency(id, &new, version).await?.into()))
}

/// The agency's units (a Dinas's UPTD).
#[utoipa::path(get, path = "/api/v1/agencies/{id}/units", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    responses((status = 200, body = Vec<AgencyDto>), (status = 404, body = ErrorBody)))]
pub async fn units(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<AgencyDto>>, Error> {
    readable(&state, &auth, id).await?;
    let list = state.store().agency_units(id).await?;
    Ok(Json(list.into_iter().filter(|u| auth.region_code_visible(&u.region)).map(AgencyDto::from).collect()))
}

/// The agency's staff.
#[utoipa::path(get, path = "/api/v1/agencies/{id}/staff", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    responses((status = 200, body = Vec<StaffDto>), (status = 404, body = ErrorBody)))]
pub async fn staff(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<StaffDto>>, Error> {
    readable(&state, &auth, id).await?;
    let list = state.store().agency_staff(id).await?;
    Ok(Json(list.into_iter().map(StaffDto::from).collect()))
}

/// Adds a member of staff.
#[utoipa::path(post, path = "/api/v1/agencies/{id}/staff", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    request_body = crate::openapi::StaffInput,
    responses((status = 201, body = StaffDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_staff(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    editable(&state, &auth, id).await?;
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

async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    params: ListParams,
) -> Result<Response, Error> {
    let t = lang.tr();
    let page = search(&state, &auth, &params).await.map_err(|e| e.page(lang))?;
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
        actions: if auth.principal().manages_reference_data() {
            vec![Link::new(t.t("agencies.add"), "/agencies/new")]
        } else {
            Vec::new()
        },
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

async fn view(state: &AppState, auth: &Auth, lang: Lang, id: Id, staff: Option<StaffDraft>) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let a = readable(state, auth, id).await?;
    let manages = auth.principal().manages_reference_data();
    let parent = match a.parent_id {
        Some(p) => store.agency(p).await.ok().filter(|p| auth.region_code_visible(&p.region)),
        None => None,
    };
    let mut units = store.agency_units(id).await?;
    units.retain(|u| auth.region_code_visible(&u.region));
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
        actions: [
            manages.then(|| Link::new(t.t("common.edit"), format!("/agencies/{id}/edit"))),
            auth.principal()
                .manages_program(id)
                .then(|| Link::new(t.t("programs.add"), format!("/programs/new?agency={id}"))),
        ]
        .into_iter()
        .flatten()
        .collect(),
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
        sections: [
            Some(Section {
                id: "units".into(),
                title: t.t("agencies.units").into(),
                table: Some(agency_table(lang, units)),
                ..Default::default()
            }),
            Some(Section {
                id: "staff".into(),
                title: t.t("agencies.staff").into(),
                table: Some(staff_table),
                ..Default::default()
            }),
            manages.then(|| Section {
                id: "add-staff".into(),
                title: t.t("agencies.add_staff").into(),
                form: Some(staff_form(lang, id, &staff)),
                ..Default::default()
            }),
        ]
        .into_iter()
        .flatten()
        .collect(),
    })
}

async fn view_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Response, Error> {
    let page = view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(render(&page))
}

async fn add_staff_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    editable(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft = StaffDraft { name: form.get("name"), position: form.get("position") };
    let result = match draft.parse() {
        Ok(new) => state.store().add_staff(id, &new).await.map_err(Error::from),
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/agencies/{id}#staff")).into_response()),
        Err(err) => {
            let page = view(&state, &auth, lang, id, Some(draft)).await.map_err(|e| e.page(lang))?;
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

async fn new_page(State(state): State<AppState>, lang: Lang, auth: Auth) -> Result<Response, Error> {
    let t = lang.tr();
    auth.require(auth.principal().manages_reference_data()).map_err(|e| e.page(lang))?;
    let parents = parent_choices(&state, None).await.map_err(|e| e.page(lang))?;
    Ok(render(&form_page(
        lang,
        t.t("agencies.new"),
        agency_form(lang, &AgencyDraft::default(), "/agencies".into(), parents),
    )))
}

async fn create_page(State(state): State<AppState>, lang: Lang, auth: Auth, form: FormData) -> Result<Response, Error> {
    let t = lang.tr();
    auth.require(auth.principal().manages_reference_data()).map_err(|e| e.page(lang))?;
    let draft = draft_from(&form);
    let result = match draft.parse() {
        Ok(new) => match check_refs(&state, &auth, &new).await {
            Ok(()) => state.store().create_agency(&new).await.map_err(Error::from),
            Err(e) => Err(e),
        },
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

async fn edit_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Response, Error> {
    let t = lang.tr();
    let a = editable(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let parents = parent_choices(&state, Some(id)).await.map_err(|e| e.page(lang))?;
    let form = agency_form(lang, &AgencyDraft::from(&a), format!("/agencies/{id}/edit"), parents)
        .hidden("version", a.version.to_string());
    Ok(render(&form_page(lang, t.t("agencies.edit"), form)))
}

async fn update_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let t = lang.tr();
    editable(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft = draft_from(&form);
    let version = form.version().unwrap_or(0);
    let result = match draft.parse() {
        Ok(new) => match check_refs(&state, &auth, &new).await {
            Ok(()) => state.store().update_agency(id, &new, version).await.map_err(Error::from),
            Err(e) => Err(e),
        },
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

/// Resolves the references of a new or changed agency (its region, its parent) through the
/// caller's scope.
async fn check_refs(state: &AppState, auth: &Auth, new: &berdaya_domain::registry::NewAgency) -> Result<(), Error> {
    auth.region_ref(state.store(), "region", &new.region).await?;
    if let Some(parent) = new.parent_id {
        auth.agency_ref(state.store(), "parent_id", parent).await?;
    }
    Ok(())
}
