//! PKH storage: rules (being built).
