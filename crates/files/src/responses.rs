//! Survey responses analysed straight from a file: the file is read as a stream of blocks and
//! every respondent is tallied as it is read (see `berdaya_domain::survey::tally`), so memory
//! does not grow with the number of respondents and a 10-million-row export is analysed in
//! bounded memory.
//!
//! The CSV reader is written for this one job: it splits records in one pass over the bytes
//! (quotes, doubled quotes, CRLF, blank lines, a BOM; `,` or `;` as Indonesian Excel writes),
//! hands the tally borrowed slices of the block it holds, and copies a field only when it has
//! doubled quotes to undo. Two threads share the work: the reader finds where a block's last
//! whole record ends and the parts are tallied in parallel, then merged.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use std::collections::BTreeSet;

use berdaya_domain::survey::link::PersonLookup;
use berdaya_domain::survey::{AnalysisError, AnalysisOptions, Instrument, Plan, Report, Tally};

use crate::limits::{LimitExceeded, Limits};
use crate::survey::{self, SurveyFileError};
use crate::xlsx;

/// How far the analysis of a file has got (for progress bars).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub respondents: u64,
}

/// Why a response file could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeFileError {
    #[error(transparent)]
    File(#[from] SurveyFileError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
}

impl From<LimitExceeded> for AnalyzeFileError {
    fn from(l: LimitExceeded) -> Self {
        AnalyzeFileError::File(SurveyFileError::Limit(l))
    }
}

/// Limits of a streamed response file. Memory does not depend on the number of rows, so the
/// row limit only guards against endless input; the file size limit is the caller's (a web
/// upload's), unlimited for a file the user analyses on their own machine.
pub const STREAM_LIMITS: Limits = Limits {
    max_file_bytes: u64::MAX,
    max_rows: 200_000_000,
    max_columns: 1_024,
    max_record_bytes: 1 << 20,
    max_entry_bytes: 2 << 30,
    max_table_bytes: u64::MAX,
    ..Limits::SURVEY
};

/// Limits of a streamed XLSX response workbook: a worksheet's rows (1,048,576), parts
/// unpacked up to 2 GiB (a million-row sheet is hundreds of MiB of XML), within the ratio.
const XLSX_STREAM_LIMITS: Limits = Limits { max_rows: 1_048_576, max_entry_bytes: 2 << 30, ..Limits::SURVEY };

/// Bytes read from the file at a time (a record may make a block grow up to
/// `max_record_bytes` beyond it).
const BLOCK: usize = 4 << 20;

/// Analyses the responses in `path` (CSV or XLSX, by extension) against an instrument,
/// calling `progress` after each block read.
pub fn analyze_path(
    instrument: &Instrument,
    path: &Path,
    options: &AnalysisOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, AnalyzeFileError> {
    analyze_path_linked(instrument, path, options, None, progress)
}

/// [`analyze_path`], taking the factors marked `berdaya_registry` from `lookup` (respondents
/// found by the form's `berdaya = person` column; see [`scan_column`] to fetch only the
/// people the file names).
pub fn analyze_path_linked(
    instrument: &Instrument,
    path: &Path,
    options: &AnalysisOptions,
    lookup: Option<&dyn PersonLookup>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, AnalyzeFileError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let io = |source| SurveyFileError::Io { path: path.into(), source };
    match ext.as_str() {
        "csv" | "txt" => {
            let file = File::open(path).map_err(io)?;
            let total = file.metadata().map_err(io)?.len();
            analyze_csv_linked(instrument, file, total, options, lookup, progress)
        }
        "xlsx" | "xlsm" => analyze_xlsx(instrument, path, options, lookup, progress),
        other => {
            Err(SurveyFileError::UnknownFormat(if other.is_empty() { "no extension".into() } else { other.into() })
                .into())
        }
    }
}

/// Analyses CSV responses read from `input` (`total` bytes, for progress).
pub fn analyze_csv(
    instrument: &Instrument,
    input: impl Read,
    total: u64,
    options: &AnalysisOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, AnalyzeFileError> {
    analyze_csv_linked(instrument, input, total, options, None, progress)
}

/// [`analyze_csv`] with respondents linked to the registry through `lookup`.
pub fn analyze_csv_linked(
    instrument: &Instrument,
    mut input: impl Read,
    total: u64,
    options: &AnalysisOptions,
    lookup: Option<&dyn PersonLookup>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, AnalyzeFileError> {
    let limits = STREAM_LIMITS;
    let CsvHead { mut buf, mut eof, mut read, header_end, delimiter, columns } = read_head(&mut input)?;
    let mut plan = Plan::new(instrument, &columns, options)?;
    if let Some(lookup) = lookup {
        plan = plan.with_lookup(lookup);
    }
    plan.decimal_comma = delimiter == b';';
    let newlines_in_header = memchr::memchr_iter(b'\n', &buf.bytes()[..header_end]).count() as u64;
    let mut line = 1 + newlines_in_header;
    let mut start = header_end;
    // One tally per thread for the whole file (each remembers the factor codes it worked out).
    let parallel = std::thread::available_parallelism().map_or(1, |p| p.get()) >= 2;
    let mut tallies = [plan.tally(), plan.tally()];
    let respondents = |t: &[Tally; 2]| t[0].n + t[1].n;
    loop {
        // Cut the buffer after its last whole record.
        let cut = if eof { buf.len } else { last_record_end(buf.bytes(), start) };
        if cut > start {
            let part = &buf.bytes()[start..cut];
            line += tally_part(&plan, part, line, delimiter, parallel, &limits, &mut tallies)?;
            start = cut;
        }
        let bytes_total = total.max(read);
        progress(Progress { bytes_read: read, bytes_total, respondents: respondents(&tallies) });
        if eof {
            break;
        }
        // Keep the unfinished record, read the next block behind it.
        let added;
        (eof, added) = buf.next_block(&mut input, start)?;
        read += added;
        start = 0;
    }
    let [mut tally, second] = tallies;
    plan.merge(&mut tally, second);
    Ok(plan.report(&tally)?)
}

/// A CSV file's first block and header: the delimiter (`;` when the header line has more
/// semicolons than commas, as Indonesian Excel writes) and the column names.
struct CsvHead {
    buf: Buffer,
    eof: bool,
    read: u64,
    header_end: usize,
    delimiter: u8,
    columns: Vec<String>,
}

fn read_head(input: &mut impl Read) -> Result<CsvHead, AnalyzeFileError> {
    let limits = STREAM_LIMITS;
    let mut buf = Buffer::default();
    let mut eof = buf.fill(input, BLOCK)?;
    let mut read = buf.len as u64;
    if buf.bytes().starts_with(b"\xEF\xBB\xBF") {
        buf.consume(3);
    }
    let header_end = loop {
        if let Some(end) = record_end(buf.bytes(), 0) {
            break end;
        }
        if eof {
            break buf.len;
        }
        if buf.len as u64 > limits.max_record_bytes {
            return Err(LimitExceeded::RecordBytes(limits.max_record_bytes).into());
        }
        eof = buf.fill(input, BLOCK)?;
        read = read.max(buf.len as u64);
    };
    let header = &buf.bytes()[..header_end];
    let count = |c: u8| memchr::memchr_iter(c, header).count();
    let delimiter = if count(b';') > count(b',') { b';' } else { b',' };
    let mut fields = Fields::default();
    split(header, delimiter, &mut fields);
    let columns: Vec<String> =
        (0..fields.len()).map(|i| String::from_utf8_lossy(fields.get(header, i)).trim().to_string()).collect();
    if columns.iter().all(String::is_empty) {
        return Err(SurveyFileError::NoHeader.into());
    }
    if columns.len() as u64 > limits.max_columns {
        return Err(LimitExceeded::Columns(limits.max_columns).into());
    }
    Ok(CsvHead { buf, eof, read, header_end, delimiter, columns })
}

/// The bytes read and not yet tallied. Its storage is zeroed once, when it grows, and reused
/// for every later block (a block is not worth clearing again).
#[derive(Debug, Default)]
struct Buffer {
    data: Vec<u8>,
    len: usize,
}

impl Buffer {
    fn bytes(&self) -> &[u8] {
        &self.data[..self.len]
    }

    /// Drops the first `n` bytes.
    fn consume(&mut self, n: usize) {
        self.data.copy_within(n..self.len, 0);
        self.len -= n;
    }

    /// Drops the `done` bytes already read, keeps an unfinished record (within the record
    /// limit) and reads the next block behind it: whether the input ended, and the bytes read.
    fn next_block(&mut self, input: &mut impl Read, done: usize) -> Result<(bool, u64), AnalyzeFileError> {
        self.consume(done);
        let max = STREAM_LIMITS.max_record_bytes;
        if self.len as u64 > max {
            return Err(LimitExceeded::RecordBytes(max).into());
        }
        let before = self.len;
        let eof = self.fill(input, BLOCK)?;
        Ok((eof, (self.len - before) as u64))
    }

    /// Reads until `want` more bytes are held or the input ends; returns whether it ended.
    fn fill(&mut self, input: &mut impl Read, want: usize) -> Result<bool, AnalyzeFileError> {
        let target = self.len + want;
        if self.data.len() < target {
            self.data.resize(target, 0);
        }
        while self.len < target {
            match input.read(&mut self.data[self.len..target]) {
                Ok(0) => return Ok(true),
                Ok(n) => self.len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SurveyFileError::Io { path: "responses".into(), source: e }.into()),
            }
        }
        Ok(false)
    }
}

/// End (after its newline) of the record starting at `from`, or `None` if it is unfinished.
fn record_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut quoted = false;
    for (i, &b) in buf[from..].iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return Some(from + i + 1),
            _ => {}
        }
    }
    None
}

/// End of the last whole record in `buf[from..]` (`from` if there is none). Quotes are counted
/// from `from`, which is always the start of a record.
fn last_record_end(buf: &[u8], from: usize) -> usize {
    let part = &buf[from..];
    if memchr::memchr(b'"', part).is_none() {
        return memchr::memrchr(b'\n', part).map_or(from, |i| from + i + 1);
    }
    let mut quoted = false;
    let mut last = from;
    for i in memchr::memchr2_iter(b'"', b'\n', part) {
        if part[i] == b'"' {
            quoted = !quoted;
        } else if !quoted {
            last = from + i + 1;
        }
    }
    last
}

/// Tallies whole records into the two tallies, on two threads when the part is large and
/// `parallel`. Returns the number of lines the part spans.
fn tally_part(
    plan: &Plan<'_>,
    part: &[u8],
    line: u64,
    delimiter: u8,
    parallel: bool,
    limits: &Limits,
    tallies: &mut [Tally; 2],
) -> Result<u64, AnalyzeFileError> {
    let rows_before = tallies[0].rows + tallies[1].rows;
    let [t0, t1] = tallies;
    if !parallel || part.len() < (1 << 20) {
        return tally_records(plan, part, line, delimiter, limits, rows_before, t0);
    }
    // Split at a record boundary near the middle (quotes counted from the start).
    let mid = last_record_end(&part[..part.len() / 2], 0);
    let (a, b) = part.split_at(mid);
    let lines_a = memchr::memchr_iter(b'\n', a).count() as u64;
    let (ra, rb) = std::thread::scope(|s| {
        let hb = s.spawn(move || tally_records(plan, b, line + lines_a, delimiter, limits, rows_before, t1));
        let ra = tally_records(plan, a, line, delimiter, limits, rows_before, t0);
        (ra, hb.join())
    });
    let la = ra?;
    let lb = rb.map_err(|_| SurveyFileError::NoHeader)??;
    if tallies[0].rows + tallies[1].rows >= limits.max_rows {
        return Err(LimitExceeded::Rows(limits.max_rows).into());
    }
    Ok(la + lb)
}

/// Tallies the whole records of `part`, the first starting on file line `line`; returns the
/// number of lines they span.
fn tally_records(
    plan: &Plan<'_>,
    part: &[u8],
    mut line: u64,
    delimiter: u8,
    limits: &Limits,
    rows_before: u64,
    tally: &mut Tally,
) -> Result<u64, AnalyzeFileError> {
    let first = line;
    let start_rows = tally.rows;
    let mut fields = Fields::default();
    let mut pos = 0;
    while pos < part.len() {
        let end = split_record(part, pos, delimiter, &mut fields);
        let record = &part[pos..end];
        let newlines = fields.newlines;
        if fields.content {
            if fields.len() as u64 > limits.max_columns {
                return Err(LimitExceeded::Columns(limits.max_columns).into());
            }
            if record.len() as u64 > limits.max_record_bytes {
                return Err(LimitExceeded::RecordBytes(limits.max_record_bytes).into());
            }
            if rows_before + (tally.rows - start_rows) + 2 > limits.max_rows {
                return Err(LimitExceeded::Rows(limits.max_rows).into());
            }
            let f = &fields;
            plan.add_row(tally, line, |c| f.get(record, c));
        }
        line += newlines;
        pos = end;
    }
    Ok(line - first)
}

/// The fields of one record: spans into the record, or into `unescaped` for quoted fields
/// with doubled quotes.
#[derive(Debug, Default)]
struct Fields {
    spans: Vec<(u32, u32, bool)>,
    unescaped: Vec<u8>,
    /// Newlines the record spans (its own and those inside quotes).
    newlines: u64,
    /// Whether any field has something besides blanks.
    content: bool,
}

impl Fields {
    fn len(&self) -> usize {
        self.spans.len()
    }

    fn get<'r>(&'r self, record: &'r [u8], i: usize) -> &'r [u8] {
        match self.spans.get(i) {
            Some(&(a, b, false)) => &record[a as usize..b as usize],
            Some(&(a, b, true)) => &self.unescaped[a as usize..b as usize],
            None => b"",
        }
    }
}

/// Splits a header (or any single record) into `fields`.
fn split(record: &[u8], delimiter: u8, fields: &mut Fields) {
    split_record(record, 0, delimiter, fields);
}

/// Splits the record starting at `start` into fields (spans relative to `start`); returns the
/// end of the record (after its newline, or the end of `buf`).
fn split_record(buf: &[u8], start: usize, delimiter: u8, f: &mut Fields) -> usize {
    f.spans.clear();
    f.unescaped.clear();
    f.newlines = 0;
    f.content = false;
    let rec = &buf[start..];
    let n = rec.len();
    let mut i = 0;
    loop {
        // One field from i.
        if i < n && rec[i] == b'"' {
            let mut j = i + 1;
            let mut escaped = false;
            let content_from = j;
            loop {
                match rec[j..].iter().position(|&b| b == b'"') {
                    None => {
                        // Unclosed quote: the rest is the field.
                        f.newlines += rec[j..].iter().filter(|&&b| b == b'\n').count() as u64;
                        j = n;
                        break;
                    }
                    Some(q) => {
                        f.newlines += rec[j..j + q].iter().filter(|&&b| b == b'\n').count() as u64;
                        j += q;
                        if j + 1 < n && rec[j + 1] == b'"' {
                            escaped = true;
                            j += 2;
                        } else {
                            break;
                        }
                    }
                }
            }
            let inner = &rec[content_from..j.min(n)];
            if inner.iter().any(|b| !b.is_ascii_whitespace()) {
                f.content = true;
            }
            if escaped {
                let a = f.unescaped.len();
                let mut k = 0;
                while k < inner.len() {
                    f.unescaped.push(inner[k]);
                    k += if inner[k] == b'"' && inner.get(k + 1) == Some(&b'"') { 2 } else { 1 };
                }
                f.spans.push((a as u32, f.unescaped.len() as u32, true));
            } else {
                f.spans.push((content_from as u32, (content_from + inner.len()) as u32, false));
            }
            // Past the closing quote; anything up to the delimiter is ignored.
            i = (j + 1).min(n);
            while i < n && rec[i] != delimiter && rec[i] != b'\n' {
                i += 1;
            }
        } else {
            let from = i;
            while i < n {
                let b = rec[i];
                if b == delimiter || b == b'\n' {
                    break;
                }
                if !f.content && !b.is_ascii_whitespace() {
                    f.content = true;
                }
                i += 1;
            }
            let mut to = i;
            if to > from && rec[to - 1] == b'\r' {
                to -= 1;
            }
            f.spans.push((from as u32, to as u32, false));
        }
        if i >= n {
            return start + n;
        }
        if rec[i] == b'\n' {
            f.newlines += 1;
            return start + i + 1;
        }
        i += 1; // the delimiter
    }
}

/// The first sheet of a response workbook, read row by row within [`XLSX_STREAM_LIMITS`].
struct Sheet {
    name: String,
    rows: xlsx::Rows,
    date1904: bool,
}

impl Sheet {
    /// Opens the workbook's first sheet and reads its header row (the column names).
    fn open(path: &Path) -> Result<(Sheet, Vec<String>), AnalyzeFileError> {
        let mut wb = xlsx::Workbook::open(path, XLSX_STREAM_LIMITS).map_err(|e| survey::open_error(path, e))?;
        let name = wb.sheet_names().next().map(str::to_string).ok_or(SurveyFileError::NoHeader)?;
        let rows = wb.rows(&name).map_err(|e| survey::sheet_error(&name, e))?;
        let date1904 = rows.date1904();
        let mut sheet = Sheet { name, rows, date1904 };
        let mut cells = Vec::new();
        if sheet.next(&mut cells)?.is_none() {
            return Err(SurveyFileError::NoHeader.into());
        }
        let columns = cells.iter().map(|c| sheet.text(c)).collect();
        Ok((sheet, columns))
    }

    /// The next row's cells and its spreadsheet row number.
    fn next(&mut self, cells: &mut Vec<xlsx::Cell>) -> Result<Option<u64>, AnalyzeFileError> {
        Ok(self.rows.next_row(cells).map_err(|e| survey::sheet_error(&self.name, e))?)
    }

    /// A cell's text as a user would type it.
    fn text(&self, cell: &xlsx::Cell) -> String {
        survey::cell_text(cell, self.date1904)
    }
}

/// Analyses the first sheet of an XLSX workbook, row by row.
fn analyze_xlsx(
    instrument: &Instrument,
    path: &Path,
    options: &AnalysisOptions,
    lookup: Option<&dyn PersonLookup>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, AnalyzeFileError> {
    let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let (mut sheet, columns) = Sheet::open(path)?;
    let expected = sheet.rows.dimension_rows().unwrap_or(0).max(1);
    let mut cells = Vec::new();
    let mut plan = match Plan::new(instrument, &columns, options) {
        Ok(plan) => plan,
        Err(e) => {
            // A header that does not fit the form: read on (cells are dropped as they come) so
            // a crafted sheet is refused for the limit it breaks rather than for its header.
            while sheet.next(&mut cells)?.is_some() {}
            return Err(e.into());
        }
    };
    if let Some(lookup) = lookup {
        plan = plan.with_lookup(lookup);
    }
    let mut tally = plan.tally();
    let mut texts: Vec<String> = Vec::new();
    while let Some(row) = sheet.next(&mut cells)? {
        texts.clear();
        texts.extend(cells.iter().map(|c| sheet.text(c)));
        if texts.iter().all(|t| t.trim().is_empty()) {
            continue;
        }
        plan.add_row(&mut tally, row, |c| texts.get(c).map_or(&b""[..], |s| s.as_bytes()));
        if tally.rows % 65_536 == 0 {
            let done = (row * total) / expected;
            progress(Progress { bytes_read: done.min(total), bytes_total: total, respondents: tally.n });
        }
    }
    progress(Progress { bytes_read: total, bytes_total: total, respondents: tally.n });
    Ok(plan.report(&tally)?)
}

/// The distinct non-blank values of the column `pick` chooses from the header (for the link
/// column: `Plan::link_column`), read in one streaming pass over a CSV or XLSX file, so the
/// registry is asked only for the people the file names. `None` from `pick`: no values.
pub fn scan_column(path: &Path, pick: &dyn Fn(&[String]) -> Option<usize>) -> Result<Vec<String>, AnalyzeFileError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let io = |source| SurveyFileError::Io { path: path.into(), source };
    let mut out: BTreeSet<String> = BTreeSet::new();
    let mut keep = |v: &[u8]| {
        let v = String::from_utf8_lossy(v.trim_ascii());
        if !v.is_empty() && !out.contains(v.as_ref()) {
            out.insert(v.into_owned());
        }
    };
    match ext.as_str() {
        "csv" | "txt" => {
            let mut input = File::open(path).map_err(io)?;
            let CsvHead { mut buf, mut eof, header_end, delimiter, columns, .. } = read_head(&mut input)?;
            let Some(col) = pick(&columns) else { return Ok(Vec::new()) };
            let mut fields = Fields::default();
            let mut start = header_end;
            loop {
                let cut = if eof { buf.len } else { last_record_end(buf.bytes(), start) };
                let mut pos = start;
                while pos < cut {
                    let end = split_record(&buf.bytes()[..cut], pos, delimiter, &mut fields);
                    keep(fields.get(&buf.bytes()[pos..end], col));
                    pos = end;
                }
                if eof {
                    break;
                }
                (eof, _) = buf.next_block(&mut input, cut)?;
                start = 0;
            }
        }
        "xlsx" | "xlsm" => {
            let (mut sheet, columns) = Sheet::open(path)?;
            let Some(col) = pick(&columns) else { return Ok(Vec::new()) };
            let mut cells = Vec::new();
            while sheet.next(&mut cells)?.is_some() {
                if let Some(c) = cells.get(col) {
                    keep(sheet.text(c).as_bytes());
                }
            }
        }
        other => {
            return Err(SurveyFileError::UnknownFormat(if other.is_empty() {
                "no extension".into()
            } else {
                other.into()
            })
            .into());
        }
    }
    Ok(out.into_iter().collect())
}

/// The distinct values of the link column (`berdaya = person`) of a response file, or none
/// when the form has no link column.
pub fn link_keys(instrument: &Instrument, path: &Path) -> Result<Vec<String>, AnalyzeFileError> {
    if instrument.link.is_none() {
        return Ok(Vec::new());
    }
    // A header the form does not fit gives no keys; the analysis then says what is wrong.
    let keys = scan_column(path, &|columns: &[String]| {
        let plan = Plan::new(instrument, columns, &AnalysisOptions::default()).ok()?;
        plan.link_column().and_then(|h| columns.iter().position(|c| c == h))
    })?;
    Ok(keys)
}

#[cfg(test)]
mod tests;
