//! PKH grievances and appeals over HTTP: a program's list (filters status and overdue), a
//! form to record one (the family chosen by its household: head's name and address), a
//! grievance's page with its decision form, the edit form while it is open, the API twins,
//! and the section of a family's page listing its grievances ([`family_panel`]).
//!
//! Access: reading needs a role that reads the registry (not evaluators), the program in the
//! caller's area and the family's household readable by the caller (a facilitator: assigned
//! to them); a listing is narrowed the same way before the store counts it. Recording,
//! editing and deciding are for the program officers of the program's agency and
//! administrators. Upholding an appeal about status reinstates the family (the store does
//! it in the decision's transaction).

use axum::extract::{Query as UriQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::Role;
use berdaya_domain::pkh::grievance::{
    Category, Channel, DecisionDraft, Grievance, GrievanceDraft, GrievanceKind, GrievanceStatus,
};
use berdaya_domain::registry::{Id, Program, text};
use berdaya_store::PageRequest;
use berdaya_store::pkh::grievance::GrievanceRow;
use berdaya_store::registry::Query;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::access::guard::{Auth, forbidden, hidden, missing_reference};
use crate::activity::attachments::Owner;
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody};
use crate::html::{
    Cell, Field, Form, FormPage, Layout, Link, Pager, Section, Table, ViewPage, render, render_with, vocabulary,
};
use crate::i18n::Lang;
use crate::registry::crumbs;
use crate::registry::programs::readable_program;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/programs/{id}/pkh/grievances", get(list_api).post(create_api))
        .route("/api/v1/pkh/grievances/{id}", get(show_api).put(update_api))
        .route("/api/v1/pkh/grievances/{id}/decision", post(decide_api))
        .route("/programs/{id}/pkh/grievances", get(list_page).post(create_page))
        .route("/pkh/grievances/{id}", get(view_page))
        .route("/pkh/grievances/{id}/edit", get(edit_page).post(edit_post))
        .route("/pkh/grievances/{id}/decide", post(decide_page))
}

/// The OpenAPI paths and schemas of PKH grievances.
#[derive(OpenApi)]
#[openapi(
    paths(list_api, create_api, show_api, update_api, decide_api),
    components(schemas(GrievanceDto, GrievanceInput, GrievanceUpdate, DecisionInput)),
    tags((name = "pkh", description = "PKH, the conditional cash transfer"))
)]
pub struct PkhGrievanceApi;

fn today() -> time::Date {
    crate::agriculture::machines::today()
}

/// A grievance or appeal about a PKH family.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrievanceDto {
    pub id: i64,
    pub program_id: i64,
    pub family_id: i64,
    pub household_id: i64,
    /// `complaint` or `appeal`.
    pub kind: String,
    /// `pendamping`, `sms`, `office`, `hotline`, `online`.
    pub channel: String,
    /// `status`, `payment`, `data`, `facilitator`, `other`.
    pub category: String,
    pub description: String,
    pub period_id: Option<i64>,
    /// The appealed period, `YYYY-Q`.
    pub period: Option<String>,
    pub received_on: String,
    pub deadline: String,
    /// `received`, `in_review`, `upheld`, `rejected`, `closed`.
    pub status: String,
    /// Open past its deadline today.
    pub overdue: bool,
    pub decision_reason: Option<String>,
    pub decided_on: Option<String>,
    /// Whether the decision reinstated the family.
    pub reinstated: bool,
    /// The family's status now.
    pub family_status: String,
    pub version: i64,
}

impl From<&GrievanceRow> for GrievanceDto {
    fn from(r: &GrievanceRow) -> Self {
        let g = &r.grievance;
        GrievanceDto {
            id: g.id,
            program_id: r.program_id,
            family_id: g.family_id,
            household_id: r.household_id,
            kind: g.kind.code().into(),
            channel: g.channel.code().into(),
            category: g.category.code().into(),
            description: g.description.clone(),
            period_id: g.period_id,
            period: r.period.clone(),
            received_on: g.received_on.to_string(),
            deadline: g.deadline.to_string(),
            status: g.status.code().into(),
            overdue: g.overdue(today()),
            decision_reason: g.decision_reason.clone(),
            decided_on: g.decided_on.map(|d| d.to_string()),
            reinstated: g.reinstated,
            family_status: r.family_status.code().into(),
            version: g.version,
        }
    }
}

/// A new grievance.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct GrievanceInput {
    /// The PKH family (a number or its text).
    family_id: i64,
    kind: String,
    channel: String,
    category: String,
    description: String,
    /// The verification period an appeal contests.
    period_id: Option<i64>,
    /// `YYYY-MM-DD`, not in the future.
    received_on: String,
    /// `YYYY-MM-DD`; default 14 days after `received_on`.
    deadline: Option<String>,
}

/// A changed grievance (while open), with the version read.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct GrievanceUpdate {
    family_id: i64,
    kind: String,
    channel: String,
    category: String,
    description: String,
    period_id: Option<i64>,
    received_on: String,
    deadline: Option<String>,
    version: i64,
}

/// Taking a grievance into review (`in_review`) or deciding it (`upheld`, `rejected`,
/// `closed`, with a reason).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct DecisionInput {
    status: String,
    reason: Option<String>,
    /// `YYYY-MM-DD`; default today.
    decided_on: Option<String>,
    version: i64,
}

/// The filters of a program's grievances.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct GrievanceParams {
    /// `received`, `in_review`, `upheld`, `rejected`, `closed`, or `open`.
    pub status: Option<String>,
    /// `true`: only open grievances past their deadline.
    pub overdue: Option<String>,
    /// `complaint` or `appeal`.
    pub kind: Option<String>,
    pub family_id: Option<String>,
    pub page: Option<String>,
    /// A household to pre-fill the new-grievance form with (pages).
    #[param(ignore)]
    pub household: Option<String>,
}

// --- Access -----------------------------------------------------------------------------------

fn may_read(auth: &Auth) -> bool {
    auth.principal().reads_registry() && auth.role() != Role::Evaluator
}

fn manages(auth: &Auth, program: &Program) -> bool {
    auth.principal().manages_program(program.agency_id)
}

/// A grievance the caller may read, with its program; out of scope reads as missing.
pub(crate) async fn readable(state: &AppState, auth: &Auth, id: Id) -> Result<(GrievanceRow, Program), Error> {
    auth.require(may_read(auth))?;
    let row = state.store().pkh_grievance(id).await?;
    let program = readable_program(state, auth, row.program_id).await.map_err(|_| hidden("grievance"))?;
    auth.readable_household(state.store(), row.household_id).await.map_err(|_| hidden("grievance"))?;
    Ok((row, program))
}

pub(crate) async fn writable(state: &AppState, auth: &Auth, id: Id) -> Result<(GrievanceRow, Program), Error> {
    let (row, program) = readable(state, auth, id).await?;
    auth.require(manages(auth, &program))?;
    Ok((row, program))
}

/// A program the caller reads grievances of.
async fn program_for(state: &AppState, auth: &Auth, id: Id) -> Result<Program, Error> {
    auth.require(may_read(auth))?;
    readable_program(state, auth, id).await
}

/// Checks a draft's family (of `program`, household readable) and returns the parsed grievance.
async fn parse_draft(
    state: &AppState,
    auth: &Auth,
    program: &Program,
    draft: &GrievanceDraft,
) -> Result<berdaya_domain::pkh::grievance::NewGrievance, Error> {
    let new = draft.parse(today())?;
    let family = state.store().pkh_family_ref(new.family_id).await.ok().filter(|f| f.program_id == program.id);
    let Some(family) = family else {
        return Err(missing_reference("family_id", "PKH family", new.family_id));
    };
    if auth.readable_household(state.store(), family.household_id).await.is_err() {
        return Err(missing_reference("family_id", "PKH family", new.family_id));
    }
    Ok(new)
}

/// The listing's query, narrowed to the caller's scope; `None` when it can see nothing.
fn query_of(auth: &Auth, p: &GrievanceParams) -> Result<Option<Query>, Error> {
    let mut q = Query::default();
    let page = match p.page.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| Error::bad_request("page", "must be a page number from 1"))?,
        None => 1,
    };
    q.page = PageRequest { page, per_page: 50 };
    if let Some(s) = p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        GrievanceStatus::parse(s).map_err(|m| Error::bad_request("status", m))?;
        q.filters.push(("status".into(), s.to_string()));
    }
    if let Some(k) = p.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        GrievanceKind::parse(k).map_err(|m| Error::bad_request("kind", m))?;
        q.filters.push(("kind".into(), k.to_string()));
    }
    if let Some(f) = p.family_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        text::id(f).map_err(|m| Error::bad_request("family_id", m))?;
        q.filters.push(("family_id".into(), f.to_string()));
    }
    match p.overdue.as_deref().map(str::trim) {
        None | Some("") | Some("false") => {}
        Some("true") => q.filters.push(("overdue_on".into(), today().to_string())),
        Some(_) => return Err(Error::bad_request("overdue", "must be true or false")),
    }
    Ok(auth.scope(q))
}

// --- API --------------------------------------------------------------------------------------

/// A program's grievances and appeals, newest first (50 a page), narrowed to the caller's
/// area and assignments.
#[utoipa::path(get, path = "/api/v1/programs/{id}/pkh/grievances", tag = "pkh",
    params(("id" = i64, Path, description = "Program id"), GrievanceParams),
    responses((status = 200, body = [GrievanceDto]), (status = 404, body = ErrorBody)))]
pub async fn list_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    UriQuery(p): UriQuery<GrievanceParams>,
) -> Result<Json<Vec<GrievanceDto>>, Error> {
    program_for(&state, &auth, id).await?;
    let Some(q) = query_of(&auth, &p)? else { return Ok(Json(Vec::new())) };
    let page = state.store().pkh_grievances(id, &q).await?;
    Ok(Json(page.items.iter().map(GrievanceDto::from).collect()))
}

/// Records a grievance or appeal about a family of the program (program officers of its
/// agency, administrators). The family must be the program's and readable by the caller.
#[utoipa::path(post, path = "/api/v1/programs/{id}/pkh/grievances", tag = "pkh", request_body = GrievanceInput,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 201, body = GrievanceDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let program = program_for(&state, &auth, id).await?;
    auth.require(manages(&auth, &program))?;
    let draft: GrievanceDraft = body.draft(&["family_id", "period_id"])?;
    let new = parse_draft(&state, &auth, &program, &draft).await?;
    let g = state.store().create_pkh_grievance(&new).await?;
    let row = state.store().pkh_grievance(g.id).await?;
    Ok((StatusCode::CREATED, Json(GrievanceDto::from(&row))).into_response())
}

/// One grievance.
#[utoipa::path(get, path = "/api/v1/pkh/grievances/{id}", tag = "pkh",
    params(("id" = i64, Path, description = "Grievance id")),
    responses((status = 200, body = GrievanceDto), (status = 404, body = ErrorBody)))]
pub async fn show_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<GrievanceDto>, Error> {
    let (row, _) = readable(&state, &auth, id).await?;
    Ok(Json(GrievanceDto::from(&row)))
}

/// Changes an open grievance; `version` must be the one read, else 409.
#[utoipa::path(put, path = "/api/v1/pkh/grievances/{id}", tag = "pkh", request_body = GrievanceUpdate,
    params(("id" = i64, Path, description = "Grievance id")),
    responses((status = 200, body = GrievanceDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<GrievanceDto>, Error> {
    let (_, program) = writable(&state, &auth, id).await?;
    let version = body.version()?;
    let draft: GrievanceDraft = body.draft(&["family_id", "period_id"])?;
    let new = parse_draft(&state, &auth, &program, &draft).await?;
    state.store().update_pkh_grievance(id, &new, version).await?;
    Ok(Json(GrievanceDto::from(&state.store().pkh_grievance(id).await?)))
}

/// Takes a grievance into review or decides it (a reason is required). Upholding an appeal
/// about status reinstates the family: active, no non-compliant periods counted, and a
/// `reinstated` event with the reason.
#[utoipa::path(post, path = "/api/v1/pkh/grievances/{id}/decision", tag = "pkh", request_body = DecisionInput,
    params(("id" = i64, Path, description = "Grievance id")),
    responses((status = 200, body = GrievanceDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<GrievanceDto>, Error> {
    writable(&state, &auth, id).await?;
    let version = body.version()?;
    let draft: DecisionDraft = body.decode()?;
    let decision = draft.parse(today())?;
    state.store().decide_pkh_grievance(id, &decision, version).await?;
    Ok(Json(GrievanceDto::from(&state.store().pkh_grievance(id).await?)))
}

// --- Pages ------------------------------------------------------------------------------------

fn view(lang: Lang, title: String, program: &Program, sections: Vec<Section>) -> ViewPage {
    let t = lang.tr();
    let mut breadcrumbs = crumbs(lang, "nav.programs", "/programs");
    breadcrumbs.push(Link::new(program.name.clone(), format!("/programs/{}", program.id)));
    breadcrumbs.push(Link::new(t.t("pkh.grievances"), format!("/programs/{}/pkh/grievances", program.id)));
    ViewPage {
        l: Layout::new(lang, title.clone(), "programs"),
        heading: title,
        breadcrumbs,
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: Vec::new(),
        sections,
    }
}

fn family_name(r: &GrievanceRow) -> String {
    match &r.head_name {
        Some(n) => format!("{n} — {}", r.address),
        None => r.address.clone(),
    }
}

fn status_text(lang: Lang, g: &Grievance) -> String {
    let t = lang.tr();
    let mut s = g.status.label(lang.code()).to_string();
    if g.overdue(today()) {
        s = format!("{s} ({})", t.t("pkh_grv.overdue"));
    }
    s
}

fn grievance_table(lang: Lang, rows: &[GrievanceRow], with_family: bool) -> Table {
    let t = lang.tr();
    let mut headers = vec![t.t("pkh_grv.received_on").to_string()];
    if with_family {
        headers.push(t.t("pkh_grv.family").into());
    }
    headers.extend([
        t.t("pkh_grv.kind").to_string(),
        t.t("pkh_grv.category").into(),
        t.t("pkh_grv.status").into(),
        t.t("pkh_grv.deadline").into(),
        t.t("pkh_grv.decision").into(),
    ]);
    Table {
        sorts: Vec::new(),
        headers,
        rows: rows
            .iter()
            .map(|r| {
                let g = &r.grievance;
                let mut row = vec![Cell::link(g.received_on.to_string(), format!("/pkh/grievances/{}", g.id))];
                if with_family {
                    row.push(Cell::text(family_name(r)));
                }
                row.extend([
                    Cell::text(g.kind.label(lang.code())),
                    Cell::text(g.category.label(lang.code())),
                    Cell::text(status_text(lang, g)),
                    Cell::text(g.deadline.to_string()),
                    Cell::text(g.decision_reason.clone().unwrap_or_default()),
                ]);
                row
            })
            .collect(),
        empty: t.t("pkh_grv.none").into(),
    }
}

/// The form's fields of a grievance: the family by its household (picker).
async fn grievance_fields(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    d: &GrievanceDraft,
    household: &str,
) -> Vec<Field> {
    let t = lang.tr();
    let picker =
        crate::kit::refs::record_field(state, auth, "household", "household_id", t.t("pkh_grv.family"), household)
            .await;
    vec![
        picker.required().hint(t.t("pkh_grv.family_hint")),
        Field::select(
            "kind",
            t.t("pkh_grv.kind"),
            &d.kind,
            vocabulary(GrievanceKind::ALL, GrievanceKind::code, GrievanceKind::label, lang),
            Some(t.t("common.choose")),
        )
        .required(),
        Field::select(
            "channel",
            t.t("pkh_grv.channel"),
            &d.channel,
            vocabulary(Channel::ALL, Channel::code, Channel::label, lang),
            Some(t.t("common.choose")),
        )
        .required(),
        Field::select(
            "category",
            t.t("pkh_grv.category"),
            &d.category,
            vocabulary(Category::ALL, Category::code, Category::label, lang),
            Some(t.t("common.choose")),
        )
        .required(),
        Field::textarea("description", t.t("pkh_grv.description"), d.description.clone()).required(),
        Field::text("period", t.t("pkh_grv.period"), d.period_id.clone().unwrap_or_default())
            .hint(t.t("pkh_grv.period_hint")),
        Field::date("received_on", t.t("pkh_grv.received_on"), d.received_on.clone()).required(),
        Field::date("deadline", t.t("pkh_grv.deadline"), d.deadline.clone().unwrap_or_default())
            .hint(t.t("pkh_grv.deadline_hint")),
    ]
}

/// A draft from a form: the household chosen names the program's family, the period is
/// written `YYYY-Q` (resolved to the program's period). Errors name `household_id`/`period`.
async fn draft_from(
    state: &AppState,
    auth: &Auth,
    program: &Program,
    form: &FormData,
) -> Result<GrievanceDraft, Error> {
    let mut d = GrievanceDraft {
        family_id: String::new(),
        kind: form.get("kind"),
        channel: form.get("channel"),
        category: form.get("category"),
        description: form.get("description"),
        period_id: None,
        received_on: form.get("received_on"),
        deadline: form.opt("deadline"),
    };
    let household = form.get("household_id");
    let hid = text::id(&household).map_err(|m| Error::unprocessable("household_id", m))?;
    if auth.readable_household(state.store(), hid).await.is_err() {
        return Err(missing_reference("household_id", "household", hid));
    }
    match state.store().pkh_family_of_household(program.id, hid).await? {
        Some(f) => d.family_id = f.family_id.to_string(),
        None => {
            return Err(Error::unprocessable("household_id", "the household is not a PKH family of this program"));
        }
    }
    if let Some(p) = form.opt("period") {
        let period = berdaya_domain::pkh::Period::parse(&p).map_err(|m| Error::unprocessable("period", m))?;
        match state.store().pkh_period_id(program.id, &period.to_string()).await? {
            Some(id) => d.period_id = Some(id.to_string()),
            None => {
                return Err(Error::unprocessable("period", format!("the program has no verification period {period}")));
            }
        }
    }
    Ok(d)
}

fn form_draft(form: &FormData) -> GrievanceDraft {
    GrievanceDraft {
        family_id: String::new(),
        kind: form.get("kind"),
        channel: form.get("channel"),
        category: form.get("category"),
        description: form.get("description"),
        period_id: form.opt("period"),
        received_on: form.get("received_on"),
        deadline: form.opt("deadline"),
    }
}

async fn list_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    program: &Program,
    p: &GrievanceParams,
    sent: Option<(&GrievanceDraft, &str)>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let query = if may_read(auth) { query_of(auth, p)? } else { None };
    let page = match &query {
        Some(q) => state.store().pkh_grievances(program.id, q).await?,
        None => berdaya_store::Page::new(Vec::new(), PageRequest { page: 1, per_page: 50 }, 0),
    };
    let base = format!("/programs/{}/pkh/grievances", program.id);
    let status = p.status.clone().unwrap_or_default();
    let overdue = p.overdue.as_deref() == Some("true");
    let pager_href = |n: u32| {
        let mut h = format!("{base}?page={n}");
        if !status.is_empty() {
            h.push_str(&format!("&status={}", crate::html::enc(&status)));
        }
        if overdue {
            h.push_str("&overdue=true");
        }
        h
    };
    let pager = Pager::new(t, &page, pager_href);
    let mut filter_links = vec![
        Link::new(t.t("pkh_grv.all"), base.clone()),
        Link::new(t.t("pkh_grv.overdue_only"), format!("{base}?overdue=true")),
    ];
    for s in GrievanceStatus::ALL {
        filter_links.push(Link::new(s.label(lang.code()), format!("{base}?status={}", s.code())));
    }
    let mut sections = vec![Section {
        id: "grievances".into(),
        title: t.t("pkh.grievances").into(),
        table: Some(grievance_table(lang, &page.items, true)),
        pager: Some(pager),
        links: filter_links,
        ..Default::default()
    }];
    if manages(auth, program) {
        let blank = GrievanceDraft { received_on: today().to_string(), ..Default::default() };
        let (d, household) = match sent {
            Some((d, h)) => (d.clone(), h.to_string()),
            None => (blank, p.household.clone().unwrap_or_default()),
        };
        let fields = grievance_fields(state, auth, lang, &d, &household).await;
        sections.push(Section {
            id: "new".into(),
            title: t.t("pkh_grv.new").into(),
            form: Some(Form::new("grievance", base.clone(), t.t("pkh_grv.record"), fields)),
            ..Default::default()
        });
    }
    let title = format!("{} — {}", t.t("pkh.grievances"), program.name);
    let mut v = view(lang, title, program, sections);
    v.breadcrumbs.pop();
    if !may_read(auth) {
        v.warnings.push(t.t("pkh_grv.no_access").into());
    }
    Ok(v)
}

async fn list_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    UriQuery(p): UriQuery<GrievanceParams>,
) -> Result<Response, Error> {
    // Whoever reads the program reaches the page (the program page links it); only those
    // who may read families see rows.
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(render(&list_view(&state, &auth, lang, &program, &p, None).await.map_err(|e| e.page(lang))?))
}

async fn create_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let program = program_for(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !manages(&auth, &program) {
        return Err(forbidden().page(lang));
    }
    let result = async {
        let draft = draft_from(&state, &auth, &program, &form).await?;
        let new = parse_draft(&state, &auth, &program, &draft).await?;
        Ok::<_, Error>(state.store().create_pkh_grievance(&new).await?)
    }
    .await;
    match result {
        Ok(g) => Ok(Redirect::to(&format!("/pkh/grievances/{}", g.id)).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let sent = form_draft(&form);
            let household = form.get("household_id");
            let mut v =
                list_view(&state, &auth, lang, &program, &GrievanceParams::default(), Some((&sent, &household)))
                    .await
                    .map_err(|e| e.page(lang))?;
            let mut status = err.status();
            if let Some(f) = v.sections.iter_mut().find(|s| s.id == "new").and_then(|s| s.form.as_mut()) {
                status = f.show_error(lang.tr(), &rename_family(err));
            }
            Ok(render_with(status, &v))
        }
    }
}

/// A form names the family by its household: an error on `family_id` goes beside that field.
fn rename_family(err: Error) -> Error {
    if err.fields().iter().any(|f| f.field == "family_id") {
        let fields = err
            .fields()
            .iter()
            .map(|f| {
                let field = if f.field == "family_id" { "household_id" } else { f.field.as_str() };
                berdaya_domain::registry::FieldError::new(field, f.message.clone())
            })
            .collect();
        berdaya_domain::registry::Invalid(fields).into()
    } else {
        err
    }
}

fn decide_form(lang: Lang, g: &Grievance, d: &DecisionDraft) -> Form {
    let t = lang.tr();
    let choices: Vec<(String, String)> =
        [GrievanceStatus::InReview, GrievanceStatus::Upheld, GrievanceStatus::Rejected, GrievanceStatus::Closed]
            .iter()
            .filter(|s| !(g.status == GrievanceStatus::InReview && **s == GrievanceStatus::InReview))
            .map(|s| (s.code().to_string(), s.label(lang.code()).to_string()))
            .collect();
    let mut reason_hint = t.t("pkh_grv.reason_hint").to_string();
    if g.reinstates() {
        reason_hint = format!("{reason_hint} {}", t.t("pkh_grv.reinstate_hint"));
    }
    Form::new(
        "decision",
        format!("/pkh/grievances/{}/decide", g.id),
        t.t("pkh_grv.decide"),
        vec![
            Field::select("status", t.t("pkh_grv.status"), &d.status, choices, Some(t.t("common.choose"))).required(),
            Field::textarea("reason", t.t("pkh_grv.reason"), d.reason.clone().unwrap_or_default()).hint(&reason_hint),
            Field::date("decided_on", t.t("pkh_grv.decided_on"), d.decided_on.clone().unwrap_or_default()),
        ],
    )
    .hidden("version", g.version.to_string())
}

async fn grievance_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
    sent: Option<&DecisionDraft>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let (row, program) = readable(state, auth, id).await?;
    let g = &row.grievance;
    let mut sections = Vec::new();
    if manages(auth, &program) && g.status.is_open() {
        let d = sent.cloned().unwrap_or_default();
        sections.push(Section {
            id: "decide".into(),
            title: t.t("pkh_grv.decide").into(),
            form: Some(decide_form(lang, g, &d)),
            links: vec![Link::new(t.t("pkh_grv.edit"), format!("/pkh/grievances/{id}/edit"))],
            ..Default::default()
        });
    }
    let title = format!("{} — {}", g.kind.label(lang.code()), family_name(&row));
    let mut v = view(lang, title, &program, sections);
    let fact = |k: &str, v: String| (t.t(k).to_string(), Cell::text(v));
    v.facts = vec![
        fact("pkh_grv.family", family_name(&row)),
        fact("pkh_grv.family_status", row.family_status.label(lang.code()).into()),
        fact("pkh_grv.kind", g.kind.label(lang.code()).into()),
        fact("pkh_grv.channel", g.channel.label(lang.code()).into()),
        fact("pkh_grv.category", g.category.label(lang.code()).into()),
        fact("pkh_grv.description", g.description.clone()),
        fact("pkh_grv.period", row.period.clone().unwrap_or_else(|| "—".into())),
        fact("pkh_grv.received_on", g.received_on.to_string()),
        fact("pkh_grv.deadline", g.deadline.to_string()),
        fact("pkh_grv.status", status_text(lang, g)),
    ];
    if let Some(reason) = &g.decision_reason {
        v.facts.push(fact("pkh_grv.reason", reason.clone()));
    }
    if let Some(on) = g.decided_on {
        let by = row.decided_by_name.clone().unwrap_or_default();
        v.facts.push(fact("pkh_grv.decided_on", format!("{on} {by}").trim().to_string()));
    }
    if g.reinstated {
        v.facts.push(fact("pkh_grv.reinstated", t.t("pkh_grv.reinstated_yes").into()));
    }
    if g.overdue(today()) {
        v.warnings.push(t.t("pkh_grv.overdue_warning").into());
    }
    let mut evidence =
        crate::activity::attachments::section_of(state, lang, Owner::Grievance(id), manages(auth, &program)).await?;
    evidence.title = t.t("pkh_grv.evidence").into();
    v.sections.push(evidence);
    Ok(v)
}

/// A grievance's title and the breadcrumbs up to its page (the evidence upload page).
pub(crate) async fn evidence_crumbs(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
) -> Result<(String, Vec<Link>), Error> {
    let (row, program) = readable(state, auth, id).await?;
    let title = format!("{} — {}", row.grievance.kind.label(lang.code()), family_name(&row));
    let mut crumbs = view(lang, String::new(), &program, Vec::new()).breadcrumbs;
    crumbs.push(Link::new(title.clone(), format!("/pkh/grievances/{id}")));
    Ok((title, crumbs))
}

async fn view_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    Ok(render(&grievance_view(&state, &auth, lang, id, None).await.map_err(|e| e.page(lang))?))
}

async fn decide_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    writable(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft =
        DecisionDraft { status: form.get("status"), reason: form.opt("reason"), decided_on: form.opt("decided_on") };
    let result = async {
        let decision = draft.parse(today())?;
        let version = form.version().ok_or_else(|| Error::bad_request("version", "is required"))?;
        Ok::<_, Error>(state.store().decide_pkh_grievance(id, &decision, version).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/pkh/grievances/{id}")).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let mut v = grievance_view(&state, &auth, lang, id, Some(&draft)).await.map_err(|e| e.page(lang))?;
            let status = match v.sections.iter_mut().find(|s| s.id == "decide").and_then(|s| s.form.as_mut()) {
                Some(f) => f.show_error(lang.tr(), &err),
                None => return Err(err.page(lang)),
            };
            Ok(render_with(status, &v))
        }
    }
}

async fn edit_form_page(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    row: &GrievanceRow,
    d: &GrievanceDraft,
    household: &str,
    version: i64,
) -> FormPage {
    let t = lang.tr();
    let fields = grievance_fields(state, auth, lang, d, household).await;
    let form =
        Form::new("grievance", format!("/pkh/grievances/{}/edit", row.grievance.id), t.t("pkh_grv.save"), fields)
            .hidden("version", version.to_string());
    let title = t.t("pkh_grv.edit").to_string();
    let mut breadcrumbs = crumbs(lang, "nav.programs", "/programs");
    breadcrumbs.push(Link::new(t.t("pkh.grievances"), format!("/programs/{}/pkh/grievances", row.program_id)));
    breadcrumbs.push(Link::new(row.grievance.received_on.to_string(), format!("/pkh/grievances/{}", row.grievance.id)));
    FormPage { l: Layout::new(lang, title.clone(), "programs"), heading: title, breadcrumbs, form }
}

async fn edit_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (row, _) = writable(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let mut d = GrievanceDraft::from(&row.grievance);
    d.period_id = row.period.clone();
    let page =
        edit_form_page(&state, &auth, lang, &row, &d, &row.household_id.to_string(), row.grievance.version).await;
    Ok(render(&page))
}

async fn edit_post(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let (row, program) = writable(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let result = async {
        let draft = draft_from(&state, &auth, &program, &form).await?;
        let new = parse_draft(&state, &auth, &program, &draft).await?;
        let version = form.version().ok_or_else(|| Error::bad_request("version", "is required"))?;
        Ok::<_, Error>(state.store().update_pkh_grievance(id, &new, version).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/pkh/grievances/{id}")).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let version = form.version().unwrap_or(row.grievance.version);
            let mut page =
                edit_form_page(&state, &auth, lang, &row, &form_draft(&form), &form.get("household_id"), version).await;
            let status = page.form.show_error(lang.tr(), &rename_family(err));
            Ok(render_with(status, &page))
        }
    }
}

/// This part's section of a PKH family's page and of the household page's PKH panel: the
/// family's grievances and appeals, newest first, each linking to its page.
pub async fn family_panel(
    state: &AppState,
    lang: crate::i18n::Lang,
    family_id: berdaya_domain::registry::Id,
) -> Result<Option<crate::html::Section>, crate::error::Error> {
    let t = lang.tr();
    let rows = state.store().family_pkh_grievances(family_id).await?;
    let family = match state.store().pkh_family_ref(family_id).await {
        Ok(f) => f,
        Err(berdaya_store::StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(Some(Section {
        id: "grievances".into(),
        title: t.t("pkh.grievances").into(),
        table: Some(grievance_table(lang, &rows, false)),
        links: vec![Link::new(
            t.t("pkh_grv.new"),
            format!("/programs/{}/pkh/grievances?household={}#new", family.program_id, family.household_id),
        )],
        ..Default::default()
    }))
}
