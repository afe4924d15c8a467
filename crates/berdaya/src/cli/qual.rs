//! `berdaya qual`: inter-coder agreement of a reliability data file (no database), and a
//! study's REFI-QDA project exported from or imported into the database.
//!
//! `agreement --units FILE.csv --json` prints the contract's JSON: coders, units, percent
//! agreement, Cohen's kappa (two coders only) and Krippendorff's alpha (nominal; ordinal and
//! interval when every value is a number). `export --study ID --out FILE.qdpx` writes the
//! study as a `.qdpx` project; `import FILE.qdpx` stores a project as a new study and prints
//! its id.

use std::io::Cursor;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use berdaya_domain::qual::agreement::report;
use berdaya_domain::registry::RegionCode;
use berdaya_files::qdpx::{read_origin, read_qdpx};
use berdaya_web::qual::exchange::{check_texts, imported_of, options, project_of, qdpx_bytes};
use serde::Serialize;

use super::pkh::{file_error, read_file};
use super::{DatabaseArg, print_table, store_error};

#[derive(Debug, clap::Subcommand)]
pub enum QualCommand {
    /// Inter-coder agreement of a CSV of `unit,coder,value` rows (no database).
    Agreement(AgreementArgs),
    /// Write a study as a REFI-QDA project (`.qdpx`).
    Export(ExportArgs),
    /// Store a REFI-QDA project (`.qdpx`) as a new study; prints the study's id.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct AgreementArgs {
    /// The reliability data: CSV with a `unit,coder,value` header.
    #[arg(long, value_name = "FILE.csv")]
    units: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    db: DatabaseArg,
    /// The study's id.
    #[arg(long)]
    study: i64,
    /// Where to write the project.
    #[arg(long, value_name = "FILE.qdpx")]
    out: PathBuf,
    /// Apply the sources' redactions (for sharing outside the team).
    #[arg(long)]
    redact: bool,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    db: DatabaseArg,
    /// The project file.
    #[arg(value_name = "FILE.qdpx")]
    file: PathBuf,
    /// The study's region (its area: who may read it); national when left out.
    #[arg(long, value_name = "CODE")]
    region: Option<String>,
    /// How the file counts positions: `auto` (by the software that wrote it), `crlf-two`
    /// (ATLAS.ti, MAXQDA: a CR LF line break is two positions) or `crlf-one`.
    #[arg(long, default_value = "auto")]
    positions: String,
}

impl QualCommand {
    pub fn writes_to(&self) -> Option<&DatabaseArg> {
        match self {
            QualCommand::Import(a) => Some(&a.db),
            QualCommand::Export(a) => Some(&a.db),
            QualCommand::Agreement(_) => None,
        }
    }
}

#[derive(Serialize)]
struct Alphas {
    nominal: Option<f64>,
    ordinal: Option<f64>,
    interval: Option<f64>,
}

#[derive(Serialize)]
struct AgreementOutput {
    coders: usize,
    units: usize,
    percent_agreement: Option<f64>,
    cohen_kappa: Option<f64>,
    krippendorff_alpha: Alphas,
}

/// The agreement calculator: no database, no runtime.
pub fn agreement(args: AgreementArgs) -> anyhow::Result<ExitCode> {
    let bytes = read_file(&args.units, "--units")?;
    let ratings = berdaya_files::qual_units::read_units(&bytes).map_err(|e| file_error("--units", &args.units, e))?;
    let r = report(&ratings);
    let out = AgreementOutput {
        coders: r.coders,
        units: r.units,
        percent_agreement: r.percent_agreement,
        cohen_kappa: r.cohen_kappa,
        krippendorff_alpha: Alphas { nominal: r.alpha_nominal, ordinal: r.alpha_ordinal, interval: r.alpha_interval },
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    let f = |v: Option<f64>| v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "—".into());
    print_table(
        &["measure", "value"],
        &[
            vec!["coders".into(), r.coders.to_string()],
            vec!["units".into(), r.units.to_string()],
            vec!["percent agreement".into(), f(r.percent_agreement)],
            vec!["Cohen's kappa".into(), f(r.cohen_kappa)],
            vec!["Krippendorff's alpha (nominal)".into(), f(r.alpha_nominal)],
            vec!["Krippendorff's alpha (ordinal)".into(), f(r.alpha_ordinal)],
            vec!["Krippendorff's alpha (interval)".into(), f(r.alpha_interval)],
        ],
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn run(command: QualCommand) -> anyhow::Result<ExitCode> {
    match command {
        QualCommand::Agreement(args) => agreement(args),
        QualCommand::Export(args) => {
            let store = berdaya::store::open(&args.db.url()?).await?;
            let p = project_of(store.as_ref(), args.study, args.redact).await.map_err(store_error)?;
            let bytes = qdpx_bytes(&p).map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            std::fs::write(&args.out, bytes).with_context(|| format!("--out: cannot write {}", args.out.display()))?;
            eprintln!(
                "studi {} diekspor / study exported: {} sources, {} codes → {}",
                args.study,
                p.sources.len(),
                count_codes(&p.codes),
                args.out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        QualCommand::Import(args) => {
            let max = 64u64 << 20;
            let len =
                std::fs::metadata(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?.len();
            if len > max {
                anyhow::bail!(
                    "{} is larger than {}, the most a project file may be",
                    args.file.display(),
                    berdaya_files::limits::bytes(max)
                );
            }
            let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
            let region = match &args.region {
                Some(r) => Some(RegionCode::parse(r).map_err(|e| anyhow::anyhow!("--region: {e}"))?),
                None => None,
            };
            let origin = read_origin(Cursor::new(&bytes)).ok().flatten();
            let choice = match args.positions.as_str() {
                "auto" => "auto",
                "crlf-two" => "crlf_two",
                "crlf-one" => "crlf_one",
                other => anyhow::bail!("--positions: `{other}` is not one of: auto, crlf-two, crlf-one"),
            };
            let p = read_qdpx(Cursor::new(&bytes), options(choice, origin.as_deref()))
                .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
            let store = berdaya::store::open(&args.db.url()?).await?;
            let title =
                args.file.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "Impor".into());
            let imported = imported_of(store.as_ref(), &p, &title, region).await.map_err(store_error)?;
            check_texts(&imported).map_err(|e| anyhow::anyhow!("{}: {}", args.file.display(), e.message()))?;
            let id = store.import_study(&imported, None).await.map_err(store_error)?;
            for s in &p.skipped {
                eprintln!("skipped: {s}");
            }
            println!("{id}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn count_codes(codes: &[berdaya_files::qdpx::QdaCode]) -> usize {
    codes.iter().map(|c| 1 + count_codes(&c.children)).sum()
}
