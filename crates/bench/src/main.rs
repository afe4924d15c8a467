//! `berdaya-bench`: benchmarks that print their figures (survey statistics, registry import
//! and search, a load test on both backends). A thin dispatcher: each subcommand lives in its
//! own module.

mod allocation;
mod attendance;
mod books;
mod load;
mod pkh;
mod process;
mod qual;
mod regions;
mod registry;
mod survey;
mod survey_file;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "berdaya-bench", about = "Benchmarks that print their figures", after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const AFTER_HELP: &str = "\
Build first: cargo build --release -p berdaya -p berdaya-bench (the benchmarks run the
berdaya binary beside berdaya-bench).

Load test: `berdaya-bench load` runs --clients API clients (default 50) for --seconds
(default 30) against `berdaya serve` on SQLite, then on PostgreSQL (--pg-url, loopback
only; a database is created and dropped), with a mix of name and NIK searches, record
views, creates and versioned edits, while `berdaya import registry` adds --import-rows
people to the same database. It prints per kind of request: requests, req/s, p50/p99/max,
2xx, expected 4xx (409 for an edit that lost the race), unexpected 4xx, 5xx, and requests
without answer; then the import's result and one summary line. It exits with 1 if any
request got a 5xx or no answer, or the import failed.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Spearman on 10M ordinal pairs (against SciPy when importable) and scoring 1M × 14.
    Survey(survey::Args),
    /// `berdaya survey analyze` on a 1M-respondent CSV against pandas + SciPy, then 10M: time, peak MB.
    SurveyFile(survey_file::Args),
    /// Import a generated 1M-person CSV into SQLite with `berdaya import registry`: rows/s, peak MB.
    Import(registry::ImportArgs),
    /// Search 1M people by name prefix and NIK through `berdaya serve`'s HTTP API: p50/p99/max.
    Search(registry::SearchArgs),
    /// `berdaya import regions` (91,599 regions) into an empty database on SQLite and PostgreSQL, twice.
    Regions(regions::RegionsArgs),
    /// A 10,000-member group's input-aid season allocation: the pure function and the store path on SQLite.
    Allocation(allocation::Args),
    /// Record attendance for a 500-person activity (one bulk upsert) on SQLite and PostgreSQL: ms per run.
    Attendance(attendance::AttendanceArgs),
    /// PKH with 1M families (4M members): close a verification period, build a stage payment list; time, peak MB.
    Pkh(pkh::Args),
    /// Group books: post 1M entries over 1,000 groups on SQLite, time all monthly statements (< 2 s).
    Books(books::Args),
    /// Qualitative: 100,000 codings over 1,000 sources; the code × informant matrix and two coders' agreement (< 200 ms each).
    Qual(qual::Args),
    /// Load test: 50 clients for 30 s on SQLite and PostgreSQL while a CLI import runs; fails on any 5xx.
    Load(load::LoadArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Survey(args) => survey::run(&args),
        Command::SurveyFile(args) => survey_file::run(&args),
        Command::Import(args) => registry::run_import(&args),
        Command::Search(args) => registry::run_search(&args),
        Command::Load(args) => load::run(&args),
        Command::Regions(args) => regions::run(&args),
        Command::Allocation(args) => allocation::run(&args),
        Command::Attendance(args) => attendance::run(&args),
        Command::Pkh(args) => pkh::run(&args),
        Command::Books(args) => books::run(&args),
        Command::Qual(args) => qual::run(&args),
    }
}
