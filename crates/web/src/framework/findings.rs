//! A program's findings over HTTP: the factor → effort matrix by framework dimension (the
//! four *bina* unless another framework is chosen), the supporting factors, the inhibiting
//! factors no effort answers yet, the forms to add a finding or its evidence, the XLSX of the
//! matrix and the API.
//!
//! Reading: roles that read programs (not viewers), for a program in their area. Writing:
//! administrators and program officers of the program's agency. Every id a request carries
//! (program, groups, the finding evidence is added to) is resolved through the caller's
//! scope; dimensions are shared reference data.

use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::access::Role;
use berdaya_domain::agriculture::class::Number;
use berdaya_domain::framework::Framework;
use berdaya_domain::framework::finding::{
    Evidence, EvidenceDraft, EvidenceKind, Finding, FindingDraft, FindingKind, IdList, LinkKind, efforts_for,
    unanswered,
};
use berdaya_domain::registry::{Id, Program};
use berdaya_files::tables::{SheetTable, TableCell};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::access::guard::{Auth, missing_reference};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, FormData, IdPath, JsonBody};
use crate::html::{Cell, Field, Form, Layout, Link, Section, Table, ViewPage, render, vocabulary};
use crate::i18n::Lang;
use crate::kit::section_done;
use crate::registry::created;
use crate::registry::programs::readable_program;

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/programs/{id}/findings", get(program_findings_api))
        .route("/api/v1/findings", post(create_api))
        .route("/api/v1/findings/{id}/evidence", post(evidence_api))
        .route("/programs/{id}/findings", get(matrix_page).post(create_page))
        .route("/programs/{id}/findings/evidence", post(evidence_page))
        .route("/programs/{id}/findings.xlsx", get(matrix_xlsx))
}

fn reads(auth: &Auth) -> bool {
    auth.principal().reads_programs() && auth.role() != Role::Viewer
}

/// A program whose findings the caller reads; out of the area reads as missing.
async fn program(state: &AppState, auth: &Auth, id: Id) -> Result<Program, Error> {
    auth.require(reads(auth))?;
    readable_program(state, auth, id).await
}

/// A program the caller may add findings to, named by `program_id` in a body.
async fn writable_program(state: &AppState, auth: &Auth, id: Id) -> Result<Program, Error> {
    auth.require(matches!(auth.role(), Role::Administrator | Role::ProgramOfficer))?;
    let p = match readable_program(state, auth, id).await {
        Ok(p) => p,
        Err(e) if matches!(e.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) => {
            return Err(missing_reference("program_id", "program", id));
        }
        Err(e) => return Err(e),
    };
    if !auth.principal().manages_program(p.agency_id) {
        return Err(Error::unprocessable("program_id", "is a program of an agency you do not manage"));
    }
    Ok(p)
}

async fn create(state: &AppState, auth: &Auth, draft: &FindingDraft) -> Result<Finding, Error> {
    let new = draft.parse()?;
    writable_program(state, auth, new.program_id).await?;
    // Every linked record is resolved through the caller's scope: one out of it is refused
    // exactly like a missing one.
    for (kind, id) in &new.links {
        let hide = |field: &'static str, what: &str, e: Error| {
            if matches!(e.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) {
                missing_reference(field, what, *id)
            } else {
                e
            }
        };
        match kind {
            LinkKind::Group => {
                auth.group_ref(state.store(), "group_ids", *id).await?;
            }
            LinkKind::Activity => {
                crate::activity::readable_activity(state, auth, *id)
                    .await
                    .map_err(|e| hide("activity_ids", "activity", e))?;
            }
            LinkKind::Machine => {
                crate::agriculture::machines::readable_machine(state, auth, *id)
                    .await
                    .map_err(|e| hide("machine_ids", "machine", e))?;
            }
        }
    }
    Ok(state.store().create_finding(&new).await?)
}

/// Adds evidence to a finding of a program the caller manages; a finding out of scope is
/// missing.
async fn add_evidence(state: &AppState, auth: &Auth, id: Id, draft: &EvidenceDraft) -> Result<Evidence, Error> {
    auth.require(matches!(auth.role(), Role::Administrator | Role::ProgramOfficer))?;
    let f = state.store().finding(id).await?;
    let p = readable_program(state, auth, f.program_id)
        .await
        .map_err(|e| if e.status() == StatusCode::FORBIDDEN { crate::access::guard::hidden("finding") } else { e })
        .map_err(|e| if e.status() == StatusCode::NOT_FOUND { crate::access::guard::hidden("finding") } else { e })?;
    if !auth.principal().manages_program(p.agency_id) {
        return Err(crate::access::guard::forbidden());
    }
    let new = draft.parse()?;
    Ok(state.store().add_evidence(id, &new).await?)
}

// JSON ---------------------------------------------------------------------------------------

/// Evidence behind a finding.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceDto {
    pub id: i64,
    pub finding_id: i64,
    /// `activity_report`, `document`, `quote` or `observation`.
    pub kind: String,
    pub text: String,
    pub source: Option<String>,
    pub attachment_id: Option<i64>,
}

impl From<Evidence> for EvidenceDto {
    fn from(e: Evidence) -> Self {
        EvidenceDto {
            id: e.id,
            finding_id: e.finding_id,
            kind: e.kind.code().into(),
            text: e.text,
            source: e.source,
            attachment_id: e.attachment_id,
        }
    }
}

/// A finding of a program.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDto {
    pub id: i64,
    pub program_id: i64,
    /// `inhibiting`, `supporting` or `effort`.
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    pub noted_on: Option<String>,
    /// For an effort: the inhibiting factors it answers.
    pub answers: Vec<i64>,
    pub dimension_ids: Vec<i64>,
    pub group_ids: Vec<i64>,
    /// Activities the finding concerns.
    pub activity_ids: Vec<i64>,
    /// Machines the finding concerns.
    pub machine_ids: Vec<i64>,
    pub evidence: Vec<EvidenceDto>,
}

impl From<Finding> for FindingDto {
    fn from(f: Finding) -> Self {
        FindingDto {
            id: f.id,
            program_id: f.program_id,
            kind: f.kind.code().into(),
            title: f.title,
            description: f.description,
            noted_on: f.noted_on.map(crate::registry::iso),
            answers: f.answers,
            dimension_ids: f.dimensions,
            group_ids: f.links.iter().filter(|(k, _)| *k == LinkKind::Group).map(|(_, id)| *id).collect(),
            activity_ids: f.links.iter().filter(|(k, _)| *k == LinkKind::Activity).map(|(_, id)| *id).collect(),
            machine_ids: f.links.iter().filter(|(k, _)| *k == LinkKind::Machine).map(|(_, id)| *id).collect(),
            evidence: f.evidence.into_iter().map(EvidenceDto::from).collect(),
        }
    }
}

/// A program's findings and the inhibiting factors no effort answers yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramFindingsDto {
    pub findings: Vec<FindingDto>,
    pub unanswered: Vec<i64>,
}

/// A finding to add (`FindingDraft`).
#[derive(Debug, ToSchema, Deserialize)]
#[allow(dead_code)]
pub struct FindingInput {
    program_id: i64,
    /// `inhibiting`, `supporting` or `effort`.
    kind: String,
    title: String,
    description: Option<String>,
    noted_on: Option<String>,
    /// For an effort (required): the inhibiting factors of the same program it answers.
    answers: Option<Vec<i64>>,
    dimension_ids: Option<Vec<i64>>,
    group_ids: Option<Vec<i64>>,
    activity_ids: Option<Vec<i64>>,
    machine_ids: Option<Vec<i64>>,
}

/// Evidence to add (`EvidenceDraft`).
#[derive(Debug, ToSchema, Deserialize)]
#[allow(dead_code)]
pub struct EvidenceInput {
    /// `activity_report`, `document`, `quote` or `observation`.
    kind: String,
    text: String,
    source: Option<String>,
    attachment_id: Option<i64>,
}

/// A program's findings: inhibiting factors, supporting factors, then efforts.
#[utoipa::path(get, path = "/api/v1/programs/{id}/findings", tag = "frameworks",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = ProgramFindingsDto), (status = 404, body = ErrorBody)))]
pub async fn program_findings_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<ProgramFindingsDto>, Error> {
    program(&state, &auth, id).await?;
    let all = state.store().program_findings(id).await?;
    let open = unanswered(&all).iter().map(|f| f.id).collect();
    Ok(Json(ProgramFindingsDto { findings: all.into_iter().map(FindingDto::from).collect(), unanswered: open }))
}

/// Adds an inhibiting factor, a supporting factor, or an effort answering inhibiting factors.
#[utoipa::path(post, path = "/api/v1/findings", tag = "frameworks", request_body = FindingInput,
    responses((status = 201, body = FindingDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_api(State(state): State<AppState>, auth: Auth, body: JsonBody) -> Result<Response, Error> {
    auth.require(matches!(auth.role(), Role::Administrator | Role::ProgramOfficer))?;
    let draft: FindingDraft = body.decode()?;
    Ok(created(FindingDto::from(create(&state, &auth, &draft).await?)))
}

/// Adds evidence to a finding.
#[utoipa::path(post, path = "/api/v1/findings/{id}/evidence", tag = "frameworks",
    params(("id" = i64, Path, description = "Finding id")), request_body = EvidenceInput,
    responses((status = 201, body = EvidenceDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn evidence_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    body: JsonBody,
) -> Result<Response, Error> {
    let draft: EvidenceDraft = body.decode()?;
    Ok(created(EvidenceDto::from(add_evidence(&state, &auth, id, &draft).await?)))
}

// Pages --------------------------------------------------------------------------------------

/// The framework the matrix reads through: `?framework=code`, else the four bina, else the
/// first.
async fn framework(state: &AppState, code: Option<&str>) -> Result<Option<Framework>, Error> {
    let all = state.store().frameworks().await?;
    let wanted = code.unwrap_or("bina");
    Ok(all.iter().find(|f| f.code.as_str() == wanted).or_else(|| all.first()).cloned())
}

/// One row of the matrix: dimension, factor, the efforts answering it.
struct MatrixRow {
    dimension: String,
    factor: String,
    efforts: Vec<String>,
}

fn matrix(lang: Lang, fw: Option<&Framework>, all: &[Finding]) -> Vec<MatrixRow> {
    let t = lang.tr();
    let factors: Vec<&Finding> = all.iter().filter(|f| f.kind == FindingKind::Inhibiting).collect();
    let mut rows = Vec::new();
    let row = |dimension: String, f: &Finding| MatrixRow {
        dimension,
        factor: f.title.clone(),
        efforts: efforts_for(all, f.id).iter().map(|e| e.title.clone()).collect(),
    };
    if let Some(fw) = fw {
        for d in &fw.dimensions {
            for f in factors.iter().filter(|f| f.dimensions.contains(&d.id)) {
                rows.push(row(d.name.clone(), f));
            }
        }
    }
    for f in factors.iter().filter(|f| fw.is_none_or(|fw| !fw.dimensions.iter().any(|d| f.dimensions.contains(&d.id))))
    {
        rows.push(row(t.t("findings.no_dimension").into(), f));
    }
    rows
}

#[derive(Deserialize)]
struct MatrixParams {
    framework: Option<String>,
}

async fn matrix_view(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    p: &Program,
    code: Option<&str>,
    finding: Option<&FindingDraft>,
    evidence: Option<(&str, &EvidenceDraft)>,
) -> Result<ViewPage, Error> {
    let t = lang.tr();
    let all = state.store().program_findings(p.id).await?;
    let fw = framework(state, code).await?;
    let heading = format!("{} — {}", t.t("findings.title"), p.name);
    let mut page = ViewPage {
        l: Layout::new(lang, heading.clone(), "programs"),
        heading,
        breadcrumbs: vec![
            Link::new(t.t("nav.home"), "/"),
            Link::new(t.t("nav.programs"), "/programs"),
            Link::new(p.name.clone(), format!("/programs/{}", p.id)),
        ],
        actions: vec![Link::new(t.t("findings.download_xlsx"), format!("/programs/{}/findings.xlsx", p.id))],
        warnings: Vec::new(),
        facts: Vec::new(),
        sections: Vec::new(),
    };
    let open = unanswered(&all);
    if !open.is_empty() {
        page.warnings.push(format!(
            "{}: {}",
            t.t("findings.unanswered"),
            open.iter().map(|f| f.title.as_str()).collect::<Vec<_>>().join("; ")
        ));
    }
    if let Some(fw) = &fw {
        page.facts
            .push((t.t("findings.framework").into(), Cell::link(fw.name.clone(), format!("/frameworks/{}", fw.id))));
    }
    let rows = matrix(lang, fw.as_ref(), &all)
        .into_iter()
        .map(|r| {
            let efforts =
                if r.efforts.is_empty() { t.t("findings.no_effort").to_string() } else { r.efforts.join("; ") };
            vec![Cell::text(r.dimension), Cell::text(r.factor), Cell::text(efforts)]
        })
        .collect();
    page.sections.push(Section {
        id: "matrix".into(),
        title: t.t("findings.matrix").into(),
        table: Some(Table {
            sorts: Vec::new(),
            headers: vec![
                t.t("findings.dimension").into(),
                t.t("findings.inhibiting").into(),
                t.t("findings.efforts").into(),
            ],
            rows,
            empty: t.t("findings.none").into(),
        }),
        ..Default::default()
    });
    page.sections.push(Section {
        id: "unanswered".into(),
        title: t.t("findings.unanswered").into(),
        table: Some(Table {
            sorts: Vec::new(),
            headers: vec![t.t("findings.inhibiting").into()],
            rows: open.iter().map(|f| vec![Cell::text(f.title.clone())]).collect(),
            empty: t.t("findings.all_answered").into(),
        }),
        ..Default::default()
    });
    page.sections.push(Section {
        id: "supporting".into(),
        title: t.t("findings.supporting").into(),
        table: Some(Table {
            sorts: Vec::new(),
            headers: vec![t.t("findings.finding").into(), t.t("findings.description").into()],
            rows: all
                .iter()
                .filter(|f| f.kind == FindingKind::Supporting)
                .map(|f| {
                    vec![Cell::text(f.title.clone()), Cell::text(f.description.clone().unwrap_or_else(|| "—".into()))]
                })
                .collect(),
            empty: t.t("findings.none").into(),
        }),
        ..Default::default()
    });
    page.sections.push(Section {
        id: "evidence".into(),
        title: t.t("findings.evidence").into(),
        table: Some(Table {
            sorts: Vec::new(),
            headers: vec![
                t.t("findings.finding").into(),
                t.t("findings.evidence_kind").into(),
                t.t("findings.text").into(),
                t.t("findings.source").into(),
            ],
            rows: all
                .iter()
                .flat_map(|f| {
                    f.evidence.iter().map(move |e| {
                        vec![
                            Cell::text(f.title.clone()),
                            Cell::text(e.kind.label(lang.code())),
                            Cell::text(e.text.clone()),
                            Cell::text(e.source.clone().unwrap_or_else(|| "—".into())),
                        ]
                    })
                })
                .collect(),
            empty: t.t("findings.no_evidence").into(),
        }),
        ..Default::default()
    });
    if matches!(auth.role(), Role::Administrator | Role::ProgramOfficer)
        && auth.principal().manages_program(p.agency_id)
    {
        let d = finding.cloned().unwrap_or_default();
        let factors: Vec<(String, String)> = all
            .iter()
            .filter(|f| f.kind == FindingKind::Inhibiting)
            .map(|f| (f.id.to_string(), f.title.clone()))
            .collect();
        let answers = d.answers.text();
        let dims: Vec<Id> = d.dimension_ids.text().split(',').filter_map(|s| s.trim().parse().ok()).collect();
        let fields = vec![
            Field::select(
                "kind",
                t.t("findings.kind"),
                &d.kind,
                vocabulary(FindingKind::ALL, FindingKind::code, FindingKind::label, lang),
                Some(t.t("common.choose")),
            )
            .required(),
            Field::text("title", t.t("findings.finding"), &d.title).required(),
            Field::textarea("description", t.t("findings.description"), d.description.clone().unwrap_or_default()),
            Field::date("noted_on", t.t("findings.noted_on"), d.noted_on.clone().unwrap_or_default()),
            Field::select("answers", t.t("findings.answers"), &answers, factors, Some(t.t("findings.answers_none")))
                .hint(t.t("findings.answers_hint")),
            crate::framework::dimensions_field(state, "dimension_ids", t.t("findings.dimensions"), &dims).await,
            Field::picker_many("group_ids", t.t("findings.groups"), "group", Vec::new()),
            Field::picker_many("machine_ids", t.t("findings.machines"), "machine", Vec::new()),
        ];
        page.sections.push(Section {
            id: "add-finding".into(),
            title: t.t("findings.add").into(),
            form: Some(Form::new("finding", format!("/programs/{}/findings", p.id), t.t("common.save"), fields)),
            ..Default::default()
        });
        let (chosen, e) = evidence.map(|(c, e)| (c.to_string(), e.clone())).unwrap_or_default();
        let fields = vec![
            Field::select(
                "finding_id",
                t.t("findings.finding"),
                &chosen,
                all.iter()
                    .map(|f| (f.id.to_string(), format!("{} — {}", f.kind.label(lang.code()), f.title)))
                    .collect(),
                Some(t.t("common.choose")),
            )
            .required(),
            Field::select(
                "kind",
                t.t("findings.evidence_kind"),
                &e.kind,
                vocabulary(EvidenceKind::ALL, EvidenceKind::code, EvidenceKind::label, lang),
                Some(t.t("common.choose")),
            )
            .required(),
            Field::textarea("text", t.t("findings.text"), &e.text).required(),
            Field::text("source", t.t("findings.source"), e.source.clone().unwrap_or_default()),
        ];
        page.sections.push(Section {
            id: "add-evidence".into(),
            title: t.t("findings.add_evidence").into(),
            form: Some(Form::new(
                "evidence",
                format!("/programs/{}/findings/evidence", p.id),
                t.t("common.save"),
                fields,
            )),
            ..Default::default()
        });
    }
    Ok(page)
}

async fn matrix_page(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    axum::extract::Query(params): axum::extract::Query<MatrixParams>,
) -> Result<Response, Error> {
    let page = async {
        let p = program(&state, &auth, id).await?;
        matrix_view(&state, &auth, lang, &p, params.framework.as_deref(), None, None).await
    }
    .await
    .map_err(|e| e.page(lang))?;
    Ok(render(&page))
}

async fn create_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let p = program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let answers = form.get("answers");
    let draft = FindingDraft {
        program_id: Number::Int(id),
        kind: form.get("kind"),
        title: form.get("title"),
        description: form.opt("description"),
        noted_on: form.opt("noted_on"),
        answers: IdList::Text(answers),
        dimension_ids: IdList::Text(form.get("dimension_ids")),
        group_ids: IdList::Text(form.get("group_ids")),
        activity_ids: IdList::Text(form.get("activity_ids")),
        machine_ids: IdList::Text(form.get("machine_ids")),
    };
    let result = create(&state, &auth, &draft).await;
    let page = || matrix_view(&state, &auth, lang, &p, None, Some(&draft), None);
    section_done(lang, result, format!("/programs/{id}/findings#matrix"), "add-finding", page).await
}

async fn evidence_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath, form: FormData) -> Result<Response, Error> {
    let p = program(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    let chosen = form.get("finding_id");
    let draft = EvidenceDraft {
        kind: form.get("kind"),
        text: form.get("text"),
        source: form.opt("source"),
        attachment_id: None,
    };
    let result = async {
        let fid = berdaya_domain::registry::text::id(&chosen).map_err(|m| Error::unprocessable("finding_id", m))?;
        let found = state.store().finding(fid).await.ok().filter(|f| f.program_id == id);
        if found.is_none() {
            return Err(missing_reference("finding_id", "finding", fid));
        }
        add_evidence(&state, &auth, fid, &draft).await
    }
    .await;
    let page = || matrix_view(&state, &auth, lang, &p, None, None, Some((&chosen, &draft)));
    section_done(lang, result, format!("/programs/{id}/findings#evidence"), "add-evidence", page).await
}

async fn matrix_xlsx(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    axum::extract::Query(params): axum::extract::Query<MatrixParams>,
) -> Result<Response, Error> {
    let t = lang.tr();
    let bytes = async {
        let p = program(&state, &auth, id).await?;
        let all = state.store().program_findings(p.id).await?;
        let fw = framework(&state, params.framework.as_deref()).await?;
        let rows = matrix(lang, fw.as_ref(), &all)
            .into_iter()
            .map(|r| {
                let efforts =
                    if r.efforts.is_empty() { t.t("findings.no_effort").to_string() } else { r.efforts.join("; ") };
                vec![TableCell::Text(r.dimension), TableCell::Text(r.factor), TableCell::Text(efforts)]
            })
            .collect();
        let support = all
            .iter()
            .filter(|f| f.kind == FindingKind::Supporting)
            .map(|f| vec![TableCell::Text(f.title.clone()), TableCell::Text(f.description.clone().unwrap_or_default())])
            .collect();
        let sheets = vec![
            SheetTable {
                name: t.t("findings.matrix").into(),
                headers: vec![
                    t.t("findings.dimension").into(),
                    t.t("findings.inhibiting").into(),
                    t.t("findings.efforts").into(),
                ],
                rows,
            },
            SheetTable {
                name: t.t("findings.supporting").into(),
                headers: vec![t.t("findings.finding").into(), t.t("findings.description").into()],
                rows: support,
            },
        ];
        berdaya_files::tables::write_tables(&sheets).map_err(|e| {
            tracing::error!(error = %e, "findings workbook failed");
            Error::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error: the workbook could not be written",
            )
        })
    }
    .await
    .map_err(|e| e.page(lang))?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"temuan-program-{id}.xlsx\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok(([(CONTENT_TYPE, HeaderValue::from_static(XLSX_TYPE)), (CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// The program page's link to its findings.
pub fn program_link(lang: Lang, program_id: Id) -> Link {
    Link::new(lang.tr().t("findings.title"), format!("/programs/{program_id}/findings"))
}
