//! Households over HTTP: search, view (members, enrollments, the enroll form), create, edit.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::RecordAccess;
use berdaya_domain::registry::{Household, HouseholdDraft, Id, Subject, SubjectKind, WelfareStage};
use berdaya_store::{HouseholdSummary, Page};
use serde::Serialize;
use utoipa::ToSchema;

use super::people::PersonSummaryDto;
use super::programs::{EnrollInput, SubjectEnrollmentDto, enroll_form, enrollments_table};
use super::{PageDto, SearchParams, created, crumbs, form_failed, iso, list_href, section_form_failed};
use crate::AppState;
use crate::access::guard::{Auth, identity_checked, record_reveal};
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

/// A household. The KK number is in full for roles that may see it (each such answer is
/// recorded in the audit log), masked otherwise.
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

impl HouseholdDto {
    /// The household as `access` allows: the KK in full only with [`RecordAccess::Full`].
    fn new(h: Household, access: RecordAccess) -> Self {
        HouseholdDto {
            id: h.id,
            kk: if access == RecordAccess::Full { h.kk.reveal() } else { h.kk.masked() },
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
    auth: Auth,
    params: ListParams,
) -> Result<Json<PageDto<HouseholdSummaryDto>>, Error> {
    let page = search(&state, &auth, &params).await?;
    Ok(Json(PageDto::from_page(page, HouseholdSummaryDto::from)))
}

/// Adds a household; its region must exist and its KK number be new.
#[utoipa::path(post, path = "/api/v1/households", tag = "households", request_body = crate::openapi::HouseholdInput,
    responses((status = 201, body = HouseholdDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(auth.principal().creates_registry())?;
    let draft: HouseholdDraft = body.decode()?;
    let new = draft.parse()?;
    check_refs(&state, &auth, &new).await?;
    let household = identity_checked(state.store(), "households", state.store().create_household(&new).await).await?;
    record_reveal(state.store(), "households", household.id, "kk").await?;
    Ok(created(HouseholdDto::new(household, RecordAccess::Full)))
}

/// The households the principal may see that match the search.
async fn search(state: &AppState, auth: &Auth, params: &ListParams) -> Result<Page<HouseholdSummary>, Error> {
    auth.require(auth.reads_people())?;
    // List none of what the role could not open (welfare stage, DTKS listing, heads, addresses).
    if !auth.principal().opens_households() {
        return Ok(Page::new(Vec::new(), params.page, 0));
    }
    match auth.scope(params.query()) {
        Some(q) => Ok(state.store().search_households(&q).await?),
        None => Ok(Page::new(Vec::new(), params.page, 0)),
    }
}

/// The household, as the principal may see it; a full KK is recorded as a reveal.
async fn shown(state: &AppState, auth: &Auth, id: Id) -> Result<(Household, RecordAccess), Error> {
    let (h, access) = auth.readable_household(state.store(), id).await?;
    if access == RecordAccess::Full {
        record_reveal(state.store(), "households", id, "kk").await?;
    }
    Ok((h, access))
}

/// One household.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = HouseholdDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<HouseholdDto>, Error> {
    let (h, access) = shown(&state, &auth, id).await?;
    Ok(Json(HouseholdDto::new(h, access)))
}

/// Changes a household; `version` must be the one read, else 409.
#[utoipa::path(put, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path, description = "Household id")),
    request_body = crate::openapi::HouseholdUpdate,
    responses((status = 200, body = HouseholdDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<HouseholdDto>, Error> {
    auth.editable_household(state.store(), id).await?;
    let draft: HouseholdDraft = body.decode()?;
    let version = body.version()?;
    let new = draft.parse()?;
    check_refs(&state, &auth, &new).await?;
    let h =
        identity_checked(state.store(), "households", state.store().update_household(id, &new, version).await).await?;
    record_reveal(state.store(), "households", id, "kk").await?;
    Ok(Json(HouseholdDto::new(h, RecordAccess::Full)))
}

/// The household's members (NIK masked).
#[utoipa::path(get, path = "/api/v1/households/{id}/members", tag = "households", params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = Vec<PersonSummaryDto>), (status = 404, body = ErrorBody)))]
pub async fn members(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<PersonSummaryDto>>, Error> {
    auth.readable_household(state.store(), id).await?;
    let people = state.store().household_members(id).await?;
    Ok(Json(people.into_iter().map(PersonSummaryDto::from).collect()))
}

/// The programs the household is enrolled in.
#[utoipa::path(get, path = "/api/v1/households/{id}/enrollments", tag = "households", params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = Vec<SubjectEnrollmentDto>), (status = 404, body = ErrorBody)))]
pub async fn enrollments(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<SubjectEnrollmentDto>>, Error> {
    auth.readable_household(state.store(), id).await?;
    let list = state.store().subject_enrollments(Subject { kind: SubjectKind::Household, id }).await?;
    Ok(Json(list.into_iter().map(SubjectEnrollmentDto::from).collect()))
}

// Pages ------------------------------------------------------------------------------------

async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    params: ListParams,
) -> Result<Response, Error> {
    let t = lang.tr();
    let page = search(&state, &auth, &params).await.map_err(|e| e.page(lang))?;
    let pager = Pager::new(t, &page, |n| list_href("/households", &params, n));
    let table = Table {
        sorts: Vec::new(),
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
            filters: Vec::new(),
            sort: None,
        }),
        actions: if auth.principal().creates_registry() {
            vec![Link::new(t.t("households.add"), "/households/new")]
        } else {
            Vec::new()
        },
        table,
        pager: Some(pager),
    }))
}

/// The household page; `enroll` replaces the blank enroll form (to show its errors).
async fn view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    enroll: Option<EnrollInput>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let (h, access) = shown(state, auth, id).await?;
    let editable = auth.principal().edits_registry() && access == RecordAccess::Full;
    let region = store.region(&h.region).await.ok();
    let members = store.household_members(id).await?;
    let enrolled = store.subject_enrollments(Subject { kind: SubjectKind::Household, id }).await?;
    let programs = store
        .search_programs(&berdaya_store::Query { page: berdaya_store::PageRequest::new(1, 200), ..Default::default() })
        .await?;
    let head = members.iter().find(|p| p.relation == berdaya_domain::registry::Relation::Head).map(|p| p.name.clone());
    let heading = format!("{} {}", t.t("households.one"), head.unwrap_or_else(|| h.address.clone()));
    let member_table = Table {
        sorts: Vec::new(),
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
    let program_choices: Vec<(String, String)> = programs
        .items
        .iter()
        .filter(|p| auth.principal().manages_program(p.program.agency_id) && auth.program_in_area(&p.program))
        .map(|p| (p.program.id.to_string(), p.program.name.clone()))
        .collect();
    let input = enroll.unwrap_or_else(|| EnrollInput::blank("household", id));
    Ok(ViewPage {
        l: Layout::new(lang, heading.clone(), "households"),
        heading,
        breadcrumbs: crumbs(lang, "nav.households", "/households"),
        actions: if editable {
            vec![Link::new(t.t("common.edit"), format!("/households/{id}/edit"))]
        } else {
            Vec::new()
        },
        warnings: Vec::new(),
        facts: vec![
            (
                t.t("households.kk").into(),
                Cell::text(if access == RecordAccess::Full { h.kk.reveal() } else { h.kk.masked() }),
            ),
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
                links: if editable {
                    vec![Link::new(t.t("households.add_member"), format!("/people/new?household={id}"))]
                } else {
                    Vec::new()
                },
                ..Default::default()
            },
            Section {
                id: "enrollments".into(),
                title: t.t("enrollments.title").into(),
                table: Some(enrollments_table(lang, enrolled)),
                ..Default::default()
            },
        ]
        .into_iter()
        .chain((!program_choices.is_empty()).then(|| Section {
            id: "enroll".into(),
            title: t.t("enrollments.enroll_household").into(),
            form: Some(enroll_form(lang, &format!("/households/{id}/enrollments"), &input, Some(program_choices))),
            ..Default::default()
        }))
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

async fn enroll_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    auth.readable_household(state.store(), id).await.map_err(|e| e.page(lang))?;
    let input = EnrollInput::from_form(&form, Some(("household", id)));
    match input.submit(&state, &auth, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/households/{id}#enrollments")).into_response()),
        Err(err) => {
            let page = view(&state, &auth, lang, id, Some(input)).await.map_err(|e| e.page(lang))?;
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

async fn new_page(lang: Lang, auth: Auth, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    auth.require(auth.principal().creates_registry()).map_err(|e| e.page(lang))?;
    let draft =
        HouseholdDraft { region: params.region.map(|r| r.to_string()).unwrap_or_default(), ..Default::default() };
    Ok(render(&form_page(lang, t.t("households.new"), household_form(lang, &draft, "/households".into()))))
}

async fn create_page(State(state): State<AppState>, lang: Lang, auth: Auth, form: FormData) -> Response {
    let t = lang.tr();
    if let Err(e) = auth.require(auth.principal().creates_registry()) {
        return e.page(lang).into_response();
    }
    let draft = draft_from(&form);
    let result = match draft.parse() {
        Ok(new) => match check_refs(&state, &auth, &new).await {
            Ok(()) => identity_checked(state.store(), "households", state.store().create_household(&new).await).await,
            Err(e) => Err(e),
        },
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

async fn edit_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Response, Error> {
    let t = lang.tr();
    let h = auth.editable_household(state.store(), id).await.map_err(|e| e.page(lang))?;
    // The form holds the full KK: a view like any other.
    record_reveal(state.store(), "households", id, "kk").await.map_err(|e| e.page(lang))?;
    let form = household_form(lang, &HouseholdDraft::from(&h), format!("/households/{id}/edit"))
        .hidden("version", h.version.to_string());
    Ok(render(&form_page(lang, t.t("households.edit"), form)))
}

async fn update_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
    form: FormData,
) -> Response {
    let t = lang.tr();
    if let Err(e) = auth.editable_household(state.store(), id).await {
        return e.page(lang).into_response();
    }
    let draft = draft_from(&form);
    let version = form.version().unwrap_or(0);
    let result = match draft.parse() {
        Ok(new) => match check_refs(&state, &auth, &new).await {
            Ok(()) => {
                identity_checked(state.store(), "households", state.store().update_household(id, &new, version).await)
                    .await
            }
            Err(e) => Err(e),
        },
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

/// Resolves the references of a new or changed household through the caller's scope.
async fn check_refs(state: &AppState, auth: &Auth, new: &berdaya_domain::registry::NewHousehold) -> Result<(), Error> {
    auth.region_ref(state.store(), "region", &new.region).await
}
