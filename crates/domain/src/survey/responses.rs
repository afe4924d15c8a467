//! Survey responses: a table of text cells (one row per respondent) coded against an
//! instrument into a flat answer matrix and factor codes, with every blank, unknown or
//! out-of-scale answer reported by respondent and column.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::columns::{UnmatchedQuestion, closest_list, question_list};

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
    /// A factor taken from the registry, for a respondent the registry did not match (the
    /// key is masked).
    #[error("no person in the registry has the NIK or id `{key}`")]
    NotInRegistry { key: String },
    #[error("the analysis is not linked to a registry, and the file has no column for this factor")]
    NoRegistry,
    #[error("no survey date: the row has no date (today, start, end or _submission_time) and no survey date was given")]
    NoSurveyDate,
    #[error("the registry holds no birth date for this person")]
    NoBirthDate,
    #[error("the person is a member of none of the groups of list `{list}`")]
    NoGroup { list: String },
    #[error("the person is a member of several groups of list `{list}`: {groups}")]
    SeveralGroups { list: String, groups: String },
    #[error("the registry holds no land area for this person")]
    NoLandArea,
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
    /// Kept for callers that name questions themselves; [`ColumnMap::resolve`] reports
    /// [`ResponsesError::NoColumns`], which also names the closest headers.
    #[error("no column for question(s) {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    #[error(
        "no column for question(s) {}: the header has none of the shapes tried (KoboToolbox group path `group/question`, ODK Central `group-question`, the bare name, the question label in any language of the form); closest headers: {}",
        question_list(.0),
        closest_list(.0)
    )]
    NoColumns(Vec<UnmatchedQuestion>),
    #[error("column `{column}` matches several questions: {}", .questions.join(", "))]
    SharedColumn { column: String, questions: Vec<String> },
    #[error("question `{question}` matches several columns: {}", .columns.join(", "))]
    AmbiguousColumn { question: String, columns: Vec<String> },
    #[error("{} bad answer(s); fix them or drop those respondents", .0.len())]
    BadAnswers(Vec<AnswerProblem>),
    #[error("{} bad answer(s); the first {} are listed; fix them or drop those respondents", .total, .shown.len())]
    ManyBadAnswers { shown: Vec<AnswerProblem>, total: u64 },
    #[error("the file has no respondent to analyse")]
    NoRespondents,
    #[error(
        "no respondent is left to analyse: all {} were dropped; most often in column {}: {} ({} respondents)",
        .dropped, top(.reasons).column, top(.reasons).why, top(.reasons).respondents
    )]
    AllDropped { dropped: u64, reasons: Vec<DropReason> },
}

/// Why respondents were left out: a column, the kind of problem, how many respondents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropReason {
    pub column: String,
    /// The kind of problem in words (`blank answer`, `not a number`, …).
    pub why: String,
    pub respondents: u64,
}

fn top(reasons: &[DropReason]) -> DropReason {
    reasons.first().cloned().unwrap_or_default()
}

impl ResponsesError {
    /// The bad answers listed, if that is what went wrong.
    pub fn problems(&self) -> Option<&[AnswerProblem]> {
        match self {
            ResponsesError::BadAnswers(p) => Some(p),
            ResponsesError::ManyBadAnswers { shown, .. } => Some(shown),
            _ => None,
        }
    }
}

/// A respondent left out of the analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedRespondent {
    pub line: u64,
    pub respondent: Option<String>,
    pub problems: Vec<AnswerProblem>,
}
