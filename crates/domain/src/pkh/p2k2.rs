//! PKH: p2k2 (being built).
