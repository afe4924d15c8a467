//! Tables of counts written as an XLSX workbook, one sheet per table: the dashboards'
//! download. A cell is a whole number or a text (a suppressed count is written as its
//! text, `< 5`, never as the number).

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One cell of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableCell {
    Count(u64),
    Text(String),
}

/// A table: the sheet's name, a bold header row, then the rows.
#[derive(Debug, Clone)]
pub struct SheetTable {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<TableCell>>,
}

/// The characters Excel refuses in a sheet name.
const NOT_IN_NAMES: [char; 7] = ['[', ']', ':', '*', '?', '/', '\\'];

/// A sheet name Excel accepts (at most 31 characters, none of [`NOT_IN_NAMES`], not blank)
/// and not yet `taken` (compared case-insensitively, as Excel does).
fn sheet_name(wanted: &str, taken: &[String]) -> String {
    let clean: String = wanted.chars().map(|c| if NOT_IN_NAMES.contains(&c) { ' ' } else { c }).collect();
    let clean = clean.trim().trim_matches('\'').to_string();
    let base = if clean.is_empty() { "Sheet".to_string() } else { clean };
    let free = |n: &str| !taken.iter().any(|t| t.to_lowercase() == n.to_lowercase());
    (1..)
        .map(|i| {
            let suffix = if i == 1 { String::new() } else { format!(" ({i})") };
            let keep = 31 - suffix.chars().count();
            format!("{}{suffix}", base.chars().take(keep).collect::<String>())
        })
        .find(|n| free(n))
        .unwrap_or(base)
}

/// The workbook of `tables`, in order.
pub fn write_tables(tables: &[SheetTable]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let mut names: Vec<String> = Vec::new();
    for table in tables {
        let name = sheet_name(&table.name, &names);
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name)?;
        names.push(name);
        for (c, header) in table.headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, header, &bold)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    TableCell::Count(n) => sheet.write_number(r, c as u16, *n as f64)?,
                    TableCell::Text(s) => sheet.write_string(r, c as u16, s)?,
                };
            }
        }
        sheet.autofit();
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::xlsx::{Cell, Workbook as Reader};

    #[test]
    fn sheet_names_are_valid_and_distinct() {
        assert_eq!(sheet_name("Wilayah: a/b", &[]), "Wilayah  a b");
        let long = "x".repeat(40);
        let first = sheet_name(&long, &[]);
        assert_eq!(first.chars().count(), 31);
        let second = sheet_name(&long, std::slice::from_ref(&first));
        assert!(second.ends_with(" (2)") && second.chars().count() == 31);
        assert_eq!(sheet_name("  ", &[]), "Sheet");
        assert_eq!(sheet_name("tahap", &["TAHAP".into()]), "tahap (2)");
    }

    #[test]
    fn tables_read_back_as_written() {
        let t = SheetTable {
            name: "Tahap".into(),
            headers: vec!["Tahap".into(), "Jumlah".into()],
            rows: vec![
                vec![TableCell::Text("Pra Sejahtera".into()), TableCell::Count(436)],
                vec![TableCell::Text("Sejahtera I".into()), TableCell::Text("< 5".into())],
            ],
        };
        let bytes = write_tables(&[t.clone(), t]).expect("workbook");
        let mut wb = Reader::from_bytes(&bytes, Limits::SURVEY).expect("opens");
        assert_eq!(wb.sheet_names().collect::<Vec<_>>(), ["Tahap", "Tahap (2)"]);
        let mut rows = wb.rows("Tahap").expect("sheet");
        let mut cells = Vec::new();
        let mut all = Vec::new();
        while rows.next_row(&mut cells).expect("row").is_some() {
            all.push(cells.clone());
        }
        assert_eq!(all[1], [Cell::Text("Pra Sejahtera".into()), Cell::Number(436.0)]);
        assert_eq!(all[2], [Cell::Text("Sejahtera I".into()), Cell::Text("< 5".into())]);
    }
}
