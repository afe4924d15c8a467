//! Which column of a response file holds each question: KoboToolbox and ODK export the same
//! form under different headers (group paths, bare names, labels), so the instrument's
//! questions are matched to the header once, before any row is read.

use super::instrument::Instrument;
use super::responses::ResponsesError;

/// Column names that identify a respondent, in order of preference (compared without case,
/// on the last path segment): Berdaya's `id`, KoboToolbox's `_id`/`_uuid`, ODK's `KEY`/`instanceID`.
pub const ID_COLUMNS: [&str; 7] = ["id", "respondent", "responden", "_id", "key", "_uuid", "instanceid"];

/// The columns of one response file resolved against an instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    /// Column of each item, in [`Instrument::items`] order.
    pub items: Vec<usize>,
    /// Column of each factor, in instrument order.
    pub factors: Vec<usize>,
    /// Column that identifies a respondent, if any.
    pub id: Option<usize>,
}

impl ColumnMap {
    /// Matches every item and factor to a header column, or says which are missing or
    /// ambiguous.
    pub fn resolve(instrument: &Instrument, columns: &[String]) -> Result<ColumnMap, ResponsesError> {
        let mut items = Vec::with_capacity(instrument.item_count());
        let mut factors = Vec::with_capacity(instrument.factors.len());
        let mut missing = Vec::new();
        for it in instrument.items() {
            match find_column(columns, &it.name, &it.path)? {
                Some(c) => items.push(c),
                None => missing.push(it.name.clone()),
            }
        }
        for f in &instrument.factors {
            match find_column(columns, &f.name, &f.path)? {
                Some(c) => factors.push(c),
                None => missing.push(f.name.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(ResponsesError::MissingColumns(missing));
        }
        let id =
            ID_COLUMNS.iter().find_map(|want| columns.iter().position(|c| last_segment(c).eq_ignore_ascii_case(want)));
        Ok(ColumnMap { items, factors, id })
    }
}

fn last_segment(c: &str) -> &str {
    c.trim().rsplit('/').next().unwrap_or("")
}

/// Finds the column of a question: its group path (`persiapan/rekening`), its bare name, or
/// any header whose last path segment is the name.
fn find_column(columns: &[String], name: &str, path: &str) -> Result<Option<usize>, ResponsesError> {
    if let Some(i) = columns.iter().position(|c| c.trim() == path) {
        return Ok(Some(i));
    }
    let hits: Vec<usize> = (0..columns.len()).filter(|&i| last_segment(&columns[i]) == name).collect();
    match hits.len() {
        0 => Ok(None),
        1 => Ok(Some(hits[0])),
        _ => Err(ResponsesError::AmbiguousColumn {
            question: name.to_string(),
            columns: hits.iter().map(|&i| columns[i].clone()).collect(),
        }),
    }
}
