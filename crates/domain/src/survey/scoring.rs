//! Scoring an answer matrix: summed scores per indicator and in total, category
//! distributions and item frequency tables, in one pass over a flat row-major byte matrix.

use std::ops::Range;

use super::category::Bands;
use super::instrument::Instrument;
use super::responses::AnswerMatrix;

/// Where each indicator's items sit in the answer matrix and how its sums are categorised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringLayout {
    pub k: usize,
    pub indicators: Vec<Range<usize>>,
    pub indicator_bands: Vec<Bands>,
    pub total_bands: Bands,
    /// Σ of item scale minima per indicator: sum of stored bytes + this = summed score.
    pub indicator_offsets: Vec<i32>,
    /// Scale size (max − min + 1) of each item.
    pub item_points: Vec<usize>,
}

impl ScoringLayout {
    /// Layout of a checked instrument; `None` if it has no items.
    pub fn new(instrument: &Instrument) -> Option<Self> {
        let c = instrument.categories.len();
        let mut start = 0;
        let mut indicators = Vec::new();
        let mut indicator_bands = Vec::new();
        let mut indicator_offsets = Vec::new();
        for ind in &instrument.indicators {
            indicators.push(start..start + ind.items.len());
            start += ind.items.len();
            indicator_bands.push(Bands::new(ind.min(), ind.max(), c)?);
            indicator_offsets.push(ind.min() as i32);
        }
        if start == 0 {
            return None;
        }
        let min: i64 = instrument.indicators.iter().map(|i| i.min()).sum();
        let max: i64 = instrument.indicators.iter().map(|i| i.max()).sum();
        Some(ScoringLayout {
            k: start,
            indicators,
            indicator_bands,
            total_bands: Bands::new(min, max, c)?,
            indicator_offsets,
            item_points: instrument.items().map(|i| (i.scale.max - i.scale.min) as usize + 1).collect(),
        })
    }
}

/// Per-respondent scores and the tallies reports need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scores {
    pub n: usize,
    /// Summed score of each indicator, per respondent (`indicators[i][respondent]`).
    pub indicators: Vec<Vec<i32>>,
    pub total: Vec<i32>,
    /// Σ over respondents of each item's stored value (score − scale min).
    pub item_sums: Vec<u64>,
    /// Frequency of each stored value per item (`item_counts[item][score − min]`).
    pub item_counts: Vec<Vec<u64>>,
    /// Respondents per category for each indicator and for the total.
    pub indicator_distribution: Vec<Vec<u64>>,
    pub total_distribution: Vec<u64>,
}

/// Scores every respondent. Linear in the matrix size, no allocation per respondent.
pub fn score(layout: &ScoringLayout, m: &AnswerMatrix) -> Scores {
    let n = m.n;
    let k = layout.k.min(m.k);
    let ni = layout.indicators.len();
    let tables: Vec<Vec<u8>> = layout.indicator_bands.iter().map(Bands::table).collect();
    let total_table = layout.total_bands.table();
    let total_offset: i32 = layout.indicator_offsets.iter().sum();
    let c = layout.total_bands.upper.len();
    let mut indicators: Vec<Vec<i32>> = (0..ni).map(|_| Vec::with_capacity(n)).collect();
    let mut total = Vec::with_capacity(n);
    let mut counts = vec![0u64; k * 256];
    let mut indicator_distribution = vec![vec![0u64; c]; ni];
    let mut total_distribution = vec![0u64; c];
    for row in m.data.chunks_exact(m.k.max(1)).take(n) {
        let row = &row[..k];
        let mut raw_total: u32 = 0;
        for (i, range) in layout.indicators.iter().enumerate() {
            let raw: u32 = row[range.clone()].iter().map(|&b| u32::from(b)).sum();
            raw_total += raw;
            indicators[i].push(raw as i32 + layout.indicator_offsets[i]);
            let cat = tables[i].get(raw as usize).copied().unwrap_or(c as u8 - 1);
            indicator_distribution[i][cat as usize] += 1;
        }
        total.push(raw_total as i32 + total_offset);
        let cat = total_table.get(raw_total as usize).copied().unwrap_or(c as u8 - 1);
        total_distribution[cat as usize] += 1;
        for (j, &b) in row.iter().enumerate() {
            counts[j * 256 + b as usize] += 1;
        }
    }
    let item_counts: Vec<Vec<u64>> =
        (0..k).map(|j| counts[j * 256..j * 256 + layout.item_points[j].min(256)].to_vec()).collect();
    let item_sums = item_counts.iter().map(|cs| cs.iter().enumerate().map(|(v, &c)| v as u64 * c).sum()).collect();
    Scores { n, indicators, total, item_sums, item_counts, indicator_distribution, total_distribution }
}
