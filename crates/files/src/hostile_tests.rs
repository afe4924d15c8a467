//! Hostile files against every reader: each limit gives its own error, fast, and arbitrary
//! bytes never panic.

use std::io::{self, Cursor, Read};
use std::time::{Duration, Instant};

use berdaya_store::RowSource;
use proptest::prelude::*;

use crate::limits::{LimitExceeded, Limits, RATIO_FREE_BYTES};
use crate::registry::{CsvRegistryReader, RegistryFileError, XlsxRegistryReader};
use crate::survey::{SurveyFileError, read_responses_csv, read_responses_xlsx_bytes, read_xlsform_bytes};
use crate::testkit::{self, text_cell, workbook_bytes};
use crate::xlsx::{Workbook, XlsxError};

/// Generous for a loaded CI machine, far below what the unbounded readers took (minutes).
const FAST: Duration = Duration::from_secs(20);

fn survey_limit(r: Result<impl std::fmt::Debug, SurveyFileError>) -> LimitExceeded {
    match r {
        Err(SurveyFileError::Limit(l)) => l,
        other => panic!("expected a limit, got {other:?}"),
    }
}

/// Every row of a registry source, as the import pulls them.
fn drain(src: &mut dyn RowSource) -> Vec<String> {
    let mut rules = Vec::new();
    while let Some(row) = src.next_row() {
        if let Err(errors) = row {
            rules.extend(errors.into_iter().map(|e| format!("row {}: {}", e.row, e.rule)));
        }
    }
    rules
}

#[test]
fn a1_and_xfd1048576_is_refused_by_the_column_limit() {
    let started = Instant::now();
    let l = survey_limit(read_responses_xlsx_bytes(&testkit::two_cells("XFD1048576")));
    assert_eq!(l, LimitExceeded::Columns(Limits::SURVEY.max_columns));
    assert!(l.to_string().contains("limit of 1,024 columns"), "{l}");
    let mut r = XlsxRegistryReader::from_bytes(&testkit::registry_header_and("XFD1048576")).unwrap();
    let rules = drain(&mut r);
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert!(rules[0].contains("limit of 64 columns"), "{rules:?}");
    assert!(started.elapsed() < FAST);
}

#[test]
fn a1_and_cv1048576_is_refused_by_the_row_or_column_limit() {
    let started = Instant::now();
    let l = survey_limit(read_responses_xlsx_bytes(&testkit::two_cells("CV1048576")));
    assert_eq!(l, LimitExceeded::Rows(Limits::SURVEY.max_rows));
    assert!(l.to_string().contains("limit of 100,000 rows"), "{l}");
    let mut r = XlsxRegistryReader::from_bytes(&testkit::registry_header_and("CV1048576")).unwrap();
    let rules = drain(&mut r);
    assert!(rules.len() == 1 && rules[0].contains("limit of 64 columns"), "{rules:?}");
    assert!(started.elapsed() < FAST);
}

#[test]
fn a_far_cell_within_the_limits_is_read_sparse() {
    // Row 1,048,576 is the last a sheet has: within the registry's limit, and one row to read,
    // not a million blank ones.
    let started = Instant::now();
    let mut r = XlsxRegistryReader::from_bytes(&testkit::registry_header_and("N1048576")).unwrap();
    let rules = drain(&mut r);
    assert_eq!(r.rows_read(), 1);
    assert!(rules.iter().all(|r| r.starts_with("row 1048576")), "{rules:?}");
    assert!(started.elapsed() < FAST);
}

#[test]
fn a_sheet_of_whitespace_is_refused_by_the_ratio_limit_before_it_is_unpacked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.xlsx");
    testkit::whitespace(std::fs::File::create(&path).unwrap(), 200).unwrap();
    let packed = std::fs::metadata(&path).unwrap().len();
    assert!(packed < 2 << 20, "{packed}");
    let started = Instant::now();
    let mut wb = Workbook::open(&path, Limits::REGISTRY).unwrap();
    let err = wb.rows("Sheet1").unwrap_err();
    assert!(
        matches!(&err, XlsxError::Limit(LimitExceeded::Ratio { entry, limit: 250 }) if entry == testkit::SHEET_PART),
        "{err:?}"
    );
    assert!(err.to_string().contains("limit of 250:1"), "{err}");
    let bytes = std::fs::read(&path).unwrap();
    assert!(matches!(survey_limit(read_responses_xlsx_bytes(&bytes)), LimitExceeded::Ratio { .. }));
    assert!(matches!(
        XlsxRegistryReader::open(&path).unwrap_err(),
        RegistryFileError::Limit(LimitExceeded::Ratio { .. })
    ));
    assert!(started.elapsed() < FAST);
}

#[test]
fn a_sheet_larger_than_it_declares_is_cut_off() {
    let bytes = testkit::lying_size(8);
    let started = Instant::now();
    let l = survey_limit(read_responses_xlsx_bytes(&bytes));
    assert_eq!(l, LimitExceeded::EntryLied { entry: testkit::SHEET_PART.into(), declared: 1000 });
    assert!(started.elapsed() < FAST);
}

#[test]
fn a_declared_size_past_the_entry_limit_is_refused() {
    let mut bytes = workbook_bytes(|w| w.write_all(text_cell("A1", "id").as_bytes()));
    testkit::set_declared_size(&mut bytes, testkit::SHEET_PART, u32::MAX - 1);
    let l = survey_limit(read_responses_xlsx_bytes(&bytes));
    assert!(matches!(l, LimitExceeded::EntryBytes { limit, .. } if limit == Limits::SURVEY.max_entry_bytes), "{l:?}");
}

/// Letters that do not compress much, so no ratio limit comes first.
fn noise(n: usize) -> String {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (b'a' + (x % 26) as u8) as char
        })
        .collect()
}

#[test]
fn long_cells_and_markup_are_refused() {
    let big = noise(200 << 10);
    let bytes = workbook_bytes(|w| write!(w, r#"<row r="1">{}</row>"#, text_cell("A1", &big)));
    assert_eq!(survey_limit(read_responses_xlsx_bytes(&bytes)), LimitExceeded::CellBytes(32_767 * 4));
    let attr = noise((RATIO_FREE_BYTES as usize) * 2);
    let bytes = workbook_bytes(|w| write!(w, r#"<row r="1" x="{attr}"><c r="A1"><v>1</v></c></row>"#));
    assert_eq!(survey_limit(read_responses_xlsx_bytes(&bytes)), LimitExceeded::MarkupBytes(1 << 20));
}

/// An endless line: nothing but `a`, with no line break.
fn endless() -> impl Read + Send + 'static {
    io::repeat(b'a').take(1 << 30)
}

#[test]
fn a_gigabyte_csv_line_is_refused_without_buffering_it() {
    let started = Instant::now();
    let err = CsvRegistryReader::from_reader(endless()).unwrap_err();
    assert!(matches!(err, RegistryFileError::Limit(LimitExceeded::RecordBytes(16_384))), "{err:?}");
    assert!(err.to_string().contains("16 KiB"), "{err}");
    let header = "kk,region,address,welfare_stage,nik,name,sex,birth_date,relation\n";
    let mut r = CsvRegistryReader::from_reader(Cursor::new(header.as_bytes().to_vec()).chain(endless())).unwrap();
    let rules = drain(&mut r);
    assert!(rules.len() == 1 && rules[0].contains("limit of 16,384 bytes"), "{rules:?}");
    assert!(started.elapsed() < FAST);
}

#[test]
fn csv_rows_and_columns_are_capped() {
    let wide: Vec<String> = (0..65).map(|i| format!("c{i}")).collect();
    let err = CsvRegistryReader::from_reader(Cursor::new(wide.join(",").into_bytes())).unwrap_err();
    assert!(matches!(err, RegistryFileError::Limit(LimitExceeded::Columns(64))), "{err:?}");
    // 1,048,576 rows with the header, then one more: every row is an error of its own (one
    // field), and the one past the limit ends the file.
    let header = b"kk,region,address,welfare_stage,nik,name,sex,birth_date,relation\n".to_vec();
    let rows = RepeatLine { line: b"x\n", left: 1_048_576 };
    let mut r = CsvRegistryReader::from_reader(Cursor::new(header).chain(rows)).unwrap();
    let mut last = None;
    let mut n = 0u64;
    while let Some(row) = r.next_row() {
        n += 1;
        last = Some(row);
    }
    assert_eq!(n, 1_048_576);
    let last = last.unwrap().unwrap_err();
    assert_eq!(last[0].row, 1_048_577);
    assert!(last[0].rule.contains("limit of 1,048,576 rows"), "{}", last[0].rule);
}

/// `line`, `left` times, without holding them.
struct RepeatLine {
    line: &'static [u8],
    left: u64,
}

impl Read for RepeatLine {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while self.left > 0 && buf.len() - n >= self.line.len() {
            buf[n..n + self.line.len()].copy_from_slice(self.line);
            n += self.line.len();
            self.left -= 1;
        }
        Ok(n)
    }
}

#[test]
fn survey_csv_rows_columns_and_size_are_capped() {
    let mut text = b"id\n".to_vec();
    text.extend(std::iter::repeat_n(b"1\n", 100_000).flatten());
    assert_eq!(survey_limit(read_responses_csv(&text)), LimitExceeded::Rows(100_000));
    let wide: Vec<String> = (0..1025).map(|i| format!("c{i}")).collect();
    assert_eq!(survey_limit(read_responses_csv(wide.join(",").as_bytes())), LimitExceeded::Columns(1024));
    let big = vec![b'a'; (64 << 20) + 1];
    assert_eq!(survey_limit(read_responses_csv(&big)), LimitExceeded::FileBytes(64 << 20));
}

// Arbitrary input -------------------------------------------------------------------------

/// A small valid sheet whose XML text is then damaged at random.
fn mutated_sheet(edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut xml = format!(
        r#"<row r="1">{}{}</row><row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>3316095203850012</v></c><c r="C2" t="b"><v>1</v></c><c r="D2" t="e"><v>#N/A</v></c></row><row r="3"><c r="C3" s="1"><v>31118</v></c></row>"#,
        text_cell("A1", "type"),
        text_cell("B1", "name &amp; label"),
    )
    .into_bytes();
    for &(at, byte) in edits {
        if !xml.is_empty() {
            let i = at % xml.len();
            xml[i] = byte;
        }
    }
    xml.truncate(cut % (xml.len() + 1));
    workbook_bytes(|w| w.write_all(&xml))
}

fn mutate_bytes(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    for &(at, byte) in edits {
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = byte;
        }
    }
    let cut = cut % (bytes.len() + 1);
    bytes.truncate(bytes.len().max(1).min(cut.max(bytes.len() / 2)));
    bytes
}

/// Every reader, on the same bytes: an error is fine, a panic is not.
fn read_everything(bytes: &[u8]) {
    let _ = read_xlsform_bytes(bytes);
    let _ = read_responses_xlsx_bytes(bytes);
    let _ = read_responses_csv(bytes);
    if let Ok(mut r) = XlsxRegistryReader::from_bytes(bytes) {
        drain(&mut r);
    }
    if let Ok(mut r) = CsvRegistryReader::from_reader(Cursor::new(bytes.to_vec())) {
        drain(&mut r);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        read_everything(&bytes);
    }

    #[test]
    fn damaged_sheets_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        cut in any::<usize>(),
    ) {
        read_everything(&mutated_sheet(&edits, cut));
    }

    #[test]
    fn damaged_archives_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let valid = crate::survey::xlsform_to_bytes(&berdaya_domain::survey::seed004::xlsform()).unwrap();
        read_everything(&mutate_bytes(valid, &edits, cut));
    }

    #[test]
    fn csv_lines_never_panic(lines in proptest::collection::vec("[a-z0-9,;\"\\r\\n ]{0,40}", 0..20)) {
        let mut text = "kk,region,address,welfare_stage,nik,name,sex,birth_date,relation\n".to_string();
        text.push_str(&lines.join("\n"));
        read_everything(text.as_bytes());
    }
}

#[test]
fn a_sheet_repeating_one_row_number_is_held_to_the_row_limit() {
    let row = format!(r#"<row r="2">{}</row>"#, text_cell("A2", "1"));
    let bytes = workbook_bytes(|w| {
        write!(w, r#"<row r="1">{}</row>"#, text_cell("A1", "id"))?;
        for _ in 0..2_000 {
            w.write_all(row.as_bytes())?;
        }
        Ok(())
    });
    let limits = Limits { max_rows: 1_000, ..Limits::REGISTRY };
    let mut rows = Workbook::from_bytes(&bytes, limits).unwrap().rows("Sheet1").unwrap();
    let mut cells = Vec::new();
    let mut read = 0;
    let err = loop {
        match rows.next_row(&mut cells) {
            Ok(Some(_)) => read += 1,
            Ok(None) => panic!("read {read} rows past the limit"),
            Err(e) => break e,
        }
    };
    assert_eq!(read, 1_000);
    assert!(matches!(err, XlsxError::Limit(LimitExceeded::Rows(1_000))), "{err:?}");
}
