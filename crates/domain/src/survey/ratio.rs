//! Exact rational numbers for category bounds and means, so that a score lying exactly on
//! a bound is classified by cross-multiplication of integers, never by floating point.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A reduced fraction num/den with den > 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RatioParts", into = "RatioParts")]
pub struct Ratio {
    num: i128,
    den: i128,
}

#[derive(Serialize, Deserialize)]
struct RatioParts {
    num: i128,
    den: i128,
}

impl TryFrom<RatioParts> for Ratio {
    type Error = &'static str;
    fn try_from(p: RatioParts) -> Result<Self, Self::Error> {
        Ratio::new(p.num, p.den).ok_or("ratio denominator is zero")
    }
}

impl From<Ratio> for RatioParts {
    fn from(r: Ratio) -> Self {
        RatioParts { num: r.num, den: r.den }
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Ratio {
    /// num/den reduced; `None` when den = 0.
    pub fn new(num: i128, den: i128) -> Option<Self> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        let s = if den < 0 { -1 } else { 1 };
        Some(Ratio { num: s * num / g, den: s * den / g })
    }

    /// The integer n as a ratio.
    pub fn int(n: i128) -> Self {
        Ratio { num: n, den: 1 }
    }

    pub fn num(&self) -> i128 {
        self.num
    }

    pub fn den(&self) -> i128 {
        self.den
    }

    pub fn to_f64(&self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Compares with the fraction a/b (b > 0) by cross-multiplication.
    pub fn cmp_fraction(&self, a: i128, b: i128) -> Ordering {
        (self.num * b).cmp(&(a * self.den))
    }

    /// The exact decimal expansion when it terminates (den has only factors 2 and 5),
    /// otherwise `num/den`. With Indonesian decimal commas when `comma` is set.
    pub fn to_exact_string(&self, comma: bool) -> String {
        let mut d = self.den;
        let mut digits = 0usize;
        let mut scale: i128 = 1;
        while d % 10 == 0 {
            d /= 10;
            digits += 1;
            scale *= 10;
        }
        while d % 2 == 0 || d % 5 == 0 {
            if d % 2 == 0 {
                d /= 2;
            } else {
                d /= 5;
            }
            digits += 1;
            scale *= 10;
            if digits > 30 {
                break;
            }
        }
        if d != 1 {
            return format!("{}/{}", self.num, self.den);
        }
        let scaled = self.num * (scale / self.den);
        let neg = scaled < 0;
        let abs = scaled.abs();
        let int = abs / scale;
        let frac = abs % scale;
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        s.push_str(&int.to_string());
        if digits > 0 {
            s.push(if comma { ',' } else { '.' });
            s.push_str(&format!("{frac:0digits$}"));
        }
        s
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_exact_string(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduces_and_prints_exact_decimals() {
        let r = Ratio::new(98, 4).unwrap();
        assert_eq!((r.num(), r.den()), (49, 2));
        assert_eq!(r.to_string(), "24.5");
        assert_eq!(Ratio::new(7, 4).unwrap().to_exact_string(true), "1,75");
        assert_eq!(Ratio::new(-3, 8).unwrap().to_string(), "-0.375");
        assert_eq!(Ratio::new(1, 3).unwrap().to_string(), "1/3");
        assert_eq!(Ratio::int(35).to_string(), "35");
        assert!(Ratio::new(1, 0).is_none());
        assert!(Ratio::new(7, 4).unwrap() < Ratio::new(176, 100).unwrap());
    }
}
