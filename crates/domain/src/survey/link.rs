//! Respondents linked to the registry: a response column holding each respondent's NIK or
//! registry person id (declared with `berdaya = person`), and factors taken from what the
//! registry records about the person instead of from the answer (`berdaya_registry`).
//!
//! The domain does not read the registry: the caller passes a [`PersonLookup`] (a map built
//! from one store query, within the caller's scope). A key the lookup does not know, a blank
//! key and a person outside the caller's scope are the same thing here: an unmatched
//! respondent.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;

/// The question whose answer names the respondent in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub name: String,
    pub path: String,
    pub row: u32,
}

/// What a factor takes from the registry (`berdaya_registry` column of the survey sheet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryFact {
    /// Whole years from the birth date to the survey date (an integer factor with bins).
    Age,
    /// The group the person is a member of (a select_one factor naming groups).
    Group,
    /// Land area in m² from the agriculture records (an integer/decimal factor with bins).
    LandArea,
}

impl RegistryFact {
    /// The `berdaya_registry` value, or `None` when unknown.
    pub fn parse(s: &str) -> Option<RegistryFact> {
        match s.trim().to_ascii_lowercase().as_str() {
            "age" => Some(RegistryFact::Age),
            "group" => Some(RegistryFact::Group),
            "land_area" => Some(RegistryFact::LandArea),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RegistryFact::Age => "age",
            RegistryFact::Group => "group",
            RegistryFact::LandArea => "land_area",
        }
    }
}

impl fmt::Display for RegistryFact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the registry records about one person, as far as survey factors need it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonFacts {
    pub person_id: String,
    pub birth_date: Option<Date>,
    /// Names of the groups the person is a member of.
    pub groups: Vec<String>,
    /// Land area in m² from agriculture records, when any source holds it.
    pub land_area_m2: Option<f64>,
}

impl PersonFacts {
    /// Age in whole years on `day` (one less when the birthday falls after `day`).
    pub fn age_on(&self, day: Date) -> Option<i32> {
        let born = self.birth_date?;
        let mut age = day.year() - born.year();
        if (u8::from(day.month()), day.day()) < (u8::from(born.month()), born.day()) {
            age -= 1;
        }
        Some(age)
    }
}

/// Finds a respondent in the registry by the text of its link cell (a NIK or a person id).
/// `None` when the key is unknown or the person is outside the caller's scope.
pub trait PersonLookup: Sync {
    fn find(&self, key: &str) -> Option<PersonFacts>;
}

/// A lookup over facts fetched beforehand, keyed by NIK and by person id.
#[derive(Debug, Clone, Default)]
pub struct FactsMap {
    by_key: HashMap<String, usize>,
    facts: Vec<PersonFacts>,
}

impl FactsMap {
    /// Adds a person under each of its keys (NIK, person id).
    pub fn insert(&mut self, keys: &[&str], facts: PersonFacts) {
        let i = self.facts.len();
        self.facts.push(facts);
        for k in keys {
            let k = k.trim();
            if !k.is_empty() {
                self.by_key.insert(k.to_string(), i);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }
}

impl PersonLookup for FactsMap {
    fn find(&self, key: &str) -> Option<PersonFacts> {
        self.by_key.get(key.trim()).map(|&i| self.facts[i].clone())
    }
}

/// A key as it may be shown: a long run of digits (a NIK) keeps its first 6 and last 2 digits
/// and hides the rest; short ids are shown as they are.
pub fn mask_key(key: &str) -> String {
    let k = key.trim();
    let n = k.chars().count();
    if n > 8 && k.chars().all(|c| c.is_ascii_digit()) {
        let head: String = k.chars().take(6).collect();
        let tail: String = k.chars().skip(n - 2).collect();
        format!("{head}{}{tail}", "*".repeat(n - 8))
    } else {
        k.to_string()
    }
}

/// A survey date from a cell: `2014-09-03`, or the date part of a timestamp such as
/// `2014-09-03T10:22:00.000+07:00` or `2014-09-03 10:22:00` (the respondent's local date).
pub fn parse_survey_date(cell: &str) -> Option<Date> {
    let c = cell.trim();
    let day = c.get(..10)?;
    if c.len() > 10 && !matches!(c.as_bytes()[10], b'T' | b' ') {
        return None;
    }
    Date::parse(day, format_description!("[year]-[month]-[day]")).ok()
}

/// Column names of Kobo's submission time, a survey date when the form has none of its own.
pub const SUBMISSION_TIME: &str = "_submission_time";

/// The distinct non-blank values of the link column of a table already in memory (a web
/// upload), to ask the registry only for those people; none when the form has no link
/// column or the header does not fit the form.
pub fn table_keys(instrument: &super::Instrument, table: &super::ResponseTable) -> Vec<String> {
    let Ok(plan) = super::Plan::new(instrument, &table.columns, &super::AnalysisOptions::default()) else {
        return Vec::new();
    };
    let Some(col) = plan.link_column().and_then(|h| table.columns.iter().position(|c| c == h)) else {
        return Vec::new();
    };
    let keys: std::collections::BTreeSet<&str> =
        table.rows.iter().filter_map(|r| r.cells.get(col)).map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
    keys.into_iter().map(str::to_string).collect()
}

/// A respondent the registry did not match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedRespondent {
    pub line: u64,
    pub respondent: Option<String>,
    /// The link cell, masked (see [`mask_key`]); empty when blank.
    pub key_masked: String,
}

/// How many respondents the registry matched, and which it did not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkSummary {
    /// The link column's header.
    pub column: String,
    pub matched: u64,
    pub unmatched: u64,
    /// The first [`super::tally::MAX_LISTED`] unmatched respondents.
    pub unmatched_rows: Vec<UnmatchedRespondent>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_nik_is_masked_and_a_short_id_is_not() {
        assert_eq!(mask_key("3201011505800001"), "320101********01");
        assert_eq!(mask_key(" 42 "), "42");
        assert_eq!(mask_key(""), "");
    }

    #[test]
    fn age_is_one_less_before_the_birthday() {
        let p = PersonFacts { birth_date: Some(date!(1980 - 05 - 16)), ..PersonFacts::default() };
        assert_eq!(p.age_on(date!(2024 - 05 - 15)), Some(43));
        assert_eq!(p.age_on(date!(2024 - 05 - 16)), Some(44));
        assert_eq!(PersonFacts::default().age_on(date!(2024 - 05 - 16)), None);
    }

    #[test]
    fn survey_dates_from_xlsform_and_kobo_cells() {
        assert_eq!(parse_survey_date("2014-09-03"), Some(date!(2014 - 09 - 03)));
        assert_eq!(parse_survey_date("2014-09-03T10:22:00.000+07:00"), Some(date!(2014 - 09 - 03)));
        assert_eq!(parse_survey_date("2014-09-03 10:22:00"), Some(date!(2014 - 09 - 03)));
        assert_eq!(parse_survey_date("03/09/2014"), None);
        assert_eq!(parse_survey_date(""), None);
    }
}

/// Analyses of linked respondents, through [`super::tally::Plan`].
#[cfg(test)]
mod analysis_tests {
    use time::macros::date;

    use super::super::instrument::{ChoiceRow, FormSettings, Instrument, ProblemKind, SurveyRow, XlsForm};
    use super::super::report::{AnalysisError, AnalysisOptions, Report};
    use super::super::responses::{AnswerProblemKind, MissingPolicy, ResponsesError};
    use super::super::tally::Plan;
    use super::*;

    const NIK_A: &str = "3201011605800001";
    const NIK_B: &str = "3201014107900002";

    fn row(row: u32, kind: &str, name: &str, berdaya: &str) -> SurveyRow {
        SurveyRow {
            row,
            kind: kind.into(),
            name: name.into(),
            label: name.into(),
            berdaya: berdaya.into(),
            ..SurveyRow::default()
        }
    }

    fn choice(row: u32, list: &str, name: &str, label: &str) -> ChoiceRow {
        ChoiceRow { row, list_name: list.into(), name: name.into(), label: label.into(), labels: Vec::new() }
    }

    /// Two items on 1–4, a `nik` link column, `umur` (age from the registry, bins 0–43 / 44–)
    /// and `kelompok` (group from the registry), and a `today` date question.
    fn form() -> XlsForm {
        let mut umur = row(8, "integer", "umur", "factor");
        umur.berdaya_bins = "0-43:1;44-:2".into();
        umur.constraint = ". >= 0".into();
        umur.berdaya_registry = "age".into();
        let mut kelompok = row(9, "select_one kelompok", "kelompok", "factor");
        kelompok.berdaya_registry = "group".into();
        let mut choices: Vec<ChoiceRow> = (1..=4).map(|n| choice(n + 1, "skala", &n.to_string(), "")).collect();
        choices.push(choice(6, "kelompok", "1", "Karya Makmur I"));
        choices.push(choice(7, "kelompok", "2", "Karya Makmur II"));
        XlsForm {
            survey: vec![
                row(2, "today", "tanggal", ""),
                row(3, "text", "nik", "person"),
                row(4, "begin_group", "tahap", "indicator"),
                row(5, "select_one skala", "a", ""),
                row(6, "select_one skala", "b", ""),
                row(7, "end_group", "", ""),
                umur,
                kelompok,
            ],
            choices,
            settings: FormSettings::default(),
        }
    }

    fn registry() -> FactsMap {
        let mut m = FactsMap::default();
        let a = PersonFacts {
            person_id: "7".into(),
            birth_date: Some(date!(1980 - 05 - 16)),
            groups: vec!["karya makmur II".into()],
            land_area_m2: None,
        };
        m.insert(&[NIK_A, "7"], a);
        let b = PersonFacts {
            person_id: "8".into(),
            birth_date: Some(date!(1990 - 07 - 01)),
            groups: vec!["Karya Makmur I".into()],
            land_area_m2: None,
        };
        m.insert(&[NIK_B, "8"], b);
        m
    }

    /// Analyses rows of (id, tanggal, nik, a, b) with the registry lookup.
    fn run(rows: &[[&str; 5]], options: AnalysisOptions) -> Result<Report, AnalysisError> {
        let inst = Instrument::from_xlsform(&form()).unwrap_or_else(|p| panic!("{p:#?}"));
        let columns: Vec<String> = ["id", "tanggal", "nik", "tahap/a", "tahap/b"].map(String::from).to_vec();
        let lookup = registry();
        let plan = Plan::new(&inst, &columns, &options)?.with_lookup(&lookup);
        let mut t = plan.tally();
        for (i, r) in rows.iter().enumerate() {
            plan.add_row(&mut t, i as u64 + 2, |c| r.get(c).map_or(&b""[..], |s| s.as_bytes()));
        }
        plan.report(&t)
    }

    fn codes(r: &Report, factor: &str) -> Vec<(i32, u64)> {
        let f = r.factors.iter().find(|f| f.name == factor).unwrap();
        let mut v: Vec<(i32, u64)> = f.codes.iter().map(|c| (c.code, c.count)).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn age_is_taken_from_the_registry_on_the_survey_date() {
        // Person A turns 44 on 2024-05-16: the day before, the registry age is 43 (code 1).
        let before = run(
            &[["r1", "2024-05-15", NIK_A, "3", "4"], ["r2", "2024-05-15T09:00:00.000+07:00", NIK_B, "2", "2"]],
            AnalysisOptions::default(),
        )
        .unwrap();
        assert_eq!(codes(&before, "umur"), [(1, 2), (2, 0)]);
        let on = run(
            &[["r1", "2024-05-16", NIK_A, "3", "4"], ["r2", "2024-05-16", NIK_B, "2", "2"]],
            AnalysisOptions::default(),
        )
        .unwrap();
        assert_eq!(codes(&on, "umur"), [(1, 1), (2, 1)]);
        let link = on.link.unwrap();
        assert_eq!((link.column.as_str(), link.matched, link.unmatched), ("nik", 2, 0));
        assert!(
            on.notes.contains(&"2 of 2 respondent(s) were found in the registry by column nik; 0 were not.".into())
        );
    }

    #[test]
    fn the_survey_date_option_stands_in_for_a_blank_date_cell() {
        let rows = [["r1", "", NIK_A, "3", "4"], ["r2", "", "8", "2", "2"]];
        let options = AnalysisOptions { survey_date: Some(date!(2024 - 05 - 16)), ..AnalysisOptions::default() };
        let r = run(&rows, options).unwrap();
        assert_eq!(codes(&r, "umur"), [(1, 1), (2, 1)]);
        let Err(AnalysisError::Responses(ResponsesError::BadAnswers(p))) = run(&rows, AnalysisOptions::default())
        else {
            panic!("expected bad answers");
        };
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(p.iter().all(|p| p.kind == AnswerProblemKind::NoSurveyDate && p.column == "umur"), "{p:#?}");
    }

    #[test]
    fn table_keys_are_the_distinct_link_cells() {
        let inst = Instrument::from_xlsform(&form()).unwrap();
        let columns: Vec<String> = ["id", "tanggal", "nik", "tahap/a", "tahap/b"].map(String::from).to_vec();
        let rows = [NIK_B, " ", NIK_A, NIK_B]
            .iter()
            .enumerate()
            .map(|(i, k)| super::super::ResponseRow {
                line: i as u64 + 2,
                cells: vec!["r".into(), String::new(), k.to_string(), "1".into(), "1".into()],
            })
            .collect();
        let table = super::super::ResponseTable { columns, rows, decimal_comma: false };
        assert_eq!(table_keys(&inst, &table), [NIK_A, NIK_B]);
    }

    #[test]
    fn group_is_the_listed_group_the_person_is_a_member_of() {
        let r = run(
            &[["r1", "2024-05-15", NIK_A, "3", "4"], ["r2", "2024-05-15", "8", "2", "2"]],
            AnalysisOptions::default(),
        )
        .unwrap();
        // A is in "karya makmur II" (case differs from the choice label), B in Karya Makmur I.
        assert_eq!(codes(&r, "kelompok"), [(1, 1), (2, 1)]);
    }

    #[test]
    fn unmatched_respondents_are_counted_listed_and_masked() {
        let rows = [
            ["r1", "2024-05-15", NIK_A, "3", "4"],
            ["r2", "2024-05-15", "3201019999990003", "2", "2"],
            ["r3", "2024-05-15", "", "1", "2"],
        ];
        let options = AnalysisOptions { missing: MissingPolicy::DropIncomplete, ..AnalysisOptions::default() };
        let r = run(&rows, options).unwrap();
        assert_eq!(r.n, 1);
        let link = r.link.as_ref().unwrap();
        assert_eq!((link.matched, link.unmatched), (1, 2));
        let listed: Vec<(u64, Option<&str>, &str)> =
            link.unmatched_rows.iter().map(|u| (u.line, u.respondent.as_deref(), u.key_masked.as_str())).collect();
        assert_eq!(listed, [(3, Some("r2"), "320101********03"), (4, Some("r3"), "")]);
        assert_eq!(r.dropped_count, 2);
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("3201019999990003"), "the NIK is printed whole: {json}");
        let kinds: Vec<&AnswerProblemKind> = r.dropped[0].problems.iter().map(|p| &p.kind).collect();
        assert_eq!(
            kinds,
            [
                &AnswerProblemKind::NotInRegistry { key: "320101********03".into() },
                &AnswerProblemKind::NotInRegistry { key: "320101********03".into() }
            ]
        );
        assert_eq!(r.dropped[0].problems[0].column, "nik");
        // Without --drop-incomplete the unmatched respondents stop the analysis.
        assert!(run(&rows, AnalysisOptions::default()).is_err());
    }

    #[test]
    fn land_area_without_agriculture_records_is_a_problem_for_each_linked_respondent() {
        let mut f = form();
        f.survey[6].kind = "decimal".into();
        f.survey[6].name = "lahan".into();
        f.survey[6].berdaya_bins = "0-2000:1;2000-:2".into();
        f.survey[6].berdaya_registry = "land_area".into();
        let inst = Instrument::from_xlsform(&f).unwrap_or_else(|p| panic!("{p:#?}"));
        let columns: Vec<String> = ["id", "tanggal", "nik", "tahap/a", "tahap/b"].map(String::from).to_vec();
        let lookup = registry();
        let plan = Plan::new(&inst, &columns, &AnalysisOptions::default()).unwrap().with_lookup(&lookup);
        let mut t = plan.tally();
        let r = ["r1", "2024-05-15", NIK_A, "3", "4"];
        plan.add_row(&mut t, 2, |c| r.get(c).map_or(&b""[..], |s| s.as_bytes()));
        let Err(AnalysisError::Responses(ResponsesError::BadAnswers(p))) = plan.report(&t) else { panic!() };
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].message, "the registry holds no land area for this person");
    }

    #[test]
    fn a_registry_factor_needs_one_person_column_of_text_or_integer() {
        let mut f = form();
        f.survey[1].berdaya = String::new();
        let problems = Instrument::from_xlsform(&f).unwrap_err();
        let kinds: Vec<&ProblemKind> = problems.iter().map(|p| &p.kind).collect();
        assert_eq!(
            kinds,
            [
                &ProblemKind::RegistryWithoutPerson { fact: "age".into() },
                &ProblemKind::RegistryWithoutPerson { fact: "group".into() }
            ]
        );
        let mut f = form();
        f.survey[0].berdaya = "person".into();
        f.survey[0].kind = "integer".into();
        let problems = Instrument::from_xlsform(&f).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].kind, ProblemKind::SecondPerson { first_row: 2 });
        let mut f = form();
        f.survey[1].kind = "select_one kelompok".into();
        f.survey[6].berdaya_registry = "umur".into();
        let problems: Vec<String> = Instrument::from_xlsform(&f).unwrap_err().iter().map(ToString::to_string).collect();
        assert!(problems.contains(&"survey row 3 (nik): the respondent's NIK or person id (`berdaya = person`) must be a text or integer question, not `select_one kelompok`".to_string()), "{problems:#?}");
        assert!(problems.contains(&"survey row 8 (umur): unknown `berdaya_registry` value `umur` (expected `age`, `group` or `land_area`)".to_string()), "{problems:#?}");
    }

    #[test]
    fn without_a_lookup_an_answer_column_is_used_and_no_link_is_reported() {
        let inst = Instrument::from_xlsform(&form()).unwrap();
        let columns: Vec<String> = ["id", "nik", "tahap/a", "tahap/b", "umur", "kelompok"].map(String::from).to_vec();
        let plan = Plan::new(&inst, &columns, &AnalysisOptions::default()).unwrap();
        let mut t = plan.tally();
        for (i, r) in [["r1", NIK_A, "3", "4", "50", "1"], ["r2", NIK_B, "1", "2", "30", "2"]].iter().enumerate() {
            plan.add_row(&mut t, i as u64 + 2, |c| r.get(c).map_or(&b""[..], |s| s.as_bytes()));
        }
        let r = plan.report(&t).unwrap();
        assert_eq!(codes(&r, "umur"), [(1, 1), (2, 1)]);
        assert!(r.link.is_none());
        assert!(!serde_json::to_string(&r).unwrap().contains("\"link\""));
    }
}
