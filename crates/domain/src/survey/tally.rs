//! A streaming tally of survey responses: each respondent is coded and counted as it is read,
//! and the report is computed from the counts alone, so memory does not grow with the number
//! of respondents.
//!
//! Everything the report shows is a function of a few small tables:
//! - per item, how often each answer was given (means, frequency tables, Σx, Σx²);
//! - per indicator and for the total, how often each summed score occurred (means, category
//!   distributions, Σt, Σt²);
//! - per factor × indicator/total, the contingency table of factor code × summed score, from
//!   which [`RankSums::from_table`] gives Spearman's rho and Kendall's tau-b exactly;
//! - per item, Σx·t (item–total covariances for validity and Cronbach's alpha).
//!
//! A [`Plan`] resolves the header against the instrument once; a [`Tally`] holds the counts of
//! one part of the file (tallies of parts are merged), and [`Plan::report`] turns a tally into
//! the [`Report`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::cells::CellRules;
use super::cells::{code_cell, score_cell};
use super::columns::ColumnMap;
use super::instrument::{Coding, Instrument, Scale, normalize_label};
use super::link::{
    LinkSummary, PersonFacts, PersonLookup, RegistryFact, UnmatchedRespondent, mask_key, parse_survey_date,
};
use super::reliability::ItemTotals;
use super::report::{self, AnalysisError, AnalysisOptions, Report};
use super::responses::{
    AnswerProblem, AnswerProblemKind, DropReason, DroppedRespondent, MissingPolicy, ResponsesError,
};
use super::scoring::ScoringLayout;

/// How many bad answers (or dropped respondents) are listed one by one; the rest are counted.
pub const MAX_LISTED: usize = 1_000;

/// Largest whole-number answer whose factor code is remembered after it was first worked out.
const MEMO_LIMIT: u64 = 1 << 16;

/// An item's column and how its answers become stored values (score − scale minimum).
#[derive(Debug, Clone)]
struct ItemPlan<'a> {
    col: usize,
    scale: &'a Scale,
    /// Stored value of a whole-number answer `v` (the choice whose integer name is v), or −1.
    by_number: Vec<i16>,
}

/// A factor's column and its possible codes, ascending (the rows of its contingency tables).
#[derive(Debug, Clone)]
struct FactorPlan {
    /// None only for a factor taken from the registry whose answer the file does not hold.
    col: Option<usize>,
    codes: Vec<i32>,
}

/// The registry respondents are looked up in.
#[derive(Clone, Copy)]
struct Lookup<'a>(&'a dyn PersonLookup);

impl std::fmt::Debug for Lookup<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonLookup")
    }
}

/// Responses of one file resolved against an instrument: which column holds what, and the
/// lookup tables that turn the common answers into values without allocating.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub instrument: &'a Instrument,
    pub columns: Vec<String>,
    pub options: AnalysisOptions,
    /// Numbers in the file may use a decimal comma (`;`-separated files from Indonesian Excel).
    pub decimal_comma: bool,
    map: ColumnMap,
    layout: ScoringLayout,
    items: Vec<ItemPlan<'a>>,
    factors: Vec<FactorPlan>,
    /// Highest raw (stored) summed score of each indicator, then of the total.
    target_max: Vec<usize>,
    /// Start of each factor × target table in [`Tally::joint`], and the length of all.
    joint_at: Vec<usize>,
    joint_len: usize,
    /// Where respondents are found by their link column (see [`Plan::with_lookup`]).
    lookup: Option<Lookup<'a>>,
}

/// The counts of the respondents read so far (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Respondents counted.
    pub n: u64,
    /// Data rows read (counted, dropped and refused).
    pub rows: u64,
    /// `item_counts[item * 256 + stored value]`.
    item_counts: Vec<u64>,
    /// Per indicator, then the total: respondents by raw summed score.
    hist: Vec<Vec<u64>>,
    /// Per factor × target (factor-major), one flat vector: the table of factor f and target
    /// g starts at `Plan::joint_at[f × targets + g]`, cell `code index × (target max + 1) + raw`.
    joint: Vec<u64>,
    /// Σ x·t per item (stored values, raw total).
    sxt: Vec<u64>,
    pub dropped: Vec<DroppedRespondent>,
    pub dropped_count: u64,
    pub problems: Vec<AnswerProblem>,
    pub problem_count: u64,
    /// (column, kind of problem) → respondents, to say why respondents were left out.
    reasons: BTreeMap<(String, String), u64>,
    /// Per factor: code index + 1 of a whole-number answer, 0 = not worked out yet,
    /// `u32::MAX` = not a valid answer (taken the slow way, to report it).
    memo: Vec<Vec<u32>>,
    scratch_values: Vec<u8>,
    scratch_codes: Vec<usize>,
    /// Respondents the registry matched by their link column, and those it did not.
    pub matched: u64,
    pub unmatched: u64,
    pub unmatched_rows: Vec<UnmatchedRespondent>,
}

/// A cell's whole number when it is 1 to 9 ASCII digits and nothing else.
fn digits(cell: &[u8]) -> Option<u64> {
    if cell.is_empty() || cell.len() > 9 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in cell {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
}

#[inline]
fn trim(cell: &[u8]) -> &[u8] {
    match (cell.first(), cell.last()) {
        (Some(&a), Some(&b)) if a > b' ' && b > b' ' => cell,
        _ => cell.trim_ascii(),
    }
}

fn text(cell: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(cell)
}

/// A short name for a kind of problem, to group respondents left out by reason. Each is a
/// message of its own in the interface's catalog.
fn reason_key(kind: &AnswerProblemKind) -> &'static str {
    match kind {
        AnswerProblemKind::Blank => "blank answer",
        AnswerProblemKind::UnknownChoice { .. } => "not a choice of its list",
        AnswerProblemKind::OutOfScale { .. } => "outside the scale of its list",
        AnswerProblemKind::NotANumber { .. } => "not a number",
        AnswerProblemKind::NotWhole { .. } => "not a whole number",
        AnswerProblemKind::NoBin { .. } => "in no coding bin",
        AnswerProblemKind::OutsideConstraint { .. } => "outside the form's constraint",
        AnswerProblemKind::NotInRegistry { .. } => "not found in the registry",
        AnswerProblemKind::NoRegistry => "not linked to a registry",
        AnswerProblemKind::NoSurveyDate => "no survey date",
        AnswerProblemKind::NoBirthDate => "no birth date in the registry",
        AnswerProblemKind::NoGroup { .. } => "member of none of the listed groups",
        AnswerProblemKind::SeveralGroups { .. } => "member of several listed groups",
        AnswerProblemKind::NoLandArea => "no land area in the registry",
    }
}

fn by_number(scale: &Scale) -> Vec<i16> {
    let top = scale.choices.iter().filter(|c| c.score >= 0).map(|c| c.score).max().unwrap_or(-1);
    if !(0..1024).contains(&top) {
        return Vec::new();
    }
    let mut v = vec![-1i16; top as usize + 1];
    for c in &scale.choices {
        if c.score >= 0 {
            v[c.score as usize] = (c.score - scale.min) as i16;
        }
    }
    v
}

impl<'a> Plan<'a> {
    /// Resolves a header row against the instrument.
    pub fn new(
        instrument: &'a Instrument,
        columns: &[String],
        options: &AnalysisOptions,
    ) -> Result<Self, AnalysisError> {
        if !(options.alpha > 0.0 && options.alpha < 1.0) {
            return Err(AnalysisError::Alpha(options.alpha));
        }
        let layout = ScoringLayout::new(instrument).ok_or(AnalysisError::NoItems)?;
        let map = ColumnMap::resolve(instrument, columns)?;
        let items = instrument
            .items()
            .zip(&map.items)
            .map(|(it, &col)| ItemPlan { col, scale: &it.scale, by_number: by_number(&it.scale) })
            .collect();
        let factors = instrument
            .factors
            .iter()
            .zip(&map.factors)
            .map(|(f, &col)| {
                let mut codes: Vec<i32> = match &f.coding {
                    Coding::Choices { scale } => scale.choices.iter().map(|c| c.score).collect(),
                    Coding::Bins { bins, .. } => bins.iter().map(|b| b.code).collect(),
                };
                codes.sort_unstable();
                codes.dedup();
                FactorPlan { col, codes }
            })
            .collect();
        let mut target_max: Vec<usize> =
            layout.indicators.iter().map(|r| r.clone().map(|j| layout.item_points[j] - 1).sum()).collect();
        target_max.push(target_max.iter().sum());
        let mut joint_at = Vec::new();
        let mut joint_len = 0;
        for f in &factors {
            let f: &FactorPlan = f;
            for &m in &target_max {
                joint_at.push(joint_len);
                joint_len += f.codes.len() * (m + 1);
            }
        }
        Ok(Plan {
            instrument,
            columns: columns.to_vec(),
            options: *options,
            decimal_comma: false,
            map,
            layout,
            items,
            factors,
            target_max,
            joint_at,
            joint_len,
            lookup: None,
        })
    }

    /// Takes the factors marked `berdaya_registry` from `lookup`, finding each respondent by
    /// the form's `berdaya = person` column, and counts who was matched.
    pub fn with_lookup(mut self, lookup: &'a dyn PersonLookup) -> Self {
        self.lookup = Some(Lookup(lookup));
        self
    }

    /// The header of the column naming respondents in the registry, if the form has one.
    pub fn link_column(&self) -> Option<&str> {
        self.map.link.and_then(|c| self.columns.get(c)).map(String::as_str)
    }

    /// The code of a factor taken from the registry, for a person it found.
    fn registry_code<'r>(
        &self,
        fact: RegistryFact,
        coding: &Coding,
        person: &PersonFacts,
        survey_date: &mut Option<Option<time::Date>>,
        cell: &impl Fn(usize) -> &'r [u8],
        rules: CellRules,
    ) -> Result<i32, AnswerProblemKind> {
        match fact {
            RegistryFact::Age => {
                let day = *survey_date.get_or_insert_with(|| {
                    self.map
                        .dates
                        .iter()
                        .find_map(|&c| parse_survey_date(&text(trim(cell(c)))))
                        .or(self.options.survey_date)
                });
                let day = day.ok_or(AnswerProblemKind::NoSurveyDate)?;
                let age = person.age_on(day).ok_or(AnswerProblemKind::NoBirthDate)?;
                code_cell(coding, &age.to_string(), rules)
            }
            RegistryFact::LandArea => {
                let area = person.land_area_m2.ok_or(AnswerProblemKind::NoLandArea)?;
                code_cell(coding, &area.to_string(), CellRules { decimal_comma: false })
            }
            RegistryFact::Group => {
                let Coding::Choices { scale } = coding else { return Err(AnswerProblemKind::NoRegistry) };
                let groups: Vec<String> = person.groups.iter().map(|g| normalize_label(g)).collect();
                let mut hits: Vec<(i32, &str)> = scale
                    .choices
                    .iter()
                    .filter(|c| {
                        std::iter::once(&c.name)
                            .chain(std::iter::once(&c.label))
                            .chain(&c.labels)
                            .any(|l| groups.contains(&normalize_label(l)))
                    })
                    .map(|c| (c.score, c.label.as_str()))
                    .collect();
                hits.sort_unstable();
                hits.dedup_by_key(|h| h.0);
                match hits.as_slice() {
                    [] => Err(AnswerProblemKind::NoGroup { list: scale.list_name.clone() }),
                    [(code, _)] => Ok(*code),
                    many => Err(AnswerProblemKind::SeveralGroups {
                        list: scale.list_name.clone(),
                        groups: many.iter().map(|(_, l)| *l).collect::<Vec<_>>().join(", "),
                    }),
                }
            }
        }
    }

    /// An empty tally for this plan.
    pub fn tally(&self) -> Tally {
        let k = self.items.len();
        Tally {
            item_counts: vec![0; k * 256],
            hist: self.target_max.iter().map(|&m| vec![0; m + 1]).collect(),
            joint: vec![0; self.joint_len],
            sxt: vec![0; k],
            memo: vec![Vec::new(); self.factors.len()],
            scratch_values: vec![0; k],
            scratch_codes: vec![0; self.factors.len()],
            ..Tally::default()
        }
    }

    /// The columns this plan reads (items, factors and the respondent id).
    pub fn needed_columns(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .map
            .items
            .iter()
            .copied()
            .chain(self.map.factors.iter().flatten().copied())
            .chain(self.map.id)
            .chain(self.map.link)
            .chain(self.map.dates.iter().copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Codes one respondent (`cell(c)` is the text of column c, empty when the row is short)
    /// and counts it, or records what is wrong with its answers.
    pub fn add_row<'r>(&self, t: &mut Tally, line: u64, cell: impl Fn(usize) -> &'r [u8]) {
        t.rows += 1;
        let mut values = std::mem::take(&mut t.scratch_values);
        let mut codes = std::mem::take(&mut t.scratch_codes);
        let mut problems: Vec<(usize, AnswerProblemKind)> = Vec::new();
        let instrument = self.instrument;
        let rules = CellRules { decimal_comma: self.decimal_comma };
        for (j, ip) in self.items.iter().enumerate() {
            let c = cell(ip.col);
            // The common answer: one digit.
            if let [d] = c
                && d.is_ascii_digit()
                && let Some(&s) = ip.by_number.get(d.wrapping_sub(b'0') as usize)
                && s >= 0
            {
                values[j] = s as u8;
                continue;
            }
            let c = trim(c);
            if let Some(v) = digits(c)
                && let Some(&s) = ip.by_number.get(v as usize)
                && s >= 0
            {
                values[j] = s as u8;
                continue;
            }
            match score_cell(ip.scale, &text(c), rules) {
                Ok(s) => values[j] = (s - ip.scale.min) as u8,
                Err(kind) => problems.push((ip.col, kind)),
            }
        }
        // The respondent in the registry: None = not linked (no lookup or no link column),
        // Some(None) = not matched.
        let person: Option<Option<PersonFacts>> = match (self.lookup, self.map.link) {
            (Some(Lookup(lookup)), Some(col)) => {
                let key = text(trim(cell(col)));
                let found = if key.is_empty() { None } else { lookup.find(&key) };
                if found.is_some() {
                    t.matched += 1;
                } else {
                    t.unmatched += 1;
                    if t.unmatched_rows.len() < MAX_LISTED {
                        t.unmatched_rows.push(UnmatchedRespondent {
                            line,
                            respondent: self.respondent(&cell),
                            key_masked: mask_key(&key),
                        });
                    }
                }
                Some(found)
            }
            _ => None,
        };
        let mut survey_date = None;
        for (f, (fp, factor)) in self.factors.iter().zip(&instrument.factors).enumerate() {
            if let Some(fact) = factor.registry
                && (person.is_some() || fp.col.is_none())
            {
                let link_col = self.map.link.unwrap_or(0);
                // A factor without a column of its own is named in problems (see `refuse`).
                let own = fp.col.unwrap_or(self.columns.len() + f);
                let coded = match &person {
                    None => Err((AnswerProblemKind::NoRegistry, own)),
                    Some(None) => {
                        Err((AnswerProblemKind::NotInRegistry { key: mask_key(&text(trim(cell(link_col)))) }, link_col))
                    }
                    Some(Some(p)) => self
                        .registry_code(fact, &factor.coding, p, &mut survey_date, &cell, rules)
                        .and_then(|code| {
                            fp.codes
                                .binary_search(&code)
                                .map_err(|_| AnswerProblemKind::NoBin { value: code.to_string() })
                        })
                        .map_err(|kind| (kind, own)),
                };
                match coded {
                    Ok(i) => codes[f] = i,
                    Err((kind, col)) => problems.push((col, kind)),
                }
                continue;
            }
            let Some(col) = fp.col else { continue };
            let c = trim(cell(col));
            let number = digits(c).filter(|&v| v < MEMO_LIMIT);
            if let Some(v) = number
                && let Some(&m) = t.memo[f].get(v as usize)
                && m != 0
                && m != u32::MAX
            {
                codes[f] = m as usize - 1;
                continue;
            }
            let coded = code_cell(&factor.coding, &text(c), rules).and_then(|code| {
                fp.codes.binary_search(&code).map_err(|_| AnswerProblemKind::NoBin { value: code.to_string() })
            });
            if let Some(v) = number {
                let memo = &mut t.memo[f];
                if memo.len() <= v as usize {
                    memo.resize(v as usize + 1, 0);
                }
                memo[v as usize] = coded.as_ref().map_or(u32::MAX, |&i| i as u32 + 1);
            }
            match coded {
                Ok(i) => codes[f] = i,
                Err(kind) => problems.push((col, kind)),
            }
        }
        if problems.is_empty() {
            self.count(t, &values, &codes);
        } else {
            self.refuse(t, line, &cell, problems);
        }
        t.scratch_values = values;
        t.scratch_codes = codes;
    }

    fn count(&self, t: &mut Tally, values: &[u8], codes: &[usize]) {
        t.n += 1;
        let ni = self.layout.indicators.len();
        let mut raw = [0usize; 64];
        let mut many = Vec::new();
        let sums: &mut [usize] = if ni < 64 {
            &mut raw[..=ni]
        } else {
            many.resize(ni + 1, 0);
            &mut many
        };
        let mut total = 0usize;
        for (i, range) in self.layout.indicators.iter().enumerate() {
            let s: usize = values[range.clone()].iter().map(|&b| b as usize).sum();
            sums[i] = s;
            total += s;
            t.hist[i][s] += 1;
        }
        sums[ni] = total;
        t.hist[ni][total] += 1;
        for (j, &b) in values.iter().enumerate() {
            t.item_counts[j * 256 + b as usize] += 1;
            t.sxt[j] += u64::from(b) * total as u64;
        }
        let targets = self.target_max.len();
        for (f, &code) in codes.iter().enumerate() {
            for (g, (&s, &max)) in sums.iter().zip(&self.target_max).enumerate() {
                t.joint[self.joint_at[f * targets + g] + code * (max + 1) + s] += 1;
            }
        }
    }

    /// The respondent's id, when the file has an id column and the cell is not blank.
    fn respondent<'r>(&self, cell: &impl Fn(usize) -> &'r [u8]) -> Option<String> {
        self.map.id.map(|c| text(trim(cell(c))).into_owned()).filter(|s| !s.is_empty())
    }

    fn refuse<'r>(
        &self,
        t: &mut Tally,
        line: u64,
        cell: &impl Fn(usize) -> &'r [u8],
        problems: Vec<(usize, AnswerProblemKind)>,
    ) {
        let respondent = self.respondent(cell);
        let drop = self.options.missing == MissingPolicy::DropIncomplete;
        let listed = if drop { t.dropped.len() < MAX_LISTED } else { t.problems.len() < MAX_LISTED };
        let mut out = Vec::new();
        for (col, kind) in problems {
            // Past the header: a registry factor the file has no column for, by its name.
            let column = self.columns.get(col).cloned().unwrap_or_else(|| {
                self.instrument.factors.get(col - self.columns.len()).map(|f| f.name.clone()).unwrap_or_default()
            });
            *t.reasons.entry((column.clone(), reason_key(&kind).to_string())).or_default() += 1;
            t.problem_count += 1;
            if listed {
                let message = kind.to_string();
                out.push(AnswerProblem { line, respondent: respondent.clone(), column, kind, message });
            }
        }
        if drop {
            t.dropped_count += 1;
            if listed {
                t.dropped.push(DroppedRespondent { line, respondent, problems: out });
            }
        } else {
            let room = MAX_LISTED.saturating_sub(t.problems.len());
            t.problems.extend(out.into_iter().take(room));
        }
    }

    /// Adds the counts of another part of the same file.
    pub fn merge(&self, t: &mut Tally, other: Tally) {
        t.n += other.n;
        t.rows += other.rows;
        let add = |a: &mut Vec<u64>, b: &[u64]| {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        };
        add(&mut t.item_counts, &other.item_counts);
        add(&mut t.sxt, &other.sxt);
        for (a, b) in t.hist.iter_mut().zip(&other.hist) {
            add(a, b);
        }
        add(&mut t.joint, &other.joint);
        // Parts may interleave (two threads take halves of each block): keep the first listed
        // by file line. Each part lists its own first ones, so the first of both are among them.
        t.dropped.extend(other.dropped);
        t.dropped.sort_by_key(|d| d.line);
        t.dropped.truncate(MAX_LISTED);
        t.dropped_count += other.dropped_count;
        t.problems.extend(other.problems);
        t.problems.sort_by_key(|p| p.line);
        t.problems.truncate(MAX_LISTED);
        t.problem_count += other.problem_count;
        for (k, v) in other.reasons {
            *t.reasons.entry(k).or_default() += v;
        }
        t.matched += other.matched;
        t.unmatched += other.unmatched;
        t.unmatched_rows.extend(other.unmatched_rows);
        t.unmatched_rows.sort_by_key(|u| u.line);
        t.unmatched_rows.truncate(MAX_LISTED);
    }

    /// The report of everything tallied, or why there is none.
    pub fn report(&self, t: &Tally) -> Result<Report, AnalysisError> {
        if self.options.missing == MissingPolicy::Refuse && t.problem_count > 0 {
            return Err(if t.problem_count as usize > t.problems.len() {
                ResponsesError::ManyBadAnswers { shown: t.problems.clone(), total: t.problem_count }
            } else {
                ResponsesError::BadAnswers(t.problems.clone())
            }
            .into());
        }
        if t.n == 0 {
            if t.rows == 0 {
                return Err(ResponsesError::NoRespondents.into());
            }
            let mut reasons: Vec<DropReason> = t
                .reasons
                .iter()
                .map(|((column, why), n)| DropReason { column: column.clone(), why: why.clone(), respondents: *n })
                .collect();
            reasons.sort_by(|a, b| b.respondents.cmp(&a.respondents).then_with(|| a.column.cmp(&b.column)));
            reasons.truncate(5);
            return Err(ResponsesError::AllDropped { dropped: t.dropped_count, reasons }.into());
        }
        let k = self.items.len();
        let item_counts: Vec<Vec<u64>> =
            (0..k).map(|j| t.item_counts[j * 256..j * 256 + self.layout.item_points[j].min(256)].to_vec()).collect();
        let ni = self.layout.indicators.len();
        let mut totals = ItemTotals::new(k);
        totals.n = t.n;
        for (j, counts) in item_counts.iter().enumerate() {
            totals.sx[j] = counts.iter().enumerate().map(|(v, &c)| v as u64 * c).sum();
            totals.sxx[j] = counts.iter().enumerate().map(|(v, &c)| (v * v) as u64 * c).sum();
            totals.sxt[j] = t.sxt[j];
        }
        totals.st = t.hist[ni].iter().enumerate().map(|(s, &c)| s as u64 * c).sum();
        totals.stt = t.hist[ni].iter().enumerate().map(|(s, &c)| (s * s) as u64 * c).sum();
        let targets = self.target_max.len();
        let joint: Vec<Vec<(&[u64], usize, usize)>> = self
            .factors
            .iter()
            .enumerate()
            .map(|(f, fp)| {
                (0..targets)
                    .map(|g| {
                        let (at, width) = (self.joint_at[f * targets + g], self.target_max[g] + 1);
                        (&t.joint[at..at + fp.codes.len() * width], fp.codes.len(), width)
                    })
                    .collect()
            })
            .collect();
        let factor_counts: Vec<Vec<(i32, u64)>> = self
            .factors
            .iter()
            .enumerate()
            .map(|(f, fp)| {
                let table = &t.joint[self.joint_at[f * targets + ni]..];
                let width = self.target_max[ni] + 1;
                fp.codes
                    .iter()
                    .enumerate()
                    .map(|(i, &code)| (code, table[i * width..(i + 1) * width].iter().sum()))
                    .collect()
            })
            .collect();
        Ok(report::assemble(report::Counts {
            instrument: self.instrument,
            layout: &self.layout,
            alpha: self.options.alpha,
            n: t.n,
            item_counts: &item_counts,
            hist: &t.hist,
            joint: &joint,
            factor_counts: &factor_counts,
            totals: &totals,
            dropped: &t.dropped,
            dropped_count: t.dropped_count,
            link: self.link_summary(t),
        }))
    }

    /// How many respondents the registry matched, when the plan has a lookup and the form a
    /// link column.
    pub fn link_summary(&self, t: &Tally) -> Option<LinkSummary> {
        self.lookup?;
        Some(LinkSummary {
            column: self.link_column()?.to_string(),
            matched: t.matched,
            unmatched: t.unmatched,
            unmatched_rows: t.unmatched_rows.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::instrument::{ChoiceRow, SurveyRow, XlsForm};
    use super::super::report::analyze;
    use super::super::responses::{ResponseRow, ResponseTable};
    use super::*;

    /// Two items on a 1–20 scale: a one-byte answer is read as a score only when it is a digit.
    fn twenty_point() -> Instrument {
        let row = |row: u32, kind: &str, name: &str, berdaya: &str| SurveyRow {
            row,
            kind: kind.into(),
            name: name.into(),
            label: name.into(),
            berdaya: berdaya.into(),
            ..SurveyRow::default()
        };
        let form = XlsForm {
            survey: vec![
                row(2, "begin_group", "tahap", "indicator"),
                row(3, "select_one skala", "a", ""),
                row(4, "select_one skala", "b", ""),
                row(5, "end_group", "", ""),
            ],
            choices: (1..=20)
                .map(|n| ChoiceRow {
                    row: n + 1,
                    list_name: "skala".into(),
                    name: n.to_string(),
                    label: format!("nilai {n}"),
                    ..ChoiceRow::default()
                })
                .collect(),
            ..XlsForm::default()
        };
        Instrument::from_xlsform(&form).unwrap_or_else(|p| panic!("{p:#?}"))
    }

    fn table(rows: &[[&str; 2]]) -> ResponseTable {
        ResponseTable {
            columns: vec!["tahap/a".into(), "tahap/b".into()],
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| ResponseRow { line: i as u64 + 2, cells: r.iter().map(|c| c.to_string()).collect() })
                .collect(),
            decimal_comma: false,
        }
    }

    #[test]
    fn one_byte_answers_that_are_not_digits_are_not_scores() {
        let inst = twenty_point();
        // `:` and `A` sit 10 and 17 bytes above `0`: never the scores 10 and 17.
        let err = analyze(&inst, &table(&[["7", ":"], ["A", " 12 "]]), &AnalysisOptions::default()).unwrap_err();
        let AnalysisError::Responses(ResponsesError::BadAnswers(p)) = err else { panic!("{err:?}") };
        let cells: Vec<(u64, &str)> = p.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert_eq!(cells, [(2, "tahap/b"), (3, "tahap/a")]);
        assert!(p.iter().all(|p| matches!(p.kind, AnswerProblemKind::UnknownChoice { .. })), "{p:?}");
        // Digits, padded numbers and labels are read.
        let r = analyze(&inst, &table(&[["7", "19"], ["nilai 3", " 12 "]]), &AnalysisOptions::default()).unwrap();
        assert_eq!(r.n, 2);
        assert_eq!(r.items[0].mean, 5.0);
        assert_eq!(r.items[1].mean, 15.5);
    }
}
