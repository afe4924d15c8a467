//! The seed-004 survey linked to the registry: the 43 members of Kelompok Tani Karya Makmur II
//! enrolled in the Optimasi Lahan program answer the seed-004 instrument, each response
//! carrying the member's NIK, and the respondent's age is taken from the registry (birth date
//! on the survey date) instead of from the answer. The analysis is saved, so the demo shows it.
//!
//! The answers are the built-in synthetic seed-004 responses; the NIKs and birth dates are the
//! demo registry's (fictional).

use anyhow::Context;
use berdaya_domain::registry::{Subject, SubjectKind};
use berdaya_domain::survey::instrument::SurveyRow;
use berdaya_domain::survey::report::analyze_linked;
use berdaya_domain::survey::{AnalysisOptions, Instrument, ResponseTable, XlsForm, seed004};
use berdaya_store::survey::{AnalysisTitle, NewAnalysis, StoredAnalysis, UploadedFile};
use berdaya_store::{PageRequest, Query, Store};
use time::OffsetDateTime;

/// The program whose enrolled members answer the survey.
pub const PROGRAM: &str = "Optimasi Lahan 2014 — Kelompok Tani Karya Makmur II";

/// The saved analysis's title.
pub const TITLE: &str = "Partisipasi 43 anggota Karya Makmur II — tertaut ke registri (DATA DEMO)";

/// The link column and the date column the linked form adds.
pub const NIK_COLUMN: &str = "nik";
pub const DATE_COLUMN: &str = "tanggal";

/// The seed-004 instrument with the respondent's NIK (`berdaya = person`), the survey date
/// (`today`) and the age factor taken from the registry.
pub fn linked_xlsform() -> XlsForm {
    let mut form = seed004::xlsform();
    let at = form.survey.iter().position(|r| r.name == "id").map_or(0, |i| i + 1);
    let nik = SurveyRow {
        kind: "text".into(),
        name: NIK_COLUMN.into(),
        label: "NIK responden".into(),
        hint: "16 angka, seperti di KTP; menautkan responden ke registri".into(),
        required: "yes".into(),
        berdaya: "person".into(),
        ..SurveyRow::default()
    };
    let date = SurveyRow {
        kind: "today".into(),
        name: DATE_COLUMN.into(),
        label: "Tanggal wawancara".into(),
        ..SurveyRow::default()
    };
    form.survey.insert(at, nik);
    form.survey.insert(at + 1, date);
    for r in &mut form.survey {
        if r.name == "umur" {
            r.berdaya_registry = "age".into();
            r.berdaya_note = "Umur diambil dari tanggal lahir di registri pada tanggal wawancara.".into();
        }
    }
    for (i, r) in form.survey.iter_mut().enumerate() {
        r.row = i as u32 + 2;
    }
    form.settings.form_title =
        "Partisipasi anggota Kelompok Tani Karya Makmur II — responden tertaut ke registri".into();
    form.settings.form_id = "berdaya_004_tertaut".into();
    form
}

/// The seed-004 synthetic responses of `niks.len()` respondents, each with a NIK and an
/// interview date in the last ten days of April 2015.
pub fn linked_responses(niks: &[String]) -> ResponseTable {
    let mut table = seed004::example_responses(niks.len(), 4);
    table.columns.insert(1, NIK_COLUMN.into());
    table.columns.insert(2, DATE_COLUMN.into());
    for (i, (row, nik)) in table.rows.iter_mut().zip(niks).enumerate() {
        row.cells.insert(1, nik.clone());
        row.cells.insert(2, format!("2015-04-{}", 21 + i % 10));
    }
    table
}

/// The table as CSV text (the cells hold no delimiter, quote or newline).
fn csv(table: &ResponseTable) -> String {
    let mut out = table.columns.join(",");
    out.push('\n');
    for row in &table.rows {
        out.push_str(&row.cells.join(","));
        out.push('\n');
    }
    out
}

/// The NIKs (16 digits) of the people enrolled in [`PROGRAM`], in enrollment order.
async fn enrolled_niks(store: &dyn Store) -> anyhow::Result<Vec<String>> {
    let programs = store.search_programs(&Query::text(PROGRAM)).await.context("finding the Optimasi Lahan program")?;
    let program = programs
        .items
        .iter()
        .find(|p| p.program.name == PROGRAM)
        .with_context(|| format!("the demo has no program `{PROGRAM}`"))?;
    let query = Query { page: PageRequest::new(1, PageRequest::MAX_PER_PAGE), ..Query::default() };
    let enrolled = store.program_enrollments(program.program.id, &query).await.context("reading its enrollments")?;
    let mut niks = Vec::new();
    for e in &enrolled.items {
        if let Subject { kind: SubjectKind::Person, id } = e.subject {
            let person = store.person(id).await.context("reading an enrolled member")?;
            niks.push(format!("{:016}", person.nik.as_u64()));
        }
    }
    Ok(niks)
}

/// Analyses the linked seed-004 survey against the registry (as an administrator sees it)
/// and saves it.
pub async fn load(store: &dyn Store) -> anyhow::Result<StoredAnalysis> {
    let niks = enrolled_niks(store).await?;
    let form = linked_xlsform();
    let instrument =
        Instrument::from_xlsform(&form).map_err(|p| anyhow::anyhow!("the linked seed-004 form has problems: {p:?}"))?;
    let table = linked_responses(&niks);
    let facts = store.person_facts(&niks, &Query::default()).await.context("reading the members' birth dates")?;
    let options = AnalysisOptions::default();
    let report = analyze_linked(&instrument, &table, &options, &facts).context("analysing the linked survey")?;
    let new = NewAnalysis {
        title: AnalysisTitle::parse(TITLE)?,
        instrument: UploadedFile {
            name: "instrumen-004-tertaut.xlsx".into(),
            bytes: berdaya_files::survey::xlsform_to_bytes(&form).context("writing the linked form")?,
        },
        responses: UploadedFile { name: "jawaban-004-tertaut.csv".into(), bytes: csv(&table).into_bytes() },
        // A 43-row file: kept in the database, not in the survey files directory.
        responses_file: None,
        alpha: options.alpha,
        drop_incomplete: false,
        report_json: serde_json::to_string(&report)?,
        respondents: report.n,
        created_at: OffsetDateTime::now_utc(),
    };
    store.save_analysis(&new).await.context("saving the linked survey analysis")
}
