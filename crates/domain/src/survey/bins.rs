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
//! `constraint` bounds it with simple terms like `. >= 0 and . <= 120`. A strict end (`. > 0`)
//! stays strict on decimal data, so bins from 1 leave (0, 1) uncovered; on whole numbers it
//! is the next whole number (`. >= 1`).

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

/// The range a factor's values can take, from its constraint. An end is inclusive unless its
/// `*_strict` flag is set (`. > 0` on decimal data: 0 itself is not allowed). Integer ranges
/// are always inclusive: `. > 0` on whole numbers is `. >= 1`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueRange {
    pub min: Option<Ratio>,
    pub max: Option<Ratio>,
    #[serde(default)]
    pub min_strict: bool,
    #[serde(default)]
    pub max_strict: bool,
}

impl ValueRange {
    /// Whether v satisfies the range's ends.
    pub fn contains(&self, v: Ratio) -> bool {
        let above_min = match self.min {
            None => true,
            Some(m) if self.min_strict => v > m,
            Some(m) => v >= m,
        };
        let below_max = match self.max {
            None => true,
            Some(m) if self.max_strict => v < m,
            Some(m) => v <= m,
        };
        above_min && below_max
    }

    /// Raises the lower end to v (strict or not) when that is tighter.
    fn tighten_min(&mut self, v: Ratio, strict: bool) {
        let tighter = match self.min {
            None => true,
            Some(m) => v > m || (v == m && strict),
        };
        if tighter {
            self.min = Some(v);
            self.min_strict = strict;
        }
    }

    /// Lowers the upper end to v (strict or not) when that is tighter.
    fn tighten_max(&mut self, v: Ratio, strict: bool) {
        let tighter = match self.max {
            None => true,
            Some(m) => v < m || (v == m && strict),
        };
        if tighter {
            self.max = Some(v);
            self.max_strict = strict;
        }
    }
}

/// Parses a decimal number such as `2000`, `0.5` or `8100` exactly, without allocating (it
/// runs once per factor cell). Thousands separators are not accepted: `10.000` is ten, as in
/// XLSForm, not ten thousand.
pub fn parse_decimal(s: &str) -> Option<Ratio> {
    parse_number(s, false)
}

/// [`parse_decimal`], also reading a decimal comma (`1500,5`) when `decimal_comma` is set:
/// the format Indonesian Excel writes in `;`-separated CSV. At most one separator is read.
pub fn parse_number(s: &str, decimal_comma: bool) -> Option<Ratio> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let mut num: i128 = 0;
    let mut digits = 0u32;
    let mut frac_digits = 0u32;
    let mut seen_separator = false;
    for b in body.bytes() {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                // 30 digits fit an i128 (10^30 < 1.7·10^38) with room for the denominator.
                if digits > 30 {
                    return None;
                }
                num = num * 10 + i128::from(b - b'0');
                if seen_separator {
                    frac_digits += 1;
                }
            }
            b'.' if !seen_separator => seen_separator = true,
            b',' if decimal_comma && !seen_separator => seen_separator = true,
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    Ratio::new(if neg { -num } else { num }, 10i128.pow(frac_digits))
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
/// understand leaves that side unbounded (the check then asks for an open-ended bin). Strict
/// ends stay strict on decimal data; on whole numbers they become the next whole number
/// (`. > 0` is `. >= 1`), and fractional ends are rounded inwards.
pub fn range_from_constraint(constraint: &str, kind: NumberKind) -> ValueRange {
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
        let lower = op.starts_with('>');
        let strict = op.len() == 1;
        match kind {
            NumberKind::Decimal if lower => range.tighten_min(v, strict),
            NumberKind::Decimal => range.tighten_max(v, strict),
            NumberKind::Integer => {
                let floor = v.num().div_euclid(v.den());
                let whole = v.den() == 1;
                if lower {
                    // Smallest whole number allowed: > v → floor + 1; >= v → ceil(v).
                    let least = if strict || !whole { floor + 1 } else { floor };
                    range.tighten_min(Ratio::int(least), false);
                } else {
                    // Largest whole number allowed: < v → ceil(v) − 1; <= v → floor(v).
                    let most = if strict && whole { floor - 1 } else { floor };
                    range.tighten_max(Ratio::int(most), false);
                }
            }
        }
    }
    range
}

/// A coverage problem of a factor's bins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Coverage {
    /// Values in this range fall in no bin. `from`/`to` `None` = unbounded; `open` = the
    /// end itself is not in the gap (covered by a neighbouring bin, or excluded by a strict
    /// constraint); `edge` = the gap runs to an end of the allowed range, not between bins.
    Gap {
        from: Option<Ratio>,
        to: Option<Ratio>,
        open_from: bool,
        open_to: bool,
        #[serde(default)]
        edge: bool,
    },
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
            Coverage::Gap { from, to, open_from, open_to, edge } => match (from, to) {
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
                    if *edge {
                        write!(f, "values {open}{a}, {b}{close} are in no bin")
                    } else {
                        write!(f, "values {open}{a}, {b}{close} (strictly between bins) are in no bin")
                    }
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

impl Coverage {
    /// For a gap that runs to −∞ or +∞ (no constraint bounds that side), the constraint
    /// that would exclude it, e.g. `. >= 0` when the lowest bin starts at 0. Such a tail is
    /// only a warning: the form may simply not say what the data cannot contain.
    pub fn closing_constraint(&self) -> Option<String> {
        match self {
            Coverage::Gap { from: None, to: Some(t), open_to, .. } => {
                let bound = if *open_to { *t } else { Ratio::int(t.num().div_euclid(t.den()) + 1) };
                Some(format!(". >= {bound}"))
            }
            Coverage::Gap { from: Some(a), to: None, open_from, .. } => {
                let bound = if *open_from { *a } else { Ratio::int(a.num().div_euclid(a.den()) - 1) };
                Some(format!(". <= {bound}"))
            }
            _ => None,
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
        let below = matches!((b.hi, range.min), (Some(h), Some(m)) if h < m || (h == m && range.min_strict));
        let above = matches!((b.lo, range.max), (Some(l), Some(m)) if l > m || (l == m && range.max_strict));
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
                        edge: true,
                    }),
                    (Some(m), Some(l)) if l > m => out.push(match kind {
                        NumberKind::Integer => Coverage::Gap {
                            from: Some(m),
                            to: Some(step(l, false)),
                            open_from: false,
                            open_to: false,
                            edge: true,
                        },
                        NumberKind::Decimal => Coverage::Gap {
                            from: Some(m),
                            to: Some(l),
                            open_from: range.min_strict,
                            open_to: true,
                            edge: true,
                        },
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
                                    edge: false,
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
                                out.push(Coverage::Gap {
                                    from: Some(r),
                                    to: Some(l),
                                    open_from: true,
                                    open_to: true,
                                    edge: false,
                                });
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
        None => out.push(Coverage::Gap {
            from: range.min,
            to: range.max,
            open_from: range.min_strict,
            open_to: range.max_strict,
            edge: true,
        }),
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
                                edge: true,
                            });
                        }
                    }
                    NumberKind::Decimal => out.push(Coverage::Gap {
                        from: Some(r),
                        to: range.max,
                        open_from: true,
                        open_to: range.max_strict,
                        edge: true,
                    }),
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
        let range = range_from_constraint(". >= 0", NumberKind::Integer);
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
        let r = range_from_constraint(". >= 0 and . <= 120", NumberKind::Integer);
        assert_eq!((r.min, r.max), (int(0), int(120)));
        let r2 = range_from_constraint(".>0 and .<100", NumberKind::Integer);
        assert_eq!((r2.min, r2.max), (int(1), int(99)));
        assert_eq!(range_from_constraint(". > 0 or . = -1", NumberKind::Integer), ValueRange::default());
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

    #[test]
    fn strict_constraint_on_decimals_leaves_the_gap_below_the_first_bin() {
        // Issue 11: `. > 0` with bins `1-5:1;5-:2` leaves (0, 1) uncovered on decimal data.
        let bins = parse_bins("1-5:1;5-:2").unwrap();
        let range = range_from_constraint(". > 0", NumberKind::Decimal);
        assert_eq!((range.min, range.min_strict), (int(0), true));
        let p = check_coverage(NumberKind::Decimal, &bins, range);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].to_string(), "values (0, 1) are in no bin");
        // On whole numbers `. > 0` is `. >= 1`, and bins from 1 cover everything allowed.
        let range = range_from_constraint(". > 0", NumberKind::Integer);
        assert_eq!((range.min, range.min_strict), (int(1), false));
        assert!(check_coverage(NumberKind::Integer, &parse_bins("1-5:1;6-:2").unwrap(), range).is_empty());
        // A strict upper end: `. < 10` with `-5:1;5-10:2` on decimals is covered; the bin
        // `10-:3` could only ever take 10 itself, which the constraint excludes.
        let range = range_from_constraint(". > 0 and . < 10", NumberKind::Decimal);
        assert!(check_coverage(NumberKind::Decimal, &parse_bins("-5:1;5-10:2").unwrap(), range).is_empty());
        let p = check_coverage(NumberKind::Decimal, &parse_bins("-5:1;5-9:2;10-:3").unwrap(), range);
        let texts: Vec<String> = p.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            ["bin 10-:3 lies outside the allowed range, so its code is never given", "values (9, 10) are in no bin"]
        );
        // Fractional ends on whole numbers are rounded inwards.
        let r = range_from_constraint(". >= 0.5 and . <= 99.5", NumberKind::Integer);
        assert_eq!((r.min, r.max), (int(1), int(99)));
        let r = range_from_constraint(". > 0.5 and . < 99.5", NumberKind::Integer);
        assert_eq!((r.min, r.max), (int(1), int(99)));
    }

    #[test]
    fn value_range_contains_respects_strict_ends() {
        let r = range_from_constraint(". > 0 and . <= 120", NumberKind::Decimal);
        assert!(!r.contains(Ratio::int(0)));
        assert!(r.contains(Ratio::new(1, 10).unwrap()));
        assert!(r.contains(Ratio::int(120)));
        assert!(!r.contains(Ratio::new(1201, 10).unwrap()));
        let age = range_from_constraint(". >= 0 and . <= 120", NumberKind::Integer);
        assert!(!age.contains(Ratio::int(-5)));
        assert!(!age.contains(Ratio::int(250)));
        assert!(age.contains(Ratio::int(0)) && age.contains(Ratio::int(120)));
        assert!(ValueRange::default().contains(Ratio::int(-1_000_000)));
    }

    #[test]
    fn tails_suggest_the_constraint_that_would_exclude_them() {
        // Issue 11: `0-2000:1;...` with no lower constraint leaves everything below 0 open.
        let bins = parse_bins("0-2000:1;2001-4000:2;4001-:3").unwrap();
        let p = check_coverage(NumberKind::Integer, &bins, ValueRange::default());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].to_string(), "values up to -1 are in no bin");
        assert_eq!(p[0].closing_constraint().as_deref(), Some(". >= 0"));
        let p = check_coverage(NumberKind::Decimal, &parse_bins("0-2000:1;2000-:2").unwrap(), ValueRange::default());
        assert_eq!(p[0].to_string(), "values below 0 are in no bin");
        assert_eq!(p[0].closing_constraint().as_deref(), Some(". >= 0"));
        // Upper tails.
        let p = check_coverage(NumberKind::Integer, &parse_bins("-10:1;11-20:2").unwrap(), ValueRange::default());
        assert_eq!(p[0].to_string(), "values from 21 are in no bin");
        assert_eq!(p[0].closing_constraint().as_deref(), Some(". <= 20"));
        let p =
            check_coverage(NumberKind::Decimal, &parse_bins("-10.5:1;10.5-20.25:2").unwrap(), ValueRange::default());
        assert_eq!(p[0].to_string(), "values above 20.25 are in no bin");
        assert_eq!(p[0].closing_constraint().as_deref(), Some(". <= 20.25"));
        // Gaps between bins, or up to a constrained end, are not tails.
        let range = range_from_constraint(". >= 0", NumberKind::Integer);
        let p = check_coverage(NumberKind::Integer, &parse_bins("5-10:1;12-:2").unwrap(), range);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().all(|c| c.closing_constraint().is_none()), "{p:?}");
    }

    #[test]
    fn numbers_parse_exactly_with_an_optional_decimal_comma() {
        let r = |n, d| Some(Ratio::new(n, d).unwrap());
        assert_eq!(parse_decimal("3.0"), r(3, 1));
        assert_eq!(parse_decimal("03"), r(3, 1));
        assert_eq!(parse_decimal(" -2.50 "), r(-5, 2));
        assert_eq!(parse_decimal("+.5"), r(1, 2));
        assert_eq!(parse_decimal("5."), r(5, 1));
        assert_eq!(parse_decimal("10.000"), r(10, 1));
        assert_eq!(parse_decimal("1500,5"), None);
        assert_eq!(parse_number("1500,5", true), r(3001, 2));
        assert_eq!(parse_number("1500.5", true), r(3001, 2));
        for bad in ["", "-", ".", "1.2.3", "1,5.2", "1e3", "12a", "--1", "1 000"] {
            assert_eq!(parse_number(bad, true), None, "{bad}");
        }
        assert_eq!(parse_decimal(&"9".repeat(30)), r(10i128.pow(30) - 1, 1));
        assert_eq!(parse_decimal(&"9".repeat(31)), None);
    }
}
