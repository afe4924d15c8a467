//! Item validity and reliability as Indonesian theses report them: item–total Pearson r and
//! corrected item–rest r against the critical r for n at α, and Cronbach's alpha overall
//! and if each item is deleted. All sums are exact integers; only the final ratios are floats.

use serde::{Deserialize, Serialize};

use super::dist;
use super::responses::AnswerMatrix;

/// Validity and alpha of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemReliability {
    pub name: String,
    /// Pearson r of the item with the total score (the "r hitung" of most theses).
    pub r_item_total: Option<f64>,
    /// Pearson r of the item with the total of the *other* items (SPSS's corrected item-total).
    pub r_item_rest: Option<f64>,
    pub r_critical: Option<f64>,
    /// r_item_total > r_critical (`null` when either is undefined).
    pub valid: Option<bool>,
    /// r_item_rest > r_critical.
    pub valid_corrected: Option<bool>,
    pub alpha_if_deleted: Option<f64>,
    /// Why a value is missing (e.g. every respondent gave the same answer).
    pub reason: Option<String>,
}

/// Reliability of the whole instrument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    pub n: u64,
    pub k: usize,
    pub alpha_level: f64,
    /// Critical r (two-sided) for n at `alpha_level`: t/√(t² + n − 2), t the (1 − α/2) quantile of t_{n−2}.
    pub r_critical: Option<f64>,
    pub t_critical: Option<f64>,
    pub cronbach_alpha: Option<f64>,
    pub cronbach_reason: Option<String>,
    pub items: Vec<ItemReliability>,
}

/// r from exact co-moment numerators (n·Σxy − ΣxΣy etc.).
fn r_of(cxy: i128, cxx: i128, cyy: i128) -> Option<f64> {
    (cxx > 0 && cyy > 0).then(|| (cxy as f64 / ((cxx as f64).sqrt() * (cyy as f64).sqrt())).clamp(-1.0, 1.0))
}

fn cronbach(k: usize, sum_item_var: i128, total_var: i128) -> Option<f64> {
    (k >= 2 && total_var > 0).then(|| k as f64 / (k as f64 - 1.0) * (1.0 - sum_item_var as f64 / total_var as f64))
}

/// Exact sums over respondents of stored item values x (score − scale minimum) and their
/// total t: all that validity and alpha need, so they can be accumulated while a file streams
/// and merged across threads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemTotals {
    pub n: u64,
    /// Σx, Σx² and Σx·t per item.
    pub sx: Vec<u64>,
    pub sxx: Vec<u64>,
    pub sxt: Vec<u64>,
    /// Σt and Σt².
    pub st: u64,
    pub stt: u64,
}

impl ItemTotals {
    pub fn new(k: usize) -> Self {
        ItemTotals { n: 0, sx: vec![0; k], sxx: vec![0; k], sxt: vec![0; k], st: 0, stt: 0 }
    }

    pub fn k(&self) -> usize {
        self.sx.len()
    }

    /// Adds one respondent's stored values (one per item).
    pub fn add_row(&mut self, row: &[u8]) {
        let t: u64 = row.iter().map(|&b| u64::from(b)).sum();
        self.n += 1;
        self.st += t;
        self.stt += t * t;
        for (j, &b) in row.iter().enumerate() {
            let x = u64::from(b);
            self.sx[j] += x;
            self.sxx[j] += x * x;
            self.sxt[j] += x * t;
        }
    }

    /// Adds the sums of another part of the same data.
    pub fn merge(&mut self, other: &ItemTotals) {
        self.n += other.n;
        self.st += other.st;
        self.stt += other.stt;
        for j in 0..self.sx.len().min(other.sx.len()) {
            self.sx[j] += other.sx[j];
            self.sxx[j] += other.sxx[j];
            self.sxt[j] += other.sxt[j];
        }
    }

    pub fn from_matrix(m: &AnswerMatrix) -> Self {
        let mut t = ItemTotals::new(m.k);
        for row in m.data.chunks_exact(m.k.max(1)).take(m.n) {
            t.add_row(row);
        }
        t
    }
}

/// Item validity and Cronbach's alpha over all items of the matrix.
pub fn reliability(m: &AnswerMatrix, names: &[String], alpha_level: f64) -> Reliability {
    from_totals(&ItemTotals::from_matrix(m), names, alpha_level)
}

/// Item validity and Cronbach's alpha from accumulated sums.
pub fn from_totals(totals: &ItemTotals, names: &[String], alpha_level: f64) -> Reliability {
    let (n, k) = (totals.n as usize, totals.k());
    let sx: Vec<i128> = totals.sx.iter().map(|&v| i128::from(v)).collect();
    let sxx: Vec<i128> = totals.sxx.iter().map(|&v| i128::from(v)).collect();
    let sxt: Vec<i128> = totals.sxt.iter().map(|&v| i128::from(v)).collect();
    let (st, stt) = (i128::from(totals.st), i128::from(totals.stt));
    let nn = n as i128;
    // n²·variance numerators: c(a, b) = n·Σab − Σa·Σb.
    let var_x: Vec<i128> = (0..k).map(|j| nn * sxx[j] - sx[j] * sx[j]).collect();
    let var_t = nn * stt - st * st;
    let sum_var: i128 = var_x.iter().sum();
    let crit = dist::critical_r(alpha_level, n as u64);
    let r_critical = crit.map(|(r, _)| r);
    let items = (0..k)
        .map(|j| {
            let cxt = nn * sxt[j] - sx[j] * st;
            // rest = t − x
            let s_rest = st - sx[j];
            let s_rest2 = stt - 2 * sxt[j] + sxx[j];
            let s_x_rest = sxt[j] - sxx[j];
            let var_rest = nn * s_rest2 - s_rest * s_rest;
            let cxr = nn * s_x_rest - sx[j] * s_rest;
            let r_item_total = r_of(cxt, var_x[j], var_t);
            let r_item_rest = r_of(cxr, var_x[j], var_rest);
            let cmp = |r: Option<f64>| r.zip(r_critical).map(|(r, c)| r > c);
            ItemReliability {
                name: names.get(j).cloned().unwrap_or_default(),
                r_item_total,
                r_item_rest,
                r_critical,
                valid: cmp(r_item_total),
                valid_corrected: cmp(r_item_rest),
                alpha_if_deleted: cronbach(k - 1, sum_var - var_x[j], var_rest),
                reason: if var_x[j] == 0 {
                    Some("every respondent gave the same answer".to_string())
                } else if var_rest == 0 {
                    Some("the other items' total is the same for every respondent".to_string())
                } else {
                    None
                },
            }
        })
        .collect();
    let cronbach_alpha = cronbach(k, sum_var, var_t);
    Reliability {
        n: n as u64,
        k,
        alpha_level,
        r_critical,
        t_critical: crit.map(|(_, t)| t),
        cronbach_alpha,
        cronbach_reason: cronbach_alpha.is_none().then(|| {
            if k < 2 { "fewer than two items" } else { "the total score is the same for every respondent" }.to_string()
        }),
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 5-respondent, 3-item example computed by hand: items x1 = [1,2,3,4,5],
    /// x2 = [2,2,3,5,4], x3 = [1,3,3,4,5], total = [4,7,9,13,14]; sample variances 2.5, 1.7,
    /// 2.2 and 17.3, so alpha = 3/2·(1 − 6.4/17.3) = 0.9450867052023121 (numpy: the same).
    #[test]
    fn cronbach_and_item_total() {
        let rows = [[1u8, 2, 1], [2, 2, 3], [3, 3, 3], [4, 5, 4], [5, 4, 5]];
        let m = AnswerMatrix { n: 5, k: 3, data: rows.concat(), offsets: vec![0; 3] };
        let names: Vec<String> = ["x1", "x2", "x3"].iter().map(|s| s.to_string()).collect();
        let r = reliability(&m, &names, 0.05);
        let alpha = r.cronbach_alpha.unwrap();
        assert!((alpha - 0.945_086_705_202_312_1).abs() < 1e-12, "{alpha}");
        // alpha if x1 deleted: items x2, x3: 2·(1 − (1.7 + 2.2)/var(x2+x3)); x2+x3 = [3,5,6,9,9], var = 6.8.
        let a1 = r.items[0].alpha_if_deleted.unwrap();
        assert!((a1 - 2.0 * (1.0 - 3.9 / 6.8)).abs() < 1e-12, "{a1}");
        // r(x1, total) with total = [4,7,9,13,14].
        let want = super::super::rank::pearson(&[1.0, 2.0, 3.0, 4.0, 5.0], &[4.0, 7.0, 9.0, 13.0, 14.0]).unwrap();
        assert!((r.items[0].r_item_total.unwrap() - want).abs() < 1e-12);
        let rest = super::super::rank::pearson(&[1.0, 2.0, 3.0, 4.0, 5.0], &[3.0, 5.0, 6.0, 9.0, 9.0]).unwrap();
        assert!((r.items[0].r_item_rest.unwrap() - rest).abs() < 1e-12);
        // Critical r for n = 5 at 0.05 two-sided: 0.8783 in printed r tables (df = 3);
        // full precision from scipy.stats.t.ppf(0.975, 3) = t, t/√(t² + 3) = 0.8783394481598051.
        assert!((r.r_critical.unwrap() - 0.878_339_448_159_805_1).abs() < 1e-12);
    }
}
