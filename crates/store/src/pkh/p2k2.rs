//! PKH storage: p2k2 (being built).
