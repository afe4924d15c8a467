//! A streaming XLSX reader: the rows of a worksheet one at a time, in memory bounded by
//! [`Limits`] whatever the file holds.
//!
//! A worksheet is read as it is stored, sparse: a sheet with cells `A1` and `XFD1048576`
//! yields two rows, not a grid of seventeen billion blanks. Before a zip entry is unpacked
//! its declared size and compression ratio are checked, and its stream is cut off at the
//! size it declared (a lying header gets an error, not memory). Every XML event, every cell's
//! text and the shared strings have their own ceilings, and a cell beyond the row or column
//! limit is refused with an error naming the limit instead of being padded out.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use zip::{CompressionMethod, ZipArchive};

use crate::limits::{LimitExceeded, Limits, RATIO_FREE_BYTES};

/// One cell's value, as stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A number shown with a date format: days since the workbook's epoch.
    Date(f64),
    Bool(bool),
    /// A formula error such as `#DIV/0!`.
    Error(String),
}

impl Cell {
    /// Whether the cell holds nothing (or only spaces).
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// Why a workbook cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("cannot read {}", path.display())]
    Open { path: PathBuf, source: io::Error },
    #[error("the file is not an XLSX workbook (it is not a readable zip archive)")]
    NotZip(#[source] zip::result::ZipError),
    #[error(transparent)]
    Limit(#[from] LimitExceeded),
    #[error("the workbook has no part `{0}`: it is not an XLSX workbook")]
    MissingPart(String),
    #[error("the workbook has no sheet `{0}`")]
    MissingSheet(String),
    #[error("part `{part}` of the workbook is stored with {method}, which cannot be read; save it again as .xlsx")]
    Unsupported { part: String, method: String },
    #[error("part `{0}` of the workbook is encrypted; remove the password and save it again")]
    Encrypted(String),
    #[error("part `{part}` of the workbook is damaged")]
    Damaged { part: String, source: io::Error },
    #[error("part `{part}` of the workbook is not valid XML")]
    Xml { part: String, source: quick_xml::Error },
    #[error("part `{part}` of the workbook: {message}")]
    Invalid { part: String, message: String },
}

impl XlsxError {
    /// The limit the workbook broke, if that is what went wrong.
    pub fn limit(&self) -> Option<&LimitExceeded> {
        match self {
            XlsxError::Limit(l) => Some(l),
            _ => None,
        }
    }

    fn io(part: &str, e: io::Error) -> XlsxError {
        match LimitExceeded::from_io(&e) {
            Some(l) => XlsxError::Limit(l.clone()),
            None => XlsxError::Damaged { part: part.into(), source: e },
        }
    }

    fn xml(part: &str, e: quick_xml::Error) -> XlsxError {
        match &e {
            quick_xml::Error::Io(io) => match LimitExceeded::from_io(io) {
                Some(l) => XlsxError::Limit(l.clone()),
                None => XlsxError::Damaged { part: part.into(), source: io::Error::new(io.kind(), io.to_string()) },
            },
            _ => XlsxError::Xml { part: part.into(), source: e },
        }
    }

    fn invalid(part: &str, message: impl Into<String>) -> XlsxError {
        XlsxError::Invalid { part: part.into(), message: message.into() }
    }
}

trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Where the workbook's bytes are: each open part reads the source on its own.
#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    Bytes(Arc<[u8]>),
}

impl Source {
    fn open(&self) -> Result<Box<dyn ReadSeek>, XlsxError> {
        match self {
            Source::File(path) => File::open(path)
                .map(|f| Box::new(f) as Box<dyn ReadSeek>)
                .map_err(|source| XlsxError::Open { path: path.clone(), source }),
            Source::Bytes(b) => Ok(Box::new(io::Cursor::new(Arc::clone(b)))),
        }
    }
}

/// A sheet of the workbook: its name and the zip entry holding it.
#[derive(Debug, Clone)]
struct Sheet {
    name: String,
    part: String,
}

/// Shared strings, packed into one buffer.
#[derive(Debug, Default)]
struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..end)
    }
}

/// What cells need to know from the rest of the workbook.
#[derive(Debug, Default)]
struct Context {
    shared: SharedStrings,
    /// Whether each cell format (`s` attribute) is a date format.
    date_styles: Vec<bool>,
}

/// An open XLSX workbook.
pub struct Workbook {
    source: Source,
    archive: ZipArchive<Box<dyn ReadSeek>>,
    limits: Limits,
    sheets: Vec<Sheet>,
    context: Option<Arc<Context>>,
    date1904: bool,
}

impl std::fmt::Debug for Workbook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workbook").field("sheets", &self.sheets).finish_non_exhaustive()
    }
}

/// The most cell formats kept (Excel allows 64,000); later ones read as numbers.
const MAX_STYLES: usize = 65_536;

impl Workbook {
    /// Opens a workbook file.
    pub fn open(path: &Path, limits: Limits) -> Result<Workbook, XlsxError> {
        let len = std::fs::metadata(path).map_err(|source| XlsxError::Open { path: path.into(), source })?.len();
        if len > limits.max_file_bytes {
            return Err(LimitExceeded::FileBytes(limits.max_file_bytes).into());
        }
        Self::from_source(Source::File(path.into()), limits)
    }

    /// Opens a workbook held in memory (an upload).
    pub fn from_bytes(bytes: &[u8], limits: Limits) -> Result<Workbook, XlsxError> {
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(LimitExceeded::FileBytes(limits.max_file_bytes).into());
        }
        Self::from_source(Source::Bytes(Arc::from(bytes)), limits)
    }

    fn from_source(source: Source, limits: Limits) -> Result<Workbook, XlsxError> {
        let mut reader = source.open()?;
        check_entry_count(&mut reader, limits.max_zip_entries)?;
        let archive = ZipArchive::new(reader).map_err(XlsxError::NotZip)?;
        let mut wb = Workbook { source, archive, limits, sheets: Vec::new(), context: None, date1904: false };
        wb.read_workbook()?;
        Ok(wb)
    }

    /// The sheets' names, in the workbook's order.
    pub fn sheet_names(&self) -> impl Iterator<Item = &str> {
        self.sheets.iter().map(|s| s.name.as_str())
    }

    /// The rows of the sheet named `name` (exactly), one at a time.
    pub fn rows(&mut self, name: &str) -> Result<Rows, XlsxError> {
        let part = self
            .sheets
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.part.clone())
            .ok_or_else(|| XlsxError::MissingSheet(name.into()))?;
        let context = match &self.context {
            Some(c) => Arc::clone(c),
            None => {
                let c = Arc::new(self.read_context()?);
                self.context = Some(Arc::clone(&c));
                c
            }
        };
        let xml = self.xml(&part)?.ok_or_else(|| XlsxError::MissingPart(part.clone()))?;
        Rows::start(xml, context, self.limits, self.date1904)
    }

    /// The index of a zip entry, by name, ignoring case as Excel does.
    fn index(&self, name: &str) -> Option<usize> {
        self.archive.index_for_name(name).or_else(|| {
            (0..self.archive.len()).find(|&i| {
                self.archive.name_for_index(i).and_then(Result::ok).is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        })
    }

    /// A zip entry as a bounded stream; `None` when there is no such entry.
    fn entry(&mut self, name: &str) -> Result<Option<EntryReader>, XlsxError> {
        let Some(index) = self.index(name) else { return Ok(None) };
        let file = self.archive.by_index_raw(index).map_err(XlsxError::NotZip)?;
        if file.encrypted() {
            return Err(XlsxError::Encrypted(name.into()));
        }
        let (method, declared, packed) = (file.compression(), file.size(), file.compressed_size());
        let start = file.data_start().ok_or_else(|| XlsxError::invalid(name, "the entry's data cannot be located"))?;
        drop(file);
        let limits = &self.limits;
        if declared > limits.max_entry_bytes {
            return Err(LimitExceeded::EntryBytes { entry: name.into(), limit: limits.max_entry_bytes }.into());
        }
        if declared > RATIO_FREE_BYTES && declared / packed.max(1) >= limits.max_ratio {
            return Err(LimitExceeded::Ratio { entry: name.into(), limit: limits.max_ratio }.into());
        }
        let mut raw = self.source.open()?;
        raw.seek(SeekFrom::Start(start)).map_err(|e| XlsxError::io(name, e))?;
        let raw = raw.take(packed);
        let inner: Box<dyn Read + Send> = match method {
            CompressionMethod::Stored => Box::new(raw),
            CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(raw)),
            other => return Err(XlsxError::Unsupported { part: name.into(), method: format!("{other:?}") }),
        };
        Ok(Some(EntryReader::new(inner, declared, name)))
    }

    /// A zip entry as XML events; `None` when there is no such entry.
    fn xml(&mut self, name: &str) -> Result<Option<XmlPart>, XlsxError> {
        let max = self.limits.max_markup_bytes;
        Ok(self.entry(name)?.map(|entry| XmlPart::new(name, entry, max)))
    }

    /// Reads the sheet list from `xl/workbook.xml` and its relationships.
    fn read_workbook(&mut self) -> Result<(), XlsxError> {
        let part = "xl/workbook.xml";
        let mut xml = self.xml(part)?.ok_or_else(|| XlsxError::MissingPart(part.into()))?;
        let mut listed = Vec::new();
        loop {
            match xml.next()? {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    "sheet" => {
                        if listed.len() as u64 >= self.limits.max_zip_entries {
                            return Err(LimitExceeded::ZipEntries(self.limits.max_zip_entries).into());
                        }
                        let name = attr(&e, "name", part)?.unwrap_or_default();
                        let id = attr(&e, "id", part)?.unwrap_or_default();
                        listed.push((name, id));
                    }
                    "workbookPr" => {
                        self.date1904 = matches!(attr(&e, "date1904", part)?.as_deref(), Some("1" | "true"));
                    }
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        let rels = self.relationships("xl/_rels/workbook.xml.rels")?;
        self.sheets = listed
            .into_iter()
            .map(|(name, id)| {
                let part = rels
                    .iter()
                    .find(|r| r.id == id)
                    .map(|r| r.target.clone())
                    .unwrap_or_else(|| format!("xl/worksheets/sheet{}.xml", id.trim_start_matches("rId")));
                Sheet { name, part }
            })
            .collect();
        if self.sheets.is_empty() {
            return Err(XlsxError::invalid(part, "the workbook has no sheets"));
        }
        Ok(())
    }

    fn relationships(&mut self, part: &str) -> Result<Vec<Relationship>, XlsxError> {
        let Some(mut xml) = self.xml(part)? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        loop {
            match xml.next()? {
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                    if out.len() as u64 >= self.limits.max_zip_entries {
                        return Err(LimitExceeded::ZipEntries(self.limits.max_zip_entries).into());
                    }
                    let target = attr(&e, "Target", part)?.unwrap_or_default();
                    out.push(Relationship {
                        id: attr(&e, "Id", part)?.unwrap_or_default(),
                        kind: attr(&e, "Type", part)?.unwrap_or_default(),
                        target: resolve_target(&target),
                    });
                }
                Event::Eof => return Ok(out),
                _ => {}
            }
        }
    }

    /// Shared strings and date styles, read once for every sheet.
    fn read_context(&mut self) -> Result<Context, XlsxError> {
        let rels = self.relationships("xl/_rels/workbook.xml.rels")?;
        let find = |suffix: &str, default: &str| {
            rels.iter().find(|r| r.kind.ends_with(suffix)).map_or_else(|| default.to_string(), |r| r.target.clone())
        };
        let (strings_part, styles_part) =
            (find("/sharedStrings", "xl/sharedStrings.xml"), find("/styles", "xl/styles.xml"));
        let shared = self.read_shared_strings(&strings_part)?;
        let date_styles = self.read_date_styles(&styles_part)?;
        Ok(Context { shared, date_styles })
    }

    fn read_shared_strings(&mut self, part: &str) -> Result<SharedStrings, XlsxError> {
        let mut out = SharedStrings::default();
        let Some(mut xml) = self.xml(part)? else { return Ok(out) };
        let limits = self.limits;
        let (mut in_si, mut in_t, mut phonetic) = (false, false, 0u32);
        let mut start = 0usize;
        loop {
            match xml.next()? {
                Event::Start(e) => match e.local_name().as_ref() {
                    "si" => {
                        in_si = true;
                        start = out.text.len();
                    }
                    "rPh" => phonetic += 1,
                    "t" if in_si && phonetic == 0 => in_t = true,
                    _ => {}
                },
                Event::Empty(e) if e.local_name().as_ref() == "si" => {
                    push_shared(&mut out, &limits)?;
                }
                Event::End(e) => match e.local_name().as_ref() {
                    "si" => {
                        in_si = false;
                        push_shared(&mut out, &limits)?;
                    }
                    "rPh" => phonetic = phonetic.saturating_sub(1),
                    "t" => in_t = false,
                    _ => {}
                },
                Event::Text(t) if in_t => {
                    append_text(&mut out.text, &t.xml10_content(), start, limits.max_cell_bytes)?;
                    if out.text.len() as u64 > limits.max_shared_string_bytes {
                        return Err(LimitExceeded::SharedStringBytes(limits.max_shared_string_bytes).into());
                    }
                }
                Event::CData(t) if in_t => append_text(&mut out.text, &t, start, limits.max_cell_bytes)?,
                Event::GeneralRef(r) if in_t => {
                    append_text(&mut out.text, &resolve_ref(&r, part)?, start, limits.max_cell_bytes)?
                }
                Event::Eof => return Ok(out),
                _ => {}
            }
        }
    }

    fn read_date_styles(&mut self, part: &str) -> Result<Vec<bool>, XlsxError> {
        let Some(mut xml) = self.xml(part)? else { return Ok(Vec::new()) };
        let mut custom: HashMap<u32, bool> = HashMap::new();
        let mut dates = Vec::new();
        let mut in_xfs = false;
        loop {
            match xml.next()? {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    "numFmt" if custom.len() < MAX_STYLES => {
                        let id = attr(&e, "numFmtId", part)?.and_then(|s| s.parse().ok());
                        let code = attr(&e, "formatCode", part)?.unwrap_or_default();
                        if let Some(id) = id {
                            custom.insert(id, is_date_format(&code));
                        }
                    }
                    "cellXfs" => in_xfs = true,
                    "xf" if in_xfs && dates.len() < MAX_STYLES => {
                        let id: u32 = attr(&e, "numFmtId", part)?.and_then(|s| s.parse().ok()).unwrap_or(0);
                        dates.push(custom.get(&id).copied().unwrap_or_else(|| is_builtin_date(id)));
                    }
                    _ => {}
                },
                Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_xfs = false,
                Event::Eof => return Ok(dates),
                _ => {}
            }
        }
    }
}

fn push_shared(out: &mut SharedStrings, limits: &Limits) -> Result<(), XlsxError> {
    if out.ends.len() as u64 >= limits.max_shared_strings {
        return Err(LimitExceeded::SharedStrings(limits.max_shared_strings).into());
    }
    // The text is at most `max_shared_string_bytes`, far below `u32::MAX`.
    out.ends.push(out.text.len() as u32);
    Ok(())
}

/// Appends to the cell text that began at `start`, refusing to grow it past `max` bytes.
fn append_text(text: &mut String, more: &str, start: usize, max: u64) -> Result<(), XlsxError> {
    if (text.len() - start + more.len()) as u64 > max {
        return Err(LimitExceeded::CellBytes(max).into());
    }
    text.push_str(more);
    Ok(())
}

fn resolve_ref(r: &quick_xml::events::BytesRef<'_>, part: &str) -> Result<String, XlsxError> {
    if let Some(c) = r.resolve_char_ref().map_err(|e| XlsxError::xml(part, e))? {
        return Ok(c.to_string());
    }
    quick_xml::escape::resolve_predefined_entity(r)
        .map(str::to_string)
        .ok_or_else(|| XlsxError::invalid(part, format!("unknown entity `&{};`", &**r)))
}

struct Relationship {
    id: String,
    kind: String,
    target: String,
}

/// A relationship target as a zip entry name: relative to `xl/`, or absolute.
fn resolve_target(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => {
            let mut parts: Vec<&str> = vec!["xl"];
            for seg in target.split('/') {
                match seg {
                    ".." => {
                        parts.pop();
                    }
                    "." | "" => {}
                    s => parts.push(s),
                }
            }
            parts.join("/")
        }
    }
}

/// An attribute's value by local name (`r:id` matches `id`).
fn attr(e: &BytesStart<'_>, name: &str, part: &str) -> Result<Option<String>, XlsxError> {
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|e| XlsxError::xml(part, e.into()))?;
        if a.key.local_name().as_ref() == name {
            let v = a.normalized_value(XmlVersion::Implicit1_0).map_err(|e| XlsxError::xml(part, e))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// Built-in number formats that show dates or times.
fn is_builtin_date(id: u32) -> bool {
    matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58)
}

/// Whether a custom format code shows a date: a `d`, `m`, `y`, `h` or `s` outside quotes,
/// brackets and escapes (`[Red]0.00` and `"days"0` are numbers).
fn is_date_format(code: &str) -> bool {
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for ch in code.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '"' => quoted = !quoted,
            '\\' if !quoted => escaped = true,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            'd' | 'D' | 'm' | 'M' | 'y' | 'Y' | 'h' | 'H' | 's' | 'S' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

/// The date of a serial day number (the time of day is dropped).
pub fn excel_date(serial: f64, date1904: bool) -> Option<time::Date> {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return None;
    }
    let mut days = serial.floor() as i32;
    let epoch = if date1904 {
        time::Date::from_calendar_date(1904, time::Month::January, 1).ok()?
    } else {
        // Excel counts a 29 February 1900 that never was: serials before it are one day off.
        if days < 60 {
            days += 1;
        }
        time::Date::from_calendar_date(1899, time::Month::December, 30).ok()?
    };
    time::Date::from_julian_day(epoch.to_julian_day() + days).ok()
}

// Zip entries -------------------------------------------------------------------------------

/// Checks the number of entries in the central directory before the zip crate reads it
/// (it keeps every entry in memory).
fn check_entry_count(r: &mut dyn ReadSeek, max: u64) -> Result<(), XlsxError> {
    let entries = crate::zipped::entry_count(r).map_err(|e| XlsxError::io("(archive)", e))?.ok_or_else(|| {
        XlsxError::NotZip(zip::result::ZipError::InvalidArchive("no end of central directory".into()))
    })?;
    if entries > max {
        return Err(LimitExceeded::ZipEntries(max).into());
    }
    Ok(())
}

/// A zip entry's unpacked bytes, refused past the size it declares.
type EntryReader = crate::zipped::EntryReader<Box<dyn Read + Send>>;

/// One XML part of the workbook, as events.
struct XmlPart {
    reader: quick_xml::Reader<BufReader<crate::zipped::MarkupBudget<EntryReader>>>,
    buf: Vec<u8>,
    used: Arc<AtomicU64>,
    part: Arc<str>,
}

impl XmlPart {
    fn new(part: &str, entry: EntryReader, max: u64) -> XmlPart {
        let used = Arc::new(AtomicU64::new(0));
        let budget = crate::zipped::MarkupBudget { inner: entry, used: Arc::clone(&used), max };
        let reader = quick_xml::Reader::from_reader(BufReader::with_capacity(64 << 10, budget));
        XmlPart { reader, buf: Vec::new(), used, part: Arc::from(part) }
    }

    fn next(&mut self) -> Result<Event<'_>, XlsxError> {
        self.buf.clear();
        if self.buf.capacity() > 1 << 20 {
            self.buf.shrink_to(64 << 10);
        }
        self.used.store(0, Ordering::Relaxed);
        let part = &self.part;
        self.reader.read_event_into(&mut self.buf).map_err(|e| XlsxError::xml(part, e))
    }
}

// Rows --------------------------------------------------------------------------------------

/// The rows of one worksheet, read as the file is read.
pub struct Rows {
    xml: XmlPart,
    context: Arc<Context>,
    limits: Limits,
    date1904: bool,
    /// Last row of the sheet's `<dimension>`, when it states one (for progress bars).
    dimension_rows: Option<u64>,
    last_row: u64,
    /// Rows handed out: a sheet repeating a row number is held to the row limit as well.
    yielded: u64,
    text: String,
    done: bool,
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows").field("part", &self.xml.part).field("last_row", &self.last_row).finish_non_exhaustive()
    }
}

/// The kind of value a `<c>` holds, from its `t` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Shared,
    Text,
    Bool,
    Error,
    IsoDate,
}

impl Rows {
    fn start(mut xml: XmlPart, context: Arc<Context>, limits: Limits, date1904: bool) -> Result<Rows, XlsxError> {
        // Up to `<sheetData>`: the dimension, if any.
        let mut dimension_rows = None;
        let mut done = false;
        let part = Arc::clone(&xml.part);
        loop {
            match xml.next()? {
                Event::Start(e) if e.local_name().as_ref() == "sheetData" => break,
                Event::Empty(e) if e.local_name().as_ref() == "sheetData" => {
                    done = true;
                    break;
                }
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "dimension" => {
                    let range = attr(&e, "ref", &part)?.unwrap_or_default();
                    dimension_rows = range.rsplit(':').next().and_then(|r| split_ref(r).1);
                }
                Event::Eof => {
                    done = true;
                    break;
                }
                _ => {}
            }
        }
        Ok(Rows { xml, context, limits, date1904, dimension_rows, last_row: 0, yielded: 0, text: String::new(), done })
    }

    /// The last row the sheet says it uses (an estimate: it may be absent or wrong).
    pub fn dimension_rows(&self) -> Option<u64> {
        self.dimension_rows.map(|r| r.min(self.limits.max_rows))
    }

    /// The next row holding any value: its number (1-based) and its cells in `cells`, by
    /// column from `A`, blanks between values. Rows without values are skipped.
    pub fn next_row(&mut self, cells: &mut Vec<Cell>) -> Result<Option<u64>, XlsxError> {
        cells.clear();
        if self.done {
            return Ok(None);
        }
        let limits = self.limits;
        let mut row: Option<u64> = None;
        let mut col = 0u64;
        // The cell being read: column, kind, style, and whether its value is being read.
        let mut cell: Option<(u64, Kind, usize)> = None;
        let mut in_value = false;
        let mut has_value = false;
        let part = Arc::clone(&self.xml.part);
        let part = &*part;
        loop {
            match self.xml.next()? {
                Event::Start(e) => match e.local_name().as_ref() {
                    "row" => {
                        let n = match attr(&e, "r", part)? {
                            Some(r) => r.trim().parse::<u64>().map_err(|_| {
                                XlsxError::invalid(part, format!("`{}` is not a row number", shorten(&r)))
                            })?,
                            None => self.last_row + 1,
                        };
                        row = Some(n);
                        self.last_row = n;
                        col = 0;
                        cells.clear();
                    }
                    "c" => {
                        let (c, kind, style) = cell_start(&e, col, part)?;
                        col = c;
                        cell = Some((c, kind, style));
                        self.text.clear();
                        has_value = false;
                    }
                    "v" if cell.is_some() => {
                        in_value = true;
                        has_value = true;
                    }
                    "t" if cell.is_some() => {
                        in_value = true;
                        has_value = true;
                    }
                    "rPh" => in_value = false,
                    _ => {}
                },
                Event::Empty(e) => match e.local_name().as_ref() {
                    "row" => {
                        let n = attr(&e, "r", part)?.and_then(|r| r.trim().parse::<u64>().ok());
                        self.last_row = n.unwrap_or(self.last_row + 1);
                    }
                    "c" => {
                        let (c, _, _) = cell_start(&e, col, part)?;
                        col = c;
                    }
                    _ => {}
                },
                Event::Text(t) if in_value => {
                    append_text(&mut self.text, &t.xml10_content(), 0, limits.max_cell_bytes)?;
                }
                Event::CData(t) if in_value => append_text(&mut self.text, &t, 0, limits.max_cell_bytes)?,
                Event::GeneralRef(r) if in_value => {
                    let s = resolve_ref(&r, part)?;
                    append_text(&mut self.text, &s, 0, limits.max_cell_bytes)?;
                }
                Event::End(e) => match end_tag(e.local_name().as_ref()) {
                    EndTag::Value => in_value = false,
                    EndTag::Cell => {
                        in_value = false;
                        if let Some((c, kind, style)) = cell.take()
                            && has_value
                        {
                            let value = self.value(kind, style)?;
                            if value != Cell::Empty {
                                let r = row.unwrap_or(self.last_row.max(1));
                                if c > limits.max_columns {
                                    return Err(LimitExceeded::Columns(limits.max_columns).into());
                                }
                                if r > limits.max_rows {
                                    return Err(LimitExceeded::Rows(limits.max_rows).into());
                                }
                                let at = (c - 1) as usize;
                                if cells.len() <= at {
                                    cells.resize(at, Cell::Empty);
                                    cells.push(value);
                                } else {
                                    cells[at] = value;
                                }
                            }
                        }
                    }
                    EndTag::Row => {
                        if let Some(r) = row.take()
                            && !cells.is_empty()
                        {
                            self.yielded += 1;
                            if self.yielded > limits.max_rows {
                                return Err(LimitExceeded::Rows(limits.max_rows).into());
                            }
                            return Ok(Some(r));
                        }
                        cells.clear();
                    }
                    EndTag::SheetData => {
                        self.done = true;
                        return Ok(None);
                    }
                    EndTag::Other => {}
                },
                Event::Eof => {
                    self.done = true;
                    return Ok(None);
                }
                _ => {}
            }
        }
    }
}

/// The end tags rows are read by.
#[derive(Debug, Clone, Copy)]
enum EndTag {
    Value,
    Cell,
    Row,
    SheetData,
    Other,
}

fn end_tag(name: &str) -> EndTag {
    match name {
        "v" | "t" => EndTag::Value,
        "c" => EndTag::Cell,
        "row" => EndTag::Row,
        "sheetData" => EndTag::SheetData,
        _ => EndTag::Other,
    }
}

/// A `<c>` element's column (1-based; after `previous` when it has no reference), kind and
/// style.
fn cell_start(e: &BytesStart<'_>, previous: u64, part: &str) -> Result<(u64, Kind, usize), XlsxError> {
    let col = match attr(e, "r", part)? {
        Some(r) => split_ref(&r)
            .0
            .ok_or_else(|| XlsxError::invalid(part, format!("`{}` is not a cell reference", shorten(&r))))?,
        None => previous + 1,
    };
    let kind = match attr(e, "t", part)?.as_deref() {
        Some("s") => Kind::Shared,
        Some("str" | "inlineStr") => Kind::Text,
        Some("b") => Kind::Bool,
        Some("e") => Kind::Error,
        Some("d") => Kind::IsoDate,
        _ => Kind::Number,
    };
    let style = attr(e, "s", part)?.and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((col, kind, style))
}

impl Rows {
    fn value(&mut self, kind: Kind, style: usize) -> Result<Cell, XlsxError> {
        let text = std::mem::take(&mut self.text);
        Ok(match kind {
            Kind::Text => Cell::Text(text),
            Kind::Shared if text.trim().is_empty() => Cell::Empty,
            Kind::Shared => {
                let i: usize = text.trim().parse().map_err(|_| {
                    XlsxError::invalid(&self.xml.part, format!("`{}` is not a shared string number", shorten(&text)))
                })?;
                let s =
                    self.context.shared.get(i).ok_or_else(|| {
                        XlsxError::invalid(&self.xml.part, format!("shared string {i} does not exist"))
                    })?;
                Cell::Text(s.to_string())
            }
            Kind::Bool => Cell::Bool(matches!(text.trim(), "1" | "true")),
            Kind::Error => Cell::Error(text),
            Kind::IsoDate => Cell::Text(text.split('T').next().unwrap_or("").to_string()),
            Kind::Number => match text.trim() {
                "" => Cell::Empty,
                t => match t.parse::<f64>() {
                    Ok(x) if self.context.date_styles.get(style).copied().unwrap_or(false) => Cell::Date(x),
                    Ok(x) => Cell::Number(x),
                    Err(_) => Cell::Text(text),
                },
            },
        })
    }

    /// Whether dates count from 1904 (old Mac workbooks).
    pub fn date1904(&self) -> bool {
        self.date1904
    }

    /// The number of the row last read (for errors).
    pub fn last_row(&self) -> u64 {
        self.last_row
    }
}

/// `AB12` → (column 28, row 12); either is `None` when absent or malformed. Columns past
/// `u32` read as `u64::MAX` so the column limit refuses them.
fn split_ref(r: &str) -> (Option<u64>, Option<u64>) {
    let r = r.trim().trim_start_matches('$');
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    let (l, rest) = r.split_at(letters);
    let col = (!l.is_empty()).then(|| {
        l.bytes()
            .fold(0u64, |acc, b| acc.saturating_mul(26).saturating_add(u64::from(b.to_ascii_uppercase() - b'A' + 1)))
    });
    let row = rest.trim_start_matches('$').parse::<u64>().ok();
    (col, row)
}

fn shorten(s: &str) -> String {
    s.chars().take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_formats() {
        assert_eq!(split_ref("A1"), (Some(1), Some(1)));
        assert_eq!(split_ref("XFD1048576"), (Some(16_384), Some(1_048_576)));
        assert_eq!(split_ref("CV1048576"), (Some(100), Some(1_048_576)));
        assert_eq!(split_ref("$B$3"), (Some(2), Some(3)));
        assert!(is_date_format("yyyy-mm-dd"));
        assert!(!is_date_format("[Red]0.00"));
        assert!(!is_date_format("\"days\" 0"));
        assert_eq!(excel_date(31_118.0, false), time::Date::from_calendar_date(1985, time::Month::March, 12).ok());
        assert_eq!(resolve_target("worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
        assert_eq!(resolve_target("/xl/worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
    }
}
