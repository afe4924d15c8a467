//! Survey evaluation: instruments, scoring, categories, correlation and reliability.
//!
//! The flow, as the CLI, the web layer and storage use it:
//! 1. [`XlsForm`] rows (read by `berdaya_files::survey`) → [`Instrument::from_xlsform`], which
//!    returns the instrument or every [`Problem`] found (bins with gaps or overlaps,
//!    unreachable scores, empty indicators, duplicate names, non-integer choice names...).
//! 2. A [`ResponseTable`] of text cells → [`analyze`] with [`AnalysisOptions`] → a [`Report`]
//!    (serde, stable field names) or an [`AnalysisError`] listing every bad answer.
//!
//! The statistics ([`rank`], [`reliability`], [`category`], [`dist`]) are plain functions over
//! slices and are usable on their own. [`seed004`] is the built-in example instrument.

pub mod bins;
pub mod category;
pub mod cells;
pub mod columns;
pub mod dist;
pub mod instrument;
pub mod link;
pub mod rank;
pub mod ratio;
pub mod reliability;
pub mod report;
pub mod responses;
pub mod scoring;
pub mod seed004;
pub mod tally;

pub use category::{Bands, CategoryScheme};
pub use instrument::{ChoiceRow, Coding, FormSettings, Instrument, Problem, ProblemKind, SurveyRow, XlsForm};
pub use rank::{RankCorrelation, Strength};
pub use ratio::Ratio;
pub use report::{AnalysisError, AnalysisOptions, Report, analyze};
pub use responses::{AnswerMatrix, AnswerProblem, MissingPolicy, ResponseRow, ResponseTable, ResponsesError};
pub use tally::{Plan, Tally};
