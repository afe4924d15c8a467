//! Storage of agriculture extension: input aid, machinery lending, farmer-group classes.

pub mod aid;
pub mod machine;
