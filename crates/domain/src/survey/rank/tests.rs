//! Reference values and properties of the rank correlations.

use proptest::prelude::*;

use super::*;

const TOL: f64 = 1e-12;

fn assert_close(got: Option<f64>, want: f64, what: &str) {
    let got = got.unwrap_or_else(|| panic!("{what}: undefined, expected {want}"));
    assert!((got - want).abs() <= TOL, "{what}: got {got:.17}, expected {want:.17}");
}

/// R's `?cor.test` example: Hollander & Wolfe (1973), p. 187, "Hunter L values" against
/// "Panel score" — no ties, n = 9. R prints tau = 0.4444444 (exact p = 0.1194) and
/// rho = 0.6 (S = 48, exact p = 0.0968). Full-precision values: the exact Spearman p is
/// 2·17563/9! (enumeration of S = Σd² over all 9! permutations, as R's prho does for n ≤ 9);
/// the Kendall p 0.11943893298059964 is R's `cor.test(x, y, method = "kendall")` as quoted
/// in SciPy's test_stats.py (TestKendallTauAlternative, "p_n_lt_171") and SciPy 1.17's
/// `kendalltau`; the t-approximation p 0.08762282904140249 is SciPy 1.17 `spearmanr(x, y)`.
#[test]
fn hollander_wolfe_r_cor_test_example() {
    let x = [44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1];
    let y = [2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8];
    let c = RankCorrelation::of_f64(&x, &y).unwrap();
    assert_eq!(c.n, 9);
    assert!(!c.ties);
    assert_close(c.rho, 0.6, "rho");
    assert_close(c.rho_shortcut, 0.6, "shortcut");
    assert!(!c.shortcut_differs);
    assert_eq!(c.sum_d2, 48.0);
    assert_close(c.p_two_sided, 0.087_622_829_041_402_49, "t-approx p");
    assert_close(c.p_one_sided, 0.043_811_414_520_701_246, "one-sided p");
    assert_close(c.p_exact_two_sided, 2.0 * 17563.0 / 362_880.0, "exact p");
    assert_close(c.p_exact_one_sided, 17563.0 / 362_880.0, "exact one-sided p");
    assert_close(c.tau_b, 4.0 / 9.0, "tau");
    assert!(c.tau_b_p_exact);
    assert_close(c.tau_b_p_two_sided, 0.119_438_932_980_599_64, "tau p");
    assert_eq!(c.strength, Some(Strength::Moderate));
    assert_eq!(c.direction, Some(Direction::Positive));
    // Reversing y negates everything and keeps the p-values.
    let yr: Vec<f64> = y.iter().map(|v| -v).collect();
    let r = RankCorrelation::of_f64(&x, &yr).unwrap();
    assert_close(r.rho, -0.6, "reversed rho");
    assert_close(r.p_exact_two_sided, 2.0 * 17563.0 / 362_880.0, "reversed exact p");
    assert_close(r.tau_b_p_two_sided, 0.119_438_932_980_599_64, "reversed tau p");
}

/// SciPy test_stats.py, TestCorrSpearmanr2.test_spearmanr_vs_r: "Cross-check with R:
/// cor.test(c(1,2,3,4,5),c(5,6,7,8,7),method="spearmanr")" — with a tie in y.
/// Expected (0.82078268166812329, 0.088587005313543798).
/// tau-b 0.7378647873726218, p 0.07697417298126674: SciPy 1.17 `kendalltau` (asymptotic).
#[test]
fn scipy_spearmanr_vs_r_with_ties() {
    let c = RankCorrelation::of_f64(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]).unwrap();
    assert!(c.ties);
    assert_close(c.rho, 0.820_782_681_668_123_3, "rho");
    assert_close(c.p_two_sided, 0.088_587_005_313_543_8, "p");
    assert!(c.p_exact_two_sided.is_none(), "no exact p with ties");
    assert!(c.shortcut_differs);
    // Σd² = (0² + 0² + 0.5² + 1² + 1.5²)... computed on average ranks: shortcut = 1 − 6Σd²/120.
    assert_close(c.rho_shortcut, 1.0 - 6.0 * c.sum_d2 / 120.0, "shortcut");
    assert_close(c.tau_b, 0.737_864_787_372_621_8, "tau-b");
    assert!(!c.tau_b_p_exact);
    assert_close(c.tau_b_p_two_sided, 0.076_974_172_981_266_74, "tau-b p");
}

/// SciPy test_stats.py, test_kendalltau: "Example values found from Kendall (1970)",
/// tau-b = 0.85895569 (many ties in both columns). Full precision and Spearman values:
/// SciPy 1.17 `kendalltau` = (0.8589556903873334, p 0.0016100378765916748) and
/// `spearmanr` = (0.917137868553807, p 0.00018644496044000703).
#[test]
fn kendall_1970_example_with_ties() {
    let x = [1.0, 2.0, 2.0, 4.0, 4.0, 6.0, 6.0, 8.0, 9.0, 9.0];
    let y = [1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 8.0, 8.0, 8.0, 10.0];
    let c = RankCorrelation::of_f64(&x, &y).unwrap();
    assert_close(c.tau_b, 0.858_955_690_387_333_4, "tau-b");
    assert_close(c.tau_b_p_two_sided, 0.001_610_037_876_591_674_8, "tau-b p");
    assert_close(c.rho, 0.917_137_868_553_807, "rho");
    assert_close(c.p_two_sided, 0.000_186_444_960_440_007_03, "p");
    assert_eq!(c.strength, Some(Strength::VeryStrong));
}

/// SciPy test_stats.py, test_kendalltau: "tau-b with some ties. Cross-check with R:
/// cor.test(c(12,2,1,12,2),c(1,4,7,1,0),method="kendall",exact=FALSE)" = (-0.47140452079103173,
/// 0.28274545993277478). Spearman: SciPy 1.17 `spearmanr` = (-0.5407380704358752,
/// 0.3467146139768868).
#[test]
fn r_kendall_with_ties() {
    let c = RankCorrelation::of_f64(&[12.0, 2.0, 1.0, 12.0, 2.0], &[1.0, 4.0, 7.0, 1.0, 0.0]).unwrap();
    assert_close(c.tau_b, -0.471_404_520_791_031_73, "tau-b");
    assert_close(c.tau_b_p_two_sided, 0.282_745_459_932_774_8, "tau-b p");
    assert_close(c.rho, -0.540_738_070_435_875_2, "rho");
    assert_close(c.p_two_sided, 0.346_714_613_976_886_8, "p");
    assert_eq!(c.direction, Some(Direction::Negative));
    assert_eq!(c.strength, Some(Strength::Moderate));
}

/// SciPy test_stats.py, TestCorrSpearmanrTies.test_tie1: x = [1,2,3,4], y = [1,2,2,3]
/// "should be the same as applying pearsonr to the ranks" [1,2,3,4] vs [1,2.5,2.5,4]:
/// rho = 3/√10 = 0.9486832980505139, p 0.05131670194948613 (SciPy 1.17).
#[test]
fn scipy_tie1() {
    let c = RankCorrelation::of_f64(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 2.0, 3.0]).unwrap();
    assert_close(c.rho, 3.0 / 10f64.sqrt(), "rho");
    assert_close(c.p_two_sided, 0.051_316_701_949_486_13, "p");
}

/// SciPy test_stats.py, test_kendalltau: x = 0..9 with y swapped at (1,2) — R exact
/// tau = 0.9555555555555556, p = 5.511463844797e-06; no ties so Spearman's exact p applies
/// only for n ≤ 9 (here n = 10: t approximation only).
#[test]
fn r_kendall_exact_n10() {
    let x: Vec<f64> = (0..10).map(f64::from).collect();
    let mut y = x.clone();
    y.swap(1, 2);
    let c = RankCorrelation::of_f64(&x, &y).unwrap();
    assert_close(c.tau_b, 0.955_555_555_555_555_6, "tau");
    let p = c.tau_b_p_two_sided.unwrap();
    assert!((p - 5.511_463_844_797e-6).abs() < 1e-17, "{p}");
    assert!(c.p_exact_two_sided.is_none());
}

#[test]
fn undefined_is_explained_not_nan() {
    let c = RankCorrelation::of_ints(&[3, 3, 3, 3], &[1, 2, 3, 4]).unwrap();
    assert_eq!(c.rho, None);
    assert_eq!(c.undefined, Some(Undefined::ConstantX));
    assert_eq!(c.strength, None);
    let json = serde_json::to_value(&c).unwrap();
    assert!(json["rho"].is_null());
    assert_eq!(json["undefined"], "constant_x");
    let c = RankCorrelation::of_ints(&[1], &[2]).unwrap();
    assert_eq!(c.undefined, Some(Undefined::TooFewPairs));
    assert!(RankCorrelation::of_f64(&[1.0, f64::NAN], &[1.0, 2.0]).is_err());
    assert!(RankCorrelation::of_f64(&[1.0], &[1.0, 2.0]).is_err());
}

#[test]
fn strength_bounds_fall_in_the_weaker_class() {
    // rho exactly 0.4 (Σd² = 12: 1 − 72/120) is weak, not moderate.
    let c = RankCorrelation::of_ints(&[1, 2, 3, 4, 5], &[1, 3, 4, 5, 2]).unwrap();
    assert_close(c.rho, 0.4, "rho 0.4");
    assert_eq!(c.strength, Some(Strength::Weak));
    // rho exactly 0.7 (Σd² = 6: 1 − 36/120) is moderate, not strong.
    let c = RankCorrelation::of_ints(&[1, 2, 3, 4, 5], &[1, 2, 4, 5, 3]).unwrap();
    assert_close(c.rho, 0.7, "rho 0.7");
    assert_eq!(c.strength, Some(Strength::Moderate));
    assert_eq!(Strength::of_abs(0.0), Strength::VeryWeak);
    assert_eq!(Strength::of_abs(0.2000001), Strength::Weak);
}

#[test]
fn table_and_sort_paths_agree() {
    // Integer data with a wide range goes through sorting; the same data shifted into a
    // small range goes through the table. Sums must be identical.
    let x: Vec<i32> = (0..5000).map(|i| i * 7919 % 13).collect();
    let y: Vec<i32> = (0..5000).map(|i| i * 104_729 % 37 + i % 3).collect();
    let wide_y: Vec<i32> = y.iter().map(|v| v * 1_000_000).collect();
    let table = RankSums::from_ints(&x, &y).unwrap();
    let sorted = RankSums::from_ints(&x, &wide_y).unwrap();
    assert_eq!(table, sorted);
    let xf: Vec<f64> = x.iter().map(|&v| f64::from(v) + 0.5).collect();
    let yf: Vec<f64> = y.iter().map(|&v| f64::from(v) * 0.1).collect();
    assert_eq!(RankSums::from_f64(&xf, &yf).unwrap(), table);
}

#[test]
fn parallel_counting_matches_serial() {
    let n = 300_000;
    let x: Vec<i32> = (0..n).map(|i| 1 + i * 31 % 5).collect();
    let y: Vec<i32> = (0..n).map(|i| 14 + (i * 17 + i / 7) % 43).collect();
    let big = RankSums::from_ints(&x, &y).unwrap();
    let (cx, kx) = dense_codes(&x);
    let (cy, ky) = dense_codes(&y);
    let mut table = vec![0u64; kx * ky];
    for (&i, &j) in cx.iter().zip(&cy) {
        table[i as usize * ky + j as usize] += 1;
    }
    assert_eq!(big, RankSums::from_table(&table, kx, ky));
}

/// Average ranks (1-based) of a column, the textbook way.
fn average_ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].partial_cmp(&v[b]).unwrap());
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

fn tau_b_naive(x: &[f64], y: &[f64]) -> Option<f64> {
    let (mut c, mut d, mut tx, mut ty) = (0f64, 0f64, 0f64, 0f64);
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            let s = (x[i] - x[j]).signum() * (y[i] - y[j]).signum();
            if x[i] == x[j] && y[i] == y[j] {
            } else if x[i] == x[j] {
                tx += 1.0;
            } else if y[i] == y[j] {
                ty += 1.0;
            } else if s > 0.0 {
                c += 1.0;
            } else {
                d += 1.0;
            }
        }
    }
    let den = ((c + d + tx) * (c + d + ty)).sqrt();
    (den > 0.0).then(|| (c - d) / den)
}

fn pairs() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (3usize..40).prop_flat_map(|n| {
        (
            prop::collection::vec(prop_oneof![(-5i32..5).prop_map(f64::from), -1e6f64..1e6], n),
            prop::collection::vec(prop_oneof![(-5i32..5).prop_map(f64::from), -1e6f64..1e6], n),
        )
    })
}

proptest! {
    #[test]
    fn rho_in_range_and_symmetric((x, y) in pairs()) {
        let a = RankCorrelation::of_f64(&x, &y).unwrap();
        let b = RankCorrelation::of_f64(&y, &x).unwrap();
        if let Some(r) = a.rho {
            prop_assert!((-1.0..=1.0).contains(&r));
            prop_assert!((r - b.rho.unwrap()).abs() < 1e-12);
            prop_assert!((a.tau_b.unwrap() - b.tau_b.unwrap()).abs() < 1e-12);
            prop_assert!((-1.0..=1.0).contains(&a.tau_b.unwrap()));
        } else {
            prop_assert!(b.rho.is_none());
        }
    }

    #[test]
    fn invariant_under_increasing_recoding((x, y) in pairs()) {
        let a = RankCorrelation::of_f64(&x, &y).unwrap();
        // Strictly increasing maps: cube plus shift, and exp of a scaled value.
        let x2: Vec<f64> = x.iter().map(|v| (v / 1e4).powi(3) + 17.0).collect();
        let y2: Vec<f64> = y.iter().map(|v| (v / 1e6).exp()).collect();
        let b = RankCorrelation::of_f64(&x2, &y2).unwrap();
        prop_assert_eq!(a.rho.is_some(), b.rho.is_some());
        if let (Some(r1), Some(r2)) = (a.rho, b.rho) {
            prop_assert!((r1 - r2).abs() < 1e-12);
            prop_assert!((a.tau_b.unwrap() - b.tau_b.unwrap()).abs() < 1e-12);
        }
    }

    #[test]
    fn equals_pearson_on_average_ranks((x, y) in pairs()) {
        let a = RankCorrelation::of_f64(&x, &y).unwrap();
        let p = pearson(&average_ranks(&x), &average_ranks(&y));
        match (a.rho, p) {
            (Some(r), Some(p)) => prop_assert!((r - p).abs() < 1e-12, "{} vs {}", r, p),
            (None, None) => {}
            (r, p) => prop_assert!(false, "rho {:?} vs pearson {:?}", r, p),
        }
        if let Some(t) = a.tau_b {
            prop_assert!((t - tau_b_naive(&x, &y).unwrap()).abs() < 1e-12);
        }
    }

    #[test]
    fn shortcut_equals_rho_without_ties(perm in Just((0..30).collect::<Vec<i32>>()).prop_shuffle(), n in 3usize..30) {
        let x: Vec<i32> = (0..n as i32).collect();
        let y: Vec<i32> = perm.into_iter().filter(|&v| (v as usize) < n).collect();
        let c = RankCorrelation::of_ints(&x, &y).unwrap();
        prop_assert!(!c.ties);
        prop_assert!((c.rho.unwrap() - c.rho_shortcut.unwrap()).abs() < 1e-12);
        prop_assert!(!c.shortcut_differs);
    }
}

/// Issue 11: n = 5, rho = 0.9 (Σd² = 2) is "significant" by the t approximation
/// (SciPy 1.17 `spearmanr([1,2,3,4,5], [1,2,3,5,4])` p = 0.03738607346849874) but not by the
/// exact p: S ≤ 2 for 1 + 4 of the 120 permutations (identity and the adjacent swaps),
/// so p = 2·5/120 = 0.083 (R's `cor.test` prints p-value = 0.08333).
#[test]
fn significance_uses_the_exact_p_when_computed() {
    let c = RankCorrelation::of_ints(&[1, 2, 3, 4, 5], &[1, 2, 3, 5, 4]).unwrap();
    assert_close(c.rho, 0.9, "rho");
    assert_close(c.p_two_sided, 0.037_386_073_468_498_74, "t p");
    assert_close(c.p_exact_two_sided, 10.0 / 120.0, "exact p");
    assert_eq!(c.p_method, Some(PMethod::Exact));
    assert_eq!(c.significant(0.05), Some(false), "exact p 0.083 is not below 0.05");
    assert_eq!(c.significant(0.1), Some(true), "exact p 0.083 is below 0.10");
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["p_method"], "exact");
    // With a tie there is no exact p: the t p decides, and p_method says so.
    let t = RankCorrelation::of_ints(&[1, 2, 3, 4, 5], &[1, 2, 3, 5, 5]).unwrap();
    assert!(t.p_exact_two_sided.is_none());
    assert_eq!(t.p_method, Some(PMethod::T));
    assert_eq!(t.significant(0.05), t.p_two_sided.map(|p| p < 0.05));
    assert_eq!(serde_json::to_value(&t).unwrap()["p_method"], "t");
    // n = 10 without ties: the t p (exact only up to n = 9).
    let x: Vec<i32> = (0..10).collect();
    let c10 = RankCorrelation::of_ints(&x, &[0, 2, 1, 3, 4, 5, 6, 7, 9, 8]).unwrap();
    assert_eq!(c10.p_method, Some(PMethod::T));
    // p undefined: no method, no decision.
    let u = RankCorrelation::of_ints(&[3, 3, 3, 3], &[1, 2, 3, 4]).unwrap();
    assert_eq!(u.p_method, None);
    assert_eq!(u.significant(0.05), None);
    assert!(serde_json::to_value(&u).unwrap()["p_method"].is_null());
    let two = RankCorrelation::of_ints(&[1, 2], &[1, 2]).unwrap();
    assert_eq!((two.p_method, two.significant(0.05)), (None, None));
}

/// Issue 11: a perfect monotone pair at n = 3 gave rho = 0.9999999999999998, t = 4.7e7 and
/// p = 1.3e-8. |rho| = 1 is decided on the integer sums: rho is exactly ±1, t is null, the
/// t-approximation p-values are 0, and the exact p is the smallest there is: 2/3! = 1/3 at
/// n = 3 and 2/4! = 1/12 at n = 4 — neither significant at 0.05.
#[test]
fn perfect_monotone_pairs_are_exactly_one_and_not_significant_when_small() {
    let c = RankCorrelation::of_ints(&[1, 2, 3], &[10, 20, 30]).unwrap();
    assert_eq!(c.rho, Some(1.0));
    assert_eq!(c.t, None);
    assert_eq!(c.p_two_sided, Some(0.0));
    assert_eq!(c.p_one_sided, Some(0.0));
    assert_close(c.p_exact_two_sided, 1.0 / 3.0, "exact p n = 3");
    assert_close(c.p_exact_one_sided, 1.0 / 6.0, "exact one-sided p n = 3");
    assert_eq!(c.p_method, Some(PMethod::Exact));
    assert_eq!(c.significant(0.05), Some(false));
    let json = serde_json::to_value(&c).unwrap();
    assert!(json["t"].is_null());
    assert_eq!(json["rho"], 1.0);

    let c = RankCorrelation::of_ints(&[1, 2, 3, 4], &[4, 3, 2, 1]).unwrap();
    assert_eq!(c.rho, Some(-1.0));
    assert_eq!(c.t, None);
    assert_eq!(c.p_two_sided, Some(0.0));
    assert_close(c.p_exact_two_sided, 1.0 / 12.0, "exact p n = 4");
    assert_eq!(c.significant(0.05), Some(false));
    assert_eq!(c.strength, Some(Strength::VeryStrong));
    assert_eq!(c.direction, Some(Direction::Negative));

    // With ties (no exact p) the t p of 0 decides: significant.
    let x = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6];
    let y: Vec<i32> = x.iter().map(|v| 7 - v).collect();
    let c = RankCorrelation::of_ints(&x, &y).unwrap();
    assert_eq!(c.rho, Some(-1.0));
    assert_eq!(c.t, None);
    assert_eq!((c.p_two_sided, c.p_one_sided), (Some(0.0), Some(0.0)));
    assert_eq!(c.p_method, Some(PMethod::T));
    assert_eq!(c.significant(0.05), Some(true));
    // Nearly perfect is not perfect: one swap keeps a finite t.
    let c =
        RankCorrelation::of_ints(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 11])
            .unwrap();
    assert!(c.rho.unwrap() < 1.0);
    assert!(c.t.is_some_and(f64::is_finite));
    assert!(c.p_two_sided.unwrap() > 0.0);
}

/// Sums too large for sab² in i128 (n in the tens of millions) use saa = sbb = |sab|.
#[test]
fn perfect_is_decided_without_overflow() {
    let big: i128 = 1 << 70;
    assert!(is_perfect(big, big, big));
    assert!(is_perfect(big, big, -big));
    assert!(!is_perfect(big, big, big - 1));
    assert!(!is_perfect(big, big + 2, big + 1));
    assert!(is_perfect(8, 8, 8));
    assert!(!is_perfect(8, 10, 8));
}

/// Issue 11: the shortcut printed 1.0000 when both columns are constant; it is undefined
/// whenever rho is.
#[test]
fn shortcut_is_null_when_rho_is_undefined() {
    for (x, y) in [([3, 3, 3, 3], [2, 2, 2, 2]), ([3, 3, 3, 3], [1, 2, 3, 4]), ([1, 2, 3, 4], [5, 5, 5, 5])] {
        let c = RankCorrelation::of_ints(&x, &y).unwrap();
        assert!(c.undefined.is_some());
        assert_eq!(c.rho_shortcut, None, "{x:?} {y:?}");
        assert!(serde_json::to_value(&c).unwrap()["rho_shortcut"].is_null());
    }
    let c = RankCorrelation::of_ints(&[1, 2, 3, 4], &[1, 3, 2, 4]).unwrap();
    assert!(c.rho_shortcut.is_some());
}

proptest! {
    /// A strictly monotone recoding of a column correlates with it exactly ±1 (ties or not),
    /// and the overflow-safe test saa = sbb = |sab| agrees with sab² = saa·sbb on any data.
    #[test]
    fn monotone_recoding_is_exactly_perfect((x, y) in pairs(), up in any::<bool>()) {
        let recoded: Vec<f64> = x.iter().map(|v| if up { (v / 1e4).powi(3) + 3.0 } else { -v * 2.0 }).collect();
        let c = RankCorrelation::of_f64(&x, &recoded).unwrap();
        if c.undefined.is_none() {
            prop_assert_eq!(c.rho, Some(if up { 1.0 } else { -1.0 }));
            prop_assert_eq!(c.t, None);
            prop_assert_eq!(c.p_two_sided, Some(0.0));
        }
        let s = RankSums::from_f64(&x, &y).unwrap();
        if s.saa > 0 && s.sbb > 0 {
            let fallback = s.saa == s.sbb && s.sab.abs() == s.saa;
            prop_assert_eq!(is_perfect(s.saa, s.sbb, s.sab), fallback);
        }
    }
}
