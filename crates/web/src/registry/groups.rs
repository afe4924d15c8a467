//! Groups over HTTP (kelompok tani, KWT, KSM, KPP, LKM, …): search, view with members and
//! the add-member form, create and edit.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::RecordAccess;
use berdaya_domain::registry::{
    Group, GroupDraft, GroupKind, GroupMember, GroupRole, Id, MemberDraft, Subject, SubjectKind,
};
use berdaya_store::{GroupSummary, Page};
use serde::Serialize;
use utoipa::ToSchema;

use super::programs::enrollments_table;
use super::{PageDto, SearchParams, created, crumbs, form_failed, iso, list_href, section_form_failed};
use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{FormData, IdPath, IdsPath, JsonBody, ListParams};
use crate::html::{
    Cell, Field, Form, FormPage, Layout, Link, ListPage, Pager, Search, Section, Table, ViewPage, date_or_dash, render,
    vocabulary,
};
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/groups", get(list).post(create))
        .route("/api/v1/groups/{id}", get(show).put(update))
        .route("/api/v1/groups/{id}/members", get(members).post(add_member))
        .route("/groups", get(list_page).post(create_page))
        .route("/groups/new", get(new_page))
        .route("/groups/{id}", get(view_page))
        .route("/groups/{id}/edit", get(edit_page).post(update_page))
        .route("/groups/{id}/members", post(add_member_page))
        .route("/api/v1/groups/{id}/members/{person_id}", axum::routing::delete(remove_member))
        .route("/groups/{id}/members/{person_id}/remove", post(remove_member_page))
}

/// A group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupDto {
    pub id: i64,
    pub name: String,
    /// `farmer_group`, `women_farmer_group`, `ksm`, `kpp`, `lkm`, `kampung_tangguh` or
    /// `family_cohort`.
    pub kind: String,
    pub region: String,
    pub founded_on: Option<String>,
    pub description: Option<String>,
    pub version: i64,
}

impl From<Group> for GroupDto {
    fn from(g: Group) -> Self {
        GroupDto {
            id: g.id,
            name: g.name,
            kind: g.kind.code().into(),
            region: g.region.to_string(),
            founded_on: g.founded_on.map(iso),
            description: g.description,
            version: g.version,
        }
    }
}

/// A group in a listing, with its region's name and member count.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupSummaryDto {
    #[serde(flatten)]
    pub group: GroupDto,
    pub region_name: String,
    pub members: u32,
}

impl From<GroupSummary> for GroupSummaryDto {
    fn from(s: GroupSummary) -> Self {
        GroupSummaryDto { group: s.group.into(), region_name: s.region_name, members: s.members }
    }
}

/// A person's membership of a group.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    pub id: i64,
    pub group_id: i64,
    pub person_id: i64,
    pub person_name: String,
    /// `chair`, `coordinator`, `secretary`, `treasurer` or `member`.
    pub role: String,
    pub since: Option<String>,
    pub until: Option<String>,
}

impl From<GroupMember> for MemberDto {
    fn from(m: GroupMember) -> Self {
        MemberDto {
            id: m.id,
            group_id: m.group_id,
            person_id: m.person_id,
            person_name: m.person_name,
            role: m.role.code().into(),
            since: m.since.map(iso),
            until: m.until.map(iso),
        }
    }
}

/// Groups whose name contains `q`.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", params(SearchParams),
    responses((status = 200, body = PageDto<GroupSummaryDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    params: ListParams,
) -> Result<Json<PageDto<GroupSummaryDto>>, Error> {
    let page = search(&state, &auth, &params).await?;
    Ok(Json(PageDto::from_page(page, GroupSummaryDto::from)))
}

/// The groups the principal may see that match the search.
async fn search(state: &AppState, auth: &Auth, params: &ListParams) -> Result<Page<GroupSummary>, Error> {
    auth.require(auth.reads_people())?;
    match auth.scope(params.query()) {
        Some(q) => Ok(state.store().search_groups(&q).await?),
        None => Ok(Page::new(Vec::new(), params.page, 0)),
    }
}

/// Adds a group; its region must exist.
#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", request_body = crate::openapi::GroupInput,
    responses((status = 201, body = GroupDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(auth.principal().creates_registry())?;
    let draft: GroupDraft = body.decode()?;
    let new = draft.parse()?;
    check_refs(&state, &auth, &new).await?;
    let group = state.store().create_group(&new).await?;
    Ok(created(GroupDto::from(group)))
}

/// One group.
#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "groups", params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, body = GroupDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<GroupDto>, Error> {
    let (g, _) = auth.readable_group(state.store(), id).await?;
    Ok(Json(g.into()))
}

/// Changes a group; `version` must be the one read, else 409.
#[utoipa::path(put, path = "/api/v1/groups/{id}", tag = "groups", params(("id" = i64, Path, description = "Group id")),
    request_body = crate::openapi::GroupUpdate,
    responses((status = 200, body = GroupDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<GroupDto>, Error> {
    auth.editable_group(state.store(), id).await?;
    let draft: GroupDraft = body.decode()?;
    let version = body.version()?;
    let new = draft.parse()?;
    check_refs(&state, &auth, &new).await?;
    Ok(Json(state.store().update_group(id, &new, version).await?.into()))
}

/// The group's members.
#[utoipa::path(get, path = "/api/v1/groups/{id}/members", tag = "groups", params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, body = Vec<MemberDto>), (status = 404, body = ErrorBody)))]
pub async fn members(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<MemberDto>>, Error> {
    auth.readable_group(state.store(), id).await?;
    let list = state.store().group_members(id).await?;
    Ok(Json(list.into_iter().map(MemberDto::from).collect()))
}

/// Adds a member; a person is at most once in a group.
#[utoipa::path(post, path = "/api/v1/groups/{id}/members", tag = "groups", params(("id" = i64, Path, description = "Group id")),
    request_body = crate::openapi::MemberInput,
    responses((status = 201, body = MemberDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    auth.editable_group(state.store(), id).await?;
    let draft: MemberDraft = body.decode()?;
    let new = draft.parse()?;
    auth.person_ref(state.store(), "person_id", new.person_id).await?;
    let member = state.store().add_member(id, &new).await?;
    Ok(created(MemberDto::from(member)))
}

/// Removes a member; the audit log keeps the membership as it was.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/members/{person_id}", tag = "groups",
    params(("id" = i64, Path, description = "Group id"), ("person_id" = i64, Path, description = "Person id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    IdsPath(id, person_id): IdsPath,
) -> Result<Response, Error> {
    remove(&state, &auth, id, person_id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Removing needs a group the principal may change and a member they may see; a member out of
/// scope reads as one that is not there.
async fn remove(state: &AppState, auth: &Auth, id: Id, person_id: Id) -> Result<(), Error> {
    auth.editable_group(state.store(), id).await?;
    auth.readable_person(state.store(), person_id).await.map_err(|e| match e.status() {
        axum::http::StatusCode::NOT_FOUND => hidden("member"),
        _ => e,
    })?;
    Ok(state.store().remove_member(id, person_id).await?)
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
    let pager = Pager::new(t, &page, |n| list_href("/groups", &params, n));
    let table = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("groups.name").into(),
            t.t("groups.kind").into(),
            t.t("groups.region").into(),
            t.t("groups.members").into(),
        ],
        rows: page
            .items
            .into_iter()
            .map(|s| {
                vec![
                    Cell::link(s.group.name, format!("/groups/{}", s.group.id)),
                    Cell::text(s.group.kind.label(lang.code())),
                    Cell::text(s.region_name),
                    Cell::text(s.members.to_string()),
                ]
            })
            .collect(),
        empty: t.t("groups.none").into(),
    };
    Ok(render(&ListPage {
        l: Layout::new(lang, t.t("groups.title"), "groups"),
        heading: t.t("groups.title").into(),
        breadcrumbs: Vec::new(),
        intro: None,
        search: Some(Search {
            action: "/groups".into(),
            q: params.q_str().into(),
            placeholder: t.t("groups.search_placeholder").into(),
            region: None,
            filters: Vec::new(),
            sort: None,
        }),
        actions: if auth.principal().creates_registry() {
            vec![Link::new(t.t("groups.add"), "/groups/new")]
        } else {
            Vec::new()
        },
        table,
        pager: Some(pager),
    }))
}

fn member_form(lang: Lang, id: Id, d: &MemberDraft) -> Form {
    let t = lang.tr();
    let roles = vocabulary(GroupRole::ALL, GroupRole::code, GroupRole::label, lang);
    Form::new(
        "member",
        format!("/groups/{id}/members"),
        t.t("groups.add_member"),
        vec![
            Field::new("number", "person_id", t.t("groups.person_id"), &d.person_id)
                .required()
                .hint(t.t("groups.person_id_hint")),
            Field::select("role", t.t("groups.role"), &d.role, roles, None).required(),
            Field::date("since", t.t("groups.since"), d.since.clone().unwrap_or_default()),
            Field::date("until", t.t("groups.until"), d.until.clone().unwrap_or_default()),
        ],
    )
}

async fn view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    member: Option<MemberDraft>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let (g, access) = auth.readable_group(store, id).await?;
    let editable = auth.principal().edits_registry() && access == RecordAccess::Full;
    let region = store.region(&g.region).await.ok();
    let members = store.group_members(id).await?;
    let enrolled = store.subject_enrollments(Subject { kind: SubjectKind::Group, id }).await?;
    let mut headers = vec![
        t.t("people.name").into(),
        t.t("groups.role").into(),
        t.t("groups.since").into(),
        t.t("groups.until").into(),
    ];
    if editable {
        headers.push(t.t("common.actions").into());
    }
    let table = Table {
        sorts: Vec::new(),
        headers,
        rows: members
            .into_iter()
            .map(|m| {
                let mut row = vec![
                    Cell::link(m.person_name, format!("/people/{}", m.person_id)),
                    Cell::text(m.role.label(lang.code())),
                    Cell::text(date_or_dash(m.since)),
                    Cell::text(date_or_dash(m.until)),
                ];
                if editable {
                    row.push(Cell::button(
                        t.t("groups.remove_member"),
                        format!("/groups/{id}/members/{}/remove", m.person_id),
                    ));
                }
                row
            })
            .collect(),
        empty: t.t("groups.no_members").into(),
    };
    let member = member.unwrap_or_else(|| MemberDraft { role: GroupRole::Member.code().into(), ..Default::default() });
    Ok(ViewPage {
        l: Layout::new(lang, g.name.clone(), "groups"),
        heading: g.name.clone(),
        breadcrumbs: crumbs(lang, "nav.groups", "/groups"),
        actions: if editable { vec![Link::new(t.t("common.edit"), format!("/groups/{id}/edit"))] } else { Vec::new() },
        warnings: Vec::new(),
        facts: vec![
            (t.t("groups.name").into(), Cell::text(g.name.clone())),
            (t.t("groups.kind").into(), Cell::text(g.kind.label(lang.code()))),
            (
                t.t("groups.region").into(),
                Cell::link(
                    region.map(|r| format!("{} ({})", r.name, r.code)).unwrap_or_else(|| g.region.to_string()),
                    format!("/regions/{}", g.region),
                ),
            ),
            (t.t("groups.founded_on").into(), Cell::text(date_or_dash(g.founded_on))),
            (t.t("groups.description").into(), Cell::text(g.description.clone().unwrap_or_else(|| "—".into()))),
            (t.t("common.version").into(), Cell::text(g.version.to_string())),
        ],
        sections: [
            Some(Section {
                id: "members".into(),
                title: t.t("groups.members").into(),
                table: Some(table),
                ..Default::default()
            }),
            editable.then(|| Section {
                id: "add-member".into(),
                title: t.t("groups.add_member").into(),
                form: Some(member_form(lang, id, &member)),
                ..Default::default()
            }),
            Some(Section {
                id: "enrollments".into(),
                title: t.t("enrollments.title").into(),
                table: Some(enrollments_table(lang, enrolled)),
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

async fn add_member_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    auth.editable_group(state.store(), id).await.map_err(|e| e.page(lang))?;
    let draft = MemberDraft {
        person_id: form.get("person_id"),
        role: form.get("role"),
        since: form.opt("since"),
        until: form.opt("until"),
    };
    let result = match draft.parse() {
        Ok(new) => match auth.person_ref(state.store(), "person_id", new.person_id).await {
            Ok(_) => state.store().add_member(id, &new).await.map_err(Error::from),
            Err(e) => Err(e),
        },
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/groups/{id}#members")).into_response()),
        Err(err) => {
            let page = view(&state, &auth, lang, id, Some(draft)).await.map_err(|e| e.page(lang))?;
            Ok(section_form_failed(lang, err, page, "add-member"))
        }
    }
}

async fn remove_member_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdsPath(id, person_id): IdsPath,
) -> Result<Response, Error> {
    remove(&state, &auth, id, person_id).await.map_err(|e| e.page(lang))?;
    Ok(Redirect::to(&format!("/groups/{id}#members")).into_response())
}

fn group_form(lang: Lang, d: &GroupDraft, action: String) -> Form {
    let t = lang.tr();
    let kinds = vocabulary(GroupKind::ALL, GroupKind::code, GroupKind::label, lang);
    Form::new(
        "group",
        action,
        t.t("common.save"),
        vec![
            Field::text("name", t.t("groups.name"), &d.name).required(),
            Field::select("kind", t.t("groups.kind"), &d.kind, kinds, Some(t.t("common.choose"))).required(),
            Field::text("region", t.t("groups.region"), &d.region).required().hint(t.t("common.region_hint")),
            Field::date("founded_on", t.t("groups.founded_on"), d.founded_on.clone().unwrap_or_default()),
            Field::textarea("description", t.t("groups.description"), d.description.clone().unwrap_or_default()),
        ],
    )
}

fn draft_from(form: &FormData) -> GroupDraft {
    GroupDraft {
        name: form.get("name"),
        kind: form.get("kind"),
        region: form.get("region"),
        founded_on: form.opt("founded_on"),
        description: form.opt("description"),
    }
}

fn form_page(lang: Lang, heading: &str, form: Form) -> FormPage {
    FormPage {
        l: Layout::new(lang, heading, "groups"),
        heading: heading.into(),
        breadcrumbs: crumbs(lang, "nav.groups", "/groups"),
        form,
    }
}

async fn new_page(lang: Lang, auth: Auth) -> Result<Response, Error> {
    let t = lang.tr();
    auth.require(auth.principal().creates_registry()).map_err(|e| e.page(lang))?;
    Ok(render(&form_page(lang, t.t("groups.new"), group_form(lang, &GroupDraft::default(), "/groups".into()))))
}

async fn create_page(State(state): State<AppState>, lang: Lang, auth: Auth, form: FormData) -> Response {
    let t = lang.tr();
    if let Err(e) = auth.require(auth.principal().creates_registry()) {
        return e.page(lang).into_response();
    }
    let draft = draft_from(&form);
    let result = match draft.parse() {
        Ok(new) => match check_refs(&state, &auth, &new).await {
            Ok(()) => state.store().create_group(&new).await.map_err(Error::from),
            Err(e) => Err(e),
        },
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(g) => Redirect::to(&format!("/groups/{}", g.id)).into_response(),
        Err(err) => {
            form_failed(lang, err, form_page(lang, t.t("groups.new"), group_form(lang, &draft, "/groups".into())))
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
    let g = auth.editable_group(state.store(), id).await.map_err(|e| e.page(lang))?;
    let form =
        group_form(lang, &GroupDraft::from(&g), format!("/groups/{id}/edit")).hidden("version", g.version.to_string());
    Ok(render(&form_page(lang, t.t("groups.edit"), form)))
}

async fn update_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    IdPath(id): IdPath,
    form: FormData,
) -> Response {
    let t = lang.tr();
    if let Err(e) = auth.editable_group(state.store(), id).await {
        return e.page(lang).into_response();
    }
    let draft = draft_from(&form);
    let version = form.version().unwrap_or(0);
    let result = match draft.parse() {
        Ok(new) => match check_refs(&state, &auth, &new).await {
            Ok(()) => state.store().update_group(id, &new, version).await.map_err(Error::from),
            Err(e) => Err(e),
        },
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(g) => Redirect::to(&format!("/groups/{}", g.id)).into_response(),
        Err(err) => {
            let form = group_form(lang, &draft, format!("/groups/{id}/edit")).hidden("version", version.to_string());
            form_failed(lang, err, form_page(lang, t.t("groups.edit"), form))
        }
    }
}

/// Resolves the references of a new or changed group through the caller's scope.
async fn check_refs(state: &AppState, auth: &Auth, new: &berdaya_domain::registry::NewGroup) -> Result<(), Error> {
    auth.region_ref(state.store(), "region", &new.region).await
}
