//! Registry CSV/XLSX import parsing and export writing.
