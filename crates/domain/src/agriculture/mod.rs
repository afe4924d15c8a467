//! Agriculture extension: input aid (land, doses, season plans, distributions), machinery
//! lending and farmer-group class assessment.

pub mod aid;
