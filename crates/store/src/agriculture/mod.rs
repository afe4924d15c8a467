//! Storage of agriculture extension: input aid, machinery lending, farmer-group classes.

pub mod aid;
pub mod class;
pub mod machine;

pub use class::{ClassCounts, ClassStore, GroupClass, StaffPick};
