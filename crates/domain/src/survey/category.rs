//! Equal-interval categories of scores (seed 004): interval = (max·k − min·k)/c over k items
//! and c categories, decided in exact rational arithmetic.
//!
//! **Boundary convention.** Category j (0-based) covers (lower_j, upper_j], the first one
//! [min, upper_0]: a value exactly on an upper bound belongs to the *lower* category. This is
//! the reading of the seed's one-item table 1–1.75, 1.76–2.50, 2.51–3.25, 3.26–4, where 1.75
//! is very low and 1.76 low. Sums of integer scores and means (sum/n) are compared with the
//! bounds by cross-multiplication, so 24.5 is exactly on the bound, never "just above" it.

use serde::{Deserialize, Serialize};

use super::ratio::Ratio;

/// One category: a stable key (`very_low`), and Indonesian and English labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub key: String,
    pub label_id: String,
    pub label_en: String,
}

/// The ordered categories, lowest first. Four by default, with the seed's labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryScheme {
    pub categories: Vec<Category>,
}

impl Default for CategoryScheme {
    fn default() -> Self {
        let c = |key: &str, id: &str, en: &str| Category { key: key.into(), label_id: id.into(), label_en: en.into() };
        CategoryScheme {
            categories: vec![
                c("very_low", "Sangat rendah", "Very low"),
                c("low", "Rendah", "Low"),
                c("medium", "Sedang", "Medium"),
                c("high", "Tinggi", "High"),
            ],
        }
    }
}

impl CategoryScheme {
    pub fn len(&self) -> usize {
        self.categories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }

    pub fn key(&self, index: usize) -> &str {
        self.categories.get(index).map_or("", |c| c.key.as_str())
    }
}

/// Bands of a score range [min, max] cut into c equal intervals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bands {
    pub min: i64,
    pub max: i64,
    /// (max − min)/c.
    pub interval: Ratio,
    /// The c upper bounds, ascending; the last is `max`.
    pub upper: Vec<Ratio>,
}

impl Bands {
    /// Bands of [min, max] into `c` ≥ 1 categories. `None` if c = 0 or max < min.
    pub fn new(min: i64, max: i64, c: usize) -> Option<Self> {
        if c == 0 || max < min {
            return None;
        }
        let c = c as i128;
        let (lo, range) = (min as i128, (max - min) as i128);
        let interval = Ratio::new(range, c)?;
        let upper = (1..=c).map(|j| Ratio::new(lo * c + j * range, c)).collect::<Option<Vec<_>>>()?;
        Some(Bands { min, max, interval, upper })
    }

    /// The lower bound shown for category j: min for the first, the previous upper bound
    /// (exclusive) for the others.
    pub fn lower(&self, j: usize) -> Ratio {
        if j == 0 { Ratio::int(self.min as i128) } else { self.upper[j - 1] }
    }

    /// Category of the value num/den (den > 0): the first j with value ≤ upper_j.
    /// Values above max go to the last category, below min to the first.
    pub fn classify(&self, num: i128, den: i128) -> usize {
        for (j, u) in self.upper.iter().enumerate() {
            // num/den ≤ u.num/u.den  ⟺  num·u.den ≤ u.num·den
            if num * u.den() <= u.num() * den {
                return j;
            }
        }
        self.upper.len().saturating_sub(1)
    }

    /// Category of an integer score.
    pub fn classify_int(&self, s: i64) -> usize {
        self.classify(s as i128, 1)
    }

    /// Lookup table: category of each integer score min..=max (index s − min).
    pub fn table(&self) -> Vec<u8> {
        (self.min..=self.max).map(|s| self.classify_int(s) as u8).collect()
    }

    /// Percent of the range achieved by num/den: 100·(v − min)/(max − min).
    pub fn percent(&self, num: i128, den: i128) -> f64 {
        let range = (self.max - self.min) as i128;
        if range == 0 {
            return 0.0;
        }
        let above = num - self.min as i128 * den;
        100.0 * above as f64 / (range * den) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(b: &Bands) -> Vec<String> {
        b.upper.iter().map(|r| r.to_string()).collect()
    }

    /// The seed's worked intervals: one item 0.75, three 2.25, five 3.75, six 4.5, 14 items 10.5.
    /// The printed tables' typos (7,56; 15,10; 19,60; 24,60; 45,60) are not reproduced.
    #[test]
    fn seed_004_bounds() {
        let one = Bands::new(1, 4, 4).unwrap();
        assert_eq!(one.interval.to_string(), "0.75");
        assert_eq!(bounds(&one), ["1.75", "2.5", "3.25", "4"]);
        assert_eq!(bounds(&Bands::new(3, 12, 4).unwrap()), ["5.25", "7.5", "9.75", "12"]);
        assert_eq!(bounds(&Bands::new(6, 24, 4).unwrap()), ["10.5", "15", "19.5", "24"]);
        assert_eq!(bounds(&Bands::new(5, 20, 4).unwrap()), ["8.75", "12.5", "16.25", "20"]);
        let total = Bands::new(14, 56, 4).unwrap();
        assert_eq!(total.interval.to_string(), "10.5");
        assert_eq!(bounds(&total), ["24.5", "35", "45.5", "56"]);
    }

    #[test]
    fn a_value_on_a_bound_belongs_to_the_lower_category() {
        let one = Bands::new(1, 4, 4).unwrap();
        assert_eq!(one.classify(175, 100), 0); // 1.75: very low
        assert_eq!(one.classify(176, 100), 1); // 1.76: low
        assert_eq!(one.classify(5, 2), 1); // 2.5: low
        assert_eq!(one.classify(251, 100), 2);
        assert_eq!(one.classify(13, 4), 2); // 3.25: medium
        assert_eq!(one.classify(4, 1), 3);
        assert_eq!(one.classify(1, 1), 0);
        let total = Bands::new(14, 56, 4).unwrap();
        assert_eq!(total.classify_int(24), 0);
        assert_eq!(total.classify_int(25), 1);
        assert_eq!(total.classify_int(35), 1);
        assert_eq!(total.classify_int(36), 2);
        assert_eq!(total.classify(49, 2), 0); // a mean of exactly 24.5
        // A mean of 24.5 + 1e-15 computed in floats would be ambiguous; exact is not:
        assert_eq!(total.classify(245_000_000_000_000_001, 10_000_000_000_000_000), 1);
        assert_eq!(total.table()[(24 - 14) as usize], 0);
        assert_eq!(total.percent(35, 1), 50.0);
    }
}
