//! Programs over HTTP: search, view (enrollments, paginated, and the enroll form), create,
//! edit, and the enrollment of households, individuals and groups.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use axum::{Json, Router};
use berdaya_domain::registry::{
    Enrollment, EnrollmentDraft, EnrollmentStatus, Id, NewProgram, Program, ProgramDraft, SubjectKind, text,
};
use berdaya_store::{Page, PageRequest, ProgramSummary, Query, SubjectEnrollment};
use serde::Serialize;
use utoipa::ToSchema;

use super::enrollments::{EnrollmentChangeDto, HISTORY_ON_PAGE, Shown, history_section};
use super::{PageDto, PageParams, created, iso};
use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody, ListParams};
use crate::html::{Cell, Field, Form, Link, Pager, Section, Table, ViewPage, date_or_dash, vocabulary};
use crate::i18n::Lang;
use crate::kit::{self, ApiDoc, Column, Filter, Mode, Resource, link_if, refs, section_done, view_shell};

pub fn router() -> Router<AppState> {
    kit::router::<Programs>()
        .route("/api/v1/programs/{id}/enrollments", axum::routing::get(enrollments).post(enroll))
        .route("/programs/{id}/enrollments", enroll_route(EnrollFrom::Program))
        .route("/api/v1/programs/{id}/history", axum::routing::get(history))
        .route("/programs/{id}/history", axum::routing::get(history_page))
}

/// Whether the role may create programs (for its own agency, a program officer).
fn creates_programs(auth: &Auth) -> bool {
    matches!(auth.role(), berdaya_domain::access::Role::Administrator | berdaya_domain::access::Role::ProgramOfficer)
}

/// A program.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramDto {
    pub id: i64,
    pub name: String,
    pub agency_id: i64,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub description: Option<String>,
    pub target_regions: Vec<String>,
    pub version: i64,
}

impl From<Program> for ProgramDto {
    fn from(p: Program) -> Self {
        ProgramDto {
            id: p.id,
            name: p.name,
            agency_id: p.agency_id,
            starts_on: iso(p.starts_on),
            ends_on: p.ends_on.map(iso),
            description: p.description,
            target_regions: p.target_regions.iter().map(|r| r.to_string()).collect(),
            version: p.version,
        }
    }
}

/// A program in a listing, with its agency and enrollment count.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramSummaryDto {
    #[serde(flatten)]
    pub program: ProgramDto,
    pub agency_name: String,
    pub enrolled: u32,
}

impl From<ProgramSummary> for ProgramSummaryDto {
    fn from(s: ProgramSummary) -> Self {
        ProgramSummaryDto { program: s.program.into(), agency_name: s.agency_name, enrolled: s.enrolled }
    }
}

/// An enrollment of a household, an individual or a group in a program.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentDto {
    pub id: i64,
    pub program_id: i64,
    /// `household`, `person` or `group`.
    pub subject_kind: String,
    pub subject_id: i64,
    /// The subject's name (a household shows its address).
    pub subject_label: String,
    /// `candidate`, `enrolled`, `suspended`, `exited`, `graduated` or `terminated`.
    pub status: String,
    pub enrolled_on: String,
    pub ended_on: Option<String>,
    pub version: i64,
}

impl From<Enrollment> for EnrollmentDto {
    fn from(e: Enrollment) -> Self {
        EnrollmentDto {
            id: e.id,
            program_id: e.program_id,
            subject_kind: e.subject.kind.code().into(),
            subject_id: e.subject.id,
            subject_label: e.subject_label,
            status: e.status.code().into(),
            enrolled_on: iso(e.enrolled_on),
            ended_on: e.ended_on.map(iso),
            version: e.version,
        }
    }
}

/// An enrollment seen from its subject, with the program's name.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectEnrollmentDto {
    #[serde(flatten)]
    pub enrollment: EnrollmentDto,
    pub program_name: String,
}

impl From<SubjectEnrollment> for SubjectEnrollmentDto {
    fn from(s: SubjectEnrollment) -> Self {
        SubjectEnrollmentDto { enrollment: s.enrollment.into(), program_name: s.program_name }
    }
}

/// Programs as a kit resource: their listing, view, forms and `/api/v1/programs` routes.
pub struct Programs;

impl Resource for Programs {
    type Record = Program;
    type Row = ProgramSummary;
    type Draft = ProgramDraft;
    type Dto = ProgramDto;
    type RowDto = ProgramSummaryDto;

    const NAME: &'static str = "programs";
    const ONE: &'static str = "program";
    const COLUMNS: &'static [Column] = &[
        Column::sorted("programs.name", "name"),
        Column::sorted("programs.agency", "agency"),
        Column::sorted("programs.starts_on", "starts_on"),
        Column::sorted("programs.ends_on", "ends_on"),
        Column::sorted("programs.enrolled", "enrolled"),
    ];
    /// By agency (`?agency_id=7`, as the agency page links); no select box.
    const FILTERS: &'static [Filter] =
        &[Filter { key: "agency_id", label: "programs.agency", choices: |_| Vec::new() }];
    const NUMBERS: &'static [&'static str] = &["agency_id"];
    const DOC: ApiDoc = ApiDoc {
        stem: "Program",
        row: "ProgramSummaryDto",
        noun: "program",
        list: "Programs in the caller's area whose name contains `q`.",
        create: "Adds a program; its agency and every target region must exist.",
    };

    fn may_list(auth: &Auth) -> bool {
        auth.principal().reads_programs()
    }
    fn may_create(auth: &Auth) -> bool {
        creates_programs(auth)
    }
    fn may_edit(auth: &Auth, p: &Program) -> bool {
        auth.principal().manages_program(p.agency_id)
    }
    /// Narrowed to the principal's area: the store keeps the programs one of whose target
    /// regions overlaps it, and counts only the enrollments there.
    fn scope(auth: &Auth, mut query: Query) -> Option<Query> {
        query.region = auth.principal().narrow(query.region.as_ref()).ok()?;
        Some(query)
    }

    async fn search(state: &AppState, query: &Query) -> Result<Page<ProgramSummary>, Error> {
        Ok(state.store().search_programs(query).await?)
    }
    async fn read(state: &AppState, auth: &Auth, id: &Id) -> Result<Program, Error> {
        readable_program(state, auth, *id).await
    }
    async fn dto(_state: &AppState, p: Program, _fresh: bool) -> Result<ProgramDto, Error> {
        Ok(p.into())
    }
    async fn check(state: &AppState, auth: &Auth, new: &NewProgram, _old: Option<&Program>) -> Result<(), Error> {
        check_manageable(state, auth, new.agency_id, &new.target_regions).await
    }
    async fn create(state: &AppState, new: &NewProgram) -> Result<Program, Error> {
        Ok(state.store().create_program(new).await?)
    }
    async fn update(state: &AppState, id: &Id, new: &NewProgram, version: i64) -> Result<Program, Error> {
        Ok(state.store().update_program(*id, new, version).await?)
    }

    fn cells(_lang: Lang, auth: &Auth, s: ProgramSummary) -> Vec<Cell> {
        // The store keeps programs in the area; a link asks the same rule the page asks.
        let opens = auth.principal().reads_programs() && auth.program_in_area(&s.program);
        vec![
            link_if(opens, s.program.name, format!("/programs/{}", s.program.id)),
            link_if(opens, s.agency_name, format!("/agencies/{}", s.program.agency_id)),
            Cell::text(iso(s.program.starts_on)),
            Cell::text(date_or_dash(s.program.ends_on)),
            Cell::text(s.enrolled.to_string()),
        ]
    }
    async fn view(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        p: Program,
        params: &ListParams,
    ) -> Result<ViewPage, Error> {
        view(state, auth, lang, p, params.page, None).await
    }

    fn draft_of(p: &Program) -> ProgramDraft {
        ProgramDraft::from(p)
    }
    fn draft_from(form: &FormData) -> ProgramDraft {
        ProgramDraft {
            name: form.get("name"),
            agency_id: form.get("agency_id"),
            starts_on: form.get("starts_on"),
            ends_on: form.opt("ends_on"),
            description: form.opt("description"),
            target_regions: form.get("target_regions"),
        }
    }
    fn draft_new(params: &ListParams) -> ProgramDraft {
        ProgramDraft { agency_id: params.other.get("agency").cloned().unwrap_or_default(), ..Default::default() }
    }
    async fn fields(
        state: &AppState,
        auth: &Auth,
        lang: Lang,
        d: &ProgramDraft,
        _mode: Mode<'_, Id>,
    ) -> Result<Vec<Field>, Error> {
        let t = lang.tr();
        let targets = t.t("programs.target_regions");
        Ok(vec![
            Field::text("name", t.t("programs.name"), &d.name).required(),
            refs::agency_field(state, auth, "agency_id", t.t("programs.agency"), &d.agency_id).await.required(),
            Field::date("starts_on", t.t("programs.starts_on"), &d.starts_on).required(),
            Field::date("ends_on", t.t("programs.ends_on"), d.ends_on.clone().unwrap_or_default()),
            refs::regions_field(state, auth, "target_regions", targets, &d.target_regions)
                .await
                .hint(t.t("programs.target_regions_hint")),
            Field::textarea("description", t.t("programs.description"), d.description.clone().unwrap_or_default()),
        ])
    }
}

/// A program the principal may see; out of the area reads as missing.
pub(crate) async fn readable_program(state: &AppState, auth: &Auth, id: Id) -> Result<Program, Error> {
    auth.require(auth.principal().reads_programs())?;
    let p = state.store().program(id).await?;
    if auth.program_in_area(&p) { Ok(p) } else { Err(hidden("program")) }
}

/// A program (new or changed) must belong to an agency the principal manages and target
/// only regions in their area.
/// Both are references, resolved through the caller's scope: an agency or region outside it
/// reads as a missing one.
async fn check_manageable(
    state: &AppState,
    auth: &Auth,
    agency_id: Id,
    regions: &[berdaya_domain::registry::RegionCode],
) -> Result<(), Error> {
    auth.agency_ref(state.store(), "agency_id", agency_id).await?;
    if !auth.principal().manages_program(agency_id) {
        return Err(Error::unprocessable("agency_id", "you may manage only the programs of your own agency"));
    }
    for r in regions {
        auth.region_ref(state.store(), "target_regions", r).await?;
    }
    Ok(())
}

/// The program's enrollments, a page at a time.
#[utoipa::path(get, path = "/api/v1/programs/{id}/enrollments", tag = "programs",
    params(("id" = i64, Path, description = "Program id"), PageParams),
    responses((status = 200, body = PageDto<EnrollmentDto>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn enrollments(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    params: ListParams,
) -> Result<Json<PageDto<EnrollmentDto>>, Error> {
    params.only(&[])?;
    let page = match managed_scope(&state, &auth, id, params.page).await? {
        (_, Some(q)) => state.store().program_enrollments(id, &q).await?,
        (_, None) => berdaya_store::Page::new(Vec::new(), params.page, 0),
    };
    Ok(Json(PageDto::from_page(page, EnrollmentDto::from)))
}

/// The query of a program's enrollments or their history for the principal: those who
/// manage the program, narrowed to their area and scope exactly as the enrollments table;
/// `None` when the scope holds nothing.
async fn managed_scope(
    state: &AppState,
    auth: &Auth,
    id: Id,
    page: PageRequest,
) -> Result<(Program, Option<Query>), Error> {
    let p = readable_program(state, auth, id).await?;
    auth.require(auth.principal().manages_program(p.agency_id))?;
    Ok((p, auth.scope(Query { page, ..Query::default() })))
}

/// The status changes of the program's enrollments, newest first, a page at a time;
/// limited to the caller's area and scope as the enrollments are.
#[utoipa::path(get, path = "/api/v1/programs/{id}/history", tag = "programs",
    params(("id" = i64, Path, description = "Program id"), PageParams),
    responses((status = 200, body = PageDto<EnrollmentChangeDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    params: ListParams,
) -> Result<Json<PageDto<EnrollmentChangeDto>>, Error> {
    params.only(&[])?;
    let page = match managed_scope(&state, &auth, id, params.page).await? {
        (_, Some(q)) => state.store().program_history(id, &q).await?,
        (_, None) => berdaya_store::Page::new(Vec::new(), params.page, 0),
    };
    Ok(Json(PageDto::from_page(page, EnrollmentChangeDto::from)))
}

/// The page of a program's status history, with a pager.
async fn history_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    let (p, scoped) = managed_scope(&state, &auth, id, params.page).await.map_err(|e| e.page(lang))?;
    let page = match scoped {
        Some(q) => state.store().program_history(id, &q).await.map_err(|e| Error::from(e).page(lang))?,
        None => berdaya_store::Page::new(Vec::new(), params.page, 0),
    };
    let pager = Pager::new(t, &page, |n| format!("/programs/{id}/history?page={n}"));
    let mut section = history_section(lang, &auth, Shown::Program, page, None);
    section.pager = Some(pager);
    let heading = format!("{} — {}", p.name, t.t("enrollments.history"));
    let mut breadcrumbs = super::crumbs(lang, "nav.programs", "/programs");
    breadcrumbs.push(crate::html::Link::new(p.name.clone(), format!("/programs/{id}")));
    let page = ViewPage {
        l: crate::html::Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs,
        actions: Vec::new(),
        warnings: Vec::new(),
        facts: Vec::new(),
        sections: vec![section],
    };
    Ok(crate::html::render(&page))
}

/// Enrolls a household, an individual or a group; each at most once per program.
#[utoipa::path(post, path = "/api/v1/programs/{id}/enrollments", tag = "programs", params(("id" = i64, Path, description = "Program id")),
    request_body = crate::openapi::EnrollmentInput,
    responses((status = 201, body = EnrollmentDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let draft: EnrollmentDraft = body.draft(&["subject_id"])?;
    let new = draft.parse()?;
    check_enroll(&state, &auth, id, &new).await?;
    let enrollment = state.store().enroll(id, &new).await?;
    Ok(created(EnrollmentDto::from(enrollment)))
}

/// Enrolling needs a program the principal manages and a subject they may change; a subject
/// out of scope is answered as a missing one.
async fn check_enroll(
    state: &AppState,
    auth: &Auth,
    program_id: Id,
    new: &berdaya_domain::registry::NewEnrollment,
) -> Result<(), Error> {
    let p = readable_program(state, auth, program_id).await?;
    auth.require(auth.principal().manages_program(p.agency_id))?;
    let store = state.store();
    let id = new.subject.id;
    let result = match new.subject.kind {
        SubjectKind::Household => auth.editable_household(store, id).await.map(|_| ()),
        SubjectKind::Person => auth.editable_person(store, id).await.map(|_| ()),
        SubjectKind::Group => auth.editable_group(store, id).await.map(|_| ()),
    };
    match result {
        Err(e) if e.status() == axum::http::StatusCode::NOT_FOUND => {
            Err(Error::unprocessable("subject_id", format!("{} {id} does not exist", new.subject.kind.code())))
        }
        other => other,
    }
}

// Enrollment forms, shared with the household, person and group pages ------------------------

/// What an enroll form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct EnrollInput {
    pub program_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub status: String,
    pub enrolled_on: String,
    pub ended_on: String,
}

impl EnrollInput {
    /// A blank form: today, active; the subject fixed when enrolling from its page.
    pub fn blank(subject_kind: &str, subject_id: Id) -> EnrollInput {
        EnrollInput {
            subject_kind: subject_kind.into(),
            subject_id: if subject_id > 0 { subject_id.to_string() } else { String::new() },
            status: EnrollmentStatus::Enrolled.code().into(),
            enrolled_on: iso(time::OffsetDateTime::now_utc().date()),
            ..Default::default()
        }
    }

    /// Reads a submitted form; `subject` fixes the subject (the page it was sent from).
    pub fn from_form(form: &FormData, subject: Option<(&str, Id)>) -> EnrollInput {
        let (subject_kind, subject_id) = match subject {
            Some((kind, id)) => (kind.to_string(), id.to_string()),
            None => (form.get("subject_kind"), form.get("subject_id")),
        };
        EnrollInput {
            program_id: form.get("program_id"),
            subject_kind,
            subject_id,
            status: form.get("status"),
            enrolled_on: form.get("enrolled_on"),
            ended_on: form.get("ended_on"),
        }
    }

    /// Validates and stores the enrollment in `program` (or the chosen `program_id`).
    pub async fn submit(&self, state: &AppState, auth: &Auth, program: Option<Id>) -> Result<Enrollment, Error> {
        let program_id = match program {
            Some(id) => Some(id),
            None => match text::id(&self.program_id) {
                Ok(id) => Some(id),
                Err(m) => return Err(Error::unprocessable("program_id", m)),
            },
        };
        let draft = EnrollmentDraft {
            subject_kind: self.subject_kind.clone(),
            subject_id: self.subject_id.clone(),
            status: self.status.clone(),
            enrolled_on: self.enrolled_on.clone(),
            ended_on: Some(self.ended_on.clone()).filter(|s| !s.trim().is_empty()),
        };
        let new = draft.parse()?;
        let program_id = program_id.unwrap_or_default();
        check_enroll(state, auth, program_id, &new).await?;
        Ok(state.store().enroll(program_id, &new).await?)
    }
}

/// The enroll form: with `programs` it asks which program (the subject is fixed), without
/// it which subject (the program is fixed).
pub async fn enroll_form(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    action: &str,
    input: &EnrollInput,
    programs: Option<Vec<(String, String)>>,
) -> Form {
    let t = lang.tr();
    let mut fields = Vec::new();
    match programs {
        Some(choices) => {
            fields.push(
                Field::select(
                    "program_id",
                    t.t("enrollments.program"),
                    &input.program_id,
                    choices,
                    Some(t.t("common.choose")),
                )
                .required(),
            );
        }
        None => {
            let kinds = vocabulary(SubjectKind::ALL, SubjectKind::code, SubjectKind::label, lang);
            fields.push(
                Field::select("subject_kind", t.t("enrollments.subject_kind"), &input.subject_kind, kinds, None)
                    .required(),
            );
            // The picker searches the kind the select names.
            let kind = SubjectKind::parse(&input.subject_kind).unwrap_or(SubjectKind::Household).code();
            let label = t.t("enrollments.subject");
            fields.push(
                refs::record_field(state, auth, kind, "subject_id", label, &input.subject_id)
                    .await
                    .kind_from("subject_kind")
                    .required(),
            );
        }
    }
    let statuses = vocabulary(EnrollmentStatus::ALL, EnrollmentStatus::code, EnrollmentStatus::label, lang);
    fields.push(Field::select("status", t.t("enrollments.status"), &input.status, statuses, None));
    fields.push(Field::date("enrolled_on", t.t("enrollments.enrolled_on"), &input.enrolled_on).required());
    fields.push(Field::date("ended_on", t.t("enrollments.ended_on"), &input.ended_on));
    Form::new("enroll", action, t.t("enrollments.submit"), fields)
}

/// The address of a subject's page.
pub fn subject_href(kind: SubjectKind, id: Id) -> String {
    match kind {
        SubjectKind::Household => format!("/households/{id}"),
        SubjectKind::Person => format!("/people/{id}"),
        SubjectKind::Group => format!("/groups/{id}"),
    }
}

/// An enrollment's status, translated, linking to the enrollment's page (its history and,
/// for those who may, the form that changes it) for roles that open personal records; the
/// tables that show it list only enrollments whose subject the principal may open.
fn status_cell(lang: Lang, auth: &Auth, e: &Enrollment) -> Cell {
    let opens = auth.reads_people() && auth.principal().reads_programs();
    link_if(opens, e.status.label(lang.code()), format!("/enrollments/{}", e.id))
}

/// The enrollments section of a household's, person's or group's page.
pub fn enrollments_section(lang: Lang, auth: &Auth, list: Vec<SubjectEnrollment>) -> Section {
    Section {
        id: "enrollments".into(),
        title: lang.tr().t("enrollments.title").into(),
        table: Some(enrollments_table(lang, auth, list)),
        ..Default::default()
    }
}

/// A subject's enrollments: program, status, dates.
pub fn enrollments_table(lang: Lang, auth: &Auth, list: Vec<SubjectEnrollment>) -> Table {
    let t = lang.tr();
    Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("enrollments.program").into(),
            t.t("enrollments.status").into(),
            t.t("enrollments.enrolled_on").into(),
            t.t("enrollments.ended_on").into(),
        ],
        rows: list
            .into_iter()
            .map(|s| {
                let e = s.enrollment;
                vec![
                    link_if(auth.principal().reads_programs(), s.program_name, format!("/programs/{}", e.program_id)),
                    status_cell(lang, auth, &e),
                    Cell::text(iso(e.enrolled_on)),
                    Cell::text(date_or_dash(e.ended_on)),
                ]
            })
            .collect(),
        empty: t.t("enrollments.none").into(),
    }
}

// Pages ------------------------------------------------------------------------------------

/// The program page: its enrollments (a page at a time) and, for those who manage it, the
/// enroll form; `enroll` replaces the blank form (to show its errors).
async fn view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    p: Program,
    page: PageRequest,
    enroll: Option<EnrollInput>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let id = p.id;
    let manages = Programs::may_edit(auth, &p);
    let agency = store.agency(p.agency_id).await.ok();
    // Who is enrolled is personal: only for those who manage the program.
    let scoped = auth.scope(Query { page, ..Query::default() }).filter(|_| manages);
    let enrolled = match &scoped {
        Some(q) => store.program_enrollments(id, q).await?,
        None => berdaya_store::Page::new(Vec::new(), page, 0),
    };
    let pager = Pager::new(t, &enrolled, |n| format!("/programs/{id}?page={n}#enrollments"));
    let table = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("enrollments.subject_kind").into(),
            t.t("enrollments.subject").into(),
            t.t("enrollments.status").into(),
            t.t("enrollments.enrolled_on").into(),
            t.t("enrollments.ended_on").into(),
        ],
        rows: enrolled
            .items
            .into_iter()
            .map(|e| {
                vec![
                    Cell::text(e.subject.kind.label(lang.code())),
                    Cell::link(e.subject_label.clone(), subject_href(e.subject.kind, e.subject.id)),
                    status_cell(lang, auth, &e),
                    Cell::text(iso(e.enrolled_on)),
                    Cell::text(date_or_dash(e.ended_on)),
                ]
            })
            .collect(),
        empty: t.t("enrollments.none").into(),
    };
    let history = match &scoped {
        Some(q) => {
            let q = Query { page: PageRequest::new(1, HISTORY_ON_PAGE), ..q.clone() };
            let more = Link::new(t.t("enrollments.history_more"), format!("/programs/{id}/history"));
            Some(history_section(lang, auth, Shown::Program, store.program_history(id, &q).await?, Some(more)))
        }
        None => None,
    };
    let input = enroll.unwrap_or_else(|| EnrollInput::blank("household", 0));
    // Target regions by name (`Kabupaten Blora (33.16)`); one outside the reader's area keeps
    // its bare code.
    let mut names = Vec::with_capacity(p.target_regions.len());
    for r in &p.target_regions {
        let shown = crate::kit::refs::region_name(state, auth, r.as_str()).await;
        names.push(shown.unwrap_or_else(|| r.to_string()));
    }
    let regions = if names.is_empty() { "—".to_string() } else { names.join(", ") };
    let machinery = crate::agriculture::machines::program_section(state, lang, &p).await?;
    let community = crate::kotaku::panel::program_section(state, auth, lang, &p).await?;
    let mut shell = view_shell::<Programs>(lang, auth, &p, p.name.clone());
    shell.actions.push(crate::print::pdf_link(lang, crate::print::program_href(id)));
    let enroll_form = if manages {
        Some(enroll_form(state, auth, lang, &format!("/programs/{id}/enrollments"), &input, None).await)
    } else {
        None
    };
    Ok(ViewPage {
        facts: vec![
            (t.t("programs.name").into(), Cell::text(p.name.clone())),
            (
                t.t("programs.agency").into(),
                Cell::link(
                    agency.map(|a| a.name).unwrap_or_else(|| p.agency_id.to_string()),
                    format!("/agencies/{}", p.agency_id),
                ),
            ),
            (t.t("programs.starts_on").into(), Cell::text(iso(p.starts_on))),
            (t.t("programs.ends_on").into(), Cell::text(date_or_dash(p.ends_on))),
            (t.t("programs.target_regions").into(), Cell::text(regions)),
            (t.t("programs.description").into(), Cell::text(p.description.clone().unwrap_or_else(|| "—".into()))),
            (t.t("common.version").into(), Cell::text(p.version.to_string())),
        ],
        sections: vec![Section {
            id: "enrollments".into(),
            title: t.t("enrollments.title").into(),
            table: Some(table),
            pager: Some(pager),
            links: crate::activity::program_links(lang, id),
            ..Default::default()
        }]
        .into_iter()
        .chain(history)
        .chain(std::iter::once(crate::agriculture::aid::program_section(lang, id)))
        .chain(crate::agriculture::program_section(lang, id))
        .chain(std::iter::once(crate::pkh::program_section(lang, id)))
        .chain(enroll_section(lang, "enrollments.enroll", enroll_form))
        .chain(machinery)
        .chain(community)
        .collect(),
        ..shell
    })
}

/// Where an enroll form is sent from: a program's page (the subject is chosen) or a
/// household's page (the program is chosen).
#[derive(Debug, Clone, Copy)]
pub enum EnrollFrom {
    Program,
    Household,
}

/// The route of an enroll form sent from `from`'s page: to that page's enrollments when it
/// succeeds, else the page again with each error in its form.
pub fn enroll_route(from: EnrollFrom) -> MethodRouter<AppState> {
    post(move |Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData| async move {
        enroll_page(from, state, lang, auth, id, form).await
    })
}

async fn enroll_page(
    from: EnrollFrom,
    state: AppState,
    lang: Lang,
    auth: Auth,
    id: Id,
    form: FormData,
) -> Result<Response, Error> {
    let (subject, program, done) = match from {
        EnrollFrom::Program => (None, Some(id), format!("/programs/{id}#enrollments")),
        EnrollFrom::Household => {
            // A household out of scope is a 404 before anything is read from the form.
            auth.readable_household(state.store(), id).await.map_err(|e| e.page(lang))?;
            (Some(("household", id)), None, format!("/households/{id}#enrollments"))
        }
    };
    let input = EnrollInput::from_form(&form, subject);
    let result = input.submit(&state, &auth, program).await;
    let page = || async {
        let input = Some(input.clone());
        match from {
            EnrollFrom::Program => {
                let p = readable_program(&state, &auth, id).await?;
                view(&state, &auth, lang, p, PageRequest::default(), input).await
            }
            EnrollFrom::Household => {
                let record = auth.readable_household(state.store(), id).await?;
                super::households::view(&state, &auth, lang, record, input).await
            }
        }
    };
    section_done(lang, result, done, "enroll", page).await
}

/// The section holding an enroll form, titled by `title` (a translation key).
pub fn enroll_section(lang: Lang, title: &str, form: Option<Form>) -> Option<Section> {
    form.map(|form| Section {
        id: "enroll".into(),
        title: lang.tr().t(title).into(),
        form: Some(form),
        ..Default::default()
    })
}
