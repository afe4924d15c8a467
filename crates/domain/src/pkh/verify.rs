//! PKH: verify (being built).
