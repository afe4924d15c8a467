//! The limits every reader of a user's file enforces, so that a hostile or broken file costs
//! bounded memory and time: sizes, rows, columns and decompression, each named in the error.
//!
//! The limits are generous for real files (a registry sheet may fill all 1,048,576 rows of a
//! worksheet) and small enough that reading any file within them stays far below 300 MB.

/// Limits of one kind of file. [`Limits::REGISTRY`] for registry imports, [`Limits::SURVEY`]
/// for XLSForm instruments and survey responses (which are read whole into memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read whole into memory (survey files); registry files are streamed.
    pub max_file_bytes: u64,
    /// Most entries in an XLSX (zip) archive.
    pub max_zip_entries: u64,
    /// Largest size of one zip entry once unpacked.
    pub max_entry_bytes: u64,
    /// Highest unpacked-to-packed ratio of a zip entry larger than [`RATIO_FREE_BYTES`].
    pub max_ratio: u64,
    /// Longest XML element or text between two tags.
    pub max_markup_bytes: u64,
    /// Longest text of one cell or field.
    pub max_cell_bytes: u64,
    /// Most shared strings in a workbook.
    pub max_shared_strings: u64,
    /// Most text in a workbook's shared strings, in bytes.
    pub max_shared_string_bytes: u64,
    /// Highest row number (spreadsheets) or most rows (CSV), header included.
    pub max_rows: u64,
    /// Highest column number / most fields in a row.
    pub max_columns: u64,
    /// Longest CSV record, in bytes.
    pub max_record_bytes: u64,
    /// Most text held in memory for a file read whole (survey responses, XLSForms).
    pub max_table_bytes: u64,
}

/// Zip entries up to this size may be compressed at any ratio: what they unpack to is
/// harmless.
pub const RATIO_FREE_BYTES: u64 = 1 << 20;

impl Limits {
    /// Registry files (`berdaya import registry`): streamed row by row.
    pub const REGISTRY: Limits = Limits {
        max_file_bytes: u64::MAX,
        max_zip_entries: 10_000,
        max_entry_bytes: 2 << 30,
        max_ratio: 250,
        max_markup_bytes: 1 << 20,
        max_cell_bytes: 32_767 * 4,
        max_shared_strings: 4_000_000,
        max_shared_string_bytes: 96 << 20,
        max_rows: 1_048_576,
        max_columns: 64,
        max_record_bytes: 16 << 10,
        max_table_bytes: u64::MAX,
    };

    /// XLSForm instruments and survey responses: read whole, so held to less.
    pub const SURVEY: Limits = Limits {
        max_file_bytes: 64 << 20,
        max_zip_entries: 10_000,
        max_entry_bytes: 256 << 20,
        max_ratio: 250,
        max_markup_bytes: 1 << 20,
        max_cell_bytes: 32_767 * 4,
        max_shared_strings: 1_000_000,
        max_shared_string_bytes: 32 << 20,
        max_rows: 100_000,
        max_columns: 1_024,
        max_record_bytes: 1 << 20,
        max_table_bytes: 64 << 20,
    };

    /// Qualitative sources (interview transcripts, notes, documents: `.txt`, `.docx`, `.odt`,
    /// `.pdf`), read whole: at most 32 MiB of file and 8 MiB of text (`max_table_bytes`). The
    /// spreadsheet limits (rows, columns, shared strings) are the survey ones, unused here.
    pub const DOCUMENT: Limits =
        Limits { max_file_bytes: 32 << 20, max_entry_bytes: 128 << 20, max_table_bytes: 8 << 20, ..Limits::SURVEY };

    /// REFI-QDA projects (`.qdpx`, a bare `project.qde`, `.qdc` codebooks): the project XML is
    /// streamed, text sources are read whole, other sources (PDF, pictures, media) are never
    /// unpacked. `max_cell_bytes` is the text of one source or note, `max_rows` the elements kept
    /// (users, codes, sets, sources, selections, codings, notes) and `max_table_bytes` all the
    /// text kept; `max_markup_bytes` admits a source's text written inline as one XML text.
    pub const QDPX: Limits = Limits {
        max_file_bytes: 256 << 20,
        max_zip_entries: 10_000,
        max_entry_bytes: 256 << 20,
        max_ratio: 250,
        max_markup_bytes: 64 << 20,
        max_cell_bytes: 64 << 20,
        max_rows: 250_000,
        max_table_bytes: 128 << 20,
        ..Limits::SURVEY
    };
}

/// A file broke one of the [`Limits`]. The message states the limit in the user's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    #[error("the file exceeds the limit of {} rows", group(*.0))]
    Rows(u64),
    #[error("the file exceeds the limit of {} columns", group(*.0))]
    Columns(u64),
    #[error("the file exceeds the limit of {}", bytes(*.0))]
    FileBytes(u64),
    #[error("the workbook exceeds the limit of {} parts", group(*.0))]
    ZipEntries(u64),
    #[error("part `{entry}` of the workbook unpacks to more than the limit of {}", bytes(*limit))]
    EntryBytes { entry: String, limit: u64 },
    #[error("part `{entry}` of the workbook is compressed more than the limit of {limit}:1 (a \"zip bomb\")")]
    Ratio { entry: String, limit: u64 },
    #[error("part `{entry}` of the workbook unpacks to more than the {} it declares", bytes(*declared))]
    EntryLied { entry: String, declared: u64 },
    #[error("an XML element or text exceeds the limit of {}", bytes(*.0))]
    MarkupBytes(u64),
    #[error("a cell exceeds the limit of {} of text", bytes(*.0))]
    CellBytes(u64),
    #[error("the workbook exceeds the limit of {} shared strings", group(*.0))]
    SharedStrings(u64),
    #[error("the workbook's shared strings exceed the limit of {}", bytes(*.0))]
    SharedStringBytes(u64),
    #[error("a row exceeds the limit of {}", bytes(*.0))]
    RecordBytes(u64),
    #[error("the file holds more than the limit of {} of text", bytes(*.0))]
    TableBytes(u64),
}

impl LimitExceeded {
    /// A stable name of the limit, for translated messages (`files.limit.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            LimitExceeded::Rows(_) => "rows",
            LimitExceeded::Columns(_) => "columns",
            LimitExceeded::FileBytes(_) => "file_bytes",
            LimitExceeded::ZipEntries(_) => "zip_entries",
            LimitExceeded::EntryBytes { .. } => "entry_bytes",
            LimitExceeded::Ratio { .. } => "ratio",
            LimitExceeded::EntryLied { .. } => "entry_lied",
            LimitExceeded::MarkupBytes(_) => "markup_bytes",
            LimitExceeded::CellBytes(_) => "cell_bytes",
            LimitExceeded::SharedStrings(_) => "shared_strings",
            LimitExceeded::SharedStringBytes(_) => "shared_string_bytes",
            LimitExceeded::RecordBytes(_) => "record_bytes",
            LimitExceeded::TableBytes(_) => "table_bytes",
        }
    }

    /// The limit's value: a count, a number of bytes or a ratio.
    pub fn limit(&self) -> u64 {
        match self {
            LimitExceeded::Rows(n)
            | LimitExceeded::Columns(n)
            | LimitExceeded::FileBytes(n)
            | LimitExceeded::ZipEntries(n)
            | LimitExceeded::MarkupBytes(n)
            | LimitExceeded::CellBytes(n)
            | LimitExceeded::SharedStrings(n)
            | LimitExceeded::SharedStringBytes(n)
            | LimitExceeded::RecordBytes(n)
            | LimitExceeded::TableBytes(n) => *n,
            LimitExceeded::EntryBytes { limit, .. } | LimitExceeded::Ratio { limit, .. } => *limit,
            LimitExceeded::EntryLied { declared, .. } => *declared,
        }
    }

    /// Whether [`limit`](Self::limit) is a number of bytes.
    pub fn is_bytes(&self) -> bool {
        !matches!(
            self,
            LimitExceeded::Rows(_)
                | LimitExceeded::Columns(_)
                | LimitExceeded::ZipEntries(_)
                | LimitExceeded::SharedStrings(_)
                | LimitExceeded::Ratio { .. }
        )
    }

    /// The workbook part the limit applies to, for the limits of one part.
    pub fn part(&self) -> Option<&str> {
        match self {
            LimitExceeded::EntryBytes { entry, .. }
            | LimitExceeded::Ratio { entry, .. }
            | LimitExceeded::EntryLied { entry, .. } => Some(entry),
            _ => None,
        }
    }

    /// The limit as a user reads it, digits grouped with `sep`: `1.048.576`, `64 MiB`, `250`.
    pub fn limit_text(&self, sep: char) -> String {
        let n = self.limit();
        if !self.is_bytes() {
            return group_with(n, sep);
        }
        match binary_unit(n) {
            Some((u, name)) => format!("{} {name}", group_with(n / u, sep)),
            None => format!("{} B", group_with(n, sep)),
        }
    }

    /// The limit carried by an I/O error, as the readers' limited streams raise it.
    pub fn from_io(e: &std::io::Error) -> Option<&LimitExceeded> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<LimitExceeded>())
    }

    pub(crate) fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }
}

/// `1048576` → `1,048,576`.
pub fn group(n: u64) -> String {
    group_with(n, ',')
}

/// Digits grouped by threes with `sep` (`.` in Indonesian, `,` in English).
pub fn group_with(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(d);
    }
    out
}

/// The largest of GiB, MiB and KiB that divides `n`, when one does.
fn binary_unit(n: u64) -> Option<(u64, &'static str)> {
    [(1u64 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")].into_iter().find(|(u, _)| n >= *u && n.is_multiple_of(*u))
}

/// `1048576` → `1,048,576 bytes (1 MiB)`.
pub fn bytes(n: u64) -> String {
    match binary_unit(n) {
        Some((u, name)) => format!("{} bytes ({} {name})", group(n), n / u),
        None => format!("{} bytes", group(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(group(1_048_576), "1,048,576");
        assert_eq!(group_with(1_048_576, '.'), "1.048.576");
        assert_eq!(group(999), "999");
        assert_eq!(bytes(1 << 20), "1,048,576 bytes (1 MiB)");
        assert_eq!(LimitExceeded::Rows(1_048_576).to_string(), "the file exceeds the limit of 1,048,576 rows");
    }
}
