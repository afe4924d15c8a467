//! The dashboards' tables: the store's aggregates laid out as labelled rows of counts, with
//! small counts suppressed for readers who must not be able to single out a family.
//!
//! Suppression, for a threshold `t` (the viewer's; 0 for everyone else): every count from 1
//! to `t − 1` is hidden (shown `< t`, left out of charts,
//! `null` in the API, the text `< t` in the XLSX). A hidden count must not come back by
//! subtraction, so in a column that has a total, when exactly one count is hidden the next
//! smallest count of that column is hidden too (complementary suppression), and a total below
//! `t` is hidden like any count. Tables without a total row (the age pyramid, the monthly
//! series, coverage) hide each small count alone: no total there to subtract from. Counts of
//! target regions are hidden by the same rule, so the rule stays one: no count below `t`
//! anywhere. Zeros are shown: an empty cell singles out no one.

use berdaya_domain::registry::{Disability, EnrollmentStatus, WelfareStage};
use berdaya_store::dashboard::{BAND_YEARS, OLDEST_BAND, ProgramDashboard, RegistryDashboard};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use crate::i18n::Translations;

/// A count as a reader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Count(u64),
    /// Suppressed: at least 1 and below the threshold, or hidden to protect one that is.
    Hidden,
}

impl Shown {
    /// The count, unless it is hidden.
    pub fn value(self) -> Option<u64> {
        match self {
            Shown::Count(n) => Some(n),
            Shown::Hidden => None,
        }
    }

    /// The count as text, `< t` when hidden.
    pub fn text(self, below: u64) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Hidden => format!("< {below}"),
        }
    }
}

/// A hidden count is `null` in JSON.
impl Serialize for Shown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

/// Whether `n` is small enough to single someone out under threshold `below`.
pub fn small(n: u64, below: u64) -> bool {
    n > 0 && n < below
}

/// One column with its total: small counts hidden, and one more when a single hidden count
/// could be recovered from the total (see the module documentation).
pub fn suppress_column(counts: &[u64], below: u64) -> (Vec<Shown>, Shown) {
    let total: u64 = counts.iter().sum();
    let mut hidden: Vec<bool> = counts.iter().map(|n| small(*n, below)).collect();
    let total_hidden = small(total, below);
    if !total_hidden && hidden.iter().filter(|h| **h).count() == 1 {
        // The smallest shown count, a non-zero one first (hiding a zero protects little).
        let partner = (0..counts.len()).filter(|i| !hidden[*i]).min_by_key(|i| (counts[*i] == 0, counts[*i]));
        if let Some(i) = partner {
            hidden[i] = true;
        }
    }
    let shown = counts.iter().zip(hidden).map(|(n, h)| if h { Shown::Hidden } else { Shown::Count(*n) }).collect();
    (shown, if total_hidden { Shown::Hidden } else { Shown::Count(total) })
}

/// One row of a table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatRow {
    /// A stable key: a region code, a vocabulary code, an age band's lowest age, a month
    /// (`YYYY-MM`), `program_id/region` for coverage; empty for the row of what lies in the
    /// area but in none of its sub-regions.
    pub key: String,
    pub label: String,
    /// One per column; `null` when suppressed.
    #[schema(value_type = Vec<Option<u64>>)]
    pub cells: Vec<Shown>,
}

/// A table of counts, as shown under its chart, in the API and in the XLSX.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatTable {
    /// `regions`, `welfare`, `dtks`, `pyramid`, `disability`; `status`, `coverage`, `covered`.
    pub id: &'static str,
    pub title: String,
    /// The header of the label column.
    pub label: String,
    pub columns: Vec<String>,
    pub rows: Vec<StatRow>,
    /// The column totals, for tables that have them.
    #[schema(value_type = Option<Vec<Option<u64>>>)]
    pub totals: Option<Vec<Shown>>,
}

/// A table's counts before suppression.
struct Raw<'a> {
    id: &'static str,
    title: &'a str,
    label: &'a str,
    columns: Vec<&'a str>,
    rows: Vec<(String, String, Vec<u64>)>,
    /// Whether the table has a total row.
    totals: bool,
}

impl Raw<'_> {
    fn finish(self, below: u64) -> StatTable {
        let columns: Vec<Vec<u64>> = (0..self.columns.len())
            .map(|c| self.rows.iter().map(|r| r.2.get(c).copied().unwrap_or(0)).collect())
            .collect();
        let mut cells: Vec<Vec<Shown>> = vec![Vec::new(); self.rows.len()];
        let mut totals = Vec::new();
        for column in &columns {
            let (shown, total) = if self.totals {
                suppress_column(column, below)
            } else {
                let one = |n: &u64| if small(*n, below) { Shown::Hidden } else { Shown::Count(*n) };
                (column.iter().map(one).collect(), Shown::Count(column.iter().sum()))
            };
            for (row, s) in cells.iter_mut().zip(shown) {
                row.push(s);
            }
            totals.push(total);
        }
        StatTable {
            id: self.id,
            title: self.title.to_string(),
            label: self.label.to_string(),
            columns: self.columns.iter().map(|c| c.to_string()).collect(),
            rows: self
                .rows
                .into_iter()
                .zip(cells)
                .map(|((key, label, _), cells)| StatRow { key, label, cells })
                .collect(),
            totals: self.totals.then_some(totals),
        }
    }
}

/// An age band's label: `0–4`, …, `75+`.
pub fn band_label(from: u32) -> String {
    if from >= OLDEST_BAND { format!("{from}+") } else { format!("{from}–{}", from + BAND_YEARS - 1) }
}

/// The registry dashboard's tables, in page order.
pub fn registry_tables(t: &Translations, d: &RegistryDashboard, below: u64) -> Vec<StatTable> {
    let lang = t.lang().code();
    let (households, people) = (t.t("nav.households"), t.t("nav.people"));
    let regions = d
        .regions
        .iter()
        .map(|r| {
            let (key, label) = match &r.code {
                Some(c) => (c.to_string(), r.name.clone()),
                None => (String::new(), t.t("dashboard.rest").to_string()),
            };
            (key, label, vec![r.households, r.people])
        })
        .collect();
    fn vocabulary(rows: Vec<(&str, &str, u64)>) -> Vec<(String, String, Vec<u64>)> {
        rows.into_iter().map(|(k, l, n)| (k.to_string(), l.to_string(), vec![n])).collect()
    }
    let welfare = d.welfare.iter().map(|(s, n)| (s.code(), WelfareStage::label(*s, lang), *n)).collect();
    let disability = d.disability.iter().map(|(s, n)| (s.code(), Disability::label(*s, lang), *n)).collect();
    let dtks = vec![
        ("true", t.t("dashboard.dtks_listed"), d.dtks_listed),
        ("false", t.t("dashboard.dtks_unlisted"), d.dtks_unlisted),
    ];
    let pyramid = d.pyramid.iter().map(|b| (b.from.to_string(), band_label(b.from), vec![b.male, b.female])).collect();
    let table = |id, title: &str, label: &str, columns: Vec<&str>, rows, totals| {
        Raw { id, title, label, columns, rows, totals }.finish(below)
    };
    vec![
        table("regions", t.t("dashboard.by_region"), t.t("dashboard.region"), vec![households, people], regions, true),
        table(
            "welfare",
            t.t("dashboard.by_welfare"),
            t.t("dashboard.welfare"),
            vec![households],
            vocabulary(welfare),
            true,
        ),
        table("dtks", t.t("dashboard.by_dtks"), t.t("dashboard.dtks"), vec![households], vocabulary(dtks), true),
        table(
            "pyramid",
            t.t("dashboard.pyramid"),
            t.t("dashboard.age"),
            vec![t.t("dashboard.male"), t.t("dashboard.female")],
            pyramid,
            false,
        ),
        table(
            "disability",
            t.t("dashboard.by_disability"),
            t.t("dashboard.disability"),
            vec![people],
            vocabulary(disability),
            true,
        ),
    ]
}

/// The programs dashboard's tables, in page order.
pub fn program_tables(t: &Translations, d: &ProgramDashboard, below: u64) -> Vec<StatTable> {
    let lang = t.lang().code();
    let statuses: Vec<&str> = EnrollmentStatus::ALL.iter().map(|s| s.label(lang)).collect();
    let months = d
        .months
        .iter()
        .map(|m| {
            let key = format!("{}-{:02}", m.month.year(), u8::from(m.month.month()));
            (key.clone(), key, m.counts.iter().map(|(_, n)| *n).collect())
        })
        .collect();
    let mut coverage = Vec::new();
    let mut covered = Vec::new();
    for p in &d.coverage {
        for target in &p.targets {
            let key = format!("{}/{}", p.program_id, target.region);
            coverage.push((key, format!("{} — {}", p.name, target.name), vec![target.enrolled]));
        }
        covered.push((p.program_id.to_string(), p.name.clone(), vec![p.targets.len() as u64, p.covered() as u64]));
    }
    vec![
        Raw {
            id: "status",
            title: t.t("dashboard.by_status"),
            label: t.t("dashboard.month"),
            columns: statuses,
            rows: months,
            totals: false,
        }
        .finish(below),
        Raw {
            id: "covered",
            title: t.t("dashboard.covered"),
            label: t.t("nav.programs"),
            columns: vec![t.t("dashboard.targets"), t.t("dashboard.targets_reached")],
            rows: covered,
            totals: false,
        }
        .finish(below),
        Raw {
            id: "coverage",
            title: t.t("dashboard.coverage"),
            label: t.t("dashboard.target_region"),
            columns: vec![t.t("dashboard.enrolled")],
            rows: coverage,
            totals: false,
        }
        .finish(below),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(shown: &[Shown]) -> Vec<String> {
        shown.iter().map(|s| s.text(5)).collect()
    }

    #[test]
    fn small_counts_are_hidden_and_zeros_shown() {
        let (cells, total) = suppress_column(&[3, 0, 7, 2, 40], 5);
        assert_eq!(texts(&cells), ["< 5", "0", "7", "< 5", "40"]);
        assert_eq!(total, Shown::Count(52));
    }

    #[test]
    fn a_lone_hidden_count_takes_the_next_smallest_with_it() {
        let (cells, total) = suppress_column(&[3, 0, 9, 40], 5);
        assert_eq!(texts(&cells), ["< 5", "0", "< 5", "40"]);
        assert_eq!(total, Shown::Count(52));
        // Nothing can be recovered: 52 − 40 − 0 = 12 is the sum of two hidden counts.
    }

    #[test]
    fn a_small_total_is_hidden_too() {
        let (cells, total) = suppress_column(&[3, 0], 5);
        assert_eq!((texts(&cells), total), (vec!["< 5".to_string(), "0".to_string()], Shown::Hidden));
    }

    #[test]
    fn no_threshold_shows_everything() {
        let (cells, total) = suppress_column(&[1, 2, 0], 0);
        assert_eq!((texts(&cells), total), (vec!["1".into(), "2".into(), "0".into()], Shown::Count(3)));
    }

    #[test]
    fn suppression_holds_whatever_the_counts() {
        // Every column of four counts up to 12: no shown count is small, and the hidden
        // ones are never exactly one while the total is shown.
        for a in 0..12 {
            for b in 0..12 {
                for c in 0..12 {
                    let counts = [a, b, c, 20];
                    let (cells, total) = suppress_column(&counts, 5);
                    let hidden = cells.iter().filter(|s| **s == Shown::Hidden).count();
                    assert!(cells.iter().all(|s| s.value().is_none_or(|n| !small(n, 5))), "{counts:?}");
                    assert!(hidden != 1 || total == Shown::Hidden, "{counts:?} → {cells:?}");
                }
            }
        }
    }

    #[test]
    fn bands_are_labelled_by_their_ages() {
        assert_eq!((band_label(0), band_label(70), band_label(75)), ("0–4".into(), "70–74".into(), "75+".into()));
    }

    #[test]
    fn a_hidden_count_is_null_in_json() {
        let json = serde_json::to_string(&[Shown::Count(7), Shown::Hidden]).expect("json");
        assert_eq!(json, "[7,null]");
    }
}
