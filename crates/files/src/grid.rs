//! A small table from a user's file, read whole as text cells: a CSV (UTF-8, optional BOM)
//! or the first sheet of an XLSX workbook. The bank's payment results and the schools'
//! education form come this way. The reading stops at the first limit it breaks, so that
//! neither a million rows nor a zip bomb is ever held: the grid costs at most
//! [`Limits::max_table_bytes`], counted with each cell's own overhead.

use crate::limits::{LimitExceeded, Limits};
use crate::survey::cell_text;
use crate::xlsx::{Workbook, XlsxError};

/// What one cell costs besides its text.
const CELL_OVERHEAD: u64 = std::mem::size_of::<String>() as u64;
/// What one row costs besides its cells.
const ROW_OVERHEAD: u64 = std::mem::size_of::<Vec<String>>() as u64;

/// The limits of a grid of at most `data_rows` rows under a header: a 10 MB upload at most
/// (64 MB through the API), parts unpacking to 256 MiB at most, 64 columns, and 256 MiB of
/// cells held.
pub fn limits(data_rows: u64) -> Limits {
    Limits {
        max_file_bytes: 64 << 20,
        max_entry_bytes: 256 << 20,
        max_rows: data_rows + 1,
        max_columns: 64,
        max_record_bytes: 64 << 10,
        max_table_bytes: 256 << 20,
        ..Limits::SURVEY
    }
}

/// Why a file could not be read as a grid.
#[derive(Debug, thiserror::Error)]
pub enum GridError {
    #[error(transparent)]
    Limit(#[from] LimitExceeded),
    #[error(transparent)]
    Xlsx(XlsxError),
    #[error("the workbook has no sheet")]
    NoSheet,
    #[error("must be a CSV file in UTF-8 or an XLSX workbook")]
    NotText,
    #[error("row {row}: is not valid CSV")]
    Csv { row: u64 },
}

impl From<XlsxError> for GridError {
    fn from(e: XlsxError) -> GridError {
        match e {
            XlsxError::Limit(l) => GridError::Limit(l),
            other => GridError::Xlsx(other),
        }
    }
}

impl GridError {
    /// The limit the file broke, if that is what went wrong.
    pub fn limit(&self) -> Option<&LimitExceeded> {
        match self {
            GridError::Limit(l) => Some(l),
            _ => None,
        }
    }
}

/// The cells held so far, checked against the limits as they grow.
struct Held {
    limits: Limits,
    bytes: u64,
    grid: Vec<Vec<String>>,
}

impl Held {
    fn push(&mut self, row: Vec<String>) -> Result<(), LimitExceeded> {
        if self.grid.len() as u64 >= self.limits.max_rows {
            return Err(LimitExceeded::Rows(self.limits.max_rows));
        }
        if row.len() as u64 > self.limits.max_columns {
            return Err(LimitExceeded::Columns(self.limits.max_columns));
        }
        self.bytes += ROW_OVERHEAD + row.iter().map(|c| c.len() as u64 + CELL_OVERHEAD).sum::<u64>();
        if self.bytes > self.limits.max_table_bytes {
            return Err(LimitExceeded::TableBytes(self.limits.max_table_bytes));
        }
        self.grid.push(row);
        Ok(())
    }
}

/// The rows of `bytes` (an XLSX workbook if it starts as a zip archive, else CSV), row `i`
/// of the grid being line or row `i + 1` of the file. Workbook rows left blank stay as empty
/// rows, so row numbers match what the user sees; numbers are written without a decimal
/// point when they are whole, dates as `YYYY-MM-DD`, text trimmed (as survey sheets are read).
pub fn read_grid(bytes: &[u8], limits: Limits) -> Result<Vec<Vec<String>>, GridError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(LimitExceeded::FileBytes(limits.max_file_bytes).into());
    }
    let mut held = Held { limits, bytes: 0, grid: Vec::new() };
    if bytes.starts_with(b"PK") {
        let mut wb = Workbook::from_bytes(bytes, limits)?;
        let name = wb.sheet_names().next().map(str::to_string).ok_or(GridError::NoSheet)?;
        let mut rows = wb.rows(&name)?;
        let date1904 = rows.date1904();
        let mut cells = Vec::new();
        // Row numbers are at most `max_rows`, checked by the reader; blank rows between
        // are held as empty rows and counted like any other.
        while let Some(n) = rows.next_row(&mut cells)? {
            while (held.grid.len() as u64) + 1 < n {
                held.push(Vec::new())?;
            }
            held.push(cells.iter().map(|c| cell_text(c, date1904)).collect())?;
        }
        return Ok(held.grid);
    }
    let text =
        std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|_| GridError::NotText)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    loop {
        let row = held.grid.len() as u64 + 1;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => return Err(GridError::Csv { row }),
        }
        if record.as_slice().len() as u64 > limits.max_record_bytes {
            return Err(LimitExceeded::RecordBytes(limits.max_record_bytes).into());
        }
        held.push(record.iter().map(str::to_string).collect())?;
    }
    Ok(held.grid)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::testkit::{text_cell, workbook_bytes};

    #[test]
    fn csv_and_xlsx_read_alike() {
        let csv = read_grid(b"\xEF\xBB\xBFa,b\n1,x\n", limits(10)).unwrap();
        assert_eq!(csv, vec![vec!["a", "b"], vec!["1", "x"]]);
        let xlsx = workbook_bytes(|w| {
            write!(w, "<row r=\"1\">{}{}</row>", text_cell("A1", "a"), text_cell("B1", "b"))?;
            write!(w, "<row r=\"3\"><c r=\"A3\"><v>1</v></c>{}</row>", text_cell("B3", "x"))
        });
        let grid = read_grid(&xlsx, limits(10)).unwrap();
        assert_eq!(grid, vec![vec!["a", "b"], vec![], vec!["1", "x"]]);
    }

    #[test]
    fn rows_past_the_cap_are_refused_before_they_are_held() {
        let mut csv = String::from("a\n");
        for i in 0..11 {
            csv.push_str(&format!("{i}\n"));
        }
        let e = read_grid(csv.as_bytes(), limits(10)).unwrap_err();
        assert_eq!(e.limit(), Some(&LimitExceeded::Rows(11)));
        assert_eq!(e.to_string(), "the file exceeds the limit of 11 rows");
        assert!(read_grid(csv.as_bytes(), limits(11)).is_ok());
    }

    /// A tiny workbook naming row 1,048,576: refused by the row number, not by filling a
    /// million empty rows.
    #[test]
    fn a_far_row_number_is_refused_at_once() {
        let started = Instant::now();
        let xlsx = workbook_bytes(|w| {
            write!(
                w,
                "<row r=\"1\">{}</row><row r=\"1048576\">{}</row>",
                text_cell("A1", "a"),
                text_cell("A1048576", "b")
            )
        });
        assert!(xlsx.len() < 4096, "{} bytes", xlsx.len());
        let e = read_grid(&xlsx, limits(50_000)).unwrap_err();
        assert_eq!(e.limit(), Some(&LimitExceeded::Rows(50_001)));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    /// Many rows of long cells, each within the cell limit, stop at the bytes held.
    #[test]
    fn the_text_held_is_capped() {
        // Letters from a small generator: text that does not pack like a bomb.
        let mut seed = 7u32;
        let cell: String = (0..60_000)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (b'a' + (seed >> 16) as u8 % 26) as char
            })
            .collect();
        let mut l = limits(1_000_000);
        l.max_table_bytes = 1 << 20;
        let xlsx = workbook_bytes(|w| {
            for r in 1..=40 {
                write!(w, "<row r=\"{r}\">{}</row>", text_cell(&format!("A{r}"), &cell))?;
            }
            Ok(())
        });
        let e = read_grid(&xlsx, l).unwrap_err();
        assert_eq!(e.limit(), Some(&LimitExceeded::TableBytes(1 << 20)));
        let mut csv = String::new();
        for _ in 0..40 {
            csv.push_str(&cell);
            csv.push('\n');
        }
        let e = read_grid(csv.as_bytes(), l).unwrap_err();
        assert_eq!(e.limit(), Some(&LimitExceeded::TableBytes(1 << 20)));
    }

    #[test]
    fn columns_files_and_bad_text_are_named() {
        let wide = (0..65).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert_eq!(read_grid(wide.as_bytes(), limits(10)).unwrap_err().limit(), Some(&LimitExceeded::Columns(64)));
        let big = vec![b'a'; (64 << 20) + 1];
        assert_eq!(read_grid(&big, limits(10)).unwrap_err().limit(), Some(&LimitExceeded::FileBytes(64 << 20)));
        assert!(matches!(read_grid(b"a,\xFF\n", limits(10)), Err(GridError::NotText)));
    }

    /// 20 MiB of spaces packed a thousand to one: refused by the ratio before it is unpacked.
    #[test]
    fn a_zip_bomb_is_refused_by_its_ratio() {
        let started = Instant::now();
        let bomb = crate::testkit::whitespace(std::io::Cursor::new(Vec::new()), 20).unwrap().into_inner();
        assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
        let e = read_grid(&bomb, limits(10)).unwrap_err();
        assert!(matches!(e.limit(), Some(LimitExceeded::Ratio { limit: 250, .. })), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
