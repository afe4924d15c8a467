//! PKH: family (being built).
