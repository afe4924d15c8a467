//! Survey responses: a table of text cells (one row per respondent) coded against an
//! instrument into a flat answer matrix and factor codes, with every blank, unknown or
//! out-of-scale answer reported by respondent and column.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::bins::{self, NumberKind};
use super::instrument::{Coding, Instrument, Scale};

/// Responses as read from a CSV or XLSX file. `line` of a row is its line in the file
/// (the header is line 1), so problems can be found in a spreadsheet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTable {
    pub columns: Vec<String>,
    pub rows: Vec<ResponseRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRow {
    pub line: u64,
    pub cells: Vec<String>,
}

/// Column names that identify a respondent, in order of preference (compared without case,
/// on the last path segment): Berdaya's `id`, KoboToolbox's `_id`/`_uuid`, ODK's `KEY`/`instanceID`.
pub const ID_COLUMNS: [&str; 7] = ["id", "respondent", "responden", "_id", "key", "_uuid", "instanceid"];

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

fn score_cell(scale: &Scale, cell: &str) -> Result<i32, AnswerProblemKind> {
    let v = cell.trim();
    if v.is_empty() {
        return Err(AnswerProblemKind::Blank);
    }
    if let Some(s) = scale.score_of(v) {
        return Ok(s);
    }
    if let Some(num) = bins::parse_decimal(v) {
        return Err(AnswerProblemKind::OutOfScale {
            value: num.to_string(),
            list: scale.list_name.clone(),
            min: scale.min,
            max: scale.max,
        });
    }
    Err(AnswerProblemKind::UnknownChoice { value: v.to_string(), list: scale.list_name.clone() })
}

fn code_cell(coding: &Coding, cell: &str) -> Result<i32, AnswerProblemKind> {
    match coding {
        Coding::Choices { scale } => score_cell(scale, cell),
        Coding::Bins { number, bins: b, .. } => {
            let v = cell.trim();
            if v.is_empty() {
                return Err(AnswerProblemKind::Blank);
            }
            let Some(num) = bins::parse_decimal(v) else {
                return Err(AnswerProblemKind::NotANumber { value: v.to_string() });
            };
            if *number == NumberKind::Integer && num.den() != 1 {
                return Err(AnswerProblemKind::NotWhole { value: v.to_string() });
            }
            bins::code_of(b, num).ok_or(AnswerProblemKind::NoBin { value: num.to_string() })
        }
    }
}

/// Codes responses. With [`MissingPolicy::Refuse`] any bad answer fails with the full list;
/// with [`MissingPolicy::DropIncomplete`] those respondents are left out and listed.
pub fn code_responses(
    instrument: &Instrument,
    table: &ResponseTable,
    policy: MissingPolicy,
) -> Result<CodedResponses, ResponsesError> {
    let items: Vec<_> = instrument.items().collect();
    let mut item_cols = Vec::with_capacity(items.len());
    let mut factor_cols = Vec::with_capacity(instrument.factors.len());
    let mut missing = Vec::new();
    for it in &items {
        match find_column(&table.columns, &it.name, &it.path)? {
            Some(c) => item_cols.push(c),
            None => missing.push(it.name.clone()),
        }
    }
    for f in &instrument.factors {
        match find_column(&table.columns, &f.name, &f.path)? {
            Some(c) => factor_cols.push(c),
            None => missing.push(f.name.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(ResponsesError::MissingColumns(missing));
    }
    let id_col = ID_COLUMNS
        .iter()
        .find_map(|want| table.columns.iter().position(|c| last_segment(c).eq_ignore_ascii_case(want)));
    let k = items.len();
    let mut data = Vec::with_capacity(table.rows.len() * k);
    let mut factors: Vec<Vec<i32>> = vec![Vec::with_capacity(table.rows.len()); factor_cols.len()];
    let mut lines = Vec::new();
    let mut ids = Vec::new();
    let mut dropped = Vec::new();
    let mut all_problems = Vec::new();
    let mut row_scores = vec![0u8; k];
    let mut row_codes = vec![0i32; factor_cols.len()];
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
            match score_cell(&it.scale, cell(c)) {
                Ok(s) => row_scores[j] = (s - it.scale.min) as u8,
                Err(kind) => report(c, kind),
            }
        }
        for (j, (f, &c)) in instrument.factors.iter().zip(&factor_cols).enumerate() {
            match code_cell(&f.coding, cell(c)) {
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
