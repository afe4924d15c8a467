//! Survey evaluation: instruments, scoring, categories, correlation and reliability.

pub mod dist;
pub mod rank;
pub mod ratio;
