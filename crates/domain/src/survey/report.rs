//! The analysis report: everything the paper's tables show (category tables with computed
//! bounds, distributions, item means, correlations, reliability) plus the data of a diverging
//! stacked bar chart, as one serde value that the CLI prints as JSON, the files layer writes
//! as XLSX, and the web layer can render and store as it is.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::category::Bands;
use super::instrument::{Coding, Instrument, Scale};
use super::link::{LinkSummary, PersonLookup};
use super::rank::{RankCorrelation, RankSums};
use super::reliability::{self, ItemTotals, Reliability};
use super::responses::{DroppedRespondent, MissingPolicy, ResponseTable, ResponsesError};
use super::scoring::ScoringLayout;
use super::tally::Plan;

/// Options of an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AnalysisOptions {
    /// Significance level for correlations and critical r (default 0.05).
    pub alpha: f64,
    pub missing: MissingPolicy,
    /// The day the survey was held, for ages taken from the registry when the file has no
    /// date column (`today`, `start`, `end`, `_submission_time`) or the cell is blank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_date: Option<time::Date>,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions { alpha: 0.05, missing: MissingPolicy::Refuse, survey_date: None }
    }
}

/// Why an analysis could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Responses(#[from] ResponsesError),
    #[error("the instrument has no scored items")]
    NoItems,
    #[error("alpha must lie strictly between 0 and 1, not {0}")]
    Alpha(f64),
}

/// Counts per category key, serialized as a JSON object in category order
/// (`{"very_low": 3, "low": 10, ...}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryCounts(pub Vec<(String, u64)>);

impl CategoryCounts {
    pub fn get(&self, key: &str) -> Option<u64> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

impl Serialize for CategoryCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for CategoryCounts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CategoryCounts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of category to count")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some((k, c)) = a.next_entry::<String, u64>()? {
                    v.push((k, c));
                }
                Ok(CategoryCounts(v))
            }
        }
        d.deserialize_map(V)
    }
}

/// One category's computed range: (lower, upper], the first closed [min, upper].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub category: String,
    pub label_id: String,
    pub lower: f64,
    pub upper: f64,
    /// Exact bounds as decimals (or fractions when they do not terminate).
    pub lower_exact: String,
    pub upper_exact: String,
    /// Whether `lower` itself is in this category (only for the first).
    pub lower_inclusive: bool,
    /// The same range as percent of the score range.
    pub percent_from: f64,
    pub percent_to: f64,
}

/// Respondents in one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryShare {
    pub category: String,
    pub count: u64,
    pub percent: f64,
}

/// Category table and distribution of an indicator or the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreSummary {
    pub name: String,
    pub label: String,
    /// Number of items k.
    pub items: usize,
    pub min: i64,
    pub max: i64,
    /// (max − min)/c, exact and as a float.
    pub interval: f64,
    pub interval_exact: String,
    /// The c upper bounds, ascending.
    pub bounds: Vec<f64>,
    pub bands: Vec<Band>,
    /// Mean per respondent of the summed score.
    pub mean: f64,
    /// Category of the mean (exact comparison).
    pub category: String,
    /// Mean as percent of the range achieved.
    pub percent: f64,
    pub distribution: CategoryCounts,
    pub distribution_percent: Vec<CategoryShare>,
}

impl ScoreSummary {
    /// The class interval as the study writes it: `(max − min)/c = interval`.
    pub fn interval_formula(&self) -> String {
        format!("({} − {})/{} = {}", self.max, self.min, self.bands.len(), self.interval_exact)
    }
}

/// One answer option's frequency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frequency {
    pub score: i32,
    pub choice: String,
    pub label: String,
    pub count: u64,
    pub percent: f64,
}

/// An item's mean, category and frequency table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemSummary {
    pub name: String,
    pub label: String,
    pub indicator: String,
    pub mean: f64,
    pub category: String,
    pub percent: f64,
    pub min: i32,
    pub max: i32,
    pub bounds: Vec<f64>,
    pub frequencies: Vec<Frequency>,
}

/// Which side of a diverging bar an answer is drawn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Negative,
    Neutral,
    Positive,
}

/// One segment of a diverging stacked bar: it spans [start, start + percent] on an axis
/// whose 0 separates the lower half of the scale from the upper half (a middle answer of an
/// odd scale is centred on 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarSegment {
    pub score: i32,
    pub label: String,
    pub count: u64,
    pub percent: f64,
    pub side: Side,
    pub start: f64,
}

/// The diverging stacked bar of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DivergingBar {
    pub item: String,
    pub label: String,
    pub indicator: String,
    pub segments: Vec<BarSegment>,
}

/// A factor × target correlation row. The statistics are flattened in (see [`RankCorrelation`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationRow {
    pub factor: String,
    pub factor_label: String,
    /// An indicator's group name, or `total`.
    pub target: String,
    #[serde(flatten)]
    pub stats: RankCorrelation,
    /// p < alpha with the exact p when it is computed, else the t p (see `p_method`); `null`
    /// when p is undefined.
    pub significant: Option<bool>,
    /// Why rho is undefined, in words.
    pub reason: Option<String>,
}

/// Distribution of one factor's codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorSummary {
    pub name: String,
    pub label: String,
    pub codes: Vec<FactorCode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorCode {
    pub code: i32,
    /// The choice label or the bin (`41-50`).
    pub label: String,
    pub count: u64,
    pub percent: f64,
}

/// The full analysis of an instrument's responses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub title: String,
    pub form_id: String,
    pub n: u64,
    pub alpha: f64,
    /// Respondents left out with `--drop-incomplete`, with their problems (the first
    /// [`super::tally::MAX_LISTED`]).
    pub dropped: Vec<DroppedRespondent>,
    /// How many respondents were left out in all.
    #[serde(default)]
    pub dropped_count: u64,
    pub items: Vec<ItemSummary>,
    pub indicators: Vec<ScoreSummary>,
    pub total: ScoreSummary,
    pub correlations: Vec<CorrelationRow>,
    pub reliability: Reliability,
    pub factors: Vec<FactorSummary>,
    pub item_chart: Vec<DivergingBar>,
    /// Remarks for the reader (dropped respondents, ties, undefined correlations).
    pub notes: Vec<String>,
    /// Respondents linked to the registry: how many matched, and those that did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<LinkSummary>,
}

fn pct(count: u64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { 100.0 * count as f64 / n as f64 }
}

/// Category table of a summed score; `head` is (name, label, number of items).
fn summary(
    head: (&str, &str, usize),
    bands: &Bands,
    sum: i64,
    n: u64,
    dist: &[u64],
    instrument: &Instrument,
) -> ScoreSummary {
    let (name, label, items) = head;
    let cats = &instrument.categories;
    let keys: Vec<String> = (0..cats.len()).map(|j| cats.key(j).to_string()).collect();
    let bands_out = (0..bands.upper.len())
        .map(|j| {
            let lo = bands.lower(j);
            let hi = bands.upper[j];
            Band {
                category: keys[j].clone(),
                label_id: cats.categories[j].label_id.clone(),
                lower: lo.to_f64(),
                upper: hi.to_f64(),
                lower_exact: lo.to_string(),
                upper_exact: hi.to_string(),
                lower_inclusive: j == 0,
                percent_from: bands.percent(lo.num(), lo.den()),
                percent_to: bands.percent(hi.num(), hi.den()),
            }
        })
        .collect();
    let cat = bands.classify(sum as i128, n.max(1) as i128);
    ScoreSummary {
        name: name.to_string(),
        label: label.to_string(),
        items,
        min: bands.min,
        max: bands.max,
        interval: bands.interval.to_f64(),
        interval_exact: bands.interval.to_string(),
        bounds: bands.upper.iter().map(|b| b.to_f64()).collect(),
        bands: bands_out,
        mean: sum as f64 / n.max(1) as f64,
        category: keys[cat].clone(),
        percent: bands.percent(sum as i128, n.max(1) as i128),
        distribution: CategoryCounts(keys.iter().cloned().zip(dist.iter().copied()).collect()),
        distribution_percent: keys
            .iter()
            .zip(dist)
            .map(|(k, &c)| CategoryShare { category: k.clone(), count: c, percent: pct(c, n) })
            .collect(),
    }
}

fn diverging(scale: &Scale, counts: &[u64], n: u64) -> Vec<BarSegment> {
    let points = (scale.max - scale.min + 1) as usize;
    let label = |score: i32| scale.choices.iter().find(|c| c.score == score).map_or(String::new(), |c| c.label.clone());
    let side = |idx: usize| -> Side {
        if points % 2 == 1 && idx == points / 2 {
            Side::Neutral
        } else if idx < points / 2 {
            Side::Negative
        } else {
            Side::Positive
        }
    };
    let mut segs: Vec<BarSegment> = (0..points)
        .map(|i| {
            let c = counts.get(i).copied().unwrap_or(0);
            BarSegment {
                score: scale.min + i as i32,
                label: label(scale.min + i as i32),
                count: c,
                percent: pct(c, n),
                side: side(i),
                start: 0.0,
            }
        })
        .collect();
    // Starts measured from 0 on both sides, so the centre line is exactly 0.
    let half_neutral: f64 = segs.iter().filter(|s| s.side == Side::Neutral).map(|s| s.percent / 2.0).sum();
    let mut left = -half_neutral;
    for s in segs.iter_mut().rev().filter(|s| s.side == Side::Negative) {
        left -= s.percent;
        s.start = left;
    }
    let mut right = half_neutral;
    for s in segs.iter_mut() {
        match s.side {
            Side::Neutral => s.start = -half_neutral,
            Side::Positive => {
                s.start = right;
                right += s.percent;
            }
            Side::Negative => {}
        }
    }
    segs
}

/// Reads responses against an instrument and analyses them.
pub fn analyze(
    instrument: &Instrument,
    table: &ResponseTable,
    options: &AnalysisOptions,
) -> Result<Report, AnalysisError> {
    let mut plan = Plan::new(instrument, &table.columns, options)?;
    plan.decimal_comma = table.decimal_comma;
    let mut tally = plan.tally();
    for row in &table.rows {
        plan.add_row(&mut tally, row.line, |c| row.cells.get(c).map_or(&b""[..], |s| s.as_bytes()));
    }
    plan.report(&tally)
}

/// [`analyze`] with respondents linked to the registry: factors marked `berdaya_registry`
/// are taken from `lookup` (see [`super::link`]) and the report says who was matched.
pub fn analyze_linked(
    instrument: &Instrument,
    table: &ResponseTable,
    options: &AnalysisOptions,
    lookup: &dyn PersonLookup,
) -> Result<Report, AnalysisError> {
    let mut plan = Plan::new(instrument, &table.columns, options)?.with_lookup(lookup);
    plan.decimal_comma = table.decimal_comma;
    let mut tally = plan.tally();
    for row in &table.rows {
        plan.add_row(&mut tally, row.line, |c| row.cells.get(c).map_or(&b""[..], |s| s.as_bytes()));
    }
    plan.report(&tally)
}

/// The counts a report is computed from (see [`super::tally`]).
pub(crate) struct Counts<'a> {
    pub instrument: &'a Instrument,
    pub layout: &'a ScoringLayout,
    pub alpha: f64,
    pub n: u64,
    /// Per item: respondents by stored value (score − scale minimum).
    pub item_counts: &'a [Vec<u64>],
    /// Per indicator, then the total: respondents by raw summed score.
    pub hist: &'a [Vec<u64>],
    /// Per factor, per indicator then total: (table, rows = codes, columns = raw scores).
    pub joint: &'a [Vec<(&'a [u64], usize, usize)>],
    /// Per factor: (code, respondents), codes ascending.
    pub factor_counts: &'a [Vec<(i32, u64)>],
    pub totals: &'a ItemTotals,
    pub dropped: &'a [DroppedRespondent],
    pub dropped_count: u64,
    pub link: Option<LinkSummary>,
}

/// Σ and the distribution over categories of a summed score, from its histogram of raw sums.
fn from_hist(hist: &[u64], bands: &Bands, offset: i64, n: u64) -> (i64, Vec<u64>) {
    let table = bands.table();
    let c = bands.upper.len();
    let mut dist = vec![0u64; c];
    let mut raw: i128 = 0;
    for (s, &count) in hist.iter().enumerate() {
        if count == 0 {
            continue;
        }
        raw += s as i128 * count as i128;
        let cat = table.get(s).copied().unwrap_or(c as u8 - 1);
        dist[cat as usize] += count;
    }
    ((raw + i128::from(offset) * n as i128) as i64, dist)
}

/// The report of tallied counts.
pub(crate) fn assemble(k: Counts<'_>) -> Report {
    let Counts {
        instrument,
        layout,
        alpha,
        n,
        item_counts,
        hist,
        joint,
        factor_counts,
        totals,
        dropped,
        dropped_count,
        link,
    } = k;
    let items_all: Vec<_> = instrument.items().collect();
    let mut items = Vec::new();
    let mut chart = Vec::new();
    let c = instrument.categories.len();
    for (ind, range) in instrument.indicators.iter().zip(&layout.indicators) {
        for (j, it) in range.clone().zip(&ind.items) {
            let scale = &it.scale;
            let Some(bands) = Bands::new(i64::from(scale.min), i64::from(scale.max), c) else { continue };
            let counts = &item_counts[j];
            let stored: u64 = counts.iter().enumerate().map(|(v, &c)| v as u64 * c).sum();
            let sum = stored as i128 + i128::from(scale.min) * n as i128;
            let cat = bands.classify(sum, n.max(1) as i128);
            items.push(ItemSummary {
                name: it.name.clone(),
                label: it.label.clone(),
                indicator: ind.name.clone(),
                mean: sum as f64 / n.max(1) as f64,
                category: instrument.categories.key(cat).to_string(),
                percent: bands.percent(sum, n.max(1) as i128),
                min: scale.min,
                max: scale.max,
                bounds: bands.upper.iter().map(|b| b.to_f64()).collect(),
                frequencies: scale
                    .ascending()
                    .into_iter()
                    .map(|ch| {
                        let count = counts.get((ch.score - scale.min) as usize).copied().unwrap_or(0);
                        Frequency {
                            score: ch.score,
                            choice: ch.name.clone(),
                            label: ch.label.clone(),
                            count,
                            percent: pct(count, n),
                        }
                    })
                    .collect(),
            });
            chart.push(DivergingBar {
                item: it.name.clone(),
                label: it.label.clone(),
                indicator: ind.name.clone(),
                segments: diverging(scale, counts, n),
            });
        }
    }
    let indicators: Vec<ScoreSummary> = instrument
        .indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| {
            let bands = &layout.indicator_bands[i];
            let (sum, dist) = from_hist(&hist[i], bands, layout.indicator_offsets[i].into(), n);
            summary((&ind.name, &ind.label, ind.items.len()), bands, sum, n, &dist, instrument)
        })
        .collect();
    let ni = instrument.indicators.len();
    let total_offset: i64 = layout.indicator_offsets.iter().map(|&o| i64::from(o)).sum();
    let (total_sum, total_dist) = from_hist(&hist[ni], &layout.total_bands, total_offset, n);
    let total = summary(("total", "Total", layout.k), &layout.total_bands, total_sum, n, &total_dist, instrument);
    // Correlations: each factor against each indicator and the total.
    let target_names: Vec<&str> =
        instrument.indicators.iter().map(|i| i.name.as_str()).chain(std::iter::once("total")).collect();
    let mut correlations = Vec::new();
    for (f, tables) in instrument.factors.iter().zip(joint) {
        for (target, &(table, nx, ny)) in target_names.iter().zip(tables) {
            let stats = RankCorrelation::from_sums(&RankSums::from_table(table, nx, ny));
            let significant = stats.significant(alpha);
            let reason = stats.undefined.map(|u| u.to_string());
            correlations.push(CorrelationRow {
                factor: f.name.clone(),
                factor_label: f.label.clone(),
                target: target.to_string(),
                stats,
                significant,
                reason,
            });
        }
    }
    let names: Vec<String> = items_all.iter().map(|i| i.name.clone()).collect();
    let reliability = reliability::from_totals(totals, &names, alpha);
    let factors = instrument
        .factors
        .iter()
        .zip(factor_counts)
        .map(|(f, counts)| {
            let mut labels: Vec<(i32, String)> = match &f.coding {
                Coding::Choices { scale } => scale.choices.iter().map(|c| (c.score, c.label.clone())).collect(),
                Coding::Bins { bins, .. } => bins
                    .iter()
                    .map(|b| {
                        let t = b.to_string();
                        (b.code, t.rsplit_once(':').map_or(t.clone(), |(r, _)| r.to_string()))
                    })
                    .collect(),
            };
            labels.sort_by_key(|l| std::cmp::Reverse(l.0));
            labels.dedup_by(|a, b| {
                if a.0 == b.0 {
                    b.1 = format!("{}; {}", b.1, a.1);
                    true
                } else {
                    false
                }
            });
            FactorSummary {
                name: f.name.clone(),
                label: f.label.clone(),
                codes: labels
                    .into_iter()
                    .map(|(code, label)| {
                        let count = counts.iter().find(|(c, _)| *c == code).map_or(0, |(_, n)| *n);
                        FactorCode { code, label, count, percent: pct(count, n) }
                    })
                    .collect(),
            }
        })
        .collect();
    let mut notes = Vec::new();
    if dropped_count > 0 {
        notes.push(format!("{dropped_count} respondent(s) with blank or invalid answers were dropped; {n} analysed."));
    }
    if dropped_count > dropped.len() as u64 {
        notes.push(format!("The first {} dropped respondents are listed.", dropped.len()));
    }
    let differing = correlations.iter().filter(|c| c.stats.shortcut_differs).count();
    if differing > 0 {
        notes.push(format!(
            "In {differing} of {} correlations the printed shortcut 1 − 6Σd²/(n(n²−1)) differs from the \
             tie-corrected rho because answers tie; rho is the tie-corrected value.",
            correlations.len()
        ));
    }
    let undefined = correlations.iter().filter(|c| c.stats.rho.is_none()).count();
    if undefined > 0 {
        notes.push(format!("{undefined} correlation(s) are undefined because a column is constant."));
    }
    notes.extend(reliability.warnings.iter().cloned());
    for warning in &instrument.warnings {
        notes.push(format!("Form warning: {warning}"));
    }
    if let Some(l) = &link {
        let (matched, unmatched, column) = (l.matched, l.unmatched, &l.column);
        notes.push(format!(
            "{matched} of {} respondent(s) were found in the registry by column {column}; {unmatched} were not.",
            matched + unmatched
        ));
    }
    Report {
        title: instrument.title.clone(),
        form_id: instrument.form_id.clone(),
        n,
        alpha,
        dropped: dropped.to_vec(),
        dropped_count,
        items,
        indicators,
        total,
        correlations,
        reliability,
        factors,
        item_chart: chart,
        notes,
        link,
    }
}

#[cfg(test)]
mod tests {
    use super::super::instrument::Instrument;
    use super::super::seed004;
    use super::*;

    fn assert_json_close(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
        use serde_json::Value;
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                assert!((x - y).abs() <= 1e-15 * y.abs().max(1.0), "{at}: {x} vs {y}");
            }
            (Value::Array(x), Value::Array(y)) => {
                assert_eq!(x.len(), y.len(), "{at}");
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    assert_json_close(p, q, &format!("{at}[{i}]"));
                }
            }
            (Value::Object(x), Value::Object(y)) => {
                assert_eq!(x.len(), y.len(), "{at}");
                for (k, p) in x {
                    assert_json_close(p, &y[k], &format!("{at}.{k}"));
                }
            }
            _ => assert_eq!(a, b, "{at}"),
        }
    }

    fn instrument() -> Instrument {
        Instrument::from_xlsform(&seed004::xlsform()).unwrap()
    }

    #[test]
    fn seed_example_report_has_the_papers_tables() {
        let inst = instrument();
        let table = seed004::example_responses(43, 4);
        let r = analyze(&inst, &table, &AnalysisOptions::default()).unwrap();
        assert_eq!(r.n, 43);
        assert_eq!(r.items.len(), 14);
        assert_eq!(r.items[0].bounds, [1.75, 2.5, 3.25, 4.0]);
        assert_eq!(r.indicators[0].bounds, [5.25, 7.5, 9.75, 12.0]);
        assert_eq!(r.indicators[1].bounds, [10.5, 15.0, 19.5, 24.0]);
        assert_eq!(r.indicators[2].bounds, [8.75, 12.5, 16.25, 20.0]);
        assert_eq!(r.total.bounds, [24.5, 35.0, 45.5, 56.0]);
        assert_eq!(r.total.interval_exact, "10.5");
        assert_eq!((r.total.min, r.total.max, r.total.items), (14, 56, 14));
        let total: u64 = r.total.distribution.0.iter().map(|(_, c)| c).sum();
        assert_eq!(total, 43);
        assert_eq!(r.correlations.len(), 8 * 4);
        assert!(r.correlations.iter().all(|c| c.stats.n == 43));
        // The mean of summed scores equals the sum of item means.
        let items_mean: f64 = r.items.iter().map(|i| i.mean).sum();
        assert!((items_mean - r.total.mean).abs() < 1e-9);
        // Diverging bars: negative answers (1, 2) end at 0.
        let seg = &r.item_chart[0].segments;
        assert_eq!(seg[2].start, 0.0, "{seg:?}");
        assert!((seg[0].start + seg[0].percent + seg[1].percent).abs() < 1e-12);
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["indicators"][0]["distribution"]["very_low"].is_u64());
        // Storage keeps the JSON text; it must read back to the same report (serde_json's
        // default float parsing may differ in the last bit, hence the tolerance).
        let text = serde_json::to_string(&r).unwrap();
        let back: Report = serde_json::from_str(&text).unwrap();
        let again: serde_json::Value = serde_json::to_value(&back).unwrap();
        assert_json_close(&again, &serde_json::to_value(&r).unwrap(), "$");
    }

    #[test]
    fn bad_answers_are_listed_or_dropped() {
        let inst = instrument();
        let mut table = seed004::example_responses(10, 1);
        let col = |name: &str| table.columns.iter().position(|c| c.ends_with(name)).unwrap();
        let (rek, umur) = (col("/rekening"), col("/umur"));
        table.rows[2].cells[rek] = String::new();
        table.rows[5].cells[rek] = "7".into();
        table.rows[5].cells[umur] = "tua".into();
        let err = analyze(&inst, &table, &AnalysisOptions::default()).unwrap_err();
        let AnalysisError::Responses(ResponsesError::BadAnswers(p)) = err else { panic!("{err:?}") };
        let text: Vec<String> = p.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            text,
            [
                "row 4 (respondent R003), column persiapan/rekening: blank answer",
                "row 7 (respondent R006), column persiapan/rekening: 7 is outside the scale 1–4 of list `keterlibatan`",
                "row 7 (respondent R006), column responden/umur: `tua` is not a number",
            ]
        );
        let opts = AnalysisOptions { missing: MissingPolicy::DropIncomplete, ..AnalysisOptions::default() };
        let r = analyze(&inst, &table, &opts).unwrap();
        assert_eq!(r.n, 8);
        assert_eq!(r.dropped.len(), 2);
        assert!(r.notes[0].starts_with("2 respondent(s)"));
    }
}
