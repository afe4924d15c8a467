//! `berdaya survey`: check an XLSForm instrument and analyse responses against it.

use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum SurveyCommand {}

pub fn run(command: SurveyCommand) -> anyhow::Result<ExitCode> {
    match command {}
}
