//! Agriculture extension: farmer-group class assessment (and, beside it, input aid and
//! machinery lending).

pub mod class;
