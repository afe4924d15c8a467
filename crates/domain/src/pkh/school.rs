//! The education form (formulir verifikasi pendidikan): each school reports, per pupil and
//! month, the days absent without leave (alpa), with permission (izin), sick (sakit) and the
//! month's effective school days. One row per pupil and month; the pupil is named by NIK.
//!
//! Columns (header row first, in any order, English or Indonesian names): `school`/`sekolah`,
//! `nik`, `name`/`nama` (optional, for the reader), `month`/`bulan` (`YYYY-MM`, or the month's
//! number 1–12 within the period's year), `absent`/`alpa`, `permitted`/`izin`, `sick`/`sakit`,
//! `effective_days`/`hari_efektif`. Every month must fall in the period; a pupil appears once
//! per month.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Period;
use super::payment::RowProblem;
use super::verify::MonthAttendance;
use crate::registry::Nik;

/// The most data rows one education form may have.
pub const MAX_SCHOOL_ROWS: usize = 50_000;

/// The columns, as a template file writes them.
pub const SCHOOL_HEADERS: [&str; 8] =
    ["school", "nik", "name", "month", "absent", "permitted", "sick", "effective_days"];

/// One checked row of an education form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolRow {
    /// The file's row number (the header is row 1).
    pub row: u64,
    pub school: String,
    pub nik: Nik,
    /// The month within the period's year, 1–12.
    pub month: u8,
    pub attendance: MonthAttendance,
}

/// A stored month of a pupil's attendance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolMonth {
    pub person_id: i64,
    pub school: String,
    /// `YYYY-MM`.
    pub month: String,
    pub attendance: MonthAttendance,
}

/// What an import did: rows stored, pupils whose school-attendance obligation was recorded,
/// and how many of them met it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolImport {
    pub rows: u64,
    pub pupils: u64,
    pub compliant: u64,
    pub not_compliant: u64,
}

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| {
        let h = h.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        names.contains(&h.as_str())
    })
}

/// Checks an education form's cells (the header first) against the period: every problem
/// with its row and column, or the rows.
pub fn parse_school_form(grid: &[Vec<String>], period: Period) -> Result<Vec<SchoolRow>, Vec<RowProblem>> {
    let problem = |row: u64, column: &str, rule: String| RowProblem { row, column: column.into(), rule };
    let Some(header) = grid.first() else {
        return Err(vec![problem(1, "nik", "the file is empty; the header row is required".into())]);
    };
    let cols = [
        ("school", column(header, &["school", "sekolah", "nama_sekolah", "school_name"])),
        ("nik", column(header, &["nik"])),
        ("month", column(header, &["month", "bulan"])),
        ("absent", column(header, &["absent", "alpa", "alpha", "tanpa_keterangan"])),
        ("permitted", column(header, &["permitted", "izin", "ijin"])),
        ("sick", column(header, &["sick", "sakit"])),
        ("effective_days", column(header, &["effective_days", "hari_efektif", "effective"])),
    ];
    let missing: Vec<RowProblem> = cols
        .iter()
        .filter(|(_, c)| c.is_none())
        .map(|(name, _)| problem(1, name, "the column is required".into()))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let at = |name: &str| cols.iter().find(|(n, _)| *n == name).and_then(|(_, c)| *c).expect("checked above");
    let (school_c, nik_c, month_c) = (at("school"), at("nik"), at("month"));
    let (absent_c, permitted_c, sick_c, days_c) = (at("absent"), at("permitted"), at("sick"), at("effective_days"));
    if grid.len() > MAX_SCHOOL_ROWS + 1 {
        return Err(vec![problem(
            MAX_SCHOOL_ROWS as u64 + 2,
            "nik",
            format!("too many rows: an education form may have at most {MAX_SCHOOL_ROWS} rows"),
        )]);
    }
    let first_month = period.quarter * 3 - 2;
    let months = first_month..=period.quarter * 3;
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<(u64, u8), u64> = HashMap::new();
    for (i, cells) in grid.iter().enumerate().skip(1) {
        let row = i as u64 + 1;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: usize| cells.get(c).map(|s| s.trim()).unwrap_or("");
        let before = problems.len();
        let school = cell(school_c).to_string();
        if school.is_empty() {
            problems.push(problem(row, "school", "is required".into()));
        } else if school.chars().count() > 200 {
            problems.push(problem(row, "school", "is longer than 200 characters".into()));
        }
        let nik = match Nik::parse(cell(nik_c).trim_start_matches('\'')) {
            Ok(n) => Some(n),
            Err(e) => {
                problems.push(problem(row, "nik", e));
                None
            }
        };
        let raw_month = cell(month_c);
        let month = match raw_month.split_once('-') {
            Some((y, m)) => match (y.parse::<i32>(), m.parse::<u8>()) {
                (Ok(y), Ok(m)) if y == period.year && months.contains(&m) => Some(m),
                (Ok(_), Ok(m)) if (1..=12).contains(&m) => {
                    problems.push(problem(row, "month", format!("{raw_month} is not a month of period {period}")));
                    None
                }
                _ => {
                    problems.push(problem(row, "month", "must be a month written YYYY-MM or 1–12".into()));
                    None
                }
            },
            None => match raw_month.parse::<u8>() {
                Ok(m) if months.contains(&m) => Some(m),
                Ok(m) if (1..=12).contains(&m) => {
                    problems.push(problem(row, "month", format!("month {m} is not a month of period {period}")));
                    None
                }
                _ if raw_month.is_empty() => {
                    problems.push(problem(row, "month", "is required".into()));
                    None
                }
                _ => {
                    problems.push(problem(row, "month", "must be a month written YYYY-MM or 1–12".into()));
                    None
                }
            },
        };
        let numbers_from = problems.len();
        let mut number = |c: usize, name: &str| -> u32 {
            let raw = cell(c);
            if raw.is_empty() && name != "effective_days" {
                return 0;
            }
            match raw.parse::<u32>() {
                Ok(n) if n <= 31 => n,
                _ => {
                    problems.push(problem(row, name, "must be a whole number of days from 0 to 31".into()));
                    0
                }
            }
        };
        let attendance = MonthAttendance {
            absent: number(absent_c, "absent"),
            permitted: number(permitted_c, "permitted"),
            sick: number(sick_c, "sick"),
            effective_days: number(days_c, "effective_days"),
        };
        if problems.len() == numbers_from
            && let Err((column, rule)) = attendance.check()
        {
            problems.push(problem(row, column, rule));
        }
        if let (Some(nik), Some(month)) = (nik, month) {
            if let Some(first) = seen.insert((nik.as_u64(), month), row) {
                problems.push(problem(row, "nik", format!("the pupil's month {month} is already on row {first}")));
            }
            if problems.len() == before {
                out.push(SchoolRow { row, school, nik, month, attendance });
            }
        }
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(problem(2, "nik", "the file has no rows below the header".into()));
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&str]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.split(',').map(str::to_string).collect()).collect()
    }

    const HEAD: &str = "sekolah,nik,nama,bulan,alpa,izin,sakit,hari_efektif";

    #[test]
    fn reads_indonesian_headers_and_both_month_forms() {
        let p = Period::parse("2025-3").unwrap();
        let rows = parse_school_form(
            &grid(&[
                HEAD,
                "SDN Pilang 1,3316011501150001,Budi,2025-07,1,2,0,20",
                "SDN Pilang 1,3316011501150001,Budi,8,0,0,0,22",
            ]),
            p,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].row, rows[0].month, rows[0].attendance.absent), (2, 7, 1));
        assert_eq!((rows[1].month, rows[1].attendance.effective_days), (8, 22));
    }

    #[test]
    fn names_the_row_and_column_of_each_problem() {
        let p = Period::parse("2025-3").unwrap();
        let err = parse_school_form(
            &grid(&[
                HEAD,
                "SDN 1,3316011501150001,A,2025-10,0,0,0,20",
                ",123,B,7,0,0,0,20",
                "SDN 1,3316011501150002,C,7,15,5,5,20",
                "SDN 1,3316011501150001,A,7,0,0,0,20",
                "SDN 1,3316011501150001,A,2025-07,x,0,0,20",
            ]),
            p,
        )
        .unwrap_err();
        let got: Vec<(u64, &str)> = err.iter().map(|p| (p.row, p.column.as_str())).collect();
        assert_eq!(got, [(2, "month"), (3, "school"), (3, "nik"), (4, "absent"), (6, "absent"), (6, "nik")]);
        assert!(err[0].rule.contains("2025-3"), "{}", err[0].rule);
    }

    #[test]
    fn a_missing_column_is_named() {
        let p = Period::parse("2025-3").unwrap();
        let err = parse_school_form(&grid(&["school,nik,month,absent,permitted,sick"]), p).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!((err[0].row, err[0].column.as_str()), (1, "effective_days"));
    }
}
