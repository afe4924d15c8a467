//! PKH storage: targeting (being built).
