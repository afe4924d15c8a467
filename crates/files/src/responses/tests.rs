//! The streaming reader must give exactly the report of the whole-table reader, whatever the
//! shape of the CSV (quotes, doubled quotes, CRLF, blank lines, `;`, a BOM, block and thread
//! boundaries), and must say which row and column is wrong.

use berdaya_domain::survey::{
    AnalysisOptions, Instrument, MissingPolicy, ResponseTable, ResponsesError, analyze, seed004,
};

use super::*;

fn instrument() -> Instrument {
    Instrument::from_xlsform(&seed004::xlsform()).unwrap()
}

fn no_progress(_: Progress) {}

fn csv_of(table: &ResponseTable, delimiter: char, quote_all: bool, crlf: bool) -> Vec<u8> {
    let nl = if crlf { "\r\n" } else { "\n" };
    let field = |s: &str| if quote_all { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    let mut out = String::from("\u{feff}");
    let line = |cells: &[String]| cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(&delimiter.to_string());
    out.push_str(&line(&table.columns));
    out.push_str(nl);
    for r in &table.rows {
        out.push_str(&line(&r.cells));
        out.push_str(nl);
    }
    out.into_bytes()
}

fn stream(bytes: &[u8], options: &AnalysisOptions) -> Result<Report, AnalyzeFileError> {
    analyze_csv(&instrument(), bytes, bytes.len() as u64, options, &no_progress)
}

#[test]
fn every_csv_shape_gives_the_whole_table_report() {
    let inst = instrument();
    let table = seed004::example_responses(43, 4);
    let want = analyze(&inst, &table, &AnalysisOptions::default()).unwrap();
    for (delimiter, quote_all, crlf) in [(',', false, false), (';', true, true), (',', true, false), (';', false, true)]
    {
        let got = stream(&csv_of(&table, delimiter, quote_all, crlf), &AnalysisOptions::default()).unwrap();
        assert_eq!(got, want, "delimiter {delimiter:?}, quoted {quote_all}, crlf {crlf}");
    }
}

#[test]
fn large_files_cross_blocks_and_threads_exactly() {
    // 150,000 respondents: several 4 MiB blocks, each split over two threads.
    let inst = instrument();
    let mut table = seed004::example_responses(150_000, 9);
    // A free-text column with a quoted newline and doubled quotes on some rows.
    table.columns.push("catatan".into());
    for (i, r) in table.rows.iter_mut().enumerate() {
        r.cells.push(if i % 997 == 0 { "kata \"ketua\",\nbaris dua".into() } else { String::new() });
    }
    let want = analyze(&inst, &table, &AnalysisOptions::default()).unwrap();
    let got = stream(&csv_of(&table, ',', true, false), &AnalysisOptions::default()).unwrap();
    assert_eq!(got.n, 150_000);
    assert_eq!(got, want);
}

#[test]
fn bad_answers_name_the_file_line_across_quoted_newlines() {
    let mut table = seed004::example_responses(2, 1);
    // Use the real header so every other column is present.
    let mut header = table.columns.clone();
    header.push("note".into());
    let rek = header.iter().position(|c| c == "persiapan/rekening").unwrap();
    let mut text = header.join(",");
    text.push('\n');
    for (i, r) in table.rows.iter_mut().enumerate() {
        let mut cells = r.cells.clone();
        if i == 1 {
            cells[rek] = "9".into();
        }
        cells.push(if i == 0 { "\"two\nlines\"".into() } else { "x".into() });
        text.push_str(&cells.join(","));
        text.push_str("\n\n");
    }
    let err = stream(text.as_bytes(), &AnalysisOptions::default()).unwrap_err();
    let AnalyzeFileError::Analysis(AnalysisError::Responses(e)) = err else { panic!("{err:?}") };
    let problems = e.problems().unwrap();
    assert_eq!(problems.len(), 1);
    // Header line 1, R001 on lines 2–3, a blank line 4, R002 on line 5.
    assert_eq!(problems[0].line, 5);
    assert_eq!(problems[0].column, "persiapan/rekening");
    assert_eq!(problems[0].respondent.as_deref(), Some("R002"));
}

#[test]
fn nothing_left_after_dropping_says_why() {
    let mut table = seed004::example_responses(30, 2);
    let rek = table.columns.iter().position(|c| c == "persiapan/rekening").unwrap();
    let umur = table.columns.iter().position(|c| c.ends_with("/umur")).unwrap();
    for (i, r) in table.rows.iter_mut().enumerate() {
        r.cells[rek] = String::new();
        if i % 3 == 0 {
            r.cells[umur] = "tua".into();
        }
    }
    let opts = AnalysisOptions { missing: MissingPolicy::DropIncomplete, ..AnalysisOptions::default() };
    let err = stream(&csv_of(&table, ',', false, false), &opts).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("all 30 were dropped"), "{text}");
    assert!(text.contains("most often in column persiapan/rekening: blank answer (30 respondents)"), "{text}");
    let AnalyzeFileError::Analysis(AnalysisError::Responses(ResponsesError::AllDropped { dropped, reasons })) = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(dropped, 30);
    let listed: Vec<(&str, &str, u64)> =
        reasons.iter().map(|r| (r.column.as_str(), r.why.as_str(), r.respondents)).collect();
    assert_eq!(listed, [("persiapan/rekening", "blank answer", 30), ("responden/umur", "not a number", 10)]);
}

#[test]
fn a_record_over_the_limit_is_refused_with_the_limit() {
    let header = seed004::example_responses(1, 1).columns.join(",");
    let mut bytes = format!("{header}\nR1,\"").into_bytes();
    bytes.extend(std::iter::repeat_n(b'a', (STREAM_LIMITS.max_record_bytes + 10) as usize));
    let err = stream(&bytes, &AnalysisOptions::default()).unwrap_err();
    assert!(err.to_string().starts_with("a row exceeds the limit of"), "{err}");
    match err {
        AnalyzeFileError::File(SurveyFileError::Limit(LimitExceeded::RecordBytes(_))) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn xlsx_responses_stream_to_the_same_report() {
    let inst = instrument();
    let table = seed004::example_responses(43, 4);
    let want = analyze(&inst, &table, &AnalysisOptions::default()).unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
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
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    wb.save(&path).unwrap();
    let seen = std::sync::atomic::AtomicU64::new(0);
    let got = analyze_path(&inst, &path, &AnalysisOptions::default(), &|p: Progress| {
        seen.store(p.respondents, std::sync::atomic::Ordering::Relaxed);
    })
    .unwrap();
    assert_eq!(got, want);
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 43);
}

#[test]
fn the_first_bad_rows_are_listed_in_file_order_across_threads() {
    // 200,000 respondents, every 100th with a blank answer: 2,000 dropped, the first 1,000
    // listed in file order although two threads read halves of every block.
    let mut table = seed004::example_responses(200_000, 5);
    let rek = table.columns.iter().position(|c| c == "persiapan/rekening").unwrap();
    for (i, r) in table.rows.iter_mut().enumerate() {
        if i % 100 == 7 {
            r.cells[rek] = String::new();
        }
    }
    let opts = AnalysisOptions { missing: MissingPolicy::DropIncomplete, ..AnalysisOptions::default() };
    let report = stream(&csv_of(&table, ',', false, false), &opts).unwrap();
    assert_eq!(report.dropped_count, 2_000);
    assert_eq!(report.n, 198_000);
    let lines: Vec<u64> = report.dropped.iter().map(|d| d.line).collect();
    let want: Vec<u64> = (0..1_000u64).map(|k| k * 100 + 7 + 2).collect();
    assert_eq!(lines, want);
    assert!(report.notes.iter().any(|n| n == "The first 1000 dropped respondents are listed."), "{:?}", report.notes);
    // Refusing instead lists the first 1,000 bad answers and counts all.
    let err = stream(&csv_of(&table, ',', false, false), &AnalysisOptions::default()).unwrap_err();
    let AnalyzeFileError::Analysis(AnalysisError::Responses(ResponsesError::ManyBadAnswers { shown, total })) = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(total, 2_000);
    assert_eq!(shown.iter().map(|p| p.line).collect::<Vec<_>>(), want);
}

/// Issue 11 item 6: the link column's distinct values are read in one pass (CSV of any shape,
/// XLSX), and a linked analysis streamed from the file equals the whole-table one.
#[test]
fn link_keys_and_a_linked_analysis_stream_from_csv_and_xlsx() {
    use berdaya_domain::survey::instrument::SurveyRow;
    use berdaya_domain::survey::link::{FactsMap, PersonFacts};
    use berdaya_domain::survey::report::analyze_linked;

    let mut form = seed004::xlsform();
    let nik = SurveyRow { kind: "text".into(), name: "nik".into(), berdaya: "person".into(), ..SurveyRow::default() };
    form.survey.insert(1, nik);
    for r in &mut form.survey {
        if r.name == "umur" {
            r.berdaya_registry = "age".into();
        }
    }
    let inst = Instrument::from_xlsform(&form).unwrap_or_else(|p| panic!("{p:#?}"));
    let mut table = seed004::example_responses(300, 4);
    table.columns.insert(1, "nik".into());
    for (i, r) in table.rows.iter_mut().enumerate() {
        // 50 people, each answering six times; row 7 has no NIK.
        r.cells.insert(1, if i == 7 { String::new() } else { format!("32010100000000{:02}", i % 50) });
    }
    let mut facts = FactsMap::default();
    for p in 0..45 {
        let key = format!("32010100000000{p:02}");
        let born = time::Date::from_calendar_date(1950 + p, time::Month::May, 16).unwrap();
        facts.insert(&[key.as_str()], PersonFacts { birth_date: Some(born), ..PersonFacts::default() });
    }
    let options = AnalysisOptions {
        missing: MissingPolicy::DropIncomplete,
        survey_date: Some(time::macros::date!(2015 - 04 - 30)),
        ..AnalysisOptions::default()
    };
    let want = analyze_linked(&inst, &table, &options, &facts).unwrap();
    let link = want.link.as_ref().unwrap();
    // Keys 45–49 are unknown (30 rows), and the blank one.
    assert_eq!((link.matched, link.unmatched), (269, 31));
    let expected_keys: Vec<String> = (0..50).map(|p| format!("32010100000000{p:02}")).collect();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("jawaban.csv");
    std::fs::write(&csv, csv_of(&table, ';', true, true)).unwrap();
    let xlsx = dir.path().join("jawaban.xlsx");
    crate::survey::write_responses_xlsx(&table, &xlsx).unwrap();
    for path in [&csv, &xlsx] {
        assert_eq!(link_keys(&inst, path).unwrap(), expected_keys, "{}", path.display());
        let got = analyze_path_linked(&inst, path, &options, Some(&facts), &no_progress).unwrap();
        assert_eq!(got, want, "{}", path.display());
    }
    // A form without a link column reads no keys.
    assert!(link_keys(&instrument(), &csv).unwrap().is_empty());
}
