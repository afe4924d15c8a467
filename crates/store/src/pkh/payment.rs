//! PKH storage: payment (being built).
