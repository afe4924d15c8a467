//! Agriculture extension in the store: input aid, machinery lending, group classes.

pub mod aid;
