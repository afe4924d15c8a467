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

use super::instrument::{Instrument, normalize_label};
use super::link::SUBMISSION_TIME;
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
    /// Column of each factor, in instrument order. Only a factor taken from the registry
    /// may have none.
    pub factors: Vec<Option<usize>>,
    /// Column that identifies a respondent, if any.
    pub id: Option<usize>,
    /// The column naming the respondent in the registry (`berdaya = person`).
    pub link: Option<usize>,
    /// Columns that may hold a respondent's survey date, in order of preference (the form's
    /// `today`, `end`, `start` questions, then KoboToolbox's `_submission_time`).
    pub dates: Vec<usize>,
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
        if let Some(l) = &instrument.link {
            wanted.push(Wanted { name: &l.name, path: &l.path, labels: Vec::new(), group_labels: Vec::new() });
        }
        // A factor taken from the registry needs no column of its own.
        let optional: Vec<bool> = instrument
            .items()
            .map(|_| false)
            .chain(instrument.factors.iter().map(|f| f.registry.is_some()))
            .chain(instrument.link.iter().map(|_| false))
            .collect();
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
            .zip(&optional)
            .filter(|((_, c), optional)| c.is_none() && !**optional)
            .map(|(pair, _)| pair)
            .map(|(w, _)| UnmatchedQuestion {
                question: w.name.to_string(),
                closest: closest(columns, &normalized, w, &users),
            })
            .collect();
        if !missing.is_empty() {
            return Err(ResponsesError::NoColumns(missing));
        }
        let k = instrument.item_count();
        let items: Vec<usize> = found[..k].iter().flatten().copied().collect();
        let factors: Vec<Option<usize>> = found[k..k + instrument.factors.len()].to_vec();
        let link = instrument.link.as_ref().and(found.get(k + instrument.factors.len()).copied().flatten());
        let id =
            ID_COLUMNS.iter().find_map(|want| columns.iter().position(|c| last_segment(c).eq_ignore_ascii_case(want)));
        let mut dates: Vec<usize> = Vec::new();
        for q in &instrument.date_questions {
            let w = Wanted { name: &q.name, path: &q.path, labels: Vec::new(), group_labels: Vec::new() };
            if let Ok(Some(c)) = by_name(columns, &w) {
                dates.push(c);
            }
        }
        let submitted = columns.iter().position(|c| last_segment(c).eq_ignore_ascii_case(SUBMISSION_TIME));
        dates.extend(submitted.filter(|c| !dates.contains(c)));
        Ok(ColumnMap { items, factors, id, link, dates })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::instrument::{ChoiceRow, FormSettings, LanguageLabel, SurveyRow, XlsForm};
    use crate::survey::report::{AnalysisOptions, Report, analyze};
    use crate::survey::responses::{ResponseRow, ResponseTable};

    /// Respondents per score of an item, ascending scores.
    fn counts(r: &Report, item: usize) -> Vec<(i32, u64)> {
        r.items[item].frequencies.iter().map(|f| (f.score, f.count)).collect()
    }

    fn factor_counts(r: &Report, factor: usize) -> Vec<(i32, u64)> {
        let mut v: Vec<(i32, u64)> = r.factors[factor].codes.iter().map(|c| (c.code, c.count)).collect();
        v.sort();
        v
    }

    fn langs(id: &str, en: &str) -> Vec<LanguageLabel> {
        vec![
            LanguageLabel { language: "Indonesian (id)".into(), text: id.into() },
            LanguageLabel { language: "English (en)".into(), text: en.into() },
        ]
    }

    fn q(kind: &str, name: &str, id: &str, en: &str, set: impl Fn(&mut SurveyRow)) -> SurveyRow {
        let mut r = SurveyRow {
            kind: kind.into(),
            name: name.into(),
            label: id.into(),
            labels: if en.is_empty() { Vec::new() } else { langs(id, en) },
            ..SurveyRow::default()
        };
        set(&mut r);
        r
    }

    /// A two-language form: a `wirkung` stage with a matrix header row, a `responden` group
    /// with an age factor and a select_multiple `kanal` (one of whose choices is `umur`), and a
    /// select_one factor.
    fn form() -> XlsForm {
        let none = |_: &mut SurveyRow| {};
        let mut survey = vec![
            q("begin_group", "responden", "Data responden", "Respondent", none),
            q("integer", "umur", "Umur (tahun)", "Age (years)", |r| {
                r.berdaya = "factor".into();
                r.berdaya_bins = "0-40:1;41-120:2".into();
                r.constraint = ". >= 0 and . <= 120".into();
            }),
            q("select_multiple kanal", "kanal", "Sumber informasi", "Information source", none),
            q("end_group", "", "", "", none),
            q("select_one ya", "pelatihan", "Pernah ikut pelatihan", "Attended training", |r| {
                r.berdaya = "factor".into();
            }),
            q("begin_group", "wirkung", "Dampak", "Effect", |r| {
                r.berdaya = "indicator".into();
                r.appearance = "field-list".into();
            }),
            q("select_one skala", "kopf", "Jawaban", "Answers", |r| r.appearance = "label".into()),
            q("select_one skala", "wohlfuehlen", "Merasa lebih baik", "Feel better", |r| {
                r.appearance = "list-nolabel".into();
            }),
            q("select_one skala", "zufrieden", "Puas dengan program", "Satisfied with the programme", |r| {
                r.appearance = "list-nolabel".into();
            }),
            q("end_group", "", "", "", none),
        ];
        for (i, r) in survey.iter_mut().enumerate() {
            r.row = i as u32 + 2;
        }
        let mut choices = Vec::new();
        for (list, name, id, en) in [
            ("skala", "1", "Sangat tidak setuju", "Strongly disagree"),
            ("skala", "2", "Tidak setuju", "Disagree"),
            ("skala", "3", "Setuju", "Agree"),
            ("skala", "4", "Sangat setuju", "Strongly agree"),
            ("ya", "0", "Tidak", "No"),
            ("ya", "1", "Ya", "Yes"),
            ("kanal", "umur", "Teman sebaya", "Peers"),
            ("kanal", "radio", "Radio", "Radio"),
        ] {
            choices.push(ChoiceRow {
                row: choices.len() as u32 + 2,
                list_name: list.into(),
                name: name.into(),
                label: id.into(),
                labels: langs(id, en),
            });
        }
        XlsForm { survey, choices, settings: FormSettings::default() }
    }

    fn instrument() -> Instrument {
        Instrument::from_xlsform(&form()).unwrap()
    }

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|c| c.to_string()).collect()
    }

    fn table(cols: &[&str], rows: &[&[&str]]) -> ResponseTable {
        ResponseTable {
            columns: header(cols),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| ResponseRow { line: i as u64 + 2, cells: r.iter().map(|c| c.to_string()).collect() })
                .collect(),
            decimal_comma: false,
        }
    }

    #[test]
    fn a_matrix_header_row_is_not_an_item() {
        let inst = instrument();
        let items: Vec<&str> = inst.items().map(|i| i.name.as_str()).collect();
        assert_eq!(items, ["wohlfuehlen", "zufrieden"]);
    }

    #[test]
    fn odk_central_group_paths_joined_with_a_dash_are_matched() {
        // ODK Central's CSV: groups joined with `-`, its metadata around the answers.
        let cols = header(&[
            "SubmissionDate",
            "responden-umur",
            "responden-kanal",
            "pelatihan",
            "wirkung-kopf",
            "wirkung-wohlfuehlen",
            "wirkung-zufrieden",
            "meta-instanceID",
            "KEY",
            "SubmitterID",
            "ReviewState",
        ]);
        let map = ColumnMap::resolve(&instrument(), &cols).unwrap();
        assert_eq!(map.items, [5, 6]);
        assert_eq!(map.factors, [Some(1), Some(3)]);
        assert_eq!(map.id, Some(8));
    }

    #[test]
    fn an_exact_question_name_beats_a_split_select_multiple_column() {
        // `kanal/umur` is the split column of choice `umur` of select_multiple `kanal`.
        let cols = header(&["kanal/umur", "umur", "kanal/radio", "pelatihan", "wohlfuehlen", "zufrieden"]);
        let map = ColumnMap::resolve(&instrument(), &cols).unwrap();
        assert_eq!(map.factors, [Some(1), Some(3)]);
        assert_eq!(map.items, [4, 5]);
    }

    #[test]
    fn kobo_labels_export_in_any_language_is_matched_and_scored() {
        let inst = instrument();
        // English labels export with group labels in the header; answers are label texts.
        let english = table(
            &[
                "_id",
                "Respondent/Age (years)",
                "Attended training",
                "Effect/Feel better",
                "Effect/Satisfied with the programme",
            ],
            &[&["1", "35", "Yes", "Agree", "Strongly agree"], &["2", "52", "No", "strongly  disagree", "Disagree"]],
        );
        let r = analyze(&inst, &english, &AnalysisOptions::default()).unwrap();
        assert_eq!(r.n, 2);
        assert!(counts(&r, 0).iter().all(|&(s, c)| c == u64::from(s == 3 || s == 1)), "{:?}", counts(&r, 0));
        assert!(counts(&r, 1).iter().all(|&(s, c)| c == u64::from(s == 4 || s == 2)), "{:?}", counts(&r, 1));
        assert!(factor_counts(&r, 0).iter().all(|&(code, c)| c == u64::from(code == 1 || code == 2)));
        assert!(factor_counts(&r, 1).iter().all(|&(code, c)| c == u64::from(code == 1 || code == 0)));
        // Indonesian labels without group labels.
        let indonesian = table(
            &["Umur (tahun)", "Pernah ikut pelatihan", "Merasa lebih baik", "Puas dengan program"],
            &[&["20", "Ya", "Sangat setuju", "Tidak setuju"]],
        );
        let r = analyze(&inst, &indonesian, &AnalysisOptions::default()).unwrap();
        assert!(counts(&r, 0).iter().all(|&(s, c)| c == u64::from(s == 4)), "{:?}", counts(&r, 0));
        assert!(counts(&r, 1).iter().all(|&(s, c)| c == u64::from(s == 2)), "{:?}", counts(&r, 1));
    }

    #[test]
    fn a_label_shared_by_two_groups_is_taken_from_the_question_s_own_indicator() {
        let mut f = form();
        // A second stage with an item labelled like one of `wirkung`'s.
        let n = f.survey.len() as u32;
        f.survey.extend([
            q("begin_group", "nachher", "Sesudah", "Afterwards", |r| r.berdaya = "indicator".into()),
            q("select_one skala", "besser", "Merasa lebih baik", "Feel better", |_| {}),
            q("end_group", "", "", "", |_| {}),
        ]);
        for (i, r) in f.survey.iter_mut().enumerate().skip(n as usize) {
            r.row = i as u32 + 2;
        }
        let inst = Instrument::from_xlsform(&f).unwrap();
        let cols = header(&[
            "Afterwards/Feel better",
            "Effect/Feel better",
            "Effect/Satisfied with the programme",
            "Age (years)",
            "Attended training",
        ]);
        let map = ColumnMap::resolve(&inst, &cols).unwrap();
        assert_eq!(map.items, [1, 2, 0]);
    }

    #[test]
    fn a_question_without_a_column_names_the_shapes_tried_and_the_closest_headers() {
        let cols = header(&["umur", "pelatihan", "wirkung/wohlfuhlen", "wirkung/zufrieden", "catatan"]);
        let err = ColumnMap::resolve(&instrument(), &cols).unwrap_err();
        assert_eq!(
            err,
            ResponsesError::NoColumns(vec![UnmatchedQuestion {
                question: "wohlfuehlen".into(),
                closest: vec!["wirkung/wohlfuhlen".into()],
            }])
        );
        let text = err.to_string();
        assert!(text.starts_with("no column for question(s) `wohlfuehlen`: "), "{text}");
        assert!(text.contains("ODK Central `group-question`"), "{text}");
        assert!(text.contains("label in any language"), "{text}");
        assert!(text.ends_with("closest headers: wohlfuehlen: `wirkung/wohlfuhlen`"), "{text}");
        // Nothing alike: the message says so rather than listing noise.
        let err = ColumnMap::resolve(&instrument(), &header(&["umur", "pelatihan", "zufrieden", "xyz"])).unwrap_err();
        assert!(err.to_string().ends_with("closest headers: —"), "{err}");
    }

    #[test]
    fn one_column_matched_by_two_questions_is_refused() {
        let mut f = form();
        // Two stage items with the same label in a labels export without group labels.
        let zufrieden = f.survey.iter_mut().find(|r| r.name == "zufrieden").unwrap();
        zufrieden.label = "Merasa lebih baik".into();
        zufrieden.labels = langs("Merasa lebih baik", "Feel better");
        let inst = Instrument::from_xlsform(&f).unwrap();
        let cols = header(&["Age (years)", "Attended training", "Feel better"]);
        let err = ColumnMap::resolve(&inst, &cols).unwrap_err();
        assert_eq!(
            err,
            ResponsesError::SharedColumn {
                column: "Feel better".into(),
                questions: vec!["wohlfuehlen".into(), "zufrieden".into()]
            }
        );
    }
}
