//! `berdaya kotaku slum-score`: a neighbourhood's slum score by the national criteria
//! (Permen PUPR 14/PRT/M/2018) from a baseline CSV, under the default bands and classes or a
//! rules document given with `--rules`; no database is opened.
//!
//! A file with a bad row prints nothing on stdout: the errors go to stderr, each naming the
//! file line and the column, and the exit code is 1.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use berdaya_domain::kotaku::slum::SlumRules;
use berdaya_files::kotaku_contract::{SlumOutput, read_baseline, score_baselines};

use super::pkh::{file_error, read_file};
use super::print_table;

#[derive(Debug, clap::Subcommand)]
pub enum KotakuCommand {
    /// Each area's slum score and class from a baseline CSV (`area,parameter,affected,total`,
    /// parameters `1a` … `7b`).
    SlumScore(SlumScoreArgs),
}

#[derive(Debug, clap::Args)]
pub struct SlumScoreArgs {
    /// The baseline file (CSV with a header).
    #[arg(long, value_name = "FILE.csv")]
    baseline: PathBuf,
    /// A rules document (JSON: `bands` of `min_percent`/`score`, `classes` of
    /// `class`/`min_total`) instead of the regulation's default.
    #[arg(long, value_name = "FILE.json")]
    rules: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(command: KotakuCommand) -> anyhow::Result<ExitCode> {
    match command {
        KotakuCommand::SlumScore(args) => slum_score(args),
    }
}

fn rules(path: Option<&Path>) -> anyhow::Result<SlumRules> {
    let Some(path) = path else { return Ok(SlumRules::default()) };
    let bytes = read_file(path, "--rules")?;
    let rules: SlumRules = serde_json::from_slice(&bytes)
        .map_err(|e| anyhow::anyhow!("--rules: {} is not a slum-score rules document: {e}", path.display()))?;
    rules.check().map_err(|e| anyhow::anyhow!("--rules: {e}"))?;
    Ok(rules)
}

fn slum_score(args: SlumScoreArgs) -> anyhow::Result<ExitCode> {
    let rules = rules(args.rules.as_deref())?;
    let bytes = read_file(&args.baseline, "--baseline")?;
    let baselines = read_baseline(&bytes).map_err(|e| file_error("--baseline", &args.baseline, e))?;
    let scores = score_baselines(&baselines, &rules);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&SlumOutput::new(&scores))?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = Vec::new();
    for (area, s) in &scores {
        for p in &s.parameters {
            rows.push(vec![
                area.clone(),
                p.parameter.code().to_string(),
                p.parameter.label("en").to_string(),
                format!("{}/{}", p.measure.affected, p.measure.total),
                format!("{:.1} %", p.measure.share() * 100.0),
                p.score.to_string(),
            ]);
        }
        rows.push(vec![
            area.clone(),
            "(total)".into(),
            s.class.label("en").to_string(),
            String::new(),
            String::new(),
            s.total.to_string(),
        ]);
    }
    print_table(&["area", "parameter", "affected", "count", "share", "score"], &rows);
    Ok(ExitCode::SUCCESS)
}
