//! PKH verification over HTTP: a program's periods (open one; status and counts), a
//! period's page (its families and how much of each is recorded; closing, with the preview
//! of what the close will do and a confirmation), and per family the entry form of every
//! obligation due in the period (each member's, by the component held on the period's last
//! day, and the family's P2K2), compliant yes/no with a note.
//!
//! Access: periods are read with the program; opened and closed by the program's managers
//! (program officers of its agency, administrators); compliance is recorded by them and by
//! the family's facilitator. A closed period refuses every write.

use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::Role;
use berdaya_domain::pkh::Period;
use berdaya_domain::pkh::verify::{CloseReport, ComplianceEntry, Due, PeriodStatus, PkhPeriod, obligations_due};
use berdaya_domain::registry::{Id, Program, text};
use berdaya_store::pkh::verify::PeriodSummary;
use serde::{Deserialize, Serialize};

use super::families::{FamilyRec, families_crumbs, manages, readable_family, status_label, verifies};
use crate::AppState;
use crate::access::guard::{Auth, forbidden, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, IdsPath, JsonBody, ListParams};
use crate::html::{Cell, Field, Form, Layout, Link, Pager, Section, Table, ViewPage, render, render_with};
use crate::i18n::Lang;
use crate::registry::programs::readable_program;
use crate::registry::{created, iso};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/programs/{id}/pkh/periods", get(api_periods).post(api_open))
        .route("/api/v1/pkh/periods/{id}/compliance", post(api_record))
        .route("/api/v1/pkh/periods/{id}/close", post(api_close))
        .route("/programs/{id}/pkh/periods", get(periods_page).post(open_page))
        .route("/pkh/periods/{id}", get(period_page))
        .route("/pkh/periods/{id}/close", post(close_page))
        .route("/pkh/periods/{id}/families/{fid}", get(entry_page).post(record_page))
}

/// The routes that write, each probed by the scope suite in `pkh_verify.rs`.
pub const PROBED_HERE: &[&str] = &[
    "POST /api/v1/programs/{id}/pkh/periods",
    "POST /api/v1/pkh/periods/{id}/compliance",
    "POST /api/v1/pkh/periods/{id}/close",
    "POST /programs/{id}/pkh/periods",
    "POST /pkh/periods/{id}/close",
    "POST /pkh/periods/{id}/families/{fid}",
];

// --- DTOs ------------------------------------------------------------------------------------

/// A verification period with its counts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodDto {
    pub id: i64,
    pub program_id: i64,
    /// `YYYY-Q`.
    pub period: String,
    /// `open` or `closed`.
    pub status: String,
    pub closed_at: Option<String>,
    pub recorded_families: u64,
    pub records: u64,
    pub results: u64,
    pub compliant: u64,
}

impl From<PeriodSummary> for PeriodDto {
    fn from(s: PeriodSummary) -> Self {
        PeriodDto {
            id: s.period.id,
            program_id: s.period.program_id,
            period: s.period.period.to_string(),
            status: s.period.status.code().into(),
            closed_at: s.period.closed_at.map(|t| t.to_string()),
            recorded_families: s.recorded_families,
            records: s.records,
            results: s.results,
            compliant: s.compliant,
        }
    }
}

/// A period to open: `period` written `YYYY-Q`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OpenInput {
    pub period: String,
}

/// Compliance to record: each entry names the family, the member (`person_id`, none for a
/// family obligation), the obligation code and whether it was met.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RecordInput {
    /// Each: `family_id`, `person_id` (null for a family obligation), `obligation`,
    /// `compliant`, optional `attendance_tenths` (0–1000) and `note`. At most 5000.
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<ComplianceEntry>,
}

/// A close must be confirmed (`confirm: true`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CloseInput {
    #[serde(default)]
    pub confirm: bool,
}

// --- Access ----------------------------------------------------------------------------------

/// A period with its program, readable by the caller.
pub(crate) async fn readable_period(state: &AppState, auth: &Auth, id: Id) -> Result<(PkhPeriod, Program), Error> {
    let p = state.store().pkh_period(id).await?;
    let program = readable_program(state, auth, p.program_id)
        .await
        .map_err(|e| if e.status().is_server_error() { e } else { hidden("PKH period") })?;
    Ok((p, program))
}

/// Checks every family an entry names may be verified by the caller (else a missing
/// reference on `entries[i].family_id`).
async fn check_entries(
    state: &AppState,
    auth: &Auth,
    program: &Program,
    entries: &[ComplianceEntry],
) -> Result<(), Error> {
    let mut seen: Vec<Id> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if seen.contains(&e.family_id) {
            continue;
        }
        let field: &'static str = Box::leak(format!("entries[{i}].family_id").into_boxed_str());
        let rec = readable_family(state, auth, program.id, e.family_id).await.map_err(|err| {
            if err.status().is_server_error() {
                err
            } else {
                crate::access::guard::missing_reference(field, "PKH family", e.family_id)
            }
        })?;
        if !verifies(auth, &rec) {
            return Err(crate::access::guard::missing_reference(field, "PKH family", e.family_id));
        }
        seen.push(e.family_id);
    }
    Ok(())
}

async fn close(
    state: &AppState,
    auth: &Auth,
    p: &PkhPeriod,
    program: &Program,
    confirm: bool,
) -> Result<CloseReport, Error> {
    auth.require(manages(auth, program))?;
    if !confirm {
        return Err(Error::unprocessable("confirm", "confirm the close: it cannot be undone"));
    }
    Ok(state.store().close_pkh_period(p.id, Some(auth.principal().user.id)).await?)
}

// --- API -------------------------------------------------------------------------------------

/// A program's verification periods, newest first, with their counts.
#[utoipa::path(get, path = "/api/v1/programs/{id}/pkh/periods", tag = "pkh",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [PeriodDto]), (status = 404, body = ErrorBody)))]
pub async fn api_periods(Cx { state, auth, .. }: Cx, IdPath(id): IdPath) -> Result<Json<Vec<PeriodDto>>, Error> {
    let program = readable_program(&state, &auth, id).await?;
    Ok(Json(state.store().pkh_periods(program.id).await?.into_iter().map(PeriodDto::from).collect()))
}

/// Opens the next verification period (program managers).
#[utoipa::path(post, path = "/api/v1/programs/{id}/pkh/periods", tag = "pkh", request_body = OpenInput,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 201, description = "`id`, `period`, `status`", body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_open(Cx { state, auth, .. }: Cx, IdPath(id): IdPath, body: JsonBody) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await?;
    auth.require(manages(&auth, &program))?;
    let input: OpenInput = body.decode()?;
    let period = Period::parse(&input.period).map_err(|e| Error::unprocessable("period", e))?;
    let p = state.store().open_pkh_period(program.id, period).await?;
    Ok(created(serde_json::json!({ "id": p.id, "period": p.period.to_string(), "status": p.status.code() })))
}

/// Records (or replaces) compliance in an open period, all or nothing: managers for any
/// family, a facilitator for the families of their area.
#[utoipa::path(post, path = "/api/v1/pkh/periods/{id}/compliance", tag = "pkh", request_body = RecordInput,
    params(("id" = i64, Path, description = "Period id")),
    responses((status = 200, description = "`written`: the records written", body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_record(
    Cx { state, auth, .. }: Cx,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<serde_json::Value>, Error> {
    let (p, program) = readable_period(&state, &auth, id).await?;
    let input: RecordInput = body.decode()?;
    if input.entries.len() > 5000 {
        return Err(Error::unprocessable("entries", "at most 5000 entries at once"));
    }
    check_entries(&state, &auth, &program, &input.entries).await?;
    let written = state.store().record_compliance(p.id, &input.entries).await?;
    Ok(Json(serde_json::json!({ "written": written })))
}

/// Closes a period (program managers; `confirm: true`): runs the sanction ladder for every
/// family and freezes the period. Answers what the close did.
#[utoipa::path(post, path = "/api/v1/pkh/periods/{id}/close", tag = "pkh", request_body = CloseInput,
    params(("id" = i64, Path, description = "Period id")),
    responses((status = 200, description = "families, compliant, missing, to_active, to_warning, to_suspended, to_terminated", body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_close(
    Cx { state, auth, .. }: Cx,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Json<CloseReport>, Error> {
    let (p, program) = readable_period(&state, &auth, id).await?;
    let input: CloseInput = body.decode()?;
    Ok(Json(close(&state, &auth, &p, &program, input.confirm).await?))
}

// --- Pages -----------------------------------------------------------------------------------

pub(crate) fn periods_crumbs(lang: Lang, program: &Program) -> Vec<Link> {
    let mut c = crate::registry::crumbs(lang, "nav.programs", "/programs");
    c.push(Link::new(program.name.clone(), format!("/programs/{}", program.id)));
    c.push(Link::new(lang.tr().t("pkh.periods"), format!("/programs/{}/pkh/periods", program.id)));
    c
}

fn status_of(lang: Lang, s: PeriodStatus) -> String {
    s.label(lang.code()).to_string()
}

async fn periods_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    program: &Program,
    period: Option<String>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let periods = state.store().pkh_periods(program.id).await?;
    let rows = periods
        .iter()
        .map(|s| {
            vec![
                Cell::link(s.period.period.label(lang.code()), format!("/pkh/periods/{}", s.period.id)),
                Cell::text(status_of(lang, s.period.status)),
                Cell::text(s.recorded_families.to_string()),
                Cell::text(s.records.to_string()),
                Cell::text(if s.period.status == PeriodStatus::Closed {
                    format!("{} / {}", s.compliant, s.results)
                } else {
                    "—".into()
                }),
            ]
        })
        .collect();
    let mut sections = vec![Section::table(
        t,
        "periods",
        t.t("pkh.periods"),
        &[
            "pkh_fam.period",
            "pkh_verify.status",
            "pkh_verify.families_recorded",
            "pkh_verify.records",
            "pkh_verify.compliant_of",
        ],
        rows,
        t.t("pkh_verify.no_periods"),
    )];
    if manages(auth, program) {
        let next = periods
            .first()
            .map(|s| s.period.period.next())
            .unwrap_or_else(|| Period::of(time::OffsetDateTime::now_utc().date()));
        sections.push(Section {
            id: "open".into(),
            title: t.t("pkh_verify.open").into(),
            form: Some(Form::new(
                "pkh-open",
                format!("/programs/{}/pkh/periods", program.id),
                t.t("pkh_verify.open"),
                vec![
                    Field::text("period", t.t("pkh_fam.period"), period.unwrap_or_else(|| next.to_string()))
                        .required()
                        .hint(t.t("pkh_verify.period_hint")),
                ],
            )),
            ..Default::default()
        });
    }
    let heading = format!("{} — {}", t.t("pkh.periods"), program.name);
    let mut crumbs = crate::registry::crumbs(lang, "nav.programs", "/programs");
    crumbs.push(Link::new(program.name.clone(), format!("/programs/{}", program.id)));
    Ok(ViewPage {
        l: Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs: crumbs,
        actions: vec![Link::new(t.t("pkh.families"), format!("/programs/{}/pkh/families", program.id))],
        warnings: Vec::new(),
        facts: Vec::new(),
        sections,
    })
}

async fn periods_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(render(&periods_view(&state, &auth, lang, &program, None).await.map_err(|e| e.page(lang))?))
}

async fn open_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let program = readable_program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !manages(&auth, &program) {
        return Err(forbidden().page(lang));
    }
    let raw = form.get("period");
    let result = match Period::parse(&raw) {
        Ok(p) => state.store().open_pkh_period(program.id, p).await.map_err(Error::from),
        Err(e) => Err(Error::unprocessable("period", e)),
    };
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/pkh/periods/{}", p.id)).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let mut view = periods_view(&state, &auth, lang, &program, Some(raw)).await.map_err(|e| e.page(lang))?;
            let mut status = err.status();
            if let Some(f) = view.sections.iter_mut().find(|s| s.id == "open").and_then(|s| s.form.as_mut()) {
                status = f.show_error(lang.tr(), &err);
            }
            Ok(render_with(status, &view))
        }
    }
}

async fn period_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    p: &PkhPeriod,
    program: &Program,
    params: &ListParams,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let store = state.store();
    let query = berdaya_store::Query { text: params.q.clone(), page: params.page, ..Default::default() };
    let page = match auth.scope(query) {
        Some(q) => store.pkh_families(program.id, &q).await?,
        None => berdaya_store::Page::new(Vec::new(), params.page, 0),
    };
    let mut rows = Vec::new();
    for f in &page.items {
        let recorded = store.pkh_compliance(p.id, f.id).await?;
        let not_met = recorded.iter().filter(|c| !c.compliant).count();
        rows.push(vec![
            Cell::link(
                f.head_name.clone().unwrap_or_else(|| f.address.clone()),
                format!("/pkh/periods/{}/families/{}", p.id, f.id),
            ),
            Cell::text(f.address.clone()),
            Cell::text(status_label(lang, f.status)),
            Cell::text(recorded.len().to_string()),
            Cell::text(not_met.to_string()),
        ]);
    }
    let pager = Pager::new(t, &page, |n| format!("/pkh/periods/{}?page={n}", p.id));
    let mut sections = vec![Section {
        id: "families".into(),
        title: t.t("pkh.families").into(),
        table: Some(Table {
            sorts: Vec::new(),
            headers: vec![
                t.t("pkh_fam.head").into(),
                t.t("households.address").into(),
                t.t("pkh_fam.status").into(),
                t.t("pkh_verify.records").into(),
                t.t("pkh_verify.not_met").into(),
            ],
            rows,
            empty: t.t("pkh_fam.none").into(),
        }),
        pager: Some(pager),
        ..Default::default()
    }];
    let mut warnings = Vec::new();
    if p.status == PeriodStatus::Closed {
        warnings.push(t.t("pkh_verify.closed_note").into());
    } else if manages(auth, program) {
        let preview = store.preview_close(p.id).await?;
        warnings.push(
            t.t("pkh_verify.preview")
                .replace("{families}", &preview.families.to_string())
                .replace("{compliant}", &preview.compliant.to_string())
                .replace("{missing}", &preview.missing.to_string())
                .replace("{warning}", &preview.to_warning.to_string())
                .replace("{suspended}", &preview.to_suspended.to_string())
                .replace("{terminated}", &preview.to_terminated.to_string())
                .replace("{active}", &preview.to_active.to_string()),
        );
        sections.push(Section {
            id: "close".into(),
            title: t.t("pkh_verify.close").into(),
            form: Some(Form::new(
                "pkh-close",
                format!("/pkh/periods/{}/close", p.id),
                t.t("pkh_verify.close"),
                vec![Field::checkbox("confirm", t.t("pkh_verify.confirm"), false).required()],
            )),
            ..Default::default()
        });
    }
    let heading = format!("{} — {}", p.period.label(lang.code()), program.name);
    let mut actions = Vec::new();
    if p.status == PeriodStatus::Open && (manages(auth, program) || auth.role() == Role::Facilitator) {
        actions.push(Link::new(t.t("pkh_school.import"), format!("/pkh/periods/{}/school", p.id)));
    }
    Ok(ViewPage {
        l: Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs: periods_crumbs(lang, program),
        actions,
        warnings,
        facts: vec![
            (t.t("pkh_verify.status").into(), Cell::text(status_of(lang, p.status))),
            (t.t("pkh_verify.last_day").into(), Cell::text(iso(p.period.last_day()))),
        ],
        sections,
    })
}

async fn period_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, params: ListParams) -> Result<Response, Error> {
    let (p, program) = readable_period(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(render(&period_view(&state, &auth, lang, &p, &program, &params).await.map_err(|e| e.page(lang))?))
}

async fn close_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let (p, program) = readable_period(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    if !manages(&auth, &program) {
        return Err(forbidden().page(lang));
    }
    match close(&state, &auth, &p, &program, form.checked("confirm")).await {
        Ok(_) => Ok(Redirect::to(&format!("/pkh/periods/{}", p.id)).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let mut view = period_view(&state, &auth, lang, &p, &program, &ListParams::default())
                .await
                .map_err(|e| e.page(lang))?;
            let mut status = err.status();
            match view.sections.iter_mut().find(|s| s.id == "close").and_then(|s| s.form.as_mut()) {
                Some(f) => status = f.show_error(lang.tr(), &err),
                None => view.warnings.push(err.text(lang)),
            }
            Ok(render_with(status, &view))
        }
    }
}

/// The obligations due from the family in the period, with a label each.
async fn due_of(state: &AppState, lang: Lang, rec: &FamilyRec, p: &PkhPeriod) -> Result<Vec<(Due, String)>, Error> {
    let (members, rules) = state.store().pkh_family_members(rec.family.id, p.period.year).await?;
    let on = p.period.last_day();
    let due = obligations_due(&members.members_on(on, &rules), p.period, &rules);
    let people = state.store().household_members(rec.family.household_id).await?;
    Ok(due
        .into_iter()
        .map(|d| {
            let ob = rules.obligations.iter().find(|o| o.code == d.obligation);
            let ob_label = ob
                .map(|o| if lang.code() == "en" { o.label_en.clone() } else { o.label_id.clone() })
                .unwrap_or_else(|| d.obligation.clone());
            let who = match d.person_id {
                Some(id) => people.iter().find(|x| x.id == id).map(|x| x.name.clone()).unwrap_or_default(),
                None => lang.tr().t("pkh_verify.family").to_string(),
            };
            let label = format!("{who} — {ob_label}");
            (d, label)
        })
        .collect())
}

async fn entry_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    p: &PkhPeriod,
    rec: FamilyRec,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let due = due_of(state, lang, &rec, p).await?;
    let recorded = state.store().pkh_compliance(p.id, rec.family.id).await?;
    let yes_no = vec![
        ("yes".to_string(), t.t("pkh_verify.met").to_string()),
        ("no".to_string(), t.t("pkh_verify.missed").to_string()),
    ];
    let mut fields = Vec::new();
    let mut form = Form::new(
        "pkh-entry",
        format!("/pkh/periods/{}/families/{}", p.id, rec.family.id),
        t.t("pkh_verify.save"),
        Vec::new(),
    );
    for (i, (d, label)) in due.iter().enumerate() {
        let current = recorded.iter().find(|c| c.person_id == d.person_id && c.obligation == d.obligation);
        let value = current.map(|c| if c.compliant { "yes" } else { "no" }).unwrap_or("");
        fields
            .push(Field::select(&format!("c{i}"), label, value, yes_no.clone(), Some(t.t("common.choose"))).required());
        fields.push(Field::text(
            &format!("n{i}"),
            t.t("pkh_fam.note"),
            current.and_then(|c| c.note.clone()).unwrap_or_default(),
        ));
        form = form.hidden(
            &format!("o{i}"),
            format!("{}:{}", d.person_id.map(|x| x.to_string()).unwrap_or_default(), d.obligation),
        );
    }
    form.fields = fields;
    let open = p.status == PeriodStatus::Open && verifies(auth, &rec);
    let mut sections = Vec::new();
    let rows = due
        .iter()
        .map(|(d, label)| {
            let c = recorded.iter().find(|c| c.person_id == d.person_id && c.obligation == d.obligation);
            vec![
                Cell::text(label.clone()),
                Cell::text(match c {
                    Some(c) if c.compliant => t.t("pkh_verify.met"),
                    Some(_) => t.t("pkh_verify.missed"),
                    None => t.t("pkh_verify.missing"),
                }),
                Cell::text(c.and_then(|c| c.note.clone()).unwrap_or_default()),
            ]
        })
        .collect();
    sections.push(Section::table(
        t,
        "recorded",
        t.t("pkh_verify.obligations"),
        &["pkh_verify.obligation", "pkh_fam.compliance", "pkh_fam.note"],
        rows,
        t.t("pkh_verify.nothing_due"),
    ));
    let months = state.store().pkh_school_months(p.id, rec.family.id).await?;
    if !months.is_empty() {
        let people = state.store().household_members(rec.family.household_id).await?;
        let rows = months
            .iter()
            .map(|m| {
                let name = people.iter().find(|x| x.id == m.person_id).map(|x| x.name.clone()).unwrap_or_default();
                let a = m.attendance;
                vec![
                    Cell::text(name),
                    Cell::text(m.school.clone()),
                    Cell::text(m.month.clone()),
                    Cell::text(a.effective_days.to_string()),
                    Cell::text(a.absent.to_string()),
                    Cell::text(a.permitted.to_string()),
                    Cell::text(a.sick.to_string()),
                    Cell::text(format!("{},{} %", a.tenths() / 10, a.tenths() % 10)),
                ]
            })
            .collect();
        sections.push(Section::table(
            t,
            "school",
            t.t("pkh_school.months"),
            &[
                "pkh_school.pupil",
                "pkh_school.school",
                "pkh_school.month",
                "pkh_school.h_days",
                "pkh_school.h_absent",
                "pkh_school.h_permitted",
                "pkh_school.h_sick",
                "pkh_school.attendance",
            ],
            rows,
            String::new(),
        ));
    }
    if open && !due.is_empty() {
        sections.push(Section {
            id: "entry".into(),
            title: t.t("pkh_verify.record").into(),
            form: Some(form),
            ..Default::default()
        });
    }
    let heading = format!(
        "{} — {}",
        rec.family.head_name.clone().unwrap_or_else(|| rec.family.address.clone()),
        p.period.label(lang.code())
    );
    let mut crumbs = families_crumbs(lang, &rec.program);
    crumbs.push(Link::new(p.period.label(lang.code()), format!("/pkh/periods/{}", p.id)));
    Ok(ViewPage {
        l: Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs: crumbs,
        actions: vec![Link::new(
            t.t("pkh_fam.one"),
            format!("/programs/{}/pkh/families/{}", rec.program.id, rec.family.id),
        )],
        warnings: if p.status == PeriodStatus::Closed {
            vec![t.t("pkh_verify.closed_note").into()]
        } else {
            Vec::new()
        },
        facts: vec![
            (t.t("pkh_fam.status").into(), Cell::text(status_label(lang, rec.family.status))),
            (t.t("households.address").into(), Cell::text(rec.family.address.clone())),
        ],
        sections,
    })
}

async fn entry_page(Cx { state, lang, auth }: Cx, IdsPath(id, fid): IdsPath) -> Result<Response, Error> {
    let (p, program) = readable_period(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let rec = readable_family(&state, &auth, program.id, fid).await.map_err(|e| e.page(lang))?;
    Ok(render(&entry_view(&state, &auth, lang, &p, rec).await.map_err(|e| e.page(lang))?))
}

/// The entries of the entry form: `o{i}` (`person:obligation`), `c{i}` (`yes`/`no`), `n{i}`.
fn entries_from(family_id: Id, form: &FormData) -> Result<Vec<ComplianceEntry>, Error> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for i in 0..200 {
        let Some(o) = form.opt(&format!("o{i}")) else { break };
        let (person, obligation) = o.split_once(':').unwrap_or(("", o.as_str()));
        let person_id = if person.is_empty() {
            None
        } else {
            match text::id(person) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push(berdaya_domain::registry::FieldError::new(format!("o{i}"), e));
                    continue;
                }
            }
        };
        let compliant = match form.get(&format!("c{i}")).as_str() {
            "yes" => true,
            "no" => false,
            _ => {
                errors.push(berdaya_domain::registry::FieldError::new(format!("c{i}"), "choose met or not met"));
                continue;
            }
        };
        let note = text::optional_text(form.opt(&format!("n{i}")).as_deref(), 500).unwrap_or(None);
        out.push(ComplianceEntry {
            family_id,
            person_id,
            obligation: obligation.to_string(),
            compliant,
            attendance_tenths: None,
            note,
        });
    }
    if !errors.is_empty() {
        return Err(berdaya_store::StoreError::Invalid(berdaya_domain::registry::Invalid(errors)).into());
    }
    Ok(out)
}

async fn record_page(
    Cx { state, lang, auth }: Cx,
    IdsPath(id, fid): IdsPath,
    form: FormData,
) -> Result<Response, Error> {
    let (p, program) = readable_period(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let rec = readable_family(&state, &auth, program.id, fid).await.map_err(|e| e.page(lang))?;
    if !verifies(&auth, &rec) {
        return Err(forbidden().page(lang));
    }
    let result = match entries_from(fid, &form) {
        Ok(entries) => state.store().record_compliance(p.id, &entries).await.map_err(Error::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/pkh/periods/{}/families/{fid}", p.id)).into_response()),
        Err(err) if err.status().is_server_error() => Err(err.page(lang)),
        Err(err) => {
            let mut view = entry_view(&state, &auth, lang, &p, rec).await.map_err(|e| e.page(lang))?;
            let mut status = err.status();
            match view.sections.iter_mut().find(|s| s.id == "entry").and_then(|s| s.form.as_mut()) {
                Some(f) => status = f.show_error(lang.tr(), &err),
                None => view.warnings.push(err.text(lang)),
            }
            Ok(render_with(status, &view))
        }
    }
}

/// The OpenAPI paths and schemas of PKH verification, merged into the document in `openapi.rs`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_periods, api_open, api_record, api_close),
    components(schemas(PeriodDto, OpenInput, RecordInput, CloseInput))
)]
pub struct PkhVerifyApi;
