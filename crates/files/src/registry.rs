//! The registry file format: reading households and people from CSV and XLSX for
//! `berdaya import registry`, and writing them back for `berdaya export registry`.
//!
//! # Format
//!
//! One row per person, carrying the columns of the household the person belongs to:
//!
//! | column | required | content |
//! |---|---|---|
//! | `kk` | yes | family card number, 16 digits |
//! | `region` | yes | region code, e.g. `33.16.09.2001` (must exist in the database) |
//! | `address` | yes | the household's address |
//! | `welfare_stage` | yes | `pra_sejahtera`, `sejahtera_1`, `sejahtera_2`, `sejahtera_3`, `sejahtera_3_plus` |
//! | `dtks_listed` | no | listed in DTKS: `1`/`0`, `true`/`false`, `ya`/`tidak`, `yes`/`no`, `y`/`n`; blank = no |
//! | `dtks_since` | no | `YYYY-MM-DD`; only when listed |
//! | `nik` | yes | 16 digits |
//! | `name` | yes | |
//! | `sex` | yes | `male`/`female`, or `L`/`P` as on KK forms |
//! | `birth_date` | yes | `YYYY-MM-DD` |
//! | `relation` | yes | `head`, `spouse`, `child`, `child_in_law`, `grandchild`, `parent`, `parent_in_law`, `other_family`, `other` |
//! | `education` | no | `none`, `sd`, `smp`, `sma`, `diploma`, `bachelor`, `master`, `doctorate`; blank = none |
//! | `occupation` | no | free text |
//! | `disability` | no | `none`, `physical`, `intellectual`, `mental`, `sensory`, `multiple`; blank = none |
//!
//! Rows sharing a `kk` are one household and must agree on its columns.
//!
//! The first row is the header. Column names are matched ignoring case and surrounding
//! spaces, in any order. Any required column missing is one error naming every missing
//! column, before a single row is read. **Unknown columns are refused** (a misspelt optional
//! column such as `ocupation` would otherwise be dropped without a word), except `row` and
//! `reason`: those are the columns a rejects file adds, ignored so a corrected rejects file
//! imports as it is. A column named twice is refused.
//!
//! Row numbers are those a spreadsheet shows: the header is row 1. Rows whose every cell is
//! blank are skipped.
//!
//! CSV: UTF-8, with or without a byte-order mark; the delimiter is `,` or `;` (what Excel
//! writes in the Indonesian locale), chosen from the header line. A row with more or fewer
//! fields than the header (usually a broken or unclosed quote) and a field that is not UTF-8
//! (a file saved as "CSV" in a Windows code page rather than "CSV UTF-8") are errors of that
//! row.
//!
//! XLSX: the sheet named `registry` (any case), else the first sheet, read row by row as
//! stored. The header is the first row with a value, and columns count from its first
//! value. Cells may be text,
//! numbers or dates; a NIK or KK stored as a number must still have all 16 digits (Excel
//! keeps only 15 significant digits of a number typed into a cell, so such columns should be
//! formatted as Text).
//!
//! Files are read as streams within [`Limits::REGISTRY`]: at most 1,048,576 rows (header
//! included) and 64 columns, CSV rows of at most 16 KiB, and the XLSX limits on unpacked
//! size and compression of [`crate::xlsx`]. A file past a limit gets an error naming it.
//!
//! The writers produce the same columns, so an export imports again unchanged.

use std::fs::File;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use berdaya_domain::registry::{FieldError, HouseholdDraft, PersonDraft};
use berdaya_store::registry::RegistryExportRow;
use berdaya_store::{RegistryRecord, RowError, RowSource};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::limits::{LimitExceeded, Limits};
use crate::xlsx::{self, Cell};

/// The columns of a registry file, in the order the writers use.
pub const COLUMNS: [&str; 14] = [
    "kk",
    "region",
    "address",
    "welfare_stage",
    "dtks_listed",
    "dtks_since",
    "nik",
    "name",
    "sex",
    "birth_date",
    "relation",
    "education",
    "occupation",
    "disability",
];

/// Whether each of [`COLUMNS`] must be present in the header.
const REQUIRED: [bool; 14] = [true, true, true, true, false, false, true, true, true, true, true, false, false, false];

/// Columns a rejects file adds; ignored on import.
pub const IGNORED_COLUMNS: [&str; 2] = ["row", "reason"];

const KK: usize = 0;
const REGION: usize = 1;
const ADDRESS: usize = 2;
const WELFARE_STAGE: usize = 3;
const DTKS_LISTED: usize = 4;
const DTKS_SINCE: usize = 5;
const NIK: usize = 6;
const NAME: usize = 7;
const SEX: usize = 8;
const BIRTH_DATE: usize = 9;
const RELATION: usize = 10;
const EDUCATION: usize = 11;
const OCCUPATION: usize = 12;
const DISABILITY: usize = 13;

/// The most rows an XLSX sheet holds (header included).
const XLSX_MAX_ROWS: u64 = 1_048_576;

/// What is wrong with a registry file as a whole; errors of single rows are [`RowError`]s.
#[derive(Debug, thiserror::Error)]
pub enum RegistryFileError {
    #[error("cannot read {}", path.display())]
    Open { path: PathBuf, source: std::io::Error },
    #[error(
        "the file is empty: a registry file starts with a header row naming its columns ({})",
        COLUMNS.join(", ")
    )]
    Empty,
    #[error("missing required column{}: {}. A registry file needs the columns {} (optional: {})",
        if missing.len() == 1 { "" } else { "s" }, missing.join(", "), required_columns().join(", "), optional_columns().join(", "))]
    MissingColumns { missing: Vec<String> },
    #[error("unknown column{}: {}. The columns of a registry file are: {}",
        if unknown.len() == 1 { "" } else { "s" }, unknown.join(", "), COLUMNS.join(", "))]
    UnknownColumns { unknown: Vec<String> },
    #[error("column `{0}` appears twice in the header")]
    DuplicateColumn(String),
    #[error(
        "row 1 (the header) is not UTF-8 text; save the file as \"CSV UTF-8\" (in Excel: File → Save As → CSV UTF-8) and import it again"
    )]
    HeaderEncoding,
    #[error(
        "the file is UTF-16 text; save it as \"CSV UTF-8\" (in Excel: File → Save As → CSV UTF-8) and import it again"
    )]
    Utf16,
    #[error("cannot read the CSV file")]
    Csv(#[source] csv::Error),
    #[error(transparent)]
    Limit(#[from] LimitExceeded),
    #[error("cannot read {} as a spreadsheet", path.display())]
    Spreadsheet { path: PathBuf, source: xlsx::XlsxError },
    #[error("registry files must be .csv or .xlsx, not `{0}`")]
    UnknownFormat(String),
    #[error("an XLSX sheet holds at most {XLSX_MAX_ROWS} rows; export this many people as CSV")]
    TooManyRows,
    #[error("cannot write the workbook")]
    Xlsx(#[from] XlsxError),
    #[error("cannot write the file")]
    Io(#[from] std::io::Error),
}

impl From<csv::Error> for RegistryFileError {
    fn from(e: csv::Error) -> Self {
        match csv_limit(&e) {
            Some(limit) => RegistryFileError::Limit(limit),
            None => RegistryFileError::Csv(e),
        }
    }
}

impl RegistryFileError {
    /// The limit the file broke, if that is what went wrong.
    pub fn limit(&self) -> Option<&LimitExceeded> {
        match self {
            RegistryFileError::Limit(l) => Some(l),
            RegistryFileError::Spreadsheet { source, .. } => source.limit(),
            _ => None,
        }
    }

    fn spreadsheet(path: &Path, e: xlsx::XlsxError) -> RegistryFileError {
        match e {
            xlsx::XlsxError::Limit(l) => RegistryFileError::Limit(l),
            source => RegistryFileError::Spreadsheet { path: path.to_path_buf(), source },
        }
    }
}

/// The limit a CSV reading error carries, raised by [`RecordBudget`].
fn csv_limit(e: &csv::Error) -> Option<LimitExceeded> {
    match e.kind() {
        csv::ErrorKind::Io(io) => LimitExceeded::from_io(io).cloned(),
        _ => None,
    }
}

fn required_columns() -> Vec<&'static str> {
    COLUMNS.iter().zip(REQUIRED).filter(|(_, r)| *r).map(|(c, _)| *c).collect()
}

fn optional_columns() -> Vec<&'static str> {
    COLUMNS.iter().zip(REQUIRED).filter(|(_, r)| !*r).map(|(c, _)| *c).collect()
}

/// A registry file format, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// `.csv` or `.xlsx` (any case).
    pub fn from_path(path: &Path) -> Result<FileFormat, RegistryFileError> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Ok(FileFormat::Csv),
            "xlsx" => Ok(FileFormat::Xlsx),
            _ => Err(RegistryFileError::UnknownFormat(if ext.is_empty() {
                "no extension".into()
            } else {
                format!(".{ext}")
            })),
        }
    }
}

// Header ----------------------------------------------------------------------------------

/// Where each known column sits in a file's rows.
#[derive(Debug, Clone)]
struct Layout {
    /// Position of each of [`COLUMNS`] in a row, when present.
    pos: [Option<usize>; 14],
    /// The header as written in the file, for rejects files and messages.
    header: Vec<String>,
}

impl Layout {
    fn from_header(header: &[&str]) -> Result<Layout, RegistryFileError> {
        let mut pos = [None; 14];
        let mut unknown = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let key = name.trim().to_ascii_lowercase();
            if key.is_empty() && i + 1 == header.len() {
                // A trailing delimiter on the header line.
                continue;
            }
            match COLUMNS.iter().position(|c| *c == key) {
                Some(c) if pos[c].is_some() => return Err(RegistryFileError::DuplicateColumn(COLUMNS[c].into())),
                Some(c) => pos[c] = Some(i),
                None if IGNORED_COLUMNS.contains(&key.as_str()) => {}
                None => unknown.push(if key.is_empty() {
                    format!("(blank, column {})", i + 1)
                } else {
                    name.trim().to_string()
                }),
            }
        }
        let missing: Vec<String> = COLUMNS
            .iter()
            .zip(REQUIRED)
            .zip(pos)
            .filter(|((_, req), p)| *req && p.is_none())
            .map(|((c, _), _)| c.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(RegistryFileError::MissingColumns { missing });
        }
        if !unknown.is_empty() {
            return Err(RegistryFileError::UnknownColumns { unknown });
        }
        Ok(Layout { pos, header: header.iter().map(|s| s.trim().to_string()).collect() })
    }

    /// Name of the column at position `i` in a row.
    fn column_name(&self, i: usize) -> String {
        match self.header.get(i) {
            Some(h) if !h.is_empty() => h.to_ascii_lowercase(),
            _ => format!("field {}", i + 1),
        }
    }
}

/// Reads a DTKS flag.
fn parse_flag(raw: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "tidak" | "no" | "n" => Ok(false),
        "1" | "true" | "ya" | "yes" | "y" => Ok(true),
        other => Err(format!(
            "`{}` is not a yes/no value (use 1/0, true/false, ya/tidak or yes/no)",
            berdaya_domain::registry::text::shorten(other)
        )),
    }
}

/// Turns one row's fields (in file order) into a record, or every error in it.
fn parse_row(layout: &Layout, row: u64, raw: Vec<String>) -> Result<RegistryRecord, Vec<RowError>> {
    let get = |c: usize| layout.pos[c].and_then(|p| raw.get(p)).map(String::as_str).unwrap_or("");
    let owned = |c: usize| get(c).to_string();
    let optional = |c: usize| {
        let s = get(c);
        (!s.trim().is_empty()).then(|| s.to_string())
    };
    let mut field_errors: Vec<FieldError> = Vec::new();
    let dtks_listed = match parse_flag(get(DTKS_LISTED)) {
        Ok(v) => v,
        Err(message) => {
            field_errors.push(FieldError::new(COLUMNS[DTKS_LISTED], message));
            // Counted as listed so a `dtks_since` on the row is not reported as well.
            true
        }
    };
    let household = HouseholdDraft {
        kk: owned(KK),
        address: owned(ADDRESS),
        region: owned(REGION),
        welfare_stage: owned(WELFARE_STAGE),
        dtks_listed,
        dtks_since: optional(DTKS_SINCE),
    }
    .parse();
    let person = PersonDraft {
        nik: owned(NIK),
        household_id: None,
        name: owned(NAME),
        sex: owned(SEX),
        birth_date: owned(BIRTH_DATE),
        relation: owned(RELATION),
        education: owned(EDUCATION),
        occupation: optional(OCCUPATION),
        disability: owned(DISABILITY),
    }
    .parse();
    match (household, person) {
        (Ok(household), Ok(person)) if field_errors.is_empty() => Ok(RegistryRecord { row, household, person, raw }),
        (household, person) => {
            if let Err(e) = household {
                field_errors.extend(e.0);
            }
            if let Err(e) = person {
                field_errors.extend(e.0);
            }
            // Report in the order of the columns.
            field_errors.sort_by_key(|e| COLUMNS.iter().position(|c| *c == e.field).unwrap_or(COLUMNS.len()));
            Err(field_errors
                .into_iter()
                .map(|e| RowError { row, column: e.field, rule: e.message, raw: raw.clone() })
                .collect())
        }
    }
}

fn is_blank(fields: &[String]) -> bool {
    fields.iter().all(|f| f.trim().is_empty())
}

// CSV ---------------------------------------------------------------------------------------

/// How much of the file start is read to find the delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

/// Reads registry rows from CSV. Implements [`RowSource`].
pub struct CsvRegistryReader {
    reader: csv::Reader<RecordBudget<Box<dyn Read + Send>>>,
    /// Bytes the parser has taken since the last record, shared with its [`RecordBudget`].
    taken: Arc<AtomicU64>,
    limits: Limits,
    layout: Layout,
    record: csv::ByteRecord,
    /// Spreadsheet number of the last row read (the header is 1).
    row: u64,
    rows_read: u64,
    done: bool,
}

impl std::fmt::Debug for CsvRegistryReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvRegistryReader").field("row", &self.row).finish_non_exhaustive()
    }
}

impl CsvRegistryReader {
    /// Opens a CSV file and checks its header.
    pub fn open(path: &Path) -> Result<CsvRegistryReader, RegistryFileError> {
        let file = File::open(path).map_err(|source| RegistryFileError::Open { path: path.to_path_buf(), source })?;
        Self::from_reader(file)
    }

    /// Reads CSV from any source and checks its header.
    pub fn from_reader(mut input: impl Read + Send + 'static) -> Result<CsvRegistryReader, RegistryFileError> {
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        (&mut input).take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
        if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
            return Err(RegistryFileError::Utf16);
        }
        let start = if head.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        let delimiter = sniff_delimiter(&head[start..]);
        head.drain(..start);
        let chained: Box<dyn Read + Send> = Box::new(Cursor::new(head).chain(input));
        let limits = Limits::REGISTRY;
        let taken = Arc::new(AtomicU64::new(0));
        let budget = RecordBudget {
            inner: chained,
            taken: Arc::clone(&taken),
            max: limits.max_record_bytes + CSV_BUFFER as u64,
            limit: limits.max_record_bytes,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(CSV_BUFFER)
            .from_reader(budget);
        let mut record = csv::ByteRecord::new();
        // The header: skip blank lines before it (the csv crate already does).
        if !reader.read_byte_record(&mut record)? {
            return Err(RegistryFileError::Empty);
        }
        if record.as_slice().len() as u64 > limits.max_record_bytes {
            return Err(LimitExceeded::RecordBytes(limits.max_record_bytes).into());
        }
        if record.len() as u64 > limits.max_columns {
            return Err(LimitExceeded::Columns(limits.max_columns).into());
        }
        taken.store(0, Ordering::Relaxed);
        let header: Vec<&str> = record
            .iter()
            .map(std::str::from_utf8)
            .collect::<Result<_, _>>()
            .map_err(|_| RegistryFileError::HeaderEncoding)?;
        if header.iter().all(|h| h.trim().is_empty()) {
            return Err(RegistryFileError::Empty);
        }
        let layout = Layout::from_header(&header)?;
        Ok(CsvRegistryReader { reader, taken, limits, layout, record, row: 1, rows_read: 0, done: false })
    }

    /// The header as written in the file.
    pub fn header(&self) -> &[String] {
        &self.layout.header
    }

    fn read_next(&mut self) -> Option<Result<RegistryRecord, Vec<RowError>>> {
        loop {
            if self.done {
                return None;
            }
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) => {}
                Err(e) => {
                    // Only I/O failures and limits end up here (the reader is flexible and
                    // lenient about quotes); nothing after this point can be read.
                    self.done = true;
                    self.row += 1;
                    self.rows_read += 1;
                    let rule = match csv_limit(&e) {
                        Some(limit) => format!("the file cannot be read from this row on: {limit}"),
                        None => format!("the file cannot be read from this row on: {e}"),
                    };
                    return Some(Err(vec![RowError { row: self.row, column: String::new(), rule, raw: Vec::new() }]));
                }
            }
            self.taken.store(0, Ordering::Relaxed);
            self.row += 1;
            self.rows_read += 1;
            let row = self.row;
            if let Some(limit) = self.over_limit() {
                self.done = true;
                let rule = format!("the file cannot be read from this row on: {limit}");
                return Some(Err(vec![RowError { row, column: String::new(), rule, raw: Vec::new() }]));
            }
            let width = self.layout.header.len();
            let fields = self.record.len();
            // Enough fields to keep for a rejects file: a row with thousands of empty fields
            // must not cost thousands of strings.
            let mut raw = Vec::with_capacity(fields.min(width + 1));
            let mut encoding_error = None;
            for (i, field) in self.record.iter().enumerate().take(width + 1) {
                match std::str::from_utf8(field) {
                    Ok(s) => raw.push(s.to_string()),
                    Err(e) => {
                        if encoding_error.is_none() {
                            let at = e.valid_up_to();
                            encoding_error = Some(RowError {
                                row,
                                column: self.layout.column_name(i),
                                rule: format!(
                                    "is not UTF-8 text (byte 0x{:02X} after `{}`): the file was saved in another encoding \
                                     (such as Windows-1252); save it as \"CSV UTF-8\" (in Excel: File → Save As → \
                                     CSV UTF-8) and import it again",
                                    field[at],
                                    String::from_utf8_lossy(&field[..at])
                                        .chars()
                                        .rev()
                                        .take(20)
                                        .collect::<Vec<_>>()
                                        .into_iter()
                                        .rev()
                                        .collect::<String>()
                                ),
                                raw: Vec::new(),
                            });
                        }
                        raw.push(String::from_utf8_lossy(field).into_owned());
                    }
                }
            }
            if let Some(mut e) = encoding_error {
                e.raw = raw;
                return Some(Err(vec![e]));
            }
            if fields != width {
                // A trailing delimiter gives one extra empty field: accept it.
                let trailing_blank = fields == width + 1 && raw.last().is_some_and(|f| f.is_empty());
                if !trailing_blank {
                    if is_blank(&raw) && self.record.iter().all(|f| f.trim_ascii().is_empty()) {
                        continue;
                    }
                    let rule = format!(
                        "has {fields} fields but the header has {width}: check the quoting on this row (a `\"` that \
                         is not closed, or a field with a delimiter that is not in quotes)",
                    );
                    return Some(Err(vec![RowError { row, column: String::new(), rule, raw }]));
                }
            }
            if is_blank(&raw) {
                continue;
            }
            // Registry fields never hold line breaks: one that does began with a quote that
            // was not closed, and swallowed the lines after it.
            if let Some(i) = raw.iter().position(|f| f.contains(['\n', '\r'])) {
                let lines = raw[i].lines().count();
                let rule = format!(
                    "runs over {lines} lines: a `\"` on this row is probably not closed, so the lines after it were read \
                     into this field; check the quoting on this row"
                );
                return Some(Err(vec![RowError { row, column: self.layout.column_name(i), rule, raw }]));
            }
            return Some(parse_row(&self.layout, row, raw));
        }
    }
}

impl CsvRegistryReader {
    /// The limit the record just read breaks, if any.
    fn over_limit(&self) -> Option<LimitExceeded> {
        let limits = &self.limits;
        if self.row > limits.max_rows {
            Some(LimitExceeded::Rows(limits.max_rows))
        } else if self.record.as_slice().len() as u64 > limits.max_record_bytes {
            Some(LimitExceeded::RecordBytes(limits.max_record_bytes))
        } else if self.record.len() as u64 > limits.max_columns {
            Some(LimitExceeded::Columns(limits.max_columns))
        } else {
            None
        }
    }
}

/// The CSV parser's read buffer.
const CSV_BUFFER: usize = 1 << 16;

/// Counts the bytes the CSV parser takes since the last record ended (the reader resets
/// the count): a record longer than `max` is an error before it is buffered, not a buffer
/// of a gigabyte. `max` allows for the parser's read-ahead; the exact limit is checked on
/// the record.
struct RecordBudget<R> {
    inner: R,
    taken: Arc<AtomicU64>,
    max: u64,
    limit: u64,
}

impl<R: Read> Read for RecordBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.taken.load(Ordering::Relaxed) > self.max {
            return Err(std::io::Error::other(LimitExceeded::RecordBytes(self.limit)));
        }
        let n = self.inner.read(buf)?;
        self.taken.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl RowSource for CsvRegistryReader {
    fn next_row(&mut self) -> Option<Result<RegistryRecord, Vec<RowError>>> {
        self.read_next()
    }

    fn rows_read(&self) -> u64 {
        self.rows_read
    }
}

/// `;` when the header line has more semicolons than commas, else `,`.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let (mut commas, mut semis, mut quoted) = (0usize, 0usize, false);
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if semis > commas { b';' } else { b',' }
}

/// Counts the lines of a file quickly, for a progress bar's length (an estimate of the rows:
/// quoted fields may hold line breaks).
pub fn count_lines(path: &Path) -> std::io::Result<u64> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        last = buf[n - 1];
    }
    Ok(lines + u64::from(last != b'\n'))
}

// XLSX --------------------------------------------------------------------------------------

/// Reads registry rows from the `registry` sheet (or the first sheet) of a workbook, row by
/// row as the sheet is stored. Implements [`RowSource`].
pub struct XlsxRegistryReader {
    rows: xlsx::Rows,
    cells: Vec<Cell>,
    layout: Layout,
    /// Column of the header's first value: columns count from there.
    offset: usize,
    /// Data rows the sheet says it has, for a progress bar.
    len: u64,
    rows_read: u64,
    done: bool,
}

impl std::fmt::Debug for XlsxRegistryReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxRegistryReader").field("rows", &self.rows).finish_non_exhaustive()
    }
}

impl XlsxRegistryReader {
    /// Opens a workbook and checks the header of its registry sheet.
    pub fn open(path: &Path) -> Result<XlsxRegistryReader, RegistryFileError> {
        let wb = xlsx::Workbook::open(path, Limits::REGISTRY).map_err(|e| RegistryFileError::spreadsheet(path, e))?;
        Self::from_workbook(wb).map_err(|e| match e {
            RegistryFileError::Spreadsheet { source, .. } => RegistryFileError::spreadsheet(path, source),
            other => other,
        })
    }

    /// Reads a workbook held in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<XlsxRegistryReader, RegistryFileError> {
        let wb = xlsx::Workbook::from_bytes(bytes, Limits::REGISTRY)
            .map_err(|e| RegistryFileError::spreadsheet(Path::new("(upload)"), e))?;
        Self::from_workbook(wb)
    }

    fn from_workbook(mut wb: xlsx::Workbook) -> Result<XlsxRegistryReader, RegistryFileError> {
        let fail = |e| RegistryFileError::spreadsheet(Path::new("(workbook)"), e);
        let names: Vec<String> = wb.sheet_names().map(str::to_string).collect();
        let sheet = names
            .iter()
            .find(|s| s.trim().eq_ignore_ascii_case("registry"))
            .or_else(|| names.first())
            .cloned()
            .ok_or(RegistryFileError::Empty)?;
        let mut rows = wb.rows(&sheet).map_err(fail)?;
        let mut cells = Vec::new();
        let Some(header_row) = rows.next_row(&mut cells).map_err(fail)? else {
            return Err(RegistryFileError::Empty);
        };
        let offset = cells.iter().position(|c| !c.is_blank()).unwrap_or(0);
        let header: Vec<String> = cells[offset.min(cells.len())..]
            .iter()
            .map(|c| cell_text(Some(c), false, rows.date1904()).unwrap_or_else(|(shown, _)| shown))
            .collect();
        let refs: Vec<&str> = header.iter().map(String::as_str).collect();
        if refs.iter().all(|h| h.trim().is_empty()) {
            return Err(RegistryFileError::Empty);
        }
        let layout = Layout::from_header(&refs)?;
        let len = rows.dimension_rows().unwrap_or(0).saturating_sub(header_row);
        Ok(XlsxRegistryReader { rows, cells, layout, offset, len, rows_read: 0, done: false })
    }

    /// The header as written in the sheet.
    pub fn header(&self) -> &[String] {
        &self.layout.header
    }

    /// Data rows the sheet says it holds (blank rows included), for a progress bar.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the sheet says it has no rows below the header.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl RowSource for XlsxRegistryReader {
    fn next_row(&mut self) -> Option<Result<RegistryRecord, Vec<RowError>>> {
        while !self.done {
            let row = match self.rows.next_row(&mut self.cells) {
                Ok(Some(row)) => row,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    // A limit or a damaged sheet: nothing after this point can be read.
                    self.done = true;
                    self.rows_read += 1;
                    return Some(Err(vec![RowError {
                        row: self.rows.last_row(),
                        column: String::new(),
                        rule: format!("the file cannot be read from this row on: {e}"),
                        raw: Vec::new(),
                    }]));
                }
            };
            self.rows_read += 1;
            let width = self.layout.header.len();
            let mut raw = Vec::with_capacity(width);
            let mut errors = Vec::new();
            for c in 0..width {
                let identity = self.layout.pos[KK] == Some(c) || self.layout.pos[NIK] == Some(c);
                match cell_text(self.cells.get(self.offset + c), identity, self.rows.date1904()) {
                    Ok(s) => raw.push(s),
                    Err((shown, rule)) => {
                        errors.push(RowError { row, column: self.layout.column_name(c), rule, raw: Vec::new() });
                        raw.push(shown);
                    }
                }
            }
            if is_blank(&raw) && errors.is_empty() {
                continue;
            }
            if !errors.is_empty() {
                for e in &mut errors {
                    e.raw = raw.clone();
                }
                return Some(Err(errors));
            }
            return Some(parse_row(&self.layout, row, raw));
        }
        None
    }

    fn rows_read(&self) -> u64 {
        self.rows_read
    }
}

/// Largest integer an `f64` holds exactly.
const F64_EXACT: f64 = 9_007_199_254_740_992.0;

/// A cell as the text a user would type. `identity` marks NIK and KK cells, whose numbers
/// must be exact. An error carries the text to keep in the rejects file and the rule.
fn cell_text(cell: Option<&Cell>, identity: bool, date1904: bool) -> Result<String, (String, String)> {
    let Some(cell) = cell else { return Ok(String::new()) };
    match cell {
        Cell::Empty => Ok(String::new()),
        Cell::Text(s) => Ok(s.clone()),
        Cell::Number(f) => number_text(*f, identity),
        Cell::Date(f) => match xlsx::excel_date(*f, date1904) {
            Some(d) => Ok(berdaya_domain::registry::text::format_date(d)),
            None => number_text(*f, identity),
        },
        Cell::Bool(b) => Ok(if *b { "true".into() } else { "false".into() }),
        Cell::Error(e) => Err((e.clone(), format!("the cell holds a spreadsheet error ({e})"))),
    }
}

fn number_text(f: f64, identity: bool) -> Result<String, (String, String)> {
    if f.fract() == 0.0 && f.abs() < F64_EXACT {
        Ok(format!("{}", f as i64))
    } else if identity {
        Err((
            format!("{f}"),
            "is stored as a number that lost digits; format the column as Text and type the 16 digits again".into(),
        ))
    } else {
        Ok(format!("{f}"))
    }
}

/// Opens a registry file as a row source, by its extension.
pub fn open(path: &Path) -> Result<Box<dyn RowSource>, RegistryFileError> {
    Ok(match FileFormat::from_path(path)? {
        FileFormat::Csv => Box::new(CsvRegistryReader::open(path)?),
        FileFormat::Xlsx => Box::new(XlsxRegistryReader::open(path)?),
    })
}

/// Reads rows on a thread of its own, in batches, so parsing overlaps with the store's
/// writes. The rows come out in file order.
pub fn prefetch(source: Box<dyn RowSource>) -> Box<dyn RowSource> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RowResult>>(PREFETCH_BATCHES);
    let mut source = source;
    std::thread::spawn(move || {
        loop {
            let mut batch = Vec::with_capacity(PREFETCH_BATCH);
            // Bounded in bytes as well as rows, so long rows do not pile up in the queue.
            let mut bytes = 0;
            let mut last = false;
            while batch.len() < PREFETCH_BATCH && bytes < PREFETCH_BATCH_BYTES {
                match source.next_row() {
                    Some(row) => {
                        bytes += row_bytes(&row);
                        batch.push(row);
                    }
                    None => {
                        last = true;
                        break;
                    }
                }
            }
            // The receiver is gone: the import stopped; so does the reading.
            if (!batch.is_empty() && tx.send(batch).is_err()) || last {
                break;
            }
        }
    });
    Box::new(Prefetched { rx: Some(rx), batch: Vec::new().into_iter(), read: 0 })
}

type RowResult = Result<RegistryRecord, Vec<RowError>>;

const PREFETCH_BATCH: usize = 1024;
const PREFETCH_BATCH_BYTES: usize = 1 << 20;

/// The text a row holds, roughly: what it costs in a queue.
fn row_bytes(row: &RowResult) -> usize {
    let fields = |raw: &[String]| raw.iter().map(String::len).sum::<usize>();
    match row {
        Ok(rec) => fields(&rec.raw),
        Err(errors) => errors.iter().map(|e| fields(&e.raw) + e.rule.len()).sum(),
    }
}
const PREFETCH_BATCHES: usize = 4;

struct Prefetched {
    rx: Option<std::sync::mpsc::Receiver<Vec<RowResult>>>,
    batch: std::vec::IntoIter<RowResult>,
    read: u64,
}

impl RowSource for Prefetched {
    fn next_row(&mut self) -> Option<RowResult> {
        loop {
            if let Some(row) = self.batch.next() {
                self.read += 1;
                return Some(row);
            }
            match self.rx.as_ref()?.recv() {
                Ok(batch) => self.batch = batch.into_iter(),
                Err(_) => {
                    self.rx = None;
                    return None;
                }
            }
        }
    }

    fn rows_read(&self) -> u64 {
        self.read
    }
}

// Writing -----------------------------------------------------------------------------------

/// The fields of one export row, in [`COLUMNS`] order. NIK and KK are written in full when
/// `reveal` is set, masked (`3316••••••••0012`) otherwise; a masked file does not import.
pub fn export_fields(row: &RegistryExportRow, reveal: bool) -> [String; 14] {
    let p = &row.person;
    let mut out: [String; 14] = Default::default();
    if let Some(h) = &row.household {
        out[KK] = if reveal { h.kk.reveal() } else { h.kk.masked() };
        out[REGION] = h.region.to_string();
        out[ADDRESS] = h.address.clone();
        out[WELFARE_STAGE] = h.welfare_stage.code().into();
        out[DTKS_LISTED] = if h.dtks_listed { "yes".into() } else { "no".into() };
        out[DTKS_SINCE] = h.dtks_since.map(berdaya_domain::registry::text::format_date).unwrap_or_default();
    }
    out[NIK] = if reveal { p.nik.reveal() } else { p.nik.masked() };
    out[NAME] = p.name.clone();
    out[SEX] = p.sex.code().into();
    out[BIRTH_DATE] = berdaya_domain::registry::text::format_date(p.birth_date);
    out[RELATION] = p.relation.code().into();
    out[EDUCATION] = p.education.code().into();
    out[OCCUPATION] = p.occupation.clone().unwrap_or_default();
    out[DISABILITY] = p.disability.code().into();
    out
}

/// Writes registry rows as CSV (UTF-8, `,`, header first).
#[derive(Debug)]
pub struct CsvRegistryWriter<W: Write> {
    writer: csv::Writer<W>,
    reveal: bool,
}

impl<W: Write> CsvRegistryWriter<W> {
    /// Starts the file with the header.
    pub fn new(out: W, reveal: bool) -> Result<Self, RegistryFileError> {
        let mut writer = csv::WriterBuilder::new().buffer_capacity(1 << 16).from_writer(out);
        writer.write_record(COLUMNS)?;
        Ok(CsvRegistryWriter { writer, reveal })
    }

    pub fn write(&mut self, row: &RegistryExportRow) -> Result<(), RegistryFileError> {
        self.writer.write_record(export_fields(row, self.reveal))?;
        Ok(())
    }

    /// Flushes and hands back the output.
    pub fn finish(self) -> Result<W, RegistryFileError> {
        self.writer.into_inner().map_err(|e| RegistryFileError::Io(std::io::Error::other(e.error().to_string())))
    }
}

/// Writes registry rows to an XLSX workbook with one sheet, `registry`, all cells text.
/// Rows stream to a temporary file, so memory stays flat for large registries.
pub struct XlsxRegistryWriter {
    workbook: Workbook,
    path: PathBuf,
    reveal: bool,
    row: u32,
}

impl std::fmt::Debug for XlsxRegistryWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxRegistryWriter").field("path", &self.path).field("row", &self.row).finish_non_exhaustive()
    }
}

impl XlsxRegistryWriter {
    /// Starts a workbook to be saved at `path` by [`finish`](Self::finish).
    pub fn create(path: &Path, reveal: bool) -> Result<Self, RegistryFileError> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name("registry")?;
        let bold = Format::new().set_bold();
        for (c, name) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *name, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(XlsxRegistryWriter { workbook, path: path.to_path_buf(), reveal, row: 0 })
    }

    pub fn write(&mut self, row: &RegistryExportRow) -> Result<(), RegistryFileError> {
        if u64::from(self.row) + 2 > XLSX_MAX_ROWS {
            return Err(RegistryFileError::TooManyRows);
        }
        self.row += 1;
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (c, value) in export_fields(row, self.reveal).iter().enumerate() {
            if !value.is_empty() {
                sheet.write_string(self.row, c as u16, value)?;
            }
        }
        Ok(())
    }

    /// Saves the workbook.
    pub fn finish(mut self) -> Result<(), RegistryFileError> {
        self.workbook.save(&self.path)?;
        Ok(())
    }
}

/// Writes rejected rows: the file's own columns as read, then `row` and `reason`.
#[derive(Debug)]
pub struct RejectsWriter<W: Write> {
    writer: csv::Writer<W>,
    width: usize,
}

impl RejectsWriter<File> {
    /// Creates (or replaces) the rejects file at `path`.
    pub fn create(path: &Path, header: &[String]) -> Result<Self, RegistryFileError> {
        let file = File::create(path).map_err(|source| RegistryFileError::Open { path: path.to_path_buf(), source })?;
        Self::new(file, header)
    }
}

impl<W: Write> RejectsWriter<W> {
    pub fn new(out: W, header: &[String]) -> Result<Self, RegistryFileError> {
        let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(out);
        let mut head: Vec<&str> = header.iter().map(String::as_str).collect();
        head.extend(IGNORED_COLUMNS);
        writer.write_record(&head)?;
        Ok(RejectsWriter { writer, width: header.len() })
    }

    /// Writes one rejected row with every reason for it. Fields are padded or cut to the
    /// header's width so `row` and `reason` always line up.
    pub fn write(&mut self, row: u64, raw: &[String], reasons: &str) -> Result<(), RegistryFileError> {
        let mut fields: Vec<&str> = raw.iter().map(String::as_str).take(self.width).collect();
        fields.resize(self.width, "");
        let row = row.to_string();
        fields.push(&row);
        fields.push(reasons);
        self.writer.write_record(&fields)?;
        Ok(())
    }

    pub fn finish(self) -> Result<W, RegistryFileError> {
        self.writer.into_inner().map_err(|e| RegistryFileError::Io(std::io::Error::other(e.error().to_string())))
    }
}

/// One rejected row with all its errors, from a flat list of errors ordered by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow<'a> {
    pub row: u64,
    pub raw: &'a [String],
    pub errors: Vec<&'a RowError>,
}

impl RejectedRow<'_> {
    /// Every reason, `column: rule; column: rule`.
    pub fn reasons(&self) -> String {
        self.errors.iter().map(|e| describe(e)).collect::<Vec<_>>().join("; ")
    }
}

/// `column X: rule`, or the rule alone for errors of a whole row.
pub fn describe(e: &RowError) -> String {
    if e.column.is_empty() { e.rule.clone() } else { format!("column {}: {}", e.column, e.rule) }
}

/// Groups errors by row (keeping the order of first appearance).
pub fn rejected_rows(errors: &[RowError]) -> Vec<RejectedRow<'_>> {
    let mut out: Vec<RejectedRow<'_>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for e in errors {
        match index.get(&e.row) {
            Some(&i) => {
                let r: &mut RejectedRow<'_> = &mut out[i];
                r.errors.push(e);
                if r.raw.is_empty() {
                    r.raw = &e.raw;
                }
            }
            None => {
                index.insert(e.row, out.len());
                out.push(RejectedRow { row: e.row, raw: &e.raw, errors: vec![e] });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use berdaya_domain::registry::{
        Disability, Education, Household, Kk, Nik, Person, RegionCode, Relation, Sex, WelfareStage,
    };
    use time::macros::date;

    const HEADER: &str = "kk,region,address,welfare_stage,dtks_listed,dtks_since,nik,name,sex,birth_date,relation,education,occupation,disability";
    const GOOD: &str = "3316090101200034,33.16.09.2001,Jl. Mawar 5,pra_sejahtera,ya,2019-01-01,3316095203850012,Siti Aminah,P,1985-03-12,spouse,sd,petani,";

    fn csv(text: impl Into<Vec<u8>>) -> Result<CsvRegistryReader, RegistryFileError> {
        CsvRegistryReader::from_reader(Cursor::new(text.into()))
    }

    fn all(src: &mut dyn RowSource) -> Vec<Result<RegistryRecord, Vec<RowError>>> {
        std::iter::from_fn(|| src.next_row()).collect()
    }

    #[test]
    fn reads_a_good_row() {
        let mut r = csv(format!("{HEADER}\n{GOOD}\n")).unwrap();
        let rows = all(&mut r);
        assert_eq!(rows.len(), 1);
        let rec = rows[0].as_ref().unwrap();
        assert_eq!(rec.row, 2);
        assert_eq!(rec.household.kk.reveal(), "3316090101200034");
        assert!(rec.household.dtks_listed);
        assert_eq!(rec.person.sex, Sex::Female);
        assert_eq!(rec.person.occupation.as_deref(), Some("petani"));
        assert_eq!(rec.person.disability, Disability::None);
        assert_eq!(rec.raw.len(), 14);
        assert_eq!(r.rows_read(), 1);
    }

    #[test]
    fn header_is_case_insensitive_in_any_order_with_bom_and_semicolons() {
        let header = "NIK; Name ;Sex;birth_date;relation;KK;region;address;welfare_stage";
        let row = "3316095203850012;Siti;P;1985-03-12;head;3316090101200034;33.16.09.2001;\"Jl. A; RT 3\";sejahtera_1";
        let mut text = b"\xEF\xBB\xBF".to_vec();
        text.extend(format!("{header}\r\n{row}\r\n").bytes());
        let mut r = csv(text).unwrap();
        let rows = all(&mut r);
        let rec = rows[0].as_ref().unwrap();
        assert_eq!(rec.household.address, "Jl. A; RT 3");
        assert!(!rec.household.dtks_listed);
        assert_eq!(rec.person.education, Education::None);
    }

    #[test]
    fn missing_columns_are_named_together() {
        let err = csv("kk,region,address,nik,name\n").unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(&err, RegistryFileError::MissingColumns { missing } if missing == &["welfare_stage", "sex", "birth_date", "relation"]),
            "{msg}"
        );
        assert!(msg.contains("welfare_stage, sex, birth_date, relation"), "{msg}");
    }

    #[test]
    fn unknown_and_duplicate_columns_are_refused_but_reject_columns_ignored() {
        let err = csv(format!("{HEADER},ocupation\n")).unwrap_err();
        assert!(err.to_string().contains("ocupation"), "{err}");
        let err = csv(format!("{HEADER},NIK\n")).unwrap_err();
        assert!(matches!(err, RegistryFileError::DuplicateColumn(c) if c == "nik"));
        let mut r = csv(format!("{HEADER},row,reason\n{GOOD},2,column nik: x\n")).unwrap();
        assert!(all(&mut r)[0].is_ok());
    }

    #[test]
    fn empty_files_are_refused() {
        assert!(matches!(csv(""), Err(RegistryFileError::Empty)));
        assert!(matches!(csv("\n\n"), Err(RegistryFileError::Empty)));
        assert!(matches!(csv(",,,\n"), Err(RegistryFileError::Empty)));
        let mut r = csv(format!("{HEADER}\n")).unwrap();
        assert!(all(&mut r).is_empty());
        assert!(matches!(csv(b"\xFF\xFEk\0k\0".to_vec()), Err(RegistryFileError::Utf16)));
    }

    #[test]
    fn broken_quoting_names_the_row() {
        let bad = GOOD.replace("Jl. Mawar 5", "\"Jl. Mawar 5");
        let mut r = csv(format!("{HEADER}\n{GOOD}\n{bad}\n{GOOD}\n")).unwrap();
        let rows = all(&mut r);
        assert!(rows[0].is_ok());
        let errs = rows[1].as_ref().unwrap_err();
        assert_eq!(errs[0].row, 3);
        assert!(errs[0].rule.contains("quoting"), "{}", errs[0].rule);
        // A quote closed by a later row's quote: the field swallows a line break.
        let bad = GOOD.replace("Jl. Mawar 5", "\"Jl. Mawar 5");
        let later = GOOD.replace("Jl. Mawar 5", "Jl. \"Mawar 6\"");
        let mut r = csv(format!("{HEADER}\n{bad}\n{later}\n")).unwrap();
        let e = all(&mut r).remove(0).unwrap_err();
        assert_eq!(e[0].row, 2);
        assert!(e[0].rule.contains("quoting"), "{}", e[0].rule);
        // An extra field on a row.
        let mut r = csv(format!("{HEADER}\n{GOOD}x,y\n")).unwrap();
        let e = all(&mut r).remove(0).unwrap_err();
        assert!(e[0].rule.contains("has 15 fields but the header has 14"), "{}", e[0].rule);
    }

    #[test]
    fn windows_1252_bytes_name_row_and_column() {
        let mut text = format!("{HEADER}\n{GOOD}\n").into_bytes();
        // "Jos\xe9" in Windows-1252.
        text.extend(GOOD.replace("Siti Aminah", "Jos#").as_bytes().iter().map(|&b| if b == b'#' { 0xE9 } else { b }));
        text.push(b'\n');
        let mut r = csv(text).unwrap();
        let rows = all(&mut r);
        let e = &rows[1].as_ref().unwrap_err()[0];
        assert_eq!((e.row, e.column.as_str()), (3, "name"));
        assert!(e.rule.contains("UTF-8") && e.rule.contains("0xE9") && e.rule.contains("Jos"), "{}", e.rule);
        assert_eq!(e.raw[7], "Jos\u{FFFD}");
    }

    #[test]
    fn every_bad_field_is_reported_in_column_order() {
        let bad =
            GOOD.replace("3316095203850012", "12345").replace("pra_sejahtera", "kaya").replace(",ya,", ",mungkin,");
        let mut r = csv(format!("{HEADER}\n{bad}\n")).unwrap();
        let e = all(&mut r).remove(0).unwrap_err();
        let cols: Vec<_> = e.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(cols, [(2, "welfare_stage"), (2, "dtks_listed"), (2, "nik")]);
        assert!(e.iter().all(|e| e.raw.len() == 14));
    }

    #[test]
    fn flags_and_blank_rows() {
        for (v, want) in [
            ("1", true),
            ("0", false),
            ("TRUE", true),
            ("false", false),
            ("Ya", true),
            ("tidak", false),
            ("yes", true),
            ("no", false),
            ("", false),
        ] {
            assert_eq!(parse_flag(v), Ok(want), "{v}");
        }
        let no_since = GOOD.replace("2019-01-01", "");
        let mut r = csv(format!("{HEADER}\n,,,,,,,,,,,,,\n{no_since}\n")).unwrap();
        let rows = all(&mut r);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].as_ref().unwrap().row, 3);
    }

    fn export_row(n: u16) -> RegistryExportRow {
        RegistryExportRow {
            household: Some(Household {
                id: 1,
                kk: Kk::parse("3316090101200034").unwrap(),
                address: "Jl. Mawar 5, RT 03; RW 01 \"Gang\"".into(),
                region: RegionCode::parse("33.16.09.2001").unwrap(),
                welfare_stage: WelfareStage::Sejahtera2,
                dtks_listed: true,
                dtks_since: Some(date!(2019 - 01 - 01)),
                version: 1,
            }),
            person: Person {
                id: i64::from(n),
                nik: Nik::compose("331609", date!(1985 - 03 - 12), Sex::Female, n).unwrap(),
                household_id: Some(1),
                name: format!("Siti Ñur {n}"),
                sex: Sex::Female,
                birth_date: date!(1985 - 03 - 12),
                relation: Relation::Child,
                education: Education::Sma,
                occupation: None,
                disability: Disability::Sensory,
                version: 1,
            },
        }
    }

    fn check_round_trip(rows: Vec<Result<RegistryRecord, Vec<RowError>>>) {
        assert_eq!(rows.len(), 3);
        for (i, r) in rows.into_iter().enumerate() {
            let rec = r.unwrap();
            let want = export_row(i as u16 + 1);
            assert_eq!(rec.row, i as u64 + 2);
            assert_eq!(rec.person.nik, want.person.nik);
            assert_eq!(rec.person.name, want.person.name);
            assert_eq!(rec.person.disability, Disability::Sensory);
            let h = want.household.unwrap();
            assert_eq!(
                (rec.household.kk, rec.household.address, rec.household.dtks_since),
                (h.kk, h.address, h.dtks_since)
            );
        }
    }

    #[test]
    fn csv_export_imports_again() {
        let mut w = CsvRegistryWriter::new(Vec::new(), true).unwrap();
        for n in 1..=3 {
            w.write(&export_row(n)).unwrap();
        }
        let bytes = w.finish().unwrap();
        let mut r = csv(bytes).unwrap();
        check_round_trip(all(&mut r));
    }

    #[test]
    fn masked_export_hides_numbers() {
        let f = export_fields(&export_row(1), false);
        assert_eq!(f[KK], "3316••••••••0034");
        assert!(f[NIK].contains("••••"));
    }

    #[test]
    fn xlsx_export_imports_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.xlsx");
        let mut w = XlsxRegistryWriter::create(&path, true).unwrap();
        for n in 1..=3 {
            w.write(&export_row(n)).unwrap();
        }
        w.finish().unwrap();
        let mut r = XlsxRegistryReader::open(&path).unwrap();
        assert_eq!(r.len(), 3);
        check_round_trip(all(&mut r));
    }

    #[test]
    fn xlsx_numbers_and_dates_read_as_typed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("typed.xlsx");
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Sheet1").unwrap();
        ws.write_string(0, 0, "ignored").unwrap();
        let ws = wb.add_worksheet();
        ws.set_name("Registry").unwrap();
        for (c, h) in COLUMNS.iter().enumerate() {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
        ws.write_number(3, KK as u16, 3316090101200034.0).unwrap();
        ws.write_string(3, REGION as u16, "33.16.09.2001").unwrap();
        ws.write_string(3, ADDRESS as u16, "Jl. A").unwrap();
        ws.write_string(3, WELFARE_STAGE as u16, "sejahtera_1").unwrap();
        ws.write_boolean(3, DTKS_LISTED as u16, true).unwrap();
        ws.write_number(3, NIK as u16, 3316095203850012.0).unwrap();
        ws.write_string(3, NAME as u16, "Siti").unwrap();
        ws.write_string(3, SEX as u16, "P").unwrap();
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(1985, 3, 12).unwrap();
        ws.write_datetime_with_format(3, BIRTH_DATE as u16, &d, &date_fmt).unwrap();
        ws.write_string(3, RELATION as u16, "head").unwrap();
        // Row 5: a NIK too long for a float to keep.
        ws.write_number(4, NIK as u16, 9916095203850013.0).unwrap();
        wb.save(&path).unwrap();
        let mut r = XlsxRegistryReader::open(&path).unwrap();
        let rows = all(&mut r);
        let rec = rows[0].as_ref().unwrap();
        assert_eq!(rec.row, 4);
        assert_eq!(rec.person.nik.reveal(), "3316095203850012");
        assert_eq!(rec.person.birth_date, date!(1985 - 03 - 12));
        assert!(rec.household.dtks_listed);
        let e = rows[1].as_ref().unwrap_err();
        assert_eq!((e[0].row, e[0].column.as_str()), (5, "nik"));
        assert!(e[0].rule.contains("Text"));
    }

    #[test]
    fn rejects_file_keeps_fields_and_adds_reasons() {
        let mut r = csv(format!("{HEADER}\n{}\n", GOOD.replace("spouse", "cousin"))).unwrap();
        let errors = all(&mut r).remove(0).unwrap_err();
        let grouped = rejected_rows(&errors);
        assert_eq!(grouped.len(), 1);
        let mut w = RejectsWriter::new(Vec::new(), r.header()).unwrap();
        w.write(grouped[0].row, grouped[0].raw, &grouped[0].reasons()).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        let mut lines = out.lines();
        assert_eq!(lines.next().unwrap(), format!("{HEADER},row,reason"));
        let line = lines.next().unwrap();
        assert!(
            line.starts_with("3316090101200034,") && line.contains(",2,\"column relation: `cousin` is not one of"),
            "{line}"
        );
    }

    #[test]
    fn prefetch_keeps_order_and_count() {
        let body: String = (0..3000).map(|_| format!("{GOOD}\n")).collect();
        let r = csv(format!("{HEADER}\n{body}")).unwrap();
        let mut p = prefetch(Box::new(r));
        let rows = all(p.as_mut());
        assert_eq!(rows.len(), 3000);
        assert!(rows.iter().enumerate().all(|(i, r)| r.as_ref().unwrap().row == i as u64 + 2));
        assert_eq!(p.rows_read(), 3000);
    }

    #[test]
    fn formats_by_extension_and_lines_count() {
        assert_eq!(FileFormat::from_path(Path::new("a.CSV")).unwrap(), FileFormat::Csv);
        assert_eq!(FileFormat::from_path(Path::new("a.xlsx")).unwrap(), FileFormat::Xlsx);
        assert!(FileFormat::from_path(Path::new("a.txt")).is_err());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "a\nb\nc").unwrap();
        assert_eq!(count_lines(&p).unwrap(), 3);
    }
}
