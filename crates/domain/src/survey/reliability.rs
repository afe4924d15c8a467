//! Item validity and reliability as Indonesian theses report them: item–total Pearson r and
//! corrected item–rest r against the critical r for n at α, and Cronbach's alpha overall
//! and if each item is deleted. All sums are exact integers; only the final ratios are floats.
//!
//! An item is valid when its *corrected* item–rest r exceeds the critical r (SPSS's
//! "Corrected Item-Total Correlation"): the uncorrected item–total r contains the item itself
//! and passes pure noise (five independent items give item–total r ≈ 1/√5 ≈ 0.45, above the
//! critical r for any n over 20). Both r and both decisions are reported.

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
    /// The validity decision: r_item_rest > r_critical (`null` when either is undefined).
    pub valid: Option<bool>,
    /// r_item_rest > r_critical: the same as `valid`, named for what it compares.
    pub valid_corrected: Option<bool>,
    /// r_item_total > r_critical: the uncorrected comparison, shown beside the decision.
    pub valid_uncorrected: Option<bool>,
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
    /// Alpha over all k items, as the formula gives it (an item that never varies counts in k).
    pub cronbach_alpha: Option<f64>,
    pub cronbach_reason: Option<String>,
    /// Alpha over the items that vary (R's `psych::alpha` drops the others); equal to
    /// `cronbach_alpha` when every item varies; `null` when fewer than two items vary.
    pub cronbach_alpha_without_constant: Option<f64>,
    /// Items every respondent answered the same way.
    pub constant_items: Vec<String>,
    /// Remarks for the reader (items that never vary).
    pub warnings: Vec<String>,
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
                valid: cmp(r_item_rest),
                valid_corrected: cmp(r_item_rest),
                valid_uncorrected: cmp(r_item_total),
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
    // A constant item adds nothing to Σ var(item) nor to var(total): dropping it only changes k.
    // With fewer than two respondents nothing can vary: no item is singled out.
    let constant: Vec<usize> = if n < 2 { Vec::new() } else { (0..k).filter(|&j| var_x[j] == 0).collect() };
    let constant_items: Vec<String> = constant.iter().map(|&j| names.get(j).cloned().unwrap_or_default()).collect();
    let cronbach_alpha_without_constant = cronbach(k - constant.len(), sum_var, var_t);
    let mut warnings = Vec::new();
    if !constant_items.is_empty() {
        let names = constant_items.join(", ");
        warnings.push(format!(
            "every respondent gave the same answer to {names}: Cronbach's alpha counts these items; alpha without them (as R's psych::alpha drops them) is given beside it"
        ));
    }
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
        cronbach_alpha_without_constant,
        constant_items,
        warnings,
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
        assert!(r.constant_items.is_empty() && r.warnings.is_empty());
        assert_eq!(r.cronbach_alpha_without_constant, r.cronbach_alpha);
    }

    fn matrix(rows: &[[u8; 5]]) -> AnswerMatrix {
        AnswerMatrix { n: rows.len(), k: 5, data: rows.concat(), offsets: vec![1; 5] }
    }

    /// Issue 11: five pure-noise items (alpha 0.15) were all "valid" because the item–total r
    /// contains the item itself. 30 respondents, scores 1–5 from numpy's
    /// `default_rng(32).integers(1, 6, size=(30, 5))` (stored here as score − 1), checked with
    /// numpy: alpha = 0.14565148806393965; item–total r = 0.3760, 0.4376, 0.6104, 0.4729,
    /// 0.4622 (all above r critical 0.3610069077332332 = t/√(t² + 28), t = t.ppf(0.975, 28));
    /// corrected item–rest r = −0.0030, 0.0115, 0.1687, 0.0538, 0.0827 (none above it).
    #[test]
    fn noise_items_are_not_valid_by_the_corrected_r() {
        const SCORES: [[u8; 5]; 30] = [
            [5, 1, 5, 3, 3],
            [2, 2, 2, 4, 4],
            [2, 5, 4, 5, 4],
            [4, 3, 5, 5, 3],
            [4, 2, 5, 3, 3],
            [4, 2, 5, 3, 3],
            [1, 3, 4, 3, 4],
            [1, 4, 1, 5, 2],
            [2, 4, 2, 5, 4],
            [1, 1, 3, 4, 5],
            [3, 5, 2, 1, 3],
            [1, 1, 1, 1, 2],
            [3, 2, 1, 3, 1],
            [1, 5, 5, 1, 4],
            [3, 3, 3, 5, 5],
            [3, 2, 2, 4, 4],
            [3, 5, 2, 4, 3],
            [5, 1, 1, 3, 5],
            [3, 2, 2, 4, 1],
            [2, 3, 3, 1, 5],
            [4, 2, 4, 5, 2],
            [3, 3, 5, 3, 3],
            [3, 2, 5, 5, 1],
            [2, 3, 5, 3, 2],
            [4, 2, 2, 4, 3],
            [2, 1, 4, 3, 1],
            [4, 1, 4, 1, 3],
            [5, 5, 5, 3, 4],
            [2, 5, 1, 1, 4],
            [4, 2, 1, 2, 1],
        ];
        let rows: Vec<[u8; 5]> = SCORES.iter().map(|r| r.map(|v| v - 1)).collect();
        let names: Vec<String> = (1..=5).map(|i| format!("x{i}")).collect();
        let r = reliability(&matrix(&rows), &names, 0.05);
        assert!((r.cronbach_alpha.unwrap() - 0.145_651_488_063_939_65).abs() < 1e-12);
        assert!((r.r_critical.unwrap() - 0.361_006_907_733_233_2).abs() < 1e-12);
        let total = [0.3760, 0.4376, 0.6104, 0.4729, 0.4622];
        let rest = [-0.0030, 0.0115, 0.1687, 0.0538, 0.0827];
        for (it, (t, c)) in r.items.iter().zip(total.iter().zip(rest)) {
            assert!((it.r_item_total.unwrap() - t).abs() < 5e-5, "{}: {:?}", it.name, it.r_item_total);
            assert!((it.r_item_rest.unwrap() - c).abs() < 5e-5, "{}: {:?}", it.name, it.r_item_rest);
            assert_eq!(it.valid_uncorrected, Some(true), "{}: uncorrected r passes noise", it.name);
            assert_eq!(it.valid, Some(false), "{}: noise is not valid", it.name);
            assert_eq!(it.valid_corrected, it.valid);
        }
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["items"][0]["valid_uncorrected"], true);
        assert_eq!(json["items"][0]["valid"], false);
    }

    /// An item every respondent answered the same way: alpha as the formula gives it counts it
    /// in k; psych::alpha drops it. The hand example above plus a constant fourth item:
    /// Σ var and var(total) are unchanged (6.4 and 17.3), so alpha = 4/3·(1 − 6.4/17.3) =
    /// 0.8400770712909441 and without the constant item 3/2·(1 − 6.4/17.3) = 0.9450867052023121
    /// (numpy, and R's psych::alpha reports the latter after dropping the item).
    #[test]
    fn alpha_is_also_given_without_items_that_never_vary() {
        let rows = [[1u8, 2, 1, 3], [2, 2, 3, 3], [3, 3, 3, 3], [4, 5, 4, 3], [5, 4, 5, 3]];
        let m = AnswerMatrix { n: 5, k: 4, data: rows.concat(), offsets: vec![0; 4] };
        let names: Vec<String> = ["x1", "x2", "x3", "same"].iter().map(|s| s.to_string()).collect();
        let r = reliability(&m, &names, 0.05);
        let (with, without) = (r.cronbach_alpha.unwrap(), r.cronbach_alpha_without_constant.unwrap());
        assert!((with - 0.840_077_071_290_944_1).abs() < 1e-12, "{with}");
        assert!((without - 0.945_086_705_202_312_1).abs() < 1e-12, "{without}");
        assert_eq!(r.constant_items, ["same"]);
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("same"), "{:?}", r.warnings);
        assert_eq!(r.items[3].reason.as_deref(), Some("every respondent gave the same answer"));
        assert_eq!(r.items[3].valid, None);
        // Two constant items out of three: one item varies, no alpha without them.
        let rows = [[1u8, 2, 2], [2, 2, 2], [3, 2, 2]];
        let m = AnswerMatrix { n: 3, k: 3, data: rows.concat(), offsets: vec![0; 3] };
        let r = reliability(&m, &names[..3], 0.05);
        assert_eq!(r.constant_items, ["x2", "x3"]);
        assert_eq!(r.cronbach_alpha_without_constant, None);
        assert!(r.cronbach_alpha.is_some());
    }
}
