//! Numeric coding bins of respondent factors (`berdaya_bins`: `lo-hi:code;...`, open ends
//! `71-` and `-30`) and the check that they cover the factor's range without gaps or overlaps.
//!
//! A bin `lo-hi` is the closed interval [lo, hi]. What a gap is depends on the data:
//! - **integer** factors take whole numbers, so `0-2000;2100-4000` leaves 2001–2099 uncovered
//!   while `31-40;41-50` is seamless; a value in two bins (`61-70;70-`) is an overlap.
//! - **decimal** factors take any number, so `31-40;41-50` leaves 40 < v < 41 uncovered. Two
//!   bins may share an end (`0-2000;2000-4000`): the shared value belongs to the *lower* bin,
//!   the same convention as category bounds. Bins sharing more than one point overlap.
//!
//! The range the bins must cover is the whole number line unless the question's XLSForm
//! `constraint` bounds it with simple terms like `. >= 0 and . <= 120`.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::ratio::Ratio;

/// Whole or decimal numbers (XLSForm `integer` / `decimal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberKind {
    Integer,
    Decimal,
}

/// One bin [lo, hi] → code; `None` is an open end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bin {
    pub lo: Option<Ratio>,
    pub hi: Option<Ratio>,
    pub code: i32,
}

impl fmt::Display for Bin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = |v: &Option<Ratio>| v.map(|r| r.to_string()).unwrap_or_default();
        write!(f, "{}-{}:{}", end(&self.lo), end(&self.hi), self.code)
    }
}

impl Bin {
    /// Whether v lies in [lo, hi].
    pub fn contains(&self, v: Ratio) -> bool {
        self.lo.is_none_or(|lo| v >= lo) && self.hi.is_none_or(|hi| v <= hi)
    }
}

/// The range a factor's values can take, from its constraint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueRange {
    pub min: Option<Ratio>,
    pub max: Option<Ratio>,
}

/// Parses a decimal number such as `2000`, `0.5` or `8100` exactly. Thousands separators are
/// not accepted: `10.000` is ten, as in XLSForm, not ten thousand.
pub fn parse_decimal(s: &str) -> Option<Ratio> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() + frac.len() > 30
    {
        return None;
    }
    let digits = format!("{int}{frac}");
    let num: i128 = digits.parse().ok()?;
    let den = 10i128.checked_pow(frac.len() as u32)?;
    Ratio::new(if neg { -num } else { num }, den)
}

/// Why a `berdaya_bins` text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("bin `{text}`: {reason}")]
pub struct BinSyntaxError {
    pub text: String,
    pub reason: String,
}

/// Parses `lo-hi:code;...`. Ends may be open (`71-`, `-30`); an en dash is read as `-`.
/// Negative bounds are not supported (a leading `-` means an open lower end).
pub fn parse_bins(text: &str) -> Result<Vec<Bin>, Vec<BinSyntaxError>> {
    let mut bins = Vec::new();
    let mut errors = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let err = |reason: &str| BinSyntaxError { text: part.to_string(), reason: reason.to_string() };
        let norm = part.replace(['–', '—'], "-");
        let Some((range, code)) = norm.rsplit_once(':') else {
            errors.push(err("expected `lo-hi:code`"));
            continue;
        };
        let Ok(code) = code.trim().parse::<i32>() else {
            errors.push(err("the code after `:` must be a whole number"));
            continue;
        };
        let range = range.trim();
        let Some((lo, hi)) = range.split_once('-') else {
            errors.push(err("expected a range `lo-hi` (open ends: `71-` or `-30`)"));
            continue;
        };
        let end = |s: &str| -> Result<Option<Ratio>, ()> {
            let s = s.trim();
            if s.is_empty() { Ok(None) } else { parse_decimal(s).map(Some).ok_or(()) }
        };
        match (end(lo), end(hi)) {
            (Ok(None), Ok(None)) => errors.push(err("a bin needs at least one end")),
            (Ok(lo), Ok(hi)) => {
                if let (Some(l), Some(h)) = (lo, hi)
                    && l > h
                {
                    errors.push(err("the lower end is above the upper end"));
                    continue;
                }
                bins.push(Bin { lo, hi, code });
            }
            _ => errors.push(err("ends must be plain numbers such as 2000 or 0.5 (no thousands separators)")),
        }
    }
    if bins.is_empty() && errors.is_empty() {
        errors.push(BinSyntaxError { text: text.to_string(), reason: "no bins given".into() });
    }
    if errors.is_empty() { Ok(bins) } else { Err(errors) }
}

/// Formats bins back to `berdaya_bins` text.
pub fn format_bins(bins: &[Bin]) -> String {
    bins.iter().map(Bin::to_string).collect::<Vec<_>>().join(";")
}

/// Reads a constraint such as `. >= 0 and . <= 10000` into a range. Anything it does not
/// understand leaves that side unbounded (the check then asks for an open-ended bin).
pub fn range_from_constraint(constraint: &str) -> ValueRange {
    let mut range = ValueRange::default();
    let c = constraint.trim();
    if c.is_empty() || c.contains(" or ") {
        return range;
    }
    for term in c.split(" and ") {
        let t = term.trim().trim_start_matches('(').trim_end_matches(')').replace(' ', "");
        let Some(rest) = t.strip_prefix('.') else { continue };
        let (op, num) = if let Some(n) = rest.strip_prefix(">=") {
            (">=", n)
        } else if let Some(n) = rest.strip_prefix("<=") {
            ("<=", n)
        } else if let Some(n) = rest.strip_prefix('>') {
            (">", n)
        } else if let Some(n) = rest.strip_prefix('<') {
            ("<", n)
        } else {
            continue;
        };
        let Some(v) = parse_decimal(num) else { continue };
        // Strict bounds on whole numbers are tightened by the caller; here keep them inclusive
        // only for >= and <=, and nudge strict ones by one whole unit when integral.
        match op {
            ">=" => range.min = Some(range.min.map_or(v, |m| m.max(v))),
            "<=" => range.max = Some(range.max.map_or(v, |m| m.min(v))),
            ">" if v.den() == 1 => {
                let v = Ratio::int(v.num() + 1);
                range.min = Some(range.min.map_or(v, |m| m.max(v)));
            }
            "<" if v.den() == 1 => {
                let v = Ratio::int(v.num() - 1);
                range.max = Some(range.max.map_or(v, |m| m.min(v)));
            }
            _ => {}
        }
    }
    range
}

/// A coverage problem of a factor's bins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Coverage {
    /// Values in this range fall in no bin. `from`/`to` `None` = unbounded; `open` = the
    /// ends themselves are covered by neighbouring bins (decimal data).
    Gap { from: Option<Ratio>, to: Option<Ratio>, open_from: bool, open_to: bool },
    /// Values in [from, to] fall in both bins.
    Overlap { first: Bin, second: Bin, from: Ratio, to: Ratio },
    /// An integer factor's bin has a fractional end.
    FractionalEnd { bin: Bin },
    /// A bin lies entirely outside the factor's range, so its code can never be given.
    Unreachable { bin: Bin },
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Coverage::Gap { from, to, open_from, open_to } => match (from, to) {
                (None, None) => write!(f, "no value is covered"),
                // Whole sentences, so the message catalog can translate each one.
                (None, Some(t)) if *open_to => write!(f, "values below {t} are in no bin"),
                (None, Some(t)) => write!(f, "values up to {t} are in no bin"),
                (Some(a), None) if *open_from => write!(f, "values above {a} are in no bin"),
                (Some(a), None) => write!(f, "values from {a} are in no bin"),
                (Some(a), Some(b)) if a == b => write!(f, "the value {a} is in no bin"),
                (Some(a), Some(b)) if *open_from || *open_to => {
                    let open = if *open_from { "(" } else { "[" };
                    let close = if *open_to { ")" } else { "]" };
                    write!(f, "values {open}{a}, {b}{close} (strictly between bins) are in no bin")
                }
                (Some(a), Some(b)) => write!(f, "values {a}–{b} are in no bin"),
            },
            Coverage::Overlap { first, second, from, to } => {
                if from == to {
                    write!(f, "the value {from} is in two bins ({first} and {second})")
                } else {
                    write!(f, "values {from}–{to} are in two bins ({first} and {second})")
                }
            }
            Coverage::FractionalEnd { bin } => {
                write!(f, "bin {bin} has a fractional end but the factor takes whole numbers")
            }
            Coverage::Unreachable { bin } => {
                write!(f, "bin {bin} lies outside the allowed range, so its code is never given")
            }
        }
    }
}

fn cmp_lo(a: &Option<Ratio>, b: &Option<Ratio>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y),
    }
}

/// `a < b` for upper ends where `None` is +∞.
fn hi_lt(a: &Option<Ratio>, b: &Option<Ratio>) -> bool {
    match (a, b) {
        (_, None) => a.is_some(),
        (None, Some(_)) => false,
        (Some(x), Some(y)) => x < y,
    }
}

/// Checks that bins cover `range` exactly once. Problems come in ascending value order.
pub fn check_coverage(kind: NumberKind, bins: &[Bin], range: ValueRange) -> Vec<Coverage> {
    let mut out = Vec::new();
    let step = |r: Ratio, up: bool| -> Ratio {
        // Next whole number above/below r (integer data).
        let n = r.num().div_euclid(r.den());
        let floor = Ratio::int(n);
        if up {
            Ratio::int(n + 1)
        } else if floor == r {
            Ratio::int(n - 1)
        } else {
            floor
        }
    };
    let mut sorted: Vec<Bin> = bins.to_vec();
    if kind == NumberKind::Integer {
        for b in &sorted {
            if b.lo.is_some_and(|v| v.den() != 1) || b.hi.is_some_and(|v| v.den() != 1) {
                out.push(Coverage::FractionalEnd { bin: b.clone() });
            }
        }
    }
    // Bins outside the range.
    sorted.retain(|b| {
        let below = matches!((b.hi, range.min), (Some(h), Some(m)) if h < m);
        let above = matches!((b.lo, range.max), (Some(l), Some(m)) if l > m);
        if below || above {
            out.push(Coverage::Unreachable { bin: b.clone() });
        }
        !(below || above)
    });
    sorted.sort_by(|a, b| {
        cmp_lo(&a.lo, &b.lo).then_with(|| {
            if hi_lt(&a.hi, &b.hi) {
                Ordering::Less
            } else if hi_lt(&b.hi, &a.hi) {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
    });
    // Clip to the range.
    let clip_lo = |v: Option<Ratio>| match (v, range.min) {
        (None, m) => m,
        (Some(v), Some(m)) => Some(v.max(m)),
        (Some(v), None) => Some(v),
    };
    let clip_hi = |v: Option<Ratio>| match (v, range.max) {
        (None, m) => m,
        (Some(v), Some(m)) => Some(v.min(m)),
        (Some(v), None) => Some(v),
    };
    // `reach`: the highest covered value so far (None before any bin = below range.min),
    // and the bin that reaches it.
    let mut reach: Option<(Option<Ratio>, Bin)> = None;
    for b in &sorted {
        let lo = clip_lo(b.lo);
        let hi = clip_hi(b.hi);
        match &reach {
            None => {
                // Gap below the first bin?
                match (range.min, lo) {
                    (None, None) => {}
                    (None, Some(l)) => out.push(Coverage::Gap {
                        from: None,
                        to: Some(if kind == NumberKind::Integer { step(l, false) } else { l }),
                        open_from: false,
                        open_to: kind == NumberKind::Decimal,
                    }),
                    (Some(m), Some(l)) if l > m => out.push(match kind {
                        NumberKind::Integer => {
                            Coverage::Gap { from: Some(m), to: Some(step(l, false)), open_from: false, open_to: false }
                        }
                        NumberKind::Decimal => {
                            Coverage::Gap { from: Some(m), to: Some(l), open_from: false, open_to: true }
                        }
                    }),
                    _ => {}
                }
            }
            Some((reached, prev)) => {
                let Some(r) = reached else {
                    // Previous bin is open upwards: everything after overlaps it.
                    out.push(Coverage::Overlap {
                        first: prev.clone(),
                        second: b.clone(),
                        from: lo.unwrap_or(Ratio::int(0)),
                        to: hi.unwrap_or(lo.unwrap_or(Ratio::int(0))),
                    });
                    continue;
                };
                let r = *r;
                match lo {
                    None => out.push(Coverage::Overlap {
                        first: prev.clone(),
                        second: b.clone(),
                        from: range.min.unwrap_or(r),
                        to: r,
                    }),
                    Some(l) => match kind {
                        NumberKind::Integer => {
                            let next = Ratio::int(r.num().div_euclid(r.den()) + 1);
                            if l > next {
                                out.push(Coverage::Gap {
                                    from: Some(next),
                                    to: Some(step(l, false)),
                                    open_from: false,
                                    open_to: false,
                                });
                            } else if l <= r {
                                let to = match hi {
                                    Some(h) if h < r => h,
                                    _ => r,
                                };
                                out.push(Coverage::Overlap { first: prev.clone(), second: b.clone(), from: l, to });
                            }
                        }
                        NumberKind::Decimal => {
                            if l > r {
                                out.push(Coverage::Gap { from: Some(r), to: Some(l), open_from: true, open_to: true });
                            } else if l < r {
                                let to = match hi {
                                    Some(h) if h < r => h,
                                    _ => r,
                                };
                                out.push(Coverage::Overlap { first: prev.clone(), second: b.clone(), from: l, to });
                            }
                        }
                    },
                }
            }
        }
        let extends = match &reach {
            None => true,
            Some((reached, _)) => hi_lt(reached, &hi),
        };
        if extends {
            reach = Some((hi, b.clone()));
        }
    }
    match reach {
        None => out.push(Coverage::Gap { from: range.min, to: range.max, open_from: false, open_to: false }),
        Some((Some(r), _)) => {
            let above = match range.max {
                None => true,
                Some(m) => m > r,
            };
            if above {
                match kind {
                    NumberKind::Integer => {
                        let next = Ratio::int(r.num().div_euclid(r.den()) + 1);
                        if range.max.is_none_or(|m| m >= next) {
                            out.push(Coverage::Gap {
                                from: Some(next),
                                to: range.max,
                                open_from: false,
                                open_to: false,
                            });
                        }
                    }
                    NumberKind::Decimal => {
                        out.push(Coverage::Gap { from: Some(r), to: range.max, open_from: true, open_to: false })
                    }
                }
            }
        }
        Some((None, _)) => {}
    }
    out
}

/// The code of a value, or `None` when it is in no bin. With touching decimal bins the
/// shared end goes to the lower bin (bins are searched in ascending order).
pub fn code_of(bins: &[Bin], v: Ratio) -> Option<i32> {
    let mut best: Option<&Bin> = None;
    for b in bins.iter().filter(|b| b.contains(v)) {
        if best.is_none_or(|c| cmp_lo(&b.lo, &c.lo) == Ordering::Less) {
            best = Some(b);
        }
    }
    best.map(|b| b.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: i128) -> Option<Ratio> {
        Some(Ratio::int(n))
    }

    #[test]
    fn parses_open_ends_and_rejects_garbage() {
        let b = parse_bins("31-40:5; 41-50:4;71-:1;-30:6").unwrap();
        assert_eq!(b[0], Bin { lo: int(31), hi: int(40), code: 5 });
        assert_eq!(b[2], Bin { lo: int(71), hi: None, code: 1 });
        assert_eq!(b[3], Bin { lo: None, hi: int(30), code: 6 });
        assert_eq!(format_bins(&b), "31-40:5;41-50:4;71-:1;-30:6");
        assert!(parse_bins("31-40").is_err());
        assert!(parse_bins("40-31:1").is_err());
        assert!(parse_bins("10.000-20.000:1").is_ok()); // decimals, not thousands
        assert!(parse_bins("1,000-2,000:1").is_err());
        assert!(parse_bins("-:1").is_err());
        assert_eq!(parse_bins("31–40:5").unwrap()[0].hi, int(40));
    }

    #[test]
    fn seed_printed_age_bins_have_a_gap_below_31_and_an_overlap_at_70() {
        let bins = parse_bins("31-40:5;41-50:4;51-60:3;61-70:2;70-:1").unwrap();
        let p = check_coverage(NumberKind::Integer, &bins, ValueRange::default());
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].to_string(), "values up to 30 are in no bin");
        assert_eq!(p[1].to_string(), "the value 70 is in two bins (61-70:2 and 70-:1)");
    }

    #[test]
    fn seed_printed_land_bins_have_four_gaps_and_uncovered_ends() {
        let bins = parse_bins("8100-10000:5;6100-8000:4;4100-6000:3;2100-4000:2;0-2000:1").unwrap();
        let range = range_from_constraint(". >= 0");
        let p: Vec<String> = check_coverage(NumberKind::Integer, &bins, range).iter().map(|c| c.to_string()).collect();
        assert_eq!(
            p,
            [
                "values 2001–2099 are in no bin",
                "values 4001–4099 are in no bin",
                "values 6001–6099 are in no bin",
                "values 8001–8099 are in no bin",
                "values from 10001 are in no bin",
            ]
        );
    }

    #[test]
    fn integer_and_decimal_semantics_differ() {
        let bins = parse_bins("-40:2;41-:1").unwrap();
        assert!(check_coverage(NumberKind::Integer, &bins, ValueRange::default()).is_empty());
        let p = check_coverage(NumberKind::Decimal, &bins, ValueRange::default());
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].to_string(), "values (40, 41) (strictly between bins) are in no bin");
        // Touching decimal bins are fine, the shared end goes to the lower bin.
        let bins = parse_bins("-2000:1;2000-:2").unwrap();
        assert!(check_coverage(NumberKind::Decimal, &bins, ValueRange::default()).is_empty());
        assert_eq!(code_of(&bins, Ratio::int(2000)), Some(1));
        assert_eq!(code_of(&bins, Ratio::new(20001, 10).unwrap()), Some(2));
        // ... but for whole numbers the shared value is in two bins.
        assert_eq!(check_coverage(NumberKind::Integer, &bins, ValueRange::default()).len(), 1);
    }

    #[test]
    fn range_from_constraint_and_unreachable_bins() {
        let r = range_from_constraint(". >= 0 and . <= 120");
        assert_eq!((r.min, r.max), (int(0), int(120)));
        let r2 = range_from_constraint(".>0 and .<100");
        assert_eq!((r2.min, r2.max), (int(1), int(99)));
        assert_eq!(range_from_constraint(". > 0 or . = -1"), ValueRange::default());
        let bins = parse_bins("0-60:2;61-120:1;130-140:9").unwrap();
        let p = check_coverage(NumberKind::Integer, &bins, r);
        assert_eq!(p.len(), 1);
        assert!(matches!(p[0], Coverage::Unreachable { .. }));
        let p = check_coverage(NumberKind::Integer, &parse_bins("0-60:2;61-120:1").unwrap(), r);
        assert!(p.is_empty(), "{p:?}");
        let p = check_coverage(NumberKind::Integer, &parse_bins("0-60:2;50-120:1").unwrap(), r);
        assert_eq!(p[0].to_string(), "values 50–60 are in two bins (0-60:2 and 50-120:1)");
        let p = check_coverage(NumberKind::Integer, &parse_bins("0-10.5:1;11-120:2").unwrap(), r);
        assert!(matches!(p[0], Coverage::FractionalEnd { .. }));
    }
}
