//! The `berdaya` application: opening the configured store, demo data, and the commands
//! the binary runs. Kept as a library so integration tests drive the same code.

pub mod demo;
pub mod store;
