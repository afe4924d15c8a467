//! `berdaya import registry FILE`: households and people from CSV or XLSX; `berdaya import
//! regions [FILE]`: the official region list (the one shipped inside Berdaya, or a newer one).
//!
//! Every row is checked. By default any bad row means nothing is imported; with
//! `--skip-invalid` the valid rows are imported. Either way the rejected rows, with their
//! reasons, are written to the rejects file (`--rejects`, default `FILE.rejected.csv`): the
//! first ones, up to [`berdaya_store::import::MAX_ERRORS`] errors, so that a file of
//! millions of bad rows is reported in bounded memory; the rest are counted.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use berdaya_files::regions as files_regions;
use berdaya_files::registry::{self as files, CsvRegistryReader, FileFormat, RejectsWriter, XlsxRegistryReader};
use berdaya_store::{ImportOptions, ImportReport, RegionLoad, RegistryRecord, RowError, RowSource};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::DatabaseArg;

/// Errors and warnings printed; the rejects file has more.
const PRINT_LIMIT: usize = 50;

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Households and people, one row per person (see the column list in the docs of
    /// `berdaya_files::registry`): kk, region, address, welfare_stage, dtks_listed,
    /// dtks_since, nik, name, sex, birth_date, relation, education, occupation, disability.
    Registry(RegistryArgs),
    /// Indonesia's regions with their Kemendagri codes: without FILE, the official list
    /// shipped inside Berdaya (Kepmendagri 300.2.2-2138/2025: 38 provinces, 514 regencies and
    /// cities, 7,285 districts, 83,762 villages). Adds new codes, updates changed names,
    /// keeps codes the list lacks; loading the same list again changes nothing.
    Regions(RegionsArgs),
}

#[derive(Debug, clap::Args)]
pub struct RegionsArgs {
    /// A newer list: CSV with the header `code,name`, or the SQL dump of cahyadsn/wilayah
    /// (`db/wilayah.sql`); plain or gzip-compressed. Default: the shipped list.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    #[command(flatten)]
    db: DatabaseArg,
}

#[derive(Debug, clap::Args)]
pub struct RegistryArgs {
    /// The file: `.csv` (UTF-8, `,` or `;`) or `.xlsx`.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    db: DatabaseArg,
    /// Import the valid rows and leave out the invalid ones (they go to the rejects file).
    #[arg(long)]
    skip_invalid: bool,
    /// Where to write rejected rows with their reasons [default: FILE.rejected.csv].
    #[arg(long, value_name = "OUT.csv")]
    rejects: Option<PathBuf>,
    /// Check every row against the file and the database; write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(command: ImportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ImportCommand::Registry(args) => registry(args).await,
        ImportCommand::Regions(args) => regions(args).await,
    }
}

impl ImportCommand {
    pub(super) fn db(&self) -> &DatabaseArg {
        match self {
            ImportCommand::Registry(args) => &args.db,
            ImportCommand::Regions(args) => &args.db,
        }
    }
}

async fn registry(args: RegistryArgs) -> anyhow::Result<ExitCode> {
    let file = &args.file;
    let started = Instant::now();
    // The file first: a wrong header is reported before any database is touched.
    let format = FileFormat::from_path(file)?;
    let (source, header, total): (Box<dyn RowSource>, Vec<String>, u64) = match format {
        FileFormat::Csv => {
            let reader = CsvRegistryReader::open(file).with_context(|| format!("reading {}", file.display()))?;
            let header = reader.header().to_vec();
            // Counted beside the import, which need not wait for it: the bar gets its length
            // a moment after it starts.
            (Box::new(reader), header, 0)
        }
        FileFormat::Xlsx => {
            let reader = XlsxRegistryReader::open(file).with_context(|| format!("reading {}", file.display()))?;
            let header = reader.header().to_vec();
            let rows = reader.len();
            (Box::new(reader), header, rows)
        }
    };
    let url = args.db.url()?;
    let store = berdaya::store::open(&url).await?;

    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if format == FileFormat::Csv {
        let (bar, file) = (bar.clone(), file.clone());
        std::thread::spawn(move || {
            if let Ok(lines) = files::count_lines(&file) {
                bar.set_length(lines.saturating_sub(1));
            }
        });
    }
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{wide_bar}] {human_pos}/{human_len} rows ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut source = Progress { inner: files::prefetch(source), bar: bar.clone(), next_tick: 0 };
    let options = ImportOptions { skip_invalid: args.skip_invalid, dry_run: args.dry_run };
    let result = store.import_registry(&mut source, &options).await;
    bar.finish_and_clear();
    let report = result.with_context(|| format!("importing {}", file.display()))?;
    let elapsed = started.elapsed();
    tracing::info!(
        rows = report.rows,
        households = report.households_created,
        people = report.people_created,
        rejected = report.rejected_rows,
        warnings = report.warnings_total,
        committed = report.committed,
        elapsed_ms = elapsed.as_millis() as u64,
        "registry import finished"
    );

    if report.rows == 0 {
        eprintln!("error: {} has a header but no data rows; nothing was imported", file.display());
        return Ok(ExitCode::FAILURE);
    }
    print_warnings(&report);
    let rejects_path = args.rejects.clone().unwrap_or_else(|| default_rejects_path(file));
    if report.rejected_rows > 0 {
        print_errors(&report);
        write_rejects(&rejects_path, &header, &report.errors)?;
        if !report.all_errors_kept() {
            eprintln!(
                "note: {} rows have {} errors; the rejects file holds the first {} errors, of rows up to row {}",
                report.rejected_rows,
                report.errors_total,
                report.errors.len(),
                report.errors.last().map_or(0, |e| e.row),
            );
        }
    }
    let rate = report.rows as f64 / elapsed.as_secs_f64().max(1e-9);
    let rejected_note = if report.rejected_rows > 0 {
        format!("; {} rows rejected, written with their reasons to {}", report.rejected_rows, rejects_path.display())
    } else {
        String::new()
    };
    if args.dry_run {
        println!(
            "Dry run of {}: {} rows checked in {:.1} s{}; nothing was written.",
            file.display(),
            report.rows,
            elapsed.as_secs_f64(),
            rejected_note
        );
        return Ok(if report.rejected_rows > 0 && !args.skip_invalid { ExitCode::FAILURE } else { ExitCode::SUCCESS });
    }
    if !report.committed {
        eprintln!(
            "error: nothing was imported: {} of {} rows have errors (written to {}). Fix them and import again, \
             or pass --skip-invalid to import the valid rows.",
            report.rejected_rows,
            report.rows,
            rejects_path.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "Imported {}: {} rows, {} households and {} people created{} ({:.1} s, {:.0} rows/s).",
        file.display(),
        report.rows,
        report.households_created,
        report.people_created,
        rejected_note,
        elapsed.as_secs_f64(),
        rate
    );
    Ok(ExitCode::SUCCESS)
}

async fn regions(args: RegionsArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // The list first: a bad list is reported before any database is touched.
    let (read, source) = match &args.file {
        Some(file) => (files_regions::open(file), file.display().to_string()),
        None => (files_regions::shipped(), files_regions::KEMENDAGRI_2025_NAME.to_string()),
    };
    let list = match read {
        Ok(list) => list,
        Err(files_regions::RegionListError::Rows { errors, total }) => {
            for e in errors.iter().take(PRINT_LIMIT) {
                eprintln!("{}", line(e));
            }
            if total > PRINT_LIMIT as u64 {
                eprintln!("… and {} more errors", total - PRINT_LIMIT as u64);
            }
            eprintln!("error: nothing was loaded: {source} has {total} errors");
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e).with_context(|| format!("reading {source}")),
    };
    let store = berdaya::store::open(&args.db.url()?).await?;
    let report = store.load_regions(list, &source).await.map_err(super::store_error).context("nothing was loaded")?;
    println!("{}", regions_summary(&source, &report, started.elapsed()));
    Ok(ExitCode::SUCCESS)
}

/// What a region load did, in one line.
fn regions_summary(source: &str, r: &RegionLoad, took: Duration) -> String {
    let reclassified = if r.reclassified > 0 {
        format!(", {} given the kind their code names", r.reclassified)
    } else {
        String::new()
    };
    let outcome = if r.changed() { "" } else { "; nothing changed" };
    format!(
        "Loaded {source}: {} regions, {} added, {} renamed{reclassified}{outcome}; {} codes not in the list were kept \
         ({:.1} s).",
        r.listed,
        r.added,
        r.renamed,
        r.kept,
        took.as_secs_f64()
    )
}

/// `people.csv` → `people.csv.rejected.csv`.
fn default_rejects_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".rejected.csv");
    PathBuf::from(name)
}

/// `row N, column X: rule`, or `row N: rule` for an error of the whole row.
fn line(e: &RowError) -> String {
    if e.column.is_empty() {
        format!("row {}: {}", e.row, e.rule)
    } else {
        format!("row {}, column {}: {}", e.row, e.column, e.rule)
    }
}

fn print_errors(report: &ImportReport) {
    for e in report.errors.iter().take(PRINT_LIMIT) {
        eprintln!("{}", line(e));
    }
    let printed = report.errors.len().min(PRINT_LIMIT) as u64;
    if report.errors_total > printed {
        eprintln!("… and {} more errors (see the rejects file)", report.errors_total - printed);
    }
}

fn print_warnings(report: &ImportReport) {
    for w in report.warnings.iter().take(PRINT_LIMIT) {
        eprintln!("warning: row {}, column nik: {} (imported; check the record)", w.row, w.mismatch);
    }
    if report.warnings_total > PRINT_LIMIT as u64 {
        eprintln!("warning: … and {} more NIK mismatches", report.warnings_total - PRINT_LIMIT as u64);
    }
}

fn write_rejects(path: &Path, header: &[String], errors: &[RowError]) -> anyhow::Result<()> {
    let mut w = RejectsWriter::create(path, header).with_context(|| format!("writing {}", path.display()))?;
    for r in files::rejected_rows(errors) {
        w.write(r.row, r.raw, &r.reasons()).with_context(|| format!("writing {}", path.display()))?;
    }
    w.finish().with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Moves the progress bar as the store pulls rows.
struct Progress {
    inner: Box<dyn RowSource>,
    bar: ProgressBar,
    next_tick: u64,
}

impl RowSource for Progress {
    fn next_row(&mut self) -> Option<Result<RegistryRecord, Vec<RowError>>> {
        let row = self.inner.next_row();
        let read = self.inner.rows_read();
        if read >= self.next_tick || row.is_none() {
            self.next_tick = read + 4096;
            if self.bar.length().is_some_and(|len| read > len) {
                self.bar.set_length(read);
            }
            self.bar.set_position(read);
        }
        row
    }

    fn rows_read(&self) -> u64 {
        self.inner.rows_read()
    }
}
