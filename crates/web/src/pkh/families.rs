//! PKH families over HTTP: the families of a program (search, status, facilitator,
//! village), enrollment of DTKS households, and a family's page: members and their facts
//! (added and ended here), the components on any date with the reason of each one counted
//! and not counted, status and ladder history, the facilitator, and the other parts'
//! sections (payments, P2K2, grievances).
//!
//! Access: a family is read by whoever may read its household (and the program); it is
//! written (enrollment, facilitator) by the program officers of the program's agency and
//! administrators; facts also by the family's facilitator (a user with the household
//! assigned). Out of scope reads as missing.

use axum::extract::Query as UriQuery;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::{RecordAccess, Role};
use berdaya_domain::pkh::components::{Benefit, Outcome, benefit};
use berdaya_domain::pkh::family::{Family, NewFact, NewFamily, StoredFact};
use berdaya_domain::pkh::{FactKind, FamilyStatus, Period, SchoolLevel};
use berdaya_domain::registry::{Id, Kk, Program, text};
use serde::{Deserialize, Serialize};
use time::Date;

use crate::AppState;
use crate::access::guard::{Auth, hidden, missing_reference};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, IdsPath, JsonBody, ListParams};
use crate::html::{
    Cell, Field, Form, FormPage, Layout, Link, ListPage, Pager, Search, Section, Table, ViewPage, render, render_with,
    vocabulary,
};
use crate::i18n::Lang;
use crate::registry::programs::readable_program;
use crate::registry::{created, crumbs, iso};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/programs/{id}/pkh/families", get(api_list).post(api_enroll))
        .route("/api/v1/programs/{id}/pkh/families/{fid}", get(api_show))
        .route("/api/v1/programs/{id}/pkh/families/{fid}/facts", post(api_add_fact))
        .route("/programs/{id}/pkh/families", get(list_page).post(enroll_page))
        .route("/programs/{id}/pkh/families/new", get(new_page))
        .route("/programs/{id}/pkh/families/{fid}", get(family_page))
        .route("/programs/{id}/pkh/families/{fid}/facts", post(add_fact_page))
        .route("/programs/{id}/pkh/families/{fid}/facilitator", post(facilitator_page))
        .route("/programs/{id}/pkh/families/{fid}/facts/end", post(end_fact_page))
}

/// The routes that write, each probed by the scope suite in `pkh_family.rs`.
pub const PROBED_HERE: &[&str] = &[
    "POST /api/v1/programs/{id}/pkh/families",
    "POST /api/v1/programs/{id}/pkh/families/{fid}/facts",
    "POST /programs/{id}/pkh/families",
    "POST /programs/{id}/pkh/families/{fid}/facts",
    "POST /programs/{id}/pkh/families/{fid}/facilitator",
    "POST /programs/{id}/pkh/families/{fid}/facts/end",
];

// --- Access ----------------------------------------------------------------------------------

/// A family as the caller may see it.
pub(crate) struct FamilyRec {
    pub program: Program,
    pub family: Family,
    pub access: RecordAccess,
}

/// Whether the caller writes the program's PKH records.
pub(crate) fn manages(auth: &Auth, program: &Program) -> bool {
    auth.principal().manages_program(program.agency_id)
}

/// A family the caller may read: the program readable, the family of it, its household
/// readable. Out of scope answers as missing.
pub(crate) async fn readable_family(state: &AppState, auth: &Auth, program_id: Id, id: Id) -> Result<FamilyRec, Error> {
    let program = readable_program(state, auth, program_id).await?;
    let family = state.store().pkh_family(id).await?;
    if family.program_id != program.id {
        return Err(hidden("PKH family"));
    }
    let (_, access) = auth
        .readable_household(state.store(), family.household_id)
        .await
        .map_err(|e| if e.status().is_server_error() { e } else { hidden("PKH family") })?;
    Ok(FamilyRec { program, family, access })
}

/// Whether the caller records the family's facts and compliance: the program's managers and
/// the family's facilitator (assigned its household).
pub(crate) fn verifies(auth: &Auth, rec: &FamilyRec) -> bool {
    manages(auth, &rec.program) || (auth.role() == Role::Facilitator && rec.access == RecordAccess::Full)
}

fn masked_kk(kk: i64) -> String {
    Kk::from_stored(kk).map(|k| k.masked()).unwrap_or_else(|_| "—".into())
}

pub(crate) fn status_label(lang: Lang, s: FamilyStatus) -> String {
    s.label(lang.code()).to_string()
}

// --- DTOs ------------------------------------------------------------------------------------

/// A PKH family (KPM); `kk` is masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FamilyDto {
    pub id: i64,
    pub program_id: i64,
    pub household_id: i64,
    pub enrollment_id: i64,
    pub decile: Option<u8>,
    pub facilitator_id: Option<i64>,
    pub facilitator_name: Option<String>,
    /// `active`, `warning`, `suspended` or `terminated`.
    pub status: String,
    pub consecutive: u32,
    pub enrolled_on: String,
    pub head_name: Option<String>,
    pub address: String,
    pub region: String,
    pub kk: String,
    pub version: i64,
}

impl From<Family> for FamilyDto {
    fn from(f: Family) -> Self {
        FamilyDto {
            id: f.id,
            program_id: f.program_id,
            household_id: f.household_id,
            enrollment_id: f.enrollment_id,
            decile: f.decile,
            facilitator_id: f.facilitator_id,
            facilitator_name: f.facilitator_name,
            status: f.status.code().into(),
            consecutive: f.consecutive,
            enrolled_on: iso(f.enrolled_on),
            head_name: f.head_name,
            address: f.address,
            region: f.region,
            kk: masked_kk(f.kk),
            version: f.version,
        }
    }
}

/// A dated PKH fact about a member (pregnancy, school, severe disability).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FactDto {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub kind: String,
    pub level: Option<String>,
    pub school_name: Option<String>,
    pub starts_on: String,
    pub expected_on: Option<String>,
    pub ends_on: Option<String>,
    pub note: Option<String>,
    pub version: i64,
}

impl From<StoredFact> for FactDto {
    fn from(f: StoredFact) -> Self {
        FactDto {
            id: f.id,
            person_id: f.person_id,
            person_name: f.person_name,
            kind: f.kind.code().into(),
            level: f.level.map(|l| l.code().into()),
            school_name: f.school_name,
            starts_on: iso(f.starts_on),
            expected_on: f.expected_on.map(iso),
            ends_on: f.ends_on.map(iso),
            note: f.note,
            version: f.version,
        }
    }
}

/// A family with its facts and its components on `on`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FamilyDetailDto {
    pub family: FamilyDto,
    pub facts: Vec<FactDto>,
    pub on: String,
    /// `lines` (person, component, annual, counted, reason), `annual`, `per_stage`, and the
    /// components not counted with why.
    #[schema(value_type = Object)]
    pub benefit: Benefit,
}

/// An enrollment: `household_id`, optional `decile` (1–10), `facilitator_id`, `enrolled_on`.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct FamilyDraft {
    pub household_id: String,
    #[serde(default)]
    pub decile: Option<String>,
    #[serde(default)]
    pub facilitator_id: Option<String>,
    pub enrolled_on: String,
}

/// A fact: `person_id`, `kind` (`pregnant`, `school`, `disability`), `level` (`sd`, `smp`,
/// `sma`) and `school_name` for school, `starts_on`, `expected_on` for a pregnancy, `ends_on`.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct FactDraft {
    pub person_id: String,
    pub kind: String,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub school_name: Option<String>,
    pub starts_on: String,
    #[serde(default)]
    pub expected_on: Option<String>,
    #[serde(default)]
    pub ends_on: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

fn invalid(errors: Vec<(String, String)>) -> Error {
    let inv = berdaya_domain::registry::Invalid(
        errors.into_iter().map(|(f, m)| berdaya_domain::registry::FieldError::new(f, m)).collect(),
    );
    berdaya_store::StoreError::Invalid(inv).into()
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl FamilyDraft {
    fn parse(&self) -> Result<NewFamily, Error> {
        let mut errors = Vec::new();
        let household_id = text::id(&self.household_id).map_err(|e| errors.push(("household_id".into(), e))).ok();
        let decile = match blank(&self.decile) {
            None => None,
            Some(d) => match d.parse::<u8>() {
                Ok(d) if (1..=10).contains(&d) => Some(d),
                _ => {
                    errors.push(("decile".into(), "must be a whole number from 1 to 10".into()));
                    None
                }
            },
        };
        let facilitator_id = match blank(&self.facilitator_id) {
            None => None,
            Some(f) => text::id(f).map_err(|e| errors.push(("facilitator_id".into(), e))).ok(),
        };
        let enrolled_on = text::date(&self.enrolled_on).map_err(|e| errors.push(("enrolled_on".into(), e))).ok();
        match (household_id, enrolled_on) {
            (Some(household_id), Some(enrolled_on)) if errors.is_empty() => {
                Ok(NewFamily { household_id, decile, facilitator_id, enrolled_on })
            }
            _ => Err(invalid(errors)),
        }
    }
}

impl FactDraft {
    fn parse(&self) -> Result<NewFact, Error> {
        let mut errors = Vec::new();
        let person_id = text::id(&self.person_id).map_err(|e| errors.push(("person_id".into(), e))).ok();
        let kind = FactKind::parse(&self.kind).map_err(|e| errors.push(("kind".into(), e))).ok();
        let level = match blank(&self.level) {
            None => None,
            Some(l) => SchoolLevel::parse(l).map_err(|e| errors.push(("level".into(), e))).ok(),
        };
        let school_name = text::optional_text(self.school_name.as_deref(), 200)
            .map_err(|e| errors.push(("school_name".into(), e)))
            .ok()
            .flatten();
        let starts_on = text::date(&self.starts_on).map_err(|e| errors.push(("starts_on".into(), e))).ok();
        let expected_on =
            text::optional_date(self.expected_on.as_deref()).map_err(|e| errors.push(("expected_on".into(), e))).ok();
        let ends_on = text::optional_date(self.ends_on.as_deref()).map_err(|e| errors.push(("ends_on".into(), e))).ok();
        let note =
            text::optional_text(self.note.as_deref(), 1000).map_err(|e| errors.push(("note".into(), e))).ok().flatten();
        match (person_id, kind, starts_on, expected_on, ends_on) {
            (Some(person_id), Some(kind), Some(starts_on), Some(expected_on), Some(ends_on)) if errors.is_empty() => {
                let fact = NewFact { person_id, kind, level, school_name, starts_on, expected_on, ends_on, note };
                fact.check()?;
                Ok(fact)
            }
            _ => Err(invalid(errors)),
        }
    }
}

// --- Shared writes -----------------------------------------------------------------------------

/// Enrolls a household: the program managed by the caller, the household readable and
/// changeable by them (else a missing reference), the facilitator a facilitator.
async fn enroll(state: &AppState, auth: &Auth, program: &Program, draft: &FamilyDraft) -> Result<Family, Error> {
    auth.require(manages(auth, program))?;
    let new = draft.parse()?;
    auth.household_ref(state.store(), "household_id", new.household_id).await?;
    if let Some(u) = new.facilitator_id {
        facilitator_ref(state, auth, u).await?;
    }
    Ok(state.store().enroll_pkh_family(program.id, &new).await?)
}

/// A facilitator named by `facilitator_id`: a facilitator account whose area overlaps the
/// caller's (else a missing reference).
async fn facilitator_ref(state: &AppState, auth: &Auth, id: Id) -> Result<(), Error> {
    let users = state.store().users().await?;
    match users.iter().find(|u| u.id == id) {
        Some(u) if u.role == Role::Facilitator && u.area.as_ref().is_none_or(|a| auth.region_code_visible(a)) => Ok(()),
        _ => Err(missing_reference("facilitator_id", "user", id)),
    }
}

/// The facilitators the caller may choose, by name.
async fn facilitator_choices(state: &AppState, auth: &Auth) -> Result<Vec<(String, String)>, Error> {
    let mut out: Vec<(String, String)> = state
        .store()
        .users()
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Facilitator && !u.disabled)
        .filter(|u| u.area.as_ref().is_none_or(|a| auth.region_code_visible(a)))
        .map(|u| (u.id.to_string(), u.display_name))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

async fn add_fact(state: &AppState, auth: &Auth, rec: &FamilyRec, draft: &FactDraft) -> Result<StoredFact, Error> {
    auth.require(verifies(auth, rec))?;
    let fact = draft.parse()?;
    Ok(state.store().add_pkh_fact(rec.family.id, &fact).await?)
}

/// The rules warning for a decile outside the program's range.
async fn decile_warning(state: &AppState, lang: Lang, f: &Family) -> Result<Option<String>, Error> {
    let Some(d) = f.decile else { return Ok(None) };
    let (_, rules) = state.store().pkh_family_members(f.id, f.enrolled_on.year()).await?;
    Ok((d < rules.decile_min || d > rules.decile_max).then(|| {
        lang.tr()
            .t("pkh_fam.decile_outside")
            .replace("{decile}", &d.to_string())
            .replace("{min}", &rules.decile_min.to_string())
            .replace("{max}", &rules.decile_max.to_string())
    }))
}

// --- API -------------------------------------------------------------------------------------

const FILTERS: &[&str] = &["status", "facilitator"];

/// A program's families (scoped: a facilitator sees the families assigned to them).
#[utoipa::path(get, path = "/api/v1/programs/{id}/pkh/families", tag = "pkh",
    params(("id" = i64, Path, description = "Program id"), ("status" = Option<String>, Query, description = "active, warning, suspended or terminated"), ("facilitator" = Option<i64>, Query, description = "Facilitator user id"), ("q" = Option<String>, Query, description = "Search"), ("page" = Option<u32>, Query, description = "Page")),
    responses((status = 200, description = "A page of families (`items`, `page`, `total`)", body = Object), (status = 404, body = ErrorBody)))]
pub async fn api_list(
    Cx { state, auth, .. }: Cx,
    IdPath(id): IdPath,
    params: ListParams,
) -> Result<Json<berdaya_store::Page<FamilyDto>>, Error> {
    let program = readable_program(&state, &auth, id).await?;
    let query = params.query_for(&[], FILTERS)?;
    let Some(query) = auth.scope(query) else {
        return Ok(Json(berdaya_store::Page::new(Vec::new(), params.page, 0)));
    };
    let page = state.store().pkh_families(program.id, &query).await?;
    Ok(Json(page.map(FamilyDto::from)))
}

/// Enrolls a DTKS household as a PKH family.
#[utoipa::path(post, path = "/api/v1/programs/{id}/pkh/families", tag = "pkh", request_body = FamilyDraft,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 201, body = FamilyDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_enroll(Cx { state, auth, .. }: Cx, IdPath(id): IdPath, body: JsonBody) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await?;
    let draft: FamilyDraft = body.draft(&["household_id", "decile", "facilitator_id"])?;
    let family = enroll(&state, &auth, &program, &draft).await?;
    Ok(created(FamilyDto::from(family)))
}

#[derive(Debug, Deserialize)]
pub struct OnParams {
    pub on: Option<String>,
}

fn parse_on(on: &Option<String>) -> Result<Date, Error> {
    match blank(on) {
        None => Ok(time::OffsetDateTime::now_utc().date()),
        Some(raw) => text::date(raw).map_err(|e| Error::bad_request("on", e)),
    }
}

/// A family with its facts and components on `on` (default today).
#[utoipa::path(get, path = "/api/v1/programs/{id}/pkh/families/{fid}", tag = "pkh",
    params(("id" = i64, Path, description = "Program id"), ("fid" = i64, Path, description = "Family id"), ("on" = Option<String>, Query, description = "The date, YYYY-MM-DD")),
    responses((status = 200, body = FamilyDetailDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_show(
    Cx { state, auth, .. }: Cx,
    IdsPath(id, fid): IdsPath,
    UriQuery(q): UriQuery<OnParams>,
) -> Result<Json<FamilyDetailDto>, Error> {
    let rec = readable_family(&state, &auth, id, fid).await?;
    let on = parse_on(&q.on)?;
    let (members, rules) = state.store().pkh_family_members(fid, on.year()).await?;
    let b = benefit(&members.members_on(on, &rules), on, &rules);
    let facts = state.store().pkh_facts(fid).await?.into_iter().map(FactDto::from).collect();
    Ok(Json(FamilyDetailDto { family: rec.family.into(), facts, on: iso(on), benefit: b }))
}

/// Records a fact about a member.
#[utoipa::path(post, path = "/api/v1/programs/{id}/pkh/families/{fid}/facts", tag = "pkh", request_body = FactDraft,
    params(("id" = i64, Path, description = "Program id"), ("fid" = i64, Path, description = "Family id")),
    responses((status = 201, body = FactDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_add_fact(
    Cx { state, auth, .. }: Cx,
    IdsPath(id, fid): IdsPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let rec = readable_family(&state, &auth, id, fid).await?;
    let draft: FactDraft = body.draft(&["person_id"])?;
    Ok(created(FactDto::from(add_fact(&state, &auth, &rec, &draft).await?)))
}

// --- Pages -----------------------------------------------------------------------------------

fn program_crumbs(lang: Lang, program: &Program) -> Vec<Link> {
    let mut c = crumbs(lang, "nav.programs", "/programs");
    c.push(Link::new(program.name.clone(), format!("/programs/{}", program.id)));
    c
}

pub(crate) fn families_crumbs(lang: Lang, program: &Program) -> Vec<Link> {
    let mut c = program_crumbs(lang, program);
    c.push(Link::new(lang.tr().t("pkh.families"), format!("/programs/{}/pkh/families", program.id)));
    c
}

async fn list_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let query = params.query_for(&[], FILTERS).map_err(|e| e.page(lang))?;
    let page = match auth.scope(query) {
        Some(q) => state.store().pkh_families(program.id, &q).await.map_err(|e| Error::from(e).page(lang))?,
        None => berdaya_store::Page::new(Vec::new(), params.page, 0),
    };
    let rows = page
        .items
        .iter()
        .map(|f| {
            vec![
                Cell::link(
                    f.head_name.clone().unwrap_or_else(|| f.address.clone()),
                    format!("/programs/{}/pkh/families/{}", program.id, f.id),
                ),
                Cell::text(masked_kk(f.kk)),
                Cell::text(format!("{} · {}", f.address, f.region_name.clone().unwrap_or_else(|| f.region.clone()))),
                Cell::text(status_label(lang, f.status)),
                Cell::text(f.facilitator_name.clone().unwrap_or_else(|| "—".into())),
            ]
        })
        .collect();
    let statuses = vocabulary(FamilyStatus::ALL, FamilyStatus::code, FamilyStatus::label, lang);
    let facilitators = facilitator_choices(&state, &auth).await.map_err(|e| e.page(lang))?;
    let base = format!("/programs/{}/pkh/families", program.id);
    let q = params.q_str().to_string();
    let pager = Pager::new(t, &page, |n| format!("{base}?page={n}&q={}", urlencoding(&q)));
    let mut actions = Vec::new();
    if manages(&auth, &program) {
        actions.push(Link::new(t.t("pkh_fam.enroll"), format!("{base}/new")));
    }
    let list = ListPage {
        l: Layout::new(lang, format!("{} — {}", t.t("pkh.families"), program.name), "programs"),
        heading: format!("{} — {}", t.t("pkh.families"), program.name),
        breadcrumbs: program_crumbs(lang, &program),
        intro: Some(t.t("pkh_fam.intro").into()),
        search: Some(Search {
            action: base.clone(),
            q,
            placeholder: t.t("pkh_fam.search").into(),
            region: Some(params.region.as_ref().map(|r| r.to_string()).unwrap_or_default()),
            filters: vec![
                crate::html::FilterBox::new(t, "status", t.t("pkh_fam.status"), statuses, params.other.get("status")),
                crate::html::FilterBox::new(
                    t,
                    "facilitator",
                    t.t("pkh_fam.facilitator"),
                    facilitators,
                    params.other.get("facilitator"),
                ),
            ],
            sort: None,
        }),
        actions,
        table: Table {
            sorts: Vec::new(),
            headers: vec![
                t.t("pkh_fam.head").into(),
                t.t("households.kk").into(),
                t.t("households.address").into(),
                t.t("pkh_fam.status").into(),
                t.t("pkh_fam.facilitator").into(),
            ],
            rows,
            empty: t.t("pkh_fam.none").into(),
        },
        pager: Some(pager),
    };
    Ok(render(&list))
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn enroll_form(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    program: &Program,
    d: &FamilyDraft,
) -> Result<Form, Error> {
    let t = lang.tr();
    let shown = crate::kit::refs::record_name(state, auth, "household", &d.household_id).await.unwrap_or_default();
    let facilitators = facilitator_choices(state, auth).await?;
    Ok(Form::new(
        "pkh-enroll",
        format!("/programs/{}/pkh/families", program.id),
        t.t("pkh_fam.enroll"),
        vec![
            Field::picker("household_id", t.t("pkh_fam.household"), "household", d.household_id.clone(), shown)
                .required()
                .hint(t.t("pkh_fam.household_hint")),
            Field::text("decile", t.t("pkh_fam.decile"), d.decile.clone().unwrap_or_default())
                .hint(t.t("pkh_fam.decile_hint")),
            Field::select(
                "facilitator_id",
                t.t("pkh_fam.facilitator"),
                d.facilitator_id.as_deref().unwrap_or(""),
                facilitators,
                Some(t.t("common.choose")),
            ),
            Field::date("enrolled_on", t.t("pkh_fam.enrolled_on"), d.enrolled_on.clone()).required(),
        ],
    ))
}

fn form_page(lang: Lang, program: &Program, form: Form) -> FormPage {
    let t = lang.tr();
    FormPage {
        l: Layout::new(lang, t.t("pkh_fam.enroll"), "programs"),
        heading: format!("{} — {}", t.t("pkh_fam.enroll"), program.name),
        breadcrumbs: families_crumbs(lang, program),
        form,
    }
}

async fn new_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !manages(&auth, &program) {
        return Err(crate::access::guard::forbidden().page(lang));
    }
    let d = FamilyDraft { enrolled_on: iso(time::OffsetDateTime::now_utc().date()), ..Default::default() };
    let form = enroll_form(&state, &auth, lang, &program, &d).await.map_err(|e| e.page(lang))?;
    Ok(render(&form_page(lang, &program, form)))
}

fn family_draft_from(form: &FormData) -> FamilyDraft {
    FamilyDraft {
        household_id: form.get("household_id"),
        decile: form.opt("decile"),
        facilitator_id: form.opt("facilitator_id"),
        enrolled_on: form.get("enrolled_on"),
    }
}

async fn enroll_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !manages(&auth, &program) {
        return Err(crate::access::guard::forbidden().page(lang));
    }
    let draft = family_draft_from(&form);
    match enroll(&state, &auth, &program, &draft).await {
        Ok(f) => Ok(Redirect::to(&format!("/programs/{}/pkh/families/{}", program.id, f.id)).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let mut f = enroll_form(&state, &auth, lang, &program, &draft).await.map_err(|e| e.page(lang))?;
            let status = f.show_error(lang.tr(), &err);
            Ok(render_with(status, &form_page(lang, &program, f)))
        }
    }
}

fn fact_form(lang: Lang, rec: &FamilyRec, people: &[(String, String)], d: &FactDraft) -> Form {
    let t = lang.tr();
    Form::new(
        "pkh-fact",
        format!("/programs/{}/pkh/families/{}/facts", rec.program.id, rec.family.id),
        t.t("pkh_fam.add_fact"),
        vec![
            Field::select(
                "person_id",
                t.t("pkh_fam.member"),
                &d.person_id,
                people.to_vec(),
                Some(t.t("common.choose")),
            )
            .required(),
            Field::select(
                "kind",
                t.t("pkh_fam.fact_kind"),
                &d.kind,
                vocabulary(FactKind::ALL, FactKind::code, FactKind::label, lang),
                Some(t.t("common.choose")),
            )
            .required(),
            Field::select(
                "level",
                t.t("pkh_fam.level"),
                d.level.as_deref().unwrap_or(""),
                vocabulary(&SchoolLevel::ALL[1..], SchoolLevel::code, SchoolLevel::label, lang),
                Some("—"),
            ),
            Field::text("school_name", t.t("pkh_fam.school_name"), d.school_name.clone().unwrap_or_default()),
            Field::date("starts_on", t.t("pkh_fam.starts_on"), d.starts_on.clone()).required(),
            Field::date("expected_on", t.t("pkh_fam.expected_on"), d.expected_on.clone().unwrap_or_default())
                .hint(t.t("pkh_fam.expected_hint")),
            Field::date("ends_on", t.t("pkh_fam.ends_on"), d.ends_on.clone().unwrap_or_default()),
            Field::text("note", t.t("pkh_fam.note"), d.note.clone().unwrap_or_default()),
        ],
    )
}

/// The family's page: facts, components on `on`, status history, the other parts' sections.
async fn family_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    rec: FamilyRec,
    on: Date,
    fact_draft: Option<FactDraft>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let f = &rec.family;
    let (members, rules) = store.pkh_family_members(f.id, on.year()).await?;
    let people = store.household_members(f.household_id).await?;
    let name_of = |id: Id| people.iter().find(|p| p.id == id).map(|p| p.name.clone()).unwrap_or_else(|| id.to_string());
    let b = benefit(&members.members_on(on, &rules), on, &rules);
    let facts = store.pkh_facts(f.id).await?;
    let may_write = verifies(auth, &rec);
    let program_id = rec.program.id;

    // Members and their facts.
    let fact_rows = facts
        .iter()
        .map(|x| {
            let what = match (x.kind, x.level) {
                (FactKind::School, Some(l)) => format!(
                    "{} · {}{}",
                    x.kind.label(lang.code()),
                    l.label(lang.code()),
                    x.school_name.as_ref().map(|s| format!(" · {s}")).unwrap_or_default()
                ),
                _ => x.kind.label(lang.code()).to_string(),
            };
            vec![
                Cell::text(x.person_name.clone()),
                Cell::text(what),
                Cell::text(iso(x.starts_on)),
                Cell::text(x.expected_on.map(iso).unwrap_or_else(|| "—".into())),
                Cell::text(x.ends_on.map(iso).unwrap_or_else(|| "—".into())),
            ]
        })
        .collect();
    let member_rows = people
        .iter()
        .map(|p| {
            vec![
                Cell::link(p.name.clone(), format!("/people/{}", p.id)),
                Cell::text(p.relation.label(lang.code())),
                Cell::text(iso(p.birth_date)),
                Cell::text(berdaya_domain::pkh::age_on(p.birth_date, on).to_string()),
            ]
        })
        .collect();

    // Components on `on`.
    let mut comp_rows: Vec<Vec<Cell>> = b
        .lines
        .iter()
        .map(|l| {
            let outcome = match l.outcome {
                Outcome::Counted => t.t("pkh_fam.counted").to_string(),
                Outcome::OverCap { cap } => t.t("pkh_fam.over_cap").replace("{cap}", &cap.to_string()),
                Outcome::Superseded { by } => t.t("pkh_fam.superseded").replace("{by}", by.label(lang.code())),
            };
            vec![
                Cell::text(name_of(l.person)),
                Cell::text(l.component.label(lang.code())),
                Cell::text(l.basis.describe(lang.code())),
                Cell::text(rupiah(l.annual)),
                Cell::text(outcome),
            ]
        })
        .collect();
    for m in &b.near_misses {
        comp_rows.push(vec![
            Cell::text(name_of(m.person)),
            Cell::text(m.component.label(lang.code())),
            Cell::text(crate::messages::translate(lang, &m.rule)),
            Cell::text("—"),
            Cell::text(t.t("pkh_fam.not_met")),
        ]);
    }
    let stages =
        b.per_stage.iter().enumerate().map(|(i, a)| format!("{} {}: {}", t.t("pkh_fam.stage"), i + 1, rupiah(*a)));
    let on_links: Vec<Link> = {
        let today = time::OffsetDateTime::now_utc().date();
        let mut p = Period::of(today);
        let mut links = vec![Link::new(t.t("pkh_fam.today"), format!("/programs/{program_id}/pkh/families/{}", f.id))];
        for _ in 0..4 {
            p = p.previous();
            links.push(Link::new(
                p.label(lang.code()),
                format!("/programs/{program_id}/pkh/families/{}?on={}", f.id, iso(p.last_day())),
            ));
        }
        links
    };

    // Status history.
    let periods = store.pkh_family_periods(f.id).await?;
    let events = store.pkh_status_events(f.id).await?;
    let period_rows = periods
        .iter()
        .rev()
        .map(|p| {
            vec![
                Cell::text(p.period.label(lang.code())),
                Cell::text(if p.compliant { t.t("pkh_fam.compliant") } else { t.t("pkh_fam.not_compliant") }),
                Cell::text(status_label(lang, p.status)),
                Cell::text(p.consecutive.to_string()),
            ]
        })
        .collect();
    let event_rows = events
        .iter()
        .rev()
        .map(|e| {
            vec![
                Cell::text(iso(e.decided_at.date())),
                Cell::text(e.kind.label(lang.code())),
                Cell::text(e.period.map(|p| p.label(lang.code())).unwrap_or_else(|| "—".into())),
                Cell::text(status_label(lang, e.status)),
                Cell::text(e.reason.clone().unwrap_or_default()),
            ]
        })
        .collect();

    let mut sections = vec![
        Section::table(
            t,
            "members",
            t.t("households.members"),
            &["people.name", "people.relation", "people.birth_date", "pkh_fam.age"],
            member_rows,
            t.t("households.no_members"),
        ),
        Section::table(
            t,
            "facts",
            t.t("pkh_fam.facts"),
            &["pkh_fam.member", "pkh_fam.fact_kind", "pkh_fam.starts_on", "pkh_fam.expected_on", "pkh_fam.ends_on"],
            fact_rows,
            t.t("pkh_fam.no_facts"),
        ),
        Section {
            links: on_links,
            ..Section::table(
                t,
                "components",
                format!("{} — {} ({})", t.t("pkh_fam.components"), iso(on), rupiah(b.annual)),
                &["pkh_fam.member", "pkh_fam.component", "pkh_fam.reason", "pkh_fam.annual", "pkh_fam.outcome"],
                comp_rows,
                t.t("pkh_fam.no_components"),
            )
        },
        Section::table(
            t,
            "periods",
            t.t("pkh_fam.periods"),
            &["pkh_fam.period", "pkh_fam.compliance", "pkh_fam.status", "pkh_fam.consecutive"],
            period_rows,
            t.t("pkh_fam.no_periods"),
        ),
        Section::table(
            t,
            "status-history",
            t.t("pkh_fam.history"),
            &["pkh_fam.date", "pkh_fam.event", "pkh_fam.period", "pkh_fam.status", "pkh_fam.reason"],
            event_rows,
            "—",
        ),
    ];
    for panel in [
        super::payments::family_panel(state, lang, f.id).await?,
        super::p2k2::family_panel(state, lang, f.id).await?,
        super::grievances::family_panel(state, lang, f.id).await?,
    ]
    .into_iter()
    .flatten()
    {
        sections.push(panel);
    }
    if may_write {
        let choices: Vec<(String, String)> = people.iter().map(|p| (p.id.to_string(), p.name.clone())).collect();
        let d = fact_draft.unwrap_or_else(|| FactDraft { starts_on: iso(on), ..Default::default() });
        sections.push(Section {
            id: "new-fact".into(),
            title: t.t("pkh_fam.add_fact").into(),
            form: Some(fact_form(lang, &rec, &choices, &d)),
            ..Default::default()
        });
        let open: Vec<(String, String)> = facts
            .iter()
            .filter(|x| x.ends_on.is_none())
            .map(|x| {
                (x.id.to_string(), format!("{} — {} ({})", x.person_name, x.kind.label(lang.code()), iso(x.starts_on)))
            })
            .collect();
        if !open.is_empty() {
            sections.push(Section {
                id: "end-fact".into(),
                title: t.t("pkh_fam.end_fact").into(),
                form: Some(Form::new(
                    "pkh-end-fact",
                    format!("/programs/{program_id}/pkh/families/{}/facts/end", f.id),
                    t.t("pkh_fam.end_fact"),
                    vec![
                        Field::select("fact_id", t.t("pkh_fam.fact"), "", open, Some(t.t("common.choose"))).required(),
                        Field::date("ends_on", t.t("pkh_fam.ends_on"), "").required(),
                    ],
                )),
                ..Default::default()
            });
        }
    }
    if manages(auth, &rec.program) {
        let choices = facilitator_choices(state, auth).await?;
        let current = f.facilitator_id.map(|i| i.to_string()).unwrap_or_default();
        sections.push(Section {
            id: "facilitator".into(),
            title: t.t("pkh_fam.facilitator").into(),
            form: Some(
                Form::new(
                    "pkh-facilitator",
                    format!("/programs/{program_id}/pkh/families/{}/facilitator", f.id),
                    t.t("pkh_fam.assign"),
                    vec![
                        Field::select(
                            "facilitator_id",
                            t.t("pkh_fam.facilitator"),
                            &current,
                            std::iter::once(("none".to_string(), t.t("pkh_fam.no_facilitator").to_string()))
                                .chain(choices)
                                .collect(),
                            Some(t.t("common.choose")),
                        )
                        .required(),
                    ],
                )
                .hidden("version", f.version.to_string()),
            ),
            ..Default::default()
        });
    }
    let mut warnings = Vec::new();
    if let Some(w) = decile_warning(state, lang, f).await? {
        warnings.push(w);
    }
    if f.status != FamilyStatus::Active {
        warnings.push(format!("{}: {}", t.t("pkh_fam.status"), status_label(lang, f.status)));
    }
    let heading = format!("{} {}", t.t("pkh_fam.one"), f.head_name.clone().unwrap_or_else(|| f.address.clone()));
    Ok(ViewPage {
        l: Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs: families_crumbs(lang, &rec.program),
        actions: vec![Link::new(t.t("households.one"), format!("/households/{}", f.household_id))],
        warnings,
        facts: vec![
            (t.t("pkh_fam.status").into(), Cell::text(status_label(lang, f.status))),
            (t.t("pkh_fam.consecutive").into(), Cell::text(f.consecutive.to_string())),
            (t.t("households.kk").into(), Cell::text(masked_kk(f.kk))),
            (
                t.t("households.address").into(),
                Cell::text(format!("{} · {}", f.address, f.region_name.clone().unwrap_or_default())),
            ),
            (t.t("pkh_fam.decile").into(), Cell::text(f.decile.map(|d| d.to_string()).unwrap_or_else(|| "—".into()))),
            (t.t("pkh_fam.facilitator").into(), Cell::text(f.facilitator_name.clone().unwrap_or_else(|| "—".into()))),
            (t.t("pkh_fam.enrolled_on").into(), Cell::text(iso(f.enrolled_on))),
            (t.t("pkh_fam.per_stage").into(), Cell::text(stages.collect::<Vec<_>>().join(" · "))),
        ],
        sections,
    })
}

/// Whole rupiah with thousands dots: `Rp 1.500.000`.
pub(crate) fn rupiah(n: i64) -> String {
    let grouped = berdaya_domain::agriculture::aid::thousands(n);
    format!("{}Rp {}", if n < 0 { "-" } else { "" }, grouped.trim_start_matches('-'))
}

async fn family_page(
    Cx { state, lang, auth }: Cx,
    IdsPath(id, fid): IdsPath,
    UriQuery(q): UriQuery<OnParams>,
) -> Result<Response, Error> {
    let rec = readable_family(&state, &auth, id, fid).await.map_err(|e| e.page(lang))?;
    let on = parse_on(&q.on).map_err(|e| e.page(lang))?;
    Ok(render(&family_view(&state, &auth, lang, rec, on, None).await.map_err(|e| e.page(lang))?))
}

fn fact_draft_from(form: &FormData) -> FactDraft {
    FactDraft {
        person_id: form.get("person_id"),
        kind: form.get("kind"),
        level: form.opt("level"),
        school_name: form.opt("school_name"),
        starts_on: form.get("starts_on"),
        expected_on: form.opt("expected_on"),
        ends_on: form.opt("ends_on"),
        note: form.opt("note"),
    }
}

async fn add_fact_page(
    Cx { state, lang, auth }: Cx,
    IdsPath(id, fid): IdsPath,
    form: FormData,
) -> Result<Response, Error> {
    let rec = readable_family(&state, &auth, id, fid).await.map_err(|e| e.page(lang))?;
    if !verifies(&auth, &rec) {
        return Err(crate::access::guard::forbidden().page(lang));
    }
    let draft = fact_draft_from(&form);
    match add_fact(&state, &auth, &rec, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/programs/{id}/pkh/families/{fid}#facts")).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let today = time::OffsetDateTime::now_utc().date();
            let mut view = family_view(&state, &auth, lang, rec, today, Some(draft)).await.map_err(|e| e.page(lang))?;
            let mut status = err.status();
            if let Some(f) = view.sections.iter_mut().find(|s| s.id == "new-fact").and_then(|s| s.form.as_mut()) {
                status = f.show_error(lang.tr(), &err);
            }
            Ok(render_with(status, &view))
        }
    }
}

/// Re-renders the family page with `err` on the form `form_id`.
async fn with_error(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    rec: FamilyRec,
    form_id: &str,
    err: Error,
) -> Result<Response, Error> {
    if err.status().is_server_error() {
        return Err(err.page(lang));
    }
    let today = time::OffsetDateTime::now_utc().date();
    let mut view = family_view(state, auth, lang, rec, today, None).await.map_err(|e| e.page(lang))?;
    let mut status = err.status();
    match view.sections.iter_mut().find(|s| s.id == form_id).and_then(|s| s.form.as_mut()) {
        Some(f) => status = f.show_error(lang.tr(), &err),
        None => view.warnings.push(err.text(lang)),
    }
    Ok(render_with(status, &view))
}

async fn end_fact_page(
    Cx { state, lang, auth }: Cx,
    IdsPath(id, fid): IdsPath,
    form: FormData,
) -> Result<Response, Error> {
    let rec = readable_family(&state, &auth, id, fid).await.map_err(|e| e.page(lang))?;
    if !verifies(&auth, &rec) {
        return Err(crate::access::guard::forbidden().page(lang));
    }
    let result = async {
        let fact_id = text::id(&form.get("fact_id")).map_err(|e| Error::unprocessable("fact_id", e))?;
        let ends_on = text::date(&form.get("ends_on")).map_err(|e| Error::unprocessable("ends_on", e))?;
        let fact =
            state.store().pkh_fact(fact_id).await.map_err(|_| missing_reference("fact_id", "PKH fact", fact_id))?;
        if fact.family_id != fid {
            return Err(missing_reference("fact_id", "PKH fact", fact_id));
        }
        state.store().end_pkh_fact(fact_id, ends_on, fact.version).await.map_err(Error::from)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/programs/{id}/pkh/families/{fid}#facts")).into_response()),
        Err(err) => with_error(&state, &auth, lang, rec, "end-fact", err).await,
    }
}

async fn facilitator_page(
    Cx { state, lang, auth }: Cx,
    IdsPath(id, fid): IdsPath,
    form: FormData,
) -> Result<Response, Error> {
    let rec = readable_family(&state, &auth, id, fid).await.map_err(|e| e.page(lang))?;
    if !manages(&auth, &rec.program) {
        return Err(crate::access::guard::forbidden().page(lang));
    }
    let version = form.version().unwrap_or(rec.family.version);
    let result = async {
        let chosen = match form.get("facilitator_id").trim() {
            "" => return Err(Error::unprocessable("facilitator_id", "choose a facilitator, or none")),
            "none" => None,
            raw => {
                let u = text::id(raw).map_err(|e| Error::unprocessable("facilitator_id", e))?;
                facilitator_ref(&state, &auth, u).await?;
                Some(u)
            }
        };
        state.store().set_pkh_facilitator(fid, chosen, version).await.map_err(Error::from)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/programs/{id}/pkh/families/{fid}")).into_response()),
        Err(err) => with_error(&state, &auth, lang, rec, "facilitator", err).await,
    }
}

/// The OpenAPI paths and schemas of PKH families, merged into the document in `openapi.rs`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_enroll, api_show, api_add_fact),
    components(schemas(FamilyDto, FactDto, FamilyDetailDto, FamilyDraft, FactDraft))
)]
pub struct PkhFamilyApi;
