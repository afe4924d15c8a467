//! Reading and writing Berdaya's files: registry CSV/XLSX and survey XLSForm workbooks.

pub mod registry;
pub mod survey;
