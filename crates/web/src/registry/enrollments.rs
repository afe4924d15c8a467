//! Enrollments over HTTP: one enrollment's page and JSON, its status changes (the life
//! cycle of [`EnrollmentStatus`]) and the status history tables the household, person,
//! group and program pages show.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::RecordAccess;
use berdaya_domain::registry::{
    Enrollment, EnrollmentStatus, Id, Program, StatusChangeDraft, StatusNow, Subject, SubjectKind, Version,
};
use berdaya_store::{EnrollmentEvent, Page, PageRequest, StoreError};
use serde::Serialize;
use time::{Date, OffsetDateTime, UtcOffset};
use utoipa::ToSchema;

use super::programs::{EnrollmentDto, readable_program, subject_href};
use super::{crumbs, iso};
use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody};
use crate::html::{Cell, Field, Form, Layout, Link, Section, Table, ViewPage, date_or_dash, render};
use crate::i18n::Lang;
use crate::kit::{link_if, section_done};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/enrollments/{id}", get(show))
        .route("/api/v1/enrollments/{id}/history", get(history))
        .route("/api/v1/enrollments/{id}/status", post(change_status))
        .route("/enrollments/{id}", get(page))
        .route("/enrollments/{id}/status", post(change_status_page))
}

/// How many changes a household, person, group or program page shows; the rest are on
/// each enrollment's page (and, for a program, its history pages).
pub const HISTORY_ON_PAGE: u32 = 10;

/// Today's date as the calendar reads in the east of Indonesia (WIT, UTC+9): the latest
/// date it is anywhere in the country, so a decision taken this morning in Papua is not
/// "in the future" while UTC is still on yesterday.
fn today() -> Date {
    let wit = UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::now_utc().to_offset(wit).date()
}

// Access -------------------------------------------------------------------------------------

/// An enrollment as a principal may see it: with its program and how much of its subject
/// they may see.
pub struct Readable {
    pub enrollment: Enrollment,
    pub program: Program,
    pub access: RecordAccess,
}

impl Readable {
    /// Whether the principal may change the status: they manage the program and may change
    /// the subject (it lies in their area and they see it in full).
    pub fn may_change(&self, auth: &Auth) -> bool {
        auth.principal().manages_program(self.program.agency_id)
            && auth.principal().edits_registry()
            && self.access == RecordAccess::Full
    }
}

/// An enrollment the principal may read: its program in their area and its subject one
/// they may open by name. Anything else is answered exactly as a missing enrollment; roles
/// that read no personal records (viewers, evaluators) get a 403.
pub async fn readable_enrollment(state: &AppState, auth: &Auth, id: Id) -> Result<Readable, Error> {
    auth.require(auth.reads_people())?;
    let enrollment = state.store().enrollment(id).await?;
    let program = readable_program(state, auth, enrollment.program_id).await.map_err(as_missing)?;
    let access = subject_access(state, auth, enrollment.subject).await.map_err(as_missing)?;
    if access == RecordAccess::Deidentified {
        return Err(hidden("enrollment"));
    }
    Ok(Readable { enrollment, program, access })
}

/// A subject's program or record out of reach is the enrollment out of reach.
fn as_missing(e: Error) -> Error {
    if e.status() == StatusCode::NOT_FOUND { hidden("enrollment") } else { e }
}

/// How much of an enrollment's subject the principal may see (out of scope: not found).
async fn subject_access(state: &AppState, auth: &Auth, subject: Subject) -> Result<RecordAccess, Error> {
    let store = state.store();
    Ok(match subject.kind {
        SubjectKind::Household => auth.readable_household(store, subject.id).await?.1,
        SubjectKind::Person => auth.readable_person(store, subject.id).await?.1,
        SubjectKind::Group => auth.readable_group(store, subject.id).await?.1,
    })
}

/// Changes an enrollment's status for the principal: the enrollment must be readable
/// (404), theirs to change (403), still at `version` (409), and the change valid against
/// where it stands (422 naming the field). The decider is the principal, never the body.
async fn apply_change(
    state: &AppState,
    auth: &Auth,
    id: Id,
    draft: &StatusChangeDraft,
    version: Option<Version>,
) -> Result<Enrollment, Error> {
    let r = readable_enrollment(state, auth, id).await?;
    auth.require(r.may_change(auth))?;
    let e = r.enrollment;
    let version = version.ok_or_else(|| Error::unprocessable("version", "is required"))?;
    if version != e.version {
        return Err(StoreError::Conflict { entity: "enrollment", expected: version, actual: e.version }.into());
    }
    let history = state.store().enrollment_history(id).await?;
    let since = history.first().map(|x| x.change.on).unwrap_or(e.enrolled_on);
    let change = draft.parse(StatusNow { status: e.status, since, today: today() })?;
    Ok(state.store().change_enrollment_status(id, &change, version).await?)
}

// API ----------------------------------------------------------------------------------------

/// One change of an enrollment's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentChangeDto {
    pub id: i64,
    pub enrollment_id: i64,
    pub program_id: i64,
    pub program_name: String,
    /// `household`, `person` or `group`.
    pub subject_kind: String,
    pub subject_id: i64,
    pub subject_label: String,
    /// The status before; `null` for the first row, written when the enrollment was made.
    pub from_status: Option<String>,
    /// `candidate`, `enrolled`, `suspended`, `exited`, `graduated` or `terminated`.
    pub to_status: String,
    /// The day the decision took effect.
    pub on: String,
    pub reason: Option<String>,
    /// The deciding user's id; `null` for the system (the demo loader, a migration).
    pub decided_by: Option<i64>,
    /// The deciding user's username when the change was recorded.
    pub decided_by_name: String,
    /// When it was recorded, RFC 3339 in UTC.
    pub recorded_at: String,
}

impl From<EnrollmentEvent> for EnrollmentChangeDto {
    fn from(x: EnrollmentEvent) -> Self {
        let c = x.change;
        EnrollmentChangeDto {
            id: c.id,
            enrollment_id: c.enrollment_id,
            program_id: x.program_id,
            program_name: x.program_name,
            subject_kind: x.subject.kind.code().into(),
            subject_id: x.subject.id,
            subject_label: x.subject_label,
            from_status: c.from.map(|s| s.code().into()),
            to_status: c.to.code().into(),
            on: iso(c.on),
            reason: c.reason,
            decided_by: c.decided_by,
            decided_by_name: c.decided_by_name,
            recorded_at: stamp(c.recorded_at),
        }
    }
}

/// A recorded time as RFC 3339.
fn stamp(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// One enrollment.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}", tag = "enrollments",
    params(("id" = i64, Path, description = "Enrollment id")),
    responses((status = 200, body = EnrollmentDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<EnrollmentDto>, Error> {
    Ok(Json(readable_enrollment(&state, &auth, id).await?.enrollment.into()))
}

/// The enrollment's status history, newest first.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}/history", tag = "enrollments",
    params(("id" = i64, Path, description = "Enrollment id")),
    responses((status = 200, body = Vec<EnrollmentChangeDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<EnrollmentChangeDto>>, Error> {
    readable_enrollment(&state, &auth, id).await?;
    let changes = state.store().enrollment_history(id).await?;
    Ok(Json(changes.into_iter().map(Into::into).collect()))
}

/// Moves the enrollment to another status, as the caller decides. `status` must be one
/// the current status allows (see the transition table of `EnrollmentStatus`); `on` a date
/// neither in the future nor before the latest change; `reason` is required for
/// `suspended`, `exited` and `terminated`; `version` the one read, else 409. The caller
/// must manage the program and may change the subject.
#[utoipa::path(post, path = "/api/v1/enrollments/{id}/status", tag = "enrollments",
    params(("id" = i64, Path, description = "Enrollment id")),
    request_body = crate::openapi::StatusChangeInput,
    responses((status = 200, body = EnrollmentDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_status(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<EnrollmentDto>, Error> {
    let draft: StatusChangeDraft = body.decode()?;
    let version = body.version()?;
    Ok(Json(apply_change(&state, &auth, id, &draft, Some(version)).await?.into()))
}

// Pages --------------------------------------------------------------------------------------

async fn page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let r = readable_enrollment(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(render(&view(&state, &auth, lang, r, None).await.map_err(|e| e.page(lang))?))
}

async fn change_status_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    form: FormData,
) -> Result<Response, Error> {
    // Out of scope is a 404 page before anything is read from the form.
    readable_enrollment(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let draft = StatusChangeDraft { status: form.get("status"), on: form.get("on"), reason: form.opt("reason") };
    let result = apply_change(&state, &auth, id, &draft, form.version()).await;
    let again = || async {
        let r = readable_enrollment(&state, &auth, id).await?;
        view(&state, &auth, lang, r, Some(draft.clone())).await
    };
    section_done(lang, result, format!("/enrollments/{id}#history"), "status", again).await
}

/// The enrollment page: program, subject, status and dates, the form to change the status
/// (for those who may, while the status is not final) and the history.
async fn view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    r: Readable,
    input: Option<StatusChangeDraft>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let may_change = r.may_change(auth);
    let (e, p) = (r.enrollment, r.program);
    let history = state.store().enrollment_history(e.id).await?;
    let heading = format!("{} — {}", p.name, e.subject_label);
    let mut sections = Vec::new();
    if may_change && !e.status.is_final() {
        sections.push(Section {
            id: "status".into(),
            title: t.t("enrollments.change").into(),
            form: Some(status_form(lang, &e, input)),
            ..Default::default()
        });
    }
    let rows = history.into_iter().map(|x| history_row(lang, auth, x, Shown::Enrollment)).collect();
    sections.push(Section {
        id: "history".into(),
        title: t.t("enrollments.history").into(),
        table: Some(history_table(lang, Shown::Enrollment, rows)),
        ..Default::default()
    });
    let mut breadcrumbs = crumbs(lang, "nav.programs", "/programs");
    breadcrumbs.push(Link::new(p.name.clone(), format!("/programs/{}", p.id)));
    Ok(ViewPage {
        l: Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs,
        actions: Vec::new(),
        warnings: if may_change && e.status.is_final() { vec![t.t("enrollments.final").into()] } else { Vec::new() },
        facts: vec![
            (t.t("enrollments.program").into(), Cell::link(p.name.clone(), format!("/programs/{}", p.id))),
            (t.t("enrollments.subject_kind").into(), Cell::text(e.subject.kind.label(lang.code()))),
            (
                t.t("enrollments.subject").into(),
                Cell::link(e.subject_label.clone(), subject_href(e.subject.kind, e.subject.id)),
            ),
            (t.t("enrollments.status").into(), Cell::text(e.status.label(lang.code()))),
            (t.t("enrollments.enrolled_on").into(), Cell::text(iso(e.enrolled_on))),
            (t.t("enrollments.ended_on").into(), Cell::text(date_or_dash(e.ended_on))),
            (t.t("common.version").into(), Cell::text(e.version.to_string())),
        ],
        sections,
    })
}

/// The status form: only the statuses that may follow the current one, the date (today by
/// default) and the reason; `input` re-shows what was sent.
fn status_form(lang: Lang, e: &Enrollment, input: Option<StatusChangeDraft>) -> Form {
    let t = lang.tr();
    let d = input.unwrap_or_else(|| StatusChangeDraft { on: iso(today()), ..Default::default() });
    let next: Vec<(String, String)> =
        e.status.next().iter().map(|s| (s.code().to_string(), s.label(lang.code()).to_string())).collect();
    let fields = vec![
        Field::select("status", t.t("enrollments.new_status"), &d.status, next, Some(t.t("common.choose"))).required(),
        Field::date("on", t.t("enrollments.on"), &d.on).required(),
        Field::textarea("reason", t.t("enrollments.reason"), d.reason.clone().unwrap_or_default())
            .hint(t.t("enrollments.reason_hint")),
    ];
    Form::new("status", format!("/enrollments/{}/status", e.id), t.t("enrollments.change_submit"), fields)
        .hidden("version", e.version.to_string())
}

// History tables -----------------------------------------------------------------------------

/// Which page a history table is on, which decides the columns that say what a change is
/// about: an enrollment's own page needs neither the program nor the subject, a subject's
/// page the program, a program's page the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Enrollment,
    Subject,
    Program,
}

/// A status as a reader sees it; the first row has no "from".
fn status_label(lang: Lang, s: Option<EnrollmentStatus>) -> String {
    match s {
        Some(s) => s.label(lang.code()).to_string(),
        None => lang.tr().t("enrollments.first").to_string(),
    }
}

fn history_row(lang: Lang, auth: &Auth, x: EnrollmentEvent, shown: Shown) -> Vec<Cell> {
    let c = &x.change;
    let change = format!("{} → {}", status_label(lang, c.from), status_label(lang, Some(c.to)));
    let mut row = vec![Cell::text(iso(c.on))];
    match shown {
        Shown::Enrollment => row.push(Cell::text(change)),
        // The change opens its enrollment's page, where the whole history is.
        Shown::Subject | Shown::Program => {
            row.push(link_if(auth.reads_people(), change, format!("/enrollments/{}", c.enrollment_id)))
        }
    }
    match shown {
        Shown::Enrollment => {}
        Shown::Subject => row.push(Cell::text(x.program_name.clone())),
        Shown::Program => row.push(Cell::link(x.subject_label.clone(), subject_href(x.subject.kind, x.subject.id))),
    }
    row.push(Cell::text(c.reason.clone().unwrap_or_else(|| "—".into())));
    row.push(Cell::text(c.decided_by_name.clone()));
    row.push(Cell::text(recorded(c.recorded_at)));
    row
}

/// A recorded time for people: UTC to the minute.
fn recorded(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.format(&f).unwrap_or_default()
}

fn history_table(lang: Lang, shown: Shown, rows: Vec<Vec<Cell>>) -> Table {
    let t = lang.tr();
    let mut headers = vec![t.t("enrollments.date").to_string(), t.t("enrollments.change_col").to_string()];
    match shown {
        Shown::Enrollment => {}
        Shown::Subject => headers.push(t.t("enrollments.program").into()),
        Shown::Program => headers.push(t.t("enrollments.subject").into()),
    }
    headers.extend(
        ["enrollments.reason", "enrollments.decided_by", "enrollments.recorded_at"].map(|k| t.t(k).to_string()),
    );
    Table { sorts: Vec::new(), headers, rows, empty: t.t("enrollments.history_none").into() }
}

/// The status history section of a household, person, group or program page: the latest
/// changes of `page` (capped at [`HISTORY_ON_PAGE`]), each linking to its enrollment, and
/// `more` (a link to the rest) when there are more.
pub fn history_section(
    lang: Lang,
    auth: &Auth,
    shown: Shown,
    page: Page<EnrollmentEvent>,
    more: Option<Link>,
) -> Section {
    let t = lang.tr();
    let total = page.total;
    let rows: Vec<Vec<Cell>> = page.items.into_iter().map(|x| history_row(lang, auth, x, shown)).collect();
    let links = more.filter(|_| total > rows.len() as u64).into_iter().collect();
    Section {
        id: "history".into(),
        title: t.t("enrollments.history").into(),
        table: Some(history_table(lang, shown, rows)),
        links,
        ..Default::default()
    }
}

/// The latest changes of a subject's enrollments (a person's page passes their household
/// too), for its page.
pub async fn subject_history_section(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    subjects: &[Subject],
) -> Result<Section, Error> {
    let page = state.store().subject_history(subjects, PageRequest::new(1, HISTORY_ON_PAGE)).await?;
    Ok(history_section(lang, auth, Shown::Subject, page, None))
}
