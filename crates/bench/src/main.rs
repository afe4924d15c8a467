//! `berdaya-bench`: benchmarks that print their figures (survey statistics; registry import
//! and search to come). A thin dispatcher: each subcommand lives in its own module.

mod registry;
mod survey;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "berdaya-bench", about = "Benchmarks that print their figures")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Spearman on 10M ordinal pairs (against SciPy when importable) and scoring 1M × 14.
    Survey(survey::Args),
    /// Import a generated 1M-person CSV into SQLite with `berdaya import registry`: rows/s, peak MB.
    Import(registry::ImportArgs),
    /// Search 1M people by name prefix and NIK through `berdaya serve`'s HTTP API: p50/p99/max.
    Search(registry::SearchArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Survey(args) => survey::run(&args),
        Command::Import(args) => registry::run_import(&args),
        Command::Search(args) => registry::run_search(&args),
    }
}
