//! Groups over HTTP (kelompok tani, KWT, KSM, KPP, LKM, …): search, view with members and
//! the add-member form, create and edit.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Json, Router};
use berdaya_domain::access::RecordAccess;
use berdaya_domain::registry::{
    Group, GroupDraft, GroupKind, GroupMember, GroupRole, Id, MemberDraft, NewGroup, Subject, SubjectKind,
};
use berdaya_store::{GroupSummary, Page, Query};
use serde::Serialize;
use utoipa::ToSchema;

use super::enrollments::subject_history_section;
use super::programs::enrollments_section;
use super::{created, iso};
use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, IdsPath, JsonBody, ListParams};
use crate::html::{Cell, Field, Form, Section, Table, ViewPage, date_or_dash, vocabulary};
use crate::i18n::Lang;
use crate::kit::{self, ApiDoc, Column, Filter, Mode, Resource, link_if, refs, section_done, view_shell};

pub fn router() -> Router<AppState> {
    kit::router::<Groups>()
        .route("/api/v1/groups/{id}/members", axum::routing::get(members).post(add_member))
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

/// Groups as a kit resource: their listing, view, forms and `/api/v1/groups` routes.
pub struct Groups;

impl Resource for Groups {
    type Record = (Group, RecordAccess);
    type Row = GroupSummary;
    type Draft = GroupDraft;
    type Dto = GroupDto;
    type RowDto = GroupSummaryDto;

    const NAME: &'static str = "groups";
    const ONE: &'static str = "group";
    const COLUMNS: &'static [Column] = &[
        Column::sorted("groups.name", "name"),
        Column::sorted("groups.kind", "kind"),
        Column::sorted("groups.region", "region"),
        Column::sorted("groups.members", "members"),
    ];
    const FILTERS: &'static [Filter] = &[Filter {
        key: "kind",
        label: "groups.kind",
        choices: |lang| vocabulary(GroupKind::ALL, GroupKind::code, GroupKind::label, lang),
    }];
    const DOC: ApiDoc = ApiDoc {
        stem: "Group",
        row: "GroupSummaryDto",
        noun: "group",
        list: "Groups whose name contains `q`.",
        create: "Adds a group; its region must exist.",
    };

    people_registry_rules!(Group);
    fn may_create(auth: &Auth) -> bool {
        auth.principal().creates_registry()
    }

    async fn search(state: &AppState, query: &Query) -> Result<Page<GroupSummary>, Error> {
        Ok(state.store().search_groups(query).await?)
    }
    async fn read(state: &AppState, auth: &Auth, id: &Id) -> Result<(Group, RecordAccess), Error> {
        auth.readable_group(state.store(), *id).await
    }
    async fn dto(_state: &AppState, (g, _): (Group, RecordAccess), _fresh: bool) -> Result<GroupDto, Error> {
        Ok(g.into())
    }
    /// Resolves the group's region through the caller's scope.
    async fn check(
        state: &AppState,
        auth: &Auth,
        new: &NewGroup,
        _old: Option<&(Group, RecordAccess)>,
    ) -> Result<(), Error> {
        auth.region_ref(state.store(), "region", &new.region).await
    }
    async fn create(state: &AppState, new: &NewGroup) -> Result<(Group, RecordAccess), Error> {
        Ok((state.store().create_group(new).await?, RecordAccess::Full))
    }
    async fn update(state: &AppState, id: &Id, new: &NewGroup, version: i64) -> Result<(Group, RecordAccess), Error> {
        Ok((state.store().update_group(*id, new, version).await?, RecordAccess::Full))
    }

    fn cells(lang: Lang, _auth: &Auth, s: GroupSummary) -> Vec<Cell> {
        vec![
            Cell::link(s.group.name, format!("/groups/{}", s.group.id)),
            Cell::text(s.group.kind.label(lang.code())),
            Cell::text(s.region_name),
            Cell::text(s.members.to_string()),
        ]
    }
    async fn view(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        record: (Group, RecordAccess),
        _params: &ListParams,
    ) -> Result<ViewPage, Error> {
        view(state, auth, lang, record, None).await
    }

    fn draft_of((g, _): &(Group, RecordAccess)) -> GroupDraft {
        GroupDraft::from(g)
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
    async fn fields(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        d: &GroupDraft,
        _mode: Mode<'_, Id>,
    ) -> Result<Vec<Field>, Error> {
        let t = lang.tr();
        let kinds = vocabulary(GroupKind::ALL, GroupKind::code, GroupKind::label, lang);
        Ok(vec![
            Field::text("name", t.t("groups.name"), &d.name).required(),
            Field::select("kind", t.t("groups.kind"), &d.kind, kinds, Some(t.t("common.choose"))).required(),
            refs::region_field(state, auth, "region", t.t("groups.region"), &d.region).await.required(),
            Field::date("founded_on", t.t("groups.founded_on"), d.founded_on.clone().unwrap_or_default()),
            Field::textarea("description", t.t("groups.description"), d.description.clone().unwrap_or_default()),
        ])
    }
}

/// The group's members.
#[utoipa::path(get, path = "/api/v1/groups/{id}/members", tag = "groups", params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, body = Vec<MemberDto>), (status = 404, body = ErrorBody)))]
pub async fn members(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<MemberDto>>, Error> {
    kit::children::<Groups, _, _, _>(&state, &auth, id, |id| state.store().group_members(id)).await
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
    let draft: MemberDraft = body.draft(&["person_id"])?;
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

async fn member_form(state: &AppState, auth: &Auth, lang: Lang, id: Id, d: &MemberDraft) -> Form {
    let t = lang.tr();
    let person = refs::record_field(state, auth, "person", "person_id", t.t("groups.person_id"), &d.person_id).await;
    let roles = vocabulary(GroupRole::ALL, GroupRole::code, GroupRole::label, lang);
    Form::new(
        "member",
        format!("/groups/{id}/members"),
        t.t("groups.add_member"),
        vec![
            person.required(),
            Field::select("role", t.t("groups.role"), &d.role, roles, None).required(),
            Field::date("since", t.t("groups.since"), d.since.clone().unwrap_or_default()),
            Field::date("until", t.t("groups.until"), d.until.clone().unwrap_or_default()),
        ],
    )
}

/// The group page; `member` replaces the blank add-member form (to show its errors).
async fn view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    record: (Group, RecordAccess),
    member: Option<MemberDraft>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let editable = Groups::may_edit(auth, &record);
    let shell = view_shell::<Groups>(lang, auth, &record, record.0.name.clone());
    let (g, _) = record;
    let id = g.id;
    let region = store.region(&g.region).await.ok();
    let members = store.group_members(id).await?;
    let subject = Subject { kind: SubjectKind::Group, id };
    let enrolled = store.subject_enrollments(subject).await?;
    let history = subject_history_section(state, auth, lang, &[subject]).await?;
    let machine_loans = crate::agriculture::machines::group_panel(state, auth, lang, &g).await?;
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
                    link_if(auth.reads_people(), m.person_name, format!("/people/{}", m.person_id)),
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
    let member_form = if editable { Some(member_form(state, auth, lang, id, &member).await) } else { None };
    let classes = crate::agriculture::classes::group_panel(state, auth, lang, &g).await?;
    Ok(ViewPage {
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
                form: member_form,
                ..Default::default()
            }),
            Some(enrollments_section(lang, auth, enrolled)),
            machine_loans,
            Some(history),
            crate::agriculture::aid::land_panel(state, auth, lang, &g).await?,
            crate::agriculture::aid::group_panel(state, auth, lang, &g).await?,
            crate::activity::group_panel(state, auth, lang, &g).await?,
            classes,
            crate::kotaku::panel::group_panel(state, auth, lang, &g).await?,
        ]
        .into_iter()
        .flatten()
        .collect(),
        ..shell
    })
}

async fn add_member_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let g = auth.editable_group(state.store(), id).await.map_err(|e| e.page(lang))?;
    let draft = MemberDraft {
        person_id: form.get("person_id"),
        role: form.get("role"),
        since: form.opt("since"),
        until: form.opt("until"),
    };
    let result = async {
        let new = draft.parse()?;
        auth.person_ref(state.store(), "person_id", new.person_id).await?;
        Ok(state.store().add_member(id, &new).await?)
    }
    .await;
    let page = || view(&state, &auth, lang, (g, RecordAccess::Full), Some(draft.clone()));
    section_done::<GroupMember, _, _>(lang, result, format!("/groups/{id}#members"), "add-member", page).await
}

async fn remove_member_page(Cx { state, lang, auth }: Cx, IdsPath(id, person_id): IdsPath) -> Result<Response, Error> {
    remove(&state, &auth, id, person_id).await.map_err(|e| e.page(lang))?;
    Ok(Redirect::to(&format!("/groups/{id}#members")).into_response())
}
