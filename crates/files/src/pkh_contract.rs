//! The two PKH calculator files (`berdaya pkh simulate` and `berdaya pkh ladder`, and the
//! officers' calculator page): a members CSV and a compliance-history CSV, read within
//! [`Limits::SURVEY`] (the file is read whole), every row checked, and the results in the
//! shapes the contract fixes.
//!
//! Columns are found by name in any order; a missing or unknown column refuses the file. A
//! file with any bad row is refused whole, its first [`MAX_ROW_ERRORS`] errors named by the
//! file line, the column and the rule.

use std::collections::HashMap;

use berdaya_domain::pkh::components::{Benefit, Member, benefit};
use berdaya_domain::pkh::ladder::{Standing, Step, timeline};
use berdaya_domain::pkh::rules::PkhRules;
use berdaya_domain::pkh::{FamilyStatus, Period, SchoolLevel};
use berdaya_domain::registry::text;
use berdaya_store::RowError;
use serde::Serialize;
use time::Date;

use crate::limits::Limits;
use crate::survey::{SurveyFileError, read_responses_csv};

/// The columns of a members file.
pub const MEMBER_COLUMNS: [&str; 6] = ["family", "person", "birth_date", "pregnant", "school", "disability"];
/// The columns of a history file (`appeal_upheld` may be left out).
pub const HISTORY_COLUMNS: [&str; 4] = ["family", "period", "compliant", "appeal_upheld"];
/// The most row errors reported.
pub const MAX_ROW_ERRORS: usize = 50;
/// The longest family or person id, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// Why a calculator file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ContractFileError {
    #[error(transparent)]
    File(#[from] SurveyFileError),
    #[error("the file has no `{0}` column")]
    MissingColumn(String),
    #[error("the column `{0}` is not one of the file's columns ({1})")]
    UnknownColumn(String, String),
    #[error("the column `{0}` appears twice")]
    DuplicateColumn(String),
    #[error("{total} errors in the file; nothing was computed")]
    Rows { errors: Vec<RowError>, total: usize },
}

impl ContractFileError {
    /// Every problem as `row N, column `c`: rule` lines (the file's problem alone otherwise).
    pub fn lines(&self) -> Vec<String> {
        match self {
            ContractFileError::Rows { errors, .. } => errors.iter().map(ToString::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}

/// The file's size and row limits, for the interface to state.
pub fn limits() -> Limits {
    Limits::SURVEY
}

/// Row errors, counted past the ones kept.
#[derive(Default)]
pub(crate) struct Errors {
    kept: Vec<RowError>,
    total: usize,
}

impl Errors {
    pub(crate) fn push(&mut self, row: u64, column: &str, rule: String) {
        self.total += 1;
        if self.kept.len() < MAX_ROW_ERRORS {
            self.kept.push(RowError { row, column: column.to_string(), rule, raw: Vec::new() });
        }
    }

    pub(crate) fn finish(self) -> Result<(), ContractFileError> {
        if self.total == 0 { Ok(()) } else { Err(ContractFileError::Rows { errors: self.kept, total: self.total }) }
    }
}

/// The position of each wanted column; `optional` ones may be absent.
pub(crate) fn header(
    columns: &[String],
    wanted: &[&str],
    optional: &[&str],
) -> Result<Vec<Option<usize>>, ContractFileError> {
    let names: Vec<String> =
        columns.iter().map(|c| c.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    for (i, name) in names.iter().enumerate() {
        if !wanted.contains(&name.as_str()) {
            return Err(ContractFileError::UnknownColumn(text::shorten(name), wanted.join(", ")));
        }
        if names[..i].contains(name) {
            return Err(ContractFileError::DuplicateColumn(name.clone()));
        }
    }
    wanted
        .iter()
        .map(|w| match names.iter().position(|n| n == w) {
            Some(i) => Ok(Some(i)),
            None if optional.contains(w) => Ok(None),
            None => Err(ContractFileError::MissingColumn((*w).to_string())),
        })
        .collect()
}

pub(crate) fn cell(cells: &[String], at: Option<usize>) -> &str {
    at.and_then(|i| cells.get(i)).map_or("", |s| s.trim())
}

/// A family or person id: required, short, no control characters.
fn id(raw: &str) -> Result<String, String> {
    if raw.is_empty() {
        return Err("is required".into());
    }
    if raw.chars().count() > MAX_ID_CHARS {
        return Err(format!("is longer than {MAX_ID_CHARS} characters"));
    }
    if raw.chars().any(char::is_control) {
        return Err("contains control characters".into());
    }
    Ok(raw.to_string())
}

fn flag(raw: &str) -> Result<bool, String> {
    match raw {
        "0" => Ok(false),
        "1" => Ok(true),
        "" => Err("is required".into()),
        other => Err(format!("`{}` is not 0 or 1", text::shorten(other))),
    }
}

/// One member row of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMember {
    pub person: String,
    pub member: Member,
}

/// A family of a members file, members in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFamily {
    pub family: String,
    pub members: Vec<FileMember>,
}

/// Reads a members file (CSV bytes) for the reference date `on`.
pub fn read_members(bytes: &[u8], on: Date) -> Result<Vec<FileFamily>, ContractFileError> {
    let table = read_responses_csv(bytes)?;
    let at = header(&table.columns, &MEMBER_COLUMNS, &[])?;
    let mut errors = Errors::default();
    let mut families: Vec<FileFamily> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    for (n, row) in table.rows.iter().enumerate() {
        let line = row.line;
        let get = |i: usize| cell(&row.cells, at[i]);
        let mut ok = true;
        let mut check = |column: &str, r: Result<(), String>| {
            if let Err(rule) = r {
                errors.push(line, column, rule);
                ok = false;
            }
        };
        let family = id(get(0));
        let person = id(get(1));
        let birth = text::date(get(2))
            .and_then(|d| if d > on { Err(format!("{d} is after the reference date {on}")) } else { Ok(d) });
        let pregnant = flag(get(3));
        let school = match get(4).to_ascii_lowercase().as_str() {
            "" => Err("is required".to_string()),
            s => SchoolLevel::parse(s),
        };
        let disability = match get(5).to_ascii_lowercase().as_str() {
            "none" => Ok(false),
            "severe" => Ok(true),
            "" => Err("is required".to_string()),
            other => Err(format!("`{}` is not one of: none, severe", text::shorten(other))),
        };
        check("family", family.as_ref().map(|_| ()).map_err(Clone::clone));
        check("person", person.as_ref().map(|_| ()).map_err(Clone::clone));
        check("birth_date", birth.as_ref().map(|_| ()).map_err(Clone::clone));
        check("pregnant", pregnant.as_ref().map(|_| ()).map_err(Clone::clone));
        check("school", school.as_ref().map(|_| ()).map_err(Clone::clone));
        check("disability", disability.as_ref().map(|_| ()).map_err(Clone::clone));
        if let (Ok(f), Ok(p)) = (&family, &person)
            && let Some(first) = seen.insert((f.clone(), p.clone()), line)
        {
            check("person", Err(format!("the person is also on row {first} of the same family")));
        }
        if !ok {
            continue;
        }
        let (Ok(family), Ok(person), Ok(birth_date), Ok(pregnant), Ok(school), Ok(severe_disability)) =
            (family, person, birth, pregnant, school, disability)
        else {
            continue;
        };
        let member = Member { person: n as i64, order: n as i64, birth_date, pregnant, school, severe_disability };
        let i = *index.entry(family.clone()).or_insert_with(|| {
            families.push(FileFamily { family, members: Vec::new() });
            families.len() - 1
        });
        families[i].members.push(FileMember { person, member });
    }
    errors.finish()?;
    Ok(families)
}

/// A family's benefit, with the file's ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulated {
    pub family: FileFamily,
    pub benefit: Benefit,
}

impl Simulated {
    /// The file's id of a member the benefit names.
    pub fn person(&self, person: i64) -> &str {
        self.family.members.iter().find(|m| m.member.person == person).map_or("", |m| m.person.as_str())
    }
}

/// Every family's benefit on `on` under `rules`, families in first-appearance order.
pub fn simulate(families: Vec<FileFamily>, on: Date, rules: &PkhRules) -> Vec<Simulated> {
    families
        .into_iter()
        .map(|family| {
            let members: Vec<Member> = family.members.iter().map(|m| m.member.clone()).collect();
            let benefit = benefit(&members, on, rules);
            Simulated { family, benefit }
        })
        .collect()
}

/// `simulate --json`: the contract's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimulateOutput {
    pub families: Vec<SimulateFamily>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimulateFamily {
    pub family: String,
    /// The components held (one per person), in counting order.
    pub components: Vec<SimulateComponent>,
    pub annual: i64,
    pub per_stage: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimulateComponent {
    pub person: String,
    pub component: String,
    pub annual: i64,
    pub counted: bool,
}

impl SimulateOutput {
    pub fn new(simulated: &[Simulated]) -> Self {
        SimulateOutput {
            families: simulated
                .iter()
                .map(|s| SimulateFamily {
                    family: s.family.family.clone(),
                    components: s
                        .benefit
                        .held()
                        .map(|l| SimulateComponent {
                            person: s.person(l.person).to_string(),
                            component: l.component.code().to_string(),
                            annual: l.annual,
                            counted: l.counted(),
                        })
                        .collect(),
                    annual: s.benefit.annual,
                    per_stage: s.benefit.per_stage.clone(),
                })
                .collect(),
        }
    }
}

/// A family of a history file, periods in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHistory {
    pub family: String,
    pub steps: Vec<Step>,
}

/// Reads a history file (CSV bytes). Each family's periods must come in increasing order.
pub fn read_history(bytes: &[u8]) -> Result<Vec<FileHistory>, ContractFileError> {
    let table = read_responses_csv(bytes)?;
    let at = header(&table.columns, &HISTORY_COLUMNS, &["appeal_upheld"])?;
    let mut errors = Errors::default();
    let mut families: Vec<FileHistory> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let get = |i: usize| cell(&row.cells, at[i]);
        let family = id(get(0));
        let period = Period::parse(get(1));
        let compliant = flag(get(2));
        let appeal = if at[3].is_some() {
            match get(3) {
                "" => Ok(false),
                raw => flag(raw),
            }
        } else {
            Ok(false)
        };
        let mut ok = true;
        for (column, err) in [
            ("family", family.as_ref().err()),
            ("period", period.as_ref().err()),
            ("compliant", compliant.as_ref().err()),
            ("appeal_upheld", appeal.as_ref().err()),
        ] {
            if let Some(rule) = err {
                errors.push(line, column, rule.clone());
                ok = false;
            }
        }
        let (true, Ok(family), Ok(period), Ok(compliant), Ok(appeal_upheld)) = (ok, family, period, compliant, appeal)
        else {
            continue;
        };
        let i = *index.entry(family.clone()).or_insert_with(|| {
            families.push(FileHistory { family, steps: Vec::new() });
            families.len() - 1
        });
        if let Some(prev) = families[i].steps.last().map(|s| s.period)
            && period <= prev
        {
            errors.push(line, "period", format!("period {period} is not after the family's previous period {prev}"));
            continue;
        }
        families[i].steps.push(Step { period, compliant, appeal_upheld });
    }
    errors.finish()?;
    Ok(families)
}

/// The earliest period of a history (its year picks the default rules).
pub fn first_period(histories: &[FileHistory]) -> Option<Period> {
    histories.iter().filter_map(|h| h.steps.first().map(|s| s.period)).min()
}

/// `ladder --json`: the contract's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LadderOutput {
    pub families: Vec<LadderFamily>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LadderFamily {
    pub family: String,
    pub timeline: Vec<LadderStep>,
    #[serde(rename = "final")]
    pub final_status: FamilyStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LadderStep {
    pub period: Period,
    pub status: FamilyStatus,
    /// Non-compliant periods in a row after this one (not in the contract's JSON).
    #[serde(skip)]
    pub consecutive: u32,
}

/// Every family's timeline under `rules`.
pub fn ladder(histories: &[FileHistory], rules: &PkhRules) -> LadderOutput {
    let families = histories
        .iter()
        .map(|h| {
            // Order was checked when reading; a failure here would be a bug, answered with no steps.
            let steps = timeline(&h.steps, &rules.ladder).unwrap_or_default();
            let timeline: Vec<LadderStep> = steps
                .into_iter()
                .map(|(period, Standing { status, consecutive })| LadderStep { period, status, consecutive })
                .collect();
            let final_status = timeline.last().map_or(FamilyStatus::Active, |s| s.status);
            LadderFamily { family: h.family.clone(), timeline, final_status }
        })
        .collect();
    LadderOutput { families }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> Date {
        text::date("2024-07-01").unwrap()
    }

    #[test]
    fn members_group_by_family_in_first_appearance_order() {
        let csv = "person,family,birth_date,pregnant,school,disability\n\
                   a,F2,1990-01-01,1,none,none\n\
                   b,F1,2015-01-01,0,sd,none\n\
                   c,F2,1950-01-01,0,none,severe\n";
        let fams = read_members(csv.as_bytes(), on()).unwrap();
        assert_eq!(fams.iter().map(|f| f.family.as_str()).collect::<Vec<_>>(), ["F2", "F1"]);
        let out = SimulateOutput::new(&simulate(fams, on(), &PkhRules::default_for(2024)));
        assert_eq!(out.families[0].components[0].person, "a");
        assert_eq!(out.families[0].components[0].component, "ibu_hamil");
        assert_eq!(out.families[0].components[1].person, "c");
        assert_eq!(out.families[0].annual, 5_400_000);
        assert_eq!(out.families[1].per_stage, [225_000; 4]);
    }

    #[test]
    fn bad_rows_name_the_line_and_column() {
        let csv = "family,person,birth_date,pregnant,school,disability\n\
                   F1,a,1990-01-01,1,none,none\n\
                   \n\
                   F1,b,2030-01-01,2,college,blind\n\
                   F1,a,1990-01-01,0,none,none\n";
        let err = read_members(csv.as_bytes(), on()).unwrap_err();
        let lines = err.lines();
        assert!(lines.iter().any(|l| l.starts_with("row 4, column `birth_date`")), "{lines:?}");
        assert!(lines.iter().any(|l| l.starts_with("row 4, column `pregnant`")), "{lines:?}");
        assert!(lines.iter().any(|l| l.starts_with("row 4, column `school`") && l.contains("college")));
        assert!(lines.iter().any(|l| l.starts_with("row 4, column `disability`")));
        assert!(lines.iter().any(|l| l.starts_with("row 5, column `person`") && l.contains("row 2")));
    }

    #[test]
    fn headers_must_be_exact() {
        let missing = read_members(b"family,person,birth_date,pregnant,school\n", on()).unwrap_err();
        assert!(missing.to_string().contains("`disability`"));
        let unknown = read_members(b"family,person,birth_date,pregnant,school,disability,nik\n", on()).unwrap_err();
        assert!(unknown.to_string().contains("`nik`"));
    }

    #[test]
    fn histories_run_the_ladder_and_refuse_disorder() {
        let csv = "family,period,compliant\nA,2024-1,0\nA,2024-2,0\nB,2024-1,1\nA,2024-3,0\n";
        let h = read_history(csv.as_bytes()).unwrap();
        assert_eq!(first_period(&h).unwrap().to_string(), "2024-1");
        let out = ladder(&h, &PkhRules::default_for(2024));
        assert_eq!(out.families[0].final_status, FamilyStatus::Terminated);
        assert_eq!(out.families[0].timeline[1].status, FamilyStatus::Suspended);
        assert_eq!(out.families[1].final_status, FamilyStatus::Active);
        let bad = "family,period,compliant,appeal_upheld\nA,2024-2,0,0\nA,2024-1,0,0\nA,2024-9,x,\n";
        let lines = read_history(bad.as_bytes()).unwrap_err().lines();
        assert!(lines[0].starts_with("row 3, column `period`") && lines[0].contains("not after"), "{lines:?}");
        assert!(lines.iter().any(|l| l.starts_with("row 4, column `compliant`")), "{lines:?}");
    }
}
