//! Printable documents made on the server, without a browser: the PDF of a survey report, of
//! a program's summary and of a household's record. Each is built from the same view model
//! as its page, read through the same access rules and scope (a record the reader may not see
//! is refused like a missing one), and laid out by [`crate::pdf`].

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use berdaya_domain::registry::{EnrollmentStatus, Program};
use berdaya_store::{PageRequest, Query};

use crate::AppState;
use crate::access::guard::Auth;
use crate::error::Error;
use crate::extract::{Cx, IdPath, ListParams};
use crate::html::{Cell, Link, Section, Table, ViewPage};
use crate::i18n::Lang;
use crate::kit::Resource;
use crate::pdf::{self, Block, Document};
use crate::registry::households::Households;
use crate::registry::programs::Programs;
use crate::survey::ReportPage;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/survey/{id}/report.pdf", get(survey_report))
        .route("/programs/{id}/summary.pdf", get(program_summary))
        .route("/households/{id}/record.pdf", get(household_record))
}

/// The address of a household's PDF.
pub fn household_href(id: i64) -> String {
    format!("/households/{id}/record.pdf")
}

/// The address of a program's PDF summary.
pub fn program_href(id: i64) -> String {
    format!("/programs/{id}/summary.pdf")
}

/// The address of a survey report's PDF.
pub fn survey_href(id: i64) -> String {
    format!("/survey/{id}/report.pdf")
}

/// The "Unduh PDF" link of a page.
pub fn pdf_link(lang: Lang, href: String) -> Link {
    Link::new(lang.tr().t("print.download_pdf"), href)
}

/// Today's date as printed (`YYYY-MM-DD`, UTC).
pub fn today() -> String {
    berdaya_domain::registry::text::format_date(time::OffsetDateTime::now_utc().date())
}

/// A document with the running header (the reader's agency, or Berdaya when they have none)
/// and page numbers in the reader's language.
fn document(lang: Lang, title: &str, blocks: Vec<Block>) -> Document {
    let t = lang.tr();
    Document {
        title: title.to_string(),
        agency: crate::access::current_agency().unwrap_or_else(|| "Berdaya".into()),
        printed: t.t("print.printed").replace("{date}", &today()),
        page_label: t.t("print.page").to_string(),
        blocks,
    }
}

/// A PDF download named `name`.
fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    ([(CONTENT_TYPE, HeaderValue::from_static("application/pdf")), (CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

/// Lays the document out off the async threads (a long report takes a few milliseconds).
async fn rendered(doc: Document, lang: Lang) -> Result<Vec<u8>, Error> {
    tokio::task::spawn_blocking(move || pdf::render(&doc)).await.map_err(|e| {
        tracing::error!(error = %e, "PDF layout failed");
        Error::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error: the PDF could not be made",
        )
        .page(lang)
    })
}

/// A page's table as a PDF table: columns as wide as their content suggests (the longest word
/// of the header, the longest cell up to 40 characters).
pub fn table_block(caption: Option<String>, t: &Table) -> Block {
    let weight = |i: usize| {
        let head = t.headers[i].split_whitespace().map(|w| w.chars().count()).max().unwrap_or(1);
        let cells = t.rows.iter().filter_map(|r| r.get(i)).map(|c| c.text.chars().count().min(40)).max().unwrap_or(1);
        head.max(cells).max(3) as f32
    };
    Block::Table(pdf::Table {
        caption,
        columns: t.headers.iter().enumerate().map(|(i, h)| (h.clone(), weight(i))).collect(),
        rows: t.rows.iter().map(|r| r.iter().map(|c: &Cell| c.text.clone()).collect()).collect(),
        empty: t.empty.clone(),
    })
}

/// A record page's facts and the sections that hold a table (forms are not printed).
fn view_blocks(facts: &[(String, Cell)], sections: &[Section]) -> Vec<Block> {
    let mut blocks = vec![Block::Facts(facts.iter().map(|(k, c)| (k.clone(), c.text.clone())).collect())];
    for s in sections {
        if let Some(table) = &s.table {
            blocks.push(Block::Heading(s.title.clone()));
            blocks.push(table_block(None, table));
        }
    }
    blocks
}

/// A view page's warnings, facts and tables.
fn page_blocks(page: &ViewPage) -> Vec<Block> {
    let mut blocks: Vec<Block> = page.warnings.iter().map(|w| Block::Paragraph(w.clone())).collect();
    blocks.extend(view_blocks(&page.facts, &page.sections));
    blocks
}

/// A file name of ASCII letters, digits and dashes.
fn file_name(stem: &str, id: i64) -> String {
    format!("{stem}-{id}.pdf")
}

/// `GET /households/{id}/record.pdf`: the household page as a document: its fields (the KK as
/// the page shows it to the reader, a full one recorded as a reveal exactly as the page
/// does), members with masked NIKs, enrollments.
async fn household_record(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let record = Households::read(&state, &auth, &id).await.map_err(|e| e.page(lang))?;
    let page = Households::view(&state, &auth, lang, record, &ListParams::default()).await.map_err(|e| e.page(lang))?;
    let doc = document(lang, &page.heading, page_blocks(&page));
    Ok(pdf_response(&file_name("keluarga", id), rendered(doc, lang).await?))
}

/// `GET /programs/{id}/summary.pdf`: the program's fields and, for those who manage it (who
/// see its enrollments on the page), its enrollments in their area counted by status.
async fn program_summary(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let t = lang.tr();
    let program = Programs::read(&state, &auth, &id).await.map_err(|e| e.page(lang))?;
    let manages = Programs::may_edit(&auth, &program);
    let counts =
        if manages { Some(status_counts(&state, &auth, &program).await.map_err(|e| e.page(lang))?) } else { None };
    let page = Programs::view(&state, &auth, lang, program, &ListParams::default()).await.map_err(|e| e.page(lang))?;
    let mut blocks = view_blocks(&page.facts, &[]);
    blocks.push(Block::Heading(t.t("print.enrollments_by_status").into()));
    match counts {
        Some(counts) => {
            let total: u64 = counts.iter().map(|(_, n)| n).sum();
            let rows = counts.iter().map(|(s, n)| (s.label(lang.code()).to_string(), *n));
            let mut table: Vec<Vec<String>> = rows.clone().map(|(s, n)| vec![s, n.to_string()]).collect();
            table.push(vec![t.t("print.total").into(), total.to_string()]);
            blocks.push(Block::Table(pdf::Table {
                caption: None,
                columns: vec![(t.t("enrollments.status").into(), 3.0), (t.t("print.count").into(), 1.0)],
                rows: table,
                empty: String::new(),
            }));
            blocks.push(Block::Bars(pdf::Bars {
                caption: t.t("print.enrollments_by_status").into(),
                bars: rows.map(|(s, n)| (s, n as f64, n.to_string())).collect(),
            }));
        }
        None => blocks.push(Block::Paragraph(t.t("print.managers_only").into())),
    }
    let doc = document(lang, &page.heading, blocks);
    Ok(pdf_response(&file_name("program", id), rendered(doc, lang).await?))
}

/// The program's enrollments within the reader's scope, counted by status (every status, in
/// the vocabulary's order), read a page at a time so memory stays bounded.
async fn status_counts(state: &AppState, auth: &Auth, p: &Program) -> Result<Vec<(EnrollmentStatus, u64)>, Error> {
    let mut counts: Vec<(EnrollmentStatus, u64)> = EnrollmentStatus::ALL.iter().map(|s| (*s, 0)).collect();
    let per_page = PageRequest::MAX_PER_PAGE;
    for n in 1.. {
        let Some(q) = auth.scope(Query { page: PageRequest::new(n, per_page), ..Query::default() }) else { break };
        let page = state.store().program_enrollments(p.id, &q).await?;
        for e in &page.items {
            if let Some(c) = counts.iter_mut().find(|(s, _)| *s == e.status) {
                c.1 += 1;
            }
        }
        if page.items.len() < per_page as usize {
            break;
        }
    }
    Ok(counts)
}

/// `GET /survey/{id}/report.pdf`: the report page's facts, notes and tables, and the mean
/// score of each item as bars.
async fn survey_report(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let (a, report) = crate::survey::readable_report(&state, &auth, lang, id).await?;
    let page = ReportPage::build(lang, &a, &report);
    let mut blocks = view_blocks(&page.facts, &[]);
    if !page.notes.is_empty() {
        blocks.push(Block::Heading(lang.tr().t("survey.section.notes").into()));
        blocks.extend(page.notes.iter().map(|n| Block::Paragraph(n.clone())));
    }
    for s in &page.sections {
        blocks.push(Block::Heading(s.title.clone()));
        blocks.extend(s.lines.iter().map(|l| Block::Paragraph(l.clone())));
        blocks.extend(s.tables.iter().map(|(caption, table)| table_block(caption.clone(), table)));
        if s.id == "items" {
            blocks.push(Block::Bars(crate::survey::report_page::item_means(lang, &report)));
        }
    }
    let doc = document(lang, &page.heading, blocks);
    Ok(pdf_response(&file_name("analisis-survei", id), rendered(doc, lang).await?))
}
