//! Agencies over HTTP (a Dinas and its UPTD units): search, view with units, staff and the
//! add-staff form, create and edit.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::registry::{Agency, AgencyDraft, AgencyKind, Id, NewAgency, Staff, StaffDraft};
use berdaya_store::{Page, Query};
use serde::Serialize;
use utoipa::ToSchema;

use super::created;
use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody, ListParams};
use crate::html::{Cell, Field, Form, Link, Section, Table, ViewPage, vocabulary};
use crate::i18n::Lang;
use crate::kit::{self, ApiDoc, Column, Filter, Mode, Resource, refs, section_done, view_shell};

pub fn router() -> Router<AppState> {
    kit::router::<Agencies>()
        .route("/api/v1/agencies/{id}/units", get(units))
        .route("/api/v1/agencies/{id}/staff", get(staff).post(add_staff))
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

/// Agencies as a kit resource: their listing, view, forms and `/api/v1/agencies` routes.
pub struct Agencies;

impl Resource for Agencies {
    type Record = Agency;
    type Row = Agency;
    type Draft = AgencyDraft;
    type Dto = AgencyDto;
    type RowDto = AgencyDto;

    const NAME: &'static str = "agencies";
    const ONE: &'static str = "agency";
    const COLUMNS: &'static [Column] = &[
        Column::sorted("agencies.name", "name"),
        Column::sorted("agencies.kind", "kind"),
        Column::sorted("agencies.region", "region"),
    ];
    const FILTERS: &'static [Filter] = &[Filter {
        key: "kind",
        label: "agencies.kind",
        choices: |lang| vocabulary(AgencyKind::ALL, AgencyKind::code, AgencyKind::label, lang),
    }];
    const NUMBERS: &'static [&'static str] = &["parent_id"];
    const DOC: ApiDoc = ApiDoc {
        stem: "Agency",
        row: "AgencyDto",
        noun: "agency",
        list: "Agencies whose name contains `q`.",
        create: "Adds an agency or unit; its region (and parent agency, if any) must exist.",
    };

    fn may_list(auth: &Auth) -> bool {
        auth.principal().reads_programs()
    }
    fn may_create(auth: &Auth) -> bool {
        auth.principal().manages_reference_data()
    }
    fn may_write(auth: &Auth) -> bool {
        auth.principal().manages_reference_data()
    }
    fn may_edit(_auth: &Auth, _agency: &Agency) -> bool {
        true
    }

    async fn search(state: &AppState, query: &Query) -> Result<Page<Agency>, Error> {
        Ok(state.store().search_agencies(query).await?)
    }
    async fn read(state: &AppState, auth: &Auth, id: &Id) -> Result<Agency, Error> {
        readable(state, auth, *id).await
    }
    async fn dto(_state: &AppState, a: Agency, _fresh: bool) -> Result<AgencyDto, Error> {
        Ok(a.into())
    }
    /// Resolves the references of a new or changed agency (its region, its parent) through
    /// the caller's scope.
    async fn check(state: &AppState, auth: &Auth, new: &NewAgency, _old: Option<&Agency>) -> Result<(), Error> {
        auth.region_ref(state.store(), "region", &new.region).await?;
        if let Some(parent) = new.parent_id {
            auth.agency_ref(state.store(), "parent_id", parent).await?;
        }
        Ok(())
    }
    async fn create(state: &AppState, new: &NewAgency) -> Result<Agency, Error> {
        Ok(state.store().create_agency(new).await?)
    }
    async fn update(state: &AppState, id: &Id, new: &NewAgency, version: i64) -> Result<Agency, Error> {
        Ok(state.store().update_agency(*id, new, version).await?)
    }

    fn cells(lang: Lang, _auth: &Auth, a: Agency) -> Vec<Cell> {
        agency_cells(lang, a)
    }
    async fn view(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        a: Agency,
        _params: &ListParams,
    ) -> Result<ViewPage, Error> {
        view(state, auth, lang, a, None).await
    }

    fn draft_of(a: &Agency) -> AgencyDraft {
        AgencyDraft::from(a)
    }
    fn draft_from(form: &FormData) -> AgencyDraft {
        AgencyDraft {
            name: form.get("name"),
            kind: form.get("kind"),
            region: form.get("region"),
            parent_id: form.opt("parent_id"),
        }
    }
    async fn fields(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        d: &AgencyDraft,
        _mode: Mode<'_, Id>,
    ) -> Result<Vec<Field>, Error> {
        let t = lang.tr();
        let kinds = vocabulary(AgencyKind::ALL, AgencyKind::code, AgencyKind::label, lang);
        let parent = d.parent_id.clone().unwrap_or_default();
        Ok(vec![
            Field::text("name", t.t("agencies.name"), &d.name).required(),
            Field::select("kind", t.t("agencies.kind"), &d.kind, kinds, Some(t.t("common.choose"))).required(),
            refs::region_field(state, auth, "region", t.t("agencies.region"), &d.region).await.required(),
            refs::agency_field(state, auth, "parent_id", t.t("agencies.parent"), &parent).await,
        ])
    }
}

/// An agency the principal may read; one outside their area reads as missing.
async fn readable(state: &AppState, auth: &Auth, id: Id) -> Result<Agency, Error> {
    auth.require(auth.principal().reads_programs())?;
    let a = state.store().agency(id).await?;
    if auth.region_code_visible(&a.region) { Ok(a) } else { Err(hidden("agency")) }
}

/// The agency's units (a Dinas's UPTD).
#[utoipa::path(get, path = "/api/v1/agencies/{id}/units", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    responses((status = 200, body = Vec<AgencyDto>), (status = 404, body = ErrorBody)))]
pub async fn units(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<AgencyDto>>, Error> {
    let (store, auth_ref) = (state.store(), &auth);
    let units = |id| async move {
        let mut units = store.agency_units(id).await?;
        units.retain(|u| auth_ref.region_code_visible(&u.region));
        Ok(units)
    };
    kit::children::<Agencies, _, _, _>(&state, &auth, id, units).await
}

/// The agency's staff.
#[utoipa::path(get, path = "/api/v1/agencies/{id}/staff", tag = "agencies", params(("id" = i64, Path, description = "Agency id")),
    responses((status = 200, body = Vec<StaffDto>), (status = 404, body = ErrorBody)))]
pub async fn staff(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<StaffDto>>, Error> {
    kit::children::<Agencies, _, _, _>(&state, &auth, id, |id| state.store().agency_staff(id)).await
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
    kit::editable::<Agencies>(&state, &auth, &id).await?;
    let draft: StaffDraft = body.decode()?;
    let staff = state.store().add_staff(id, &draft.parse()?).await?;
    Ok(created(StaffDto::from(staff)))
}

// Pages ------------------------------------------------------------------------------------

fn agency_cells(lang: Lang, a: Agency) -> Vec<Cell> {
    vec![
        Cell::link(a.name, format!("/agencies/{}", a.id)),
        Cell::text(a.kind.label(lang.code())),
        Cell::link(a.region.to_string(), format!("/regions/{}", a.region)),
    ]
}

fn agency_table(lang: Lang, list: Vec<Agency>) -> Table {
    let t = lang.tr();
    Table {
        headers: Agencies::COLUMNS.iter().map(|c| t.t(c.label).to_string()).collect(),
        sorts: Vec::new(),
        rows: list.into_iter().map(|a| agency_cells(lang, a)).collect(),
        empty: t.t("agencies.none").into(),
    }
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

/// The agency page; `staff` replaces the blank add-staff form (to show its errors).
async fn view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    a: Agency,
    staff: Option<StaffDraft>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let id = a.id;
    let manages = auth.principal().manages_reference_data();
    let parent = match a.parent_id {
        Some(p) => store.agency(p).await.ok().filter(|p| auth.region_code_visible(&p.region)),
        None => None,
    };
    let mut units = store.agency_units(id).await?;
    units.retain(|u| auth.region_code_visible(&u.region));
    let members = store.agency_staff(id).await?;
    let staff_table = Table {
        sorts: Vec::new(),
        headers: vec![t.t("agencies.staff_name").into(), t.t("agencies.position").into()],
        rows: members.into_iter().map(|s| vec![Cell::text(s.name), Cell::text(s.position)]).collect(),
        empty: t.t("agencies.no_staff").into(),
    };
    let staff = staff.unwrap_or_default();
    let mut page = view_shell::<Agencies>(lang, auth, &a, a.name.clone());
    page.actions.extend(
        auth.principal()
            .manages_program(id)
            .then(|| Link::new(t.t("programs.add"), format!("/programs/new?agency={id}"))),
    );
    Ok(ViewPage {
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
        ..page
    })
}

async fn add_staff_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let a = kit::editable::<Agencies>(&state, &auth, &id).await.map_err(|e| e.page(lang))?;
    let draft = StaffDraft { name: form.get("name"), position: form.get("position") };
    let result = async { Ok(state.store().add_staff(id, &draft.parse()?).await?) }.await;
    let page = || view(&state, &auth, lang, a, Some(draft.clone()));
    section_done::<Staff, _, _>(lang, result, format!("/agencies/{id}#staff"), "add-staff", page).await
}
