//! Households over HTTP: search, view (members, enrollments, the enroll form), create, edit.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use berdaya_domain::access::RecordAccess;
use berdaya_domain::registry::{Household, HouseholdDraft, Id, NewHousehold, Subject, SubjectKind, WelfareStage};
use berdaya_store::{HouseholdSummary, Page, PageRequest, Query};
use serde::Serialize;
use utoipa::ToSchema;

use super::enrollments::subject_history_section;
use super::iso;
use super::people::PersonSummaryDto;
use super::programs::{
    EnrollFrom, EnrollInput, Programs, SubjectEnrollmentDto, enroll_form, enroll_route, enroll_section,
    enrollments_section,
};
use crate::AppState;
use crate::access::guard::{Auth, identity_checked, record_reveal};
use crate::error::{Error, ErrorBody};
use crate::extract::{FormData, IdPath, ListParams};
use crate::html::{Cell, Field, Link, Section, Table, ViewPage, date_or_dash, vocabulary, yes_no};
use crate::i18n::Lang;
use crate::kit::{self, ApiDoc, Column, Filter, Mode, Resource, link_if, refs, view_shell};

pub fn router() -> Router<AppState> {
    kit::router::<Households>()
        .route("/api/v1/households/{id}/members", get(members))
        .route("/api/v1/households/{id}/enrollments", get(enrollments))
        .route("/households/{id}/enrollments", enroll_route(EnrollFrom::Household))
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

/// Households as a kit resource: their listing, view, forms and `/api/v1/households` routes.
pub struct Households;

impl Resource for Households {
    type Record = (Household, RecordAccess);
    type Row = HouseholdSummary;
    type Draft = HouseholdDraft;
    type Dto = HouseholdDto;
    type RowDto = HouseholdSummaryDto;

    const NAME: &'static str = "households";
    const ONE: &'static str = "household";
    const COLUMNS: &'static [Column] = &[
        Column::plain("households.kk"),
        Column::sorted("households.head", "head"),
        Column::sorted("households.address", "address"),
        Column::sorted("households.region", "region"),
        Column::sorted("households.welfare_stage", "welfare_stage"),
        Column::sorted("households.members", "members"),
    ];
    const FILTERS: &'static [Filter] = &[
        Filter {
            key: "welfare_stage",
            label: "households.welfare_stage",
            choices: |lang| vocabulary(WelfareStage::ALL, WelfareStage::code, WelfareStage::label, lang),
        },
        Filter {
            key: "dtks_listed",
            label: "households.dtks_listed",
            choices: |lang| {
                let t = lang.tr();
                vec![("true".into(), yes_no(t, true)), ("false".into(), yes_no(t, false))]
            },
        },
    ];
    const REGION_FILTER: bool = true;
    const DOC: ApiDoc = ApiDoc {
        stem: "Household",
        row: "HouseholdSummaryDto",
        noun: "household",
        list: "Households whose KK number is `q`, or whose address or head's name contains it.",
        create: "Adds a household; its region must exist and its KK number be new.",
    };

    people_registry_rules!(Household);
    fn may_create(auth: &Auth) -> bool {
        auth.principal().creates_registry()
    }
    /// Lists none of what the role could not open (welfare stage, DTKS listing, heads, addresses).
    fn scope(auth: &Auth, query: Query) -> Option<Query> {
        if auth.principal().opens_households() { auth.scope(query) } else { None }
    }

    async fn search(state: &AppState, query: &Query) -> Result<Page<HouseholdSummary>, Error> {
        Ok(state.store().search_households(query).await?)
    }
    async fn read(state: &AppState, auth: &Auth, id: &Id) -> Result<(Household, RecordAccess), Error> {
        auth.readable_household(state.store(), *id).await
    }
    /// The household as its access allows; a full KK is recorded as a reveal.
    async fn dto(
        state: &AppState,
        (h, access): (Household, RecordAccess),
        _fresh: bool,
    ) -> Result<HouseholdDto, Error> {
        if access == RecordAccess::Full {
            record_reveal(state.store(), "households", h.id, "kk").await?;
        }
        Ok(HouseholdDto::new(h, access))
    }
    async fn check(
        state: &AppState,
        auth: &Auth,
        new: &NewHousehold,
        _old: Option<&(Household, RecordAccess)>,
    ) -> Result<(), Error> {
        auth.region_ref(state.store(), "region", &new.region).await
    }
    async fn create(state: &AppState, new: &NewHousehold) -> Result<(Household, RecordAccess), Error> {
        let h = identity_checked(state.store(), "households", state.store().create_household(new).await).await?;
        Ok((h, RecordAccess::Full))
    }
    async fn update(
        state: &AppState,
        id: &Id,
        new: &NewHousehold,
        version: i64,
    ) -> Result<(Household, RecordAccess), Error> {
        let written = state.store().update_household(*id, new, version).await;
        Ok((identity_checked(state.store(), "households", written).await?, RecordAccess::Full))
    }

    fn cells(lang: Lang, auth: &Auth, s: HouseholdSummary) -> Vec<Cell> {
        let href = format!("/households/{}", s.household.id);
        let opens = auth.principal().opens_households();
        vec![
            link_if(opens, s.household.kk.masked(), href.clone()),
            link_if(opens, s.head_name.unwrap_or_else(|| "—".into()), href),
            Cell::text(s.household.address),
            Cell::text(s.region_name),
            Cell::text(s.household.welfare_stage.label(lang.code())),
            Cell::text(s.members.to_string()),
        ]
    }
    async fn view(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        record: (Household, RecordAccess),
        _params: &ListParams,
    ) -> Result<ViewPage, Error> {
        view(state, auth, lang, record, None).await
    }

    fn draft_of((h, _): &(Household, RecordAccess)) -> HouseholdDraft {
        HouseholdDraft::from(h)
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
    fn draft_new(params: &ListParams) -> HouseholdDraft {
        HouseholdDraft {
            region: params.region.as_ref().map(|r| r.to_string()).unwrap_or_default(),
            ..Default::default()
        }
    }
    async fn fields(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        d: &HouseholdDraft,
        _mode: Mode<'_, Id>,
    ) -> Result<Vec<Field>, Error> {
        let t = lang.tr();
        let stages = vocabulary(WelfareStage::ALL, WelfareStage::code, WelfareStage::label, lang);
        Ok(vec![
            Field::text("kk", t.t("households.kk"), &d.kk).required().hint(t.t("households.kk_hint")),
            Field::textarea("address", t.t("households.address"), &d.address).required(),
            refs::region_field(state, auth, "region", t.t("households.region"), &d.region).await.required(),
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
        ])
    }
    /// The edit form holds the full KK: a view like any other.
    async fn on_edit_form(state: &AppState, id: &Id) -> Result<(), Error> {
        record_reveal(state.store(), "households", *id, "kk").await
    }
}

/// The household's members (NIK masked).
#[utoipa::path(get, path = "/api/v1/households/{id}/members", tag = "households", params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = Vec<PersonSummaryDto>), (status = 404, body = ErrorBody)))]
pub async fn members(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<PersonSummaryDto>>, Error> {
    kit::children::<Households, _, _, _>(&state, &auth, id, |id| state.store().household_members(id)).await
}

/// The programs the household is enrolled in.
#[utoipa::path(get, path = "/api/v1/households/{id}/enrollments", tag = "households", params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = Vec<SubjectEnrollmentDto>), (status = 404, body = ErrorBody)))]
pub async fn enrollments(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<SubjectEnrollmentDto>>, Error> {
    let subject = Subject { kind: SubjectKind::Household, id };
    kit::children::<Households, _, _, _>(&state, &auth, id, |_| state.store().subject_enrollments(subject)).await
}

// Pages ------------------------------------------------------------------------------------

/// The household page; `enroll` replaces the blank enroll form (to show its errors).
pub(super) async fn view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    record: (Household, RecordAccess),
    enroll: Option<EnrollInput>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let editable = Households::may_edit(auth, &record);
    let (h, access) = record;
    let id = h.id;
    if access == RecordAccess::Full {
        record_reveal(store, "households", id, "kk").await?;
    }
    let region = store.region(&h.region).await.ok();
    let members = store.household_members(id).await?;
    let subject = Subject { kind: SubjectKind::Household, id };
    let enrolled = store.subject_enrollments(subject).await?;
    let history = subject_history_section(state, auth, lang, &[subject]).await?;
    // Only programs overlapping the principal's area (the store filters by `Query.region`).
    let in_area =
        Programs::scope(auth, Query { page: PageRequest::new(1, PageRequest::MAX_PER_PAGE), ..Default::default() });
    let programs = match in_area {
        Some(q) => store.search_programs(&q).await?.items,
        None => Vec::new(),
    };
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
        .iter()
        .filter(|p| auth.principal().manages_program(p.program.agency_id))
        .map(|p| (p.program.id.to_string(), p.program.name.clone()))
        .collect();
    let input = enroll.unwrap_or_else(|| EnrollInput::blank("household", id));
    let mut shell = view_shell::<Households>(lang, auth, &(h.clone(), access), heading);
    shell.actions.push(crate::print::pdf_link(lang, crate::print::household_href(id)));
    let enroll_form = if program_choices.is_empty() {
        None
    } else {
        let action = format!("/households/{id}/enrollments");
        Some(enroll_form(state, auth, lang, &action, &input, Some(program_choices)).await)
    };
    let pkh = crate::pkh::panel::household_panel(state, auth, lang, id).await?;
    let community = crate::kotaku::panel::household_panel(state, auth, lang, &h).await?;
    Ok(ViewPage {
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
            enrollments_section(lang, auth, enrolled),
            history,
        ]
        .into_iter()
        .chain(pkh)
        .chain(community)
        .chain(enroll_section(lang, "enrollments.enroll_household", enroll_form))
        .collect(),
        ..shell
    })
}
