//! Special functions and distributions the survey statistics need: log-gamma, log-beta,
//! the regularized incomplete beta and gamma functions, Student's t and the normal
//! distribution, and the t quantile behind critical r values.
//!
//! Implemented here rather than pulled from a crate so the domain stays dependency-light and
//! the accuracy is known: about 1e-15 relative for the arguments survey statistics use
//! (Lanczos for small arguments, Stirling's series with the correction terms R's `lbeta`
//! uses for large ones, and modified Lentz continued fractions).

use std::f64::consts::PI;

/// ln(√(2π)).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Lanczos coefficients (g = 7, n = 9), as in Numerical Recipes 3rd ed. and many libraries.
const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// Stirling-series correction: lnΓ(x) − [(x − ½)ln x − x + ln√(2π)], for x ≥ 10.
fn lgamma_correction(x: f64) -> f64 {
    // Bernoulli terms B_2k / (2k(2k−1) x^(2k−1)), k = 1..8; the next term is < 1e-17 at x = 10.
    const C: [f64; 8] = [
        1.0 / 12.0,
        -1.0 / 360.0,
        1.0 / 1260.0,
        -1.0 / 1680.0,
        1.0 / 1188.0,
        -691.0 / 360_360.0,
        1.0 / 156.0,
        -3617.0 / 122_400.0,
    ];
    let x2 = 1.0 / (x * x);
    let mut sum = 0.0;
    for c in C.iter().rev() {
        sum = sum * x2 + c;
    }
    sum / x
}

/// Natural logarithm of the gamma function for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x >= 10.0 {
        return (x - 0.5) * x.ln() - x + LN_SQRT_2PI + lgamma_correction(x);
    }
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = LANCZOS[0];
    let t = x + LANCZOS_G + 0.5;
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    LN_SQRT_2PI + (x + 0.5) * t.ln() - t + a.ln()
}

/// ln B(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a+b), computed without the cancellation that ruins
/// the naive sum when an argument is large (the same case split as R's `lbeta`).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    let (p, q) = if a < b { (a, b) } else { (b, a) };
    if p >= 10.0 {
        let corr = lgamma_correction(p) + lgamma_correction(q) - lgamma_correction(p + q);
        q.ln() * -0.5 + LN_SQRT_2PI + corr + (p - 0.5) * (p / (p + q)).ln() + q * (-p / (p + q)).ln_1p()
    } else if q >= 10.0 {
        let corr = lgamma_correction(q) - lgamma_correction(p + q);
        ln_gamma(p) + corr + p - p * (p + q).ln() + (q - 0.5) * (-p / (p + q)).ln_1p()
    } else {
        ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q)
    }
}

const TINY: f64 = 1e-300;
const EPS: f64 = 1e-16;
const MAX_ITER: usize = 100_000;

/// Continued fraction for I_x(a, b) (Numerical Recipes `betacf`, modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    // One modified-Lentz step with coefficient `aa`: updates c and d, returns their product.
    let lentz = |aa: f64, c: &mut f64, d: &mut f64| {
        *d = 1.0 + aa * *d;
        if d.abs() < TINY {
            *d = TINY;
        }
        *c = 1.0 + aa / *c;
        if c.abs() < TINY {
            *c = TINY;
        }
        *d = 1.0 / *d;
        *d * *c
    };
    for m in 1..MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        h *= lentz(m * (b - m) * x / ((qam + m2) * (a + m2)), &mut c, &mut d);
        let del = lentz(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), &mut c, &mut d);
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// Regularized incomplete beta I_x(a, b), given both x and y = 1 − x so that callers can
/// pass an accurately computed complement (e.g. y = r² when x = 1 − r²).
pub fn beta_reg(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let ln_front = a * x.ln() + b * y.ln() - ln_beta(a, b);
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_cf(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_cf(b, a, y) / b
    }
}

/// Regularized lower incomplete gamma P(a, x) and upper Q(a, x), returned as (P, Q).
pub fn gamma_reg(a: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    let ln_front = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        // Series.
        let mut ap = a;
        let mut del = 1.0 / a;
        let mut sum = del;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * EPS {
                break;
            }
        }
        let p = sum * ln_front.exp();
        (p, 1.0 - p)
    } else {
        // Continued fraction (modified Lentz).
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_ITER {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < EPS {
                break;
            }
        }
        let q = ln_front.exp() * h;
        (1.0 - q, q)
    }
}

/// Standard normal distribution function Φ(z).
pub fn normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    // Φ(z) = ½ erfc(−z/√2) and erfc(u) = Q(½, u²) for u ≥ 0.
    let (_, q) = gamma_reg(0.5, z * z / 2.0);
    if z < 0.0 { 0.5 * q } else { 1.0 - 0.5 * q }
}

/// Upper tail of the standard normal, 1 − Φ(z), without cancellation for large z.
pub fn normal_sf(z: f64) -> f64 {
    normal_cdf(-z)
}

/// Student's t: P(T > t) with `df` degrees of freedom (df > 0).
pub fn t_sf(t: f64, df: f64) -> f64 {
    let t2 = t * t;
    let x = df / (df + t2);
    let y = t2 / (df + t2);
    let half = 0.5 * beta_reg(df / 2.0, 0.5, x, y);
    if t >= 0.0 { half } else { 1.0 - half }
}

/// Two-sided p-value of a correlation r on n pairs by the t approximation
/// t = r·√((n−2)/(1−r²)), df = n − 2 (what SciPy's `spearmanr` and R's `cor.test` with ties do).
///
/// Computed as I_{1−r²}(df/2, ½), which equals P(|T| ≥ |t|) and avoids the infinite t at |r| = 1.
pub fn correlation_p_two_sided(r: f64, n: u64) -> f64 {
    let df = n as f64 - 2.0;
    let y = (r * r).min(1.0);
    let x = (1.0 - r) * (1.0 + r);
    beta_reg(df / 2.0, 0.5, x.max(0.0), y).clamp(0.0, 1.0)
}

/// The t statistic of a correlation, or `None` when |r| = 1 (t is infinite).
pub fn correlation_t(r: f64, n: u64) -> Option<f64> {
    let one_minus = (1.0 - r) * (1.0 + r);
    (one_minus > 0.0).then(|| r * ((n as f64 - 2.0) / one_minus).sqrt())
}

/// Critical |r| for a two-sided test at level `alpha` with n pairs: the r whose t
/// approximation has p = alpha, i.e. r_crit = t/√(t² + n − 2) with t the (1 − α/2) quantile
/// of t_{n−2}. Returned with that t quantile. `None` when n < 3 or alpha is not in (0, 1).
pub fn critical_r(alpha: f64, n: u64) -> Option<(f64, f64)> {
    if n < 3 || !(alpha > 0.0 && alpha < 1.0) {
        return None;
    }
    let df = n as f64 - 2.0;
    // p(r²) = I_{1−r²}(df/2, ½) falls from 1 at r² = 0 to 0 at r² = 1: bisect on r².
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        let p = beta_reg(df / 2.0, 0.5, 1.0 - mid, mid);
        if p > alpha {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let r2 = 0.5 * (lo + hi);
    let r = r2.sqrt();
    let t = (df * r2 / (1.0 - r2)).sqrt();
    Some((r, t))
}

/// Quantile of Student's t: the t with P(T ≤ t) = p, for 0 < p < 1 and df > 0.
pub fn t_quantile(p: f64, df: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0) || df.is_nan() || df <= 0.0 {
        return None;
    }
    if p == 0.5 {
        return Some(0.0);
    }
    let upper = p.min(1.0 - p); // P(T > t) for the positive quantile
    let two_sided = 2.0 * upper;
    // Bisect on y = t²/(df + t²) in (0, 1): I_{1−y}(df/2, ½) = two_sided.
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if beta_reg(df / 2.0, 0.5, 1.0 - mid, mid) > two_sided {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let y = 0.5 * (lo + hi);
    let t = (df * y / (1.0 - y)).sqrt();
    Some(if p < 0.5 { -t } else { t })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn ln_gamma_known_values() {
        // Exact values: Γ(½) = √π, Γ(5) = 24, Γ(10) = 362880, Γ(20) = 19!.
        assert!(close(ln_gamma(0.5), PI.sqrt().ln(), 1e-15));
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-15));
        assert!(close(ln_gamma(10.0), 362_880f64.ln(), 1e-15));
        assert!(close(ln_gamma(20.0), 121_645_100_408_832_000f64.ln(), 1e-15));
        assert!(close(ln_gamma(1.0), 0.0, 1e-15));
    }

    #[test]
    fn t_distribution_against_scipy() {
        // scipy.stats.t.sf(2.0, 5) = 0.05096973941492914 (SciPy 1.17).
        assert!(close(t_sf(2.0, 5.0), 0.050_969_739_414_929_174, 1e-13));
        // scipy.stats.t.ppf(0.975, 41) = 2.019540970441376; r = 0.3007929961582754.
        let (r, t) = critical_r(0.05, 43).unwrap();
        assert!(close(t, 2.019_540_970_441_376, 1e-12), "{t}");
        assert!(close(r, 0.300_792_996_158_275_4, 1e-12), "{r}");
        let q = t_quantile(0.975, 41.0).unwrap();
        assert!(close(q, 2.019_540_970_441_376, 1e-12));
        assert!(close(t_quantile(0.025, 41.0).unwrap(), -2.019_540_970_441_376, 1e-12));
    }

    #[test]
    fn normal_against_known_values() {
        // Φ(1.96) = 0.9750021048517795 (scipy.stats.norm.cdf).
        assert!(close(normal_cdf(1.96), 0.975_002_104_851_779_5, 1e-14));
        assert!(close(normal_cdf(-1.0), 0.158_655_253_931_457_07, 1e-14));
        assert!(close(normal_cdf(0.0), 0.5, 1e-15));
    }
}
