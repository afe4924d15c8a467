//! Survey responses: a table of text cells (one row per respondent) coded against an
//! instrument into a flat answer matrix and factor codes, with every blank, unknown or
//! out-of-scale answer reported by respondent and column.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::cells::{CellRules, code_cell, score_cell};
use super::columns::ColumnMap;
use super::instrument::Instrument;

/// Responses as read from a CSV or XLSX file. `line` of a row is its line in the file
/// (the header is line 1), so problems can be found in a spreadsheet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTable {
    pub columns: Vec<String>,
    pub rows: Vec<ResponseRow>,
    /// Numbers are written with a decimal comma (`1500,5`): the file was `;`-separated.
    #[serde(default)]
    pub decimal_comma: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRow {
    pub line: u64,
    pub cells: Vec<String>,
}

pub use super::columns::ID_COLUMNS;

/// The answers of n respondents to k items, row-major, each stored as score − the item's
/// scale minimum (so any scale of up to 256 points fits a byte).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerMatrix {
    pub n: usize,
    pub k: usize,
    pub data: Vec<u8>,
    /// Scale minimum of each item (score = data + offset).
    pub offsets: Vec<i32>,
}

impl AnswerMatrix {
    pub fn score(&self, row: usize, item: usize) -> i32 {
        i32::from(self.data[row * self.k + item]) + self.offsets[item]
    }

    /// Scores of one item over all respondents.
    pub fn column(&self, item: usize) -> Vec<i32> {
        (0..self.n).map(|r| self.score(r, item)).collect()
    }
}

/// What is wrong with one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerProblemKind {
    #[error("blank answer")]
    Blank,
    #[error("`{value}` is not a choice of list `{list}`")]
    UnknownChoice { value: String, list: String },
    #[error("{value} is outside the scale {min}–{max} of list `{list}`")]
    OutOfScale { value: String, list: String, min: i32, max: i32 },
    #[error("`{value}` is not a number")]
    NotANumber { value: String },
    #[error("{value} is not a whole number")]
    NotWhole { value: String },
    #[error("{value} falls in no coding bin")]
    NoBin { value: String },
    #[error("{value} breaks the form's constraint `{constraint}`")]
    OutsideConstraint { value: String, constraint: String },
}

/// A bad answer: which respondent (file line and id), which column, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerProblem {
    pub line: u64,
    pub respondent: Option<String>,
    pub column: String,
    #[serde(flatten)]
    pub kind: AnswerProblemKind,
    pub message: String,
}

impl fmt::Display for AnswerProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}", self.line)?;
        if let Some(id) = &self.respondent {
            write!(f, " (respondent {id})")?;
        }
        write!(f, ", column {}: {}", self.column, self.message)
    }
}

/// Whether respondents with bad answers stop the analysis or are left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    #[default]
    Refuse,
    DropIncomplete,
}

/// Why responses cannot be coded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponsesError {
    #[error("no column for question(s) {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    #[error("question `{question}` matches several columns: {}", .columns.join(", "))]
    AmbiguousColumn { question: String, columns: Vec<String> },
    #[error("{} bad answer(s); fix them or drop those respondents", .0.len())]
    BadAnswers(Vec<AnswerProblem>),
    #[error("no respondent is left to analyse")]
    NoRespondents,
}

/// A respondent left out of the analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedRespondent {
    pub line: u64,
    pub respondent: Option<String>,
    pub problems: Vec<AnswerProblem>,
}

/// Responses coded against an instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedResponses {
    /// File line and id of each kept respondent.
    pub lines: Vec<u64>,
    pub ids: Vec<Option<String>>,
    pub answers: AnswerMatrix,
    /// Codes of each factor (instrument order), one per kept respondent.
    pub factors: Vec<Vec<i32>>,
    pub dropped: Vec<DroppedRespondent>,
}

/// Codes responses. With [`MissingPolicy::Refuse`] any bad answer fails with the full list;
/// with [`MissingPolicy::DropIncomplete`] those respondents are left out and listed.
pub fn code_responses(
    instrument: &Instrument,
    table: &ResponseTable,
    policy: MissingPolicy,
) -> Result<CodedResponses, ResponsesError> {
    let items: Vec<_> = instrument.items().collect();
    let map = ColumnMap::resolve(instrument, &table.columns)?;
    let (item_cols, factor_cols, id_col) = (map.items, map.factors, map.id);
    let k = items.len();
    let mut data = Vec::with_capacity(table.rows.len() * k);
    let mut factors: Vec<Vec<i32>> = vec![Vec::with_capacity(table.rows.len()); factor_cols.len()];
    let mut lines = Vec::new();
    let mut ids = Vec::new();
    let mut dropped = Vec::new();
    let mut all_problems = Vec::new();
    let mut row_scores = vec![0u8; k];
    let mut row_codes = vec![0i32; factor_cols.len()];
    let rules = CellRules { decimal_comma: table.decimal_comma };
    for row in &table.rows {
        let cell = |c: usize| row.cells.get(c).map_or("", String::as_str);
        let id = id_col.map(|c| cell(c).trim().to_string()).filter(|s| !s.is_empty());
        let mut problems = Vec::new();
        let mut report = |col: usize, kind: AnswerProblemKind| {
            let message = kind.to_string();
            problems.push(AnswerProblem {
                line: row.line,
                respondent: id.clone(),
                column: table.columns[col].clone(),
                kind,
                message,
            });
        };
        for (j, (it, &c)) in items.iter().zip(&item_cols).enumerate() {
            match score_cell(&it.scale, cell(c), rules) {
                Ok(s) => row_scores[j] = (s - it.scale.min) as u8,
                Err(kind) => report(c, kind),
            }
        }
        for (j, (f, &c)) in instrument.factors.iter().zip(&factor_cols).enumerate() {
            match code_cell(&f.coding, cell(c), rules) {
                Ok(code) => row_codes[j] = code,
                Err(kind) => report(c, kind),
            }
        }
        if problems.is_empty() {
            data.extend_from_slice(&row_scores);
            for (col, &code) in factors.iter_mut().zip(&row_codes) {
                col.push(code);
            }
            lines.push(row.line);
            ids.push(id);
        } else if policy == MissingPolicy::DropIncomplete {
            dropped.push(DroppedRespondent { line: row.line, respondent: id, problems });
        } else {
            all_problems.extend(problems);
        }
    }
    if !all_problems.is_empty() {
        return Err(ResponsesError::BadAnswers(all_problems));
    }
    if lines.is_empty() {
        return Err(ResponsesError::NoRespondents);
    }
    Ok(CodedResponses {
        answers: AnswerMatrix { n: lines.len(), k, data, offsets: items.iter().map(|i| i.scale.min).collect() },
        lines,
        ids,
        factors,
        dropped,
    })
}
