//! Berdaya's domain: the types and rules of the registry, programs and survey evaluation.
//!
//! Nothing here does I/O: no files, no network, no SQL, no async. Every value that comes
//! from a user or a file is parsed into a type whose constructor is the only way to make one.

pub mod access;
pub mod activity;
pub mod agriculture;
pub mod framework;
pub mod kotaku;
pub mod pkh;
pub mod qual;
pub mod registry;
pub mod survey;
