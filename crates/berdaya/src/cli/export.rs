//! `berdaya export registry`: every person with their household, as CSV or XLSX, in the
//! format `berdaya import registry` reads.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use berdaya_domain::registry::RegionCode;
use berdaya_files::registry::{CsvRegistryWriter, FileFormat, RegistryFileError, XlsxRegistryWriter};
use berdaya_store::RegistryExportRow;
use berdaya_store::access::AuditEvent;
use serde_json::json;

use super::DatabaseArg;

#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// Households and people, one row per person.
    Registry(RegistryArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Csv,
    Xlsx,
}

#[derive(Debug, clap::Args)]
pub struct RegistryArgs {
    #[command(flatten)]
    db: DatabaseArg,
    /// File format [default: from the --out extension, else csv].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Output file (replaced if it exists); CSV goes to stdout without it.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Only households in this region or below it (e.g. 33.16.09).
    #[arg(long, value_name = "CODE")]
    region: Option<String>,
    /// Write NIK and KK masked (3316••••••••0012); such a file cannot be imported again.
    #[arg(long)]
    mask: bool,
}

pub async fn run(command: ExportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ExportCommand::Registry(args) => registry(args).await,
    }
}

impl ExportCommand {
    /// Exports are recorded in the audit log.
    pub(super) fn db(&self) -> &DatabaseArg {
        match self {
            ExportCommand::Registry(args) => &args.db,
        }
    }
}

async fn registry(args: RegistryArgs) -> anyhow::Result<ExitCode> {
    let format = match (args.format, &args.out) {
        (Some(f), _) => f,
        (None, Some(out)) => match FileFormat::from_path(out) {
            Ok(FileFormat::Xlsx) => Format::Xlsx,
            _ => Format::Csv,
        },
        (None, None) => Format::Csv,
    };
    let region = match &args.region {
        Some(raw) => Some(RegionCode::parse(raw).map_err(|e| anyhow::anyhow!("--region {raw}: {e}"))?),
        None => None,
    };
    let url = args.db.url()?;
    let store = berdaya::store::open(&url).await?;
    if let Some(code) = &region {
        store.region(code).await.with_context(|| format!("region {code}"))?;
    }
    let reveal = !args.mask;
    let mut failed: Option<RegistryFileError> = None;
    let count = match (format, &args.out) {
        (Format::Xlsx, None) => anyhow::bail!("XLSX needs a file: pass --out FILE.xlsx"),
        (Format::Xlsx, Some(out)) => {
            let mut w = XlsxRegistryWriter::create(out, reveal)?;
            let n = export(store.as_ref(), region.as_ref(), &mut failed, |r| w.write(r)).await?;
            if failed.is_none() {
                w.finish().with_context(|| format!("writing {}", out.display()))?;
            }
            n
        }
        (Format::Csv, Some(out)) => {
            let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
            let mut w = CsvRegistryWriter::new(file, reveal)?;
            let n = export(store.as_ref(), region.as_ref(), &mut failed, |r| w.write(r)).await?;
            if failed.is_none() {
                w.finish().with_context(|| format!("writing {}", out.display()))?.sync_all()?;
            }
            n
        }
        (Format::Csv, None) => {
            let mut w = CsvRegistryWriter::new(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()), reveal)?;
            let n = export(store.as_ref(), region.as_ref(), &mut failed, |r| w.write(r)).await?;
            if failed.is_none() {
                w.finish().context("writing to stdout")?.flush().context("writing to stdout")?;
            }
            n
        }
    };
    if let Some(e) = failed {
        return Err(e).context("writing the export");
    }
    // Recorded like an export from the web: an identified one is a view of every NIK and KK.
    let event = AuditEvent {
        action: "export".into(),
        entity: "registry".into(),
        entity_id: None,
        details: json!({
            "kind": if reveal { "identified" } else { "masked" },
            "rows": count,
            "area": region.as_ref().map(|r| r.to_string()),
            "via": "cli",
        }),
    };
    store.record_event(&event).await.context("recording the export in the audit log")?;
    tracing::info!(people = count, "registry export finished");
    match &args.out {
        Some(out) => eprintln!("Exported {count} people to {}", out.display()),
        None => eprintln!("Exported {count} people"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Streams the export into `write`; the first write error stops it and lands in `failed`.
async fn export(
    store: &dyn berdaya_store::Store,
    region: Option<&RegionCode>,
    failed: &mut Option<RegistryFileError>,
    mut write: impl FnMut(&RegistryExportRow) -> Result<(), RegistryFileError> + Send,
) -> anyhow::Result<u64> {
    let mut sink = |row: RegistryExportRow| match write(&row) {
        Ok(()) => true,
        Err(e) => {
            *failed = Some(e);
            false
        }
    };
    store.export_registry(region, &mut sink).await.context("reading the registry")
}
