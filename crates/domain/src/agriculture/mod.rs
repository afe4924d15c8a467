//! Agriculture extension: input aid planned from members' land, machinery lending, and the
//! class assessment of farmer groups (seed 000, seed 004).

pub mod aid;
pub mod class;
pub mod machine;
