//! Which column of a response file holds each question: KoboToolbox and ODK export the same
//! form under different headers, so the instrument's questions are matched to the header
//! once, before any row is read. The export shapes recognised, in the order tried:
//! 1. the group path as KoboToolbox writes it (`persiapan/rekening`);
//! 2. the group path as ODK Central and Briefcase write it (`persiapan-rekening`);
//! 3. the bare name (`rekening`), which beats a split select_multiple column such as
//!    `kanal/rekening`;
//! 4. any header ending in `/name` or `-name` (a group renamed since the export);
//! 5. for questions still unmatched, the question label in any language of the form, alone or
//!    after group labels (KoboToolbox's "labels" export: `Persiapan/Memiliki rekening`).

use std::collections::BTreeMap;
use std::fmt;

use super::instrument::{Instrument, normalize_label};
use super::responses::ResponsesError;

/// Column names that identify a respondent, in order of preference (compared without case,
/// on the last path segment): Berdaya's `id`, KoboToolbox's `_id`/`_uuid`, ODK's `KEY`/`instanceID`.
pub const ID_COLUMNS: [&str; 7] = ["id", "respondent", "responden", "_id", "key", "_uuid", "instanceid"];

/// At most this many close headers are named for a question without a column.
const CLOSEST: usize = 3;

/// The columns of one response file resolved against an instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    /// Column of each item, in [`Instrument::items`] order.
    pub items: Vec<usize>,
    /// Column of each factor, in instrument order.
    pub factors: Vec<usize>,
    /// Column that identifies a respondent, if any.
    pub id: Option<usize>,
}

/// A question no header matched, with the headers most like it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedQuestion {
    pub question: String,
    /// Headers of the file whose name or label is closest to the question's (best first).
    pub closest: Vec<String>,
}

/// `` `a`, `b` `` for an error message.
pub(crate) fn question_list(q: &[UnmatchedQuestion]) -> String {
    q.iter().map(|u| format!("`{}`", u.question)).collect::<Vec<_>>().join(", ")
}

/// `` a: `x`, `y`; b: `z` `` for an error message, or `—` when no header is close.
pub(crate) fn closest_list(q: &[UnmatchedQuestion]) -> String {
    let parts: Vec<String> = q
        .iter()
        .filter(|u| !u.closest.is_empty())
        .map(|u| {
            let cols: Vec<String> = u.closest.iter().map(|c| format!("`{c}`")).collect();
            format!("{}: {}", u.question, cols.join(", "))
        })
        .collect();
    if parts.is_empty() { "—".to_string() } else { parts.join("; ") }
}

impl fmt::Display for UnmatchedQuestion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&closest_list(std::slice::from_ref(self)))
    }
}

/// One question to find: its name, group path, labels and the labels of its indicator.
struct Wanted<'a> {
    name: &'a str,
    path: &'a str,
    labels: Vec<String>,
    group_labels: Vec<String>,
}

impl ColumnMap {
    /// Matches every item and factor to a header column (see the module comment for the
    /// shapes tried), or says which are missing, ambiguous or would share a column.
    pub fn resolve(instrument: &Instrument, columns: &[String]) -> Result<ColumnMap, ResponsesError> {
        let labels = |label: &str, others: &[String]| -> Vec<String> {
            std::iter::once(label).chain(others.iter().map(String::as_str)).map(normalize_label).collect()
        };
        let mut wanted: Vec<Wanted<'_>> = Vec::with_capacity(instrument.item_count() + instrument.factors.len());
        for ind in &instrument.indicators {
            for it in &ind.items {
                wanted.push(Wanted {
                    name: &it.name,
                    path: &it.path,
                    labels: labels(&it.label, &it.labels),
                    group_labels: labels(&ind.label, &ind.labels),
                });
            }
        }
        for f in &instrument.factors {
            wanted.push(Wanted {
                name: &f.name,
                path: &f.path,
                labels: labels(&f.label, &f.labels),
                group_labels: Vec::new(),
            });
        }
        let mut found: Vec<Option<usize>> = Vec::with_capacity(wanted.len());
        for w in &wanted {
            found.push(by_name(columns, w)?);
        }
        // Labels are a last resort, and never take a column a name already matched.
        let normalized: Vec<String> = columns.iter().map(|c| normalize_label(c)).collect();
        let taken: Vec<usize> = found.iter().flatten().copied().collect();
        for (w, slot) in wanted.iter().zip(found.iter_mut()) {
            if slot.is_none() {
                *slot = by_label(columns, &normalized, w, &taken)?;
            }
        }
        let mut users: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (w, c) in wanted.iter().zip(&found) {
            if let Some(c) = c {
                users.entry(*c).or_default().push(w.name.to_string());
            }
        }
        if let Some((&c, questions)) = users.iter().find(|(_, q)| q.len() > 1) {
            return Err(ResponsesError::SharedColumn { column: columns[c].clone(), questions: questions.clone() });
        }
        let missing: Vec<UnmatchedQuestion> = wanted
            .iter()
            .zip(&found)
            .filter(|(_, c)| c.is_none())
            .map(|(w, _)| UnmatchedQuestion {
                question: w.name.to_string(),
                closest: closest(columns, &normalized, w, &users),
            })
            .collect();
        if !missing.is_empty() {
            return Err(ResponsesError::NoColumns(missing));
        }
        let cols: Vec<usize> = found.into_iter().flatten().collect();
        let (items, factors) = cols.split_at(instrument.item_count());
        let id =
            ID_COLUMNS.iter().find_map(|want| columns.iter().position(|c| last_segment(c).eq_ignore_ascii_case(want)));
        Ok(ColumnMap { items: items.to_vec(), factors: factors.to_vec(), id })
    }
}

fn last_segment(c: &str) -> &str {
    c.trim().rsplit('/').next().unwrap_or("")
}

/// Finds a question's column by its name: group path (`/` or `-` joined), bare name, or a
/// header ending in `/name` or `-name`.
fn by_name(columns: &[String], w: &Wanted<'_>) -> Result<Option<usize>, ResponsesError> {
    let exact = |want: &str| columns.iter().position(|c| c.trim() == want);
    if let Some(i) = exact(w.path) {
        return Ok(Some(i));
    }
    if w.path.contains('/')
        && let Some(i) = exact(&w.path.replace('/', "-"))
    {
        return Ok(Some(i));
    }
    // An exact name beats a split select_multiple column (`kanal/umur`) ending in it.
    if let Some(i) = exact(w.name) {
        return Ok(Some(i));
    }
    let (slash, dash) = (format!("/{}", w.name), format!("-{}", w.name));
    let hits: Vec<usize> = (0..columns.len())
        .filter(|&i| {
            let c = columns[i].trim();
            c.ends_with(&slash) || c.ends_with(&dash)
        })
        .collect();
    one_of(columns, w.name, hits)
}

/// Finds a question's column by its label in any language, among columns not `taken`: the
/// whole header, or the header's tail after group labels (`Group label/Question label`),
/// preferring the question's own indicator when the same label appears in several groups.
fn by_label(
    columns: &[String],
    normalized: &[String],
    w: &Wanted<'_>,
    taken: &[usize],
) -> Result<Option<usize>, ResponsesError> {
    let labels: Vec<&String> = w.labels.iter().filter(|l| !l.is_empty()).collect();
    if labels.is_empty() {
        return Ok(None);
    }
    let free = |i: &usize| !taken.contains(i);
    let whole: Vec<usize> = (0..columns.len()).filter(free).filter(|&i| labels.contains(&&normalized[i])).collect();
    if !whole.is_empty() {
        return one_of(columns, w.name, whole);
    }
    // (column, the group labels before the question label).
    let tails: Vec<(usize, &str)> = (0..columns.len())
        .filter(free)
        .filter_map(|i| {
            let h = normalized[i].as_str();
            labels.iter().find_map(|l| {
                h.strip_suffix(l.as_str()).and_then(|p| p.strip_suffix('/')).map(|prefix| (i, prefix.trim_end()))
            })
        })
        .collect();
    if tails.len() > 1 && !w.group_labels.is_empty() {
        let in_group: Vec<usize> = tails
            .iter()
            .filter(|(_, prefix)| {
                w.group_labels.iter().any(|g| !g.is_empty() && (*prefix == g || prefix.ends_with(&format!("/{g}"))))
            })
            .map(|(i, _)| *i)
            .collect();
        if !in_group.is_empty() {
            return one_of(columns, w.name, in_group);
        }
    }
    one_of(columns, w.name, tails.into_iter().map(|(i, _)| i).collect())
}

/// The single hit, none, or an ambiguity naming every hit.
fn one_of(columns: &[String], name: &str, hits: Vec<usize>) -> Result<Option<usize>, ResponsesError> {
    match hits.len() {
        0 => Ok(None),
        1 => Ok(Some(hits[0])),
        _ => Err(ResponsesError::AmbiguousColumn {
            question: name.to_string(),
            columns: hits.iter().map(|&i| columns[i].clone()).collect(),
        }),
    }
}

/// Unused headers most like a question's name or label: by edit distance relative to length,
/// within half the length, best first.
fn closest(
    columns: &[String],
    normalized: &[String],
    w: &Wanted<'_>,
    used: &BTreeMap<usize, Vec<String>>,
) -> Vec<String> {
    let keys: Vec<String> =
        std::iter::once(w.name.to_lowercase()).chain(w.labels.iter().filter(|l| !l.is_empty()).cloned()).collect();
    let mut scored: Vec<(f64, usize)> = (0..columns.len())
        .filter(|i| !used.contains_key(i))
        .filter_map(|i| {
            let h = &normalized[i];
            let tail = h.rsplit(['/', '-']).next().unwrap_or(h);
            keys.iter()
                .flat_map(|k| {
                    [h.as_str(), tail]
                        .map(|c| distance(c, k) as f64 / c.chars().count().max(k.chars().count()).max(1) as f64)
                })
                .min_by(f64::total_cmp)
                .filter(|&r| r <= 0.5)
                .map(|r| (r, i))
        })
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(CLOSEST).map(|(_, i)| columns[i].clone()).collect()
}

/// Levenshtein distance in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
