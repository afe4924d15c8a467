//! `berdaya migrate`: open the database, which creates it and applies pending migrations.

use std::process::ExitCode;

use super::DatabaseArg;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    db: DatabaseArg,
}

impl Args {
    pub(super) fn db(&self) -> &DatabaseArg {
        &self.db
    }
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let url = args.db.url()?;
    let store = berdaya::store::open(&url).await?;
    let counts = store.registry_counts().await?;
    tracing::info!(backend = store.backend(), "database migrated");
    println!(
        "Basis data siap / database ready: {} ({}), {} regions, {} households, {} people",
        url.redacted(),
        store.backend(),
        counts.regions,
        counts.households,
        counts.people
    );
    Ok(ExitCode::SUCCESS)
}
