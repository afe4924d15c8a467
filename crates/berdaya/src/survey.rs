//! `berdaya survey`: check an XLSForm instrument and analyse responses against it.
//!
//! Exit codes: 0 success; 1 when the instrument has problems, answers are bad (without
//! `--drop-incomplete`) or a file cannot be read.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use berdaya::store::DatabaseUrl;
use berdaya_domain::survey::instrument::Severity;
use berdaya_domain::survey::link::{FactsMap, PersonLookup};
use berdaya_domain::survey::report::{Report, ScoreSummary};
use berdaya_domain::survey::{AnalysisError, AnalysisOptions, Instrument, MissingPolicy, Problem, seed004};
use berdaya_files::responses::{AnalyzeFileError, analyze_path_linked, link_keys};
use berdaya_files::survey as files;
use berdaya_store::Query;

#[derive(Debug, clap::Subcommand)]
pub enum SurveyCommand {
    /// Check an XLSForm instrument; lists every problem and warning, and exits non-zero if
    /// there is any problem (warnings alone exit 0).
    Check {
        #[arg(long, value_name = "FORM.xlsx")]
        instrument: PathBuf,
        /// Print the problems as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Score responses against an instrument: categories, correlations, reliability.
    Analyze {
        #[arg(long, value_name = "FORM.xlsx")]
        instrument: PathBuf,
        /// Responses as CSV or XLSX, one row per respondent.
        #[arg(long, value_name = "FILE")]
        responses: PathBuf,
        /// Significance level for correlations and the critical r, strictly between 0 and 1.
        #[arg(long, default_value_t = 0.05, allow_negative_numbers = true, value_parser = parse_alpha)]
        alpha: f64,
        /// Leave out respondents with blank or invalid answers instead of refusing.
        #[arg(long)]
        drop_incomplete: bool,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
        /// Also write the report as an XLSX workbook.
        #[arg(long, value_name = "OUT.xlsx")]
        xlsx: Option<PathBuf>,
        /// Link respondents to this database's registry (an SQLite file or a PostgreSQL URL),
        /// as an administrator sees it, by the form's `berdaya = person` column: factors
        /// marked `berdaya_registry` are taken from it, and unmatched respondents are listed.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// The day the survey was held (YYYY-MM-DD), for ages taken from the registry when a
        /// row has no date of its own (`today`, `start`, `end`, `_submission_time`).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_survey_date)]
        survey_date: Option<time::Date>,
    },
    /// Write the built-in seed-004 instrument (land-optimization participation) as an XLSForm.
    Example {
        #[arg(long, value_name = "FILE.xlsx")]
        out: PathBuf,
        /// Write the paper's bins as printed (with their gaps and overlap) instead.
        #[arg(long)]
        printed: bool,
    },
    /// Write synthetic responses to the built-in instrument: an XLSX workbook when FILE ends in
    /// `.xlsx`, CSV otherwise.
    ExampleResponses {
        #[arg(long, value_name = "FILE.csv|FILE.xlsx")]
        out: PathBuf,
        /// Number of respondents.
        #[arg(long, default_value_t = 43)]
        n: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 4)]
        seed: u64,
    },
}

pub fn run(command: SurveyCommand) -> anyhow::Result<ExitCode> {
    match command {
        SurveyCommand::Check { instrument, json } => check(&instrument, json),
        SurveyCommand::Analyze { instrument, responses, alpha, drop_incomplete, json, xlsx, database, survey_date } => {
            let options = AnalysisOptions {
                alpha,
                missing: if drop_incomplete { MissingPolicy::DropIncomplete } else { MissingPolicy::Refuse },
                survey_date,
            };
            let out = Output { json, xlsx: xlsx.as_deref() };
            run_analyze(&instrument, &responses, &options, database.as_deref(), out)
        }
        SurveyCommand::Example { out, printed } => {
            let form = if printed { seed004::printed_xlsform() } else { seed004::xlsform() };
            files::write_xlsform(&form, &out).with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        SurveyCommand::ExampleResponses { out, n, seed } => {
            let table = seed004::example_responses(n, seed);
            let xlsx = out.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
            let written =
                if xlsx { files::write_responses_xlsx(&table, &out) } else { files::write_responses_csv(&table, &out) };
            written.with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {} respondents to {}", n, out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `--alpha`: a significance level strictly between 0 and 1 (`0,05` is read too).
fn parse_alpha(text: &str) -> Result<f64, String> {
    let rule = "must be a number strictly between 0 and 1, e.g. 0.05";
    match text.trim().replace(',', ".").parse::<f64>() {
        Ok(a) if a.is_finite() && a > 0.0 && a < 1.0 => Ok(a),
        Ok(_) => Err(format!("the significance level {rule}")),
        Err(_) => Err(format!("`{text}` is not a number; the significance level {rule}")),
    }
}

/// `--survey-date`: a calendar date, `YYYY-MM-DD`.
fn parse_survey_date(text: &str) -> Result<time::Date, String> {
    berdaya_domain::survey::link::parse_survey_date(text)
        .filter(|_| text.trim().len() == 10)
        .ok_or_else(|| format!("`{text}` is not a date; write the survey date as YYYY-MM-DD, e.g. 2024-05-15"))
}

/// Everything the registry holds about the people `responses` names, as an administrator
/// sees it (no region, no scope).
fn registry_facts(database: &str, instrument: &Instrument, responses: &Path) -> anyhow::Result<FactsMap> {
    let url = DatabaseUrl::parse(database)?;
    if let DatabaseUrl::Sqlite(path) = &url {
        anyhow::ensure!(berdaya::store::sqlite_exists(path), "there is no database at {}", path.display());
    }
    let keys =
        link_keys(instrument, responses).with_context(|| format!("reading responses {}", responses.display()))?;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let store = berdaya::store::open(&url).await?;
        store.person_facts(&keys, &Query::default()).await.with_context(|| format!("reading {}", url.redacted()))
    })
}

/// Where the report goes besides the exit code.
#[derive(Clone, Copy)]
struct Output<'a> {
    json: bool,
    xlsx: Option<&'a Path>,
}

fn load_instrument(path: &Path) -> anyhow::Result<Result<Instrument, Vec<Problem>>> {
    let form = files::read_xlsform(path).with_context(|| format!("reading instrument {}", path.display()))?;
    Ok(Instrument::from_xlsform(&form))
}

/// Prints the errors, then the warnings with the constraint each suggests.
fn print_problems(path: &Path, problems: &[Problem]) {
    let (warnings, errors): (Vec<&Problem>, Vec<&Problem>) =
        problems.iter().partition(|p| p.severity == Severity::Warning);
    if !errors.is_empty() {
        eprintln!("{}: {} problem(s):", path.display(), errors.len());
        for p in errors {
            eprintln!("  {p}");
        }
    }
    print_warnings(path, &warnings);
}

fn print_warnings(path: &Path, warnings: &[&Problem]) {
    if warnings.is_empty() {
        return;
    }
    eprintln!("{}: {} warning(s):", path.display(), warnings.len());
    for p in warnings {
        eprintln!("  warning: {p}");
        if let Some(c) = &p.suggested_constraint {
            eprintln!("    if no answer can lie there, add the constraint `{c}` to the question");
        }
    }
}

fn check(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    match load_instrument(path)? {
        Ok(inst) => {
            if json {
                println!("{}", serde_json::json!({ "ok": true, "problems": [], "warnings": inst.warnings }));
            } else {
                println!(
                    "{}: OK — {} indicator(s), {} item(s), {} factor(s)",
                    path.display(),
                    inst.indicators.len(),
                    inst.item_count(),
                    inst.factors.len()
                );
            }
            print_warnings(path, &inst.warnings.iter().collect::<Vec<_>>());
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            if json {
                let (warnings, errors): (Vec<&Problem>, Vec<&Problem>) =
                    problems.iter().partition(|p| p.severity == Severity::Warning);
                println!("{}", serde_json::json!({ "ok": false, "problems": errors, "warnings": warnings }));
            }
            print_problems(path, &problems);
            Ok(ExitCode::FAILURE)
        }
    }
}

fn run_analyze(
    instrument: &Path,
    responses: &Path,
    options: &AnalysisOptions,
    database: Option<&str>,
    out: Output<'_>,
) -> anyhow::Result<ExitCode> {
    let Output { json, xlsx } = out;
    let inst = match load_instrument(instrument)? {
        Ok(i) => {
            print_warnings(instrument, &i.warnings.iter().collect::<Vec<_>>());
            i
        }
        Err(problems) => {
            print_problems(instrument, &problems);
            eprintln!("fix the instrument first (berdaya survey check)");
            return Ok(ExitCode::FAILURE);
        }
    };
    let facts = match database {
        Some(db) if inst.link.is_none() => {
            eprintln!(
                "{}: the form has no `berdaya = person` question, so respondents are not linked to {db}",
                instrument.display()
            );
            None
        }
        Some(db) => Some(registry_facts(db, &inst, responses)?),
        None => None,
    };
    let lookup = facts.as_ref().map(|f| f as &dyn PersonLookup);
    let report = match analyze_path_linked(&inst, responses, options, lookup, &|_| {}) {
        Ok(r) => r,
        Err(AnalyzeFileError::File(e)) => {
            return Err(anyhow::Error::new(e).context(format!("reading responses {}", responses.display())));
        }
        Err(AnalyzeFileError::Analysis(AnalysisError::Responses(e))) if e.problems().is_some() => {
            let problems = e.problems().unwrap_or_default();
            eprintln!("{}: {e}", responses.display());
            for p in problems {
                eprintln!("  {p}");
            }
            eprintln!("fix them, or pass --drop-incomplete to leave those respondents out");
            if json {
                println!("{}", serde_json::json!({ "error": "bad_answers", "problems": problems }));
            }
            return Ok(ExitCode::FAILURE);
        }
        Err(AnalyzeFileError::Analysis(e)) => {
            eprintln!("{}: {e}", responses.display());
            if json {
                println!("{}", serde_json::json!({ "error": e.to_string() }));
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    if let Some(link) = &report.link {
        eprintln!(
            "linked {} of {} respondents to the registry by column {}",
            link.matched,
            link.matched + link.unmatched,
            link.column
        );
        for u in &link.unmatched_rows {
            let who = u.respondent.as_deref().map(|r| format!(" (respondent {r})")).unwrap_or_default();
            let key = if u.key_masked.is_empty() { "blank".to_string() } else { format!("`{}`", u.key_masked) };
            eprintln!("  not found: row {}{who}, {}", u.line, key);
        }
        if link.unmatched > link.unmatched_rows.len() as u64 {
            eprintln!("  … and {} more", link.unmatched - link.unmatched_rows.len() as u64);
        }
    }
    if report.dropped_count > 0 {
        eprintln!(
            "dropped {} respondent(s) with blank or invalid answers; {} analysed",
            report.dropped_count, report.n
        );
        for d in &report.dropped {
            for p in &d.problems {
                eprintln!("  {p}");
            }
        }
    }
    if let Some(out) = xlsx {
        files::write_report_xlsx(&report, out).with_context(|| format!("writing {}", out.display()))?;
        eprintln!("wrote {}", out.display());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text_report(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".to_string(), |x| format!("{x:.digits$}"))
}

/// A p-value: four decimals, or scientific notation when smaller than 0.0001.
fn fmt_p(v: Option<f64>) -> String {
    match v {
        Some(p) if p > 0.0 && p < 1e-4 => format!("{p:.1e}"),
        _ => fmt_opt(v, 4),
    }
}

fn score_table(out: &mut String, s: &ScoreSummary) {
    let _ = writeln!(
        out,
        "\n{} ({}): k = {}, range {}–{}, interval = {}",
        s.label,
        s.name,
        s.items,
        s.min,
        s.max,
        s.interval_formula()
    );
    for (b, share) in s.bands.iter().zip(&s.distribution_percent) {
        let open = if b.lower_inclusive { "[" } else { "(" };
        let _ = writeln!(
            out,
            "  {:<9} {open}{:>6}, {:>6}]  {:>3.0}–{:>3.0} %   {:>5} respondents  {:>6.2} %",
            b.category, b.lower_exact, b.upper_exact, b.percent_from, b.percent_to, share.count, share.percent
        );
    }
    let _ = writeln!(out, "  mean {:.3} → {} ({:.1} % of range)", s.mean, s.category, s.percent);
}

fn text_report(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\nn = {} respondents, alpha = {}", r.title, r.n, r.alpha);
    for note in &r.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(out, "\nCategories (a value on an upper bound belongs to the lower category):");
    for s in &r.indicators {
        score_table(&mut out, s);
    }
    score_table(&mut out, &r.total);
    let _ = writeln!(out, "\nItems:");
    let _ = writeln!(out, "  {:<20} {:>6}  {:<9} answers (score: count)", "item", "mean", "category");
    for it in &r.items {
        let freq: Vec<String> = it.frequencies.iter().map(|f| format!("{}:{}", f.score, f.count)).collect();
        let _ = writeln!(out, "  {:<20} {:>6.3}  {:<9} {}", it.name, it.mean, it.category, freq.join(" "));
    }
    let _ = writeln!(out, "\nSpearman correlations (rho tie-corrected; shortcut = 1 − 6Σd²/(n(n²−1))):");
    let _ = writeln!(
        out,
        "  (p(2-s): t approximation; exact: permutation p for n ≤ 9 without ties; sig uses the p named under p_method)"
    );
    let _ = writeln!(
        out,
        "  {:<20} {:<12} {:>3} {:>8} {:>9} {:>9} {:>9} {:<8} {:>8} {:<12} sig",
        "factor", "target", "n", "rho", "shortcut", "p(2-s)", "exact", "p_method", "tau_b", "strength"
    );
    for c in &r.correlations {
        let s = &c.stats;
        let _ = writeln!(
            out,
            "  {:<20} {:<12} {:>3} {:>8} {:>9}{} {:>9} {:>9} {:<8} {:>8} {:<12} {}",
            c.factor,
            c.target,
            s.n,
            fmt_opt(s.rho, 4),
            fmt_opt(s.rho_shortcut, 4),
            if s.shortcut_differs { "*" } else { " " },
            fmt_p(s.p_two_sided),
            fmt_p(s.p_exact_two_sided),
            s.p_method.map_or("—", |m| m.as_str()),
            fmt_opt(s.tau_b, 4),
            s.strength.map_or("—", |x| x.as_str()),
            match c.significant {
                Some(true) => "yes".to_string(),
                Some(false) => "no".to_string(),
                None => format!("— ({})", c.reason.as_deref().unwrap_or("undefined")),
            }
        );
    }
    let rel = &r.reliability;
    let _ = writeln!(
        out,
        "\nReliability: Cronbach's alpha = {}; critical r (n = {}, α = {}, two-sided) = {}",
        fmt_opt(rel.cronbach_alpha, 4),
        rel.n,
        rel.alpha_level,
        fmt_opt(rel.r_critical, 4)
    );
    if !rel.constant_items.is_empty() {
        let _ = writeln!(
            out,
            "  alpha without constant items ({}) = {}",
            rel.constant_items.join(", "),
            fmt_opt(rel.cronbach_alpha_without_constant, 4)
        );
    }
    for w in &rel.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
    let _ = writeln!(
        out,
        "  (valid: corrected item–rest r > critical r, SPSS's Corrected Item-Total Correlation; uncorrected: item–total r)"
    );
    let yes_no = |v: Option<bool>| v.map_or("—", |v| if v { "yes" } else { "no" });
    let _ = writeln!(
        out,
        "  {:<20} {:>8} {:>8} {:<17} {:<19} {:>10}",
        "item", "r_total", "r_rest", "valid (corrected)", "valid (uncorrected)", "α if del."
    );
    for it in &rel.items {
        let _ = writeln!(
            out,
            "  {:<20} {:>8} {:>8} {:<17} {:<19} {:>10}",
            it.name,
            fmt_opt(it.r_item_total, 4),
            fmt_opt(it.r_item_rest, 4),
            yes_no(it.valid),
            yes_no(it.valid_uncorrected),
            fmt_opt(it.alpha_if_deleted, 4)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use berdaya_domain::survey::analyze;

    use super::*;

    /// The text report names the p behind `sig`, labels both validity decisions, and gives
    /// alpha without an item that never varies (the seed-004 data with `rekening` constant).
    #[test]
    fn text_report_shows_p_method_validity_labels_and_alpha_without_constant_items() {
        let inst = Instrument::from_xlsform(&seed004::xlsform()).expect("built-in instrument");
        let mut table = seed004::example_responses(43, 4);
        let col = table.columns.iter().position(|c| c.rsplit('/').next() == Some("rekening")).expect("rekening column");
        for row in &mut table.rows {
            row.cells[col] = "3".to_string();
        }
        let report = analyze(&inst, &table, &AnalysisOptions::default()).expect("report");
        let text = text_report(&report);
        assert!(text.contains("p_method"), "{text}");
        assert!(text.contains("valid (corrected)") && text.contains("valid (uncorrected)"), "{text}");
        let rel = &report.reliability;
        assert_eq!(rel.constant_items, ["rekening"]);
        let line =
            format!("alpha without constant items (rekening) = {}", fmt_opt(rel.cronbach_alpha_without_constant, 4));
        assert!(text.contains(&line), "{text}");
        assert!(text.contains("warning: every respondent gave the same answer to rekening"), "{text}");
        // Each correlation row carries its method ("t": n = 43 has ties).
        let row =
            text.lines().find(|l| l.contains("total") && l.trim_end().ends_with("yes")).expect("a significant row");
        assert!(row.split_whitespace().any(|w| w == "t"), "{row}");
    }
}
