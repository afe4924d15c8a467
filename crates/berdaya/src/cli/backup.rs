//! `berdaya backup` and `berdaya restore`: consistent copies of the SQLite database.
//!
//! A backup uses SQLite's online backup, so it can run while `berdaya serve` writes. A
//! restore replaces the database file and must not run while a server uses it; it records a
//! signed restore point in the audit seals, since the log now ends where the backup's did.
//! PostgreSQL has its own tools, `pg_dump` and `pg_restore`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use berdaya::seal::Sealer;
use berdaya::store::DatabaseUrl;
use berdaya_store_sqlite::SqliteStore;

use super::DatabaseArg;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    db: DatabaseArg,
    /// The backup file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup to restore.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    #[command(flatten)]
    db: DatabaseArg,
    /// Replace the database if it exists (stop the server first).
    #[arg(long)]
    force: bool,
}

const PG_TOOLS: &str = "this database is PostgreSQL: back it up with `pg_dump -Fc` and restore it with `pg_restore`";

pub async fn backup(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let path = match args.db.url()? {
        DatabaseUrl::Sqlite(path) => path,
        DatabaseUrl::Postgres(_) => {
            eprintln!("{PG_TOOLS}");
            return Ok(ExitCode::FAILURE);
        }
    };
    if !berdaya::store::sqlite_exists(&path) {
        anyhow::bail!("there is no database at {}", path.display());
    }
    if args.out.exists() && !args.force {
        anyhow::bail!("{} already exists; pass --force to replace it", args.out.display());
    }
    let store = SqliteStore::open(&path).await.with_context(|| format!("cannot open {}", path.display()))?;
    // Written beside the target and renamed, so a failed backup never leaves half a file
    // under the name the user asked for.
    let partial = sibling(&args.out, "partial");
    remove_if_exists(&partial)?;
    let result = berdaya_store::Store::backup_to(&store, &partial).await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e).with_context(|| format!("backing up {} to {}", path.display(), args.out.display()));
    }
    std::fs::rename(&partial, &args.out).with_context(|| format!("writing {}", args.out.display()))?;
    let size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    tracing::info!(bytes = size, "backup written");
    println!("Backup of {} written to {} ({:.1} MB)", path.display(), args.out.display(), size as f64 / 1e6);
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let url = args.db.url()?;
    let target = match &url {
        DatabaseUrl::Sqlite(path) => path.clone(),
        DatabaseUrl::Postgres(_) => {
            eprintln!("{PG_TOOLS}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut sealer = Sealer::new(args.db.seal_files()?);
    if !args.from.is_file() {
        anyhow::bail!("there is no backup file at {}", args.from.display());
    }
    if berdaya::store::sqlite_exists(&target) && !args.force {
        anyhow::bail!(
            "{} already holds a database; restoring replaces it. Stop the server, then pass --force",
            target.display()
        );
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let (from, to) = (args.from.clone(), target.clone());
    tokio::task::spawn_blocking(move || SqliteStore::restore(&from, &to))
        .await
        .context("the restore task failed")?
        .with_context(|| format!("restoring {} into {}", args.from.display(), target.display()))?;
    // Opening applies any migrations newer than the backup.
    let store = berdaya::store::open(&url).await?;
    let counts = store.registry_counts().await?;
    // The log now ends where the backup's did: say so in the seals, signed, or every later
    // `audit verify` would call the entries after the backup cut off.
    sealer.restored(store.as_ref()).await.context("sealing the restored audit log")?;
    tracing::info!("restore finished");
    println!(
        "Restored {} into {}: {} regions, {} households, {} people",
        args.from.display(),
        target.display(),
        counts.regions,
        counts.households,
        counts.people
    );
    Ok(ExitCode::SUCCESS)
}

/// `FILE` → `FILE.<suffix>` in the same directory.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_exists(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}
