//! `berdaya pkh simulate` and `berdaya pkh ladder`: the PKH calculators of the contract. They
//! read a file, compute with `berdaya_domain::pkh` under the year's shipped default rules (or
//! a rules document given with `--rules`) and print the result; no database is opened.
//!
//! A file with a bad row prints nothing on stdout: the errors go to stderr, each naming the
//! file line and the column, and the exit code is 1.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use berdaya_domain::pkh::Period;
use berdaya_domain::pkh::rules::PkhRules;
use berdaya_domain::registry::text;
use berdaya_files::pkh_contract::{
    self, ContractFileError, LadderOutput, SimulateOutput, first_period, read_history, read_members,
};

use super::print_table;

#[derive(Debug, clap::Subcommand)]
pub enum PkhCommand {
    /// A family's components and amounts on a date, from a members CSV
    /// (`family,person,birth_date,pregnant,school,disability`).
    Simulate(SimulateArgs),
    /// Each family's status on the sanction ladder, period by period, from a compliance
    /// history CSV (`family,period,compliant[,appeal_upheld]`).
    Ladder(LadderArgs),
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The members file (CSV with a header).
    #[arg(long, value_name = "FILE.csv")]
    members: PathBuf,
    /// The reference date (YYYY-MM-DD): ages and the year's rules are taken on it.
    #[arg(long, value_name = "YYYY-MM-DD")]
    on: String,
    /// The year whose default rules apply (default: the year of `--on`).
    #[arg(long, value_name = "YYYY")]
    year: Option<i32>,
    /// A rules document (JSON, as downloaded from the rules page) instead of the default.
    #[arg(long, value_name = "FILE.json")]
    rules: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct LadderArgs {
    /// The history file (CSV with a header).
    #[arg(long, value_name = "FILE.csv")]
    history: PathBuf,
    /// The year whose default rules apply (default: the year of the first period).
    #[arg(long, value_name = "YYYY")]
    year: Option<i32>,
    /// A rules document (JSON) instead of the default.
    #[arg(long, value_name = "FILE.json")]
    rules: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(command: PkhCommand) -> anyhow::Result<ExitCode> {
    match command {
        PkhCommand::Simulate(args) => simulate(args),
        PkhCommand::Ladder(args) => ladder(args),
    }
}

/// Reads a user's file within the calculators' size limit.
pub(super) fn read_file(path: &Path, option: &str) -> anyhow::Result<Vec<u8>> {
    let max = pkh_contract::limits().max_file_bytes;
    let len = std::fs::metadata(path).with_context(|| format!("{option}: cannot read {}", path.display()))?.len();
    if len > max {
        bail!(
            "{option}: {} is larger than {}, the most a calculator file may be",
            path.display(),
            berdaya_files::limits::bytes(max)
        );
    }
    std::fs::read(path).with_context(|| format!("{option}: cannot read {}", path.display()))
}

/// A rules document from a file, checked; or the year's default.
fn rules(path: Option<&Path>, year: i32) -> anyhow::Result<PkhRules> {
    let Some(path) = path else { return Ok(PkhRules::default_for(year)) };
    let bytes = read_file(path, "--rules")?;
    let rules: PkhRules = serde_json::from_slice(&bytes)
        .map_err(|e| anyhow::anyhow!("--rules: {} is not a PKH rules document: {e}", path.display()))?;
    rules.check().map_err(|e| anyhow::anyhow!("--rules: {e}"))?;
    Ok(rules)
}

pub(super) fn file_error(option: &str, path: &Path, e: ContractFileError) -> anyhow::Error {
    let mut out = format!("{option}: {}: {e}", path.display());
    if let ContractFileError::Rows { errors, total } = &e {
        for line in e.lines() {
            out.push_str("\n  ");
            out.push_str(&line);
        }
        if *total > errors.len() {
            out.push_str(&format!("\n  … and {} more", total - errors.len()));
        }
    }
    anyhow::anyhow!(out)
}

fn check_year(year: i32) -> anyhow::Result<i32> {
    if !(2000..=2100).contains(&year) {
        bail!("--year: {year} is not between 2000 and 2100");
    }
    Ok(year)
}

fn simulate(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let on = text::date(&args.on).map_err(|e| anyhow::anyhow!("--on: {e}"))?;
    let year = check_year(args.year.unwrap_or(on.year()))?;
    let rules = rules(args.rules.as_deref(), year)?;
    let bytes = read_file(&args.members, "--members")?;
    let families = read_members(&bytes, on).map_err(|e| file_error("--members", &args.members, e))?;
    let simulated = pkh_contract::simulate(families, on, &rules);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&SimulateOutput::new(&simulated))?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = Vec::new();
    for s in &simulated {
        for line in &s.benefit.lines {
            let outcome = match line.outcome {
                berdaya_domain::pkh::components::Outcome::Counted => "counted".to_string(),
                berdaya_domain::pkh::components::Outcome::OverCap { cap } => {
                    format!("not counted: over the cap of {cap}")
                }
                berdaya_domain::pkh::components::Outcome::Superseded { by } => format!("not held: holds {by}"),
            };
            rows.push(vec![
                s.family.family.clone(),
                s.person(line.person).to_string(),
                line.component.code().to_string(),
                rupiah(line.annual),
                line.basis.describe("en"),
                outcome,
            ]);
        }
        for miss in &s.benefit.near_misses {
            rows.push(vec![
                s.family.family.clone(),
                s.person(miss.person).to_string(),
                miss.component.code().to_string(),
                "-".into(),
                miss.rule.clone(),
                "not eligible".into(),
            ]);
        }
        let stages: Vec<String> = s.benefit.per_stage.iter().map(|a| rupiah(*a)).collect();
        rows.push(vec![
            s.family.family.clone(),
            "(total)".into(),
            String::new(),
            rupiah(s.benefit.annual),
            format!("per stage: {}", stages.join(" / ")),
            String::new(),
        ]);
    }
    println!(
        "PKH rules {} ({}), reference date {on}",
        rules.year,
        if args.rules.is_some() { "file" } else { "default" }
    );
    print_table(&["family", "person", "component", "annual (Rp)", "basis", "outcome"], &rows);
    Ok(ExitCode::SUCCESS)
}

fn ladder(args: LadderArgs) -> anyhow::Result<ExitCode> {
    let bytes = read_file(&args.history, "--history")?;
    let histories = read_history(&bytes).map_err(|e| file_error("--history", &args.history, e))?;
    let year = match args.year {
        Some(y) => check_year(y)?,
        None => {
            first_period(&histories).map_or_else(|| Period::of(time::OffsetDateTime::now_utc().date()).year, |p| p.year)
        }
    };
    let rules = rules(args.rules.as_deref(), year)?;
    let out: LadderOutput = pkh_contract::ladder(&histories, &rules);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = Vec::new();
    for f in &out.families {
        for step in &f.timeline {
            rows.push(vec![
                f.family.clone(),
                step.period.to_string(),
                step.status.code().to_string(),
                step.consecutive.to_string(),
            ]);
        }
    }
    print_table(&["family", "period", "status", "non-compliant in a row"], &rows);
    Ok(ExitCode::SUCCESS)
}

/// `1.234.567`, as rupiah are written in Indonesia.
fn rupiah(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    if amount < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rupiah_groups_thousands() {
        assert_eq!(super::rupiah(0), "0");
        assert_eq!(super::rupiah(1_575_000), "1.575.000");
        assert_eq!(super::rupiah(-900), "-900");
    }
}
