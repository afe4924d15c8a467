//! Rank correlation: Spearman's rho (tie-corrected, with the printed shortcut beside it),
//! Kendall's tau-b, their p-values, and the strength/direction reading of Hasan (2001).
//!
//! Everything is computed from exact integer sums of *doubled, centred* average ranks:
//! for an observation in a tie group that starts after `c` smaller values and has `t`
//! members, its average rank is c + (t+1)/2, so a = 2·rank − (n+1) = 2c + t − n is an
//! integer. rho = Σab / √(Σa²·Σb²) (Pearson on average ranks), and Σd² = Σ(a−b)²/4.
//!
//! Ordinal survey data (scores, codes) has a small integer range, so the sums come from an
//! r×c contingency table built in one counting pass (split over threads for large n); any
//! other data goes through a sort-based path. Both paths give identical sums.

use std::cmp::Ordering;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::dist;

/// Why two columns cannot be correlated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrelationInputError {
    #[error("the two columns have different lengths ({x} and {y})")]
    LengthMismatch { x: usize, y: usize },
    #[error("value at position {index} is not a finite number")]
    NotFinite { index: usize },
}

/// Tie statistics of one column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieSums {
    /// Number of distinct values.
    pub distinct: u64,
    /// Σ t(t−1)/2 over tie groups: pairs tied in this column.
    pub tied_pairs: u128,
    /// Σ t(t−1)(2t+5), for the variance of Kendall's S.
    pub v: u128,
    /// Σ t(t−1)(t−2).
    pub t3: u128,
}

impl TieSums {
    fn add_group(&mut self, t: u64) {
        let t = t as u128;
        self.distinct += 1;
        if t >= 2 {
            self.tied_pairs += t * (t - 1) / 2;
            self.v += t * (t - 1) * (2 * t + 5);
            self.t3 += t * (t - 1) * (t - 2);
        }
    }

    pub fn has_ties(&self) -> bool {
        self.tied_pairs > 0
    }
}

/// Exact sufficient statistics for Spearman's rho and Kendall's tau-b of n pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankSums {
    pub n: u64,
    /// Σa², Σb², Σab of doubled centred average ranks (see module docs).
    pub saa: i128,
    pub sbb: i128,
    pub sab: i128,
    /// Pairs ordered the same way / the opposite way in both columns.
    pub concordant: u128,
    pub discordant: u128,
    pub x_ties: TieSums,
    pub y_ties: TieSums,
}

/// Largest contingency table the ordinal path will build.
const MAX_TABLE_CELLS: usize = 1 << 20;
/// Below this many pairs the counting pass runs on one thread.
const PARALLEL_MIN: usize = 1 << 16;

impl RankSums {
    /// Sums of integer data: a contingency table when both ranges are small, otherwise sorting.
    pub fn from_ints(x: &[i32], y: &[i32]) -> Result<Self, CorrelationInputError> {
        if x.len() != y.len() {
            return Err(CorrelationInputError::LengthMismatch { x: x.len(), y: y.len() });
        }
        let n = x.len();
        if n == 0 {
            return Ok(Self::empty());
        }
        let ((xmin, xmax), (ymin, ymax)) = par_min_max(x, y);
        let nx = (xmax as i64 - xmin as i64 + 1) as usize;
        let ny = (ymax as i64 - ymin as i64 + 1) as usize;
        if let Some(cells) = nx.checked_mul(ny)
            && cells <= MAX_TABLE_CELLS
            && cells <= n.max(4096)
        {
            let table = count_table(x, y, xmin, ymin, ny, cells);
            return Ok(Self::from_table(&table, nx, ny));
        }
        let (cx, kx) = dense_codes(x);
        let (cy, ky) = dense_codes(y);
        Ok(Self::from_codes(&cx, kx, &cy, ky))
    }

    /// Sums of arbitrary finite data. Small-range integer-valued data takes the table path.
    pub fn from_f64(x: &[f64], y: &[f64]) -> Result<Self, CorrelationInputError> {
        if x.len() != y.len() {
            return Err(CorrelationInputError::LengthMismatch { x: x.len(), y: y.len() });
        }
        for (i, (a, b)) in x.iter().zip(y).enumerate() {
            if !a.is_finite() || !b.is_finite() {
                return Err(CorrelationInputError::NotFinite { index: i });
            }
        }
        let as_int = |v: &[f64]| -> Option<Vec<i32>> {
            v.iter().map(|&a| (a.fract() == 0.0 && a.abs() < 1e9).then_some(a as i32)).collect()
        };
        if let (Some(xi), Some(yi)) = (as_int(x), as_int(y)) {
            return Self::from_ints(&xi, &yi);
        }
        let (cx, kx) = dense_codes(x);
        let (cy, ky) = dense_codes(y);
        Ok(Self::from_codes(&cx, kx, &cy, ky))
    }

    fn empty() -> Self {
        RankSums {
            n: 0,
            saa: 0,
            sbb: 0,
            sab: 0,
            concordant: 0,
            discordant: 0,
            x_ties: TieSums::default(),
            y_ties: TieSums::default(),
        }
    }

    /// Sums from an nx×ny table of counts (row-major; rows = x values ascending, columns =
    /// y values ascending). Empty rows and columns are allowed.
    pub fn from_table(table: &[u64], nx: usize, ny: usize) -> Self {
        debug_assert_eq!(table.len(), nx * ny);
        let mut rows = vec![0u64; nx];
        let mut cols = vec![0u64; ny];
        for i in 0..nx {
            for j in 0..ny {
                let c = table[i * ny + j];
                rows[i] += c;
                cols[j] += c;
            }
        }
        let n: u64 = rows.iter().sum();
        let (a, saa, x_ties) = centred_ranks(&rows, n);
        let (b, sbb, y_ties) = centred_ranks(&cols, n);
        let mut sab: i128 = 0;
        for i in 0..nx {
            if rows[i] == 0 {
                continue;
            }
            let mut row_sum: i128 = 0;
            for j in 0..ny {
                row_sum += table[i * ny + j] as i128 * b[j];
            }
            sab += a[i] * row_sum;
        }
        // Concordant pairs: Σ n_ij · (count strictly below-right), via a suffix sum per row.
        // below[j] = Σ_{i' > i, j' > j} n_i'j', updated from the last row upwards.
        let mut concordant: u128 = 0;
        let mut below = vec![0u64; ny + 1];
        let mut joint_tied: u128 = 0;
        for i in (0..nx).rev() {
            if rows[i] == 0 {
                continue;
            }
            for j in 0..ny {
                let c = table[i * ny + j] as u128;
                if c > 0 {
                    concordant += c * below[j + 1] as u128;
                    joint_tied += c * (c - 1) / 2;
                }
            }
            // Add row i to `below` as suffix sums over columns.
            let mut acc = 0u64;
            for j in (0..ny).rev() {
                acc += table[i * ny + j];
                below[j] += acc;
            }
        }
        let n0 = n as u128 * (n as u128).saturating_sub(1) / 2;
        let untied = n0 + joint_tied - x_ties.tied_pairs - y_ties.tied_pairs;
        RankSums { n, saa, sbb, sab, concordant, discordant: untied - concordant, x_ties, y_ties }
    }

    /// Sums from dense codes (0..kx, 0..ky) of each observation.
    fn from_codes(cx: &[u32], kx: usize, cy: &[u32], ky: usize) -> Self {
        let n = cx.len();
        if kx.saturating_mul(ky) <= MAX_TABLE_CELLS.min(n.max(4096)) {
            let mut table = vec![0u64; kx * ky];
            for (&i, &j) in cx.iter().zip(cy) {
                table[i as usize * ky + j as usize] += 1;
            }
            return Self::from_table(&table, kx, ky);
        }
        let mut rows = vec![0u64; kx];
        let mut cols = vec![0u64; ky];
        for &i in cx {
            rows[i as usize] += 1;
        }
        for &j in cy {
            cols[j as usize] += 1;
        }
        let (a, saa, x_ties) = centred_ranks(&rows, n as u64);
        let (b, sbb, y_ties) = centred_ranks(&cols, n as u64);
        let sab: i128 = cx.iter().zip(cy).map(|(&i, &j)| a[i as usize] * b[j as usize]).sum();
        // Kendall by a Fenwick tree over y codes, inserting x groups in ascending order.
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by_key(|&k| (cx[k as usize], cy[k as usize]));
        let mut fen = Fenwick::new(ky);
        let mut concordant: u128 = 0;
        let mut discordant: u128 = 0;
        let mut inserted: u64 = 0;
        let mut start = 0;
        while start < n {
            let g = cx[order[start] as usize];
            let mut end = start;
            while end < n && cx[order[end] as usize] == g {
                end += 1;
            }
            for &k in &order[start..end] {
                let v = cy[k as usize] as usize;
                let less = fen.prefix(v); // y codes < v
                let less_eq = fen.prefix(v + 1);
                concordant += less as u128;
                discordant += (inserted - less_eq) as u128;
            }
            for &k in &order[start..end] {
                fen.add(cy[k as usize] as usize);
                inserted += 1;
            }
            start = end;
        }
        RankSums { n: n as u64, saa, sbb, sab, concordant, discordant, x_ties, y_ties }
    }

    /// Σd² with d the difference of average ranks: Σ(a−b)²/4, as a float (exact when < 2^53).
    pub fn sum_d2(&self) -> f64 {
        let d4 = self.saa + self.sbb - 2 * self.sab;
        d4 as f64 / 4.0
    }
}

/// Per-value doubled centred ranks, their weighted Σa², and tie sums, from value counts.
fn centred_ranks(counts: &[u64], n: u64) -> (Vec<i128>, i128, TieSums) {
    let mut a = vec![0i128; counts.len()];
    let mut s: i128 = 0;
    let mut ties = TieSums::default();
    let mut before: i128 = 0;
    for (k, &t) in counts.iter().enumerate() {
        if t == 0 {
            continue;
        }
        let v = 2 * before + t as i128 - n as i128;
        a[k] = v;
        s += t as i128 * v * v;
        ties.add_group(t);
        before += t as i128;
    }
    (a, s, ties)
}

fn min_max(v: &[i32]) -> (i32, i32) {
    let mut lo = i32::MAX;
    let mut hi = i32::MIN;
    for &a in v {
        lo = lo.min(a);
        hi = hi.max(a);
    }
    (lo, hi)
}

fn threads_for(n: usize) -> usize {
    if n < PARALLEL_MIN { 1 } else { std::thread::available_parallelism().map_or(1, |p| p.get()).clamp(1, 8) }
}

fn par_min_max(x: &[i32], y: &[i32]) -> ((i32, i32), (i32, i32)) {
    let threads = threads_for(x.len());
    if threads == 1 {
        return (min_max(x), min_max(y));
    }
    let chunk = x.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> =
            x.chunks(chunk).zip(y.chunks(chunk)).map(|(a, b)| s.spawn(move || (min_max(a), min_max(b)))).collect();
        let mut out = ((i32::MAX, i32::MIN), (i32::MAX, i32::MIN));
        for h in handles {
            // A panic in min_max is impossible; fall back to a serial pass if it ever happens.
            let ((a0, a1), (b0, b1)) = h.join().unwrap_or_else(|_| (min_max(x), min_max(y)));
            out.0.0 = out.0.0.min(a0);
            out.0.1 = out.0.1.max(a1);
            out.1.0 = out.1.0.min(b0);
            out.1.1 = out.1.1.max(b1);
        }
        out
    })
}

fn count_chunk(x: &[i32], y: &[i32], xmin: i32, ymin: i32, ny: usize, cells: usize) -> Vec<u64> {
    // u32 counters are enough within a chunk of < 2^32 pairs and halve the table's cache use.
    let mut table = vec![0u32; cells];
    let mut out = vec![0u64; cells];
    for (xs, ys) in x.chunks(u32::MAX as usize).zip(y.chunks(u32::MAX as usize)) {
        for (&a, &b) in xs.iter().zip(ys) {
            let idx = (a.wrapping_sub(xmin) as u32 as usize) * ny + (b.wrapping_sub(ymin) as u32 as usize);
            table[idx] += 1;
        }
        for (o, t) in out.iter_mut().zip(table.iter_mut()) {
            *o += *t as u64;
            *t = 0;
        }
    }
    out
}

fn count_table(x: &[i32], y: &[i32], xmin: i32, ymin: i32, ny: usize, cells: usize) -> Vec<u64> {
    let threads = threads_for(x.len());
    if threads == 1 {
        return count_chunk(x, y, xmin, ymin, ny, cells);
    }
    let chunk = x.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = x
            .chunks(chunk)
            .zip(y.chunks(chunk))
            .map(|(a, b)| s.spawn(move || count_chunk(a, b, xmin, ymin, ny, cells)))
            .collect();
        let mut total = vec![0u64; cells];
        for h in handles {
            let part = h.join().unwrap_or_else(|_| count_chunk(x, y, xmin, ymin, ny, cells));
            for (t, p) in total.iter_mut().zip(part) {
                *t += p;
            }
        }
        total
    })
}

/// Dense codes 0..k of values (equal values share a code, codes ascend with the values).
fn dense_codes<T: PartialOrd + Copy>(v: &[T]) -> (Vec<u32>, usize) {
    let mut order: Vec<u32> = (0..v.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| v[a as usize].partial_cmp(&v[b as usize]).unwrap_or(Ordering::Equal));
    let mut codes = vec![0u32; v.len()];
    let mut k = 0u32;
    for w in 0..order.len() {
        if w > 0 && v[order[w] as usize] != v[order[w - 1] as usize] {
            k += 1;
        }
        codes[order[w] as usize] = k;
    }
    let distinct = if v.is_empty() { 0 } else { k as usize + 1 };
    (codes, distinct)
}

struct Fenwick {
    tree: Vec<u64>,
}

impl Fenwick {
    fn new(n: usize) -> Self {
        Fenwick { tree: vec![0; n + 1] }
    }
    fn add(&mut self, i: usize) {
        let mut i = i + 1;
        while i < self.tree.len() {
            self.tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    /// Count of inserted codes < i.
    fn prefix(&self, i: usize) -> u64 {
        let mut i = i;
        let mut s = 0;
        while i > 0 {
            s += self.tree[i];
            i -= i & i.wrapping_neg();
        }
        s
    }
}

/// Strength of a correlation by |rho|, after Hasan (2001) as printed in seed 004.
///
/// The printed table is 0 < KK ≤ 0.20, 0.20 < KK ≤ 0.40, 0.40 < KK ≤ 0.70, 0.70 < KK ≤ 0.90,
/// 0.90 < KK ≤ 1.00: each upper bound belongs to the *weaker* class (|rho| = 0.40 is weak),
/// and |rho| = 0 is counted as very weak. The comparison is exact on the rank sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    VeryWeak,
    Weak,
    Moderate,
    Strong,
    VeryStrong,
}

impl Strength {
    pub const ALL: [Strength; 5] =
        [Strength::VeryWeak, Strength::Weak, Strength::Moderate, Strength::Strong, Strength::VeryStrong];

    /// Upper bounds (inclusive) as tenths: 0.2, 0.4, 0.7, 0.9, 1.0.
    const UPPER_TENTHS: [i128; 5] = [2, 4, 7, 9, 10];

    pub fn as_str(self) -> &'static str {
        match self {
            Strength::VeryWeak => "very_weak",
            Strength::Weak => "weak",
            Strength::Moderate => "moderate",
            Strength::Strong => "strong",
            Strength::VeryStrong => "very_strong",
        }
    }

    /// Indonesian label as in Hasan (2001).
    pub fn label_id(self) -> &'static str {
        match self {
            Strength::VeryWeak => "Sangat rendah / lemah sekali",
            Strength::Weak => "Rendah / lemah tapi pasti",
            Strength::Moderate => "Cukup berarti",
            Strength::Strong => "Tinggi, kuat",
            Strength::VeryStrong => "Sangat tinggi, kuat sekali",
        }
    }

    /// Class of a float |r| (used when exact sums are not available).
    pub fn of_abs(r: f64) -> Strength {
        let r = r.abs();
        for (s, t) in Self::ALL.iter().zip(Self::UPPER_TENTHS) {
            if r <= t as f64 / 10.0 {
                return *s;
            }
        }
        Strength::VeryStrong
    }

    /// Exact class of |sab/√(saa·sbb)|: |r| ≤ t/10 ⟺ 100·sab² ≤ t²·saa·sbb.
    fn of_sums(saa: i128, sbb: i128, sab: i128) -> Strength {
        let exact = || -> Option<Strength> {
            let lhs = sab.checked_mul(sab)?.checked_mul(100)?;
            let prod = saa.checked_mul(sbb)?;
            for (s, t) in Self::ALL.iter().zip(Self::UPPER_TENTHS) {
                if lhs <= prod.checked_mul(t * t)? {
                    return Some(*s);
                }
            }
            Some(Strength::VeryStrong)
        };
        exact().unwrap_or_else(|| Strength::of_abs(sab as f64 / ((saa as f64).sqrt() * (sbb as f64).sqrt())))
    }
}

/// Sign of an association.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Positive,
    Negative,
    None,
}

/// Why a correlation is undefined (reported instead of NaN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Undefined {
    #[error("fewer than 2 pairs")]
    TooFewPairs,
    #[error("the factor has the same value for every respondent")]
    ConstantX,
    #[error("the target has the same value for every respondent")]
    ConstantY,
    #[error("both columns are constant")]
    ConstantBoth,
}

/// Which p-value of rho a significance decision uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PMethod {
    /// The exact permutation p (3 ≤ n ≤ 9 without ties), as R's `cor.test`.
    Exact,
    /// The t approximation with n − 2 df.
    T,
}

impl PMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PMethod::Exact => "exact",
            PMethod::T => "t",
        }
    }
}

/// Spearman's rho and Kendall's tau-b of n pairs with their tests.
///
/// Options are `None` (JSON `null`) when the value is undefined; `undefined` says why.
/// p-values: `p_two_sided`/`p_one_sided` by the t approximation with n − 2 df (SciPy's
/// `spearmanr`; R's `cor.test(exact = FALSE)`); `p_one_sided` is for the alternative in the
/// observed direction (rho ≥ 0: positive association). The exact permutation p-values
/// (R's `cor.test` default, AS 89) are given for 3 ≤ n ≤ 9 without ties, and then they are
/// the ones [`RankCorrelation::significant`] uses (`p_method` says which).
///
/// A perfect monotone pair (|rho| = 1, decided exactly on the rank sums) has rho exactly ±1,
/// `t` null (infinite) and t-approximation p-values 0; its exact p stays as computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankCorrelation {
    pub n: u64,
    pub rho: Option<f64>,
    /// 1 − 6Σd²/(n(n²−1)) with d the difference of average ranks, as printed in seed 004.
    pub rho_shortcut: Option<f64>,
    /// Σd² of average ranks.
    pub sum_d2: f64,
    /// True when the shortcut differs from the tie-corrected rho (by more than 1e-12).
    pub shortcut_differs: bool,
    pub t: Option<f64>,
    pub df: Option<u64>,
    pub p_two_sided: Option<f64>,
    pub p_one_sided: Option<f64>,
    pub p_exact_two_sided: Option<f64>,
    pub p_exact_one_sided: Option<f64>,
    /// The p behind `significant`: `exact` when the exact p is computed, else `t`; `null`
    /// when p is undefined.
    pub p_method: Option<PMethod>,
    pub tau_b: Option<f64>,
    /// Two-sided p of tau-b: exact (no ties, n < 50, as R) or normal with tie-corrected variance.
    pub tau_b_p_two_sided: Option<f64>,
    pub tau_b_p_exact: bool,
    pub ties: bool,
    pub strength: Option<Strength>,
    pub direction: Option<Direction>,
    pub undefined: Option<Undefined>,
}

impl RankCorrelation {
    /// Spearman/Kendall of finite f64 data.
    pub fn of_f64(x: &[f64], y: &[f64]) -> Result<Self, CorrelationInputError> {
        Ok(Self::from_sums(&RankSums::from_f64(x, y)?))
    }

    /// Spearman/Kendall of integer data (scores, codes): the fast ordinal path.
    pub fn of_ints(x: &[i32], y: &[i32]) -> Result<Self, CorrelationInputError> {
        Ok(Self::from_sums(&RankSums::from_ints(x, y)?))
    }

    /// Whether rho differs from 0 at level `alpha` (two-sided): by the exact p whenever it is
    /// computed (n ≤ 9 without ties), else by the t approximation; `None` when p is undefined.
    ///
    /// At n = 5, rho = 0.9 the t p is 0.037 but the exact p 0.083: not significant at 0.05.
    pub fn significant(&self, alpha: f64) -> Option<bool> {
        let p = match self.p_method? {
            PMethod::Exact => self.p_exact_two_sided?,
            PMethod::T => self.p_two_sided?,
        };
        Some(p < alpha)
    }

    pub fn from_sums(s: &RankSums) -> Self {
        let n = s.n;
        let ties = s.x_ties.has_ties() || s.y_ties.has_ties();
        let undefined = if n < 2 {
            Some(Undefined::TooFewPairs)
        } else {
            match (s.saa == 0, s.sbb == 0) {
                (true, true) => Some(Undefined::ConstantBoth),
                (true, false) => Some(Undefined::ConstantX),
                (false, true) => Some(Undefined::ConstantY),
                (false, false) => None,
            }
        };
        let sum_d2 = s.sum_d2();
        let mut out = RankCorrelation {
            n,
            rho: None,
            rho_shortcut: None,
            sum_d2,
            shortcut_differs: false,
            t: None,
            df: None,
            p_two_sided: None,
            p_one_sided: None,
            p_exact_two_sided: None,
            p_exact_one_sided: None,
            p_method: None,
            tau_b: None,
            tau_b_p_two_sided: None,
            tau_b_p_exact: false,
            ties,
            strength: None,
            direction: None,
            undefined,
        };
        if undefined.is_some() {
            return out;
        }
        let nf = n as f64;
        out.rho_shortcut = Some(1.0 - 6.0 * sum_d2 / (nf * (nf * nf - 1.0)));
        let perfect = is_perfect(s.saa, s.sbb, s.sab);
        let rho = if perfect {
            if s.sab > 0 { 1.0 } else { -1.0 }
        } else {
            (s.sab as f64 / ((s.saa as f64).sqrt() * (s.sbb as f64).sqrt())).clamp(-1.0, 1.0)
        };
        out.rho = Some(rho);
        out.shortcut_differs = out.rho_shortcut.is_some_and(|r| (r - rho).abs() > 1e-12);
        out.strength = Some(Strength::of_sums(s.saa, s.sbb, s.sab));
        out.direction = Some(match s.sab.cmp(&0) {
            Ordering::Greater => Direction::Positive,
            Ordering::Less => Direction::Negative,
            Ordering::Equal => Direction::None,
        });
        if n >= 3 {
            // |rho| = 1: t is infinite and its p is 0, whatever rounding would make of it.
            let p2 = if perfect { 0.0 } else { dist::correlation_p_two_sided(rho, n) };
            out.df = Some(n - 2);
            out.t = if perfect { None } else { dist::correlation_t(rho, n) };
            out.p_two_sided = Some(p2);
            // One-sided in the observed direction: half the two-sided p.
            out.p_one_sided = Some(0.5 * p2);
            out.p_method = Some(PMethod::T);
            if !ties && n <= 9 {
                let (two, one) = spearman_exact_p(s, n);
                out.p_exact_two_sided = Some(two);
                out.p_exact_one_sided = Some(one);
                out.p_method = Some(PMethod::Exact);
            }
        }
        // Kendall's tau-b.
        let n0 = n as u128 * (n as u128 - 1) / 2;
        let dx = (n0 - s.x_ties.tied_pairs) as f64;
        let dy = (n0 - s.y_ties.tied_pairs) as f64;
        let cd = s.concordant as f64 - s.discordant as f64;
        out.tau_b = Some((cd / (dx.sqrt() * dy.sqrt())).clamp(-1.0, 1.0));
        if !ties && n < 50 {
            out.tau_b_p_two_sided = Some(kendall_exact_p(s.concordant as u64, n));
            out.tau_b_p_exact = true;
        } else if n >= 3 {
            out.tau_b_p_two_sided = Some(kendall_normal_p(s));
        }
        out
    }
}

/// |rho| = 1 exactly: sab² = saa·sbb on the integer rank sums (saa, sbb > 0).
///
/// When the products do not fit in i128 (n in the tens of millions), the equivalent test
/// saa = sbb = |sab| is used: equality in Cauchy–Schwarz means b = k·a, so one column's
/// average ranks are a strictly monotone function of the other's, hence the two columns have
/// the same tie groups in the same (or reversed) order and b = ±a exactly.
fn is_perfect(saa: i128, sbb: i128, sab: i128) -> bool {
    match (sab.checked_mul(sab), saa.checked_mul(sbb)) {
        (Some(lhs), Some(rhs)) => lhs == rhs,
        _ => saa == sbb && sab.unsigned_abs() == saa.unsigned_abs(),
    }
}

/// Exact two-sided and observed-direction one-sided p of Spearman's S = Σd² without ties,
/// exactly as R's `cor.test` (AS 89 with n ≤ 9 enumerated): P(S ≤ q) for positive rho,
/// P(S ≥ q) for negative, doubled and capped at 1.
fn spearman_exact_p(s: &RankSums, n: u64) -> (f64, f64) {
    let q = ((s.saa + s.sbb - 2 * s.sab) / 4) as u64; // Σd², an integer without ties
    let counts = spearman_s_counts(n as usize);
    let total: u64 = counts.iter().sum();
    let mean2 = (n * n * n - n) / 3; // 2·E[S]
    let tail = if 2 * q > mean2 {
        counts.iter().skip(q as usize).sum::<u64>()
    } else {
        counts.iter().take(q as usize + 2).sum::<u64>()
    };
    let p = tail as f64 / total as f64;
    let two = (2.0 * p).min(1.0);
    // Observed direction: rho > 0 ⟺ S below its mean.
    let one = if s.sab >= 0 {
        counts.iter().take(q as usize + 2).sum::<u64>() as f64 / total as f64
    } else {
        counts.iter().skip(q as usize).sum::<u64>() as f64 / total as f64
    };
    (two, one)
}

/// counts[S] = number of permutations of 1..n with Σ(i − π(i))² = S, for n ≤ 9.
fn spearman_s_counts(n: usize) -> &'static [u64] {
    static CACHE: [OnceLock<Vec<u64>>; 10] = [const { OnceLock::new() }; 10];
    let n = n.min(9);
    CACHE[n].get_or_init(|| {
        let max = (n * n * n - n) / 3;
        let mut counts = vec![0u64; max + 1];
        let mut perm: Vec<usize> = (0..n).collect();
        // Heap's algorithm, iterative.
        let mut c = vec![0usize; n];
        let s = |p: &[usize]| -> usize {
            p.iter().enumerate().map(|(i, &v)| (i as isize - v as isize).pow(2) as usize).sum()
        };
        counts[s(&perm)] += 1;
        let mut i = 0;
        while i < n {
            if c[i] < i {
                if i % 2 == 0 {
                    perm.swap(0, i);
                } else {
                    perm.swap(c[i], i);
                }
                counts[s(&perm)] += 1;
                c[i] += 1;
                i = 0;
            } else {
                c[i] = 0;
                i += 1;
            }
        }
        counts
    })
}

/// Exact two-sided p of Kendall's tau without ties from the number of concordant pairs,
/// as R's `cor.test(method = "kendall")` (its `ckendall` recursion, here in probabilities).
fn kendall_exact_p(concordant: u64, n: u64) -> f64 {
    let n0 = (n * (n - 1) / 2) as usize;
    // Distribution of the number of inversions of a random permutation (Mahonian numbers),
    // which is also that of the concordant count. Counts are kept as integers in f64 (exact
    // while below 2^53, i.e. n ≤ 18) and divided by n! at the end.
    let mut p = vec![0.0f64; n0 + 1];
    p[0] = 1.0;
    let mut len = 1;
    let mut factorial = 1.0f64;
    for k in 2..=n as usize {
        factorial *= k as f64;
        let new_len = len + k - 1;
        let mut q = vec![0.0f64; n0 + 1];
        let mut window = 0.0;
        for j in 0..new_len {
            if j < len {
                window += p[j];
            }
            if j >= k && j - k < len {
                window -= p[j - k];
            }
            q[j] = window;
        }
        p = q;
        len = new_len;
    }
    let q = concordant as usize;
    let tail = if 4 * q > n0 * 2 { p[q..].iter().sum::<f64>() } else { p[..=q].iter().sum::<f64>() };
    (2.0 * tail / factorial).min(1.0)
}

/// Two-sided p of Kendall's S by the normal approximation with the tie-corrected variance
/// (R's `cor.test(exact = FALSE)`, SciPy's `kendalltau(method = "asymptotic")`).
fn kendall_normal_p(s: &RankSums) -> f64 {
    let n = s.n as f64;
    let sstat = s.concordant as f64 - s.discordant as f64;
    let xt2 = 2.0 * s.x_ties.tied_pairs as f64; // Σ t(t−1)
    let yt2 = 2.0 * s.y_ties.tied_pairs as f64;
    let v0 = n * (n - 1.0) * (2.0 * n + 5.0);
    let var = (v0 - s.x_ties.v as f64 - s.y_ties.v as f64) / 18.0
        + xt2 * yt2 / (2.0 * n * (n - 1.0))
        + s.x_ties.t3 as f64 * s.y_ties.t3 as f64 / (9.0 * n * (n - 1.0) * (n - 2.0));
    if var <= 0.0 {
        return 1.0;
    }
    let z = sstat / var.sqrt();
    (2.0 * dist::normal_sf(z.abs())).min(1.0)
}

/// Pearson's r of two equally long float columns; `None` when either is constant or n < 2.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let mx = x[..n].iter().sum::<f64>() / n as f64;
    let my = y[..n].iter().sum::<f64>() / n as f64;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (a, b) in x[..n].iter().zip(&y[..n]) {
        let (da, db) = (a - mx, b - my);
        sxx += da * da;
        syy += db * db;
        sxy += da * db;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// Pearson's r of integer columns, from exact integer sums; `None` when a column is constant.
pub fn pearson_ints(x: &[i32], y: &[i32]) -> Option<f64> {
    let n = x.len().min(y.len()) as i128;
    if n < 2 {
        return None;
    }
    let (mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0i128, 0i128, 0i128, 0i128, 0i128);
    for (&a, &b) in x.iter().zip(y) {
        let (a, b) = (a as i128, b as i128);
        sx += a;
        sy += b;
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
    }
    let cxx = n * sxx - sx * sx;
    let cyy = n * syy - sy * sy;
    let cxy = n * sxy - sx * sy;
    if cxx == 0 || cyy == 0 {
        return None;
    }
    Some((cxy as f64 / ((cxx as f64).sqrt() * (cyy as f64).sqrt())).clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests;
