//! Survey evaluation over HTTP: an evaluator uploads an XLSForm instrument and responses,
//! Berdaya analyses them (categories, distributions, correlations, reliability), saves the
//! files and the report, and shows it again later as a page, an XLSX workbook or JSON.
//!
//! Routes: `/survey` (saved analyses, newest first), `/survey/new` and `POST /survey` (the
//! upload form), `/survey/{id}` (the report), `/survey/{id}/report.xlsx|report.json`, the
//! uploaded files, the built-in seed-004 instrument (`/survey/example.xlsx`) with synthetic
//! responses (`/survey/example-responses.csv`), and the JSON API under
//! `/api/v1/survey/analyses`.
//!
//! Uploads are streamed to the survey files directory ([`upload`]), never held whole in
//! memory. The form answers at once with a job (`/survey/jobs/{id}`, progress as JSON at
//! `/survey/jobs/{id}/status`) whose analysis runs in the background ([`jobs`]); the API
//! waits for the analysis and answers with it.

pub mod jobs;
pub mod report_page;
pub mod upload;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::registry::{FieldError, Id, Invalid};
use std::sync::Arc;

use berdaya_domain::survey::link::{FactsMap, PersonLookup};
use berdaya_domain::survey::report::Report;
use berdaya_domain::survey::{
    AnalysisError, AnalysisOptions, AnswerProblem, Instrument, MissingPolicy, Problem, ResponsesError, seed004,
};
use berdaya_files::limits::LimitExceeded;
use berdaya_files::responses::{AnalyzeFileError, Progress, analyze_path_linked, link_keys};
use berdaya_files::survey::{self as files, SurveyFileError};
use berdaya_store::Query;
use berdaya_store::access::AuditEvent;
use berdaya_store::survey::{AnalysisSummary, AnalysisTitle, NewAnalysis, StoredAnalysis, StoredFile, UploadedFile};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::AppState;
use crate::access::guard::Auth;
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, IdPath, ListParams};
use crate::html::{Cell, Layout, Link, ListPage, Pager, Table, render, render_with};
use crate::i18n::Lang;
use crate::registry::{PageDto, PageParams};

use jobs::Outcome;
pub use report_page::ReportPage;
pub use upload::SurveyConfig;
use upload::{Received, Submission, read_submission};

/// The most bad answers a page lists: as many as the analysis lists (a file of a million bad
/// rows would make a page of gigabytes); the message says how many there are in all.
use berdaya_domain::survey::tally::MAX_LISTED;

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Every survey route, API and pages.
pub fn router() -> Router<AppState> {
    let uploads = Router::new()
        .route("/survey", post(create_page))
        .route("/api/v1/survey/analyses", post(create))
        // The handlers count the body against the configured limit as they stream it.
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .merge(uploads)
        .route("/api/v1/survey/analyses", get(list))
        .route("/api/v1/survey/analyses/{id}", get(show))
        .route("/survey", get(list_page))
        .route("/survey/new", get(new_page))
        .route("/survey/example.xlsx", get(example_instrument))
        .route("/survey/example-responses.csv", get(example_responses))
        .route("/survey/{id}", get(report_page))
        .route("/survey/{id}/report.xlsx", get(report_xlsx))
        .route("/survey/{id}/report.json", get(report_json))
        .route("/survey/{id}/instrument", get(instrument_file))
        .route("/survey/{id}/responses", get(responses_file))
        .route("/survey/jobs/{job}", get(job_page))
        .route("/survey/jobs/{job}/status", get(job_status))
}

// Uploads ----------------------------------------------------------------------------------

/// The multipart body of an analysis upload, for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AnalysisUpload {
    /// A title for the analysis, 1 to 200 characters.
    title: String,
    /// The XLSForm instrument (.xlsx) with `berdaya` and `berdaya_bins` columns.
    #[schema(value_type = String, format = Binary)]
    instrument: Vec<u8>,
    /// Responses, CSV or XLSX, one row per respondent. The whole upload may be as large as
    /// the server's limit (`--survey-upload-limit-mb`, 256 MiB by default); it is streamed to
    /// disk, never held in memory.
    #[schema(value_type = String, format = Binary)]
    responses: Vec<u8>,
    /// Significance level, strictly between 0 and 1 (default 0.05).
    alpha: Option<f64>,
    /// `true` to leave out respondents with blank or invalid answers instead of refusing.
    drop_incomplete: Option<bool>,
}

/// Why an upload was not analysed.
pub enum Rejected {
    /// A missing or malformed field, an unreadable file, or a store failure.
    Error(Error),
    /// The instrument definition has problems: every one, with sheet, row and question.
    Instrument(Vec<Problem>),
    /// Answers are blank, unknown or out of scale: every one, with respondent and column.
    Answers(Vec<AnswerProblem>),
    /// More bad answers than are listed: the first ones, and how many there are in all.
    ManyAnswers(Vec<AnswerProblem>, u64),
}

impl From<Error> for Rejected {
    fn from(e: Error) -> Self {
        Rejected::Error(e)
    }
}

impl Rejected {
    /// The API's answer: a 422 listing every problem as a field message.
    fn into_error(self) -> Error {
        match self {
            Rejected::Error(e) => e,
            Rejected::Instrument(problems) => {
                Invalid(problems.iter().map(|p| FieldError::new("instrument", p.to_string())).collect()).into()
            }
            Rejected::Answers(answers) | Rejected::ManyAnswers(answers, _) => {
                Invalid(answers.iter().map(|a| FieldError::new("responses", a.to_string())).collect()).into()
            }
        }
    }
}

/// The checked options and files of a submission.
struct Checked {
    title: AnalysisTitle,
    options: AnalysisOptions,
    instrument: Received,
    responses: Received,
}

fn check(sub: Submission) -> Result<Checked, Error> {
    let mut errors = Vec::new();
    let title = AnalysisTitle::parse(&sub.title).map_err(|e| errors.extend(e.0)).ok();
    let alpha = match sub.alpha.trim() {
        "" => Some(0.05),
        raw => match raw.replace(',', ".").parse::<f64>() {
            Ok(a) if a.is_finite() && a > 0.0 && a < 1.0 => Some(a),
            _ => {
                errors.push(FieldError::new("alpha", "must be a number strictly between 0 and 1, e.g. 0.05"));
                None
            }
        },
    };
    if sub.instrument.is_none() {
        errors.push(FieldError::new("instrument", "is required: choose the XLSForm workbook (.xlsx)"));
    }
    if sub.responses.is_none() {
        errors.push(FieldError::new("responses", "is required: choose the responses file (.csv or .xlsx)"));
    }
    match (title, alpha, sub.instrument, sub.responses) {
        (Some(title), Some(alpha), Some(instrument), Some(responses)) if errors.is_empty() => {
            let missing = if sub.drop_incomplete { MissingPolicy::DropIncomplete } else { MissingPolicy::Refuse };
            Ok(Checked { title, options: AnalysisOptions { alpha, missing, survey_date: None }, instrument, responses })
        }
        _ => Err(Invalid(errors).into()),
    }
}

/// The error and its causes in one line (the files layer's messages are short).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A file limit in the user's language: `berkas melebihi batas 100.000 baris`.
pub fn limit_message(lang: Lang, limit: &LimitExceeded) -> String {
    let sep = match lang {
        Lang::Id => '.',
        Lang::En => ',',
    };
    lang.tr()
        .t(&format!("files.limit.{}", limit.key()))
        .replace("{limit}", &limit.limit_text(sep))
        .replace("{part}", limit.part().unwrap_or(""))
}

/// What the files layer said about the responses, without the server's paths.
fn responses_error(e: &SurveyFileError, spreadsheet: bool, lang: Lang) -> Error {
    if let Some(limit) = e.limit() {
        return Error::unprocessable("responses", limit_message(lang, limit));
    }
    let cause = match e {
        // These name the file on disk: say what went wrong without the server's path.
        SurveyFileError::Open { source, .. } => format!("cannot read the uploaded spreadsheet: {}", chain(source)),
        SurveyFileError::Io { source, .. } => {
            tracing::error!(error = %source, "a stored survey upload could not be read");
            return Error::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error: the analysis failed; the cause has been logged",
            );
        }
        SurveyFileError::UnknownFormat(_) => return Error::unprocessable("responses", e.to_string()),
        other => chain(other),
    };
    let kind = if spreadsheet { "spreadsheet (.xlsx)" } else { "CSV file" };
    Error::unprocessable("responses", format!("cannot be read as a {kind}: {}", cause.as_str()))
}

/// Reads the instrument of a submission (CPU work: call it on the blocking pool). Answers the
/// instrument and the workbook's bytes (kept in the database: an XLSForm is small).
fn read_instrument(file: &Received, lang: Lang) -> Result<(Instrument, Vec<u8>), Rejected> {
    let bytes = std::fs::read(file.path()).map_err(|e| {
        tracing::error!(error = %e, "a survey upload could not be read back");
        Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error: the analysis failed; the cause has been logged",
        )
    })?;
    let form = files::read_xlsform_bytes(&bytes).map_err(|e| {
        if let Some(limit) = e.limit() {
            return Error::unprocessable("instrument", limit_message(lang, limit));
        }
        Error::unprocessable(
            "instrument",
            format!("is not a readable XLSForm workbook (.xlsx with survey and choices sheets): {}", chain(&e)),
        )
    })?;
    let instrument = Instrument::from_xlsform(&form).map_err(Rejected::Instrument)?;
    Ok((instrument, bytes))
}

/// Analyses the responses file on disk (CPU work: call it on the blocking pool), reporting
/// progress as it reads.
fn analyze_responses(
    instrument: &Instrument,
    responses: &Received,
    options: &AnalysisOptions,
    facts: Option<&FactsMap>,
    lang: Lang,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, Rejected> {
    let path = responses.path();
    let spreadsheet = matches!(path.extension().and_then(|e| e.to_str()), Some("xlsx" | "xlsm" | "xls" | "ods"));
    let lookup = facts.map(|f| f as &dyn PersonLookup);
    analyze_path_linked(instrument, path, options, lookup, progress).map_err(|e| match e {
        AnalyzeFileError::File(e) => responses_error(&e, spreadsheet, lang).into(),
        AnalyzeFileError::Analysis(e) => match e {
            AnalysisError::Responses(ResponsesError::BadAnswers(list)) => Rejected::Answers(list),
            AnalysisError::Responses(ResponsesError::ManyBadAnswers { shown, total }) => {
                Rejected::ManyAnswers(shown, total)
            }
            AnalysisError::Responses(other) => Error::unprocessable("responses", other.to_string()).into(),
            AnalysisError::NoItems => Error::unprocessable("instrument", e.to_string()).into(),
            AnalysisError::Alpha(_) => Error::unprocessable("alpha", e.to_string()).into(),
        },
    })
}

fn task_failed(e: tokio::task::JoinError) -> Error {
    tracing::error!(error = %e, "survey analysis task failed");
    Error::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error: the analysis failed; the cause has been logged",
    )
}

/// Saves an analysis: the responses file stays in the files directory (named by the row),
/// the instrument's bytes and the report go to the database.
async fn save(state: &AppState, c: Checked, instrument: Vec<u8>, report: &Report) -> Result<StoredAnalysis, Rejected> {
    let report_json = serde_json::to_string(report).map_err(|e| {
        tracing::error!(error = %e, "survey report does not serialize");
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error: the report could not be saved")
    })?;
    let new = NewAnalysis {
        title: c.title,
        instrument: UploadedFile { name: c.instrument.name.clone(), bytes: instrument },
        responses: UploadedFile { name: c.responses.name.clone(), bytes: Vec::new() },
        responses_file: Some(StoredFile { key: c.responses.key(), size: c.responses.size }),
        alpha: c.options.alpha,
        drop_incomplete: c.options.missing == MissingPolicy::DropIncomplete,
        report_json,
        respondents: report.n,
        created_at: OffsetDateTime::now_utc(),
    };
    // The file is kept only once the row naming it is saved.
    let saved = state.store().save_analysis(&new).await.map_err(Error::from)?;
    c.responses.keep();
    tracing::info!(analysis = saved.id, respondents = saved.respondents, "survey analysis saved");
    Ok(saved)
}

/// What the registry knows of the respondents a form links by NIK or person id (its
/// `berdaya = person` column), as far as the caller may see: people outside the caller's
/// scope are left out exactly like unknown ones. `None` when the form links no one.
async fn linked_facts(
    state: &AppState,
    scope: Option<&Query>,
    instrument: &Arc<Instrument>,
    responses: &Received,
) -> Result<Option<FactsMap>, Rejected> {
    if instrument.link.is_none() {
        return Ok(None);
    }
    let (inst, path) = (instrument.clone(), responses.path().to_path_buf());
    let keys = tokio::task::spawn_blocking(move || link_keys(&inst, &path))
        .await
        .map_err(task_failed)?
        .map_err(|e| Error::unprocessable("responses", e.to_string()))?;
    let Some(scope) = scope else { return Ok(Some(FactsMap::default())) };
    let facts = state.store().person_facts(&keys, scope).await.map_err(Error::from)?;
    tracing::info!(keys = keys.len(), found = facts.len(), "survey respondents looked up in the registry");
    // Birth dates and memberships of real people were read: the audit log says how many.
    state
        .store()
        .record_event(&AuditEvent {
            action: "registry_link".into(),
            entity: "people".into(),
            entity_id: None,
            details: serde_json::json!({ "keys": keys.len(), "found": facts.len(), "read": "birth_date, groups" }),
        })
        .await
        .map_err(Error::from)?;
    Ok(Some(facts))
}

/// Checks a submission's fields and reads its instrument (off the async threads): the
/// checked submission, the instrument, and the instrument file's bytes to keep.
async fn checked_with_instrument(sub: Submission, lang: Lang) -> Result<(Checked, Arc<Instrument>, Vec<u8>), Rejected> {
    let checked = check(sub)?;
    let (checked, read) = tokio::task::spawn_blocking(move || {
        let read = read_instrument(&checked.instrument, lang);
        (checked, read)
    })
    .await
    .map_err(task_failed)?;
    let (instrument, bytes) = read?;
    Ok((checked, Arc::new(instrument), bytes))
}

/// Checks, analyses and saves a submission while the request waits (the API).
async fn run(state: &AppState, scope: Option<Query>, sub: Submission, lang: Lang) -> Result<StoredAnalysis, Rejected> {
    let (checked, instrument, bytes) = checked_with_instrument(sub, lang).await?;
    let facts = linked_facts(state, scope.as_ref(), &instrument, &checked.responses).await?;
    let (checked, result) = tokio::task::spawn_blocking(move || {
        let result =
            analyze_responses(&instrument, &checked.responses, &checked.options, facts.as_ref(), lang, &|_| {});
        (checked, result)
    })
    .await
    .map_err(task_failed)?;
    save(state, checked, bytes, &result?).await
}

/// Checks a submission and reads its instrument while the request waits, then analyses the
/// responses in the background: answers the job's id.
async fn start(state: &AppState, scope: Option<Query>, sub: Submission, lang: Lang) -> Result<String, Rejected> {
    let (title, alpha, drop_incomplete) = (sub.title.clone(), sub.alpha.clone(), sub.drop_incomplete);
    let (checked, instrument, bytes) = checked_with_instrument(sub, lang).await?;
    let (id, job) = state.survey_jobs.start(title, alpha, drop_incomplete);
    let state = state.clone();
    tokio::spawn(async move {
        let progress_job = job.clone();
        let facts = match linked_facts(&state, scope.as_ref(), &instrument, &checked.responses).await {
            Ok(facts) => facts,
            Err(rejected) => {
                job.finish(Outcome::Failed(rejected, 0));
                return;
            }
        };
        let analysed = tokio::task::spawn_blocking(move || {
            let report =
                analyze_responses(&instrument, &checked.responses, &checked.options, facts.as_ref(), lang, &|p| {
                    progress_job.progress(p)
                });
            (checked, report)
        })
        .await;
        let outcome = match analysed {
            Err(e) => Err(Rejected::Error(task_failed(e))),
            Ok((_, Err(rejected))) => Err(rejected),
            Ok((checked, Ok(report))) => save(&state, checked, bytes, &report).await.map(|saved| saved.id),
        };
        job.finish(match outcome {
            Ok(id) => Outcome::Done(id),
            // The analysis lists at most `MAX_LISTED` bad answers and counts the rest.
            Err(Rejected::Answers(list)) => {
                let total = list.len();
                Outcome::Failed(Rejected::Answers(list), total)
            }
            Err(Rejected::ManyAnswers(list, total)) => {
                Outcome::Failed(Rejected::Answers(list), usize::try_from(total).unwrap_or(usize::MAX))
            }
            Err(rejected) => Outcome::Failed(rejected, 0),
        });
    });
    Ok(id)
}

fn stored_report(a: &StoredAnalysis) -> Result<Report, Error> {
    serde_json::from_str(&a.report_json).map_err(|e| {
        tracing::error!(analysis = a.id, error = %e, "stored survey report does not parse");
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error: the saved report cannot be read")
    })
}

// API --------------------------------------------------------------------------------------

/// A saved analysis in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisSummaryDto {
    pub id: i64,
    pub title: String,
    pub instrument_name: String,
    pub responses_name: String,
    pub alpha: f64,
    pub drop_incomplete: bool,
    /// Respondents analysed.
    pub n: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<AnalysisSummary> for AnalysisSummaryDto {
    fn from(a: AnalysisSummary) -> Self {
        AnalysisSummaryDto {
            id: a.id,
            title: a.title,
            instrument_name: a.instrument_name,
            responses_name: a.responses_name,
            alpha: a.alpha,
            drop_incomplete: a.drop_incomplete,
            n: a.respondents,
            created_at: a.created_at,
        }
    }
}

/// A saved analysis with its report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisDto {
    #[serde(flatten)]
    pub summary: AnalysisSummaryDto,
    /// The report: the `survey analyze --json` contract (`n`, `items`, `indicators`, `total`,
    /// `correlations`, `reliability`) plus `bands`, `distribution_percent`, `factors`,
    /// `notes` and `item_chart`.
    #[schema(value_type = Object)]
    pub report: Box<serde_json::value::RawValue>,
    /// Where to see or download it.
    pub links: AnalysisLinks,
}

/// Addresses of a saved analysis.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisLinks {
    pub page: String,
    pub xlsx: String,
    pub json: String,
}

impl AnalysisDto {
    /// The saved analysis with its report exactly as stored (re-parsing floats could change
    /// the last digit, and the JSON download must equal the API's answer).
    fn new(saved: StoredAnalysis) -> Result<AnalysisDto, Error> {
        let StoredAnalysis { id, analysis: a } = saved;
        let report = serde_json::value::RawValue::from_string(a.report_json).map_err(|e| {
            tracing::error!(analysis = id, error = %e, "stored survey report is not JSON");
            Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error: the saved report cannot be read")
        })?;
        Ok(AnalysisDto {
            summary: AnalysisSummaryDto {
                id,
                title: a.title.to_string(),
                instrument_name: a.instrument.name,
                responses_name: a.responses.name,
                alpha: a.alpha,
                drop_incomplete: a.drop_incomplete,
                n: a.respondents,
                created_at: a.created_at,
            },
            report,
            links: AnalysisLinks {
                page: format!("/survey/{id}"),
                xlsx: format!("/survey/{id}/report.xlsx"),
                json: format!("/survey/{id}/report.json"),
            },
        })
    }
}

/// Analyses an uploaded instrument and responses and saves the result, answering when the
/// analysis is done (the upload form runs it in the background instead). The body may be as
/// large as the server's limit (`--survey-upload-limit-mb`, 256 MiB by default): it is
/// streamed to disk; a larger one is answered 413 with the limit in the message. An
/// instrument with problems, or bad answers (unless `drop_incomplete`), is answered 422
/// listing every one.
#[utoipa::path(post, path = "/api/v1/survey/analyses", tag = "survey",
    request_body(content = AnalysisUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = AnalysisDto), (status = 413, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    Cx { state, lang, auth }: Cx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Error> {
    auth.require(auth.principal().writes_surveys())?;
    let sub = read_submission(multipart, &state.survey).await?;
    let scope = auth.scope(Query::default());
    let saved = run(&state, scope, sub, lang).await.map_err(Rejected::into_error)?;
    let location = format!("/api/v1/survey/analyses/{}", saved.id);
    let mut res = (StatusCode::CREATED, Json(AnalysisDto::new(saved)?)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    Ok(res)
}

/// Saved analyses, newest first.
#[utoipa::path(get, path = "/api/v1/survey/analyses", tag = "survey", params(PageParams),
    responses((status = 200, body = PageDto<AnalysisSummaryDto>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    params: ListParams,
) -> Result<Json<PageDto<AnalysisSummaryDto>>, Error> {
    auth.require(auth.principal().reads_surveys())?;
    params.only(&[])?;
    let page = state.store().list_analyses(params.page).await?;
    Ok(Json(PageDto::from_page(page, AnalysisSummaryDto::from)))
}

/// One saved analysis with its report.
#[utoipa::path(get, path = "/api/v1/survey/analyses/{id}", tag = "survey",
    params(("id" = i64, Path, description = "Analysis id")),
    responses((status = 200, body = AnalysisDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Json<AnalysisDto>, Error> {
    auth.require(auth.principal().reads_surveys())?;
    Ok(Json(AnalysisDto::new(state.store().analysis(id).await?)?))
}

// Downloads --------------------------------------------------------------------------------

/// A file download; `name` is ASCII-only in the header so any browser accepts it.
fn download(content_type: &'static str, name: &str, body: impl Into<axum::body::Body>) -> Response {
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    ([(CONTENT_TYPE, HeaderValue::from_static(content_type)), (CONTENT_DISPOSITION, disposition)], body.into())
        .into_response()
}

/// A saved analysis, for a role that reads surveys (errors as pages).
async fn load(state: &AppState, auth: &Auth, lang: Lang, id: Id) -> Result<StoredAnalysis, Error> {
    auth.require(auth.principal().reads_surveys()).map_err(|e| e.page(lang))?;
    state.store().analysis(id).await.map_err(|e| Error::from(e).page(lang))
}

/// A saved analysis and its report, for a role that reads surveys (errors as pages).
pub(crate) async fn readable_report(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    id: Id,
) -> Result<(StoredAnalysis, Report), Error> {
    let a = load(state, auth, lang, id).await?;
    let report = stored_report(&a).map_err(|e| e.page(lang))?;
    Ok((a, report))
}

async fn report_xlsx(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let a = load(&state, &auth, lang, id).await?;
    let report = stored_report(&a).map_err(|e| e.page(lang))?;
    let bytes = tokio::task::spawn_blocking(move || files::report_to_xlsx_bytes(&report))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| chain(&e)))
        .map_err(|cause| {
            tracing::error!(analysis = id, cause = %cause, "survey report workbook failed");
            Error::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error: the workbook could not be written",
            )
            .page(lang)
        })?;
    Ok(download(XLSX_TYPE, &format!("analisis-survei-{id}.xlsx"), bytes))
}

async fn report_json(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let a = load(&state, &auth, lang, id).await?.analysis;
    Ok(download("application/json", &format!("analisis-survei-{id}.json"), a.report_json.into_bytes()))
}

fn file_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).as_deref() {
        Some("xlsx" | "xlsm") => XLSX_TYPE,
        Some("csv") => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn instrument_file(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let a = load(&state, &auth, lang, id).await?.analysis;
    Ok(download(file_type(&a.instrument.name), &a.instrument.name, a.instrument.bytes))
}

async fn responses_file(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let a = load(&state, &auth, lang, id).await?.analysis;
    let Some(stored) = &a.responses_file else {
        return Ok(download(file_type(&a.responses.name), &a.responses.name, a.responses.bytes));
    };
    // Streamed from the files directory in chunks: a 256 MiB file is never read whole.
    let missing = || {
        Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error: the uploaded responses file is missing from the server",
        )
        .page(lang)
    };
    if stored.key.contains(['/', '\\']) || stored.key.starts_with('.') {
        tracing::error!(analysis = id, "a stored survey file name is not a plain file name");
        return Err(missing());
    }
    let file = tokio::fs::File::open(state.survey.files_dir.join(&stored.key)).await.map_err(|e| {
        tracing::error!(analysis = id, error = %e, "a stored survey responses file cannot be opened");
        missing()
    })?;
    let mut res =
        download(file_type(&a.responses.name), &a.responses.name, axum::body::Body::from_stream(chunks(file)));
    if let Ok(len) = HeaderValue::from_str(&stored.size.to_string()) {
        res.headers_mut().insert(axum::http::header::CONTENT_LENGTH, len);
    }
    Ok(res)
}

/// A file as a stream of chunks of at most 64 KiB.
fn chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<axum::body::Bytes>> + Send + 'static {
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(axum::body::Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

async fn example_instrument(lang: Lang, auth: Auth) -> Result<Response, Error> {
    auth.require(auth.principal().reads_surveys()).map_err(|e| e.page(lang))?;
    let bytes = files::xlsform_to_bytes(&seed004::xlsform()).map_err(|e| {
        tracing::error!(cause = %chain(&e), "built-in instrument workbook failed");
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error: the workbook could not be written")
            .page(lang)
    })?;
    Ok(download(XLSX_TYPE, "instrumen-seed-004.xlsx", bytes))
}

/// One CSV field, quoted when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// 43 synthetic respondents to the built-in instrument (the paper's sample size).
async fn example_responses(lang: Lang, auth: Auth) -> Result<Response, Error> {
    auth.require(auth.principal().reads_surveys()).map_err(|e| e.page(lang))?;
    let table = seed004::example_responses(43, 4);
    let mut out = String::new();
    for row in std::iter::once(&table.columns).chain(table.rows.iter().map(|r| &r.cells)) {
        out.push_str(&row.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    Ok(download("text/csv; charset=utf-8", "jawaban-contoh-seed-004.csv", out.into_bytes()))
}

// Pages ------------------------------------------------------------------------------------

fn crumbs(lang: Lang) -> Vec<Link> {
    let t = lang.tr();
    vec![Link::new(t.t("nav.home"), "/"), Link::new(t.t("nav.survey"), "/survey")]
}

/// A date and time in UTC, to the minute.
fn when(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

async fn list_page(Cx { state, lang, auth }: Cx, params: ListParams) -> Result<Response, Error> {
    let t = lang.tr();
    auth.require(auth.principal().reads_surveys()).map_err(|e| e.page(lang))?;
    let page = state.store().list_analyses(params.page).await.map_err(|e| Error::from(e).page(lang))?;
    let per_page = params.page.per_page;
    let pager = Pager::new(t, &page, |n| format!("/survey?page={n}&per_page={per_page}"));
    let table = Table {
        sorts: Vec::new(),
        headers: vec![
            t.t("survey.title_field").into(),
            t.t("survey.created_at").into(),
            t.t("survey.respondents").into(),
            t.t("survey.instrument").into(),
            t.t("survey.responses").into(),
        ],
        rows: page
            .items
            .into_iter()
            .map(|a| {
                vec![
                    Cell::link(a.title, format!("/survey/{}", a.id)),
                    Cell::text(when(a.created_at)),
                    Cell::text(a.respondents.to_string()),
                    Cell::text(a.instrument_name),
                    Cell::text(a.responses_name),
                ]
            })
            .collect(),
        empty: t.t("survey.none").into(),
    };
    Ok(render(&ListPage {
        l: Layout::new(lang, t.t("survey.list_title"), "survey"),
        heading: t.t("survey.list_title").into(),
        breadcrumbs: vec![Link::new(t.t("nav.home"), "/")],
        intro: Some(t.t("survey.intro").into()),
        search: None,
        actions: auth
            .principal()
            .writes_surveys()
            .then(|| Link::new(t.t("survey.new"), "/survey/new"))
            .into_iter()
            .chain([
                Link::new(t.t("survey.example_instrument"), "/survey/example.xlsx"),
                Link::new(t.t("survey.example_responses"), "/survey/example-responses.csv"),
            ])
            .collect(),
        table,
        pager: Some(pager),
    }))
}

/// The upload form, with what went wrong after a failed submit.
#[derive(askama::Template)]
#[template(path = "survey/new.html")]
pub struct NewPage {
    pub l: Layout,
    pub breadcrumbs: Vec<Link>,
    pub title: String,
    pub alpha: String,
    pub drop_incomplete: bool,
    /// A message about the whole submission.
    pub message: Option<String>,
    /// Field → message, for the title, alpha and file inputs.
    pub errors: Vec<(String, String)>,
    /// Instrument problems: sheet, row, question, message.
    pub problems: Vec<[String; 4]>,
    /// Bad answers: row, respondent, column, message.
    pub answers: Vec<[String; 4]>,
    /// The upload limit in MiB, stated on the form (and checked by the upload script before
    /// sending).
    pub limit_mib: u64,
}

impl NewPage {
    fn new(lang: Lang, config: &SurveyConfig) -> NewPage {
        NewPage {
            l: Layout::new(lang, lang.tr().t("survey.new"), "survey"),
            breadcrumbs: crumbs(lang),
            title: String::new(),
            alpha: "0.05".into(),
            drop_incomplete: false,
            message: None,
            errors: Vec::new(),
            limit_mib: config.limit_mib(),
            problems: Vec::new(),
            answers: Vec::new(),
        }
    }

    /// The error message of a field, if any.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// Lists why a submission was refused, in `lang` (at most [`MAX_LISTED`] answers, out of
    /// `answers_total` when the list was cut before); answers the status to send.
    fn refused(&mut self, rejected: &Rejected, lang: Lang, answers_total: usize) -> StatusCode {
        let t = lang.tr();
        match rejected {
            Rejected::Error(e) => {
                self.errors = e
                    .fields()
                    .iter()
                    .map(|f| (f.field.clone(), crate::messages::translate(lang, &f.message)))
                    .collect();
                self.message =
                    Some(if e.fields().is_empty() { e.text(lang) } else { t.t("form.has_errors").to_string() });
                e.status()
            }
            Rejected::Instrument(problems) => {
                self.message = Some(t.t("survey.instrument_problems").replace("{n}", &problems.len().to_string()));
                self.problems = problems
                    .iter()
                    .map(|p| {
                        [
                            p.sheet.clone().unwrap_or_default(),
                            p.row.map(|r| r.to_string()).unwrap_or_default(),
                            p.question.clone().unwrap_or_default(),
                            crate::messages::translate(lang, &p.message),
                        ]
                    })
                    .collect();
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Rejected::Answers(answers) | Rejected::ManyAnswers(answers, _) => {
                let counted = match rejected {
                    Rejected::ManyAnswers(_, total) => usize::try_from(*total).unwrap_or(usize::MAX),
                    _ => 0,
                };
                let total = answers_total.max(answers.len()).max(counted);
                let mut message = t.t("survey.bad_answers").replace("{n}", &total.to_string());
                if total > MAX_LISTED {
                    message.push(' ');
                    message.push_str(&t.t("survey.first_listed").replace("{shown}", &MAX_LISTED.to_string()));
                }
                self.message = Some(message);
                self.answers = answers
                    .iter()
                    .take(MAX_LISTED)
                    .map(|a| {
                        let message = crate::messages::translate(lang, &a.message);
                        [a.line.to_string(), a.respondent.clone().unwrap_or_default(), a.column.clone(), message]
                    })
                    .collect();
                StatusCode::UNPROCESSABLE_ENTITY
            }
        }
    }
}

async fn new_page(State(state): State<AppState>, lang: Lang, auth: Auth) -> Result<Response, Error> {
    auth.require(auth.principal().writes_surveys()).map_err(|e| e.page(lang))?;
    Ok(render(&NewPage::new(lang, &state.survey)))
}

/// The form's submit: checks the fields and the instrument while the request waits, then
/// answers 303 to the job that analyses the responses in the background.
async fn create_page(Cx { state, lang, auth }: Cx, multipart: Result<Multipart, MultipartRejection>) -> Response {
    if let Err(e) = auth.require(auth.principal().writes_surveys()) {
        return e.page(lang).into_response();
    }
    let sub = match read_submission(multipart, &state.survey).await {
        Ok(sub) => sub,
        Err(e) => return e.page(lang).into_response(),
    };
    let mut page = NewPage::new(lang, &state.survey);
    page.title = sub.title.clone();
    page.alpha = sub.alpha.clone();
    page.drop_incomplete = sub.drop_incomplete;
    let scope = auth.scope(Query::default());
    match start(&state, scope, sub, lang).await {
        Ok(job) => Redirect::to(&format!("/survey/jobs/{job}")).into_response(),
        Err(Rejected::Error(e)) if e.status().is_server_error() || e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            e.page(lang).into_response()
        }
        Err(rejected) => {
            let status = page.refused(&rejected, lang, 0);
            render_with(status, &page)
        }
    }
}

/// A job's page while its analysis runs: the share of the file read, refreshed.
#[derive(askama::Template)]
#[template(path = "survey/job.html")]
pub struct JobPage {
    pub l: Layout,
    pub breadcrumbs: Vec<Link>,
    pub title: String,
    pub percent: u64,
    /// `{percent} % dibaca, {n} responden`.
    pub status_text: String,
    /// Where the page's script asks how far it has got.
    pub status_url: String,
}

/// What the job page's script reads.
#[derive(Debug, Serialize)]
pub struct JobStatus {
    /// `running`, `done` or `failed`.
    pub state: &'static str,
    pub percent: u64,
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub respondents: u64,
    /// The page to show now: the report when done, the job's page otherwise.
    pub location: String,
    /// The progress said in the user's language.
    pub text: String,
}

fn job_text(lang: Lang, job: &jobs::Job) -> String {
    lang.tr()
        .t("survey.job_progress")
        .replace("{percent}", &job.percent().to_string())
        .replace("{n}", &job.progress_now().respondents.to_string())
}

/// A job of this server, for a role that reads surveys (the same rule as the analyses).
fn find_job(state: &AppState, auth: &Auth, id: &str) -> Result<std::sync::Arc<jobs::Job>, Error> {
    auth.require(auth.principal().reads_surveys())?;
    state.survey_jobs.get(id).ok_or_else(|| {
        Error::not_found("no analysis job with this id (jobs are forgotten an hour after they end, and on restart)")
    })
}

async fn job_page(
    Cx { state, lang, auth }: Cx,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, Error> {
    let job = find_job(&state, &auth, &id).map_err(|e| e.page(lang))?;
    let outcome = job.outcome();
    match &outcome.0 {
        Outcome::Done(analysis) => Ok(Redirect::to(&format!("/survey/{analysis}")).into_response()),
        Outcome::Failed(rejected, answers_total) => {
            let mut page = NewPage::new(lang, &state.survey);
            page.title = job.title.clone();
            page.alpha = job.alpha.clone();
            page.drop_incomplete = job.drop_incomplete;
            let status = page.refused(rejected, lang, *answers_total);
            Ok(render_with(status, &page))
        }
        Outcome::Running => {
            drop(outcome);
            let t = lang.tr();
            Ok(render(&JobPage {
                l: Layout::new(lang, t.t("survey.job_title"), "survey"),
                breadcrumbs: crumbs(lang),
                title: job.title.clone(),
                percent: job.percent(),
                status_text: job_text(lang, &job),
                status_url: format!("/survey/jobs/{id}/status"),
            }))
        }
    }
}

async fn job_status(
    Cx { state, lang, auth }: Cx,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<JobStatus>, Error> {
    let job = find_job(&state, &auth, &id)?;
    let p = job.progress_now();
    let (state_name, location) = match &job.outcome().0 {
        Outcome::Running => ("running", format!("/survey/jobs/{id}")),
        Outcome::Done(analysis) => ("done", format!("/survey/{analysis}")),
        Outcome::Failed(..) => ("failed", format!("/survey/jobs/{id}")),
    };
    Ok(Json(JobStatus {
        state: state_name,
        percent: if state_name == "done" { 100 } else { job.percent() },
        bytes_read: p.bytes_read,
        bytes_total: p.bytes_total,
        respondents: p.respondents,
        location,
        text: job_text(lang, &job),
    }))
}

async fn report_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let a = load(&state, &auth, lang, id).await?;
    let report = stored_report(&a).map_err(|e| e.page(lang))?;
    let mut page = ReportPage::build(lang, &a, &report);
    page.breadcrumbs = crumbs(lang);
    page.facts.push((lang.tr().t("survey.created_at").into(), Cell::text(when(a.created_at))));
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use askama::Template;

    #[test]
    fn a_running_jobs_page_shows_its_progress_and_refreshes_without_script() {
        let lang = Lang::Id;
        let jobs = jobs::Jobs::default();
        let (id, job) = jobs.start("Desa Pilang".into(), "0.05".into(), false);
        job.progress(Progress { bytes_read: 41, bytes_total: 100, respondents: 410_000 });
        let page = JobPage {
            l: Layout::new(lang, lang.tr().t("survey.job_title"), "survey"),
            breadcrumbs: crumbs(lang),
            title: job.title.clone(),
            percent: job.percent(),
            status_text: job_text(lang, &job),
            status_url: format!("/survey/jobs/{id}/status"),
        };
        let html = page.render().expect("render");
        assert!(html.contains("<progress id=\"job-progress\" max=\"100\" value=\"41\">"), "{html}");
        assert!(html.contains("41 % berkas jawaban dibaca, 410000 responden"), "{html}");
        assert!(html.contains(&format!("data-status=\"/survey/jobs/{id}/status\"")), "{html}");
        assert!(html.contains("<noscript><meta http-equiv=\"refresh\" content=\"3\"></noscript>"), "{html}");
        assert!(html.contains("/assets/survey-upload.js"), "{html}");
    }

    #[test]
    fn a_file_of_bad_rows_lists_the_first_thousand_and_counts_all() {
        let bad = |line: u64| AnswerProblem {
            line,
            respondent: Some(format!("R{line}")),
            column: "persiapan/rekening".into(),
            kind: berdaya_domain::survey::responses::AnswerProblemKind::Blank,
            message: "blank answer".into(),
        };
        let mut page = NewPage::new(Lang::Id, &SurveyConfig::default());
        let listed: Vec<AnswerProblem> = (2..2 + MAX_LISTED as u64).map(bad).collect();
        let status = page.refused(&Rejected::Answers(listed), Lang::Id, 250_000);
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(page.answers.len(), MAX_LISTED);
        let message = page.message.clone().expect("message");
        assert!(message.contains("250000") && message.contains("1000 yang pertama ditampilkan"), "{message}");

        // A short list: every one, no note.
        let mut page = NewPage::new(Lang::Id, &SurveyConfig::default());
        page.refused(&Rejected::Answers(vec![bad(5)]), Lang::Id, 0);
        assert_eq!(
            page.answers,
            vec![["5".to_string(), "R5".into(), "persiapan/rekening".into(), "jawaban kosong".into()]]
        );
        assert!(!page.message.expect("message").contains("pertama"));
    }

    #[test]
    fn the_form_states_the_configured_limit() {
        let config = SurveyConfig { upload_limit: 64 << 20, files_dir: "/tmp".into() };
        let html = NewPage::new(Lang::Id, &config).render().expect("render");
        assert!(html.contains("Berkas paling besar 64 MiB"), "{html}");
        assert!(html.contains("data-limit-mib=\"64\""), "{html}");
        assert!(html.contains("melebihi batas 64 MiB"), "the script's refusal names it too");
    }
}
