//! The `berdaya` application: opening the configured store, sealing its audit log, demo
//! data, and the commands the binary runs. Kept as a library so integration tests drive the
//! same code.

pub mod demo;
pub mod seal;
pub mod store;
