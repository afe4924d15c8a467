//! The reliability data file of `berdaya qual agreement`: a CSV of `unit,coder,value` rows
//! (a unit a coder left out is missing; an empty value is missing too), read within
//! [`crate::limits::Limits::SURVEY`] and checked row by row: a file with any bad row is
//! refused whole, its problems named by file line and column.

use berdaya_domain::qual::agreement::Ratings;

use crate::pkh_contract::{ContractFileError, Errors, MAX_ID_CHARS, cell, header};
use crate::survey::read_responses_csv;

/// The columns of a reliability data file.
pub const UNIT_COLUMNS: [&str; 3] = ["unit", "coder", "value"];

fn name(raw: &str) -> Result<(), String> {
    match raw {
        "" => Err("is required".into()),
        a if a.chars().count() > MAX_ID_CHARS => Err(format!("is longer than {MAX_ID_CHARS} characters")),
        a if a.chars().any(char::is_control) => Err("contains control characters".into()),
        _ => Ok(()),
    }
}

/// Reads a reliability data file (CSV bytes) into ratings.
pub fn read_units(bytes: &[u8]) -> Result<Ratings, ContractFileError> {
    let table = read_responses_csv(bytes)?;
    let at = header(&table.columns, &UNIT_COLUMNS, &[])?;
    let mut errors = Errors::default();
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut seen: std::collections::HashMap<(String, String), u64> = std::collections::HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let (unit, coder, value) = (cell(&row.cells, at[0]), cell(&row.cells, at[1]), cell(&row.cells, at[2]));
        let mut ok = true;
        for (column, r) in [("unit", name(unit)), ("coder", name(coder))] {
            if let Err(rule) = r {
                errors.push(line, column, rule);
                ok = false;
            }
        }
        if value.chars().count() > MAX_ID_CHARS {
            errors.push(line, "value", format!("is longer than {MAX_ID_CHARS} characters"));
            ok = false;
        }
        if !ok {
            continue;
        }
        if let Some(first) = seen.insert((unit.to_string(), coder.to_string()), line) {
            errors.push(line, "coder", format!("coded unit `{unit}` already on line {first}"));
            continue;
        }
        rows.push((unit.to_string(), coder.to_string(), value.to_string()));
    }
    errors.finish()?;
    Ratings::from_rows(rows).map_err(|e| {
        let mut errors = Errors::default();
        errors.push(0, "unit", e.to_string());
        match errors.finish() {
            Err(e) => e,
            Ok(()) => ContractFileError::MissingColumn("unit".into()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_ratings_and_bad_rows_are_named() {
        let r = read_units(b"unit,coder,value\n1,A,yes\n1,B,no\n2,A,yes\n").unwrap();
        assert_eq!((r.coders().len(), r.units().len()), (2, 2));
        let e = read_units(b"unit,coder,value\n1,A,yes\n1,A,no\n,B,x\n").unwrap_err();
        let lines = e.lines().join("\n");
        assert!(lines.contains("row 3") && lines.contains("already on line 2"), "{lines}");
        assert!(lines.contains("row 4") && lines.contains("`unit`"), "{lines}");
        assert!(read_units(b"unit,rater,value\n").unwrap_err().to_string().contains("rater"));
    }
}
