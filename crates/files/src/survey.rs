//! XLSForm instruments and survey responses, read from and written to files: XLSForm
//! workbooks (`survey`, `choices`, `settings` sheets) into the domain's [`XlsForm`] rows,
//! responses from CSV or XLSX into a [`ResponseTable`], and the analysis [`Report`] as an
//! XLSX workbook with the paper's tables and a diverging stacked bar chart.

use std::path::{Path, PathBuf};

use berdaya_domain::survey::instrument::LanguageLabel;
use berdaya_domain::survey::rank::PMethod;
use berdaya_domain::survey::report::{Report, Side};
use berdaya_domain::survey::{ChoiceRow, FormSettings, ResponseRow, ResponseTable, SurveyRow, XlsForm};
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook, Worksheet, XlsxError};

use crate::limits::{LimitExceeded, Limits};
use crate::xlsx::{self, Cell};

/// What went wrong reading or writing a survey file.
#[derive(Debug, thiserror::Error)]
pub enum SurveyFileError {
    #[error("cannot open {} as a spreadsheet", path.display())]
    Open { path: PathBuf, source: xlsx::XlsxError },
    #[error("cannot read the uploaded spreadsheet")]
    OpenBytes(#[source] xlsx::XlsxError),
    #[error(transparent)]
    Limit(#[from] LimitExceeded),
    #[error("the workbook has no `{0}` sheet")]
    MissingSheet(String),
    #[error("sheet `{sheet}` has no `{column}` column")]
    MissingColumn { sheet: String, column: String },
    #[error("cannot read sheet `{sheet}`")]
    Sheet { sheet: String, source: xlsx::XlsxError },
    #[error("invalid CSV")]
    Csv(#[from] csv::Error),
    #[error("the responses file has no header row")]
    NoHeader,
    #[error("responses must be .csv or .xlsx, not {0}")]
    UnknownFormat(String),
    #[error("cannot write the workbook")]
    Xlsx(#[from] XlsxError),
    #[error("cannot read or write {}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

impl SurveyFileError {
    /// The limit the file broke, if that is what went wrong.
    pub fn limit(&self) -> Option<&LimitExceeded> {
        match self {
            SurveyFileError::Limit(l) => Some(l),
            _ => None,
        }
    }

    fn open(path: &Path, e: xlsx::XlsxError) -> SurveyFileError {
        match e {
            xlsx::XlsxError::Limit(l) => SurveyFileError::Limit(l),
            source => SurveyFileError::Open { path: path.into(), source },
        }
    }

    fn open_bytes(e: xlsx::XlsxError) -> SurveyFileError {
        match e {
            xlsx::XlsxError::Limit(l) => SurveyFileError::Limit(l),
            source => SurveyFileError::OpenBytes(source),
        }
    }

    fn sheet(sheet: &str, e: xlsx::XlsxError) -> SurveyFileError {
        match e {
            xlsx::XlsxError::Limit(l) => SurveyFileError::Limit(l),
            source => SurveyFileError::Sheet { sheet: sheet.into(), source },
        }
    }
}

/// The error of a workbook that cannot be opened (for the streaming reader).
pub(crate) fn open_error(path: &Path, e: xlsx::XlsxError) -> SurveyFileError {
    SurveyFileError::open(path, e)
}

/// The error of a sheet that cannot be read (for the streaming reader).
pub(crate) fn sheet_error(sheet: &str, e: xlsx::XlsxError) -> SurveyFileError {
    SurveyFileError::sheet(sheet, e)
}

/// Text of a spreadsheet cell as a user would type it: whole floats without `.0`.
pub(crate) fn cell_text(d: &Cell, date1904: bool) -> String {
    let number = |f: f64| {
        if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { format!("{f}") }
    };
    match d {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.trim().to_string(),
        Cell::Number(f) => number(*f),
        Cell::Date(f) => {
            xlsx::excel_date(*f, date1904).map_or_else(|| number(*f), berdaya_domain::registry::text::format_date)
        }
        Cell::Bool(b) => b.to_string(),
        Cell::Error(e) => e.clone(),
    }
}

/// Rows of a sheet as (spreadsheet row number, cells as text), the header first.
type SheetRows = Vec<(u32, Vec<String>)>;

/// Memory a cell of text costs in a table: the string and its header.
const CELL_OVERHEAD: u64 = std::mem::size_of::<String>() as u64;

/// A sheet's rows with any value, or `None` when the workbook has no sheet of that name
/// (any case). The text kept is bounded by [`Limits::max_table_bytes`].
fn sheet_rows(wb: &mut xlsx::Workbook, name: &str, bytes: &mut u64) -> Result<Option<SheetRows>, SurveyFileError> {
    let Some(actual) = wb.sheet_names().find(|s| s.trim().eq_ignore_ascii_case(name)).map(str::to_string) else {
        return Ok(None);
    };
    let limits = Limits::SURVEY;
    let mut rows = wb.rows(&actual).map_err(|e| SurveyFileError::sheet(&actual, e))?;
    let mut cells = Vec::new();
    let mut out = Vec::new();
    while let Some(row) = rows.next_row(&mut cells).map_err(|e| SurveyFileError::sheet(&actual, e))? {
        if out.len() as u64 >= limits.max_rows {
            return Err(LimitExceeded::Rows(limits.max_rows).into());
        }
        let texts: Vec<String> = cells.iter().map(|c| cell_text(c, rows.date1904())).collect();
        *bytes += texts.iter().map(|t| t.len() as u64 + CELL_OVERHEAD).sum::<u64>();
        if *bytes > limits.max_table_bytes {
            return Err(LimitExceeded::TableBytes(limits.max_table_bytes).into());
        }
        // Row numbers are at most `max_rows`, checked by the reader.
        out.push((row as u32, texts));
    }
    Ok(Some(out))
}

/// Column lookup of a header row, by lower-case name; `label` and `hint` also accept a
/// `label::Language (xx)` column (the default language's, else the first).
struct Columns {
    /// Headers in lower case, for lookup.
    lower: Vec<String>,
    /// Headers as written (language names keep their case).
    written: Vec<String>,
}

impl Columns {
    fn new(header: &[String]) -> Columns {
        Columns {
            lower: header.iter().map(|s| s.trim().to_ascii_lowercase()).collect(),
            written: header.iter().map(|s| s.trim().to_string()).collect(),
        }
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.lower.iter().position(|h| h == name)
    }

    /// A text column that may be split by language: the plain one, else the default
    /// language's, else the first language's.
    fn find_text(&self, name: &str, default_language: &str) -> Option<usize> {
        self.find(name).or_else(|| {
            let langs = self.languages(name);
            langs
                .iter()
                .find(|(l, _)| l.eq_ignore_ascii_case(default_language.trim()))
                .or(langs.first())
                .map(|(_, c)| *c)
        })
    }

    /// The `name::Language` columns: (language as written, column).
    fn languages(&self, name: &str) -> Vec<(String, usize)> {
        let prefix = format!("{name}::");
        self.lower
            .iter()
            .enumerate()
            .filter(|(_, h)| h.starts_with(&prefix))
            .map(|(i, _)| (self.written[i][prefix.len()..].trim().to_string(), i))
            .collect()
    }
}

fn get(cells: &[String], col: Option<usize>) -> String {
    col.and_then(|c| cells.get(c)).cloned().unwrap_or_default()
}

/// The labels of one row in each language column that holds text.
fn language_labels(cells: &[String], langs: &[(String, usize)]) -> Vec<LanguageLabel> {
    langs
        .iter()
        .map(|(language, c)| LanguageLabel { language: language.clone(), text: get(cells, Some(*c)) })
        .filter(|l| !l.text.is_empty())
        .collect()
}

fn form_from_sheets(wb: &mut xlsx::Workbook) -> Result<XlsForm, SurveyFileError> {
    // One budget of text for the three sheets.
    let mut bytes = 0;
    let survey = sheet_rows(wb, "survey", &mut bytes)?.ok_or_else(|| SurveyFileError::MissingSheet("survey".into()))?;
    let choices = sheet_rows(wb, "choices", &mut bytes)?.unwrap_or_default();
    let settings = sheet_rows(wb, "settings", &mut bytes)?.unwrap_or_default();
    let header =
        |rows: &[(u32, Vec<String>)]| Columns::new(rows.first().map(|(_, h)| h.as_slice()).unwrap_or_default());
    let sh = header(&settings);
    let first_settings = settings.get(1).map(|(_, c)| c.clone()).unwrap_or_default();
    // pyxform's aliases: KoboToolbox writes `id_string` and sometimes `title`.
    let s = |names: &[&str]| {
        names.iter().map(|n| get(&first_settings, sh.find(n))).find(|v| !v.is_empty()).unwrap_or_default()
    };
    let settings = FormSettings {
        form_title: s(&["form_title", "title", "set form title"]),
        form_id: s(&["form_id", "id_string", "set form id"]),
        version: s(&["version"]),
        default_language: s(&["default_language"]),
    };
    let h = header(&survey);
    for required in ["type", "name"] {
        if h.find(required).is_none() {
            return Err(SurveyFileError::MissingColumn { sheet: "survey".into(), column: required.into() });
        }
    }
    let c = |n: &str| h.find(n);
    let lang = &settings.default_language;
    let (ty, name, label, hint) = (c("type"), c("name"), h.find_text("label", lang), h.find_text("hint", lang));
    let (labels, appearance) = (h.languages("label"), c("appearance"));
    let (req, cons, cmsg) = (c("required"), c("constraint"), c("constraint_message"));
    let (bd, bins, note) = (c("berdaya"), c("berdaya_bins"), c("berdaya_note"));
    let registry = c("berdaya_registry");
    let survey_rows = survey
        .iter()
        .skip(1)
        .filter(|(_, cells)| cells.iter().any(|s| !s.is_empty()))
        .map(|(row, cells)| SurveyRow {
            row: *row,
            kind: get(cells, ty),
            name: get(cells, name),
            label: get(cells, label),
            labels: language_labels(cells, &labels),
            appearance: get(cells, appearance),
            hint: get(cells, hint),
            required: get(cells, req),
            constraint: get(cells, cons),
            constraint_message: get(cells, cmsg),
            berdaya: get(cells, bd),
            berdaya_bins: get(cells, bins),
            berdaya_note: get(cells, note),
            berdaya_registry: get(cells, registry),
        })
        .collect();
    let ch = header(&choices);
    let list = ch.find("list_name").or_else(|| ch.find("list name"));
    let (cname, clabel, clabels) = (ch.find("name"), ch.find_text("label", lang), ch.languages("label"));
    let choice_rows = choices
        .iter()
        .skip(1)
        .filter(|(_, cells)| cells.iter().any(|s| !s.is_empty()))
        .map(|(row, cells)| ChoiceRow {
            row: *row,
            list_name: get(cells, list),
            name: get(cells, cname),
            label: get(cells, clabel),
            labels: language_labels(cells, &clabels),
        })
        .collect();
    Ok(XlsForm { survey: survey_rows, choices: choice_rows, settings })
}

/// Reads an XLSForm workbook (.xlsx).
pub fn read_xlsform(path: &Path) -> Result<XlsForm, SurveyFileError> {
    let mut wb = xlsx::Workbook::open(path, Limits::SURVEY).map_err(|e| SurveyFileError::open(path, e))?;
    form_from_sheets(&mut wb)
}

/// Reads an uploaded XLSForm workbook from memory.
pub fn read_xlsform_bytes(bytes: &[u8]) -> Result<XlsForm, SurveyFileError> {
    let mut wb = xlsx::Workbook::from_bytes(bytes, Limits::SURVEY).map_err(SurveyFileError::open_bytes)?;
    form_from_sheets(&mut wb)
}

/// The languages of a set of rows' `label::…` columns, in first-seen order.
fn languages<'a>(rows: impl Iterator<Item = &'a [LanguageLabel]>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for labels in rows {
        for l in labels {
            if !out.contains(&l.language.as_str()) {
                out.push(&l.language);
            }
        }
    }
    out
}

/// The text of a row's label in `language`, or blank.
fn label_in<'a>(labels: &'a [LanguageLabel], language: &str) -> &'a str {
    labels.iter().find(|l| l.language == language).map_or("", |l| l.text.as_str())
}

/// Whether a sheet needs a plain `label` column beside its `label::…` ones: not when every
/// row's label is its text in the language the reader takes as the label (the default
/// language, else the first), as in a form authored in KoboToolbox.
fn needs_plain_label<'a>(
    rows: impl Iterator<Item = (&'a str, &'a [LanguageLabel])>,
    languages: &[&str],
    default_language: &str,
) -> bool {
    let main = languages.iter().find(|l| l.eq_ignore_ascii_case(default_language.trim())).or(languages.first());
    let Some(main) = main else { return true };
    rows.into_iter().any(|(label, labels)| label != label_in(labels, main))
}

/// A column of a sheet: header, width, and the cell of a row.
type SheetColumn<'a, R> = (String, f64, Box<dyn Fn(&'a R) -> &'a str + 'a>);

/// Writes a sheet of rows by columns, with a bold header; blank cells are left empty.
fn write_sheet<'a, R>(ws: &mut Worksheet, columns: &[SheetColumn<'a, R>], rows: &'a [R]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    for (c, (h, w, _)) in columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
        ws.set_column_width(c as u16, *w)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, (_, _, cell)) in columns.iter().enumerate() {
            let v = cell(r);
            if !v.is_empty() {
                ws.write_string(i as u32 + 1, c as u16, v)?;
            }
        }
    }
    Ok(())
}

fn xlsform_workbook(form: &XlsForm) -> Result<Workbook, SurveyFileError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet().set_name("survey")?;
    let text = |h: &str, w: f64, f: fn(&SurveyRow) -> &String| -> SheetColumn<'_, SurveyRow> {
        (h.to_string(), w, Box::new(move |r| f(r).as_str()))
    };
    let default_language = &form.settings.default_language;
    let langs = languages(form.survey.iter().map(|r| r.labels.as_slice()));
    let mut columns = vec![text("type", 22.0, |r| &r.kind), text("name", 22.0, |r| &r.name)];
    if needs_plain_label(form.survey.iter().map(|r| (r.label.as_str(), r.labels.as_slice())), &langs, default_language)
    {
        columns.push(text("label", 50.0, |r| &r.label));
    }
    for lang in langs {
        columns.push((format!("label::{lang}"), 50.0, Box::new(move |r: &SurveyRow| label_in(&r.labels, lang))));
    }
    columns.push(text("hint", 30.0, |r| &r.hint));
    if form.survey.iter().any(|r| !r.appearance.is_empty()) {
        columns.push(text("appearance", 14.0, |r| &r.appearance));
    }
    columns.extend([
        text("required", 9.0, |r| &r.required),
        text("constraint", 24.0, |r| &r.constraint),
        text("constraint_message", 24.0, |r| &r.constraint_message),
        text("berdaya", 10.0, |r| &r.berdaya),
        text("berdaya_bins", 40.0, |r| &r.berdaya_bins),
        text("berdaya_note", 80.0, |r| &r.berdaya_note),
    ]);
    if form.survey.iter().any(|r| !r.berdaya_registry.is_empty()) {
        columns.push(text("berdaya_registry", 16.0, |r| &r.berdaya_registry));
    }
    write_sheet(ws, &columns, &form.survey)?;
    ws.set_freeze_panes(1, 0)?;
    let ws = wb.add_worksheet().set_name("choices")?;
    let text = |h: &str, w: f64, f: fn(&ChoiceRow) -> &String| -> SheetColumn<'_, ChoiceRow> {
        (h.to_string(), w, Box::new(move |r| f(r).as_str()))
    };
    let langs = languages(form.choices.iter().map(|r| r.labels.as_slice()));
    let mut columns = vec![text("list_name", 16.0, |r| &r.list_name), text("name", 8.43, |r| &r.name)];
    if needs_plain_label(form.choices.iter().map(|r| (r.label.as_str(), r.labels.as_slice())), &langs, default_language)
    {
        columns.push(text("label", 45.0, |r| &r.label));
    }
    for lang in langs {
        columns.push((format!("label::{lang}"), 45.0, Box::new(move |r: &ChoiceRow| label_in(&r.labels, lang))));
    }
    write_sheet(ws, &columns, &form.choices)?;
    let ws = wb.add_worksheet().set_name("settings")?;
    let s = &form.settings;
    let mut col = 0u16;
    for (h, v) in [
        ("form_title", &s.form_title),
        ("form_id", &s.form_id),
        ("version", &s.version),
        ("default_language", &s.default_language),
    ] {
        if !v.is_empty() {
            ws.write_string_with_format(0, col, h, &bold)?;
            ws.write_string(1, col, v.as_str())?;
            col += 1;
        }
    }
    Ok(wb)
}

/// Writes an XLSForm workbook that standard XLSForm tools (pyxform, KoboToolbox, ODK) accept;
/// Berdaya's columns are extra columns those tools ignore.
pub fn write_xlsform(form: &XlsForm, path: &Path) -> Result<(), SurveyFileError> {
    xlsform_workbook(form)?.save(path)?;
    Ok(())
}

/// The XLSForm workbook as bytes (for downloads).
pub fn xlsform_to_bytes(form: &XlsForm) -> Result<Vec<u8>, SurveyFileError> {
    Ok(xlsform_workbook(form)?.save_to_buffer()?)
}

/// Reads responses from a file, by extension: `.csv` (comma, or semicolon as Indonesian
/// Excel writes it) or an `.xlsx` workbook's first sheet.
pub fn read_responses(path: &Path) -> Result<ResponseTable, SurveyFileError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "txt" => {
            let io = |source| SurveyFileError::Io { path: path.into(), source };
            let len = std::fs::metadata(path).map_err(io)?.len();
            if len > Limits::SURVEY.max_file_bytes {
                return Err(LimitExceeded::FileBytes(Limits::SURVEY.max_file_bytes).into());
            }
            let bytes = std::fs::read(path).map_err(io)?;
            read_responses_csv(&bytes)
        }
        "xlsx" | "xlsm" => {
            let mut wb = xlsx::Workbook::open(path, Limits::SURVEY).map_err(|e| SurveyFileError::open(path, e))?;
            responses_from_sheets(&mut wb)
        }
        other => {
            Err(SurveyFileError::UnknownFormat(if other.is_empty() { "no extension".into() } else { other.into() }))
        }
    }
}

/// Reads responses from an uploaded spreadsheet in memory.
pub fn read_responses_xlsx_bytes(bytes: &[u8]) -> Result<ResponseTable, SurveyFileError> {
    let mut wb = xlsx::Workbook::from_bytes(bytes, Limits::SURVEY).map_err(SurveyFileError::open_bytes)?;
    responses_from_sheets(&mut wb)
}

fn responses_from_sheets(wb: &mut xlsx::Workbook) -> Result<ResponseTable, SurveyFileError> {
    let first = wb.sheet_names().next().map(str::to_string).ok_or(SurveyFileError::NoHeader)?;
    let rows = sheet_rows(wb, &first, &mut 0)?.unwrap_or_default();
    let mut it = rows.into_iter();
    let (_, columns) = it.next().ok_or(SurveyFileError::NoHeader)?;
    let width = columns.len();
    Ok(ResponseTable {
        columns,
        // Workbook numbers are numbers; a text cell `1500,5` is not read as one.
        decimal_comma: false,
        rows: it
            .filter(|(_, cells)| cells.iter().any(|s| !s.is_empty()))
            .map(|(line, mut cells)| {
                // Trailing blank cells are not stored; a row has the header's width.
                if cells.len() < width {
                    cells.resize(width, String::new());
                }
                ResponseRow { line: u64::from(line), cells }
            })
            .collect(),
    })
}

/// Reads responses from CSV bytes (UTF-8, optional BOM; `,` or `;` separated), within
/// [`Limits::SURVEY`]. A `;`-separated file is what Indonesian Excel writes, with decimal
/// commas (`1500,5`): the table says so in [`ResponseTable::decimal_comma`].
pub fn read_responses_csv(bytes: &[u8]) -> Result<ResponseTable, SurveyFileError> {
    let limits = Limits::SURVEY;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(LimitExceeded::FileBytes(limits.max_file_bytes).into());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or(b"");
    let count = |c: u8| first_line.iter().filter(|&&b| b == c).count();
    let delimiter = if count(b';') > count(b',') { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(bytes);
    let columns: Vec<String> = reader.headers()?.iter().map(|h| h.trim().to_string()).collect();
    if columns.is_empty() {
        return Err(SurveyFileError::NoHeader);
    }
    if columns.len() as u64 > limits.max_columns {
        return Err(LimitExceeded::Columns(limits.max_columns).into());
    }
    // File line of a record from its byte offset (the csv crate's own line counter skips
    // blank lines, so a spreadsheet user would look at the wrong row). Records come in
    // order, so the newlines are counted once, as the reading goes.
    let (mut counted_to, mut newlines) = (0usize, 0u64);
    let mut line_of = |byte: u64| {
        // The reported position can be the start of the blank lines before the record.
        let mut b = (byte as usize).min(bytes.len());
        while b < bytes.len() && matches!(bytes[b], b'\n' | b'\r') {
            b += 1;
        }
        if b > counted_to {
            newlines += bytes[counted_to..b].iter().filter(|&&c| c == b'\n').count() as u64;
            counted_to = b;
        }
        newlines + 1
    };
    let mut rows = Vec::new();
    let mut kept = 0u64;
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record)? {
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() as u64 + 1 >= limits.max_rows {
            return Err(LimitExceeded::Rows(limits.max_rows).into());
        }
        if record.len() as u64 > limits.max_columns {
            return Err(LimitExceeded::Columns(limits.max_columns).into());
        }
        kept += record.iter().map(|c| c.len() as u64 + CELL_OVERHEAD).sum::<u64>();
        if kept > limits.max_table_bytes {
            return Err(LimitExceeded::TableBytes(limits.max_table_bytes).into());
        }
        let line = record.position().map_or(0, |p| line_of(p.byte()));
        rows.push(ResponseRow { line, cells: record.iter().map(|c| c.trim().to_string()).collect() });
    }
    Ok(ResponseTable { columns, rows, decimal_comma: delimiter == b';' })
}

/// Writes responses as CSV (header + rows), e.g. the built-in example data.
pub fn write_responses_csv(table: &ResponseTable, path: &Path) -> Result<(), SurveyFileError> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(&table.columns)?;
    for r in &table.rows {
        w.write_record(&r.cells)?;
    }
    w.flush().map_err(|source| SurveyFileError::Io { path: path.into(), source })?;
    Ok(())
}

/// Writes responses as an XLSX workbook (one sheet, header + rows), e.g. the built-in example
/// data. A cell that reads back the same as a number is written as one, so spreadsheet
/// programs see numbers; anything else (ids such as `R001` or `007`) stays text.
pub fn write_responses_xlsx(table: &ResponseTable, path: &Path) -> Result<(), SurveyFileError> {
    responses_workbook(table)?.save(path)?;
    Ok(())
}

/// The responses workbook as bytes (for downloads).
pub fn responses_to_xlsx_bytes(table: &ResponseTable) -> Result<Vec<u8>, SurveyFileError> {
    Ok(responses_workbook(table)?.save_to_buffer()?)
}

fn responses_workbook(table: &ResponseTable) -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet().set_name("responses")?;
    for (c, h) in table.columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.cells.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() && cell_text(&Cell::Number(x), false) == *v => {
                    ws.write_number(r, c as u16, x)?;
                }
                _ => {
                    ws.write_string(r, c as u16, v)?;
                }
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(wb)
}

fn opt(ws: &mut Worksheet, row: u32, col: u16, v: Option<f64>, f: &Format) -> Result<(), XlsxError> {
    match v {
        Some(x) if x.is_finite() => ws.write_number_with_format(row, col, x, f).map(|_| ()),
        _ => ws.write_string(row, col, "—").map(|_| ()),
    }
}

fn headers(ws: &mut Worksheet, row: u32, names: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (c, h) in names.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, bold)?;
    }
    Ok(())
}

fn report_workbook(report: &Report) -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let num = Format::new().set_num_format("0.000");
    let p4 = Format::new().set_num_format("0.0000");
    let pct = Format::new().set_num_format("0.00");

    // Summary.
    let ws = wb.add_worksheet().set_name("Ringkasan")?;
    ws.write_string_with_format(0, 0, &report.title, &bold)?;
    let mut r = 2;
    for (k, v) in [
        ("Responden dianalisis (n)", report.n as f64),
        ("Responden dikeluarkan", report.dropped.len() as f64),
        ("Alpha (taraf nyata)", report.alpha),
    ] {
        ws.write_string(r, 0, k)?;
        ws.write_number(r, 1, v)?;
        r += 1;
    }
    ws.write_string(r, 0, "Total skor rata-rata")?;
    ws.write_number_with_format(r, 1, report.total.mean, &num)?;
    ws.write_string(r, 2, &report.total.category)?;
    r += 2;
    for note in &report.notes {
        ws.write_string(r, 0, note)?;
        r += 1;
    }
    for d in &report.dropped {
        for p in &d.problems {
            ws.write_string(r, 0, p.to_string())?;
            r += 1;
        }
    }
    ws.set_column_width(0, 34)?;

    // Category tables with computed bounds, and distributions.
    let ws = wb.add_worksheet().set_name("Kategori")?;
    let mut r = 0;
    for s in report.indicators.iter().chain(std::iter::once(&report.total)) {
        ws.write_string_with_format(r, 0, format!("{} ({})", s.label, s.name), &bold)?;
        ws.write_string(
            r,
            3,
            format!("k = {}, min = {}, max = {}, interval = {}", s.items, s.min, s.max, s.interval_formula()),
        )?;
        r += 1;
        headers(ws, r, &["Kategori", "Kisaran skor", "Dari", "Sampai", "% rentang", "Jumlah", "%"], &bold)?;
        r += 1;
        for (b, share) in s.bands.iter().zip(&s.distribution_percent) {
            ws.write_string(r, 0, format!("{} ({})", b.label_id, b.category))?;
            let open = if b.lower_inclusive { "[" } else { "(" };
            ws.write_string(r, 1, format!("{open}{}; {}]", b.lower_exact, b.upper_exact))?;
            ws.write_number(r, 2, b.lower)?;
            ws.write_number(r, 3, b.upper)?;
            ws.write_string(r, 4, format!("{:.0}–{:.0} %", b.percent_from, b.percent_to))?;
            ws.write_number(r, 5, share.count as f64)?;
            ws.write_number_with_format(r, 6, share.percent, &pct)?;
            r += 1;
        }
        ws.write_string(r, 0, "Rata-rata")?;
        ws.write_number_with_format(r, 2, s.mean, &num)?;
        ws.write_string(r, 3, &s.category)?;
        ws.write_number_with_format(r, 4, s.percent, &pct)?;
        r += 2;
    }
    ws.write_string(
        r,
        0,
        "Nilai tepat pada batas atas masuk kategori yang lebih rendah; batas dihitung, tidak disalin.",
    )?;
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 18)?;

    // Items.
    let ws = wb.add_worksheet().set_name("Item")?;
    let max_points = report.items.iter().map(|i| i.frequencies.len()).max().unwrap_or(0);
    let mut h: Vec<String> = ["Item", "Pertanyaan", "Indikator", "Rata-rata", "Kategori", "% rentang"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for j in 0..max_points {
        h.push(format!("Jawaban {} (n)", j + 1));
        h.push(format!("Jawaban {} (%)", j + 1));
    }
    let hr: Vec<&str> = h.iter().map(String::as_str).collect();
    headers(ws, 0, &hr, &bold)?;
    for (i, it) in report.items.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &it.name)?;
        ws.write_string(r, 1, &it.label)?;
        ws.write_string(r, 2, &it.indicator)?;
        ws.write_number_with_format(r, 3, it.mean, &num)?;
        ws.write_string(r, 4, &it.category)?;
        ws.write_number_with_format(r, 5, it.percent, &pct)?;
        for (j, f) in it.frequencies.iter().enumerate() {
            ws.write_number(r, 6 + 2 * j as u16, f.count as f64)?;
            ws.write_number_with_format(r, 7 + 2 * j as u16, f.percent, &pct)?;
        }
    }
    ws.set_column_width(1, 50)?;

    // Correlations.
    let ws = wb.add_worksheet().set_name("Korelasi")?;
    headers(
        ws,
        0,
        &[
            "Faktor",
            "Target",
            "n",
            "rho (koreksi ties)",
            "rho rumus 1−6Σd²/(n(n²−1))",
            "Berbeda",
            "p dua sisi (t)",
            "p satu sisi (t)",
            "p eksak dua sisi",
            "Metode p",
            "tau-b",
            "p tau-b",
            "Keeratan",
            "Arah",
            "Signifikan",
            "Catatan",
        ],
        &bold,
    )?;
    for (i, c) in report.correlations.iter().enumerate() {
        let r = i as u32 + 1;
        let s = &c.stats;
        ws.write_string(r, 0, &c.factor)?;
        ws.write_string(r, 1, &c.target)?;
        ws.write_number(r, 2, s.n as f64)?;
        opt(ws, r, 3, s.rho, &p4)?;
        opt(ws, r, 4, s.rho_shortcut, &p4)?;
        ws.write_string(r, 5, if s.shortcut_differs { "ya" } else { "tidak" })?;
        opt(ws, r, 6, s.p_two_sided, &p4)?;
        opt(ws, r, 7, s.p_one_sided, &p4)?;
        opt(ws, r, 8, s.p_exact_two_sided, &p4)?;
        ws.write_string(r, 9, s.p_method.map_or("—", p_method_id))?;
        opt(ws, r, 10, s.tau_b, &p4)?;
        opt(ws, r, 11, s.tau_b_p_two_sided, &p4)?;
        ws.write_string(r, 12, s.strength.map_or("—", |x| x.as_str()))?;
        ws.write_string(r, 13, s.direction.map_or("—".to_string(), |d| format!("{d:?}").to_lowercase()))?;
        ws.write_string(r, 14, c.significant.map_or("—", |b| if b { "ya" } else { "tidak" }))?;
        ws.write_string(r, 15, c.reason.as_deref().unwrap_or(""))?;
    }
    let below = report.correlations.len() as u32 + 2;
    ws.write_string(
        below,
        0,
        "Signifikan memakai p eksak (permutasi) bila dihitung — n ≤ 9 tanpa ties — selain itu p pendekatan t; \
         kolom \"Metode p\" menyebutkan yang dipakai.",
    )?;
    ws.set_column_width(0, 22)?;

    // Reliability.
    let ws = wb.add_worksheet().set_name("Reliabilitas")?;
    let rel = &report.reliability;
    ws.write_string(0, 0, "Cronbach's alpha")?;
    opt(ws, 0, 1, rel.cronbach_alpha, &p4)?;
    ws.write_string(1, 0, format!("r kritis (n = {}, α = {}, dua sisi)", rel.n, rel.alpha_level))?;
    opt(ws, 1, 1, rel.r_critical, &p4)?;
    let mut r = 2;
    if !rel.constant_items.is_empty() {
        ws.write_string(r, 0, format!("Alpha tanpa item konstan ({})", rel.constant_items.join(", ")))?;
        opt(ws, r, 1, rel.cronbach_alpha_without_constant, &p4)?;
        r += 1;
    }
    ws.write_string(
        r,
        0,
        "Valid = r item-sisa terkoreksi (Corrected Item-Total Correlation SPSS) > r kritis; \
         valid tanpa koreksi = r item-total > r kritis.",
    )?;
    let head = r + 2;
    headers(
        ws,
        head,
        &[
            "Item",
            "r item-total",
            "r item-sisa (terkoreksi)",
            "r kritis",
            "Valid (terkoreksi)",
            "Valid tanpa koreksi (r item-total)",
            "Alpha jika dihapus",
            "Catatan",
        ],
        &bold,
    )?;
    let yn = |b: Option<bool>| b.map_or("—", |b| if b { "ya" } else { "tidak" });
    for (i, it) in rel.items.iter().enumerate() {
        let r = head + 1 + i as u32;
        ws.write_string(r, 0, &it.name)?;
        opt(ws, r, 1, it.r_item_total, &p4)?;
        opt(ws, r, 2, it.r_item_rest, &p4)?;
        opt(ws, r, 3, it.r_critical, &p4)?;
        ws.write_string(r, 4, yn(it.valid))?;
        ws.write_string(r, 5, yn(it.valid_uncorrected))?;
        opt(ws, r, 6, it.alpha_if_deleted, &p4)?;
        ws.write_string(r, 7, it.reason.as_deref().unwrap_or(""))?;
    }
    ws.set_column_width(0, 30)?;

    // Factors.
    let ws = wb.add_worksheet().set_name("Faktor")?;
    headers(ws, 0, &["Faktor", "Kode", "Keterangan", "Jumlah", "%"], &bold)?;
    let mut r = 1;
    for f in &report.factors {
        for c in &f.codes {
            ws.write_string(r, 0, &f.name)?;
            ws.write_number(r, 1, f64::from(c.code))?;
            ws.write_string(r, 2, &c.label)?;
            ws.write_number(r, 3, c.count as f64)?;
            ws.write_number_with_format(r, 4, c.percent, &pct)?;
            r += 1;
        }
    }

    // Diverging stacked bar chart: negative answers as negative percentages.
    let ws = wb.add_worksheet().set_name("Grafik")?;
    let points = report.item_chart.iter().map(|b| b.segments.len()).max().unwrap_or(0);
    ws.write_string_with_format(0, 0, "Item", &bold)?;
    for j in 0..points {
        let label = report
            .item_chart
            .first()
            .and_then(|b| b.segments.get(j))
            .map_or(format!("{}", j + 1), |s| format!("{} {}", s.score, s.label));
        ws.write_string_with_format(0, j as u16 + 1, label, &bold)?;
    }
    for (i, bar) in report.item_chart.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &bar.item)?;
        for (j, s) in bar.segments.iter().enumerate() {
            let signed = match s.side {
                Side::Negative => -s.percent,
                Side::Neutral => s.percent,
                Side::Positive => s.percent,
            };
            ws.write_number_with_format(r, j as u16 + 1, signed, &pct)?;
        }
    }
    let n_items = report.item_chart.len() as u32;
    if n_items > 0 {
        let mut chart = Chart::new(ChartType::BarStacked);
        chart.title().set_name("Sebaran jawaban per item (%)");
        // Negative series are stacked from the centre outwards: the answer nearest the centre first.
        let neg: Vec<usize> = report.item_chart[0]
            .segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.side == Side::Negative)
            .map(|(j, _)| j)
            .collect();
        let neg_first: Vec<usize> = neg.iter().rev().copied().chain((0..points).filter(|j| !neg.contains(j))).collect();
        for j in neg_first {
            let col = j as u16 + 1;
            chart
                .add_series()
                .set_name(("Grafik", 0, col))
                .set_categories(("Grafik", 1, 0, n_items, 0))
                .set_values(("Grafik", 1, col, n_items, col));
        }
        chart.set_width(900).set_height(60 + 28 * n_items);
        ws.insert_chart(n_items + 3, 0, &chart)?;
    }
    ws.set_column_width(0, 24)?;
    Ok(wb)
}

/// Indonesian name of the p a significance decision used.
fn p_method_id(m: PMethod) -> &'static str {
    match m {
        PMethod::Exact => "eksak",
        PMethod::T => "pendekatan t",
    }
}

/// Writes the analysis report as an XLSX workbook.
pub fn write_report_xlsx(report: &Report, path: &Path) -> Result<(), SurveyFileError> {
    report_workbook(report)?.save(path)?;
    Ok(())
}

/// The analysis report workbook as bytes (for downloads).
pub fn report_to_xlsx_bytes(report: &Report) -> Result<Vec<u8>, SurveyFileError> {
    Ok(report_workbook(report)?.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use berdaya_domain::survey::{AnalysisOptions, Instrument, analyze, seed004};

    use super::*;

    #[test]
    fn xlsform_round_trips_through_a_workbook() {
        let form = seed004::xlsform();
        let bytes = xlsform_to_bytes(&form).unwrap();
        let back = read_xlsform_bytes(&bytes).unwrap();
        assert_eq!(back, form);
        Instrument::from_xlsform(&back).unwrap();
        // Labels in two languages and appearances survive too.
        let mut form = seed004::xlsform();
        let lang = |language: &str, text: &str| LanguageLabel { language: language.into(), text: text.into() };
        for r in form.survey.iter_mut().filter(|r| !r.label.is_empty()) {
            r.labels = vec![lang("Indonesian (id)", &r.label), lang("English (en)", &format!("EN {}", r.name))];
        }
        form.survey[3].appearance = "minimal".into();
        for c in &mut form.choices {
            c.labels = vec![lang("Indonesian (id)", &c.label), lang("English (en)", &format!("EN {}", c.name))];
        }
        form.choices[0].labels.pop();
        let back = read_xlsform_bytes(&xlsform_to_bytes(&form).unwrap()).unwrap();
        assert_eq!(back, form);
        let inst = Instrument::from_xlsform(&back).unwrap();
        let item = inst.items().next().unwrap();
        assert_eq!(item.labels, [format!("EN {}", item.name)]);
    }

    /// A form as KoboToolbox writes it: settings with `id_string` and no `form_title`, labels
    /// only in language columns.
    fn kobo_style_workbook() -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet().set_name("survey").unwrap();
        let rows: [&[&str]; 5] = [
            &["type", "name", "label::English (en)", "label::Indonesian (id)", "appearance", "berdaya"],
            &["begin_group", "tahap", "Stage", "Tahap", "field-list", "indicator"],
            &["select_one skala", "kepala", "Answers", "Jawaban", "label", ""],
            &["select_one skala", "q1", "Ready", "Siap", "list-nolabel", ""],
            &["end_group", "", "", "", "", ""],
        ];
        for (r, cells) in rows.iter().enumerate() {
            for (c, v) in cells.iter().enumerate() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
        let ws = wb.add_worksheet().set_name("choices").unwrap();
        let rows: [&[&str]; 3] = [
            &["list_name", "name", "label::English (en)", "label::Indonesian (id)"],
            &["skala", "1", "No", "Tidak"],
            &["skala", "2", "Yes", "Ya"],
        ];
        for (r, cells) in rows.iter().enumerate() {
            for (c, v) in cells.iter().enumerate() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
        let ws = wb.add_worksheet().set_name("settings").unwrap();
        for (c, (h, v)) in [("id_string", "aJk3kobo"), ("default_language", "Indonesian (id)")].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
            ws.write_string(1, c as u16, *v).unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn a_form_with_id_string_gets_its_title_and_default_language_labels() {
        let form = read_xlsform_bytes(&kobo_style_workbook()).unwrap();
        assert_eq!(form.settings.form_id, "aJk3kobo");
        // The default language's column is the label; every language is kept.
        assert_eq!(form.survey[2].label, "Siap");
        assert_eq!(
            form.survey[2].labels.iter().map(|l| l.language.as_str()).collect::<Vec<_>>(),
            ["English (en)", "Indonesian (id)"]
        );
        assert_eq!(form.choices[1].label, "Ya");
        let inst = Instrument::from_xlsform(&form).unwrap();
        assert_eq!(inst.title, "aJk3kobo");
        assert_eq!(inst.form_id, "aJk3kobo");
        // The matrix header row is not an item.
        assert_eq!(inst.items().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["q1"]);
        let scale = &inst.items().next().unwrap().scale;
        assert_eq!(
            (scale.score_of("Ya"), scale.score_of("Yes"), scale.score_of("yes "), scale.score_of("Mungkin")),
            (Some(2), Some(2), Some(2), None)
        );
        // Written back as it came: language columns only, no extra default language.
        let bytes = xlsform_to_bytes(&form).unwrap();
        assert_eq!(read_xlsform_bytes(&bytes).unwrap(), form);
        let mut wb = xlsx::Workbook::from_bytes(&bytes, Limits::SURVEY).unwrap();
        for sheet in ["survey", "choices"] {
            let rows = sheet_rows(&mut wb, sheet, &mut 0).unwrap().unwrap();
            assert!(!rows[0].1.iter().any(|h| h == "label"), "{sheet}: {:?}", rows[0].1);
            assert!(rows[0].1.iter().any(|h| h == "label::English (en)"), "{sheet}: {:?}", rows[0].1);
        }
    }

    #[test]
    fn printed_bins_workbook_is_rejected() {
        let bytes = xlsform_to_bytes(&seed004::printed_xlsform()).unwrap();
        let problems = Instrument::from_xlsform(&read_xlsform_bytes(&bytes).unwrap()).unwrap_err();
        assert!(problems.iter().any(|p| p.to_string().contains("the value 70 is in two bins")));
    }

    #[test]
    fn responses_from_csv_and_xlsx_agree_and_report_writes() {
        let table = seed004::example_responses(43, 7);
        let dir = tempfile::tempdir().unwrap();
        let csv_path = dir.path().join("r.csv");
        write_responses_csv(&table, &csv_path).unwrap();
        let from_csv = read_responses(&csv_path).unwrap();
        assert_eq!(from_csv, table);
        // The same data in a workbook with numeric cells.
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in table.columns.iter().enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
        }
        for (r, row) in table.rows.iter().enumerate() {
            for (c, v) in row.cells.iter().enumerate() {
                match v.parse::<f64>() {
                    Ok(x) => ws.write_number(r as u32 + 1, c as u16, x).unwrap(),
                    Err(_) => ws.write_string(r as u32 + 1, c as u16, v).unwrap(),
                };
            }
        }
        let from_xlsx = read_responses_xlsx_bytes(&wb.save_to_buffer().unwrap()).unwrap();
        assert_eq!(from_xlsx, table);
        let inst = Instrument::from_xlsform(&seed004::xlsform()).unwrap();
        let report = analyze(&inst, &from_xlsx, &AnalysisOptions::default()).unwrap();
        let out = dir.path().join("report.xlsx");
        write_report_xlsx(&report, &out).unwrap();
        let mut check = xlsx::Workbook::open(&out, Limits::SURVEY).unwrap();
        let names: Vec<&str> = check.sheet_names().collect();
        assert_eq!(names, ["Ringkasan", "Kategori", "Item", "Korelasi", "Reliabilitas", "Faktor", "Grafik"]);
        let kat = sheet_rows(&mut check, "Kategori", &mut 0).unwrap().unwrap();
        let texts: Vec<String> = kat.into_iter().flat_map(|(_, cells)| cells).collect();
        assert!(texts.iter().any(|t| t == "(24.5; 35]"), "{texts:?}");
    }

    /// The Korelasi sheet names the p behind "Signifikan"; the Reliabilitas sheet labels both
    /// validity decisions and gives alpha without an item that never varies (seed-004 data
    /// with `rekening` answered 3 by everyone).
    #[test]
    fn report_workbook_shows_p_method_validity_and_alpha_without_constant_items() {
        let inst = Instrument::from_xlsform(&seed004::xlsform()).unwrap();
        let mut table = seed004::example_responses(43, 4);
        let col = table.columns.iter().position(|c| c.rsplit('/').next() == Some("rekening")).unwrap();
        for row in &mut table.rows {
            row.cells[col] = "3".to_string();
        }
        let report = analyze(&inst, &table, &AnalysisOptions::default()).unwrap();
        let bytes = report_to_xlsx_bytes(&report).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.xlsx");
        std::fs::write(&path, bytes).unwrap();
        let mut book = xlsx::Workbook::open(&path, Limits::SURVEY).unwrap();
        let text = |cells: &[String]| cells.join(" | ");
        let korelasi: Vec<Vec<String>> =
            sheet_rows(&mut book, "Korelasi", &mut 0).unwrap().unwrap().into_iter().map(|(_, c)| c).collect();
        let method_col = korelasi[0].iter().position(|h| h == "Metode p").expect("Metode p header");
        assert_eq!(korelasi[1][method_col], "pendekatan t", "{}", text(&korelasi[1]));
        let rel: Vec<Vec<String>> =
            sheet_rows(&mut book, "Reliabilitas", &mut 0).unwrap().unwrap().into_iter().map(|(_, c)| c).collect();
        let alpha_row = rel.iter().find(|r| r[0] == "Alpha tanpa item konstan (rekening)").expect("alpha row");
        let want = report.reliability.cronbach_alpha_without_constant.unwrap();
        assert!((alpha_row[1].parse::<f64>().unwrap() - want).abs() < 1e-9, "{}", text(alpha_row));
        let head = rel.iter().position(|r| r[0] == "Item").expect("header row");
        assert_eq!(rel[head][4], "Valid (terkoreksi)");
        assert_eq!(rel[head][5], "Valid tanpa koreksi (r item-total)");
        let rembug = rel.iter().find(|r| r[0] == "rembug_desa").expect("item row");
        assert_eq!(rembug[4], "ya");
        assert_eq!(rembug[5], "ya");
        let rekening = rel.iter().find(|r| r[0] == "rekening").expect("constant item row");
        assert_eq!(rekening[4], "—");
    }

    #[test]
    fn semicolon_csv_with_bom() {
        let t = read_responses_csv("\u{feff}id;persiapan/rekening\nR1;4\n\nR2;\n".as_bytes()).unwrap();
        assert_eq!(t.columns, ["id", "persiapan/rekening"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].line, 4);
        assert_eq!(t.rows[1].cells, ["R2", ""]);
    }

    #[test]
    fn semicolon_csv_reads_decimal_commas() {
        // Issue 11: Indonesian Excel writes `;`-separated CSV with decimal commas.
        let t = read_responses_csv("id;umur\nR1;45,0\n".as_bytes()).unwrap();
        assert!(t.decimal_comma);
        assert_eq!(t.rows[0].cells, ["R1", "45,0"]);
        let t = read_responses_csv("id,umur\nR1,\"45,0\"\n".as_bytes()).unwrap();
        assert!(!t.decimal_comma, "a comma-separated file cannot use decimal commas");
        // The whole seed-004 example with every age written `45,0` analyses the same as with `45`.
        let table = seed004::example_responses(43, 4);
        let mut text = table.columns.join(";");
        for row in &table.rows {
            text.push('\n');
            let cells: Vec<String> = row
                .cells
                .iter()
                .enumerate()
                .map(|(c, v)| if table.columns[c] == "responden/umur" { format!("{v},0") } else { v.clone() })
                .collect();
            text.push_str(&cells.join(";"));
        }
        let semicolon = read_responses_csv(text.as_bytes()).unwrap();
        assert!(semicolon.rows[0].cells[1].ends_with(",0"), "{:?}", semicolon.rows[0]);
        let inst = Instrument::from_xlsform(&seed004::xlsform()).unwrap();
        let a = analyze(&inst, &semicolon, &AnalysisOptions::default()).unwrap();
        let b = analyze(&inst, &table, &AnalysisOptions::default()).unwrap();
        assert_eq!(a.n, 43);
        assert_eq!(format!("{:?}", a.correlations), format!("{:?}", b.correlations));
    }

    #[test]
    fn example_responses_round_trip_through_a_real_workbook() {
        let mut table = seed004::example_responses(43, 4);
        table.rows[0].cells[0] = "007".into();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("responses.xlsx");
        write_responses_xlsx(&table, &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"PK"), "an XLSX workbook is a zip archive");
        let back = read_responses(&path).unwrap();
        assert_eq!(back, table);
        assert_eq!(read_responses_xlsx_bytes(&responses_to_xlsx_bytes(&table).unwrap()).unwrap(), table);
        // Numbers are stored as numbers: the reader sees a number cell for an age.
        let mut wb = xlsx::Workbook::open(&path, Limits::SURVEY).unwrap();
        let mut rows = wb.rows("responses").unwrap();
        let mut cells = Vec::new();
        rows.next_row(&mut cells).unwrap();
        rows.next_row(&mut cells).unwrap();
        assert!(matches!(cells[0], Cell::Text(_)), "{:?}", cells[0]);
        assert!(matches!(cells[1], Cell::Number(_)), "{:?}", cells[1]);
    }
}
