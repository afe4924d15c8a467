//! Instruments: scored items grouped into indicators, and respondent factors with coding
//! rules, read from the rows of an XLSForm (`survey`, `choices`, `settings` sheets) with
//! Berdaya's two extra columns, and checked before use.
//!
//! XLSForm conventions used here:
//! - `berdaya` = `indicator` on a `begin_group` row makes the group a scored stage; every
//!   `select_one` inside is an item scored by its choice's integer `name`.
//! - `berdaya` = `factor` marks a respondent factor: a `select_one` (code = the choice's
//!   integer `name`) or an `integer`/`decimal` question coded by `berdaya_bins`
//!   (`lo-hi:code;...`, see [`super::bins`]), whose range may be bounded by a simple
//!   `constraint` such as `. >= 0`. The constraint is enforced on the answers; bins that
//!   leave an unbounded tail no constraint excludes are a warning, not an error.
//! - Labels in several languages (`label::Indonesian (id)`, `label::English (en)`) are all
//!   kept, so a KoboToolbox "labels" export in any of them can be matched to the form.
//! - A `select_one` with appearance `label` inside an indicator is the header row of a
//!   matrix (it shows the choice labels above the items), not an item.
//! - `berdaya` = `person` on one `text` or `integer` question outside indicators makes its
//!   answer the respondent's NIK or registry person id (see [`super::link`]). A factor with
//!   `berdaya_registry` = `age`, `group` or `land_area` is then taken from the registry
//!   instead of from its answer (whose column the file may leave out); ages are counted on
//!   the survey date, from a `today`, `end` or `start` question or `_submission_time`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::bins::{self, Bin, BinSyntaxError, Coverage, NumberKind, ValueRange};
use super::category::CategoryScheme;
use super::link::{Link, RegistryFact};

/// One row of an XLSForm `survey` sheet, as text. `row` is the spreadsheet row (header = 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyRow {
    pub row: u32,
    pub kind: String,
    pub name: String,
    pub label: String,
    /// The `label::Language (xx)` columns, in sheet order (empty when the form has one language).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<LanguageLabel>,
    /// The `appearance` column (`label`, `list-nolabel`, `table-list`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub appearance: String,
    pub hint: String,
    pub required: String,
    pub constraint: String,
    pub constraint_message: String,
    pub berdaya: String,
    pub berdaya_bins: String,
    /// Free-text explanation (`berdaya_note` column), e.g. why bins were changed.
    pub berdaya_note: String,
    /// What a factor takes from the registry instead of the answer (`berdaya_registry`
    /// column: `age`, `group` or `land_area`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub berdaya_registry: String,
}

/// One row of an XLSForm `choices` sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceRow {
    pub row: u32,
    pub list_name: String,
    pub name: String,
    pub label: String,
    /// The `label::Language (xx)` columns, in sheet order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<LanguageLabel>,
}

/// A label in one language: the `Indonesian (id)` of a `label::Indonesian (id)` column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageLabel {
    pub language: String,
    pub text: String,
}

/// The texts of every language column that differ from `label` and are not blank.
fn other_labels(label: &str, labels: &[LanguageLabel]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in labels {
        let t = l.text.trim();
        if !t.is_empty() && t != label.trim() && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

/// A label as an export writes it, for comparison: trimmed, inner whitespace collapsed,
/// lower case (spreadsheets and exports differ in all three).
pub fn normalize_label(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The `settings` sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormSettings {
    pub form_title: String,
    pub form_id: String,
    pub version: String,
    pub default_language: String,
}

/// An XLSForm as rows of text: what the files layer reads and writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct XlsForm {
    pub survey: Vec<SurveyRow>,
    pub choices: Vec<ChoiceRow>,
    pub settings: FormSettings,
}

/// An answer option with its score or code (the choice's integer `name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleChoice {
    pub name: String,
    pub label: String,
    /// The label in the form's other languages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    pub score: i32,
}

/// An answer scale: a choice list whose names are integer scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scale {
    pub list_name: String,
    pub choices: Vec<ScaleChoice>,
    pub min: i32,
    pub max: i32,
}

impl Scale {
    /// The score of an answer given as a choice name, or else as a choice label in any
    /// language of the form (KoboToolbox's "labels" export writes the label text), exact or
    /// differing only in case and spacing.
    pub fn score_of(&self, answer: &str) -> Option<i32> {
        let a = answer.trim();
        let exact = self
            .choices
            .iter()
            .find(|c| c.name == a)
            .or_else(|| self.choices.iter().find(|c| c.label == a || c.labels.iter().any(|l| l == a)));
        if let Some(c) = exact {
            return Some(c.score);
        }
        let n = normalize_label(a);
        if n.is_empty() {
            return None;
        }
        self.choices
            .iter()
            .find(|c| std::iter::once(&c.label).chain(&c.labels).any(|l| normalize_label(l) == n))
            .map(|c| c.score)
    }

    /// Choices in ascending score order (labels for tables and charts).
    pub fn ascending(&self) -> Vec<&ScaleChoice> {
        let mut v: Vec<&ScaleChoice> = self.choices.iter().collect();
        v.sort_by_key(|c| c.score);
        v
    }
}

/// A scored question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub name: String,
    pub label: String,
    /// The label in the form's other languages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Group path as exported by KoboToolbox/ODK, e.g. `persiapan/rekening`.
    pub path: String,
    pub row: u32,
    pub scale: Scale,
}

/// A scored stage: a group of items whose scores are summed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub name: String,
    pub label: String,
    /// The label in the form's other languages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    pub row: u32,
    pub items: Vec<Item>,
}

impl Indicator {
    /// Lowest possible summed score (k·scale min when all items share a scale).
    pub fn min(&self) -> i64 {
        self.items.iter().map(|i| i64::from(i.scale.min)).sum()
    }

    /// Highest possible summed score.
    pub fn max(&self) -> i64 {
        self.items.iter().map(|i| i64::from(i.scale.max)).sum()
    }
}

/// How a respondent factor's answer becomes an ordinal code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Coding {
    /// Numeric answers coded by bins. `range` is what `constraint` (the form's text, kept
    /// for messages) allows; answers outside it are refused.
    Bins {
        number: NumberKind,
        bins: Vec<Bin>,
        range: ValueRange,
        #[serde(default)]
        constraint: String,
    },
    /// A category map: choice name (an integer) = code.
    Choices { scale: Scale },
}

/// A respondent characteristic correlated with the scores (age, land area, motivation…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factor {
    pub name: String,
    pub label: String,
    /// The label in the form's other languages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    pub path: String,
    pub row: u32,
    pub coding: Coding,
    /// Taken from the registry through the link column instead of from the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<RegistryFact>,
}

/// A checked instrument, ready to score responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    pub title: String,
    pub form_id: String,
    pub indicators: Vec<Indicator>,
    pub factors: Vec<Factor>,
    pub categories: CategoryScheme,
    /// What the form leaves open without being wrong, e.g. bins with an unbounded tail and no
    /// constraint that excludes it (an answer there is refused at analysis time).
    #[serde(default)]
    pub warnings: Vec<Problem>,
    /// The question naming the respondent in the registry (`berdaya = person`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    /// Questions of type `today`, `end` or `start` (in that order of preference): the survey
    /// date of a respondent, for ages taken from the registry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub date_questions: Vec<Link>,
}

impl Instrument {
    /// All items in indicator order: the column order of the answer matrix.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.indicators.iter().flat_map(|i| i.items.iter())
    }

    pub fn item_count(&self) -> usize {
        self.indicators.iter().map(|i| i.items.len()).sum()
    }

    /// Reads and checks an XLSForm. Every problem found is returned, not just the first.
    /// Warnings alone do not stop the form: they are kept in [`Instrument::warnings`]. When
    /// there is an error, the list holds the warnings too, each marked
    /// [`Severity::Warning`].
    pub fn from_xlsform(form: &XlsForm) -> Result<Instrument, Vec<Problem>> {
        let (mut instrument, mut problems) = build(form);
        for p in instrument.check() {
            if !problems.contains(&p) {
                problems.push(p);
            }
        }
        if problems.iter().all(|p| p.severity == Severity::Warning) {
            instrument.warnings = problems;
            Ok(instrument)
        } else {
            Err(problems)
        }
    }

    /// Semantic checks of the model: scales, bins, empty indicators, duplicate names. Bins
    /// that leave an unbounded tail no constraint excludes are warnings.
    pub fn check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.indicators.is_empty() {
            out.push(Problem::form(ProblemKind::NoIndicators));
        }
        let mut seen: HashMap<&str, u32> = HashMap::new();
        let mut names = Vec::new();
        for ind in &self.indicators {
            names.push((ind.name.as_str(), ind.row));
            if ind.items.is_empty() {
                out.push(Problem::at(ind.row, &ind.name, ProblemKind::EmptyIndicator));
            }
            for item in &ind.items {
                names.push((item.name.as_str(), item.row));
                check_scale(&item.scale, item.row, &item.name, ScaleUse::Item, &mut out);
            }
        }
        for f in &self.factors {
            names.push((f.name.as_str(), f.row));
            match &f.coding {
                Coding::Choices { scale } => check_scale(scale, f.row, &f.name, ScaleUse::Factor, &mut out),
                Coding::Bins { number, bins, range, .. } => {
                    for c in bins::check_coverage(*number, bins, *range) {
                        let closing = c.closing_constraint();
                        let mut p = Problem::at(f.row, &f.name, ProblemKind::Bins(Box::new(c)));
                        if closing.is_some() {
                            p.severity = Severity::Warning;
                            p.suggested_constraint = closing;
                        }
                        out.push(p);
                    }
                }
            }
        }
        for (name, row) in names {
            match seen.get(name) {
                Some(&first) => out.push(Problem::at(row, name, ProblemKind::DuplicateName { first_row: first })),
                None => {
                    seen.insert(name, row);
                }
            }
        }
        out
    }
}

/// What a choice list is used for: items are summed, so every score between the lowest and
/// the highest must be reachable; a factor's codes only need an order (a rank correlation
/// does not need consecutive codes such as 1, 5, 10, 50).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScaleUse {
    Item,
    Factor,
}

/// How many missing scores a problem lists before it says how many more there are.
const MISSING_SHOWN: usize = 20;

fn check_scale(scale: &Scale, row: u32, name: &str, used: ScaleUse, out: &mut Vec<Problem>) {
    let scores: BTreeSet<i32> = scale.choices.iter().map(|c| c.score).collect();
    if scores.len() < 2 {
        out.push(Problem::at(row, name, ProblemKind::ScaleTooSmall { list: scale.list_name.clone() }));
        return;
    }
    if i64::from(scale.max) - i64::from(scale.min) > 255 {
        out.push(Problem::at(row, name, ProblemKind::ScaleTooWide { list: scale.list_name.clone() }));
    }
    if used == ScaleUse::Factor {
        return;
    }
    let mut missing = (scale.min..=scale.max).filter(|s| !scores.contains(s));
    let shown: Vec<i32> = missing.by_ref().take(MISSING_SHOWN).collect();
    let more = missing.count();
    if !shown.is_empty() {
        out.push(Problem::at(
            row,
            name,
            ProblemKind::UnreachableScores { list: scale.list_name.clone(), scores: shown, more },
        ));
    }
}

/// `[2, 3]`, or `[2, 3, …] and 5 more` when the list was cut.
fn score_list(scores: &[i32], more: usize) -> String {
    if more == 0 { format!("{scores:?}") } else { format!("{scores:?} and {more} more") }
}

/// Whether a problem stops the form from being used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Error,
    /// The form can be used; the message says what it leaves open.
    Warning,
}

/// Where a problem is: a row of the survey or choices sheet, and the question it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub sheet: Option<String>,
    pub row: Option<u32>,
    pub question: Option<String>,
    #[serde(flatten)]
    pub kind: ProblemKind,
    /// The problem in words (same text as `Display`).
    pub message: String,
    #[serde(default)]
    pub severity: Severity,
    /// A constraint that would settle a warning, e.g. `. >= 0` for bins that leave every
    /// value below 0 open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_constraint: Option<String>,
}

impl Problem {
    fn new(sheet: Option<&str>, row: Option<u32>, question: Option<&str>, kind: ProblemKind) -> Self {
        let message = kind.to_string();
        Problem {
            sheet: sheet.map(str::to_string),
            row: row.filter(|r| *r > 0),
            question: question.filter(|q| !q.is_empty()).map(str::to_string),
            kind,
            message,
            severity: Severity::Error,
            suggested_constraint: None,
        }
    }

    fn at(row: u32, question: &str, kind: ProblemKind) -> Self {
        Self::new(Some("survey"), Some(row), Some(question), kind)
    }

    fn choice(row: u32, kind: ProblemKind) -> Self {
        Self::new(Some("choices"), Some(row), None, kind)
    }

    fn form(kind: ProblemKind) -> Self {
        Self::new(None, None, None, kind)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.sheet, self.row) {
            (Some(s), Some(r)) => write!(f, "{s} row {r}")?,
            (Some(s), None) => write!(f, "{s}")?,
            _ => write!(f, "form")?,
        }
        if let Some(q) = &self.question {
            write!(f, " ({q})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What is wrong with an instrument definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ProblemKind {
    #[error("the form has no `berdaya = indicator` group, so nothing is scored")]
    NoIndicators,
    #[error("the indicator group has no select_one question to score")]
    EmptyIndicator,
    #[error("indicator `{name}` is inside indicator `{outer}`; indicators cannot be nested")]
    NestedIndicator { name: String, outer: String },
    #[error("`berdaya = indicator` belongs on a begin_group row, not on `{kind}`")]
    IndicatorNotGroup { kind: String },
    #[error("unknown `berdaya` value `{value}` (expected `indicator`, `factor` or `person`)")]
    UnknownBerdaya { value: String },
    #[error("the respondent's NIK or person id (`berdaya = person`) must be a text or integer question, not `{kind}`")]
    PersonType { kind: String },
    #[error("the respondent's NIK or person id cannot be inside indicator `{indicator}`")]
    PersonInIndicator { indicator: String },
    #[error("a second `berdaya = person` question; the first is on row {first_row}")]
    SecondPerson { first_row: u32 },
    #[error("unknown `berdaya_registry` value `{value}` (expected `age`, `group` or `land_area`)")]
    UnknownRegistry { value: String },
    #[error("`berdaya_registry` only applies to factors")]
    RegistryNotFactor,
    #[error("`berdaya_registry = {fact}` needs {expected}, not `{kind}`")]
    RegistryType { fact: String, expected: String, kind: String },
    #[error(
        "`berdaya_registry = {fact}` needs a question with `berdaya = person` to find the respondent in the registry"
    )]
    RegistryWithoutPerson { fact: String },
    #[error("a factor inside indicator `{indicator}` would also be scored; move it out of the group")]
    FactorInIndicator { indicator: String },
    #[error("`{kind}` inside an indicator cannot be scored (only select_one can)")]
    NotScorable { kind: String },
    #[error("a factor must be select_one, integer or decimal, not `{kind}`")]
    FactorType { kind: String },
    #[error("{kind} factor has no `berdaya_bins`")]
    BinsMissing { kind: String },
    #[error("`berdaya_bins` only applies to integer or decimal factors")]
    BinsNotApplicable,
    #[error("{0}")]
    BinSyntax(BinSyntaxError),
    #[error("bins: {0}")]
    Bins(Box<Coverage>),
    #[error("the name is already used on row {first_row}")]
    DuplicateName { first_row: u32 },
    #[error("question has no name")]
    MissingName,
    #[error("choice list `{list}` does not exist on the choices sheet")]
    MissingChoiceList { list: String },
    #[error(
        "choice `{name}` of list `{list}` is not an integer; scored items and factors use the choice name as score"
    )]
    ChoiceNotInteger { list: String, name: String },
    #[error("choice list `{list}` has choice `{name}` twice")]
    DuplicateChoice { list: String, name: String },
    #[error("choice list `{list}` has fewer than two distinct scores")]
    ScaleTooSmall { list: String },
    #[error("choice list `{list}` spans more than 255 scores")]
    ScaleTooWide { list: String },
    #[error(
        "scores {} of list `{list}` lie between its lowest and highest score but no choice gives them",
        score_list(.scores, *.more)
    )]
    UnreachableScores {
        list: String,
        scores: Vec<i32>,
        /// How many more missing scores there are beyond those listed.
        #[serde(default)]
        more: usize,
    },
    #[error("`{kind}` has no matching begin_group")]
    UnbalancedEnd { kind: String },
    #[error("group `{name}` is never closed with end_group")]
    UnclosedGroup { name: String },
    #[error("repeats are not supported in scored surveys")]
    Repeat,
}

fn norm_kind(kind: &str) -> (String, String) {
    let k = kind.trim();
    let mut parts = k.split_whitespace();
    let first = parts.next().unwrap_or("").to_ascii_lowercase();
    let second = parts.next().unwrap_or("").to_string();
    match (first.as_str(), second.as_str()) {
        ("begin", g) | ("end", g) => (format!("{first}_{}", g.to_ascii_lowercase()), String::new()),
        _ => (first, second),
    }
}

/// Whether a question's appearance makes it a matrix header row: the `label` appearance
/// (shown beside `list-nolabel` items in a table-list or field-list group).
fn is_matrix_header(appearance: &str) -> bool {
    appearance.split_whitespace().any(|a| a.eq_ignore_ascii_case("label"))
}

/// Builds the model from rows, collecting structural problems.
fn build(form: &XlsForm) -> (Instrument, Vec<Problem>) {
    let mut problems = Vec::new();
    // Choice lists.
    let mut lists: BTreeMap<&str, Vec<&ChoiceRow>> = BTreeMap::new();
    for c in &form.choices {
        if c.list_name.trim().is_empty() {
            continue;
        }
        let list = lists.entry(c.list_name.trim()).or_default();
        if list.iter().any(|o| o.name.trim() == c.name.trim()) {
            problems.push(Problem::choice(
                c.row,
                ProblemKind::DuplicateChoice { list: c.list_name.clone(), name: c.name.clone() },
            ));
            continue;
        }
        list.push(c);
    }
    let mut scale_problems_reported = BTreeSet::new();
    let mut scale_of = |list: &str, row: u32, q: &str, problems: &mut Vec<Problem>| -> Option<Scale> {
        let Some(rows) = lists.get(list) else {
            problems.push(Problem::at(row, q, ProblemKind::MissingChoiceList { list: list.to_string() }));
            return None;
        };
        let mut choices = Vec::new();
        let mut ok = true;
        for c in rows {
            match c.name.trim().parse::<i32>() {
                Ok(score) => choices.push(ScaleChoice {
                    name: c.name.trim().to_string(),
                    label: c.label.clone(),
                    labels: other_labels(&c.label, &c.labels),
                    score,
                }),
                Err(_) => {
                    ok = false;
                    if scale_problems_reported.insert((list.to_string(), c.name.clone())) {
                        problems.push(Problem::choice(
                            c.row,
                            ProblemKind::ChoiceNotInteger { list: list.to_string(), name: c.name.clone() },
                        ));
                    }
                }
            }
        }
        if !ok {
            return None;
        }
        let min = choices.iter().map(|c| c.score).min().unwrap_or(0);
        let max = choices.iter().map(|c| c.score).max().unwrap_or(0);
        Some(Scale { list_name: list.to_string(), choices, min, max })
    };

    let mut indicators: Vec<Indicator> = Vec::new();
    let mut factors = Vec::new();
    // Group stack: (name, row, index of the indicator this group opened).
    let mut stack: Vec<(String, u32, Option<usize>)> = Vec::new();
    let mut names: Vec<(String, u32)> = Vec::new();
    let mut link: Option<Link> = None;
    let mut date_questions: Vec<(String, Link)> = Vec::new();
    for r in &form.survey {
        let (kind, arg) = norm_kind(&r.kind);
        let name = r.name.trim();
        let berdaya = r.berdaya.trim().to_ascii_lowercase();
        if kind.is_empty() {
            continue;
        }
        let current_indicator = stack.iter().rev().find_map(|(_, _, i)| *i);
        let path = {
            let mut p: Vec<&str> = stack.iter().map(|(n, _, _)| n.as_str()).collect();
            p.push(name);
            p.join("/")
        };
        if !berdaya.is_empty() && !["indicator", "factor", "person"].contains(&berdaya.as_str()) {
            problems.push(Problem::at(r.row, name, ProblemKind::UnknownBerdaya { value: r.berdaya.clone() }));
        }
        if !r.berdaya_bins.trim().is_empty() && !(berdaya == "factor" && (kind == "integer" || kind == "decimal")) {
            problems.push(Problem::at(r.row, name, ProblemKind::BinsNotApplicable));
        }
        match kind.as_str() {
            "begin_group" => {
                if name.is_empty() {
                    problems.push(Problem::at(r.row, name, ProblemKind::MissingName));
                }
                let mut opened = None;
                if berdaya == "indicator" {
                    if let Some(outer) = current_indicator {
                        problems.push(Problem::at(
                            r.row,
                            name,
                            ProblemKind::NestedIndicator {
                                name: name.to_string(),
                                outer: indicators[outer].name.clone(),
                            },
                        ));
                    } else {
                        indicators.push(Indicator {
                            name: name.to_string(),
                            label: r.label.clone(),
                            labels: other_labels(&r.label, &r.labels),
                            row: r.row,
                            items: Vec::new(),
                        });
                        opened = Some(indicators.len() - 1);
                    }
                } else if berdaya == "factor" {
                    problems.push(Problem::at(r.row, name, ProblemKind::FactorType { kind: r.kind.clone() }));
                }
                if !name.is_empty() {
                    names.push((name.to_string(), r.row));
                }
                stack.push((name.to_string(), r.row, opened));
                continue;
            }
            "end_group" => {
                if stack.pop().is_none() {
                    problems.push(Problem::at(r.row, name, ProblemKind::UnbalancedEnd { kind: r.kind.clone() }));
                }
                continue;
            }
            "begin_repeat" => {
                problems.push(Problem::at(r.row, name, ProblemKind::Repeat));
                stack.push((name.to_string(), r.row, None));
                continue;
            }
            "end_repeat" => {
                stack.pop();
                continue;
            }
            _ => {}
        }
        if berdaya == "indicator" {
            problems.push(Problem::at(r.row, name, ProblemKind::IndicatorNotGroup { kind: r.kind.clone() }));
        }
        if !name.is_empty() {
            names.push((name.to_string(), r.row));
        }
        let registry_text = r.berdaya_registry.trim();
        let registry = if registry_text.is_empty() {
            None
        } else if berdaya != "factor" {
            problems.push(Problem::at(r.row, name, ProblemKind::RegistryNotFactor));
            None
        } else {
            let fact = RegistryFact::parse(registry_text);
            if fact.is_none() {
                problems.push(Problem::at(
                    r.row,
                    name,
                    ProblemKind::UnknownRegistry { value: registry_text.to_string() },
                ));
            }
            fact
        };
        if matches!(kind.as_str(), "today" | "start" | "end") && !name.is_empty() {
            date_questions.push((kind.clone(), Link { name: name.to_string(), path: path.clone(), row: r.row }));
        }
        if berdaya == "person" {
            if let Some(ind) = current_indicator {
                problems.push(Problem::at(
                    r.row,
                    name,
                    ProblemKind::PersonInIndicator { indicator: indicators[ind].name.clone() },
                ));
            } else if !matches!(kind.as_str(), "text" | "integer") {
                problems.push(Problem::at(r.row, name, ProblemKind::PersonType { kind: r.kind.clone() }));
            } else if let Some(first) = &link {
                let first: &Link = first;
                problems.push(Problem::at(r.row, name, ProblemKind::SecondPerson { first_row: first.row }));
            } else if !name.is_empty() {
                link = Some(Link { name: name.to_string(), path: path.clone(), row: r.row });
            }
            continue;
        }
        if berdaya == "factor" {
            if let Some(ind) = current_indicator {
                problems.push(Problem::at(
                    r.row,
                    name,
                    ProblemKind::FactorInIndicator { indicator: indicators[ind].name.clone() },
                ));
                continue;
            }
            if name.is_empty() {
                problems.push(Problem::at(r.row, name, ProblemKind::MissingName));
                continue;
            }
            let coding = match kind.as_str() {
                "select_one" => scale_of(&arg, r.row, name, &mut problems).map(|scale| Coding::Choices { scale }),
                "integer" | "decimal" => {
                    let number = if kind == "integer" { NumberKind::Integer } else { NumberKind::Decimal };
                    if r.berdaya_bins.trim().is_empty() {
                        problems.push(Problem::at(r.row, name, ProblemKind::BinsMissing { kind: kind.clone() }));
                        None
                    } else {
                        match bins::parse_bins(&r.berdaya_bins) {
                            Ok(b) => Some(Coding::Bins {
                                number,
                                bins: b,
                                range: bins::range_from_constraint(&r.constraint, number),
                                constraint: r.constraint.trim().to_string(),
                            }),
                            Err(errs) => {
                                for e in errs {
                                    problems.push(Problem::at(r.row, name, ProblemKind::BinSyntax(e)));
                                }
                                None
                            }
                        }
                    }
                }
                _ => {
                    problems.push(Problem::at(r.row, name, ProblemKind::FactorType { kind: r.kind.clone() }));
                    None
                }
            };
            if let Some(fact) = registry
                && let Some(coding) = &coding
            {
                let fits = match (fact, coding) {
                    (RegistryFact::Age, Coding::Bins { number, .. }) => *number == NumberKind::Integer,
                    (RegistryFact::LandArea, Coding::Bins { .. }) | (RegistryFact::Group, Coding::Choices { .. }) => {
                        true
                    }
                    _ => false,
                };
                if !fits {
                    let expected = match fact {
                        RegistryFact::Age => "an integer question with bins",
                        RegistryFact::Group => "a select_one question",
                        RegistryFact::LandArea => "an integer or decimal question with bins",
                    };
                    problems.push(Problem::at(
                        r.row,
                        name,
                        ProblemKind::RegistryType {
                            fact: fact.to_string(),
                            expected: expected.to_string(),
                            kind: r.kind.clone(),
                        },
                    ));
                }
            }
            if let Some(coding) = coding {
                factors.push(Factor {
                    name: name.to_string(),
                    label: r.label.clone(),
                    labels: other_labels(&r.label, &r.labels),
                    path,
                    row: r.row,
                    coding,
                    registry,
                });
            }
            continue;
        }
        if let Some(ind) = current_indicator {
            match kind.as_str() {
                // The header row of a matrix shows the choices above the items; nobody answers it.
                "select_one" if is_matrix_header(&r.appearance) => {}
                "select_one" => {
                    if name.is_empty() {
                        problems.push(Problem::at(r.row, name, ProblemKind::MissingName));
                    } else if let Some(scale) = scale_of(&arg, r.row, name, &mut problems) {
                        indicators[ind].items.push(Item {
                            name: name.to_string(),
                            label: r.label.clone(),
                            labels: other_labels(&r.label, &r.labels),
                            path,
                            row: r.row,
                            scale,
                        });
                    }
                }
                "select_multiple" | "rank" => {
                    problems.push(Problem::at(r.row, name, ProblemKind::NotScorable { kind: r.kind.clone() }));
                }
                _ => {}
            }
        }
    }
    for (name, row, _) in stack {
        problems.push(Problem::at(row, &name, ProblemKind::UnclosedGroup { name: name.clone() }));
    }
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for (name, row) in &names {
        match seen.get(name.as_str()) {
            Some(&first) => problems.push(Problem::at(*row, name, ProblemKind::DuplicateName { first_row: first })),
            None => {
                seen.insert(name.as_str(), *row);
            }
        }
    }
    if link.is_none() {
        for f in factors.iter().filter(|f| f.registry.is_some()) {
            let fact = f.registry.map(|r| r.to_string()).unwrap_or_default();
            problems.push(Problem::at(f.row, &f.name, ProblemKind::RegistryWithoutPerson { fact }));
        }
    }
    date_questions.sort_by_key(|(kind, _)| ["today", "end", "start"].iter().position(|k| k == kind));
    let title = if form.settings.form_title.is_empty() {
        form.settings.form_id.clone()
    } else {
        form.settings.form_title.clone()
    };
    (
        Instrument {
            title,
            form_id: form.settings.form_id.clone(),
            indicators,
            factors,
            categories: CategoryScheme::default(),
            warnings: Vec::new(),
            link,
            date_questions: date_questions.into_iter().map(|(_, q)| q).collect(),
        },
        problems,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(row: u32, kind: &str, name: &str, berdaya: &str, bins: &str) -> SurveyRow {
        SurveyRow {
            row,
            kind: kind.into(),
            name: name.into(),
            label: name.into(),
            berdaya: berdaya.into(),
            berdaya_bins: bins.into(),
            ..SurveyRow::default()
        }
    }

    fn choice(row: u32, list: &str, name: &str) -> ChoiceRow {
        ChoiceRow { row, list_name: list.into(), name: name.into(), label: name.into(), labels: Vec::new() }
    }

    #[test]
    fn every_definition_problem_is_reported_with_its_row() {
        let form = XlsForm {
            survey: vec![
                row(2, "begin_group", "tahap", "indicator", ""),
                row(3, "select_one skala", "a", "", ""),
                row(4, "select_one huruf", "b", "", ""),
                row(5, "select_one bolong", "c", "", ""),
                row(6, "select_multiple skala", "d", "", ""),
                row(7, "integer", "a", "factor", ""),
                row(8, "end_group", "", "", ""),
                row(9, "begin_group", "kosong", "indicator", ""),
                row(10, "note", "catatan", "", ""),
                row(11, "end_group", "", "", ""),
                row(12, "decimal", "umur", "factor", "31-40:5;41-:1"),
                row(13, "text", "nama", "factor", ""),
                row(14, "select_one tidak_ada", "x", "factor", ""),
                row(15, "integer", "lahan", "factor", "0-2000"),
                row(16, "integer", "biasa", "", "1-2:1"),
                row(17, "note", "n", "skor", ""),
            ],
            choices: vec![
                choice(2, "skala", "1"),
                choice(3, "skala", "2"),
                choice(4, "skala", "2"),
                choice(5, "huruf", "a"),
                choice(6, "huruf", "b"),
                choice(7, "bolong", "1"),
                choice(8, "bolong", "4"),
            ],
            settings: FormSettings::default(),
        };
        let problems = Instrument::from_xlsform(&form).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        let expect = [
            "choices row 4: choice list `skala` has choice `2` twice",
            "choices row 5: choice `a` of list `huruf` is not an integer; scored items and factors use the choice name as score",
            "choices row 6: choice `b` of list `huruf` is not an integer; scored items and factors use the choice name as score",
            "survey row 6 (d): `select_multiple skala` inside an indicator cannot be scored (only select_one can)",
            "survey row 7 (a): a factor inside indicator `tahap` would also be scored; move it out of the group",
            "survey row 13 (nama): a factor must be select_one, integer or decimal, not `text`",
            "survey row 14 (x): choice list `tidak_ada` does not exist on the choices sheet",
            "survey row 15 (lahan): bin `0-2000`: expected `lo-hi:code`",
            "survey row 16 (biasa): `berdaya_bins` only applies to integer or decimal factors",
            "survey row 17 (n): unknown `berdaya` value `skor` (expected `indicator`, `factor` or `person`)",
            "survey row 7 (a): the name is already used on row 3",
            "survey row 9 (kosong): the indicator group has no select_one question to score",
            "survey row 5 (c): scores [2, 3] of list `bolong` lie between its lowest and highest score but no choice gives them",
            "survey row 12 (umur): bins: values below 31 are in no bin",
            "survey row 12 (umur): bins: values (40, 41) (strictly between bins) are in no bin",
        ];
        for e in expect {
            assert!(text.iter().any(|t| t == e), "missing `{e}` in\n{}", text.join("\n"));
        }
        assert_eq!(text.len(), expect.len(), "{}", text.join("\n"));
    }

    /// One indicator of two items on `skala` (1–4) and the given factor rows (from row 6).
    fn form_with(factors: Vec<SurveyRow>, extra_choices: Vec<ChoiceRow>) -> XlsForm {
        let mut survey = vec![
            row(2, "begin_group", "tahap", "indicator", ""),
            row(3, "select_one skala", "a", "", ""),
            row(4, "select_one skala", "b", "", ""),
            row(5, "end_group", "", "", ""),
        ];
        survey.extend(factors);
        let mut choices: Vec<ChoiceRow> = (1..=4).map(|n| choice(n + 1, "skala", &n.to_string())).collect();
        choices.extend(extra_choices);
        XlsForm { survey, choices, settings: FormSettings::default() }
    }

    #[test]
    fn factor_codes_with_gaps_are_accepted_but_item_scores_are_not() {
        // Issue 11: select_one factor codes 1, 5, 10, 50 are fine for a rank correlation.
        let codes = ["1", "5", "10", "50"];
        let factor_choices: Vec<ChoiceRow> = codes.iter().zip(10..).map(|(c, r)| choice(r, "jarak", c)).collect();
        let form = form_with(vec![row(6, "select_one jarak", "jarak", "factor", "")], factor_choices.clone());
        let inst = Instrument::from_xlsform(&form).unwrap_or_else(|p| panic!("{p:#?}"));
        assert!(inst.warnings.is_empty(), "{:?}", inst.warnings);
        // The same list on a scored item leaves 2–4, 6–9, 11–49 unreachable: 46 scores, of
        // which 20 are listed and the rest counted.
        let mut form = form_with(vec![], factor_choices);
        form.survey[2].kind = "select_one jarak".into();
        let problems = Instrument::from_xlsform(&form).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        let ProblemKind::UnreachableScores { scores, more, .. } = &problems[0].kind else { panic!("{problems:#?}") };
        assert_eq!((scores.len(), *more), (20, 26));
        assert_eq!(
            problems[0].message,
            "scores [2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23] and 26 more of list \
             `jarak` lie between its lowest and highest score but no choice gives them"
        );
    }

    #[test]
    fn a_bin_tail_without_a_constraint_is_a_warning_that_suggests_one() {
        // Issue 11: `0-2000:1;...` with no lower constraint.
        let form = form_with(vec![row(6, "integer", "lahan", "factor", "0-2000:1;2001-:2")], vec![]);
        let inst = Instrument::from_xlsform(&form).unwrap_or_else(|p| panic!("{p:#?}"));
        assert_eq!(inst.warnings.len(), 1, "{:?}", inst.warnings);
        let w = &inst.warnings[0];
        assert_eq!(w.severity, Severity::Warning);
        assert_eq!(w.suggested_constraint.as_deref(), Some(". >= 0"));
        assert_eq!(w.to_string(), "survey row 6 (lahan): bins: values up to -1 are in no bin");
        let json = serde_json::to_value(w).unwrap();
        assert_eq!(json["severity"], "warning");
        assert_eq!(json["suggested_constraint"], ". >= 0");
        // With the constraint the form is clean.
        let mut form = form;
        form.survey[4].constraint = ". >= 0".into();
        assert!(Instrument::from_xlsform(&form).unwrap().warnings.is_empty());
        // A gap between bins stays an error, and the warnings come along with it.
        let form = form_with(vec![row(6, "integer", "lahan", "factor", "0-2000:1;2100-:2")], vec![]);
        let problems = Instrument::from_xlsform(&form).unwrap_err();
        let kinds: Vec<(Severity, String)> = problems.iter().map(|p| (p.severity, p.message.clone())).collect();
        assert_eq!(
            kinds,
            [
                (Severity::Warning, "bins: values up to -1 are in no bin".to_string()),
                (Severity::Error, "bins: values 2001–2099 are in no bin".to_string()),
            ]
        );
    }

    #[test]
    fn a_strict_constraint_gap_is_an_error() {
        // Issue 11: `. > 0` with bins `1-5:1;5-:2` on decimal data leaves (0, 1) uncovered.
        let mut lahan = row(6, "decimal", "lahan", "factor", "1-5:1;5-:2");
        lahan.constraint = ". > 0".into();
        let problems = Instrument::from_xlsform(&form_with(vec![lahan], vec![])).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["survey row 6 (lahan): bins: values (0, 1) are in no bin"]);
        assert_eq!(problems[0].severity, Severity::Error);
    }
}
