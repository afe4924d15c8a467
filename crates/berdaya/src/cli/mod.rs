//! The operational commands of `berdaya`: `serve`, `migrate`, `import`, `export`, `backup`,
//! `restore`, `user`, `token`, `audit` and the `pkh` and `kotaku` calculators. Each lives in its own module; this one holds what
//! they share (the `--database` option, logging, the async runtime, who the audit log says
//! acted, and sealing the audit log after every command that writes).
//!
//! Exit codes: 0 success; 1 for any failure, including an import with invalid rows when
//! `--skip-invalid` is not given and an audit log whose chain is broken or that its seals
//! show cut or rewritten.

mod audit;
mod backup;
mod export;
mod import;
mod kotaku;
mod migrate;
mod pkh;
mod qual;
mod serve;
mod token;
mod user;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use berdaya::seal::{SealFiles, Sealed, Sealer};
use berdaya::store::{DatabaseUrl, default_database_path};
use berdaya_store::StoreError;
use berdaya_store::access::{Actor, acting_as};

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
    /// User accounts: create, change password, disable, list, assign to facilitators.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// API tokens for machine clients: create (the secret is shown once), list, revoke.
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
    /// The audit log: verify its hash chain against its seals, seal it, list entries.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// PKH calculators: a family's components and amounts, the sanction ladder (no database).
    Pkh {
        #[command(subcommand)]
        command: pkh::PkhCommand,
    },
    /// Community-program calculators: a neighbourhood's slum score (no database).
    Kotaku {
        #[command(subcommand)]
        command: kotaku::KotakuCommand,
    },
    /// Qualitative evaluation: inter-coder agreement (no database), REFI-QDA export and import.
    Qual {
        #[command(subcommand)]
        command: qual::QualCommand,
    },
}

/// Where the data lives; shared by every command that opens the store.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArg {
    /// SQLite file (`PATH`, `sqlite://PATH`) or PostgreSQL URL (`postgres://…`).
    /// Default: `berdaya.sqlite3` in the user's data directory.
    #[arg(long, value_name = "URL", env = "BERDAYA_DATABASE")]
    pub database: Option<String>,
    /// The key that signs the audit log's seals; keep it where the database's users cannot
    /// read it. Default: `audit.key` in the user's data directory, made on first use.
    #[arg(long, value_name = "FILE", env = "BERDAYA_AUDIT_KEY_FILE")]
    pub audit_key: Option<PathBuf>,
    /// The audit log's seal file (append-only). Default: `DATABASE.seals` beside an SQLite
    /// file, `audit-seals-HOST-PORT-DB.log` in the data directory for PostgreSQL.
    #[arg(long, value_name = "FILE", env = "BERDAYA_AUDIT_SEALS_FILE")]
    pub audit_seals: Option<PathBuf>,
}

impl DatabaseArg {
    /// The database to use: the one given, or the default SQLite file.
    pub fn url(&self) -> anyhow::Result<DatabaseUrl> {
        match &self.database {
            Some(raw) => DatabaseUrl::parse(raw).context("reading --database"),
            None => Ok(DatabaseUrl::Sqlite(default_database_path()?)),
        }
    }

    /// Where the audit log's key and seals are.
    pub fn seal_files(&self) -> anyhow::Result<SealFiles> {
        SealFiles::new(&self.url()?, self.audit_key.clone(), self.audit_seals.clone())
    }
}

impl Command {
    /// The database a command may write to, to seal its audit log after it. `None` for
    /// commands that only read, and for those that seal themselves (`serve`, `restore`,
    /// `audit`).
    fn writes_to(&self) -> Option<&DatabaseArg> {
        match self {
            Command::Migrate(args) => Some(args.db()),
            Command::Import { command } => Some(command.db()),
            Command::Export { command } => Some(command.db()),
            Command::User { command } => command.writes_to(),
            Command::Token { command } => command.writes_to(),
            Command::Qual { command } => command.writes_to(),
            Command::Serve(_)
            | Command::Backup(_)
            | Command::Restore(_)
            | Command::Audit { .. }
            | Command::Pkh { .. }
            | Command::Kotaku { .. } => None,
        }
    }
}

/// Seals the audit log after a command that may have written to it. A failure is a warning:
/// the command's own work is done and committed.
async fn seal_after(db: &DatabaseArg) {
    let sealed = async {
        let store = berdaya::store::open(&db.url()?).await?;
        Sealer::new(db.seal_files()?).seal(store.as_ref()).await
    };
    match sealed.await {
        Ok(Sealed::Refused(why)) => {
            eprintln!("warning: log audit tidak disegel / audit log not sealed: {why}; run `berdaya audit verify`")
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: log audit tidak disegel / audit log not sealed: {e:#}"),
    }
}

/// Runs one command: starts logging and the runtime, then the command, with every write it
/// makes attributed in the audit log to `cli:$USER` (the web server attributes each request
/// to its signed-in user itself).
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    // The calculators open no database and need no runtime.
    let command = match command {
        Command::Pkh { command } => return pkh::run(command),
        Command::Kotaku { command } => return kotaku::run(command),
        Command::Qual { command: qual::QualCommand::Agreement(args) } => return qual::agreement(args),
        other => other,
    };
    init_tracing();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    let actor = Actor::system(cli_actor_name(std::env::var("USER").ok().as_deref()));
    let seal = command.writes_to().cloned();
    let result = runtime.block_on(acting_as(actor, async move {
        match command {
            Command::Serve(args) => serve::run(args).await,
            Command::Migrate(args) => migrate::run(args).await,
            Command::Import { command } => import::run(command).await,
            Command::Export { command } => export::run(command).await,
            Command::Backup(args) => backup::backup(args).await,
            Command::Restore(args) => backup::restore(args).await,
            Command::User { command } => user::run(command).await,
            Command::Token { command } => token::run(command).await,
            Command::Audit { command } => audit::run(command).await,
            Command::Pkh { command } => pkh::run(command),
            Command::Kotaku { command } => kotaku::run(command),
            Command::Qual { command } => qual::run(command).await,
        }
    }));
    if let (Ok(_), Some(db)) = (&result, seal) {
        runtime.block_on(seal_after(&db));
    }
    result
}

/// `cli:USER`, or `cli:unknown` without a usable `$USER`.
fn cli_actor_name(user: Option<&str>) -> String {
    match user.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => format!("cli:{}", u.chars().take(64).collect::<String>()),
        None => "cli:unknown".into(),
    }
}

/// A store error in the terms of the command line: a field the store names becomes the
/// option that carried it (`agency_id` → `--agency`).
pub(crate) fn store_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Duplicate { field, message } | StoreError::Reference { field, message } => {
            anyhow::anyhow!("{}: {message}", option_of(field))
        }
        StoreError::Invalid(invalid) => anyhow::anyhow!(
            "{}",
            invalid.0.iter().map(|f| format!("{}: {}", option_of(&f.field), f.message)).collect::<Vec<_>>().join("; ")
        ),
        other => anyhow::Error::new(other),
    }
}

/// The command-line name of a field of a user, token or assignment.
pub(crate) fn option_of(field: &str) -> &str {
    match field {
        "username" => "USERNAME",
        "display_name" => "--name",
        "role" => "--role",
        "area" => "--area",
        "agency_id" => "--agency",
        "group_id" => "--group",
        "household_id" => "--household",
        other => other,
    }
}

/// Prints rows as a table with a header, columns padded to their widest cell.
pub(crate) fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(cell);
            if i + 1 < widths.len() {
                out.extend(std::iter::repeat_n(' ', w.saturating_sub(cell.chars().count())));
            }
        }
        println!("{}", out.trim_end());
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_acts_as_its_unix_user() {
        assert_eq!(cli_actor_name(Some("siti")), "cli:siti");
        assert_eq!(cli_actor_name(Some("  ")), "cli:unknown");
        assert_eq!(cli_actor_name(None), "cli:unknown");
    }
}
