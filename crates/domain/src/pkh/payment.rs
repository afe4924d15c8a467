//! Stage payments of PKH: the payment list (daftar nominatif) of a program's stage, its lines
//! (each a snapshot of what the bank needs, so a frozen list never changes when the registry
//! does), the results the bank sends back and the reconciliation of issued against paid.
//!
//! Money is whole rupiah (`i64`). A family's amount for stage `n` is its
//! [`super::components::Benefit::per_stage`]`[n-1]`, computed with the rules of the year on
//! the stage's first day.

use serde::{Deserialize, Serialize};
use time::Date;

use super::{FamilyStatus, Period};
use crate::registry::Id;
use crate::vocabulary;

vocabulary! {
    /// Where a payment list stands: a draft can be rebuilt, a frozen list never changes
    /// (only the bank's results are recorded on its lines).
    ListStatus {
        Draft => "draft", "Draf", "Draft";
        Frozen => "frozen", "Dibekukan", "Frozen";
    }
}

vocabulary! {
    /// What the bank reported for a line.
    PayResult {
        Pending => "pending", "Belum ada hasil", "Pending";
        Paid => "paid", "Tersalur", "Paid";
        Failed => "failed", "Gagal", "Failed";
    }
}

vocabulary! {
    /// Why an enrolled family is not on a stage's list.
    SkipReason {
        Suspended => "suspended", "Ditangguhkan", "Suspended";
        Terminated => "terminated", "Dihentikan", "Terminated";
        NoComponent => "no_component", "Tidak ada komponen", "No component (amount zero)";
        NotYetEnrolled => "not_enrolled", "Belum terdaftar pada tahap ini", "Not yet enrolled in the stage";
    }
}

/// The verification period whose closing decides who is paid in a stage: the period with the
/// stage's number in the same year.
pub fn stage_period(year: i32, stage: u8) -> Option<Period> {
    Period::new(year, stage).ok()
}

/// Whether a family in `status` (the ladder's status after the deciding period; `None` when
/// no period was closed yet, i.e. active) is paid, else the reason.
pub fn skip_for_status(status: Option<FamilyStatus>) -> Option<SkipReason> {
    match status.unwrap_or(FamilyStatus::Active) {
        FamilyStatus::Active | FamilyStatus::Warning => None,
        FamilyStatus::Suspended => Some(SkipReason::Suspended),
        FamilyStatus::Terminated => Some(SkipReason::Terminated),
    }
}

/// A member of the household as the recipient rule sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'a> {
    pub name: &'a str,
    pub female: bool,
    /// The relation code (`head`, `spouse`, ...).
    pub relation: &'a str,
}

/// Who receives a family's money: the mother, i.e. the female head, else the female spouse,
/// else the head, else the first member listed. `None` for an empty household.
pub fn recipient(members: &[Candidate<'_>]) -> Option<usize> {
    let find = |f: &dyn Fn(&Candidate<'_>) -> bool| members.iter().position(f);
    find(&|m| m.female && m.relation == "head")
        .or_else(|| find(&|m| m.female && m.relation == "spouse"))
        .or_else(|| find(&|m| m.relation == "head"))
        .or(if members.is_empty() { None } else { Some(0) })
}

/// A stage payment list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentList {
    pub id: Id,
    pub program_id: Id,
    pub year: i32,
    pub stage: u8,
    pub status: ListStatus,
    /// The period whose ladder decided who is paid (`None`: no period closed yet).
    pub decided_by_period: Option<String>,
    pub families: i64,
    pub total: i64,
    pub skipped_suspended: i64,
    pub skipped_terminated: i64,
    pub skipped_zero: i64,
    pub built_by_name: String,
    pub built_at: time::OffsetDateTime,
    pub frozen_by_name: Option<String>,
    pub frozen_at: Option<time::OffsetDateTime>,
    pub version: i64,
}

impl PaymentList {
    /// The enrolled families left off, all reasons together.
    pub fn not_paid(&self) -> i64 {
        self.skipped_suspended + self.skipped_terminated + self.skipped_zero
    }
}

/// One line of a list: a family, snapshotted when the list was built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLine {
    pub id: Id,
    pub list_id: Id,
    pub family_id: Id,
    pub household_id: Id,
    /// The family card number (KK), 16 digits as stored.
    pub kk: i64,
    pub recipient_name: String,
    pub village_code: String,
    pub village_name: String,
    pub district_code: String,
    pub facilitator_id: Option<Id>,
    pub facilitator_name: Option<String>,
    /// The family's status the list was built on (`active` or `warning`).
    pub family_status: FamilyStatus,
    /// The counted component codes, comma separated.
    pub components: String,
    pub amount: i64,
    pub result: PayResult,
    pub reason: Option<String>,
    pub paid_on: Option<Date>,
}

/// A line of a family, with its list's year and stage (the family page's panel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyPayment {
    pub year: i32,
    pub stage: u8,
    pub list_status: ListStatus,
    pub line: PaymentLine,
}

/// Which line a result is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LineKey {
    Line(Id),
    Kk(i64),
}

/// One row of an imported results file, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    /// The file's row number (1 = header).
    pub row: u64,
    pub key: LineKey,
    pub result: PayResult,
    pub reason: Option<String>,
    pub paid_on: Option<Date>,
}

/// A problem with one row of a results file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub row: u64,
    pub column: String,
    pub rule: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, column `{}`: {}", self.row, self.column, self.rule)
    }
}

/// At most this many rows in a results file.
pub const MAX_RESULT_ROWS: usize = 2_000_000;

/// Reads a results file already split into cells (the first row the header). Columns, by
/// name in any order, case-insensitive: `line` (a line id) or `kk`, `status`
/// (`paid`/`failed`, Indonesian `tersalur`/`gagal` accepted), `reason` (required when failed),
/// `paid_on` (ISO date, required when paid). Every problem is reported with its row and column.
pub fn parse_results(grid: &[Vec<String>]) -> Result<Vec<ResultRow>, Vec<RowProblem>> {
    let problem = |row: u64, column: &str, rule: &str| RowProblem { row, column: column.into(), rule: rule.into() };
    let Some(header) = grid.first() else {
        return Err(vec![problem(1, "line", "the file is empty; the header row is required")]);
    };
    let col = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let (line_col, kk_col) = (col("line"), col("kk"));
    let (status_col, reason_col, paid_col) = (col("status"), col("reason"), col("paid_on"));
    let mut problems = Vec::new();
    if line_col.is_none() && kk_col.is_none() {
        problems.push(problem(1, "line", "a column `line` or `kk` is required"));
    }
    if status_col.is_none() {
        problems.push(problem(1, "status", "the column is required"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if grid.len() > MAX_RESULT_ROWS + 1 {
        return Err(vec![problem(MAX_RESULT_ROWS as u64 + 2, "line", "too many rows")]);
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, cells) in grid.iter().enumerate().skip(1) {
        let row = i as u64 + 1;
        let cell = |c: Option<usize>| c.and_then(|c| cells.get(c)).map(|s| s.trim()).unwrap_or("");
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let before = problems.len();
        let key = match (cell(line_col), cell(kk_col)) {
            (l, _) if !l.is_empty() => match l.parse::<i64>() {
                Ok(id) if id > 0 => Some(LineKey::Line(id)),
                _ => {
                    problems.push(problem(row, "line", "must be a line number from the exported list"));
                    None
                }
            },
            (_, k) if !k.is_empty() => {
                let digits: String = k.chars().filter(|c| !c.is_whitespace() && *c != '\'').collect();
                match digits.parse::<i64>() {
                    Ok(kk) if digits.len() == 16 => Some(LineKey::Kk(kk)),
                    _ => {
                        problems.push(problem(row, "kk", "must be the 16 digits of the family card"));
                        None
                    }
                }
            }
            _ => {
                problems.push(problem(row, if line_col.is_some() { "line" } else { "kk" }, "is required"));
                None
            }
        };
        let result = match cell(status_col).to_ascii_lowercase().as_str() {
            "paid" | "tersalur" => Some(PayResult::Paid),
            "failed" | "gagal" => Some(PayResult::Failed),
            "" => {
                problems.push(problem(row, "status", "is required (paid or failed)"));
                None
            }
            _ => {
                problems.push(problem(row, "status", "must be paid or failed"));
                None
            }
        };
        let reason = Some(cell(reason_col).to_string()).filter(|s| !s.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 200) {
            problems.push(problem(row, "reason", "is longer than 200 characters"));
        }
        let paid_on = match cell(paid_col) {
            "" => None,
            s => match Date::parse(s, &time::format_description::well_known::Iso8601::DATE) {
                Ok(d) => Some(d),
                Err(_) => {
                    problems.push(problem(row, "paid_on", "must be a date YYYY-MM-DD"));
                    None
                }
            },
        };
        match result {
            Some(PayResult::Failed) if reason.is_none() => {
                problems.push(problem(row, "reason", "is required when the payment failed"));
            }
            Some(PayResult::Paid) if paid_on.is_none() && cell(paid_col).is_empty() => {
                problems.push(problem(row, "paid_on", "is required when the payment was made"));
            }
            _ => {}
        }
        if let Some(k) = &key
            && let Some(first) = seen.insert(k.clone(), row)
        {
            let column = if matches!(k, LineKey::Line(_)) { "line" } else { "kk" };
            problems.push(problem(row, column, &format!("repeats row {first}")));
        }
        if problems.len() == before
            && let (Some(key), Some(result)) = (key, result)
        {
            out.push(ResultRow { row, key, result, reason, paid_on });
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// Issued, paid, failed and pending counts and amounts of one group of lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub issued: i64,
    pub issued_amount: i64,
    pub paid: i64,
    pub paid_amount: i64,
    pub failed: i64,
    pub failed_amount: i64,
    pub pending: i64,
    pub pending_amount: i64,
}

impl Tally {
    /// Counts one line.
    pub fn add(&mut self, result: PayResult, amount: i64, lines: i64) {
        self.issued += lines;
        self.issued_amount += amount;
        match result {
            PayResult::Paid => {
                self.paid += lines;
                self.paid_amount += amount;
            }
            PayResult::Failed => {
                self.failed += lines;
                self.failed_amount += amount;
            }
            PayResult::Pending => {
                self.pending += lines;
                self.pending_amount += amount;
            }
        }
    }
}

/// One row of the reconciliation: a village or a facilitator and its tally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconRow {
    /// The village code or the facilitator's user id (`None`: no facilitator).
    pub key: Option<String>,
    pub name: String,
    pub tally: Tally,
}

/// The reconciliation of a list: by village, by facilitator, and the grand total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub by_village: Vec<ReconRow>,
    pub by_facilitator: Vec<ReconRow>,
    pub total: Tally,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn results_read_by_line_or_kk() {
        let g = grid(&[
            &["line", "kk", "status", "reason", "paid_on"],
            &["7", "", "paid", "", "2026-02-10"],
            &["", "3316092001000001", "gagal", "rekening tidak aktif", ""],
        ]);
        let rows = parse_results(&g).unwrap();
        assert_eq!(rows[0].key, LineKey::Line(7));
        assert_eq!(rows[0].result, PayResult::Paid);
        assert_eq!(rows[1].key, LineKey::Kk(3316092001000001));
        assert_eq!(rows[1].reason.as_deref(), Some("rekening tidak aktif"));
    }

    #[test]
    fn results_name_row_and_column() {
        let g = grid(&[
            &["line", "status", "reason", "paid_on"],
            &["7", "failed", "", ""],
            &["x", "paid", "", "2026-13-01"],
            &["7", "maybe", "", ""],
        ]);
        let p = parse_results(&g).unwrap_err();
        let said: Vec<String> = p.iter().map(|p| p.to_string()).collect();
        assert!(said.contains(&"row 2, column `reason`: is required when the payment failed".to_string()));
        assert!(said.iter().any(|s| s.starts_with("row 3, column `line`")));
        assert!(said.iter().any(|s| s.starts_with("row 3, column `paid_on`")));
        assert!(said.iter().any(|s| s.starts_with("row 4, column `status`")));
        assert!(said.iter().any(|s| s == "row 4, column `line`: repeats row 2"));
        assert!(parse_results(&grid(&[&["kk"]])).is_err());
    }

    #[test]
    fn recipient_is_the_mother_else_the_head() {
        let c = |name, female, relation| Candidate { name, female, relation };
        assert_eq!(recipient(&[c("Budi", false, "head"), c("Siti", true, "spouse")]), Some(1));
        assert_eq!(recipient(&[c("Budi", false, "head"), c("Ani", true, "child")]), Some(0));
        assert_eq!(recipient(&[c("Ani", true, "child"), c("Sri", true, "head")]), Some(1));
        assert_eq!(recipient(&[]), None);
    }

    #[test]
    fn status_decides_payment() {
        assert_eq!(skip_for_status(None), None);
        assert_eq!(skip_for_status(Some(FamilyStatus::Warning)), None);
        assert_eq!(skip_for_status(Some(FamilyStatus::Suspended)), Some(SkipReason::Suspended));
        assert_eq!(skip_for_status(Some(FamilyStatus::Terminated)), Some(SkipReason::Terminated));
    }
}
