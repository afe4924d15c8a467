//! The `berdaya` command.

mod cli;
mod survey;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: the import moves millions of small strings from the reader thread to the
/// writer thread, which glibc's allocator handles poorly (a third of the CPU in a profile).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "berdaya", version, about = "Run and evaluate community-empowerment programs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Survey evaluation: check instruments, analyse responses.
    Survey {
        #[command(subcommand)]
        command: survey::SurveyCommand,
    },
    #[command(flatten)]
    Ops(cli::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Survey { command } => survey::run(command),
        Command::Ops(command) => cli::run(command),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
