//! PKH storage: verify (being built).
