//! Inter-coder agreement for qualitative coding: percent agreement, Cohen's kappa and
//! Krippendorff's alpha.
//!
//! Two entry points:
//!
//! - [`Ratings`] and [`report`]: a units × coders table of values (nominal labels or numbers),
//!   missing values allowed, any number of coders.
//! - [`character_agreement`], [`segment_agreement`] and [`disagreements`]: fast paths for spans of
//!   coded text, which never materialise one unit per character (runs of characters are weighted
//!   by their length instead).
//!
//! References:
//!
//! - Krippendorff, K. (2011). *Computing Krippendorff's Alpha-Reliability*. Annenberg School for
//!   Communication, University of Pennsylvania.
//! - Artstein, R. & Poesio, M. (2008). Inter-coder agreement for computational linguistics.
//!   *Computational Linguistics* 34(4), 555–596.
//! - Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
//!   Psychological Measurement* 20(1), 37–46.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Reliability data
// ---------------------------------------------------------------------------------------------

/// One distinct value found in reliability data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// A nominal label: used when at least one value of the data is not a number.
    Label(String),
    /// A number: used when every non-missing value of the data parses as a finite number.
    Number(f64),
}

/// Why rows could not be read as reliability data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingsError {
    /// The same coder appears twice for the same unit.
    #[error("coder `{coder}` has more than one row for unit `{unit}`")]
    Duplicate { unit: String, coder: String },
    /// A row (counted from 1) has an empty unit.
    #[error("row {row}: the unit is empty")]
    EmptyUnit { row: usize },
    /// A row (counted from 1) has an empty coder.
    #[error("row {row}: the coder is empty")]
    EmptyCoder { row: usize },
}

/// Reliability data: units × coders, each cell a value or missing.
///
/// Values are either all numbers (every non-missing value parses as a finite `f64`; then `"1"`
/// and `"1.0"` are the same value and the ordinal and interval alphas are available) or all
/// nominal labels (compared as trimmed text).
#[derive(Debug, Clone, PartialEq)]
pub struct Ratings {
    coders: Vec<String>,
    units: Vec<String>,
    /// `cells[unit * coders.len() + coder]`: an index into `values`, or `None` when missing.
    cells: Vec<Option<usize>>,
    /// The distinct values, ascending (numerically when numeric, else by text).
    values: Vec<Value>,
    numeric: bool,
}

impl Ratings {
    /// Reads rows `(unit, coder, value)`. Units and coders keep the order of their first row.
    ///
    /// All three fields are trimmed. An empty value is a missing value (the coder still counts
    /// as a coder). A second row for the same (unit, coder) pair is an error, even when one of
    /// the two values is empty, as is an empty unit or coder.
    pub fn from_rows<I, U, C, V>(rows: I) -> Result<Self, RatingsError>
    where
        I: IntoIterator<Item = (U, C, V)>,
        U: AsRef<str>,
        C: AsRef<str>,
        V: AsRef<str>,
    {
        let mut units = Vec::new();
        let mut unit_index = HashMap::new();
        let mut coders = Vec::new();
        let mut coder_index = HashMap::new();
        let mut seen = HashSet::new();
        let mut entries: Vec<(usize, usize, String)> = Vec::new();
        for (row, (unit, coder, value)) in rows.into_iter().enumerate() {
            let (unit, coder, value) = (unit.as_ref().trim(), coder.as_ref().trim(), value.as_ref().trim());
            if unit.is_empty() {
                return Err(RatingsError::EmptyUnit { row: row + 1 });
            }
            if coder.is_empty() {
                return Err(RatingsError::EmptyCoder { row: row + 1 });
            }
            let u = intern(&mut units, &mut unit_index, unit);
            let c = intern(&mut coders, &mut coder_index, coder);
            if !seen.insert((u, c)) {
                return Err(RatingsError::Duplicate { unit: unit.to_string(), coder: coder.to_string() });
            }
            if !value.is_empty() {
                entries.push((u, c, value.to_string()));
            }
        }

        let numbers: Option<Vec<f64>> =
            if entries.is_empty() { None } else { entries.iter().map(|(_, _, v)| parse_number(v)).collect() };
        let numeric = numbers.is_some();
        let (values, ids): (Vec<Value>, Vec<usize>) = match numbers {
            Some(numbers) => {
                let mut distinct = numbers.clone();
                distinct.sort_by(f64::total_cmp);
                distinct.dedup();
                let ids = numbers.iter().map(|x| distinct.partition_point(|d| d < x)).collect();
                (distinct.into_iter().map(Value::Number).collect(), ids)
            }
            None => {
                let mut distinct: Vec<&str> = entries.iter().map(|(_, _, v)| v.as_str()).collect();
                distinct.sort_unstable();
                distinct.dedup();
                let ids = entries.iter().map(|(_, _, v)| distinct.partition_point(|d| *d < v.as_str())).collect();
                (distinct.into_iter().map(|s| Value::Label(s.to_string())).collect(), ids)
            }
        };

        let mut cells = vec![None; units.len() * coders.len()];
        for ((u, c, _), id) in entries.iter().zip(ids) {
            cells[u * coders.len() + c] = Some(id);
        }
        Ok(Ratings { coders, units, cells, values, numeric })
    }

    /// The coders, in the order of their first row.
    pub fn coders(&self) -> &[String] {
        &self.coders
    }

    /// The units, in the order of their first row.
    pub fn units(&self) -> &[String] {
        &self.units
    }

    /// Whether every non-missing value is a number (ordinal and interval alpha available).
    pub fn is_numeric(&self) -> bool {
        self.numeric
    }

    /// The distinct values, ascending.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The value coder `coder` gave unit `unit` (both indices), or `None` when missing or out of range.
    pub fn value(&self, unit: usize, coder: usize) -> Option<&Value> {
        if coder >= self.coders.len() {
            return None;
        }
        let id = (*self.cells.get(unit * self.coders.len() + coder)?)?;
        self.values.get(id)
    }
}

fn intern(names: &mut Vec<String>, index: &mut HashMap<String, usize>, name: &str) -> usize {
    if let Some(&i) = index.get(name) {
        return i;
    }
    names.push(name.to_string());
    index.insert(name.to_string(), names.len() - 1);
    names.len() - 1
}

/// A finite number, with `-0` read as `0`.
fn parse_number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|x| x.is_finite()).map(|x| x + 0.0)
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/// Agreement statistics of one set of [`Ratings`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Number of coders.
    pub coders: usize,
    /// Number of units (all of them, including units with fewer than two values).
    pub units: usize,
    /// Units with at least two values: the ones every statistic uses.
    pub pairable_units: usize,
    /// Pairwise percent agreement (see [`report`]); `None` when no unit has two values.
    pub percent_agreement: Option<f64>,
    /// Cohen's kappa; `None` unless there are exactly two coders (see [`report`]).
    pub cohen_kappa: Option<f64>,
    /// Krippendorff's alpha, nominal metric.
    pub alpha_nominal: Option<f64>,
    /// Krippendorff's alpha, ordinal metric; `None` when the values are not numbers.
    pub alpha_ordinal: Option<f64>,
    /// Krippendorff's alpha, interval metric; `None` when the values are not numbers.
    pub alpha_interval: Option<f64>,
}

/// Computes every statistic of `r`.
///
/// - **Percent agreement**: over the units with at least two values, the share of agreeing
///   pairs among all pairs of values given to the same unit, pooled over units:
///   `Σ_u Σ_c C(n_uc, 2) / Σ_u C(m_u, 2)`, where `m_u` is the number of values of unit `u` and
///   `n_uc` how many of them are `c`. With exactly two coders this is the share of the units both
///   coded on which they agree.
/// - **Cohen's kappa** (exactly two coders, else `None`): over the units both coded,
///   `κ = (p_o − p_e) / (1 − p_e)` with `p_e = Σ_k p_1k · p_2k`, each coder's own marginal
///   proportions. `None` when no unit was coded by both. When `p_e = 1` (both coders used one and
///   the same value throughout) kappa is undefined; it is reported as `Some(1.0)` if `p_o = 1`
///   (which then always holds) and `None` otherwise.
/// - **Krippendorff's alpha** through the coincidence matrix (Krippendorff 2011): units with fewer
///   than two values are dropped; each ordered pair of values from different coders of a unit adds
///   `1 / (m_u − 1)` to `o_ck`; `α = 1 − D_o / D_e` with `D_o = Σ o_ck δ²_ck / n` and
///   `D_e = Σ n_c n_k δ²_ck / (n (n − 1))`. Metrics: nominal (`δ² = 0` if equal, else 1), ordinal
///   over the ranks of the sorted distinct values (`δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²`),
///   interval (`δ²_ck = (c − k)²`). `None` when no unit has two values. When `D_e = 0` (a single
///   value was used) alpha is undefined; it is reported as `Some(1.0)` since then `D_o = 0` too.
pub fn report(r: &Ratings) -> Report {
    let m = r.coders.len();
    let v = r.values.len();
    let mut coincidences = vec![0.0_f64; v * v];
    let mut counts = vec![0_u64; v];
    let mut present: Vec<usize> = Vec::new();
    let (mut pairs, mut agreeing) = (0_u128, 0_u128);
    let mut pairable_units = 0;
    for row in r.cells.chunks(m.max(1)) {
        present.clear();
        let mut m_u = 0_u64;
        for &id in row.iter().flatten() {
            if counts[id] == 0 {
                present.push(id);
            }
            counts[id] += 1;
            m_u += 1;
        }
        if m_u >= 2 {
            pairable_units += 1;
            pairs += choose2(m_u);
            let weight = (m_u - 1) as f64;
            for &c in &present {
                let n_c = counts[c];
                agreeing += choose2(n_c);
                for &k in &present {
                    let ordered_pairs = if c == k { n_c * (n_c - 1) } else { n_c * counts[k] };
                    coincidences[c * v + k] += ordered_pairs as f64 / weight;
                }
            }
        }
        for &c in &present {
            counts[c] = 0;
        }
    }

    let percent_agreement = (pairs > 0).then(|| agreeing as f64 / pairs as f64);

    let cohen_kappa = if m == 2 {
        let (mut rows, mut cols) = (vec![0_u64; v], vec![0_u64; v]);
        let (mut n, mut agree) = (0_u64, 0_u64);
        for row in r.cells.chunks(2) {
            if let [Some(a), Some(b)] = *row {
                rows[a] += 1;
                cols[b] += 1;
                n += 1;
                agree += u64::from(a == b);
            }
        }
        let chance = rows.iter().zip(&cols).map(|(&a, &b)| u128::from(a) * u128::from(b)).sum();
        kappa(n, agree, chance)
    } else {
        None
    };

    let marginals: Vec<f64> = coincidences.chunks(v.max(1)).map(|row| row.iter().sum()).collect();
    let alpha_nominal = alpha(&coincidences, &marginals, |c, k| if c == k { 0.0 } else { 1.0 });
    let (alpha_ordinal, alpha_interval) = if r.numeric {
        let mut cumulative = Vec::with_capacity(v + 1);
        cumulative.push(0.0);
        let mut sum = 0.0;
        for &n_g in &marginals {
            sum += n_g;
            cumulative.push(sum);
        }
        let ordinal = alpha(&coincidences, &marginals, |c, k| {
            let (lo, hi) = if c <= k { (c, k) } else { (k, c) };
            let d = cumulative[hi + 1] - cumulative[lo] - (marginals[lo] + marginals[hi]) / 2.0;
            d * d
        });
        let numbers: Vec<f64> =
            r.values.iter().map(|value| if let Value::Number(x) = value { *x } else { 0.0 }).collect();
        let interval = alpha(&coincidences, &marginals, |c, k| (numbers[c] - numbers[k]).powi(2));
        (ordinal, interval)
    } else {
        (None, None)
    };

    Report {
        coders: m,
        units: r.units.len(),
        pairable_units,
        percent_agreement,
        cohen_kappa,
        alpha_nominal,
        alpha_ordinal,
        alpha_interval,
    }
}

fn choose2(n: u64) -> u128 {
    u128::from(n) * u128::from(n.saturating_sub(1)) / 2
}

/// Cohen's kappa from `n` units, `agree` agreeing units and `chance = Σ_k row_k · col_k`
/// (so `p_e = chance / n²`). Exact integer test for the degenerate `p_e = 1`.
fn kappa(n: u64, agree: u64, chance: u128) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let nn = u128::from(n) * u128::from(n);
    if chance >= nn {
        return (agree == n).then_some(1.0);
    }
    // (p_o − p_e) / (1 − p_e), both scaled by n².
    let numerator = (u128::from(agree) * u128::from(n)) as f64 - chance as f64;
    Some(numerator / (nn - chance) as f64)
}

/// Krippendorff's alpha from a `v × v` coincidence matrix, its marginals and a metric.
fn alpha(coincidences: &[f64], marginals: &[f64], delta2: impl Fn(usize, usize) -> f64) -> Option<f64> {
    let v = marginals.len();
    let n: f64 = marginals.iter().sum();
    if n < 2.0 {
        return None;
    }
    let (mut observed, mut expected) = (0.0, 0.0);
    for c in 0..v {
        for k in 0..v {
            let d = delta2(c, k);
            observed += coincidences[c * v + k] * d;
            expected += marginals[c] * marginals[k] * d;
        }
    }
    finish_alpha(observed / n, expected / (n * (n - 1.0)))
}

fn finish_alpha(observed: f64, expected: f64) -> Option<f64> {
    if expected == 0.0 { (observed == 0.0).then_some(1.0) } else { Some(1.0 - observed / expected) }
}

// ---------------------------------------------------------------------------------------------
// Coded text
// ---------------------------------------------------------------------------------------------

/// One coding: `coder` applied `code` to the code points `start..end` (end exclusive) of `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    pub source: u32,
    pub code: u32,
    pub coder: u32,
    pub start: u32,
    pub end: u32,
}

/// The length of a source, in code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceLen {
    pub source: u32,
    pub len: u32,
}

/// Agreement statistics over a set of binary units (coded / not coded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Number of units: characters or segments (summed over codes for the overall figure).
    pub units: u64,
    /// Pairwise percent agreement, as in [`report`].
    pub percent_agreement: Option<f64>,
    /// Cohen's kappa, exactly two coders only, as in [`report`].
    pub cohen_kappa: Option<f64>,
    /// Krippendorff's alpha (binary, nominal metric), as in [`report`].
    pub alpha: Option<f64>,
}

/// [`Agreement`] for one code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeAgreement {
    pub code: u32,
    /// Number of units: characters or segments.
    pub units: u64,
    pub percent_agreement: Option<f64>,
    pub cohen_kappa: Option<f64>,
    pub alpha: Option<f64>,
}

/// Agreement per code, ascending by code, and pooled over all codes.
///
/// The pooled figure sums the contingency counts and coincidence matrices of the codes (it is not
/// an average of the per-code figures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextAgreement {
    pub per_code: Vec<CodeAgreement>,
    pub overall: Agreement,
}

/// Counts of binary units: `by_count[k]` units (weighted) coded by exactly `k` coders,
/// `coded[c]` units coded by coder `c`. Everything the three statistics need.
#[derive(Debug, Clone)]
struct BinaryTally {
    units: u64,
    by_count: Vec<u64>,
    coded: Vec<u64>,
}

impl BinaryTally {
    fn new(coders: usize) -> Self {
        BinaryTally { units: 0, by_count: vec![0; coders + 1], coded: vec![0; coders] }
    }

    fn add(&mut self, other: &BinaryTally) {
        self.units += other.units;
        for (a, b) in self.by_count.iter_mut().zip(&other.by_count) {
            *a += b;
        }
        for (a, b) in self.coded.iter_mut().zip(&other.coded) {
            *a += b;
        }
    }

    fn agreement(&self) -> Agreement {
        let m = self.coded.len() as u64;
        let units = self.units;
        if m < 2 || units == 0 {
            return Agreement { units, percent_agreement: None, cohen_kappa: None, alpha: None };
        }
        let weighted = |f: &dyn Fn(u64) -> u128| -> u128 {
            self.by_count.iter().zip(0_u64..).map(|(&w, k)| u128::from(w) * f(k)).sum()
        };

        let agreeing = weighted(&|k| choose2(k) + choose2(m - k));
        let percent_agreement = Some(agreeing as f64 / (u128::from(units) * choose2(m)) as f64);

        let cohen_kappa = if m == 2 {
            let agree = self.by_count[0] + self.by_count[2];
            let (a, b) = (u128::from(self.coded[0]), u128::from(self.coded[1]));
            let n = u128::from(units);
            kappa(units, agree, a * b + (n - a.min(n)) * (n - b.min(n)))
        } else {
            None
        };

        // Every unit has m values; the coincidence matrix is 2 × 2 with
        // o_01 = Σ_k w_k · k (m − k) / (m − 1), n_1 = Σ_k w_k · k, n_0 = n − n_1.
        let n = u128::from(m) * u128::from(units);
        let ones = weighted(&|k| u128::from(k));
        let zeros = n - ones.min(n);
        let disagreeing = weighted(&|k| u128::from(k) * u128::from(m - k));
        let alpha = if ones == 0 || zeros == 0 {
            Some(1.0)
        } else {
            let observed = disagreeing as f64 / (m - 1) as f64;
            Some(1.0 - (n - 1) as f64 * observed / (zeros as f64 * ones as f64))
        };

        Agreement { units, percent_agreement, cohen_kappa, alpha }
    }
}

fn text_agreement(per_code: Vec<(u32, BinaryTally)>, coders: usize) -> TextAgreement {
    let mut pooled = BinaryTally::new(coders);
    let per_code = per_code
        .into_iter()
        .map(|(code, tally)| {
            pooled.add(&tally);
            let a = tally.agreement();
            CodeAgreement {
                code,
                units: a.units,
                percent_agreement: a.percent_agreement,
                cohen_kappa: a.cohen_kappa,
                alpha: a.alpha,
            }
        })
        .collect();
    TextAgreement { per_code, overall: pooled.agreement() }
}

fn sorted_unique(coders: &[u32]) -> Vec<u32> {
    let mut coders = coders.to_vec();
    coders.sort_unstable();
    coders.dedup();
    coders
}

/// A span boundary for the character sweep.
#[derive(Debug, Clone, Copy)]
struct Boundary {
    code: u32,
    source: u32,
    pos: u32,
    coder: u32,
    opens: bool,
}

/// Agreement with every character as a unit.
///
/// For every code, every character of every listed source is a unit; each listed coder's value
/// for it is 1 when one of their spans of that code covers it, else 0 (every listed coder counts
/// as having coded every listed source, so there are no missing values). Statistics are those of
/// [`report`] on that table, computed per code and pooled over codes.
///
/// Details:
/// - codes are those with at least one counted span; a code nobody applied is not reported;
/// - spans of unlisted coders or unlisted sources are ignored; spans are clipped to the source
///   length and empty spans are ignored;
/// - duplicate coders count once; a source listed twice counts once, with its larger length.
///
/// The work is a sweep over span boundaries: each run of characters between two boundaries is
/// weighted by its length, so the cost depends on the number of spans, not of characters.
pub fn character_agreement(sources: &[SourceLen], coders: &[u32], spans: &[Span]) -> TextAgreement {
    let coders = sorted_unique(coders);
    let m = coders.len();
    let mut lens: Vec<(u32, u32)> = sources.iter().map(|s| (s.source, s.len)).collect();
    lens.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    lens.dedup_by_key(|&mut (source, _)| source);
    let total: u64 = lens.iter().map(|&(_, len)| u64::from(len)).sum();

    let mut boundaries = Vec::with_capacity(spans.len() * 2);
    for s in spans {
        let Ok(coder) = coders.binary_search(&s.coder) else { continue };
        let Ok(i) = lens.binary_search_by_key(&s.source, |&(source, _)| source) else { continue };
        let len = lens[i].1;
        let (start, end) = (s.start.min(len), s.end.min(len));
        if start >= end {
            continue;
        }
        let coder = coder as u32;
        boundaries.push(Boundary { code: s.code, source: s.source, pos: start, coder, opens: true });
        boundaries.push(Boundary { code: s.code, source: s.source, pos: end, coder, opens: false });
    }
    boundaries.sort_unstable_by_key(|b| (u64::from(b.code) << 32 | u64::from(b.source), b.pos));

    let mut per_code: Vec<(u32, BinaryTally)> = Vec::new();
    let mut depth = vec![0_u32; m];
    let mut opened = vec![0_u32; m];
    let mut covering = 0_usize;
    let mut last = 0_u32;
    let mut current: Option<(u32, u32)> = None;
    for b in &boundaries {
        if current != Some((b.code, b.source)) {
            // Every span of the previous (code, source) has closed: `depth` is all zero again.
            covering = 0;
            last = b.pos;
            if current.map(|(code, _)| code) != Some(b.code) {
                per_code.push((b.code, BinaryTally::new(m)));
            }
            current = Some((b.code, b.source));
        }
        let Some((_, tally)) = per_code.last_mut() else { continue };
        if covering > 0 {
            tally.by_count[covering] += u64::from(b.pos.saturating_sub(last));
        }
        last = b.pos;
        let c = b.coder as usize;
        if b.opens {
            depth[c] += 1;
            if depth[c] == 1 {
                covering += 1;
                opened[c] = b.pos;
            }
        } else if depth[c] > 0 {
            depth[c] -= 1;
            if depth[c] == 0 {
                covering -= 1;
                tally.coded[c] += u64::from(b.pos.saturating_sub(opened[c]));
            }
        }
    }
    for (_, tally) in &mut per_code {
        tally.units = total;
        let covered: u64 = tally.by_count.iter().skip(1).sum();
        tally.by_count[0] = total.saturating_sub(covered);
    }
    text_agreement(per_code, m)
}

/// A span prepared for clustering.
#[derive(Debug, Clone, Copy)]
struct Item {
    code: u32,
    source: u32,
    start: u32,
    end: u32,
    /// Index into the sorted, deduplicated coders.
    coder: usize,
}

/// The non-empty spans of listed coders, by code, source, start, end.
fn segment_items(coders: &[u32], spans: &[Span]) -> Vec<Item> {
    let mut items: Vec<Item> = spans
        .iter()
        .filter(|s| s.start < s.end)
        .filter_map(|s| {
            let coder = coders.binary_search(&s.coder).ok()?;
            Some(Item { code: s.code, source: s.source, start: s.start, end: s.end, coder })
        })
        .collect();
    items.sort_unstable_by_key(|i| (i.code, i.source, i.start, i.end, i.coder));
    items
}

/// Overlapping spans of one code in one source, merged.
struct Cluster<'a> {
    code: u32,
    source: u32,
    start: u32,
    end: u32,
    items: &'a [Item],
}

/// Splits sorted items into clusters: spans sharing at least one character (transitively) are
/// merged; spans that merely touch (`a..b`, `b..c`) are separate clusters.
fn clusters(mut items: &[Item]) -> impl Iterator<Item = Cluster<'_>> {
    std::iter::from_fn(move || {
        let first = *items.first()?;
        let mut end = first.end;
        let mut len = 1;
        while let Some(next) = items.get(len) {
            if next.code != first.code || next.source != first.source || next.start >= end {
                break;
            }
            end = end.max(next.end);
            len += 1;
        }
        let (cluster, rest) = items.split_at(len);
        items = rest;
        Some(Cluster { code: first.code, source: first.source, start: first.start, end, items: cluster })
    })
}

/// Agreement with every segment as a unit.
///
/// For each code and source, the spans of all listed coders are merged into clusters: spans that
/// share at least one character, transitively (spans that only touch stay apart). Each cluster is
/// a unit; each listed coder's value is 1 when they have a span of that code in the cluster, else
/// 0. Statistics are those of [`report`] on that table, per code and pooled over codes.
///
/// Every cluster was coded by someone, so text nobody coded never counts as agreement (unlike
/// [`character_agreement`]); and boundaries do not matter, only whether each coder marked the
/// passage. Spans of unlisted coders and empty spans are ignored.
pub fn segment_agreement(coders: &[u32], spans: &[Span]) -> TextAgreement {
    let coders = sorted_unique(coders);
    let m = coders.len();
    let items = segment_items(&coders, spans);
    let mut per_code: Vec<(u32, BinaryTally)> = Vec::new();
    let mut stamp = vec![usize::MAX; m];
    for (id, cluster) in clusters(&items).enumerate() {
        if per_code.last().map(|(code, _)| *code) != Some(cluster.code) {
            per_code.push((cluster.code, BinaryTally::new(m)));
        }
        let Some((_, tally)) = per_code.last_mut() else { continue };
        let mut k = 0;
        for item in cluster.items {
            if stamp[item.coder] != id {
                stamp[item.coder] = id;
                tally.coded[item.coder] += 1;
                k += 1;
            }
        }
        tally.by_count[k] += 1;
        tally.units += 1;
    }
    text_agreement(per_code, m)
}

/// How the coders differ on a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DisagreementKind {
    /// At least one listed coder has no span of the code in the cluster.
    Presence,
    /// Every listed coder coded the cluster, but the characters they covered differ.
    Boundaries,
}

/// One coder's side of a [`Disagreement`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoderSegment {
    pub coder: u32,
    /// Whether the coder has a span of the code in the cluster.
    pub coded: bool,
    /// The coder's exact spans in the cluster, by start.
    pub spans: Vec<Range<u32>>,
}

/// A cluster (as in [`segment_agreement`]) on which the coders differ, for side-by-side
/// reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disagreement {
    pub source: u32,
    pub code: u32,
    /// Start of the cluster (code points).
    pub start: u32,
    /// End of the cluster (code points, exclusive).
    pub end: u32,
    pub kind: DisagreementKind,
    /// Every listed coder (ascending, duplicates removed), whether they coded the cluster or not.
    pub coders: Vec<CoderSegment>,
}

/// The clusters of [`segment_agreement`] where the listed coders differ: someone did not code
/// it ([`DisagreementKind::Presence`]), or everyone did but the characters covered differ
/// ([`DisagreementKind::Boundaries`]). Ordered by source, start, end, code.
pub fn disagreements(coders: &[u32], spans: &[Span]) -> Vec<Disagreement> {
    let coders = sorted_unique(coders);
    let items = segment_items(&coders, spans);
    let mut out = Vec::new();
    for cluster in clusters(&items) {
        let mut sides: Vec<CoderSegment> =
            coders.iter().map(|&coder| CoderSegment { coder, coded: false, spans: Vec::new() }).collect();
        for item in cluster.items {
            let side = &mut sides[item.coder];
            side.coded = true;
            side.spans.push(item.start..item.end);
        }
        let kind = if sides.iter().any(|s| !s.coded) {
            DisagreementKind::Presence
        } else {
            let mut coverages = sides.iter().map(|s| coverage(&s.spans));
            let first = coverages.next().unwrap_or_default();
            if coverages.all(|c| c == first) {
                continue;
            }
            DisagreementKind::Boundaries
        };
        out.push(Disagreement {
            source: cluster.source,
            code: cluster.code,
            start: cluster.start,
            end: cluster.end,
            kind,
            coders: sides,
        });
    }
    out.sort_by_key(|d| (d.source, d.start, d.end, d.code));
    out
}

/// The characters covered by spans sorted by start, as disjoint, non-touching ranges.
fn coverage(spans: &[Range<u32>]) -> Vec<Range<u32>> {
    let mut merged: Vec<Range<u32>> = Vec::with_capacity(spans.len());
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => merged.push(s.clone()),
        }
    }
    merged
}

#[cfg(test)]
#[path = "agreement_tests.rs"]
mod tests;
