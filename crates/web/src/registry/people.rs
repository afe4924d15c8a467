//! Individuals over HTTP: search by name prefix or NIK, view (with NIK mismatches as
//! warnings), create and edit.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use berdaya_domain::registry::{
    Disability, Education, Id, NikMismatch, Person, PersonDraft, RegionCode, Relation, Sex, Subject, SubjectKind,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::programs::{SubjectEnrollmentDto, enrollments_table};
use super::{PageDto, SearchParams, created, crumbs, form_failed, iso, list_href};
use crate::AppState;
use crate::access::guard::{Auth, identity_checked, record_reveal};
use crate::error::{Error, ErrorBody};
use crate::extract::{FormData, IdPath, JsonBody, ListParams};
use crate::html::{
    Cell, Field, Form, FormPage, Layout, Link, ListPage, Pager, Search, Section, Table, ViewPage, render, vocabulary,
};
use crate::i18n::Lang;
use berdaya_domain::access::RecordAccess;
use berdaya_store::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/people", get(list).post(create))
        .route("/api/v1/people/{id}", get(show).put(update))
        .route("/api/v1/people/{id}/enrollments", get(enrollments))
        .route("/people", get(list_page).post(create_page))
        .route("/people/new", get(new_page))
        .route("/people/{id}", get(view_page))
        .route("/people/{id}/edit", get(edit_page).post(update_page))
}

/// How the NIK disagrees with the record: a warning, not a refusal.
#[derive(Debug, Serialize, ToSchema)]
pub struct NikWarningDto {
    /// `sex`, `birth_date` or `region`.
    pub kind: String,
    pub message: String,
}

impl From<&NikMismatch> for NikWarningDto {
    fn from(m: &NikMismatch) -> Self {
        let kind = match m {
            NikMismatch::Sex { .. } => "sex",
            NikMismatch::BirthDate { .. } => "birth_date",
            NikMismatch::Region { .. } => "region",
        };
        NikWarningDto { kind: kind.into(), message: m.to_string() }
    }
}

/// An individual, with the full NIK and how it disagrees with the record.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    pub id: i64,
    /// The 16-digit NIK.
    pub nik: String,
    pub household_id: Option<i64>,
    pub name: String,
    /// `male` or `female`.
    pub sex: String,
    pub birth_date: String,
    pub relation: String,
    pub education: String,
    pub occupation: Option<String>,
    pub disability: String,
    pub version: i64,
    /// Checked against the recorded sex, birth date and the household's region.
    pub nik_mismatches: Vec<NikWarningDto>,
}

impl PersonDto {
    fn new(p: Person, region: Option<&RegionCode>, access: RecordAccess) -> PersonDto {
        let nik_mismatches = p.nik_mismatches(region).iter().map(NikWarningDto::from).collect();
        PersonDto {
            id: p.id,
            nik: if access == RecordAccess::Full { p.nik.reveal() } else { p.nik.masked() },
            household_id: p.household_id,
            name: p.name,
            sex: p.sex.code().into(),
            birth_date: iso(p.birth_date),
            relation: p.relation.code().into(),
            education: p.education.code().into(),
            occupation: p.occupation,
            disability: p.disability.code().into(),
            version: p.version,
            nik_mismatches,
        }
    }
}

/// An individual in a listing; the NIK is masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSummaryDto {
    pub id: i64,
    /// Masked: `3316••••••••0012`.
    pub nik: String,
    pub household_id: Option<i64>,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub relation: String,
}

impl From<Person> for PersonSummaryDto {
    fn from(p: Person) -> Self {
        PersonSummaryDto {
            id: p.id,
            nik: p.nik.masked(),
            household_id: p.household_id,
            name: p.name,
            sex: p.sex.code().into(),
            birth_date: iso(p.birth_date),
            relation: p.relation.code().into(),
        }
    }
}

/// The region of a person's household, for the NIK check.
async fn household_region(state: &AppState, p: &Person) -> Option<RegionCode> {
    match p.household_id {
        Some(h) => state.store().household(h).await.ok().map(|h| h.region),
        None => None,
    }
}

/// The person as `access` allows; a full NIK is recorded as a reveal.
async fn dto(state: &AppState, p: Person, access: RecordAccess) -> Result<PersonDto, Error> {
    if access == RecordAccess::Full {
        record_reveal(state.store(), "people", p.id, "nik").await?;
    }
    let region = household_region(state, &p).await;
    Ok(PersonDto::new(p, region.as_ref(), access))
}

/// The people the principal may see that match the search.
async fn search(state: &AppState, auth: &Auth, params: &ListParams) -> Result<Page<Person>, Error> {
    auth.require(auth.reads_people())?;
    match auth.scope(params.query()) {
        Some(q) => Ok(state.store().search_people(&q).await?),
        None => Ok(Page::new(Vec::new(), params.page, 0)),
    }
}

/// A new or changed person must belong to a household the principal may change; a person
/// without a household only to a national user who may create records.
async fn check_household(state: &AppState, auth: &Auth, household_id: Option<Id>) -> Result<(), Error> {
    match household_id {
        Some(h) => auth.household_ref(state.store(), "household_id", h).await.map(|_| ()),
        None if auth.principal().user.area.is_none() && auth.principal().creates_registry() => Ok(()),
        None => Err(Error::unprocessable("household_id", "is required for your role")),
    }
}

/// Individuals whose NIK is `q` or whose name starts with it.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(SearchParams),
    responses((status = 200, body = PageDto<PersonSummaryDto>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    params: ListParams,
) -> Result<Json<PageDto<PersonSummaryDto>>, Error> {
    let page = search(&state, &auth, &params).await?;
    Ok(Json(PageDto::from_page(page, PersonSummaryDto::from)))
}

/// Adds an individual; the NIK must be new. Mismatches with the NIK come back as warnings.
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = crate::openapi::PersonInput,
    responses((status = 201, body = PersonDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(auth.principal().edits_registry())?;
    let draft: PersonDraft = body.decode()?;
    let new = draft.parse()?;
    check_household(&state, &auth, new.household_id).await?;
    let person = identity_checked(state.store(), "people", state.store().create_person(&new).await).await?;
    Ok(created(dto(&state, person, RecordAccess::Full).await?))
}

/// One individual.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = PersonDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<PersonDto>, Error> {
    let (person, access) = auth.readable_person(state.store(), id).await?;
    Ok(Json(dto(&state, person, access).await?))
}

/// Changes an individual; `version` must be the one read, else 409.
#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path, description = "Person id")),
    request_body = crate::openapi::PersonUpdate,
    responses((status = 200, body = PersonDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<PersonDto>, Error> {
    let old = auth.editable_person(state.store(), id).await?;
    let draft: PersonDraft = body.decode()?;
    let version = body.version()?;
    let new = draft.parse()?;
    if new.household_id != old.household_id {
        check_household(&state, &auth, new.household_id).await?;
    }
    let person =
        identity_checked(state.store(), "people", state.store().update_person(id, &new, version).await).await?;
    Ok(Json(dto(&state, person, RecordAccess::Full).await?))
}

/// The programs the individual is enrolled in.
#[utoipa::path(get, path = "/api/v1/people/{id}/enrollments", tag = "people", params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = Vec<SubjectEnrollmentDto>), (status = 404, body = ErrorBody)))]
pub async fn enrollments(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<SubjectEnrollmentDto>>, Error> {
    auth.readable_person(state.store(), id).await?;
    let list = state.store().subject_enrollments(Subject { kind: SubjectKind::Person, id }).await?;
    Ok(Json(list.into_iter().map(SubjectEnrollmentDto::from).collect()))
}

// Pages ------------------------------------------------------------------------------------

/// A NIK mismatch in the page's language.
fn warning(lang: Lang, m: &NikMismatch) -> String {
    let t = lang.tr();
    let (template, nik, recorded) = match m {
        NikMismatch::Sex { nik_says, recorded } => {
            (t.t("people.nik_sex"), nik_says.label(lang.code()).to_string(), recorded.label(lang.code()).to_string())
        }
        NikMismatch::BirthDate { nik_says, recorded } => {
            (t.t("people.nik_birth_date"), nik_says.clone(), recorded.clone())
        }
        NikMismatch::Region { nik_district, recorded_district } => {
            (t.t("people.nik_region"), nik_district.clone(), recorded_district.clone())
        }
    };
    template.replace("{nik}", &nik).replace("{recorded}", &recorded)
}

async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    params: ListParams,
) -> Result<Response, Error> {
    let t = lang.tr();
    let page = search(&state, &auth, &params).await.map_err(|e| e.page(lang))?;
    let pager = Pager::new(t, &page, |n| list_href("/people", &params, n));
    let table = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("people.name").into(),
            t.t("people.nik").into(),
            t.t("people.sex").into(),
            t.t("people.birth_date").into(),
            t.t("people.relation").into(),
            t.t("people.household").into(),
        ],
        rows: page
            .items
            .into_iter()
            .map(|p| {
                vec![
                    Cell::link(p.name, format!("/people/{}", p.id)),
                    Cell::text(p.nik.masked()),
                    Cell::text(p.sex.label(lang.code())),
                    Cell::text(iso(p.birth_date)),
                    Cell::text(p.relation.label(lang.code())),
                    match p.household_id {
                        Some(h) => Cell::link(format!("#{h}"), format!("/households/{h}")),
                        None => Cell::text("—"),
                    },
                ]
            })
            .collect(),
        empty: t.t("people.none").into(),
    };
    Ok(render(&ListPage {
        l: Layout::new(lang, t.t("people.title"), "people"),
        heading: t.t("people.title").into(),
        breadcrumbs: Vec::new(),
        intro: None,
        search: Some(Search {
            action: "/people".into(),
            q: params.q_str().into(),
            placeholder: t.t("people.search_placeholder").into(),
            region: None,
            filters: Vec::new(),
            sort: None,
        }),
        actions: vec![Link::new(t.t("people.add"), "/people/new")],
        table,
        pager: Some(pager),
    }))
}

async fn view_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Response, Error> {
    let t = lang.tr();
    let store = state.store();
    let shape = |e: berdaya_store::StoreError| Error::from(e).page(lang);
    let (p, access) = auth.readable_person(store, id).await.map_err(|e| e.page(lang))?;
    if access == RecordAccess::Full {
        record_reveal(store, "people", id, "nik").await.map_err(|e| e.page(lang))?;
    }
    let editable = auth.principal().edits_registry() && access == RecordAccess::Full;
    let region = household_region(&state, &p).await;
    let warnings = p.nik_mismatches(region.as_ref()).iter().map(|m| warning(lang, m)).collect();
    let enrolled = store.subject_enrollments(Subject { kind: SubjectKind::Person, id }).await.map_err(shape)?;
    let household = match p.household_id {
        Some(h) => Cell::link(format!("#{h}"), format!("/households/{h}")),
        None => Cell::text("—"),
    };
    Ok(render(&ViewPage {
        l: Layout::new(lang, p.name.clone(), "people"),
        heading: p.name.clone(),
        breadcrumbs: crumbs(lang, "nav.people", "/people"),
        actions: if editable { vec![Link::new(t.t("common.edit"), format!("/people/{id}/edit"))] } else { Vec::new() },
        warnings,
        facts: vec![
            (
                t.t("people.nik").into(),
                Cell::text(if access == RecordAccess::Full { p.nik.reveal() } else { p.nik.masked() }),
            ),
            (t.t("people.name").into(), Cell::text(p.name.clone())),
            (t.t("people.sex").into(), Cell::text(p.sex.label(lang.code()))),
            (t.t("people.birth_date").into(), Cell::text(iso(p.birth_date))),
            (t.t("people.household").into(), household),
            (t.t("people.relation").into(), Cell::text(p.relation.label(lang.code()))),
            (t.t("people.education").into(), Cell::text(p.education.label(lang.code()))),
            (t.t("people.occupation").into(), Cell::text(p.occupation.clone().unwrap_or_else(|| "—".into()))),
            (t.t("people.disability").into(), Cell::text(p.disability.label(lang.code()))),
            (t.t("common.version").into(), Cell::text(p.version.to_string())),
        ],
        sections: vec![Section {
            id: "enrollments".into(),
            title: t.t("enrollments.title").into(),
            table: Some(enrollments_table(lang, enrolled)),
            ..Default::default()
        }],
    }))
}

fn person_form(lang: Lang, d: &PersonDraft, action: String) -> Form {
    let t = lang.tr();
    let sexes = vocabulary(Sex::ALL, Sex::code, Sex::label, lang);
    let relations = vocabulary(Relation::ALL, Relation::code, Relation::label, lang);
    let educations = vocabulary(Education::ALL, Education::code, Education::label, lang);
    let disabilities = vocabulary(Disability::ALL, Disability::code, Disability::label, lang);
    Form::new(
        "person",
        action,
        t.t("common.save"),
        vec![
            Field::text("nik", t.t("people.nik"), &d.nik).required().hint(t.t("people.nik_hint")),
            Field::text("name", t.t("people.name"), &d.name).required(),
            Field::select("sex", t.t("people.sex"), &d.sex, sexes, Some(t.t("common.choose"))).required(),
            Field::date("birth_date", t.t("people.birth_date"), &d.birth_date).required(),
            Field::new("number", "household_id", t.t("people.household"), d.household_id.clone().unwrap_or_default())
                .hint(t.t("people.household_hint")),
            Field::select("relation", t.t("people.relation"), &d.relation, relations, Some(t.t("common.choose")))
                .required(),
            Field::select("education", t.t("people.education"), &d.education, educations, None),
            Field::text("occupation", t.t("people.occupation"), d.occupation.clone().unwrap_or_default()),
            Field::select("disability", t.t("people.disability"), &d.disability, disabilities, None),
        ],
    )
}

fn draft_from(form: &FormData) -> PersonDraft {
    PersonDraft {
        nik: form.get("nik"),
        household_id: form.opt("household_id"),
        name: form.get("name"),
        sex: form.get("sex"),
        birth_date: form.get("birth_date"),
        relation: form.get("relation"),
        education: form.get("education"),
        occupation: form.opt("occupation"),
        disability: form.get("disability"),
    }
}

fn form_page(lang: Lang, heading: &str, form: Form) -> FormPage {
    FormPage {
        l: Layout::new(lang, heading, "people"),
        heading: heading.into(),
        breadcrumbs: crumbs(lang, "nav.people", "/people"),
        form,
    }
}

async fn new_page(lang: Lang, auth: Auth, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    auth.require(auth.principal().edits_registry()).map_err(|e| e.page(lang))?;
    let household: Option<Id> = params.other.get("household").and_then(|h| h.trim().parse().ok());
    let draft = PersonDraft {
        household_id: household.map(|h| h.to_string()),
        education: Education::None.code().into(),
        disability: Disability::None.code().into(),
        ..Default::default()
    };
    Ok(render(&form_page(lang, t.t("people.new"), person_form(lang, &draft, "/people".into()))))
}

async fn create_page(State(state): State<AppState>, lang: Lang, auth: Auth, form: FormData) -> Response {
    let t = lang.tr();
    if let Err(e) = auth.require(auth.principal().edits_registry()) {
        return e.page(lang).into_response();
    }
    let draft = draft_from(&form);
    let result = match draft.parse() {
        Ok(new) => match check_household(&state, &auth, new.household_id).await {
            Ok(()) => identity_checked(state.store(), "people", state.store().create_person(&new).await).await,
            Err(e) => Err(e),
        },
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(p) => Redirect::to(&format!("/people/{}", p.id)).into_response(),
        Err(err) => {
            form_failed(lang, err, form_page(lang, t.t("people.new"), person_form(lang, &draft, "/people".into())))
        }
    }
}

async fn edit_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Response, Error> {
    let t = lang.tr();
    let p = auth.editable_person(state.store(), id).await.map_err(|e| e.page(lang))?;
    // The form holds the full NIK: a view like any other.
    record_reveal(state.store(), "people", id, "nik").await.map_err(|e| e.page(lang))?;
    let form = person_form(lang, &PersonDraft::from(&p), format!("/people/{id}/edit"))
        .hidden("version", p.version.to_string());
    Ok(render(&form_page(lang, t.t("people.edit"), form)))
}

async fn update_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
    form: FormData,
) -> Response {
    let t = lang.tr();
    let old = match auth.editable_person(state.store(), id).await {
        Ok(p) => p,
        Err(e) => return e.page(lang).into_response(),
    };
    let draft = draft_from(&form);
    let version = form.version().unwrap_or(0);
    let result = match draft.parse() {
        Ok(new) => {
            let checked = if new.household_id != old.household_id {
                check_household(&state, &auth, new.household_id).await
            } else {
                Ok(())
            };
            match checked {
                Ok(()) => {
                    identity_checked(state.store(), "people", state.store().update_person(id, &new, version).await)
                        .await
                }
                Err(e) => Err(e),
            }
        }
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(p) => Redirect::to(&format!("/people/{}", p.id)).into_response(),
        Err(err) => {
            let form = person_form(lang, &draft, format!("/people/{id}/edit")).hidden("version", version.to_string());
            form_failed(lang, err, form_page(lang, t.t("people.edit"), form))
        }
    }
}
