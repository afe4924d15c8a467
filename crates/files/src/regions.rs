//! Region lists: the official Kemendagri list shipped inside Berdaya, and lists users give
//! to `berdaya import regions FILE`.
//!
//! A list is a CSV whose header is `code,name` (the shipped list's shape), or the upstream
//! SQL dump of `cahyadsn/wilayah` (`('33.16.02.2006','Pilang'),` lines; every other line is
//! skipped), either of them plain or gzip-compressed. The file is read as a stream of lines
//! within [`MAX_LINES`] lines of at most [`MAX_LINE_BYTES`] bytes and [`MAX_REGIONS`]
//! regions, so a hostile file costs bounded memory; each row is checked (a Kemendagri code
//! from province to village, its kind named by the code; a name of 1 to 120 characters
//! without control or invisible characters), and a list with any bad row is refused whole,
//! its first [`MAX_ERRORS`] errors named by row, column and rule.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use berdaya_domain::registry::{NewRegion, RegionCode, RegionKind, text};
use berdaya_store::RowError;
use berdaya_store::import::MAX_ERRORS;
use berdaya_store::regions::ListedRegion;
use flate2::read::MultiGzDecoder;

/// The official list, Kepmendagri No 300.2.2-2138 Tahun 2025 (`data/regions/`).
pub static KEMENDAGRI_2025: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/regions/kemendagri-2025.csv.gz"));

/// How the shipped list is named in messages and the audit log.
pub const KEMENDAGRI_2025_NAME: &str = "Kepmendagri 300.2.2-2138/2025";

/// Most lines a list may have (comments and blank lines included).
pub const MAX_LINES: u64 = 1_000_000;
/// Longest line, in bytes.
pub const MAX_LINE_BYTES: usize = 4096;
/// Most regions in a list (the 2025 list has 91,599).
pub const MAX_REGIONS: usize = 250_000;
/// Longest region name, in characters.
pub const MAX_NAME_CHARS: usize = 120;

/// Why a list was not read.
#[derive(Debug, thiserror::Error)]
pub enum RegionListError {
    #[error("cannot read the region list: {0}")]
    Io(#[from] std::io::Error),
    #[error("row {row}: the line is longer than {limit} bytes, the most a region list allows")]
    LineTooLong { row: u64, limit: usize },
    #[error("the list has more than {limit} lines, the most a region list allows")]
    TooManyLines { limit: u64 },
    #[error("the list has more than {limit} regions, the most a region list allows")]
    TooManyRegions { limit: usize },
    #[error(
        "not a region list: expected a CSV whose first line is the header `code,name`, or an SQL dump of \
         ('code','name') rows"
    )]
    NotAList,
    #[error("{total} errors in the region list; nothing was loaded")]
    Rows { errors: Vec<RowError>, total: u64 },
}

/// The shipped official list.
pub fn shipped() -> Result<Vec<ListedRegion>, RegionListError> {
    read(KEMENDAGRI_2025)
}

/// Reads a list from a file.
pub fn open(path: &Path) -> Result<Vec<ListedRegion>, RegionListError> {
    read(std::fs::File::open(path)?)
}

/// Reads a list (CSV or SQL dump, plain or gzip) from a stream.
pub fn read(input: impl Read) -> Result<Vec<ListedRegion>, RegionListError> {
    let mut input = BufReader::with_capacity(64 << 10, input);
    if input.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        read_text(BufReader::with_capacity(64 << 10, MultiGzDecoder::new(input)))
    } else {
        read_text(input)
    }
}

/// The two shapes a list comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Csv,
    Sql,
}

fn read_text(mut input: impl BufRead) -> Result<Vec<ListedRegion>, RegionListError> {
    let mut out = Vec::new();
    let mut errors = Errors::default();
    let mut shape = None;
    let mut line = Vec::with_capacity(256);
    let mut row = 0u64;
    while next_line(&mut input, &mut line, row + 1)? {
        row += 1;
        if row > MAX_LINES {
            return Err(RegionListError::TooManyLines { limit: MAX_LINES });
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            errors.push(row, "", "is not UTF-8 text".into());
            continue;
        };
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        let fields = match shape {
            None => {
                let header = text.to_ascii_lowercase().replace(' ', "");
                if header == "code,name" || header == "kode,nama" {
                    shape = Some(Shape::Csv);
                    continue;
                }
                shape = Some(Shape::Sql);
                sql_row(text)
            }
            Some(Shape::Csv) => Some(split(text, b',', b'"')),
            Some(Shape::Sql) => sql_row(text),
        };
        let Some(fields) = fields else { continue };
        match fields.and_then(|f| region(row, f)) {
            Ok(_) if out.len() == MAX_REGIONS => return Err(RegionListError::TooManyRegions { limit: MAX_REGIONS }),
            Ok(r) => out.push(r),
            Err((column, rule)) => errors.push(row, column, rule),
        }
    }
    if errors.total > 0 {
        return Err(RegionListError::Rows { errors: errors.kept, total: errors.total });
    }
    if out.is_empty() {
        return Err(RegionListError::NotAList);
    }
    Ok(out)
}

/// Reads one line (without its end) into `line`; `false` at the end of the input.
fn next_line(input: &mut impl BufRead, line: &mut Vec<u8>, row: u64) -> Result<bool, RegionListError> {
    line.clear();
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(!line.is_empty());
        }
        let (part, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if line.len() + part.len() > MAX_LINE_BYTES {
            return Err(RegionListError::LineTooLong { row, limit: MAX_LINE_BYTES });
        }
        line.extend_from_slice(part);
        let used = done.unwrap_or(buf.len());
        input.consume(used);
        if done.is_some() {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(true);
        }
    }
}

/// A row's fault: the column (empty for the whole row) and the rule.
type Fault = (&'static str, String);

/// The fields of an SQL dump line `('code','name'),`, or `None` for a line that is no row.
fn sql_row(line: &str) -> Option<Result<Vec<String>, Fault>> {
    let inner = line.strip_prefix('(')?;
    let inner = inner.strip_suffix(',').or_else(|| inner.strip_suffix(';')).unwrap_or(inner);
    Some(match inner.trim_end().strip_suffix(')') {
        Some(values) => split(values, b',', b'\''),
        None => Err(("", "an SQL row must read ('code','name')".into())),
    })
}

/// Splits a line at `sep` outside quotes; a quote inside a quoted field is written twice (or,
/// in SQL, escaped with a backslash).
fn split(line: &str, sep: u8, quote: u8) -> Result<Vec<String>, Fault> {
    let bytes = line.as_bytes();
    let mut fields = Vec::with_capacity(2);
    let mut field = Vec::new();
    let (mut i, mut quoted) = (0, false);
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            match b {
                _ if b == quote && bytes.get(i + 1) == Some(&quote) => {
                    field.push(quote);
                    i += 1;
                }
                _ if b == quote => quoted = false,
                b'\\' if quote == b'\'' && i + 1 < bytes.len() => {
                    i += 1;
                    field.push(bytes[i]);
                }
                _ => field.push(b),
            }
        } else if b == quote && field.iter().all(u8::is_ascii_whitespace) {
            field.clear();
            quoted = true;
        } else if b == sep {
            fields.push(std::mem::take(&mut field));
        } else {
            field.push(b);
        }
        i += 1;
    }
    if quoted {
        return Err(("", "a quoted field is not closed".into()));
    }
    fields.push(field);
    // Cut on ASCII bytes of valid UTF-8, so every field is valid UTF-8.
    Ok(fields.into_iter().map(|f| String::from_utf8_lossy(&f).into_owned()).collect())
}

/// Checks a row's two fields: an official code, and a name.
fn region(row: u64, fields: Vec<String>) -> Result<ListedRegion, Fault> {
    let [code, name] = <[String; 2]>::try_from(fields)
        .map_err(|f| ("", format!("has {} fields; a region list has two, code and name", f.len())))?;
    let code = RegionCode::parse(&code).map_err(|e| ("code", e))?;
    let kind = RegionKind::of_official_code(&code).map_err(|e| ("code", e))?;
    let name = text::text(&name, 1, MAX_NAME_CHARS).map_err(|e| ("name", e))?;
    Ok(ListedRegion { row, region: NewRegion { code, name, kind } })
}

/// The first [`MAX_ERRORS`] row errors, and how many there were.
#[derive(Default)]
struct Errors {
    kept: Vec<RowError>,
    total: u64,
}

impl Errors {
    fn push(&mut self, row: u64, column: &str, rule: String) {
        self.total += 1;
        if self.kept.len() < MAX_ERRORS {
            self.kept.push(RowError { row, column: column.into(), rule, raw: Vec::new() });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::Write;

    use super::*;

    fn rows_of(err: RegionListError) -> Vec<String> {
        match err {
            RegionListError::Rows { errors, .. } => errors.iter().map(ToString::to_string).collect(),
            other => panic!("expected row errors, got {other}"),
        }
    }

    /// The counts Kepmendagri 300.2.2-2138/2025 gives: 38 provinces, 416 regencies and 98
    /// cities, 7,285 districts, 8,496 kelurahan, 75,252 desa and 14 desa adat.
    #[test]
    fn the_shipped_list_has_the_decrees_counts() {
        let list = shipped().expect("the shipped list reads");
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for l in &list {
            let c = l.region.code.as_str();
            let level = match (l.region.kind, c.rsplit('.').next().and_then(|s| s.chars().next())) {
                (RegionKind::Province, _) => "province",
                (RegionKind::Regency, _) => "regency",
                (RegionKind::City, _) => "city",
                (RegionKind::District, _) => "district",
                (RegionKind::Kelurahan, _) => "kelurahan",
                (RegionKind::Village, Some('2')) => "desa",
                (RegionKind::Village, Some('3')) => "desa adat",
                other => panic!("{c}: {other:?}"),
            };
            *counts.entry(level).or_default() += 1;
        }
        let expected = [
            ("city", 98),
            ("desa", 75_252),
            ("desa adat", 14),
            ("district", 7_285),
            ("kelurahan", 8_496),
            ("province", 38),
            ("regency", 416),
        ];
        assert_eq!(counts.into_iter().collect::<Vec<_>>(), expected);
        assert_eq!(list.len(), 91_599);
        let name = |code: &str| list.iter().find(|l| l.region.code.as_str() == code).map(|l| l.region.name.as_str());
        assert_eq!(name("33.16.02.2006"), Some("Pilang"));
        assert_eq!(name("12.07.28.1007"), Some("Lubuk Pakam I,II"), "a quoted comma");
        assert_eq!(name("53.07.01.2021"), Some("Regapu\u{2019}u"), "UTF-8");
    }

    #[test]
    fn the_sql_dump_reads_as_the_csv_does() {
        let dump = "/* header */\r\nINSERT INTO wilayah (kode, nama)\r\nVALUES\r\n('11','Aceh'),\r\n\
                    ('11.01','Kabupaten Aceh Selatan'),\r\n('11.01.01.2001','Pasi Kuala Ba''u');\r\n";
        let list = read(dump.as_bytes()).expect("dump");
        let got: Vec<(&str, &str)> = list.iter().map(|l| (l.region.code.as_str(), l.region.name.as_str())).collect();
        assert_eq!(got, [("11", "Aceh"), ("11.01", "Kabupaten Aceh Selatan"), ("11.01.01.2001", "Pasi Kuala Ba'u")]);
        assert_eq!(list[2].row, 6);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"code,name\n33,Jawa Tengah\n3316,Kabupaten Blora\n").expect("gzip");
        let list = read(&gz.finish().expect("gzip")[..]).expect("gzipped csv");
        assert_eq!(list[1].region.code.as_str(), "33.16", "plain digits read as dotted");
        assert_eq!(list[1].region.kind, RegionKind::Regency);
    }

    #[test]
    fn bad_rows_are_named_and_refuse_the_list() {
        let csv = "code,name\n33,Jawa Tengah\n33.70,Nowhere\n33.16,\n33.16.02.2006.RT01,RT\n33.16,\"open\n\
                   33.17,a,b\n33.18,Zero\u{200b}Width\n";
        let errors = rows_of(read(csv.as_bytes()).expect_err("bad rows"));
        assert_eq!(errors.len(), 6, "{errors:#?}");
        assert!(errors[0].starts_with("row 3, column `code`: `33.70` is not a Kemendagri code"), "{}", errors[0]);
        assert_eq!(errors[1], "row 4, column `name`: is required");
        assert!(errors[2].starts_with("row 5, column `code`"), "{}", errors[2]);
        assert_eq!(errors[3], "row 6, column ``: a quoted field is not closed");
        assert_eq!(errors[4], "row 7, column ``: has 3 fields; a region list has two, code and name");
        assert!(errors[5].contains("invisible"), "{}", errors[5]);
    }

    #[test]
    fn hostile_lists_stop_at_their_limits() {
        let long = format!("code,name\n33,{}\n", "a".repeat(MAX_LINE_BYTES));
        assert!(matches!(read(long.as_bytes()), Err(RegionListError::LineTooLong { row: 2, .. })));
        // A gzip bomb of blank lines stops at the line limit, not at the end of the bomb.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..(MAX_LINES / 1000 + 1) {
            gz.write_all(&[b'\n'; 1000]).expect("gzip");
        }
        let bomb = gz.finish().expect("gzip");
        assert!(bomb.len() < 10_000);
        assert!(matches!(read(&bomb[..]), Err(RegionListError::TooManyLines { .. })));
        assert!(matches!(read(&b"hello\nworld\n"[..]), Err(RegionListError::NotAList)));
        assert!(matches!(read(&b"code,name\n"[..]), Err(RegionListError::NotAList)));
        // Errors past the first thousand are counted, not kept.
        let many: String =
            std::iter::once("code,name\n".to_string()).chain((0..1500).map(|_| "x,y\n".into())).collect();
        match read(many.as_bytes()) {
            Err(RegionListError::Rows { errors, total }) => assert_eq!((errors.len(), total), (MAX_ERRORS, 1500)),
            other => panic!("{other:?}"),
        }
    }
}
