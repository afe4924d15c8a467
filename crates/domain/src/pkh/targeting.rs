//! PKH: targeting (being built).
