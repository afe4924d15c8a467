//! PKH storage: family (being built).
