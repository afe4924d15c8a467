//! `berdaya-bench`: benchmarks that print their figures (survey statistics; registry import
//! and search to come). A thin dispatcher: each subcommand lives in its own module.

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
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Survey(args) => survey::run(&args),
    }
}
