//! The operational commands of `berdaya`: `serve`, `migrate`, `import`, `export`, `backup`
//! and `restore`. Each lives in its own module; this one holds what they share (the
//! `--database` option, logging, the async runtime).
//!
//! Exit codes: 0 success; 1 for any failure, including an import with invalid rows when
//! `--skip-invalid` is not given.

mod backup;
mod export;
mod import;
mod migrate;
mod serve;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use berdaya::store::{DatabaseUrl, default_database_path};

/// The operational subcommands, flattened into the top-level command.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Run the web server (JSON API and pages).
    Serve(serve::Args),
    /// Create the database if needed and apply pending migrations.
    Migrate(migrate::Args),
    /// Import records from a file.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Export records to a file.
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Write a consistent copy of the SQLite database, also while the server runs.
    Backup(backup::BackupArgs),
    /// Replace the SQLite database with a backup.
    Restore(backup::RestoreArgs),
}

/// Where the data lives; shared by every command that opens the store.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArg {
    /// SQLite file (`PATH`, `sqlite://PATH`) or PostgreSQL URL (`postgres://…`).
    /// Default: `berdaya.sqlite3` in the user's data directory.
    #[arg(long, value_name = "URL", env = "BERDAYA_DATABASE")]
    pub database: Option<String>,
}

impl DatabaseArg {
    /// The database to use: the one given, or the default SQLite file.
    pub fn url(&self) -> anyhow::Result<DatabaseUrl> {
        match &self.database {
            Some(raw) => DatabaseUrl::parse(raw).context("reading --database"),
            None => Ok(DatabaseUrl::Sqlite(default_database_path()?)),
        }
    }
}

/// Runs one command: starts logging and the runtime, then the command.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    init_tracing();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        match command {
            Command::Serve(args) => serve::run(args).await,
            Command::Migrate(args) => migrate::run(args).await,
            Command::Import { command } => import::run(command).await,
            Command::Export { command } => export::run(command).await,
            Command::Backup(args) => backup::backup(args).await,
            Command::Restore(args) => backup::restore(args).await,
        }
    })
}

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`); stdout stays for output.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Fails only if a subscriber is already set, which is harmless.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
