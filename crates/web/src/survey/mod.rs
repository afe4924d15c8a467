//! Survey evaluation over HTTP: an evaluator uploads an XLSForm instrument and responses,
//! Berdaya analyses them (categories, distributions, correlations, reliability), saves the
//! files and the report, and shows it again later as a page, an XLSX workbook or JSON.
//!
//! Routes: `/survey` (saved analyses, newest first), `/survey/new` and `POST /survey` (the
//! upload form), `/survey/{id}` (the report), `/survey/{id}/report.xlsx|report.json`, the
//! uploaded files, the built-in seed-004 instrument (`/survey/example.xlsx`) with synthetic
//! responses (`/survey/example-responses.csv`), and the JSON API under
//! `/api/v1/survey/analyses`.

mod report_page;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::registry::{FieldError, Id, Invalid};
use berdaya_domain::survey::report::Report;
use berdaya_domain::survey::{
    AnalysisError, AnalysisOptions, AnswerProblem, Instrument, MissingPolicy, Problem, ResponseTable, ResponsesError,
    analyze, seed004,
};
use berdaya_files::limits::LimitExceeded;
use berdaya_files::survey as files;
use berdaya_store::survey::{AnalysisSummary, AnalysisTitle, NewAnalysis, StoredAnalysis, UploadedFile};
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

pub use report_page::ReportPage;

pub use crate::UPLOAD_LIMIT;

/// The longest uploaded file name kept, in characters.
const MAX_FILE_NAME: usize = 255;

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Every survey route, API and pages.
pub fn router() -> Router<AppState> {
    let uploads = Router::new()
        .route("/survey", post(create_page))
        .route("/api/v1/survey/analyses", post(create))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT));
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
}

// Uploads ----------------------------------------------------------------------------------

/// What the upload form and the API accept (multipart/form-data).
#[derive(Debug, Default)]
struct Submission {
    title: String,
    alpha: String,
    drop_incomplete: bool,
    instrument: Option<UploadedFile>,
    responses: Option<UploadedFile>,
}

/// The multipart body of an analysis upload, for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AnalysisUpload {
    /// A title for the analysis, 1 to 200 characters.
    title: String,
    /// The XLSForm instrument (.xlsx) with `berdaya` and `berdaya_bins` columns.
    #[schema(value_type = String, format = Binary)]
    instrument: Vec<u8>,
    /// Responses, CSV or XLSX, one row per respondent.
    #[schema(value_type = String, format = Binary)]
    responses: Vec<u8>,
    /// Significance level, strictly between 0 and 1 (default 0.05).
    alpha: Option<f64>,
    /// `true` to leave out respondents with blank or invalid answers instead of refusing.
    drop_incomplete: Option<bool>,
}

fn short_name(name: Option<&str>, fallback: &str) -> String {
    let name = name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(fallback);
    // Only the last path segment: some browsers send a full path.
    let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    name.chars().filter(|c| !c.is_control()).take(MAX_FILE_NAME).collect()
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        Error::bad_request("body", format!("is not a readable multipart form: {}", e.body_text()))
    }
}

fn too_large() -> Error {
    Error::too_large(UPLOAD_LIMIT)
}

async fn read_submission(multipart: Result<Multipart, MultipartRejection>) -> Result<Submission, Error> {
    let mut mp = multipart.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            Error::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "content-type: the upload must be sent as multipart/form-data",
            )
        }
    })?;
    let mut sub = Submission::default();
    while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        match name.as_str() {
            "instrument" | "responses" => {
                let bytes = field.bytes().await.map_err(multipart_error)?;
                if bytes.is_empty() {
                    continue;
                }
                let file = UploadedFile { name: short_name(file_name.as_deref(), &name), bytes: bytes.to_vec() };
                if name == "instrument" {
                    sub.instrument = Some(file);
                } else {
                    sub.responses = Some(file);
                }
            }
            "title" | "alpha" | "drop_incomplete" => {
                let text = field.text().await.map_err(multipart_error)?;
                match name.as_str() {
                    "title" => sub.title = text,
                    "alpha" => sub.alpha = text,
                    _ => sub.drop_incomplete = !matches!(text.trim(), "" | "false" | "0" | "off"),
                }
            }
            // Unknown parts (a CSRF token later, a submit button) are ignored.
            _ => {}
        }
    }
    Ok(sub)
}

/// Why an upload was not analysed.
enum Rejected {
    /// A missing or malformed field, an unreadable file, or a store failure.
    Error(Error),
    /// The instrument definition has problems: every one, with sheet, row and question.
    Instrument(Vec<Problem>),
    /// Answers are blank, unknown or out of scale: every one, with respondent and column.
    Answers(Vec<AnswerProblem>),
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
            Rejected::Answers(answers) => {
                Invalid(answers.iter().map(|a| FieldError::new("responses", a.to_string())).collect()).into()
            }
        }
    }
}

/// The checked options and files of a submission.
struct Checked {
    title: AnalysisTitle,
    options: AnalysisOptions,
    instrument: UploadedFile,
    responses: UploadedFile,
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

fn read_responses(file: &UploadedFile, lang: Lang) -> Result<ResponseTable, Error> {
    let ext = file.name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    // By extension; without one, by content: a zip (xlsx) or an OLE file (xls). Only XLSX
    // is read: .xls and .ods get the reader's message.
    let spreadsheet = match ext.as_str() {
        "csv" | "txt" => false,
        "xlsx" | "xlsm" | "xls" | "ods" => true,
        _ => file.bytes.starts_with(b"PK\x03\x04") || file.bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]),
    };
    let read = if spreadsheet {
        files::read_responses_xlsx_bytes(&file.bytes)
    } else {
        files::read_responses_csv(&file.bytes)
    };
    read.map_err(|e| {
        if let Some(limit) = e.limit() {
            return Error::unprocessable("responses", limit_message(lang, limit));
        }
        let kind = if spreadsheet { "spreadsheet (.xlsx)" } else { "CSV file" };
        Error::unprocessable("responses", format!("cannot be read as a {kind}: {}", chain(&e)))
    })
}

/// Reads the files and runs the analysis (CPU work: call it on the blocking pool).
fn analyze_files(c: &Checked, lang: Lang) -> Result<Report, Rejected> {
    let form = files::read_xlsform_bytes(&c.instrument.bytes).map_err(|e| {
        if let Some(limit) = e.limit() {
            return Error::unprocessable("instrument", limit_message(lang, limit));
        }
        Error::unprocessable(
            "instrument",
            format!("is not a readable XLSForm workbook (.xlsx with survey and choices sheets): {}", chain(&e)),
        )
    })?;
    let instrument = Instrument::from_xlsform(&form).map_err(Rejected::Instrument)?;
    let table = read_responses(&c.responses, lang)?;
    analyze(&instrument, &table, &c.options).map_err(|e| match e {
        AnalysisError::Responses(ResponsesError::BadAnswers(list)) => Rejected::Answers(list),
        AnalysisError::Responses(other) => Error::unprocessable("responses", other.to_string()).into(),
        AnalysisError::NoItems => Error::unprocessable("instrument", e.to_string()).into(),
        AnalysisError::Alpha(_) => Error::unprocessable("alpha", e.to_string()).into(),
    })
}

/// Checks, analyses and saves a submission.
async fn run(state: &AppState, sub: Submission, lang: Lang) -> Result<StoredAnalysis, Rejected> {
    let checked = check(sub)?;
    let (checked, result) = tokio::task::spawn_blocking(move || {
        let result = analyze_files(&checked, lang);
        (checked, result)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "survey analysis task failed");
        Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error: the analysis failed; the cause has been logged",
        )
    })?;
    let report = result?;
    let report_json = serde_json::to_string(&report).map_err(|e| {
        tracing::error!(error = %e, "survey report does not serialize");
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error: the report could not be saved")
    })?;
    let new = NewAnalysis {
        title: checked.title,
        instrument: checked.instrument,
        responses: checked.responses,
        alpha: checked.options.alpha,
        drop_incomplete: checked.options.missing == MissingPolicy::DropIncomplete,
        report_json,
        respondents: report.n,
        created_at: OffsetDateTime::now_utc(),
    };
    let saved = state.store().save_analysis(&new).await.map_err(Error::from)?;
    tracing::info!(analysis = saved.id, respondents = saved.respondents, "survey analysis saved");
    Ok(saved)
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

/// Analyses an uploaded instrument and responses and saves the result. An instrument with
/// problems, or bad answers (unless `drop_incomplete`), is answered 422 listing every one.
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
    let sub = read_submission(multipart).await?;
    let saved = run(&state, sub, lang).await.map_err(Rejected::into_error)?;
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
fn download(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    ([(CONTENT_TYPE, HeaderValue::from_static(content_type)), (CONTENT_DISPOSITION, disposition)], body).into_response()
}

/// A saved analysis, for a role that reads surveys (errors as pages).
async fn load(state: &AppState, auth: &Auth, lang: Lang, id: Id) -> Result<StoredAnalysis, Error> {
    auth.require(auth.principal().reads_surveys()).map_err(|e| e.page(lang))?;
    state.store().analysis(id).await.map_err(|e| Error::from(e).page(lang))
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
    Ok(download(file_type(&a.responses.name), &a.responses.name, a.responses.bytes))
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
    /// The upload limit, stated on the form.
    pub limit_mib: usize,
}

impl NewPage {
    fn new(lang: Lang) -> NewPage {
        NewPage {
            l: Layout::new(lang, lang.tr().t("survey.new"), "survey"),
            breadcrumbs: crumbs(lang),
            title: String::new(),
            alpha: "0.05".into(),
            drop_incomplete: false,
            message: None,
            errors: Vec::new(),
            limit_mib: UPLOAD_LIMIT / (1024 * 1024),
            problems: Vec::new(),
            answers: Vec::new(),
        }
    }

    /// The error message of a field, if any.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

async fn new_page(lang: Lang, auth: Auth) -> Result<Response, Error> {
    auth.require(auth.principal().writes_surveys()).map_err(|e| e.page(lang))?;
    Ok(render(&NewPage::new(lang)))
}

async fn create_page(Cx { state, lang, auth }: Cx, multipart: Result<Multipart, MultipartRejection>) -> Response {
    if let Err(e) = auth.require(auth.principal().writes_surveys()) {
        return e.page(lang).into_response();
    }
    let sub = match read_submission(multipart).await {
        Ok(sub) => sub,
        Err(e) => return e.page(lang).into_response(),
    };
    let t = lang.tr();
    let mut page = NewPage::new(lang);
    page.title = sub.title.clone();
    page.alpha = sub.alpha.clone();
    page.drop_incomplete = sub.drop_incomplete;
    let status = match run(&state, sub, lang).await {
        Ok(saved) => return Redirect::to(&format!("/survey/{}", saved.id)).into_response(),
        Err(Rejected::Error(e)) if e.status().is_server_error() || e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return e.page(lang).into_response();
        }
        Err(Rejected::Error(e)) => {
            page.errors =
                e.fields().iter().map(|f| (f.field.clone(), crate::messages::translate(lang, &f.message))).collect();
            page.message = Some(if e.fields().is_empty() { e.text(lang) } else { t.t("form.has_errors").to_string() });
            e.status()
        }
        Err(Rejected::Instrument(problems)) => {
            page.message = Some(t.t("survey.instrument_problems").replace("{n}", &problems.len().to_string()));
            page.problems = problems
                .into_iter()
                .map(|p| {
                    [
                        p.sheet.unwrap_or_default(),
                        p.row.map(|r| r.to_string()).unwrap_or_default(),
                        p.question.unwrap_or_default(),
                        crate::messages::translate(lang, &p.message),
                    ]
                })
                .collect();
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(Rejected::Answers(answers)) => {
            page.message = Some(t.t("survey.bad_answers").replace("{n}", &answers.len().to_string()));
            page.answers = answers
                .into_iter()
                .map(|a| {
                    let message = crate::messages::translate(lang, &a.message);
                    [a.line.to_string(), a.respondent.unwrap_or_default(), a.column, message]
                })
                .collect();
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    render_with(status, &page)
}

async fn report_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let a = load(&state, &auth, lang, id).await?;
    let report = stored_report(&a).map_err(|e| e.page(lang))?;
    let mut page = ReportPage::build(lang, &a, &report);
    page.breadcrumbs = crumbs(lang);
    page.facts.push((lang.tr().t("survey.created_at").into(), Cell::text(when(a.created_at))));
    Ok(render(&page))
}
