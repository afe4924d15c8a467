//! Households over HTTP: search, view (members, enrollments, the enroll form), create, edit.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::registry::{Household, HouseholdDraft, Id, Subject, SubjectKind, WelfareStage};
use berdaya_store::HouseholdSummary;
use serde::Serialize;
use utoipa::ToSchema;

use super::people::PersonSummaryDto;
use super::programs::{EnrollInput, SubjectEnrollmentDto, enroll_form, enrollments_table};
use super::{PageDto, SearchParams, created, crumbs, form_failed, iso, list_href, section_form_failed};
use crate::AppState;
use crate::error::{Error, ErrorBody};
use crate::extract::{FormData, IdPath, JsonBody, ListParams};
use crate::html::{
    Cell, Field, Form, FormPage, Layout, Link, ListPage, Pager, Search, Section, Table, ViewPage, date_or_dash, render,
    vocabulary, yes_no,
};
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/households", get(list).post(create))
        .route("/api/v1/households/{id}", get(show).put(update))
        .route("/api/v1/households/{id}/members", get(members))
        .route("/api/v1/households/{id}/enrollments", get(enrollments))
        .route("/households", get(list_page).post(create_page))
        .route("/households/new", get(new_page))
        .route("/households/{id}", get(view_page))
        .route("/households/{id}/edit", get(edit_page).post(update_page))
        .route("/households/{id}/enrollments", post(enroll_page))
}

/// A household, with its full KK number.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdDto {
    pub id: i64,
    /// The 16-digit family card number.
    pub kk: String,
    pub address: String,
    pub region: String,
    /// `pra_sejahtera`, `sejahtera_1`, `sejahtera_2`, `sejahtera_3` or `sejahtera_3_plus`.
    pub welfare_stage: String,
    pub dtks_listed: bool,
    pub dtks_since: Option<String>,
    pub version: i64,
}

impl From<Household> for HouseholdDto {
    fn from(h: Household) -> Self {
        HouseholdDto {
            id: h.id,
            kk: h.kk.reveal(),
            address: h.address,
            region: h.region.to_string(),
            welfare_stage: h.welfare_stage.code().into(),
            dtks_listed: h.dtks_listed,
            dtks_since: h.dtks_since.map(iso),
            version: h.version,
        }
    }
}

/// A household in a listing; the KK number is masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdSummaryDto {
    pub id: i64,
    /// Masked: `3316••••••••0034`.
    pub kk: String,
    pub address: String,
    pub region: String,
    pub region_name: String,
    pub welfare_stage: String,
    pub dtks_listed: bool,
    pub head_name: Option<String>,
    pub members: u32,
}

impl From<HouseholdSummary> for HouseholdSummaryDto {
    fn from(s: HouseholdSummary) -> Self {
        HouseholdSummaryDto {
            id: s.household.id,
            kk: s.household.kk.masked(),
            address: s.household.address,
            region: s.household.region.to_string(),
            region_name: s.region_name,
            welfare_stage: s.household.welfare_stage.code().into(),
            dtks_listed: s.household.dtks_listed,
            head_name: s.head_name,
            members: s.members,
        }
    }
}

/// Households whose KK number is `q`, or whose address or head's name contains it.
#[utoipa::path(get, path = "/api/v1/households", tag = "households", params(SearchParams),
    responses((status = 200, body = PageDto<HouseholdSummaryDto>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    params: ListParams,
) -> Result<Json<PageDto<HouseholdSummaryDto>>, Error> {
    let page = state.store().search_households(&params.query()).await?;
    Ok(Json(PageDto::from_page(page, HouseholdSummaryDto::from)))
}

/// Adds a household; its region must exist and its KK number be new.
#[utoipa::path(post, path = "/api/v1/households", tag = "households", request_body = crate::openapi::HouseholdInput,
    responses((status = 201, body = HouseholdDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, body: JsonBody) -> Result<Response, Error> {
    let draft: HouseholdDraft = body.decode()?;
    let household = state.store().create_household(&draft.parse()?).await?;
    Ok(created(HouseholdDto::from(household)))
}

/// One household.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = HouseholdDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, IdPath(id): IdPath) -> Result<Json<HouseholdDto>, Error> {
    Ok(Json(state.store().household(id).await?.into()))
}

/// Changes a household; `version` must be the one read, else 409.
#[utoipa::path(put, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path, description = "Household id")),
    request_body = crate::openapi::HouseholdUpdate,
    responses((status = 200, body = HouseholdDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<HouseholdDto>, Error> {
    let draft: HouseholdDraft = body.decode()?;
    let version = body.version()?;
    Ok(Json(state.store().update_household(id, &draft.parse()?, version).await?.into()))
}

/// The household's members (NIK masked).
#[utoipa::path(get, path = "/api/v1/households/{id}/members", tag = "households", params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = Vec<PersonSummaryDto>), (status = 404, body = ErrorBody)))]
pub async fn members(State(state): State<AppState>, IdPath(id): IdPath) -> Result<Json<Vec<PersonSummaryDto>>, Error> {
    state.store().household(id).await?;
    let people = state.store().household_members(id).await?;
    Ok(Json(people.into_iter().map(PersonSummaryDto::from).collect()))
}

/// The programs the household is enrolled in.
#[utoipa::path(get, path = "/api/v1/households/{id}/enrollments", tag = "households", params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = Vec<SubjectEnrollmentDto>), (status = 404, body = ErrorBody)))]
pub async fn enrollments(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Json<Vec<SubjectEnrollmentDto>>, Error> {
    state.store().household(id).await?;
    let list = state.store().subject_enrollments(Subject { kind: SubjectKind::Household, id }).await?;
    Ok(Json(list.into_iter().map(SubjectEnrollmentDto::from).collect()))
}

// Pages ------------------------------------------------------------------------------------

async fn list_page(State(state): State<AppState>, lang: Lang, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    let page = state.store().search_households(&params.query()).await.map_err(|e| Error::from(e).page(lang))?;
    let pager = Pager::new(t, &page, |n| list_href("/households", &params, n));
    let table = Table {
        headers: vec![
            t.t("households.kk").into(),
            t.t("households.head").into(),
            t.t("households.address").into(),
            t.t("households.region").into(),
            t.t("households.welfare_stage").into(),
            t.t("households.members").into(),
        ],
        rows: page
            .items
            .into_iter()
            .map(|s| {
                let href = format!("/households/{}", s.household.id);
                vec![
                    Cell::link(s.household.kk.masked(), href.clone()),
                    Cell::link(s.head_name.unwrap_or_else(|| "—".into()), href),
                    Cell::text(s.household.address),
                    Cell::text(s.region_name),
                    Cell::text(s.household.welfare_stage.label(lang.code())),
                    Cell::text(s.members.to_string()),
                ]
            })
            .collect(),
        empty: t.t("households.none").into(),
    };
    Ok(render(&ListPage {
        l: Layout::new(lang, t.t("households.title"), "households"),
        heading: t.t("households.title").into(),
        breadcrumbs: Vec::new(),
        intro: None,
        search: Some(Search {
            action: "/households".into(),
            q: params.q_str().into(),
            placeholder: t.t("households.search_placeholder").into(),
            region: Some(params.region.as_ref().map(|r| r.to_string()).unwrap_or_default()),
        }),
        actions: vec![Link::new(t.t("households.add"), "/households/new")],
        table,
        pager: Some(pager),
    }))
}

/// The household page; `enroll` replaces the blank enroll form (to show its errors).
async fn view(state: &AppState, lang: Lang, id: Id, enroll: Option<EnrollInput>) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let h = store.household(id).await?;
    let region = store.region(&h.region).await.ok();
    let members = store.household_members(id).await?;
    let enrolled = store.subject_enrollments(Subject { kind: SubjectKind::Household, id }).await?;
    let programs = store
        .search_programs(&berdaya_store::Query { page: berdaya_store::PageRequest::new(1, 200), ..Default::default() })
        .await?;
    let head = members.iter().find(|p| p.relation == berdaya_domain::registry::Relation::Head).map(|p| p.name.clone());
    let heading = format!("{} {}", t.t("households.one"), head.unwrap_or_else(|| h.address.clone()));
    let member_table = Table {
        headers: vec![
            t.t("people.name").into(),
            t.t("people.nik").into(),
            t.t("people.relation").into(),
            t.t("people.sex").into(),
            t.t("people.birth_date").into(),
        ],
        rows: members
            .into_iter()
            .map(|p| {
                let href = format!("/people/{}", p.id);
                vec![
                    Cell::link(p.name, href),
                    Cell::text(p.nik.masked()),
                    Cell::text(p.relation.label(lang.code())),
                    Cell::text(p.sex.label(lang.code())),
                    Cell::text(iso(p.birth_date)),
                ]
            })
            .collect(),
        empty: t.t("households.no_members").into(),
    };
    let program_choices = programs.items.iter().map(|p| (p.program.id.to_string(), p.program.name.clone())).collect();
    let input = enroll.unwrap_or_else(|| EnrollInput::blank("household", id));
    Ok(ViewPage {
        l: Layout::new(lang, heading.clone(), "households"),
        heading,
        breadcrumbs: crumbs(lang, "nav.households", "/households"),
        actions: vec![Link::new(t.t("common.edit"), format!("/households/{id}/edit"))],
        warnings: Vec::new(),
        facts: vec![
            (t.t("households.kk").into(), Cell::text(h.kk.reveal())),
            (t.t("households.address").into(), Cell::text(h.address.clone())),
            (
                t.t("households.region").into(),
                Cell::link(
                    region.map(|r| format!("{} ({})", r.name, r.code)).unwrap_or_else(|| h.region.to_string()),
                    format!("/regions/{}", h.region),
                ),
            ),
            (t.t("households.welfare_stage").into(), Cell::text(h.welfare_stage.label(lang.code()))),
            (t.t("households.dtks_listed").into(), Cell::text(yes_no(t, h.dtks_listed))),
            (t.t("households.dtks_since").into(), Cell::text(date_or_dash(h.dtks_since))),
            (t.t("common.version").into(), Cell::text(h.version.to_string())),
        ],
        sections: vec![
            Section {
                id: "members".into(),
                title: t.t("households.members").into(),
                table: Some(member_table),
                links: vec![Link::new(t.t("households.add_member"), format!("/people/new?household={id}"))],
                ..Default::default()
            },
            Section {
                id: "enrollments".into(),
                title: t.t("enrollments.title").into(),
                table: Some(enrollments_table(lang, enrolled)),
                ..Default::default()
            },
            Section {
                id: "enroll".into(),
                title: t.t("enrollments.enroll_household").into(),
                form: Some(enroll_form(lang, &format!("/households/{id}/enrollments"), &input, Some(program_choices))),
                ..Default::default()
            },
        ],
    })
}

async fn view_page(State(state): State<AppState>, lang: Lang, IdPath(id): IdPath) -> Result<Response, Error> {
    let page = view(&state, lang, id, None).await.map_err(|e| e.page(lang))?;
    Ok(render(&page))
}

async fn enroll_page(
    State(state): State<AppState>,
    lang: Lang,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    let input = EnrollInput::from_form(&form, Some(("household", id)));
    match input.submit(&state, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/households/{id}#enrollments")).into_response()),
        Err(err) => {
            let page = view(&state, lang, id, Some(input)).await.map_err(|e| e.page(lang))?;
            Ok(section_form_failed(lang, err, page, "enroll"))
        }
    }
}

fn household_form(lang: Lang, d: &HouseholdDraft, action: String) -> Form {
    let t = lang.tr();
    let stages = vocabulary(WelfareStage::ALL, WelfareStage::code, WelfareStage::label, lang);
    Form::new(
        "household",
        action,
        t.t("common.save"),
        vec![
            Field::text("kk", t.t("households.kk"), &d.kk).required().hint(t.t("households.kk_hint")),
            Field::textarea("address", t.t("households.address"), &d.address).required(),
            Field::text("region", t.t("households.region"), &d.region).required().hint(t.t("common.region_hint")),
            Field::select(
                "welfare_stage",
                t.t("households.welfare_stage"),
                &d.welfare_stage,
                stages,
                Some(t.t("common.choose")),
            )
            .required(),
            Field::checkbox("dtks_listed", t.t("households.dtks_listed"), d.dtks_listed),
            Field::date("dtks_since", t.t("households.dtks_since"), d.dtks_since.clone().unwrap_or_default()),
        ],
    )
}

fn draft_from(form: &FormData) -> HouseholdDraft {
    HouseholdDraft {
        kk: form.get("kk"),
        address: form.get("address"),
        region: form.get("region"),
        welfare_stage: form.get("welfare_stage"),
        dtks_listed: form.checked("dtks_listed"),
        dtks_since: form.opt("dtks_since"),
    }
}

fn form_page(lang: Lang, heading: &str, form: Form) -> FormPage {
    FormPage {
        l: Layout::new(lang, heading, "households"),
        heading: heading.into(),
        breadcrumbs: crumbs(lang, "nav.households", "/households"),
        form,
    }
}

async fn new_page(lang: Lang, params: ListParams) -> Response {
    let t = lang.tr();
    let draft =
        HouseholdDraft { region: params.region.map(|r| r.to_string()).unwrap_or_default(), ..Default::default() };
    render(&form_page(lang, t.t("households.new"), household_form(lang, &draft, "/households".into())))
}

async fn create_page(State(state): State<AppState>, lang: Lang, form: FormData) -> Response {
    let t = lang.tr();
    let draft = draft_from(&form);
    let result = match draft.parse() {
        Ok(new) => state.store().create_household(&new).await.map_err(Error::from),
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(h) => Redirect::to(&format!("/households/{}", h.id)).into_response(),
        Err(err) => form_failed(
            lang,
            err,
            form_page(lang, t.t("households.new"), household_form(lang, &draft, "/households".into())),
        ),
    }
}

async fn edit_page(State(state): State<AppState>, lang: Lang, IdPath(id): IdPath) -> Result<Response, Error> {
    let t = lang.tr();
    let h = state.store().household(id).await.map_err(|e| Error::from(e).page(lang))?;
    let form = household_form(lang, &HouseholdDraft::from(&h), format!("/households/{id}/edit"))
        .hidden("version", h.version.to_string());
    Ok(render(&form_page(lang, t.t("households.edit"), form)))
}

async fn update_page(State(state): State<AppState>, lang: Lang, IdPath(id): IdPath, form: FormData) -> Response {
    let t = lang.tr();
    let draft = draft_from(&form);
    let version = form.version().unwrap_or(0);
    let result = match draft.parse() {
        Ok(new) => state.store().update_household(id, &new, version).await.map_err(Error::from),
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(h) => Redirect::to(&format!("/households/{}", h.id)).into_response(),
        Err(err) => {
            let form =
                household_form(lang, &draft, format!("/households/{id}/edit")).hidden("version", version.to_string());
            form_failed(lang, err, form_page(lang, t.t("households.edit"), form))
        }
    }
}
