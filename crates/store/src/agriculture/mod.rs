//! Storage of agriculture extension: farmer-group class assessment (and, beside it, input aid
//! and machinery lending).

pub mod class;

pub use class::{ClassCounts, ClassStore, GroupClass, StaffPick};
